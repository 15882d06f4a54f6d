/*
 * Does a program accept on a unix socket file?  One non-blocking connect():
 * a file nobody holds refuses it; a full backlog (EAGAIN) still means
 * someone listens, and so does a socket of the other type (EPROTOTYPE).
 * Used before a stale socket file is replaced (listeners, the control
 * socket), so that one a live program answers on is never taken over.
 */
#ifndef SUPERSERVER_UNIX_PROBE_H
#define SUPERSERVER_UNIX_PROBE_H

#include <sys/socket.h>

/* 1 in use, 0 stale (or gone meanwhile), -1 with errno when it cannot be
 * told.  TYPE is SOCK_STREAM or SOCK_DGRAM. */
int unix_probe(const struct sockaddr *sa, socklen_t len, int type);

#endif
