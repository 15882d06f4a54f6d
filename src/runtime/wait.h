/*
 * wait services: the listening (or datagram) socket itself goes to one
 * handler at a time; the daemon stops watching it until that handler
 * exits, and backs off a handler that keeps exiting without progress.
 */
#ifndef SUPERSERVER_WAIT_H
#define SUPERSERVER_WAIT_H

#include <stdint.h>

#include "loop.h"

/* The callback of a wait listener (ev->ctx is the server). */
void wait_ready(struct ev *ev, uint32_t events);

#endif
