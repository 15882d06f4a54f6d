/*
 * One xinetd service into superserver values (see xinetd_svc.h).  The
 * block's attributes are first folded over the inheritable defaults into
 * one value list per attribute name ("=" replaces, "+=" adds, "-=" removes),
 * then each attribute has its own small translator in the table below.  An
 * attribute superserver cannot express is a warning naming file:line; one
 * without which the service would mean something else (a hostname in
 * no_access, an RPC service) makes the whole service untranslatable.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "strmap.h"
#include "xinetd_addr.h"
#include "xinetd_attrs.h"
#include "xinetd_svc.h"
#include "yaml_out.h"

/* What the defaults section may set (xinetd.conf(5)). */
static const char *const inheritable[] = {
    "log_type",    "bind",      "per_source", "umask",     "log_on_success", "log_on_failure",
    "only_from",   "no_access", "passenv",    "instances", "banner",         "banner_success",
    "banner_fail", "groups",    "cps",        "max_load",  "v6only"};

static bool in(const char *name, const char *const *set, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, set[i]) == 0)
            return true;
    return false;
}

/* Remove from L every value of A (a "-=" line): by hash, so a long list
 * minus a long line stays linear. */
static void remove_values(struct xinetd_list *l, const struct xinetd_attr *a)
{
    struct strmap gone = STRMAP_INIT;
    size_t k = 0;

    for (size_t i = 0; i < a->n; i++)
        if (strmap_put(&gone, a->v[i], a->v[i]) < 0)
            abort(); /* as xinetd_alloc */
    for (size_t j = 0; j < l->n; j++)
        if (strmap_get(&gone, l->v[j]) == NULL)
            l->v[k++] = l->v[j];
    l->n = k;
    strmap_free(&gone);
}

/* Apply one "name OP values" to the merged list. */
static int fold(struct ctx *x, struct xinetd_attr *a)
{
    struct merged *m = find_attr(x, a->name);

    if (m == NULL) {
        if (x->n == XINETD_MAX_ATTRS)
            return -1;
        m = &x->m[x->n++];
        m->name = a->name;
    }
    m->src = a;
    if (a->op == XOP_SET)
        m->l.n = 0;
    if (a->op == XOP_DEL) {
        remove_values(&m->l, a);
        return 0;
    }
    for (size_t i = 0; i < a->n; i++)
        xinetd_list_push(&x->tmp, &m->l, a->v[i]);
    return 0;
}

void xinetd_defaults_collect(struct xinetd_conf *c, struct xinetd_defaults *d, FILE *err)
{
    struct xinetd_attr **tail = &d->attrs;

    for (struct xinetd_block *b = c->blocks; b; b = b->next) {
        if (!b->defaults)
            continue;
        for (struct xinetd_attr *a = b->attrs; a; a = a->next) {
            bool en = strcmp(a->name, "enabled") == 0;

            if (en || strcmp(a->name, "disabled") == 0) {
                struct xinetd_list *l = en ? &d->enabled : &d->disabled;

                d->has_enabled |= en;
                for (size_t i = 0; i < a->n; i++)
                    xinetd_list_push(&c->arena, l, a->v[i]);
            } else if (in(a->name, inheritable, sizeof(inheritable) / sizeof(*inheritable))) {
                struct xinetd_attr *copy = xinetd_alloc(&c->arena, 1, sizeof(*copy));

                *copy = *a;
                copy->next = NULL;
                copy->op = a->op == XOP_SET ? XOP_ADD : a->op; /* cumulative in defaults */
                *tail = copy;
                tail = &copy->next;
            } else {
                fprintf(err,
                        "superserverd: %s:%u: defaults: attribute \"%s\": not translated: "
                        "it has no meaning in defaults for superserver\n",
                        a->file, a->line, a->name);
            }
        }
    }
}

int xinetd_svc_translate(const struct xinetd_defaults *d, const struct xinetd_block *b,
                         struct xinetd_svc *s, struct arena *mem, FILE *err)
{
    struct ctx *x = calloc(1, sizeof(*x)); /* per service, not kept: not in the arena */
    const struct merged *bad = NULL;
    int rc = 0;

    if (x == NULL)
        abort(); /* as xinetd_alloc */

    x->mem = mem;
    x->s = s;
    x->err = err;
    s->file = b->file;
    s->line = b->line;
    s->name = b->name;
    s->enabled = true;
    s->instances = s->per_source = s->cps = -1;
    s->nice = LONG_MIN;
    for (struct xinetd_attr *a = d->attrs; a && rc == 0; a = a->next)
        rc = fold(x, a);
    for (struct xinetd_attr *a = b->attrs; a && rc == 0; a = a->next)
        rc = fold(x, a);
    if (rc < 0)
        snprintf(x->why, sizeof(x->why), "more than %d different attributes", XINETD_MAX_ATTRS);
    else
        rc = xinetd_attrs_translate(x, b->name, &bad);
    if (rc < 0)
        fprintf(err, "superserverd: %s:%u: service \"%s\": cannot translate: %s\n",
                bad ? bad->src->file : b->file, bad ? bad->src->line : b->line, s->name, x->why);
    arena_free(&x->tmp);
    free(x);
    return rc;
}

static void key(FILE *out, const char *name, const char *value)
{
    fprintf(out, "    %s: ", name);
    yaml_scalar(out, value);
    fputc('\n', out);
}

static void list(FILE *out, const char *name, const struct xinetd_list *l)
{
    if (l->n == 0)
        return;
    fprintf(out, "    %s:\n", name);
    for (size_t i = 0; i < l->n; i++) {
        fprintf(out, "      - ");
        yaml_scalar(out, l->v[i]);
        fputc('\n', out);
    }
}

static void env_map(FILE *out, const struct xinetd_list *l)
{
    if (l->n == 0)
        return;
    fprintf(out, "    env:\n");
    for (size_t i = 0; i < l->n; i++) {
        const char *eq = strchr(l->v[i], '=');

        /* a valid name (xinetd_t_env) needs no escaping, whatever its length */
        fprintf(out, "      \"%.*s\": ", (int)(eq - l->v[i]), l->v[i]);
        yaml_scalar(out, eq + 1);
        fputc('\n', out);
    }
}

static void emit_limits(FILE *out, const struct xinetd_svc *s)
{
    if (s->instances >= 0)
        fprintf(out, "    instances: %ld\n", s->instances);
    if (s->per_source >= 0)
        fprintf(out, "    per_source: %ld\n", s->per_source);
    if (s->cps > 0) {
        fprintf(out,
                "    # cps: at most %ld connections a second; xinetd would then disable the "
                "service\n    # for a while, superserver never disables it (excess "
                "connections are refused)\n",
                s->cps);
        fprintf(out, "    rate: \"%ld/1\"\n", s->cps);
    }
    if (s->nice != LONG_MIN)
        fprintf(out, "    nice: %ld\n", s->nice);
    if (s->umask)
        key(out, "umask", s->umask);
    if (s->rl_cpu || s->rl_as || s->rl_nofile) {
        fprintf(out, "    rlimits:\n");
        if (s->rl_cpu)
            fprintf(out, "      cpu: %s\n", s->rl_cpu);
        if (s->rl_as)
            fprintf(out, "      as: %s\n", s->rl_as);
        if (s->rl_nofile)
            fprintf(out, "      nofile: %s\n", s->rl_nofile);
    }
}

void xinetd_svc_emit(FILE *out, const struct xinetd_svc *s)
{
    char listen[64];
    const char *host = s->bind                 ? s->bind
                       : s->family == AF_INET6 ? "*" /* xinetd's IPv6 sockets take IPv4 too */
                                               : "0.0.0.0";

    fprintf(out, "  # ");
    yaml_comment(out, s->file);
    fprintf(out, ":%u\n  - name: ", s->line);
    yaml_scalar(out, s->name);
    fputc('\n', out);
    if (!s->enabled)
        fprintf(out, "    enabled: false\n");
    snprintf(listen, sizeof(listen), "%s:%u", host, s->port);
    key(out, "listen", listen);
    key(out, "protocol", s->proto);
    key(out, "mode", s->wait ? "wait" : "nowait");
    if (s->user)
        key(out, "user", s->user);
    if (s->group)
        key(out, "group", s->group);
    key(out, "exec", s->exec);
    list(out, "args", &s->args);
    env_map(out, &s->env);
    list(out, "pass_env", &s->pass_env);
    emit_limits(out, s);
    list(out, "allow", &s->allow);
    list(out, "deny", &s->deny);
    if (s->nodelay)
        fprintf(out, "    nodelay: true\n");
    if (s->keepalive)
        fprintf(out, "    keepalive: true\n");
    if (s->logs)
        fprintf(out, "    # log_on_success/log_on_failure: superserver always logs each start "
                     "(pid, peer),\n    # exit (status, duration) and refusal (reason)\n");
}
