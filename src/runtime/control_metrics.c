/*
 * The control socket's `metrics` answer: every service's counters and
 * gauges in Prometheus' text format (SPEC section 9), one family at a time
 * over the services' snapshot, in chunks as the client drains them.
 */
#include "context.h"
#include "control_int.h"
#include "prom_out.h"
#include "refusals.h"

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
    while (control_peer_has_room(peer) && peer->step < M_DAEMON) {
        if (peer->next == 0)
            prom_header(&peer->out, metric_families[peer->step].name,
                        metric_families[peer->step].type, metric_families[peer->step].help);
        while (control_peer_has_room(peer) && peer->next < peer->n) {
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

int control_metrics_answer(struct server *s, struct control_peer *peer)
{
    if (control_snapshot_services(s, peer) == -1)
        return -1;
    outbuf_adds(&peer->out, "ok\n");
    peer->step = M_ACCEPTED;
    peer->fill = fill_metrics;
    return 0;
}
