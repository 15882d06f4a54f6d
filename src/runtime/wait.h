/*
 * wait services: the listening (or datagram) socket itself goes to one
 * handler at a time; the daemon stops watching it until that handler
 * exits, and backs off a handler that keeps exiting without progress.
 * What this mode keeps per socket is its wait slot.
 */
#ifndef SUPERSERVER_WAIT_H
#define SUPERSERVER_WAIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "backoff.h"
#include "loop.h"
#include "wait_mark.h"

struct server;
struct listener;

struct wait_slot {
    pid_t pid;              /* the handler holding the socket; 0: none */
    struct wait_mark mark;  /* its queue when it was handed over */
    struct backoff backoff; /* handlers that exited young without progress */
};

/* An empty slot; NULL when out of memory. */
struct wait_slot *wait_slot_new(void);
/* Hang W on L (l->wait); L must have none. */
void wait_attach(struct wait_slot *w, struct listener *l);
void wait_slot_free(struct wait_slot *w);

/* Across an upgrade: W's queue mark and back-off (carry.h); and C, a
 * handler carried over, holds its listener's socket again. */
struct carry;
struct child;
void wait_slot_carry(struct carry *c, struct wait_slot *w);
void wait_adopt(struct child *c);
/* Was C started by wait mode (the handler handed its listener's socket)? */
bool wait_started(const struct child *c);

/* The callback of a wait listener (ev->ctx is the server). */
void wait_ready(struct ev *ev, uint32_t events);
/* After a reload: watch L (whatever its mode now) unless a wait handler
 * still holds it, with a fresh back-off: the reload may be the fix. */
void wait_watch_unless_held(struct server *s, struct listener *l);

#endif
