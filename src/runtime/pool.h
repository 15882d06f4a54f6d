/*
 * Prefork pools: per listening socket of a prefork service, a set of
 * long-lived workers that accept themselves.  The daemon keeps the count,
 * replaces workers that exit (backing off when they die young in a row),
 * and grows or shrinks the pool on SIGTTIN/SIGTTOU and reload, within
 * `instances` and `max_children`.
 */
#ifndef SUPERSERVER_POOL_H
#define SUPERSERVER_POOL_H

#include <stdbool.h>

struct server;
struct listener;

/* Start the workers every pool is short of (those not backed off). */
void pool_fill_all(struct server *s);
/* Is some pool short of workers? */
bool pool_pending(const struct server *s);
/* Set L's worker count (at least 1), stopping the newest beyond it. */
void pool_set_target(struct server *s, struct listener *l, unsigned target);
/* SIGTTIN / SIGTTOU: one more (within the limits) / one fewer worker per pool. */
void pool_resize_all(struct server *s, int delta);
/* SIGTERM to every worker of L, none replaced. */
void pool_retire(struct listener *l);
/* At exit: retire every pool. */
void pool_stop_all(struct server *s);

#endif
