/*
 * wait mode (see wait.h).  Admission runs before the socket is handed over:
 * on a datagram socket on the source of the datagram that would start the
 * handler (peeked, SPEC section 3), on a listening socket on the load and
 * the rate only (the handler accepts).  Then the queue's head is noted
 * (wait_mark.h), so that a handler exiting young can be told to have made
 * progress or not.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "backoff.h"
#include "carry.h"
#include "clock.h"
#include "handler.h"
#include "log.h"
#include "refusals.h"
#include "context.h"
#include "wait.h"

/*
 * A wait handler is done: watch its socket again.  One that exited young
 * having failed, or having left its queue as it found it, is retried at once
 * WAIT_GRACE times in a row (a listening socket's queue can look unchanged
 * when more connections came in), then backed off: a handler that exits at
 * once must not make the daemon spin.  Never disabled.
 */
#define WAIT_GRACE 2
/* Refused datagrams read and dropped per wake-up at most. */
#define WAIT_REFUSE_BATCH 64

struct wait_slot *wait_slot_new(void)
{
    return calloc(1, sizeof(struct wait_slot));
}

void wait_attach(struct wait_slot *w, struct listener *l)
{
    l->wait = w;
}

void wait_slot_free(struct wait_slot *w)
{
    free(w);
}

void wait_watch_unless_held(struct server *s, struct listener *l)
{
    if (l->wait && l->wait->pid)
        return; /* its exit watches the socket again */
    if (l->wait)
        backoff_reset(&l->wait->backoff);
    listener_watch(&s->loop, l, true);
}

static void wait_handler_exited(struct child *c, int status, void *ctx)
{
    struct server *s = ctx;
    struct listener *l = c->listener;
    struct wait_slot *w = l->wait;
    uint64_t now = clock_now_ns();
    bool young = now - c->start_ns < BACKOFF_YOUNG_NS;
    bool failed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;

    w->pid = 0;
    if (l->closed || s->stopping || l->held) /* held: resume watches it */
        return;
    if (!young || (!failed && !wait_mark_unchanged(l->fd, &w->mark))) {
        backoff_reset(&w->backoff);
        listener_watch(&s->loop, l, true);
        return;
    }
    uint64_t delay = backoff_failed(&w->backoff, WAIT_GRACE);
    if (delay == 0) {
        listener_watch(&s->loop, l, true);
        return;
    }
    backoff_log(l->svc_state->name, l->addr.text, delay);
    listener_pause(&s->loop, l, now + delay);
}

void wait_slot_carry(struct carry *c, struct wait_slot *w)
{
    struct wait_mark *m = &w->mark;
    size_t fromlen = m->fromlen;
    uint64_t len = m->len;

    carry_uint(c, "backoff_streak", &w->backoff.streak);
    if (!carry_enter(c, "mark"))
        return;
    carry_bool(c, "valid", &m->valid);
    carry_bool(c, "stream", &m->stream);
    carry_uint(c, "backlog", &m->backlog);
    carry_u64(c, "len", &len);
    carry_u64(c, "hash", &m->hash);
    carry_bytes_max(c, "from", &m->from, sizeof(m->from), &fromlen);
    carry_leave(c);
    m->len = (size_t)len;
    m->fromlen = (socklen_t)fromlen;
}

bool wait_started(const struct child *c)
{
    return c->on_exit == wait_handler_exited;
}

void wait_adopt(struct child *c)
{
    c->on_exit = wait_handler_exited;
    if (c->listener->wait)
        c->listener->wait->pid = c->pid;
}

/* The datagram at the head of a udp wait socket's queue, and its source. */
struct wait_datagram {
    struct sockaddr_storage from;
    socklen_t fromlen;
    bool inet;
    struct source_key key;
    char text[ADDR_STRLEN];
};

/* What the head of L's queue should get. */
enum wait_verdict {
    WAIT_START, /* a handler, now */
    WAIT_STAY,  /* nothing now: stay watched (queue empty, or this wake-up's work done) */
    WAIT_HOLD,  /* nothing until a back-off ends (a limit of the load; logged) */
};

/* Peek at the source of the datagram at the head of FD's queue (no byte
 * taken).  0, or -1 with errno (EAGAIN: nothing queued). */
static int wait_peek(int fd, struct wait_datagram *d, enum addr_peer_form form)
{
    d->fromlen = sizeof(d->from);
    if (recvfrom(fd, NULL, 0, MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC, (struct sockaddr *)&d->from,
                 &d->fromlen) < 0)
        return -1;
    d->inet = d->fromlen > 0 && (d->from.ss_family == AF_INET || d->from.ss_family == AF_INET6);
    if (d->inet) {
        addr_source_key((struct sockaddr *)&d->from, &d->key);
        addr_format_peer_as((struct sockaddr *)&d->from, form, d->text, sizeof(d->text));
    }
    return 0;
}

/* A refusal that is about this datagram (its source, the service's rate):
 * it is read and dropped.  The others are about the load: it stays. */
static bool wait_refusal_drops(enum refuse_reason why)
{
    return why != REFUSE_MAX_CHILDREN && why != REFUSE_INSTANCES;
}

/* tcp (the handler accepts), or a datagram whose source cannot be told:
 * only the load and the service's rate are known. */
static enum wait_verdict wait_admit_stream(struct server *s, struct listener *l, uint64_t now)
{
    struct svc_state *state = l->svc_state;
    enum refuse_reason why =
        admit_check(state->admit, state->svc, NULL, s->live_total, s->cfg->max_children, now);

    if (why == REFUSE_NONE)
        return WAIT_START;
    refusals_record(s, state, why, l->addr.text);
    return WAIT_HOLD;
}

/*
 * udp: admission on the source of each datagram that would start a handler,
 * before any fork.  A refused datagram is read and dropped, at most
 * WAIT_REFUSE_BATCH per wake-up (the socket stays readable: the rest wait
 * for the next turn, after the other ready objects); the first admitted one
 * stays queued for the handler, its source in *D.
 */
static enum wait_verdict wait_admit_datagrams(struct server *s, struct listener *l,
                                              struct wait_datagram *d, uint64_t now)
{
    struct svc_state *state = l->svc_state;
    const struct service *svc = state->svc;

    for (int i = 0; i < WAIT_REFUSE_BATCH; i++) {
        if (wait_peek(l->fd, d, svc->log_peer) == -1) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return WAIT_STAY;
            d->inet = false;
            return wait_admit_stream(s, l, now); /* no source to tell: as for tcp */
        }
        const struct sockaddr *peer = d->inet ? (struct sockaddr *)&d->from : NULL;
        enum refuse_reason why =
            admit_check_source(state->admit, svc, peer, d->inet ? &d->key : NULL, s->live_total,
                               s->cfg->max_children, now);
        if (why == REFUSE_NONE)
            return WAIT_START;
        refusals_record(s, state, why, d->inet && wait_refusal_drops(why) ? d->text : l->addr.text);
        if (!wait_refusal_drops(why))
            return WAIT_HOLD;
        recv(l->fd, NULL, 0, MSG_DONTWAIT); /* a datagram goes whole */
    }
    return WAIT_STAY;
}

void wait_ready(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    struct listener *l = LOOP_OWNER(ev, struct listener, ev);
    struct wait_slot *w = l->wait;
    struct wait_datagram d = {.inet = false};
    uint64_t now = clock_now_ns();
    bool datagrams = l->protocol == PROTO_UDP;
    enum wait_verdict v =
        datagrams ? wait_admit_datagrams(s, l, &d, now) : wait_admit_stream(s, l, now);

    (void)events;
    if (v == WAIT_STAY)
        return;
    listener_watch(&s->loop, l, false); /* the handler owns the socket until it exits */
    wait_mark_take(l->fd, !datagrams, &w->mark);
    struct handler_req req = {
        .l = l,
        .sock = l->fd,
        .peer_text = l->addr.text,
        .key = d.inet ? &d.key : NULL,
        .worker_index = -1,
        .on_exit = wait_handler_exited,
        .holder = &w->pid,
    };
    if (v == WAIT_HOLD || handler_start(s, &req) == -1)
        listener_pause(&s->loop, l, now + backoff_failed(&w->backoff, 0));
}
