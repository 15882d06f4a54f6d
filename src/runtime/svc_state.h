/*
 * What the daemon keeps per service, by name, across reloads: counters,
 * admission state, refusal summaries, the exec plan, its PROXY queue, its
 * spawner.  Freed when the last config, handler, spawner or pending refusal
 * summary lets go of it.
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

/*
 * What the operator asked of a service (SPEC section 14, hold.c): kept by
 * name across reloads; a plain number, which a live upgrade carries as it
 * is (with the name).
 */
enum svc_hold {
    SVC_RUNNING = 0,  /* accepting */
    SVC_PAUSED = 1,   /* `pause`: not accepting; connections wait in the backlog */
    SVC_DRAINING = 2, /* `drain`: the kernel refuses new connections */
    SVC_HOLD_COUNT
};

struct proxy_queue;
struct carry;
struct spawner_proc;

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
    uint64_t health_checks; /* proxy_pending.c: PROXY LOCAL headers closed (proxy_local) */
    enum svc_hold hold;     /* hold.c: set by the operator, applied to each listener */
    unsigned refs;          /* the active config + each child + listed in refusing + each spawner */
    /* proxy_pending.c: connections waiting for their PROXY header, or NULL */
    struct proxy_queue *proxy_queue;
    /* upgrade_restore.c: carried from the old image, what its service ran
     * (model_runs_digest), for the first activation to compare */
    uint64_t carried_runs;
    /* spawner.c: the spawner its connections go to now, or NULL */
    struct spawner_proc *spawner;
};

/* A state for NAME with no references yet; NULL when out of memory. */
struct svc_state *svc_state_new(const char *name);
void svc_state_destroy(struct svc_state *state);
void svc_state_unref(struct svc_state *state);

/* Across an upgrade: what STATE keeps, field by field (carry.h), written by
 * the old image and read into a new state by the new one.  A new field of
 * svc_state that must survive an upgrade is one more line in its body
 * (svc_state_carry.c). */
void svc_state_carry(struct carry *c, struct svc_state *state);
/* "running", "paused", "draining" (status's state=, the metrics' state label). */
const char *svc_hold_name(enum svc_hold h);

/* "ok", "error", "signal", "timeout" (the metrics' outcome label). */
const char *svc_outcome_name(enum handler_outcome o);

#endif
