/*
 * Why a connection (or a handler's start) was refused, and the per-service
 * summary such refusals are counted in: types only, so that admission and
 * the service state can name them.  The code is refusals.c's (refusals.h).
 * The order is the order of status rows and metrics samples.
 */
#ifndef SUPERSERVER_REFUSE_REASON_H
#define SUPERSERVER_REFUSE_REASON_H

#include <stdbool.h>
#include <stdint.h>

enum refuse_reason {
    REFUSE_NONE, /* not refused: admitted */
    /* admission (admit.c), on numbers only */
    REFUSE_DENY,
    REFUSE_INSTANCES,
    REFUSE_PER_SOURCE,
    REFUSE_RATE,
    REFUSE_MAX_CHILDREN,
    /* the start itself (handler.c) */
    REFUSE_SPAWN_FAILED,
    /* admission again: a source's rate, then its ban */
    REFUSE_PER_SOURCE_RATE,
    REFUSE_BANNED,
    /* the PROXY header (SPEC section 8, proxy_pending.c), before admission */
    REFUSE_PROXY_INVALID,
    REFUSE_PROXY_TIMEOUT,
    REFUSE_PROXY_UNTRUSTED,
    REFUSE_PROXY_PENDING,
    REFUSE_REASON_COUNT
};

/* Per reason: the second of the last refusal logged, and those counted in
 * it since (refusals_summary_note). */
struct refuse_summary {
    struct {
        uint64_t second;     /* the second (now_ns / 1e9) of the last refusal logged */
        unsigned suppressed; /* refusals counted, not yet logged */
        bool seen;
    } by_reason[REFUSE_REASON_COUNT];
};

#endif
