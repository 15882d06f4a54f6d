/*
 * The daemon's turn: wait on the reactor, then do what may free what later
 * events of a batch point to (reloads, resizes, status dumps asked by
 * signals), then the time-driven work (reaping sweeps, timeouts, refusal
 * summaries, paused listeners, pool refills).  Also setting the whole
 * context up and tearing it down.
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
#include "clock.h"
#include "control.h"
#include "handler.h"
#include "inetd_watch.h"
#include "log.h"
#include "pool.h"
#include "proxy_pending.h"
#include "reap.h"
#include "refusals.h"
#include "server.h"
#include "signals.h"
#include "status.h"
#include "stderr_log.h"

#define TICK_NS (100 * NSEC_PER_MSEC)

/* Note what the signals ask for; acting on it waits for the end of the
 * event batch (server_act), since a reload frees listeners that later events
 * of the same batch may still point to. */
static void server_signalled(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    int sigs[64];
    int n = signals_drain(ev->fd, sigs, 64);

    (void)events;
    for (int i = 0; i < n; i++) {
        switch (sigs[i]) {
        case SIGHUP:
            s->reload_pending = true;
            break;
        case SIGTERM:
        case SIGINT:
            s->stopping = true;
            loop_stop_batch(&s->loop);
            break;
        case SIGUSR1:
            s->status_pending = true;
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

static void server_act(struct server *s)
{
    inetd_watch_tick(s, clock_now_ns()); /* inetd_conf changed a while ago: reload */
    if (s->reload_pending) {
        struct reload_result r;
        s->reload_pending = false;
        activate_reload(s, &r);
        control_reload_done(s, &r); /* control clients that asked for it */
        proxy_pending_reloaded(s);
    }
    for (; s->resize_pending > 0; s->resize_pending--)
        pool_resize_all(s, +1);
    for (; s->resize_pending < 0; s->resize_pending++)
        pool_resize_all(s, -1);
    if (s->status_pending) {
        s->status_pending = false;
        status_dump(s);
    }
}

static uint64_t earliest(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

/* How long the next wait may sleep: until the first thing the turn must do. */
static int server_timeout(const struct server *s, uint64_t now)
{
    uint64_t next = earliest(timers_next(&s->loop.timers), proxy_pending_next_deadline(s));

    if (s->n_refusing)
        next = earliest(next, (now / NSEC_PER_SEC + 1) * NSEC_PER_SEC); /* the second's end */
    if (s->pool_check)
        next = earliest(next, now + TICK_NS);
    next = earliest(next, reap_sweep_at(s));
    next = earliest(next, inetd_watch_deadline(s));
    return loop_timeout_ms(now, next);
}

int server_run(struct server *s)
{
    s->pool_check = true;
    log_set_buffered(true);
    while (!s->stopping) {
        uint64_t now = clock_now_ns();
        log_flush(); /* before sleeping: the log is never behind an idle daemon */
        if (loop_wait(&s->loop, server_timeout(s, now)) == -1) {
            log_warn("epoll_wait");
            log_set_buffered(false);
            return -1;
        }
        if (s->stopping)
            break;
        server_act(s);
        now = clock_now_ns();
        reap_sweep_if_due(s, now);
        timers_run(&s->loop.timers, now);
        proxy_pending_expire(s, now);
        if (s->n_refusing)
            refusals_flush(s, now);
        if (s->pool_check) {
            pool_fill_all(s);
            s->pool_check = pool_pending(s);
        }
    }
    log_set_buffered(false);
    return 0;
}

int server_start(struct server *s, struct config *cfg, const struct rlimit *handler_nofile,
                 char *err, size_t errlen)
{
    struct activation_stats st;
    struct timespec rt;
    int sigfd;

    s->start_ns = clock_now_ns();
    clock_gettime(CLOCK_REALTIME, &rt);
    s->start_realtime_ns = (uint64_t)rt.tv_sec * NSEC_PER_SEC + (uint64_t)rt.tv_nsec;
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
    if (loop_watch(&s->loop, &s->sig_ev, EPOLLIN) == -1) {
        snprintf(err, errlen, "cannot set up the event loop: %s", strerror(errno));
        return -1;
    }
    return activate_config(s, cfg, &st, err, errlen);
}

int server_watch_children(struct server *s)
{
    return reap_watch(s);
}

/* Handlers still running keep their service's state alive; at exit we let go. */
static void child_forget(struct child *c, void *ctx)
{
    (void)ctx;
    if (c->listener)
        listener_unref(c->listener);
    svc_state_unref(c->rt);
}

void server_free(struct server *s)
{
    control_free(s);
    pool_stop_all(s);
    if (!spawn_quiesce(&s->spawner))
        return; /* a child stuck before its exec still reads its slot */
    proxy_pending_close_all(s);
    activate_release(s);
    stderr_log_close_all(s);
    inetd_watch_close(s);
    children_each(&s->children, child_forget, NULL);
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
