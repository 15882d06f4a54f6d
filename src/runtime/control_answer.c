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

#include "activate.h"
#include "clock.h"
#include "context.h"
#include "control_int.h"
#include "log.h"
#include "refusals.h"
#include "prom_out.h"
#include "reload.h"
#include "status.h"

void ctl_answer_error(struct ctl_client *cl, const char *msg)
{
    outbuf_adds(&cl->out, "error: ");
    /* One line, whatever the message holds. */
    for (const char *p = msg; *p; p++)
        outbuf_addc(&cl->out, *p == '\n' || *p == '\r' ? ' ' : *p);
    outbuf_addc(&cl->out, '\n');
    cl->fill = NULL;
    ctl_client_pump(cl);
}

void ctl_answer_release(struct ctl_client *cl)
{
    for (size_t i = 0; cl->states && i < cl->n; i++)
        svc_state_unref(cl->states[i]);
    free(cl->states);
    free(cl->pids);
    cl->states = NULL;
    cl->pids = NULL;
    cl->n = cl->next = 0;
}

/* The services of the active config, each held, as the cursor. */
static int snapshot_services(struct server *s, struct ctl_client *cl)
{
    size_t n = s->cfg->n_services;

    cl->states = calloc(n + 1, sizeof(*cl->states));
    if (!cl->states)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (s->states[i]) {
            cl->states[cl->n++] = s->states[i];
            s->states[i]->refs++;
        }
    return 0;
}

static bool room(const struct ctl_client *cl)
{
    return cl->out.len < CTL_CHUNK && !cl->out.failed;
}

/* ---- status */

static bool fill_status(struct server *s, struct ctl_client *cl)
{
    while (room(cl) && cl->next < cl->n) {
        const struct svc_state *state = cl->states[cl->next++];
        if (!state->svc)
            continue; /* a reload since the request took it out of service */
        if (cl->req.json) {
            status_service_json(&cl->json, s, state);
        } else {
            status_service_text(&cl->out, s, state);
            outbuf_addc(&cl->out, '\n');
        }
    }
    if (cl->next < cl->n)
        return false;
    if (cl->req.json) {
        json_array_end(&cl->json);
        json_object_end(&cl->json);
        outbuf_addc(&cl->out, '\n');
    }
    return true;
}

static int answer_status(struct server *s, struct ctl_client *cl)
{
    uint64_t now = clock_now_ns();

    if (snapshot_services(s, cl) == -1)
        return -1;
    outbuf_adds(&cl->out, "ok\n");
    if (cl->req.json) {
        json_object_begin(&cl->json);
        status_daemon_json(&cl->json, s, now);
        json_key(&cl->json, "services");
        json_array_begin(&cl->json);
    } else {
        status_daemon_text(&cl->out, s, now);
        outbuf_addc(&cl->out, '\n');
    }
    cl->fill = fill_status;
    return 0;
}

/* ---- handlers */

static bool fill_handlers(struct server *s, struct ctl_client *cl)
{
    uint64_t now = clock_now_ns();

    while (room(cl) && cl->next < cl->n) {
        const struct child *c = children_find(&s->children, cl->pids[cl->next++]);
        /* Gone since the snapshot, or a newer handler that got its pid. */
        if (!c || c->start_ns > cl->snap_ns)
            continue;
        if (cl->req.json) {
            status_handler_json(&cl->json, c, now);
        } else {
            status_handler_text(&cl->out, c, now);
            outbuf_addc(&cl->out, '\n');
        }
    }
    if (cl->next < cl->n)
        return false;
    if (cl->req.json) {
        json_array_end(&cl->json);
        outbuf_addc(&cl->out, '\n');
    }
    return true;
}

static bool service_known(const struct server *s, const char *name)
{
    for (size_t i = 0; i < s->cfg->n_services; i++)
        if (s->states[i] && strcmp(s->states[i]->name, name) == 0)
            return true;
    return false;
}

/* 0, 1 for an unknown service (answered), -1 out of memory. */
static int answer_handlers(struct server *s, struct ctl_client *cl)
{
    const char *only = cl->req.arg[0] ? cl->req.arg : NULL;

    if (only && !service_known(s, only)) {
        char msg[CTL_ARG_MAX + 32];
        snprintf(msg, sizeof(msg), "unknown service \"%s\"", only);
        ctl_answer_error(cl, msg);
        return 1;
    }
    cl->pids = malloc((s->children.count + 1) * sizeof(*cl->pids));
    if (!cl->pids)
        return -1;
    for (const struct child *c = s->children.oldest; c; c = c->newer)
        if (!only || strcmp(c->svc_state->name, only) == 0)
            cl->pids[cl->n++] = c->pid;
    cl->snap_ns = clock_now_ns();
    outbuf_adds(&cl->out, "ok\n");
    if (cl->req.json)
        json_array_begin(&cl->json);
    cl->fill = fill_handlers;
    return 0;
}

/* ---- metrics */

enum metric_step {
    M_ACCEPTED,
    M_REFUSED,
    M_ACTIVE,
    M_SPAWN_FAILED,
    M_EXITS,
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

static bool fill_metrics(struct server *s, struct ctl_client *cl)
{
    while (room(cl) && cl->step < M_DAEMON) {
        if (cl->next == 0)
            prom_header(&cl->out, metric_families[cl->step].name, metric_families[cl->step].type,
                        metric_families[cl->step].help);
        while (room(cl) && cl->next < cl->n) {
            const struct svc_state *state = cl->states[cl->next++];
            if (state->svc)
                metric_service(&cl->out, cl->step, state);
        }
        if (cl->next == cl->n) {
            cl->step++;
            cl->next = 0;
        }
    }
    if (cl->step < M_DAEMON)
        return false;
    metric_daemon(s, &cl->out);
    return true;
}

static int answer_metrics(struct server *s, struct ctl_client *cl)
{
    if (snapshot_services(s, cl) == -1)
        return -1;
    outbuf_adds(&cl->out, "ok\n");
    cl->step = M_ACCEPTED;
    cl->fill = fill_metrics;
    return 0;
}

/* ---- version, reload */

static void answer_version(struct ctl_client *cl)
{
    outbuf_adds(&cl->out, "ok\n");
    if (cl->req.json) {
        json_object_begin(&cl->json);
        json_kv_string(&cl->json, "version", PACKAGE_VERSION);
        json_object_end(&cl->json);
        outbuf_addc(&cl->out, '\n');
    } else {
        outbuf_adds(&cl->out, "superserverd " PACKAGE_VERSION "\n");
    }
}

/* The reload runs in the turn, after the event batch (as for SIGHUP): the
 * client waits, watching nothing, until control_reload_done answers it. */
static void answer_reload_later(struct server *s, struct ctl_client *cl)
{
    ctl_client_park(cl);
    reload_request(s);
}

void ctl_answer_reload(struct ctl_client *cl, const struct reload_result *r)
{
    if (!r->ok) {
        ctl_answer_error(cl, r->error);
        return;
    }
    outbuf_adds(&cl->out, "ok\n");
    if (cl->req.json) {
        json_object_begin(&cl->json);
        json_kv_string(&cl->json, "result", "ok");
        json_kv_uint(&cl->json, "services", r->services);
        json_kv_uint(&cl->json, "kept_sockets", r->st.kept);
        json_kv_uint(&cl->json, "opened", r->st.opened);
        json_kv_uint(&cl->json, "closed", r->st.closed);
        json_object_end(&cl->json);
        outbuf_addc(&cl->out, '\n');
    } else {
        outbuf_printf(&cl->out, "reload ok services=%zu kept_sockets=%u opened=%u closed=%u\n",
                      r->services, r->st.kept, r->st.opened, r->st.closed);
    }
    ctl_client_pump(cl);
}

void ctl_answer(struct server *s, struct ctl_client *cl)
{
    int rc = 0;

    json_init(&cl->json, &cl->out);
    ctl_client_deadline(cl, CTL_IDLE_NS);
    switch (cl->req.cmd) {
    case CTL_STATUS:
        rc = answer_status(s, cl);
        break;
    case CTL_HANDLERS:
        rc = answer_handlers(s, cl);
        break;
    case CTL_METRICS:
        rc = answer_metrics(s, cl);
        break;
    case CTL_VERSION:
        answer_version(cl);
        break;
    case CTL_RELOAD:
        answer_reload_later(s, cl);
        return;
    }
    if (rc == 1)
        return; /* answered with an error */
    if (rc == -1) {
        ctl_answer_release(cl);
        outbuf_drain(&cl->out);
        ctl_answer_error(cl, "out of memory");
        return;
    }
    ctl_client_pump(cl);
}
