/* Unit tests for src/lib/fmt.c: numbers and IPv4 addresses written without
 * stdio are the very text snprintf and inet_ntop write, and a bounded copy
 * truncates as snprintf does. */
#include <arpa/inet.h>
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "fmt.h"

static const char *uint_text(uint64_t v)
{
    static char buf[FMT_UINT_MAX + 1];

    buf[fmt_uint(buf, v)] = '\0';
    return buf;
}

START_TEST(numbers_as_snprintf)
{
    const uint64_t edges[] = {0, 1, 9, 10, 99, 100, 65535, 4294967295u, UINT64_MAX};
    char want[32];
    unsigned seed = 3;

    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        snprintf(want, sizeof(want), "%" PRIu64, edges[i]);
        ck_assert_str_eq(uint_text(edges[i]), want);
    }
    ck_assert_uint_eq(strlen(uint_text(UINT64_MAX)), FMT_UINT_MAX);
    for (int i = 0; i < 10000; i++) {
        uint64_t v = (uint64_t)rand_r(&seed) << (i % 33);
        snprintf(want, sizeof(want), "%" PRIu64, v);
        ck_assert_str_eq(uint_text(v), want);
    }
}
END_TEST

START_TEST(ipv4_as_inet_ntop)
{
    char got[FMT_IPV4_MAX + 1], want[INET_ADDRSTRLEN];
    unsigned seed = 5;

    for (int i = 0; i < 20000; i++) {
        uint8_t b[4];
        for (int k = 0; k < 4; k++)
            b[k] = i < 256 ? (uint8_t)(k == 3 ? i : i % 7 * 40) : (uint8_t)rand_r(&seed);
        got[fmt_ipv4(got, b)] = '\0';
        ck_assert_ptr_nonnull(inet_ntop(AF_INET, b, want, sizeof(want)));
        ck_assert_str_eq(got, want);
    }
    const uint8_t widest[4] = {255, 255, 255, 255};
    ck_assert_uint_eq(fmt_ipv4(got, widest), FMT_IPV4_MAX);
}
END_TEST

START_TEST(bounded_copy)
{
    char buf[8];

    memset(buf, '#', sizeof(buf));
    ck_assert_uint_eq(fmt_copy(buf, 4, "abcdef", 6), 6);
    ck_assert_str_eq(buf, "abc");  /* what snprintf(buf, 4, "%s", "abcdef") leaves */
    ck_assert_int_eq(buf[4], '#'); /* nothing past LEN */
    fmt_copy(buf, sizeof(buf), "abc", 3);
    ck_assert_str_eq(buf, "abc");
    fmt_copy(buf, 1, "abc", 3);
    ck_assert_str_eq(buf, "");
    buf[0] = 'x';
    fmt_copy(buf, 0, "abc", 3); /* no room at all: untouched */
    ck_assert_int_eq(buf[0], 'x');
}
END_TEST

int main(void)
{
    Suite *s = suite_create("fmt");
    TCase *tc = tcase_create("fmt");
    tcase_add_test(tc, numbers_as_snprintf);
    tcase_add_test(tc, ipv4_as_inet_ntop);
    tcase_add_test(tc, bounded_copy);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
