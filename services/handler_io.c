/*
 * handler_io: what superserverd expects of every bundled handler, written
 * once.  It owns the dispatch on fd 0, the three serving loops (one stream;
 * a datagram socket answered until idle; a listening socket accepted from in
 * turn, in wait mode or as a prefork worker), and the descriptor I/O rules:
 * EINTR is retried, EAGAIN waits (the daemon's sockets may be non-blocking),
 * SIGPIPE is ignored so a vanished peer is an EPIPE, and a request-reply
 * service lingers before it closes.  The protocols live in the handlers.
 */
#include "handler_io.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MS   10000 /* a wait-mode handler exits after this without work */
#define LINGER_MS 2000  /* how long a closing connection drains its input */
#define DGRAM_MAX 65536 /* the largest datagram, so none is cut short */

enum fd_kind { FD_STREAM, FD_DGRAM, FD_LISTEN };

/* What fd is: anything that is not a socket is treated as a stream. */
static enum fd_kind fd_kind(int fd)
{
    int type, acc;
    socklen_t len = sizeof type;

    if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &len) < 0)
        return FD_STREAM;
    if (type == SOCK_DGRAM)
        return FD_DGRAM;
    len = sizeof acc;
    if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &acc, &len) == 0 && acc)
        return FD_LISTEN;
    return FD_STREAM;
}

/* A prefork worker lives as long as the daemon wants; a wait handler exits when idle. */
static int idle_ms(void)
{
    return getenv("SUPERSERVER_WORKER") ? -1 : IDLE_MS;
}

int handler_wait_fd(int fd, short events, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = events};

    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return -1;
    }
}

ssize_t handler_read(int fd, void *buf, size_t size)
{
    for (;;) {
        ssize_t n = read(fd, buf, size);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && handler_wait_fd(fd, POLLIN, -1) >= 0)
            continue;
        return -1;
    }
}

int handler_write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;

    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && handler_wait_fd(fd, POLLOUT, -1) >= 0)
                continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int handler_peer_gone(int err)
{
    return err == EPIPE || err == ECONNRESET || err == ETIMEDOUT;
}

long long handler_now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * Close gently: closing with unread input (a request body, pipelined
 * requests) would reset the connection and could destroy the answer before
 * the client reads it.  So say we are done, then drop what the client still
 * sends, for LINGER_MS at most.
 */
static void linger_close(int in, int out)
{
    char buf[4096];
    long long deadline = handler_now_ms() + LINGER_MS;

    (void)shutdown(out, SHUT_WR);
    for (;;) {
        long long left = deadline - handler_now_ms();
        if (left <= 0 || handler_wait_fd(in, POLLIN, (int)left) <= 0)
            return;
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return;
    }
}

int handler_reply(int in, int out, const void *buf, size_t len)
{
    /* Only EPIPE and ECONNRESET are the client leaving first, as these services always had it. */
    if (handler_write_all(out, buf, len) < 0)
        return errno == EPIPE || errno == ECONNRESET ? 0 : 1;
    linger_close(in, out);
    return 0;
}

/* Answer each datagram through OPS->datagram until nothing arrives for TIMEOUT_MS. */
static int serve_dgram(int fd, const struct handler_ops *ops, int timeout_ms)
{
    static char req[DGRAM_MAX], answer[DGRAM_MAX];

    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int r = handler_wait_fd(fd, POLLIN, timeout_ms);
        if (r <= 0)
            return r < 0;
        ssize_t n = recvfrom(fd, req, sizeof req, 0, (struct sockaddr *)&peer, &plen);
        if (n < 0) {
            /* ECONNREFUSED: an ICMP error left by an earlier answer, not ours to die of. */
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED)
                continue;
            return 1;
        }
        ssize_t len = ops->datagram(req, (size_t)n, answer, sizeof answer);
        /* An answer is best effort: an unreachable sender must not end the service. */
        if (len >= 0 && plen > 0)
            (void)sendto(fd, answer, (size_t)len, 0, (struct sockaddr *)&peer, plen);
    }
}

/* Accept connections on a listening socket and serve them in turn. */
static int serve_listener(int lfd, const struct handler_ops *ops, int timeout_ms)
{
    for (;;) {
        int r = handler_wait_fd(lfd, POLLIN, timeout_ms);
        if (r <= 0)
            return r < 0;
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            /* Another worker may have taken it, or the client gave up. */
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
                continue;
            return 1;
        }
        (void)ops->stream(c, c);
        close(c);
    }
}

int handler_run(const struct handler_ops *ops)
{
    struct sigaction sa = {.sa_handler = SIG_IGN};

    /* A peer that goes away mid-write must be an EPIPE to handle, not a death. */
    sigaction(SIGPIPE, &sa, NULL);
    switch (fd_kind(0)) {
    case FD_DGRAM:
        if (ops->datagram == NULL) {
            fprintf(stderr, "%s\n",
                    ops->stream_only ? ops->stream_only : "this handler needs a stream socket");
            return 1;
        }
        return serve_dgram(0, ops, idle_ms());
    case FD_LISTEN:
        return serve_listener(0, ops, idle_ms());
    default:
        return ops->stream(0, 1);
    }
}

const char *handler_http_reason(int status)
{
    switch (status) {
    case 200:
        return "OK";
    case 400:
        return "Bad Request";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 408:
        return "Request Timeout";
    case 431:
        return "Request Header Fields Too Large";
    case 503:
        return "Service Unavailable";
    case 505:
        return "HTTP Version Not Supported";
    default:
        return "Internal Server Error";
    }
}
