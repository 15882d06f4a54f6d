/*
 * wait mode (see wait.h).  Before the socket is handed over its queue head
 * is noted (wait_mark.h), so that a handler exiting young can be told to
 * have made progress or not.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <sys/wait.h>

#include "backoff.h"
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
    if (l->closed || s->stopping)
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

void wait_ready(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    struct listener *l = LOOP_OWNER(ev, struct listener, ev);
    struct wait_slot *w = l->wait;
    struct svc_state *state = l->svc_state;
    uint64_t now = clock_now_ns();

    (void)events;
    listener_watch(&s->loop, l, false); /* the handler owns the socket until it exits */
    wait_mark_take(l->fd, l->protocol == PROTO_TCP, &w->mark);
    enum refuse_reason v =
        admit_check(state->admit, state->svc, NULL, s->live_total, s->cfg->max_children, now);
    if (v != REFUSE_NONE)
        refusals_record(s, state, v, l->addr.text);
    struct handler_req req = {
        .l = l,
        .sock = l->fd,
        .peer_text = l->addr.text,
        .worker_index = -1,
        .on_exit = wait_handler_exited,
        .holder = &w->pid,
    };
    if (v != REFUSE_NONE || handler_start(s, &req) == -1)
        listener_pause(&s->loop, l, now + backoff_failed(&w->backoff, 0));
}
