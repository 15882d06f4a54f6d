/*
 * One connection (see conn.h): admission on numbers only, then its handler
 * through handler_start; the refusal message and summaries when refused.
 */
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "conn.h"
#include "context.h"
#include "handler.h"
#include "refusals.h"

void conn_serve(struct server *s, struct listener *l, int conn, const struct sockaddr *peer,
                const struct conn_via *via)
{
    struct svc_state *state = l->svc_state;
    const struct sockaddr *inet = peer->sa_family == AF_UNIX ? NULL : peer;
    char peer_text[ADDR_STRLEN];
    struct source_key key;
    bool keyed = admit_peer_key(state->admit, state->svc, conn, peer, &key);

    addr_format_peer_as(peer, state->svc->log_peer, peer_text, sizeof(peer_text));
    enum refuse_reason v = admit_check_source(state->admit, state->svc, inet, keyed ? &key : NULL,
                                              s->live_total, s->cfg->max_children, clock_now_ns());
    if (v != REFUSE_NONE) {
        refusals_send_message(conn, state->svc);
        refusals_record(s, state, v, peer_text);
        close(conn);
        return;
    }
    struct handler_req req = {
        .l = l,
        .sock = conn,
        .peer = peer,
        .peer_text = peer_text,
        .via = via,
        .key = keyed ? &key : NULL,
        .worker_index = -1,
    };
    handler_start(s, &req); /* a failure is recorded as a refusal */
    close(conn);
}
