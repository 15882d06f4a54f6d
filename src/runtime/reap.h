/*
 * Reaping, all of it: the pids SIGCHLD's signalfd names (O(1) each), the
 * newest handlers probed when notices may have coalesced, and the paced
 * waitpid(-1) sweep that catches any other (a timer).  Each reaped handler goes to
 * handler_reaped, which calls its starter's on_exit: nothing here knows
 * modes or pools.
 */
#ifndef SUPERSERVER_REAP_H
#define SUPERSERVER_REAP_H

#include <stdint.h>

struct server;

/* Open SIGCHLD's signalfd and watch it.  -1 with errno. */
int reap_watch(struct server *s);
/* After a spawn: with many live handlers, take the queued exit notices now. */
void reap_after_spawn(struct server *s);

#endif
