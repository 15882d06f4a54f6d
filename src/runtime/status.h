/* SIGUSR1: one line per service and one per live handler, into the log. */
#ifndef SUPERSERVER_STATUS_H
#define SUPERSERVER_STATUS_H

struct server;

void status_dump(struct server *s);

#endif
