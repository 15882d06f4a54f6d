/*
 * The daemon's one context, owned by main and passed down: the active
 * config, its runtime per service, the listeners, the children and the
 * loop's descriptors.  The only mutable state of the running daemon.
 */
#ifndef SUPERSERVER_SERVER_H
#define SUPERSERVER_SERVER_H

#include <stdbool.h>
#include <stdint.h>

#include "admit.h"
#include "children.h"
#include "config.h"
#include "listener.h"
#include "refuse.h"
#include "spawn.h"
#include "timers.h"

/* Runtime of one service, kept by name across reloads while anything refers to it. */
struct stderr_reader;

/* Past this many live handlers, reaping avoids waitpid(-1) sweeps (loop.c). */
#define REAP_PACED_FROM 512

struct svc_rt {
    char *name;
    const struct service *svc; /* in the active config; NULL once the service is gone */
    struct exec_plan plan;
    struct admit_state *admit;
    struct refuse_summary refusals;
    bool refusals_listed; /* in server.refusing */
    uint64_t accepted, refused, failed;
    unsigned refs; /* the active config + each child + listed in refusing */
    /* prefork: young deaths in a row and when the next spawn may happen */
    unsigned worker_fast_exits;
    uint64_t worker_resume_ns;
};

struct server {
    struct config *cfg;
    const char *config_path;
    struct config_options cfg_opts;
    int epfd;
    int sigfd;
    int childfd; /* SIGCHLD's signalfd (see signals.h) */
    struct ev_source child_ev;
    int devnull;
    struct ev_source sig_ev;

    struct svc_rt **rts; /* parallel to cfg->services */
    struct listener **listeners;
    size_t n_listeners;
    struct svc_rt **refusing; /* services with refusals counted, not yet reported */
    size_t n_refusing, cap_refusing;

    struct stderr_reader *readers; /* `stderr = log` pipes being read */
    struct children children;
    struct timer_heap timers;
    unsigned live_total;
    bool reap_due;         /* SIGCHLD seen, waitpid sweep pending */
    uint64_t last_reap_ns; /* when the last sweep ran (sweeps are paced, see loop.c) */
    bool stopping;
    bool reload_pending, status_pending; /* asked by a signal, done after the event batch */
    int resize_pending;                  /* SIGTTIN minus SIGTTOU not yet applied */
    bool any_paused;                     /* some listener waits for resume_ns */
    bool pool_check;                     /* some prefork pool may be short of workers */
    uint64_t fd_exhausted_until;         /* "accept paused" logged at most once a second */
    uint64_t stderr_lost_until;          /* likewise "handler stderr to /dev/null" */
    uint64_t spawn_failed_until;         /* and "cannot start a handler" */
};

/* handler.c: starting and reaping handlers */
void handler_accept(struct server *s, struct listener *l);
void handler_start_wait(struct server *s, struct listener *l);
void handler_fill_pools(struct server *s);
void handler_reap(struct server *s);
void handler_reap_signalled(struct server *s);
void handler_after_spawn(struct server *s);
void handler_exec_failed(pid_t pid, const char *step, int err, void *server);
void handler_timeouts(struct server *s, uint64_t now);
void handler_resize_pools(struct server *s, int delta);
void handler_stop_workers(struct server *s);
struct child *handler_launch_worker(struct server *s, struct listener *l, int index);
uint64_t backoff_delay(unsigned streak);

/* refusals.c: counting and logging refusals (summarised per second) */
void refusals_record(struct server *s, struct svc_rt *rt, enum admit_verdict why, const char *peer);
void refusals_flush(struct server *s, uint64_t now);

/* pool.c: prefork pools */
void pool_worker_exited(struct server *s, struct listener *l, struct child *c, bool young,
                        uint64_t now);
void pool_set_target(struct server *s, struct listener *l, unsigned target);
void pool_retire(struct listener *l);
bool pool_pending(const struct server *s);

/* activate.c: putting a config into service (start and reload) */
struct activation_stats {
    unsigned kept, opened, closed;
};
int server_activate(struct server *s, struct config *cfg, struct activation_stats *st, char *err,
                    size_t errlen);
void server_reload(struct server *s);
void server_release(struct server *s);

/* svc_state.c: a service's runtime, counted references */
struct svc_rt *svc_rt_new(const char *name);
void svc_rt_destroy(struct svc_rt *rt);
void svc_rt_unref(struct svc_rt *rt);

/* loop.c */
int loop_init(struct server *s);
int loop_run(struct server *s);
void loop_watch(struct server *s, struct listener *l, bool on);
int loop_add_stderr(struct server *s, struct ev_source *ev, int fd);
int loop_watch_children(struct server *s);
void loop_del_stderr(struct server *s, int fd);

/* status.c */
void status_dump(struct server *s);

#endif
