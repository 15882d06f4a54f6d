/*
 * Did a wait handler take anything from its socket?  Before the socket is
 * handed over, the head of its queue is noted (a datagram's sender, size
 * and first bytes; a listening socket's accept-queue length); a handler that
 * exits young and left it as it was made no progress and is backed off,
 * whatever its exit status, so a handler that exits at once cannot make the
 * daemon spin on a socket that stays readable.
 */
#ifndef SUPERSERVER_WAIT_MARK_H
#define SUPERSERVER_WAIT_MARK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct wait_mark {
    bool valid;
    bool stream;      /* a listening socket: backlog is what counts */
    unsigned backlog; /* connections waiting to be accepted */
    size_t len;       /* the first datagram's size */
    uint64_t hash;    /* and a hash of its first bytes */
    struct sockaddr_storage from;
    socklen_t fromlen;
};

/* Note what FD has queued now (invalid when that cannot be told). */
void wait_mark_take(int fd, bool stream, struct wait_mark *m);
/* Is the queue's head still what BEFORE noted? False when unknown. */
bool wait_mark_unchanged(int fd, const struct wait_mark *before);

#endif
