/*
 * Signals through a self-pipe: the handler writes the signal number as one
 * byte into a non-blocking pipe and does nothing else; the loop reads the
 * bytes and does the work.
 */
#ifndef SUPERSERVER_SIGNALS_H
#define SUPERSERVER_SIGNALS_H

#include <signal.h>
#include <sys/types.h>

/* The signals the daemon catches with a handler (the child resets exactly these). */
extern const int signals_caught[];
extern const int signals_caught_count;

/* Block the caught signals and SIGCHLD: the first thing main does, so a
 * SIGHUP or SIGTERM during start-up (config load, binding) stays pending
 * instead of killing the daemon with the default action.  signals_init
 * installs the handlers and unblocks them, and the loop then acts on them. */
void signals_hold(void);

/* Reset every disposition to default, ignore SIGPIPE, install the handlers.
 * Returns the pipe's read end (non-blocking, close-on-exec) or -1. */
int signals_init(void);

/*
 * SIGCHLD is the one signal read from a signalfd instead of the self-pipe:
 * its siginfo names the child, and waitpid(pid) costs O(1) where
 * waitpid(-1) walks every live child in the kernel.  SIGCHLD does not queue,
 * so notices that coalesced are caught by a waitpid(-1) sweep (reap.c).
 * Open the fd in the process that reads it: readiness does not survive a fork.
 */
int signals_open_childfd(void);
/* Pids named by the queued SIGCHLDs, at most MAX; 0 when none. */
int signals_read_exits(int fd, pid_t *pids, int max);

/* Read pending signal numbers into SIGS (at most MAX); returns how many. */
int signals_drain(int fd, int *sigs, int max);

/* SIGSEGV -> "SEGV".  Numbers without a name come out as digits in BUF. */
const char *signals_name(int sig, char *buf, size_t len);

#endif
