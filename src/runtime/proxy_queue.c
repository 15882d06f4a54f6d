/*
 * A service's connections waiting for their PROXY header (proxy_pending.c),
 * as a queue: a doubly linked list in deadline order.  All connections of a
 * service share one proxy_timeout, so arrival order is deadline order and
 * an insertion at the tail is O(1) (a reload that shortens the timeout is
 * the one case that walks back from the tail).  One timer per queue is
 * armed at its head's deadline; a connection done early leaves its list in
 * O(1).  The queues are also listed (server.proxy_queues) for reloads and
 * exit.
 */
#include <stdlib.h>

#include "context.h"
#include "proxy_pending_int.h"

/* The queue's head is due: close what is past its deadline (the timer
 * follows the new head). */
static void queue_expire(struct timer *t, uint64_t now)
{
    struct proxy_queue *q = LOOP_OWNER(t, struct proxy_queue, expire);

    for (unsigned n = q->n; n > 0 && q->head->deadline_ns <= now; n--) {
        bool last = n == 1; /* the queue goes with its last connection */
        proxy_pending_refuse(t->ctx, q->head, REFUSE_PROXY_TIMEOUT);
        if (last)
            return;
    }
}

void proxy_queue_link(struct server *s, struct proxy_queue *q, struct proxy_conn *pc)
{
    struct proxy_conn *after = q->tail;

    while (after && after->deadline_ns > pc->deadline_ns)
        after = after->prev; /* only after a reload shortened proxy_timeout */
    pc->prev = after;
    pc->next = after ? after->next : q->head;
    if (pc->next)
        pc->next->prev = pc;
    else
        q->tail = pc;
    if (after) {
        after->next = pc;
    } else {
        q->head = pc;
        timers_arm(&s->loop.timers, &q->expire, pc->deadline_ns);
    }
    if (q->n++ == 0) {
        q->prev = NULL;
        q->next = s->proxy_queues;
        if (q->next)
            q->next->prev = q;
        s->proxy_queues = q;
    }
}

/* Take PC out of its queue; the queue goes when it is empty. */
void proxy_queue_unlink(struct server *s, struct proxy_conn *pc)
{
    struct proxy_queue *q = pc->q;

    if (pc->prev)
        pc->prev->next = pc->next;
    else
        q->head = pc->next;
    if (pc->next)
        pc->next->prev = pc->prev;
    else
        q->tail = pc->prev;
    if (--q->n > 0) {
        if (!pc->prev) /* a new head */
            timers_arm(&s->loop.timers, &q->expire, q->head->deadline_ns);
        return;
    }
    timers_cancel(&s->loop.timers, &q->expire);
    if (q->prev)
        q->prev->next = q->next;
    else
        s->proxy_queues = q->next;
    if (q->next)
        q->next->prev = q->prev;
    q->svc_state->proxy_queue = NULL;
    svc_state_unref(q->svc_state);
    free(q);
}

struct proxy_queue *proxy_queue_of(struct server *s, struct svc_state *state)
{
    if (!state->proxy_queue) {
        struct proxy_queue *q = calloc(1, sizeof(*q));
        if (!q)
            return NULL;
        timer_set(&q->expire, queue_expire, s);
        q->svc_state = state;
        state->refs++;
        state->proxy_queue = q;
    }
    return state->proxy_queue;
}

/* A queue just made for a connection that could not wait after all. */
void proxy_queue_drop_if_empty(struct svc_state *state)
{
    struct proxy_queue *q = state->proxy_queue;

    if (q && q->n == 0) {
        state->proxy_queue = NULL;
        svc_state_unref(state);
        free(q);
    }
}

/* Wait for the rest of CONN's header; refused when the service's cap
 * (`backlog` connections waiting) is reached or memory is short. */
