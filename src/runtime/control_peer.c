/*
 * One control peer, the daemon's side of a client's connection to the
 * control socket: a watched object of the reactor, level-triggered.
 * It reads one request line (at most CTL_REQUEST_MAX bytes, within
 * CTL_IDLE_NS of connecting), then writes the answer without blocking: each
 * wake-up generates at most one chunk of rows (control_answer.c) and sends
 * what the socket takes.  Level triggering is what lets a wake-up stop after
 * one chunk: the loop calls again while the socket stays writable, with
 * every other ready object served in between, so a dump of 10,000 handlers
 * to a fast reader never holds the loop, and one to a reader that stops
 * reading costs nothing until its deadline closes it.  One request per
 * connection; a client waiting on a reload watches nothing until the turn
 * answers it (control_reload_done).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "control_int.h"
#include "log.h"

static void control_peer_ready(struct ev *ev, uint32_t events);

/* Past its deadline: whatever it was doing, it is closed. */
static void control_peer_timed_out(struct timer *t, uint64_t now)
{
    struct control_peer *peer = LOOP_OWNER(t, struct control_peer, idle);

    (void)now;
    log_event("event=control_timeout phase=%s", peer->phase == PEER_READING ? "request" : "answer");
    control_peer_close(peer);
}

void control_peer_deadline(struct control_peer *peer, uint64_t in_ns)
{
    timers_arm(&peer->ctl->s->loop.timers, &peer->idle, clock_now_ns() + in_ns);
}

void control_peer_park(struct control_peer *peer)
{
    struct loop *lp = &peer->ctl->s->loop;

    peer->phase = PEER_PARKED;
    loop_forget(lp, &peer->ev);
    timers_cancel(&lp->timers, &peer->idle);
}

/* A peer on FD, listed and watched for EVENTS (none: parked); NULL when it
 * cannot be (FD closed). */
static struct control_peer *control_peer_new(struct control *ctl, int fd, uint32_t events)
{
    struct control_peer *peer = calloc(1, sizeof(*peer));

    if (!peer) {
        close(fd);
        return NULL;
    }
    peer->ctl = ctl;
    timer_set(&peer->idle, control_peer_timed_out, NULL);
    outbuf_init(&peer->out, NULL, CTL_OUT_MAX);
    loop_ev_set(&peer->ev, fd, control_peer_ready, ctl->s);
    if (events && loop_watch(&ctl->s->loop, &peer->ev, events) == -1) {
        outbuf_free(&peer->out);
        free(peer);
        close(fd);
        return NULL;
    }
    peer->next_peer = ctl->peers;
    if (ctl->peers)
        ctl->peers->prev_peer = peer;
    ctl->peers = peer;
    ctl->n_peers++;
    return peer;
}

void control_peer_accepted(struct control *ctl, int fd, bool denied, uid_t uid)
{
    struct control_peer *peer = control_peer_new(ctl, fd, EPOLLIN);

    if (!peer)
        return;
    peer->phase = PEER_READING;
    peer->denied = denied;
    peer->uid = uid;
    control_peer_deadline(peer, denied ? CTL_DENIED_NS : CTL_IDLE_NS);
}

void control_peer_adopt(struct control *ctl, int fd, const struct ctl_request *req, uid_t uid)
{
    struct control_peer *peer = control_peer_new(ctl, fd, 0);

    if (!peer)
        return;
    peer->phase = PEER_PARKED;
    peer->req = *req;
    peer->uid = uid;
    json_init(&peer->json, &peer->out);
}

void control_peer_close(struct control_peer *peer)
{
    struct control *ctl = peer->ctl;

    loop_forget(&ctl->s->loop, &peer->ev);
    timers_cancel(&ctl->s->loop.timers, &peer->idle);
    close(peer->ev.fd);
    if (peer->prev_peer)
        peer->prev_peer->next_peer = peer->next_peer;
    else
        ctl->peers = peer->next_peer;
    if (peer->next_peer)
        peer->next_peer->prev_peer = peer->prev_peer;
    ctl->n_peers--;
    control_answer_release(peer);
    outbuf_free(&peer->out);
    free(peer);
}

/* Read what the client sent; answer once the request is complete. */
static void control_peer_read(struct control_peer *peer)
{
    char err[200];
    ssize_t n =
        recv(peer->ev.fd, peer->in + peer->in_len, sizeof(peer->in) - peer->in_len, MSG_DONTWAIT);

    if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        control_peer_close(peer); /* gone before asking */
        return;
    }
    if (n < 0)
        return;
    peer->in_len += (size_t)n;
    int rc = ctl_request_parse(peer->in, peer->in_len, &peer->req, err, sizeof(err));
    if (rc == 0 && peer->in_len < sizeof(peer->in))
        return;
    if (rc == 0)
        snprintf(err, sizeof(err), "request longer than %d bytes", CTL_REQUEST_MAX);
    if (peer->denied)
        snprintf(err, sizeof(err), "permission denied");
    if (rc != 1 || peer->denied) {
        control_answer_error(peer, err);
        return;
    }
    control_answer(peer->ctl->s, peer);
}

void control_peer_pump(struct control_peer *peer)
{
    struct loop *lp = &peer->ctl->s->loop;

    if (peer->phase == PEER_PARKED) /* answered after the reload: a new deadline */
        control_peer_deadline(peer, CTL_IDLE_NS);
    peer->phase = PEER_WRITING;
    if (peer->out_off == peer->out.len && peer->fill) {
        outbuf_drain(&peer->out);
        peer->out_off = 0;
        if (peer->fill(peer->ctl->s, peer))
            peer->fill = NULL;
    }
    if (peer->out.failed) {
        log_warnx("control: answer larger than a client buffer, cut short");
        control_peer_close(peer);
        return;
    }
    if (peer->out_off < peer->out.len) {
        ssize_t n = send(peer->ev.fd, peer->out.data + peer->out_off, peer->out.len - peer->out_off,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            control_peer_close(peer); /* it went away mid-answer */
            return;
        }
        if (n > 0) {
            peer->out_off += (size_t)n;
            control_peer_deadline(peer, CTL_IDLE_NS);
        }
    }
    if (peer->out_off == peer->out.len && !peer->fill) {
        control_peer_close(peer); /* all said: one request per connection */
        return;
    }
    if (loop_watch(lp, &peer->ev, EPOLLOUT) == -1)
        control_peer_close(peer);
}

static void control_peer_ready(struct ev *ev, uint32_t events)
{
    struct control_peer *peer = LOOP_OWNER(ev, struct control_peer, ev);

    if (peer->phase == PEER_READING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        control_peer_read(peer);
    else if (peer->phase == PEER_WRITING)
        control_peer_pump(peer);
}
