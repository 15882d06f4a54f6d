/*
 * Unit tests for log.c's priorities on stderr: a "<N>" prefix journald
 * reads when JOURNAL_STREAM names stderr's device:inode, and none when it
 * is unset, names another file or is malformed.  stderr is a temporary
 * file here; each test runs in its own forked process (Check's default).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_run.h"
#include "log.h"

/* Point fd 2 at a fresh temporary file; returns its stream for reading. */
static FILE *stderr_to_file(void)
{
    FILE *f = tmpfile();

    ck_assert_ptr_nonnull(f);
    ck_assert_int_ne(dup2(fileno(f), STDERR_FILENO), -1);
    return f;
}

static void set_journal_stream(unsigned long long dev, unsigned long long ino)
{
    char v[64];

    snprintf(v, sizeof(v), "%llu:%llu", dev, ino);
    ck_assert_int_eq(setenv("JOURNAL_STREAM", v, 1), 0);
}

static void journal_is_stderr(void)
{
    struct stat st;

    ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
    set_journal_stream((unsigned long long)st.st_dev, (unsigned long long)st.st_ino);
}

/* Everything written to F so far (held lines flushed first). */
static char *contents(FILE *f)
{
    static char buf[65536];
    size_t n;

    log_flush();
    rewind(f);
    n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    return buf;
}

/* One line of each priority. */
static void log_each(void)
{
    log_event("event=start service=a");
    log_event_notice("event=refuse service=a reason=deny");
    log_event_err("event=exec_failed service=a");
    log_errorx("bind %s", "x");
    log_warnx("careful");
    log_debug("event=reap pid=1");
}

START_TEST(prefix_when_stderr_is_the_journal)
{
    FILE *f = stderr_to_file();

    journal_is_stderr();
    log_init(LOG_DEST_STDERR, true);
    log_each();
    ck_assert_str_eq(contents(f), "<6>event=start service=a\n"
                                  "<5>event=refuse service=a reason=deny\n"
                                  "<3>event=exec_failed service=a\n"
                                  "<3>event=error message=\"bind x\"\n"
                                  "<4>event=warning message=careful\n"
                                  "<7>event=reap pid=1\n");
}
END_TEST

static const char plain[] = "event=start service=a\n"
                            "event=refuse service=a reason=deny\n"
                            "event=exec_failed service=a\n"
                            "event=error message=\"bind x\"\n"
                            "event=warning message=careful\n"
                            "event=reap pid=1\n";

START_TEST(no_prefix_without_journal_stream)
{
    FILE *f = stderr_to_file();

    unsetenv("JOURNAL_STREAM");
    log_init(LOG_DEST_STDERR, true);
    log_each();
    ck_assert_str_eq(contents(f), plain);
}
END_TEST

START_TEST(no_prefix_when_stderr_was_redirected)
{
    struct stat st;
    FILE *f = stderr_to_file();

    /* The variable was inherited, but stderr is another file now. */
    ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
    set_journal_stream((unsigned long long)st.st_dev, (unsigned long long)st.st_ino + 1);
    log_init(LOG_DEST_STDERR, true);
    log_each();
    ck_assert_str_eq(contents(f), plain);
}
END_TEST

START_TEST(no_prefix_when_malformed)
{
    struct stat st;
    char v[80];
    FILE *f = stderr_to_file();

    ck_assert_int_eq(fstat(STDERR_FILENO, &st), 0);
    snprintf(v, sizeof(v), "%llu:%llux", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    ck_assert_int_eq(setenv("JOURNAL_STREAM", v, 1), 0);
    log_init(LOG_DEST_STDERR, true);
    log_each();
    ck_assert_str_eq(contents(f), plain);
}
END_TEST

/* A line longer than the limit keeps its prefix and newline and stays in
 * bounds, written at once or held for the loop turn. */
START_TEST(long_line_truncated_with_prefix)
{
    static char big[10000];
    FILE *f = stderr_to_file();

    memset(big, 'x', sizeof(big) - 1);
    journal_is_stderr();
    log_init(LOG_DEST_STDERR, false);
    log_event("%s", big);
    log_set_buffered(true);
    log_event_err("%s", big);
    log_event_notice("%s", big);
    log_set_buffered(false);
    const char *out = contents(f);
    const char *prefixes[] = {"<6>", "<3>", "<5>"};
    for (int i = 0; i < 3; i++) {
        const char *nl = strchr(out, '\n');
        ck_assert_ptr_nonnull(nl);
        ck_assert_int_eq(strncmp(out, prefixes[i], 3), 0);
        ck_assert_int_le(nl + 1 - out, 8192);
        ck_assert_int_gt(nl + 1 - out, 8000);
        out = nl + 1;
    }
    ck_assert_str_eq(out, "");
}
END_TEST

static Suite *log_prio_suite(void)
{
    Suite *s = suite_create("log_prio");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, prefix_when_stderr_is_the_journal);
    tcase_add_test(tc, no_prefix_without_journal_stream);
    tcase_add_test(tc, no_prefix_when_stderr_was_redirected);
    tcase_add_test(tc, no_prefix_when_malformed);
    tcase_add_test(tc, long_line_truncated_with_prefix);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(log_prio_suite(), NULL);
}
