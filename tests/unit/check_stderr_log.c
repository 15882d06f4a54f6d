/* Unit tests for the line splitting of handler stderr (stderr_log_split in
 * src/runtime/stderr_log.c): what becomes a line, what waits for the next
 * read, and what a full buffer or the end of the pipe forces out. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "stderr_log.h"

/* The pieces EMIT was given, joined with '|' ("a|b|"). */
struct pieces {
    char text[256];
    int n;
};

static void collect(void *ctx, const char *line, size_t len)
{
    struct pieces *p = ctx;
    size_t used = strlen(p->text);

    ck_assert_uint_lt(used + len + 1, sizeof(p->text));
    memcpy(p->text + used, line, len);
    p->text[used + len] = '|';
    p->text[used + len + 1] = '\0';
    p->n++;
}

/* Split the string IN in a buffer of CAP bytes; the consumed count goes to *DONE. */
static struct pieces split(const char *in, size_t cap, bool at_eof, size_t *done)
{
    struct pieces p = {.text = "", .n = 0};
    size_t used = strlen(in);

    ck_assert_uint_le(used, cap);
    *done = stderr_log_split(in, used, cap, at_eof, collect, &p);
    return p;
}

START_TEST(several_lines_in_one_read)
{
    size_t done;
    struct pieces p = split("one\ntwo\nthree\n", 64, false, &done);

    ck_assert_str_eq(p.text, "one|two|three|");
    ck_assert_int_eq(p.n, 3);
    ck_assert_uint_eq(done, 14);
}
END_TEST

START_TEST(partial_line_kept)
{
    size_t done;
    struct pieces p = split("one\ntw", 64, false, &done);

    ck_assert_str_eq(p.text, "one|");
    ck_assert_uint_eq(done, 4); /* "tw" stays for the next read */
    p = split("tw", 64, false, &done);
    ck_assert_int_eq(p.n, 0);
    ck_assert_uint_eq(done, 0);
}
END_TEST

/* Only '\n' ends a line; the '\r' of CRLF stays on the line for the
 * emitter, which drops it, and a lone '\r' is part of the text. */
START_TEST(crlf_splits_at_newline)
{
    size_t done;
    struct pieces p = split("dos\r\nline\r\na\rb\n", 64, false, &done);

    ck_assert_str_eq(p.text, "dos\r|line\r|a\rb|");
    ck_assert_uint_eq(done, 15);
}
END_TEST

START_TEST(empty_lines_are_lines)
{
    size_t done;
    struct pieces p = split("\n\nx\n\n", 64, false, &done);

    ck_assert_str_eq(p.text, "||x||");
    ck_assert_int_eq(p.n, 4);
    ck_assert_uint_eq(done, 5);
}
END_TEST

START_TEST(full_buffer_without_newline_is_one_piece)
{
    size_t done;
    struct pieces p = split("abcdefgh", 8, false, &done);

    ck_assert_str_eq(p.text, "abcdefgh|");
    ck_assert_uint_eq(done, 8);
    /* One byte short of full: wait for more. */
    p = split("abcdefg", 8, false, &done);
    ck_assert_int_eq(p.n, 0);
    ck_assert_uint_eq(done, 0);
    /* Full, but a line ended in it: the line goes, the rest waits. */
    p = split("ab\ncdefg", 8, false, &done);
    ck_assert_str_eq(p.text, "ab|");
    ck_assert_uint_eq(done, 3);
}
END_TEST

START_TEST(eof_flushes_the_rest)
{
    size_t done;
    struct pieces p = split("one\nrest", 64, true, &done);

    ck_assert_str_eq(p.text, "one|rest|");
    ck_assert_uint_eq(done, 8);
    p = split("one\n", 64, true, &done); /* nothing left: no empty piece */
    ck_assert_str_eq(p.text, "one|");
    ck_assert_uint_eq(done, 4);
    p = split("", 64, true, &done);
    ck_assert_int_eq(p.n, 0);
    ck_assert_uint_eq(done, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("stderr_log");
    TCase *tc = tcase_create("split");
    tcase_add_test(tc, several_lines_in_one_read);
    tcase_add_test(tc, partial_line_kept);
    tcase_add_test(tc, crlf_splits_at_newline);
    tcase_add_test(tc, empty_lines_are_lines);
    tcase_add_test(tc, full_buffer_without_newline_is_one_piece);
    tcase_add_test(tc, eof_flushes_the_rest);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
