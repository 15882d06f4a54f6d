/*
 * echo: the RFC 862 echo service.  On a stream socket (or a pipe, for tests)
 * it copies fd 0 to fd 1 until end of file.  On a datagram socket (udp, wait
 * mode) it sends each datagram back to its sender and exits after IDLE_MS
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

/* Wait until fd has EVENTS: 1 ready, 0 timed out, -1 error. */
static int wait_fd(int fd, short events, int timeout_ms)
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

/* Is this errno the peer going away, which ends a session normally? */
static int peer_gone(int err)
{
    return err == EPIPE || err == ECONNRESET || err == ETIMEDOUT;
}

/*
 * Write all of BUF.  The descriptor may be non-blocking (its flags belong to
 * whoever opened it), so EAGAIN waits for room instead of failing.
 */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(fd, POLLOUT, -1) >= 0)
                continue;
            return -1;
        }
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Copy IN to OUT until end of file: 0 when the session ended normally. */
static int serve_stream(int in, int out)
{
    static char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && wait_fd(in, POLLIN, -1) >= 0)
                continue;
            return peer_gone(errno) ? 0 : 1;
        }
        if (write_all(out, buf, (size_t)n) < 0)
            return peer_gone(errno) ? 0 : 1;
    }
}

/* Answer each datagram with itself until nothing arrives for a while. */
static int serve_dgram(int fd, int timeout_ms)
{
    static char buf[BUF_SIZE];

    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int r = wait_fd(fd, POLLIN, timeout_ms);
        if (r <= 0)
            return r < 0;
        ssize_t n = recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED)
                continue;
            return 1;
        }
        /* An answer is best effort: an unreachable sender must not end the service. */
        if (plen > 0)
            (void)sendto(fd, buf, (size_t)n, 0, (struct sockaddr *)&peer, plen);
    }
}

/* Accept connections on a listening socket and serve them in turn. */
static int serve_listener(int lfd, int timeout_ms)
{
    for (;;) {
        int r = wait_fd(lfd, POLLIN, timeout_ms);
        if (r <= 0)
            return r < 0;
        int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
        if (c < 0) {
            /* Another worker may have taken it, or the client gave up. */
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNABORTED)
                continue;
            return 1;
        }
        (void)serve_stream(c, c);
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
        return serve_stream(0, 1);
    }
}
