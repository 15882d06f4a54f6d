/*
 * Connections waiting for their PROXY header (see proxy_pending.h).
 *
 * Reading: the start of the connection is peeked (recv MSG_PEEK, at most
 * PROXY_V2_MAX bytes, since no valid header is longer) and parsed; only
 * when the header is whole is exactly its length consumed, so every byte
 * after it stays in the socket for the handler.  A waiting connection is
 * watched edge-triggered: the bytes it leaves unread would keep a
 * level-triggered descriptor ready and spin the loop, while an edge comes
 * only with new bytes (or the peer's close), which is exactly when a peek
 * can tell something new.  Idle, it costs no CPU.
 *
 * Deadlines: each service's waiting connections are a queue in deadline
 * order with one timer (proxy_queue.c).
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "clock.h"
#include "conn_env.h"
#include "context.h"
#include "log.h"
#include "proxy_header.h"
#include "proxy_pending.h"
#include "proxy_pending_int.h"
#include "refusals.h"
#include "conn.h"

bool proxy_pending_trusted(const struct service *svc, const struct sockaddr *peer)
{
    if (peer->sa_family == AF_UNIX)
        return true;
    for (size_t i = 0; i < svc->proxy.n_from; i++)
        if (cidr_match(&svc->proxy.from[i], peer))
            return true;
    return false;
}

static void lb_copy(union proxy_lb *lb, const struct sockaddr_storage *peer)
{
    memset(lb, 0, sizeof(*lb));
    if (peer->ss_family == AF_INET)
        memcpy(&lb->in, peer, sizeof(lb->in));
    else if (peer->ss_family == AF_INET6)
        memcpy(&lb->in6, peer, sizeof(lb->in6));
    else
        lb->sa.sa_family = peer->ss_family;
}

static void refuse_lb(struct server *s, struct svc_state *state, const struct sockaddr *lb,
                      enum refuse_reason why)
{
    char text[ADDR_STRLEN];
    enum addr_peer_form form = state && state->svc ? state->svc->log_peer : ADDR_PEER_FULL;

    addr_format_peer_as(lb, form, text, sizeof(text));
    refusals_record(s, state, why, text);
}

/*
 * What the start of CONN says, for VERSIONS: the header's length (> 0, H
 * filled), 0 to wait for more, -1 when it is invalid or can no longer
 * complete (HUP: the peer has finished sending).
 */
static int proxy_peek(int conn, unsigned versions, bool hup, struct proxy_header *h)
{
    unsigned char buf[PROXY_V2_MAX];
    char why[128];
    ssize_t n = recv(conn, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);

    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
        return hup ? -1 : 0;
    if (n <= 0)
        return -1; /* closed before its header, or reset */
    int len = proxy_header_parse(buf, (size_t)n, versions, h, why, sizeof(why));
    if (len == 0 && (hup || (size_t)n == sizeof(buf)))
        return -1;
    if (len < 0 && log_is_verbose())
        log_debug("PROXY header refused: %s", why);
    return len;
}

/* CONN's header of LEN bytes is whole: consume exactly it, then admission
 * on the real client (the balancer's own endpoints for a health check, or
 * none at all when the service closes health checks). */
static void proxy_serve(struct server *s, struct listener *l, int conn, const struct sockaddr *lb,
                        int len, const struct proxy_header *h)
{
    unsigned char buf[PROXY_V2_MAX];

    if (recv(conn, buf, (size_t)len, MSG_DONTWAIT) != len) {
        refuse_lb(s, l->svc_state, lb, REFUSE_PROXY_INVALID);
        close(conn);
        return;
    }
    if (h->is_local && l->svc_state->svc->proxy.local_close) {
        /* A balancer's health check (proxy_local: close): the header was
         * all it had to say; no handler, and no admission key counts it. */
        l->svc_state->health_checks++;
        close(conn);
        return;
    }
    bool inet = h->src.ss_family == AF_INET || h->src.ss_family == AF_INET6;
    if (h->is_local || !inet) {
        conn_serve(s, l, conn, lb, NULL);
        return;
    }
    struct conn_via via = {
        .lb = lb,
        .dst = h->dst_len ? (const struct sockaddr *)&h->dst : NULL,
        .authority = h->authority,
        .alpn = h->alpn,
        .ssl_version = h->ssl_version,
    };
    conn_serve(s, l, conn, (const struct sockaddr *)&h->src, &via);
}

/* Read CONN now: true when it is finished with (served or refused). */
static bool proxy_read(struct server *s, struct listener *l, int conn, const struct sockaddr *lb,
                       bool hup)
{
    struct proxy_header h;
    int len = proxy_peek(conn, l->svc_state->svc->proxy.versions, hup, &h);

    if (len == 0)
        return false;
    if (len < 0) {
        refuse_lb(s, l->svc_state, lb, REFUSE_PROXY_INVALID);
        close(conn);
    } else {
        proxy_serve(s, l, conn, lb, len, &h);
    }
    return true;
}

/* Stop watching PC and free it; its descriptor is the caller's.  The
 * listener reference is handed back: drop it once done with the listener. */
static struct listener *pending_detach(struct server *s, struct proxy_conn *pc)
{
    struct listener *l = pc->l;

    loop_forget(&s->loop, &pc->ev);
    proxy_queue_unlink(s, pc);
    free(pc);
    return l;
}

/* Detach PC and close it with a refusal WHY. */
void proxy_pending_refuse(struct server *s, struct proxy_conn *pc, enum refuse_reason why)
{
    int fd = pc->ev.fd;
    union proxy_lb lb = pc->lb;
    struct svc_state *state = pc->q->svc_state;

    state->refs++; /* the queue may go with PC */
    struct listener *l = pending_detach(s, pc);
    refuse_lb(s, state, &lb.sa, why);
    close(fd);
    listener_unref(l);
    svc_state_unref(state);
}

static void pending_ready(struct ev *ev, uint32_t events)
{
    struct proxy_conn *pc = LOOP_OWNER(ev, struct proxy_conn, ev);
    struct server *s = ev->ctx;
    bool hup = events & (EPOLLRDHUP | EPOLLHUP | EPOLLERR);
    struct proxy_header h;
    int len = proxy_peek(ev->fd, pc->l->svc_state->svc->proxy.versions, hup, &h);

    if (len == 0)
        return; /* the rest of the header comes with a later edge */
    if (len < 0) {
        proxy_pending_refuse(s, pc, REFUSE_PROXY_INVALID);
        return;
    }
    /* Forgotten before the handler starts: it holds a copy of the descriptor. */
    int fd = ev->fd;
    union proxy_lb lb = pc->lb;
    struct listener *l = pending_detach(s, pc);
    proxy_serve(s, l, fd, &lb.sa, len, &h);
    listener_unref(l);
}

/* Let CONN wait on L's service's queue until DEADLINE_NS: -1 when memory
 * is short or it cannot be watched (CONN is then still the caller's). */
static int pending_queue(struct server *s, struct listener *l, int conn, const union proxy_lb *lb,
                         uint64_t deadline_ns)
{
    struct proxy_queue *q = proxy_queue_of(s, l->svc_state);
    struct proxy_conn *pc = q ? calloc(1, sizeof(*pc)) : NULL;

    if (pc) {
        pc->q = q;
        pc->l = l;
        pc->lb = *lb;
        pc->deadline_ns = deadline_ns;
        loop_ev_set(&pc->ev, conn, pending_ready, s);
        if (loop_watch(&s->loop, &pc->ev, EPOLLIN | EPOLLRDHUP | EPOLLET) == 0) {
            l->refs++;
            proxy_queue_link(s, q, pc);
            return 0;
        }
        free(pc);
    }
    proxy_queue_drop_if_empty(l->svc_state);
    return -1;
}

/* Wait for the rest of CONN's header; refused when the service's cap
 * (`backlog` connections waiting) is reached or memory is short. */
static void pending_add(struct server *s, struct listener *l, int conn, const union proxy_lb *lb)
{
    struct svc_state *state = l->svc_state;
    unsigned cap = state->svc->sock.backlog > 0 ? (unsigned)state->svc->sock.backlog : 1;
    uint64_t deadline = clock_now_ns() + (uint64_t)state->svc->proxy.timeout * NSEC_PER_SEC;

    if ((!state->proxy_queue || state->proxy_queue->n < cap) &&
        pending_queue(s, l, conn, lb, deadline) == 0)
        return;
    refuse_lb(s, state, &lb->sa, REFUSE_PROXY_PENDING);
    close(conn);
}

bool proxy_pending_take(struct server *s, struct listener *l, int conn,
                        const struct sockaddr_storage *peer)
{
    const struct service *svc = l->svc_state->svc;
    union proxy_lb lb;

    if (!proxy_pending_trusted(svc, (const struct sockaddr *)peer)) {
        if (svc->proxy.others_direct)
            return false;
        refuse_lb(s, l->svc_state, (const struct sockaddr *)peer, REFUSE_PROXY_UNTRUSTED);
        close(conn);
        return true;
    }
    lb_copy(&lb, peer);
    /* Most balancers send the header with their first segment: no wait then. */
    if (!proxy_read(s, l, conn, &lb.sa, false))
        pending_add(s, l, conn, &lb);
    return true;
}

/* May PC keep waiting under its service's settings after a reload? */
static bool pending_still_wanted(const struct proxy_conn *pc)
{
    const struct svc_state *state = pc->q->svc_state;

    return state->svc && state->svc->proxy.versions != SVC_PROXY_OFF && !pc->l->closed &&
           pc->l->svc_state == state && proxy_pending_trusted(state->svc, &pc->lb.sa);
}

void proxy_pending_reloaded(struct server *s)
{
    struct proxy_queue *q = s->proxy_queues;

    while (q) {
        struct proxy_queue *next = q->next;
        struct proxy_conn *pc = q->head;
        unsigned n = q->n;
        for (unsigned i = 0; i < n; i++) {
            struct proxy_conn *after = pc->next; /* read before q may go */
            if (!pending_still_wanted(pc))
                proxy_pending_refuse(s, pc, REFUSE_PROXY_UNTRUSTED);
            pc = after;
        }
        q = next;
    }
}

unsigned proxy_pending_count(const struct svc_state *state)
{
    return state->proxy_queue ? state->proxy_queue->n : 0;
}

void proxy_pending_each(struct server *s, proxy_pending_fn *fn, void *ctx)
{
    for (struct proxy_queue *q = s->proxy_queues; q; q = q->next)
        for (struct proxy_conn *pc = q->head; pc; pc = pc->next) {
            socklen_t len = pc->lb.sa.sa_family == AF_INET    ? sizeof(pc->lb.in)
                            : pc->lb.sa.sa_family == AF_INET6 ? sizeof(pc->lb.in6)
                                                              : sizeof(pc->lb.sa);
            fn(ctx, pc->ev.fd, pc->l, &pc->lb.sa, len, pc->deadline_ns);
        }
}

int proxy_pending_adopt(struct server *s, struct listener *l, int fd,
                        const struct sockaddr_storage *lb, uint64_t deadline_ns)
{
    union proxy_lb kept;

    lb_copy(&kept, lb);
    return pending_queue(s, l, fd, &kept, deadline_ns);
}

void proxy_pending_drop(struct server *s, struct svc_state *state, int fd,
                        const struct sockaddr_storage *lb, enum refuse_reason why)
{
    union proxy_lb kept;

    lb_copy(&kept, lb);
    refuse_lb(s, state, &kept.sa, why);
    close(fd);
}

void proxy_pending_close_all(struct server *s)
{
    while (s->proxy_queues) {
        struct proxy_conn *pc = s->proxy_queues->head;
        int fd = pc->ev.fd;
        listener_unref(pending_detach(s, pc));
        close(fd);
    }
}
