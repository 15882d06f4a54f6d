/*
 * The top-level key `inetd_conf`: a classic inetd.conf read as part of the
 * config.  Its lines are translated by conf_inetd.h (the translation
 * --import-inetd prints), each turned into the node tree a YAML service
 * would be (the keys --import-inetd writes, every node carrying the
 * inetd.conf file:line) and built by the same schema.  Nothing in that file
 * is fatal but being unreadable: a line that cannot be translated, a service
 * the schema refuses (an exec that is missing), a name or an address the
 * main config already has: each is a warning naming file:line, and skipped.
 * A missing file is an empty one (update-inetd may create it later).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_file.h"
#include "conf_inetd.h"
#include "config_int.h"

/* Most warnings one load keeps: a file of garbage must not fill the log. */
#define CONFIG_MAX_WARNINGS 100

static void add_warning(struct loader *ld, struct config *cfg, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void add_warning(struct loader *ld, struct config *cfg, const char *fmt, ...)
{
    char msg[1200];
    va_list ap;

    if (cfg->warnings == NULL)
        cfg->warnings = arena_calloc(ld->mem, CONFIG_MAX_WARNINGS + 1, sizeof(char *));
    if (cfg->warnings == NULL || cfg->n_warnings == CONFIG_MAX_WARNINGS)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (cfg->n_warnings == CONFIG_MAX_WARNINGS - 1)
        snprintf(msg, sizeof(msg), "%s: more warnings not shown", cfg->inetd_conf);
    for (char *p = msg; *p != '\0'; p++) /* one line, whatever the file holds */
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
    cfg->warnings[cfg->n_warnings] = arena_strdup(ld->mem, msg);
    if (cfg->warnings[cfg->n_warnings] != NULL)
        cfg->n_warnings++;
}

struct remark_ctx {
    struct loader *ld;
    struct config *cfg;
};

/* Untranslatable lines are warnings; notes are for --import-inetd's reader. */
static void on_remark(void *ctx, unsigned line, enum conf_inetd_remark kind, const char *text)
{
    struct remark_ctx *rc = ctx;

    if (kind == CONF_INETD_UNTRANSLATED)
        add_warning(rc->ld, rc->cfg, "%s:%u: cannot translate: %s; line skipped",
                    rc->cfg->inetd_conf, line, text);
}

/* MAP[KEY] = a scalar TEXT of KIND, on MAP's line. */
static int add_scalar(struct arena *a, struct cfgnode *map, const char *key,
                      enum cfgscalar_kind kind, const char *text)
{
    struct cfgnode *v = cfgnode_new_scalar(a, kind, text, strlen(text), map->file, map->line);
    bool dup;

    return v != NULL ? cfgnode_map_add(a, map, key, map->line, v, &dup) : -1;
}

/* The node tree of S, with the keys --import-inetd writes for it. */
static struct cfgnode *svc_tree(struct arena *a, const char *file, const struct conf_inetd_svc *s)
{
    struct cfgnode *map = cfgnode_new(a, CFGNODE_MAP, file, (int)s->line), *args;
    char num[32];
    bool dup;
    int rc;

    if (map == NULL || (args = cfgnode_new(a, CFGNODE_LIST, file, (int)s->line)) == NULL)
        return NULL;
    rc = add_scalar(a, map, "name", CFGSCALAR_STRING, s->name) |
         add_scalar(a, map, "listen", CFGSCALAR_STRING, s->listen.text) |
         add_scalar(a, map, "protocol", CFGSCALAR_STRING, s->proto) |
         add_scalar(a, map, "mode", CFGSCALAR_STRING, s->wait ? "wait" : "nowait") |
         add_scalar(a, map, "user", CFGSCALAR_STRING, s->user) |
         add_scalar(a, map, "exec", CFGSCALAR_STRING, s->exec);
    if (s->group)
        rc |= add_scalar(a, map, "group", CFGSCALAR_STRING, s->group);
    if (s->rate) {
        snprintf(num, sizeof(num), "%u/60", s->rate);
        rc |= add_scalar(a, map, "rate", CFGSCALAR_STRING, num);
    }
    if (s->instances) {
        snprintf(num, sizeof(num), "%u", s->instances);
        rc |= add_scalar(a, map, "instances", CFGSCALAR_INT, num);
    }
    if (s->per_source) {
        snprintf(num, sizeof(num), "%u", s->per_source);
        rc |= add_scalar(a, map, "per_source", CFGSCALAR_INT, num);
    }
    for (size_t i = 0; rc == 0 && i < s->n_args; i++) {
        struct cfgnode *v = cfgnode_new_scalar(a, CFGSCALAR_STRING, s->args[i], strlen(s->args[i]),
                                               file, (int)s->line);
        if (v == NULL)
            return NULL;
        cfgnode_list_append(args, v);
    }
    if (rc != 0 || cfgnode_map_add(a, map, "args", (int)s->line, args, &dup) < 0)
        return NULL;
    return map;
}

/* Read the file into L, in the loader's scratch arena.  1: read (maybe
 * empty); 0: missing (a warning); -1: unreadable, too big, untrusted by a
 * root daemon (its lines run programs as root, as the main file's do), or
 * out of memory (the config's error). */
static int read_file(struct loader *ld, struct config *cfg, struct conf_inetd_list *l)
{
    const char *path = cfg->inetd_conf;
    struct remark_ctx ctx = {ld, cfg};
    struct stat st;
    size_t len = 0;
    char *text = conf_read_file(&ld->tmp, path, ld->privileged ? "an inetd_conf file" : NULL, &st,
                                &len, ld->err, ld->errlen);

    if (text == NULL && errno == ENOENT) {
        add_warning(ld, cfg, "%s: does not exist: no inetd.conf services", path);
        return 0;
    }
    if (text == NULL)
        return -1;
    if (conf_inetd_read(&ld->tmp, text, len, l, on_remark, &ctx) < 0) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", path);
        return -1;
    }
    return 1;
}

/* The line a warning names ("PATH:LINE: ..."), or UINT_MAX for none. */
static unsigned long warning_line(const char *w, size_t pathlen)
{
    char *end;
    unsigned long line;

    if (w[pathlen] != ':' || !isdigit((unsigned char)w[pathlen + 1]))
        return ULONG_MAX;
    line = strtoul(w + pathlen + 1, &end, 10);
    return *end == ':' ? line : ULONG_MAX;
}

static int cmp_warning(const void *a, const void *b, void *pathlen)
{
    unsigned long x = warning_line(*(char *const *)a, *(size_t *)pathlen);
    unsigned long y = warning_line(*(char *const *)b, *(size_t *)pathlen);

    return x < y ? -1 : x > y;
}

/* Translation warnings come first, the schema's later: show them in line order. */
static void sort_warnings(struct config *cfg)
{
    size_t pathlen = strlen(cfg->inetd_conf);

    if (cfg->n_warnings > 1)
        qsort_r(cfg->warnings, cfg->n_warnings, sizeof(char *), cmp_warning, &pathlen);
}

/* Drop service I (an inetd one) after a check named it in ld->err. */
static void drop_service(struct loader *ld, struct config *cfg, struct svc_origin *origins,
                         size_t i)
{
    add_warning(ld, cfg, "%s; line skipped", ld->err);
    memmove(&cfg->services[i], &cfg->services[i + 1],
            (cfg->n_services - i - 1) * sizeof(*cfg->services));
    memmove(&origins[i], &origins[i + 1], (cfg->n_services - i - 1) * sizeof(*origins));
    cfg->n_services--;
}

/* The inetd service (index FIRST on) a failed check named, or (size_t)-1. */
static size_t named_service(const struct loader *ld, const struct config *cfg, size_t first)
{
    for (size_t i = first; ld->svc != NULL && i < cfg->n_services; i++)
        if (strcmp(cfg->services[i].name, ld->svc) == 0)
            return i;
    return (size_t)-1;
}

/*
 * The main config's services stand; each inetd one whose name or address
 * collides with one of them is skipped.  Both checks blame the later
 * service in load order, and the main services were checked already, so
 * the one named is an inetd service: each round drops one.
 */
static int drop_collisions(struct loader *ld, struct config *cfg, struct svc_origin *origins,
                           size_t first)
{
    for (size_t round = 0; round <= cfg->n_services; round++) {
        size_t i;
        if (config_check_unique(ld, cfg, origins) == 0 &&
            config_check_conflicts(ld, cfg, origins) == 0)
            return 0;
        if ((i = named_service(ld, cfg, first)) == (size_t)-1)
            return -1; /* not an inetd service: cannot happen, but then it is an error */
        drop_service(ld, cfg, origins, i);
    }
    return -1;
}

int config_inetd_load(struct loader *ld, struct config *cfg, const struct cfgnode *defaults,
                      struct svc_origin **origins)
{
    struct conf_inetd_list l = {0};
    size_t first = cfg->n_services, k = first;
    struct service *all;
    struct svc_origin *orig;
    int rc = cfg->inetd_conf != NULL ? read_file(ld, cfg, &l) : 0;

    if (rc <= 0 || l.n == 0)
        return rc < 0 ? -1 : 0;
    all = arena_calloc(ld->mem, first + l.n, sizeof(*all));
    orig = arena_calloc(&ld->tmp, first + l.n, sizeof(*orig));
    if (all == NULL || orig == NULL) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", cfg->inetd_conf);
        return -1;
    }
    memcpy(all, cfg->services, first * sizeof(*all));
    memcpy(orig, *origins, first * sizeof(*orig));
    cfg->services = all;
    *origins = orig;
    for (size_t i = 0; i < l.n; i++) {
        const struct cfgnode *e = svc_tree(&ld->tmp, cfg->inetd_conf, l.v[i]);
        if (e == NULL) {
            snprintf(ld->err, ld->errlen, "%s: out of memory", cfg->inetd_conf);
            return -1;
        }
        if (schema_build_service(ld, e, defaults, &all[k], &orig[k]) < 0) {
            add_warning(ld, cfg, "%s; line skipped", ld->err);
            continue;
        }
        all[k].max_sources = cfg->max_sources;
        all[k].file = cfg->inetd_conf; /* the model's copy */
        cfg->n_services = ++k;
    }
    rc = drop_collisions(ld, cfg, orig, first);
    sort_warnings(cfg);
    return rc;
}
