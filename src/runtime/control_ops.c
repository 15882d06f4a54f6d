/*
 * The operator's commands on the control socket (SPEC section 14): pause,
 * drain and resume a service (hold.c), list, set and lift bans (admit.c).
 * Each is logged, whatever its outcome, as
 *
 *     event=control command=NAME [service=S] [source=A] [seconds=N] uid=U result=ok|error
 *
 * with the caller's uid (SO_PEERCRED) and sources as the service's
 * `log_peer` shows them.  `bans` streams its rows in chunks like status:
 * each service's bans are taken when its turn comes.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activate.h"
#include "clock.h"
#include "context.h"
#include "control_int.h"
#include "hold.h"
#include "log.h"

/* The operator's line in the log; WHY is NULL on success. */
static void ops_log(const struct control_peer *peer, const char *source, const char *why)
{
    const struct ctl_request *r = &peer->req;
    char seconds[32] = "", q[600];

    if (r->cmd == CTL_BAN)
        snprintf(seconds, sizeof(seconds), " seconds=%u", r->seconds);
    log_event("event=control command=%s%s%s%s%s%s uid=%u result=%s%s%s", ctl_command_name(r->cmd),
              r->arg[0] ? " service=" : "", r->arg, source ? " source=" : "", source ? source : "",
              seconds, (unsigned)peer->uid, why ? "error" : "ok", why ? " error=" : "",
              why ? log_quote(why, q, sizeof(q)) : "");
}

/* Answer and log a refusal. */
static void ops_refuse(struct control_peer *peer, const char *source, const char *why)
{
    ops_log(peer, source, why);
    control_answer_error(peer, why);
}

/* The named service, or NULL with "unknown service" answered and logged. */
static struct svc_state *ops_service(struct server *s, struct control_peer *peer)
{
    struct svc_state *state = activate_service_state(s, peer->req.arg);

    if (!state) {
        char why[CTL_ARG_MAX + 32];
        snprintf(why, sizeof(why), "unknown service \"%s\"", peer->req.arg);
        ops_refuse(peer, NULL, why);
    }
    return state;
}

/* One row: "[service=S ]K2=V2[ K3=V3]" and a newline, or a JSON object of
 * the same members (an element of the answer's array when it has one). */
static void ops_row(struct control_peer *peer, const char *service, const char *k2, const char *v2,
                    const char *k3, unsigned long long v3)
{
    if (!peer->req.json) {
        if (service)
            outbuf_printf(&peer->out, "service=%s ", service);
        outbuf_printf(&peer->out, "%s=%s", k2, v2);
        if (k3)
            outbuf_printf(&peer->out, " %s=%llu", k3, v3);
        outbuf_addc(&peer->out, '\n');
        return;
    }
    json_object_begin(&peer->json);
    if (service)
        json_kv_string(&peer->json, "service", service);
    json_kv_string(&peer->json, k2, v2);
    if (k3)
        json_kv_uint(&peer->json, k3, v3);
    json_object_end(&peer->json);
    if (!peer->fill) /* the whole answer */
        outbuf_addc(&peer->out, '\n');
}

/* ---- pause, drain, resume */

static void answer_hold(struct server *s, struct control_peer *peer)
{
    static const enum svc_hold wanted[] = {
        [CTL_PAUSE] = SVC_PAUSED, [CTL_DRAIN] = SVC_DRAINING, [CTL_RESUME] = SVC_RUNNING};
    struct svc_state *state = ops_service(s, peer);
    char why[512];

    if (!state)
        return;
    if (hold_set(s, state, wanted[peer->req.cmd], why, sizeof(why)) == -1) {
        ops_refuse(peer, NULL, why);
        return;
    }
    ops_log(peer, NULL, NULL);
    outbuf_adds(&peer->out, "ok\n");
    ops_row(peer, state->name, "state", svc_hold_name(state->hold), NULL, 0);
    control_peer_pump(peer);
}

/* ---- ban, unban */

/* Why SVC's admission never sees a source of KEY's kind, or NULL. */
static const char *ban_unusable(const struct service *svc, const struct source_key *key)
{
    if (svc->mode == MODE_PREFORK)
        return "its prefork workers accept connections themselves: the daemon sees no source";
    if (svc->mode == MODE_WAIT && svc->protocol == PROTO_TCP)
        return "its wait handler accepts connections itself: the daemon sees no source";
    if (addr_source_key_family(key) == AF_UNIX)
        return model_has_unix_listener(svc) && svc->protocol == PROTO_TCP
                   ? NULL
                   : "a uid is the source only on a unix: stream listener";
    if (model_has_inet_listener(svc) || svc->proxy.versions != SVC_PROXY_OFF)
        return NULL; /* an IP peer, or an IP client named by a PROXY header */
    return "it listens on unix: sockets only (ban uid:N)";
}

static void answer_ban(struct server *s, struct control_peer *peer)
{
    struct svc_state *state = ops_service(s, peer);
    char source[ADDR_STRLEN], why[400];

    if (!state)
        return;
    addr_format_source_key(&peer->req.key, state->svc->log_peer, source, sizeof(source));
    const char *no = ban_unusable(state->svc, &peer->req.key);
    if (no) {
        snprintf(why, sizeof(why), "service %s cannot ban %s: %s", state->name, peer->req.addr, no);
        ops_refuse(peer, source, why);
        return;
    }
    uint64_t until = clock_now_ns() + (uint64_t)peer->req.seconds * NSEC_PER_SEC;
    if (admit_ban(state->admit, &peer->req.key, until) == -1) {
        ops_refuse(peer, source, "out of memory");
        return;
    }
    ops_log(peer, source, NULL);
    outbuf_adds(&peer->out, "ok\n");
    ops_row(peer, state->name, "source", source, "seconds", peer->req.seconds);
    control_peer_pump(peer);
}

static void answer_unban(struct server *s, struct control_peer *peer)
{
    bool all = strcmp(peer->req.arg, "all") == 0;
    struct svc_state *only = all ? NULL : ops_service(s, peer);
    enum addr_peer_form form = only ? only->svc->log_peer : s->cfg->log_peer;
    uint64_t now = clock_now_ns();
    unsigned lifted = 0;
    char source[ADDR_STRLEN], why[300];

    if (!all && !only)
        return;
    for (size_t i = 0; i < s->cfg->n_services; i++) {
        struct svc_state *state = s->states[i];
        if (state && (all || state == only))
            lifted += admit_unban(state->admit, &peer->req.key, now);
    }
    addr_format_source_key(&peer->req.key, form, source, sizeof(source));
    if (lifted == 0) {
        snprintf(why, sizeof(why), "no ban on %s in %s%s", peer->req.addr, all ? "any service" : "",
                 all ? "" : peer->req.arg);
        ops_refuse(peer, source, why);
        return;
    }
    ops_log(peer, source, NULL);
    outbuf_adds(&peer->out, "ok\n");
    ops_row(peer, NULL, "source", source, "lifted", lifted);
    control_peer_pump(peer);
}

/* ---- bans */

/* Take the bans of the service at the cursor: false when out of memory. */
static bool bans_take(struct control_peer *peer, const struct svc_state *state)
{
    size_t max = admit_sources(state->admit);

    free(peer->bans);
    peer->bans = malloc((max + 1) * sizeof(*peer->bans));
    peer->n_bans = peer->next_ban = 0;
    if (!peer->bans)
        return false;
    peer->n_bans = admit_bans(state->admit, peer->snap_ns, peer->bans, max);
    return true;
}

static bool fill_bans(struct server *s, struct control_peer *peer)
{
    (void)s;
    while (control_peer_has_room(peer) && peer->next < peer->n) {
        const struct svc_state *state = peer->states[peer->next];
        if (!state->svc) { /* out of service since the request */
            peer->next++;
            continue;
        }
        if (!peer->bans && !bans_take(peer, state)) {
            outbuf_adds(&peer->out, "\n(out of memory)\n");
            peer->next = peer->n;
            break;
        }
        while (peer->next_ban < peer->n_bans && peer->out.len < CTL_CHUNK) {
            const struct source_ban *b = &peer->bans[peer->next_ban++];
            char source[ADDR_STRLEN];
            addr_format_source_key(&b->key, state->svc->log_peer, source, sizeof(source));
            uint64_t left = (b->until_ns - peer->snap_ns + NSEC_PER_SEC - 1) / NSEC_PER_SEC;
            ops_row(peer, state->name, "source", source, "seconds_left", left);
        }
        if (peer->next_ban == peer->n_bans) {
            free(peer->bans);
            peer->bans = NULL;
            peer->next++;
        }
    }
    return control_list_done(peer);
}

static int answer_bans(struct server *s, struct control_peer *peer)
{
    struct svc_state *only = NULL;

    if (peer->req.arg[0] && !(only = ops_service(s, peer)))
        return 0;
    if (only) {
        peer->states = calloc(1, sizeof(*peer->states));
        if (!peer->states)
            return -1;
        peer->states[peer->n++] = only;
        only->refs++;
    } else if (control_snapshot_services(s, peer) == -1) {
        return -1;
    }
    ops_log(peer, NULL, NULL);
    peer->snap_ns = clock_now_ns();
    outbuf_adds(&peer->out, "ok\n");
    if (peer->req.json)
        json_array_begin(&peer->json);
    peer->fill = fill_bans;
    control_peer_pump(peer);
    return 0;
}

int control_ops_answer(struct server *s, struct control_peer *peer)
{
    switch (peer->req.cmd) {
    case CTL_PAUSE:
    case CTL_DRAIN:
    case CTL_RESUME:
        answer_hold(s, peer);
        return 0;
    case CTL_BAN:
        answer_ban(s, peer);
        return 0;
    case CTL_UNBAN:
        answer_unban(s, peer);
        return 0;
    case CTL_BANS:
        return answer_bans(s, peer);
    default:
        return 0;
    }
}
