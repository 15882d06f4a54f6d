/* Unit tests for the log's value quoting (src/lib/log.c). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

START_TEST(log_quote_values)
{
    char buf[128];
    ck_assert_str_eq(log_quote("plain", buf, sizeof(buf)), "plain");
    ck_assert_str_eq(log_quote("two words", buf, sizeof(buf)), "\"two words\"");
    ck_assert_str_eq(log_quote("a\"b\\c", buf, sizeof(buf)), "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(log_quote("", buf, sizeof(buf)), "\"\"");
    ck_assert_str_eq(log_quote("tab\there", buf, sizeof(buf)), "\"tab\\there\"");
    ck_assert_str_eq(log_quote("bell\x07", buf, sizeof(buf)), "\"bell\\x07\"");
    ck_assert_str_eq(log_quote("k=v", buf, sizeof(buf)), "\"k=v\"");
    /* Truncation keeps the closing quote. */
    char small[8];
    const char *q = log_quote("a long value with spaces", small, sizeof(small));
    ck_assert_int_eq(q[strlen(q) - 1], '"');
}
END_TEST

int main(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, log_quote_values);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
