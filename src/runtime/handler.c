/*
 * Handlers: admitting and starting one per accepted connection (nowait),
 * handing a socket to one handler at a time (wait) or to a pool (prefork),
 * reaping them, enforcing `timeout`, and logging each start, exit and
 * refusal.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "server.h"
#include "signals.h"
#include "stderr_log.h"

#define ACCEPT_BATCH     64
#define EMFILE_PAUSE_NS  (100 * NSEC_PER_MSEC)
#define KILL_GRACE_NS    (5 * NSEC_PER_SEC)
#define YOUNG_NS         NSEC_PER_SEC
#define BACKOFF_FIRST_NS (100 * NSEC_PER_MSEC)
#define BACKOFF_MAX_NS   (10 * NSEC_PER_SEC)

/* The wait before the STREAK-th restart in a row (from 1) of a handler or
 * worker that keeps failing at once: 100 ms, doubling, at most 10 s. */
uint64_t backoff_delay(unsigned streak)
{
    uint64_t d = BACKOFF_FIRST_NS;
    for (unsigned i = 1; i < streak && d < BACKOFF_MAX_NS; i++)
        d *= 2;
    return d < BACKOFF_MAX_NS ? d : BACKOFF_MAX_NS;
}

/* True at most once a second per *UNTIL: for warnings a flood would repeat. */
static bool once_a_second(uint64_t *until)
{
    uint64_t now = clock_now_ns();

    if (now < *until)
        return false;
    *until = now + NSEC_PER_SEC;
    return true;
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
        if (once_a_second(&s->stderr_lost_until))
            log_warn("service %s: handler stderr to /dev/null, no pipe", svc->name);
    }
    return s->devnull;
}

/* Start one handler of L's service with SOCK on fd 0/1.  Returns the child record or NULL. */
static struct child *handler_launch(struct server *s, struct listener *l, int sock,
                                    const struct sockaddr *peer, socklen_t peerlen,
                                    const char *peer_text, int worker_index)
{
    struct svc_rt *rt = l->rt;
    const struct service *svc = rt->svc;
    struct spawn_request req = {.svc = svc, .plan = &rt->plan, .sock = sock};
    if (listener_bound_to_one_address(l))
        req.local = (const struct sockaddr *)&l->addr.ss; /* no getsockname per connection */
    struct spawn_env env;
    char envbuf[1024];
    int reader;

    spawn_env_start(&env, &req, envbuf, sizeof(envbuf));
    spawn_conn_env(&env, &req, sock, peer, peerlen);
    if (worker_index >= 0)
        spawn_env_addf(&env, &req, "SUPERSERVER_WORKER=%d", worker_index);
    if (svc->listen_fds && svc->mode != MODE_NOWAIT) {
        req.sock_on_fd3 = true;
        spawn_env_addf(&env, &req, "LISTEN_FDS=1");
        spawn_env_addf(&env, &req, "LISTEN_PID=%-20s", "");
    }
    req.stderr_fd = handler_stderr(s, svc, sock, &reader);
    pid_t pid = spawn_handler(&req);
    int spawn_errno = errno;
    if (reader >= 0)
        close(req.stderr_fd);
    if (pid == -1) {
        if (reader >= 0)
            close(reader);
        /* The refusal is logged (and summarised) by the caller; the reason
         * once a second, so a fork failing under a flood cannot flood the log. */
        if (once_a_second(&s->spawn_failed_until)) {
            errno = spawn_errno;
            log_warn("service %s: cannot start a handler", rt->name);
        }
        return NULL;
    }
    struct child *c = children_add(&s->children, pid);
    if (!c) {
        /* Out of memory: it still gets reaped (unknown pids are reaped silently). */
        if (reader >= 0)
            close(reader);
        return NULL;
    }
    if (reader >= 0 && stderr_reader_start(s, reader, pid, rt->name) == -1)
        close(reader);
    c->rt = rt;
    rt->refs++;
    c->start_ns = clock_now_ns();
    snprintf(c->peer, sizeof(c->peer), "%s", peer_text);
    s->live_total++;
    rt->accepted++;
    if (svc->timeout) {
        c->deadline_ns = c->start_ns + (uint64_t)svc->timeout * NSEC_PER_SEC;
        timers_arm(&s->timers, c);
    }
    log_event("event=start service=%s pid=%d peer=%s", rt->name, (int)pid, peer_text);
    return c;
}

struct child *handler_launch_worker(struct server *s, struct listener *l, int index)
{
    return handler_launch(s, l, l->fd, NULL, 0, l->addr.text, index);
}

/* One accepted connection: admit, start, hand over. */
static void handler_serve(struct server *s, struct listener *l, int conn,
                          struct sockaddr_storage *peer, socklen_t peerlen)
{
    struct svc_rt *rt = l->rt;
    const struct sockaddr *inet = peer->ss_family == AF_UNIX ? NULL : (struct sockaddr *)peer;
    char peer_text[ADDR_STRLEN];

    addr_format_peer((struct sockaddr *)peer, peer_text, sizeof(peer_text));
    enum admit_verdict v =
        admit_check(rt->admit, rt->svc, inet, s->live_total, s->cfg->max_children, clock_now_ns());
    if (v != ADMIT_OK) {
        refusals_record(s, rt, v, peer_text);
        close(conn);
        return;
    }
    struct child *c = handler_launch(s, l, conn, (struct sockaddr *)peer, peerlen, peer_text, -1);
    if (!c) {
        refusals_record(s, rt, REFUSE_SPAWN_FAILED, peer_text);
    } else if (inet) {
        addr_source_key(inet, &c->key);
        c->has_key = true;
        admit_started(rt->admit, &c->key);
    } else {
        admit_started(rt->admit, NULL);
    }
    close(conn);
    handler_after_spawn(s);
}

static void pause_listener(struct server *s, struct listener *l, uint64_t until)
{
    loop_watch(s, l, false);
    l->resume_ns = until;
    s->any_paused = true;
}

void handler_accept(struct server *s, struct listener *l)
{
    for (int i = 0; i < ACCEPT_BATCH && !l->closed; i++) {
        struct sockaddr_storage peer;
        socklen_t len = sizeof(peer);
        int fd = accept4(l->fd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
        if (fd >= 0) {
            handler_serve(s, l, fd, &peer, len);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED || errno == EPROTO)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* Not spinning: the queue waits in the kernel until descriptors free up. */
            if (once_a_second(&s->fd_exhausted_until))
                log_warn("service %s: accept paused", l->rt->name);
            pause_listener(s, l, clock_now_ns() + EMFILE_PAUSE_NS);
            return;
        }
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            log_warn("service %s: accept", l->rt->name);
        return;
    }
}

void handler_start_wait(struct server *s, struct listener *l)
{
    struct svc_rt *rt = l->rt;
    uint64_t now = clock_now_ns();

    loop_watch(s, l, false); /* the handler owns the socket until it exits */
    wait_mark_take(l->fd, l->protocol == PROTO_TCP, &l->wait_mark);
    enum admit_verdict v =
        admit_check(rt->admit, rt->svc, NULL, s->live_total, s->cfg->max_children, now);
    struct child *c = NULL;
    if (v == ADMIT_OK)
        c = handler_launch(s, l, l->fd, NULL, 0, l->addr.text, -1);
    if (!c) {
        refusals_record(s, rt, v == ADMIT_OK ? REFUSE_SPAWN_FAILED : v, l->addr.text);
        pause_listener(s, l, now + backoff_delay(++l->fast_exits));
        return;
    }
    admit_started(rt->admit, NULL);
    c->wait_listener = l;
    l->refs++;
    l->wait_pid = c->pid;
    handler_after_spawn(s);
}

static void log_exit(const struct child *c, int status, uint64_t now)
{
    unsigned long long ms = (now - c->start_ns) / NSEC_PER_MSEC;

    if (WIFSIGNALED(status)) {
        char buf[16];
        log_event("event=exit service=%s pid=%d signal=%s duration_ms=%llu", c->rt->name,
                  (int)c->pid, signal_name(WTERMSIG(status), buf, sizeof(buf)), ms);
    } else {
        log_event("event=exit service=%s pid=%d status=%d duration_ms=%llu", c->rt->name,
                  (int)c->pid, WEXITSTATUS(status), ms);
    }
}

/*
 * A wait handler is done: watch its socket again.  One that exited young
 * having failed, or having left its queue as it found it (wait_mark.h), is
 * retried at once WAIT_GRACE times in a row (a listening socket's queue can
 * look unchanged when more connections came in), then backed off: a handler
 * that exits at once must not make the daemon spin.  Never disabled.
 */
#define WAIT_GRACE 2

static void wait_handler_done(struct server *s, struct listener *l, bool young, bool failed,
                              uint64_t now)
{
    l->wait_pid = 0;
    if (l->closed || s->stopping)
        return;
    if (!young || (!failed && !wait_mark_unchanged(l->fd, &l->wait_mark))) {
        l->fast_exits = 0;
        loop_watch(s, l, true);
        return;
    }
    if (++l->fast_exits <= WAIT_GRACE) {
        loop_watch(s, l, true);
        return;
    }
    uint64_t delay = backoff_delay(l->fast_exits - WAIT_GRACE);
    log_event("event=backoff service=%s address=%s delay_ms=%llu", l->rt->name, l->addr.text,
              (unsigned long long)(delay / NSEC_PER_MSEC));
    pause_listener(s, l, now + delay);
}

static void handler_exited(struct server *s, struct child *c, int status)
{
    uint64_t now = clock_now_ns();
    struct svc_rt *rt = c->rt;
    bool young = now - c->start_ns < YOUNG_NS;
    bool failed = WIFSIGNALED(status) || WEXITSTATUS(status) != 0;

    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        spawn_collect(); /* was it a start that failed before the exec? */
    if (c->failed_step) {
        char q[256], qq[300];
        rt->failed++;
        snprintf(q, sizeof(q), "%s: %s", c->failed_step, strerror(c->failed_errno));
        log_event_err("event=exec_failed service=%s pid=%d error=%s", rt->name, (int)c->pid,
                      log_quote(q, qq, sizeof(qq)));
    }
    log_exit(c, status, now);
    timers_cancel(&s->timers, c);
    admit_finished(rt->admit, c->has_key ? &c->key : NULL);
    s->live_total--;
    struct listener *l = c->wait_listener;
    if (l && c->is_worker) {
        pool_worker_exited(s, l, c, young, now);
        s->pool_check = true;
    } else if (l)
        wait_handler_done(s, l, young, failed, now);
    if (l)
        listener_unref(l);
    children_remove(&s->children, c);
    svc_rt_unref(rt);
}

/* spawn.h: a child that failed before its exec; logged when it is reaped. */
void handler_exec_failed(pid_t pid, const char *step, int err, void *ctx)
{
    struct server *s = ctx;
    struct child *c = children_find(&s->children, pid);

    if (c) {
        c->failed_step = step;
        c->failed_errno = err;
    }
}

/* Reap PID if it has exited; O(1) in the kernel, unlike waitpid(-1). */
static bool reap_pid(struct server *s, pid_t pid)
{
    int status;

    if (waitpid(pid, &status, WNOHANG) != pid)
        return false;
    struct child *c = children_find(&s->children, pid);
    if (c)
        handler_exited(s, c, status);
    return true;
}

/*
 * With many live handlers a waitpid(-1) sweep is costly, so exits whose
 * SIGCHLD coalesced with another's are looked for first where they almost
 * always are: among the newest handlers.
 */
#define REAP_PROBE_NEWEST 16

void handler_after_spawn(struct server *s)
{
    /* With many live handlers, take the exit notices that queued during the
     * spawn batch before another one coalesces with them (signals.h); with
     * few, a coalesced exit costs only a cheap sweep. */
    if (s->children.count > REAP_PACED_FROM)
        handler_reap_signalled(s);
}

void handler_reap_signalled(struct server *s)
{
    pid_t pids[256];
    int n;

    do {
        n = signals_read_exits(s->childfd, pids, 256);
        if (n == 0)
            return;
        for (int i = 0; i < n; i++)
            reap_pid(s, pids[i]);
        s->reap_due = true; /* others may have exited under the same notice */
        if (s->children.count <= REAP_PACED_FROM)
            continue;
        struct child *c = s->children.newest;
        for (int k = 0; c && k < REAP_PROBE_NEWEST; k++) {
            struct child *older = c->older;
            reap_pid(s, c->pid);
            c = older;
        }
    } while (n == 256); /* fewer: the queue was drained */
}

void handler_reap(struct server *s)
{
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid <= 0)
            break; /* 0: none left exited; -1/ECHILD: no children at all */
        struct child *c = children_find(&s->children, pid);
        log_debug("event=reap pid=%d by=sweep", (int)pid); /* its SIGCHLD coalesced */
        if (c)
            handler_exited(s, c, status);
    }
}

void handler_timeouts(struct server *s, uint64_t now)
{
    struct child *c;

    while ((c = timers_first(&s->timers)) && c->deadline_ns <= now) {
        int sig = c->timeout_stage == 0 ? SIGTERM : SIGKILL;
        char buf[16];
        /* The handler is a session leader: its whole process group goes. */
        kill(-c->pid, sig);
        kill(c->pid, sig);
        log_event("event=timeout service=%s pid=%d signal=%s", c->rt->name, (int)c->pid,
                  signal_name(sig, buf, sizeof(buf)));
        if (c->timeout_stage++ == 0) {
            c->deadline_ns = now + KILL_GRACE_NS;
            timers_arm(&s->timers, c);
        } else {
            timers_cancel(&s->timers, c);
        }
    }
}
