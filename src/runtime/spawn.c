/*
 * Handler start-up.  A child is started with clone(CLONE_VM) on the stack of
 * a spawn slot and runs in the daemon's memory until its execve, while the
 * daemon goes on: it does not wait for the exec as a vfork parent would, so
 * the child's setsid, dup2s and exec overlap the daemon's next accept.
 *
 * The child's side is spawn_child.c.  The kernel zeroes slot->in_child
 * when the child execs or exits (CLONE_CHILD_CLEARTID); only then may the
 * slot be reused.
 */
#include <errno.h>
#include <linux/futex.h>
#include <sched.h>
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
#include "spawn_child.h"

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
        if (slot->failed_step != SPAWN_STEP_NONE && sp->report_failure)
            sp->report_failure(slot->pid, spawn_step_name(slot->failed_step), slot->child_errno,
                               sp->report_ctx);
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
    slot->preconfined = req->preconfined;
    slot->report_fd = req->report_fd;
    slot->report_seq = req->report_seq;
    slot->restore_nofile = sp->restore_nofile;
    slot->handler_nofile = sp->handler_nofile;
    slot->failed_step = SPAWN_STEP_NONE;
    slot->child_errno = 0;
    return 0;
}

static pid_t slot_clone(struct spawner *sp, struct spawn_slot *slot)
{
    if (!sp->suspend_parent) {
        slot->in_child = 1;
        pid_t pid = clone(spawn_child_main, slot->stack_top,
                          CLONE_VM | CLONE_CHILD_CLEARTID | SIGCHLD | sp->clone_flags, slot, NULL,
                          NULL, &slot->in_child);
        if (pid != -1 || errno != EINVAL)
            return pid;
        sp->suspend_parent = true; /* CLONE_VM alone refused */
    }
    slot->in_child = 0; /* when clone returns, the child has exec'd or exited */
    return clone(spawn_child_main, slot->stack_top,
                 CLONE_VM | CLONE_VFORK | SIGCHLD | sp->clone_flags, slot);
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
