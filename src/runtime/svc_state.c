/* A service's state kept by name across reloads (see svc_state.h). */
#include <stdlib.h>
#include <string.h>

#include "svc_state.h"

struct svc_state *svc_state_new(const char *name)
{
    struct svc_state *rt = calloc(1, sizeof(*rt));
    if (!rt)
        return NULL;
    rt->name = strdup(name);
    rt->admit = admit_state_new();
    if (!rt->name || !rt->admit) {
        svc_state_destroy(rt);
        return NULL;
    }
    return rt;
}

void svc_state_destroy(struct svc_state *rt)
{
    exec_plan_unref(rt->plan);
    admit_state_free(rt->admit);
    free(rt->name);
    free(rt);
}

void svc_state_unref(struct svc_state *rt)
{
    if (--rt->refs == 0)
        svc_state_destroy(rt);
}

const char *svc_outcome_name(enum handler_outcome o)
{
    static const char *const names[OUTCOME_COUNT] = {"ok", "error", "signal", "timeout"};
    return (unsigned)o < OUTCOME_COUNT ? names[o] : "unknown";
}
