/*
 * Which running service and socket each part of a new config takes over
 * (see activate_int.h): services by name, addresses by their group (port
 * or unix path) through sorted indexes of the running state.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "activate_int.h"

static int cmp_state_name(const void *x, const void *y)
{
    const struct svc_state *const *a = x, *const *b = y;
    return strcmp((*a)->name, (*b)->name);
}

struct svc_state *activate_state_named(struct activation *a, const char *name)
{
    struct svc_state key = {.name = (char *)name}, *kp = &key;
    struct svc_state **hit =
        a->n_old_states ? bsearch(&kp, a->old_states, a->n_old_states, sizeof(*hit), cmp_state_name)
                        : NULL;
    return hit ? *hit : NULL;
}

bool activate_same_unix_path(const struct listen_addr *x, const struct listen_addr *y)
{
    return x->kind == LISTEN_UNIX && y->kind == LISTEN_UNIX &&
           strcmp(((const struct sockaddr_un *)&x->ss)->sun_path,
                  ((const struct sockaddr_un *)&y->ss)->sun_path) == 0;
}

/* Sockets that could be the same or collide share a group: the unix path,
 * or the port of an inet address. */
static int group_cmp(const struct listen_addr *x, const struct listen_addr *y)
{
    bool ux = x->kind == LISTEN_UNIX, uy = y->kind == LISTEN_UNIX;

    if (ux != uy)
        return ux ? 1 : -1;
    if (ux)
        return strcmp(((const struct sockaddr_un *)&x->ss)->sun_path,
                      ((const struct sockaddr_un *)&y->ss)->sun_path);
    unsigned px = addr_port((const struct sockaddr *)&x->ss);
    unsigned py = addr_port((const struct sockaddr *)&y->ss);
    return px < py ? -1 : px > py;
}

static int cmp_old_group(const void *x, const void *y, void *listeners)
{
    struct listener *const *ls = listeners;
    size_t i = *(const size_t *)x, j = *(const size_t *)y;
    int c = group_cmp(&ls[i]->addr, &ls[j]->addr);
    return c ? c : (i > j) - (i < j);
}

void activate_index(struct server *s, struct activation *a)
{
    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++)
        if (s->states[i])
            a->old_states[a->n_old_states++] = s->states[i];
    for (size_t i = 0; i < s->n_carried; i++) /* after an upgrade: the old image's */
        a->old_states[a->n_old_states++] = s->carried[i];
    qsort(a->old_states, a->n_old_states, sizeof(*a->old_states), cmp_state_name);
    for (size_t j = 0; j < s->n_listeners; j++)
        a->old_by_group[j] = j;
    qsort_r(a->old_by_group, s->n_listeners, sizeof(*a->old_by_group), cmp_old_group, s->listeners);
}

/* Position in old_by_group of the first old socket of ADDR's group. */
static size_t group_first(struct server *s, struct activation *a, const struct listen_addr *addr)
{
    size_t lo = 0, hi = s->n_listeners;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (group_cmp(&s->listeners[a->old_by_group[mid]]->addr, addr) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The next old socket of ADDR's group at or after position *K, in table order. */
static bool group_next(struct server *s, struct activation *a, const struct listen_addr *addr,
                       size_t *k, size_t *j)
{
    if (*k >= s->n_listeners || group_cmp(&s->listeners[a->old_by_group[*k]]->addr, addr) != 0)
        return false;
    *j = a->old_by_group[(*k)++];
    return true;
}

void activate_match(struct server *s, struct config *cfg, struct activation *a)
{
    size_t j;

    for (size_t i = 0; i < cfg->n_services; i++) {
        const struct service *svc = &cfg->services[i];
        for (size_t k = 0; svc->enabled && k < svc->n_listen; k++) {
            struct binding *b = &a->b[a->n_b++];
            b->svc = svc;
            b->svc_state = a->states[i];
            b->addr = &svc->listen[k];
            for (size_t g = group_first(s, a, b->addr);
                 !b->claimed && group_next(s, a, b->addr, &g, &j);)
                if (!a->old_claimed[j] && listener_reusable(s->listeners[j], svc, b->addr)) {
                    a->old_claimed[j] = b->claimed = true;
                    b->l = s->listeners[j];
                }
        }
    }
    for (size_t i = 0; i < a->n_b; i++) {
        struct binding *b = &a->b[i];
        for (size_t g = group_first(s, a, b->addr);
             !b->claimed && !b->collides && group_next(s, a, b->addr, &g, &j);) {
            struct listener *old = s->listeners[j];
            if (a->old_claimed[j] || old->closed)
                continue;
            b->collides =
                activate_same_unix_path(&old->addr, b->addr) ||
                (old->protocol == b->svc->protocol && addr_listen_conflict(&old->addr, b->addr));
        }
    }
}
