/*
 * A daemon's context for the suites that start real handlers (check_handler,
 * check_spawner), as server_start sets it up: the loop, the children table,
 * the spawn slots, /dev/null; and one nowait tcp service on 127.0.0.1:7 with
 * its state (holding the config's reference and a plan) and a listener.
 */
#ifndef SUPERSERVER_UNIT_CONTEXT_H
#define SUPERSERVER_UNIT_CONTEXT_H

#include "context.h"

void unit_context_init(struct server *s);
void unit_context_free(struct server *s);

/* SVC (zeroed) as service "t" running EXEC with ARGS; its state, and in *L
 * a listener that serves it. */
struct svc_state *unit_service(struct service *svc, const char *exec, char **args,
                               struct listener **l);
/* A new plan for SVC in ST (a reload). */
void unit_replan(struct svc_state *st, const struct service *svc);
/* A stream socketpair: the handler's end in *THEIRS, ours returned. */
int unit_socketpair(int *theirs);
/* Let go of ST and L. */
void unit_service_free(struct svc_state *st, struct listener *l);

#endif
