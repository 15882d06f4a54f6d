/*
 * The operator's hold (see hold.h), per mode:
 *
 *   nowait   pause: not watched, so connections wait in the backlog (ones
 *            already accepted and waiting for a PROXY header go on to
 *            their handler).  drain: what the queue holds is accepted and
 *            served first, then the kernel refuses (listener_drain).
 *   wait     no handler is started while held; one holding the socket goes
 *            on with it (it accepts or reads itself; under drain its
 *            accept() fails and a udp one receives nothing new), and its
 *            exit does not watch the socket again.
 *   prefork  workers accept themselves, so pause is refused; under drain
 *            their accept() fails, and a worker that exits is not replaced
 *            until resume.
 */
#include <stdbool.h>
#include <stdio.h>

#include "accept.h"
#include "context.h"
#include "hold.h"
#include "log.h"
#include "pool.h"
#include "wait.h"

/* Why L cannot take WANT, or NULL. */
static const char *hold_refusal(const struct listener *l, enum svc_hold want)
{
    if (want == SVC_PAUSED && l->mode == MODE_PREFORK)
        return "prefork workers accept connections themselves, so pause cannot stop them "
               "(drain makes the kernel refuse them)";
    if (want == SVC_DRAINING && l->inherited && l->addr.kind == LISTEN_UNIX &&
        l->protocol == PROTO_TCP)
        return "a unix stream socket passed by systemd cannot listen again once drained (pause "
               "stops accepting on it)";
    return NULL;
}

/* The mode has its socket again: watched (nowait; wait unless a handler
 * holds it), or the pool refilled (after retiring the workers that hold
 * the old socket when there is a NEW_SOCKET). */
static void hold_release(struct server *s, struct listener *l, bool new_socket)
{
    l->held = false;
    if (l->mode != MODE_PREFORK) {
        wait_watch_unless_held(s, l);
        return;
    }
    if (new_socket)
        pool_retire(l);
    pool_refill_soon(l->pool);
}

/* L's socket as WANT asks.  -1 with ERR when the kernel said no. */
static int hold_socket(struct server *s, struct listener *l, enum svc_hold want, char *err,
                       size_t errlen)
{
    int undrained = 0, rc = 0;

    if (want != SVC_RUNNING && !l->held) {
        l->held = true;
        listener_watch(&s->loop, l, false);
    }
    if (want == SVC_DRAINING && !l->drained) {
        if (l->mode == MODE_NOWAIT)
            accept_flush(s, l);
        rc = listener_drain(l, err, errlen);
    } else if (want != SVC_DRAINING && l->drained) {
        undrained = listener_undrain(l, &s->listeners_shared, err, errlen);
        rc = undrained < 0 ? -1 : 0;
    }
    if (want == SVC_RUNNING && l->held)
        hold_release(s, l, undrained == 1);
    return rc;
}

int hold_set(struct server *s, struct svc_state *state, enum svc_hold want, char *err,
             size_t errlen)
{
    char why[256];
    int rc = 0;

    for (size_t i = 0; i < s->n_listeners; i++) {
        const struct listener *l = s->listeners[i];
        const char *no = l->svc_state == state ? hold_refusal(l, want) : NULL;
        if (no) {
            snprintf(err, errlen, "service %s: %s: %s", state->name, l->addr.text, no);
            return -1;
        }
    }
    state->hold = want;
    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener *l = s->listeners[i];
        if (l->svc_state == state && hold_socket(s, l, want, why, sizeof(why)) == -1 && rc == 0) {
            snprintf(err, errlen, "service %s: %s: %s", state->name, l->addr.text, why);
            rc = -1;
        }
    }
    return rc;
}

void hold_reapply(struct server *s)
{
    char why[256];

    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener *l = s->listeners[i];
        struct svc_state *state = l->svc_state;
        const char *no = hold_refusal(l, state->hold);
        if (no) {
            log_warnx("service %s is %s no more: %s: %s", state->name, svc_hold_name(state->hold),
                      l->addr.text, no);
            state->hold = SVC_RUNNING;
        }
    }
    for (size_t i = 0; i < s->n_listeners; i++) {
        struct listener *l = s->listeners[i];
        if (hold_socket(s, l, l->svc_state->hold, why, sizeof(why)) == -1)
            log_warnx("service %s: %s: %s", l->svc_state->name, l->addr.text, why);
    }
}
