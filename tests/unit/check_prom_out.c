/* Unit tests for the Prometheus text writer: every byte through both escapers, names, values. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "prom_out.h"
#include "utf8.h"

START_TEST(test_every_byte)
{
    char s[2] = "", buf[64], want[64];
    struct outbuf ob;

    for (int b = 1; b < 256; b++) { /* C strings: NUL cannot be in a value */
        s[0] = (char)b;
        for (int label = 0; label < 2; label++) {
            if (b == '\\' || b == '\n' || (label && b == '"'))
                snprintf(want, sizeof(want), "\\%c", b == '\n' ? 'n' : b);
            else if (b < 0x80)
                snprintf(want, sizeof(want), "%c", b);
            else
                strcpy(want, "\xef\xbf\xbd");
            outbuf_init(&ob, buf, sizeof(buf));
            if (label)
                prom_escape_label(&ob, s);
            else
                prom_escape_help(&ob, s);
            ck_assert_msg(strcmp(buf, want) == 0, "byte 0x%02x (%s): %s", b,
                          label ? "label" : "help", buf);
            ck_assert(utf8_valid(buf, strlen(buf), NULL));
        }
    }
}
END_TEST

START_TEST(test_escape_strings)
{
    char buf[128];
    struct outbuf ob;

    outbuf_init(&ob, buf, sizeof(buf));
    prom_escape_label(&ob, "a\"b\\c\nd\te\xc3\xa9\xff");
    ck_assert_str_eq(buf, "a\\\"b\\\\c\\nd\te\xc3\xa9\xef\xbf\xbd");
    outbuf_init(&ob, buf, sizeof(buf));
    prom_escape_help(&ob, "a\"b\\c\nd");
    ck_assert_str_eq(buf, "a\"b\\\\c\\nd");
}
END_TEST

START_TEST(test_lines)
{
    struct outbuf ob;
    const struct prom_label two[] = {{"service", "echo"}, {"reason", "rate\"x"}};

    outbuf_init(&ob, NULL, 4096);
    prom_header(&ob, "superserver_connections_refused_total", "counter",
                "Connections refused,\nby reason \\ service.");
    prom_sample_u64(&ob, "superserver_connections_refused_total", two, 2, 18446744073709551615ULL);
    prom_sample_u64(&ob, "up", NULL, 0, 1);
    prom_sample_double(&ob, "t", NULL, 0, 1.5);
    prom_sample_double(&ob, "t", NULL, 0, 1.0 / 0.0);
    prom_sample_double(&ob, "t", NULL, 0, -1.0 / 0.0);
    prom_sample_double(&ob, "t", NULL, 0, NAN);
    ck_assert(!ob.failed);
    ck_assert_str_eq(ob.data,
                     "# HELP superserver_connections_refused_total Connections refused,\\nby "
                     "reason \\\\ service.\n"
                     "# TYPE superserver_connections_refused_total counter\n"
                     "superserver_connections_refused_total{service=\"echo\",reason=\"rate\\\"x\"} "
                     "18446744073709551615\n"
                     "up 1\nt 1.5\nt +Inf\nt -Inf\nt NaN\n");
    outbuf_free(&ob);
}
END_TEST

/* Names come from the program: an invalid one fails the buffer and writes nothing. */
START_TEST(test_names)
{
    const struct prom_label bad_label[] = {{"__reserved", "x"}};
    const struct prom_label colon_label[] = {{"a:b", "x"}};
    const struct prom_label null_value[] = {{"a", NULL}};
    const char *bad_metrics[] = {"", "1abc", "a-b", "a b", "a{", "\xc3\xa9"};
    struct outbuf ob;
    char buf[256];

    ck_assert(prom_valid_metric_name("a:b_C9"));
    ck_assert(prom_valid_label_name("_a"));
    for (size_t i = 0; i < sizeof(bad_metrics) / sizeof(bad_metrics[0]); i++) {
        ck_assert(!prom_valid_metric_name(bad_metrics[i]));
        outbuf_init(&ob, buf, sizeof(buf));
        prom_sample_u64(&ob, bad_metrics[i], NULL, 0, 1);
        ck_assert(ob.failed);
        ck_assert_int_eq(ob.len, 0);
    }
    outbuf_init(&ob, buf, sizeof(buf));
    prom_sample_u64(&ob, "m", bad_label, 1, 1);
    ck_assert(ob.failed && ob.len == 0);
    outbuf_init(&ob, buf, sizeof(buf));
    prom_sample_u64(&ob, "m", colon_label, 1, 1);
    ck_assert(ob.failed && ob.len == 0);
    outbuf_init(&ob, buf, sizeof(buf));
    prom_sample_u64(&ob, "m", null_value, 1, 1);
    ck_assert(ob.failed && ob.len == 0);
    outbuf_init(&ob, buf, sizeof(buf));
    prom_header(&ob, "m", "no such type!", "help");
    ck_assert(ob.failed && ob.len == 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prom_out");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_every_byte);
    tcase_add_test(tc, test_escape_strings);
    tcase_add_test(tc, test_lines);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
