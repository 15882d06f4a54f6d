/*
 * Private to xinetd_svc.c and xinetd_attrs.c: a service's attributes after
 * folding over the defaults, and the per-attribute translators that turn
 * them into a struct xinetd_svc.
 */
#ifndef SUPERSERVER_XINETD_ATTRS_H
#define SUPERSERVER_XINETD_ATTRS_H

#include "xinetd_addr.h"
#include "xinetd_svc.h"

/* One attribute after folding: its values and the line that last set it. */
struct merged {
    const char *name;
    struct xinetd_list l;
    struct xinetd_attr *src;
};

#define XINETD_MAX_ATTRS 64 /* xinetd knows about 50 attribute names */

struct ctx {
    struct xinetd_conf *c;
    struct xinetd_svc *s;
    FILE *err;
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

#endif
