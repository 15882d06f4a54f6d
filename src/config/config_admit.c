/*
 * The admission keys of a service: instances, per_source, rate,
 * per_source_rate, ban, allow, deny, refuse_message, log_peer (what the
 * daemon decides on before it forks, and how it shows a refused peer), and
 * the rule that none of them is accepted where it cannot act.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_keys.h"

int k_instances(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_uint(ld, n, 0, &b->s->instances);
}

int k_per_source(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_uint(ld, n, 0, &b->s->per_source);
}

static const char *rate_part(const char *p, unsigned *out)
{
    unsigned long long v = 0;
    size_t digits = strspn(p, "0123456789");

    if (digits == 0 || digits > 10)
        return NULL;
    for (size_t i = 0; i < digits; i++)
        v = v * 10 + (unsigned)(p[i] - '0');
    if (v < 1 || v > UINT_MAX)
        return NULL;
    *out = (unsigned)v;
    return p + digits;
}

/* "N/S", for `rate` and `per_source_rate`. */
static int get_rate(struct loader *ld, const struct cfgnode *n, struct svc_rate *out)
{
    const char *p = n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_STRING ? n->text : NULL;
    struct svc_rate r;

    if (p != NULL)
        p = rate_part(p, &r.count);
    if (p != NULL && *p == '/')
        p = rate_part(p + 1, &r.seconds);
    else
        p = NULL;
    if (p == NULL || *p != '\0')
        return cv_fail(ld, n, n->key,
                       "expected \"N/S\" (N connections per S seconds, both >= 1), "
                       "such as \"200/1\"");
    *out = r;
    return 0;
}

int k_rate(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return get_rate(ld, n, &b->s->rate);
}

int k_per_source_rate(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return get_rate(ld, n, &b->s->per_source_rate);
}

int k_ban(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_uint(ld, n, 0, &b->s->ban);
}

/* One send(2) must be able to carry it; "" means none (to undo a default). */
#define REFUSE_MESSAGE_MAX 1024

int k_refuse_message(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char *text;

    if (cv_get_string(ld, n, n->key, &text) < 0)
        return -1;
    if (strlen(text) > REFUSE_MESSAGE_MAX)
        return cv_fail(ld, n, n->key, "too long (%zu bytes, at most %d)", strlen(text),
                       REFUSE_MESSAGE_MAX);
    b->s->refuse_message = text[0] != '\0' ? text : NULL;
    return 0;
}

int k_log_peer(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    int v = 0;

    if (cv_get_log_peer(ld, n, &v) < 0)
        return -1;
    b->s->log_peer = (enum addr_peer_form)v;
    return 0;
}

/* allow, deny and proxy_from: lists of CIDR rules. */
int key_get_cidrs(struct loader *ld, const struct cfgnode *n, struct cidr **out, size_t *count)
{
    char **texts, why[256];
    const struct cfgnode *it;

    if (cv_get_strings(ld, n, false, &texts, count) < 0)
        return -1;
    *out = arena_calloc(ld->mem, *count ? *count : 1, sizeof(**out));
    if (*out == NULL)
        return cv_fail(ld, n, n->key, "out of memory");
    it = n->first;
    for (size_t i = 0; i < *count; i++, it = it->next)
        if (cidr_parse(texts[i], &(*out)[i], why, sizeof(why)) < 0)
            return cv_fail(ld, it, n->key, "%s", why);
    return 0;
}

int k_allow(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return key_get_cidrs(ld, n, &b->s->allow, &b->s->n_allow);
}

int k_deny(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return key_get_cidrs(ld, n, &b->s->deny, &b->s->n_deny);
}

/* The keys model_admission_unusable judges, with their schema keys. */
static const struct {
    enum svc_key key;
    enum model_admit_key which;
} admission_keys[] = {
    {SK_ALLOW, ADMIT_KEY_ALLOW},
    {SK_DENY, ADMIT_KEY_DENY},
    {SK_PER_SOURCE, ADMIT_KEY_PER_SOURCE},
    {SK_PER_SOURCE_RATE, ADMIT_KEY_PER_SOURCE_RATE},
    {SK_BAN, ADMIT_KEY_BAN},
    {SK_RATE, ADMIT_KEY_RATE},
    {SK_REFUSE_MESSAGE, ADMIT_KEY_REFUSE_MESSAGE},
};

/* Does the key ask for anything?  An empty list or a 0 asks for nothing, so
 * a service may cancel a default where the key cannot act. */
static bool asks(const struct service *s, enum model_admit_key k)
{
    switch (k) {
    case ADMIT_KEY_ALLOW:
        return s->n_allow != 0;
    case ADMIT_KEY_DENY:
        return s->n_deny != 0;
    case ADMIT_KEY_PER_SOURCE:
        return s->per_source != 0;
    case ADMIT_KEY_PER_SOURCE_RATE:
        return s->per_source_rate.count != 0;
    case ADMIT_KEY_BAN:
        return s->ban != 0;
    case ADMIT_KEY_RATE:
        return s->rate.count != 0;
    case ADMIT_KEY_REFUSE_MESSAGE:
        return s->refuse_message != NULL;
    case ADMIT_KEY_COUNT:
        break;
    }
    return false;
}

/*
 * An admission key that cannot act and asks for something is an error,
 * taken from defaults too (blamed on the defaults line, naming the service):
 * dropping it would leave the service open while its file says otherwise.
 * refuse_message only words a refusal, so from defaults it applies where it
 * can and is dropped elsewhere, as the PROXY keys are.
 */
int admission_checks(struct loader *ld, struct svc_build *b)
{
    struct service *s = b->s;

    for (size_t i = 0; i < sizeof(admission_keys) / sizeof(admission_keys[0]); i++) {
        enum svc_key k = admission_keys[i].key;
        const char *why = model_admission_unusable(s, admission_keys[i].which);

        if (why == NULL || !asks(s, admission_keys[i].which))
            continue;
        if (k == SK_REFUSE_MESSAGE && b->src[k]->parent == b->defaults) {
            s->refuse_message = NULL;
            continue;
        }
        return cv_fail(ld, b->src[k], svc_keys[k].name, "%s", why);
    }
    return 0;
}
