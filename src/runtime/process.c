/* Pidfile, daemonizing and process hygiene (see process.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "process.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static int pidfile_fd = -1;
static char *pidfile_path;

/* Is the existing pidfile held by a live instance?  Returns its fd when stale-free to take. */
static int pidfile_try_existing(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW);
    if (fd == -1)
        return errno == ENOENT ? -2 : -1;
    if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
        char buf[32] = "";
        ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
        buf[n > 0 ? n : 0] = '\0';
        buf[strcspn(buf, "\n")] = '\0';
        snprintf(err, errlen, "pidfile %s is locked by a running instance%s%s%s", path,
                 buf[0] ? " (pid " : "", buf, buf[0] ? ")" : "");
        close(fd);
        return -3;
    }
    return fd; /* stale: nobody holds it */
}

int pidfile_acquire(const char *path, char *err, size_t errlen)
{
    for (int tries = 0; tries < 3; tries++) {
        int fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
        if (fd >= 0) {
            if (flock(fd, LOCK_EX | LOCK_NB) == -1) {
                close(fd);
                continue; /* someone raced us to it */
            }
            pidfile_fd = fd;
            pidfile_path = strdup(path);
            return 0;
        }
        if (errno != EEXIST)
            break;
        fd = pidfile_try_existing(path, err, errlen);
        if (fd == -3)
            return -1;
        if (fd >= 0) {
            /* A stale file of a dead process: take it over, lock already held. */
            pidfile_fd = fd;
            pidfile_path = strdup(path);
            return 0;
        }
    }
    snprintf(err, errlen, "cannot create pidfile %s: %s", path, strerror(errno));
    return -1;
}

int pidfile_write(void)
{
    char buf[32];
    int n = snprintf(buf, sizeof(buf), "%ld\n", (long)getpid());

    if (pidfile_fd < 0)
        return 0;
    if (ftruncate(pidfile_fd, 0) == -1 || pwrite(pidfile_fd, buf, (size_t)n, 0) != n)
        return -1;
    return 0;
}

void pidfile_remove(void)
{
    if (pidfile_fd < 0)
        return;
    unlink(pidfile_path);
    close(pidfile_fd);
    free(pidfile_path);
    pidfile_fd = -1;
    pidfile_path = NULL;
}

int daemonize(void)
{
    pid_t pid = fork();
    if (pid == -1)
        return -1;
    if (pid > 0)
        _exit(0);
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
    dup2(fd, 2);
    close(fd);
    return 0;
}

void daemon_sanitize_process(struct rlimit *inherited_nofile)
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
        for (int fd = 3; fd < 1024; fd++)
            fcntl(fd, F_SETFD, FD_CLOEXEC);
    /* Connections and handlers need descriptors; the hard limit is ours to take. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        *inherited_nofile = rl;
        if (rl.rlim_cur < rl.rlim_max) {
            rl.rlim_cur = rl.rlim_max;
            setrlimit(RLIMIT_NOFILE, &rl);
        }
    }
}
