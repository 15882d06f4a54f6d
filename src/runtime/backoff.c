/* Backing off handlers that keep failing (see backoff.h). */
#include "backoff.h"
#include "clock.h"
#include "log.h"

#define BACKOFF_FIRST_NS (100 * NSEC_PER_MSEC)
#define BACKOFF_MAX_NS   (10 * NSEC_PER_SEC)

uint64_t backoff_delay(unsigned streak)
{
    uint64_t d = BACKOFF_FIRST_NS;

    for (unsigned i = 1; i < streak && d < BACKOFF_MAX_NS; i++)
        d *= 2;
    return d < BACKOFF_MAX_NS ? d : BACKOFF_MAX_NS;
}

uint64_t backoff_failed(struct backoff *b, unsigned grace)
{
    if (++b->streak <= grace)
        return 0;
    return backoff_delay(b->streak - grace);
}

void backoff_reset(struct backoff *b)
{
    b->streak = 0;
}

void backoff_log(const char *service, const char *address, uint64_t delay_ns)
{
    log_event("event=backoff service=%s address=%s delay_ms=%llu", service, address,
              (unsigned long long)(delay_ns / NSEC_PER_MSEC));
}
