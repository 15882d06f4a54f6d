/*
 * Handler deadlines (`timeout`): one binary min-heap of children ordered by
 * deadline, each child knowing its slot so it leaves the heap in O(log n)
 * when it exits.  The loop sleeps until the earliest deadline; nothing scans
 * all children.
 */
#ifndef SUPERSERVER_TIMERS_H
#define SUPERSERVER_TIMERS_H

#include <stddef.h>
#include <stdint.h>

#include "children.h"

struct timer_heap {
    struct child **items;
    size_t count, cap;
};

void timers_init(struct timer_heap *h);
void timers_destroy(struct timer_heap *h);
/* Arm (or re-arm) C for c->deadline_ns.  -1 when out of memory. */
int timers_arm(struct timer_heap *h, struct child *c);
void timers_cancel(struct timer_heap *h, struct child *c);
/* The child with the earliest deadline, or NULL. */
struct child *timers_first(const struct timer_heap *h);

#endif
