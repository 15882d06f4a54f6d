/*
 * Refusal summaries (SPEC section 6): per reason, the first refusal in a
 * second is logged at once and the rest of that second are counted, then
 * reported as one count=N line by refuse_flush once the second has ended.
 * The caller supplies the time, so tests drive it with a fake clock; one
 * summary is kept per service, making "same service and reason" hold.
 * Also the one thing a refused client is told: `refuse_message`.
 */
#include <string.h>
#include <sys/socket.h>

#include "clock.h"
#include "refuse.h"

bool refuse_note(struct refuse_summary *s, enum admit_verdict why, uint64_t now_ns)
{
    uint64_t second = now_ns / NSEC_PER_SEC;

    if ((unsigned)why >= ADMIT_VERDICT_COUNT)
        return true; /* nothing to count it under: better logged than lost */
    if (s->by_reason[why].seen && s->by_reason[why].second == second) {
        s->by_reason[why].suppressed++;
        return false;
    }
    /*
     * A new second.  Counts left from an earlier one (the loop has not
     * flushed yet) stay and are reported with this second's, a little late
     * but never lost; the loop avoids this by flushing before it notes.
     */
    s->by_reason[why].seen = true;
    s->by_reason[why].second = second;
    return true;
}

void refuse_flush(struct refuse_summary *s, uint64_t now_ns,
                  void (*emit)(void *ctx, enum admit_verdict why, unsigned count), void *ctx)
{
    uint64_t second = now_ns / NSEC_PER_SEC;

    for (unsigned i = 0; i < ADMIT_VERDICT_COUNT; i++) {
        if (s->by_reason[i].suppressed == 0 || s->by_reason[i].second >= second)
            continue;
        unsigned count = s->by_reason[i].suppressed;
        s->by_reason[i].suppressed = 0;
        emit(ctx, (enum admit_verdict)i, count);
    }
}

bool refuse_pending(const struct refuse_summary *s)
{
    for (unsigned i = 0; i < ADMIT_VERDICT_COUNT; i++)
        if (s->by_reason[i].suppressed != 0)
            return true;
    return false;
}

void refuse_send_message(int fd, const struct service *svc)
{
    if (svc == NULL || svc->refuse_message == NULL)
        return;
    /* Best effort by design: MSG_DONTWAIT on the blocking accepted socket,
     * MSG_NOSIGNAL for a peer that already left (no SIGPIPE). */
    (void)send(fd, svc->refuse_message, strlen(svc->refuse_message), MSG_DONTWAIT | MSG_NOSIGNAL);
}
