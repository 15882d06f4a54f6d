/*
 * --import-xinetd (see xinetd_import.h): read the files (xinetd_parse.c),
 * fold the defaults, translate each service block (xinetd_svc.c), give the
 * services unique names and write each as YAML at once.  Nothing reaches
 * OUT unless at least one service was translated.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "xinetd_import.h"
#include "xinetd_svc.h"
#include "yaml_out.h"

/* A service already written: what a later one on its address is told. */
struct written {
    const char *name, *file;
    unsigned line;
};

/* What the services written so far leave for the next ones: the look-ups
 * that must stay O(1) however many blocks a file holds.  Each service is
 * written as soon as it is translated, and its memory freed: only these
 * stay. */
struct svc_list {
    size_t n;
    struct strmap names;     /* name -> its struct written */
    struct strmap numbered;  /* a name taken twice -> the next number to try after it */
    struct strmap endpoints; /* "proto port bind family" -> the first service there */
};

/* The names a defaults "enabled" or "disabled" list holds, as a set. */
static void name_set(const struct xinetd_list *l, struct strmap *set)
{
    for (size_t i = 0; i < l->n; i++)
        if (strmap_put(set, l->v[i], l->v[i]) < 0)
            abort(); /* as xinetd_alloc */
}

static bool listed(const struct strmap *set, const char *a, const char *b)
{
    return strmap_get(set, a) != NULL || (b && strmap_get(set, b) != NULL);
}

static bool name_taken(const struct svc_list *l, const char *name)
{
    return strmap_get(&l->names, name) != NULL;
}

/* A name the config accepts ([A-Za-z0-9_.-]+), unique: else with the
 * protocol, else numbered.  Made in C's arena: it outlives the service. */
static void unique_name(struct xinetd_conf *c, struct svc_list *l, struct xinetd_svc *s)
{
    size_t len = strlen(s->name) + 16;
    char *name = xinetd_alloc(&c->arena, len, 1), *p;

    strcpy(name, s->name);
    for (p = name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
    if (name_taken(l, name))
        snprintf(name + strlen(name), 16, "-%s", s->proto);
    if (name_taken(l, name)) {
        /* numbered from where the last one of this name stopped: linear in all */
        unsigned *next = strmap_get(&l->numbered, name);
        if (next == NULL) {
            next = xinetd_alloc(&c->arena, 1, sizeof(*next));
            *next = 2;
            if (strmap_put(&l->numbered, xinetd_strdup(&c->arena, name), next) < 0)
                abort(); /* as xinetd_alloc */
        }
        p = name + strlen(name);
        do
            snprintf(p, 16, "-%u", (*next)++);
        while (name_taken(l, name));
    }
    s->name = name;
}

/* Where S listens, as one string in A: two services there would collide. */
static const char *endpoint(struct arena *a, const struct xinetd_svc *s)
{
    size_t len = strlen(s->proto) + (s->bind ? strlen(s->bind) : 1) + 32;
    char *key = xinetd_alloc(a, len, 1);

    snprintf(key, len, "%s %u %s %d", s->proto, s->port, s->bind ? s->bind : "-", s->family);
    return key;
}

/* Write S (the header first, before the first service), and remember its
 * name and address. */
static void write_service(struct xinetd_conf *c, struct svc_list *l, const struct xinetd_svc *s,
                          const char *at, const char *path, FILE *out)
{
    struct written *w = xinetd_alloc(&c->arena, 1, sizeof(*w));

    if (l->n++ == 0) {
        fprintf(out, "# superserver configuration translated from ");
        yaml_comment(out, path);
        fprintf(out, "\n# by superserverd --import-xinetd; \"# FILE:LINE\" names each service's "
                     "block.\nservices:\n");
    }
    xinetd_svc_emit(out, s);
    *w = (struct written){s->name, s->file, s->line}; /* both in C's arena */
    if (strmap_put(&l->names, s->name, w) < 0 ||
        strmap_put(&l->endpoints, xinetd_strdup(&c->arena, at), w) < 0)
        abort(); /* as xinetd_alloc */
}

/* Translate, check and write one service block; its memory is MEM's. */
static void one_service(struct xinetd_conf *c, const struct xinetd_defaults *d,
                        const struct strmap *enabled, const struct strmap *disabled,
                        const struct xinetd_block *b, struct svc_list *l, struct arena *mem,
                        const char *path, FILE *out, FILE *err)
{
    struct xinetd_svc *s = xinetd_alloc(mem, 1, sizeof(*s));
    const struct written *e;
    const char *at;

    if (xinetd_svc_translate(d, b, s, mem, err) < 0)
        return;
    /* Debian's xinetd.d ships echo-dgram twice ("echo" and "echo-udp"):
     * xinetd keeps the first, and superserver would refuse the pair. */
    at = endpoint(mem, s);
    if ((e = strmap_get(&l->endpoints, at)) != NULL) {
        fprintf(err,
                "superserverd: %s:%u: service \"%s\": skipped: %s port %u is already "
                "service \"%s\" (%s:%u)\n",
                s->file, s->line, s->name, s->proto, s->port, e->name, e->file, e->line);
        return;
    }
    /* defaults' "enabled" names the only services that run, "disabled" some that do not */
    if (listed(disabled, s->name, b->name) ||
        (d->has_enabled && !listed(enabled, s->name, b->name)))
        s->enabled = false;
    unique_name(c, l, s);
    write_service(c, l, s, at, path, out);
}

static void translate(struct xinetd_conf *c, struct svc_list *l, const char *path, FILE *out,
                      FILE *err)
{
    struct xinetd_defaults d = {0};
    struct strmap enabled = STRMAP_INIT, disabled = STRMAP_INIT;

    xinetd_defaults_collect(c, &d, err);
    name_set(&d.enabled, &enabled);
    name_set(&d.disabled, &disabled);
    for (struct xinetd_block *b = c->blocks; b; b = b->next) {
        struct arena mem = ARENA_INIT;

        if (b->defaults)
            continue;
        one_service(c, &d, &enabled, &disabled, b, l, &mem, path, out, err);
        arena_free(&mem);
    }
    strmap_free(&enabled);
    strmap_free(&disabled);
}

int xinetd_import(const char *path, FILE *out, FILE *err)
{
    struct xinetd_conf c = {0};
    struct svc_list l = {.names = STRMAP_INIT, .numbered = STRMAP_INIT, .endpoints = STRMAP_INIT};

    if (xinetd_parse(path, &c, err) == 0) { /* else the one line that says why is out */
        translate(&c, &l, path, out, err);
        if (l.n == 0)
            fprintf(err, "superserverd: %s: no service could be translated\n", path);
    }
    strmap_free(&l.names);
    strmap_free(&l.numbered);
    strmap_free(&l.endpoints);
    xinetd_conf_free(&c);
    return l.n == 0 ? 1 : 0;
}
