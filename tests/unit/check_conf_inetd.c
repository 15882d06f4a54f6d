/*
 * Unit tests for the `inetd_conf` key: a classic inetd.conf read through
 * config_load, its services built by the schema like YAML ones, and what it
 * skips (lines it cannot translate, services the schema refuses, names and
 * addresses the main config has) warned with file:line, never fatal.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_fixture.h"
#include "unit_run.h"
#include "config.h"

static char tmpdir[64], main_path[128], inetd_path[128];
static char err[1024];
static const struct config_options unpriv = {.privileged = false};
static const struct config_options priv = {.privileged = true};

static void setup(void)
{
    unit_tmpdir_make(tmpdir, sizeof(tmpdir), "check_conf_inetd");
    snprintf(main_path, sizeof(main_path), "%s/main.yaml", tmpdir);
    snprintf(inetd_path, sizeof(inetd_path), "%s/inetd.conf", tmpdir);
    err[0] = '\0';
}

static void teardown(void)
{
    unit_tmpdir_remove(tmpdir);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Load a main config whose top is "inetd_conf: <inetd_path>" then REST, and
 * (unless NULL) an inetd.conf of INETD. */
static struct config *load(const char *rest, const char *inetd, const struct config_options *o)
{
    char text[2048];

    snprintf(text, sizeof(text), "inetd_conf: %s\n%s", inetd_path, rest);
    write_file(main_path, text);
    if (inetd != NULL)
        write_file(inetd_path, inetd);
    return config_load(main_path, o, err, sizeof(err));
}

static const struct service *find(const struct config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->n_services; i++)
        if (strcmp(cfg->services[i].name, name) == 0)
            return &cfg->services[i];
    return NULL;
}

/* The warning about LINE of the inetd.conf, path removed, or NULL. */
static const char *warning_at(const struct config *cfg, unsigned line)
{
    char prefix[160];
    size_t n = (size_t)snprintf(prefix, sizeof(prefix), "%s:%u: ", inetd_path, line);

    for (size_t i = 0; i < cfg->n_warnings; i++)
        if (strncmp(cfg->warnings[i], prefix, n) == 0)
            return cfg->warnings[i] + n;
    return NULL;
}

START_TEST(test_translated_services)
{
    struct config *cfg = load("defaults: {instances: 7}\n"
                              "services:\n"
                              "  - {name: main, listen: \"127.0.0.1:17100\", exec: /bin/cat}\n",
                              "# comment\n"
                              "127.0.0.1:17101\tstream\ttcp\tnowait.30\troot\t/bin/cat\tcat -u\n"
                              "#<off># 127.0.0.1:17102 stream tcp nowait root /bin/cat cat\n"
                              "17103 dgram udp wait root:root /bin/cat cat\n",
                              &priv);
    const struct service *s;

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->inetd_conf, inetd_path);
    ck_assert_uint_eq(cfg->n_services, 3);
    ck_assert_uint_eq(cfg->n_warnings, 0); /* #<off># is a comment, not a warning */
    ck_assert_str_eq(cfg->services[0].name, "main");
    s = find(cfg, "17101");
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->file, inetd_path);
    ck_assert_int_eq(s->line, 2);
    ck_assert_str_eq(s->listen[0].text, "127.0.0.1:17101");
    ck_assert_int_eq(s->mode, MODE_NOWAIT);
    ck_assert_uint_eq(s->rate.count, 30);
    ck_assert_uint_eq(s->rate.seconds, 60);
    ck_assert_uint_eq(s->instances, 7); /* defaults apply to inetd services too */
    ck_assert_str_eq(s->args[0], "cat");
    ck_assert_str_eq(s->args[1], "-u");
    ck_assert_ptr_null(s->args[2]);
    ck_assert_uint_eq(s->uid, 0);
    s = find(cfg, "17103");
    ck_assert_ptr_nonnull(s);
    ck_assert_int_eq(s->protocol, PROTO_UDP);
    ck_assert_int_eq(s->mode, MODE_WAIT);
    ck_assert_str_eq(s->listen[0].text, "*:17103");
    ck_assert_ptr_null(find(cfg, "17102"));
    config_free(cfg);
}
END_TEST

START_TEST(test_skipped_lines_warned)
{
    struct config *cfg = load("services:\n"
                              "  - {name: \"17111\", listen: \"127.0.0.1:17110\", exec: /bin/cat}\n"
                              "  - {name: other, listen: \"127.0.0.1:17112\", exec: /bin/cat}\n",
                              "too few fields\n"
                              "127.0.0.1:17111 stream tcp nowait root /bin/cat cat\n"
                              "127.0.0.1:17112 stream tcp nowait root /bin/cat cat\n"
                              "127.0.0.1:17113 stream tcp nowait root /nonexistent/x x\n"
                              "127.0.0.1:17114 stream tcp nowait nosuchuser1234 /bin/cat cat\n"
                              "127.0.0.1:17115 stream tcp nowait root /bin/cat cat\n",
                              &priv);
    const char *w;

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->n_services, 3); /* the main two and line 6 */
    ck_assert_ptr_nonnull(find(cfg, "17115"));
    ck_assert_uint_eq(cfg->n_warnings, 5);
    for (unsigned i = 0; i < 5; i++) /* in line order, whichever step skipped the line */
        ck_assert_ptr_eq(warning_at(cfg, i + 1) - strlen(inetd_path) - 4, cfg->warnings[i]);
    w = warning_at(cfg, 1);
    ck_assert_ptr_nonnull(w);
    ck_assert_str_eq(w, "cannot translate: too few fields (3, need at least 6); line skipped");
    w = warning_at(cfg, 2); /* a name the main config has */
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(strstr(w, "service \"17111\": key \"name\": duplicate service name (first at ") &&
                      strstr(w, "main.yaml:3); line skipped"),
                  "%s", w);
    w = warning_at(cfg, 3); /* an address the main config has */
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(strstr(w, "key \"listen\": \"127.0.0.1:17112\" collides with ") &&
                      strstr(w, "of service \"other\""),
                  "%s", w);
    w = warning_at(cfg, 4);
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(strstr(w, "service \"17113\": key \"exec\": ") != NULL, "%s", w);
    w = warning_at(cfg, 5);
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(strstr(w, "key \"user\"") != NULL, "%s", w);
    config_free(cfg);
}
END_TEST

START_TEST(test_missing_file)
{
    char want[256];
    struct config *cfg = load("", NULL, &unpriv);

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->n_services, 0);
    ck_assert_uint_eq(cfg->n_warnings, 1);
    snprintf(want, sizeof(want), "%s: does not exist: no inetd.conf services", inetd_path);
    ck_assert_str_eq(cfg->warnings[0], want);
    config_free(cfg);
}
END_TEST

START_TEST(test_unreadable_is_an_error)
{
    char want[256];

    ck_assert_int_eq(mkdir(inetd_path, 0700), 0);
    ck_assert_ptr_null(load("", NULL, &unpriv));
    snprintf(want, sizeof(want), "%s: not a regular file (a directory)", inetd_path);
    ck_assert_str_eq(err, want);
}
END_TEST

/* Read as the main file is (issue 24.7): trusted only as root would trust
 * it, bounded, a NUL byte named. */
START_TEST(test_read_like_a_config_file)
{
    struct config *cfg;

    write_file(inetd_path, "17140 stream tcp nowait root /bin/cat cat\n");
    ck_assert_int_eq(chmod(inetd_path, 0666), 0);
    ck_assert_ptr_null(load("", NULL, &priv));
    ck_assert_ptr_nonnull(strstr(err, "inetd.conf: refusing an inetd_conf file "));
    ck_assert_ptr_nonnull(strstr(err, " while running as root"));
    ck_assert_int_eq(truncate(inetd_path, (off_t)(5u << 20)), 0);
    ck_assert_ptr_null(load("", NULL, &unpriv));
    ck_assert_ptr_nonnull(strstr(err, "inetd.conf: cannot read: file too large (over 4 MiB)"));
    static const char nul[] = "17140 stream tcp nowait root /bin/c\0at cat\n";
    FILE *f = fopen(inetd_path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(nul, 1, sizeof(nul) - 1, f), sizeof(nul) - 1);
    ck_assert_int_eq(fclose(f), 0);
    cfg = load("", NULL, &unpriv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_ptr_nonnull(warning_at(cfg, 1));
    ck_assert_str_eq(warning_at(cfg, 1), "cannot translate: NUL byte in the line; line skipped");
    config_free(cfg);
}
END_TEST

START_TEST(test_key_errors)
{
    char inc[160];

    write_file(main_path, "inetd_conf: etc/inetd.conf\n");
    ck_assert_ptr_null(config_load(main_path, &unpriv, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "main.yaml:1: key \"inetd_conf\": must be an absolute path"));
    snprintf(inc, sizeof(inc), "%s/inc.yaml", tmpdir);
    write_file(inc, "inetd_conf: /etc/inetd.conf\n");
    write_file(main_path, "include: [inc.yaml]\n");
    ck_assert_ptr_null(config_load(main_path, &unpriv, err, sizeof(err)));
    ck_assert_ptr_nonnull(strstr(err, "an included file may only hold \"services\""));
}
END_TEST

/* Not root: `user` may not be set, so every line is warned, none fatal. */
START_TEST(test_unprivileged_lines_warned)
{
    struct config *cfg = load("", "127.0.0.1:17120 stream tcp nowait root /bin/cat cat\n", &unpriv);
    const char *w;

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->n_services, 0);
    w = warning_at(cfg, 1);
    ck_assert_ptr_nonnull(w);
    ck_assert_msg(strstr(w, "key \"user\": only root may set it") != NULL, "%s", w);
    config_free(cfg);
}
END_TEST

/* -T writes the key (the dump reads the file again) and its services as
 * comments; the dump loads back to the same services. */
START_TEST(test_dump)
{
    struct config *cfg = load("services:\n"
                              "  - {name: main, listen: \"127.0.0.1:17131\", exec: /bin/cat}\n",
                              "127.0.0.1:17130 stream tcp nowait root /bin/cat cat\n", &priv);
    char *text = NULL, want[200], dump_path[160];
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    ck_assert_msg(cfg != NULL, "%s", err);
    config_dump_yaml(cfg, out);
    fclose(out);
    snprintf(want, sizeof(want), "\ninetd_conf: \"%s\"\n", inetd_path);
    ck_assert_msg(strstr(text, want) != NULL, "%s", text);
    ck_assert_msg(strstr(text, "\n#   17130 tcp/nowait 127.0.0.1:17130 /bin/cat (line 1)\n") !=
                      NULL,
                  "%s", text);
    ck_assert_msg(strstr(text, "name: \"17130\"") == NULL, "%s", text);
    snprintf(dump_path, sizeof(dump_path), "%s/dump.yaml", tmpdir);
    write_file(dump_path, text);
    free(text);
    config_free(cfg);
    cfg = config_load(dump_path, &priv, err, sizeof(err));
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->n_services, 2);
    ck_assert_uint_eq(cfg->n_warnings, 0);
    ck_assert_str_eq(cfg->inetd_conf, inetd_path);
    ck_assert_str_eq(cfg->services[1].name, "17130");
    config_free(cfg);
}
END_TEST

static Suite *conf_inetd_suite(void)
{
    Suite *s = suite_create("conf_inetd");
    TCase *tc = tcase_create("any user");
    TCase *root = tcase_create("root");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_unreadable_is_an_error);
    tcase_add_test(tc, test_read_like_a_config_file);
    tcase_add_test(tc, test_key_errors);
    tcase_add_test(tc, test_unprivileged_lines_warned);
    suite_add_tcase(s, tc);
    /* `user` and the strict file checks of a root daemon */
    if (geteuid() == 0) {
        tcase_add_checked_fixture(root, setup, teardown);
        tcase_add_test(root, test_translated_services);
        tcase_add_test(root, test_skipped_lines_warned);
        tcase_add_test(root, test_dump);
        suite_add_tcase(s, root);
    }
    return s;
}

int main(void)
{
    return unit_run(conf_inetd_suite(),
                    geteuid() == 0 ? NULL
                                   : "not root: the root cases (translated services, skipped "
                                     "lines, the dump) did not run");
}
