/*
 * Refusals, all of them (SPEC section 6): each is counted per service and
 * reason, and logged so that a flood cannot flood the log: the first of a
 * reason in a second at once, the rest of that second as one line with
 * count=N once it has ended.  The daemon keeps the services with counts
 * still to report, and a timer at the end of the second while there are
 * some.  Also the one thing a refused client is told: `refuse_message`.
 * The types (the reasons, a service's summary) are in refuse_reason.h.
 */
#ifndef SUPERSERVER_REFUSALS_H
#define SUPERSERVER_REFUSALS_H

#include <stdbool.h>
#include <stdint.h>

#include "model.h"
#include "refuse_reason.h"

struct server;
struct svc_state;
struct carry;

/* "deny", "instances", ... as in the log's reason=; "unknown" out of range. */
const char *refusals_reason_name(enum refuse_reason why);

/* One refusal of STATE's service, of PEER (its text), for WHY.  STATE NULL:
 * of a service this image does not know (after an upgrade), logged
 * service=- and counted nowhere. */
void refusals_record(struct server *s, struct svc_state *state, enum refuse_reason why,
                     const char *peer);
/* COUNT refusals for WHY of the service named SERVICE, made at once and
 * known only by their number (after an upgrade whose record could not be
 * read): one summary line, count=N; counted in STATE unless NULL (a service
 * no longer in service). */
void refusals_record_count(struct svc_state *state, const char *service, enum refuse_reason why,
                           unsigned count);
/* At exit: let go of the services still listed. */
void refusals_release(struct server *s);

/*
 * Write SVC's refuse_message (if any) to the refused connection FD with one
 * send that never blocks: a full socket buffer or a gone peer just drops it.
 */
void refusals_send_message(int fd, const struct service *svc);

/* The summary arithmetic, on a caller's clock (tests drive it).  Note one
 * refusal: true to log it now, false when it was counted. */
bool refusals_summary_note(struct refuse_summary *sum, enum refuse_reason why, uint64_t now_ns);
/* Report the counts of seconds that have ended: EMIT once per reason. */
void refusals_summary_flush(struct refuse_summary *sum, uint64_t now_ns,
                            void (*emit)(void *ctx, enum refuse_reason why, unsigned count),
                            void *ctx);
/* Anything counted and not yet reported? */
bool refusals_summary_pending(const struct refuse_summary *sum);

/* Across an upgrade: a summary by reason name (carry.h); and a state read
 * with counts still to report is listed again, so they are reported. */
void refusals_summary_carry(struct carry *c, struct refuse_summary *sum);
void refusals_relist(struct server *s, struct svc_state *state);

#endif
