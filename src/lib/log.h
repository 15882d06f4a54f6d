/*
 * Logging in the OpenBSD manner, to stderr or syslog (facility daemon).
 * Event lines are key=value pairs: log_event("event=start service=%s", ...).
 * log_warn appends strerror(errno); fatal/fatalx never return.
 */
#ifndef SUPERSERVER_LOG_H
#define SUPERSERVER_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdnoreturn.h>

#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))

enum log_dest { LOG_DEST_STDERR, LOG_DEST_SYSLOG };

void log_init(enum log_dest dest, bool verbose);
void log_set_verbose(bool verbose);
bool log_is_verbose(void);
/* Collect stderr lines and write them out at log_flush (the loop does, once a
 * turn); turning it off flushes.  Syslog lines are never held. */
void log_set_buffered(bool on);
void log_flush(void);

/*
 * Each line has a syslog priority: it goes to syslog(3) with it and, on
 * stderr, as a "<N>" prefix when stderr is the journal (JOURNAL_STREAM
 * names stderr's device:inode, as systemd sets it), so journalctl -p
 * filters either way; on a terminal or in a pipe no prefix.
 */

/* One key=value event line at info level / debug level (only with -v). */
void log_event(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_debug(const char *fmt, ...) LOG_PRINTF(1, 2);
/* The same at notice level (refusals) / err level (a failed reload, exec or
 * bind). */
void log_event_notice(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_event_err(const char *fmt, ...) LOG_PRINTF(1, 2);

/* A problem: "event=warning message=\"...: strerror\"" / without strerror. */
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warnx(const char *fmt, ...) LOG_PRINTF(1, 2);
/* "event=error message=\"...\"" at err level: something is not served. */
void log_errorx(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatal(const char *fmt, ...) LOG_PRINTF(1, 2);
noreturn void fatalx(const char *fmt, ...) LOG_PRINTF(1, 2);

/*
 * VALUE as a log value: unchanged when it is printable UTF-8 without space,
 * quote, backslash or '=', else in double quotes with \" \\ \t, \uXXXX for
 * C1 controls and U+2028/U+2029, and \xNN for every other control byte and
 * every byte that is not valid UTF-8.  An escape takes at most 4 bytes per
 * input byte, so LEN = 4 * strlen + 3 always holds all of it.  Returns BUF.
 */
const char *log_quote(const char *value, char *buf, size_t len);
/* The same for VLEN bytes that may contain NULs (escaped as \x00). */
const char *log_quote_mem(const char *value, size_t vlen, char *buf, size_t len);

#endif
