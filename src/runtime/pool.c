/*
 * Prefork pools (see pool.h).  A worker that cannot be started for a limit
 * (`instances`, `max_children`) is not a refused connection: the pool says
 * once that it is short, and tries again on later turns.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "handler.h"
#include "log.h"
#include "pool.h"
#include "reap.h"
#include "refusals.h"
#include "context.h"

#define POOL_MAX_WORKERS 4096

static int pool_reserve(struct listener *l, unsigned n)
{
    if (n <= l->n_worker_slots)
        return 0;
    pid_t *w = realloc(l->workers, n * sizeof(*w));
    if (!w)
        return -1;
    memset(w + l->n_worker_slots, 0, (n - l->n_worker_slots) * sizeof(*w));
    l->workers = w;
    l->n_worker_slots = n;
    return 0;
}

static void pool_worker_exited(struct child *c, int status, void *ctx);

/* Say once, not per try, that L's pool is held below its target by a limit. */
static void pool_note_short(struct listener *l, enum admit_verdict why)
{
    if (l->pool_short)
        return;
    l->pool_short = true;
    log_warnx("service %s: pool on %s stays below %u workers: %s limit reached", l->rt->name,
              l->addr.text, l->worker_target, admit_reason_name(why));
}

static void pool_spawn(struct server *s, struct listener *l, unsigned idx)
{
    struct svc_state *rt = l->rt;
    enum admit_verdict v =
        admit_check(rt->admit, rt->svc, NULL, s->live_total, s->cfg->max_children, clock_now_ns());
    if (v != ADMIT_OK) {
        pool_note_short(l, v);
        return;
    }
    struct child *c = handler_start(s, l, l->fd, NULL, l->addr.text, (int)idx, pool_worker_exited);
    if (!c) {
        refusals_record(s, rt, REFUSE_SPAWN_FAILED, l->addr.text);
        rt->worker_resume_ns = clock_now_ns() + handler_backoff_delay(1);
        return;
    }
    l->pool_short = false;
    admit_started(rt->admit, NULL);
    c->listener = l;
    l->refs++;
    c->worker_index = idx;
    l->workers[idx] = c->pid;
    reap_after_spawn(s);
}

static void pool_fill(struct server *s, struct listener *l, uint64_t now)
{
    if (l->closed || s->stopping || l->mode != MODE_PREFORK || !l->rt->svc)
        return;
    if (now < l->rt->worker_resume_ns || pool_reserve(l, l->worker_target) == -1)
        return;
    for (unsigned i = 0; i < l->worker_target; i++)
        if (l->workers[i] == 0)
            pool_spawn(s, l, i);
}

void pool_fill_all(struct server *s)
{
    uint64_t now = clock_now_ns();
    for (size_t i = 0; i < s->n_listeners; i++)
        pool_fill(s, s->listeners[i], now);
}

bool pool_pending(const struct server *s)
{
    for (size_t i = 0; i < s->n_listeners; i++) {
        const struct listener *l = s->listeners[i];
        if (l->mode != MODE_PREFORK || l->closed)
            continue;
        for (unsigned k = 0; k < l->worker_target; k++)
            if (k >= l->n_worker_slots || l->workers[k] == 0)
                return true;
    }
    return false;
}

static void pool_worker_exited(struct child *c, int status, void *ctx)
{
    struct server *s = ctx;
    struct listener *l = c->listener;
    struct svc_state *rt = c->rt;
    uint64_t now = clock_now_ns();

    (void)status;
    s->pool_check = true;
    if (c->worker_index < l->n_worker_slots && l->workers[c->worker_index] == c->pid)
        l->workers[c->worker_index] = 0;
    else
        return; /* retired by a resize or a roll-over: not replaced */
    if (now - c->start_ns >= HANDLER_YOUNG_NS || s->stopping) {
        rt->worker_fast_exits = 0;
        return;
    }
    uint64_t d = handler_backoff_delay(++rt->worker_fast_exits);
    rt->worker_resume_ns = now + d;
    log_event("event=backoff service=%s address=%s delay_ms=%llu", rt->name, l->addr.text,
              (unsigned long long)(d / NSEC_PER_MSEC));
}

/* The slot of the most recently started live worker, or -1. */
static int pool_newest(struct server *s, struct listener *l)
{
    int best = -1;
    uint64_t best_ns = 0;

    for (unsigned i = 0; i < l->n_worker_slots; i++) {
        struct child *c = l->workers[i] ? children_find(&s->children, l->workers[i]) : NULL;
        if (c && (best < 0 || c->start_ns >= best_ns)) {
            best = (int)i;
            best_ns = c->start_ns;
        }
    }
    return best;
}

/* Bring the pool down to its target: SIGTERM to the newest, keeping the
 * survivors in the slots below the target so none is respawned. */
static void pool_shrink(struct server *s, struct listener *l)
{
    for (;;) {
        unsigned live = 0;
        for (unsigned i = 0; i < l->n_worker_slots; i++)
            live += l->workers[i] != 0;
        if (live <= l->worker_target)
            break;
        int newest = pool_newest(s, l);
        if (newest < 0)
            break;
        kill(l->workers[newest], SIGTERM);
        l->workers[newest] = 0;
        for (unsigned i = l->worker_target; i < l->n_worker_slots; i++)
            if (l->workers[i] && (unsigned)newest < l->worker_target) {
                /* Its exit frees the slot its record names (pool_worker_exited). */
                struct child *moved = children_find(&s->children, l->workers[i]);
                if (moved)
                    moved->worker_index = (unsigned)newest;
                l->workers[newest] = l->workers[i];
                l->workers[i] = 0;
                break;
            }
    }
}

void pool_set_target(struct server *s, struct listener *l, unsigned target)
{
    if (target < 1)
        target = 1;
    if (target > POOL_MAX_WORKERS)
        target = POOL_MAX_WORKERS;
    l->worker_target = target;
    pool_shrink(s, l);
}

/* The most workers L's pool may have: what `instances` leaves of its
 * service's handlers elsewhere, and `max_children` of all the others. */
static unsigned pool_limit(const struct server *s, const struct listener *l)
{
    unsigned mine = 0, limit = POOL_MAX_WORKERS;
    unsigned instances = l->rt->svc->instances, max = s->cfg->max_children;

    for (unsigned i = 0; i < l->n_worker_slots; i++)
        mine += l->workers[i] != 0;
    if (instances) {
        unsigned service_others = admit_live(l->rt->admit) - mine;
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
        if (l->mode != MODE_PREFORK || l->closed)
            continue;
        unsigned t = l->worker_target;
        if (delta > 0 && t + 1 > pool_limit(s, l)) {
            log_event("event=workers service=%s address=%s workers=%u limit=reached", l->rt->name,
                      l->addr.text, t);
            continue;
        }
        pool_set_target(s, l, delta > 0 ? t + 1 : (t > 1 ? t - 1 : 1));
        log_event("event=workers service=%s address=%s workers=%u", l->rt->name, l->addr.text,
                  l->worker_target);
    }
    s->pool_check = true;
}

void pool_retire(struct listener *l)
{
    for (unsigned i = 0; i < l->n_worker_slots; i++)
        if (l->workers[i]) {
            kill(l->workers[i], SIGTERM);
            l->workers[i] = 0;
        }
}

void pool_stop_all(struct server *s)
{
    for (size_t i = 0; i < s->n_listeners; i++)
        if (s->listeners[i]->mode == MODE_PREFORK)
            pool_retire(s->listeners[i]);
}
