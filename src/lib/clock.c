/* The monotonic clock, replaceable by tests (see clock.h). */
#include <time.h>

#include "clock.h"

uint64_t clock_monotonic_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NSEC_PER_SEC + (uint64_t)ts.tv_nsec;
}

uint64_t (*clock_now_ns)(void) = clock_monotonic_ns;

bool clock_once_a_second(uint64_t *until)
{
    uint64_t now = clock_now_ns();

    if (now < *until)
        return false;
    *until = now + NSEC_PER_SEC;
    return true;
}
