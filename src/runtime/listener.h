/*
 * Listening sockets: opening one for a service's address, applying options
 * in place, deciding on reload whether an existing socket can be kept,
 * closing, watching, pausing (a timer watches it again).  A listener is a
 * socket and its event; the callback it is served through, and what its
 * mode keeps (opaque pointers), are set by activate.c from the service's
 * mode.
 */
#ifndef SUPERSERVER_LISTENER_H
#define SUPERSERVER_LISTENER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "loop.h"
#include "model.h"

struct svc_state;
struct pool;
struct wait_slot;
struct listener;

struct carry;

/* Lets go of what the modes hung on L, when its last reference goes. */
typedef void listener_release_fn(struct listener *l);

struct listener {
    struct ev ev; /* its callback is its mode's: accept.c or wait.c */
    int fd;
    struct listen_addr addr; /* addr.text owned */
    enum svc_protocol protocol;
    enum svc_mode mode;
    struct svc_state *svc_state;
    unsigned refs;  /* the daemon's table, each child handed it, each PROXY connection */
    bool closed;    /* fd closed: dropped by a reload while a child still refers to it */
    bool held;      /* the operator's pause or drain (hold.c): never watched until resumed */
    bool drained;   /* the kernel refuses its connections (listener_drain) */
    bool inherited; /* passed by systemd (LISTEN_FDS): this daemon cannot make it again */
    bool unlink_on_close;
    dev_t path_dev; /* the unix socket file bound (unlink_on_close) */
    ino_t path_ino;
    struct listener_registry *registry; /* whose unix_bound list holds it, or NULL */
    struct listener *unix_next;
    struct sock_opts opts; /* the options the socket has now */
    struct timer resume;   /* armed while paused (EMFILE or wait back-off) */
    /* What a mode hangs on the socket, opaque here: set up by activate.c,
     * which also sets RELEASE; they last as long as the listener, since a
     * child that was handed the socket holds a reference. */
    struct wait_slot *wait; /* wait.c: the handler holding it, its back-off */
    struct pool *pool;      /* pool.c: prefork workers */
    listener_release_fn *release;
};

/*
 * What the listeners share, owned by the context: sockets inherited through
 * systemd socket activation (LISTEN_FDS), or from an upgrade whose record
 * could not be read, until a listener adopts them by address (-1 once taken), and the unix socket
 * files this daemon bound and still references, so that a reload needing a new socket at the same
 * path (socket_mode changed) does not take the old one, still accepting in a wait handler or a pool
 * worker, for another program's.
 */
struct listener_registry {
    int *inherited;
    size_t n_inherited, cap_inherited;
    struct listener *unix_bound; /* linked by unix_next */
};

/* Inherited sockets (systemd socket activation) to adopt by address. */
void listener_adopt_init(struct listener_registry *reg);
/* One more inherited socket FD to adopt by address (closed when none does). */
void listener_adopt_add(struct listener_registry *reg, int fd);
/* Close inherited sockets no listener adopted. */
void listener_adopt_done(struct listener_registry *reg);

/* Describe a fresh listener L on FD (-1: closed): its event, its pause
 * timer, one reference. */
void listener_init(struct listener *l, int fd);
/* Open (bind, listen) or adopt a socket for A of SVC.  NULL with a reason in err. */
struct listener *listener_open(const struct service *svc, const struct listen_addr *a,
                               struct listener_registry *reg, char *err, size_t errlen);
/* Can L serve address A of SVC without a new socket? */
bool listener_reusable(const struct listener *l, const struct service *svc,
                       const struct listen_addr *a);
/* Apply backlog, keepalive, nodelay of SVC to the open socket. */
void listener_update(struct listener *l, const struct service *svc);
/* Close the socket now (removing its unix path when we own it); free when unreferenced. */
void listener_close(struct listener *l);
/* Bound to one IP address (not a wildcard, any-address or unix): every
 * connection's local address is then the bound one. */
bool listener_bound_to_one_address(const struct listener *l);
void listener_unref(struct listener *l);

/* Across an upgrade (carry.h): L's socket and what it was opened with. */
void listener_carry(struct carry *c, struct listener *l);
/* A listener of what listener_carry reads, one reference, its socket open
 * (none when it was closed: then closed), not watched, no mode state, no
 * service yet; NULL when C failed or it makes no sense. */
struct listener *listener_carried(struct carry *c, struct listener_registry *reg);
/*
 * Drain (listener_drain.c): make the kernel refuse L's new connections, on
 * the socket itself (every handler holding it shares it): tcp leaves LISTEN
 * (shutdown SHUT_RD: what the queue held is reset), a datagram socket is
 * connected to its own address (other senders get ECONNREFUSED, or EPERM
 * on a unix one), a unix stream socket is shut down.  -1 with ERR.
 */
int listener_drain(struct listener *l, char *err, size_t errlen);
/* Undo it: tcp listens again, a datagram socket is disconnected, a unix
 * stream socket (which never listens again) is replaced by a new one at
 * its path (listener_reopen).  0; 1 when L has a new socket (handlers hold
 * the old); -1 with ERR. */
int listener_undrain(struct listener *l, struct listener_registry *reg, char *err, size_t errlen);
/* Is L's socket drained already (a socket passed to this daemon)?  Sets
 * L->drained from what the socket shows. */
void listener_drain_detect(struct listener *l);
/* A new socket at L's unix path in place of L's own, which is closed.
 * 0, or -1 with ERR (L keeps its socket). */
int listener_reopen(struct listener *l, struct listener_registry *reg, char *err, size_t errlen);

/* Serve L's connections through READY (with CTX) when it is watched. */
void listener_serve_with(struct listener *l, ev_ready_fn *ready, void *ctx);
/* Watch L (unless closed or held) or stop watching it; a pending resume is
 * dropped either way. */
void listener_watch(struct loop *lp, struct listener *l, bool on);
/* Stop watching L until UNTIL (EMFILE, or a wait handler's back-off): its
 * resume timer watches it again then. */
void listener_pause(struct loop *lp, struct listener *l, uint64_t until);

#endif
