/*
 * The new image puts the carried state back (upgrade.h), before the first
 * activation, which then takes services by name and sockets by address as
 * a reload does: the daemon's counters and start, each service's state,
 * each socket with what its mode kept (wait slot, pool), each handler with
 * its service, socket, deadline and its mode's exit, the auxiliary
 * children, the stderr pipes, the PROXY connections, the control socket
 * and its waiting clients.  Something that cannot be placed is left out
 * and said; a handler left out is still reaped (service=-).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "activate.h"
#include "aux_child.h"
#include "carry.h"
#include "context.h"
#include "control.h"
#include "log.h"
#include "pool.h"
#include "proxy_pending.h"
#include "refusals.h"
#include "stderr_log.h"
#include "upgrade.h"
#include "upgrade_int.h"
#include "wait.h"

struct restore {
    struct server *s;
    struct carry *c;
    struct svc_state **states; /* by number; NULL where one could not be made */
    bool *active;              /* by number: in the old image's config */
    size_t n_states, cap_states;
    struct listener **listeners; /* by number; NULL where one could not be made */
    size_t n_listeners, cap_listeners;
    unsigned handlers, left_out;
};

static void restore_daemon(struct restore *r)
{
    struct server *s = r->s;
    struct upgrade_inherited *u = s->inherited;
    uint64_t cur = 0, max = 0;

    if (!upgrade_carry_daemon(r->c, s, &u->paused_ns, &cur, &max))
        return;
    if (cur || max) {
        s->spawner.handler_nofile.rlim_cur = cur;
        s->spawner.handler_nofile.rlim_max = max;
        s->spawner.restore_nofile = true;
    }
}

static void restore_service(struct carry *c, void *ctx)
{
    struct restore *r = ctx;
    char name[256] = "";
    bool active = false;
    uint64_t runs = 0;

    carry_str(c, "name", name, sizeof(name));
    carry_bool(c, "active", &active);
    carry_u64(c, "runs", &runs);
    struct svc_state *state = name[0] && !c->failed ? svc_state_new(name) : NULL;
    if (state) {
        state->refs++; /* the restore's own, until restore_settle */
        svc_state_carry(c, state);
        state->carried_runs = active ? runs : 0;
    }
    if (r->n_states < r->cap_states) {
        r->active[r->n_states] = active;
        r->states[r->n_states++] = state;
    } else if (state) {
        svc_state_destroy(state);
    }
}

/* The arrays by number: as many as the list KEY has items, plus one. */
static void *restore_array(struct carry *c, const char *key, size_t size, size_t *n)
{
    void *a;

    *n = carry_read_list(c, key, NULL, NULL);
    if (!(a = calloc(*n + 1, size)))
        carry_fail(c, "out of memory");
    return a;
}

static void restore_services(struct restore *r)
{
    r->states = restore_array(r->c, "services", sizeof(*r->states), &r->cap_states);
    r->active = calloc(r->cap_states + 1, sizeof(*r->active));
    if (r->states && r->active)
        carry_read_list(r->c, "services", restore_service, r);
    else
        r->cap_states = 0;
}

/* The service numbered in KEY, or NULL. */
static struct svc_state *state_named(struct restore *r, const char *key)
{
    unsigned i = ~0u;

    carry_uint(r->c, key, &i);
    return i < r->n_states ? r->states[i] : NULL;
}

/* What the socket's mode kept (its wait slot, its pool). */
static void restore_modes(struct restore *r, struct listener *l)
{
    struct carry *c = r->c;

    if (carry_enter(c, "wait")) {
        if ((l->wait = wait_slot_new()))
            wait_slot_carry(c, l->wait);
        carry_leave(c);
    }
    if (carry_enter(c, "pool")) {
        if ((l->pool = pool_new(r->s))) {
            pool_attach(l->pool, l);
            pool_carry(c, l->pool);
        }
        carry_leave(c);
    }
}

/* A socket; listed (in the daemon's table) when the old image served it. */
static void restore_listener(struct carry *c, void *ctx)
{
    struct restore *r = ctx;
    struct server *s = r->s;
    bool listed = false;

    if (r->n_listeners == r->cap_listeners)
        return;
    struct listener *l = listener_carried(c, &s->listeners_shared);
    carry_bool(c, "listed", &listed);
    r->listeners[r->n_listeners++] = l;
    if (!l)
        return;
    l->svc_state = state_named(r, "service");
    l->release = activate_release_modes;
    restore_modes(r, l);
    /* nothing to serve it with: unlisted, it goes with the record's ref */
    if (listed && !l->closed && l->svc_state) {
        s->listeners[s->n_listeners++] = l;
        l->refs++; /* the table's; the record's own goes at the end */
    }
}

static void restore_listeners(struct restore *r)
{
    struct server *s = r->s;

    r->listeners = restore_array(r->c, "listeners", sizeof(*r->listeners), &r->cap_listeners);
    s->listeners = calloc(r->cap_listeners + 1, sizeof(*s->listeners));
    if (r->listeners && s->listeners)
        carry_read_list(r->c, "listeners", restore_listener, r);
    else
        r->cap_listeners = 0;
}

/* One handler, back in the table with its service, its socket, its
 * deadline and its mode's exit; left out (reaped as service=-) when its
 * service was not carried. */
static void restore_handler(struct carry *c, void *ctx)
{
    struct restore *r = ctx;
    struct server *s = r->s;
    struct child got = {0};
    char role[16] = "";
    bool in_slot = false;
    unsigned li = ~0u;
    struct svc_state *state = state_named(r, "service");

    carry_uint(c, "listener", &li);
    carry_str(c, "role", role, sizeof(role));
    carry_bool(c, "in_slot", &in_slot);
    handler_carry(c, &got);
    struct listener *l = li < r->n_listeners ? r->listeners[li] : NULL;
    bool held = strcmp(role, "wait") == 0 || strcmp(role, "worker") == 0;
    struct child *ch = NULL;
    if (c->failed || !state || got.pid <= 1 || (held && !l) ||
        children_find(&s->children, got.pid) || !(ch = children_add(&s->children, got.pid))) {
        r->left_out++;
        return;
    }
    uint64_t at = got.timeout.at;
    ch->svc_state = state;
    ch->start_ns = got.start_ns;
    memcpy(ch->peer, got.peer, sizeof(ch->peer));
    ch->has_key = got.has_key;
    ch->key = got.key;
    ch->worker_index = got.worker_index;
    ch->timeout_stage = got.timeout_stage;
    ch->timeout.at = at;
    if (l) {
        ch->listener = l;
        l->refs++;
    }
    handler_adopt(s, ch);
    if (strcmp(role, "wait") == 0)
        wait_adopt(ch);
    else if (strcmp(role, "worker") == 0)
        pool_adopt(ch, in_slot);
    r->handlers++;
}

/* A connection waiting for its PROXY header, on its socket again with its
 * deadline.  One that cannot be is closed with a refusal: as a reload
 * closes one whose socket or service went (proxy_untrusted), or as one is
 * refused that cannot be queued (proxy_pending). */
static void restore_pending(struct carry *c, void *ctx)
{
    struct restore *r = ctx;
    int fd = -1;
    unsigned li = ~0u;
    uint64_t deadline = 0;
    struct sockaddr_storage lb = {0};
    size_t lblen = 0;

    carry_fd(c, "fd", &fd);
    carry_uint(c, "listener", &li);
    carry_bytes_max(c, "balancer", &lb, sizeof(lb), &lblen);
    carry_u64(c, "deadline_ns", &deadline);
    struct listener *l = li < r->n_listeners ? r->listeners[li] : NULL;
    bool placeable = !c->failed && l && !l->closed && l->svc_state;
    if (fd < 0 || (placeable && proxy_pending_adopt(r->s, l, fd, &lb, deadline) == 0))
        return;
    proxy_pending_drop(r->s, l ? l->svc_state : NULL, fd, &lb,
                       placeable ? REFUSE_PROXY_PENDING : REFUSE_PROXY_UNTRUSTED);
}

/* The services the old config had go to s->carried, for the activation to
 * take by name; the restore lets go of each, so a state nothing holds any
 * more (a removed service with no handler left) goes, after its refusal
 * counts are reported. */
static void restore_settle(struct restore *r)
{
    struct server *s = r->s;
    size_t n = 0;

    s->carried = calloc(r->n_states + 1, sizeof(*s->carried));
    for (size_t i = 0; i < r->n_states; i++) {
        struct svc_state *state = r->states[i];
        if (!state)
            continue;
        if (r->active[i] && s->carried) {
            s->carried[n++] = state;
            state->refs++;
        }
        refusals_relist(s, state);
        svc_state_unref(state);
    }
    s->n_carried = n;
    for (size_t i = 0; i < r->n_listeners; i++)
        if (r->listeners[i])
            listener_unref(r->listeners[i]); /* the record's: the table and handlers hold it */
}

void upgrade_restore(struct server *s)
{
    struct upgrade_inherited *u = s->inherited;
    struct restore r = {.s = s, .c = &u->carry};

    restore_daemon(&r);
    restore_services(&r);
    restore_listeners(&r);
    carry_read_list(r.c, "handlers", restore_handler, &r);
    aux_child_restore_all(r.c, s);
    stderr_log_carry(r.c, s);
    carry_read_list(r.c, "proxy_pending", restore_pending, &r);
    control_carry(r.c, s);
    restore_settle(&r);
    if (r.c->failed)
        log_errorx("upgrade: the carried state is not all restored: %s", r.c->err);
    if (r.left_out)
        log_warnx("upgrade: %u carried handlers could not be placed (reaped as service=-)",
                  r.left_out);
    u->handlers = r.handlers;
    free(r.states);
    free(r.active);
    free(r.listeners);
}

void upgrade_restored(struct server *s)
{
    for (size_t i = 0; i < s->n_carried; i++)
        svc_state_unref(s->carried[i]);
    free(s->carried);
    s->carried = NULL;
    s->n_carried = 0;
    proxy_pending_reloaded(s);
}
