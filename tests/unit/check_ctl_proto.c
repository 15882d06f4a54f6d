/* Unit tests for the control protocol: the strict request parser, the client's builder, answers. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "ctl_proto.h"

static char err[256];

/* Parse the C string TEXT (its length unless LEN is given). */
static int parse(const char *text, size_t len, struct ctl_request *req)
{
    err[0] = '\0';
    return ctl_request_parse(text, len ? len : strlen(text), req, err, sizeof(err));
}

START_TEST(test_valid)
{
    struct ctl_request r;

    ck_assert_int_eq(parse("status\n", 0, &r), 1);
    ck_assert_int_eq(r.cmd, CTL_STATUS);
    ck_assert(!r.json);
    ck_assert_str_eq(r.arg, "");
    ck_assert_int_eq(parse("json status\n", 0, &r), 1);
    ck_assert(r.json);
    ck_assert_int_eq(parse("handlers\n", 0, &r), 1);
    ck_assert_int_eq(r.cmd, CTL_HANDLERS);
    ck_assert_int_eq(parse("json handlers my_svc.v-2\n", 0, &r), 1);
    ck_assert_str_eq(r.arg, "my_svc.v-2");
    ck_assert(r.json);
    ck_assert_int_eq(parse("handlers json\n", 0, &r), 1); /* a service named json */
    ck_assert_str_eq(r.arg, "json");
    ck_assert(!r.json);
    ck_assert_int_eq(parse("reload\n", 0, &r), 1);
    ck_assert_int_eq(r.cmd, CTL_RELOAD);
    ck_assert_int_eq(parse("metrics\n", 0, &r), 1);
    ck_assert_int_eq(r.cmd, CTL_METRICS);
    ck_assert_int_eq(parse("json version\n", 0, &r), 1);
    ck_assert_int_eq(r.cmd, CTL_VERSION);
}
END_TEST

START_TEST(test_incomplete)
{
    struct ctl_request r;
    char buf[CTL_REQUEST_MAX + 8];

    ck_assert_int_eq(ctl_request_parse("", 0, &r, err, sizeof(err)), 0);
    ck_assert_int_eq(parse("stat", 0, &r), 0);
    memset(buf, 'a', sizeof(buf));
    ck_assert_int_eq(ctl_request_parse(buf, CTL_REQUEST_MAX - 1, &r, err, sizeof(err)), 0);
    ck_assert_int_eq(ctl_request_parse(buf, CTL_REQUEST_MAX, &r, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "request line too long (at most 256 bytes)");
    /* The longest line that fits: 256 bytes with its newline. */
    memcpy(buf, "handlers ", 9);
    buf[CTL_REQUEST_MAX - 1] = '\n';
    ck_assert_int_eq(ctl_request_parse(buf, CTL_REQUEST_MAX, &r, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "service name too long (at most 200 bytes)");
    buf[9 + CTL_ARG_MAX] = '\n';
    ck_assert_int_eq(ctl_request_parse(buf, 10 + CTL_ARG_MAX, &r, err, sizeof(err)), 1);
    ck_assert_int_eq(strlen(r.arg), CTL_ARG_MAX);
    /* A newline past the bound does not count. */
    memset(buf, 'a', sizeof(buf));
    buf[CTL_REQUEST_MAX] = '\n';
    ck_assert_int_eq(ctl_request_parse(buf, CTL_REQUEST_MAX + 1, &r, err, sizeof(err)), -1);
    /* A NUL is refused at once, newline or not. */
    ck_assert_int_eq(ctl_request_parse("sta\0", 4, &r, err, sizeof(err)), -1);
    ck_assert_str_eq(err, "NUL byte in request");
    ck_assert_int_eq(ctl_request_parse("sta\0tus\n", 8, &r, err, sizeof(err)), -1);
}
END_TEST

#define COMMANDS                                                                                   \
    "status, handlers, reload, metrics, version, pause, drain, resume, bans, ban, unban, upgrade"

START_TEST(test_errors)
{
    static const char *const cases[][2] = {
        {"\n", "empty request or stray space"},
        {"json \n", "empty request or stray space"},
        {" status\n", "empty request or stray space"},
        {"status \n", "empty request or stray space"},
        {"json  status\n", "empty request or stray space"},
        {"handlers  echo\n", "too many words in request"},
        {"handlers a b\n", "too many words in request"},
        {"json json status\n", "unknown command \"json\" (" COMMANDS ")"},
        {"json\n", "unknown command \"json\" (" COMMANDS ")"},
        {"STATUS\n", "unknown command \"STATUS\" (" COMMANDS ")"},
        {"status echo\n", "status takes no argument"},
        {"reload now\n", "reload takes no argument"},
        {"json metrics\n", "metrics are Prometheus text only (no json)"},
        {"status\r\n", "invalid byte 0x0d in request"},
        {"status\t\n", "invalid byte 0x09 in request"},
        {"handlers \xc3\xa9\n", "invalid byte 0xc3 in request"},
        {"handlers a/b\n", "invalid service name (letters, digits, \"_\", \".\", \"-\")"},
        {"handlers a=b\n", "invalid byte 0x3d in request"},
        {"status\nstatus\n", "data after the request line (one request per connection)"},
        {"status\nx", "data after the request line (one request per connection)"},
    };
    struct ctl_request r;

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(parse(cases[i][0], 0, &r) == -1, "accepted: %s", cases[i][0]);
        ck_assert_msg(strcmp(err, cases[i][1]) == 0, "%s: %s", cases[i][0], err);
    }
}
END_TEST

/* Every byte in a request: only name characters, space and the newline are accepted. */
START_TEST(test_every_byte)
{
    struct ctl_request r;
    char line[16];

    for (int b = 0; b < 256; b++) {
        bool ok = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
                  b == '_' || b == '.' || b == '-';
        int rc;
        memcpy(line, "handlers x", 10);
        line[10] = (char)b;
        line[11] = '\n';
        rc = ctl_request_parse(line, 12, &r, err, sizeof(err));
        if (b == '\n')
            ck_assert_int_eq(rc, -1); /* "handlers x\n\n": data after the line */
        else if (b == ' ')
            ck_assert_int_eq(rc, -1); /* trailing space */
        else
            ck_assert_msg(rc == (ok ? 1 : -1), "byte 0x%02x: %d %s", b, rc, err);
        if (b == ':' || b == '/') /* an address's byte, not a name's */
            ck_assert_str_eq(err, "invalid service name (letters, digits, \"_\", \".\", \"-\")");
        if (ok) {
            ck_assert_int_eq(r.arg[1], b);
            ck_assert_int_eq(strlen(r.arg), 2);
        }
        /* The error message itself stays one printable line. */
        for (const char *p = err; *p; p++)
            ck_assert((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
    }
}
END_TEST

/* ctl_request_make with up to three words, NULL-terminated. */
static int make(const char *cmd, const char *a1, const char *a2, const char *a3, bool json,
                struct ctl_request *r)
{
    char *words[3] = {(char *)a1, (char *)a2, (char *)a3};
    int n = a1 ? (a2 ? (a3 ? 3 : 2) : 1) : 0;

    err[0] = '\0';
    return ctl_request_make(cmd, words, n, json, r, err, sizeof(err));
}

START_TEST(test_make_and_format)
{
    struct ctl_request r, back;
    char line[CTL_REQUEST_MAX + 1];
    int n;

    ck_assert_int_eq(make("handlers", "echo", NULL, NULL, true, &r), 0);
    n = ctl_request_format(&r, line, sizeof(line));
    ck_assert_str_eq(line, "json handlers echo\n");
    ck_assert_int_eq(n, 19);
    ck_assert_int_eq(ctl_request_parse(line, (size_t)n, &back, err, sizeof(err)), 1);
    ck_assert_int_eq(back.cmd, CTL_HANDLERS);
    ck_assert_str_eq(back.arg, "echo");
    ck_assert_int_eq(make("reload", NULL, NULL, NULL, false, &r), 0);
    ck_assert_int_eq(ctl_request_format(&r, line, sizeof(line)), 7);
    ck_assert_str_eq(line, "reload\n");
    ck_assert_int_eq(make("reload", "x", NULL, NULL, false, &r), -1);
    ck_assert_str_eq(err, "reload takes no argument");
    ck_assert_int_eq(make("handlers", "a b", NULL, NULL, false, &r), -1);
    ck_assert_int_eq(make("handlers", "", NULL, NULL, false, &r), -1);
    ck_assert_int_eq(make("metrics", NULL, NULL, NULL, true, &r), -1);
    ck_assert_int_eq(make("stop", NULL, NULL, NULL, false, &r), -1);
    ck_assert_int_eq(ctl_request_format(&r, line, 4), -1);
    ck_assert_str_eq(ctl_command_name(CTL_VERSION), "version");
    ck_assert_str_eq(ctl_command_name(CTL_UPGRADE), "upgrade");
    ck_assert_ptr_null(ctl_command_name((enum ctl_command)99));
    /* The operator's commands round-trip through the line. */
    ck_assert_int_eq(make("ban", "ssh", "2001:db8::7", "600", false, &r), 0);
    n = ctl_request_format(&r, line, sizeof(line));
    ck_assert_str_eq(line, "ban ssh 2001:db8::7 600\n");
    ck_assert_int_eq(ctl_request_parse(line, (size_t)n, &back, err, sizeof(err)), 1);
    ck_assert_int_eq(back.cmd, CTL_BAN);
    ck_assert_str_eq(back.arg, "ssh");
    ck_assert_str_eq(back.addr, "2001:db8::7");
    ck_assert_uint_eq(back.seconds, 600);
    ck_assert(memcmp(&back.key, &r.key, sizeof(r.key)) == 0);
    ck_assert_int_eq(make("unban", "all", "uid:1000", NULL, true, &r), 0);
    ck_assert_int_eq(ctl_request_format(&r, line, sizeof(line)), 24);
    ck_assert_str_eq(line, "json unban all uid:1000\n");
    ck_assert_int_eq(make("ban", "ssh", "10.0.0.1", NULL, false, &r), -1);
    ck_assert_str_eq(err, "usage: ban SERVICE ADDRESS SECONDS");
    ck_assert_int_eq(make("pause", "a", "b", NULL, false, &r), -1);
    ck_assert_str_eq(err, "too many words in request");
}
END_TEST

/* The operator's commands (SPEC section 14): their words, checked. */
START_TEST(test_operator_commands)
{
    static const struct {
        const char *line;
        enum ctl_command cmd;
        const char *arg, *addr;
        unsigned seconds;
    } good[] = {
        {"pause web\n", CTL_PAUSE, "web", "", 0},
        {"json drain web\n", CTL_DRAIN, "web", "", 0},
        {"resume web\n", CTL_RESUME, "web", "", 0},
        {"bans\n", CTL_BANS, "", "", 0},
        {"json bans ssh\n", CTL_BANS, "ssh", "", 0},
        {"ban ssh 203.0.113.7 600\n", CTL_BAN, "ssh", "203.0.113.7", 600},
        {"ban ssh ::ffff:203.0.113.7 1\n", CTL_BAN, "ssh", "::ffff:203.0.113.7", 1},
        {"ban ssh 2001:db8:1:2::/64 315360000\n", CTL_BAN, "ssh", "2001:db8:1:2::/64", 315360000},
        {"ban local uid:0 5\n", CTL_BAN, "local", "uid:0", 5},
        {"unban all 2001:db8:1:2:3:4:5:6\n", CTL_UNBAN, "all", "2001:db8:1:2:3:4:5:6", 0},
    };
    static const char *const bad[][2] = {
        {"pause\n", "usage: pause SERVICE"},
        {"drain a b\n", "too many words in request"},
        {"resume a/b\n", "invalid service name (letters, digits, \"_\", \".\", \"-\")"},
        {"pause a:b\n", "invalid service name (letters, digits, \"_\", \".\", \"-\")"},
        {"ban ssh\n", "usage: ban SERVICE ADDRESS SECONDS"},
        {"ban ssh 10.0.0.1 60 1\n", "too many words in request"},
        {"ban ssh 10.0.0.1 0\n", "invalid ban length (seconds, 1 to 315360000)"},
        {"ban ssh 10.0.0.1 315360001\n", "invalid ban length (seconds, 1 to 315360000)"},
        {"ban ssh 10.0.0.1 99999999999999\n", "invalid ban length (seconds, 1 to 315360000)"},
        {"ban ssh 10.0.0.1 6s\n", "invalid ban length (seconds, 1 to 315360000)"},
        {"ban ssh 10.0.0.256 60\n",
         "invalid address \"10.0.0.256\" (an IPv4 or IPv6 address, or uid:N)"},
        {"ban ssh 10.0.0.0/24 60\n",
         "invalid address \"10.0.0.0/24\" (an IPv4 or IPv6 address, or uid:N)"},
        {"ban ssh 2001:db8::/48 60\n",
         "invalid address \"2001:db8::/48\" (an IPv4 or IPv6 address, or uid:N)"},
        {"ban ssh uid:x 60\n", "invalid address \"uid:x\" (an IPv4 or IPv6 address, or uid:N)"},
        {"ban ssh uid:4294967296 60\n",
         "invalid address \"uid:4294967296\" (an IPv4 or IPv6 address, or uid:N)"},
        {"unban ssh\n", "usage: unban SERVICE|all ADDRESS"},
        {"bans a b\n", "too many words in request"},
    };
    struct ctl_request r;

    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        ck_assert_msg(parse(good[i].line, 0, &r) == 1, "%s: %s", good[i].line, err);
        ck_assert_int_eq(r.cmd, good[i].cmd);
        ck_assert_str_eq(r.arg, good[i].arg);
        ck_assert_str_eq(r.addr, good[i].addr);
        ck_assert_uint_eq(r.seconds, good[i].seconds);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        ck_assert_msg(parse(bad[i][0], 0, &r) == -1, "accepted: %s", bad[i][0]);
        ck_assert_msg(strcmp(err, bad[i][1]) == 0, "%s: %s", bad[i][0], err);
    }
}
END_TEST

START_TEST(test_response)
{
    size_t body, len;
    const char ok[] = "ok\nline 1\nline 2\n", error[] = "error: a.conf:3: bad\n";

    ck_assert_int_eq(ctl_response_parse(ok, strlen(ok), &body, &len), 1);
    ck_assert_str_eq(ok + body, "line 1\nline 2\n");
    ck_assert_int_eq(len, 14);
    ck_assert_int_eq(ctl_response_parse("ok\n", 3, &body, &len), 1);
    ck_assert_int_eq(len, 0);
    ck_assert_int_eq(ctl_response_parse(error, strlen(error), &body, &len), 0);
    ck_assert_int_eq(len, strlen("a.conf:3: bad"));
    ck_assert_int_eq(memcmp(error + body, "a.conf:3: bad", len), 0);
    ck_assert_int_eq(ctl_response_parse("ok", 2, &body, &len), -1);
    ck_assert_int_eq(ctl_response_parse("", 0, &body, &len), -1);
    ck_assert_int_eq(ctl_response_parse("okay\n", 5, &body, &len), -1);
    ck_assert_int_eq(ctl_response_parse("error:x\n", 8, &body, &len), -1);
    ck_assert_int_eq(ctl_response_parse("HTTP/1.1 200\n", 13, &body, &len), -1);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("ctl_proto");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, test_valid);
    tcase_add_test(tc, test_incomplete);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_every_byte);
    tcase_add_test(tc, test_make_and_format);
    tcase_add_test(tc, test_operator_commands);
    tcase_add_test(tc, test_response);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
