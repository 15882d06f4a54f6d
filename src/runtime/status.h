/*
 * What the daemon is doing, as rows: one for the daemon, one per service,
 * one per live handler.  The same rows serve the SIGUSR1 dump (key=value
 * event lines in the log) and the control socket's `status` and `handlers`
 * (text, the same key=value rows, or JSON).
 */
#ifndef SUPERSERVER_STATUS_H
#define SUPERSERVER_STATUS_H

#include <stdint.h>

struct server;
struct svc_state;
struct child;
struct outbuf;
struct json_out;

/* "pid=N version=V uptime_s=N live=N services=N" (no newline). */
void status_daemon_text(struct outbuf *ob, const struct server *s, uint64_t now);
/* The same as members of the current JSON object. */
void status_daemon_json(struct json_out *j, const struct server *s, uint64_t now);

/* "service=NAME mode=M state=running|paused|draining listen=A,B sockets=N live=N accepted=N
 * refused=N [refused_REASON=N...] failed=N" (no newline); STATE must still be in service. */
void status_service_text(struct outbuf *ob, const struct server *s, const struct svc_state *state);
/* The same as one JSON object. */
void status_service_json(struct json_out *j, const struct server *s, const struct svc_state *state);

/* "service=NAME pid=N peer=P age_ms=N" (no newline). */
void status_handler_text(struct outbuf *ob, const struct child *c, uint64_t now);
void status_handler_json(struct json_out *j, const struct child *c, uint64_t now);

/* SIGUSR1: the rows into the log (event=status_daemon, event=status per
 * service, event=handler per live handler). */
void status_dump(struct server *s);

#endif
