/*
 * The old image's record of the running state (upgrade_int.h): the
 * daemon's counters, every service's state, every socket, every live
 * handler, the auxiliary children, the stderr pipes, the connections
 * waiting for a PROXY header, the control socket and the clients parked on
 * it, the pidfile.  Services and sockets are numbered in the order written;
 * handlers and connections name them by number.  Each part that keeps
 * state of its own says itself what of it is carried (svc_state_carry,
 * listener_carry, handler_carry, ...); this file only lays them out.
 */
#include <stdlib.h>
#include <string.h>

#include "aux_child.h"
#include "carry.h"
#include "context.h"
#include "control.h"
#include "pool.h"
#include "process.h"
#include "proxy_pending.h"
#include "spawner.h"
#include "stderr_log.h"
#include "upgrade_int.h"
#include "wait.h"

/* Pointers numbered in the order they were first seen: an open-addressing
 * table from pointer to number, and the pointers by number. */
struct numbering {
    const void **keys;
    unsigned *nums;
    size_t cap;
    const void **order; /* by number */
    size_t n;
    bool failed;
};

static size_t slot_of(const struct numbering *m, const void *p)
{
    size_t h = (size_t)(((uintptr_t)p >> 4) * 0x9e3779b97f4a7c15ULL);
    size_t i = h & (m->cap - 1);

    while (m->keys[i] && m->keys[i] != p)
        i = (i + 1) & (m->cap - 1);
    return i;
}

static bool numbering_grow(struct numbering *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    struct numbering n = {.cap = ncap, .n = m->n};

    n.keys = calloc(ncap, sizeof(*n.keys));
    n.nums = calloc(ncap, sizeof(*n.nums));
    n.order = malloc(ncap * sizeof(*n.order));
    if (!n.keys || !n.nums || !n.order) {
        free(n.keys);
        free(n.nums);
        free(n.order);
        return false;
    }
    for (size_t i = 0; i < m->n; i++) {
        size_t k = slot_of(&n, m->order[i]);
        n.keys[k] = m->order[i];
        n.nums[k] = (unsigned)i;
        n.order[i] = m->order[i];
    }
    free(m->keys);
    free(m->nums);
    free(m->order);
    *m = n;
    return true;
}

/* P's number, given when first seen. */
static void numbering_add(struct numbering *m, const void *p)
{
    if (!p || m->failed)
        return;
    if ((m->n + 1) * 2 > m->cap && !numbering_grow(m)) {
        m->failed = true;
        return;
    }
    size_t k = slot_of(m, p);
    if (m->keys[k])
        return;
    m->keys[k] = p;
    m->nums[k] = (unsigned)m->n;
    m->order[m->n++] = p;
}

/* P's number, or -1 when it has none. */
static long numbering_get(const struct numbering *m, const void *p)
{
    if (!p || m->cap == 0)
        return -1;
    size_t k = slot_of(m, p);
    return m->keys[k] ? (long)m->nums[k] : -1;
}

static void numbering_free(struct numbering *m)
{
    free(m->keys);
    free(m->nums);
    free(m->order);
}

struct save {
    struct server *s;
    struct carry *c;
    struct numbering states, listeners;
};

static void number_child(struct child *c, void *ctx)
{
    struct save *sv = ctx;

    numbering_add(&sv->states, c->svc_state);
    numbering_add(&sv->listeners, c->listener);
}

/* Every service state and socket the record will name, numbered: the
 * active ones first, in their tables' order. */
static void save_number(struct save *sv)
{
    struct server *s = sv->s;

    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++)
        numbering_add(&sv->states, s->states[i]);
    for (size_t i = 0; i < s->n_listeners; i++)
        numbering_add(&sv->listeners, s->listeners[i]);
    children_each(&s->children, number_child, sv);
    for (size_t i = 0; i < s->n_refusing; i++)
        numbering_add(&sv->states, s->refusing[i]);
}

bool upgrade_carry_daemon(struct carry *c, struct server *s, uint64_t *paused_ns,
                          uint64_t *nofile_cur, uint64_t *nofile_max)
{
    if (!carry_enter(c, "daemon"))
        return false;
    carry_u64(c, "start_ns", &s->start_ns);
    carry_u64(c, "start_realtime_ns", &s->start_realtime_ns);
    carry_u64(c, "reloads_ok", &s->reloads_ok);
    carry_u64(c, "reloads_error", &s->reloads_error);
    carry_u64(c, "upgrades", &s->upgrades);
    carry_u64(c, "paused_ns", paused_ns);
    carry_u64(c, "handler_nofile_cur", nofile_cur);
    carry_u64(c, "handler_nofile_max", nofile_max);
    carry_leave(c);
    return true;
}

static void save_daemon(struct save *sv)
{
    struct server *s = sv->s;
    struct rlimit *nofile = &s->spawner.handler_nofile;
    uint64_t cur = nofile->rlim_cur, max = nofile->rlim_max;

    upgrade_carry_daemon(sv->c, s, &s->paused_ns, &cur, &max);
}

static void save_services(struct save *sv)
{
    struct carry *c = sv->c;

    carry_enter(c, "services");
    for (size_t i = 0; i < sv->states.n; i++) {
        struct svc_state *state = (struct svc_state *)sv->states.order[i];
        bool active = state->svc != NULL;
        uint64_t runs = active ? model_runs_digest(state->svc) : 0;
        carry_item(c);
        carry_str(c, "name", state->name, strlen(state->name) + 1);
        carry_bool(c, "active", &active);
        carry_u64(c, "runs", &runs);
        svc_state_carry(c, state);
        carry_leave(c);
    }
    carry_leave(c);
}

static void save_listeners(struct save *sv)
{
    struct carry *c = sv->c;

    carry_enter(c, "listeners");
    for (size_t i = 0; i < sv->listeners.n; i++) {
        struct listener *l = (struct listener *)sv->listeners.order[i];
        /* A closed socket's service may be gone: only an open one names it. */
        long svc = l->closed ? -1 : numbering_get(&sv->states, l->svc_state);
        bool listed = i < sv->s->n_listeners;
        carry_item(c);
        carry_bool(c, "listed", &listed);
        if (svc >= 0) {
            unsigned n = (unsigned)svc;
            carry_uint(c, "service", &n);
        }
        listener_carry(c, l);
        if (l->wait && carry_enter(c, "wait")) {
            wait_slot_carry(c, l->wait);
            carry_leave(c);
        }
        if (l->pool && carry_enter(c, "pool")) {
            pool_carry(c, l->pool);
            carry_leave(c);
        }
        carry_leave(c);
    }
    carry_leave(c);
}

/* What started C, for the new image to give it the same exit. */
static const char *child_role(const struct child *c, bool *in_slot)
{
    const struct pool *p = c->listener ? c->listener->pool : NULL;

    *in_slot = p && c->worker_index < p->n_slots && p->workers[c->worker_index] == c->pid;
    if (c->listener && wait_started(c))
        return "wait";
    if (c->listener && pool_started(c))
        return "worker";
    return "connection";
}

static void save_child(struct child *ch, void *ctx)
{
    struct save *sv = ctx;
    struct carry *c = sv->c;
    unsigned svc = (unsigned)numbering_get(&sv->states, ch->svc_state);
    long l = numbering_get(&sv->listeners, ch->listener);
    bool in_slot;
    char role[16];

    snprintf(role, sizeof(role), "%s", child_role(ch, &in_slot));
    carry_item(c);
    carry_uint(c, "service", &svc);
    if (l >= 0) {
        unsigned n = (unsigned)l;
        carry_uint(c, "listener", &n);
    }
    carry_str(c, "role", role, sizeof(role));
    carry_bool(c, "in_slot", &in_slot);
    handler_carry(c, ch);
    carry_leave(c);
}

static void save_pending(void *ctx, int fd, struct listener *l, const struct sockaddr *lb,
                         socklen_t lblen, uint64_t deadline_ns)
{
    struct save *sv = ctx;
    struct carry *c = sv->c;
    long n = numbering_get(&sv->listeners, l);
    size_t len = lblen;
    unsigned listener = (unsigned)n;

    if (n < 0)
        return; /* not numbered: cannot be (PROXY waits only on open sockets) */
    carry_item(c);
    carry_fd(c, "fd", &fd);
    carry_uint(c, "listener", &listener);
    carry_bytes_max(c, "balancer", (void *)lb, len, &len);
    carry_u64(c, "deadline_ns", &deadline_ns);
    carry_leave(c);
}

static void save_spawner(pid_t pid, void *ctx)
{
    aux_child_save(ctx, pid, "spawner");
}

/* The children that are no handlers, the spawners among them: the old
 * spawners see their socket's end at the exec and go after their last
 * connection; the new image only reaps them (and starts its own). */
static void save_aux_children(struct save *sv)
{
    carry_enter(sv->c, "aux_children");
    for (struct aux_child *a = sv->s->aux; a; a = a->next)
        aux_child_save(sv->c, a->pid, a->what);
    spawner_each_pid(sv->s, save_spawner, sv->c);
    carry_leave(sv->c);
}

void upgrade_save(struct server *s, struct carry *c)
{
    struct save sv = {.s = s, .c = c};
    char version[] = PACKAGE_VERSION;

    save_number(&sv);
    if (sv.states.failed || sv.listeners.failed)
        carry_fail(c, "out of memory");
    carry_str(c, "version", version, sizeof(version));
    save_daemon(&sv);
    save_services(&sv);
    save_listeners(&sv);
    carry_enter(c, "handlers");
    children_each(&s->children, save_child, &sv);
    carry_leave(c);
    save_aux_children(&sv);
    stderr_log_carry(c, s);
    carry_enter(c, "proxy_pending");
    proxy_pending_each(s, save_pending, &sv);
    carry_leave(c);
    control_carry(c, s);
    if (s->pidfile && s->pidfile->fd >= 0)
        process_pidfile_carry(c, s->pidfile);
    numbering_free(&sv.states);
    numbering_free(&sv.listeners);
}
