/*
 * Refusals (see refusals.h).  The summary is kept per service, which makes
 * "same service and reason" hold; the caller of the arithmetic supplies the
 * time.  The services with counts still to report are listed, each held by
 * a reference, until their second has ended.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "carry.h"
#include "clock.h"
#include "context.h"
#include "log.h"
#include "refusals.h"

static const char *const reason_names[REFUSE_REASON_COUNT] = {
    [REFUSE_NONE] = "none",
    [REFUSE_DENY] = "deny",
    [REFUSE_INSTANCES] = "instances",
    [REFUSE_PER_SOURCE] = "per_source",
    [REFUSE_RATE] = "rate",
    [REFUSE_MAX_CHILDREN] = "max_children",
    [REFUSE_SPAWN_FAILED] = "spawn_failed",
    [REFUSE_PER_SOURCE_RATE] = "per_source_rate",
    [REFUSE_BANNED] = "banned",
    [REFUSE_PROXY_INVALID] = "proxy_invalid",
    [REFUSE_PROXY_TIMEOUT] = "proxy_timeout",
    [REFUSE_PROXY_UNTRUSTED] = "proxy_untrusted",
    [REFUSE_PROXY_PENDING] = "proxy_pending",
};

const char *refusals_reason_name(enum refuse_reason why)
{
    if ((unsigned)why >= REFUSE_REASON_COUNT)
        return "unknown";
    return reason_names[why];
}

bool refusals_summary_note(struct refuse_summary *s, enum refuse_reason why, uint64_t now_ns)
{
    uint64_t second = now_ns / NSEC_PER_SEC;

    if ((unsigned)why >= REFUSE_REASON_COUNT)
        return true; /* nothing to count it under: better logged than lost */
    if (s->by_reason[why].seen && s->by_reason[why].second == second) {
        s->by_reason[why].suppressed++;
        return false;
    }
    /*
     * A new second.  Counts left from an earlier one (the loop has not
     * flushed yet) stay and are reported with this second's, a little late
     * but never lost; the loop avoids this by flushing before it notes.
     */
    s->by_reason[why].seen = true;
    s->by_reason[why].second = second;
    return true;
}

void refusals_summary_flush(struct refuse_summary *s, uint64_t now_ns,
                            void (*emit)(void *ctx, enum refuse_reason why, unsigned count),
                            void *ctx)
{
    uint64_t second = now_ns / NSEC_PER_SEC;

    for (unsigned i = 0; i < REFUSE_REASON_COUNT; i++) {
        if (s->by_reason[i].suppressed == 0 || s->by_reason[i].second >= second)
            continue;
        unsigned count = s->by_reason[i].suppressed;
        s->by_reason[i].suppressed = 0;
        emit(ctx, (enum refuse_reason)i, count);
    }
}

bool refusals_summary_pending(const struct refuse_summary *s)
{
    for (unsigned i = 0; i < REFUSE_REASON_COUNT; i++)
        if (s->by_reason[i].suppressed != 0)
            return true;
    return false;
}

void refusals_send_message(int fd, const struct service *svc)
{
    if (svc == NULL || svc->refuse_message == NULL)
        return;
    /* Best effort by design: MSG_DONTWAIT on the blocking accepted socket,
     * MSG_NOSIGNAL for a peer that already left (no SIGPIPE). */
    (void)send(fd, svc->refuse_message, strlen(svc->refuse_message), MSG_DONTWAIT | MSG_NOSIGNAL);
}

/* The end of the second NOW is in: when its counts can be reported. */
static uint64_t second_end(uint64_t now)
{
    return (now / NSEC_PER_SEC + 1) * NSEC_PER_SEC;
}

struct flush_ctx {
    const char *name;
};

static void emit_refusals(void *ctx, enum refuse_reason why, unsigned count)
{
    const struct flush_ctx *f = ctx;
    log_event_notice("event=refuse service=%s reason=%s count=%u", f->name,
                     refusals_reason_name(why), count);
}

static void refusals_flush(struct server *s, uint64_t now)
{
    size_t kept = 0;

    for (size_t i = 0; i < s->n_refusing; i++) {
        struct svc_state *state = s->refusing[i];
        struct flush_ctx f = {state->name};
        refusals_summary_flush(&state->refusals, now, emit_refusals, &f);
        if (refusals_summary_pending(&state->refusals)) {
            s->refusing[kept++] = state;
        } else {
            state->refusals_listed = false;
            svc_state_unref(state);
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

static void refusals_list(struct server *s, struct svc_state *state)
{
    if (state->refusals_listed)
        return;
    if (s->n_refusing == s->cap_refusing) {
        size_t ncap = s->cap_refusing ? s->cap_refusing * 2 : 16;
        struct svc_state **n = realloc(s->refusing, ncap * sizeof(*n));
        if (!n)
            return; /* the count stays in the summary; reported with the next refusal */
        s->refusing = n;
        s->cap_refusing = ncap;
    }
    s->refusing[s->n_refusing++] = state;
    state->refusals_listed = true;
    state->refs++;
    if (!s->refusals_due.armed) {
        timer_set(&s->refusals_due, refusals_due, s);
        timers_arm(&s->loop.timers, &s->refusals_due, second_end(clock_now_ns()));
    }
}

void refusals_record(struct server *s, struct svc_state *state, enum refuse_reason why,
                     const char *peer)
{
    if (!state) {
        log_event_notice("event=refuse service=- peer=%s reason=%s", peer,
                         refusals_reason_name(why));
        return;
    }
    state->refused++;
    if ((unsigned)why < REFUSE_REASON_COUNT)
        state->refused_by[why]++;
    if (why == REFUSE_SPAWN_FAILED)
        state->failed++;
    uint64_t now = clock_now_ns();
    if (refusals_summary_pending(&state->refusals)) {
        /* Report an ended second before counting into a new one. */
        struct flush_ctx f = {state->name};
        refusals_summary_flush(&state->refusals, now, emit_refusals, &f);
    }
    if (refusals_summary_note(&state->refusals, why, now)) {
        log_event_notice("event=refuse service=%s peer=%s reason=%s", state->name, peer,
                         refusals_reason_name(why));
        return;
    }
    refusals_list(s, state);
}

void refusals_record_count(struct svc_state *state, const char *service, enum refuse_reason why,
                           unsigned count)
{
    struct flush_ctx f = {service};

    if (state) {
        state->refused += count;
        if ((unsigned)why < REFUSE_REASON_COUNT)
            state->refused_by[why] += count;
    }
    emit_refusals(&f, why, count);
}

void refusals_summary_carry(struct carry *c, struct refuse_summary *sum)
{
    if (!carry_enter(c, "refusal_summary"))
        return;
    for (int i = 1; i < REFUSE_REASON_COUNT; i++) {
        if (c->writing && !sum->by_reason[i].seen)
            continue;
        if (!carry_enter(c, reason_names[i]))
            continue;
        carry_bool(c, "seen", &sum->by_reason[i].seen);
        carry_u64(c, "second", &sum->by_reason[i].second);
        carry_uint(c, "suppressed", &sum->by_reason[i].suppressed);
        carry_leave(c);
    }
    carry_leave(c);
}

void refusals_relist(struct server *s, struct svc_state *state)
{
    if (refusals_summary_pending(&state->refusals))
        refusals_list(s, state);
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
