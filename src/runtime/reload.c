/* Asking for a reload (see reload.h): the one writer of server.reload. */
#include "context.h"
#include "reload.h"

void reload_request(struct server *s)
{
    timers_arm(&s->loop.timers, &s->reload, TIMERS_NOW);
}
