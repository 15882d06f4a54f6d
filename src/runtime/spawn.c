/*
 * Handler start-up.  A child is started with clone(CLONE_VM) on the stack of
 * a spawn slot and runs in the daemon's memory until its execve, while the
 * daemon goes on: it does not wait for the exec as a vfork parent would, so
 * the child's setsid, dup2s and exec overlap the daemon's next accept.
 *
 * So the child reads only its slot (a copy of the request) and the exec
 * plan the slot holds a reference on, never allocates, and makes only raw
 * system calls: it shares the daemon's errno.  The kernel zeroes slot->in_child when the child
 * execs or exits (CLONE_CHILD_CLEARTID); only then may the slot be reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#ifdef HAVE_VALGRIND_VALGRIND_H
#include <valgrind/valgrind.h>
#define UNDER_VALGRIND() RUNNING_ON_VALGRIND
#else
#define UNDER_VALGRIND() 0
#endif

#include "clock.h"
#include "raw_syscall.h"
#include "signals.h"
#include "spawn.h"

#define SLOT_STACK_SIZE (64 * 1024)
#define QUIESCE_WAIT_NS (500 * NSEC_PER_MSEC)
#define SLOT_WAIT_NS    NSEC_PER_SEC

/*
 * How many children may be between clone and exec at once: one more than
 * there are CPUs to run them.  More only queue in the scheduler, each in the
 * scheduling group of its own new session (autogroup), and starve the
 * handlers already running: on 2 CPUs, 8 slots gave 1.2x the connection
 * rate of a vfork loop at c=64 but twice its p99 latency; 3 slots give
 * about its rate at about its p99 (bench/RESULTS.md).
 *
 * CLONE_VFORK instead: without inline raw system calls, under valgrind (which
 * runs that child as a fork, and stops at a clone(CLONE_VM) child of any
 * other kind), or where clone refuses CLONE_VM alone.
 */
int spawn_init(struct spawner *sp, const struct rlimit *nofile, spawn_failure_fn *on_failure,
               void *ctx)
{
    struct rlimit now;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t each = SLOT_STACK_SIZE + page; /* a guard page below each stack */

    memset(sp, 0, sizeof(*sp));
    sp->handler_nofile = *nofile;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    sp->slots_in_use = cpus < 1 ? 2 : cpus >= SPAWN_SLOTS ? SPAWN_SLOTS : (int)cpus + 1;
    sp->restore_nofile = getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur != nofile->rlim_cur;
    sp->report_failure = on_failure;
    sp->report_ctx = ctx;
    sp->suspend_parent = !RAW_SYSCALL_INLINE || UNDER_VALGRIND();
    char *stacks = mmap(NULL, each * SPAWN_SLOTS, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stacks == MAP_FAILED)
        return -1;
    sp->stacks = stacks;
    sp->stacks_len = each * SPAWN_SLOTS;
    for (int i = 0; i < SPAWN_SLOTS; i++) {
        char *base = stacks + (size_t)i * each;
        if (mprotect(base, page, PROT_NONE) == -1)
            return -1;
        sp->slots[i].stack_top = base + each;
    }
    return 0;
}

void spawn_destroy(struct spawner *sp)
{
    for (int i = 0; i < SPAWN_SLOTS; i++) {
        exec_plan_unref(sp->slots[i].plan);
        sp->slots[i].plan = NULL;
        free(sp->slots[i].envp);
        sp->slots[i].envp = NULL;
    }
    if (sp->stacks)
        munmap(sp->stacks, sp->stacks_len);
    sp->stacks = NULL;
}

/* --- the child -------------------------------------------------------------------- */

/* Decimal of V into BUF (room for 21 bytes). */
static void fmt_ulong(char *buf, unsigned long v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

static long child_dup2(int from, int to)
{
    if (from == to) /* dup3 refuses this; what dup2 would do is drop close-on-exec */
        return RAW_SYSCALL(SYS_fcntl, to, F_SETFD, 0, 0);
    return RAW_SYSCALL(SYS_dup3, from, to, 0, 0);
}

/* The first descriptor past what the handler gets (0-2, and 3 with
 * listen_fds): where the child keeps its Landlock ruleset until it applies it. */
static int child_first_free_fd(const struct spawn_slot *slot)
{
    return slot->sock_on_fd3 ? 4 : 3;
}

/* Put the sockets on 0, 1, 2 (and 3), the ruleset (if any) just past them;
 * -errno on failure. */
static long child_fds(const struct spawn_slot *slot)
{
    int first = child_first_free_fd(slot);
    long ruleset = slot->plan->sandbox.landlock_fd, r;

    /* Out of the way of the dups below first (close-on-exec, like the original). */
    if (ruleset >= 0 && ruleset <= first &&
        (ruleset = RAW_SYSCALL(SYS_fcntl, ruleset, F_DUPFD_CLOEXEC, first + 1, 0)) < 0)
        return ruleset;
    if ((r = child_dup2(slot->sock, 0)) < 0 || (r = child_dup2(slot->sock, 1)) < 0 ||
        (r = child_dup2(slot->stderr_fd, 2)) < 0)
        return r;
    if (slot->sock_on_fd3 && (r = child_dup2(0, 3)) < 0)
        return r;
    if (ruleset >= 0 && (r = RAW_SYSCALL(SYS_dup3, ruleset, first, O_CLOEXEC, 0)) < 0)
        return r;
    /* Now, not at exec: the daemon may close a listener or pipe before this
     * child execs, and a copy held here would keep it open (EADDRINUSE when
     * a reload binds its address again). */
    RAW_SYSCALL(SYS_close_range, ruleset >= 0 ? first + 1 : first, ~0U, 0, 0);
    return 0;
}

static long child_setrlimit(int resource, uint64_t cur, uint64_t max)
{
    uint64_t rl[2] = {cur, max}; /* struct rlimit64 */
    return RAW_SYSCALL(SYS_prlimit64, 0, resource, rl, NULL);
}

/* The bounding set becomes exactly the kept capabilities (needs CAP_SETPCAP:
 * before the identity change). */
static long child_drop_bounding(const struct exec_sandbox *sb)
{
    for (int cap = 0; cap <= sb->last_cap; cap++) {
        long r;
        if (sb->keep_caps & (1ULL << cap))
            continue;
        if ((r = RAW_SYSCALL(SYS_prctl, PR_CAPBSET_DROP, cap, 0, 0)) < 0 && r != -EINVAL)
            return r;
    }
    return 0;
}

/* A non-root handler: the kept capabilities permitted, effective, inheritable
 * and ambient, so they survive its exec. */
static long child_raise_ambient(const struct exec_sandbox *sb)
{
    struct {
        uint32_t version;
        int pid;
    } header = {_LINUX_CAPABILITY_VERSION_3, 0};
    long r = RAW_SYSCALL(SYS_capset, &header, sb->cap_data, 0, 0);

    for (int cap = 0; r >= 0 && cap <= sb->last_cap; cap++)
        if (sb->keep_caps & (1ULL << cap))
            r = raw_syscall6(SYS_prctl, PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0, 0);
    return r < 0 ? r : RAW_SYSCALL(SYS_prctl, PR_SET_KEEPCAPS, 0, 0, 0);
}

/* Last: no_new_privs, then the Landlock domain, then the seccomp filter. */
static const char *child_restrict(const struct spawn_slot *slot, long *err)
{
    const struct exec_sandbox *sb = &slot->plan->sandbox;

    if (sb->no_new_privs && (*err = RAW_SYSCALL(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0)) < 0)
        return "no_new_privileges";
    if (sb->landlock_fd >= 0) {
        int fd = child_first_free_fd(slot);
        if ((*err = RAW_SYSCALL(SYS_landlock_restrict_self, fd, 0, 0, 0)) < 0)
            return "landlock";
        RAW_SYSCALL(SYS_close, fd, 0, 0, 0);
    }
    if (sb->seccomp.len &&
        (*err = RAW_SYSCALL(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &sb->seccomp, 0)) < 0)
        return "seccomp";
    return NULL;
}

/* The confinement steps, in the safe order; the identity change last, checked.
 * Returns the failed step with *err set, or NULL. */
static const char *child_confine(const struct spawn_slot *slot, long *err)
{
    const struct exec_plan *p = slot->plan;

    if (slot->restore_nofile && !p->sets_nofile &&
        (*err = child_setrlimit(RLIMIT_NOFILE, slot->handler_nofile.rlim_cur,
                                slot->handler_nofile.rlim_max)) < 0)
        return "setrlimit";
    for (int i = 0; i < p->n_rlimits; i++)
        if ((*err = child_setrlimit(p->rlimits[i].resource, p->rlimits[i].value,
                                    p->rlimits[i].value)) < 0)
            return "setrlimit";
    if (p->has_nice && (*err = RAW_SYSCALL(SYS_setpriority, PRIO_PROCESS, 0, p->nice, 0)) < 0)
        return "nice";
    if (p->has_umask)
        RAW_SYSCALL(SYS_umask, p->umask, 0, 0, 0);
    if (p->chroot && ((*err = RAW_SYSCALL(SYS_chroot, p->chroot, 0, 0, 0)) < 0 ||
                      (*err = RAW_SYSCALL(SYS_chdir, "/", 0, 0, 0)) < 0))
        return "chroot";
    if (p->chdir && (*err = RAW_SYSCALL(SYS_chdir, p->chdir, 0, 0, 0)) < 0)
        return "chdir";
    if (p->sandbox.drop_bounding && (*err = child_drop_bounding(&p->sandbox)) < 0)
        return "capabilities";
    if (p->set_groups) {
        if ((*err = RAW_SYSCALL(SYS_setgroups, p->n_groups, p->groups, 0, 0)) < 0)
            return "setgroups";
        if ((*err = RAW_SYSCALL(SYS_setresgid, p->gid, p->gid, p->gid, 0)) < 0)
            return "setgid";
    }
    /* Keep the permitted set across setresuid, to raise the ambient ones after. */
    if (p->sandbox.raise_ambient && (*err = RAW_SYSCALL(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0)) < 0)
        return "capabilities";
    if (p->set_uid) {
        if ((*err = RAW_SYSCALL(SYS_setresuid, p->uid, p->uid, p->uid, 0)) < 0)
            return "setuid";
        *err = -EPERM;
        if (RAW_SYSCALL(SYS_getuid, 0, 0, 0, 0) != (long)p->uid ||
            RAW_SYSCALL(SYS_geteuid, 0, 0, 0, 0) != (long)p->uid)
            return "setuid check";
        if (p->uid != 0 && RAW_SYSCALL(SYS_setuid, 0, 0, 0, 0) == 0)
            return "setuid check";
    }
    if (p->sandbox.raise_ambient && (*err = child_raise_ambient(&p->sandbox)) < 0)
        return "capabilities";
    return child_restrict(slot, err);
}

/* LISTEN_PID must be the handler's own pid, known only here: the parent
 * reserved "LISTEN_PID=" plus room for the digits in the slot. */
static void child_set_listen_pid(char **envp)
{
    static const char key[] = "LISTEN_PID=";
    for (; *envp; envp++)
        if (strncmp(*envp, key, sizeof(key) - 1) == 0) {
            fmt_ulong(*envp + sizeof(key) - 1, (unsigned long)RAW_SYSCALL(SYS_getpid, 0, 0, 0, 0));
            return;
        }
}

static int spawn_child(void *arg)
{
    struct spawn_slot *slot = arg;
    unsigned long dfl_action[4] = {0}; /* struct kernel_sigaction: SIG_DFL, no flags */
    uint64_t no_signals = 0;
    const char *step;
    long err;

    /* Our handlers must not run here, and SIGPIPE must not stay ignored. */
    for (int i = 0; i < signals_caught_count; i++)
        RAW_SYSCALL(SYS_rt_sigaction, signals_caught[i], dfl_action, NULL, sizeof(no_signals));
    RAW_SYSCALL(SYS_rt_sigaction, SIGPIPE, dfl_action, NULL, sizeof(no_signals));

    step = "setsid";
    if ((err = RAW_SYSCALL(SYS_setsid, 0, 0, 0, 0)) < 0)
        goto fail;
    step = "dup2";
    if ((err = child_fds(slot)) < 0 || (step = child_confine(slot, &err)))
        goto fail;
    if (slot->sock_on_fd3)
        child_set_listen_pid(slot->envp);
    RAW_SYSCALL(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, sizeof(no_signals));
    err = RAW_SYSCALL(SYS_execve, slot->plan->exec, slot->plan->argv, slot->envp, 0);
    step = "execve";
fail:
    slot->child_errno = (int)-err;
    slot->failed_step = step;
    RAW_SYSCALL(SYS_exit_group, 127, 0, 0, 0);
    return 127; /* not reached */
}

/* --- the daemon's side -------------------------------------------------------------- */

static bool slot_child_gone(const struct spawn_slot *slot)
{
    return __atomic_load_n(&slot->in_child, __ATOMIC_ACQUIRE) == 0;
}

void spawn_collect(struct spawner *sp)
{
    for (int i = 0; i < SPAWN_SLOTS; i++) {
        struct spawn_slot *slot = &sp->slots[i];
        if (!slot->used || !slot_child_gone(slot))
            continue;
        slot->used = false;
        exec_plan_unref(slot->plan);
        slot->plan = NULL;
        if (slot->failed_step && sp->report_failure)
            sp->report_failure(slot->pid, slot->failed_step, slot->child_errno, sp->report_ctx);
    }
}

/* Sleep until SLOT's child has left our memory or DEADLINE (CLOCK_MONOTONIC ns). */
static void slot_wait(struct spawn_slot *slot, uint64_t deadline)
{
    for (int i = 0; i < 10000 && !slot_child_gone(slot); i++) {
        uint64_t now = clock_now_ns();
        if (now >= deadline)
            return;
        uint64_t left = deadline - now;
        struct timespec ts = {(time_t)(left / NSEC_PER_SEC), (long)(left % NSEC_PER_SEC)};
        /* Not FUTEX_PRIVATE: the kernel's wake at exec is a shared one. */
        syscall(SYS_futex, &slot->in_child, FUTEX_WAIT, 1, &ts, NULL, 0);
    }
}

/* A free slot, waiting (bounded) when every one has a child not yet exec'd. */
static struct spawn_slot *slot_acquire(struct spawner *sp)
{
    uint64_t deadline = 0;

    for (int round = 0; round < 1000; round++) {
        struct spawn_slot *oldest = NULL;
        spawn_collect(sp);
        for (int i = 0; i < sp->slots_in_use; i++) {
            if (!sp->slots[i].used)
                return &sp->slots[i];
            if (!oldest || sp->slots[i].started < oldest->started)
                oldest = &sp->slots[i];
        }
        if (!deadline)
            deadline = clock_now_ns() + SLOT_WAIT_NS;
        else if (clock_now_ns() >= deadline)
            break;
        slot_wait(oldest, clock_now_ns() + NSEC_PER_MSEC); /* likely the first to exec */
    }
    return NULL;
}

/* Copy REQ into SLOT: the connection's variables, then the plan's. */
static int slot_fill(struct spawner *sp, struct spawn_slot *slot, const struct spawn_request *req)
{
    size_t n_conn = 0, used = 0;

    while (req->conn_env && req->conn_env[n_conn])
        n_conn++;
    size_t need = n_conn + req->plan->n_env + 1;
    if (need > slot->envp_cap) { /* the slot is free: no child reads this array */
        char **grown = realloc(slot->envp, need * sizeof(*grown));
        if (!grown)
            return -1;
        slot->envp = grown;
        slot->envp_cap = need;
    }
    size_t k = 0;
    for (size_t i = 0; i < n_conn; i++) {
        size_t len = strlen(req->conn_env[i]) + 1;
        if (len > sizeof(slot->env) - used)
            break; /* not reached: conn_env formats them into as many bytes */
        slot->envp[k++] = memcpy(slot->env + used, req->conn_env[i], len);
        used += len;
    }
    for (size_t i = 0; i < req->plan->n_env; i++)
        slot->envp[k++] = req->plan->env[i];
    slot->envp[k] = NULL;
    slot->plan = exec_plan_ref(req->plan);
    slot->sock = req->sock;
    slot->stderr_fd = req->stderr_fd;
    slot->sock_on_fd3 = req->sock_on_fd3;
    slot->restore_nofile = sp->restore_nofile;
    slot->handler_nofile = sp->handler_nofile;
    slot->failed_step = NULL;
    slot->child_errno = 0;
    return 0;
}

static pid_t slot_clone(struct spawner *sp, struct spawn_slot *slot)
{
    if (!sp->suspend_parent) {
        slot->in_child = 1;
        pid_t pid = clone(spawn_child, slot->stack_top, CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD,
                          slot, NULL, NULL, &slot->in_child);
        if (pid != -1 || errno != EINVAL)
            return pid;
        sp->suspend_parent = true; /* CLONE_VM alone refused */
    }
    slot->in_child = 0; /* when clone returns, the child has exec'd or exited */
    return clone(spawn_child, slot->stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, slot);
}

pid_t spawn_handler(struct spawner *sp, const struct spawn_request *req)
{
    struct spawn_slot *slot = slot_acquire(sp);
    sigset_t all, old;

    if (!slot) {
        errno = EAGAIN;
        return -1;
    }
    if (slot_fill(sp, slot, req) == -1) {
        errno = ENOMEM;
        return -1;
    }
    /* Blocked until the child has reset its dispositions: no handler of ours
     * may run on the child's side of the shared memory. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = slot_clone(sp, slot);
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid == -1) {
        slot->in_child = 0;
        exec_plan_unref(slot->plan);
        slot->plan = NULL;
        errno = saved;
        return -1;
    }
    slot->pid = pid;
    slot->started = ++sp->spawned;
    slot->used = true;
    return pid;
}

bool spawn_quiesce(struct spawner *sp)
{
    uint64_t deadline = clock_now_ns() + QUIESCE_WAIT_NS;
    bool stuck = false;
    struct spawn_slot *slots = sp->slots;

    for (int i = 0; i < SPAWN_SLOTS; i++)
        if (slots[i].used)
            slot_wait(&slots[i], deadline);
    /* Not exec'd in half a second: stopped, or blocked in the kernel.  It is
     * not a handler yet, so it is ended like a start that failed. */
    for (int i = 0; i < SPAWN_SLOTS; i++)
        if (slots[i].used && !slot_child_gone(&slots[i]))
            kill(slots[i].pid, SIGKILL);
    deadline = clock_now_ns() + QUIESCE_WAIT_NS;
    for (int i = 0; i < SPAWN_SLOTS; i++)
        if (slots[i].used) {
            slot_wait(&slots[i], deadline);
            stuck = stuck || !slot_child_gone(&slots[i]);
        }
    spawn_collect(sp);
    return !stuck;
}
