/*
 * Starting and finishing one handler, whatever its mode (see handler.h).
 * Admission's decision, accepting and what a mode does after an exit belong
 * to conn.c, accept.c, wait.c and pool.c; reaping to reap.c.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "carry.h"
#include "clock.h"
#include "conn_env.h"
#include "fmt.h"
#include "handler.h"
#include "log.h"
#include "context.h"
#include "reap.h"
#include "refusals.h"
#include "signals.h"
#include "spawner.h"
#include "stderr_log.h"

#define KILL_GRACE_NS (5 * NSEC_PER_SEC)

void handler_wake_on_exit(struct server *s, struct exit_waiter *w)
{
    if (w->listed)
        return;
    w->prev = NULL;
    w->next = s->exit_waiters;
    if (w->next)
        w->next->prev = w;
    s->exit_waiters = w;
    w->listed = true;
}

void handler_wake_cancel(struct server *s, struct exit_waiter *w)
{
    if (!w->listed)
        return;
    if (w->prev)
        w->prev->next = w->next;
    else
        s->exit_waiters = w->next;
    if (w->next)
        w->next->prev = w->prev;
    w->listed = false;
}

/* A handler exited: there may be room now for those who wait for it. */
static void handler_wake_waiters(struct server *s)
{
    while (s->exit_waiters) {
        struct exit_waiter *w = s->exit_waiters;
        handler_wake_cancel(s, w);
        timers_arm(&s->loop.timers, w->wake, TIMERS_NOW);
    }
}

/* fd 2 for the handler; for `stderr = log` also the pipe's read end in *reader. */
static int handler_stderr(struct server *s, const struct service *svc, int sock, int *reader)
{
    int p[2];

    *reader = -1;
    if (svc->stderr_mode == STDERR_SOCKET)
        return sock;
    if (svc->stderr_mode == STDERR_LOG) {
        if (pipe2(p, O_CLOEXEC) == 0) {
            fcntl(p[0], F_SETFL, O_NONBLOCK);
            *reader = p[0];
            return p[1];
        }
        /* Out of descriptors: serve anyway, but never lose stderr silently. */
        if (clock_once_a_second(&s->stderr_lost_until))
            log_warn("service %s: handler stderr to /dev/null, no pipe", svc->name);
    }
    return s->devnull;
}

/* The per-connection variables of SPEC section 4, and the mode's own. */
static void handler_env(struct conn_env *env, const struct handler_req *req, bool *sock_on_fd3)
{
    const struct listener *l = req->l;
    const struct service *svc = l->svc_state->svc;
    /* Bound to one address: that is every connection's local one (no getsockname). */
    const struct sockaddr *local =
        listener_bound_to_one_address(l) ? (const struct sockaddr *)&l->addr.ss : NULL;

    if (req->via)
        local = req->via->dst; /* the client connected to the balancer's address */
    conn_env_socket(env, svc, req->sock, req->peer, local);
    if (req->via)
        conn_env_via(env, req->via);
    if (req->worker_index >= 0)
        conn_env_addf(env, "SUPERSERVER_WORKER=%d", req->worker_index);
    *sock_on_fd3 = svc->listen_fds && svc->mode != MODE_NOWAIT;
    if (*sock_on_fd3) {
        conn_env_addf(env, "LISTEN_FDS=1");
        conn_env_addf(env, "LISTEN_PID=%-20s", ""); /* the child writes its pid here */
    }
}

/* A handler could not be started: the reason, once a second, so a fork
 * failing under a flood cannot flood the log (the refusal is logged and
 * summarised on its own). */
static void handler_warn_failed(struct server *s, const struct svc_state *state, int err)
{
    if (clock_once_a_second(&s->spawn_failed_until)) {
        errno = err;
        log_warn("service %s: cannot start a handler", state->name);
    }
}

/* Past its `timeout`: SIGTERM, then SIGKILL KILL_GRACE_NS later. */
static void handler_timed_out(struct timer *t, uint64_t now)
{
    struct server *s = t->ctx;
    struct child *c = LOOP_OWNER(t, struct child, timeout);
    int sig = c->timeout_stage == 0 ? SIGTERM : SIGKILL;
    char buf[16];

    /* The handler is a session leader: its whole process group goes. */
    kill(-c->pid, sig);
    kill(c->pid, sig);
    log_event("event=timeout service=%s pid=%d signal=%s", c->svc_state->name, (int)c->pid,
              signals_name(sig, buf, sizeof(buf)));
    if (c->timeout_stage++ == 0)
        timers_arm(&s->loop.timers, &c->timeout, now + KILL_GRACE_NS);
}

static void log_start(const struct child *c, const char *via)
{
    const struct svc_state *state = c->svc_state;

    if (via)
        log_event("event=start service=%s pid=%d peer=%s via=%s", state->name, (int)c->pid, c->peer,
                  via);
    else
        log_event("event=start service=%s pid=%d peer=%s", state->name, (int)c->pid, c->peer);
}

/* REQ's load balancer as logs show it, into BUF; NULL without one. */
static const char *handler_via(const struct handler_req *req, char *buf, size_t len)
{
    if (!req->via)
        return NULL;
    addr_format_peer_as(req->via->lb, req->l->svc_state->svc->log_peer, buf, len);
    return buf;
}

/* C is REQ's handler from now on, counted by admission (instances,
 * per_source, max_children) and holding its service's state. */
static void handler_count(struct server *s, struct child *c, const struct handler_req *req)
{
    struct svc_state *state = req->l->svc_state;

    c->svc_state = state;
    state->refs++;
    c->on_exit = req->on_exit;
    c->start_ns = clock_now_ns();
    fmt_copy(c->peer, sizeof(c->peer), req->peer_text, strlen(req->peer_text));
    s->live_total++;
    c->has_key = req->key != NULL;
    if (req->key)
        c->key = *req->key;
    admit_started(state->admit, req->key);
    if (req->worker_index >= 0)
        c->worker_index = (unsigned)req->worker_index;
}

/* Undo handler_count: C never became a handler; its record goes back. */
static void handler_uncount(struct server *s, struct child *c)
{
    struct svc_state *state = c->svc_state;

    admit_finished(state->admit, c->has_key ? &c->key : NULL);
    s->live_total--;
    if (s->exit_waiters)
        handler_wake_waiters(s);
    children_release(&s->children, c);
    svc_state_unref(state);
}

void handler_not_started(struct server *s, struct child *c, int err)
{
    handler_warn_failed(s, c->svc_state, err);
    refusals_record(s, c->svc_state, REFUSE_SPAWN_FAILED, c->peer);
    handler_uncount(s, c);
}

int handler_born(struct server *s, struct child *c, pid_t pid, int reader, const char *via)
{
    struct svc_state *state = c->svc_state;

    if (children_insert(&s->children, c, pid) == -1) {
        /* Out of memory after the spawn: it still gets reaped (unknown
         * pids are reaped silently), but it is not served as a handler. */
        if (reader >= 0)
            close(reader);
        handler_not_started(s, c, ENOMEM);
        return -1;
    }
    if (reader >= 0 && stderr_log_start(s, reader, pid, state->name) == -1)
        close(reader);
    state->accepted++;
    if (state->svc && state->svc->timeout) {
        timer_set(&c->timeout, handler_timed_out, s);
        timers_arm(&s->loop.timers, &c->timeout,
                   c->start_ns + (uint64_t)state->svc->timeout * NSEC_PER_SEC);
    }
    log_start(c, via);
    return 0;
}

/* A connection of a confined service: to its spawner, which answers with the
 * pid later (spawner.h).  0 when handed over (counted from now on), -1 when
 * the spawner cannot take it now: the caller starts it itself. */
static int handler_hand_over(struct server *s, struct child *c, const struct handler_req *req,
                             const struct spawn_request *sr, int reader)
{
    char lb[ADDR_STRLEN];
    struct spawner_handoff h = {
        .sock = req->sock,
        .err_fd = sr->stderr_fd,
        .reader = reader,
        .vars = sr->conn_env,
        .via = handler_via(req, lb, sizeof(lb)),
    };

    if (spawner_hand_over(s, req->l->svc_state->spawner, c, &h) == -1)
        return -1;
    handler_count(s, c, req);
    return 0;
}

int handler_start(struct server *s, const struct handler_req *req)
{
    struct svc_state *state = req->l->svc_state;
    struct conn_env env;
    char envbuf[SLOT_ENV_BYTES], lb[ADDR_STRLEN];
    struct spawn_request sr = {.plan = state->plan, .sock = req->sock, .report_fd = -1};
    int reader;
    struct child *c = children_new(&s->children);

    if (!c) {
        refusals_record(s, state, REFUSE_SPAWN_FAILED, req->peer_text);
        return -1;
    }
    conn_env_start(&env, envbuf, sizeof(envbuf));
    handler_env(&env, req, &sr.sock_on_fd3);
    sr.conn_env = env.vars;
    sr.stderr_fd = handler_stderr(s, state->svc, req->sock, &reader);
    /* A mode that holds its socket needs the pid at once: never handed over. */
    if (!req->holder && state->spawner && handler_hand_over(s, c, req, &sr, reader) == 0)
        return 0;
    pid_t pid = spawn_handler(&s->spawner, &sr);
    int spawn_errno = errno;
    if (reader >= 0)
        close(sr.stderr_fd);
    handler_count(s, c, req);
    if (pid == -1) {
        if (reader >= 0)
            close(reader);
        handler_not_started(s, c, spawn_errno);
        return -1;
    }
    if (handler_born(s, c, pid, reader, handler_via(req, lb, sizeof(lb))) == -1)
        return -1;
    if (req->holder) {
        c->listener = req->l;
        req->l->refs++;
        *req->holder = c->pid;
    }
    reap_after_spawn(s);
    return 0;
}

static void log_exit(const struct child *c, int status, uint64_t now)
{
    unsigned long long ms = (now - c->start_ns) / NSEC_PER_MSEC;

    if (WIFSIGNALED(status)) {
        char buf[16];
        log_event("event=exit service=%s pid=%d signal=%s duration_ms=%llu", c->svc_state->name,
                  (int)c->pid, signals_name(WTERMSIG(status), buf, sizeof(buf)), ms);
    } else {
        log_event("event=exit service=%s pid=%d status=%d duration_ms=%llu", c->svc_state->name,
                  (int)c->pid, WEXITSTATUS(status), ms);
    }
}

static enum handler_outcome exit_outcome(const struct child *c, int status)
{
    if (c->timeout_stage > 0)
        return OUTCOME_TIMEOUT;
    if (WIFSIGNALED(status))
        return OUTCOME_SIGNAL;
    return WEXITSTATUS(status) == 0 ? OUTCOME_OK : OUTCOME_ERROR;
}

void handler_reaped(struct server *s, struct child *c, int status)
{
    struct svc_state *state = c->svc_state;

    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        spawn_collect(&s->spawner);     /* was it a start that failed before the exec? */
    spawner_child_exited(s, c, status); /* or one of a spawner's, said on its socket */
    if (c->failed_step) {
        char q[256], qq[300];
        state->failed++;
        snprintf(q, sizeof(q), "%s: %s", c->failed_step, strerror(c->failed_errno));
        log_event_err("event=exec_failed service=%s pid=%d error=%s", state->name, (int)c->pid,
                      log_quote(q, qq, sizeof(qq)));
    }
    log_exit(c, status, clock_now_ns());
    state->exits[exit_outcome(c, status)]++;
    timers_cancel(&s->loop.timers, &c->timeout);
    admit_finished(state->admit, c->has_key ? &c->key : NULL);
    s->live_total--;
    if (s->exit_waiters)
        handler_wake_waiters(s);
    if (c->on_exit)
        c->on_exit(c, status, s);
    if (c->listener)
        listener_unref(c->listener);
    children_remove(&s->children, c);
    svc_state_unref(state);
}

void handler_carry(struct carry *cr, struct child *c)
{
    uint64_t timeout_at = c->timeout.armed ? c->timeout.at : 0;

    carry_int(cr, "pid", &c->pid);
    carry_u64(cr, "start_ns", &c->start_ns);
    carry_str(cr, "peer", c->peer, sizeof(c->peer));
    carry_bool(cr, "has_key", &c->has_key);
    if (c->has_key)
        carry_bytes(cr, "key", c->key.bytes, sizeof(c->key.bytes));
    carry_uint(cr, "worker_index", &c->worker_index);
    carry_int(cr, "timeout_stage", &c->timeout_stage);
    carry_u64(cr, "timeout_at", &timeout_at);
    if (!cr->writing)
        c->timeout.at = timeout_at;
}

void handler_adopt(struct server *s, struct child *c)
{
    struct svc_state *state = c->svc_state;
    uint64_t at = c->timeout.at;

    state->refs++;
    s->live_total++;
    admit_started(state->admit, c->has_key ? &c->key : NULL);
    timer_set(&c->timeout, handler_timed_out, s);
    if (at)
        timers_arm(&s->loop.timers, &c->timeout, at);
}

void handler_exec_failed(pid_t pid, const char *step, int err, void *ctx)
{
    struct server *s = ctx;
    struct child *c = children_find(&s->children, pid);

    if (c) {
        c->failed_step = step;
        c->failed_errno = err;
    }
}
