/*
 * The child's side of a spawn (spawn.c): what runs between clone and exec.
 * It reads only its slot (a copy of the request) and the exec plan the slot
 * holds a reference on, never allocates, and makes only raw system calls:
 * it runs in the daemon's memory and shares the daemon's errno.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>

#include "raw_syscall.h"
#include "signals.h"
#include "spawn_child.h"

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

static long child_capset(const struct sandbox_cap_data data[2])
{
    struct {
        uint32_t version;
        int pid;
    } header = {_LINUX_CAPABILITY_VERSION_3, 0};
    return RAW_SYSCALL(SYS_capset, &header, data, 0, 0);
}

/* A non-root handler: the kept capabilities permitted, effective, inheritable
 * and ambient, so they survive its exec. */
static long child_raise_ambient(const struct exec_sandbox *sb)
{
    long r = child_capset(sb->cap_raise);

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
    /* Bounding, then inheritable and ambient: a root handler would get them back at exec. */
    if (p->sandbox.drop_bounding && ((*err = child_drop_bounding(&p->sandbox)) < 0 ||
                                     (*err = child_capset(p->sandbox.cap_narrow)) < 0))
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

int spawn_child_main(void *arg)
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
