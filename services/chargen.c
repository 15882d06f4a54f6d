/*
 * chargen: the RFC 864 character generator.  The pattern is the 95 printable
 * ASCII characters in lines of 72, each line starting one character later
 * than the one before, ended by CRLF.  On a stream socket it sends the pattern
 * until the peer goes away (which is the normal end: exit 0).  On a datagram
 * socket it answers each datagram with 0 to 512 bytes of the pattern, exiting
 * after IDLE_MS without one.  On a listening socket it serves one connection
 * at a time.
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define IDLE_MS     10000
#define FIRST_CHAR  ' '
#define N_CHARS     95 /* ' ' .. '~' */
#define LINE_CHARS  72
#define LINE_BYTES  (LINE_CHARS + 2)
#define CYCLE_BYTES (N_CHARS * LINE_BYTES) /* the pattern repeats after 95 lines */
#define DGRAM_MAX   512

enum fd_kind { FD_STREAM, FD_DGRAM, FD_LISTEN };

/* One full cycle of the pattern, so a stream is just this buffer written over and over. */
static char cycle[CYCLE_BYTES];

static void cycle_init(void)
{
    for (int line = 0; line < N_CHARS; line++) {
        char *p = cycle + line * LINE_BYTES;
        for (int i = 0; i < LINE_CHARS; i++)
            p[i] = (char)(FIRST_CHAR + (line + i) % N_CHARS);
        p[LINE_CHARS] = '\r';
        p[LINE_CHARS + 1] = '\n';
    }
}

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

/* Send the pattern until the peer stops listening; SIGPIPE is ignored, so that is EPIPE. */
static int serve_stream(int out)
{
    for (;;) {
        if (write_all(out, cycle, sizeof cycle) < 0)
            return errno == EPIPE || errno == ECONNRESET || errno == ETIMEDOUT ? 0 : 1;
    }
}

/* A small xorshift generator: datagram lengths need variety, not secrecy. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Answer each datagram with a random-length piece of the pattern, one line further each time. */
static int serve_dgram(int fd, int timeout_ms)
{
    char in[512], out[DGRAM_MAX];
    struct timespec ts;
    uint32_t seed;
    int line = 0;

    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec ^ ((uint32_t)getpid() << 16);
    if (seed == 0)
        seed = 1;
    for (;;) {
        struct sockaddr_storage peer;
        socklen_t plen = sizeof peer;
        int r = wait_fd(fd, POLLIN, timeout_ms);
        if (r <= 0)
            return r < 0;
        if (recvfrom(fd, in, sizeof in, 0, (struct sockaddr *)&peer, &plen) < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK || errno == ECONNREFUSED)
                continue;
            return 1;
        }
        size_t len = next_random(&seed) % (DGRAM_MAX + 1);
        for (size_t i = 0; i < len; i++)
            out[i] = cycle[((size_t)line * LINE_BYTES + i) % CYCLE_BYTES];
        line = (line + 1) % N_CHARS;
        /* An answer is best effort: an unreachable sender must not end the service. */
        if (plen > 0)
            (void)sendto(fd, out, len, 0, (struct sockaddr *)&peer, plen);
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
        (void)serve_stream(c);
        close(c);
    }
}

int main(void)
{
    struct sigaction sa = {.sa_handler = SIG_IGN};

    sigaction(SIGPIPE, &sa, NULL);
    cycle_init();
    switch (fd_kind(0)) {
    case FD_DGRAM:
        return serve_dgram(0, idle_ms());
    case FD_LISTEN:
        return serve_listener(0, idle_ms());
    default:
        return serve_stream(1);
    }
}
