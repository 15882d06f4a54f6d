/* A service's state kept by name across reloads (see svc_state.h). */
#include <stdlib.h>
#include <string.h>

#include "carry.h"
#include "refusals.h"
#include "svc_state.h"

struct svc_state *svc_state_new(const char *name)
{
    struct svc_state *state = calloc(1, sizeof(*state));
    if (!state)
        return NULL;
    state->name = strdup(name);
    state->admit = admit_state_new();
    if (!state->name || !state->admit) {
        svc_state_destroy(state);
        return NULL;
    }
    return state;
}

void svc_state_destroy(struct svc_state *state)
{
    exec_plan_unref(state->plan);
    admit_state_free(state->admit);
    free(state->name);
    free(state);
}

void svc_state_unref(struct svc_state *state)
{
    if (--state->refs == 0)
        svc_state_destroy(state);
}

/* Counters by their names, not their positions: a newer image may order
 * (or add) reasons and outcomes otherwise. */
static void carry_named(struct carry *c, const char *key, uint64_t *v, int n,
                        const char *(*name)(int))
{
    if (!carry_enter(c, key))
        return;
    for (int i = 0; i < n; i++)
        carry_u64(c, name(i), &v[i]);
    carry_leave(c);
}

static const char *reason_name(int i)
{
    return refusals_reason_name((enum refuse_reason)i);
}

static const char *outcome_name(int i)
{
    return svc_outcome_name((enum handler_outcome)i);
}

void svc_state_carry(struct carry *c, struct svc_state *state)
{
    carry_u64(c, "accepted", &state->accepted);
    carry_u64(c, "refused", &state->refused);
    carry_u64(c, "failed", &state->failed);
    carry_named(c, "refused_by", state->refused_by, REFUSE_REASON_COUNT, reason_name);
    carry_named(c, "exits", state->exits, OUTCOME_COUNT, outcome_name);
    refusals_summary_carry(c, &state->refusals);
    if (carry_enter(c, "admission")) {
        admit_carry(c, state->admit);
        carry_leave(c);
    }
}

const char *svc_outcome_name(enum handler_outcome o)
{
    static const char *const names[OUTCOME_COUNT] = {"ok", "error", "signal", "timeout"};
    return (unsigned)o < OUTCOME_COUNT ? names[o] : "unknown";
}
