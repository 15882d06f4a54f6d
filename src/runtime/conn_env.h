/*
 * The variables SPEC section 4 gives a handler for its connection (PROTO,
 * the UCSPI TCP/UDP/UNIX variables, REMOTE_ADDR/REMOTE_PORT) and those of
 * its mode, formatted once per connection into a caller's buffer.
 */
#ifndef SUPERSERVER_CONN_ENV_H
#define SUPERSERVER_CONN_ENV_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "model.h"

/* How many per-connection variables a handler gets at most (with the NULL):
 * the seven of TCP, the four of a PROXY header, a mode's three. */
#define EXEC_CONN_VARS 16
/* Room for them: the addresses and three 255-byte PROXY TLVs. */
#define CONN_ENV_BYTES 2048

/* Per-connection "K=V" variables, formatted into a caller's buffer. */
struct conn_env {
    char *buf;
    size_t len, used;
    int n;
    const char *vars[EXEC_CONN_VARS]; /* NULL-terminated */
};
void conn_env_start(struct conn_env *e, char *buf, size_t len);
void conn_env_addf(struct conn_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "PREFIX" NAME "=" VALUE, and the same with a number: what conn_env_addf
 * would write, without stdio (the connection path's own variables). */
void conn_env_add(struct conn_env *e, const char *prefix, const char *name, const char *value);
void conn_env_add_uint(struct conn_env *e, const char *prefix, const char *name, uint64_t value);
/* The variables SPEC section 4 gives a handler of SVC on SOCK: PEER may be
 * NULL (wait and prefork), LOCAL too (then getsockname tells). */
void conn_env_socket(struct conn_env *e, const struct service *svc, int sock,
                     const struct sockaddr *peer, const struct sockaddr *local);

/* A connection that came through a load balancer with a PROXY header (SPEC
 * section 8): the peer given to conn_env_socket is then the header's source
 * and the local address its destination. */
struct conn_via {
    const struct sockaddr *lb;  /* who connected: SUPERSERVER_PROXY_PEER */
    const struct sockaddr *dst; /* the header's destination */
    /* v2 TLVs, "" when absent: PROXY_AUTHORITY, PROXY_ALPN, SSL_PROTOCOL */
    const char *authority, *alpn, *ssl_version;
};
/* The variables of VIA (after conn_env_socket's). */
void conn_env_via(struct conn_env *e, const struct conn_via *via);

#endif
