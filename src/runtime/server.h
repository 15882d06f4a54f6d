/*
 * The daemon's turn (server.c): setting the context up, turning the loop
 * until asked to stop, tearing it down.
 */
#ifndef SUPERSERVER_SERVER_H
#define SUPERSERVER_SERVER_H

#include <stddef.h>
#include <sys/resource.h>

#include "context.h"

/* Everything the loop needs, and CFG put into service: -1 with a message in
 * err (then server_free cleans up what was set up). */
int server_start(struct server *s, struct config *cfg, const struct rlimit *handler_nofile,
                 char *err, size_t errlen);
/* After daemonizing: watch handler exits (a signalfd must be opened by the
 * process that reads it).  -1 with errno. */
int server_watch_children(struct server *s);
/* Start the confined services' spawners (spawner.h), then turn the loop until
 * SIGTERM/SIGINT.  -1 when the loop itself failed. */
int server_run(struct server *s);
/* Stop prefork workers, close every socket, let go of everything. */
void server_free(struct server *s);

#endif
