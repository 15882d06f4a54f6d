/*
 * The PROXY protocol keys (SPEC §8, §14): proxy_protocol, proxy_from,
 * proxy_others, proxy_timeout and proxy_local, their parsers and the rules between them
 * and the service's mode and protocol.  Kept apart from config_keys.c since
 * they only make sense together.
 */
#include <stdio.h>
#include <string.h>

#include "config_keys.h"

int k_proxy_protocol(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    static const char *const names[] = {"off", "v1", "v2", "any", NULL};
    int v = 0;

    if (cv_get_enum(ld, n, names, "\"off\", \"v1\", \"v2\" or \"any\"", &v) < 0)
        return -1;
    b->s->proxy.versions = (enum svc_proxy_versions)v; /* in the order of the bits */
    return 0;
}

int k_proxy_from(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return key_get_cidrs(ld, n, &b->s->proxy.from, &b->s->proxy.n_from);
}

int k_proxy_others(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    static const char *const names[] = {"refuse", "direct", NULL};
    int v = 0;

    if (cv_get_enum(ld, n, names, "\"refuse\" or \"direct\"", &v) < 0)
        return -1;
    b->s->proxy.others_direct = v == 1;
    return 0;
}

int k_proxy_timeout(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    long long v = 0;

    if (cv_get_int(ld, n, n->key, 1, 300, true, &v) < 0)
        return -1;
    b->s->proxy.timeout = (unsigned)v;
    return 0;
}

int k_proxy_local(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    static const char *const names[] = {"serve", "close", NULL};
    int v = 0;

    if (cv_get_enum(ld, n, names, "\"serve\" or \"close\"", &v) < 0)
        return -1;
    b->s->proxy.local_close = v == 1;
    return 0;
}

/* True when the key was written in the service itself, not taken from defaults. */
static bool own(const struct svc_build *b, int k)
{
    return b->src[k] != NULL && b->src[k]->parent != b->defaults;
}

/* Why the service cannot read a PROXY header, or NULL when it can. */
static const char *proxy_unusable(const struct service *s)
{
    if (s->protocol == PROTO_UDP)
        return "cannot be used with protocol \"udp\" (PROXY headers come on stream connections)";
    if (s->mode == MODE_WAIT)
        return "cannot be used with mode \"wait\" (the handler accepts, not the daemon)";
    if (s->mode == MODE_PREFORK)
        return "cannot be used with mode \"prefork\" (workers accept themselves)";
    return NULL;
}

/* Back to the defaults of a service without PROXY protocol. */
static void proxy_off(struct service *s)
{
    memset(&s->proxy, 0, sizeof(s->proxy));
    s->proxy.timeout = 5;
}

int proxy_checks(struct loader *ld, struct svc_build *b)
{
    static const int others[] = {SK_PROXY_FROM, SK_PROXY_OTHERS, SK_PROXY_TIMEOUT, SK_PROXY_LOCAL};
    struct service *s = b->s;
    const char *why = proxy_unusable(s);

    /* Taken from defaults, the keys apply where they can and are dropped elsewhere;
     * written in the service, a key that cannot apply is an error. */
    if (s->proxy.versions != SVC_PROXY_OFF && why != NULL) {
        if (own(b, SK_PROXY_PROTOCOL))
            return cv_fail(ld, b->src[SK_PROXY_PROTOCOL], "proxy_protocol", "%s", why);
        s->proxy.versions = SVC_PROXY_OFF;
    }
    if (s->proxy.versions == SVC_PROXY_OFF) {
        for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++)
            if (own(b, others[i]))
                return cv_fail(ld, b->src[others[i]], svc_keys[others[i]].name,
                               "only applies when proxy_protocol is not \"off\"");
        proxy_off(s);
        return 0;
    }
    if (s->proxy.n_from == 0)
        return cv_fail(ld, b->src[SK_PROXY_PROTOCOL], "proxy_protocol",
                       "needs proxy_from: the addresses of the load balancers allowed to "
                       "send a PROXY header");
    return 0;
}
