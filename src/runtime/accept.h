/*
 * nowait services: a listener's callback accepts a bounded batch of
 * connections, admits each on numbers only and starts its handler.
 */
#ifndef SUPERSERVER_ACCEPT_H
#define SUPERSERVER_ACCEPT_H

#include <stdint.h>
#include <sys/socket.h>

#include "listener.h"
#include "loop.h"

struct server;
struct conn_via;

/* The callback of a nowait listener (ev->ctx is the server). */
void accept_ready(struct ev *ev, uint32_t events);

/* Admission of connection CONN on L from PEER, then its handler; CONN is
 * closed either way.  For a connection whose PROXY header has been read
 * (proxy_pending.c), PEER is the header's source and VIA the rest; NULL for
 * a direct one. */
void accept_admit(struct server *s, struct listener *l, int conn, const struct sockaddr *peer,
                  const struct conn_via *via);

#endif
