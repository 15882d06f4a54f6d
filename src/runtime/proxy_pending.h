/*
 * Connections from a load balancer waiting for their PROXY header (SPEC
 * section 8).  A connection accepted from a peer the service takes headers
 * from is read at once (the header usually comes with the connection); when
 * it is not whole yet, the connection waits as a watched object of the
 * reactor, with a deadline (a timer per service's queue: a late one is
 * closed with reason=proxy_timeout) and without a handler or a fork, until
 * its header is complete, invalid or late.  Then exactly the header is
 * consumed and the connection goes through admission (conn.c) on the real
 * client.
 */
#ifndef SUPERSERVER_PROXY_PENDING_H
#define SUPERSERVER_PROXY_PENDING_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "model.h"
#include "refuse_reason.h"

struct server;
struct listener;
struct svc_state;

/*
 * For a service whose proxy_protocol is not off: take connection CONN,
 * accepted on L from PEER, when the service wants a header from it (read it
 * now or wait for it), or refuse an untrusted peer (proxy_others: refuse).
 * False when the peer is to be served as a direct client (proxy_others:
 * direct): CONN is then still the caller's.
 */
bool proxy_pending_take(struct server *s, struct listener *l, int conn,
                        const struct sockaddr_storage *peer);

/* Must PEER send SVC a header?  Unix peers always (who may connect is the
 * socket file's mode and owner), inet peers inside proxy_from. */
bool proxy_pending_trusted(const struct service *svc, const struct sockaddr *peer);

/*
 * After a reload: connections of a service that stays, on a listener it
 * keeps, from a peer it still takes headers from, keep waiting (same
 * deadline; their header is read under the new settings).  The others (the
 * service removed, proxy_protocol now off, the peer no longer in proxy_from,
 * the address dropped) are closed with reason=proxy_untrusted.
 */
void proxy_pending_reloaded(struct server *s);

/* How many connections of STATE wait for their header (status dump). */
unsigned proxy_pending_count(const struct svc_state *state);

/* Across an upgrade: FN is given each waiting connection (its descriptor,
 * listener, balancer's address, deadline); one carried over waits again on
 * L (its service's queue, a reference on L): -1 when it cannot, and then
 * FD is still the caller's. */
typedef void proxy_pending_fn(void *ctx, int fd, struct listener *l, const struct sockaddr *lb,
                              socklen_t lblen, uint64_t deadline_ns);
void proxy_pending_each(struct server *s, proxy_pending_fn *fn, void *ctx);
int proxy_pending_adopt(struct server *s, struct listener *l, int fd,
                        const struct sockaddr_storage *lb, uint64_t deadline_ns);
/* One carried over that cannot wait again: FD is closed as a refusal WHY
 * of STATE's service (NULL: one the new image does not know, service=-),
 * the balancer LB its peer. */
void proxy_pending_drop(struct server *s, struct svc_state *state, int fd,
                        const struct sockaddr_storage *lb, enum refuse_reason why);

/* At exit: close them all, letting go of their services and listeners. */
void proxy_pending_close_all(struct server *s);

#endif
