/*
 * Binding a listener's unix socket file (listener_unix.c): the stale-file
 * and in-use rules, socket_mode and socket_owner applied race-free.
 */
#ifndef SUPERSERVER_LISTENER_UNIX_H
#define SUPERSERVER_LISTENER_UNIX_H

#include <stddef.h>
#include <sys/stat.h>

#include <stdbool.h>

#include "addr.h"
#include "model.h"

/* Is the socket file ST one this daemon bound (and so not another program's)? */
typedef bool listener_unix_ours_fn(const struct stat *st, void *ctx);

/* Bind FD (of TYPE) at A's path with O's mode and owner; BOUND receives the
 * file's identity, so a later reload can know the file is ours.  -1 with err
 * filled when the path is in use by a program (a socket file OURS does not
 * claim that accepts connections), is not a socket, or cannot be set up. */
int listener_unix_bind(int fd, const struct sock_opts *o, const struct listen_addr *a, int type,
                       listener_unix_ours_fn *ours, void *ctx, struct stat *bound, char *err,
                       size_t errlen);

#endif
