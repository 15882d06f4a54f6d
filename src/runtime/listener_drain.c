/*
 * Draining a listening socket (SPEC section 14, `drain`; see listener.h):
 * the kernel itself refuses new connections, on the socket every handler
 * holding it shares, and resume keeps the socket (its address, its queue,
 * a socket systemd passed) wherever the kernel can undo what was done:
 *
 *   tcp            shutdown(SHUT_RD) moves it out of LISTEN: a connect is
 *                  answered by a reset (ECONNREFUSED), and an accept() in a
 *                  handler holding it fails (EINVAL); listen() on the same
 *                  bound socket resumes it (HAProxy pauses listeners so).
 *                  The kernel resets what the queue held, so hold.c first
 *                  accepts it where the daemon accepts.
 *   udp, unix      connect() to its own address: the kernel then delivers
 *   datagrams      only what that address sends, and answers other senders
 *                  with ICMP port unreachable (ECONNREFUSED), or EPERM on a
 *                  unix socket; connect(AF_UNSPEC) undoes it.  Datagrams
 *                  already queued stay queued.
 *   unix stream    shutdown(SHUT_RD): connects are refused (ECONNREFUSED).
 *                  A unix socket never listens again, so resume puts a new
 *                  socket at the path; hold.c refuses to drain one systemd
 *                  passed (it could not be made again).
 *
 * Each of these shows on the socket itself, so a socket this daemon did not
 * open (passed by systemd, or by its own previous image in a live upgrade)
 * is known drained without being told: listener_drain_detect.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "listener.h"

static int fail(const char *what, char *err, size_t errlen)
{
    snprintf(err, errlen, "%s: %s", what, strerror(errno));
    return -1;
}

/* Connect datagram socket FD to its own address. */
static int connect_to_self(int fd, char *err, size_t errlen)
{
    struct sockaddr_storage self;
    socklen_t len = sizeof(self);

    if (getsockname(fd, (struct sockaddr *)&self, &len) == -1)
        return fail("getsockname", err, errlen);
    if (connect(fd, (struct sockaddr *)&self, len) == -1)
        return fail("connect to itself", err, errlen);
    return 0;
}

/* Dissolve a datagram socket's association; the device is set again, which
 * a disconnect may clear. */
static int disconnect(struct listener *l, char *err, size_t errlen)
{
    struct sockaddr unspec = {.sa_family = AF_UNSPEC};

    if (connect(l->fd, &unspec, sizeof(unspec)) == -1)
        return fail("disconnect", err, errlen);
    if (l->addr.kind != LISTEN_UNIX && l->opts.bind_device[0] &&
        setsockopt(l->fd, SOL_SOCKET, SO_BINDTODEVICE, l->opts.bind_device,
                   strlen(l->opts.bind_device)) == -1)
        return fail("bind_device", err, errlen);
    return 0;
}

int listener_drain(struct listener *l, char *err, size_t errlen)
{
    int rc;

    if (l->closed || l->drained)
        return 0;
    if (l->protocol == PROTO_UDP)
        rc = connect_to_self(l->fd, err, errlen);
    else
        rc = shutdown(l->fd, SHUT_RD) == -1 ? fail("shutdown", err, errlen) : 0;
    if (rc == 0)
        l->drained = true;
    return rc;
}

int listener_undrain(struct listener *l, struct listener_registry *reg, char *err, size_t errlen)
{
    int rc = 0;

    if (l->closed || !l->drained)
        return 0;
    if (l->protocol == PROTO_UDP)
        rc = disconnect(l, err, errlen);
    else if (l->addr.kind == LISTEN_UNIX)
        rc = listener_reopen(l, reg, err, errlen) == 0 ? 1 : -1;
    else if (listen(l->fd, l->opts.backlog) == -1)
        rc = fail("listen", err, errlen);
    if (rc >= 0)
        l->drained = false;
    return rc;
}

void listener_drain_detect(struct listener *l)
{
    struct sockaddr_storage peer;
    socklen_t len = sizeof(peer);
    int listening = 1;
    socklen_t optlen = sizeof(listening);
    struct pollfd p = {.fd = l->fd, .events = POLLRDHUP};

    if (l->protocol == PROTO_UDP)
        l->drained = getpeername(l->fd, (struct sockaddr *)&peer, &len) == 0;
    else if (l->addr.kind == LISTEN_UNIX) /* shut down: it reads as hung up */
        l->drained = poll(&p, 1, 0) == 1 && (p.revents & POLLRDHUP);
    else
        l->drained =
            getsockopt(l->fd, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optlen) == 0 && !listening;
}
