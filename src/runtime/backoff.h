/*
 * Backing off a handler that keeps failing at once: a wait handler that
 * exits young without progress, a prefork worker that dies young, a start
 * that failed.  One streak of failures in a row and the delay it earns
 * (100 ms, doubling, at most 10 s): whoever retries arms its own timer for
 * it (a paused listener, a pool's refill).  A handler that keeps failing is
 * slowed down, never disabled.
 */
#ifndef SUPERSERVER_BACKOFF_H
#define SUPERSERVER_BACKOFF_H

#include <stdint.h>

/* A handler exiting sooner than this after its start died young. */
#define BACKOFF_YOUNG_NS 1000000000ULL

struct backoff {
    unsigned streak; /* failures in a row */
};

/* The wait before the STREAK-th retry in a row (from 1). */
uint64_t backoff_delay(unsigned streak);
/* One more failure in a row: the delay before the next try, 0 (at once) for
 * the first GRACE of them. */
uint64_t backoff_failed(struct backoff *b, unsigned grace);
/* Progress: the next failure starts a new streak. */
void backoff_reset(struct backoff *b);
/* Log that SERVICE's handler on ADDRESS waits DELAY_NS (event=backoff). */
void backoff_log(const char *service, const char *address, uint64_t delay_ns);

#endif
