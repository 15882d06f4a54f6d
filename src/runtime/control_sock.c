/*
 * The control socket's file (control_int.h): bound under a umask that makes
 * it 0600 from its first instant, a stale one replaced but never a live
 * daemon's nor anything that is not a socket, and its mode and group set on
 * the file the daemon made, never through the path: whoever can write the
 * socket's folder may have put a symlink or another file there since.  The
 * file is opened O_PATH|O_NOFOLLOW and changed only while it is a socket
 * with the device and inode recorded at bind, ours, with one link (as
 * listener_unix.c does for socket_owner).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "control_int.h"
#include "unix_probe.h"

void ctl_sock_init(struct control_sock *cs)
{
    cs->fd = -1;
    cs->path = NULL;
    cs->dev = 0;
    cs->ino = 0;
}

/* Remove PATH if it still names the socket file CS records. */
static void sock_unlink_ours(const char *path, const struct control_sock *cs)
{
    struct stat st;

    if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode) && st.st_dev == cs->dev &&
        st.st_ino == cs->ino)
        unlink(path);
}

void ctl_sock_close(struct control_sock *cs)
{
    if (cs->fd >= 0) {
        if (cs->path)
            sock_unlink_ours(cs->path, cs);
        close(cs->fd);
    }
    free(cs->path);
    ctl_sock_init(cs);
}

/* Does a live process answer on PATH?  When it cannot be told, assume so:
 * never take a socket over on a guess. */
static bool sock_answered(const struct sockaddr_un *sa)
{
    return unix_probe((const struct sockaddr *)sa, sizeof(*sa), SOCK_STREAM) != 0;
}

/* Bind under a umask that makes the file 0600 from its first instant. */
static int sock_bind(int fd, const struct sockaddr_un *sa)
{
    mode_t old = umask(0177);
    int rc = bind(fd, (const struct sockaddr *)sa, sizeof(*sa));
    int e = errno;

    umask(old);
    errno = e;
    return rc;
}

/* Bind FD at SA, replacing a stale socket file when REPLACE_STALE; *IN_USE
 * when a live daemon answers there.  -1 with errno (EADDRINUSE for in use or
 * for a file left alone, ENOTSOCK for a file that is not a socket). */
static int sock_bind_path(int fd, const struct sockaddr_un *sa, bool replace_stale, bool *in_use)
{
    struct stat st;

    *in_use = false;
    if (sock_bind(fd, sa) == 0)
        return 0;
    if (errno != EADDRINUSE || !replace_stale)
        return -1;
    if (lstat(sa->sun_path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
        errno = ENOTSOCK; /* never remove what is not a socket */
        return -1;
    }
    if (sock_answered(sa)) {
        *in_use = true;
        errno = EADDRINUSE;
        return -1;
    }
    if (unlink(sa->sun_path) == -1 && errno != ENOENT)
        return -1;
    return sock_bind(fd, sa);
}

/* Is the file PFD (opened O_PATH|O_NOFOLLOW) a socket we made, with no other
 * link?  Anything else may have been put at the path by whoever can write
 * its folder: a symlink (it opens as itself), a hard link to another file,
 * someone else's file. */
static bool sock_file_ours(int pfd, struct stat *st)
{
    return fstat(pfd, st) == 0 && S_ISSOCK(st->st_mode) && st->st_uid == geteuid() &&
           st->st_nlink == 1;
}

/* Open CS's path as itself if it still names the socket CS made (same
 * device and inode, see sock_file_ours): the O_PATH descriptor, or -1
 * (ESTALE when something else stands there now). */
static int sock_reopen(const struct control_sock *cs)
{
    struct stat st;
    int pfd = open(cs->path, O_PATH | O_NOFOLLOW | O_CLOEXEC);

    if (pfd == -1)
        return -1;
    if (!sock_file_ours(pfd, &st) || st.st_dev != cs->dev || st.st_ino != cs->ino) {
        close(pfd);
        errno = ESTALE;
        return -1;
    }
    return pfd;
}

/* Mode 0660 and CFG's control_group, else 0600 (it was born 0600), set on
 * the file PFD holds, never through a path.  chmod has no AT_EMPTY_PATH
 * before Linux 6.6: the descriptor's /proc link names the inode itself (as
 * glibc's fchmodat does for AT_SYMLINK_NOFOLLOW). */
static int sock_set_access(int pfd, const struct config *cfg)
{
    char self[40];

    if (cfg->has_control_group &&
        fchownat(pfd, "", (uid_t)-1, cfg->control_gid, AT_EMPTY_PATH) == -1)
        return -1;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", pfd);
    return chmod(self, cfg->has_control_group ? 0660 : 0600);
}

/* The file bind() just made at PATH: record it in CS and set its access.
 * -1 with errno (ESTALE: it was replaced since bind, and left alone). */
static int sock_adopt_file(const char *path, const struct config *cfg, struct control_sock *cs)
{
    struct stat st;
    int pfd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC), rc = -1, e = ESTALE;

    if (pfd == -1)
        return -1;
    if (sock_file_ours(pfd, &st)) {
        cs->dev = st.st_dev;
        cs->ino = st.st_ino;
        rc = sock_set_access(pfd, cfg);
        e = errno;
    }
    close(pfd);
    errno = e;
    return rc;
}

int ctl_sock_open(const struct config *cfg, bool replace_stale, struct control_sock *cs,
                  bool *in_use, char *err, size_t errlen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    const char *path = cfg->control;
    const char *step = "socket";

    ctl_sock_init(cs);
    *in_use = false;
    snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
    cs->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (cs->fd == -1)
        goto fail;
    step = replace_stale ? "bind"
                         : "bind (another file took the place of the daemon's socket; "
                           "left alone)";
    if (sock_bind_path(cs->fd, &sa, replace_stale, in_use) == -1)
        goto fail;
    step = "mode";
    if (sock_adopt_file(path, cfg, cs) == -1) {
        if (errno != ESTALE)
            goto fail_unlink;
        step = "replaced after bind (left alone)";
        goto fail;
    }
    step = "listen";
    if (listen(cs->fd, CTL_MAX_PEERS) == -1 || !(cs->path = strdup(path)))
        goto fail_unlink;
    return 0;
fail_unlink:
    sock_unlink_ours(path, cs);
fail:
    if (*in_use)
        snprintf(err, errlen, "control socket %s: another daemon answers there", path);
    else
        snprintf(err, errlen, "control socket %s: %s: %s", path, step, strerror(errno));
    if (cs->fd >= 0)
        close(cs->fd);
    ctl_sock_init(cs);
    return -1;
}

int ctl_sock_set_access(const struct control_sock *cs, const struct config *cfg)
{
    int pfd = sock_reopen(cs), rc;

    if (pfd == -1)
        return -1;
    rc = sock_set_access(pfd, cfg);
    close(pfd);
    return rc;
}

bool ctl_sock_still_ours(const struct control_sock *cs)
{
    int pfd = sock_reopen(cs);

    if (pfd < 0)
        return false;
    close(pfd);
    return true;
}
