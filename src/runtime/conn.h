/*
 * One connection of a nowait service, direct (accept.c) or past its PROXY
 * header (proxy_pending.c): admission on numbers only, then its handler
 * (conn.c).
 */
#ifndef SUPERSERVER_CONN_H
#define SUPERSERVER_CONN_H

#include <sys/socket.h>

#include "listener.h"

struct server;
struct conn_via;

/* Admission of connection CONN on L from PEER, then its handler; CONN is
 * closed either way.  For a connection whose PROXY header has been read
 * (proxy_pending.c), PEER is the header's source and VIA the rest; NULL for
 * a direct one. */
void conn_serve(struct server *s, struct listener *l, int conn, const struct sockaddr *peer,
                const struct conn_via *via);

#endif
