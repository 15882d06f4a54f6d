/*
 * Inside activation (activate.c): one activation's working state, and the
 * matching of the new config's services and addresses to what runs
 * (activate_match.c).  Not for the rest of the daemon, which uses
 * activate.h.
 */
#ifndef SUPERSERVER_ACTIVATE_INT_H
#define SUPERSERVER_ACTIVATE_INT_H

#include <stdbool.h>
#include <stddef.h>

#include "activate.h"
#include "context.h"

/* One address of the new config and the socket that will serve it. */
struct binding {
    const struct service *svc;
    struct svc_state *svc_state;
    const struct listen_addr *addr;
    struct listener *l;
    bool claimed;  /* an old socket kept */
    bool collides; /* must wait until the old sockets are closed */
    /* made before the commit point for a socket whose mode needs it */
    struct wait_slot *wait;
    struct pool *pool;
};

struct activation {
    struct svc_state **states; /* parallel to the new cfg->services; NULL when disabled */
    struct exec_plan **plans;  /* new plans, parallel too */
    struct binding *b;
    size_t n_b;
    bool *old_claimed; /* parallel to s->listeners */
    struct listener **new_listeners;
    unsigned kept, opened, closed;
    /* Indexes of the running state, so matching is O(n log n), not O(n^2). */
    struct svc_state **old_states; /* s->states (or what an upgrade carried) by name */
    size_t n_old_states;
    size_t *old_by_group; /* indexes into s->listeners by port or unix path, then index */
};

/* activate_match.c */
/* Index the running services by name and the running sockets by group
 * (their port, or their unix path), so matching is O(n log n). */
void activate_index(struct server *s, struct activation *a);
/* The running service of that name (names are unique in a config), or NULL. */
struct svc_state *activate_state_named(struct activation *a, const char *name);
/* Match each new address to a reusable old socket (claimed), or note that
 * it needs one, and whether that must wait until the old sockets are
 * closed (collides).  Only sockets of the address's group can match or
 * collide. */
void activate_match(struct server *s, struct config *cfg, struct activation *a);
/* Are X and Y the same unix socket path? */
bool activate_same_unix_path(const struct listen_addr *x, const struct listen_addr *y);

#endif
