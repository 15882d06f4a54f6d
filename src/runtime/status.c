/* The status dump (see status.h). */
#include <stdio.h>

#include "clock.h"
#include "log.h"
#include "context.h"
#include "proxy_pending.h"
#include "status.h"

/* " pending=N" for a service that reads PROXY headers, else "". */
static const char *status_pending(const struct svc_state *rt, char *buf, size_t len)
{
    if (!rt->svc || rt->svc->proxy.versions == SVC_PROXY_OFF)
        return "";
    snprintf(buf, len, " pending=%u", proxy_pending_count(rt));
    return buf;
}

static void status_child(struct child *c, void *ctx)
{
    uint64_t now = *(const uint64_t *)ctx;
    log_event("event=handler service=%s pid=%d peer=%s age_ms=%llu", c->rt->name, (int)c->pid,
              c->peer, (unsigned long long)((now - c->start_ns) / NSEC_PER_MSEC));
}

void status_dump(struct server *s)
{
    uint64_t now = clock_now_ns();

    for (size_t i = 0; i < s->cfg->n_services; i++) {
        struct svc_state *rt = s->states[i];
        unsigned sockets = 0;
        char pending[32];
        if (!rt)
            continue;
        for (size_t j = 0; j < s->n_listeners; j++)
            sockets += s->listeners[j]->rt == rt;
        log_event("event=status service=%s sockets=%u live=%u accepted=%llu refused=%llu "
                  "failed=%llu%s",
                  rt->name, sockets, admit_live(rt->admit), (unsigned long long)rt->accepted,
                  (unsigned long long)rt->refused, (unsigned long long)rt->failed,
                  status_pending(rt, pending, sizeof(pending)));
    }
    children_each(&s->children, status_child, &now);
}
