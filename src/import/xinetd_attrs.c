/*
 * The per-attribute translators of an xinetd service (see xinetd_attrs.h),
 * run in table order so that type, flags, socket_type and protocol are known
 * before the attributes that depend on them; finish() then checks what
 * xinetd requires and derives exec, args and the listen address.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "paths.h"
#include "xinetd_attrs.h"

int xinetd_fail(struct ctx *x, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(x->why, sizeof(x->why), fmt, ap);
    va_end(ap);
    return -1;
}

#define FAIL(...) xinetd_fail(x, __VA_ARGS__)

static const char *const internal_names[] = {"echo", "discard", "daytime", "chargen", "time"};

struct merged *find_attr(struct ctx *x, const char *name)
{
    for (size_t i = 0; i < x->n; i++)
        if (strcmp(x->m[i].name, name) == 0)
            return &x->m[i];
    return NULL;
}

void xinetd_warn(struct ctx *x, const struct merged *m, const char *reason)
{
    if (m->src->warned)
        return; /* a defaults line is named once, not once per service */
    m->src->warned = true;
    fprintf(x->err, "superserverd: %s:%u: service \"%s\": attribute \"%s\": not translated: %s\n",
            m->src->file, m->src->line, x->s->name, m->name, reason);
}

const char *xinetd_one(struct ctx *x, const struct merged *m)
{
    if (m->l.n == 1)
        return m->l.v[0];
    FAIL("expected one value, found %zu", m->l.n);
    return NULL;
}

/* "UNLIMITED" (0) or a count in 0..INT_MAX, or -1. */
long xinetd_count(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);
    char *end = NULL;
    long n = -1;

    if (v && strcmp(v, "UNLIMITED") == 0)
        return 0;
    if (v && isdigit((unsigned char)*v)) {
        errno = 0;
        n = strtol(v, &end, 10);
        if (errno || *end != '\0' || n > INT_MAX)
            n = -1;
    }
    if (n < 0 && v)
        FAIL("\"%s\" is not a number or UNLIMITED", v);
    return n;
}

static int t_id(struct ctx *x, const struct merged *m)
{
    return (x->s->name = xinetd_one(x, m)) ? 0 : -1;
}

static int t_type(struct ctx *x, const struct merged *m)
{
    for (size_t i = 0; i < m->l.n; i++) {
        const char *t = m->l.v[i];

        if (strcmp(t, "INTERNAL") == 0)
            x->s->internal = true;
        else if (strcmp(t, "UNLISTED") == 0)
            x->s->unlisted = true;
        else
            return FAIL("type %s is not supported (only INTERNAL and UNLISTED)", t);
    }
    return 0;
}

static int t_flags(struct ctx *x, const struct merged *m)
{
    for (size_t i = 0; i < m->l.n; i++) {
        const char *f = m->l.v[i];

        if (strcmp(f, "NAMEINARGS") == 0)
            x->s->nameinargs = true;
        else if (strcmp(f, "NODELAY") == 0)
            x->s->nodelay = true;
        else if (strcmp(f, "KEEPALIVE") == 0)
            x->s->keepalive = true;
        else if (strcmp(f, "IPv4") == 0 || strcmp(f, "IPv6") == 0)
            x->s->family = f[3] == '4' ? AF_INET : AF_INET6;
        else if (strcmp(f, "REUSE") != 0 && strcmp(f, "NOLIBWRAP") != 0) {
            /* REUSE: every listener has SO_REUSEADDR; NOLIBWRAP: there is no libwrap. */
            char why[64];

            snprintf(why, sizeof(why), "flag %.40s has no equivalent", f);
            xinetd_warn(x, m, why);
        }
    }
    return 0;
}

static int t_socket_type(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && strcmp(v, "stream") != 0 && strcmp(v, "dgram") != 0)
        return FAIL("socket_type %s is not supported (only stream and dgram)", v);
    return (x->s->socket_type = v) ? 0 : -1;
}

static int t_protocol(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && strcmp(v, "tcp") != 0 && strcmp(v, "udp") != 0)
        return FAIL("protocol %s is not supported (only tcp and udp)", v);
    return (x->s->proto = v) ? 0 : -1;
}

static int t_wait(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
        return FAIL("expected yes or no, not \"%s\"", v);
    x->s->wait = v && v[0] == 'y';
    return v ? 0 : -1;
}

static int t_disable(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && strcmp(v, "yes") != 0 && strcmp(v, "no") != 0)
        return FAIL("expected yes or no, not \"%s\"", v);
    if (v && v[0] == 'y')
        x->s->enabled = false;
    return v ? 0 : -1;
}

static int t_user(struct ctx *x, const struct merged *m)
{
    return (x->s->user = xinetd_one(x, m)) ? 0 : -1;
}

static int t_group(struct ctx *x, const struct merged *m)
{
    return (x->s->group = xinetd_one(x, m)) ? 0 : -1;
}

static int t_server(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && v[0] != '/')
        return FAIL("server \"%s\" is not an absolute path", v);
    return (x->s->exec = v) ? 0 : -1;
}

static int t_server_args(struct ctx *x, const struct merged *m)
{
    /* argv[0] is put in front by finish(); the values are the lines' own strings */
    for (size_t i = 0; i < m->l.n; i++)
        xinetd_list_push(x->mem, &x->s->args, m->l.v[i]);
    return 0;
}

static int t_port(struct ctx *x, const struct merged *m)
{
    long n = xinetd_count(x, m);

    if (n < 1 || n > 65535)
        return n < 0 ? -1 : FAIL("port %ld is out of range", n);
    x->s->port = (unsigned)n;
    return 0;
}

static int t_bind(struct ctx *x, const struct merged *m)
{
    unsigned char bin[sizeof(struct in6_addr)];
    const char *v = xinetd_one(x, m);
    char *text;

    if (v == NULL)
        return -1;
    if (inet_pton(AF_INET, v, bin) == 1) {
        x->s->bind = v;
        return 0;
    }
    if (inet_pton(AF_INET6, v, bin) != 1)
        return FAIL("bind address \"%s\" is not numeric (names are not resolved)", v);
    text = xinetd_alloc(x->mem, strlen(v) + 3, 1);
    sprintf(text, "[%s]", v);
    x->s->bind = text;
    return 0;
}

static int t_v6only(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && strcmp(v, "no") != 0)
        xinetd_warn(x, m, "superserver's \"*\" listener is dual-stack, and [::] takes no IPv4");
    return 0;
}

struct translator {
    const char *name;
    int (*fn)(struct ctx *x, const struct merged *m);
    const char *cannot; /* when fn is NULL: why it has no equivalent */
};

static const struct translator table[] = {
    {"id", t_id, NULL},
    {"type", t_type, NULL},
    {"flags", t_flags, NULL},
    {"socket_type", t_socket_type, NULL},
    {"protocol", t_protocol, NULL},
    {"wait", t_wait, NULL},
    {"disable", t_disable, NULL},
    {"user", t_user, NULL},
    {"group", t_group, NULL},
    {"server", t_server, NULL},
    {"server_args", t_server_args, NULL},
    {"port", t_port, NULL},
    {"bind", t_bind, NULL},
    {"interface", t_bind, NULL},
    {"only_from", xinetd_t_only_from, NULL},
    {"no_access", xinetd_t_no_access, NULL},
    {"instances", xinetd_t_instances, NULL},
    {"per_source", xinetd_t_per_source, NULL},
    {"cps", xinetd_t_cps, NULL},
    {"env", xinetd_t_env, NULL},
    {"passenv", xinetd_t_passenv, NULL},
    {"nice", xinetd_t_nice, NULL},
    {"umask", xinetd_t_umask, NULL},
    {"rlimit_as", xinetd_t_rlimit_as, NULL},
    {"rlimit_cpu", xinetd_t_rlimit_cpu, NULL},
    {"rlimit_files", xinetd_t_rlimit_files, NULL},
    {"log_type", xinetd_t_logs, NULL},
    {"log_on_success", xinetd_t_logs, NULL},
    {"log_on_failure", xinetd_t_logs, NULL},
    {"groups", xinetd_t_groups, NULL},
    {"rlimit_data", NULL,
     "superserver sets no data segment limit (rlimits: cpu, as, nofile, "
     "nproc, fsize, core)"},
    {"rlimit_rss", NULL, "superserver sets no resident set limit (Linux ignores it too)"},
    {"rlimit_stack", NULL, "superserver sets no stack limit"},
    {"access_times", NULL, "superserver has no time-of-day access control"},
    {"banner", NULL, "superserver writes no banners"},
    {"banner_success", NULL, "superserver writes no banners"},
    {"banner_fail", NULL, "superserver writes no banners"},
    {"redirect", NULL, "superserver does not forward connections (run a proxy as the handler)"},
    {"max_load", NULL, "superserver does not refuse by load average"},
    {"deny_time", NULL,
     "it bans the sources a SENSOR service catches, and superserver has no sensors; its "
     "ban refuses a source that exceeds the service's per_source_rate instead"},
    {"mdns", NULL, "superserver does not announce services"},
    {"libwrap", NULL, "superserver does not use libwrap (use allow and deny)"},
    {"v6only", t_v6only, NULL},
    {"rpc_version", NULL, "RPC services are not supported"},
    {"rpc_number", NULL, "RPC services are not supported"},
};

#define TABLE_LEN (sizeof(table) / sizeof(table[0]))

/* Exec for an INTERNAL service: the bundled handler of that name. */
static int internal_exec(struct ctx *x, const char *service)
{
    char *path;

    for (size_t i = 0; i < sizeof(internal_names) / sizeof(*internal_names); i++) {
        if (strcmp(service, internal_names[i]) != 0)
            continue;
        path = xinetd_alloc(x->mem, sizeof(HANDLER_DIR "/") + strlen(service), 1);
        sprintf(path, "%s/%s", HANDLER_DIR, service);
        x->s->exec = path;
        x->s->args.n = 0;
        return 0;
    }
    return FAIL("internal service \"%s\" has no bundled handler (only echo, discard, daytime, "
                "chargen and time)",
                service);
}

/* argv: server_args as is with NAMEINARGS, else the server's basename first, as xinetd does. */
static int make_args(struct ctx *x)
{
    struct xinetd_list args = {0};
    const char *slash = strrchr(x->s->exec, '/');

    if (x->s->nameinargs) {
        if (x->s->args.n == 0)
            return FAIL("NAMEINARGS without server_args");
        return 0;
    }
    xinetd_list_push(x->mem, &args, slash + 1);
    for (size_t i = 0; i < x->s->args.n; i++)
        xinetd_list_push(x->mem, &args, x->s->args.v[i]);
    x->s->args = args;
    return 0;
}

/* Port from /etc/services unless given; UNLISTED services must give it. */
static int resolve_port(struct ctx *x, const char *service)
{
    struct servent *se;

    if (x->s->port)
        return 0;
    if (x->s->unlisted)
        return FAIL("an UNLISTED service needs a port");
    se = getservbyname(service, x->s->proto);
    if (se == NULL)
        return FAIL("no port, and \"%s/%s\" is not in /etc/services", service, x->s->proto);
    x->s->port = ntohs((uint16_t)se->s_port);
    return 0;
}

/* What xinetd requires of every service, and the values derived from several. */
static int finish(struct ctx *x, const char *service)
{
    const char *want;

    if (x->s->socket_type == NULL)
        return FAIL("missing socket_type");
    want = strcmp(x->s->socket_type, "stream") == 0 ? "tcp" : "udp";
    if (x->s->proto && strcmp(x->s->proto, want) != 0)
        return FAIL("socket_type %s does not go with protocol %s", x->s->socket_type, x->s->proto);
    x->s->proto = want;
    if (find_attr(x, "wait") == NULL)
        return FAIL("missing wait");
    if (!x->s->wait && strcmp(x->s->proto, "udp") == 0)
        return FAIL("dgram with wait = no is not supported (udp services use wait = yes)");
    if (x->s->internal) {
        if (internal_exec(x, service) < 0)
            return -1;
    } else if (x->s->exec == NULL) {
        return FAIL("missing server");
    } else if (make_args(x) < 0) {
        return -1;
    }
    return resolve_port(x, service);
}

int xinetd_attrs_translate(struct ctx *x, const char *service, const struct merged **bad)
{
    for (size_t i = 0; i < x->n; i++) {
        size_t t;

        for (t = 0; t < TABLE_LEN && strcmp(table[t].name, x->m[i].name) != 0; t++)
            ;
        if (t == TABLE_LEN)
            xinetd_warn(x, &x->m[i], "unknown attribute");
        else if (table[t].fn == NULL)
            xinetd_warn(x, &x->m[i], table[t].cannot);
    }
    for (size_t t = 0; t < TABLE_LEN; t++) {
        const struct merged *m = table[t].fn ? find_attr(x, table[t].name) : NULL;

        if (m && table[t].fn(x, m) < 0) {
            *bad = m;
            return -1;
        }
    }
    return finish(x, service);
}
