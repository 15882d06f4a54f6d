/*
 * Running as a system daemon: the pidfile (created with O_EXCL, held with a
 * lock so a second instance fails, stale ones replaced), detaching from the
 * terminal, and the process-wide start-up chores.
 */
#ifndef SUPERSERVER_PROCESS_H
#define SUPERSERVER_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

/* Create and lock PATH.  -1 with a message in err; *running_pid set when locked by another. */
int pidfile_acquire(const char *path, char *err, size_t errlen);
/* Write our (final) pid into the locked pidfile. */
int pidfile_write(void);
void pidfile_remove(void);

/* Double fork, setsid, chdir /, stdio to /dev/null.  Returns in the daemon only. */
int daemonize(void);

/* fds 0-2 open (on /dev/null if closed), everything else close-on-exec,
 * RLIMIT_NOFILE raised to its hard limit (what it was is kept in
 * INHERITED_NOFILE, for handlers). */
struct rlimit;
void daemon_sanitize_process(struct rlimit *inherited_nofile);

#endif
