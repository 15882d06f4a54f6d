/*
 * One handler's life as every mode sees it: starting it (environment,
 * stderr, spawn, the children table, its timer, the start line) and
 * finishing it when it is reaped (the exit line, counters, then the
 * starter's own on_exit); `timeout` enforcement (a timer on the child);
 * waking whoever waits for room when a handler exits.
 */
#ifndef SUPERSERVER_HANDLER_H
#define SUPERSERVER_HANDLER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "children.h"
#include "listener.h"

struct server;
struct conn_via;

/*
 * Someone held back by `instances` or `max_children` (a prefork pool short
 * of its target) waits for room: WAKE is armed, due at once, when the next
 * handler exits, instead of anyone polling.  Linked into server.exit_waiters.
 */
struct exit_waiter {
    struct timer *wake;
    struct exit_waiter *prev, *next;
    bool listed;
};

/* What a mode asks of handler_start: one handler of L's service. */
struct handler_req {
    struct listener *l;
    int sock;                     /* on fd 0/1: the connection, or L's socket itself */
    const struct sockaddr *peer;  /* the client; NULL when the handler accepts itself */
    const char *peer_text;        /* for logs and status: the client, or L's address */
    const struct conn_via *via;   /* through a load balancer: the rest of its header */
    const struct source_key *key; /* admission's key of the client; NULL: none */
    int worker_index;             /* >= 0: a prefork worker (SUPERSERVER_WORKER) */
    child_exit_fn *on_exit;       /* the mode's own bookkeeping at its exit; NULL: none */
    /* The handler is handed L's socket itself (wait, prefork): it holds a
     * reference to L, and its pid is written here before any exit can be
     * reaped.  NULL for a connection of its own. */
    pid_t *holder;
};

/*
 * The only way a handler is born: spawn it (environment, stderr), record
 * it (the children table, its `timeout` timer, the start line), count it
 * (accepted, live, admission's per-source count), hold L for it, and take
 * the exit notices queued meanwhile.  0, or -1 when it could not start:
 * then the refusal (spawn_failed) is recorded and nothing else changed.
 * A connection of a confined service goes to the service's spawner: it is
 * counted from then on and recorded when the pid comes (handler_born).
 */
int handler_start(struct server *s, const struct handler_req *req);

/*
 * The second half of a start, for a handler whose pid came later (a
 * spawner's answer, spawner.h), and for handler_start itself.  C was
 * counted when its connection was handed over (live, admission); born, it
 * goes in the children table as PID, with its stderr pipe's READER (-1:
 * none), its `timeout` and the start line (VIA: the load balancer as logs
 * show it, or NULL).  -1 when out of memory: then as handler_not_started.
 */
int handler_born(struct server *s, struct child *c, pid_t pid, int reader, const char *via);
/* C will never run (its spawner could not clone it; ERR says why): the
 * refusal (spawn_failed) is recorded and its counts are undone. */
void handler_not_started(struct server *s, struct child *c, int err);

/* C has exited with STATUS: log, count, call its on_exit, forget it (what
 * reaping hands every exit to; see reap_watch). */
void handler_reaped(struct server *s, struct child *c, int status);

/* Across an upgrade: C's own fields, from its pid to its `timeout` deadline
 * (carry.h).  Reading leaves the deadline in c->timeout.at, unarmed. */
struct carry;
void handler_carry(struct carry *cr, struct child *c);
/* C, read by handler_carry, its service (and listener, held) set: counted
 * live and against its source, its deadline armed, as if started here (its
 * start is neither logged nor counted again). */
void handler_adopt(struct server *s, struct child *c);

/* spawn.h: a child that failed before its exec; logged when it is reaped. */
void handler_exec_failed(pid_t pid, const char *step, int err, void *server);

/* Arm W's timer when the next handler exits (once; again to wait again). */
void handler_wake_on_exit(struct server *s, struct exit_waiter *w);
/* W no longer waits (its owner is going). */
void handler_wake_cancel(struct server *s, struct exit_waiter *w);

#endif
