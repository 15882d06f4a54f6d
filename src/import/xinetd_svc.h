/*
 * One xinetd service block, with the defaults it inherits, into the values
 * of one superserver service (xinetd_svc.c), and those values as YAML.
 * xinetd_import.c drives it over the blocks xinetd_parse.c read.
 */
#ifndef SUPERSERVER_XINETD_SVC_H
#define SUPERSERVER_XINETD_SVC_H

#include <stdbool.h>
#include <stdio.h>

#include "xinetd_parse.h"

/* A list of strings in the conf's arena. */
struct xinetd_list {
    char **v;
    size_t n;
};

struct xinetd_svc {
    const char *name; /* id, else the service name (made unique by the caller) */
    const char *file;
    unsigned line;
    bool enabled, wait, nodelay, keepalive, internal, unlisted, nameinargs;
    int family; /* AF_UNSPEC unless flags says IPv4 or IPv6 */
    const char *proto, *socket_type, *bind, *user, *group, *exec;
    unsigned port;
    long instances, per_source, cps, nice; /* -1 (nice: LONG_MIN) when unset */
    const char *umask, *rl_cpu, *rl_as, *rl_nofile;
    struct xinetd_list args, allow, deny, env, pass_env;
    bool logs; /* log_on_* or log_type given: say what superserver logs */
};

/* The defaults blocks folded into one attribute list (xinetd's cumulative
 * "+=" included) and the enabled/disabled lists they hold. */
struct xinetd_defaults {
    struct xinetd_attr *attrs;
    struct xinetd_list enabled, disabled;
    bool has_enabled;
};

void xinetd_defaults_collect(struct xinetd_conf *c, struct xinetd_defaults *d, FILE *err);

/*
 * Translate block B over the defaults D into S.  Attributes it cannot
 * express are named on ERR with file:line; returns -1 (after naming the
 * reason on ERR) when the whole service cannot be translated.
 */
int xinetd_svc_translate(struct xinetd_conf *c, const struct xinetd_defaults *d,
                         const struct xinetd_block *b, struct xinetd_svc *s, FILE *err);

void xinetd_svc_emit(FILE *out, const struct xinetd_svc *s);

#endif
