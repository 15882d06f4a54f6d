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

/* Start one handler of L's service with SOCK on fd 0/1; PEER and its text
 * for a connection (NULL and the listening address otherwise); WORKER_INDEX
 * >= 0 for a prefork worker.  The child record with ON_EXIT, or NULL when it
 * could not be started (the caller records the refusal). */
struct child *handler_start(struct server *s, struct listener *l, int sock,
                            const struct sockaddr *peer, const char *peer_text, int worker_index,
                            child_exit_fn *on_exit);

/* handler_start for a connection that came through a load balancer: PEER is
 * the header's source, VIA (NULL: a direct one) the rest (conn_env.h); the
 * start line gets via=. */
struct child *handler_start_via(struct server *s, struct listener *l, int sock,
                                const struct sockaddr *peer, const char *peer_text,
                                const struct conn_via *via, int worker_index,
                                child_exit_fn *on_exit);

/* C has exited with STATUS: log, count, call its on_exit, forget it. */
void handler_reaped(struct server *s, struct child *c, int status);

/* spawn.h: a child that failed before its exec; logged when it is reaped. */
void handler_exec_failed(pid_t pid, const char *step, int err, void *server);

/* Arm W's timer when the next handler exits (once; again to wait again). */
void handler_wake_on_exit(struct server *s, struct exit_waiter *w);
/* W no longer waits (its owner is going). */
void handler_wake_cancel(struct server *s, struct exit_waiter *w);

#endif
