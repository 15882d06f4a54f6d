/*
 * Checks across services, kept O(n log n) so a large configuration stays
 * fast: unique names, and no two enabled listeners that would collide (nor
 * a unix: listener with the control socket).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "config_int.h"

/* Sort context: qsort has no user pointer, so items carry what they compare. */
struct name_item {
    const char *name;
    size_t index;
};

static int cmp_name(const void *a, const void *b)
{
    const struct name_item *x = a, *y = b;
    int c = strcmp(x->name, y->name);

    if (c != 0)
        return c;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* Each service that repeats an earlier one's name is an error naming the first; ld->svc
 * is left naming the last one blamed (config_inetd.c drops it). */
int config_check_unique(struct loader *ld, const struct config *cfg,
                        const struct svc_origin *origins)
{
    struct name_item *items = arena_calloc(&ld->tmp, cfg->n_services + 1, sizeof(*items));
    size_t first = 0;
    int rc = 0;

    if (items == NULL) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", cfg->path);
        return -1;
    }
    for (size_t i = 0; i < cfg->n_services; i++)
        items[i] = (struct name_item){cfg->services[i].name, i};
    qsort(items, cfg->n_services, sizeof(*items), cmp_name);
    first = items[0].index; /* the first of a name sorts first: its lowest index */
    for (size_t i = 1; i < cfg->n_services; i++) {
        if (strcmp(items[i].name, items[i - 1].name) != 0) {
            first = items[i].index;
            continue;
        }
        size_t dup = items[i].index;
        ld->svc = cfg->services[dup].name;
        rc = cv_fail(ld, origins[dup].name, "name", "duplicate service name (first at %s:%d)",
                     cfg->services[first].file, cfg->services[first].line);
    }
    return rc;
}

struct listen_item {
    const struct service *svc;
    const struct listen_addr *addr;
    size_t svc_index, addr_index;
    unsigned port;    /* 0 for unix */
    const char *path; /* unix only */
};

/* Group items that might collide: unix by path, inet by protocol and port. */
static int cmp_listen(const void *a, const void *b)
{
    const struct listen_item *x = a, *y = b;
    int c;

    if ((x->path != NULL) != (y->path != NULL))
        return x->path != NULL ? -1 : 1;
    if (x->path != NULL && (c = strcmp(x->path, y->path)) != 0)
        return c;
    if (x->path == NULL && x->svc->protocol != y->svc->protocol)
        return x->svc->protocol < y->svc->protocol ? -1 : 1;
    if (x->port != y->port)
        return x->port < y->port ? -1 : 1;
    if (x->svc_index != y->svc_index)
        return x->svc_index < y->svc_index ? -1 : 1;
    return x->addr_index < y->addr_index ? -1 : x->addr_index > y->addr_index;
}

static bool same_group(const struct listen_item *x, const struct listen_item *y)
{
    if (x->path != NULL || y->path != NULL)
        return x->path != NULL && y->path != NULL && strcmp(x->path, y->path) == 0;
    return x->svc->protocol == y->svc->protocol && x->port == y->port;
}

/* Every enabled service's addresses as sortable items; *count set. */
static struct listen_item *listen_items(struct loader *ld, const struct config *cfg, size_t *count)
{
    size_t n = 0, k = 0;
    struct listen_item *items;

    for (size_t i = 0; i < cfg->n_services; i++)
        n += cfg->services[i].enabled ? cfg->services[i].n_listen : 0;
    items = arena_calloc(&ld->tmp, n + 1, sizeof(*items));
    for (size_t i = 0; items != NULL && i < cfg->n_services; i++) {
        const struct service *s = &cfg->services[i];
        for (size_t j = 0; s->enabled && j < s->n_listen; j++, k++) {
            const struct listen_addr *a = &s->listen[j];
            items[k] = (struct listen_item){s, a, i, j, 0, NULL};
            if (a->kind == LISTEN_UNIX)
                items[k].path = a->text;
            else
                items[k].port = addr_port((const struct sockaddr *)&a->ss);
        }
    }
    *count = n;
    return items;
}

/* Each unix: listener on the control socket's path is an error: the daemon
 * would find its own listener answering there and refuse to start. */
static int check_control_path(struct loader *ld, const struct config *cfg,
                              const struct svc_origin *origins, const struct listen_item *items,
                              size_t n)
{
    char where[600];
    int rc = 0;

    for (size_t k = 0; cfg->control != NULL && k < n; k++) {
        const struct listen_item *it = &items[k];
        const struct sockaddr_un *sun = (const struct sockaddr_un *)&it->addr->ss;
        if (it->path == NULL || strcmp(sun->sun_path, cfg->control) != 0)
            continue;
        if (cfg->control_is_default || ld->control == NULL)
            snprintf(where, sizeof(where), "the default control socket");
        else
            snprintf(where, sizeof(where), "the control socket (control at %s:%d)",
                     ld->control->file, ld->control->line);
        ld->svc = it->svc->name;
        rc = cv_fail(ld, origins[it->svc_index].listen[it->addr_index], "listen", "\"%s\" is %s",
                     it->addr->text, where);
    }
    return rc;
}

/* Each address that collides with an earlier one is an error naming the first it meets;
 * ld->svc is left naming the last service blamed, as above. */
int config_check_conflicts(struct loader *ld, const struct config *cfg,
                           const struct svc_origin *origins)
{
    size_t n, start = 0;
    struct listen_item *items = listen_items(ld, cfg, &n);
    int rc = 0;

    if (items == NULL) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", cfg->path);
        return -1;
    }
    qsort(items, n, sizeof(*items), cmp_listen);
    for (size_t j = 1; j < n; j++) {
        if (!same_group(&items[start], &items[j]))
            start = j;
        for (size_t i = start; i < j; i++) {
            const struct listen_item *x = &items[i], *y = &items[j];
            if (!addr_listen_conflict(x->addr, y->addr))
                continue;
            ld->svc = y->svc->name;
            rc = cv_fail(ld, origins[y->svc_index].listen[y->addr_index], "listen",
                         "\"%s\" collides with \"%s\" of service \"%s\" (%s:%d)", y->addr->text,
                         x->addr->text, x->svc->name, x->svc->file, x->svc->line);
            break;
        }
    }
    return check_control_path(ld, cfg, origins, items, n) < 0 ? -1 : rc;
}
