/*
 * Prefork pools (see pool.h).  A worker that cannot be started for a limit
 * (`instances`, `max_children`) is not a refused connection: the pool says
 * once that it is short, and tries again when a handler exits and makes
 * room (handler_wake_on_exit), never by polling.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "carry.h"
#include "clock.h"
#include "context.h"
#include "handler.h"
#include "log.h"
#include "refusals.h"
#include "pool.h"

#define POOL_MAX_WORKERS 4096

static void pool_refill(struct timer *t, uint64_t now);

struct pool *pool_new(struct server *s)
{
    struct pool *p = calloc(1, sizeof(*p));

    if (!p)
        return NULL;
    p->s = s;
    timer_set(&p->refill, pool_refill, NULL);
    p->room.wake = &p->refill;
    return p;
}

void pool_attach(struct pool *p, struct listener *l)
{
    p->l = l;
    l->pool = p;
}

void pool_free(struct pool *p)
{
    if (!p)
        return;
    timers_cancel(&p->s->loop.timers, &p->refill);
    handler_wake_cancel(p->s, &p->room);
    free(p->workers);
    free(p);
}

void pool_refill_soon(struct pool *p)
{
    if (!p->refill.armed)
        timers_arm(&p->s->loop.timers, &p->refill, TIMERS_NOW);
}

static int pool_reserve(struct pool *p, unsigned n)
{
    if (n <= p->n_slots)
        return 0;
    pid_t *w = realloc(p->workers, n * sizeof(*w));
    if (!w)
        return -1;
    memset(w + p->n_slots, 0, (n - p->n_slots) * sizeof(*w));
    p->workers = w;
    p->n_slots = n;
    return 0;
}

static void pool_worker_exited(struct child *c, int status, void *ctx);

/* Say once, not per try, that P is held below its target by a limit. */
static void pool_note_short(struct pool *p, enum refuse_reason why)
{
    if (p->short_said)
        return;
    p->short_said = true;
    log_warnx("service %s: pool on %s stays below %u workers: %s limit reached",
              p->l->svc_state->name, p->l->addr.text, p->target, refusals_reason_name(why));
}

/* Start the worker of slot IDX.  False when none can start now: a limit
 * (the next handler exit wakes the pool) or a failed start (tried again
 * after a back-off). */
static bool pool_spawn(struct pool *p, unsigned idx)
{
    struct server *s = p->s;
    struct listener *l = p->l;
    struct svc_state *state = l->svc_state;
    uint64_t now = clock_now_ns();
    enum refuse_reason v =
        admit_check(state->admit, state->svc, NULL, s->live_total, s->cfg->max_children, now);
    if (v != REFUSE_NONE) {
        pool_note_short(p, v);
        handler_wake_on_exit(s, &p->room);
        return false;
    }
    struct handler_req req = {
        .l = l,
        .sock = l->fd,
        .peer_text = l->addr.text,
        .worker_index = (int)idx,
        .on_exit = pool_worker_exited,
        .holder = &p->workers[idx],
    };
    if (handler_start(s, &req) == -1) {
        timers_arm(&s->loop.timers, &p->refill, now + backoff_delay(1));
        return false;
    }
    p->short_said = false;
    return true;
}

static void pool_refill(struct timer *t, uint64_t now)
{
    struct pool *p = LOOP_OWNER(t, struct pool, refill);
    struct listener *l = p->l;

    if (l->closed || p->s->stopping || l->mode != MODE_PREFORK || !l->svc_state->svc || l->held)
        return; /* held (drained): resume refills it */
    if (pool_reserve(p, p->target) == -1) {
        timers_arm(&p->s->loop.timers, &p->refill, now + backoff_delay(1));
        return;
    }
    for (unsigned i = 0; i < p->target; i++)
        if (p->workers[i] == 0 && !pool_spawn(p, i))
            return;
}

static void pool_worker_exited(struct child *c, int status, void *ctx)
{
    struct server *s = ctx;
    struct pool *p = c->listener->pool;
    uint64_t now = clock_now_ns();

    (void)status;
    if (c->worker_index < p->n_slots && p->workers[c->worker_index] == c->pid)
        p->workers[c->worker_index] = 0;
    else
        return; /* retired by a resize or a roll-over: not replaced */
    if (p->l->held)
        return; /* drained: its accept failed; resume refills the pool */
    if (now - c->start_ns >= BACKOFF_YOUNG_NS || s->stopping) {
        backoff_reset(&p->backoff);
        pool_refill_soon(p);
        return;
    }
    uint64_t d = backoff_failed(&p->backoff, 0);
    backoff_log(c->svc_state->name, p->l->addr.text, d);
    timers_arm(&s->loop.timers, &p->refill, now + d);
}

/* The slot of the most recently started live worker, or -1. */
static int pool_newest(struct server *s, struct pool *p)
{
    int best = -1;
    uint64_t best_ns = 0;

    for (unsigned i = 0; i < p->n_slots; i++) {
        struct child *c = p->workers[i] ? children_find(&s->children, p->workers[i]) : NULL;
        if (c && (best < 0 || c->start_ns >= best_ns)) {
            best = (int)i;
            best_ns = c->start_ns;
        }
    }
    return best;
}

static unsigned pool_live(const struct pool *p)
{
    unsigned live = 0;

    for (unsigned i = 0; i < p->n_slots; i++)
        live += p->workers[i] != 0;
    return live;
}

/* Bring the pool down to its target: SIGTERM to the newest, keeping the
 * survivors in the slots below the target so none is respawned. */
static void pool_shrink(struct server *s, struct pool *p)
{
    while (pool_live(p) > p->target) {
        int newest = pool_newest(s, p);
        if (newest < 0)
            break;
        kill(p->workers[newest], SIGTERM);
        p->workers[newest] = 0;
        for (unsigned i = p->target; i < p->n_slots; i++)
            if (p->workers[i] && (unsigned)newest < p->target) {
                /* Its exit frees the slot its record names (pool_worker_exited). */
                struct child *moved = children_find(&s->children, p->workers[i]);
                if (moved)
                    moved->worker_index = (unsigned)newest;
                p->workers[newest] = p->workers[i];
                p->workers[i] = 0;
                break;
            }
    }
}

void pool_set_target(struct server *s, struct listener *l, unsigned target)
{
    struct pool *p = l->pool;

    if (target < 1)
        target = 1;
    if (target > POOL_MAX_WORKERS)
        target = POOL_MAX_WORKERS;
    p->target = target;
    pool_shrink(s, p);
    pool_refill_soon(p);
}

/* The most workers P may have: what `instances` leaves of its service's
 * handlers elsewhere, and `max_children` of all the others. */
static unsigned pool_limit(const struct server *s, const struct pool *p)
{
    unsigned mine = pool_live(p), limit = POOL_MAX_WORKERS;
    unsigned instances = p->l->svc_state->svc->instances, max = s->cfg->max_children;

    if (instances) {
        unsigned service_others = admit_live(p->l->svc_state->admit) - mine;
        unsigned room = service_others < instances ? instances - service_others : 0;
        limit = room < limit ? room : limit;
    }
    if (max) {
        unsigned others = s->live_total - mine;
        unsigned room = others < max ? max - others : 0;
        limit = room < limit ? room : limit;
    }
    return limit;
}

void pool_resize_all(struct server *s, int delta)
{
    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener *l = s->listeners[i];
        if (l->mode != MODE_PREFORK || l->closed || !l->pool)
            continue;
        unsigned t = l->pool->target;
        if (delta > 0 && t + 1 > pool_limit(s, l->pool)) {
            log_event("event=workers service=%s address=%s workers=%u limit=reached",
                      l->svc_state->name, l->addr.text, t);
            continue;
        }
        pool_set_target(s, l, delta > 0 ? t + 1 : (t > 1 ? t - 1 : 1));
        log_event("event=workers service=%s address=%s workers=%u", l->svc_state->name,
                  l->addr.text, l->pool->target);
    }
}

void pool_retire(struct listener *l)
{
    struct pool *p = l->pool;

    for (unsigned i = 0; p && i < p->n_slots; i++)
        if (p->workers[i]) {
            kill(p->workers[i], SIGTERM);
            p->workers[i] = 0;
        }
}

void pool_stop_all(struct server *s)
{
    for (size_t i = 0; i < s->n_listeners; i++)
        pool_retire(s->listeners[i]);
}

void pool_carry(struct carry *c, struct pool *p)
{
    carry_uint(c, "target", &p->target);
    carry_uint(c, "backoff_streak", &p->backoff.streak);
    carry_bool(c, "short_said", &p->short_said);
    if (!c->writing && p->target > POOL_MAX_WORKERS)
        p->target = POOL_MAX_WORKERS;
}

bool pool_started(const struct child *c)
{
    return c->on_exit == pool_worker_exited;
}

void pool_adopt(struct child *c, bool in_slot)
{
    struct pool *p = c->listener->pool;

    c->on_exit = pool_worker_exited;
    if (!p || !in_slot || c->worker_index >= POOL_MAX_WORKERS ||
        pool_reserve(p, c->worker_index + 1) == -1 || p->workers[c->worker_index] != 0)
        return; /* retired, or no slot for it: its exit is only waited for */
    p->workers[c->worker_index] = c->pid;
}
