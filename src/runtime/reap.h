/*
 * Reaping, all of it: the pids SIGCHLD's signalfd names (O(1) each), the
 * newest handlers probed when notices may have coalesced, and the paced
 * waitpid(-1) sweep that catches any other (a timer).  Each reaped handler
 * goes to the function given to reap_watch (handler_reaped, which calls
 * its starter's on_exit): nothing here knows handlers, modes or pools, so
 * starting a handler may reap (reap_after_spawn) without a circle.
 */
#ifndef SUPERSERVER_REAP_H
#define SUPERSERVER_REAP_H

#include <stdint.h>

struct server;
struct child;

/* What an exited handler is handed to. */
typedef void reap_fn(struct server *s, struct child *c, int status);

/* Open SIGCHLD's signalfd and watch it; each exit goes to REAPED.  -1 with
 * errno. */
int reap_watch(struct server *s, reap_fn *reaped);
/* After a spawn: with many live handlers, take the queued exit notices now. */
void reap_after_spawn(struct server *s);

#endif
