/*
 * One connection, direct (accept.c) or past its PROXY header
 * (proxy_pending.c): admission on numbers only, then its handler; the
 * refusal message and summaries when refused.
 */
#include <stdbool.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "handler.h"
#include "reap.h"
#include "refusals.h"
#include "refuse.h"
#include "serve.h"

void serve_connection(struct server *s, struct listener *l, int conn, const struct sockaddr *peer,
                      const struct conn_via *via)
{
    struct svc_state *rt = l->rt;
    const struct sockaddr *inet = peer->sa_family == AF_UNIX ? NULL : peer;
    char peer_text[ADDR_STRLEN];
    struct source_key key;
    bool keyed = admit_peer_key(rt->svc, conn, peer, &key);

    addr_format_peer_as(peer, rt->svc->log_peer, peer_text, sizeof(peer_text));
    enum admit_verdict v = admit_check_source(rt->admit, rt->svc, inet, keyed ? &key : NULL,
                                              s->live_total, s->cfg->max_children, clock_now_ns());
    if (v != ADMIT_OK) {
        refuse_send_message(conn, rt->svc);
        refusals_record(s, rt, v, peer_text);
        close(conn);
        return;
    }
    struct child *c = handler_start_via(s, l, conn, peer, peer_text, via, -1, NULL);
    if (!c) {
        refusals_record(s, rt, REFUSE_SPAWN_FAILED, peer_text);
    } else if (keyed) {
        c->key = key;
        c->has_key = true;
        admit_started(rt->admit, &c->key);
    } else {
        admit_started(rt->admit, NULL);
    }
    close(conn);
    reap_after_spawn(s);
}
