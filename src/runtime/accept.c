/*
 * Accepting for nowait services (see accept.h).  Accepts at most
 * ACCEPT_BATCH connections per wake-up so one busy service cannot starve the
 * others, and pauses a listener on EMFILE and its kin instead of spinning:
 * the queue waits in the kernel until descriptors free up.
 */
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "accept.h"
#include "clock.h"
#include "context.h"
#include "log.h"
#include "proxy_pending.h"
#include "conn.h"

#define ACCEPT_BATCH     64
#define ACCEPT_FLUSH_MAX 65536 /* more than any queue holds (somaxconn) */
#define EMFILE_PAUSE_NS  (100 * NSEC_PER_MSEC)

/* One accepted connection: its PROXY header first when the service wants
 * one from this peer, else admit, start, hand over. */
static void accept_serve(struct server *s, struct listener *l, int conn,
                         struct sockaddr_storage *peer)
{
    if (l->svc_state->svc->proxy.versions != SVC_PROXY_OFF && proxy_pending_take(s, l, conn, peer))
        return;
    conn_serve(s, l, conn, (struct sockaddr *)peer, NULL);
}

/* Accept up to MAX connections from L; true when the queue is done with
 * (empty, or paused for want of descriptors, or failing). */
static bool accept_some(struct server *s, struct listener *l, int max)
{
    for (int i = 0; i < max && !l->closed; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            accept_serve(s, l, fd, &peer);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            if (clock_once_a_second(&s->fd_exhausted_until))
                log_warn("service %s: accept paused", l->svc_state->name);
            listener_pause(&s->loop, l, clock_now_ns() + EMFILE_PAUSE_NS);
            return true;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            log_warn("service %s: accept", l->svc_state->name);
        return true;
    }
    return l->closed;
}

void accept_ready(struct ev *ev, uint32_t events)
{
    (void)events;
    accept_some(ev->ctx, LOOP_OWNER(ev, struct listener, ev), ACCEPT_BATCH);
}

void accept_flush(struct server *s, struct listener *l)
{
    for (int i = 0; i < ACCEPT_FLUSH_MAX / ACCEPT_BATCH && !accept_some(s, l, ACCEPT_BATCH); i++)
        ;
}
