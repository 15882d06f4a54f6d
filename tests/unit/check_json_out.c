/* Unit tests for the JSON writer: every byte through the escaper, nesting, misuse, full buffers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "json_out.h"
#include "utf8.h"

/* The escaped form of LEN bytes of S, in BUF. */
static const char *esc(const char *s, size_t len, char *buf, size_t size)
{
    struct outbuf ob;

    outbuf_init(&ob, buf, size);
    json_escape(&ob, s, len);
    ck_assert(!ob.failed);
    return buf;
}

/* Every single byte: what it must become inside a JSON string. */
START_TEST(test_every_byte)
{
    char buf[64], want[64];

    for (int b = 0; b < 256; b++) {
        char c = (char)b;
        if (b == '"')
            strcpy(want, "\\\"");
        else if (b == '\\')
            strcpy(want, "\\\\");
        else if (b < 0x20 || b == 0x7f)
            snprintf(want, sizeof(want), "\\u%04x", b);
        else if (b < 0x80)
            snprintf(want, sizeof(want), "%c", b);
        else
            strcpy(want, "\xef\xbf\xbd"); /* a lone byte >= 0x80 is never valid UTF-8 */
        ck_assert_msg(strcmp(esc(&c, 1, buf, sizeof(buf)), want) == 0, "byte 0x%02x: %s", b, buf);
        ck_assert(utf8_valid(buf, strlen(buf), NULL));
    }
}
END_TEST

START_TEST(test_utf8)
{
    char buf[128];

    /* Valid sequences pass through untouched, U+2028 and U+FFFF included. */
    ck_assert_str_eq(
        esc("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xef\xbf\xbf", 15, buf, sizeof(buf)),
        "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xe2\x80\xa8\xef\xbf\xbf");
    /* Overlong, surrogate, past U+10FFFF, truncated: one U+FFFD per bad byte. */
    ck_assert_str_eq(esc("\xc0\xaf", 2, buf, sizeof(buf)), "\xef\xbf\xbd\xef\xbf\xbd");
    ck_assert_str_eq(esc("\xed\xa0\x80", 3, buf, sizeof(buf)),
                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    ck_assert_str_eq(esc("\xf4\x90\x80\x80", 4, buf, sizeof(buf)),
                     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
    ck_assert_str_eq(esc("a\xe2\x82", 3, buf, sizeof(buf)), "a\xef\xbf\xbd\xef\xbf\xbd");
    ck_assert_str_eq(esc("a\0b", 3, buf, sizeof(buf)), "a\\u0000b");
}
END_TEST

/* Every pair of bytes keeps the output valid UTF-8 with no raw control byte. */
START_TEST(test_every_pair)
{
    char in[2], buf[64];

    for (int a = 0; a < 256; a++) {
        for (int b = 0; b < 256; b++) {
            in[0] = (char)a, in[1] = (char)b;
            esc(in, 2, buf, sizeof(buf));
            ck_assert(utf8_valid(buf, strlen(buf), NULL));
            for (const char *p = buf; *p; p++)
                ck_assert((unsigned char)*p >= 0x20 && *p != 0x7f);
        }
    }
}
END_TEST

START_TEST(test_document)
{
    struct outbuf ob;
    struct json_out j;

    outbuf_init(&ob, NULL, 1 << 20);
    json_init(&j, &ob);
    json_object_begin(&j);
    json_kv_string(&j, "name", "e\"cho");
    json_kv_uint(&j, "live", 18446744073709551615ULL);
    json_key(&j, "n");
    json_int(&j, -42);
    json_key(&j, "list");
    json_array_begin(&j);
    json_bool(&j, true);
    json_null(&j);
    json_double(&j, 1.5);
    json_double(&j, 1.0 / 0.0);
    json_object_begin(&j);
    json_object_end(&j);
    json_array_begin(&j);
    json_array_end(&j);
    json_array_end(&j);
    json_key(&j, "b");
    json_bool(&j, false);
    json_object_end(&j);
    ck_assert(json_done(&j));
    ck_assert_str_eq(ob.data, "{\"name\":\"e\\\"cho\",\"live\":18446744073709551615,\"n\":-42,"
                              "\"list\":[true,null,1.5,null,{},[]],\"b\":false}");
    outbuf_free(&ob);
}
END_TEST

/* Misuse marks the writer failed instead of writing invalid JSON. */
START_TEST(test_misuse)
{
    struct outbuf ob;
    struct json_out j;
    char buf[256];

    outbuf_init(&ob, buf, sizeof(buf));
    json_init(&j, &ob);
    ck_assert(!json_done(&j)); /* nothing written */
    json_object_begin(&j);
    json_string(&j, "value without key");
    ck_assert(!json_done(&j));

    json_init(&j, &ob);
    json_array_begin(&j);
    json_key(&j, "key in array");
    ck_assert(!json_done(&j));

    json_init(&j, &ob);
    json_array_begin(&j);
    json_object_end(&j);
    ck_assert(!json_done(&j));

    json_init(&j, &ob);
    json_object_begin(&j);
    json_key(&j, "k");
    json_object_end(&j); /* the value is missing */
    ck_assert(!json_done(&j));

    json_init(&j, &ob);
    json_int(&j, 1);
    json_int(&j, 2); /* a second document */
    ck_assert(!json_done(&j));

    json_init(&j, &ob);
    json_array_begin(&j);
    ck_assert(!json_done(&j)); /* still open */

    json_init(&j, &ob);
    for (int i = 0; i <= JSON_MAX_DEPTH; i++)
        json_array_begin(&j);
    ck_assert(j.failed);
}
END_TEST

/* A fixed buffer that fills up fails the document; a streaming caller may drain it. */
START_TEST(test_full_and_drain)
{
    struct outbuf ob;
    struct json_out j;
    char buf[16], all[256] = "";

    outbuf_init(&ob, buf, sizeof(buf));
    json_init(&j, &ob);
    json_array_begin(&j);
    for (int i = 0; i < 20; i++) {
        json_string(&j, "abc");
        strcat(all, ob.data);
        outbuf_drain(&ob);
    }
    json_array_end(&j);
    strcat(all, ob.data);
    ck_assert(json_done(&j));
    ck_assert_int_eq(strlen(all), 2 + 20 * 5 + 19);

    outbuf_init(&ob, buf, sizeof(buf));
    json_init(&j, &ob);
    json_string(&j, "a string longer than sixteen bytes");
    ck_assert(!json_done(&j));
    ck_assert(ob.failed);
    ck_assert_int_lt(ob.len, sizeof(buf)); /* no overrun, and the rest is dropped */
    json_string(&j, "x");
    ck_assert_int_lt(ob.len, 2);

    outbuf_init(&ob, NULL, 8);
    outbuf_adds(&ob, "1234567");
    ck_assert(!ob.failed);
    outbuf_addc(&ob, '8');
    ck_assert(ob.failed);
    outbuf_free(&ob);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("json_out");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_every_byte);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_every_pair);
    tcase_add_test(tc, test_document);
    tcase_add_test(tc, test_misuse);
    tcase_add_test(tc, test_full_and_drain);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
