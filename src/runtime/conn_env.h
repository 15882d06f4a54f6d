/*
 * The variables SPEC section 4 gives a handler for its connection (PROTO,
 * the UCSPI TCP/UDP/UNIX variables, REMOTE_ADDR/REMOTE_PORT) and those of
 * its mode, formatted once per connection into a caller's buffer.
 */
#ifndef SUPERSERVER_CONN_ENV_H
#define SUPERSERVER_CONN_ENV_H

#include <stddef.h>
#include <sys/socket.h>

#include "model.h"

/* How many per-connection variables a handler gets at most. */
#define EXEC_CONN_VARS 10

/* Per-connection "K=V" variables, formatted into a caller's buffer. */
struct conn_env {
    char *buf;
    size_t len, used;
    int n;
    const char *vars[EXEC_CONN_VARS]; /* NULL-terminated */
};
void conn_env_start(struct conn_env *e, char *buf, size_t len);
void conn_env_addf(struct conn_env *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The variables SPEC section 4 gives a handler of SVC on SOCK: PEER may be
 * NULL (wait and prefork), LOCAL too (then getsockname tells). */
void conn_env_socket(struct conn_env *e, const struct service *svc, int sock,
                     const struct sockaddr *peer, const struct sockaddr *local);

#endif
