/*
 * The translators of the attributes that shape or limit a handler once the
 * service is known to be expressible: access lists, counts and rate,
 * environment, nice, umask, rlimits, logging (see xinetd_attrs.h).
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "xinetd_attrs.h"

#define FAIL(...) xinetd_fail(x, __VA_ARGS__)

int xinetd_t_only_from(struct ctx *x, const struct merged *m)
{
    for (size_t i = 0; i < m->l.n; i++)
        if (xinetd_addr_cidrs(x->c, m->l.v[i], &x->s->allow, x->why) < 0)
            xinetd_warn(x, m, x->why); /* dropping a value of only_from only narrows it */
    if (x->s->allow.n == 0) {
        /* xinetd: an empty only_from admits nobody; superserver's empty allow admits all */
        xinetd_list_add(x->c, &x->s->deny, "0.0.0.0/0");
        xinetd_list_add(x->c, &x->s->deny, "::/0");
    }
    return 0;
}

int xinetd_t_no_access(struct ctx *x, const struct merged *m)
{
    for (size_t i = 0; i < m->l.n; i++)
        if (xinetd_addr_cidrs(x->c, m->l.v[i], &x->s->deny, x->why) < 0)
            return -1; /* dropping it would admit who xinetd refused */
    return 0;
}

int xinetd_t_instances(struct ctx *x, const struct merged *m)
{
    return (x->s->instances = xinetd_count(x, m)) < 0 ? -1 : 0;
}

int xinetd_t_per_source(struct ctx *x, const struct merged *m)
{
    return (x->s->per_source = xinetd_count(x, m)) < 0 ? -1 : 0;
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

int xinetd_t_env(struct ctx *x, const struct merged *m)
{
    for (size_t i = 0; i < m->l.n; i++) {
        const char *eq = strchr(m->l.v[i], '=');

        if (eq == NULL || eq == m->l.v[i])
            xinetd_warn(x, m, "a value is not NAME=VALUE");
        else
            xinetd_list_add(x->c, &x->s->env, m->l.v[i]);
    }
    return 0;
}

int xinetd_t_passenv(struct ctx *x, const struct merged *m)
{
    x->s->pass_env = m->l;
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
    text = xinetd_alloc(x->c, 24, 1);
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
