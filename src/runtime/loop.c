/*
 * The reactor (see loop.h): epoll_wait, then each ready object's own
 * callback.  It knows no object kinds, no server and no signals.
 */
#include <errno.h>
#include <limits.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "loop.h"

int loop_init(struct loop *lp)
{
    lp->batch_stopped = false;
    timers_init(&lp->timers);
    lp->epfd = epoll_create1(EPOLL_CLOEXEC);
    return lp->epfd == -1 ? -1 : 0;
}

void loop_close(struct loop *lp)
{
    if (lp->epfd >= 0)
        close(lp->epfd);
    lp->epfd = -1;
}

void loop_ev_set(struct ev *ev, int fd, ev_ready_fn *ready, void *ctx)
{
    ev->fd = fd;
    ev->ready = ready;
    ev->ctx = ctx;
    ev->watched = false;
}

int loop_watch(struct loop *lp, struct ev *ev, uint32_t events)
{
    struct epoll_event e = {.events = events, .data.ptr = ev};
    int op = ev->watched ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;

    if (epoll_ctl(lp->epfd, op, ev->fd, &e) == -1)
        return -1;
    ev->watched = true;
    return 0;
}

void loop_forget(struct loop *lp, struct ev *ev)
{
    if (!ev->watched)
        return;
    epoll_ctl(lp->epfd, EPOLL_CTL_DEL, ev->fd, NULL);
    ev->watched = false;
}

void loop_stop_batch(struct loop *lp)
{
    lp->batch_stopped = true;
}

int loop_wait(struct loop *lp, int timeout_ms)
{
    struct epoll_event events[LOOP_EVENTS];
    int n = epoll_wait(lp->epfd, events, LOOP_EVENTS, timeout_ms);

    if (n == -1)
        return errno == EINTR ? 0 : -1;
    lp->batch_stopped = false;
    for (int i = 0; i < n && !lp->batch_stopped; i++) {
        struct ev *ev = events[i].data.ptr;
        /* An earlier callback of this batch may have stopped watching it. */
        if (ev->watched)
            ev->ready(ev, events[i].events);
    }
    return n;
}

int loop_timeout_ms(uint64_t now_ns, uint64_t deadline_ns)
{
    if (deadline_ns == UINT64_MAX)
        return -1;
    if (deadline_ns <= now_ns)
        return 0;
    uint64_t d = deadline_ns - now_ns;
    uint64_t ms = d / NSEC_PER_MSEC + (d % NSEC_PER_MSEC != 0); /* up, without overflow */
    return ms > INT_MAX ? INT_MAX : (int)ms;
}
