/*
 * Unit tests for --import-inetd: a realistic Debian/OpenBSD inetd.conf
 * against its expected YAML and error lines, then the corner cases one small
 * file at a time (merging of tcp/tcp6 twins, address forms, limits, quoting,
 * long lines, unreadable and empty input).
 */
#include <check.h>
#include <netdb.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_file.h"
#include "unit_fixture.h"
#include "unit_run.h"
#include "inetd_import.h"

static char tmpdir[64];
static char conf[sizeof(tmpdir) + 16];

static void setup(void)
{
    unit_tmpdir_make(tmpdir, sizeof(tmpdir), "check_inetd");
    snprintf(conf, sizeof(conf), "%s/inetd.conf", tmpdir);
}

static void teardown(void)
{
    unit_tmpdir_remove(tmpdir);
}

/* Write TEXT to the scratch inetd.conf and import it. */
static void run_text(const char *text, struct unit_output *r)
{
    FILE *f = fopen(conf, "w");

    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
    unit_capture(r, inetd_import, conf);
}

/* Replace every DIR in TEXT by "@HANDLER_DIR@" (the handler folder is set at build time). */
static char *mask_dir(const char *text, const char *dir)
{
    char *buf = NULL;
    size_t len = 0, n = strlen(dir);
    FILE *m = open_memstream(&buf, &len);

    for (const char *p = text; *p;) {
        if (strncmp(p, dir, n) == 0) {
            fputs("@HANDLER_DIR@", m);
            p += n;
        } else {
            putc(*p++, m);
        }
    }
    fclose(m);
    return buf;
}

/* The folder of the first exec in OUT: the internal echo handler's. */
static char *handler_dir(const char *out)
{
    const char *p = strstr(out, "exec: \"");
    const char *end, *slash;

    ck_assert_ptr_nonnull(p);
    p += strlen("exec: \"");
    end = strchr(p, '"');
    ck_assert_ptr_nonnull(end);
    slash = memrchr(p, '/', (size_t)(end - p));
    ck_assert_ptr_nonnull(slash);
    ck_assert_msg(p[0] == '/' && strncmp(slash, "/echo\"", 6) == 0, "exec %.*s", (int)(end - p), p);
    return strndup(p, (size_t)(slash - p));
}

/* Compare line by line, so a failure names the first differing line (and Check's
 * message stays short). */
static void assert_same_lines(const char *got, const char *want, const char *what)
{
    unsigned line = 1;

    while (*got || *want) {
        size_t g = strcspn(got, "\n"), w = strcspn(want, "\n");

        ck_assert_msg(g == w && strncmp(got, want, g) == 0 && got[g] == want[w],
                      "%s line %u: got \"%.*s\", want \"%.*s\"", what, line,
                      (int)(g > 200 ? 200 : g), got, (int)(w > 200 ? 200 : w), want);
        got += g + (got[g] != '\0');
        want += w + (want[w] != '\0');
        line++;
    }
}

/* Runs only when have_port_names() (see main). */
START_TEST(fixture)
{
    const char *srcdir = getenv("TESTS_SRCDIR");
    struct unit_output r;
    char *want_out, *want_err, *dir, *got;

    /* A relative path keeps the file name in the messages independent of the tree. */
    ck_assert_int_eq(chdir(srcdir ? srcdir : "tests"), 0);
    unit_capture(&r, inetd_import, "data/inetd/inetd.conf");
    want_out = unit_slurp("data/inetd/inetd.expected.yaml");
    want_err = unit_slurp("data/inetd/inetd.expected.err");
    dir = handler_dir(r.out);
    got = mask_dir(r.out, dir);
    ck_assert_int_eq(r.rc, 0);
    assert_same_lines(got, want_out, "inetd.expected.yaml");
    assert_same_lines(r.err, want_err, "inetd.expected.err");
    free(got);
    free(dir);
    free(want_out);
    free(want_err);
    unit_output_free(&r);
}
END_TEST

START_TEST(missing_file)
{
    struct unit_output r;

    unit_capture(&r, inetd_import, "/nonexistent/inetd.conf");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, "superserverd: /nonexistent/inetd.conf: cannot open: No such file "
                            "or directory\n");
    unit_output_free(&r);
}
END_TEST

START_TEST(unreadable_directory)
{
    struct unit_output r;

    unit_capture(&r, inetd_import, tmpdir);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_ptr_nonnull(strstr(r.err, ": not a regular file (a directory)\n"));
    unit_output_free(&r);
}
END_TEST

/* A FIFO (no writer) must not block the import: refused at once by name. */
START_TEST(special_file)
{
    struct unit_output r;
    char fifo[sizeof(tmpdir) + 16], want[256];

    snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    unit_capture(&r, inetd_import, fifo);
    unlink(fifo);
    snprintf(want, sizeof(want), "superserverd: %s: not a regular file (a fifo)\n", fifo);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, want);
    unit_output_free(&r);
    unit_capture(&r, inetd_import, "/dev/null");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.err, "superserverd: /dev/null: not a regular file (a character device)\n");
    unit_output_free(&r);
}
END_TEST

START_TEST(empty_file)
{
    struct unit_output r;
    char want[256];

    run_text("", &r);
    snprintf(want, sizeof(want), "superserverd: %s: no service could be translated\n", conf);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, want);
    unit_output_free(&r);
    run_text("# only comments\n\n   \t\n#echo stream tcp nowait root internal\n", &r);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, want);
    unit_output_free(&r);
}
END_TEST

START_TEST(nothing_translatable)
{
    struct unit_output r;
    char want[512];

    run_text("foo stream tcp\nbar raw icmp nowait root /bin/true\n", &r);
    snprintf(want, sizeof(want),
             "superserverd: %s:1: cannot translate: too few fields (3, need at least 6)\n"
             "superserverd: %s:2: cannot translate: socket type \"raw\" is not supported (only "
             "stream and dgram)\n"
             "superserverd: %s: no service could be translated\n",
             conf, conf, conf);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_str_eq(r.out, "");
    ck_assert_str_eq(r.err, want);
    unit_output_free(&r);
}
END_TEST

/* Only the services part of the output, after the header comment. */
static const char *services_of(const struct unit_output *r)
{
    const char *p = strstr(r->out, "services:\n");

    ck_assert_msg(p != NULL, "no services in %s", r->out);
    return p;
}

START_TEST(twins_merge)
{
    struct unit_output r;

    run_text("7001 stream tcp4 nowait root /bin/cat cat\n"
             "7001 stream tcp6 nowait root /bin/cat cat\n"
             "7002 dgram udp6 wait nobody:nogroup /bin/cat\n"
             "7002 dgram udp4 wait nobody:nogroup /bin/cat\n"
             "7003 stream tcp nowait root /bin/cat\n"
             "7003 stream tcp nowait root /bin/cat\n",
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(services_of(&r), "services:\n"
                                      "  # lines 1 and 2\n"
                                      "  - name: \"7001\"\n"
                                      "    listen: \"*:7001\"\n"
                                      "    protocol: \"tcp\"\n"
                                      "    mode: \"nowait\"\n"
                                      "    user: \"root\"\n"
                                      "    exec: \"/bin/cat\"\n"
                                      "    args:\n"
                                      "      - \"cat\"\n"
                                      "  # lines 3 and 4\n"
                                      "  - name: \"7002\"\n"
                                      "    listen: \"*:7002\"\n"
                                      "    protocol: \"udp\"\n"
                                      "    mode: \"wait\"\n"
                                      "    user: \"nobody\"\n"
                                      "    group: \"nogroup\"\n"
                                      "    exec: \"/bin/cat\"\n"
                                      "    args:\n"
                                      "      - \"/bin/cat\"\n"
                                      "  # lines 5 and 6\n"
                                      "  - name: \"7003\"\n"
                                      "    listen: \"*:7003\"\n"
                                      "    protocol: \"tcp\"\n"
                                      "    mode: \"nowait\"\n"
                                      "    user: \"root\"\n"
                                      "    exec: \"/bin/cat\"\n"
                                      "    args:\n"
                                      "      - \"/bin/cat\"\n");
    unit_output_free(&r);
}
END_TEST

START_TEST(addresses_and_names)
{
    struct unit_output r;

    run_text("7001 stream tcp4 nowait root /bin/cat\n"
             "7001 stream tcp6 nowait nobody /bin/cat\n"
             "::1:7002 stream tcp6 nowait root /bin/cat\n"
             "[::1]:7002 dgram udp wait root /bin/cat\n"
             "10.0.0.1:\n"
             "7002 dgram udp wait root /bin/cat\n"
             "7002 stream tcp4 nowait root /bin/cat\n"
             "*:\n"
             "7004 stream tcp/7 nowait root /bin/cat\n",
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "  - name: \"7001\"\n    listen: \"0.0.0.0:7001\"\n"));
    /* Any two wildcards on a port collide in the loader: different settings cannot merge. */
    ck_assert_ptr_nonnull(strstr(r.err, ":2: cannot translate: tcp \"[::]:7001\" collides with "
                                        "\"0.0.0.0:7001\" from line 1\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "  - name: \"7002\"\n    listen: \"[::1]:7002\"\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "  - name: \"7002-udp\"\n    listen: \"[::1]:7002\"\n"));
    ck_assert_ptr_nonnull(
        strstr(r.out, "  - name: \"7002-udp-2\"\n    listen: \"10.0.0.1:7002\"\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "  - name: \"7002-4\"\n    listen: \"10.0.0.1:7002\"\n"));
    ck_assert_ptr_null(strstr(r.out, "7004"));
    ck_assert_ptr_nonnull(strstr(r.err, ":9: cannot translate: protocol \"tcp/7\" is not "
                                        "supported (only tcp and udp, or tcp6, udp4...)\n"));
    unit_output_free(&r);
}
END_TEST

START_TEST(unix_sockets)
{
    struct unit_output r;

    run_text("/run/ss/echo.sock stream unix nowait root /bin/cat cat\n"
             "/run/ss/log.sock dgram unix wait nobody:nogroup /usr/sbin/logd logd -v\n"
             "127.0.0.1:\n" /* an address default does not apply to a path */
             "/run/a:b/.hidden stream unix nowait.60 root /bin/cat\n"
             "/run/ss/echo.sock stream unix nowait root /bin/true\n"
             "/run/ss/x.sock dgram unix nowait root /bin/cat\n"
             "run/rel.sock stream unix nowait root /bin/cat\n"
             "/run/ss/int.sock stream unix nowait root internal\n"
             "/run/ss/raw.sock raw unix nowait root /bin/cat\n",
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "  # line 1\n  - name: \"echo\"\n"
                                        "    listen: \"unix:/run/ss/echo.sock\"\n"
                                        "    protocol: \"tcp\"\n    mode: \"nowait\"\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "  - name: \"log\"\n"
                                        "    listen: \"unix:/run/ss/log.sock\"\n"
                                        "    protocol: \"udp\"\n    mode: \"wait\"\n"
                                        "    user: \"nobody\"\n    group: \"nogroup\"\n"));
    ck_assert_ptr_nonnull(strstr(r.out, "  - name: \".hidden\"\n"
                                        "    listen: \"unix:/run/a:b/.hidden\"\n"));
    ck_assert_ptr_nonnull(strstr(r.err, ":5: cannot translate: tcp \"unix:/run/ss/echo.sock\" "
                                        "collides with \"unix:/run/ss/echo.sock\" from line 1\n"));
    ck_assert_ptr_nonnull(strstr(r.err, ":6: cannot translate: dgram with nowait is not "
                                        "supported (udp services use wait)\n"));
    ck_assert_ptr_nonnull(
        strstr(r.err, ":7: cannot translate: unix socket path \"run/rel.sock\" is not absolute\n"));
    ck_assert_ptr_nonnull(
        strstr(r.err, ":8: cannot translate: internal services are not offered on unix sockets\n"));
    ck_assert_ptr_nonnull(strstr(r.err, ":9: cannot translate: socket type \"raw\" is not "
                                        "supported (only stream and dgram)\n"));
    unit_output_free(&r);
}
END_TEST

START_TEST(freebsd_limits)
{
    struct unit_output r;

    run_text("7001 stream tcp nowait/10/0/3 root /bin/cat\n"
             "7002 stream tcp nowait/0 root /bin/cat\n"
             "7003 stream tcp nowait/5/20 root /bin/cat\n"
             "7004 stream tcp nowait/1/2/3/4 root /bin/cat\n"
             "7005 stream tcp nowait/3/ root /bin/cat\n"
             "7006 stream tcp wait/4/0/2 root /bin/cat\n"
             "7007 dgram udp wait/4/0/2 root /bin/cat\n",
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.out, "    mode: \"nowait\"\n    instances: 10\n"
                                        "    per_source: 3\n    user: \"root\"\n"));
    /* 0: no limit */
    ck_assert_ptr_nonnull(strstr(r.out, "listen: \"*:7002\"\n    protocol: \"tcp\"\n"
                                        "    mode: \"nowait\"\n    user: \"root\"\n"));
    ck_assert_ptr_nonnull(strstr(r.err, ":3: cannot translate: a limit of 20 connections a minute "
                                        "per address (the second /N) has no equivalent: "
                                        "superserver's rate is per service\n"));
    ck_assert_ptr_nonnull(strstr(r.err, ":4: cannot translate: \"nowait/1/2/3/4\" is not wait"));
    ck_assert_ptr_nonnull(strstr(r.err, ":5: cannot translate: \"nowait/3/\" is not wait"));
    /* per address: not where the server accepts (tcp wait); a udp one is checked */
    ck_assert_ptr_nonnull(strstr(r.err, ":6: cannot translate: a limit of 2 handlers per address "
                                        "(the third /N) cannot apply to a tcp wait service"));
    ck_assert_ptr_nonnull(strstr(r.out, "listen: \"*:7007\"\n    protocol: \"udp\"\n"
                                        "    mode: \"wait\"\n    instances: 4\n"
                                        "    per_source: 2\n"));
    unit_output_free(&r);
}
END_TEST

START_TEST(bad_lines)
{
    static const struct {
        const char *line, *why;
    } cases[] = {
        {"7001 stream udp wait root /bin/cat", "socket type stream does not go with protocol udp"},
        {"7001 seqpacket tcp nowait root /bin/cat",
         "socket type \"seqpacket\" is not supported (only stream and dgram)"},
        {"7001 stream tcp sometimes root /bin/cat",
         "\"sometimes\" is not wait or nowait (with an optional .N or /N[/M[/P]])"},
        {"7001 stream tcp nowait.x root /bin/cat",
         "\"nowait.x\" is not wait or nowait (with an optional .N or /N[/M[/P]])"},
        {"7001 stream tcp nowait.0 root /bin/cat",
         "\"nowait.0\" is not wait or nowait (with an optional .N or /N[/M[/P]])"},
        {"7001 stream tcp nowait :wheel /bin/cat", "missing user (field 5 is \":wheel\")"},
        {"7001 stream tcp nowait root internal", "unknown internal service \"7001\""},
        {"0 stream tcp nowait root /bin/cat", "port \"0\" is out of range"},
        {"70000 stream tcp nowait root /bin/cat", "port \"70000\" is out of range"},
        {"localhost:7001 stream tcp nowait root /bin/cat",
         "address \"localhost\" is not a numeric IP address"},
        {"127.0.0.1:7001 stream tcp6 nowait root /bin/cat",
         "address \"127.0.0.1\" is not a numeric IPv6 address"},
        {"[::1]:7001 stream tcp4 nowait root /bin/cat",
         "address \"[::1]\" is not a numeric IPv4 address"},
        {":7001 stream tcp nowait root /bin/cat", "address \"\" is not a numeric IP address"},
        {"127.0.0.1: stream tcp nowait root /bin/cat", "empty service name"},
        {"tcpmux/+date stream tcp nowait root /bin/date", "tcpmux services are not supported"},
        {"rstatd/1-3 dgram rpc/udp wait root /usr/sbin/rpc.rstatd",
         "RPC services are not supported"},
        {"7001 stream tcp nowait r\xe9my /bin/cat", "not valid UTF-8"},
    };
    char want[512];
    struct unit_output r;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[256];

        /* A good second line keeps the exit code 0: translation goes on past errors. */
        snprintf(text, sizeof(text), "%s\n7999 stream tcp nowait root /bin/cat\n", cases[i].line);
        run_text(text, &r);
        snprintf(want, sizeof(want), "superserverd: %s:1: cannot translate: %s\n", conf,
                 cases[i].why);
        ck_assert_int_eq(r.rc, 0);
        ck_assert_str_eq(r.err, want);
        ck_assert_ptr_nonnull(strstr(r.out, "  # line 2\n  - name: \"7999\"\n"));
        ck_assert_ptr_null(strstr(r.out, "line 1\n"));
        unit_output_free(&r);
    }
}
END_TEST

START_TEST(limits_and_quoting)
{
    struct unit_output r;

    run_text("# caf\xe9: a Latin-1 comment is no error\n"
             "7001 stream tcp nowait.25 www-data.www-data /usr/bin/srv srv a\\b \"q\" \xc3\xa9\n"
             "7002 stream tcp wait/3 root /usr/bin/srv\n"
             "7003 dgram udp wait.10 root /usr/bin/srv\r\n",
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_str_eq(services_of(&r),
                     "services:\n"
                     "  # line 2\n"
                     "  - name: \"7001\"\n"
                     "    listen: \"*:7001\"\n"
                     "    protocol: \"tcp\"\n"
                     "    mode: \"nowait\"\n"
                     "    # nowait.25: inetd's cap of 25 spawns a minute, as a token bucket\n"
                     "    rate: \"25/60\"\n"
                     "    user: \"www-data\"\n"
                     "    group: \"www-data\"\n"
                     "    exec: \"/usr/bin/srv\"\n"
                     "    args:\n"
                     "      - \"srv\"\n"
                     "      - \"a\\\\b\"\n"
                     "      - \"\\\"q\\\"\"\n"
                     "      - \"\xc3\xa9\"\n"
                     "  # line 3\n"
                     "  - name: \"7002\"\n"
                     "    listen: \"*:7002\"\n"
                     "    protocol: \"tcp\"\n"
                     "    mode: \"wait\"\n"
                     "    instances: 3\n"
                     "    user: \"root\"\n"
                     "    exec: \"/usr/bin/srv\"\n"
                     "    args:\n"
                     "      - \"/usr/bin/srv\"\n"
                     "  # line 4\n"
                     "  - name: \"7003\"\n"
                     "    listen: \"*:7003\"\n"
                     "    protocol: \"udp\"\n"
                     "    mode: \"wait\"\n"
                     "    # wait.10: inetd's cap of 10 spawns a minute, as a token bucket\n"
                     "    rate: \"10/60\"\n"
                     "    user: \"root\"\n"
                     "    exec: \"/usr/bin/srv\"\n"
                     "    args:\n"
                     "      - \"/usr/bin/srv\"\n");
    unit_output_free(&r);
}
END_TEST

START_TEST(long_line)
{
    enum { NARGS = 20000 };
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    struct unit_output r;

    fputs("7001 stream tcp nowait root /usr/bin/srv srv", m);
    for (int i = 0; i < NARGS; i++)
        fprintf(m, " arg%d", i);
    fputs("\n7002 stream tcp nowait root /usr/bin/srv\n", m);
    fclose(m);
    run_text(text, &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_ptr_nonnull(strstr(r.out, "      - \"arg19999\"\n  # line 2\n"));
    unit_output_free(&r);
    free(text);
}
END_TEST

/* Read as the config reads files (issue 24.7): a NUL byte is named, not a
 * line cut short unseen; a file over 4 MiB is refused, not read whole; many
 * lines of one name or port stay linear (hashed). */
START_TEST(bounded_reading)
{
    static const char text[] = "7001 stream tcp nowait root /bin/cat cat\n"
                               "7002 stream tcp nowait root /bin/cat c\0at\n";
    char path[300];
    struct unit_output r;
    FILE *f;

    snprintf(path, sizeof(path), "%s/inetd.conf", tmpdir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_uint_eq(fwrite(text, 1, sizeof(text) - 1, f), sizeof(text) - 1);
    fclose(f);
    unit_capture(&r, inetd_import, path);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.err, ":2: cannot translate: NUL byte in the line\n"));
    unit_output_free(&r);
    ck_assert_int_eq(truncate(path, (off_t)(5u << 20)), 0);
    unit_capture(&r, inetd_import, path);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "inetd.conf: cannot read: file too large (over 4 MiB)\n"));
    ck_assert_uint_eq(r.outlen, 0);
    unit_output_free(&r);
    /* 5,000 lines of one name: numbered in turn, the last one "7-tcp-4999" */
    char *many = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&many, &len);
    for (int i = 0; i < 5000; i++)
        fprintf(m, "127.0.%d.%d:7 stream tcp nowait root /bin/cat cat\n", i / 250, 1 + i % 250);
    fclose(m);
    run_text(many, &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_str_eq(r.err, "");
    ck_assert_ptr_nonnull(strstr(r.out, "name: \"7-tcp-4999\""));
    unit_output_free(&r);
    free(many);
}
END_TEST

/* The fixture names its services by port name: it needs /etc/services (netbase). */
static bool have_port_names(void)
{
    static const char *const names[][2] = {
        {"chargen", "tcp"}, {"chargen", "udp"}, {"daytime", "tcp"}, {"daytime", "udp"},
        {"discard", "tcp"}, {"discard", "udp"}, {"echo", "tcp"},    {"echo", "udp"},
        {"exec", "tcp"},    {"finger", "tcp"},  {"ftp", "tcp"},     {"ident", "tcp"},
        {"login", "tcp"},   {"shell", "tcp"},   {"talk", "udp"},    {"tcpmux", "tcp"},
        {"telnet", "tcp"},  {"tftp", "udp"},    {"time", "tcp"},    {"time", "udp"}};

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (getservbyname(names[i][0], names[i][1]) == NULL)
            return false;
    return true;
}

static Suite *inetd_suite(bool names)
{
    Suite *s = suite_create("inetd");
    TCase *tc = tcase_create("import");

    tcase_add_checked_fixture(tc, setup, teardown);
    if (names)
        tcase_add_test(tc, fixture);
    tcase_add_test(tc, missing_file);
    tcase_add_test(tc, unreadable_directory);
    tcase_add_test(tc, special_file);
    tcase_add_test(tc, empty_file);
    tcase_add_test(tc, nothing_translatable);
    tcase_add_test(tc, twins_merge);
    tcase_add_test(tc, addresses_and_names);
    tcase_add_test(tc, unix_sockets);
    tcase_add_test(tc, freebsd_limits);
    tcase_add_test(tc, bad_lines);
    tcase_add_test(tc, limits_and_quoting);
    tcase_add_test(tc, long_line);
    tcase_add_test(tc, bounded_reading);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    bool names = have_port_names();

    return unit_run(inetd_suite(names), names ? NULL
                                              : "fixture not run: /etc/services lacks the ports of "
                                                "tests/data/inetd/inetd.conf (install netbase)");
}
