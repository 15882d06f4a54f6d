/*
 * --import-xinetd (see xinetd_import.h): read the files (xinetd_parse.c),
 * fold the defaults, translate each service block (xinetd_svc.c), give the
 * services unique names and write the YAML.  Nothing reaches OUT unless at
 * least one service was translated.
 */
#include <ctype.h>
#include <string.h>

#include "xinetd_import.h"
#include "xinetd_svc.h"
#include "yaml_out.h"

struct svc_list {
    struct xinetd_svc **v;
    size_t n;
};

static bool listed(const struct xinetd_list *l, const char *a, const char *b)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i], a) == 0 || (b && strcmp(l->v[i], b) == 0))
            return true;
    return false;
}

static bool name_taken(const struct svc_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i]->name, name) == 0)
            return true;
    return false;
}

/* A name the config accepts ([A-Za-z0-9_.-]+), unique: else with the
 * protocol, else numbered. */
static void unique_name(struct xinetd_conf *c, const struct svc_list *l, struct xinetd_svc *s)
{
    size_t len = strlen(s->name) + 16;
    char *name = xinetd_alloc(c, len, 1), *p;

    strcpy(name, s->name);
    for (p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
    if (name_taken(l, name))
        snprintf(name + strlen(name), 16, "-%s", s->proto);
    p = name + strlen(name);
    for (unsigned n = 2; name_taken(l, name) && n < 100000; n++)
        snprintf(p, 16, "-%u", n);
    s->name = name;
}

/* The earlier service S repeats (same protocol, port and address), or NULL.
 * Debian's xinetd.d ships echo-dgram twice ("echo" and "echo-udp"); xinetd
 * keeps the first, and superserver would refuse the pair. */
static const struct xinetd_svc *repeats(const struct svc_list *l, const struct xinetd_svc *s)
{
    for (size_t i = 0; i < l->n; i++) {
        const struct xinetd_svc *e = l->v[i];

        if (e->port == s->port && strcmp(e->proto, s->proto) == 0 &&
            (e->bind == s->bind || (e->bind && s->bind && strcmp(e->bind, s->bind) == 0)) &&
            e->family == s->family)
            return e;
    }
    return NULL;
}

static void add(struct xinetd_conf *c, struct svc_list *l, struct xinetd_svc *s)
{
    struct xinetd_svc **v = xinetd_alloc(c, l->n + 1, sizeof(*v));

    if (l->n)
        memcpy(v, l->v, l->n * sizeof(*v));
    v[l->n++] = s;
    l->v = v;
}

static void translate(struct xinetd_conf *c, struct svc_list *l, FILE *err)
{
    struct xinetd_defaults d = {0};

    xinetd_defaults_collect(c, &d, err);
    for (struct xinetd_block *b = c->blocks; b; b = b->next) {
        struct xinetd_svc *s;

        if (b->defaults)
            continue;
        const struct xinetd_svc *e;

        s = xinetd_alloc(c, 1, sizeof(*s));
        if (xinetd_svc_translate(c, &d, b, s, err) < 0)
            continue;
        if ((e = repeats(l, s)) != NULL) {
            fprintf(err,
                    "superserverd: %s:%u: service \"%s\": skipped: %s port %u is already "
                    "service \"%s\" (%s:%u)\n",
                    s->file, s->line, s->name, s->proto, s->port, e->name, e->file, e->line);
            continue;
        }
        /* defaults' "enabled" names the only services that run, "disabled" some that do not */
        if (listed(&d.disabled, s->name, b->name) ||
            (d.has_enabled && !listed(&d.enabled, s->name, b->name)))
            s->enabled = false;
        unique_name(c, l, s);
        add(c, l, s);
    }
}

int xinetd_import(const char *path, FILE *out, FILE *err)
{
    struct xinetd_conf c = {0};
    struct svc_list l = {0};
    int rc = 1;

    if (xinetd_parse(path, &c, err) == 0)
        translate(&c, &l, err);
    if (l.n == 0) {
        fprintf(err, "superserverd: %s: no service could be translated\n", path);
    } else {
        fprintf(out, "# superserver configuration translated from ");
        yaml_comment(out, path);
        fprintf(out, "\n# by superserverd --import-xinetd; \"# FILE:LINE\" names each service's "
                     "block.\nservices:\n");
        for (size_t i = 0; i < l.n; i++)
            xinetd_svc_emit(out, l.v[i]);
        rc = 0;
    }
    xinetd_conf_free(&c);
    return rc;
}
