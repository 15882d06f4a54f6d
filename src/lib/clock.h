/*
 * The one source of time: CLOCK_MONOTONIC in nanoseconds, behind a pointer
 * that tests replace to drive timers and token buckets deterministically.
 */
#ifndef SUPERSERVER_CLOCK_H
#define SUPERSERVER_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

extern uint64_t (*clock_now_ns)(void);
uint64_t clock_monotonic_ns(void);

/* True at most once a second per *UNTIL: for warnings a flood would repeat. */
bool clock_once_a_second(uint64_t *until);

#define NSEC_PER_SEC  1000000000ULL
#define NSEC_PER_MSEC 1000000ULL

#endif
