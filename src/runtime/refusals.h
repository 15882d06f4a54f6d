/*
 * Refusals on the daemon's side: counting them per service and logging them
 * the way SPEC section 6 asks (the first of a kind in a second at once, the
 * rest of that second as one line with count=N when it ends).  The summary
 * arithmetic lives in refuse.c; this keeps the list of services with counts
 * still to report, and a timer at the end of the second while it is not
 * empty.
 */
#ifndef SUPERSERVER_REFUSALS_H
#define SUPERSERVER_REFUSALS_H

#include <stdint.h>

#include "admit.h"

struct server;
struct svc_state;

/* One refusal of RT's service, of PEER (its text), for WHY. */
void refusals_record(struct server *s, struct svc_state *rt, enum admit_verdict why,
                     const char *peer);
/* At exit: let go of the services still listed. */
void refusals_release(struct server *s);

#endif
