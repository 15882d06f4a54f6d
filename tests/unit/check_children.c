/* Unit tests for the table of live handlers (src/runtime/children.c): lookup
 * by pid under churn, record reuse, spawn order. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "children.h"
#include "timers.h"

START_TEST(children_add_find_remove)
{
    struct children t;
    children_init(&t);
    for (pid_t p = 1; p <= 5000; p++)
        ck_assert_ptr_nonnull(children_add(&t, p));
    ck_assert_uint_eq(t.count, 5000);
    for (pid_t p = 1; p <= 5000; p++)
        ck_assert_int_eq(children_find(&t, p)->pid, p);
    ck_assert_ptr_null(children_find(&t, 5001));
    /* Remove every other one: the rest must stay reachable (backward shift). */
    for (pid_t p = 2; p <= 5000; p += 2)
        children_remove(&t, children_find(&t, p));
    for (pid_t p = 1; p <= 5000; p++) {
        struct child *c = children_find(&t, p);
        if (p % 2)
            ck_assert_ptr_nonnull(c);
        else
            ck_assert_ptr_null(c);
    }
    ck_assert_uint_eq(t.count, 2500);
    children_destroy(&t);
}
END_TEST

START_TEST(children_random_churn)
{
    enum { N = 4096 };
    static bool live[N];
    struct children t;
    unsigned seed = 42;

    memset(live, 0, sizeof(live));
    children_init(&t);
    for (int i = 0; i < 200000; i++) {
        pid_t p = (pid_t)(rand_r(&seed) % N) + 1;
        struct child *c = children_find(&t, p);
        ck_assert(!!c == live[p - 1]);
        if (c)
            children_remove(&t, c);
        else
            ck_assert_ptr_nonnull(children_add(&t, p));
        live[p - 1] = !live[p - 1];
    }
    size_t n = 0;
    for (int i = 0; i < N; i++)
        n += live[i];
    ck_assert_uint_eq(t.count, n);
    children_destroy(&t);
}
END_TEST

START_TEST(children_records_are_reused)
{
    struct children t;
    children_init(&t);
    struct child *a = children_add(&t, 10);
    children_remove(&t, a);
    struct child *b = children_add(&t, 11);
    ck_assert_ptr_eq(a, b);       /* no allocation per connection once warm */
    ck_assert(!b->timeout.armed); /* a reused record starts disarmed */
    children_destroy(&t);
}
END_TEST

START_TEST(children_spawn_order)
{
    struct children t;
    children_init(&t);
    for (pid_t p = 1; p <= 5; p++)
        children_add(&t, p);
    children_remove(&t, children_find(&t, 3)); /* middle */
    children_remove(&t, children_find(&t, 5)); /* newest */
    children_remove(&t, children_find(&t, 1)); /* oldest */
    pid_t want[] = {4, 2};
    int i = 0;
    for (struct child *c = t.newest; c; c = c->older)
        ck_assert_int_eq(c->pid, want[i++]);
    ck_assert_int_eq(i, 2);
    ck_assert_int_eq(t.oldest->pid, 2);
    ck_assert_ptr_null(t.oldest->older);
    ck_assert_ptr_null(t.newest->newer);
    children_add(&t, 6);
    ck_assert_int_eq(t.newest->pid, 6);
    ck_assert_int_eq(t.newest->older->pid, 4);
    children_destroy(&t);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("children");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, children_add_find_remove);
    tcase_add_test(tc, children_random_churn);
    tcase_add_test(tc, children_records_are_reused);
    tcase_add_test(tc, children_spawn_order);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
