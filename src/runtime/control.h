/*
 * The control socket (SPEC section 9): a unix stream socket at the config's
 * `control` path, served by the reactor like any other watched object.
 * This is its whole API for the rest of the daemon: opening it at start,
 * moving it on reload, answering peers that wait on a reload, closing at
 * exit.  Its deadlines (each peer's, the pause after EMFILE) are timers.
 * The peers (the daemon's side of one client connection, control_peer_*)
 * and the answers are control_peer.c and control_answer.c (control_int.h);
 * the client's side is lib/ctl_client.c.
 */
#ifndef SUPERSERVER_CONTROL_H
#define SUPERSERVER_CONTROL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct server;
struct config;
struct reload_result;
struct carry;

/* A bound, listening socket and the file it made (to remove only ours). */
struct control_sock {
    int fd; /* -1: none */
    char *path;
    dev_t dev;
    ino_t ino;
};

/* What a reload will do with the control socket, decided before its commit point. */
struct control_plan {
    bool change;             /* the path changes (to another one or to none) */
    struct control_sock new; /* the new socket, open; fd -1 for none */
    const struct config *cfg;
};

/*
 * At start, after the listeners: open the socket S->cfg asks for (after an
 * upgrade: keep the carried one, as a reload would).  A path
 * another live daemon answers on is never taken over: with the default path
 * a warning and no socket, with a configured one -1 and one line in ERR
 * (the daemon exits 3).  A stale socket file is replaced.
 */
int control_start(struct server *s, char *err, size_t errlen);

/* Reload: open what CFG asks for when it differs from what we have (or
 * fix the mode and group of the same path at commit).  -1 with ERR: the
 * reload fails, nothing changed. */
int control_prepare(struct server *s, const struct config *cfg, struct control_plan *p, char *err,
                    size_t errlen);
/* Past the reload's commit point: serve the new socket, close the old. */
void control_commit(struct server *s, struct control_plan *p);
/* The reload failed after control_prepare: close and remove the new socket. */
void control_abandon(struct control_plan *p);

/* A reload ran (server.c): answer every client waiting for one. */
void control_reload_done(struct server *s, const struct reload_result *r);
/* An upgrade is over (upgrade.c, in the old image or the new): answer
 * every client waiting for one, `upgrade ok ...` or ERROR (NULL: ok). */
void control_upgrade_done(struct server *s, const char *error);

/*
 * Across an upgrade (carry.h): the socket, its file's identity, and the
 * clients parked on a reload or an upgrade (others are cut: a request or
 * an answer under way).  Read before control_start, which then keeps the
 * carried socket as a reload would; the clients wait for the turn to
 * answer them.
 */
void control_carry(struct carry *c, struct server *s);
/* The descriptor of a client waiting for an upgrade, or -1 (the new image
 * answers it even when it cannot read the record). */
int control_upgrade_client(const struct server *s);
/* The client that asked for the upgrade, on FD, when the new image could
 * not read the carried state: it waits for control_upgrade_done. */
void control_adopt_waiting(struct server *s, int fd);

/* At exit: close the clients and the socket, remove its file. */
void control_free(struct server *s);

#endif
