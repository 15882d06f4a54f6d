/*
 * Prefork pools: per listening socket of a prefork service, a set of
 * long-lived workers that accept themselves.  The pool keeps the count,
 * replaces workers that exit (backing off when they die young in a row),
 * and grows or shrinks on SIGTTIN/SIGTTOU and reload, within `instances`
 * and `max_children`.  Its one timer, the refill, starts what is missing:
 * at once, after a back-off, or when a handler exit makes room.
 */
#ifndef SUPERSERVER_POOL_H
#define SUPERSERVER_POOL_H

#include <stdbool.h>
#include <sys/types.h>

#include "backoff.h"
#include "handler.h"
#include "timers.h"

struct server;
struct listener;

struct pool {
    struct server *s;
    struct listener *l; /* the socket its workers share (the listener owns the pool) */
    pid_t *workers;     /* live workers by slot; 0: free */
    unsigned n_slots, target;
    bool short_said;         /* held below its target by a limit, and said so */
    struct backoff backoff;  /* workers that died young in a row */
    struct timer refill;     /* start the missing workers when it fires */
    struct exit_waiter room; /* short for a limit: refill at the next exit */
};

/* A pool without workers for S; NULL when out of memory. */
struct pool *pool_new(struct server *s);
/* Hang P on L (l->pool); L must have none. */
void pool_attach(struct pool *p, struct listener *l);
/* Let go of P (its listener is gone; its workers were retired). */
void pool_free(struct pool *p);

/* Start P's missing workers in this turn, unless a back-off holds them. */
void pool_refill_soon(struct pool *p);
/* Set L's worker count (at least 1), stopping the newest beyond it; the
 * missing ones start in this turn. */
void pool_set_target(struct server *s, struct listener *l, unsigned target);
/* SIGTTIN / SIGTTOU: one more (within the limits) / one fewer worker per pool. */
void pool_resize_all(struct server *s, int delta);
/* SIGTERM to every worker of L, none replaced. */
void pool_retire(struct listener *l);
/* At exit: retire every pool. */
void pool_stop_all(struct server *s);

/* Across an upgrade: P's target and back-off (carry.h); C, a worker carried
 * over, takes its slot again (or, retired before, is only waited for). */
struct carry;
void pool_carry(struct carry *c, struct pool *p);
/* Was C started by a pool (a worker, live or retired)? */
bool pool_started(const struct child *c);
void pool_adopt(struct child *c, bool in_slot);

#endif
