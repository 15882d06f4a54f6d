/*
 * Private to xinetd_svc.c and xinetd_attrs.c: a service's attributes after
 * folding over the defaults, and the per-attribute translators that turn
 * them into a struct xinetd_svc.
 */
#ifndef SUPERSERVER_XINETD_ATTRS_H
#define SUPERSERVER_XINETD_ATTRS_H

#include "xinetd_addr.h"
#include "xinetd_model.h"

/* One attribute after folding: its values (the attribute lines' own strings,
 * in an array of the ctx's tmp arena) and the line that last set it. */
struct merged {
    const char *name;
    struct xinetd_list l;
    struct xinetd_attr *src;
};

#define XINETD_MAX_ATTRS 64 /* xinetd knows about 50 attribute names */

struct ctx {
    struct arena *mem; /* what the service keeps: its values are allocated there */
    struct xinetd_svc *s;
    FILE *err;
    struct arena tmp; /* the merged lists' arrays: freed once the service is translated */
    struct merged m[XINETD_MAX_ATTRS];
    size_t n;
    char why[XINETD_WHY_LEN];
};

/* The folded attribute NAME of X, or NULL. */
struct merged *find_attr(struct ctx *x, const char *name);

/* Run every translator over X for the block of service SERVICE; on -1 the
 * reason is in x->why and *BAD names the attribute at fault (or stays NULL:
 * the block itself). */
int xinetd_attrs_translate(struct ctx *x, const char *service, const struct merged **bad);

/* Shared by the translators: set x->why and return -1; name an attribute
 * not translated (once per line); the single value of M (else fail); a
 * count, "UNLIMITED" being 0 (else fail, -1). */
__attribute__((format(printf, 2, 3))) int xinetd_fail(struct ctx *x, const char *fmt, ...);
void xinetd_warn(struct ctx *x, const struct merged *m, const char *reason);
const char *xinetd_one(struct ctx *x, const struct merged *m);
long xinetd_count(struct ctx *x, const struct merged *m);

/* xinetd_limits.c: one translator per attribute, 0 or -1 (x->why set). */
int xinetd_t_only_from(struct ctx *x, const struct merged *m);
int xinetd_t_no_access(struct ctx *x, const struct merged *m);
int xinetd_t_instances(struct ctx *x, const struct merged *m);
int xinetd_t_per_source(struct ctx *x, const struct merged *m);
int xinetd_t_cps(struct ctx *x, const struct merged *m);
int xinetd_t_env(struct ctx *x, const struct merged *m);
int xinetd_t_passenv(struct ctx *x, const struct merged *m);
int xinetd_t_nice(struct ctx *x, const struct merged *m);
int xinetd_t_umask(struct ctx *x, const struct merged *m);
int xinetd_t_rlimit_as(struct ctx *x, const struct merged *m);
int xinetd_t_rlimit_cpu(struct ctx *x, const struct merged *m);
int xinetd_t_rlimit_files(struct ctx *x, const struct merged *m);
int xinetd_t_logs(struct ctx *x, const struct merged *m);
int xinetd_t_groups(struct ctx *x, const struct merged *m);

#endif
