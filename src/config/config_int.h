/*
 * Internals shared by the files of the config layer: config.c (files,
 * includes, top-level keys), config_check.c (checks across services),
 * config_schema.c and config_keys.c (one service), config_value.c (one value,
 * and the messages' shape).  Not an API.
 */
#ifndef SUPERSERVER_CONFIG_INT_H
#define SUPERSERVER_CONFIG_INT_H

#include "arena.h"
#include "cfgnode.h"
#include "config.h"

/* A config and the arena that holds everything it points to. */
struct config_box {
    struct config cfg;
    struct arena mem;
};

/* Most files `include` may pull in, a bound for hostile globs. */
#define CONFIG_MAX_INCLUDES 1024

/* One error kept: where it is blamed, for the order and to name it once. */
struct config_error_entry {
    const struct cfgnode *at; /* NULL for a file's own error (syntax, unreadable) */
    const char *key;
    size_t rank; /* its file in the load order */
    int line;
    char *text;
};

/* The errors a load found (config_errors.c), the first CONFIG_MAX_ERRORS in file order. */
struct config_errors_kept {
    struct config_error_entry e[CONFIG_MAX_ERRORS];
    size_t n, found;
    const char *files[CONFIG_MAX_INCLUDES + 1]; /* the main file and its includes */
    size_t n_files;
};

/* State while loading: where memory goes, where messages go, who is being read. */
struct loader {
    struct arena *mem; /* the model's arena */
    struct arena tmp;  /* node trees and scratch, freed after loading */
    bool privileged;
    char *err; /* the last message */
    size_t errlen;
    struct config_errors_kept *kept; /* where cv_fail keeps errors; NULL: not kept (warnings) */
    const char *svc;                 /* the service named in messages, or NULL */
    enum addr_peer_form log_peer;    /* the top-level `log_peer`: each service's default */
    const struct cfgnode *control;   /* the top-level `control`, for messages; or NULL */
};

/* config_errors.c: FILE is read now (its place in the file order). */
void config_errors_file(struct loader *ld, const char *file);
/* Keep TEXT, an error blamed on AT's KEY (AT may be NULL) at FILE:LINE. */
void config_errors_add(struct loader *ld, const struct cfgnode *at, const char *key,
                       const char *file, int line, const char *text);
/* The kept errors (or, when none was kept, ld->err) into OUT. */
void config_errors_report(const struct loader *ld, struct config_errors *out);

/* What config.c needs back from building a service, besides the model. */
struct svc_origin {
    const struct cfgnode *name;    /* the `name` node */
    const struct cfgnode **listen; /* the node of each listen address */
};

/* One parsed file's services list, in load order. */
struct svc_source {
    const struct cfgnode *services;
    struct svc_source *next;
};

/* config.c: the keys a file's top level may hold (all in the main file, else `services`);
 * -1 when one is wrong, -2 when the top is not a map. */
int config_check_top_keys(struct loader *ld, const struct cfgnode *root, bool main_file);
/* config.c: append ROOT's services to the load order at *TAIL. */
int config_add_source(struct loader *ld, struct svc_source ***tail, const struct cfgnode *root);
/* config_include.c: the files the `include` patterns INC name, read and queued at *TAIL. */
int config_load_includes(struct loader *ld, struct svc_source ***tail, const char *main_path,
                         const struct cfgnode *inc);

/* config_control.c: the top-level keys `control` and `control_group` of ROOT;
 * the `control` key N alone (cfg->control_is_default false after it). */
int config_top_control(struct loader *ld, struct config *cfg, const struct cfgnode *root);
int config_control_key(struct loader *ld, struct config *cfg, const struct cfgnode *n);

/* config_inetd.c: after the main config's services (their ORIGINS), those
 * of cfg->inetd_conf; what it skips goes to cfg->warnings.  -1 when the
 * file cannot be read at all. */
int config_inetd_load(struct loader *ld, struct config *cfg, const struct cfgnode *defaults,
                      struct svc_origin **origins);

/* The keys a service (and `defaults`) may hold: validate DEFAULTS on their own. */
int schema_check_defaults(struct loader *ld, const struct cfgnode *defaults);
/* Build OUT from the map ENTRY, keys missing there taken from DEFAULTS (may be NULL). */
int schema_build_service(struct loader *ld, const struct cfgnode *entry,
                         const struct cfgnode *defaults, struct service *out,
                         struct svc_origin *origin);

/* Service names are unique; listen addresses of enabled services do not
 * collide, with each other or with the control socket. */
int config_check_unique(struct loader *ld, const struct config *cfg,
                        const struct svc_origin *origins);
int config_check_conflicts(struct loader *ld, const struct config *cfg,
                           const struct svc_origin *origins);

/*
 * config_value.c, the floor every other file stands on.  cv_fail writes
 * "FILE:LINE: [service "S": ][key "K": ]MESSAGE" blaming node AT (its key's
 * line when it is a map member) and returns -1; the others check one value
 * node (see there).
 */
int cv_fail(struct loader *ld, const struct cfgnode *at, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Messages quote what a file says: control bytes in TEXT become '?', so it stays one line. */
void cv_one_line(char *text);
/* "unknown key" for AT, naming the nearest of NAMES (COUNT of them) when one is close. */
int cv_fail_unknown_key(struct loader *ld, const struct cfgnode *at, const char *const *names,
                        size_t count);
int cv_want_scalar(struct loader *ld, const struct cfgnode *n, const char *key,
                   enum cfgscalar_kind kind, const char *what);
int cv_get_string(struct loader *ld, const struct cfgnode *n, const char *key, char **out);
int cv_get_bool(struct loader *ld, const struct cfgnode *n, bool *out);
int cv_get_int(struct loader *ld, const struct cfgnode *n, const char *key, long long min,
               long long max, bool show_max, long long *out);
int cv_get_uint(struct loader *ld, const struct cfgnode *n, long long min, unsigned *out);
int cv_get_enum(struct loader *ld, const struct cfgnode *n, const char *const *names,
                const char *expect, int *out);
int cv_get_strings(struct loader *ld, const struct cfgnode *n, bool one_ok, char ***out,
                   size_t *count);
/* "full", "prefix" or "none" (enum addr_peer_form), for both `log_peer` keys. */
int cv_get_log_peer(struct loader *ld, const struct cfgnode *n, int *out);
int cv_get_octal(struct loader *ld, const struct cfgnode *n, mode_t *out);
int cv_get_path(struct loader *ld, const struct cfgnode *n, char **out);
int cv_need_root(struct loader *ld, const struct cfgnode *n);
bool cv_all_digits(const char *s);
int cv_lookup_user(struct loader *ld, const struct cfgnode *n, const char *name, uid_t *uid,
                   gid_t *gid, char **pname, bool *known);
int cv_lookup_group(struct loader *ld, const struct cfgnode *n, const char *name, gid_t *gid);
int cv_id_text(struct loader *ld, const struct cfgnode *n, char *buf, size_t len);

#endif
