/*
 * The listening socket's keys: backlog, reuseport, keepalive, nodelay,
 * freebind and bind_device.  bind_device names an interface that must
 * exist when the config is loaded (a name misspelt would otherwise be
 * found only when the socket cannot be bound, or never).
 */
#include <limits.h>
#include <net/if.h>
#include <string.h>

#include "config_keys.h"

int k_backlog(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    long long v = 0;

    if (cv_get_int(ld, n, n->key, 1, INT_MAX, false, &v) < 0)
        return -1;
    b->s->sock.backlog = (int)v;
    return 0;
}

int k_reuseport(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->sock.reuseport);
}

int k_keepalive(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->sock.keepalive);
}

int k_nodelay(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->sock.nodelay);
}

int k_freebind(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->sock.freebind);
}

int k_bind_device(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char *name = NULL;

    if (cv_get_string(ld, n, n->key, &name) < 0)
        return -1;
    if (name[0] == '\0' || strlen(name) >= SOCK_DEVICE_MAX || strchr(name, '/') ||
        strchr(name, ' '))
        return cv_fail(ld, n, n->key, "expected a network interface name (1 to %d bytes)",
                       SOCK_DEVICE_MAX - 1);
    if (if_nametoindex(name) == 0)
        return cv_fail(ld, n, n->key, "no network interface \"%s\"", name);
    memcpy(b->s->sock.bind_device, name, strlen(name) + 1);
    return 0;
}
