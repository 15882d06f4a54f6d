/* Unit tests for the deadline heap (src/runtime/timers.c): order, cancel, re-arm. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "children.h"
#include "timers.h"

START_TEST(timers_order_and_cancel)
{
    enum { N = 1000 };
    struct child kids[N];
    struct timer_heap h;
    unsigned seed = 7;

    timers_init(&h);
    for (int i = 0; i < N; i++) {
        memset(&kids[i], 0, sizeof(kids[i]));
        kids[i].timer_slot = TIMER_NONE;
        kids[i].deadline_ns = (uint64_t)(rand_r(&seed) % 100000);
        ck_assert_int_eq(timers_arm(&h, &kids[i]), 0);
    }
    for (int i = 0; i < N; i += 3)
        timers_cancel(&h, &kids[i]);
    /* Re-arming moves a deadline in place. */
    kids[1].deadline_ns = 0;
    timers_arm(&h, &kids[1]);
    ck_assert_ptr_eq(timers_first(&h), &kids[1]);
    uint64_t last = 0;
    size_t popped = 0;
    struct child *c;
    while ((c = timers_first(&h))) {
        ck_assert_uint_ge(c->deadline_ns, last);
        last = c->deadline_ns;
        timers_cancel(&h, c);
        popped++;
    }
    ck_assert_uint_eq(popped, N - (N + 2) / 3);
    timers_destroy(&h);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("timers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, timers_order_and_cancel);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
