/*
 * The runtime of one service (struct svc_rt in server.h): what outlives a
 * reload of the service by name, freed when the last config, handler or
 * pending refusal summary lets go of it.
 */
#include <stdlib.h>
#include <string.h>

#include "server.h"

struct svc_rt *svc_rt_new(const char *name)
{
    struct svc_rt *rt = calloc(1, sizeof(*rt));
    if (!rt)
        return NULL;
    rt->name = strdup(name);
    rt->admit = admit_state_new();
    if (!rt->name || !rt->admit) {
        svc_rt_destroy(rt);
        return NULL;
    }
    return rt;
}

void svc_rt_destroy(struct svc_rt *rt)
{
    spawn_plan_free(&rt->plan);
    admit_state_free(rt->admit);
    free(rt->name);
    free(rt);
}

void svc_rt_unref(struct svc_rt *rt)
{
    if (--rt->refs == 0)
        svc_rt_destroy(rt);
}
