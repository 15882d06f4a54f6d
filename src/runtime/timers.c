/*
 * The deadline heap (see timers.h): a pairing heap.  Each timer links to its
 * first child, its next sibling, and back (to its previous sibling, or to
 * its parent when it is a first child), so any timer leaves the heap
 * without a search.  Inserting melds the new timer with the root; removing
 * the root melds its children pairwise, left to right, then the pairs right
 * to left, iteratively (no recursion however skewed the heap).
 */
#include <stddef.h>

#include "timers.h"

void timers_init(struct timer_heap *h)
{
    h->root = NULL;
    h->count = 0;
}

void timer_set(struct timer *t, timer_fire_fn *fire, void *ctx)
{
    *t = (struct timer){.fire = fire, .ctx = ctx};
}

/* The two heaps A and B (roots without siblings) as one; the later root
 * becomes the first child of the earlier. */
static struct timer *meld(struct timer *a, struct timer *b)
{
    if (!a)
        return b;
    if (!b)
        return a;
    if (b->at < a->at) {
        struct timer *t = a;
        a = b;
        b = t;
    }
    b->prev = a;
    b->sibling = a->child;
    if (a->child)
        a->child->prev = b;
    a->child = b;
    return a;
}

/* The siblings from FIRST on, melded into one heap. */
static struct timer *meld_siblings(struct timer *first)
{
    struct timer *pairs = NULL; /* the melded pairs, last first (linked by sibling) */

    while (first) {
        struct timer *a = first, *b = first->sibling;
        first = b ? b->sibling : NULL;
        a->sibling = a->prev = NULL;
        if (b)
            b->sibling = b->prev = NULL;
        a = meld(a, b);
        a->sibling = pairs;
        pairs = a;
    }
    struct timer *root = NULL;
    while (pairs) {
        struct timer *next = pairs->sibling;
        pairs->sibling = NULL;
        root = meld(root, pairs);
        pairs = next;
    }
    return root;
}

static void timers_remove(struct timer_heap *h, struct timer *t)
{
    struct timer *rest = meld_siblings(t->child);

    if (t == h->root) {
        h->root = rest;
    } else {
        if (t->prev->child == t)
            t->prev->child = t->sibling; /* its parent's first child */
        else
            t->prev->sibling = t->sibling;
        if (t->sibling)
            t->sibling->prev = t->prev;
        h->root = meld(h->root, rest);
    }
    t->child = t->sibling = t->prev = NULL;
    t->armed = false;
    h->count--;
}

void timers_arm(struct timer_heap *h, struct timer *t, uint64_t at)
{
    if (t->armed)
        timers_remove(h, t);
    t->at = at;
    t->armed = true;
    h->root = meld(h->root, t);
    h->count++;
}

void timers_cancel(struct timer_heap *h, struct timer *t)
{
    if (t->armed)
        timers_remove(h, t);
}

uint64_t timers_next(const struct timer_heap *h)
{
    return h->root ? h->root->at : UINT64_MAX;
}

void timers_run(struct timer_heap *h, uint64_t now)
{
    while (h->root && h->root->at <= now) {
        struct timer *t = h->root;
        timers_remove(h, t);
        t->fire(t, now);
    }
}
