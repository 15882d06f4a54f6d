/*
 * Signals through a self-pipe: the handler writes the signal number as one
 * byte into a non-blocking pipe and does nothing else; the loop reads the
 * bytes and does the work.
 */
#ifndef SUPERSERVER_SIGNALS_H
#define SUPERSERVER_SIGNALS_H

#include <signal.h>

/* The signals the daemon catches (the child resets exactly these). */
extern const int signals_caught[];
extern const int signals_caught_count;

/* Reset every disposition to default, ignore SIGPIPE, install the handlers.
 * Returns the pipe's read end (non-blocking, close-on-exec) or -1. */
int signals_init(void);

/* Read pending signal numbers into SIGS (at most MAX); returns how many. */
int signals_drain(int fd, int *sigs, int max);

/* SIGSEGV -> "SEGV".  Numbers without a name come out as digits in BUF. */
const char *signal_name(int sig, char *buf, size_t len);

#endif
