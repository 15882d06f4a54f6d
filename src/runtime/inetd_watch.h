/*
 * Watching the `inetd_conf` file, so that update-inetd works without a
 * signal: inotify on the file's folder (an atomic rename onto the file
 * counts, and so do its creation and removal), an ordinary watched object
 * of the reactor.  A change asks for a reload (reload.h) 200 ms after the
 * last event, a timer (so a burst of writes is one reload).
 */
#ifndef SUPERSERVER_INETD_WATCH_H
#define SUPERSERVER_INETD_WATCH_H

#include <stdint.h>

struct server;
struct config;

/* Quiet time after the last event before the reload, and the longest a
 * stream of events may put it off. */
#define INETD_WATCH_DEBOUNCE_NS  (200 * 1000000ULL)
#define INETD_WATCH_MAX_DELAY_NS (2000 * 1000000ULL)

/* After each activation: watch s->cfg->inetd_conf's folder (the same one
 * kept as it is), or nothing when the config has none.  A watch that cannot
 * be set up is logged: then only SIGHUP reloads. */
void inetd_watch_sync(struct server *s);
/* Stop watching and let go. */
void inetd_watch_close(struct server *s);

/* Log what loading CFG's inetd_conf skipped, one warning a line. */
void inetd_watch_report(const struct config *cfg);

#endif
