/* Counting and logging refusals (see refusals.h). */
#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "refusals.h"
#include "context.h"

/* The end of the second NOW is in: when its counts can be reported. */
static uint64_t second_end(uint64_t now)
{
    return (now / NSEC_PER_SEC + 1) * NSEC_PER_SEC;
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

static void refusals_flush(struct server *s, uint64_t now)
{
    size_t kept = 0;

    for (size_t i = 0; i < s->n_refusing; i++) {
        struct svc_state *rt = s->refusing[i];
        struct flush_ctx f = {rt->name};
        refuse_flush(&rt->refusals, now, emit_refusals, &f);
        if (refuse_pending(&rt->refusals)) {
            s->refusing[kept++] = rt;
        } else {
            rt->refusals_listed = false;
            svc_state_unref(rt);
        }
    }
    s->n_refusing = kept;
}

/* Report what the second that ended holds; again at the next one while
 * counts remain. */
static void refusals_due(struct timer *t, uint64_t now)
{
    struct server *s = t->ctx;

    refusals_flush(s, now);
    if (s->n_refusing)
        timers_arm(&s->loop.timers, t, second_end(now));
}

static void refusals_list(struct server *s, struct svc_state *rt)
{
    if (rt->refusals_listed)
        return;
    if (s->n_refusing == s->cap_refusing) {
        size_t ncap = s->cap_refusing ? s->cap_refusing * 2 : 16;
        struct svc_state **n = realloc(s->refusing, ncap * sizeof(*n));
        if (!n)
            return; /* the count stays in the summary; reported with the next refusal */
        s->refusing = n;
        s->cap_refusing = ncap;
    }
    s->refusing[s->n_refusing++] = rt;
    rt->refusals_listed = true;
    rt->refs++;
    if (!s->refusals_due.armed) {
        timer_set(&s->refusals_due, refusals_due, s);
        timers_arm(&s->loop.timers, &s->refusals_due, second_end(clock_now_ns()));
    }
}

void refusals_record(struct server *s, struct svc_state *rt, enum admit_verdict why,
                     const char *peer)
{
    rt->refused++;
    if ((unsigned)why < ADMIT_VERDICT_COUNT)
        rt->refused_by[why]++;
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

void refusals_release(struct server *s)
{
    timers_cancel(&s->loop.timers, &s->refusals_due);
    for (size_t i = 0; i < s->n_refusing; i++)
        svc_state_unref(s->refusing[i]);
    free(s->refusing);
    s->refusing = NULL;
    s->n_refusing = s->cap_refusing = 0;
}
