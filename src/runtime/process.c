/* Pidfile, daemonizing and process hygiene (see process.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <stdbool.h>
#include <stdnoreturn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carry.h"
#include "process.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Does the name in the folder still stand for the file FD has open? */
static bool pidfile_is_ours(int dirfd, const char *name, int fd)
{
    struct stat a, b;

    return fstat(fd, &a) == 0 && fstatat(dirfd, name, &b, AT_SYMLINK_NOFOLLOW) == 0 &&
           a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

/* "pidfile F is locked by a running instance (pid N)" from the file's content. */
static void pidfile_locked_error(int fd, const char *path, char *err, size_t errlen)
{
    char buf[32] = "";
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

    buf[n > 0 ? n : 0] = '\0';
    buf[strcspn(buf, "\n")] = '\0';
    snprintf(err, errlen, "pidfile %s is locked by a running instance%s%s%s", path,
             buf[0] ? " (pid " : "", buf, buf[0] ? ")" : "");
}

/*
 * Open NAME in DIRFD as a pidfile: never through a symlink, never blocking
 * (a FIFO opens at once with O_NONBLOCK and is then refused with anything
 * else that is not a regular file), and locked.  The fd, -1 with err, or -2
 * when the file was replaced between open and lock (try again).
 */
static int pidfile_open_locked(int dirfd, const char *name, const char *path, char *err,
                               size_t errlen)
{
    struct stat st;
    int fd = openat(dirfd, name, O_RDWR | O_CREAT | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY | O_CLOEXEC,
                    0644);

    if (fd == -1) {
        if (errno == ELOOP || errno == EISDIR || errno == ENXIO)
            snprintf(err, errlen, "pidfile %s is not a regular file", path);
        else
            snprintf(err, errlen, "cannot open pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "pidfile %s is not a regular file", path);
        close(fd);
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        pidfile_locked_error(fd, path, err, errlen);
        close(fd);
        return -1;
    }
    if (!pidfile_is_ours(dirfd, name, fd)) {
        close(fd); /* its holder removed it as we locked it */
        return -2;
    }
    return fd;
}

int process_pidfile_acquire(struct pidfile *pf, const char *path, char *err, size_t errlen)
{
    const char *slash = strrchr(path, '/');
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    const char *name = slash ? slash + 1 : path;
    int fd = -2;

    if (!dir || !*name) {
        snprintf(err, errlen, "pidfile %s is not a regular file", path);
        free(dir);
        return -1;
    }
    int dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (dirfd == -1) {
        snprintf(err, errlen, "cannot open pidfile %s: %s", path, strerror(errno));
        return -1;
    }
    for (int tries = 0; tries < 3 && fd == -2; tries++)
        fd = pidfile_open_locked(dirfd, name, path, err, errlen);
    if (fd == -2)
        snprintf(err, errlen, "pidfile %s keeps being replaced", path);
    if (fd >= 0 && !(pf->name = strdup(name))) {
        snprintf(err, errlen, "out of memory");
        close(fd);
        fd = -1;
    }
    if (fd < 0) {
        close(dirfd);
        return -1;
    }
    pf->fd = fd;
    pf->dirfd = dirfd;
    return 0;
}

int process_pidfile_write(const struct pidfile *pf)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

    if (pf->fd < 0)
        return 0;
    if (ftruncate(pf->fd, 0) == -1 || pwrite(pf->fd, buf, (size_t)n, 0) != n)
        return -1;
    return 0;
}

void process_pidfile_remove(struct pidfile *pf)
{
    if (pf->fd < 0)
        return;
    /* Only the file we locked, not whatever may stand at the path now. */
    if (pidfile_is_ours(pf->dirfd, pf->name, pf->fd))
        unlinkat(pf->dirfd, pf->name, 0);
    close(pf->fd);
    close(pf->dirfd);
    free(pf->name);
    pf->fd = pf->dirfd = -1;
    pf->name = NULL;
}

void process_pidfile_carry(struct carry *c, struct pidfile *pf)
{
    struct pidfile got = PIDFILE_NONE;
    char name[4096] = "";

    if (!carry_enter(c, "pidfile"))
        return;
    if (c->writing) {
        carry_fd(c, "fd", &pf->fd);
        carry_fd(c, "dir", &pf->dirfd);
        carry_str(c, "name", pf->name, strlen(pf->name) + 1);
        carry_leave(c);
        return;
    }
    carry_fd(c, "fd", &got.fd);
    carry_fd(c, "dir", &got.dirfd);
    carry_str(c, "name", name, sizeof(name));
    carry_leave(c);
    if (c->failed || got.fd < 0 || got.dirfd < 0 || !name[0] || !(got.name = strdup(name))) {
        if (got.fd >= 0)
            close(got.fd);
        if (got.dirfd >= 0)
            close(got.dirfd);
        return;
    }
    *pf = got;
}

int process_own_path(char *buf, size_t len)
{
    ssize_t n = readlink("/proc/self/exe", buf, len);

    if (n < 0)
        return -1;
    if ((size_t)n >= len) {
        errno = ENAMETOOLONG;
        return -1;
    }
    buf[n] = '\0';
    return 0;
}

/* The starting process: wait for the daemon's "ready" byte (exit 0) or for
 * every copy of the pipe to close without it (the daemon failed: exit 3). */
static noreturn void daemonize_wait(pid_t child, int fd)
{
    char byte;
    ssize_t n;

    do
        n = read(fd, &byte, 1);
    while (n == -1 && errno == EINTR);
    waitpid(child, NULL, 0); /* the middle process, gone at once */
    _exit(n == 1 ? 0 : 3);
}

int process_daemonize(int *ready_fd)
{
    int pfd[2];

    if (pipe2(pfd, O_CLOEXEC) == -1)
        return -1;
    pid_t pid = fork();
    if (pid == -1)
        return -1;
    if (pid > 0) {
        close(pfd[1]);
        daemonize_wait(pid, pfd[0]);
    }
    close(pfd[0]);
    if (setsid() == -1)
        return -1;
    pid = fork(); /* no longer a session leader: can never reacquire a terminal */
    if (pid == -1)
        return -1;
    if (pid > 0)
        _exit(0);
    if (chdir("/") == -1)
        return -1;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd == -1)
        return -1;
    dup2(fd, 0);
    dup2(fd, 1);
    close(fd);
    *ready_fd = pfd[1]; /* stderr stays the starter's until then, for errors */
    return 0;
}

void process_ready(int *ready_fd)
{
    if (*ready_fd < 0)
        return;
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, 2);
        close(fd);
    }
    ssize_t n = write(*ready_fd, "", 1);
    (void)n; /* a starter that is gone no longer cares */
    close(*ready_fd);
    *ready_fd = -1;
}

/*
 * Every descriptor from 3 on close-on-exec, where close_range cannot say
 * so at once (its CLOSE_RANGE_CLOEXEC came with Linux 5.11): each one
 * /proc/self/fd names (those an upgrade carried can be anywhere up to the
 * hard limit), or, without /proc, every number below the hard limit (at
 * most fs.nr_open, 1M by default: a fraction of a second, once at start).
 * In the daemon at start, not in a spawn child: libc may allocate here.
 */
static void cloexec_from_3(void)
{
    DIR *d = opendir("/proc/self/fd");
    struct dirent *e;
    struct rlimit rl;

    if (d) {
        while ((e = readdir(d)) != NULL) {
            char *end;
            long fd = strtol(e->d_name, &end, 10);
            if (end != e->d_name && *end == '\0' && fd >= 3 && fd <= INT_MAX)
                fcntl((int)fd, F_SETFD, FD_CLOEXEC); /* the folder's own is already */
        }
        closedir(d);
        return;
    }
    rlim_t top = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? rl.rlim_max : 1024;
    for (rlim_t fd = 3; fd < top && fd <= INT_MAX; fd++)
        fcntl((int)fd, F_SETFD, FD_CLOEXEC);
}

void process_sanitize(struct rlimit *inherited_nofile)
{
    struct rlimit rl;

    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) == -1 && errno == EBADF) {
            int n = open("/dev/null", O_RDWR);
            if (n != fd && n >= 0) {
                dup2(n, fd);
                close(n);
            }
        }
    /* Whatever our parent left open must not reach a handler. */
    if (close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) == -1)
        cloexec_from_3();
    /* Connections and handlers need descriptors; the hard limit is ours to take. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        *inherited_nofile = rl;
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
}
