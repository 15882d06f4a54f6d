/*
 * The daemon's one context, owned by main and passed down: types only.
 * Each group of fields says which file writes it; everything else only
 * reads (a timer is armed only by the file named beside it).  The only
 * mutable state of the running daemon besides what a module documents it
 * must keep.  Everything else hangs from here: the listeners and what their
 * modes hang on them (wait slots, pools), the services' states, the live
 * handlers, the control peers, the PROXY queues; every deadline is a timer
 * embedded in one of these, on loop.timers.
 */
#ifndef SUPERSERVER_CONTEXT_H
#define SUPERSERVER_CONTEXT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>

#include "children.h"
#include "config.h"
#include "listener.h"
#include "loop.h"
#include "spawn.h"
#include "svc_state.h"

struct stderr_reader;
struct spawner_proc;
struct control;
struct proxy_queue;
struct inetd_watch;
struct exit_waiter;
struct aux_child;
struct upgrade;
struct upgrade_inherited;
struct pidfile;

struct server {
    /* activate.c: the active config, its services' state, the sockets */
    struct config *cfg;
    const char *config_path;
    struct config_options cfg_opts;
    struct svc_state **states; /* parallel to cfg->services; NULL when disabled */
    struct listener **listeners;
    size_t n_listeners;
    struct listener_registry listeners_shared; /* listener.c: inherited sockets, unix files */

    /* server.c: the loop (its events and timers), the signal pipe, what
     * signals asked for (acted on after the event batch), the reload */
    struct loop loop;
    struct ev sig_ev;
    bool stopping;
    bool status_pending;
    int resize_pending;  /* SIGTTIN minus SIGTTOU not yet applied */
    struct timer reload; /* armed by reload.c (reload_request) only */

    /* inetd_watch.c: the watch of inetd_conf's folder; NULL when none */
    struct inetd_watch *inetd;

    /* handler.c, reap.c: live handlers */
    struct spawner spawner;
    struct children children;
    unsigned live_total;
    struct exit_waiter *exit_waiters; /* handler.c: waiting for room (handler.h) */
    int devnull;
    struct stderr_reader *readers; /* stderr_log.c: `stderr = log` pipes being read */
    struct ev child_ev;            /* reap.c: SIGCHLD's signalfd */
    void (*reaped)(struct server *s, struct child *c, int status); /* reap.c: handler_reaped */
    struct timer reap_sweep; /* reap.c: the waitpid(-1) sweep, when one is due */
    uint64_t last_reap_ns;   /* when the last sweep ran (paced, see reap.c) */
    struct aux_child *aux;   /* aux_child.c: children that are not handlers */

    /* main: the daemon's own program (its path at start: what an upgrade
     * runs), its arguments, its pidfile (NULL: none) */
    const char *self_path;
    char **argv;
    struct pidfile *pidfile;

    /* upgrade.c: the upgrade under way, or NULL; upgrade_restore.c: what the
     * last one handed over (main's, until ready), the services it carried
     * until the first activation takes them by name; upgrades done */
    struct upgrade *upgrade;
    struct upgrade_inherited *inherited;
    struct svc_state **carried;
    size_t n_carried;
    uint64_t upgrades;
    uint64_t paused_ns; /* when the last upgrade stopped serving (its reload, its exec) */

    /* spawner.c: the confined services' spawners, current and retiring, and
     * those with connections handed over and not answered yet */
    struct spawner_proc *spawners;
    struct spawner_proc *spawners_busy;

    /* server.c: reload outcomes, when the daemon started */
    uint64_t reloads_ok, reloads_error;
    uint64_t start_ns;          /* monotonic (clock_now_ns) */
    uint64_t start_realtime_ns; /* CLOCK_REALTIME, for superserver_start_time_seconds */

    /* control.c: the control socket and its peers; NULL when there is none */
    struct control *control;
    /* proxy_pending.c: services with connections waiting for a PROXY header */
    struct proxy_queue *proxy_queues;

    /* refusals.c: services with refusals counted, not yet reported, and
     * the timer that reports them when the second ends */
    struct svc_state **refusing;
    size_t n_refusing, cap_refusing;
    struct timer refusals_due;

    /* warnings a flood would repeat, logged at most once a second */
    uint64_t fd_exhausted_until; /* accept.c: "accept paused" */
    uint64_t stderr_lost_until;  /* handler.c: "handler stderr to /dev/null" */
    uint64_t spawn_failed_until; /* handler.c: "cannot start a handler" */
};

#endif
