/*
 * Connections through a spawner (spawner.h): handing one over, the answers
 * (a handler's pid, its failed step, a refusal), and the connections a
 * spawner never answered when its end closes: those had no handler (a
 * started child says so first, on its own copy of the socket, so its answer
 * is read before the EOF), and the daemon starts them itself, confined per
 * handler as an unconfined service's are started.  A request that waits too
 * long means a stuck spawner: it is killed and the same follows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "handler.h"
#include "log.h"
#include "spawner.h"
#include "spawner_int.h"

/* A request unanswered this long: the spawner is stuck (stopped, or blocked
 * in the kernel).  It is killed, and its connections started here. */
#define SPAWNER_STALL_NS (5 * NSEC_PER_SEC)
/* Answers read per wake-up at most; the rest wait for the next turn. */
#define SPAWNER_READ_BATCH 256

static struct spawner_pending *pending_get(struct spawner_proc *sp)
{
    struct spawner_pending *p = sp->spare;

    if (p) {
        sp->spare = p->next;
        return p;
    }
    return malloc(sizeof(*p));
}

/* Append P to SP's unanswered requests (and SP to the busy spawners). */
static void pending_link(struct server *s, struct spawner_proc *sp, struct spawner_pending *p)
{
    p->next = NULL;
    p->prev = sp->tail;
    if (sp->tail)
        sp->tail->next = p;
    else
        sp->head = p;
    sp->tail = p;
    if (p->prev)
        return;
    sp->busy_prev = NULL;
    sp->busy_next = s->spawners_busy;
    if (sp->busy_next)
        sp->busy_next->busy_prev = sp;
    s->spawners_busy = sp;
    if (!sp->stall.armed)
        timers_arm(&s->loop.timers, &sp->stall, p->sent_ns + SPAWNER_STALL_NS);
}

/* Take P off SP's list, the daemon's copies closed (the connection, and a
 * stderr pipe's write end: its read end, P->reader, is the caller's); the
 * record kept for reuse. */
static void pending_done(struct server *s, struct spawner_proc *sp, struct spawner_pending *p)
{
    if (p->prev)
        p->prev->next = p->next;
    else
        sp->head = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        sp->tail = p->prev;
    close(p->sock);
    if (p->reader >= 0)
        close(p->err_fd);
    p->next = sp->spare;
    sp->spare = p;
    if (sp->head)
        return;
    if (sp->busy_prev)
        sp->busy_prev->busy_next = sp->busy_next;
    else
        s->spawners_busy = sp->busy_next;
    if (sp->busy_next)
        sp->busy_next->busy_prev = sp->busy_prev;
    sp->busy_prev = sp->busy_next = NULL;
    timers_cancel(&s->loop.timers, &sp->stall);
    spawner_shut_if_idle(sp);
}

int spawner_hand_over(struct server *s, struct spawner_proc *sp, struct child *c,
                      const struct spawner_handoff *h)
{
    if (!sp || sp->ev.fd < 0 || sp->eof || sp->retiring || sp->setup_error[0])
        return -1;
    struct spawner_pending *p = pending_get(sp);
    if (!p)
        return -1;
    bool err_fd = h->err_fd != h->sock;
    int fds[2] = {h->sock, h->err_fd};
    p->len = spawner_msg_request(p->msg, sizeof(p->msg), sp->next_seq + 1, err_fd, h->vars);
    if (p->len == 0 || (p->sock = fcntl(h->sock, F_DUPFD_CLOEXEC, 0)) == -1) {
        p->next = sp->spare;
        sp->spare = p;
        return -1;
    }
    if (spawner_msg_send(sp->ev.fd, p->msg, p->len, fds, err_fd ? 2 : 1, true) == -1) {
        close(p->sock); /* full, or gone: the caller starts it itself */
        p->next = sp->spare;
        sp->spare = p;
        return -1;
    }
    p->seq = ++sp->next_seq;
    p->sent_ns = clock_now_ns();
    p->c = c;
    p->err_fd = h->err_fd;
    p->reader = h->reader;
    p->has_via = h->via != NULL;
    if (h->via)
        snprintf(p->via, sizeof(p->via), "%s", h->via);
    pending_link(s, sp, p);
    return 0;
}

static struct spawner_pending *pending_find(struct spawner_proc *sp, uint64_t seq)
{
    for (struct spawner_pending *p = sp->head; p; p = p->next)
        if (p->seq == seq)
            return p;
    return NULL;
}

/* The handler's child is there: it is the daemon's handler now. */
static void spawner_started(struct server *s, struct spawner_proc *sp, struct spawner_pending *p,
                            pid_t pid)
{
    struct child *c = p->c;
    int reader = p->reader;
    char via[ADDR_STRLEN];
    bool has_via = p->has_via;

    if (has_via)
        memcpy(via, p->via, sizeof(via));
    pending_done(s, sp, p);
    if (handler_born(s, c, pid, reader, has_via ? via : NULL) == 0) {
        c->spawner = sp;
        sp->users++;
    }
}

/* No handler came of P and none will: C is started by the daemon itself,
 * confined per handler as when there is no spawner. */
static void spawner_serve_here(struct server *s, struct spawner_proc *sp, struct spawner_pending *p)
{
    struct spawner_req req;
    struct child *c = p->c;
    int reader = p->reader, err = EPROTO;
    char via[ADDR_STRLEN];
    bool has_via = p->has_via;
    pid_t pid = -1;

    if (has_via)
        memcpy(via, p->via, sizeof(via));
    if (spawner_msg_parse_request(p->msg, p->len, &req) == 0) {
        struct spawn_request sr = {
            .plan = sp->plan,
            .sock = p->sock,
            .stderr_fd = req.err_fd ? p->err_fd : p->sock,
            .conn_env = req.vars,
            .report_fd = -1,
        };
        pid = spawn_handler(&s->spawner, &sr); /* the child has its copies now */
        err = errno;
    }
    pending_done(s, sp, p);
    if (pid == -1) {
        if (reader >= 0)
            close(reader);
        handler_not_started(s, c, err);
        return;
    }
    handler_born(s, c, pid, reader, has_via ? via : NULL);
}

/* P will never have a handler (the spawner could not clone it). */
static void spawner_refused(struct server *s, struct spawner_proc *sp, struct spawner_pending *p,
                            int err)
{
    struct child *c = p->c;

    if (p->reader >= 0)
        close(p->reader);
    pending_done(s, sp, p);
    handler_not_started(s, c, err);
}

static void spawner_answered(struct server *s, struct spawner_proc *sp,
                             const struct spawner_answer *a)
{
    struct spawner_pending *p = NULL;

    if (a->type == SPAWNER_STARTED || a->type == SPAWNER_REFUSED)
        p = pending_find(sp, a->seq);
    switch (a->type) {
    case SPAWNER_READY:
        sp->ready = true;
        break;
    case SPAWNER_SETUP_FAILED:
        snprintf(sp->setup_error, sizeof(sp->setup_error), "%s: %s",
                 spawn_step_name(a->step) ? spawn_step_name(a->step) : "start", strerror(a->err));
        break;
    case SPAWNER_STARTED:
        if (p)
            spawner_started(s, sp, p, a->pid);
        break;
    case SPAWNER_FAILED:
        handler_exec_failed(a->pid, spawn_step_name(a->step) ? spawn_step_name(a->step) : "start",
                            a->err, s);
        break;
    case SPAWNER_REFUSED:
        if (p)
            spawner_refused(s, sp, p, a->err);
        break;
    }
}

/* Its end is closed: nothing more can come.  What it never answered is
 * started here, in order. */
void spawner_end(struct spawner_proc *sp)
{
    struct server *s = sp->s;
    unsigned n = 0;

    if (sp->ev.fd >= 0) {
        loop_forget(&s->loop, &sp->ev);
        close(sp->ev.fd);
        sp->ev.fd = -1;
    }
    sp->eof = true;
    while (sp->head) {
        spawner_serve_here(s, sp, sp->head);
        n++;
    }
    while (sp->spare) { /* no more requests: the records go now */
        struct spawner_pending *p = sp->spare;
        sp->spare = p->next;
        free(p);
    }
    if (n)
        log_event_err("event=spawner service=%s pid=%d action=unanswered connections=%u",
                      sp->state->name, (int)sp->pid, n);
    spawner_lost(sp);
}

void spawner_read(struct spawner_proc *sp, unsigned budget)
{
    for (unsigned i = 0; i < budget && sp->ev.fd >= 0; i++) {
        struct spawner_answer a;
        unsigned char buf[sizeof(a)];
        int fds[2], nfds;
        ssize_t n = spawner_msg_recv(sp->ev.fd, buf, sizeof(buf), fds, &nfds, true);
        if (n == -1 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return;
        for (int k = 0; k < nfds; k++)
            close(fds[k]); /* an answer carries none */
        if (n <= 0 && !(n == -1 && errno == EPROTO)) {
            spawner_end(sp); /* EOF, or the socket broke: the same */
            return;
        }
        if (n > 0 && spawner_msg_parse_answer(buf, (size_t)n, &a) == 0)
            spawner_answered(sp->s, sp, &a);
        else
            log_debug("event=spawner service=%s pid=%d action=bad_answer", sp->state->name,
                      (int)sp->pid);
    }
}

void spawner_readable(struct ev *ev, uint32_t events)
{
    (void)events;
    spawner_read(LOOP_OWNER(ev, struct spawner_proc, ev), SPAWNER_READ_BATCH);
}

void spawner_stalled(struct timer *t, uint64_t now)
{
    struct spawner_proc *sp = LOOP_OWNER(t, struct spawner_proc, stall);

    if (!sp->head)
        return;
    if (now - sp->head->sent_ns < SPAWNER_STALL_NS) {
        timers_arm(&sp->s->loop.timers, &sp->stall, sp->head->sent_ns + SPAWNER_STALL_NS);
        return;
    }
    log_event_err("event=spawner service=%s pid=%d action=stalled waited_ms=%llu", sp->state->name,
                  (int)sp->pid, (unsigned long long)((now - sp->head->sent_ns) / NSEC_PER_MSEC));
    if (sp->alive) {
        kill(sp->pid, SIGKILL); /* its EOF follows; if it never does, the next stall ends it */
        timers_arm(&sp->s->loop.timers, &sp->stall, now + SPAWNER_STALL_NS);
        return;
    }
    spawner_end(sp); /* dead, and its end still held: by a child stuck before it answered */
}

void spawner_shut_if_idle(struct spawner_proc *sp)
{
    if (sp->retiring && !sp->head && sp->ev.fd >= 0 && !sp->shut) {
        shutdown(sp->ev.fd, SHUT_WR);
        sp->shut = true;
    }
}

void spawner_drop_pending(struct spawner_proc *sp)
{
    while (sp->head) {
        struct spawner_pending *p = sp->head;
        struct child *c = p->c;
        if (p->reader >= 0)
            close(p->reader);
        pending_done(sp->s, sp, p);
        svc_state_unref(c->svc_state);
        children_release(&sp->s->children, c);
    }
}

void spawner_collect(struct server *s)
{
    for (struct spawner_proc *sp = s->spawners_busy, *next; sp; sp = next) {
        next = sp->busy_next;
        spawner_read(sp, ~0U);
    }
}

bool spawner_quiesce(struct server *s, uint64_t timeout_ns)
{
    uint64_t deadline = clock_now_ns() + timeout_ns;

    while (s->spawners_busy) {
        uint64_t now = clock_now_ns();
        if (now >= deadline)
            return false;
        struct pollfd pfd = {s->spawners_busy->ev.fd, POLLIN, 0};
        int ms = (int)((deadline - now + NSEC_PER_MSEC - 1) / NSEC_PER_MSEC);
        if (poll(&pfd, 1, ms) > 0)
            spawner_read(s->spawners_busy, ~0U);
    }
    return true;
}
