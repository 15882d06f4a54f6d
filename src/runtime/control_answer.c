/*
 * The control socket's answers (SPEC section 9, protocol in
 * lib/ctl_proto.h): `ok` and a body, or one `error:` line.  A long body
 * (status, handlers; metrics in control_metrics.c) is generated in chunks as the client drains
 * it, from a snapshot taken at the request: the live handlers' pids, each
 * looked up again when its row is due (a handler that exited meanwhile is
 * left out, so the cursor survives any exit), or the services' states,
 * each held by a reference (a reload meanwhile cannot free them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "activate.h"
#include "clock.h"
#include "context.h"
#include "control_int.h"
#include "refusals.h"
#include "reload.h"
#include "status.h"
#include "upgrade.h"

void control_answer_error(struct control_peer *peer, const char *msg)
{
    outbuf_adds(&peer->out, "error: ");
    /* One line, whatever the message holds. */
    for (const char *p = msg; *p; p++)
        outbuf_addc(&peer->out, *p == '\n' || *p == '\r' ? ' ' : *p);
    outbuf_addc(&peer->out, '\n');
    peer->fill = NULL;
    control_peer_pump(peer);
}

void control_answer_release(struct control_peer *peer)
{
    for (size_t i = 0; peer->states && i < peer->n; i++)
        svc_state_unref(peer->states[i]);
    free(peer->states);
    free(peer->pids);
    free(peer->bans);
    peer->states = NULL;
    peer->pids = NULL;
    peer->bans = NULL;
    peer->n = peer->next = peer->n_bans = peer->next_ban = 0;
}

int control_snapshot_services(struct server *s, struct control_peer *peer)
{
    size_t n = s->cfg->n_services;

    peer->states = calloc(n + 1, sizeof(*peer->states));
    if (!peer->states)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (s->states[i]) {
            peer->states[peer->n++] = s->states[i];
            s->states[i]->refs++;
        }
    return 0;
}

/* ---- status */

static bool fill_status(struct server *s, struct control_peer *peer)
{
    while (control_peer_has_room(peer) && peer->next < peer->n) {
        const struct svc_state *state = peer->states[peer->next++];
        if (!state->svc)
            continue; /* a reload since the request took it out of service */
        if (peer->req.json) {
            status_service_json(&peer->json, s, state);
        } else {
            status_service_text(&peer->out, s, state);
            outbuf_addc(&peer->out, '\n');
        }
    }
    if (peer->next < peer->n)
        return false;
    if (peer->req.json) {
        json_array_end(&peer->json);
        json_object_end(&peer->json);
        outbuf_addc(&peer->out, '\n');
    }
    return true;
}

static int answer_status(struct server *s, struct control_peer *peer)
{
    uint64_t now = clock_now_ns();

    if (control_snapshot_services(s, peer) == -1)
        return -1;
    outbuf_adds(&peer->out, "ok\n");
    if (peer->req.json) {
        json_object_begin(&peer->json);
        status_daemon_json(&peer->json, s, now);
        json_key(&peer->json, "services");
        json_array_begin(&peer->json);
    } else {
        status_daemon_text(&peer->out, s, now);
        outbuf_addc(&peer->out, '\n');
    }
    peer->fill = fill_status;
    return 0;
}

/* ---- handlers */

static bool fill_handlers(struct server *s, struct control_peer *peer)
{
    uint64_t now = clock_now_ns();

    while (control_peer_has_room(peer) && peer->next < peer->n) {
        const struct child *c = children_find(&s->children, peer->pids[peer->next++]);
        /* Gone since the snapshot, or a newer handler that got its pid. */
        if (!c || c->start_ns > peer->snap_ns)
            continue;
        if (peer->req.json) {
            status_handler_json(&peer->json, c, now);
        } else {
            status_handler_text(&peer->out, c, now);
            outbuf_addc(&peer->out, '\n');
        }
    }
    return control_list_done(peer);
}

bool control_list_done(struct control_peer *peer)
{
    if (peer->next < peer->n)
        return false;
    if (peer->req.json) {
        json_array_end(&peer->json);
        outbuf_addc(&peer->out, '\n');
    }
    return true;
}

void control_answer_unknown(struct control_peer *peer, const char *name)
{
    char msg[CTL_ARG_MAX + 32];

    snprintf(msg, sizeof(msg), "unknown service \"%s\"", name);
    control_answer_error(peer, msg);
}

/* 0, 1 for an unknown service (answered), -1 out of memory. */
static int answer_handlers(struct server *s, struct control_peer *peer)
{
    const char *only = peer->req.arg[0] ? peer->req.arg : NULL;

    if (only && !activate_service_state(s, only)) {
        control_answer_unknown(peer, only);
        return 1;
    }
    peer->pids = malloc((s->children.count + 1) * sizeof(*peer->pids));
    if (!peer->pids)
        return -1;
    for (const struct child *c = s->children.oldest; c; c = c->newer)
        if (!only || strcmp(c->svc_state->name, only) == 0)
            peer->pids[peer->n++] = c->pid;
    peer->snap_ns = clock_now_ns();
    outbuf_adds(&peer->out, "ok\n");
    if (peer->req.json)
        json_array_begin(&peer->json);
    peer->fill = fill_handlers;
    return 0;
}

/* ---- version, reload */

static void answer_version(struct control_peer *peer)
{
    outbuf_adds(&peer->out, "ok\n");
    if (peer->req.json) {
        json_object_begin(&peer->json);
        json_kv_string(&peer->json, "version", PACKAGE_VERSION);
        json_object_end(&peer->json);
        outbuf_addc(&peer->out, '\n');
    } else {
        outbuf_adds(&peer->out, "superserverd " PACKAGE_VERSION "\n");
    }
}

/* The reload runs in the turn, after the event batch (as for SIGHUP): the
 * client waits, watching nothing, until control_reload_done answers it. */
static void answer_reload_later(struct server *s, struct control_peer *peer)
{
    control_peer_park(peer);
    reload_request(s);
}

void control_answer_reload(struct control_peer *peer, const struct reload_result *r)
{
    if (!r->ok) {
        control_answer_error(peer, r->error);
        return;
    }
    outbuf_adds(&peer->out, "ok\n");
    if (peer->req.json) {
        json_object_begin(&peer->json);
        json_kv_string(&peer->json, "result", "ok");
        json_kv_uint(&peer->json, "services", r->services);
        json_kv_uint(&peer->json, "kept_sockets", r->st.kept);
        json_kv_uint(&peer->json, "opened", r->st.opened);
        json_kv_uint(&peer->json, "closed", r->st.closed);
        json_object_end(&peer->json);
        outbuf_addc(&peer->out, '\n');
    } else {
        outbuf_printf(&peer->out, "reload ok services=%zu kept_sockets=%u opened=%u closed=%u\n",
                      r->services, r->st.kept, r->st.opened, r->st.closed);
    }
    control_peer_pump(peer);
}

/* The upgrade runs as the turn goes on (the check of the new binary, then
 * the exec): the client waits, watching nothing, for control_upgrade_done
 * (in this image, or in the new one).  A second one gets "busy" at once. */
static void answer_upgrade_later(struct server *s, struct control_peer *peer)
{
    char err[600];

    if (upgrade_start(s, err, sizeof(err)) == -1) {
        control_answer_error(peer, err);
        return;
    }
    control_peer_park(peer);
}

void control_answer_upgrade(struct control_peer *peer, const char *error)
{
    if (error) {
        control_answer_error(peer, error);
        return;
    }
    outbuf_adds(&peer->out, "ok\n");
    if (peer->req.json) {
        json_object_begin(&peer->json);
        json_kv_string(&peer->json, "result", "ok");
        json_kv_string(&peer->json, "version", PACKAGE_VERSION);
        json_kv_uint(&peer->json, "pid", (unsigned long long)getpid());
        json_object_end(&peer->json);
        outbuf_addc(&peer->out, '\n');
    } else {
        outbuf_printf(&peer->out, "upgrade ok version=%s pid=%d\n", PACKAGE_VERSION, (int)getpid());
    }
    control_peer_pump(peer);
}

void control_answer(struct server *s, struct control_peer *peer)
{
    int rc = 0;

    json_init(&peer->json, &peer->out);
    control_peer_deadline(peer, CTL_IDLE_NS);
    switch (peer->req.cmd) {
    case CTL_STATUS:
        rc = answer_status(s, peer);
        break;
    case CTL_HANDLERS:
        rc = answer_handlers(s, peer);
        break;
    case CTL_METRICS:
        rc = control_metrics_answer(s, peer);
        break;
    case CTL_VERSION:
        answer_version(peer);
        break;
    case CTL_RELOAD:
        answer_reload_later(s, peer);
        return;
    case CTL_PAUSE:
    case CTL_DRAIN:
    case CTL_RESUME:
    case CTL_BANS:
    case CTL_BAN:
    case CTL_UNBAN:
        if (control_ops_answer(s, peer) == 0)
            return; /* answered (and pumped) */
        rc = -1;
        break;
    case CTL_UPGRADE:
        answer_upgrade_later(s, peer);
        return;
    }
    if (rc == 1)
        return; /* answered with an error */
    if (rc == -1) {
        control_answer_release(peer);
        outbuf_drain(&peer->out);
        control_answer_error(peer, "out of memory");
        return;
    }
    control_peer_pump(peer);
}
