/* The status rows and the SIGUSR1 dump (see status.h). */
#include <unistd.h>

#include "activate.h"
#include "clock.h"
#include "context.h"
#include "json_out.h"
#include "log.h"
#include "refusals.h"
#include "outbuf.h"
#include "proxy_pending.h"
#include "spawner.h"
#include "status.h"

static unsigned long long uptime_ms(const struct server *s, uint64_t now)
{
    return (unsigned long long)((now - s->start_ns) / NSEC_PER_MSEC);
}

void status_daemon_text(struct outbuf *ob, const struct server *s, uint64_t now)
{
    outbuf_printf(ob, "pid=%d version=%s uptime_s=%llu live=%u services=%zu upgrades=%llu",
                  (int)getpid(), PACKAGE_VERSION, uptime_ms(s, now) / 1000, s->live_total,
                  activate_services(s), (unsigned long long)s->upgrades);
}

void status_daemon_json(struct json_out *j, const struct server *s, uint64_t now)
{
    json_kv_uint(j, "pid", (unsigned long long)getpid());
    json_kv_string(j, "version", PACKAGE_VERSION);
    json_kv_uint(j, "uptime_ms", uptime_ms(s, now));
    json_kv_uint(j, "start_time", s->start_realtime_ns / NSEC_PER_SEC);
    json_kv_uint(j, "live", s->live_total);
    json_kv_uint(j, "upgrades", s->upgrades);
}

/* Open sockets serving STATE (a socket that failed to open on reload is missing). */
static unsigned service_sockets(const struct server *s, const struct svc_state *state)
{
    unsigned n = 0;

    for (size_t j = 0; j < s->n_listeners; j++)
        n += s->listeners[j]->svc_state == state;
    return n;
}

void status_service_text(struct outbuf *ob, const struct server *s, const struct svc_state *state)
{
    const struct service *svc = state->svc;
    struct outbuf listen;
    char lbuf[2048], q[2200];

    outbuf_init(&listen, lbuf, sizeof(lbuf));
    for (size_t k = 0; k < svc->n_listen; k++)
        outbuf_printf(&listen, "%s%s", k ? "," : "", svc->listen[k].text);
    outbuf_printf(ob,
                  "service=%s mode=%s state=%s listen=%s sockets=%u live=%u accepted=%llu "
                  "refused=%llu",
                  state->name, model_mode_name(svc->mode), svc_hold_name(state->hold),
                  log_quote(listen.failed ? "..." : lbuf, q, sizeof(q)), service_sockets(s, state),
                  admit_live(state->admit), (unsigned long long)state->accepted,
                  (unsigned long long)state->refused);
    for (int r = 1; r < REFUSE_REASON_COUNT; r++)
        if (state->refused_by[r])
            outbuf_printf(ob, " refused_%s=%llu", refusals_reason_name(r),
                          (unsigned long long)state->refused_by[r]);
    outbuf_printf(ob, " failed=%llu", (unsigned long long)state->failed);
    if (svc->proxy.versions != SVC_PROXY_OFF)
        outbuf_printf(ob, " pending=%u", proxy_pending_count(state));
    if (spawner_pid(state))
        outbuf_printf(ob, " spawner=%d", (int)spawner_pid(state));
}

void status_service_json(struct json_out *j, const struct server *s, const struct svc_state *state)
{
    const struct service *svc = state->svc;

    json_object_begin(j);
    json_kv_string(j, "name", state->name);
    json_kv_string(j, "mode", model_mode_name(svc->mode));
    json_kv_string(j, "state", svc_hold_name(state->hold));
    json_key(j, "listen");
    json_array_begin(j);
    for (size_t k = 0; k < svc->n_listen; k++)
        json_string(j, svc->listen[k].text);
    json_array_end(j);
    json_kv_uint(j, "sockets", service_sockets(s, state));
    json_kv_uint(j, "live", admit_live(state->admit));
    json_kv_uint(j, "accepted", state->accepted);
    json_kv_uint(j, "refused", state->refused);
    json_key(j, "refused_by");
    json_object_begin(j);
    for (int r = 1; r < REFUSE_REASON_COUNT; r++)
        json_kv_uint(j, refusals_reason_name(r), state->refused_by[r]);
    json_object_end(j);
    json_kv_uint(j, "failed", state->failed);
    if (svc->proxy.versions != SVC_PROXY_OFF)
        json_kv_uint(j, "pending", proxy_pending_count(state));
    if (spawner_pid(state))
        json_kv_uint(j, "spawner", (unsigned long long)spawner_pid(state));
    json_object_end(j);
}

static unsigned long long age_ms(const struct child *c, uint64_t now)
{
    return (unsigned long long)((now - c->start_ns) / NSEC_PER_MSEC);
}

void status_handler_text(struct outbuf *ob, const struct child *c, uint64_t now)
{
    outbuf_printf(ob, "service=%s pid=%d peer=%s age_ms=%llu", c->svc_state->name, (int)c->pid,
                  c->peer, age_ms(c, now));
}

void status_handler_json(struct json_out *j, const struct child *c, uint64_t now)
{
    json_object_begin(j);
    json_kv_uint(j, "pid", (unsigned long long)c->pid);
    json_kv_string(j, "service", c->svc_state->name);
    json_kv_string(j, "peer", c->peer);
    json_kv_uint(j, "age_ms", age_ms(c, now));
    json_object_end(j);
}

static void status_child(struct child *c, void *ctx)
{
    char buf[512];
    struct outbuf ob;

    outbuf_init(&ob, buf, sizeof(buf));
    status_handler_text(&ob, c, *(const uint64_t *)ctx);
    log_event("event=handler %s", buf);
}

void status_dump(struct server *s)
{
    uint64_t now = clock_now_ns();
    char buf[4096];
    struct outbuf ob;

    outbuf_init(&ob, buf, sizeof(buf));
    status_daemon_text(&ob, s, now);
    log_event("event=status_daemon %s", buf);
    for (size_t i = 0; i < s->cfg->n_services; i++) {
        if (!s->states[i])
            continue;
        outbuf_init(&ob, buf, sizeof(buf));
        status_service_text(&ob, s, s->states[i]);
        log_event("event=status %s", buf);
    }
    children_each(&s->children, status_child, &now);
}
