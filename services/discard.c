/*
 * discard: the RFC 863 discard service.  On a stream socket (or a pipe) it
 * reads fd 0 until end of file and throws the data away.  On a datagram
 * socket (udp, wait mode) it drops each datagram and exits after IDLE_MS
 * without one.  On a listening socket (tcp wait or prefork) it accepts and
 * serves one connection at a time.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#define IDLE_MS  10000
#define BUF_SIZE 65536

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

/* Wait until fd is readable: 1 ready, 0 timed out, -1 error. */
static int wait_readable(int fd, int timeout_ms)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};

    for (;;) {
        int r = poll(&p, 1, timeout_ms);
        if (r >= 0)
            return r;
        if (errno != EINTR)
            return -1;
    }
}

/* Read IN until end of file: 0 when the session ended normally. */
static int serve_stream(int in)
{
    static char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n > 0)
            continue;
        if (errno == EINTR)
            continue;
        if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_readable(in, -1) >= 0)
            continue;
        return errno == ECONNRESET || errno == ETIMEDOUT ? 0 : 1;
    }
}

/* Drop datagrams until nothing arrives for a while. */
static int serve_dgram(int fd, int timeout_ms)
{
    static char buf[BUF_SIZE];

    for (;;) {
        int r = wait_readable(fd, timeout_ms);
        if (r <= 0)
            return r < 0;
        if (recv(fd, buf, sizeof buf, 0) < 0 && errno != EINTR && errno != EAGAIN &&
            errno != EWOULDBLOCK && errno != ECONNREFUSED)
            return 1;
    }
}

/* Accept connections on a listening socket and serve them in turn. */
static int serve_listener(int lfd, int timeout_ms)
{
    for (;;) {
        int r = wait_readable(lfd, timeout_ms);
        if (r <= 0)
            return r < 0;
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            /* Another worker may have taken it, or the client gave up. */
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
                continue;
            return 1;
        }
        (void)serve_stream(c);
        close(c);
    }
}

int main(void)
{
    struct sigaction sa = {.sa_handler = SIG_IGN};

    sigaction(SIGPIPE, &sa, NULL);
    switch (fd_kind(0)) {
    case FD_DGRAM:
        return serve_dgram(0, idle_ms());
    case FD_LISTEN:
        return serve_listener(0, idle_ms());
    default:
        return serve_stream(0);
    }
}
