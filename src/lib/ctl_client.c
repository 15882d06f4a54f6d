/* One request on the control socket (see ctl_client.h). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "clock.h"
#include "ctl_client.h"

/* Milliseconds left before DEADLINE (ns), at least 0. */
static int ms_left(uint64_t deadline)
{
    uint64_t now = clock_now_ns();

    return now >= deadline ? 0 : (int)((deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
}

/* A connected socket, or -1 with ERR.  connect() on a unix socket blocks
 * while the backlog is full; SO_SNDTIMEO bounds that wait. */
static int open_socket(const char *path, int timeout_ms, char *err, size_t errlen)
{
    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct timeval tv = {.tv_sec = timeout_ms / 1000, .tv_usec = (timeout_ms % 1000) * 1000};
    int fd;

    if (strlen(path) >= sizeof(sun.sun_path)) {
        snprintf(err, errlen, "cannot connect to %s: path too long for a unix socket", path);
        return -1;
    }
    memcpy(sun.sun_path, path, strlen(path) + 1);
    fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0 ||
        connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
        fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) {
        snprintf(err, errlen, "cannot connect to %s: %s", path,
                 errno == EAGAIN || errno == EINPROGRESS ? "timed out" : strerror(errno));
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Wait for EVENTS on FD until DEADLINE: 0 ready, -1 with ERR. */
static int wait_for(int fd, short events, uint64_t deadline, const char *path, char *err,
                    size_t errlen)
{
    struct pollfd p = {.fd = fd, .events = events};

    for (;;) {
        int left = ms_left(deadline), n;
        if (left == 0) {
            snprintf(err, errlen, "%s: no answer from the daemon in time", path);
            return -1;
        }
        n = poll(&p, 1, left);
        if (n > 0)
            return 0;
        if (n < 0 && errno != EINTR) {
            snprintf(err, errlen, "%s: poll: %s", path, strerror(errno));
            return -1;
        }
    }
}

static int send_all(int fd, const char *buf, size_t len, uint64_t deadline, const char *path,
                    char *err, size_t errlen)
{
    while (len > 0) {
        ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
        if (n > 0) {
            buf += n, len -= (size_t)n;
            continue;
        }
        if (n < 0 && errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "%s: connection lost: %s", path, strerror(errno));
            return -1;
        }
        if (wait_for(fd, POLLOUT, deadline, path, err, errlen) < 0)
            return -1;
    }
    return 0;
}

static int read_all(int fd, struct outbuf *answer, uint64_t deadline, const char *path, char *err,
                    size_t errlen)
{
    char chunk[16384];

    for (;;) {
        ssize_t n = read(fd, chunk, sizeof(chunk));
        if (n == 0)
            return 0;
        if (n > 0) {
            outbuf_add(answer, chunk, (size_t)n);
            if (answer->failed) {
                snprintf(err, errlen, "%s: answer too large (over %zu bytes)", path, answer->max);
                return -1;
            }
            continue;
        }
        if (errno != EAGAIN && errno != EINTR) {
            snprintf(err, errlen, "%s: connection lost: %s", path, strerror(errno));
            return -1;
        }
        if (wait_for(fd, POLLIN, deadline, path, err, errlen) < 0)
            return -1;
    }
}

int ctl_client_call(const char *path, const char *request, int timeout_ms, struct outbuf *answer,
                    char *err, size_t errlen)
{
    uint64_t deadline = clock_now_ns() + (uint64_t)timeout_ms * NSEC_PER_MSEC;
    int fd = open_socket(path, timeout_ms, err, errlen), rc;

    if (fd < 0)
        return -1;
    rc = send_all(fd, request, strlen(request), deadline, path, err, errlen);
    if (rc == 0)
        rc = read_all(fd, answer, deadline, path, err, errlen);
    close(fd);
    return rc;
}
