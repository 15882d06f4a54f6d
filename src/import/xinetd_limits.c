/*
 * The translators of the attributes that shape or limit a handler once the
 * service is known to be expressible: access lists, counts and rate,
 * environment, nice, umask, rlimits, logging (see xinetd_attrs.h).
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "strmap.h"
#include "xinetd_attrs.h"

#define FAIL(...) xinetd_fail(x, __VA_ARGS__)

/*
 * A stream service with wait = yes: its server accepts the connections, so
 * superserver never sees a peer to check (SPEC §3).  Its access lists cannot
 * be kept, and dropping them would admit whom xinetd's file keeps out: the
 * service is not translated.  A udp service keeps them: the daemon checks
 * the datagram that starts each handler.
 */
static bool server_accepts(const struct ctx *x)
{
    return x->s->wait && x->s->socket_type != NULL && strcmp(x->s->socket_type, "stream") == 0;
}

#define SERVER_ACCEPTS                                                                             \
    "with socket_type stream and wait = yes the server accepts the connections itself, so "        \
    "superserver sees no peer to check"

int xinetd_t_only_from(struct ctx *x, const struct merged *m)
{
    if (server_accepts(x))
        return FAIL("only_from cannot be kept: %s", SERVER_ACCEPTS);
    for (size_t i = 0; i < m->l.n; i++)
        if (xinetd_addr_cidrs(x->mem, m->l.v[i], &x->s->allow, x->why) < 0)
            xinetd_warn(x, m, x->why); /* dropping a value of only_from only narrows it */
    if (x->s->allow.n == 0) {
        /* xinetd: an empty only_from admits nobody; superserver's empty allow admits all */
        xinetd_list_add(x->mem, &x->s->deny, "0.0.0.0/0");
        xinetd_list_add(x->mem, &x->s->deny, "::/0");
    }
    return 0;
}

int xinetd_t_no_access(struct ctx *x, const struct merged *m)
{
    if (server_accepts(x))
        return FAIL("no_access cannot be kept: %s", SERVER_ACCEPTS);
    for (size_t i = 0; i < m->l.n; i++)
        if (xinetd_addr_cidrs(x->mem, m->l.v[i], &x->s->deny, x->why) < 0)
            return -1; /* dropping it would admit who xinetd refused */
    return 0;
}

int xinetd_t_instances(struct ctx *x, const struct merged *m)
{
    return (x->s->instances = xinetd_count(x, m)) < 0 ? -1 : 0;
}

int xinetd_t_per_source(struct ctx *x, const struct merged *m)
{
    long n = xinetd_count(x, m);

    if (n < 0)
        return -1;
    if (server_accepts(x) && n > 0) /* a limit, not access: named, and the rest translates */
        xinetd_warn(x, m, SERVER_ACCEPTS);
    else
        x->s->per_source = n;
    return 0;
}

int xinetd_t_cps(struct ctx *x, const struct merged *m)
{
    char *end;
    long n = m->l.n >= 1 ? strtol(m->l.v[0], &end, 10) : 0;

    if (m->l.n < 1 || m->l.n > 2 || n < 1 || n > INT_MAX || *end != '\0')
        return FAIL("expected \"connections-per-second [seconds-disabled]\"");
    x->s->cps = n;
    return 0;
}

/*
 * What env and passenv drop, named in one warning per attribute line (a
 * defaults line serves many services and is named once): each value with
 * its reason.
 */
struct drops {
    char text[XINETD_WHY_LEN];
    size_t len, more;
};

static void drop(struct drops *d, const char *value, const char *why)
{
    int n = snprintf(d->text + d->len, sizeof(d->text) - d->len, "%s\"%s\" (%s)",
                     d->len ? ", " : "", value, why);

    if (n < 0 || (size_t)n >= sizeof(d->text) - d->len - 16) { /* room for "and N more" */
        d->text[d->len] = '\0';
        d->more++;
        return;
    }
    d->len += (size_t)n;
}

static void warn_drops(struct ctx *x, const struct merged *m, struct drops *d)
{
    if (d->more)
        snprintf(d->text + d->len, sizeof(d->text) - d->len, " and %zu more", d->more);
    if (d->len || d->more)
        xinetd_warn(x, m, d->text);
}

/* The name part of "NAME=VALUE" (or all of a passenv value), in X's scratch. */
static const char *env_name(struct ctx *x, const char *value)
{
    const char *eq = strchr(value, '=');
    char *name = arena_strndup(&x->tmp, value, eq ? (size_t)(eq - value) : strlen(value));

    if (name == NULL)
        abort(); /* as xinetd_alloc */
    return name;
}

/*
 * Keep the values of M whose names the config accepts (config_env_name_ok),
 * the last one of each name (xinetd's rule: a later value wins), in their
 * order; name each drop.  ASSIGN: "NAME=VALUE" (env), else a bare name.
 */
static void env_values(struct ctx *x, const struct merged *m, bool assign, struct xinetd_list *out)
{
    struct strmap last = STRMAP_INIT;
    struct drops d = {.len = 0};
    const char **names = arena_calloc(&x->tmp, m->l.n ? m->l.n : 1, sizeof(*names));

    if (names == NULL)
        abort();
    for (size_t i = 0; i < m->l.n; i++) {
        const char *eq = strchr(m->l.v[i], '=');
        names[i] = assign && (eq == NULL || eq == m->l.v[i]) ? NULL : env_name(x, m->l.v[i]);
        if (names[i] != NULL && config_env_name_ok(names[i]) &&
            strmap_put(&last, names[i], (void *)&names[i]) < 0)
            abort();
    }
    for (size_t i = 0; i < m->l.n; i++) {
        if (names[i] == NULL)
            drop(&d, m->l.v[i], "not NAME=VALUE");
        else if (!config_env_name_ok(names[i]))
            drop(&d, m->l.v[i], "not a valid environment variable name");
        else if (strmap_get(&last, names[i]) != &names[i])
            drop(&d, m->l.v[i], assign ? "set again later: the last value wins" : "named twice");
        else
            xinetd_list_push(x->mem, out, m->l.v[i]);
    }
    strmap_free(&last);
    warn_drops(x, m, &d);
}

int xinetd_t_env(struct ctx *x, const struct merged *m)
{
    env_values(x, m, true, &x->s->env);
    return 0;
}

int xinetd_t_passenv(struct ctx *x, const struct merged *m)
{
    env_values(x, m, false, &x->s->pass_env);
    return 0;
}

int xinetd_t_nice(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);
    char *end;
    long n = v ? strtol(v, &end, 10) : 0;

    if (v == NULL || end == v || *end != '\0' || n < -20 || n > 19)
        xinetd_warn(x, m, "expected a number from -20 to 19");
    else
        x->s->nice = n;
    return 0;
}

int xinetd_t_umask(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v == NULL || strlen(v) > 4 || v[strspn(v, "01234567")] != '\0' || *v == '\0')
        xinetd_warn(x, m, "expected an octal number");
    else
        x->s->umask = v;
    return 0;
}

/* "UNLIMITED" or a number, with K or M (xinetd's suffixes) turned into bytes. */
static int rlimit(struct ctx *x, const struct merged *m, const char **out)
{
    const char *v = xinetd_one(x, m);
    char *end, *text;
    unsigned long long n;

    if (v && strcmp(v, "UNLIMITED") == 0) {
        *out = "unlimited";
        return 0;
    }
    if (v == NULL || !isdigit((unsigned char)*v))
        return v ? FAIL("\"%s\" is not a number or UNLIMITED", v) : -1;
    n = strtoull(v, &end, 10);
    if (*end == 'K' || *end == 'k')
        n *= 1024, end++;
    else if (*end == 'M' || *end == 'm')
        n *= 1024 * 1024, end++;
    if (*end != '\0' || n > (unsigned long long)LLONG_MAX / 2)
        return FAIL("\"%s\" is not a number (with K or M) or UNLIMITED", v);
    text = xinetd_alloc(x->mem, 24, 1);
    snprintf(text, 24, "%llu", n);
    *out = text;
    return 0;
}

int xinetd_t_rlimit_as(struct ctx *x, const struct merged *m)
{
    return rlimit(x, m, &x->s->rl_as);
}

int xinetd_t_rlimit_cpu(struct ctx *x, const struct merged *m)
{
    return rlimit(x, m, &x->s->rl_cpu);
}

int xinetd_t_rlimit_files(struct ctx *x, const struct merged *m)
{
    return rlimit(x, m, &x->s->rl_nofile);
}

/* log_on_*: superserver always logs; log_type: only "SYSLOG daemon" is where it logs. */
int xinetd_t_logs(struct ctx *x, const struct merged *m)
{
    x->s->logs = true;
    if (strcmp(m->name, "log_type") == 0 &&
        !(m->l.n >= 2 && strcmp(m->l.v[0], "SYSLOG") == 0 && strcmp(m->l.v[1], "daemon") == 0))
        xinetd_warn(x, m,
                    "superserver logs every service to one place, syslog facility daemon "
                    "(or stderr: superserverd -l), never to a file or facility of its own");
    return 0;
}

int xinetd_t_groups(struct ctx *x, const struct merged *m)
{
    const char *v = xinetd_one(x, m);

    if (v && strcmp(v, "yes") != 0)
        xinetd_warn(x, m, "superserver always gives a handler its user's groups (initgroups)");
    return 0;
}
