/*
 * Unix socket files for listeners: a stale file is replaced, but never one
 * another program accepts on nor anything that is not a socket; the file
 * gets socket_mode at birth and socket_owner without following whatever may
 * have been put at the path since bind().
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "listener_unix.h"
#include "unix_probe.h"

/* Remove a stale unix socket file, but never anything that is not a socket,
 * nor one another program listens on. */
static int unix_prepare_path(const struct listen_addr *a, int type, listener_unix_ours_fn *ours,
                             void *ctx, char *err, size_t errlen)
{
    const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;
    struct stat st;

    if (lstat(path, &st) == -1)
        return errno == ENOENT ? 0 : (snprintf(err, errlen, "%s: %s", path, strerror(errno)), -1);
    if (!S_ISSOCK(st.st_mode)) {
        snprintf(err, errlen, "%s exists and is not a socket", path);
        return -1;
    }
    if (!ours(&st, ctx)) {
        int used = unix_probe((const struct sockaddr *)&a->ss, a->sslen, type);
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

int listener_unix_bind(int fd, const struct sock_opts *o, const struct listen_addr *a, int type,
                       listener_unix_ours_fn *ours, void *ctx, struct stat *bound, char *err,
                       size_t errlen)
{
    const char *path = ((const struct sockaddr_un *)&a->ss)->sun_path;

    if (unix_prepare_path(a, type, ours, ctx, err, errlen) == -1)
        return -1;
    if (unix_bind(fd, o, a) == -1) {
        snprintf(err, errlen, "bind: %s", strerror(errno));
        return -1;
    }
    if (lstat(path, bound) == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    return unix_apply_owner(o, path, err, errlen);
}
