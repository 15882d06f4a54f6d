/* Unit tests for the string map (src/lib/strmap.c): put, replace, get, growth past many keys. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "unit_run.h"

START_TEST(test_put_get_replace)
{
    struct strmap m = STRMAP_INIT;
    int a = 1, b = 2;

    ck_assert_ptr_null(strmap_get(&m, "x")); /* empty, never allocated */
    ck_assert_int_eq(strmap_put(&m, "x", &a), 0);
    ck_assert_ptr_eq(strmap_get(&m, "x"), &a);
    ck_assert_ptr_null(strmap_get(&m, "y"));
    ck_assert_ptr_null(strmap_get(&m, ""));
    ck_assert_int_eq(strmap_put(&m, "x", &b), 0);
    ck_assert_ptr_eq(strmap_get(&m, "x"), &b);
    ck_assert_uint_eq(m.n, 1);
    strmap_free(&m);
    ck_assert_ptr_null(strmap_get(&m, "x"));
}
END_TEST

/* Many keys: every one found, none confused, the table at most half full. */
START_TEST(test_many_keys)
{
    enum { N = 100000 };
    struct strmap m = STRMAP_INIT;
    char(*keys)[16] = malloc(N * sizeof(*keys));

    ck_assert_ptr_nonnull(keys);
    for (int i = 0; i < N; i++) {
        snprintf(keys[i], sizeof(keys[i]), "k%d", i);
        ck_assert_int_eq(strmap_put(&m, keys[i], keys[i]), 0);
    }
    ck_assert_uint_eq(m.n, N);
    ck_assert_uint_le(2 * m.n, m.cap);
    for (int i = 0; i < N; i++) {
        char probe[16];
        snprintf(probe, sizeof(probe), "k%d", i);
        ck_assert_ptr_eq(strmap_get(&m, probe), keys[i]);
    }
    ck_assert_ptr_null(strmap_get(&m, "k100000"));
    strmap_free(&m);
    free(keys);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("strmap");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_put_get_replace);
    tcase_add_test(tc, test_many_keys);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
