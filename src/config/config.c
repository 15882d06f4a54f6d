/*
 * Loading a configuration: the main file, the top-level keys, each
 * service in load order, then the checks that span services (unique names,
 * colliding addresses).  Included files are config_include.c's, one
 * service's keys config_schema.c's, the messages' shape config_value.c's
 * and the errors kept for -t config_errors.c's; this file owns the
 * lifetime of the model (one arena, freed by config_free).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_file.h"
#include "config_int.h"

/* Most sources a service's table may track (its indices are 32-bit). */
#define CONFIG_MAX_SOURCES (1 << 24)

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

/* The keys a file's top level may hold: all of them in the main file, else `services`.
 * Every key is checked (-1 when any is wrong); -2 when the top is not a map at all. */
int config_check_top_keys(struct loader *ld, const struct cfgnode *root, bool main_file)
{
    static const char *const keys[] = {"include",  "log_level", "max_children",  "max_sources",
                                       "log_peer", "control",   "control_group", "defaults",
                                       "services", "inetd_conf"};
    static const char *const included[] = {"services"};
    const size_t n_keys = sizeof(keys) / sizeof(keys[0]);
    int rc = 0;

    if (root->type != CFGNODE_MAP) {
        cv_fail(ld, root, NULL, "expected a map of settings at the top, got %s",
                cfgnode_describe(root));
        return -2;
    }
    for (const struct cfgnode *it = root->first; it != NULL; it = it->next) {
        size_t i = 0;
        while (i < n_keys && strcmp(keys[i], it->key) != 0)
            i++;
        if (i == n_keys)
            rc = main_file ? cv_fail_unknown_key(ld, it, keys, n_keys)
                           : cv_fail_unknown_key(ld, it, included, 1);
        else if (!main_file && strcmp(it->key, "services") != 0)
            rc = cv_fail(ld, it, it->key, "an included file may only hold \"services\"");
    }
    if (want_list(ld, cfgnode_get(root, "services"), "service maps") < 0)
        rc = -1;
    return rc;
}

int config_add_source(struct loader *ld, struct svc_source ***tail, const struct cfgnode *root)
{
    struct svc_source *src = arena_alloc(&ld->tmp, sizeof(*src));

    if (src == NULL)
        return cv_fail(ld, root, NULL, "out of memory");
    src->services = cfgnode_get(root, "services");
    **tail = src;
    *tail = &src->next;
    return 0;
}

/* The main file's settings; each is checked whatever the others hold (-1 when any is wrong). */
static int top_settings(struct loader *ld, struct config *cfg, const struct cfgnode *root)
{
    const struct cfgnode *n;
    int rc = 0;

    if ((n = cfgnode_get(root, "log_level")) != NULL && top_log_level(ld, cfg, n) < 0)
        rc = -1;
    if ((n = cfgnode_get(root, "max_children")) != NULL && top_max_children(ld, cfg, n) < 0)
        rc = -1;
    if ((n = cfgnode_get(root, "max_sources")) != NULL && top_max_sources(ld, cfg, n) < 0)
        rc = -1;
    if ((n = cfgnode_get(root, "log_peer")) != NULL && top_log_peer(ld, cfg, n) < 0)
        rc = -1;
    if (config_top_control(ld, cfg, root) < 0)
        rc = -1;
    if ((n = cfgnode_get(root, "inetd_conf")) != NULL && cv_get_path(ld, n, &cfg->inetd_conf) < 0)
        rc = -1;
    return rc;
}

/*
 * The top level of the main file: settings, defaults, and the files to read.
 * An error in one of them does not stop the others, nor the services (the
 * caller builds them): -1 then, and the errors are kept; -2 when there is
 * nothing more to read.
 */
static int load_main(struct loader *ld, struct config *cfg, const struct cfgnode *root,
                     const char *path, struct svc_source **sources, const struct cfgnode **defaults)
{
    const struct cfgnode *n, *inc;
    struct svc_source **tail = sources;
    int rc = config_check_top_keys(ld, root, true);

    if (rc == -2)
        return -2;
    if (top_settings(ld, cfg, root) < 0)
        rc = -1;
    n = cfgnode_get(root, "defaults");
    if (n != NULL && n->type == CFGNODE_MAP) {
        *defaults = n;
        if (schema_check_defaults(ld, n) < 0)
            rc = -1;
    } else if (n != NULL && !(n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_NULL)) {
        rc = cv_fail(ld, n, n->key, "expected a map of service keys, got %s", cfgnode_describe(n));
    }
    if (config_add_source(ld, &tail, root) < 0)
        return -2;
    inc = cfgnode_get(root, "include");
    if (inc == NULL || (inc->type == CFGNODE_SCALAR && inc->kind == CFGSCALAR_NULL))
        return rc;
    if (inc->type == CFGNODE_MAP)
        return cv_fail(ld, inc, "include", "expected a list of glob patterns, got a map");
    if (config_load_includes(ld, &tail, path, inc) < 0)
        rc = -1;
    return rc;
}

/* The services list of SRC, or NULL when it has none (or something else: already an error). */
static const struct cfgnode *entries_of(const struct svc_source *src)
{
    return src->services != NULL && src->services->type == CFGNODE_LIST ? src->services : NULL;
}

/* Count the service entries of all sources. */
static size_t count_entries(const struct svc_source *src)
{
    size_t n = 0;

    for (; src != NULL; src = src->next)
        if (entries_of(src) != NULL)
            n += entries_of(src)->count;
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

/* Build every service entry, in load order; one that fails does not stop the others. */
static int build_services(struct loader *ld, struct config *cfg, const struct svc_source *src,
                          const struct cfgnode *defaults, struct svc_origin **origins)
{
    size_t n = count_entries(src), i = 0;
    const char *last_in = NULL, *last_out = NULL;
    int rc = 0;

    cfg->services = arena_calloc(ld->mem, n ? n : 1, sizeof(*cfg->services));
    *origins = arena_calloc(&ld->tmp, n ? n : 1, sizeof(**origins));
    if (cfg->services == NULL || *origins == NULL) {
        snprintf(ld->err, ld->errlen, "%s: out of memory", cfg->path);
        return -1;
    }
    for (; src != NULL; src = src->next) {
        const struct cfgnode *e = entries_of(src) ? entries_of(src)->first : NULL;
        for (; e != NULL; e = e->next, i++) {
            ld->svc = NULL;
            if (e->type != CFGNODE_MAP) {
                rc = cv_fail(ld, e, "services", "each service must be a map, got %s",
                             cfgnode_describe(e));
                continue;
            }
            if (schema_build_service(ld, e, defaults, &cfg->services[i], &(*origins)[i]) < 0) {
                rc = -1;
                continue;
            }
            cfg->services[i].max_sources = cfg->max_sources;
            cfg->services[i].file = intern_file(ld, e->file, &last_in, &last_out);
            if (cfg->services[i].file == NULL)
                return cv_fail(ld, e, NULL, "out of memory");
            cfg->n_services = i + 1;
        }
    }
    ld->svc = NULL;
    return rc;
}

/*
 * The files and everything in them.  The errors of the top level, of each
 * included file and of each service are all looked for; the checks across
 * services (names, addresses) and inetd_conf then need every service built.
 */
static int load_all(struct loader *ld, struct config *cfg, const char *path)
{
    struct svc_source *sources = NULL;
    const struct cfgnode *root, *defaults = NULL;
    struct svc_origin *origins = NULL;
    int rc;

    config_errors_file(ld, path);
    root = conf_parse_file(&ld->tmp, path, ld->privileged, ld->err, ld->errlen);
    if (root == NULL)
        return -1;
    rc = load_main(ld, cfg, root, path, &sources, &defaults);
    if (rc == -2)
        return -1;
    if (build_services(ld, cfg, sources, defaults, &origins) < 0 || rc < 0)
        return -1;
    rc = config_check_unique(ld, cfg, origins);
    if (config_check_conflicts(ld, cfg, origins) < 0 || rc < 0)
        return -1;
    ld->kept = NULL; /* what inetd_conf skips is a warning, not an error */
    return config_inetd_load(ld, cfg, defaults, &origins);
}

struct config *config_load(const char *path, const struct config_options *opts, char *err,
                           size_t errlen)
{
    struct config_box *box = calloc(1, sizeof(*box));
    struct loader ld = {.err = err, .errlen = errlen, .privileged = opts && opts->privileged};
    struct config_errors *out = opts ? opts->errors : NULL;
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
    ld.kept = arena_calloc(&ld.tmp, 1, sizeof(*ld.kept));
    if (box->cfg.path == NULL || ld.kept == NULL)
        snprintf(err, errlen, "%s: out of memory", path);
    else
        rc = load_all(&ld, &box->cfg, path);
    if (rc < 0 && ld.kept != NULL && ld.kept->n > 0)
        snprintf(err, errlen, "%s", ld.kept->e[0].text); /* the first in file order */
    if (rc < 0 && out != NULL) {
        config_errors_report(&ld, out);
        for (size_t i = 0; i < out->n; i++)
            cv_one_line(out->text[i]);
    }
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
