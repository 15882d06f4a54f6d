/*
 * A service's spawner, the process (spawner.h has the design).  Forked from
 * the daemon, it confines itself once the way every handler of its service
 * is confined (the bounding set and the inheritable cut, no_new_privs, the
 * Landlock domain, the seccomp filter: spawn_child.c's own steps), keeps of
 * its capabilities only what its children need to start, closes every
 * descriptor but its socket, and serves: each request is one connection,
 * started through spawn.c with CLONE_PARENT, so the handler is the daemon's
 * child and inherits the confinement by reference.  The child answers the
 * daemon itself; the spawner answers only what it could not do.  It never
 * logs (it has no descriptor to log to): what went wrong goes to the daemon
 * as an answer.  At EOF it exits.
 */
#include <errno.h>
#include <linux/capability.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn.h"
#include "spawner_int.h"
#include "spawner_msg.h"

#define CAP_BIT(cap) (1ULL << (cap))

uint64_t spawner_proc_caps_needed(const struct exec_plan *plan)
{
    uint64_t need = 0;

    if (plan->set_uid)
        need |= CAP_BIT(CAP_SETUID);
    if (plan->set_groups)
        need |= CAP_BIT(CAP_SETGID);
    if (plan->chroot)
        need |= CAP_BIT(CAP_SYS_CHROOT);
    if (plan->n_rlimits)
        need |= CAP_BIT(CAP_SYS_RESOURCE); /* a limit may be raised past the hard one */
    if (plan->has_nice)
        need |= CAP_BIT(CAP_SYS_NICE);
    /* What root reaches by its capabilities: chroot and chdir before the
     * identity change. */
    if (plan->chroot || plan->chdir)
        need |= CAP_BIT(CAP_DAC_OVERRIDE) | CAP_BIT(CAP_DAC_READ_SEARCH);
    /* A root handler gets its bounding set at exec, but under no_new_privs
     * never more than its parent held: the spawner keeps that much. */
    if (!plan->set_uid || plan->uid == 0)
        need |= plan->sandbox.drop_bounding ? plan->sandbox.keep_caps : ~0ULL;
    if (plan->sandbox.raise_ambient)
        need |= plan->sandbox.keep_caps; /* kept across setresuid, raised as ambient */
    return need;
}

/* Default dispositions (the daemon's handlers write to its signal pipe),
 * SIGPIPE ignored (a write to a daemon gone fails instead), nothing blocked. */
static void proc_signals(void)
{
    struct sigaction dfl;
    sigset_t none;

    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &dfl, NULL);
    dfl.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* "spawn:SERVICE" in ps and /proc/PID/comm (15 characters at most). */
static void proc_name(const char *service)
{
    char name[16] = "spawn:";
    size_t n = strlen(name);

    for (size_t i = 0; service[i] && n < sizeof(name) - 1; i++)
        name[n++] = service[i];
    name[n] = '\0';
    prctl(PR_SET_NAME, name, 0, 0, 0);
}

/* Keep only what the children need: permitted and effective cut to it (the
 * bounding set stays the handlers' own, which a root handler gets at exec). */
static long proc_keep_only(uint64_t need)
{
    struct {
        uint32_t version;
        int pid;
    } header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct sandbox_cap_data sets[2];

    if (syscall(SYS_capget, &header, sets) == -1)
        return -errno;
    for (int i = 0; i < 2; i++) {
        uint32_t bits = (uint32_t)(need >> (32 * i));
        sets[i].permitted &= bits;
        sets[i].effective &= bits;
    }
    return syscall(SYS_capset, &header, sets) == -1 ? -errno : 0;
}

/* The shared confinement, then our own capabilities; the failed step. */
static enum spawn_step proc_confine(const struct exec_plan *plan, long *err)
{
    const struct exec_sandbox *sb = &plan->sandbox;
    enum spawn_step step = spawn_confine_caps(sb, err);

    if (step == SPAWN_STEP_NONE)
        step = spawn_confine_restrict(sb, sb->landlock_fd, err);
    if (step == SPAWN_STEP_NONE && (*err = proc_keep_only(spawner_proc_caps_needed(plan))) < 0)
        step = SPAWN_STEP_CAPABILITIES;
    return step;
}

/* Every descriptor but SOCK goes: the daemon's listeners, its other
 * spawners' sockets, the ruleset (applied by now). */
static void proc_close_others(int sock)
{
    if (sock > 0)
        syscall(SYS_close_range, 0, sock - 1, 0);
    syscall(SYS_close_range, sock + 1, ~0U, 0);
}

static void proc_answer(int sock, enum spawner_answer_type type, uint64_t seq, int err,
                        enum spawn_step step)
{
    struct spawner_answer a;

    spawner_msg_answer(&a, type, seq, getpid(), err, step);
    spawner_msg_send(sock, &a, sizeof(a), NULL, 0, false);
}

/* One request: its handler started (the child answers), or REFUSED. */
static void proc_serve(struct spawner *sp, const struct spawner_boot *b, const void *buf,
                       size_t len, const int *fds, int nfds)
{
    struct spawner_req req;

    if (spawner_msg_parse_request(buf, len, &req) == -1 || nfds != (req.err_fd ? 2 : 1)) {
        proc_answer(b->sock, SPAWNER_REFUSED, 0, EPROTO, SPAWN_STEP_NONE);
        return;
    }
    struct spawn_request sr = {
        .plan = b->plan,
        .sock = fds[0],
        .stderr_fd = req.err_fd ? fds[1] : fds[0],
        .conn_env = req.vars,
        .preconfined = true,
        .report_fd = b->sock,
        .report_seq = req.seq,
    };
    if (spawn_handler(sp, &sr) == -1)
        proc_answer(b->sock, SPAWNER_REFUSED, req.seq, errno, SPAWN_STEP_NONE);
}

_Noreturn void spawner_proc_run(const struct spawner_boot *b)
{
    struct spawner sp;
    enum spawn_step step = SPAWN_STEP_NONE;
    long err = 0;

    proc_signals();
    proc_name(b->service);
    /* The slots' stacks first: confined, the spawner may not read what
     * sysconf reads. */
    if (spawn_init(&sp, &b->handler_nofile, NULL, NULL) == -1) {
        err = -errno;
        step = SPAWN_STEP_SETRLIMIT;
    } else {
        step = proc_confine(b->plan, &err);
    }
    proc_close_others(b->sock);
    if (step != SPAWN_STEP_NONE) {
        proc_answer(b->sock, SPAWNER_SETUP_FAILED, 0, (int)-err, step);
        _exit(1);
    }
    sp.clone_flags = CLONE_PARENT;
    proc_answer(b->sock, SPAWNER_READY, 0, 0, SPAWN_STEP_NONE);
    for (;;) {
        unsigned char buf[SPAWNER_REQ_MAX];
        int fds[2], nfds;
        ssize_t n = spawner_msg_recv(b->sock, buf, sizeof(buf), fds, &nfds, false);
        if (n == 0)
            _exit(0); /* the daemon closed its end: nothing more to start */
        if (n < 0) {
            if (errno != EPROTO)
                _exit(1);
            proc_answer(b->sock, SPAWNER_REFUSED, 0, EPROTO, SPAWN_STEP_NONE);
            continue;
        }
        proc_serve(&sp, b, buf, (size_t)n, fds, nfds);
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
    }
}
