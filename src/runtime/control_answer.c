/*
 * The control socket's answers (SPEC section 9, protocol in
 * lib/ctl_proto.h): `ok` and a body, or one `error:` line.  A long body
 * (status, handlers, metrics) is generated in chunks as the client drains
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
#include "prom_out.h"
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

static bool room(const struct control_peer *peer)
{
    return peer->out.len < CTL_CHUNK && !peer->out.failed;
}

/* ---- status */

static bool fill_status(struct server *s, struct control_peer *peer)
{
    while (room(peer) && peer->next < peer->n) {
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

    while (room(peer) && peer->next < peer->n) {
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

struct svc_state *control_service_named(const struct server *s, const char *name)
{
    for (size_t i = 0; i < s->cfg->n_services; i++)
        if (s->states[i] && strcmp(s->states[i]->name, name) == 0)
            return s->states[i];
    return NULL;
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

    if (only && !control_service_named(s, only)) {
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

/* ---- metrics */

enum metric_step {
    M_ACCEPTED,
    M_REFUSED,
    M_ACTIVE,
    M_SPAWN_FAILED,
    M_EXITS,
    M_STATE,
    M_HEALTH_CHECKS,
    M_DAEMON,
};

static const struct {
    const char *name, *type, *help;
} metric_families[] = {
    [M_ACCEPTED] = {"superserver_connections_accepted_total", "counter",
                    "Connections given a handler."},
    [M_REFUSED] = {"superserver_connections_refused_total", "counter",
                   "Connections refused, by reason."},
    [M_ACTIVE] = {"superserver_handlers_active", "gauge", "Live handlers."},
    [M_SPAWN_FAILED] = {"superserver_handler_spawn_failures_total", "counter",
                        "Handlers that could not be started or failed before their exec."},
    [M_EXITS] = {"superserver_handler_exits_total", "counter", "Handler exits, by outcome."},
    [M_STATE] = {"superserver_service_state", "gauge",
                 "1 for the service's state (running, paused, draining), 0 for the others."},
    [M_HEALTH_CHECKS] = {"superserver_proxy_health_checks_total", "counter",
                         "PROXY LOCAL headers closed without a handler (proxy_local: close)."},
};

static void metric_service(struct outbuf *ob, enum metric_step step, const struct svc_state *state)
{
    const char *name = metric_families[step].name;
    struct prom_label l[2] = {{"service", state->name}, {NULL, NULL}};

    switch (step) {
    case M_ACCEPTED:
        prom_sample_u64(ob, name, l, 1, state->accepted);
        break;
    case M_REFUSED:
        l[1].name = "reason";
        for (int r = 1; r < REFUSE_REASON_COUNT; r++) {
            l[1].value = refusals_reason_name(r);
            prom_sample_u64(ob, name, l, 2, state->refused_by[r]);
        }
        break;
    case M_ACTIVE:
        prom_sample_u64(ob, name, l, 1, admit_live(state->admit));
        break;
    case M_SPAWN_FAILED:
        prom_sample_u64(ob, name, l, 1, state->failed);
        break;
    case M_EXITS:
        l[1].name = "outcome";
        for (int o = 0; o < OUTCOME_COUNT; o++) {
            l[1].value = svc_outcome_name(o);
            prom_sample_u64(ob, name, l, 2, state->exits[o]);
        }
        break;
    case M_STATE:
        l[1].name = "state";
        for (int h = 0; h < SVC_HOLD_COUNT; h++) {
            l[1].value = svc_hold_name(h);
            prom_sample_u64(ob, name, l, 2, state->hold == (enum svc_hold)h);
        }
        break;
    case M_HEALTH_CHECKS:
        if (state->svc->proxy.versions != SVC_PROXY_OFF)
            prom_sample_u64(ob, name, l, 1, state->health_checks);
        break;
    case M_DAEMON:
        break;
    }
}

static void metric_daemon(struct server *s, struct outbuf *ob)
{
    struct prom_label l = {"result", "ok"};

    prom_header(ob, "superserver_reloads_total", "counter", "Reloads, by result.");
    prom_sample_u64(ob, "superserver_reloads_total", &l, 1, s->reloads_ok);
    l.value = "error";
    prom_sample_u64(ob, "superserver_reloads_total", &l, 1, s->reloads_error);
    prom_header(ob, "superserver_start_time_seconds", "gauge",
                "When the daemon started, in seconds since the epoch.");
    prom_sample_double(ob, "superserver_start_time_seconds", NULL, 0,
                       (double)s->start_realtime_ns / 1e9);
    prom_header(ob, "superserver_build_info", "gauge", "The daemon's version.");
    l = (struct prom_label){"version", PACKAGE_VERSION};
    prom_sample_u64(ob, "superserver_build_info", &l, 1, 1);
}

static bool fill_metrics(struct server *s, struct control_peer *peer)
{
    while (room(peer) && peer->step < M_DAEMON) {
        if (peer->next == 0)
            prom_header(&peer->out, metric_families[peer->step].name,
                        metric_families[peer->step].type, metric_families[peer->step].help);
        while (room(peer) && peer->next < peer->n) {
            const struct svc_state *state = peer->states[peer->next++];
            if (state->svc)
                metric_service(&peer->out, peer->step, state);
        }
        if (peer->next == peer->n) {
            peer->step++;
            peer->next = 0;
        }
    }
    if (peer->step < M_DAEMON)
        return false;
    metric_daemon(s, &peer->out);
    return true;
}

static int answer_metrics(struct server *s, struct control_peer *peer)
{
    if (control_snapshot_services(s, peer) == -1)
        return -1;
    outbuf_adds(&peer->out, "ok\n");
    peer->step = M_ACCEPTED;
    peer->fill = fill_metrics;
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
        rc = answer_metrics(s, peer);
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
