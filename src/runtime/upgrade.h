/*
 * Live upgrade in place (SPEC section 13).  The old image checks the binary
 * now at the daemon's own path with `-t` in a child the loop watches (it
 * keeps serving meanwhile), then re-executes it with the same pid: its whole
 * state goes over as one carried record (carry.h) in a memfd, with the
 * descriptors the record names (close-on-exec is cleared on those only),
 * all signals blocked across the exec.  The new image reads and checks the
 * record before it opens anything, puts the state back and activates the
 * config read afresh, as a reload would; when the record cannot be read it
 * says why and starts from the config with the inherited listening
 * sockets, never with the ports closed.
 */
#ifndef SUPERSERVER_UPGRADE_H
#define SUPERSERVER_UPGRADE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "activate.h"
#include "carry.h"

struct server;
struct pidfile;
struct listener_registry;

/* ---- the old image */

/*
 * Start an upgrade (SIGUSR2, the control socket's `upgrade`): the check
 * of the new binary runs; its outcome, then the exec, follow in later
 * turns.  -1 with one line in ERR when none starts: one is already under
 * way ("busy"), or the binary is missing or not executable (logged
 * event=upgrade result=error).
 */
int upgrade_start(struct server *s, char *err, size_t errlen);
/* Does an upgrade wait for the next reload (its check passed)? */
bool upgrade_waits_for_reload(const struct server *s);
/* A reload ran (server.c): the exec, when an upgrade waits for it (the
 * check passed), or the upgrade fails with the reload's error. */
void upgrade_reloaded(struct server *s, const struct reload_result *r);
/* At exit: give up an upgrade under way. */
void upgrade_free(struct server *s);

/* ---- the new image */

/* What an upgrade handed over, owned by main until the new image is ready. */
struct upgrade_inherited {
    bool active;   /* this image was started by an upgrade */
    bool readable; /* the record was read and checked whole */
    char why[400]; /* !readable: why not */
    unsigned char *record;
    size_t len;
    struct carry carry;
    int *listen_fds; /* the listening sockets, named apart from the record */
    size_t n_listen;
    int client_fd;       /* the client that asked, or -1 */
    char *proxy_pending; /* "SERVICE:N,...": the PROXY connections, named apart from the record */
    char old_version[64];
    uint64_t paused_ns; /* when the old image stopped serving (the reload before its exec) */
    unsigned handlers;  /* carried and placed */
    struct reload_result activated; /* the first activation, for clients parked on a reload */
};

/*
 * The first thing main does: read what the environment names (and take it
 * out of the environment), read the record and check it whole (carry.h).
 * Nothing is opened.  When the record cannot be used, every inherited
 * descriptor but the listening sockets and the asking client is closed.
 */
void upgrade_inherit(struct upgrade_inherited *u);
/* The pidfile the old image held (its lock with it): true when PF got it. */
bool upgrade_inherited_pidfile(struct upgrade_inherited *u, struct pidfile *pf);
/* The record unusable: the listening sockets are adopted by address, as
 * socket activation's are. */
void upgrade_inherited_sockets(struct upgrade_inherited *u, struct listener_registry *reg);
/* server_start, before the first activation: put the carried state back
 * (services by name, sockets, handlers with their deadlines, pools, wait
 * slots, stderr pipes, PROXY connections, the control socket and its
 * waiting clients).  A part that cannot be placed is left out, logged. */
void upgrade_restore(struct server *s);
/* After the first activation: what was carried and not taken by name goes
 * (reaped and logged as a reload's leftovers are). */
void upgrade_restored(struct server *s);
/* The new image is ready: log event=upgrade, answer the clients, READY=1. */
void upgrade_finish(struct server *s);
void upgrade_inherited_free(struct upgrade_inherited *u);

#endif
