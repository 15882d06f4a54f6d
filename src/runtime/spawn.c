/*
 * Handler start-up.  A child is started with clone(CLONE_VM) on the stack of
 * a spawn slot and runs in the daemon's memory until its execve, while the
 * daemon goes on: it does not wait for the exec as a vfork parent would, so
 * the child's setsid, dup2s and exec overlap the daemon's next accept.
 *
 * So the child reads only its slot (a copy of the request) and what the
 * slot points to (the service and its exec plan, which spawn_quiesce keeps
 * alive), never allocates, and makes only raw system calls: it shares the
 * daemon's errno.  The kernel zeroes slot->in_child when the child execs or
 * exits (CLONE_CHILD_CLEARTID); only then may the slot be reused.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
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

#define SPAWN_SLOTS     8
#define SLOT_STACK_SIZE (64 * 1024)
#define SLOT_ENV_BYTES  1024
#define QUIESCE_WAIT_NS (500 * NSEC_PER_MSEC)
#define SLOT_WAIT_NS    NSEC_PER_SEC

struct spawn_slot {
    pid_t in_child; /* 1 from clone until the kernel zeroes it at exec or exit */
    bool used;      /* started a child not collected yet */
    pid_t pid;
    uint64_t started; /* spawn sequence number */
    /* The request, copied */
    const struct service *svc;
    const struct exec_plan *plan;
    int sock, stderr_fd;
    bool sock_on_fd3;
    char **envp; /* this connection's entries, the plan's, NULL */
    size_t envp_cap;
    char env[SLOT_ENV_BYTES];
    /* Written by a child that fails before its exec */
    const char *failed_step;
    int child_errno;
    char *stack_top;
};

static struct spawn_slot slots[SPAWN_SLOTS];
/*
 * How many children may be between clone and exec at once: one more than
 * there are CPUs to run them.  More only queue in the scheduler, each in the
 * scheduling group of its own new session (autogroup), and starve the
 * handlers already running: on 2 CPUs, 8 slots gave 1.2x the connection
 * rate of a vfork loop at c=64 but twice its p99 latency; 3 slots give
 * about its rate at about its p99 (bench/RESULTS.md).
 */
static int slots_in_use = SPAWN_SLOTS;
/* CLONE_VFORK: without inline raw system calls, under valgrind (which runs
 * that child as a fork, and stops at a clone(CLONE_VM) child of any other
 * kind), or where clone refuses CLONE_VM alone */
static bool suspend_parent = !RAW_SYSCALL_INLINE;
static struct rlimit handler_nofile;
static bool restore_nofile;
static spawn_failure_fn *report_failure;
static void *report_ctx;

int spawn_init(const struct rlimit *nofile, spawn_failure_fn *on_failure, void *ctx)
{
    struct rlimit now;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t each = SLOT_STACK_SIZE + page; /* a guard page below each stack */

    handler_nofile = *nofile;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    slots_in_use = cpus < 1 ? 2 : cpus >= SPAWN_SLOTS ? SPAWN_SLOTS : (int)cpus + 1;
    restore_nofile = getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur != nofile->rlim_cur;
    report_failure = on_failure;
    if (UNDER_VALGRIND())
        suspend_parent = true;
    report_ctx = ctx;
    char *stacks = mmap(NULL, each * SPAWN_SLOTS, PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stacks == MAP_FAILED)
        return -1;
    for (int i = 0; i < SPAWN_SLOTS; i++) {
        char *base = stacks + (size_t)i * each;
        if (mprotect(base, page, PROT_NONE) == -1)
            return -1;
        slots[i].stack_top = base + each;
    }
    return 0;
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

/* Put the sockets on 0, 1, 2 (and 3); -errno on failure. */
static long child_fds(const struct spawn_slot *slot)
{
    long r;
    if ((r = child_dup2(slot->sock, 0)) < 0 || (r = child_dup2(slot->sock, 1)) < 0 ||
        (r = child_dup2(slot->stderr_fd, 2)) < 0)
        return r;
    if (slot->sock_on_fd3 && (r = child_dup2(0, 3)) < 0)
        return r;
    /* Now, not at exec: the daemon may close a listener or pipe before this
     * child execs, and a copy held here would keep it open (EADDRINUSE when
     * a reload binds its address again). */
    RAW_SYSCALL(SYS_close_range, slot->sock_on_fd3 ? 4 : 3, ~0U, 0, 0);
    return 0;
}

static const int rlimit_resource[RL_COUNT] = {
    [RL_CPU] = RLIMIT_CPU,     [RL_AS] = RLIMIT_AS,       [RL_NOFILE] = RLIMIT_NOFILE,
    [RL_NPROC] = RLIMIT_NPROC, [RL_FSIZE] = RLIMIT_FSIZE, [RL_CORE] = RLIMIT_CORE,
};

static long child_setrlimit(int resource, uint64_t cur, uint64_t max)
{
    uint64_t rl[2] = {cur, max}; /* struct rlimit64 */
    return RAW_SYSCALL(SYS_prlimit64, 0, resource, rl, NULL);
}

/* The confinement steps, in the safe order; the identity change last, checked.
 * Returns the failed step with *err set, or NULL. */
static const char *child_confine(const struct spawn_slot *slot, long *err)
{
    const struct service *svc = slot->svc;

    if (restore_nofile && !svc->rlimits[RL_NOFILE].set &&
        (*err = child_setrlimit(RLIMIT_NOFILE, handler_nofile.rlim_cur, handler_nofile.rlim_max)) <
            0)
        return "setrlimit";
    for (int i = 0; i < RL_COUNT; i++)
        if (svc->rlimits[i].set &&
            (*err = child_setrlimit(rlimit_resource[i], svc->rlimits[i].value,
                                    svc->rlimits[i].value)) < 0)
            return "setrlimit";
    if (svc->has_nice && (*err = RAW_SYSCALL(SYS_setpriority, PRIO_PROCESS, 0, svc->nice, 0)) < 0)
        return "nice";
    if (svc->has_umask)
        RAW_SYSCALL(SYS_umask, svc->umask, 0, 0, 0);
    if (svc->chroot && ((*err = RAW_SYSCALL(SYS_chroot, svc->chroot, 0, 0, 0)) < 0 ||
                        (*err = RAW_SYSCALL(SYS_chdir, "/", 0, 0, 0)) < 0))
        return "chroot";
    if (svc->chdir && (*err = RAW_SYSCALL(SYS_chdir, svc->chdir, 0, 0, 0)) < 0)
        return "chdir";
    if (svc->has_user || svc->has_group) {
        if ((*err = RAW_SYSCALL(SYS_setgroups, slot->plan->n_groups, slot->plan->groups, 0, 0)) < 0)
            return "setgroups";
        if ((*err = RAW_SYSCALL(SYS_setresgid, svc->gid, svc->gid, svc->gid, 0)) < 0)
            return "setgid";
    }
    if (svc->has_user) {
        if ((*err = RAW_SYSCALL(SYS_setresuid, svc->uid, svc->uid, svc->uid, 0)) < 0)
            return "setuid";
        *err = -EPERM;
        if (RAW_SYSCALL(SYS_getuid, 0, 0, 0, 0) != (long)svc->uid ||
            RAW_SYSCALL(SYS_geteuid, 0, 0, 0, 0) != (long)svc->uid)
            return "setuid check";
        if (svc->uid != 0 && RAW_SYSCALL(SYS_setuid, 0, 0, 0, 0) == 0)
            return "setuid check";
    }
    return NULL;
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
    err = RAW_SYSCALL(SYS_execve, slot->svc->exec, slot->svc->args, slot->envp, 0);
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

void spawn_collect(void)
{
    for (int i = 0; i < SPAWN_SLOTS; i++) {
        struct spawn_slot *slot = &slots[i];
        if (!slot->used || !slot_child_gone(slot))
            continue;
        slot->used = false;
        if (slot->failed_step && report_failure)
            report_failure(slot->pid, slot->failed_step, slot->child_errno, report_ctx);
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
static struct spawn_slot *slot_acquire(void)
{
    uint64_t deadline = 0;

    for (int round = 0; round < 1000; round++) {
        struct spawn_slot *oldest = NULL;
        spawn_collect();
        for (int i = 0; i < slots_in_use; i++) {
            if (!slots[i].used)
                return &slots[i];
            if (!oldest || slots[i].started < oldest->started)
                oldest = &slots[i];
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
static int slot_fill(struct spawn_slot *slot, const struct spawn_request *req)
{
    size_t n_conn = 0, used = 0;

    while (n_conn < SPAWN_CONN_VARS && req->conn_env[n_conn])
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
            break; /* not reached: handler.c formats them into as many bytes */
        slot->envp[k++] = memcpy(slot->env + used, req->conn_env[i], len);
        used += len;
    }
    for (size_t i = 0; i < req->plan->n_env; i++)
        slot->envp[k++] = req->plan->env[i];
    slot->envp[k] = NULL;
    slot->svc = req->svc;
    slot->plan = req->plan;
    slot->sock = req->sock;
    slot->stderr_fd = req->stderr_fd;
    slot->sock_on_fd3 = req->sock_on_fd3;
    slot->failed_step = NULL;
    slot->child_errno = 0;
    return 0;
}

static pid_t slot_clone(struct spawn_slot *slot)
{
    if (!suspend_parent) {
        slot->in_child = 1;
        pid_t pid = clone(spawn_child, slot->stack_top, CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD,
                          slot, NULL, NULL, &slot->in_child);
        if (pid != -1 || errno != EINVAL)
            return pid;
        suspend_parent = true; /* CLONE_VM alone refused */
    }
    slot->in_child = 0; /* when clone returns, the child has exec'd or exited */
    return clone(spawn_child, slot->stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, slot);
}

pid_t spawn_handler(const struct spawn_request *req)
{
    struct spawn_slot *slot = slot_acquire();
    sigset_t all, old;

    if (!slot) {
        errno = EAGAIN;
        return -1;
    }
    if (slot_fill(slot, req) == -1) {
        errno = ENOMEM;
        return -1;
    }
    /* Blocked until the child has reset its dispositions: no handler of ours
     * may run on the child's side of the shared memory. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = slot_clone(slot);
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    if (pid == -1) {
        slot->in_child = 0;
        errno = saved;
        return -1;
    }
    static uint64_t spawned;
    slot->pid = pid;
    slot->started = ++spawned;
    slot->used = true;
    return pid;
}

bool spawn_quiesce(void)
{
    uint64_t deadline = clock_now_ns() + QUIESCE_WAIT_NS;
    bool stuck = false;

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
    spawn_collect();
    return !stuck;
}
