/*
 * Listening sockets.  Stream sockets of nowait services are non-blocking
 * (the daemon accepts in batches); sockets handed to wait and prefork
 * handlers stay blocking, as classic servers expect from their stdin.
 * A unix path is taken only from a stale socket file, never from a live
 * program, and gets its mode and owner without a path-following race.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/epoll.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listener.h"
#include "log.h"

void listener_adopt_init(struct listener_inherited *in)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

    in->count = 0;
    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
        return;
    long n = strtol(fds, NULL, 10);
    for (long i = 0; i < n && in->count < LISTENER_INHERITED_MAX; i++) {
        int fd = 3 + (int)i;
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        in->fds[in->count++] = fd;
    }
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
}

void listener_adopt_done(struct listener_inherited *in)
{
    for (int i = 0; i < in->count; i++)
        if (in->fds[i] >= 0)
            close(in->fds[i]);
    in->count = 0;
}

static bool sockaddr_equal(const struct sockaddr_storage *a, socklen_t alen,
                           const struct sockaddr_storage *b, socklen_t blen)
{
    if (a->ss_family != b->ss_family)
        return false;
    if (a->ss_family == AF_INET) {
        const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;
        return x->sin_port == y->sin_port && x->sin_addr.s_addr == y->sin_addr.s_addr;
    }
    if (a->ss_family == AF_INET6) {
        const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;
        return x->sin6_port == y->sin6_port &&
               memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr)) == 0;
    }
    return alen == blen && memcmp(a, b, alen) == 0;
}

/* An inherited socket of TYPE bound to A, taken out of the pool; -1 if none. */
static int adopt_take(struct listener_inherited *in, const struct listen_addr *a, int type)
{
    for (int i = 0; in && i < in->count; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int t;
        socklen_t tlen = sizeof(t);
        int fd = in->fds[i];
        if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
            getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tlen) == -1 || t != type)
            continue;
        if (sockaddr_equal(&ss, len, &a->ss, a->sslen)) {
            in->fds[i] = -1;
            return fd;
        }
    }
    return -1;
}

/* The daemon accepts nowait sockets in batches (non-blocking); wait and
 * prefork handlers get theirs blocking, as classic servers expect. */
static void set_blocking(int fd, bool blocking)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl != -1)
        fcntl(fd, F_SETFL, blocking ? fl & ~O_NONBLOCK : fl | O_NONBLOCK);
}

static int set_flag(int fd, int level, int opt, bool on)
{
    int v = on;
    return setsockopt(fd, level, opt, &v, sizeof(v));
}

/*
 * Unix socket files this daemon bound, still referenced: a reload that needs a
 * new socket at the same path (socket_mode changed) finds the old one still
 * accepting in a wait handler or a pool worker, and must not take it for
 * another program's.  Few entries, looked at only when a socket is opened.
 */
static struct listener *unix_bound;

static bool unix_bound_by_us(const struct stat *st)
{
    for (const struct listener *l = unix_bound; l; l = l->unix_next)
        if (l->path_dev == st->st_dev && l->path_ino == st->st_ino)
            return true;
    return false;
}

/* Does a program accept on the unix socket at A?  A socket file nobody holds
 * refuses a connect(); a full backlog (EAGAIN) still means someone listens,
 * and so does a socket of the other type (EPROTOTYPE).  1 yes, 0 stale (or
 * gone meanwhile), -1 with errno when it cannot be told. */
static int unix_in_use(const struct listen_addr *a, int type)
{
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    int rc = connect(fd, (const struct sockaddr *)&a->ss, a->sslen), e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS || e == EPROTOTYPE)
        return 1;
    if (e == ECONNREFUSED || e == ENOENT)
        return 0;
    errno = e;
    return -1;
}

/* Remove a stale unix socket file, but never anything that is not a socket,
 * nor one another program listens on. */
static int unix_prepare_path(const struct listen_addr *a, int type, char *err, size_t errlen)
{
    const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;
    struct stat st;

    if (lstat(path, &st) == -1)
        return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    if (!unix_bound_by_us(&st)) {
        int used = unix_in_use(a, type);
        if (used != 0) {
            if (used == 1)
                snprintf(err, errlen, "%s is in use by another program", path);
            else
                snprintf(err, errlen, "cannot tell whether %s is in use: %s", path,
                         strerror(errno));
            return -1;
        }
    }
    if (unlink(path) == -1 && errno != ENOENT) {
        snprintf(err, errlen, "cannot remove stale socket %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/*
 * bind() a unix socket with its socket_mode from birth: the kernel creates
 * the file with 0777 & ~umask, so the umask is set from the mode around the
 * call (the daemon is single-threaded, and a spawn child has its own umask:
 * clone without CLONE_FS).  No chmod by path ever follows.
 */
static int unix_bind(int fd, const struct sock_opts *o, const struct listen_addr *a)
{
    mode_t old = 0;

    if (o->has_socket_mode)
        old = umask(~o->socket_mode & 0777);
    int rc = bind(fd, (const struct sockaddr *)&a->ss, a->sslen), e = errno;
    if (o->has_socket_mode)
        umask(old);
    errno = e;
    return rc;
}

/*
 * socket_owner, without following whatever may have been swapped in at the
 * path since bind() (its folder may be writable by others): the file is
 * opened with O_PATH|O_NOFOLLOW (a symlink opens as itself) and changed only
 * if it is a socket we created (our euid) with no other link, so a symlink,
 * a hard link to another file or someone else's file is never touched.
 */
static int unix_apply_owner(const struct sock_opts *o, const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (!o->has_socket_owner)
        return 0;
    int pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (pfd == -1 || fstat(pfd, &st) == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        if (pfd != -1)
            close(pfd);
        return -1;
    }
    if (!S_ISSOCK(st.st_mode) || st.st_uid != geteuid() || st.st_nlink != 1) {
        snprintf(err, errlen, "%s was replaced after bind", path);
        close(pfd);
        return -1;
    }
    if (fchownat(pfd, "", o->socket_uid, o->socket_gid, AT_EMPTY_PATH) == -1) {
        snprintf(err, errlen, "chown %s: %s", path, strerror(errno));
        unlink(path); /* ours a moment ago: do not leave it half set up */
        close(pfd);
        return -1;
    }
    close(pfd);
    return 0;
}

/* Bind a unix socket at its path, with its mode and owner; BOUND receives
 * the file's identity, so a later reload knows the file is ours. */
static int unix_bind_path(int fd, const struct service *svc, const struct listen_addr *a, int type,
                          struct stat *bound, char *err, size_t errlen)
{
    const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;

    if (unix_prepare_path(a, type, err, errlen) == -1)
        return -1;
    if (unix_bind(fd, &svc->sock, a) == -1) {
        snprintf(err, errlen, "bind: %s", strerror(errno));
        return -1;
    }
    if (lstat(path, bound) == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return unix_apply_owner(&svc->sock, path, err, errlen);
}

/* socket + options + bind + listen; the fd, or -errno of the failed step with
 * err filled (the caller tells a host without IPv6 by EAFNOSUPPORT; a unix
 * path that cannot be taken is -EADDRINUSE).  A unix socket's file identity
 * goes to BOUND. */
static int open_socket(const struct service *svc, const struct listen_addr *a, int type,
                       struct stat *bound, char *err, size_t errlen)
{
    bool nonblock = svc->mode == MODE_NOWAIT;
    int family = a->ss.ss_family;
    int fd = socket(family, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    int e;

    if (fd == -1) {
        e = errno;
        snprintf(err, errlen, "socket: %s", strerror(e));
        return -e;
    }
    if (family == AF_UNIX) {
        if (unix_bind_path(fd, svc, a, type, bound, err, errlen) == -1) {
            close(fd);
            return -EADDRINUSE;
        }
    } else {
        set_flag(fd, SOL_SOCKET, SO_REUSEADDR, true);
        if (family == AF_INET6)
            set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, a->kind != LISTEN_WILDCARD);
        if (svc->sock.reuseport)
            set_flag(fd, SOL_SOCKET, SO_REUSEPORT, true);
        if (bind(fd, (const struct sockaddr *)&a->ss, a->sslen) == -1) {
            e = errno;
            snprintf(err, errlen, "bind: %s", strerror(e));
            close(fd);
            return -e;
        }
    }
    if (type == SOCK_STREAM && listen(fd, svc->sock.backlog) == -1) {
        e = errno;
        snprintf(err, errlen, "listen: %s", strerror(e));
        if (family == AF_UNIX)
            unlink(((const struct sockaddr_un *)&a->ss)->sun_path);
        close(fd);
        return -e;
    }
    return fd;
}

/* The socket of A: inherited, or opened here (for "*" on a host without
 * IPv6, on every IPv4 address instead).  -errno with err filled. */
static int listener_socket(const struct service *svc, const struct listen_addr *a,
                           struct listener_inherited *in, bool *adopted, struct stat *bound,
                           char *err, size_t errlen)
{
    int type = svc->protocol == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd = adopt_take(in, a, type);

    *adopted = fd >= 0;
    if (fd >= 0) {
        set_blocking(fd, svc->mode != MODE_NOWAIT);
        return fd;
    }
    fd = open_socket(svc, a, type, bound, err, errlen);
    if (fd == -EAFNOSUPPORT && a->kind == LISTEN_WILDCARD) {
        /* No IPv6 on this host: "*" still means every IPv4 address. */
        struct listen_addr v4 = *a;
        struct sockaddr_in *sin = (struct sockaddr_in *)&v4.ss;
        in_port_t port = ((const struct sockaddr_in6 *)&a->ss)->sin6_port;
        memset(&v4.ss, 0, sizeof(v4.ss));
        sin->sin_family = AF_INET;
        sin->sin_port = port;
        v4.sslen = sizeof(*sin);
        fd = open_socket(svc, &v4, type, bound, err, errlen);
    }
    return fd;
}

struct listener *listener_open(const struct service *svc, const struct listen_addr *a,
                               struct listener_inherited *in, char *err, size_t errlen)
{
    struct stat bound = {0};
    bool adopted;
    int fd = listener_socket(svc, a, in, &adopted, &bound, err, errlen);

    if (fd < 0)
        return NULL;
    struct listener *l = calloc(1, sizeof(*l));
    if (!l || !(l->addr.text = strdup(a->text))) {
        free(l);
        if (a->kind == LISTEN_UNIX && !adopted)
            unlink(((const struct sockaddr_un *)&a->ss)->sun_path);
        close(fd);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    loop_ev_set(&l->ev, fd, NULL, NULL);
    l->fd = fd;
    l->addr.kind = a->kind;
    l->addr.ss = a->ss;
    l->addr.sslen = a->sslen;
    l->protocol = svc->protocol;
    l->mode = svc->mode;
    l->refs = 1;
    l->unlink_on_close = a->kind == LISTEN_UNIX && !adopted;
    if (l->unlink_on_close) {
        l->path_dev = bound.st_dev;
        l->path_ino = bound.st_ino;
        l->unix_next = unix_bound;
        unix_bound = l;
    }
    l->opts = svc->sock;
    listener_update(l, svc);
    return l;
}

bool listener_reusable(const struct listener *l, const struct service *svc,
                       const struct listen_addr *a)
{
    if (l->closed || l->addr.kind != a->kind || l->protocol != svc->protocol ||
        !sockaddr_equal(&l->addr.ss, l->addr.sslen, &a->ss, a->sslen))
        return false;
    if (l->opts.reuseport != svc->sock.reuseport)
        return false;
    if (a->kind == LISTEN_UNIX &&
        (l->opts.has_socket_mode != svc->sock.has_socket_mode ||
         l->opts.socket_mode != svc->sock.socket_mode ||
         l->opts.has_socket_owner != svc->sock.has_socket_owner ||
         l->opts.socket_uid != svc->sock.socket_uid || l->opts.socket_gid != svc->sock.socket_gid))
        return false;
    return true;
}

void listener_update(struct listener *l, const struct service *svc)
{
    bool stream = svc->protocol == PROTO_TCP;

    if (stream && l->opts.backlog != svc->sock.backlog)
        listen(l->fd, svc->sock.backlog); /* listen() again resizes the queue, keeping it */
    if (stream && l->addr.kind != LISTEN_UNIX) {
        set_flag(l->fd, SOL_SOCKET, SO_KEEPALIVE, svc->sock.keepalive);
        set_flag(l->fd, IPPROTO_TCP, TCP_NODELAY, svc->sock.nodelay);
    }
    if ((l->mode == MODE_NOWAIT) != (svc->mode == MODE_NOWAIT))
        set_blocking(l->fd, svc->mode != MODE_NOWAIT);
    l->mode = svc->mode;
    l->opts = svc->sock;
}

bool listener_bound_to_one_address(const struct listener *l)
{
    if (l->addr.kind != LISTEN_INET)
        return false;
    if (l->addr.ss.ss_family == AF_INET)
        return ((const struct sockaddr_in *)&l->addr.ss)->sin_addr.s_addr != htonl(INADDR_ANY);
    return !IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)&l->addr.ss)->sin6_addr);
}

void listener_close(struct listener *l)
{
    if (l->closed)
        return;
    if (l->unlink_on_close)
        unlink(((struct sockaddr_un *)&l->addr.ss)->sun_path);
    close(l->fd);
    l->fd = -1;
    l->closed = true;
}

void listener_unref(struct listener *l)
{
    if (--l->refs > 0)
        return;
    listener_close(l);
    for (struct listener **p = &unix_bound; *p; p = &(*p)->unix_next)
        if (*p == l) {
            *p = l->unix_next;
            break;
        }
    free(l->workers);
    free(l->addr.text);
    free(l);
}

void listener_serve_with(struct listener *l, ev_ready_fn *ready, void *ctx)
{
    l->ev.ready = ready;
    l->ev.ctx = ctx;
}

void listener_watch(struct loop *lp, struct listener *l, bool on)
{
    if (!on) {
        loop_forget(lp, &l->ev);
        return;
    }
    if (l->closed || l->ev.watched)
        return;
    l->resume_ns = 0;
    if (loop_watch(lp, &l->ev, EPOLLIN) == -1)
        log_warn("cannot watch %s", l->addr.text);
}

void listener_pause(struct loop *lp, struct listener *l, uint64_t until)
{
    listener_watch(lp, l, false);
    l->resume_ns = until;
}
