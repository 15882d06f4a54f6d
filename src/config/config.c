/*
 * Loading a configuration: the main file, its includes, the top-level keys,
 * and the checks that span services (unique names, colliding addresses).
 * One service's keys are config_schema.c's, the messages' shape
 * config_value.c's; this file owns the lifetime of the model (one arena,
 * freed by config_free).
 */
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_file.h"
#include "config_int.h"

/* Most files `include` may pull in, a bound for hostile globs. */
#define CONFIG_MAX_INCLUDES 1024
/* Most sources a service's table may track (its indices are 32-bit). */
#define CONFIG_MAX_SOURCES (1 << 24)

/* One parsed file's services list, in load order. */
struct svc_source {
    const struct cfgnode *services;
    struct svc_source *next;
};

/* Files already read (by device and inode), so none is read twice. */
struct seen_files {
    dev_t dev[CONFIG_MAX_INCLUDES + 1];
    ino_t ino[CONFIG_MAX_INCLUDES + 1];
    size_t n;
};

static int top_log_level(struct loader *ld, struct config *cfg, const struct cfgnode *n)
{
    if (n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_STRING) {
        if (strcmp(n->text, "info") == 0 || strcmp(n->text, "debug") == 0) {
            cfg->log_level = n->text[0] == 'd' ? CFG_LOG_DEBUG : CFG_LOG_INFO;
            return 0;
        }
    }
    return cv_fail(ld, n, n->key, "expected \"info\" or \"debug\"");
}

static int top_max_children(struct loader *ld, struct config *cfg, const struct cfgnode *n)
{
    if (n->type != CFGNODE_SCALAR || n->kind != CFGSCALAR_INT || n->ival < 1)
        return cv_fail(ld, n, n->key, "expected an integer >= 1");
    if (n->ival > 4294967295LL)
        return cv_fail(ld, n, n->key, "too large (at most 4294967295)");
    cfg->max_children = (unsigned)n->ival;
    return 0;
}

static int top_max_sources(struct loader *ld, struct config *cfg, const struct cfgnode *n)
{
    long long v = 0;

    if (cv_get_int(ld, n, n->key, 1, CONFIG_MAX_SOURCES, false, &v) < 0)
        return -1;
    cfg->max_sources = (unsigned)v;
    return 0;
}

static int top_log_peer(struct loader *ld, struct config *cfg, const struct cfgnode *n)
{
    int v = 0;

    if (cv_get_log_peer(ld, n, &v) < 0)
        return -1;
    cfg->log_peer = ld->log_peer = (enum addr_peer_form)v;
    return 0;
}

/* A list-valued top-level key; YAML's bare `key:` (null) counts as empty. */
static int want_list(struct loader *ld, const struct cfgnode *n, const char *what)
{
    if (n == NULL || n->type == CFGNODE_LIST)
        return 0;
    if (n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_NULL)
        return 0;
    return cv_fail(ld, n, n->key, "expected a list of %s, got %s", what, cfgnode_describe(n));
}

/* The keys a file's top level may hold: all of them in the main file, else `services`. */
static int check_top_keys(struct loader *ld, const struct cfgnode *root, bool main_file)
{
    static const char *const keys[] = {
        "include",       "log_level", "max_children", "max_sources", "log_peer", "control",
        "control_group", "defaults",  "services",     "inetd_conf",  NULL};

    if (root->type != CFGNODE_MAP)
        return cv_fail(ld, root, NULL, "expected a map of settings at the top, got %s",
                       cfgnode_describe(root));
    for (const struct cfgnode *it = root->first; it != NULL; it = it->next) {
        size_t i = 0;
        while (keys[i] != NULL && strcmp(keys[i], it->key) != 0)
            i++;
        if (keys[i] == NULL)
            return cv_fail(ld, it, it->key, "unknown key");
        if (!main_file && strcmp(it->key, "services") != 0)
            return cv_fail(ld, it, it->key, "an included file may only hold \"services\"");
    }
    return want_list(ld, cfgnode_get(root, "services"), "service maps");
}

/* Append ROOT's services to the load order. */
static int add_source(struct loader *ld, struct svc_source ***tail, const struct cfgnode *root)
{
    struct svc_source *src = arena_alloc(&ld->tmp, sizeof(*src));

    if (src == NULL)
        return cv_fail(ld, root, NULL, "out of memory");
    src->services = cfgnode_get(root, "services");
    **tail = src;
    *tail = &src->next;
    return 0;
}

/* Remember PATH's file; false when it was read already (or cannot be stat'ed). */
static bool first_visit(struct seen_files *seen, const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return true; /* let the read report why */
    for (size_t i = 0; i < seen->n; i++)
        if (seen->dev[i] == st.st_dev && seen->ino[i] == st.st_ino)
            return false;
    seen->dev[seen->n] = st.st_dev;
    seen->ino[seen->n] = st.st_ino;
    seen->n++;
    return true;
}

/* The directory of MAIN, escaped for glob, with a trailing slash ("" when none). */
static char *glob_dir(struct loader *ld, const char *main_path)
{
    const char *slash = strrchr(main_path, '/');
    size_t len = slash ? (size_t)(slash - main_path) + 1 : 0, j = 0;
    char *out = arena_alloc(&ld->tmp, len * 2 + 1);

    for (size_t i = 0; out != NULL && i < len; i++) {
        if (strchr("*?[\\", main_path[i]) != NULL)
            out[j++] = '\\';
        out[j++] = main_path[i];
    }
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read one included file and queue its services. */
static int include_file(struct loader *ld, struct svc_source ***tail, const char *path)
{
    const struct cfgnode *root =
        conf_parse_file(&ld->tmp, path, ld->privileged, ld->err, ld->errlen);

    if (root == NULL)
        return -1;
    if (check_top_keys(ld, root, false) < 0)
        return -1;
    return add_source(ld, tail, root);
}

/* One `include` pattern: its matches in byte order, each file once. */
static int include_pattern(struct loader *ld, struct svc_source ***tail, struct seen_files *seen,
                           const char *dir, const struct cfgnode *pat)
{
    glob_t g;
    char *full;
    int rc;

    if (pat->type != CFGNODE_SCALAR || pat->kind != CFGSCALAR_STRING || pat->text[0] == '\0')
        return cv_fail(ld, pat, "include", "expected a glob pattern string");
    full = arena_alloc(&ld->tmp, strlen(dir) + strlen(pat->text) + 1);
    if (full == NULL)
        return cv_fail(ld, pat, "include", "out of memory");
    sprintf(full, "%s%s", pat->text[0] == '/' ? "" : dir, pat->text);
    rc = glob(full, GLOB_NOSORT | GLOB_MARK, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return 0;
    if (rc != 0)
        return cv_fail(ld, pat, "include", "cannot expand \"%s\"", pat->text);
    qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
    rc = 0;
    for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
        const char *p = g.gl_pathv[i];
        if (p[strlen(p) - 1] == '/' || !first_visit(seen, p))
            continue;
        if (seen->n > CONFIG_MAX_INCLUDES)
            rc = cv_fail(ld, pat, "include", "too many files (over %d)", CONFIG_MAX_INCLUDES);
        else
            rc = include_file(ld, tail, p);
    }
    globfree(&g);
    return rc;
}

static int load_includes(struct loader *ld, struct svc_source ***tail, const char *main_path,
                         const struct cfgnode *inc)
{
    struct seen_files *seen = arena_alloc(&ld->tmp, sizeof(*seen));
    char *dir = glob_dir(ld, main_path);

    if (seen == NULL || dir == NULL)
        return cv_fail(ld, inc, "include", "out of memory");
    first_visit(seen, main_path);
    if (inc->type == CFGNODE_SCALAR)
        return include_pattern(ld, tail, seen, dir, inc);
    for (const struct cfgnode *p = inc->first; p != NULL; p = p->next)
        if (include_pattern(ld, tail, seen, dir, p) < 0)
            return -1;
    return 0;
}

/* The top level of the main file: settings, defaults, and the files to read. */
static int load_main(struct loader *ld, struct config *cfg, const struct cfgnode *root,
                     const char *path, struct svc_source **sources, const struct cfgnode **defaults)
{
    const struct cfgnode *n, *inc;
    struct svc_source **tail = sources;

    if (check_top_keys(ld, root, true) < 0)
        return -1;
    if ((n = cfgnode_get(root, "log_level")) != NULL && top_log_level(ld, cfg, n) < 0)
        return -1;
    if ((n = cfgnode_get(root, "max_children")) != NULL && top_max_children(ld, cfg, n) < 0)
        return -1;
    if ((n = cfgnode_get(root, "max_sources")) != NULL && top_max_sources(ld, cfg, n) < 0)
        return -1;
    if ((n = cfgnode_get(root, "log_peer")) != NULL && top_log_peer(ld, cfg, n) < 0)
        return -1;
    if (config_top_control(ld, cfg, root) < 0)
        return -1;
    if ((n = cfgnode_get(root, "inetd_conf")) != NULL && cv_get_path(ld, n, &cfg->inetd_conf) < 0)
        return -1;
    n = cfgnode_get(root, "defaults");
    if (n != NULL && n->type == CFGNODE_MAP) {
        *defaults = n;
        if (schema_check_defaults(ld, n) < 0)
            return -1;
    } else if (n != NULL && !(n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_NULL)) {
        return cv_fail(ld, n, n->key, "expected a map of service keys, got %s",
                       cfgnode_describe(n));
    }
    if (add_source(ld, &tail, root) < 0)
        return -1;
    inc = cfgnode_get(root, "include");
    if (inc == NULL || (inc->type == CFGNODE_SCALAR && inc->kind == CFGSCALAR_NULL))
        return 0;
    if (inc->type == CFGNODE_MAP)
        return cv_fail(ld, inc, "include", "expected a list of glob patterns, got a map");
    return load_includes(ld, &tail, path, inc);
}

/* Count the service entries of all sources. */
static size_t count_entries(const struct svc_source *src)
{
    size_t n = 0;

    for (; src != NULL; src = src->next)
        if (src->services != NULL && src->services->type == CFGNODE_LIST)
            n += src->services->count;
    return n;
}

/* The model's own copy of FILE (one per distinct file pointer in a row). */
static const char *intern_file(struct loader *ld, const char *file, const char **last_in,
                               const char **last_out)
{
    if (*last_in != file) {
        *last_in = file;
        *last_out = arena_strdup(ld->mem, file);
    }
    return *last_out;
}

/* Build every service entry, in load order. */
static int build_services(struct loader *ld, struct config *cfg, const struct svc_source *src,
                          const struct cfgnode *defaults, struct svc_origin **origins)
{
    size_t n = count_entries(src), i = 0;
    const char *last_in = NULL, *last_out = NULL;

    cfg->services = arena_calloc(ld->mem, n ? n : 1, sizeof(*cfg->services));
    *origins = arena_calloc(&ld->tmp, n ? n : 1, sizeof(**origins));
    if (cfg->services == NULL || *origins == NULL) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", cfg->path);
        return -1;
    }
    for (; src != NULL; src = src->next) {
        const struct cfgnode *e = src->services ? src->services->first : NULL;
        for (; e != NULL; e = e->next, i++) {
            ld->svc = NULL;
            if (e->type != CFGNODE_MAP)
                return cv_fail(ld, e, "services", "each service must be a map, got %s",
                               cfgnode_describe(e));
            if (schema_build_service(ld, e, defaults, &cfg->services[i], &(*origins)[i]) < 0)
                return -1;
            cfg->services[i].max_sources = cfg->max_sources;
            cfg->services[i].file = intern_file(ld, e->file, &last_in, &last_out);
            if (cfg->services[i].file == NULL)
                return cv_fail(ld, e, NULL, "out of memory");
            cfg->n_services = i + 1;
        }
    }
    return 0;
}

struct config *config_load(const char *path, const struct config_options *opts, char *err,
                           size_t errlen)
{
    struct config_box *box = calloc(1, sizeof(*box));
    struct loader ld = {.err = err, .errlen = errlen, .privileged = opts && opts->privileged};
    struct svc_source *sources = NULL;
    const struct cfgnode *root, *defaults = NULL;
    struct svc_origin *origins = NULL;
    int rc = -1;

    if (box == NULL) {
        snprintf(err, errlen, "%s: out of memory", path);
        return NULL;
    }
    ld.mem = &box->mem;
    box->cfg.log_level = CFG_LOG_INFO;
    box->cfg.max_children = 1024;
    box->cfg.max_sources = 65536;
    box->cfg.log_peer = ADDR_PEER_FULL;
    box->cfg.path = arena_strdup(ld.mem, path);
    root = conf_parse_file(&ld.tmp, path, ld.privileged, err, errlen);
    if (box->cfg.path == NULL)
        snprintf(err, errlen, "%s: out of memory", path);
    if (box->cfg.path != NULL && root != NULL &&
        load_main(&ld, &box->cfg, root, path, &sources, &defaults) == 0 &&
        build_services(&ld, &box->cfg, sources, defaults, &origins) == 0 &&
        config_check_unique(&ld, &box->cfg, origins) == 0 &&
        config_check_conflicts(&ld, &box->cfg, origins) == 0 &&
        config_inetd_load(&ld, &box->cfg, defaults, &origins) == 0)
        rc = 0;
    arena_free(&ld.tmp);
    if (rc == 0)
        return &box->cfg;
    if (errlen > 0)
        cv_one_line(err);
    config_free(&box->cfg);
    return NULL;
}

void config_free(struct config *cfg)
{
    struct config_box *box = (struct config_box *)cfg;

    if (box == NULL)
        return;
    arena_free(&box->mem);
    free(box);
}
