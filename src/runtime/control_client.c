/*
 * One control client: a watched object of the reactor, level-triggered.
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

static void ctl_client_ready(struct ev *ev, uint32_t events);

/* Past its deadline: whatever it was doing, it is closed. */
static void ctl_client_timed_out(struct timer *t, uint64_t now)
{
    struct ctl_client *cl = LOOP_OWNER(t, struct ctl_client, idle);

    (void)now;
    log_event("event=control_timeout phase=%s", cl->phase == CL_READING ? "request" : "answer");
    ctl_client_close(cl);
}

void ctl_client_deadline(struct ctl_client *cl, uint64_t in_ns)
{
    timers_arm(&cl->ctl->s->loop.timers, &cl->idle, clock_now_ns() + in_ns);
}

void ctl_client_park(struct ctl_client *cl)
{
    struct loop *lp = &cl->ctl->s->loop;

    cl->phase = CL_PARKED;
    loop_forget(lp, &cl->ev);
    timers_cancel(&lp->timers, &cl->idle);
}

void ctl_client_accepted(struct control *ctl, int fd, bool denied)
{
    struct ctl_client *cl = calloc(1, sizeof(*cl));

    if (!cl) {
        close(fd);
        return;
    }
    cl->ctl = ctl;
    cl->phase = CL_READING;
    cl->denied = denied;
    timer_set(&cl->idle, ctl_client_timed_out, NULL);
    outbuf_init(&cl->out, NULL, CTL_OUT_MAX);
    loop_ev_set(&cl->ev, fd, ctl_client_ready, cl);
    if (loop_watch(&ctl->s->loop, &cl->ev, EPOLLIN) == -1) {
        outbuf_free(&cl->out);
        free(cl);
        close(fd);
        return;
    }
    cl->next_cl = ctl->clients;
    if (ctl->clients)
        ctl->clients->prev_cl = cl;
    ctl->clients = cl;
    ctl->n_clients++;
    ctl_client_deadline(cl, denied ? CTL_DENIED_NS : CTL_IDLE_NS);
}

void ctl_client_close(struct ctl_client *cl)
{
    struct control *ctl = cl->ctl;

    loop_forget(&ctl->s->loop, &cl->ev);
    timers_cancel(&ctl->s->loop.timers, &cl->idle);
    close(cl->ev.fd);
    if (cl->prev_cl)
        cl->prev_cl->next_cl = cl->next_cl;
    else
        ctl->clients = cl->next_cl;
    if (cl->next_cl)
        cl->next_cl->prev_cl = cl->prev_cl;
    ctl->n_clients--;
    ctl_answer_release(cl);
    outbuf_free(&cl->out);
    free(cl);
}

/* Read what the client sent; answer once the request is complete. */
static void ctl_client_read(struct ctl_client *cl)
{
    char err[200];
    ssize_t n = recv(cl->ev.fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len, MSG_DONTWAIT);

    if (n == 0 || (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        ctl_client_close(cl); /* gone before asking */
        return;
    }
    if (n < 0)
        return;
    cl->in_len += (size_t)n;
    int rc = ctl_request_parse(cl->in, cl->in_len, &cl->req, err, sizeof(err));
    if (rc == 0 && cl->in_len < sizeof(cl->in))
        return;
    if (rc == 0)
        snprintf(err, sizeof(err), "request longer than %d bytes", CTL_REQUEST_MAX);
    if (cl->denied)
        snprintf(err, sizeof(err), "permission denied");
    if (rc != 1 || cl->denied) {
        ctl_answer_error(cl, err);
        return;
    }
    ctl_answer(cl->ctl->s, cl);
}

void ctl_client_pump(struct ctl_client *cl)
{
    struct loop *lp = &cl->ctl->s->loop;

    if (cl->phase == CL_PARKED) /* answered after the reload: a new deadline */
        ctl_client_deadline(cl, CTL_IDLE_NS);
    cl->phase = CL_WRITING;
    if (cl->out_off == cl->out.len && cl->fill) {
        outbuf_drain(&cl->out);
        cl->out_off = 0;
        if (cl->fill(cl->ctl->s, cl))
            cl->fill = NULL;
    }
    if (cl->out.failed) {
        log_warnx("control: answer larger than a client buffer, cut short");
        ctl_client_close(cl);
        return;
    }
    if (cl->out_off < cl->out.len) {
        ssize_t n = send(cl->ev.fd, cl->out.data + cl->out_off, cl->out.len - cl->out_off,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n == -1 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            ctl_client_close(cl); /* it went away mid-answer */
            return;
        }
        if (n > 0) {
            cl->out_off += (size_t)n;
            ctl_client_deadline(cl, CTL_IDLE_NS);
        }
    }
    if (cl->out_off == cl->out.len && !cl->fill) {
        ctl_client_close(cl); /* all said: one request per connection */
        return;
    }
    if (loop_watch(lp, &cl->ev, EPOLLOUT) == -1)
        ctl_client_close(cl);
}

static void ctl_client_ready(struct ev *ev, uint32_t events)
{
    struct ctl_client *cl = ev->ctx;

    if (cl->phase == CL_READING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
        ctl_client_read(cl);
    else if (cl->phase == CL_WRITING)
        ctl_client_pump(cl);
}
