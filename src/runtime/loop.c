/*
 * The event loop: epoll over the self-pipe, the listeners and the stderr
 * pipes; timers from the deadline heap, the refusal summaries and paused
 * listeners.  All the daemon's work happens here, never in a signal handler.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "server.h"
#include "signals.h"
#include "stderr_log.h"

#define LOOP_EVENTS 256
#define TICK_NS     (100 * NSEC_PER_MSEC)

static void loop_ctl(struct server *s, int op, int fd, struct ev_source *ev)
{
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = ev};
    if (epoll_ctl(s->epfd, op, fd, &e) == -1 && op != EPOLL_CTL_DEL)
        log_warn("epoll_ctl");
}

int loop_init(struct server *s)
{
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    if (s->epfd == -1)
        return -1;
    s->sig_ev.kind = EV_SIGNAL;
    loop_ctl(s, EPOLL_CTL_ADD, s->sigfd, &s->sig_ev);
    return 0;
}

int loop_watch_children(struct server *s)
{
    s->childfd = signals_open_childfd();
    if (s->childfd == -1)
        return -1;
    s->child_ev.kind = EV_CHILD;
    loop_ctl(s, EPOLL_CTL_ADD, s->childfd, &s->child_ev);
    s->reap_due = true; /* anything that exited before we watched */
    return 0;
}

void loop_watch(struct server *s, struct listener *l, bool on)
{
    if (on && l->closed)
        return;
    if (on && !l->watched) {
        l->resume_ns = 0;
        loop_ctl(s, EPOLL_CTL_ADD, l->fd, &l->ev);
    } else if (!on && l->watched) {
        loop_ctl(s, EPOLL_CTL_DEL, l->fd, &l->ev);
    }
    l->watched = on;
}

int loop_add_stderr(struct server *s, struct ev_source *ev, int fd)
{
    struct epoll_event e = {.events = EPOLLIN, .data.ptr = ev};
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &e);
}

/* Explicitly, before close: a handler between clone and exec may still hold a
 * copy of the pipe, and then close() alone leaves the registration (and its
 * pointer to the freed reader) in epoll. */
void loop_del_stderr(struct server *s, int fd)
{
    epoll_ctl(s->epfd, EPOLL_CTL_DEL, fd, NULL);
}

/* Listeners paused for EMFILE or a wait back-off come back when due. */
static bool resume_listeners(struct server *s, uint64_t now)
{
    bool waiting = false;

    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener *l = s->listeners[i];
        if (!l->resume_ns || l->watched)
            continue;
        if (now < l->resume_ns) {
            waiting = true;
        } else if (l->mode == MODE_NOWAIT || l->wait_pid == 0) {
            loop_watch(s, l, true);
        }
    }
    return waiting;
}

/*
 * Handlers named by SIGCHLD's siginfo are reaped at once, each in O(1), and
 * so are coalesced exits among the newest handlers (handler.c).  The
 * waitpid(-1) sweep that catches any other coalesced exit walks every live
 * child in the kernel (~0.5 us each), so past REAP_PACED_FROM live handlers
 * it is spaced by 50 ms per REAP_PACED_FROM handlers, at most
 * REAP_MAX_DELAY_NS: the walks stay far under 1% of a core and new
 * connections do not queue behind them.
 */
#define REAP_MAX_DELAY_NS (1000 * NSEC_PER_MSEC)

static uint64_t reap_not_before(const struct server *s)
{
    size_t live = s->children.count;
    uint64_t gap = 0;

    if (live > REAP_PACED_FROM) {
        gap = (uint64_t)(live / REAP_PACED_FROM) * 50 * NSEC_PER_MSEC;
        gap = gap < REAP_MAX_DELAY_NS ? gap : REAP_MAX_DELAY_NS;
    }
    return s->last_reap_ns + gap;
}

static int loop_timeout(struct server *s, uint64_t now, bool paused)
{
    uint64_t next = UINT64_MAX;
    struct child *c = timers_first(&s->timers);

    if (c)
        next = c->deadline_ns;
    if (s->n_refusing) {
        uint64_t second_end = (now / NSEC_PER_SEC + 1) * NSEC_PER_SEC;
        next = second_end < next ? second_end : next;
    }
    if (paused || s->pool_check)
        next = now + TICK_NS < next ? now + TICK_NS : next;
    if (s->reap_due && reap_not_before(s) < next)
        next = reap_not_before(s);
    if (next == UINT64_MAX)
        return -1;
    if (next <= now)
        return 0;
    return (int)((next - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
}

/* Note what the signals ask for; acting on it waits for the end of the
 * event batch (loop_act), since a reload frees listeners that later events of
 * the same batch may still point to. */
static void loop_signals(struct server *s)
{
    int sigs[64];
    int n = signals_drain(s->sigfd, sigs, 64);

    for (int i = 0; i < n; i++) {
        switch (sigs[i]) {
        case SIGHUP:
            s->reload_pending = true;
            break;
        case SIGTERM:
        case SIGINT:
            s->stopping = true;
            break;
        case SIGUSR1:
            s->status_pending = true;
            break;
        case SIGTTIN:
            s->resize_pending++;
            break;
        case SIGTTOU:
            s->resize_pending--;
            break;
        }
    }
}

static void loop_act(struct server *s)
{
    if (s->reload_pending) {
        s->reload_pending = false;
        server_reload(s);
    }
    for (; s->resize_pending > 0; s->resize_pending--)
        handler_resize_pools(s, +1);
    for (; s->resize_pending < 0; s->resize_pending++)
        handler_resize_pools(s, -1);
    if (s->status_pending) {
        s->status_pending = false;
        status_dump(s);
    }
}

static void loop_dispatch(struct server *s, struct ev_source *ev)
{
    if (ev->kind == EV_SIGNAL) {
        loop_signals(s);
    } else if (ev->kind == EV_CHILD) {
        handler_reap_signalled(s);
    } else if (ev->kind == EV_LISTENER) {
        struct listener *l = (struct listener *)ev;
        if (l->closed || !l->watched)
            return;
        if (l->mode == MODE_NOWAIT)
            handler_accept(s, l);
        else if (l->mode == MODE_WAIT)
            handler_start_wait(s, l);
        else
            loop_watch(s, l, false); /* prefork workers accept, not us */
    } else {
        stderr_reader_readable(s, (struct stderr_reader *)ev);
    }
}

int loop_run(struct server *s)
{
    struct epoll_event events[LOOP_EVENTS];

    s->pool_check = true;
    log_set_buffered(true);
    while (!s->stopping) {
        uint64_t now = clock_now_ns();
        log_flush(); /* before sleeping: the log is never behind an idle daemon */
        int n = epoll_wait(s->epfd, events, LOOP_EVENTS, loop_timeout(s, now, s->any_paused));
        if (n == -1 && errno != EINTR) {
            log_warn("epoll_wait");
            log_set_buffered(false);
            return -1;
        }
        for (int i = 0; i < n && !s->stopping; i++)
            loop_dispatch(s, events[i].data.ptr);
        if (s->stopping)
            break;
        loop_act(s);
        now = clock_now_ns();
        if (s->reap_due && now >= reap_not_before(s)) {
            s->reap_due = false;
            s->last_reap_ns = now;
            handler_reap(s);
        }
        handler_timeouts(s, now);
        if (s->n_refusing)
            refusals_flush(s, now);
        if (s->any_paused)
            s->any_paused = resume_listeners(s, now);
        if (s->pool_check) {
            handler_fill_pools(s);
            s->pool_check = pool_pending(s);
        }
    }
    log_set_buffered(false);
    return 0;
}
