/*
 * Unit tests for log.c's value quoting: printable UTF-8 stays raw, every
 * other byte class is escaped (C0, DEL, C1, U+2028/U+2029, invalid UTF-8,
 * NUL), and a value that does not fit is cut inside its quotes.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "log.h"

/* log_quote_mem of the LEN bytes at V, into a buffer that always fits. */
static const char *q(const char *v, size_t len)
{
    static char buf[4 * 256 + 3];

    ck_assert_uint_le(len, 256);
    return log_quote_mem(v, len, buf, sizeof(buf));
}

#define QS(s) q(s, sizeof(s) - 1)

START_TEST(plain_values_stay_raw)
{
    ck_assert_str_eq(QS("echo"), "echo");
    ck_assert_str_eq(QS("127.0.0.1:80"), "127.0.0.1:80");
    ck_assert_str_eq(QS("gr\xc3\xbc\xc3\x9f"), "gr\xc3\xbc\xc3\x9f"); /* U+00FC, U+00DF */
    ck_assert_str_eq(QS("\xe2\x82\xac\xf0\x9f\x98\x80"), "\xe2\x82\xac\xf0\x9f\x98\x80"); /* € 😀 */
    ck_assert_str_eq(QS("\xc2\xa0"), "\xc2\xa0");         /* U+00A0: first after C1 */
    ck_assert_str_eq(QS("\xe2\x80\xa7"), "\xe2\x80\xa7"); /* U+2027, next to U+2028 */
}
END_TEST

START_TEST(syntax_characters_are_quoted)
{
    ck_assert_str_eq(QS(""), "\"\"");
    ck_assert_str_eq(QS("a b"), "\"a b\"");
    ck_assert_str_eq(QS("k=v"), "\"k=v\"");
    ck_assert_str_eq(QS("say \"hi\""), "\"say \\\"hi\\\"\"");
    ck_assert_str_eq(QS("a\\b"), "\"a\\\\b\"");
    ck_assert_str_eq(QS("a\tb"), "\"a\\tb\"");
}
END_TEST

START_TEST(every_c0_control_and_del_escaped)
{
    char in[1], want[16];

    for (int c = 1; c < 0x20; c++) {
        if (c == '\t')
            continue;
        in[0] = (char)c;
        snprintf(want, sizeof(want), "\"\\x%02x\"", c);
        ck_assert_str_eq(q(in, 1), want);
    }
    ck_assert_str_eq(QS("\x7f"), "\"\\x7f\"");
    ck_assert_str_eq(QS("a\nevent=forged"), "\"a\\x0aevent=forged\"");
}
END_TEST

START_TEST(nul_is_escaped_and_the_rest_kept)
{
    ck_assert_str_eq(QS("a\0b"), "\"a\\x00b\"");
    ck_assert_str_eq(QS("\0"), "\"\\x00\"");
    /* log_quote stops at the terminator, as a C string does. */
    char buf[32];
    ck_assert_str_eq(log_quote("a\0b", buf, sizeof(buf)), "a");
}
END_TEST

START_TEST(c1_controls_and_line_separators_escaped)
{
    char in[2], want[16];

    for (int c = 0x80; c <= 0x9f; c++) {
        in[0] = (char)0xc2, in[1] = (char)c;
        snprintf(want, sizeof(want), "\"\\u%04x\"", c);
        ck_assert_str_eq(q(in, 2), want);
    }
    ck_assert_str_eq(QS("a\xe2\x80\xa8"
                        "b"),
                     "\"a\\u2028b\"");
    ck_assert_str_eq(QS("\xe2\x80\xa9"), "\"\\u2029\"");
}
END_TEST

START_TEST(invalid_utf8_escaped_byte_by_byte)
{
    char in[1], want[16];

    /* Every byte >= 0x80 alone is invalid: continuation bytes, lone leads,
     * 8-bit C1 (0x9b is CSI), and bytes never valid (0xc0, 0xc1, 0xf5-0xff). */
    for (int c = 0x80; c <= 0xff; c++) {
        in[0] = (char)c;
        snprintf(want, sizeof(want), "\"\\x%02x\"", c);
        ck_assert_str_eq(q(in, 1), want);
    }
    ck_assert_str_eq(QS("\xc0\xaf"), "\"\\xc0\\xaf\"");                   /* overlong '/' */
    ck_assert_str_eq(QS("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");          /* surrogate */
    ck_assert_str_eq(QS("\xf4\x90\x80\x80"), "\"\\xf4\\x90\\x80\\x80\""); /* > U+10FFFF */
    ck_assert_str_eq(QS("\xe2\x82"), "\"\\xe2\\x82\"");                   /* truncated */
    ck_assert_str_eq(QS("\xe2\x82"
                        "a"),
                     "\"\\xe2\\x82a\"");
    /* A valid character right after an invalid byte stays raw. */
    ck_assert_str_eq(QS("\xff\xc3\xbc"), "\"\\xff\xc3\xbc\"");
}
END_TEST

START_TEST(worst_case_fits_four_per_byte)
{
    char in[256], buf[4 * 256 + 3];

    memset(in, 0, sizeof(in));
    log_quote_mem(in, sizeof(in), buf, sizeof(buf));
    ck_assert_uint_eq(strlen(buf), 4 * 256 + 2);
    ck_assert_int_eq(buf[4 * 256 + 1], '"');
}
END_TEST

START_TEST(too_long_cut_inside_quotes)
{
    char buf[11]; /* room for 10 characters */

    ck_assert_str_eq(log_quote_mem("\x01\x02\x03", 3, buf, sizeof(buf)), "\"\\x01\\x02\"");
    /* An escape is never cut in half, nor a UTF-8 character. */
    ck_assert_str_eq(log_quote_mem("a \xe2\x82\xac\xe2\x82\xac", 8, buf, sizeof(buf)),
                     "\"a \xe2\x82\xac\xe2\x82\xac\"");
    ck_assert_str_eq(log_quote_mem("ab \xe2\x82\xac\xe2\x82\xac", 9, buf, sizeof(buf)),
                     "\"ab \xe2\x82\xac\"");
    ck_assert_str_eq(log_quote_mem("plainword", 9, buf, 5), "plai");
    ck_assert_str_eq(log_quote_mem("a b", 3, buf, 2), "");
}
END_TEST

static Suite *log_suite(void)
{
    Suite *s = suite_create("log");
    TCase *tc = tcase_create("quote");

    tcase_add_test(tc, plain_values_stay_raw);
    tcase_add_test(tc, syntax_characters_are_quoted);
    tcase_add_test(tc, every_c0_control_and_del_escaped);
    tcase_add_test(tc, nul_is_escaped_and_the_rest_kept);
    tcase_add_test(tc, c1_controls_and_line_separators_escaped);
    tcase_add_test(tc, invalid_utf8_escaped_byte_by_byte);
    tcase_add_test(tc, worst_case_fits_four_per_byte);
    tcase_add_test(tc, too_long_cut_inside_quotes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(log_suite(), NULL);
}
