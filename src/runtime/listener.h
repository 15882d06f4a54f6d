/*
 * Listening sockets: opening one for a service's address, applying options
 * in place, deciding on reload whether an existing socket can be kept, and
 * closing.  Knows nothing of the loop beyond the tag it carries.
 */
#ifndef SUPERSERVER_LISTENER_H
#define SUPERSERVER_LISTENER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "model.h"
#include "wait_mark.h"

/* What epoll's data.ptr points at: every watched object starts with this. */
enum ev_kind { EV_SIGNAL, EV_CHILD, EV_LISTENER, EV_STDERR };
struct ev_source {
    enum ev_kind kind;
};

struct svc_rt;

struct listener {
    struct ev_source ev;
    int fd;
    struct listen_addr addr; /* addr.text owned */
    enum svc_protocol protocol;
    enum svc_mode mode;
    struct svc_rt *rt;
    unsigned refs; /* the daemon's table, plus each wait/prefork child handed it */
    bool watched;  /* registered in epoll */
    bool closed;   /* fd closed: dropped by a reload while a child still refers to it */
    bool unlink_on_close;
    dev_t path_dev; /* the unix socket file bound (unlink_on_close) */
    ino_t path_ino;
    struct listener *unix_next; /* listener.c's list of those files */
    struct sock_opts opts;      /* the options the socket has now */
    /* wait mode: the handler that holds it, and back-off of fast exits */
    pid_t wait_pid;
    struct wait_mark wait_mark; /* its queue when handed over */
    unsigned fast_exits;
    uint64_t resume_ns; /* not watched until then (EMFILE or wait back-off) */
    /* prefork: live workers by index (0 = free slot) */
    pid_t *workers;
    unsigned n_worker_slots;
    unsigned worker_target;
};

/* Inherited sockets (systemd socket activation) to adopt by address. */
void listener_adopt_init(void);
/* Close inherited sockets no listener adopted. */
void listener_adopt_done(void);

/* Open (bind, listen) or adopt a socket for A of SVC.  NULL with a reason in err. */
struct listener *listener_open(const struct service *svc, const struct listen_addr *a, char *err,
                               size_t errlen);
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

#endif
