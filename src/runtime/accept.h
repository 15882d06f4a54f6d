/*
 * nowait services: a listener's callback accepts a bounded batch of
 * connections, admits each on numbers only and starts its handler.
 */
#ifndef SUPERSERVER_ACCEPT_H
#define SUPERSERVER_ACCEPT_H

#include <stdint.h>

#include "loop.h"

struct server;
struct listener;

/* The callback of a nowait listener (ev->ctx is the server). */
void accept_ready(struct ev *ev, uint32_t events);
/* Accept and serve everything L's queue holds now (before a drain, whose
 * shutdown would reset it). */
void accept_flush(struct server *s, struct listener *l);

#endif
