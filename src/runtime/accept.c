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
#include "handler.h"
#include "log.h"
#include "proxy_pending.h"
#include "reap.h"
#include "refusals.h"
#include "refuse.h"

#define ACCEPT_BATCH    64
#define EMFILE_PAUSE_NS (100 * NSEC_PER_MSEC)

void accept_admit(struct server *s, struct listener *l, int conn, const struct sockaddr *peer,
                  const struct conn_via *via)
{
    struct svc_state *rt = l->rt;
    const struct sockaddr *inet = peer->sa_family == AF_UNIX ? NULL : peer;
    char peer_text[ADDR_STRLEN];
    struct source_key key;
    bool keyed = admit_peer_key(rt->svc, conn, peer, &key);

    addr_format_peer_as(peer, rt->svc->log_peer, peer_text, sizeof(peer_text));
    enum admit_verdict v = admit_check_source(rt->admit, rt->svc, inet, keyed ? &key : NULL,
                                              s->live_total, s->cfg->max_children, clock_now_ns());
    if (v != ADMIT_OK) {
        refuse_send_message(conn, rt->svc);
        refusals_record(s, rt, v, peer_text);
        close(conn);
        return;
    }
    struct child *c = handler_start_via(s, l, conn, peer, peer_text, via, -1, NULL);
    if (!c) {
        refusals_record(s, rt, REFUSE_SPAWN_FAILED, peer_text);
    } else if (keyed) {
        c->key = key;
        c->has_key = true;
        admit_started(rt->admit, &c->key);
    } else {
        admit_started(rt->admit, NULL);
    }
    close(conn);
    reap_after_spawn(s);
}

/* One accepted connection: its PROXY header first when the service wants
 * one from this peer, else admit, start, hand over. */
static void accept_serve(struct server *s, struct listener *l, int conn,
                         struct sockaddr_storage *peer)
{
    if (l->rt->svc->proxy.versions != SVC_PROXY_OFF && proxy_pending_take(s, l, conn, peer))
        return;
    accept_admit(s, l, conn, (struct sockaddr *)peer, NULL);
}

void accept_ready(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    struct listener *l = listener_of(ev);

    (void)events;
    for (int i = 0; i < ACCEPT_BATCH && !l->closed; i++) {
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
                log_warn("service %s: accept paused", l->rt->name);
            listener_pause(&s->loop, l, clock_now_ns() + EMFILE_PAUSE_NS);
            s->any_paused = true;
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            log_warn("service %s: accept", l->rt->name);
        return;
    }
}
