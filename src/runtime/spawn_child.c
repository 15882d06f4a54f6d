/*
 * The child's side of a spawn (spawn.c): what runs between clone and exec.
 * It reads only its slot (a copy of the request) and the exec plan the slot
 * holds a reference on, never allocates, and makes only raw system calls:
 * it runs in the memory of the process that cloned it (the daemon, or a
 * service's spawner) and shares its errno.
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
#include "spawner_msg.h"

static const char *const step_names[SPAWN_STEP_COUNT] = {
    [SPAWN_STEP_SETSID] = "setsid",
    [SPAWN_STEP_DUP2] = "dup2",
    [SPAWN_STEP_SETRLIMIT] = "setrlimit",
    [SPAWN_STEP_NICE] = "nice",
    [SPAWN_STEP_CHROOT] = "chroot",
    [SPAWN_STEP_CHDIR] = "chdir",
    [SPAWN_STEP_CAPABILITIES] = "capabilities",
    [SPAWN_STEP_SETGROUPS] = "setgroups",
    [SPAWN_STEP_SETGID] = "setgid",
    [SPAWN_STEP_SETUID] = "setuid",
    [SPAWN_STEP_SETUID_CHECK] = "setuid check",
    [SPAWN_STEP_NO_NEW_PRIVS] = "no_new_privileges",
    [SPAWN_STEP_LANDLOCK] = "landlock",
    [SPAWN_STEP_SECCOMP] = "seccomp",
    [SPAWN_STEP_EXECVE] = "execve",
};

const char *spawn_step_name(enum spawn_step step)
{
    return (unsigned)step < SPAWN_STEP_COUNT ? step_names[step] : NULL;
}

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
 * listen_fds): what the child keeps open until its exec goes there or past. */
static int child_first_free_fd(const struct spawn_slot *slot)
{
    return slot->sock_on_fd3 ? 4 : 3;
}

/* The one descriptor the child needs until its exec besides the handler's:
 * the Landlock ruleset it applies itself, or the spawner's socket it
 * answers on; -1 for none. */
static long child_kept_fd(const struct spawn_slot *slot)
{
    if (!slot->preconfined && slot->plan->sandbox.landlock_fd >= 0)
        return slot->plan->sandbox.landlock_fd;
    return slot->report_fd;
}

/*
 * Put the sockets on 0, 1, 2 (and 3), close everything else but the kept
 * descriptor (*KEPT: where it is now, at or past the first free one).
 * Wherever the descriptors came in (a spawner receives them on 0 and 1):
 * fd 2 first, and a source in the way of a later step is moved up first.
 * -errno on failure.
 */
static long child_fds(const struct spawn_slot *slot, long *kept)
{
    int first = child_first_free_fd(slot);
    long sock = slot->sock, keep = child_kept_fd(slot), r;

    if (keep >= 0 && keep < first &&
        (keep = RAW_SYSCALL(SYS_fcntl, keep, F_DUPFD_CLOEXEC, first, 0)) < 0)
        return keep;
    if (sock == 2 && slot->stderr_fd != 2 &&
        (sock = RAW_SYSCALL(SYS_fcntl, sock, F_DUPFD_CLOEXEC, first, 0)) < 0)
        return sock;
    if ((r = child_dup2(slot->stderr_fd, 2)) < 0 || (r = child_dup2((int)sock, 0)) < 0 ||
        (r = child_dup2((int)sock, 1)) < 0)
        return r;
    if (slot->sock_on_fd3 && (r = child_dup2(0, 3)) < 0)
        return r;
    /* Now, not at exec: the daemon may close a listener or pipe before this
     * child execs, and a copy held here would keep it open (EADDRINUSE when
     * a reload binds its address again). */
    if (keep >= first) {
        if (keep > first)
            RAW_SYSCALL(SYS_close_range, first, keep - 1, 0, 0);
        RAW_SYSCALL(SYS_close_range, keep + 1, ~0U, 0, 0);
    } else {
        RAW_SYSCALL(SYS_close_range, first, ~0U, 0, 0);
    }
    *kept = keep;
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

enum spawn_step spawn_confine_caps(const struct exec_sandbox *sb, long *err)
{
    /* Bounding, then inheritable and ambient: a root handler would get them back at exec. */
    if (sb->drop_bounding &&
        ((*err = child_drop_bounding(sb)) < 0 || (*err = child_capset(sb->cap_narrow)) < 0))
        return SPAWN_STEP_CAPABILITIES;
    return SPAWN_STEP_NONE;
}

enum spawn_step spawn_confine_restrict(const struct exec_sandbox *sb, int ruleset_fd, long *err)
{
    if (sb->no_new_privs && (*err = RAW_SYSCALL(SYS_prctl, PR_SET_NO_NEW_PRIVS, 1, 0, 0)) < 0)
        return SPAWN_STEP_NO_NEW_PRIVS;
    if (ruleset_fd >= 0 &&
        (*err = RAW_SYSCALL(SYS_landlock_restrict_self, ruleset_fd, 0, 0, 0)) < 0)
        return SPAWN_STEP_LANDLOCK;
    if (sb->seccomp.len &&
        (*err = RAW_SYSCALL(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &sb->seccomp, 0)) < 0)
        return SPAWN_STEP_SECCOMP;
    return SPAWN_STEP_NONE;
}

/* The per-handler steps in their safe order, the identity change last,
 * checked; the shared confinement too unless the spawner holds it already
 * (the ruleset, if any, at RULESET).  Returns the failed step with *err set. */
static enum spawn_step child_confine(const struct spawn_slot *slot, long ruleset, long *err)
{
    const struct exec_plan *p = slot->plan;
    enum spawn_step step;

    if (slot->restore_nofile && !p->sets_nofile &&
        (*err = child_setrlimit(RLIMIT_NOFILE, slot->handler_nofile.rlim_cur,
                                slot->handler_nofile.rlim_max)) < 0)
        return SPAWN_STEP_SETRLIMIT;
    for (int i = 0; i < p->n_rlimits; i++)
        if ((*err = child_setrlimit(p->rlimits[i].resource, p->rlimits[i].value,
                                    p->rlimits[i].value)) < 0)
            return SPAWN_STEP_SETRLIMIT;
    if (p->has_nice && (*err = RAW_SYSCALL(SYS_setpriority, PRIO_PROCESS, 0, p->nice, 0)) < 0)
        return SPAWN_STEP_NICE;
    if (p->has_umask)
        RAW_SYSCALL(SYS_umask, p->umask, 0, 0, 0);
    if (p->chroot && ((*err = RAW_SYSCALL(SYS_chroot, p->chroot, 0, 0, 0)) < 0 ||
                      (*err = RAW_SYSCALL(SYS_chdir, "/", 0, 0, 0)) < 0))
        return SPAWN_STEP_CHROOT;
    if (p->chdir && (*err = RAW_SYSCALL(SYS_chdir, p->chdir, 0, 0, 0)) < 0)
        return SPAWN_STEP_CHDIR;
    if (!slot->preconfined && (step = spawn_confine_caps(&p->sandbox, err)) != SPAWN_STEP_NONE)
        return step;
    if (p->set_groups) {
        if ((*err = RAW_SYSCALL(SYS_setgroups, p->n_groups, p->groups, 0, 0)) < 0)
            return SPAWN_STEP_SETGROUPS;
        if ((*err = RAW_SYSCALL(SYS_setresgid, p->gid, p->gid, p->gid, 0)) < 0)
            return SPAWN_STEP_SETGID;
    }
    /* Keep the permitted set across setresuid, to raise the ambient ones after. */
    if (p->sandbox.raise_ambient && (*err = RAW_SYSCALL(SYS_prctl, PR_SET_KEEPCAPS, 1, 0, 0)) < 0)
        return SPAWN_STEP_CAPABILITIES;
    if (p->set_uid) {
        if ((*err = RAW_SYSCALL(SYS_setresuid, p->uid, p->uid, p->uid, 0)) < 0)
            return SPAWN_STEP_SETUID;
        *err = -EPERM;
        if (RAW_SYSCALL(SYS_getuid, 0, 0, 0, 0) != (long)p->uid ||
            RAW_SYSCALL(SYS_geteuid, 0, 0, 0, 0) != (long)p->uid)
            return SPAWN_STEP_SETUID_CHECK;
        if (p->uid != 0 && RAW_SYSCALL(SYS_setuid, 0, 0, 0, 0) == 0)
            return SPAWN_STEP_SETUID_CHECK;
    }
    if (p->sandbox.raise_ambient && (*err = child_raise_ambient(&p->sandbox)) < 0)
        return SPAWN_STEP_CAPABILITIES;
    if (slot->preconfined)
        return SPAWN_STEP_NONE;
    step =
        spawn_confine_restrict(&p->sandbox, p->sandbox.landlock_fd >= 0 ? (int)ruleset : -1, err);
    if (step == SPAWN_STEP_NONE && p->sandbox.landlock_fd >= 0)
        RAW_SYSCALL(SYS_close, ruleset, 0, 0, 0);
    return step;
}

/* To the spawner that started this child, if one did: the answer, written
 * into A, whole or not at all (a daemon gone since, or upgrading, does not
 * stop the handler).  A lives in spawn_child_main's own frame: this stack is
 * a slot's, used again by the next child, and a block-scope variable would
 * be left marked out of scope there for AddressSanitizer. */
static void child_answer(const struct spawn_slot *slot, struct spawner_answer *a,
                         enum spawner_answer_type type, pid_t pid, long err, enum spawn_step step)
{
    if (slot->report_fd < 0)
        return;
    spawner_msg_answer(a, type, slot->report_seq, pid, (int)-err, step);
    raw_syscall6(SYS_sendto, slot->report_fd, (long)a, sizeof(*a), MSG_NOSIGNAL, 0, 0);
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
    struct spawner_answer answer;
    pid_t pid = (pid_t)RAW_SYSCALL(SYS_getpid, 0, 0, 0, 0);
    enum spawn_step step;
    long err, kept = -1;

    /* First: from here on the daemon knows this pid, whatever becomes of the spawner. */
    child_answer(slot, &answer, SPAWNER_STARTED, pid, 0, SPAWN_STEP_NONE);
    /* Our handlers must not run here, and SIGPIPE must not stay ignored. */
    for (int i = 0; i < signals_caught_count; i++)
        RAW_SYSCALL(SYS_rt_sigaction, signals_caught[i], dfl_action, NULL, sizeof(no_signals));
    RAW_SYSCALL(SYS_rt_sigaction, SIGPIPE, dfl_action, NULL, sizeof(no_signals));

    step = SPAWN_STEP_SETSID;
    if ((err = RAW_SYSCALL(SYS_setsid, 0, 0, 0, 0)) < 0)
        goto fail;
    step = SPAWN_STEP_DUP2;
    if ((err = child_fds(slot, &kept)) < 0 ||
        (step = child_confine(slot, kept, &err)) != SPAWN_STEP_NONE)
        goto fail;
    if (slot->sock_on_fd3)
        child_set_listen_pid(slot->envp);
    RAW_SYSCALL(SYS_rt_sigprocmask, SIG_SETMASK, &no_signals, NULL, sizeof(no_signals));
    err = RAW_SYSCALL(SYS_execve, slot->plan->exec, slot->plan->argv, slot->envp, 0);
    step = SPAWN_STEP_EXECVE;
fail:
    slot->child_errno = (int)-err;
    slot->failed_step = step;
    child_answer(slot, &answer, SPAWNER_FAILED, pid, err, step);
    RAW_SYSCALL(SYS_exit_group, 127, 0, 0, 0);
    return 127; /* not reached */
}
