/* Unit tests for the deadline heap (src/runtime/timers.c): arming, re-arming,
 * cancelling, firing in deadline order, a callback that arms itself again or
 * cancels another, and many timers in random order. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "loop.h"
#include "timers.h"

/* A timed object: the timer is embedded, as in the daemon. */
struct probe {
    int id;
    struct timer timer;
    int fired;
    uint64_t fired_at;
    uint64_t again_in;    /* re-arm for now + this when fired (0: no) */
    struct probe *cancel; /* cancel this one when fired */
};

static struct timer_heap heap;
static int order[64];
static int n_order;

static void probe_fire(struct timer *t, uint64_t now)
{
    struct probe *p = LOOP_OWNER(t, struct probe, timer);

    ck_assert(!t->armed); /* disarmed before its callback */
    p->fired++;
    p->fired_at = now;
    if (n_order < 64)
        order[n_order++] = p->id;
    if (p->again_in) {
        uint64_t again = p->again_in;
        p->again_in = 0;
        timers_arm(&heap, t, now + again);
    }
    if (p->cancel)
        timers_cancel(&heap, &p->cancel->timer);
}

static void probes_init(struct probe *p, int n)
{
    timers_init(&heap);
    n_order = 0;
    for (int i = 0; i < n; i++) {
        memset(&p[i], 0, sizeof(p[i]));
        p[i].id = i;
        timer_set(&p[i].timer, probe_fire, NULL);
    }
}

START_TEST(empty_heap)
{
    timers_init(&heap);
    ck_assert_uint_eq(timers_next(&heap), UINT64_MAX);
    timers_run(&heap, UINT64_MAX - 1);
    ck_assert_uint_eq(heap.count, 0);
}
END_TEST

START_TEST(arm_and_fire_in_order)
{
    struct probe p[4];
    uint64_t at[4] = {300, 100, 400, 200};

    probes_init(p, 4);
    for (int i = 0; i < 4; i++)
        timers_arm(&heap, &p[i].timer, at[i]);
    ck_assert_uint_eq(heap.count, 4);
    ck_assert_uint_eq(timers_next(&heap), 100);
    timers_run(&heap, 99); /* nothing due yet */
    ck_assert_int_eq(n_order, 0);
    timers_run(&heap, 250);
    ck_assert_int_eq(n_order, 2);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 3);
    ck_assert_uint_eq(p[1].fired_at, 250);
    ck_assert_uint_eq(timers_next(&heap), 300);
    timers_run(&heap, 1000);
    ck_assert_int_eq(n_order, 4);
    ck_assert_int_eq(order[2], 0);
    ck_assert_int_eq(order[3], 2);
    ck_assert_uint_eq(timers_next(&heap), UINT64_MAX);
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(p[i].fired, 1);
}
END_TEST

START_TEST(rearm_moves_the_deadline)
{
    struct probe p[3];

    probes_init(p, 3);
    timers_arm(&heap, &p[0].timer, 100);
    timers_arm(&heap, &p[1].timer, 200);
    timers_arm(&heap, &p[2].timer, 300);
    timers_arm(&heap, &p[0].timer, 500); /* later */
    timers_arm(&heap, &p[2].timer, 50);  /* earlier */
    ck_assert_uint_eq(heap.count, 3);
    ck_assert_uint_eq(timers_next(&heap), 50);
    timers_run(&heap, 1000);
    ck_assert_int_eq(n_order, 3);
    ck_assert_int_eq(order[0], 2);
    ck_assert_int_eq(order[1], 1);
    ck_assert_int_eq(order[2], 0);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(p[i].fired, 1); /* once each, however often armed */
}
END_TEST

START_TEST(cancel_any_timer)
{
    struct probe p[5];

    probes_init(p, 5);
    for (int i = 0; i < 5; i++)
        timers_arm(&heap, &p[i].timer, (uint64_t)(i + 1) * 10);
    timers_cancel(&heap, &p[0].timer); /* the earliest */
    timers_cancel(&heap, &p[3].timer); /* one inside */
    timers_cancel(&heap, &p[3].timer); /* twice: nothing */
    ck_assert(!p[0].timer.armed && !p[3].timer.armed);
    ck_assert_uint_eq(heap.count, 3);
    ck_assert_uint_eq(timers_next(&heap), 20);
    timers_run(&heap, 1000);
    ck_assert_int_eq(n_order, 3);
    ck_assert_int_eq(order[0], 1);
    ck_assert_int_eq(order[1], 2);
    ck_assert_int_eq(order[2], 4);
    ck_assert_int_eq(p[0].fired + p[3].fired, 0);
}
END_TEST

/* A callback that arms its own timer again (a handler's KILL after its
 * TERM) fires once per run, then again when due; one that cancels another
 * timer due in the same run keeps that one from firing. */
START_TEST(fire_that_rearms_and_cancels)
{
    struct probe p[3];

    probes_init(p, 3);
    p[0].again_in = 5000;
    p[1].cancel = &p[2];
    timers_arm(&heap, &p[0].timer, 100);
    timers_arm(&heap, &p[1].timer, 200);
    timers_arm(&heap, &p[2].timer, 300);
    timers_run(&heap, 1000);
    ck_assert_int_eq(p[0].fired, 1);
    ck_assert_int_eq(p[1].fired, 1);
    ck_assert_int_eq(p[2].fired, 0);
    ck_assert(p[0].timer.armed);
    ck_assert_uint_eq(timers_next(&heap), 6000);
    timers_run(&heap, 5999);
    ck_assert_int_eq(p[0].fired, 1);
    timers_run(&heap, 6000);
    ck_assert_int_eq(p[0].fired, 2);
    ck_assert_uint_eq(p[0].fired_at, 6000);
    ck_assert_uint_eq(heap.count, 0);
}
END_TEST

/* A callback that arms another timer for TIMERS_NOW gets it fired in the
 * same run (a reload's pool refills start in the reload's turn). */
static struct probe *arm_now;

static void arming_fire(struct timer *t, uint64_t now)
{
    probe_fire(t, now);
    timers_arm(&heap, &arm_now->timer, TIMERS_NOW);
}

START_TEST(armed_now_fires_in_this_run)
{
    struct probe p[3];

    probes_init(p, 3);
    timer_set(&p[0].timer, arming_fire, NULL);
    arm_now = &p[1];
    timers_arm(&heap, &p[0].timer, 500);
    timers_arm(&heap, &p[2].timer, 800);
    timers_run(&heap, 600);
    ck_assert_int_eq(p[0].fired, 1);
    ck_assert_int_eq(p[1].fired, 1);
    ck_assert_uint_eq(p[1].fired_at, 600);
    ck_assert_int_eq(p[2].fired, 0);
    ck_assert_uint_eq(timers_next(&heap), 800);
}
END_TEST

/* Many timers, armed, re-armed and cancelled in random order: they fire in
 * deadline order, each armed one exactly once. */
static int many_last_ok;
static uint64_t many_last;

static void many_fire(struct timer *t, uint64_t now)
{
    (void)now;
    if (t->at < many_last)
        many_last_ok = 0;
    many_last = t->at;
    (*(int *)t->ctx)++;
}

START_TEST(many_timers)
{
    enum { N = 20000 };
    struct timer *t = calloc(N, sizeof(*t));
    int *fired = calloc(N, sizeof(*fired));
    unsigned seed = 7;

    ck_assert_ptr_nonnull(t);
    ck_assert_ptr_nonnull(fired);
    timers_init(&heap);
    for (int i = 0; i < N; i++) {
        timer_set(&t[i], many_fire, &fired[i]);
        timers_arm(&heap, &t[i], (uint64_t)(rand_r(&seed) % 100000));
    }
    for (int i = 0; i < N; i += 3)
        timers_cancel(&heap, &t[i]);
    for (int i = 1; i < N; i += 7)
        if (i % 3 != 0) /* armed ones only: moved */
            timers_arm(&heap, &t[i], (uint64_t)(rand_r(&seed) % 100000));
    size_t left = heap.count;
    ck_assert_uint_eq(left, N - (N + 2) / 3);
    many_last = 0;
    many_last_ok = 1;
    /* In slices, as turns would: each run fires only what is due. */
    for (uint64_t now = 0; now < 100000; now += 997)
        timers_run(&heap, now);
    timers_run(&heap, 100000);
    ck_assert_int_eq(many_last_ok, 1);
    ck_assert_uint_eq(heap.count, 0);
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(fired[i], i % 3 == 0 ? 0 : 1);
    free(t);
    free(fired);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, empty_heap);
    tcase_add_test(tc, arm_and_fire_in_order);
    tcase_add_test(tc, rearm_moves_the_deadline);
    tcase_add_test(tc, cancel_any_timer);
    tcase_add_test(tc, fire_that_rearms_and_cancels);
    tcase_add_test(tc, armed_now_fires_in_this_run);
    tcase_add_test(tc, many_timers);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
