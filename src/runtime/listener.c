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
#include "listener_unix.h"
#include "log.h"

/* systemd passes at most this many (sd_listen_fds has no limit; we need one) */
#define LISTEN_FDS_MAX 4096

void listener_adopt_add(struct listener_registry *reg, int fd)
{
    fcntl(fd, F_SETFD, FD_CLOEXEC);
    if (reg->n_inherited == reg->cap_inherited) {
        size_t ncap = reg->cap_inherited ? reg->cap_inherited * 2 : 16;
        int *n = realloc(reg->inherited, ncap * sizeof(*n));
        if (!n) {
            log_warnx("out of memory: inherited socket %d not adopted", fd);
            close(fd);
            return;
        }
        reg->inherited = n;
        reg->cap_inherited = ncap;
    }
    reg->inherited[reg->n_inherited++] = fd;
}

void listener_adopt_init(struct listener_registry *reg)
{
    const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");

    if (!pid || !fds || strtol(pid, NULL, 10) != (long)getpid())
        return;
    long n = strtol(fds, NULL, 10);
    for (long i = 0; i < n && i < LISTEN_FDS_MAX; i++)
        listener_adopt_add(reg, 3 + (int)i);
    unsetenv("LISTEN_PID");
    unsetenv("LISTEN_FDS");
    unsetenv("LISTEN_FDNAMES");
}

void listener_adopt_done(struct listener_registry *reg)
{
    for (size_t i = 0; i < reg->n_inherited; i++)
        if (reg->inherited[i] >= 0)
            close(reg->inherited[i]);
    free(reg->inherited);
    reg->inherited = NULL;
    reg->n_inherited = reg->cap_inherited = 0;
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
static int adopt_take(struct listener_registry *reg, const struct listen_addr *a, int type)
{
    for (size_t i = 0; reg && i < reg->n_inherited; i++) {
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        int t;
        socklen_t tlen = sizeof(t);
        int fd = reg->inherited[i];
        if (fd < 0 || getsockname(fd, (struct sockaddr *)&ss, &len) == -1 ||
            getsockopt(fd, SOL_SOCKET, SO_TYPE, &t, &tlen) == -1 || t != type)
            continue;
        if (sockaddr_equal(&ss, len, &a->ss, a->sslen)) {
            reg->inherited[i] = -1;
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

/* Did we bind the socket file ST?  (reg->unix_bound: see listener.h.) */
static bool unix_bound_by_us(const struct stat *st, void *registry)
{
    const struct listener_registry *reg = registry;
    for (const struct listener *l = reg ? reg->unix_bound : NULL; l; l = l->unix_next)
        if (l->path_dev == st->st_dev && l->path_ino == st->st_ino)
            return true;
    return false;
}

/* freebind and bind_device, set before bind (SO_BINDTODEVICE decides which
 * sockets a bind conflicts with).  -1 with errno and err filled. */
static int listener_bind_options(int fd, int family, const struct sock_opts *o, char *err,
                                 size_t errlen)
{
    int level = family == AF_INET6 ? IPPROTO_IPV6 : IPPROTO_IP;
    int opt = family == AF_INET6 ? IPV6_FREEBIND : IP_FREEBIND;

    if (o->freebind && set_flag(fd, level, opt, true) == -1) {
        snprintf(err, errlen, "freebind: %s", strerror(errno));
        return -1;
    }
    if (o->bind_device[0] &&
        setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, o->bind_device, strlen(o->bind_device)) == -1) {
        snprintf(err, errlen, "bind_device %s: %s", o->bind_device, strerror(errno));
        return -1;
    }
    return 0;
}

/* socket + options + bind + listen; the fd, or -errno of the failed step with
 * err filled (the caller tells a host without IPv6 by EAFNOSUPPORT; a unix
 * path that cannot be taken is -EADDRINUSE).  A unix socket's file identity
 * goes to BOUND. */
static int open_socket(struct listener_registry *reg, const struct sock_opts *o, bool nonblock,
                       const struct listen_addr *a, int type, struct stat *bound, char *err,
                       size_t errlen)
{
    int family = a->ss.ss_family;
    int fd = socket(family, type | SOCK_CLOEXEC | (nonblock ? SOCK_NONBLOCK : 0), 0);
    int e;

    if (fd == -1) {
        e = errno;
        snprintf(err, errlen, "socket: %s", strerror(e));
        return -e;
    }
    if (family == AF_UNIX) {
        if (listener_unix_bind(fd, o, a, type, unix_bound_by_us, reg, bound, err, errlen) == -1) {
            close(fd);
            return -EADDRINUSE;
        }
    } else {
        set_flag(fd, SOL_SOCKET, SO_REUSEADDR, true);
        if (family == AF_INET6)
            set_flag(fd, IPPROTO_IPV6, IPV6_V6ONLY, a->kind != LISTEN_WILDCARD);
        if (o->reuseport)
            set_flag(fd, SOL_SOCKET, SO_REUSEPORT, true);
        if (listener_bind_options(fd, family, o, err, errlen) == -1) {
            e = errno;
            close(fd);
            return -e;
        }
        if (bind(fd, (const struct sockaddr *)&a->ss, a->sslen) == -1) {
            e = errno;
            snprintf(err, errlen, "bind: %s", strerror(e));
            close(fd);
            return -e;
        }
    }
    if (type == SOCK_STREAM && listen(fd, o->backlog) == -1) {
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
                           struct listener_registry *reg, bool *adopted, struct stat *bound,
                           char *err, size_t errlen)
{
    int type = svc->protocol == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd = adopt_take(reg, a, type);

    *adopted = fd >= 0;
    if (fd >= 0) {
        set_blocking(fd, svc->mode != MODE_NOWAIT);
        return fd;
    }
    bool nonblock = svc->mode == MODE_NOWAIT;
    fd = open_socket(reg, &svc->sock, nonblock, a, type, bound, err, errlen);
    if (fd == -EAFNOSUPPORT && a->kind == LISTEN_WILDCARD) {
        /* No IPv6 on this host: "*" still means every IPv4 address. */
        struct listen_addr v4 = *a;
        struct sockaddr_in *sin = (struct sockaddr_in *)&v4.ss;
        in_port_t port = ((const struct sockaddr_in6 *)&a->ss)->sin6_port;
        memset(&v4.ss, 0, sizeof(v4.ss));
        sin->sin_family = AF_INET;
        sin->sin_port = port;
        v4.sslen = sizeof(*sin);
        fd = open_socket(reg, &svc->sock, nonblock, &v4, type, bound, err, errlen);
    }
    return fd;
}

/* A pause is over (the timer's context is the loop). */
static void listener_resumed(struct timer *t, uint64_t now)
{
    (void)now;
    listener_watch(t->ctx, LOOP_OWNER(t, struct listener, resume), true);
}

void listener_init(struct listener *l, int fd)
{
    loop_ev_set(&l->ev, fd, NULL, NULL);
    timer_set(&l->resume, listener_resumed, NULL);
    l->fd = fd;
    l->closed = fd < 0;
    l->refs = 1;
}

struct listener *listener_open(const struct service *svc, const struct listen_addr *a,
                               struct listener_registry *reg, char *err, size_t errlen)
{
    struct stat bound = {0};
    bool adopted;
    int fd = listener_socket(svc, a, reg, &adopted, &bound, err, errlen);

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
    listener_init(l, fd);
    l->addr.kind = a->kind;
    l->addr.ss = a->ss;
    l->addr.sslen = a->sslen;
    l->protocol = svc->protocol;
    l->mode = svc->mode;
    l->inherited = adopted;
    l->unlink_on_close = a->kind == LISTEN_UNIX && !adopted;
    if (l->unlink_on_close) {
        l->path_dev = bound.st_dev;
        l->path_ino = bound.st_ino;
        l->registry = reg;
        l->unix_next = reg ? reg->unix_bound : NULL;
        if (reg)
            reg->unix_bound = l;
    }
    l->opts = svc->sock;
    if (adopted)
        listener_drain_detect(l); /* hold.c brings it in line with its service */
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
    if (a->kind != LISTEN_UNIX && (l->opts.freebind != svc->sock.freebind ||
                                   strcmp(l->opts.bind_device, svc->sock.bind_device) != 0))
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

int listener_reopen(struct listener *l, struct listener_registry *reg, char *err, size_t errlen)
{
    struct stat bound = {0};
    int type = l->protocol == PROTO_TCP ? SOCK_STREAM : SOCK_DGRAM;
    int fd =
        open_socket(reg, &l->opts, l->mode == MODE_NOWAIT, &l->addr, type, &bound, err, errlen);

    if (fd < 0)
        return -1;
    close(l->fd);
    l->fd = fd;
    l->ev.fd = fd;
    l->path_dev = bound.st_dev;
    l->path_ino = bound.st_ino;
    return 0;
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
    struct loop *paused_on = l->resume.armed ? l->resume.ctx : NULL;

    if (paused_on) /* a closed socket never resumes */
        timers_cancel(&paused_on->timers, &l->resume);
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
    for (struct listener **p = l->registry ? &l->registry->unix_bound : NULL; p && *p;
         p = &(*p)->unix_next)
        if (*p == l) {
            *p = l->unix_next;
            break;
        }
    if (l->release)
        l->release(l);
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
    timers_cancel(&lp->timers, &l->resume);
    if (!on) {
        loop_forget(lp, &l->ev);
        return;
    }
    if (l->closed || l->held || l->ev.watched)
        return;
    if (loop_watch(lp, &l->ev, EPOLLIN) == -1)
        log_warn("cannot watch %s", l->addr.text);
}

void listener_pause(struct loop *lp, struct listener *l, uint64_t until)
{
    listener_watch(lp, l, false);
    if (l->closed || l->held) /* nothing to resume: the operator resumes it */
        return;
    l->resume.ctx = lp;
    timers_arm(&lp->timers, &l->resume, until);
}
