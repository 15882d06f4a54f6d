/*
 * The importer's model of an xinetd service, types only: what the attribute
 * parsers (xinetd_attrs.c, xinetd_addr.c) fill and xinetd_svc.c assembles
 * and prints.
 */
#ifndef SUPERSERVER_XINETD_MODEL_H
#define SUPERSERVER_XINETD_MODEL_H

#include <stdbool.h>
#include <stddef.h>

#include "xinetd_parse.h"

/* A list of strings, grown by doubling (xinetd_list_push). */
struct xinetd_list {
    char **v;
    size_t n, cap;
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

#endif
