/*
 * Asking for a reload.  SIGHUP (server.c), the control socket's `reload`
 * (control_answer.c) and a changed inetd_conf (inetd_watch.c) all ask the
 * same way: the one timer server.reload, due at once, which fires in the
 * turn after the event batch (a reload frees listeners that later events of
 * a batch may still point to); server.c runs the reload.  A module of its
 * own so that those three can ask without including what the reload uses.
 */
#ifndef SUPERSERVER_RELOAD_H
#define SUPERSERVER_RELOAD_H

struct server;

/* Reload in this turn, after the event batch (asking twice reloads once). */
void reload_request(struct server *s);

#endif
