/*
 * Unit tests for --import-xinetd: Debian's shipped xinetd.d and a realistic
 * RHEL-style tree against their expected YAML and stderr, then the
 * tokenizer's edge cases (braces, operators, comments, includes and
 * xinetd's includedir file-name rule) and each attribute, one small file at
 * a time.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_file.h"
#include "unit_fixture.h"
#include "unit_run.h"
#include "paths.h"
#include "xinetd_import.h"
#include "xinetd_parse.h"

static char tmpdir[64];
static char conf[sizeof(tmpdir) + 16];

static void setup(void)
{
    unit_tmpdir_make(tmpdir, sizeof(tmpdir), "check_xinetd");
    snprintf(conf, sizeof(conf), "%s/xinetd.conf", tmpdir);
}

static void teardown(void)
{
    unit_tmpdir_remove(tmpdir);
}

/* Write TEXT to NAME in the scratch folder (folders made as needed). */
static void put(const char *name, const char *text)
{
    char path[256];
    FILE *f;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    if (strchr(name, '/')) {
        char dir[256];

        snprintf(dir, sizeof(dir), "%s/%.*s", tmpdir, (int)(strrchr(name, '/') - name), name);
        mkdir(dir, 0755);
    }
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* Write TEXT to the scratch xinetd.conf and import it. */
static void run_text(const char *text, struct unit_output *r)
{
    put("xinetd.conf", text);
    unit_capture(r, xinetd_import, conf);
}

/* Replace every HANDLER_DIR in TEXT by "@HANDLER_DIR@". */
static char *mask_dir(const char *text)
{
    char *buf = NULL;
    size_t len = 0, n = strlen(HANDLER_DIR);
    FILE *m = open_memstream(&buf, &len);

    for (const char *p = text; *p;) {
        if (strncmp(p, HANDLER_DIR, n) == 0) {
            fputs("@HANDLER_DIR@", m);
            p += n;
        } else {
            putc(*p++, m);
        }
    }
    fclose(m);
    return buf;
}

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

static void check_fixture(const char *name)
{
    const char *srcdir = getenv("TESTS_SRCDIR");
    char path[128], want[128];
    struct unit_output r;
    char *got, *expect;

    ck_assert_int_eq(chdir(srcdir ? srcdir : "tests"), 0);
    snprintf(path, sizeof(path), "data/xinetd/%s/xinetd.conf", name);
    unit_capture(&r, xinetd_import, path);
    ck_assert_int_eq(r.rc, 0);
    got = mask_dir(r.out);
    snprintf(want, sizeof(want), "data/xinetd/%s/expected.yaml", name);
    expect = unit_slurp(want);
    assert_same_lines(got, expect, want);
    free(expect);
    snprintf(want, sizeof(want), "data/xinetd/%s/expected.err", name);
    expect = unit_slurp(want);
    assert_same_lines(r.err, expect, want);
    free(expect);
    free(got);
    unit_output_free(&r);
}

START_TEST(debian_fixture)
{
    check_fixture("debian");
}
END_TEST

START_TEST(realistic_fixture)
{
    check_fixture("realistic");
}
END_TEST

#define SVC(name, body)                                                                            \
    "service " name "\n{\n\tsocket_type = stream\n\twait = no\n\tuser = nobody\n"                  \
    "\tserver = /bin/cat\n\ttype = UNLISTED\n\tport = 7070\n" body "}\n"

static int count_lines(const char *text)
{
    int n = 0;

    for (; *text; text++)
        n += *text == '\n';
    return n;
}

/* Import TEXT and expect exit code RC with OUT and ERR holding the given fragments. */
static void expect_text(const char *text, int rc, const char *in_out, const char *in_err)
{
    struct unit_output r;

    run_text(text, &r);
    ck_assert_msg(r.rc == rc, "rc %d, stderr: %s", r.rc, r.err);
    if (in_out)
        ck_assert_msg(strstr(r.out, in_out) != NULL, "\"%s\" not in output:\n%s", in_out, r.out);
    if (in_err)
        ck_assert_msg(strstr(r.err, in_err) != NULL, "\"%s\" not in stderr:\n%s", in_err, r.err);
    else
        ck_assert_msg(r.errlen == 0, "unexpected stderr: %s", r.err);
    unit_output_free(&r);
}

START_TEST(braces_and_comments)
{
    /* '{' on the service line, '}' with trailing blanks, comments after values */
    expect_text("service cat {  # the cat\n socket_type = stream # tcp\n wait = no\n"
                " server = /bin/cat\n type = UNLISTED\n port = 7070\n}   \n",
                0, "  - name: \"cat\"\n    listen: \"0.0.0.0:7070\"", NULL);
    /* no blanks around the operator */
    expect_text("service cat\n{\nsocket_type=stream\nwait=no\nserver=/bin/cat\ntype=UNLISTED\n"
                "port=7070\n}\n",
                0, "exec: \"/bin/cat\"", NULL);
}
END_TEST

START_TEST(syntax_errors)
{
    expect_text("service cat\nsocket_type = stream\n}\n", 1, NULL, "xinetd.conf:2: expected '{'");
    expect_text(SVC("cat", "") "}\n", 0, "name: \"cat\"", "xinetd.conf:10: '}' without a block");
    expect_text(SVC("cat", "") "bogus line here\n", 0, NULL,
                "xinetd.conf:10: expected \"service NAME\"");
    expect_text(SVC("cat", "\tjust words\n"), 0, NULL,
                "xinetd.conf:9: expected \"attribute = value...\"");
    expect_text("service cat\n{\n\twait = no\n", 1, NULL,
                "xinetd.conf:1: block \"cat\" is not closed");
    expect_text("", 1, NULL, "no service could be translated");
}
END_TEST

/* The text of service NAME's entry in OUT (up to the next entry). */
static char *entry(const char *out, const char *name)
{
    char key[64];
    const char *p, *end;

    snprintf(key, sizeof(key), "  - name: \"%s\"\n", name);
    p = strstr(out, key);
    ck_assert_msg(p != NULL, "no service %s in:\n%s", name, out);
    end = strstr(p + 1, "  - name: ");
    end = end ? end : p + strlen(p);
    return strndup(p, (size_t)(end - p));
}

START_TEST(operators_and_defaults)
{
    struct unit_output r;
    char *e;

    /* defaults are cumulative; a service's = replaces, += adds, -= removes */
    run_text("defaults\n{\n\tonly_from = 10.0.0.1\n\tonly_from = 10.0.0.2\n}\n" SVC(
                 "b", "\tonly_from += 10.0.0.3\n")
                 SVC("c", "\tonly_from -= 10.0.0.1\n\tport = 7071\n")
                     SVC("d", "\tonly_from = 10.0.0.9\n\tport = 7072\n"),
             &r);
    ck_assert_int_eq(r.rc, 0);
    e = entry(r.out, "b");
    ck_assert_ptr_nonnull(strstr(e, "allow:\n      - \"10.0.0.1/32\"\n      - \"10.0.0.2/32\"\n"
                                    "      - \"10.0.0.3/32\"\n"));
    free(e);
    e = entry(r.out, "c");
    ck_assert_ptr_nonnull(strstr(e, "allow:\n      - \"10.0.0.2/32\"\n"));
    ck_assert_ptr_null(strstr(e, "10.0.0.1/32"));
    free(e);
    e = entry(r.out, "d");
    ck_assert_ptr_nonnull(strstr(e, "allow:\n      - \"10.0.0.9/32\"\n"));
    ck_assert_ptr_null(strstr(e, "10.0.0.2/32"));
    free(e);
    unit_output_free(&r);
    /* enabled/disabled lists in defaults */
    expect_text("defaults\n{\n\tdisabled = b\n}\n" SVC("a", "") SVC("b", "\tport = 7071\n"), 0,
                "name: \"b\"\n    enabled: false", NULL);
    expect_text("defaults\n{\n\tenabled = b\n}\n" SVC("a", "") SVC("b", "\tport = 7071\n"), 0,
                "name: \"a\"\n    enabled: false", NULL);
    /* an attribute defaults cannot carry */
    expect_text("defaults\n{\n\tserver = /bin/cat\n}\n" SVC("a", ""), 0, "name: \"a\"",
                "xinetd.conf:3: defaults: attribute \"server\"");
}
END_TEST

START_TEST(includes)
{
    put("d/one", SVC("one", ""));
    put("d/two", SVC("two", "\tport = 7071\n"));
    put("d/two.rpmsave", "not xinetd syntax at all\n");
    put("d/one~", "not xinetd syntax either\n");
    put("single", SVC("single", "\tport = 7072\n"));
    expect_text("includedir d\ninclude single\n", 0, "name: \"one\"",
                NULL); /* relative to the including file's folder */
    struct unit_output r;

    run_text("includedir d\ninclude single\n", &r);
    /* in C-locale order of the folder, then the include */
    char *one = strstr(r.out, "\"one\""), *two = strstr(r.out, "\"two\""),
         *single = strstr(r.out, "\"single\"");
    ck_assert(one && two && single && one < two && two < single);
    unit_output_free(&r);
    expect_text("includedir nowhere\n" SVC("a", ""), 0, "name: \"a\"",
                "xinetd.conf:1: includedir ");
    expect_text("include nofile\n" SVC("a", ""), 0, "name: \"a\"", "nofile: cannot open");
    /* a file is read once, however often it is named (adversarial review 2,
     * finding 5: eight includes of itself were 8^8 parses) */
    expect_text("include xinetd.conf\n", 1, NULL,
                "xinetd.conf: already read, not read again (it includes itself, or is named "
                "twice)\n");
    run_text(SVC("a", "") "include xinetd.conf\ninclude xinetd.conf\ninclude xinetd.conf\n"
                          "include xinetd.conf\ninclude xinetd.conf\ninclude xinetd.conf\n"
                          "include xinetd.conf\ninclude xinetd.conf\n",
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(count_lines(r.err), 8);
    ck_assert_ptr_null(strstr(r.out + 1, "  - name: \"a-")); /* one service, not 8^8 */
    unit_output_free(&r);
    put("d2/self", "includedir .\n" SVC("s", ""));
    expect_text("includedir d2\n", 0, "name: \"s\"", "d2/./self: already read");
    ck_assert(xinetd_dir_name_ok("tftp"));
    ck_assert(!xinetd_dir_name_ok("tftp.rpmnew"));
    ck_assert(!xinetd_dir_name_ok("tftp~"));
    ck_assert(!xinetd_dir_name_ok(".hidden"));
}
END_TEST

/* Every file, main or included, through the config's reader: regular files
 * only, never blocking, bounded (adversarial review 2, finding 7). */
START_TEST(special_and_many_files)
{
    char path[300], fifo[300];
    struct unit_output r;

    snprintf(fifo, sizeof(fifo), "%s/fifo", tmpdir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    expect_text("include fifo\n" SVC("a", ""), 0, "name: \"a\"", "xinetd.conf:1: ");
    expect_text("include fifo\n" SVC("a", ""), 0, NULL, "/fifo: not a regular file (a fifo)");
    expect_text("include /dev/zero\n" SVC("a", ""), 0, "name: \"a\"",
                "xinetd.conf:1: /dev/zero: not a regular file (a character device)");
    unit_capture(&r, xinetd_import, fifo);
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "/fifo: not a regular file (a fifo)\n"));
    unit_output_free(&r);
    /* too big: named, never read whole */
    snprintf(path, sizeof(path), "%s/big", tmpdir);
    ck_assert_int_eq(truncate(path, 0) == 0 || errno == ENOENT, 1);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(ftruncate(fileno(f), (off_t)(5u << 20)), 0);
    fclose(f);
    expect_text("include big\n" SVC("a", ""), 0, "name: \"a\"",
                "big: cannot read: file too large (over 4 MiB)");
    /* at most XINETD_MAX_FILES files in all */
    for (int i = 0; i <= XINETD_MAX_FILES; i++) {
        char name[64];
        snprintf(name, sizeof(name), "many/f%04d", i);
        put(name, "\n");
    }
    run_text("includedir many\n" SVC("a", ""), &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "xinetd.conf:1: "));
    ck_assert_ptr_nonnull(strstr(r.err, "not read: more than 1024 files"));
    unit_output_free(&r);
}
END_TEST

START_TEST(service_shape)
{
    /* stream/dgram, wait, ports from /etc/services, id, names made unique */
    expect_text("service echo\n{\n\tsocket_type = dgram\n\twait = yes\n\tserver = /bin/cat\n}\n", 0,
                "listen: \"0.0.0.0:7\"\n    protocol: \"udp\"\n    mode: \"wait\"", NULL);
    expect_text(SVC("xy", "\tid = my-id\n"), 0, "name: \"my-id\"", NULL);
    expect_text(SVC("x y", "") SVC("b", "\tport = 7071\n"), 0, "name: \"b\"",
                "xinetd.conf:1: expected \"service NAME\" or \"defaults\" (a name is one word)");
    expect_text(SVC("x/y", ""), 0, "name: \"x-y\"", NULL);
    expect_text(SVC("a", "") SVC("a", "\tport = 7071\n"), 0, "name: \"a-tcp\"", NULL);
    expect_text(SVC("a", "") SVC("b", ""), 0, NULL, "skipped: tcp port 7070 is already");
    expect_text(SVC("a", "\tdisable = yes\n"), 0, "enabled: false", NULL);
    expect_text(SVC("a", "\tprotocol = udp\n"), 1, NULL,
                "socket_type stream does not go with protocol udp");
    expect_text(SVC("a", "\tsocket_type = raw\n"), 1, NULL, "socket_type raw is not supported");
    expect_text(SVC("a", "\tsocket_type = dgram\n"), 1, NULL, "dgram with wait = no");
    expect_text("service a\n{\n\tsocket_type = stream\n\tserver = /bin/cat\n\tport = 1\n}\n", 1,
                NULL, "missing wait");
    expect_text("service nosuchservice\n{\n\tsocket_type = stream\n\twait = no\n"
                "\tserver = /bin/cat\n}\n",
                1, NULL, "\"nosuchservice/tcp\" is not in /etc/services");
    expect_text("service a\n{\n\ttype = UNLISTED\n\tsocket_type = stream\n\twait = no\n"
                "\tserver = /bin/cat\n}\n",
                1, NULL,
                "xinetd.conf:1: service \"a\": cannot translate: an UNLISTED service "
                "needs a port");
    expect_text(SVC("a", "\tport = 70000\n"), 1, NULL,
                "xinetd.conf:9: service \"a\": cannot "
                "translate: port 70000 is out of range");
    expect_text(SVC("a", "\ttype = RPC\n"), 1, NULL, "type RPC is not supported");
}
END_TEST

START_TEST(server_and_args)
{
    expect_text(SVC("a", "\tserver_args = -u  x\n"), 0,
                "exec: \"/bin/cat\"\n    args:\n      - \"cat\"\n      - \"-u\"\n      - \"x\"\n",
                NULL);
    expect_text(SVC("a", "\tflags = NAMEINARGS\n\tserver_args = tcpd -x\n"), 0,
                "args:\n      - \"tcpd\"\n      - \"-x\"\n", NULL);
    expect_text(SVC("a", "\tflags = NAMEINARGS\n"), 1, NULL, "NAMEINARGS without server_args");
    expect_text(SVC("a", "\tserver = cat\n"), 1, NULL, "server \"cat\" is not an absolute path");
    expect_text("service echo\n{\n\ttype = INTERNAL\n\tsocket_type = stream\n\twait = no\n}\n", 0,
                "exec: \"" HANDLER_DIR "/echo\"\n", NULL);
    expect_text("service servers\n{\n\ttype = INTERNAL UNLISTED\n\tport = 9099\n"
                "\tsocket_type = stream\n\twait = no\n}\n",
                1, NULL, "internal service \"servers\" has no bundled handler");
    expect_text("service a\n{\n\tsocket_type = stream\n\twait = no\n\tport = 1\n}\n", 1, NULL,
                "missing server");
    expect_text(SVC("a", "\tuser = alice\n\tgroup = staff\n"), 0,
                "user: \"alice\"\n    group: \"staff\"\n", NULL);
}
END_TEST

START_TEST(addresses)
{
    expect_text(SVC("a", "\tbind = 127.0.0.2\n"), 0, "listen: \"127.0.0.2:7070\"", NULL);
    expect_text(SVC("a", "\tinterface = ::1\n"), 0, "listen: \"[::1]:7070\"", NULL);
    expect_text(SVC("a", "\tflags = IPv6\n"), 0, "listen: \"*:7070\"", NULL);
    expect_text(SVC("a", "\tbind = localhost\n"), 1, NULL, "is not numeric");
    expect_text(SVC("a", "\tonly_from = 128.138.12.0 10.0.0.0 0.0.0.0\n"), 0,
                "allow:\n      - \"128.138.12.0/24\"\n      - \"10.0.0.0/8\"\n"
                "      - \"0.0.0.0/0\"\n      - \"::/0\"\n",
                NULL);
    expect_text(SVC("a", "\tonly_from = 10.0.{1,22} 2001:db8::/32 fe80::1\n"), 0,
                "      - \"10.0.1.0/24\"\n      - \"10.0.22.0/24\"\n      - \"2001:db8::/32\"\n"
                "      - \"fe80::1/128\"\n",
                NULL);
    /* an empty only_from admits nobody; so does one whose only value is a name */
    expect_text(SVC("a", "\tonly_from =\n"), 0, "deny:\n      - \"0.0.0.0/0\"\n      - \"::/0\"\n",
                NULL);
    expect_text(SVC("a", "\tonly_from = host.example\n"), 0, "deny:\n      - \"0.0.0.0/0\"",
                "xinetd.conf:9: service \"a\": attribute \"only_from\": not translated: "
                "\"host.example\"");
    expect_text(SVC("a", "\tno_access = 10.1.2.3 10.9.0.0/16\n"), 0,
                "deny:\n      - \"10.1.2.3/32\"\n      - \"10.9.0.0/16\"\n", NULL);
    /* a name in no_access would widen access if dropped: the service is not translated */
    expect_text(SVC("a", "\tno_access = .evil.example\n"), 1, NULL,
                "xinetd.conf:9: service \"a\": cannot translate: \".evil.example\"");
    expect_text(SVC("a", "\tonly_from = 10.0.{1,x}\n"), 0, NULL, "not translated");
}
END_TEST

/* Where superserver does not accept (issue 24.1): a udp service keeps its
 * access lists and limits (the daemon checks the datagram that starts each
 * handler); a stream service with wait = yes cannot keep them. */
START_TEST(wait_services)
{
#define DGRAM(body)                                                                                \
    "service d\n{\n\tsocket_type = dgram\n\twait = yes\n\tuser = nobody\n"                         \
    "\tserver = /bin/cat\n\ttype = UNLISTED\n\tport = 7070\n" body "}\n"
#define STREAM_WAIT(body)                                                                          \
    "service w\n{\n\tsocket_type = stream\n\twait = yes\n\tuser = nobody\n"                        \
    "\tserver = /bin/cat\n\ttype = UNLISTED\n\tport = 7070\n" body "}\n"
    expect_text(DGRAM("\tonly_from = 10.0.0.0 192.168.1.0/24\n\tno_access = 10.9.9.9\n"
                      "\tper_source = 11\n"),
                0,
                "    per_source: 11\n    allow:\n      - \"10.0.0.0/8\"\n"
                "      - \"192.168.1.0/24\"\n    deny:\n      - \"10.9.9.9/32\"\n",
                NULL);
    expect_text(STREAM_WAIT("\tonly_from = 10.0.0.0\n"), 1, NULL,
                "xinetd.conf:9: service \"w\": cannot translate: only_from cannot be kept: with "
                "socket_type stream and wait = yes the server accepts the connections itself");
    expect_text(STREAM_WAIT("\tno_access = 10.0.0.0\n"), 1, NULL,
                "xinetd.conf:9: service \"w\": cannot translate: no_access cannot be kept");
    expect_text(STREAM_WAIT("\tper_source = 4\n\tinstances = 2\n"), 0, "instances: 2\n",
                "xinetd.conf:9: service \"w\": attribute \"per_source\": not translated: with "
                "socket_type stream and wait = yes the server accepts the connections itself");
    /* from defaults, named on the defaults' line */
    expect_text("defaults\n{\n\tonly_from = 127.0.0.1\n}\n" STREAM_WAIT(""), 1, NULL,
                "xinetd.conf:3: service \"w\": cannot translate: only_from cannot be kept");
#undef DGRAM
#undef STREAM_WAIT
}
END_TEST

START_TEST(limits)
{
    expect_text(SVC("a", "\tinstances = UNLIMITED\n\tper_source = 3\n"), 0,
                "instances: 0\n    per_source: 3\n", NULL);
    expect_text(SVC("a", "\tinstances = lots\n"), 1, NULL, "\"lots\" is not a number");
    expect_text(SVC("a", "\tcps = 25 30\n"), 0, "superserver never disables it", NULL);
    expect_text(SVC("a", "\tcps = 25 30\n"), 0, "rate: \"25/1\"\n", NULL);
    expect_text(SVC("a", "\tcps = 0 30\n"), 1, NULL, "expected \"connections-per-second");
    expect_text(SVC("a", "\tnice = -5\n\tumask = 027\n"), 0, "nice: -5\n    umask: \"027\"\n",
                NULL);
    expect_text(SVC("a", "\tnice = 40\n"), 0, NULL, "attribute \"nice\": not translated");
    expect_text(SVC("a", "\tumask = 9\n"), 0, NULL, "attribute \"umask\": not translated");
    expect_text(SVC("a", "\trlimit_as = 2M\n\trlimit_cpu = UNLIMITED\n\trlimit_files = 64\n"), 0,
                "rlimits:\n      cpu: unlimited\n      as: 2097152\n      nofile: 64\n", NULL);
    expect_text(SVC("a", "\trlimit_as = 2G\n"), 1, NULL, "not a number (with K or M)");
    expect_text(SVC("a", "\trlimit_stack = 8M\n\trlimit_data = 1M\n\trlimit_rss = 1M\n"), 0, NULL,
                "attribute \"rlimit_stack\": not translated");
}
END_TEST

START_TEST(environment_and_misc)
{
    expect_text(SVC("a", "\tenv = HOME=/srv A=b=c\n\tpassenv = TZ LANG\n"), 0,
                "env:\n      \"HOME\": \"/srv\"\n      \"A\": \"b=c\"\n"
                "    pass_env:\n      - \"TZ\"\n      - \"LANG\"\n",
                NULL);
    /* names the config refuses are dropped, a repeated name keeps its last
     * value (xinetd's rule), each drop named (adversarial review 2, finding 8) */
    expect_text(SVC("a", "\tenv = =x\n"), 0, NULL,
                "xinetd.conf:9: service \"a\": attribute \"env\": not translated: \"=x\" (not "
                "NAME=VALUE)\n");
    expect_text(SVC("a", "\tenv = 1BAD=x GOOD=y A=1 A=2\n\tpassenv = PATH 9NOPE PATH\n"), 0,
                "    env:\n      \"GOOD\": \"y\"\n      \"A\": \"2\"\n"
                "    pass_env:\n      - \"PATH\"\n",
                "xinetd.conf:9: service \"a\": attribute \"env\": not translated: \"1BAD=x\" "
                "(not a valid environment variable name), \"A=1\" (set again later: the last "
                "value wins)\n");
    expect_text(SVC("a", "\tlog_on_success = PID HOST\n\tlog_on_failure += USERID\n"), 0,
                "superserver always logs each start", NULL);
    expect_text(SVC("a", "\tflags = REUSE NOLIBWRAP NODELAY KEEPALIVE\n"), 0,
                "nodelay: true\n    keepalive: true\n", NULL);
    expect_text(SVC("a", "\tflags = SENSOR\n"), 0, NULL, "flag SENSOR has no equivalent");
    expect_text(SVC("a", "\taccess_times = 8:00-9:00\n"), 0, NULL,
                "xinetd.conf:9: service \"a\": attribute \"access_times\": not translated");
    /* log_type: syslog facility daemon is where superserver logs; anything else is named */
    expect_text(SVC("a", "\tlog_type = SYSLOG daemon info\n"), 0, "superserver always logs", NULL);
    expect_text(SVC("a", "\tlog_type = SYSLOG authpriv\n"), 0, NULL,
                "xinetd.conf:9: service \"a\": attribute \"log_type\": not translated: superserver "
                "logs every service to one place, syslog facility daemon");
    expect_text(SVC("a", "\tlog_type = FILE /var/log/xinetd.log\n"), 0, NULL,
                "xinetd.conf:9: service \"a\": attribute \"log_type\": not translated");
    /* deny_time: xinetd's ban follows a SENSOR; superserver's follows per_source_rate */
    expect_text(SVC("a", "\tdeny_time = 120\n"), 0, NULL,
                "attribute \"deny_time\": not translated: it bans the sources a SENSOR service "
                "catches, and superserver has no sensors; its ban refuses a source that exceeds "
                "the service's per_source_rate instead");
    expect_text(SVC("a", "\tfrobnicate = 1\n"), 0, NULL, "unknown attribute");
    expect_text(SVC("a", "\tpassenv = PATH 9NOPE PATH\n"), 0, "    pass_env:\n      - \"PATH\"\n",
                "xinetd.conf:9: service \"a\": attribute \"passenv\": not translated: \"PATH\" "
                "(named twice), \"9NOPE\" (not a valid environment variable name)\n");
    expect_text(SVC("a", "\tgroups = yes\n\tv6only = no\n"), 0, "name: \"a\"", NULL);
    expect_text(SVC("a", "\tgroups = no\n"), 0, NULL, "initgroups");
    /* a defaults line is named once, not once per service */
    struct unit_output r;

    run_text("defaults\n{\n\tbanner = /etc/issue\n}\n" SVC("a", "") SVC("b", "\tport = 7071\n"),
             &r);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_ptr_nonnull(strstr(r.err, "attribute \"banner\""));
    ck_assert_ptr_null(strstr(strstr(r.err, "attribute \"banner\"") + 1, "attribute \"banner\""));
    unit_output_free(&r);
}
END_TEST

START_TEST(quoting_and_bad_input)
{
    /* values that need escaping stay one YAML scalar */
    expect_text(SVC("a", "\tserver_args = \"quoted\" back\\slash\n"), 0,
                "      - \"\\\"quoted\\\"\"\n      - \"back\\\\slash\"\n", NULL);
    expect_text(SVC("a", ""), 0, "# ", NULL);
    /* bytes that are not UTF-8 are refused line by line, the rest translates */
    expect_text(SVC("a", "\tserver_args = \xff\xfe\n"), 0, "name: \"a\"",
                "xinetd.conf:9: not valid UTF-8");
    /* a very long value stays one argument */
    char *big = malloc(70000), *text = malloc(71000);

    memset(big, 'x', 69999);
    big[69999] = '\0';
    snprintf(text, 71000, SVC("a", "\tserver_args = %s\n"), big);
    expect_text(text, 0, big, NULL);
    free(big);
    free(text);
    struct unit_output r;

    unit_capture(&r, xinetd_import, "/nonexistent/xinetd.conf");
    ck_assert_int_eq(r.rc, 1);
    ck_assert_ptr_nonnull(strstr(r.err, "/nonexistent/xinetd.conf: cannot open"));
    ck_assert_uint_eq(r.outlen, 0);
    unit_output_free(&r);
}
END_TEST

static Suite *xinetd_suite(void)
{
    Suite *s = suite_create("xinetd");
    TCase *tc = tcase_create("import");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, debian_fixture);
    tcase_add_test(tc, realistic_fixture);
    tcase_add_test(tc, braces_and_comments);
    tcase_add_test(tc, syntax_errors);
    tcase_add_test(tc, operators_and_defaults);
    tcase_add_test(tc, includes);
    tcase_add_test(tc, service_shape);
    tcase_add_test(tc, server_and_args);
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, wait_services);
    tcase_add_test(tc, special_and_many_files);
    tcase_add_test(tc, limits);
    tcase_add_test(tc, environment_and_misc);
    tcase_add_test(tc, quoting_and_bad_input);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(xinetd_suite(), NULL);
}
