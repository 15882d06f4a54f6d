/*
 * The daemon-spawner messages (see spawner_msg.h): the request's layout and
 * its checks, the answer's checks, and sending and receiving one message
 * with its descriptors.  Both ends check what they read: a spawner never
 * trusts a request's lengths, the daemon never an answer's type or pid.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "spawner_msg.h"

#define SPAWNER_MAX_FDS 2

size_t spawner_msg_request(void *buf, size_t cap, uint64_t seq, bool err_fd,
                           const char *const *vars)
{
    struct spawner_req_head head = {SPAWNER_MSG_MAGIC, err_fd ? SPAWNER_REQ_ERR_FD : 0, 0, seq};
    size_t used = sizeof(head);
    char *out = buf;

    if (cap < used)
        return 0;
    for (; vars && vars[head.n_vars]; head.n_vars++) {
        size_t len = strlen(vars[head.n_vars]) + 1;
        if (head.n_vars + 1 >= EXEC_CONN_VARS || len > cap - used || used + len > SPAWNER_REQ_MAX)
            return 0;
        memcpy(out + used, vars[head.n_vars], len);
        used += len;
    }
    memcpy(out, &head, sizeof(head));
    return used;
}

int spawner_msg_parse_request(const void *buf, size_t len, struct spawner_req *req)
{
    struct spawner_req_head head;
    const char *p = (const char *)buf + sizeof(head), *end = (const char *)buf + len;

    if (len < sizeof(head) || len > SPAWNER_REQ_MAX)
        return -1;
    memcpy(&head, buf, sizeof(head));
    if (head.magic != SPAWNER_MSG_MAGIC || (head.flags & ~SPAWNER_REQ_ERR_FD) ||
        head.n_vars >= EXEC_CONN_VARS)
        return -1;
    for (unsigned i = 0; i < head.n_vars; i++) {
        const char *nul = memchr(p, '\0', (size_t)(end - p));
        const char *eq = memchr(p, '=', nul ? (size_t)(nul - p) : 0);
        if (!nul || !eq || eq == p)
            return -1; /* cut short, or not "K=V" */
        req->vars[i] = p;
        p = nul + 1;
    }
    if (p != end)
        return -1; /* bytes past the last variable */
    req->vars[head.n_vars] = NULL;
    req->seq = head.seq;
    req->err_fd = head.flags & SPAWNER_REQ_ERR_FD;
    return 0;
}

int spawner_msg_parse_answer(const void *buf, size_t len, struct spawner_answer *a)
{
    if (len != sizeof(*a))
        return -1;
    memcpy(a, buf, sizeof(*a));
    if (a->magic != SPAWNER_MSG_MAGIC || a->type == 0 || a->type >= SPAWNER_ANSWER_TYPES ||
        a->err < 0)
        return -1;
    if ((a->type == SPAWNER_STARTED || a->type == SPAWNER_FAILED) && a->pid <= 0)
        return -1;
    return 0;
}

int spawner_msg_send(int sock, const void *buf, size_t len, const int *fds, int nfds, bool nonblock)
{
    union {
        struct cmsghdr hdr;
        char space[CMSG_SPACE(sizeof(int) * SPAWNER_MAX_FDS)];
    } control;
    struct iovec iov = {(void *)buf, len};
    struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};

    if (nfds < 0 || nfds > SPAWNER_MAX_FDS) {
        errno = EINVAL;
        return -1;
    }
    if (nfds > 0) {
        memset(&control, 0, sizeof(control));
        msg.msg_control = control.space;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    ssize_t n;
    do
        n = sendmsg(sock, &msg, MSG_NOSIGNAL | (nonblock ? MSG_DONTWAIT : 0));
    while (n == -1 && errno == EINTR);
    return n == (ssize_t)len ? 0 : -1;
}

/* The descriptors of MSG's SCM_RIGHTS into FDS; -1 (all closed) when there
 * are more than SPAWNER_MAX_FDS or anything else came. */
static int take_fds(struct msghdr *msg, int *fds, int *nfds)
{
    int bad = (msg->msg_flags & MSG_CTRUNC) != 0;

    *nfds = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) {
            bad = 1;
            continue;
        }
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int fd;
            memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
            if (*nfds < SPAWNER_MAX_FDS)
                fds[(*nfds)++] = fd;
            else {
                close(fd);
                bad = 1;
            }
        }
    }
    if (!bad)
        return 0;
    for (int i = 0; i < *nfds; i++)
        close(fds[i]);
    *nfds = 0;
    return -1;
}

ssize_t spawner_msg_recv(int sock, void *buf, size_t cap, int *fds, int *nfds, bool nonblock)
{
    union {
        struct cmsghdr hdr;
        char space[CMSG_SPACE(sizeof(int) * (SPAWNER_MAX_FDS + 1))];
    } control;
    struct iovec iov = {buf, cap};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.space,
                         .msg_controllen = sizeof(control.space)};
    ssize_t n;

    *nfds = 0;
    do
        n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC | (nonblock ? MSG_DONTWAIT : 0));
    while (n == -1 && errno == EINTR);
    if (n <= 0)
        return n;
    if (take_fds(&msg, fds, nfds) == -1 || (msg.msg_flags & MSG_TRUNC)) {
        for (int i = 0; i < *nfds; i++)
            close(fds[i]);
        *nfds = 0;
        errno = EPROTO;
        return -1;
    }
    return n;
}
