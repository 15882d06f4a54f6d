/*
 * The daemon's turn: wait on the reactor until the earliest deadline, then
 * do what may free what later events of a batch point to (resizes and
 * status dumps asked by signals), then fire the timers that are due (every
 * deadline is one, embedded in what it times: a reload asked for, handler
 * timeouts, paused listeners, pool refills, control clients, PROXY headers,
 * the inetd_conf debounce, reaping sweeps, refusal summaries).  Also
 * setting the whole context up, running a reload, and tearing it down.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "activate.h"
#include "aux_child.h"
#include "clock.h"
#include "control.h"
#include "handler.h"
#include "inetd_watch.h"
#include "log.h"
#include "pool.h"
#include "proxy_pending.h"
#include "notify.h"
#include "reap.h"
#include "refusals.h"
#include "reload.h"
#include "server.h"
#include "signals.h"
#include "spawner.h"
#include "status.h"
#include "stderr_log.h"
#include "upgrade.h"

/* SIGUSR2: an upgrade, as the control socket's `upgrade` (upgrade.h); a
 * failure is logged there, and so is "busy" here. */
static void server_upgrade(struct server *s)
{
    char err[600];

    if (upgrade_start(s, err, sizeof(err)) == -1 && s->upgrade)
        log_warnx("SIGUSR2: %s", err);
}

/* Note what the signals ask for; acting on it waits for the end of the
 * event batch (server_act; a reload is a timer, fired after the batch too),
 * since a reload frees listeners that later events of the same batch may
 * still point to. */
static void server_signalled(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    int sigs[64];
    int n = signals_drain(ev->fd, sigs, 64);

    (void)events;
    for (int i = 0; i < n; i++) {
        switch (sigs[i]) {
        case SIGHUP:
            reload_request(s);
            break;
        case SIGTERM:
        case SIGINT:
            s->stopping = true;
            loop_stop_batch(&s->loop);
            break;
        case SIGUSR1:
            s->status_pending = true;
            break;
        case SIGUSR2:
            server_upgrade(s);
            break;
        case SIGTTIN:
            s->resize_pending++;
            break;
        case SIGTTOU:
            s->resize_pending--;
            break;
        }
    }
}

/* Load the config file again and activate it (moving the control socket
 * if its path changed), or keep the running state; logged and counted
 * either way, the outcome in *R. */
static void server_reload_config(struct server *s, struct reload_result *r)
{
    char *err = r->error, quoted[1100];
    size_t errlen = sizeof(r->error);
    struct control_plan cp;
    struct config *cfg = config_load(s->config_path, &s->cfg_opts, err, errlen);

    /* Children not yet exec'd may hold copies of sockets it closes (their
     * exec plans stay alive by reference). */
    if (cfg && !spawn_quiesce(&s->spawner)) {
        snprintf(err, errlen, "a handler start is stuck in the kernel; try again later");
        config_free(cfg);
        cfg = NULL;
    }
    if (cfg && control_prepare(s, cfg, &cp, err, errlen) == -1) {
        config_free(cfg);
        cfg = NULL;
    }
    if (cfg && activate_config(s, cfg, &r->st, err, errlen) == -1) {
        control_abandon(&cp);
        config_free(cfg);
        cfg = NULL;
    }
    if (!cfg) {
        s->reloads_error++;
        log_event_err("event=reload result=error error=%s", log_quote(err, quoted, sizeof(quoted)));
        return;
    }
    control_commit(s, &cp);
    spawner_sync(s);     /* a changed plan gets a new spawner */
    inetd_watch_sync(s); /* the inetd_conf key may have come, gone or moved */
    s->reloads_ok++;
    r->ok = true;
    r->services = activate_services(s);
    inetd_watch_report(s->cfg);
    log_event("event=reload result=ok services=%zu kept_sockets=%u opened=%u closed=%u",
              r->services, r->st.kept, r->st.opened, r->st.closed);
    if (s->cfg->n_services == 0)
        log_warnx("no services configured: running idle");
}

/* SIGHUP, the control socket's `reload` or a changed inetd_conf asked for
 * it (reload.h): the timer fires after the event batch. */
static void server_reload(struct timer *t, uint64_t now)
{
    struct server *s = t->ctx;
    struct reload_result r;

    (void)now;
    memset(&r, 0, sizeof(r));
    notify_send("RELOADING=1");
    server_reload_config(s, &r);
    /* An upgrade's exec follows a good reload: its new image says READY=1. */
    if (!r.ok || !upgrade_waits_for_reload(s))
        notify_send("READY=1");
    control_reload_done(s, &r); /* control clients that asked for it */
    proxy_pending_reloaded(s);
    upgrade_reloaded(s, &r); /* the exec, when an upgrade waits for this reload */
}

static void server_act(struct server *s)
{
    for (; s->resize_pending > 0; s->resize_pending--)
        pool_resize_all(s, +1);
    for (; s->resize_pending < 0; s->resize_pending++)
        pool_resize_all(s, -1);
    if (s->status_pending) {
        s->status_pending = false;
        status_dump(s);
    }
}

/* The turn: wait for events until the earliest deadline, act on what
 * signals asked for once the batch is done, fire the timers that are due. */
int server_run(struct server *s)
{
    /* The spawners start with the loop: their handlers must be children of
     * the process that reaps them (after daemonizing), logged where it logs. */
    spawner_sync(s);
    log_set_buffered(true);
    while (!s->stopping) {
        int timeout = loop_timeout_ms(clock_now_ns(), timers_next(&s->loop.timers));
        log_flush(); /* before sleeping: the log is never behind an idle daemon */
        if (loop_wait(&s->loop, timeout) == -1) {
            log_warn("epoll_wait");
            log_set_buffered(false);
            return -1;
        }
        if (s->stopping)
            break;
        server_act(s);
        timers_run(&s->loop.timers, clock_now_ns());
    }
    log_set_buffered(false);
    return 0;
}

int server_start(struct server *s, struct config *cfg, const struct rlimit *handler_nofile,
                 char *err, size_t errlen)
{
    struct activation_stats st;
    struct timespec wall;
    int sigfd;

    s->start_ns = clock_now_ns();
    clock_gettime(CLOCK_REALTIME, &wall);
    s->start_realtime_ns = (uint64_t)wall.tv_sec * NSEC_PER_SEC + (uint64_t)wall.tv_nsec;
    s->loop.epfd = -1;
    s->child_ev.fd = -1;
    children_init(&s->children);
    s->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (s->devnull == -1 || (sigfd = signals_init()) == -1 ||
        spawn_init(&s->spawner, handler_nofile, handler_exec_failed, s) == -1 ||
        loop_init(&s->loop) == -1) {
        snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
        return -1;
    }
    loop_ev_set(&s->sig_ev, sigfd, server_signalled, s);
    timer_set(&s->reload, server_reload, s);
    if (loop_watch(&s->loop, &s->sig_ev, EPOLLIN) == -1) {
        snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
        return -1;
    }
    bool upgraded = s->inherited && s->inherited->readable;
    if (upgraded)
        upgrade_restore(s); /* before the activation takes it over */
    if (activate_config(s, cfg, &st, err, errlen) == -1)
        return -1;
    if (upgraded) {
        s->inherited->activated.ok = true;
        s->inherited->activated.services = activate_services(s);
        s->inherited->activated.st = st;
        upgrade_restored(s);
    }
    inetd_watch_sync(s);
    return 0;
}

int server_watch_children(struct server *s)
{
    return reap_watch(s, handler_reaped);
}

/* Handlers still running keep their service's state alive; at exit we let go. */
static void child_forget(struct child *c, void *ctx)
{
    (void)ctx;
    if (c->listener)
        listener_unref(c->listener);
    svc_state_unref(c->svc_state);
}

void server_free(struct server *s)
{
    upgrade_free(s);
    control_free(s);
    pool_stop_all(s);
    if (!spawn_quiesce(&s->spawner))
        return; /* a child stuck before its exec still reads its slot */
    proxy_pending_close_all(s);
    spawner_close_all(s);
    activate_release(s);
    stderr_log_close_all(s);
    inetd_watch_close(s);
    children_each(&s->children, child_forget, NULL);
    aux_child_release(s);
    refusals_release(s);
    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++)
        if (s->states[i])
            svc_state_unref(s->states[i]);
    free(s->states);
    if (s->cfg)
        config_free(s->cfg);
    s->cfg = NULL;
    children_destroy(&s->children);
    spawn_destroy(&s->spawner);
    loop_close(&s->loop);
}
