/*
 * A service's state across an upgrade (svc_state.h): svc_state_carry, the
 * one list of what is carried, field by field.  Apart from svc_state.c
 * because it names refusals.c's reasons, and refusals.c stands on the
 * context, which holds service states.
 */
#include "carry.h"
#include "refusals.h"
#include "svc_state.h"

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
    unsigned hold = state->hold;

    carry_uint(c, "hold", &hold); /* the operator's pause or drain (hold.c) */
    state->hold = hold < SVC_HOLD_COUNT ? (enum svc_hold)hold : SVC_RUNNING;
    carry_u64(c, "health_checks", &state->health_checks);
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
