/*
 * Running as a system daemon: the pidfile (a regular file opened without
 * following symlinks or blocking, held with a lock so a second instance
 * fails, stale ones taken over), detaching from the terminal with the
 * starting process waiting until the daemon is ready, and the process-wide
 * start-up chores.
 */
#ifndef SUPERSERVER_PROCESS_H
#define SUPERSERVER_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

/* The pidfile, owned by main: its lock-holding fd, the folder it is in (so
 * a relative path still works after chdir("/") and unlinkat never follows a
 * new path) and its name there.  {-1, -1, NULL} when there is none. */
struct pidfile {
    int fd, dirfd;
    char *name;
};
#define PIDFILE_NONE                                                                               \
    {                                                                                              \
        -1, -1, NULL                                                                               \
    }

/* Open and lock PATH (created if missing).  -1 with a message in err when it
 * is locked by a running instance or is not a regular file (a FIFO, a
 * directory, a symlink); such a path is never written nor removed. */
int process_pidfile_acquire(struct pidfile *pf, const char *path, char *err, size_t errlen);
/* Write our (final) pid into the locked pidfile. */
int process_pidfile_write(const struct pidfile *pf);
/* Remove the pidfile, if the path still names the file we locked. */
void process_pidfile_remove(struct pidfile *pf);
/* Across an upgrade (carry.h): the locked descriptor (its lock goes with
 * it), its folder and its name; reading fills PF (PIDFILE_NONE before),
 * left as it was when the record has none. */
struct carry;
void process_pidfile_carry(struct carry *c, struct pidfile *pf);

/* Double fork, setsid, chdir /, stdin and stdout to /dev/null.  Returns in
 * the daemon only; the starting process waits until process_ready() (then
 * exits 0) or until the daemon dies first (exit 3).  stderr stays the
 * starter's until then, so start-up errors still reach it.  *READY_FD is the
 * pipe to the starter, for process_ready. */
int process_daemonize(int *ready_fd);
/* Start-up is complete (pidfile written, sockets open): stderr goes to
 * /dev/null and the starting process exits 0.  Nothing in the foreground. */
void process_ready(int *ready_fd);

/* The daemon's own program, as the kernel names it now (never argv[0]):
 * at start, before a package can replace the file.  -1 with errno. */
int process_own_path(char *buf, size_t len);

/* fds 0-2 open (on /dev/null if closed), everything else close-on-exec,
 * RLIMIT_NOFILE raised to its hard limit (what it was is kept in
 * INHERITED_NOFILE, for handlers). */
struct rlimit;
void process_sanitize(struct rlimit *inherited_nofile);

#endif
