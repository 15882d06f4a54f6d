/*
 * Refusal log summaries: the first refusal of a kind in a second is logged at
 * once, the rest of that second are counted and logged as one line with
 * count=N once the second has ended, so a flood cannot flood the log.
 */
#ifndef SUPERSERVER_REFUSE_H
#define SUPERSERVER_REFUSE_H

#include <stdbool.h>
#include <stdint.h>

#include "admit.h"

struct refuse_summary {
    struct {
        uint64_t second;     /* the second (now_ns / 1e9) of the last refusal logged */
        unsigned suppressed; /* refusals counted, not yet logged */
        bool seen;
    } by_reason[ADMIT_VERDICT_COUNT];
};

/* Note one refusal.  True: log it now.  False: it was counted. */
bool refuse_note(struct refuse_summary *s, enum admit_verdict why, uint64_t now_ns);

/* Report counts of seconds that have ended: EMIT is called once per reason with a count. */
void refuse_flush(struct refuse_summary *s, uint64_t now_ns,
                  void (*emit)(void *ctx, enum admit_verdict why, unsigned count), void *ctx);

/* Anything counted and not yet reported (so the loop knows to keep a timer)? */
bool refuse_pending(const struct refuse_summary *s);

/*
 * Write SVC's refuse_message (if any) to the refused connection FD with one
 * send that never blocks: a full socket buffer or a gone peer just drops it.
 */
void refuse_send_message(int fd, const struct service *svc);

#endif
