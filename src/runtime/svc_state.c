/* A service's state kept by name across reloads (see svc_state.h). */
#include <stdlib.h>
#include <string.h>

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

const char *svc_outcome_name(enum handler_outcome o)
{
    static const char *const names[OUTCOME_COUNT] = {"ok", "error", "signal", "timeout"};
    return (unsigned)o < OUTCOME_COUNT ? names[o] : "unknown";
}

const char *svc_hold_name(enum svc_hold h)
{
    static const char *const names[SVC_HOLD_COUNT] = {"running", "paused", "draining"};
    return (unsigned)h < SVC_HOLD_COUNT ? names[h] : "unknown";
}
