/* Noting a wait socket's queue head (see wait_mark.h). */
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>

#include "wait_mark.h"

#define PEEK_BYTES 64

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ULL;
    return h;
}

void wait_mark_take(int fd, bool stream, struct wait_mark *m)
{
    memset(m, 0, sizeof(*m));
    m->stream = stream;
    if (stream) {
        /* On a listening TCP socket, tcpi_unacked is the accept queue's length. */
        struct tcp_info ti;
        socklen_t len = sizeof(ti);
        if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) == 0) {
            m->backlog = ti.tcpi_unacked;
            m->valid = true;
        }
        return;
    }
    unsigned char buf[PEEK_BYTES];
    m->fromlen = sizeof(m->from);
    ssize_t n = recvfrom(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT | MSG_TRUNC,
                         (struct sockaddr *)&m->from, &m->fromlen);
    if (n < 0)
        return;
    m->len = (size_t)n;
    m->hash = fnv1a(buf, m->len < sizeof(buf) ? m->len : sizeof(buf));
    m->valid = true;
}

bool wait_mark_unchanged(int fd, const struct wait_mark *before)
{
    struct wait_mark now;

    if (!before->valid)
        return false;
    wait_mark_take(fd, before->stream, &now);
    if (!now.valid)
        return false; /* nothing queued any more: the handler took it */
    if (before->stream)
        return before->backlog > 0 && now.backlog >= before->backlog;
    return now.len == before->len && now.hash == before->hash && now.fromlen == before->fromlen &&
           memcmp(&now.from, &before->from, now.fromlen) == 0;
}
