/*
 * The control socket itself: opening it (its file is control_sock.c's),
 * moving it on reload or making it again when its file went, and
 * accepting: each peer is checked with SO_PEERCRED (root, our own uid, or a
 * member of control_group) as it becomes a client (control_peer.c); one
 * refused is logged and gets only "error: permission denied" to its request.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "control_int.h"
#include "log.h"

#define ACCEPT_BATCH    16
#define EMFILE_PAUSE_NS (100 * NSEC_PER_MSEC)
#define MAX_PEER_GROUPS 1024

/* Open what CFG asks for into CS (fd -1 for none).  A failure on the
 * default path is a warning, said once: two daemons may run (tests). */
static int control_open(struct control *ctl, const struct config *cfg, bool replace_stale,
                        struct control_sock *cs, char *err, size_t errlen)
{
    bool in_use;

    ctl_sock_init(cs);
    if (!cfg->control)
        return 0;
    if (ctl_sock_open(cfg, replace_stale, cs, &in_use, err, errlen) == 0)
        return 0;
    if (!cfg->control_is_default)
        return -1;
    if (!ctl->warned_default) {
        snprintf(ctl->warning, sizeof(ctl->warning), "%s; running without a control socket", err);
        timers_arm(&ctl->s->loop.timers, &ctl->say, TIMERS_NOW);
    }
    ctl->warned_default = true;
    return 0;
}

static bool peer_in_group(int fd, pid_t pid, gid_t gid)
{
    gid_t groups[MAX_PEER_GROUPS];
    socklen_t len = sizeof(groups);

    /* SO_PEERGROUPS: the peer's groups when it connected, no NSS look-up
     * (which could block the loop) and no pid race. */
    if (getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, groups, &len) == 0) {
        for (size_t i = 0; i < len / sizeof(gid_t); i++)
            if (groups[i] == gid)
                return true;
        return false;
    }
    /* Older kernels: the peer's Groups line (it may have changed since). */
    char path[64], line[4096];
    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    FILE *f = fopen(path, "re");
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f)) {
        if (strncmp(line, "Groups:", 7) != 0)
            continue;
        for (char *p = line + 7, *end; *p && !found; p = end) {
            unsigned long g = strtoul(p, &end, 10);
            if (end == p)
                break;
            found = (gid_t)g == gid;
        }
        break;
    }
    if (f)
        fclose(f);
    return found;
}

/* Root, our own uid, or a member of control_group. */
static bool peer_allowed(const struct server *s, int fd, const struct ucred *cr)
{
    if (cr->uid == 0 || cr->uid == geteuid())
        return true;
    if (!s->cfg->has_control_group)
        return false;
    return cr->gid == s->cfg->control_gid || peer_in_group(fd, cr->pid, s->cfg->control_gid);
}

static void control_accept_one(struct control *ctl, int fd)
{
    struct server *s = ctl->s;
    struct ucred cr = {.pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1};
    socklen_t len = sizeof(cr);
    bool allowed =
        getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) == 0 && peer_allowed(s, fd, &cr);

    if (ctl->n_peers >= CTL_MAX_PEERS) {
        if (clock_once_a_second(&ctl->busy_until))
            log_event("event=control_refused uid=%d pid=%d reason=busy clients=%u", (int)cr.uid,
                      (int)cr.pid, ctl->n_peers);
        close(fd);
        return;
    }
    if (!allowed)
        log_event("event=control_refused uid=%d pid=%d reason=permission", (int)cr.uid,
                  (int)cr.pid);
    control_peer_accepted(ctl, fd, !allowed, cr.uid);
}

static void control_ready(struct ev *ev, uint32_t events)
{
    struct control *ctl = LOOP_OWNER(ev, struct control, ev);

    (void)events;
    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(ev->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd >= 0) {
            control_accept_one(ctl, fd);
            continue;
        }
        if (errno == EINTR || errno == ECONNABORTED)
            continue;
        if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
            /* Level-triggered: stop watching rather than spin; the timer resumes. */
            loop_forget(&ctl->s->loop, &ctl->ev);
            timers_arm(&ctl->s->loop.timers, &ctl->resume, clock_now_ns() + EMFILE_PAUSE_NS);
        } else if (errno != EAGAIN && errno != EWOULDBLOCK) {
            log_warn("control socket: accept");
        }
        return;
    }
}

/* Serve CS (taken over) as the listening socket; the old one is closed. */
static void control_install(struct control *ctl, struct control_sock *cs)
{
    loop_forget(&ctl->s->loop, &ctl->ev);
    ctl_sock_close(&ctl->sock);
    ctl->sock = *cs;
    ctl_sock_init(cs);
    timers_cancel(&ctl->s->loop.timers, &ctl->resume);
    loop_ev_set(&ctl->ev, ctl->sock.fd, control_ready, ctl->s);
    if (ctl->sock.fd >= 0 && loop_watch(&ctl->s->loop, &ctl->ev, EPOLLIN) == -1) {
        log_warn("control socket %s: cannot watch it", ctl->sock.path);
        ctl_sock_close(&ctl->sock);
    }
}

/* Out of descriptors a while ago: accept again. */
static void control_resumed(struct timer *t, uint64_t now)
{
    struct control *ctl = LOOP_OWNER(t, struct control, resume);

    (void)now;
    if (ctl->sock.fd >= 0 && loop_watch(&ctl->s->loop, &ctl->ev, EPOLLIN) == -1)
        log_warn("control socket: cannot watch it");
}

/* Say what control_open could only note (the log goes to syslog by now). */
static void control_say(struct timer *t, uint64_t now)
{
    struct control *ctl = LOOP_OWNER(t, struct control, say);

    (void)now;
    log_warnx("%s", ctl->warning);
    ctl->warning[0] = '\0';
}

struct control *control_new(struct server *s)
{
    struct control *ctl = s->control ? s->control : calloc(1, sizeof(*ctl));

    if (!ctl || s->control)
        return ctl;
    ctl->s = s;
    timer_set(&ctl->say, control_say, NULL);
    timer_set(&ctl->resume, control_resumed, NULL);
    ctl_sock_init(&ctl->sock);
    loop_ev_set(&ctl->ev, -1, control_ready, s);
    s->control = ctl;
    return ctl;
}

/* After an upgrade: the socket the old image served, kept as a reload
 * keeps it (or moved, when the config read afresh says another path). */
static void control_continue(struct server *s)
{
    struct control *ctl = s->control;
    struct control_sock carried = ctl->sock;
    struct control_plan cp;
    char err[600];

    ctl_sock_init(&ctl->sock);
    control_install(ctl, &carried);
    if (control_prepare(s, s->cfg, &cp, err, sizeof(err)) == -1) {
        log_warnx("%s; the control socket stays at %s", err, ctl->sock.path);
        return;
    }
    control_commit(s, &cp);
}

int control_start(struct server *s, char *err, size_t errlen)
{
    struct control_sock cs;
    struct control *ctl = control_new(s);

    if (!ctl) {
        snprintf(err, errlen, "control socket: out of memory");
        return -1;
    }
    if (ctl->sock.fd >= 0) {
        control_continue(s);
        return 0;
    }
    if (control_open(ctl, s->cfg, true, &cs, err, errlen) == -1)
        return -1;
    control_install(ctl, &cs);
    if (ctl->sock.fd >= 0)
        log_event("event=control path=%s", ctl->sock.path);
    return 0;
}

static bool same_path(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

int control_prepare(struct server *s, const struct config *cfg, struct control_plan *p, char *err,
                    size_t errlen)
{
    struct control *ctl = s->control;

    memset(p, 0, sizeof(*p));
    ctl_sock_init(&p->new);
    p->cfg = cfg;
    if (!ctl)
        return 0; /* not started (never while running) */
    /* Same path, still our file: keep the socket (mode and group at
     * commit).  Same path, but the file is gone (cleaned up) or something
     * else stands there: a new socket, never touching what stands there.
     * Same path but we have none (the default was taken): try it again. */
    if (ctl->sock.fd >= 0 && same_path(ctl->sock.path, cfg->control)) {
        if (ctl_sock_still_ours(&ctl->sock))
            return 0;
        p->change = true;
        return control_open(ctl, cfg, false, &p->new, err, errlen);
    }
    if (ctl->sock.fd < 0 && !cfg->control)
        return 0;
    p->change = true;
    return control_open(ctl, cfg, true, &p->new, err, errlen);
}

void control_commit(struct server *s, struct control_plan *p)
{
    struct control *ctl = s->control;

    if (!ctl)
        return;
    if (!p->change) {
        if (ctl->sock.fd >= 0 && ctl_sock_set_access(&ctl->sock, p->cfg) == -1)
            log_warn("control socket %s: mode", ctl->sock.path);
        return;
    }
    bool had = ctl->sock.fd >= 0;
    control_install(ctl, &p->new);
    if (ctl->sock.fd >= 0)
        log_event("event=control path=%s", ctl->sock.path);
    else if (had) /* none before and none now (the default is still taken): nothing to say */
        log_event("event=control path=none");
}

void control_abandon(struct control_plan *p)
{
    ctl_sock_close(&p->new);
}

void control_reload_done(struct server *s, const struct reload_result *r)
{
    struct control *ctl = s->control;

    if (!ctl)
        return;
    for (struct control_peer *peer = ctl->peers, *next; peer; peer = next) {
        next = peer->next_peer; /* answering may close it */
        if (peer->phase == PEER_PARKED && peer->req.cmd == CTL_RELOAD)
            control_answer_reload(peer, r);
    }
}

void control_upgrade_done(struct server *s, const char *error)
{
    struct control *ctl = s->control;

    for (struct control_peer *peer = ctl ? ctl->peers : NULL, *next; peer; peer = next) {
        next = peer->next_peer; /* answering may close it */
        if (peer->phase == PEER_PARKED && peer->req.cmd == CTL_UPGRADE)
            control_answer_upgrade(peer, error);
    }
}

void control_free(struct server *s)
{
    struct control *ctl = s->control;

    if (!ctl)
        return;
    while (ctl->peers)
        control_peer_close(ctl->peers);
    timers_cancel(&s->loop.timers, &ctl->say);
    timers_cancel(&s->loop.timers, &ctl->resume);
    loop_forget(&s->loop, &ctl->ev);
    ctl_sock_close(&ctl->sock);
    free(ctl);
    s->control = NULL;
}
