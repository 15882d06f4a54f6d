/*
 * Putting a configuration into service, at start and on SIGHUP.  The new
 * config is fully parsed and validated before this runs; here its services
 * get their runtime (kept by name, so counters survive) and their sockets
 * (kept by address when the socket can serve as it is, so nothing queued in
 * a backlog is lost).  Until the commit point nothing of the running state
 * changes, so a failure leaves the old configuration serving.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "accept.h"
#include "activate_int.h"
#include "hold.h"
#include "log.h"
#include "pool.h"
#include "context.h"
#include "wait.h"

/* Old runtime by name or a new one; plans built for every enabled service. */
static int act_prepare_services(struct server *s, struct config *cfg, struct activation *a,
                                char *err, size_t errlen)
{
    for (size_t i = 0; i < cfg->n_services; i++) {
        const struct service *svc = &cfg->services[i];
        if (!svc->enabled)
            continue;
        char why[256];
        if (!(a->plans[i] = exec_plan_new(svc, why, sizeof(why)))) {
            snprintf(err, errlen, "%s:%d: service \"%s\": %s", svc->file, svc->line, svc->name,
                     why);
            return -1;
        }
        struct svc_state *state = activate_state_named(a, svc->name);
        if (!state && !(state = svc_state_new(svc->name))) {
            snprintf(err, errlen, "out of memory");
            return -1;
        }
        a->states[i] = state;
    }
    return 0;
}

void activate_release_modes(struct listener *l)
{
    wait_slot_free(l->wait);
    pool_free(l->pool);
}

static int act_open(struct server *s, struct binding *b, char *err, size_t errlen)
{
    char why[256];

    b->l = listener_open(b->svc, b->addr, &s->listeners_shared, why, sizeof(why));
    if (b->l) {
        b->l->release = activate_release_modes;
        return 0;
    }
    snprintf(err, errlen, "service \"%s\": cannot listen on %s: %s", b->svc->name, b->addr->text,
             why);
    return -1;
}

/* What each socket's new mode needs that it does not have yet, made
 * before the commit point (which cannot fail).  -1 when out of memory. */
static int act_prepare_modes(struct server *s, struct activation *a)
{
    for (size_t i = 0; i < a->n_b; i++) {
        struct binding *b = &a->b[i];
        bool has_pool = b->claimed && b->l->pool, has_wait = b->claimed && b->l->wait;
        if (b->svc->mode == MODE_PREFORK && !has_pool && !(b->pool = pool_new(s)))
            return -1;
        if (b->svc->mode == MODE_WAIT && !has_wait && !(b->wait = wait_slot_new()))
            return -1;
    }
    return 0;
}

static void act_unwind(struct config *cfg, struct activation *a)
{
    for (size_t i = 0; i < a->n_b; i++) {
        if (!a->b[i].claimed && a->b[i].l)
            listener_unref(a->b[i].l);
        pool_free(a->b[i].pool);
        wait_slot_free(a->b[i].wait);
    }
    for (size_t i = 0; i < cfg->n_services; i++) {
        exec_plan_unref(a->plans[i]);
        if (a->states[i] && a->states[i]->refs == 0)
            svc_state_destroy(a->states[i]);
    }
}

/* Does a kept prefork socket's pool run what B's service runs no more?
 * The old service, or after an upgrade what the old image said it ran. */
static bool act_runs_other(const struct binding *b, const struct svc_state *old_owner)
{
    if (!b->claimed || !old_owner)
        return false;
    if (old_owner->svc)
        return !model_runs_same(old_owner->svc, b->svc);
    return old_owner->carried_runs && old_owner->carried_runs != model_runs_digest(b->svc);
}

/* Give a kept or new socket its service; prefork pools get their target. */
static void act_bind(struct server *s, struct binding *b, struct svc_state *old_owner)
{
    struct listener *l = b->l;
    const struct service *prev = old_owner ? old_owner->svc : NULL;

    if (b->claimed && l->mode == MODE_PREFORK && b->svc->mode != MODE_PREFORK)
        pool_retire(l); /* the pool's socket now serves another mode */
    if (b->claimed)
        listener_update(l, b->svc);
    l->svc_state = b->svc_state;
    listener_serve_with(l, b->svc->mode == MODE_NOWAIT ? accept_ready : wait_ready, s);
    if (b->svc->mode == MODE_PREFORK) {
        if (!l->pool)
            pool_attach(b->pool, l);
        b->pool = NULL;
        listener_watch(&s->loop, l, false); /* workers accept, not us */
        if (!b->claimed || !prev || prev->mode != MODE_PREFORK || prev->workers != b->svc->workers)
            pool_set_target(s, l, b->svc->workers);
        if (act_runs_other(b, old_owner))
            pool_retire(l); /* the replacements start in the same loop turn */
        pool_refill_soon(l->pool);
    } else {
        if (!l->wait && b->wait)
            wait_attach(b->wait, l);
        b->wait = NULL;
        wait_watch_unless_held(s, l);
    }
}

/* Close the running sockets no new address kept. */
static void act_close_gone(struct server *s, struct activation *a)
{
    for (size_t j = 0; j < s->n_listeners; j++) {
        struct listener *old = s->listeners[j];
        if (a->old_claimed[j])
            continue;
        for (size_t i = 0; old->addr.kind == LISTEN_UNIX && i < a->n_b; i++)
            if (activate_same_unix_path(&old->addr, a->b[i].addr))
                old->unlink_on_close = false; /* the path now belongs to the new socket */
        listener_watch(&s->loop, old, false);
        if (old->mode == MODE_PREFORK)
            pool_retire(old);
        listener_close(old);
        listener_unref(old);
        a->closed++;
    }
}

/* The new config's services get their plans; the old config lets go of
 * its states (the new config's references first, so a state kept by name
 * survives). */
static void act_install_services(struct server *s, struct config *cfg, struct activation *a)
{
    for (size_t i = 0; i < cfg->n_services; i++)
        if (a->states[i])
            a->states[i]->refs++;
    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++)
        if (s->states[i]) {
            s->states[i]->svc = NULL; /* gone, unless the new config names it */
            svc_state_unref(s->states[i]);
        }
    for (size_t i = 0; i < cfg->n_services; i++) {
        struct svc_state *state = a->states[i];
        if (!state)
            continue;
        exec_plan_unref(state->plan);
        state->plan = a->plans[i];
        state->svc = &cfg->services[i];
    }
}

/* Past the point of no return: close what is gone, open what collided,
 * install plans and sockets. */
static void act_commit(struct server *s, struct config *cfg, struct activation *a)
{
    act_close_gone(s, a);
    for (size_t i = 0; i < a->n_b; i++) {
        struct binding *b = &a->b[i];
        char err[512];
        if (b->collides && act_open(s, b, err, sizeof(err)) == -1)
            log_errorx("reload: %s", err);
    }
    size_t n = 0;
    for (size_t i = 0; i < a->n_b; i++) {
        struct binding *b = &a->b[i];
        if (!b->l) {
            pool_free(b->pool);
            wait_slot_free(b->wait);
            continue;
        }
        act_bind(s, b, b->claimed ? b->l->svc_state : NULL);
        a->b[n++] = *b;
        if (b->claimed)
            a->kept++;
        else
            a->opened++;
    }
    act_install_services(s, cfg, a);
    for (size_t i = 0; i < n; i++)
        a->new_listeners[i] = a->b[i].l;
    free(s->listeners);
    s->listeners = a->new_listeners;
    s->n_listeners = n;
    a->new_listeners = NULL;
    hold_reapply(s); /* pause and drain outlive a reload (state by name) */
}

static void act_free(struct activation *a)
{
    free(a->states);
    free(a->plans);
    free(a->b);
    free(a->old_claimed);
    free(a->new_listeners);
    free(a->old_states);
    free(a->old_by_group);
}

static int act_alloc(struct server *s, struct config *cfg, struct activation *a)
{
    size_t n_addr = 0;

    for (size_t i = 0; i < cfg->n_services; i++)
        n_addr += cfg->services[i].enabled ? cfg->services[i].n_listen : 0;
    memset(a, 0, sizeof(*a));
    a->states = calloc(cfg->n_services + 1, sizeof(*a->states));
    a->plans = calloc(cfg->n_services + 1, sizeof(*a->plans));
    a->b = calloc(n_addr + 1, sizeof(*a->b));
    a->old_claimed = calloc(s->n_listeners + 1, sizeof(*a->old_claimed));
    a->new_listeners = calloc(n_addr + 1, sizeof(*a->new_listeners));
    a->old_states =
        calloc((s->cfg ? s->cfg->n_services : 0) + s->n_carried + 1, sizeof(*a->old_states));
    a->old_by_group = calloc(s->n_listeners + 1, sizeof(*a->old_by_group));
    if (!a->states || !a->plans || !a->b || !a->old_claimed || !a->new_listeners ||
        !a->old_states || !a->old_by_group)
        return -1;
    activate_index(s, a);
    return 0;
}

int activate_config(struct server *s, struct config *cfg, struct activation_stats *st, char *err,
                    size_t errlen)
{
    struct activation a;

    if (act_alloc(s, cfg, &a) == -1) {
        act_free(&a);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    if (act_prepare_services(s, cfg, &a, err, errlen) == -1)
        goto fail;
    activate_match(s, cfg, &a);
    for (size_t i = 0; i < a.n_b; i++)
        if (!a.b[i].claimed && !a.b[i].collides && act_open(s, &a.b[i], err, errlen) == -1)
            goto fail;
    if (act_prepare_modes(s, &a) == -1) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    act_commit(s, cfg, &a);
    if (s->cfg)
        config_free(s->cfg);
    free(s->states);
    s->cfg = cfg;
    s->states = a.states;
    a.states = NULL;
    st->kept = a.kept;
    st->opened = a.opened;
    st->closed = a.closed;
    act_free(&a);
    return 0;
fail:
    act_unwind(cfg, &a);
    act_free(&a);
    return -1;
}

size_t activate_services(const struct server *s)
{
    size_t n = 0;

    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++)
        n += s->states[i] != NULL;
    return n;
}

struct svc_state *activate_service_state(const struct server *s, const char *name)
{
    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++)
        if (s->states[i] && strcmp(s->states[i]->name, name) == 0)
            return s->states[i];
    return NULL;
}

void activate_release(struct server *s)
{
    for (size_t i = 0; i < s->n_listeners; i++) {
        listener_watch(&s->loop, s->listeners[i], false);
        if (s->listeners[i]->mode == MODE_PREFORK)
            pool_retire(s->listeners[i]);
        listener_close(s->listeners[i]);
        listener_unref(s->listeners[i]);
    }
    free(s->listeners);
    s->listeners = NULL;
    s->n_listeners = 0;
}
