/*
 * Unit tests for the errors one load finds (config_errors.c, and where the
 * loader resumes after an error): every error in file order, the first
 * CONFIG_MAX_ERRORS kept and the rest counted, a bad default named once,
 * the nearest known key suggested for an unknown one, and the hint for an
 * unquoted "*:PORT" in YAML.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_run.h"
#include "config.h"

static char tmpdir[256];
static char err[CONFIG_ERROR_LEN];
static struct config_errors errors;

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_config_errors.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    ck_assert_int_eq(chdir(tmpdir), 0); /* messages name files relative to here */
    memset(&errors, 0, sizeof(errors));
}

static void teardown(void)
{
    char cmd[300];

    ck_assert_int_eq(chdir("/"), 0);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

static void write_file(const char *name, const char *text)
{
    FILE *f;

    mkdir("conf.d", 0700);
    f = fopen(name, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

/* Load NAME (holding TEXT) and expect it to fail; the number of errors kept. */
static size_t fails(const char *name, const char *text)
{
    struct config_options o = {.privileged = false, .errors = &errors};
    struct config *cfg;

    write_file(name, text);
    cfg = config_load(name, &o, err, sizeof(err));
    ck_assert_msg(cfg == NULL, "%s loaded", name);
    ck_assert_str_eq(err, errors.text[0]); /* the one line: the first in file order */
    return errors.n;
}

/* Load NAME (holding TEXT): it fails with one error per WANT (NULL-ended), each holding that
 * text, in that order. */
static void fails_with(const char *name, const char *text, const char *const *want)
{
    size_t n = 0;

    while (want[n] != NULL)
        n++;
    ck_assert_uint_eq(fails(name, text), n);
    for (size_t i = 0; i < n; i++)
        ck_assert_msg(strstr(errors.text[i], want[i]) != NULL, "error %zu: %s\nwant: %s", i + 1,
                      errors.text[i], want[i]);
}

START_TEST(test_every_error_in_file_order)
{
    /* The unknown key is found first (keys before values) but comes later in the file. */
    const char *text = "services:\n"
                       "  - name: a\n"
                       "    listen: \"127.0.0.1:17001\"\n"
                       "    exec: /bin/cat\n"
                       "    instances: x\n"
                       "    colour: red\n"
                       "  - name: b\n"
                       "    listen: \"127.0.0.1:17002\"\n"
                       "max_children: 0\n";

    ck_assert_uint_eq(fails("e.yaml", text), 4);
    ck_assert_uint_eq(errors.found, 4);
    ck_assert_str_eq(errors.text[0],
                     "e.yaml:5: service \"a\": key \"instances\": expected an integer >= 0");
    ck_assert_str_eq(errors.text[1], "e.yaml:6: service \"a\": key \"colour\": unknown key");
    ck_assert_str_eq(errors.text[2],
                     "e.yaml:7: service \"b\": key \"exec\": required key is missing");
    ck_assert_str_eq(errors.text[3], "e.yaml:9: key \"max_children\": expected an integer >= 1");
}
END_TEST

START_TEST(test_first_twenty_kept_the_rest_counted)
{
    char text[8192] = "services = (\n";

    for (int i = 0; i < 25; i++) {
        char line[200];
        snprintf(
            line, sizeof(line),
            "%s{ name = \"s%d\"; listen = \"127.0.0.1:%d\"; exec = \"/bin/cat\"; nice = 40; }\n",
            i ? "," : "", i, 17100 + i);
        strcat(text, line);
    }
    strcat(text, ");\n");
    ck_assert_uint_eq(fails("many.conf", text), CONFIG_MAX_ERRORS);
    ck_assert_uint_eq(errors.found, 25);
    ck_assert_str_eq(errors.text[0], "many.conf:2: service \"s0\": key \"nice\": expected an "
                                     "integer between -20 and 19");
    ck_assert_str_eq(errors.text[19], "many.conf:21: service \"s19\": key \"nice\": expected an "
                                      "integer between -20 and 19");
}
END_TEST

START_TEST(test_files_in_the_order_read)
{
    /* The main file first, then each include in sorted order; a syntax error ends its file. */
    write_file("conf.d/a.yaml", "services:\n  - name: a\n    listen: \"127.0.0.1:17201\"\n"
                                "    exec: /bin/cat\n    timout: 5\n");
    write_file("conf.d/b.yaml", "services: [\n");
    write_file("conf.d/c.yaml", "services:\n  - name: c\n    listen: \"127.0.0.1:17203\"\n"
                                "    exec: /nonexistent\n");
    static const char *const want[] = {"main.yaml:6: service \"m\": key \"umask\"",
                                       "conf.d/a.yaml:5: service \"a\": key \"timout\"",
                                       "conf.d/b.yaml:2: syntax error",
                                       "conf.d/c.yaml:4: service \"c\": key \"exec\"", NULL};

    fails_with("main.yaml",
               "include: [\"conf.d/*.yaml\"]\n"
               "services:\n  - name: m\n    listen: \"127.0.0.1:17200\"\n"
               "    exec: /bin/cat\n    umask: 22\n",
               want);
}
END_TEST

START_TEST(test_bad_default_named_once)
{
    const char *text = "defaults = { timeout = \"x\"; };\n"
                       "services = (\n"
                       "  { name = \"a\"; listen = \"127.0.0.1:17301\"; exec = \"/bin/cat\"; },\n"
                       "  { name = \"b\"; listen = \"127.0.0.1:17302\"; exec = \"/bin/cat\"; }\n"
                       ");\n";

    ck_assert_uint_eq(fails("d.conf", text), 1);
    ck_assert_str_eq(errors.text[0], "d.conf:1: key \"timeout\": expected an integer >= 0");
}
END_TEST

START_TEST(test_dependent_key_left_unread)
{
    /* A wrong protocol leaves listen unread, a wrong chroot exec: one error each, not two. */
    const char *text = "services:\n"
                       "  - name: a\n"
                       "    protocol: sctp\n"
                       "    listen: \"127.0.0.1:17401\"\n"
                       "    chroot: relative\n"
                       "    exec: /bin/cat\n";

    static const char *const want[] = {"key \"protocol\"", "key \"chroot\"", NULL};

    fails_with("dep.yaml", text, want);
}
END_TEST

START_TEST(test_cross_service_errors_all_named)
{
    const char *text = "services = (\n"
                       "  { name = \"a\"; listen = \"127.0.0.1:17501\"; exec = \"/bin/cat\"; },\n"
                       "  { name = \"a\"; listen = \"127.0.0.1:17502\"; exec = \"/bin/cat\"; },\n"
                       "  { name = \"b\"; listen = \"*:17501\"; exec = \"/bin/cat\"; }\n"
                       ");\n";

    static const char *const want[] = {"x.conf:3: service \"a\": key \"name\": duplicate",
                                       "x.conf:4: service \"b\": key \"listen\"", NULL};

    fails_with("x.conf", text, want);
}
END_TEST

START_TEST(test_nearest_key_suggested)
{
    static const struct {
        const char *key, *hint;
    } cases[] = {
        {"instaces", " (did you mean \"instances\"?)"},    /* a letter left out */
        {"insatnces", " (did you mean \"instances\"?)"},   /* two swapped */
        {"Instances", " (did you mean \"instances\"?)"},   /* a capital */
        {"per-source", " (did you mean \"per_source\"?)"}, /* a dash */
        {"listen_fd", " (did you mean \"listen_fds\"?)"},
        {"colour", ""}, /* nothing close */
        {"port", ""},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[300], want[300];
        snprintf(text, sizeof(text),
                 "services:\n  - name: a\n    listen: \"127.0.0.1:17601\"\n    exec: /bin/cat\n"
                 "    %s: 1\n",
                 cases[i].key);
        ck_assert_uint_eq(fails("k.yaml", text), 1);
        snprintf(want, sizeof(want), "k.yaml:5: service \"a\": key \"%s\": unknown key%s",
                 cases[i].key, cases[i].hint);
        ck_assert_str_eq(errors.text[0], want);
    }
    ck_assert_uint_eq(fails("t.yaml", "servics: []\n"), 1);
    ck_assert_str_eq(errors.text[0], "t.yaml:1: key \"servics\": unknown key (did you mean "
                                     "\"services\"?)");
    /* An included file may hold services only: that is the one suggested. */
    write_file("conf.d/i.yaml", "servces: []\n");
    ck_assert_uint_eq(fails("m.yaml", "include: [\"conf.d/*.yaml\"]\n"), 1);
    ck_assert_str_eq(errors.text[0], "conf.d/i.yaml:1: key \"servces\": unknown key (did you mean "
                                     "\"services\"?)");
}
END_TEST

START_TEST(test_unquoted_star_address_hint)
{
    ck_assert_uint_eq(fails("s.yaml", "services:\n  - name: e\n    listen: *:7007\n"
                                      "    exec: /bin/cat\n"),
                      1);
    ck_assert_str_eq(errors.text[0],
                     "s.yaml:3: syntax error: did not find expected alphabetic or numeric "
                     "character (quote addresses starting with \"*\": listen: \"*:PORT\")");
    /* An alias of a name is refused on its own, with no such hint. */
    ck_assert_uint_eq(fails("a.yaml", "services:\n  - name: e\n    listen: *x\n"), 1);
    ck_assert_ptr_null(strstr(errors.text[0], "quote"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("config_errors");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_every_error_in_file_order);
    tcase_add_test(tc, test_first_twenty_kept_the_rest_counted);
    tcase_add_test(tc, test_files_in_the_order_read);
    tcase_add_test(tc, test_bad_default_named_once);
    tcase_add_test(tc, test_dependent_key_left_unread);
    tcase_add_test(tc, test_cross_service_errors_all_named);
    tcase_add_test(tc, test_nearest_key_suggested);
    tcase_add_test(tc, test_unquoted_star_address_hint);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
