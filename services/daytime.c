/*
 * daytime: the RFC 867 daytime service.  It answers with one human-readable
 * line in UTC, "Sunday, November 22, 2026 01:23:45-UTC\r\n": once on a stream
 * socket (then closes), once per datagram on a datagram socket (exiting after
 * IDLE_MS without one), once per connection on a listening socket.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MS   10000
#define LINGER_MS 2000
#define LINE_SIZE 128

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

/* The current time as a daytime line; names are spelled out so no locale applies. */
static size_t daytime_line(char *buf, size_t size)
{
    static const char *const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL)
        return 0;
    int n = snprintf(buf, size, "%s, %s %d, %d %02d:%02d:%02d-UTC\r\n", days[tm.tm_wday],
                     months[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Write all of BUF, waiting for room when the descriptor is non-blocking. */
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

/*
 * Close gently: closing with unread input would reset the connection and
 * could destroy the answer before the client reads it.  So say we are done,
 * then read and drop what the client still sends, for LINGER_MS at most.
 */
static void linger_close(int in, int out)
{
    char buf[4096];
    struct timespec start, now;

    (void)shutdown(out, SHUT_WR);
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
        if (spent >= LINGER_MS || wait_fd(in, POLLIN, (int)(LINGER_MS - spent)) <= 0)
            return;
        ssize_t n = read(in, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN && errno != EWOULDBLOCK))
            return;
    }
}

/* Send the line on a stream: 0 when done or the peer went away first. */
static int serve_stream(int in, int out)
{
    char line[LINE_SIZE];
    size_t len = daytime_line(line, sizeof line);

    if (len == 0)
        return 1;
    if (write_all(out, line, len) < 0)
        return errno == EPIPE || errno == ECONNRESET ? 0 : 1;
    linger_close(in, out);
    return 0;
}

/* Answer each datagram with the line until nothing arrives for a while. */
static int serve_dgram(int fd, int timeout_ms)
{
    char buf[512], line[LINE_SIZE];

    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int r = wait_fd(fd, POLLIN, timeout_ms);
        if (r <= 0)
            return r < 0;
        if (recvfrom(fd, buf, sizeof buf, 0, (struct sockaddr *)&peer, &plen) < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED)
                continue;
            return 1;
        }
        size_t len = daytime_line(line, sizeof line);
        /* An answer is best effort: an unreachable sender must not end the service. */
        if (len > 0 && plen > 0)
            (void)sendto(fd, line, len, 0, (struct sockaddr *)&peer, plen);
    }
}

/* Accept connections on a listening socket and answer each in turn. */
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
