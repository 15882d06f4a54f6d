/*
 * Refusals on the daemon's side: counting them per service and logging them
 * the way SPEC section 6 asks (the first of a kind in a second at once, the
 * rest of that second as one line with count=N when it ends).  The summary
 * arithmetic lives in refuse.c; this keeps the list of services with counts
 * still to report.
 */
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "server.h"

static void refusals_list(struct server *s, struct svc_rt *rt)
{
    if (rt->refusals_listed)
        return;
    if (s->n_refusing == s->cap_refusing) {
        size_t ncap = s->cap_refusing ? s->cap_refusing * 2 : 16;
        struct svc_rt **n = realloc(s->refusing, ncap * sizeof(*n));
        if (!n)
            return; /* the count stays in the summary; reported with the next refusal */
        s->refusing = n;
        s->cap_refusing = ncap;
    }
    s->refusing[s->n_refusing++] = rt;
    rt->refusals_listed = true;
    rt->refs++;
}

struct flush_ctx {
    const char *name;
};

static void emit_refusals(void *ctx, enum admit_verdict why, unsigned count)
{
    const struct flush_ctx *f = ctx;
    log_event_notice("event=refuse service=%s reason=%s count=%u", f->name, admit_reason_name(why),
                     count);
}

void refusals_record(struct server *s, struct svc_rt *rt, enum admit_verdict why, const char *peer)
{
    rt->refused++;
    if (why == REFUSE_SPAWN_FAILED)
        rt->failed++;
    uint64_t now = clock_now_ns();
    if (refuse_pending(&rt->refusals)) {
        /* Report an ended second before counting into a new one. */
        struct flush_ctx f = {rt->name};
        refuse_flush(&rt->refusals, now, emit_refusals, &f);
    }
    if (refuse_note(&rt->refusals, why, now)) {
        log_event_notice("event=refuse service=%s peer=%s reason=%s", rt->name, peer,
                         admit_reason_name(why));
        return;
    }
    refusals_list(s, rt);
}

void refusals_flush(struct server *s, uint64_t now)
{
    size_t kept = 0;

    for (size_t i = 0; i < s->n_refusing; i++) {
        struct svc_rt *rt = s->refusing[i];
        struct flush_ctx f = {rt->name};
        refuse_flush(&rt->refusals, now, emit_refusals, &f);
        if (refuse_pending(&rt->refusals)) {
            s->refusing[kept++] = rt;
        } else {
            rt->refusals_listed = false;
            svc_rt_unref(rt);
        }
    }
    s->n_refusing = kept;
}
