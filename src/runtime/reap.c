/*
 * Reaping (see reap.h).  Handlers named by SIGCHLD's siginfo are reaped at
 * once, each in O(1), and so are coalesced exits among the newest handlers.
 * The waitpid(-1) sweep that catches any other coalesced exit walks every
 * live child in the kernel (~0.5 us each), so past REAP_PACED_FROM live
 * handlers it is spaced by 50 ms per REAP_PACED_FROM handlers, at most
 * REAP_MAX_DELAY_NS: the walks stay far under 1% of a core and new
 * connections do not queue behind them.
 */
#include <stdbool.h>
#include <sys/epoll.h>
#include <sys/wait.h>

#include "aux_child.h"
#include "clock.h"
#include "log.h"
#include "reap.h"
#include "context.h"
#include "signals.h"
#include "spawner.h"

#define REAP_PACED_FROM   512
#define REAP_MAX_DELAY_NS (1000 * NSEC_PER_MSEC)
/* With many live handlers a waitpid(-1) sweep is costly, so exits whose
 * SIGCHLD coalesced with another's are looked for first where they almost
 * always are: among the newest handlers. */
#define REAP_PROBE_NEWEST 16

/* A child that is neither a handler, a spawner nor an auxiliary child:
 * one carried over an upgrade whose state the new image could not read, or
 * started when its record could not be made. */
static void reap_unknown(pid_t pid, int status)
{
    char buf[16];

    if (WIFSIGNALED(status))
        log_event("event=exit service=- pid=%d signal=%s", (int)pid,
                  signals_name(WTERMSIG(status), buf, sizeof(buf)));
    else
        log_event("event=exit service=- pid=%d status=%d", (int)pid, WEXITSTATUS(status));
}

/* PID has exited with STATUS: to its handler's record, if it has one (a
 * handler whose pid a spawner's answer still holds has one once the
 * answers are read, spawner.h); else it may be a spawner's own, or
 * another child of the daemon's (aux_child.h). */
static void reap_exited(struct server *s, pid_t pid, int status)
{
    struct child *c = children_find(&s->children, pid);

    if (!c)
        c = spawner_queued_exit(s, pid);
    if (c)
        s->reaped(s, c, status);
    else if (!spawner_exited(s, pid, status) && !aux_child_reaped(s, pid, status))
        reap_unknown(pid, status);
}

/* Reap PID if it has exited; O(1) in the kernel, unlike waitpid(-1). */
static bool reap_pid(struct server *s, pid_t pid)
{
    int status;

    if (waitpid(pid, &status, WNOHANG) != pid)
        return false;
    reap_exited(s, pid, status);
    return true;
}

/* Catch exits whose SIGCHLD coalesced with another's. */
static void reap_sweep(struct timer *t, uint64_t now)
{
    struct server *s = t->ctx;

    s->last_reap_ns = now;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            break; /* 0: none left exited; -1/ECHILD: no children at all */
        log_debug("event=reap pid=%d by=sweep", (int)pid); /* its SIGCHLD coalesced */
        reap_exited(s, pid, status);
    }
}

/* A sweep is due: at once with few live handlers, else paced. */
static void reap_sweep_soon(struct server *s)
{
    size_t live = s->children.count;
    uint64_t gap = 0;

    if (s->reap_sweep.armed)
        return;
    if (live > REAP_PACED_FROM) {
        gap = (uint64_t)(live / REAP_PACED_FROM) * 50 * NSEC_PER_MSEC;
        gap = gap < REAP_MAX_DELAY_NS ? gap : REAP_MAX_DELAY_NS;
    }
    timers_arm(&s->loop.timers, &s->reap_sweep, s->last_reap_ns + gap);
}

static void reap_signalled(struct server *s)
{
    pid_t pids[256];
    int n;

    do {
        n = signals_read_exits(s->child_ev.fd, pids, 256);
        if (n == 0)
            return;
        for (int i = 0; i < n; i++)
            reap_pid(s, pids[i]);
        reap_sweep_soon(s); /* others may have exited under the same notice */
        if (s->children.count <= REAP_PACED_FROM)
            continue;
        struct child *c = s->children.newest;
        for (int k = 0; c && k < REAP_PROBE_NEWEST; k++) {
            struct child *older = c->older;
            reap_pid(s, c->pid);
            c = older;
        }
    } while (n == 256); /* fewer: the queue was drained */
}

static void reap_ready(struct ev *ev, uint32_t events)
{
    (void)events;
    reap_signalled(ev->ctx);
}

int reap_watch(struct server *s, reap_fn *reaped)
{
    int fd = signals_open_childfd();

    if (fd == -1)
        return -1;
    s->reaped = reaped;
    loop_ev_set(&s->child_ev, fd, reap_ready, s);
    timer_set(&s->reap_sweep, reap_sweep, s);
    if (loop_watch(&s->loop, &s->child_ev, EPOLLIN) == -1)
        return -1;
    reap_sweep_soon(s); /* anything that exited before we watched */
    return 0;
}

void reap_after_spawn(struct server *s)
{
    /* With many live handlers, take the exit notices that queued during the
     * spawn batch before another one coalesces with them (signals.h); with
     * few, a coalesced exit costs only a cheap sweep. */
    if (s->children.count > REAP_PACED_FROM)
        reap_signalled(s);
}
