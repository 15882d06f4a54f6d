/*
 * What the daemon keeps per service, by name, across reloads: counters,
 * admission state, refusal summaries, the exec plan, its PROXY queue.  Freed when the last config,
 * handler or pending refusal summary lets go of it.
 */
#ifndef SUPERSERVER_SVC_STATE_H
#define SUPERSERVER_SVC_STATE_H

#include <stdbool.h>
#include <stdint.h>

#include "admit.h"
#include "exec_plan.h"
#include "model.h"
#include "refuse_reason.h"

/* How a handler ended, for the exit counters (handler.c counts them). */
enum handler_outcome {
    OUTCOME_OK,      /* exit status 0 */
    OUTCOME_ERROR,   /* another exit status */
    OUTCOME_SIGNAL,  /* killed by a signal not ours */
    OUTCOME_TIMEOUT, /* killed after our `timeout` sent it TERM */
    OUTCOME_COUNT
};

struct proxy_queue;

struct svc_state {
    char *name;
    const struct service *svc; /* in the active config; NULL once the service is gone */
    struct exec_plan *plan;
    struct admit_state *admit;
    struct refuse_summary refusals;
    bool refusals_listed; /* in server.refusing */
    uint64_t accepted, refused, failed;
    uint64_t refused_by[REFUSE_REASON_COUNT]; /* refusals.c: by reason */
    uint64_t exits[OUTCOME_COUNT];            /* handler.c: by outcome */
    unsigned refs; /* the active config + each child + listed in refusing */
    /* proxy_pending.c: connections waiting for their PROXY header, or NULL */
    struct proxy_queue *proxy_queue;
};

/* A state for NAME with no references yet; NULL when out of memory. */
struct svc_state *svc_state_new(const char *name);
void svc_state_destroy(struct svc_state *state);
void svc_state_unref(struct svc_state *state);

/* "ok", "error", "signal", "timeout" (the metrics' outcome label). */
const char *svc_outcome_name(enum handler_outcome o);

#endif
