/*
 * The operator's hold on a service (SPEC section 14): `pause` (the daemon
 * stops accepting: connections wait in the backlog), `drain` (the kernel
 * refuses them: listener_drain) and `resume`.  The state is the service's
 * (svc_state.hold, kept by name across reloads); each of its listeners
 * follows it.  A held listener is never watched, whatever its mode or a
 * pause timer would do, so the connection path pays nothing for this.
 */
#ifndef SUPERSERVER_HOLD_H
#define SUPERSERVER_HOLD_H

#include <stddef.h>

#include "svc_state.h"

struct server;
struct listener;

/* Put STATE's service in WANT on every one of its sockets.  -1 with ERR
 * when a socket cannot take it (nothing changed: pause of a prefork
 * service, drain of a unix stream socket systemd passed) or when a socket
 * failed (the state is set, the others follow it). */
int hold_set(struct server *s, struct svc_state *state, enum svc_hold want, char *err,
             size_t errlen);

/* After an activation (start, reload): bring every socket in line with its
 * service's hold (a new socket of a draining service is drained, a kept
 * one now serving a running service listens again).  A hold a socket
 * cannot take (the service became prefork while paused) is logged and the
 * service runs. */
void hold_reapply(struct server *s);

#endif
