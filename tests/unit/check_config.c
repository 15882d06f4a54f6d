/* Unit tests for the configuration schema: model, defaults, errors, includes, corpus. */
#include <check.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_fixture.h"
#include "unit_run.h"
#include "config.h"
#include "model_diff.h"

static char tmpdir[256];
static char err[1024];
static const struct config_options unpriv = {.privileged = false};
static const struct config_options priv = {.privileged = true};

static void setup(void)
{
    unit_tmpdir_make(tmpdir, sizeof(tmpdir), "check_config");
    err[0] = '\0';
}

static void teardown(void)
{
    unit_tmpdir_remove(tmpdir);
}

/* Write TEXT to tmpdir/NAME (creating conf.d when named); the path goes to PATH. */
static void write_file(const char *name, const char *text, char *path, size_t len)
{
    FILE *f;

    snprintf(path, len, "%s/conf.d", tmpdir);
    mkdir(path, 0700);
    snprintf(path, len, "%s/%s", tmpdir, name);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

static struct config *load_as(const char *name, const char *text, const struct config_options *o)
{
    char path[512];

    write_file(name, text, path, sizeof(path));
    return config_load(path, o, err, sizeof(err));
}

/* The error for TEXT in NAME, path prefix removed ("NAME:LINE: ..."). */
static const char *error_of(const char *name, const char *text, const struct config_options *o)
{
    struct config *cfg = load_as(name, text, o);
    size_t n = strlen(tmpdir);

    if (cfg != NULL) {
        config_free(cfg);
        return "(loaded)";
    }
    ck_assert_int_eq(strncmp(err, tmpdir, n), 0);
    return err + n + 1;
}

/* Every key of the model (model_diff.c), so a key the -T dump forgot or
 * wrote wrong fails the round trip below. */
static void assert_config_equal(const struct config *a, const struct config *b)
{
    char diff[256];
    const char *what = model_diff(a, b, diff, sizeof(diff));

    ck_assert_msg(what == NULL, "%s: the configs differ in %s", a->path, what);
}

static const char *const full_conf =
    "log_level = \"debug\";\n"
    "max_children = 50;\n"
    "defaults = { instances = 100; stderr = \"log\"; };\n"
    "services = (\n"
    "  { name = \"echo\"; listen = [\"127.0.0.1:7007\", \"[::1]:7007\"]; exec = \"/bin/cat\";\n"
    "    args = [\"cat\", \"-u\"]; env = { A = \"1\"; B = \"two words\"; };\n"
    "    pass_env = [\"TZ\"]; per_source = 8; rate = \"500/2\";\n"
    "    allow = [\"127.0.0.0/8\", \"::1\"]; deny = [\"10.0.0.0/8\"]; timeout = 30;\n"
    "    chdir = \"/tmp\"; umask = \"027\"; nice = 5;\n"
    "    rlimits = { nofile = 64; core = \"unlimited\"; };\n"
    "    backlog = 16; reuseport = true; keepalive = true; nodelay = true;\n"
    "    freebind = true; bind_device = \"lo\"; },\n"
    "  { name = \"dns\"; protocol = \"udp\"; listen = \"127.0.0.1:5353\"; exec = \"/bin/true\";\n"
    "    listen_fds = true; enabled = false; },\n"
    "  { name = \"pool\"; mode = \"prefork\"; workers = 4; listen = \"unix:/tmp/x.sock\";\n"
    "    exec = \"/bin/true\"; socket_mode = \"0660\"; }\n"
    ");\n";

static const char *const full_yaml =
    "log_level: debug\n"
    "max_children: 50\n"
    "defaults: {instances: 100, stderr: log}\n"
    "services:\n"
    "  - name: echo\n"
    "    listen: [\"127.0.0.1:7007\", \"[::1]:7007\"]\n"
    "    exec: /bin/cat\n"
    "    args: [cat, -u]\n"
    "    env: {A: \"1\", B: two words}\n"
    "    pass_env: [TZ]\n"
    "    per_source: 8\n"
    "    rate: 500/2\n"
    "    allow: [127.0.0.0/8, \"::1\"]\n"
    "    deny: [10.0.0.0/8]\n"
    "    timeout: 30\n"
    "    chdir: /tmp\n"
    "    umask: \"027\"\n"
    "    nice: 5\n"
    "    rlimits: {nofile: 64, core: unlimited}\n"
    "    backlog: 16\n"
    "    reuseport: true\n"
    "    keepalive: true\n"
    "    nodelay: true\n"
    "    freebind: true\n"
    "    bind_device: lo\n"
    "  - name: dns\n"
    "    protocol: udp\n"
    "    listen: 127.0.0.1:5353\n"
    "    exec: /bin/true\n"
    "    listen_fds: true\n"
    "    enabled: false\n"
    "  - {name: pool, mode: prefork, workers: 4, listen: \"unix:/tmp/x.sock\",\n"
    "     exec: /bin/true, socket_mode: \"0660\"}\n";

START_TEST(test_same_model)
{
    struct config *a = load_as("full.conf", full_conf, &unpriv);
    struct config *b;
    const struct service *s;

    ck_assert_msg(a != NULL, "%s", err);
    b = load_as("full.yaml", full_yaml, &unpriv);
    ck_assert_msg(b != NULL, "%s", err);
    assert_config_equal(a, b);
    ck_assert_int_eq(a->log_level, CFG_LOG_DEBUG);
    ck_assert_uint_eq(a->n_services, 3);
    s = &a->services[0];
    ck_assert_str_eq(s->env[1], "B=two words");
    ck_assert_uint_eq(s->instances, 100);
    ck_assert_int_eq(s->stderr_mode, STDERR_LOG);
    ck_assert_uint_eq(s->rate.count, 500);
    ck_assert_uint_eq(s->rate.seconds, 2);
    ck_assert_uint_eq(s->umask, 027);
    ck_assert(s->rlimits[RL_CORE].value == RLIM_INFINITY);
    ck_assert(s->rlimits[RL_NOFILE].value == 64);
    ck_assert(!s->rlimits[RL_CPU].set);
    ck_assert_int_eq(a->services[1].mode, MODE_WAIT);
    ck_assert_int_eq(a->services[1].listen_fds, true);
    ck_assert_int_eq(a->services[2].mode, MODE_PREFORK);
    ck_assert_uint_eq(a->services[2].workers, 4);
    ck_assert_uint_eq(a->services[2].sock.socket_mode, 0660);
    ck_assert(s->sock.freebind);
    ck_assert_str_eq(s->sock.bind_device, "lo");
    ck_assert_int_eq(s->line, 5);
    ck_assert_int_eq(b->services[0].line, 5);
    config_free(a);
    config_free(b);
}
END_TEST

START_TEST(test_defaults)
{
    struct config *cfg =
        load_as("d.conf", "services = ({ name = \"e\"; listen = \"*:7\"; exec = \"/bin/cat\"; });",
                &unpriv);
    const struct service *s;

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->log_level, CFG_LOG_INFO);
    ck_assert_uint_eq(cfg->max_children, 1024);
    s = &cfg->services[0];
    ck_assert(s->enabled);
    ck_assert_int_eq(s->protocol, PROTO_TCP);
    ck_assert_int_eq(s->mode, MODE_NOWAIT);
    ck_assert_uint_eq(s->workers, 2);
    ck_assert(!s->listen_fds);
    ck_assert_str_eq(s->args[0], "/bin/cat");
    ck_assert_ptr_null(s->args[1]);
    ck_assert_ptr_null(s->env[0]);
    ck_assert_ptr_null(s->pass_env[0]);
    ck_assert(!s->has_user && !s->has_group && s->user == NULL);
    ck_assert_uint_eq(s->instances, 0);
    ck_assert_uint_eq(s->per_source, 0);
    ck_assert_uint_eq(s->rate.count, 0);
    ck_assert_uint_eq(s->n_allow + s->n_deny, 0);
    ck_assert_int_eq(s->stderr_mode, STDERR_DISCARD);
    ck_assert_uint_eq(s->timeout, 0);
    ck_assert_ptr_null(s->chroot);
    ck_assert_ptr_null(s->chdir);
    ck_assert(!s->has_umask && !s->has_nice && !s->sock.has_socket_mode &&
              !s->sock.has_socket_owner);
    for (int i = 0; i < RL_COUNT; i++)
        ck_assert(!s->rlimits[i].set);
    ck_assert_int_eq(s->sock.backlog, 128);
    ck_assert(!s->sock.reuseport && !s->sock.keepalive && !s->sock.nodelay);
    ck_assert(!s->sock.freebind && s->sock.bind_device[0] == '\0');
    ck_assert(!s->proxy.local_close);
    ck_assert_int_eq(s->listen[0].kind, LISTEN_WILDCARD);
    config_free(cfg);

    cfg = load_as("u.yaml", "services: [{name: u, protocol: udp, listen: \"*:7\", exec: /bin/cat}]",
                  &unpriv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->services[0].mode, MODE_WAIT);
    config_free(cfg);
}
END_TEST

START_TEST(test_empty_configs)
{
    const char *texts[][2] = {{"e.conf", ""},
                              {"e.yaml", ""},
                              {"c.yaml", "# nothing\n"},
                              {"n.yaml", "services:\n"},
                              {"l.conf", "services = ();\nlog_level = \"info\";\n"}};

    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        struct config *cfg = load_as(texts[i][0], texts[i][1], &unpriv);
        ck_assert_msg(cfg != NULL, "%s: %s", texts[i][0], err);
        ck_assert_uint_eq(cfg->n_services, 0);
        config_free(cfg);
    }
}
END_TEST

#define SVC "name = \"s\"; listen = \"127.0.0.1:7\"; exec = \"/bin/cat\"; "

/* Each bad input and its exact message (after the temp folder). */
static const char *const bad_cases[][3] = {
    {"a.conf", "services = ({ " SVC "instances = -1; });",
     "a.conf:1: service \"s\": key \"instances\": expected an integer >= 0"},
    {"a.yaml",
     "services:\n  - name: s\n    listen: 127.0.0.1:7\n    exec: /bin/cat\n"
     "    instances: lots\n",
     "a.yaml:5: service \"s\": key \"instances\": expected an integer >= 0"},
    {"a.conf", "bogus = 1;", "a.conf:1: key \"bogus\": unknown key"},
    {"a.conf", "services = ({ " SVC "\n colour = 1; });",
     "a.conf:2: service \"s\": key \"colour\": unknown key"},
    /* a number past the key's range is named so, however many digits it has
     * (cfgnode_parse_int saturates) */
    {"a.yaml",
     "services:\n  - name: s\n    listen: 127.0.0.1:7\n    exec: /bin/cat\n"
     "    instances: 99999999999999999999999\n",
     "a.yaml:5: service \"s\": key \"instances\": too large (at most 4294967295)"},
    {"a.conf", "services = ({ " SVC "instances = 5000000000L; });",
     "a.conf:1: service \"s\": key \"instances\": too large (at most 4294967295)"},
    {"a.conf", "log_level = \"loud\";",
     "a.conf:1: key \"log_level\": expected \"info\" or \"debug\""},
    {"a.conf", "max_children = 0;", "a.conf:1: key \"max_children\": expected an integer >= 1"},
    {"a.conf", "services = ({ listen = \"127.0.0.1:7\"; });",
     "a.conf:1: key \"name\": required key is missing"},
    {"a.conf", "services = ({ name = \"a b\"; });",
     "a.conf:1: key \"name\": expected letters, digits, \"_\", \".\" or \"-\" (at least one)"},
    {"a.conf", "services = ({ name = \"s\"; exec = \"/bin/cat\"; });",
     "a.conf:1: service \"s\": key \"listen\": required key is missing"},
    {"a.conf", "services = ({ name = \"s\"; listen = \"127.0.0.1:7\"; });",
     "a.conf:1: service \"s\": key \"exec\": required key is missing"},
    {"a.conf", "services = ({ name = \"s\"; listen = \"127.0.0.1:7\"; exec = \"bin/cat\"; });",
     "a.conf:1: service \"s\": key \"exec\": must be an absolute path"},
    {"a.conf", "services = ({ name = \"s\"; listen = \"127.0.0.1:7\"; exec = \"/nonexistent\"; });",
     "a.conf:1: service \"s\": key \"exec\": \"/nonexistent\": No such file or directory"},
    {"a.conf", "services = ({ name = \"s\"; listen = \"127.0.0.1:7\"; exec = \"/tmp\"; });",
     "a.conf:1: service \"s\": key \"exec\": \"/tmp\" is not a regular file"},
    {"a.conf", "services = ({ " SVC "protocol = \"sctp\"; });",
     "a.conf:1: service \"s\": key \"protocol\": expected \"tcp\" or \"udp\""},
    {"a.conf", "services = ({ " SVC "protocol = \"udp\";\n mode = \"nowait\"; });",
     "a.conf:2: service \"s\": key \"mode\": \"nowait\" cannot be used with protocol \"udp\" "
     "(use \"wait\")"},
    {"a.conf", "services = ({ " SVC "workers = 3; });",
     "a.conf:1: service \"s\": key \"workers\": only applies to mode \"prefork\""},
    {"a.conf", "services = ({ " SVC "mode = \"prefork\"; workers = 0; });",
     "a.conf:1: service \"s\": key \"workers\": expected an integer >= 1"},
    {"a.conf", "services = ({ " SVC "listen_fds = true; });",
     "a.conf:1: service \"s\": key \"listen_fds\": only applies to mode \"wait\" or \"prefork\""},
    {"a.conf", "services = ({ " SVC "mode = \"prefork\";\n allow = [\"10.0.0.0/8\"]; });",
     "a.conf:2: service \"s\": key \"allow\": cannot be used with mode \"prefork\" (workers "
     "accept themselves)"},
    {"a.conf", "services = ({ " SVC "mode = \"prefork\"; rate = \"1/1\"; });",
     "a.conf:1: service \"s\": key \"rate\": cannot be used with mode \"prefork\" (workers "
     "accept themselves)"},
    /* Where the daemon does not accept, an admission key that cannot act
     * is refused (issue 24.1), written in the service or taken from defaults. */
    {"a.conf", "services = ({ " SVC "mode = \"wait\";\n deny = [\"10.0.0.0/8\"]; });",
     "a.conf:2: service \"s\": key \"deny\": cannot be used with mode \"wait\" on tcp (the "
     "handler accepts, not the daemon)"},
    {"a.conf", "defaults = {\n per_source = 3; };\nservices = ({ " SVC "mode = \"wait\"; });",
     "a.conf:2: service \"s\": key \"per_source\": cannot be used with mode \"wait\" on tcp "
     "(the handler accepts, not the daemon)"},
    {"a.conf", "services = ({ " SVC "mode = \"wait\"; refuse_message = \"busy\"; });",
     "a.conf:1: service \"s\": key \"refuse_message\": only applies to mode \"nowait\" (a "
     "refused connection)"},
    {"a.conf",
     "services = ({ name = \"s\"; listen = \"unix:/run/s.sock\"; exec = \"/bin/cat\";\n"
     " allow = [\"10.0.0.0/8\"]; });",
     "a.conf:2: service \"s\": key \"allow\": cannot be used with a unix: listener (a local "
     "peer has no address: socket_mode and socket_owner are its access control)"},
    {"a.conf",
     "services = ({ name = \"s\"; listen = \"unix:/run/s.sock\"; exec = \"/bin/cat\";\n"
     " protocol = \"udp\"; per_source_rate = \"5/1\"; });",
     "a.conf:2: service \"s\": key \"per_source_rate\": cannot be used with a unix: datagram "
     "listener (a datagram's sender has no address or uid to count)"},
    {"a.conf", "services = ({ " SVC "rate = \"0/1\"; });",
     "a.conf:1: service \"s\": key \"rate\": expected \"N/S\" (N connections per S seconds, both "
     ">= 1), such as \"200/1\""},
    {"a.conf", "services = ({ " SVC "rate = \"5/\"; });",
     "a.conf:1: service \"s\": key \"rate\": expected \"N/S\" (N connections per S seconds, both "
     ">= 1), such as \"200/1\""},
    {"a.conf", "services = ({ " SVC "umask = \"999\"; });",
     "a.conf:1: service \"s\": key \"umask\": expected an octal string such as \"022\""},
    {"a.conf", "services = ({ " SVC "umask = 18; });",
     "a.conf:1: service \"s\": key \"umask\": expected an octal string such as \"022\""},
    {"a.conf", "services = ({ " SVC "nice = 40; });",
     "a.conf:1: service \"s\": key \"nice\": expected an integer between -20 and 19"},
    {"a.conf", "services = ({ " SVC "rlimits = { stack = 1; }; });",
     "a.conf:1: service \"s\": key \"rlimits.stack\": unknown key (expected cpu, as, nofile, "
     "nproc, fsize or core)"},
    {"a.conf", "services = ({ " SVC "rlimits = { nofile = \"lots\"; }; });",
     "a.conf:1: service \"s\": key \"rlimits.nofile\": expected an integer >= 0 or \"unlimited\""},
    {"a.conf", "services = ({ " SVC "env = { A = 1; }; });",
     "a.conf:1: service \"s\": key \"env.A\": expected a string, got an integer"},
    {"a.conf", "services = ({ " SVC "pass_env = [\"A=B\"]; });",
     "a.conf:1: service \"s\": key \"pass_env\": \"A=B\" is not a valid environment variable "
     "name"},
    {"a.conf", "services = ({ " SVC "args = []; });",
     "a.conf:1: service \"s\": key \"args\": must hold at least argv[0]"},
    {"a.conf", "services = ({ " SVC "args = \"cat\"; });",
     "a.conf:1: service \"s\": key \"args\": expected a list of strings, got a string"},
    {"a.conf", "services = ({ " SVC "enabled = \"yes\"; });",
     "a.conf:1: service \"s\": key \"enabled\": expected a boolean (true or false), got a string"},
    {"a.conf", "services = ({ " SVC "stderr = \"file\"; });",
     "a.conf:1: service \"s\": key \"stderr\": expected \"discard\", \"socket\" or \"log\""},
    {"a.conf", "services = ({ " SVC "chroot = \"jail\"; });",
     "a.conf:1: service \"s\": key \"chroot\": must be an absolute path"},
    {"a.conf", "services = ({ " SVC "backlog = 0; });",
     "a.conf:1: service \"s\": key \"backlog\": expected an integer >= 1"},
    {"a.conf", "services = ({ " SVC "socket_mode = \"0600\"; });",
     "a.conf:1: service \"s\": key \"socket_mode\": only applies to unix: listeners"},
    {"a.conf", "services = ({ " SVC "user = \"root\"; });",
     "a.conf:1: service \"s\": key \"user\": only root may set it (the daemon is not running as "
     "root)"},
    {"a.conf", "services = ({ " SVC "group = 0; });",
     "a.conf:1: service \"s\": key \"group\": only root may set it (the daemon is not running as "
     "root)"},
    {"a.conf", "services = ({ " SVC "socket_owner = \"root\"; });",
     "a.conf:1: service \"s\": key \"socket_owner\": only root may set it (the daemon is not "
     "running as root)"},
    {"a.conf", "defaults = { user = \"root\"; };",
     "a.conf:1: key \"user\": only root may set it (the daemon is not running as root)"},
    {"a.conf", "defaults = {\n name = \"x\"; };",
     "a.conf:2: key \"name\": a service name cannot have a default"},
    {"a.conf", "defaults = { instances = -2; };\nservices = ();",
     "a.conf:1: key \"instances\": expected an integer >= 0"},
    {"a.conf", "defaults = { bogus = 1; };", "a.conf:1: key \"bogus\": unknown key"},
    {"a.conf", "services = ({ " SVC "},\n { " SVC "});",
     "a.conf:2: service \"s\": key \"name\": duplicate service name (first at %s/a.conf:1)"},
    {"a.conf",
     "services = ({ " SVC "},\n { name = \"t\"; listen = \"*:7\"; exec = \"/bin/cat\"; });",
     "a.conf:2: service \"t\": key \"listen\": \"*:7\" collides with \"127.0.0.1:7\" of service "
     "\"s\" (%s/a.conf:1)"},
    {"a.yaml",
     "services:\n  - name: s\n    listen:\n      - 127.0.0.1:7\n      - 1.2.3.4:x:y\n"
     "    exec: /bin/cat\n",
     "a.yaml:5: service \"s\": key \"listen\": invalid address \"1.2.3.4:x:y\": write IPv6 in "
     "brackets, [::1]:PORT"},
    {"a.yaml", "services:\n  - name: s\n    listen: []\n    exec: /bin/cat\n",
     "a.yaml:3: service \"s\": key \"listen\": must name at least one address"},
    {"a.yaml",
     "services:\n  - name: s\n    listen: \"*:7\"\n    exec: /bin/cat\n"
     "    allow: [10.0.0.0/33]\n",
     "a.yaml:5: service \"s\": key \"allow\": %CIDR"},
    {"a.yaml", "services: {name: s}\n",
     "a.yaml:1: key \"services\": expected a list of service maps, got a map"},
    {"a.yaml", "services: [x]\n",
     "a.yaml:1: key \"services\": each service must be a map, got a "
     "string"},
    {"a.yaml", "- a\n- b\n", "a.yaml:1: expected a map of settings at the top, got a list"},
    {"a.yaml", "services:\n  - name: s\n    name: t\n",
     "a.yaml:3: syntax error: duplicate key \"name\""},
    {"a.yaml", "a: [\n", "a.yaml:2: syntax error: did not find expected node content"},
    {"a.conf", "a = \"\xff\";", "a.conf:1: syntax error: invalid UTF-8"},
    {"a.conf", "services = ({ name = \"s\" ", "a.conf:1: syntax error: unexpected token"},
    {"a.conf", "include = [\"conf.d/*.conf\"];\n", "(loaded)"},
};

/* PATTERN with its "%s" (if any) replaced by the temp folder. */
static void subst_tmpdir(const char *pattern, char *out, size_t len)
{
    const char *p = strstr(pattern, "%s");

    if (p == NULL)
        snprintf(out, len, "%s", pattern);
    else
        snprintf(out, len, "%.*s%s%s", (int)(p - pattern), pattern, tmpdir, p + 2);
}

START_TEST(test_errors)
{
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        char expect[1024];
        const char *got = error_of(bad_cases[i][0], bad_cases[i][1], &unpriv);
        if (strstr(bad_cases[i][2], "%CIDR") != NULL) {
            /* the reason is addr.c's; only our part of the line is asserted here */
            ck_assert_msg(strncmp(got, bad_cases[i][2], strlen(bad_cases[i][2]) - 5) == 0,
                          "case %zu: %s", i, got);
            continue;
        }
        subst_tmpdir(bad_cases[i][2], expect, sizeof(expect));
        ck_assert_msg(strcmp(got, expect) == 0, "case %zu:\n got: %s\nwant: %s", i, got, expect);
    }
}
END_TEST

/* No execute bit: refused for everyone, root too (root's access(X_OK) needs one x bit). */
START_TEST(test_not_executable)
{
    char path[512], text[1024];

    write_file("plain", "data\n", path, sizeof(path));
    ck_assert_int_eq(chmod(path, 0644), 0);
    snprintf(text, sizeof(text),
             "services = ({ name = \"s\"; listen = \"127.0.0.1:7\"; exec = \"%s\"; });", path);
    ck_assert_ptr_null(load_as("x.conf", text, &unpriv));
    ck_assert_ptr_nonnull(strstr(err, ":1: service \"s\": key \"exec\": \""));
    ck_assert_ptr_nonnull(strstr(err, "\" is not executable"));
    if (geteuid() == 0) { /* as root the file checks pass and the x bits still count */
        ck_assert_ptr_null(load_as("x.conf", text, &priv));
        ck_assert_ptr_nonnull(strstr(err, "\" is not executable"));
    }
    /* one x bit makes it a program (for root; others need the bit that applies to them) */
    ck_assert_int_eq(chmod(path, geteuid() == 0 ? 0654 : 0744), 0);
    ck_assert_str_eq(error_of("x.conf", text, &unpriv), "(loaded)");
}
END_TEST

START_TEST(test_privileged)
{
    struct config *cfg = load_as(
        "p.conf",
        "defaults = { user = \"root\"; };\n"
        "services = ({ name = \"s\"; listen = \"unix:/tmp/p.sock\"; exec = \"/bin/cat\";\n"
        "  socket_owner = \"0:0\"; },\n"
        "  { name = \"t\"; listen = \"127.0.0.1:8\"; exec = \"/bin/cat\"; group = \"0\"; });",
        &priv);

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert(cfg->services[0].has_user && !cfg->services[0].has_group);
    ck_assert_str_eq(cfg->services[0].user, "root");
    ck_assert_uint_eq(cfg->services[0].uid, 0);
    ck_assert_uint_eq(cfg->services[0].gid, 0);
    ck_assert(cfg->services[0].sock.has_socket_owner);
    ck_assert(cfg->services[1].has_group);
    config_free(cfg);
    ck_assert_str_eq(
        error_of("q.conf", "services = ({ " SVC "user = \"no-such-user-x\"; });", &priv),
        "q.conf:1: service \"s\": key \"user\": unknown user \"no-such-user-x\"");
    /* SPEC section 10: an unknown capability name is an error */
    ck_assert_str_eq(
        error_of("c.yaml",
                 "services:\n  - name: s\n    listen: 127.0.0.1:7\n    exec: /bin/cat\n"
                 "    capabilities: [CAP_NET_BIND_SERVICE, CAP_FLY]\n",
                 &priv),
        "c.yaml:5: service \"s\": key \"capabilities\": unknown capability \"CAP_FLY\" (see "
        "capabilities(7))");
}
END_TEST

/* The -T text of CFG, in a malloc'ed string. */
static char *dump_of(const struct config *cfg)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    ck_assert_ptr_nonnull(f);
    config_dump_yaml(cfg, f);
    fclose(f);
    return buf;
}

/* A number no passwd/group entry has is a bare uid/gid (SPEC: "name or number"). */
START_TEST(test_numeric_ids)
{
    struct config *cfg;
    char *dump;

    ck_assert_msg(getpwuid(54321) == NULL && getgrgid(54322) == NULL, "54321/54322 exist here");
    ck_assert_str_eq(error_of("n.conf", "services = ({ " SVC "\n user = \"54321\"; });", &priv),
                     "n.conf:2: service \"s\": key \"user\": uid 54321 has no passwd entry, so "
                     "\"group\" is required");
    ck_assert_str_eq(
        error_of("n.yaml",
                 "defaults: {user: 54321}\nservices: [{name: s, listen: \"*:7\", "
                 "exec: /bin/cat}]\n",
                 &priv),
        "n.yaml:1: service \"s\": key \"user\": uid 54321 has no passwd entry, so \"group\" is "
        "required");
    cfg = load_as(
        "n.conf",
        "services = ({ " SVC "user = 54321; group = \"54322\"; },\n"
        "  { name = \"t\"; listen = \"127.0.0.1:8\"; exec = \"/bin/cat\"; group = 54322; },\n"
        "  { name = \"u\"; listen = \"127.0.0.1:9\"; exec = \"/bin/cat\"; user = \"0\"; },\n"
        "  { name = \"v\"; listen = \"unix:/tmp/n.sock\"; exec = \"/bin/cat\";\n"
        "    socket_owner = \"54321:54322\"; });",
        &priv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert(cfg->services[0].has_user && cfg->services[0].has_group);
    ck_assert_ptr_null(cfg->services[0].user); /* so no supplementary groups */
    ck_assert_uint_eq(cfg->services[0].uid, 54321);
    ck_assert_uint_eq(cfg->services[0].gid, 54322);
    ck_assert(!cfg->services[1].has_user && cfg->services[1].has_group);
    ck_assert_uint_eq(cfg->services[1].gid, 54322);
    ck_assert_str_eq(cfg->services[2].user, "root"); /* a number with an entry is that user */
    ck_assert_uint_eq(cfg->services[3].sock.socket_uid, 54321);
    ck_assert_uint_eq(cfg->services[3].sock.socket_gid, 54322);
    dump = dump_of(cfg);
    ck_assert_msg(strstr(dump, "    user: \"54321\"\n    group: \"54322\"\n") != NULL, "%s", dump);
    ck_assert_msg(strstr(dump, "    socket_owner: \"54321:54322\"\n") != NULL, "%s", dump);
    free(dump);
    config_free(cfg);
    ck_assert_str_eq(error_of("n.conf",
                              "services = ({ name = \"v\"; listen = \"unix:/tmp/n.sock\"; exec = "
                              "\"/bin/cat\";\n socket_owner = \"54321\"; });",
                              &priv),
                     "n.conf:2: service \"v\": key \"socket_owner\": uid 54321 has no passwd "
                     "entry, so its group is needed (\"54321:GROUP\")");
    /* names stay names; only digits are numbers; -1 is not an id */
    ck_assert_str_eq(
        error_of("n.conf", "services = ({ " SVC "group = \"no-such-group-x\"; });", &priv),
        "n.conf:1: service \"s\": key \"group\": unknown group \"no-such-group-x\"");
    ck_assert_str_eq(error_of("n.conf", "services = ({ " SVC "user = \"4294967295\"; });", &priv),
                     "n.conf:1: service \"s\": key \"user\": unknown user \"4294967295\"");
}
END_TEST

/* The error of loading TMP/NAME with O, with every TMP in it replaced by "T". */
static const char *load_error(const char *name, const struct config_options *o)
{
    static char out[1024];
    char path[512], *w = out;
    size_t n = strlen(tmpdir);
    struct config *cfg;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    cfg = config_load(path, o, err, sizeof(err));
    if (cfg != NULL) {
        config_free(cfg);
        return "(loaded)";
    }
    for (const char *p = err; *p != '\0' && w < out + sizeof(out) - 2;)
        if (strncmp(p, tmpdir, n) == 0)
            *w++ = 'T', p += n;
        else
            *w++ = *p++;
    *w = '\0';
    return out;
}

static void make_dir(const char *name, mode_t mode)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    ck_assert_int_eq(mkdir(path, 0700), 0);
    ck_assert_int_eq(chmod(path, mode), 0); /* not the umask's idea of it */
}

static void set_mode(const char *name, mode_t mode, uid_t owner)
{
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    ck_assert_int_eq(chown(path, owner, 0), 0);
    ck_assert_int_eq(chmod(path, mode), 0);
}

/* As root, every folder on the way to a config file or an exec is root's and
 * writable only by root unless sticky (sshd's StrictModes). */
START_TEST(test_strict_folders)
{
    char path[512];

    make_dir("bin", 0777);
    write_file("bin/h", "#!/bin/sh\n", path, sizeof(path));
    ck_assert_int_eq(chmod(path, 0755), 0);
    write_file("x.conf", "services = ({ name = \"s\"; listen = \"127.0.0.1:7\";\n exec = \"", path,
               sizeof(path));
    {
        FILE *f = fopen(path, "a");
        ck_assert_ptr_nonnull(f);
        fprintf(f, "%s/bin/h\"; });\n", tmpdir);
        fclose(f);
    }
    ck_assert_str_eq(load_error("x.conf", &priv),
                     "T/x.conf:2: service \"s\": key \"exec\": \"T/bin/h\": "
                     "folder T/bin is writable by others (mode 0777); "
                     "refusing it while running as root");
    ck_assert_str_eq(load_error("x.conf", &unpriv), "(loaded)"); /* only a root daemon checks */
    set_mode("bin", 0775, 0);
    ck_assert_str_eq(load_error("x.conf", &priv),
                     "T/x.conf:2: service \"s\": key \"exec\": \"T/bin/h\": "
                     "folder T/bin is writable by group (mode 0775); "
                     "refusing it while running as root");
    set_mode("bin", 0755, 65534);
    ck_assert_str_eq(load_error("x.conf", &priv),
                     "T/x.conf:2: service \"s\": key \"exec\": \"T/bin/h\": "
                     "folder T/bin is not owned by root (owner uid 65534); "
                     "refusing it while running as root");
    set_mode("bin", 01777, 0); /* sticky, like /tmp: the root-owned file is safe there */
    ck_assert_str_eq(load_error("x.conf", &priv), "(loaded)");
    set_mode("bin", 0755, 0);
    ck_assert_str_eq(load_error("x.conf", &priv), "(loaded)");

    /* config files: the main one and each include */
    make_dir("etc", 0777);
    write_file("etc/m.conf", "include = [\"conf.d/*.conf\"];\n", path, sizeof(path));
    ck_assert_str_eq(load_error("etc/m.conf", &priv),
                     "T/etc/m.conf: folder T/etc is writable by others "
                     "(mode 0777); refusing a config file there while "
                     "running as root");
    set_mode("etc", 0755, 0);
    make_dir("etc/conf.d", 0770);
    write_file("etc/conf.d/a.conf", "services = ();\n", path, sizeof(path));
    ck_assert_str_eq(load_error("etc/m.conf", &priv),
                     "T/etc/conf.d/a.conf: folder T/etc/conf.d is "
                     "writable by group (mode 0770); refusing a config "
                     "file there while running as root");
    set_mode("etc/conf.d", 01777, 0);
    ck_assert_str_eq(load_error("etc/m.conf", &priv), "(loaded)");
    /* a symbolic link from a safe folder into an unsafe one: the target's folders count */
    set_mode("etc", 0777, 0);
    snprintf(path, sizeof(path), "%s/link.conf", tmpdir);
    ck_assert_int_eq(symlink("etc/conf.d/a.conf", path), 0);
    ck_assert_str_eq(load_error("link.conf", &priv),
                     "T/link.conf: folder T/etc is writable by others "
                     "(mode 0777); refusing a config file there while "
                     "running as root");
    set_mode("etc", 0755, 0);
    ck_assert_str_eq(load_error("link.conf", &priv), "(loaded)");
}
END_TEST

/* A value inherited from defaults is blamed on its defaults line, naming the service. */
START_TEST(test_defaults_rules)
{
    struct config *cfg = load_as("r.conf",
                                 "defaults = { workers = 5; listen_fds = true; backlog = 5; };\n"
                                 "services = ({ " SVC "});",
                                 &unpriv);

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->services[0].workers, 2);
    ck_assert(!cfg->services[0].listen_fds);
    ck_assert_int_eq(cfg->services[0].sock.backlog, 5);
    config_free(cfg);
    ck_assert_str_eq(error_of("r.conf",
                              "defaults = {\n per_source = 2; };\n"
                              "services = ({ " SVC "mode = \"prefork\"; });",
                              &unpriv),
                     "r.conf:2: service \"s\": key \"per_source\": cannot be used with mode "
                     "\"prefork\" (workers accept themselves)");
}
END_TEST

START_TEST(test_disabled_validated)
{
    ck_assert_str_eq(
        error_of("d.conf", "services = ({ " SVC "enabled = false; timeout = -1; });", &unpriv),
        "d.conf:1: service \"s\": key \"timeout\": expected an integer >= 0");
    /* disabled entries do not hold their port */
    ck_assert_str_eq(error_of("d.conf",
                              "services = ({ " SVC "enabled = false; },\n"
                              "{ name = \"t\"; listen = \"*:7\"; exec = \"/bin/cat\"; });",
                              &unpriv),
                     "(loaded)");
    /* tcp and udp may share a port */
    ck_assert_str_eq(error_of("d.conf",
                              "services = ({ " SVC "},\n"
                              "{ name = \"t\"; protocol = \"udp\"; listen = \"*:7\"; exec = "
                              "\"/bin/cat\"; });",
                              &unpriv),
                     "(loaded)");
}
END_TEST

START_TEST(test_includes)
{
    char path[512];
    struct config *cfg;

    write_file("conf.d/b.yaml", "services:\n  - {name: b, listen: \"*:2\", exec: /bin/cat}\n", path,
               sizeof(path));
    write_file("conf.d/a.conf",
               "services = ({ name = \"a\"; listen = \"*:1\"; exec = \"/bin/cat\"; });", path,
               sizeof(path));
    write_file("conf.d/c.conf", "services = ();", path, sizeof(path));
    cfg = load_as("main.conf",
                  "include = [\"conf.d/*\", \"conf.d/a.conf\", \"none/*.conf\", \"*.conf\"];\n"
                  "services = ({ name = \"m\"; listen = \"*:3\"; exec = \"/bin/cat\"; });",
                  &unpriv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->n_services, 3);
    ck_assert_str_eq(cfg->services[0].name, "m");
    ck_assert_str_eq(cfg->services[1].name, "a");
    ck_assert_str_eq(cfg->services[2].name, "b");
    snprintf(path, sizeof(path), "%s/conf.d/b.yaml", tmpdir);
    ck_assert_str_eq(cfg->services[2].file, path);
    ck_assert_int_eq(cfg->services[2].line, 2);
    config_free(cfg);

    write_file("conf.d/d.yaml",
               "services:\n  - {name: d, listen: \"*:4\", exec: /bin/cat,\n"
               "     bad: 1}\n",
               path, sizeof(path));
    ck_assert_str_eq(
        error_of("main.conf", "include = [\"conf.d/*.yaml\"];", &unpriv),
        "conf.d/d.yaml:3: service \"d\": key \"bad\": unknown key (did you mean \"ban\"?)");
    write_file("conf.d/d.yaml", "log_level: info\n", path, sizeof(path));
    ck_assert_str_eq(error_of("main.yaml", "include: [conf.d/d.yaml]", &unpriv),
                     "conf.d/d.yaml:1: key \"log_level\": an included file may only hold "
                     "\"services\"");
    write_file("conf.d/d.yaml", "include: [\"*\"]\n", path, sizeof(path));
    ck_assert_str_eq(error_of("main.yaml", "include: [conf.d/d.yaml]", &unpriv),
                     "conf.d/d.yaml:1: key \"include\": an included file may only hold "
                     "\"services\"");
    write_file("conf.d/d.yaml", "services:\n  - {name: m, listen: \"*:5\", exec: /bin/cat}\n", path,
               sizeof(path));
    {
        const char *want = "conf.d/d.yaml:2: service \"m\": key \"name\": duplicate service "
                           "name (first at ";
        const char *got = error_of(
            "main.yaml",
            "include: [conf.d/d.yaml]\nservices: [{name: m, listen: \"*:6\", exec: /bin/cat}]",
            &unpriv);
        ck_assert_msg(strncmp(got, want, strlen(want)) == 0, "%s", got);
    }
}
END_TEST

/* FIFOs and devices are refused without blocking: as the main file and through include. */
START_TEST(test_special_files)
{
    char path[512], want[600];

    snprintf(path, sizeof(path), "%s/fifo.conf", tmpdir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_ptr_null(config_load(path, &unpriv, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s: not a regular file (a fifo)", path);
    ck_assert_str_eq(err, want);
    ck_assert_ptr_null(config_load("/dev/null", &priv, err, sizeof(err)));
    ck_assert_str_eq(err, "/dev/null: not a regular file (a character device)");
    ck_assert_ptr_null(config_load(tmpdir, &unpriv, err, sizeof(err)));
    snprintf(want, sizeof(want), "%s: not a regular file (a directory)", tmpdir);
    ck_assert_str_eq(err, want);

    write_file("conf.d/a.conf", "services = ();", path, sizeof(path));
    snprintf(path, sizeof(path), "%s/conf.d/b.conf", tmpdir);
    ck_assert_int_eq(mkfifo(path, 0600), 0);
    ck_assert_str_eq(error_of("main.conf", "include = [\"conf.d/*.conf\"];", &unpriv),
                     "conf.d/b.conf: not a regular file (a fifo)");
}
END_TEST

/* -T output of CFG loads back (with OPTS) to an equal config. */
static void assert_round_trip_as(const struct config *cfg, const struct config_options *opts)
{
    char path[] = "/tmp/check_config_dump.XXXXXX.yaml";
    int fd = mkstemps(path, 5);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    struct config *again;

    ck_assert_ptr_nonnull(f);
    config_dump_yaml(cfg, f);
    fclose(f);
    again = config_load(path, opts, err, sizeof(err));
    unlink(path);
    ck_assert_msg(again != NULL, "%s: %s", cfg->path, err);
    assert_config_equal(cfg, again);
    config_free(again);
}

static void assert_round_trip(const struct config *cfg)
{
    assert_round_trip_as(cfg, &unpriv);
}

/* Where the daemon does not accept (issue 24.1): a service cancels a
 * default with the value that asks nothing; refuse_message from defaults is
 * dropped; a udp wait service takes the keys (its datagrams are checked). */
START_TEST(test_admission_defaults)
{
    struct config *cfg;

    cfg = load_as("r.conf",
                  "defaults = { allow = [\"10.0.0.0/8\"]; per_source = 2; "
                  "refuse_message = \"busy\"; };\n"
                  "services = ({ " SVC "mode = \"wait\"; allow = []; per_source = 0; },\n"
                  " { name = \"u\"; protocol = \"udp\"; listen = \"127.0.0.1:7\"; "
                  "exec = \"/bin/cat\"; });",
                  &unpriv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->services[0].n_allow, 0);
    ck_assert_ptr_null(cfg->services[0].refuse_message);
    ck_assert_uint_eq(cfg->services[1].n_allow, 1);
    ck_assert_uint_eq(cfg->services[1].per_source, 2);
    ck_assert_ptr_null(cfg->services[1].refuse_message);
    assert_round_trip(cfg);
    config_free(cfg);
}
END_TEST

/* -T leaves out the admission keys that cannot act (they would be errors). */
START_TEST(test_dump_leaves_out_idle_admission_keys)
{
    struct config *cfg = load_as("w.conf",
                                 "services = ({ " SVC "mode = \"wait\"; rate = \"5/1\"; },\n"
                                 " { name = \"x\"; listen = \"unix:/run/x.sock\"; "
                                 "exec = \"/bin/cat\"; per_source = 1; });",
                                 &unpriv);
    char *text = NULL;
    size_t len = 0;
    FILE *f;

    ck_assert_msg(cfg != NULL, "%s", err);
    f = open_memstream(&text, &len);
    config_dump_yaml(cfg, f);
    fclose(f);
    const char *x = strstr(text, "  - name: \"x\"");
    ck_assert_ptr_nonnull(x);
    ck_assert_ptr_null(strstr(text, "allow"));
    ck_assert_ptr_null(strstr(text, "deny"));
    ck_assert_ptr_nonnull(strstr(text, "rate: \"5/1\""));
    ck_assert_ptr_nonnull(strstr(x, "per_source: 1"));
    ck_assert(strstr(text, "per_source") == strstr(x, "per_source")); /* not for "s" */
    free(text);
    assert_round_trip(cfg);
    config_free(cfg);
}
END_TEST

START_TEST(test_round_trip)
{
    const char *inputs[][2] = {{"full.conf", full_conf}, {"full.yaml", full_yaml}, {"e.conf", ""}};

    for (size_t i = 0; i < 3; i++) {
        struct config *a = load_as(inputs[i][0], inputs[i][1], &unpriv);

        ck_assert_msg(a != NULL, "%s", err);
        assert_round_trip_as(a, &unpriv);
        config_free(a);
    }
}
END_TEST

START_TEST(test_print_check)
{
    struct config *cfg = load_as("full.conf", full_conf, &unpriv);
    char buf[1024] = "";
    FILE *f = fmemopen(buf, sizeof(buf), "w");

    ck_assert_ptr_nonnull(cfg);
    config_print_check(cfg, f);
    fclose(f);
    ck_assert_str_eq(buf, "echo tcp/nowait 127.0.0.1:7007,[::1]:7007 /bin/cat\n"
                          "pool tcp/prefork unix:/tmp/x.sock /bin/true\n");
    config_free(cfg);
}
END_TEST

/* FILE's errors, as load_checked would print them: every error, in file order. */
static void assert_errors_are(const char *name, const struct config_errors *got, const char *file)
{
    char want[CONFIG_ERROR_LEN];
    size_t i = 0;
    FILE *f = fopen(file, "r");

    ck_assert_msg(f != NULL, "cannot open %s", file);
    for (; fgets(want, sizeof(want), f) != NULL; i++) {
        want[strcspn(want, "\n")] = '\0';
        ck_assert_msg(i < got->n, "%s: error %zu missing:\nwant: %s", name, i + 1, want);
        ck_assert_msg(strcmp(got->text[i], want) == 0, "%s: error %zu:\n got: %s\nwant: %s", name,
                      i + 1, got->text[i], want);
    }
    fclose(f);
    ck_assert_msg(i == got->n, "%s: %zu errors, want %zu; the next: %s", name, got->n, i,
                  i < got->n ? got->text[i] : "");
    ck_assert_uint_eq(got->found, got->n);
}

static bool is_fixture(const char *name)
{
    size_t n = strlen(name);

    return name[0] != '.' && !(n > 4 && strcmp(name + n - 4, ".err") == 0);
}

/* -T output of CFG loads back to the same model. */

/* Every file under conf/good loads; every one under conf/bad fails with the errors its .err
 * file lists, the first of them as config_load's one line. */
static void run_corpus(bool good)
{
    static struct config_errors errors;
    struct config_options all = {.privileged = false, .errors = &errors};
    const char *src = getenv("TESTS_SRCDIR");
    char dir[512], path[1024];
    struct dirent *de;
    DIR *d;
    int count = 0;

    snprintf(dir, sizeof(dir), "%s/conf/%s", src ? src : "tests", good ? "good" : "bad");
    ck_assert_int_eq(chdir(dir), 0); /* messages name files relative to the corpus */
    d = opendir(".");
    ck_assert_ptr_nonnull(d);
    while ((de = readdir(d)) != NULL) {
        struct config *cfg;
        struct stat st;
        if (!is_fixture(de->d_name) || stat(de->d_name, &st) < 0 || !S_ISREG(st.st_mode))
            continue;
        cfg = config_load(de->d_name, &all, err, sizeof(err));
        count++;
        if (good) {
            ck_assert_msg(cfg != NULL, "%s: %s", de->d_name, err);
            assert_round_trip(cfg);
            config_free(cfg);
            continue;
        }
        ck_assert_msg(cfg == NULL, "%s loaded", de->d_name);
        snprintf(path, sizeof(path), "%s.err", de->d_name);
        assert_errors_are(de->d_name, &errors, path);
        ck_assert_str_eq(err, errors.text[0]);
    }
    closedir(d);
    ck_assert_int_gt(count, 0);
}

START_TEST(test_corpus_good)
{
    run_corpus(true);
}
END_TEST

START_TEST(test_corpus_bad)
{
    run_corpus(false);
}
END_TEST

/* `control`: the default only for a root daemon, `off`, or an absolute path. */
START_TEST(test_control)
{
    struct config *cfg = load_as("e.yaml", "services: []\n", &unpriv);

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_ptr_null(cfg->control);
    ck_assert(cfg->control_is_default);
    ck_assert(!cfg->has_control_group);
    config_free(cfg);
    cfg = load_as("e.yaml", "services: []\n", &priv);
    ck_assert_str_eq(cfg->control, CONFIG_CONTROL_DEFAULT);
    ck_assert_str_eq(cfg->control, RUNSTATEDIR "/superserverd.ctl");
    ck_assert(cfg->control_is_default);
    config_free(cfg);
    cfg = load_as("e.yaml", "control: \"off\"\n", &priv);
    ck_assert_ptr_null(cfg->control);
    ck_assert(!cfg->control_is_default);
    config_free(cfg);
    cfg = load_as("e.conf", "control = \"/tmp/s.ctl\";\ncontrol_group = 0;\n", &unpriv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_str_eq(cfg->control, "/tmp/s.ctl");
    ck_assert(!cfg->control_is_default);
    ck_assert(cfg->has_control_group);
    ck_assert_uint_eq(cfg->control_gid, 0);
    config_free(cfg);
    cfg = load_as("e.yaml", "control: /tmp/s.ctl\ncontrol_group: root\n", &priv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_uint_eq(cfg->control_gid, 0);
    config_free(cfg);
}
END_TEST

START_TEST(test_control_errors)
{
    char long_path[200], text[300];

    ck_assert_str_eq(error_of("e.yaml", "control: run/s.ctl\n", &priv),
                     "e.yaml:1: key \"control\": must be an absolute path");
    ck_assert_str_eq(error_of("e.yaml", "\ncontrol: \"\"\n", &unpriv),
                     "e.yaml:2: key \"control\": must be an absolute path");
    ck_assert_str_eq(error_of("e.yaml", "control: 5\n", &priv),
                     "e.yaml:1: key \"control\": expected \"off\" or an absolute path, got an "
                     "integer");
    ck_assert_str_eq(error_of("e.conf", "control = false;\n", &priv),
                     "e.conf:1: key \"control\": expected \"off\" or an absolute path, got a "
                     "boolean");
    memset(long_path, 'a', sizeof(long_path) - 1);
    long_path[0] = '/';
    long_path[108] = '\0';
    snprintf(text, sizeof(text), "control: %s\n", long_path);
    ck_assert_str_eq(error_of("e.yaml", text, &priv),
                     "e.yaml:1: key \"control\": path too long for a unix socket (108 bytes, at "
                     "most 107)");
    long_path[107] = '\0';
    snprintf(text, sizeof(text), "control: %s\n", long_path);
    ck_assert_str_eq(error_of("e.yaml", text, &priv), "(loaded)");
    ck_assert_str_eq(error_of("e.yaml", "control_group: no-such-group-x\n", &priv),
                     "e.yaml:1: key \"control_group\": unknown group \"no-such-group-x\"");
    ck_assert_str_eq(error_of("e.yaml", "control_group: [a]\n", &priv),
                     "e.yaml:1: key \"control_group\": expected a name or a number, got a list");
    ck_assert_str_eq(error_of("e.yaml", "control_group: 4294967295\n", &priv),
                     "e.yaml:1: key \"control_group\": unknown group \"4294967295\"");
}
END_TEST

/* -T writes the control keys so that they load back, `off` included. */
START_TEST(test_control_round_trip)
{
    const char *texts[] = {"control: \"off\"\n", "control: /tmp/a\\\"b.ctl\ncontrol_group: 0\n",
                           "services: []\n"};

    for (size_t i = 0; i < 3; i++) {
        struct config *a = load_as("c.yaml", texts[i], &priv);

        ck_assert_msg(a != NULL, "%s", err);
        assert_round_trip_as(a, &priv);
        config_free(a);
    }
}
END_TEST

/* What a client makes of a config: the socket it names, the default, or none. */
START_TEST(test_control_path)
{
    char path[512], out[200], e[300];

    write_file("a.yaml", "control: /tmp/a.ctl\n", path, sizeof(path));
    ck_assert_int_eq(config_control_path(path, out, sizeof(out), e, sizeof(e)), 1);
    ck_assert_str_eq(out, "/tmp/a.ctl");
    write_file("b.yaml", "services: []\n", path, sizeof(path));
    ck_assert_int_eq(config_control_path(path, out, sizeof(out), e, sizeof(e)), 1);
    ck_assert_str_eq(out, CONFIG_CONTROL_DEFAULT);
    write_file("c.yaml", "control: \"off\"\n", path, sizeof(path));
    ck_assert_int_eq(config_control_path(path, out, sizeof(out), e, sizeof(e)), 0);
    ck_assert_str_eq(out, "");
    write_file("d.yaml", "control: relative\n", path, sizeof(path));
    ck_assert_int_eq(config_control_path(path, out, sizeof(out), e, sizeof(e)), -1);
    ck_assert_str_eq(out, CONFIG_CONTROL_DEFAULT);
    ck_assert_ptr_nonnull(strstr(e, "d.yaml:1: key \"control\": must be an absolute path"));
    /* Only `control` is read: keys only root may set, a missing exec, a
     * missing include or inetd_conf never stop a client (issue 24.4). */
    write_file("e.yaml",
               "control: /tmp/e.ctl\ninetd_conf: /nonexistent/inetd.conf\n"
               "include: [\"/nonexistent/*.yaml\"]\ndefaults: {user: nobody}\n"
               "services:\n  - {name: s, listen: \"*:1\", exec: /nonexistent, user: root}\n",
               path, sizeof(path));
    ck_assert_int_eq(config_control_path(path, out, sizeof(out), e, sizeof(e)), 1);
    ck_assert_str_eq(out, "/tmp/e.ctl");
}
END_TEST

/* ---- PROXY protocol keys (SPEC §8) ---- */

START_TEST(test_proxy_keys)
{
    struct config *cfg = load_as(
        "p.yaml",
        "services:\n"
        "  - {name: plain, listen: \"127.0.0.1:7\", exec: /bin/cat}\n"
        "  - {name: v1, listen: \"127.0.0.1:8\", exec: /bin/cat, proxy_protocol: v1,\n"
        "     proxy_from: [10.0.0.0/8, \"::1\"]}\n"
        "  - {name: v2, listen: \"unix:/tmp/pp.sock\", exec: /bin/cat, proxy_protocol: v2,\n"
        "     proxy_from: [127.0.0.1], proxy_others: direct, proxy_timeout: 300}\n"
        "  - {name: any, listen: \"127.0.0.1:9\", exec: /bin/cat, proxy_protocol: any,\n"
        "     proxy_from: [0.0.0.0/0], proxy_others: refuse, proxy_timeout: 1,\n"
        "     proxy_local: close}\n",
        &unpriv);
    const struct service *s;

    ck_assert_msg(cfg != NULL, "%s", err);
    s = &cfg->services[0];
    ck_assert_int_eq(s->proxy.versions, SVC_PROXY_OFF);
    ck_assert_uint_eq(s->proxy.n_from, 0);
    ck_assert_uint_eq(s->proxy.timeout, 5);
    s = &cfg->services[1];
    ck_assert_int_eq(s->proxy.versions, SVC_PROXY_V1);
    ck_assert_uint_eq(s->proxy.n_from, 2);
    ck_assert_int_eq(s->proxy.from[0].family, AF_INET);
    ck_assert_uint_eq(s->proxy.from[0].prefix, 8);
    ck_assert_int_eq(s->proxy.from[1].family, AF_INET6);
    ck_assert(!s->proxy.others_direct);
    ck_assert_uint_eq(s->proxy.timeout, 5);
    s = &cfg->services[2];
    ck_assert_int_eq(s->proxy.versions, SVC_PROXY_V2);
    ck_assert(s->proxy.others_direct);
    ck_assert_uint_eq(s->proxy.timeout, 300);
    s = &cfg->services[3];
    ck_assert_int_eq(s->proxy.versions, SVC_PROXY_ANY);
    ck_assert_int_eq(SVC_PROXY_ANY, SVC_PROXY_V1 | SVC_PROXY_V2);
    ck_assert(!s->proxy.others_direct);
    ck_assert_uint_eq(s->proxy.timeout, 1);
    ck_assert(s->proxy.local_close);
    ck_assert(!cfg->services[1].proxy.local_close);
    assert_round_trip(cfg);
    config_free(cfg);
}
END_TEST

static const char *const proxy_bad_cases[][3] = {
    {"a.conf",
     "services = ({ name = \"s\"; listen = \"*:1\"; exec = \"/bin/true\";\n"
     "  proxy_protocol = \"v3\"; proxy_from = [\"10.0.0.1\"]; });",
     "a.conf:2: service \"s\": key \"proxy_protocol\": expected \"off\", \"v1\", \"v2\" or "
     "\"any\""},
    {"b.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n"
     "    proxy_protocol: v2\n",
     "b.yaml:5: service \"s\": key \"proxy_protocol\": needs proxy_from: the addresses of the "
     "load balancers allowed to send a PROXY header"},
    {"c.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n"
     "    proxy_protocol: v2\n    proxy_from: []\n",
     "c.yaml:5: service \"s\": key \"proxy_protocol\": needs proxy_from: the addresses of the "
     "load balancers allowed to send a PROXY header"},
    {"d.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    mode: wait\n"
     "    proxy_protocol: v1\n    proxy_from: [10.0.0.1]\n",
     "d.yaml:6: service \"s\": key \"proxy_protocol\": cannot be used with mode \"wait\" (the "
     "handler accepts, not the daemon)"},
    {"e.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    mode: prefork\n"
     "    proxy_protocol: any\n    proxy_from: [10.0.0.1]\n",
     "e.yaml:6: service \"s\": key \"proxy_protocol\": cannot be used with mode \"prefork\" "
     "(workers accept themselves)"},
    {"f.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    protocol: udp\n"
     "    proxy_protocol: v2\n    proxy_from: [10.0.0.1]\n",
     "f.yaml:6: service \"s\": key \"proxy_protocol\": cannot be used with protocol \"udp\" "
     "(PROXY headers come on stream connections)"},
    {"g.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n"
     "    proxy_from: [10.0.0.1]\n",
     "g.yaml:5: service \"s\": key \"proxy_from\": only applies when proxy_protocol is not "
     "\"off\""},
    {"h.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n"
     "    proxy_protocol: \"off\"\n    proxy_others: direct\n",
     "h.yaml:6: service \"s\": key \"proxy_others\": only applies when proxy_protocol is not "
     "\"off\""},
    {"i.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_timeout: 9\n",
     "i.yaml:5: service \"s\": key \"proxy_timeout\": only applies when proxy_protocol is not "
     "\"off\""},
    {"j.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: v2\n"
     "    proxy_from: [10.0.0.1]\n    proxy_timeout: 301\n",
     "j.yaml:7: service \"s\": key \"proxy_timeout\": expected an integer between 1 and 300"},
    {"k.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: v2\n"
     "    proxy_from: [10.0.0.1]\n    proxy_timeout: 0\n",
     "k.yaml:7: service \"s\": key \"proxy_timeout\": expected an integer between 1 and 300"},
    {"l.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: v2\n"
     "    proxy_from: [10.0.0.1]\n    proxy_others: allow\n",
     "l.yaml:7: service \"s\": key \"proxy_others\": expected \"refuse\" or \"direct\""},
    {"m.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: v2\n"
     "    proxy_from: 10.0.0.1\n",
     "m.yaml:6: service \"s\": key \"proxy_from\": expected a list of strings, got a string"},
    {"n.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: v2\n"
     "    proxy_from: [10.0.0.0/33]\n",
     "n.yaml:6: service \"s\": key \"proxy_from\": %CIDR"},
    {"o.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: true\n",
     "o.yaml:5: service \"s\": key \"proxy_protocol\": expected \"off\", \"v1\", \"v2\" or "
     "\"any\""},
    {"p.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_local: close\n",
     "p.yaml:5: service \"s\": key \"proxy_local\": only applies when proxy_protocol is not "
     "\"off\""},
    {"q.yaml",
     "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    proxy_protocol: v2\n"
     "    proxy_from: [10.0.0.1]\n    proxy_local: drop\n",
     "q.yaml:7: service \"s\": key \"proxy_local\": expected \"serve\" or \"close\""},
};

START_TEST(test_proxy_errors)
{
    for (size_t i = 0; i < sizeof(proxy_bad_cases) / sizeof(proxy_bad_cases[0]); i++) {
        const char *want = proxy_bad_cases[i][2];
        const char *got = error_of(proxy_bad_cases[i][0], proxy_bad_cases[i][1], &unpriv);
        if (strstr(want, "%CIDR") != NULL)
            ck_assert_msg(strncmp(got, want, strlen(want) - 5) == 0 && strlen(got) > strlen(want),
                          "case %zu: %s", i, got);
        else
            ck_assert_msg(strcmp(got, want) == 0, "case %zu:\n got: %s\nwant: %s", i, got, want);
    }
}
END_TEST

/* freebind and bind_device (SPEC section 14): an interface that does not
 * exist is named at file:line; both need an IP listener. */
START_TEST(test_listener_key_errors)
{
    static const char *const cases[][3] = {
        {"a.yaml",
         "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n"
         "    bind_device: nosuchif0\n",
         "a.yaml:5: service \"s\": key \"bind_device\": no network interface \"nosuchif0\""},
        {"b.yaml",
         "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n"
         "    bind_device: a-name-much-too-long\n",
         "b.yaml:5: service \"s\": key \"bind_device\": expected a network interface name (1 "
         "to 15 bytes)"},
        {"c.yaml",
         "services:\n  - name: s\n    listen: \"unix:/tmp/s.sock\"\n    exec: /bin/true\n"
         "    freebind: true\n",
         "c.yaml:5: service \"s\": key \"freebind\": only applies to IP listeners"},
        {"d.conf",
         "services = ({ name = \"s\"; listen = \"unix:/tmp/s.sock\"; exec = \"/bin/true\";\n"
         "  bind_device = \"lo\"; });",
         "d.conf:2: service \"s\": key \"bind_device\": only applies to IP listeners"},
        {"e.yaml",
         "services:\n  - name: s\n    listen: \"*:1\"\n    exec: /bin/true\n    freebind: 1\n",
         "e.yaml:5: service \"s\": key \"freebind\": expected a boolean (true or false), got an "
         "integer"},
    };

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = error_of(cases[i][0], cases[i][1], &unpriv);
        ck_assert_msg(strcmp(got, cases[i][2]) == 0, "case %zu:\n got: %s\nwant: %s", i, got,
                      cases[i][2]);
    }
    /* From defaults they apply to IP listeners and are dropped for unix: ones. */
    struct config *cfg = load_as("f.yaml",
                                 "defaults: {freebind: true, bind_device: lo}\n"
                                 "services:\n"
                                 "  - {name: ip, listen: \"127.0.0.1:1\", exec: /bin/true}\n"
                                 "  - {name: un, listen: \"unix:/tmp/s.sock\", exec: /bin/true}\n",
                                 &unpriv);
    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert(cfg->services[0].sock.freebind);
    ck_assert_str_eq(cfg->services[0].sock.bind_device, "lo");
    ck_assert(!cfg->services[1].sock.freebind);
    ck_assert_str_eq(cfg->services[1].sock.bind_device, "");
    assert_round_trip(cfg);
    config_free(cfg);
}
END_TEST

/* From defaults the keys apply where they can: dropped for udp, wait and
 * prefork services, and proxy_from etc. for services that leave it off. */
START_TEST(test_proxy_defaults)
{
    struct config *cfg = load_as(
        "d.yaml",
        "defaults: {proxy_protocol: v2, proxy_from: [10.0.0.5], proxy_timeout: 7}\n"
        "services:\n"
        "  - {name: lb, listen: \"127.0.0.1:7\", exec: /bin/cat}\n"
        "  - {name: direct, listen: \"127.0.0.1:8\", exec: /bin/cat, proxy_protocol: \"off\"}\n"
        "  - {name: dgram, protocol: udp, listen: \"127.0.0.1:9\", exec: /bin/cat}\n"
        "  - {name: w, mode: wait, listen: \"127.0.0.1:10\", exec: /bin/cat}\n"
        "  - {name: p, mode: prefork, listen: \"127.0.0.1:11\", exec: /bin/cat}\n",
        &unpriv);

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_int_eq(cfg->services[0].proxy.versions, SVC_PROXY_V2);
    ck_assert_uint_eq(cfg->services[0].proxy.n_from, 1);
    ck_assert_uint_eq(cfg->services[0].proxy.timeout, 7);
    for (size_t i = 1; i < cfg->n_services; i++) {
        ck_assert_int_eq(cfg->services[i].proxy.versions, SVC_PROXY_OFF);
        ck_assert_uint_eq(cfg->services[i].proxy.n_from, 0);
        ck_assert_uint_eq(cfg->services[i].proxy.timeout, 5);
    }
    assert_round_trip(cfg);
    config_free(cfg);
    /* Bad values in defaults are errors, blamed on the defaults line. */
    ck_assert_str_eq(error_of("e.yaml",
                              "defaults: {proxy_timeout: 0}\n"
                              "services:\n  - {name: s, listen: \"*:1\", exec: /bin/cat}\n",
                              &unpriv),
                     "e.yaml:1: key \"proxy_timeout\": expected an integer between 1 and 300");
    /* A service needing proxy_from still needs it when proxy_protocol comes from defaults. */
    ck_assert_str_eq(error_of("f.yaml",
                              "defaults: {proxy_protocol: v1}\n"
                              "services:\n  - {name: s, listen: \"*:1\", exec: /bin/cat}\n",
                              &unpriv),
                     "f.yaml:1: service \"s\": key \"proxy_protocol\": needs proxy_from: the "
                     "addresses of the load balancers allowed to send a PROXY header");
}
END_TEST

/* -T prints the keys of nowait tcp services, the rest only when on. */
START_TEST(test_proxy_dump)
{
    struct config *cfg =
        load_as("t.yaml",
                "services:\n"
                "  - {name: a, listen: \"127.0.0.1:7\", exec: /bin/cat}\n"
                "  - {name: b, listen: \"127.0.0.1:8\", exec: /bin/cat, proxy_protocol: any,\n"
                "     proxy_from: [10.1.0.0/16, \"fd00::/8\"], proxy_others: direct}\n"
                "  - {name: c, mode: wait, listen: \"127.0.0.1:9\", exec: /bin/cat}\n",
                &unpriv);
    char buf[8192] = "";
    FILE *f = fmemopen(buf, sizeof(buf), "w");

    ck_assert_msg(cfg != NULL, "%s", err);
    ck_assert_ptr_nonnull(f);
    config_dump_yaml(cfg, f);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "    proxy_protocol: \"off\"\n"));
    ck_assert_ptr_nonnull(strstr(buf, "    proxy_protocol: any\n"
                                      "    proxy_from: [\"10.1.0.0/16\", \"fd00::/8\"]\n"
                                      "    proxy_others: direct\n"
                                      "    proxy_timeout: 5\n"));
    /* Once for a, once for b; not for the wait service c. */
    ck_assert_ptr_null(strstr(strstr(strstr(buf, "proxy_protocol:") + 1, "proxy_protocol:") + 1,
                              "proxy_protocol:"));
    assert_round_trip(cfg);
    config_free(cfg);
}
END_TEST

static Suite *config_suite(bool as_root)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("core");
    TCase *root = tcase_create("root");
    TCase *corpus = tcase_create("corpus");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_same_model);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_empty_configs);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_not_executable);
    tcase_add_test(tc, test_defaults_rules);
    tcase_add_test(tc, test_admission_defaults);
    tcase_add_test(tc, test_dump_leaves_out_idle_admission_keys);
    tcase_add_test(tc, test_disabled_validated);
    tcase_add_test(tc, test_includes);
    tcase_add_test(tc, test_special_files);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_print_check);
    tcase_add_test(tc, test_control);
    tcase_add_test(tc, test_control_errors);
    tcase_add_test(tc, test_control_round_trip);
    tcase_add_test(tc, test_control_path);
    tcase_add_test(tc, test_proxy_keys);
    tcase_add_test(tc, test_proxy_errors);
    tcase_add_test(tc, test_listener_key_errors);
    tcase_add_test(tc, test_proxy_defaults);
    tcase_add_test(tc, test_proxy_dump);
    suite_add_tcase(s, tc);
    if (as_root) { /* files a root daemon may trust are root's: only root can make them */
        tcase_add_checked_fixture(root, setup, teardown);
        tcase_add_test(root, test_privileged);
        tcase_add_test(root, test_numeric_ids);
        tcase_add_test(root, test_strict_folders);
        suite_add_tcase(s, root);
    }
    tcase_add_test(corpus, test_corpus_good);
    tcase_add_test(corpus, test_corpus_bad);
    suite_add_tcase(s, corpus);
    return s;
}

int main(void)
{
    bool as_root = geteuid() == 0;

    return unit_run(
        config_suite(as_root),
        as_root ? NULL
                : "the root-daemon cases (privileged keys, numeric ids, strict folders) need root");
}
