/*
 * Deadlines as objects of the reactor: a struct timer is embedded in the
 * object it times (a handler's `timeout`, a paused listener, a pool's
 * back-off, a control client's idle limit...), as a struct ev is, and
 * carries the callback to run when it is due.  The runtime keeps them all on
 * one heap (in struct loop); the loop sleeps until the earliest, and the
 * turn fires what is due.  Nothing scans objects to find what is due.
 *
 * The heap is a pairing heap linked through the timers themselves: arming
 * never allocates and cannot fail, arming and the earliest deadline are
 * O(1), firing and cancelling O(log n) amortised.
 */
#ifndef SUPERSERVER_TIMERS_H
#define SUPERSERVER_TIMERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct timer;

/* Called once T is due, already disarmed (it may arm itself again), with the
 * turn's time.  It may free its own object, and cancel or arm any timer. */
typedef void timer_fire_fn(struct timer *t, uint64_t now);

struct timer {
    uint64_t at; /* CLOCK_MONOTONIC ns (clock_now_ns) */
    timer_fire_fn *fire;
    void *ctx; /* the callback's context, usually the server */
    bool armed;
    struct timer *child, *sibling, *prev; /* the heap's links (timers.c) */
};

struct timer_heap {
    struct timer *root; /* the earliest */
    size_t count;
};

/* A deadline that is already due: a timer armed for it fires in the run
 * under way (one of its callbacks armed it: a reload's pool refills start
 * in the reload's turn) or in the next, before any other. */
#define TIMERS_NOW 0

void timers_init(struct timer_heap *h);
/* Describe T: what to call, with what context (not armed). */
void timer_set(struct timer *t, timer_fire_fn *fire, void *ctx);

/* Arm T to fire at AT, or move it there when armed. */
void timers_arm(struct timer_heap *h, struct timer *t, uint64_t at);
/* Disarm T (nothing when it is not armed).  An object is freed only with
 * its timers cancelled. */
void timers_cancel(struct timer_heap *h, struct timer *t);
/* The earliest deadline, or UINT64_MAX when nothing is armed. */
uint64_t timers_next(const struct timer_heap *h);
/* Fire every timer due at NOW, earliest first.  A timer a callback arms
 * again for NOW or earlier fires again in this run: re-arm for later. */
void timers_run(struct timer_heap *h, uint64_t now);

#endif
