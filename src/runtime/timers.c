/* The deadline heap (see timers.h). */
#include <stdlib.h>

#include "timers.h"

void timers_init(struct timer_heap *h)
{
    h->items = NULL;
    h->count = h->cap = 0;
}

void timers_destroy(struct timer_heap *h)
{
    free(h->items);
    timers_init(h);
}

static void timers_set(struct timer_heap *h, size_t i, struct child *c)
{
    h->items[i] = c;
    c->timer_slot = i;
}

static void timers_up(struct timer_heap *h, size_t i)
{
    struct child *c = h->items[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (h->items[parent]->deadline_ns <= c->deadline_ns)
            break;
        timers_set(h, i, h->items[parent]);
        i = parent;
    }
    timers_set(h, i, c);
}

static void timers_down(struct timer_heap *h, size_t i)
{
    struct child *c = h->items[i];
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        uint64_t best = c->deadline_ns;
        if (l < h->count && h->items[l]->deadline_ns < best)
            m = l, best = h->items[l]->deadline_ns;
        if (r < h->count && h->items[r]->deadline_ns < best)
            m = r;
        if (m == i)
            break;
        timers_set(h, i, h->items[m]);
        i = m;
    }
    timers_set(h, i, c);
}

int timers_arm(struct timer_heap *h, struct child *c)
{
    if (c->timer_slot != TIMER_NONE) {
        timers_up(h, c->timer_slot);
        timers_down(h, c->timer_slot);
        return 0;
    }
    if (h->count == h->cap) {
        size_t ncap = h->cap ? h->cap * 2 : 64;
        struct child **n = realloc(h->items, ncap * sizeof(*n));
        if (!n)
            return -1;
        h->items = n;
        h->cap = ncap;
    }
    timers_set(h, h->count++, c);
    timers_up(h, c->timer_slot);
    return 0;
}

void timers_cancel(struct timer_heap *h, struct child *c)
{
    size_t i = c->timer_slot;

    if (i == TIMER_NONE)
        return;
    c->timer_slot = TIMER_NONE;
    struct child *last = h->items[--h->count];
    if (i == h->count)
        return;
    timers_set(h, i, last);
    timers_up(h, i);
    timers_down(h, last->timer_slot);
}

struct child *timers_first(const struct timer_heap *h)
{
    return h->count ? h->items[0] : NULL;
}
