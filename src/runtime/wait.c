/*
 * wait mode (see wait.h).  Before the socket is handed over its queue head
 * is noted (wait_mark.h), so that a handler exiting young can be told to
 * have made progress or not.
 */
#include <stdbool.h>
#include <sys/wait.h>

#include "backoff.h"
#include "clock.h"
#include "handler.h"
#include "log.h"
#include "reap.h"
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

static void wait_handler_exited(struct child *c, int status, void *ctx)
{
    struct server *s = ctx;
    struct listener *l = c->listener;
    uint64_t now = clock_now_ns();
    bool young = now - c->start_ns < BACKOFF_YOUNG_NS;
    bool failed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;

    l->wait_pid = 0;
    if (l->closed || s->stopping)
        return;
    if (!young || (!failed && !wait_mark_unchanged(l->fd, &l->wait_mark))) {
        l->fast_exits = 0;
        listener_watch(&s->loop, l, true);
        return;
    }
    if (++l->fast_exits <= WAIT_GRACE) {
        listener_watch(&s->loop, l, true);
        return;
    }
    uint64_t delay = backoff_delay(l->fast_exits - WAIT_GRACE);
    log_event("event=backoff service=%s address=%s delay_ms=%llu", l->rt->name, l->addr.text,
              (unsigned long long)(delay / NSEC_PER_MSEC));
    listener_pause(&s->loop, l, now + delay);
}

void wait_ready(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    struct listener *l = listener_of(ev);
    struct svc_state *rt = l->rt;
    uint64_t now = clock_now_ns();

    (void)events;
    listener_watch(&s->loop, l, false); /* the handler owns the socket until it exits */
    wait_mark_take(l->fd, l->protocol == PROTO_TCP, &l->wait_mark);
    enum admit_verdict v =
        admit_check(rt->admit, rt->svc, NULL, s->live_total, s->cfg->max_children, now);
    struct child *c = NULL;
    if (v == ADMIT_OK)
        c = handler_start(s, l, l->fd, NULL, l->addr.text, -1, wait_handler_exited);
    if (!c) {
        refusals_record(s, rt, v == ADMIT_OK ? REFUSE_SPAWN_FAILED : v, l->addr.text);
        listener_pause(&s->loop, l, now + backoff_delay(++l->fast_exits));
        return;
    }
    admit_started(rt->admit, NULL);
    c->listener = l;
    l->refs++;
    l->wait_pid = c->pid;
    reap_after_spawn(s);
}
