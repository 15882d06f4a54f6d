/*
 * The services' spawners, the daemon's side (spawner.h has the design):
 * which service has one, starting, restarting and retiring them, their
 * exits, and letting go of them.  Connections and answers are
 * spawner_conn.c's, the process spawner_proc.c, the messages spawner_msg.c.
 *
 * A record is one spawner process.  A service's current one is
 * svc_state.spawner; the others stay on server.spawners until they have
 * said all they had to say (EOF), have been reaped, and no handler they
 * started is left (its failed step may still be queued on their socket).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backoff.h"
#include "clock.h"
#include "context.h"
#include "log.h"
#include "signals.h"
#include "spawner.h"
#include "spawner_int.h"

static void spawner_start_due(struct timer *t, uint64_t now);
static void spawner_finish(struct timer *t, uint64_t now);

/* Does STATE's service get a spawner?  A nowait service (one handler per
 * connection: the cost is per connection) with confinement to inherit. */
static bool spawner_wanted(const struct svc_state *state)
{
    const struct exec_sandbox *sb = state->plan ? &state->plan->sandbox : NULL;

    return state->svc && state->svc->mode == MODE_NOWAIT && sb &&
           (sb->no_new_privs || sb->drop_bounding || sb->landlock_fd >= 0 || sb->seccomp.len);
}

/* A record for STATE's plan, on the server's list, not started yet. */
static struct spawner_proc *spawner_new(struct server *s, struct svc_state *state)
{
    struct spawner_proc *sp = calloc(1, sizeof(*sp));

    if (!sp)
        return NULL;
    sp->s = s;
    sp->state = state;
    state->refs++;
    sp->plan = exec_plan_ref(state->plan);
    sp->ev.fd = -1;
    timer_set(&sp->start, spawner_start_due, s);
    timer_set(&sp->stall, spawner_stalled, s);
    timer_set(&sp->finish, spawner_finish, s);
    sp->next = s->spawners;
    if (sp->next)
        sp->next->prev = sp;
    s->spawners = sp;
    return sp;
}

/* Fork the process.  -1 (logged) when it cannot be: the service's
 * connections are started by the daemon meanwhile. */
static int spawner_launch(struct server *s, struct spawner_proc *sp)
{
    int pair[2];
    sigset_t all, old;

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) == -1) {
        log_warn("service %s: cannot start a spawner", sp->state->name);
        return -1;
    }
    /* No handler of ours may run in the child before it resets them. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0) {
        struct spawner_boot boot = {pair[1], sp->plan, sp->state->name, s->spawner.handler_nofile};
        spawner_proc_run(&boot);
    }
    int fork_errno = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    close(pair[1]);
    if (pid == -1) {
        close(pair[0]);
        errno = fork_errno;
        log_warn("service %s: cannot start a spawner", sp->state->name);
        return -1;
    }
    sp->pid = pid;
    sp->alive = true;
    sp->started_ns = clock_now_ns();
    fcntl(pair[0], F_SETFL, O_NONBLOCK);
    loop_ev_set(&sp->ev, pair[0], spawner_readable, s);
    if (loop_watch(&s->loop, &sp->ev, EPOLLIN) == -1) {
        log_warn("service %s: cannot watch its spawner", sp->state->name);
        kill(pid, SIGKILL); /* reaped as any spawner; nothing was handed to it */
        close(pair[0]);
        sp->ev.fd = -1;
        sp->eof = true;
        return -1;
    }
    log_event("event=spawner service=%s pid=%d action=%s", sp->state->name, (int)pid,
              sp->restarted ? "restart" : "start");
    return 0;
}

/* Launch SP now, or (after a failure) again after a back-off. */
static void spawner_try(struct server *s, struct spawner_proc *sp, uint64_t now)
{
    if (spawner_launch(s, sp) == -1)
        timers_arm(&s->loop.timers, &sp->start, now + backoff_delay(++sp->streak));
}

static void spawner_start_due(struct timer *t, uint64_t now)
{
    struct spawner_proc *sp = LOOP_OWNER(t, struct spawner_proc, start);

    if (!sp->retiring && !sp->alive && !sp->eof)
        spawner_try(sp->s, sp, now);
}

/* Free SP after the batch once nothing can refer to it any more. */
static void spawner_finish_when_done(struct server *s, struct spawner_proc *sp)
{
    if (sp->ev.fd < 0 && !sp->alive && !sp->users && !sp->head && !sp->start.armed &&
        !sp->finish.armed)
        timers_arm(&s->loop.timers, &sp->finish, TIMERS_NOW);
}

/* A spawner that reads EOF once its last request is answered. */
static void spawner_retire(struct server *s, struct spawner_proc *sp)
{
    if (sp->state->spawner == sp)
        sp->state->spawner = NULL;
    if (sp->retiring)
        return;
    sp->retiring = true;
    timers_cancel(&s->loop.timers, &sp->start);
    if (sp->alive && !sp->eof)
        log_event("event=spawner service=%s pid=%d action=retire", sp->state->name, (int)sp->pid);
    if (!sp->alive && !sp->eof && sp->ev.fd < 0)
        sp->eof = true; /* never started */
    spawner_shut_if_idle(sp);
    spawner_finish_when_done(s, sp);
}

void spawner_sync(struct server *s)
{
    for (struct spawner_proc *sp = s->spawners; sp; sp = sp->next) {
        struct svc_state *state = sp->state;
        if (state->spawner != sp)
            continue;
        /* An unchanged plan keeps its spawner; one that could not start is
         * tried again (a reload is the admin's way to say so). */
        if (!spawner_wanted(state) || !exec_plan_same(sp->plan, state->plan) || sp->eof ||
            sp->setup_error[0])
            spawner_retire(s, sp);
    }
    uint64_t now = clock_now_ns();
    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++) {
        struct svc_state *state = s->states[i];
        if (!state || state->spawner || !spawner_wanted(state))
            continue;
        struct spawner_proc *sp = spawner_new(s, state);
        if (!sp) {
            log_warnx("service %s: no spawner: out of memory", state->name);
            continue;
        }
        state->spawner = sp;
        spawner_try(s, sp, now);
    }
}

void spawner_lost(struct spawner_proc *sp)
{
    struct server *s = sp->s;
    struct svc_state *state = sp->state;
    uint64_t now = clock_now_ns();

    if (sp->setup_error[0]) {
        char q[2 * sizeof(sp->setup_error)];
        log_event_err("event=spawner service=%s pid=%d action=error error=%s", state->name,
                      (int)sp->pid, log_quote(sp->setup_error, q, sizeof(q)));
    }
    if (!sp->retiring && state->spawner == sp && !sp->setup_error[0]) {
        /* Died: a successor, at once unless its predecessors kept dying young. */
        struct spawner_proc *next = spawner_new(s, state);
        if (next) {
            bool young = sp->ready && now - sp->started_ns < BACKOFF_YOUNG_NS;
            next->restarted = true;
            next->streak = young || !sp->ready ? sp->streak + 1 : 0;
            state->spawner = next;
            if (next->streak <= 1)
                spawner_try(s, next, now);
            else
                timers_arm(&s->loop.timers, &next->start, now + backoff_delay(next->streak - 1));
        }
    }
    spawner_finish_when_done(s, sp);
}

/* SP's process has exited with STATUS. */
static void spawner_gone(struct server *s, struct spawner_proc *sp, int status)
{
    char how[32];
    bool expected = sp->retiring || sp->setup_error[0];

    if (WIFSIGNALED(status)) {
        char buf[16];
        snprintf(how, sizeof(how), "signal=%s", signals_name(WTERMSIG(status), buf, sizeof(buf)));
    } else {
        snprintf(how, sizeof(how), "status=%d", WEXITSTATUS(status));
    }
    if (expected)
        log_event("event=spawner service=%s pid=%d action=exit %s", sp->state->name, (int)sp->pid,
                  how);
    else
        log_event_err("event=spawner service=%s pid=%d action=exit %s", sp->state->name,
                      (int)sp->pid, how);
    sp->alive = false;
    spawner_finish_when_done(s, sp);
}

struct child *spawner_queued_exit(struct server *s, pid_t pid)
{
    spawner_collect(s);
    return children_find(&s->children, pid);
}

bool spawner_exited(struct server *s, pid_t pid, int status)
{
    for (struct spawner_proc *sp = s->spawners; sp; sp = sp->next)
        if (sp->alive && sp->pid == pid) {
            spawner_gone(s, sp, status);
            return true;
        }
    return false;
}

void spawner_child_exited(struct server *s, struct child *c, int status)
{
    struct spawner_proc *sp = c->spawner;

    if (!sp)
        return;
    /* A child that failed before its exec queued its step before exiting. */
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127 && sp->ev.fd >= 0)
        spawner_read(sp, ~0U);
    c->spawner = NULL;
    sp->users--;
    spawner_finish_when_done(s, sp);
}

pid_t spawner_pid(const struct svc_state *state)
{
    return state->spawner && state->spawner->alive ? state->spawner->pid : 0;
}

void spawner_each_pid(const struct server *s, void (*fn)(pid_t pid, void *ctx), void *ctx)
{
    for (const struct spawner_proc *sp = s->spawners; sp; sp = sp->next)
        if (sp->alive)
            fn(sp->pid, ctx);
}

static void spawner_free(struct server *s, struct spawner_proc *sp)
{
    timers_cancel(&s->loop.timers, &sp->start);
    timers_cancel(&s->loop.timers, &sp->stall);
    timers_cancel(&s->loop.timers, &sp->finish);
    if (sp->prev)
        sp->prev->next = sp->next;
    else
        s->spawners = sp->next;
    if (sp->next)
        sp->next->prev = sp->prev;
    if (sp->state->spawner == sp)
        sp->state->spawner = NULL;
    while (sp->spare) {
        struct spawner_pending *p = sp->spare;
        sp->spare = p->next;
        free(p);
    }
    exec_plan_unref(sp->plan);
    svc_state_unref(sp->state);
    free(sp);
}

static void spawner_finish(struct timer *t, uint64_t now)
{
    struct spawner_proc *sp = LOOP_OWNER(t, struct spawner_proc, finish);

    (void)now;
    if (sp->ev.fd < 0 && !sp->alive && !sp->users && !sp->head)
        spawner_free(sp->s, sp);
}

void spawner_close_all(struct server *s)
{
    while (s->spawners) {
        struct spawner_proc *sp = s->spawners;
        spawner_drop_pending(sp);
        if (sp->ev.fd >= 0) {
            loop_forget(&s->loop, &sp->ev);
            close(sp->ev.fd);
            sp->ev.fd = -1;
        }
        spawner_free(s, sp);
    }
}
