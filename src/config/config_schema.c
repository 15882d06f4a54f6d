/*
 * The service schema: every service key, its type, range and meaning, and
 * the rules between keys.  `defaults` supply any key a service leaves out,
 * checked by the same code; a value taken from defaults is blamed on the
 * defaults line, but the message still names the service it broke.  Every
 * key of a service is checked even after one is wrong (so that -t names
 * them all); the rules between keys only once each key is right.
 */
#include <string.h>

#include "config_keys.h"

static int key_index(const char *name)
{
    for (int i = 0; i < SK_COUNT; i++)
        if (strcmp(name, svc_keys[i].name) == 0)
            return i;
    return -1;
}

/* Every key of MAP must be a service key (and not `name` in defaults); each is checked. */
static int check_keys(struct loader *ld, const struct cfgnode *map, bool in_defaults)
{
    const char *names[SK_COUNT];
    int rc = 0;

    for (int i = 0; i < SK_COUNT; i++)
        names[i] = svc_keys[i].name;
    for (const struct cfgnode *it = map->first; it != NULL; it = it->next) {
        int k = key_index(it->key);
        if (k < 0)
            rc = cv_fail_unknown_key(ld, it, names, SK_COUNT);
        else if (in_defaults && k == SK_NAME)
            rc = cv_fail(ld, it, it->key, "a service name cannot have a default");
    }
    return rc;
}

/* The key whose value key K's parser reads (listen: protocol, exec: chroot), or -1. */
static int parsed_after(int k)
{
    return k == SK_LISTEN ? SK_PROTOCOL : k == SK_EXEC ? SK_CHROOT : -1;
}

static void svc_init(struct service *s)
{
    memset(s, 0, sizeof(*s));
    s->enabled = true;
    s->protocol = PROTO_TCP;
    s->mode = MODE_NOWAIT;
    s->workers = 2;
    s->stderr_mode = STDERR_DISCARD;
    s->sock.backlog = 128;
    s->proxy.timeout = 5;
}

/* Parse each present key, from ENTRY or else from DEFAULTS, in table order; a wrong one
 * does not stop the others, but a key that reads a wrong one's value is left unread. */
static int parse_keys(struct loader *ld, struct svc_build *b, const struct cfgnode *entry)
{
    bool wrong[SK_COUNT] = {false};
    int rc = 0;

    for (int k = 0; k < SK_COUNT; k++) {
        const struct cfgnode *n = cfgnode_get(entry, svc_keys[k].name);
        if (n == NULL)
            n = cfgnode_get(b->defaults, svc_keys[k].name);
        if (n == NULL)
            continue;
        b->src[k] = n;
        if (parsed_after(k) >= 0 && wrong[parsed_after(k)])
            continue;
        if (svc_keys[k].parse(ld, b, n) < 0)
            wrong[k] = true, rc = -1;
    }
    return rc;
}

int schema_check_defaults(struct loader *ld, const struct cfgnode *defaults)
{
    struct service s;
    struct svc_origin origin = {0};
    struct svc_build b = {.s = &s, .defaults = defaults, .origin = &origin};
    const struct cfgnode *empty = NULL;

    svc_init(&s);
    ld->svc = NULL;
    int rc = check_keys(ld, defaults, true);
    if (parse_keys(ld, &b, empty) < 0)
        rc = -1;
    return rc;
}

/* True when the key was written in the service itself, not taken from defaults. */
static bool own_key(const struct svc_build *b, int k)
{
    return b->src[k] != NULL && b->src[k]->parent != b->defaults;
}

/* A key that does not apply: an error when written in the service, dropped from defaults. */
static int inapplicable(struct loader *ld, struct svc_build *b, int k, const char *why)
{
    if (b->src[k] == NULL)
        return 0;
    if (own_key(b, k))
        return cv_fail(ld, b->src[k], svc_keys[k].name, "%s", why);
    return 1;
}

/* ban needs a per_source_rate to trigger it, and is an error rather than a
 * warning so that a ban that can never happen is not mistaken for protection. */
static int ban_check(struct loader *ld, struct svc_build *b)
{
    struct service *s = b->s;
    int r;

    if (s->ban != 0 && s->per_source_rate.count == 0 &&
        (r = inapplicable(ld, b, SK_BAN, "has no effect without \"per_source_rate\"")) != 0) {
        if (r < 0)
            return -1;
        s->ban = 0;
    }
    return 0;
}

/* The rules between keys, and the defaults that depend on other keys. */
static int cross_checks(struct loader *ld, struct svc_build *b, const struct cfgnode *entry)
{
    struct service *s = b->s;
    int r;

    if (b->src[SK_MODE] == NULL)
        s->mode = s->protocol == PROTO_UDP ? MODE_WAIT : MODE_NOWAIT;
    if (s->protocol == PROTO_UDP && s->mode == MODE_NOWAIT)
        return cv_fail(ld, b->src[SK_MODE], "mode",
                       "\"nowait\" cannot be used with protocol \"udp\" (use \"wait\")");
    if (s->mode != MODE_PREFORK &&
        (r = inapplicable(ld, b, SK_WORKERS, "only applies to mode \"prefork\"")) != 0) {
        if (r < 0)
            return -1;
        s->workers = 2;
    }
    if (s->mode == MODE_NOWAIT &&
        (r = inapplicable(ld, b, SK_LISTEN_FDS, "only applies to mode \"wait\" or \"prefork\"")) !=
            0) {
        if (r < 0)
            return -1;
        s->listen_fds = false;
    }
    return ban_check(ld, b);
}

/* A bare uid (no passwd entry) has no group of its own: `group` must say it. */
static int id_checks(struct loader *ld, struct svc_build *b)
{
    if (b->bare_uid && b->src[SK_GROUP] == NULL)
        return cv_fail(ld, b->src[SK_USER], "user",
                       "uid %u has no passwd entry, so \"group\" is required", (unsigned)b->s->uid);
    return 0;
}

/* socket_mode and socket_owner need a unix: listener. */
static int unix_checks(struct loader *ld, struct svc_build *b)
{
    struct service *s = b->s;
    int r;

    if (model_has_unix_listener(s))
        return 0;
    if ((r = inapplicable(ld, b, SK_SOCKET_MODE, "only applies to unix: listeners")) < 0)
        return -1;
    if (r > 0)
        s->sock.has_socket_mode = false, s->sock.socket_mode = 0;
    if ((r = inapplicable(ld, b, SK_SOCKET_OWNER, "only applies to unix: listeners")) < 0)
        return -1;
    if (r > 0)
        s->sock.has_socket_owner = false, s->sock.socket_uid = 0, s->sock.socket_gid = 0;
    return 0;
}

/* freebind and bind_device need an IP listener (a unix: one has no device or address). */
static int inet_checks(struct loader *ld, struct svc_build *b)
{
    struct service *s = b->s;
    int r;

    if (model_has_inet_listener(s))
        return 0;
    if ((r = inapplicable(ld, b, SK_FREEBIND, "only applies to IP listeners")) < 0)
        return -1;
    if (r > 0)
        s->sock.freebind = false;
    if ((r = inapplicable(ld, b, SK_BIND_DEVICE, "only applies to IP listeners")) < 0)
        return -1;
    if (r > 0)
        s->sock.bind_device[0] = '\0';
    return 0;
}

/* Required keys (each missing one named), and args defaulting to [exec]. */
static int required_keys(struct loader *ld, struct svc_build *b, const struct cfgnode *entry)
{
    struct service *s = b->s;
    int rc = 0;

    if (b->src[SK_LISTEN] == NULL)
        rc = cv_fail(ld, entry, "listen", "required key is missing");
    if (b->src[SK_EXEC] == NULL)
        rc = cv_fail(ld, entry, "exec", "required key is missing");
    if (rc < 0)
        return -1;
    if (s->args == NULL) {
        s->args = arena_calloc(ld->mem, 2, sizeof(char *));
        if (s->args == NULL)
            return cv_fail(ld, entry, NULL, "out of memory");
        s->args[0] = s->exec;
    }
    return 0;
}

/* Empty NULL-terminated arrays rather than NULL, so the runtime never checks. */
static int empty_arrays(struct loader *ld, struct service *s, const struct cfgnode *entry)
{
    if (s->env == NULL)
        s->env = arena_calloc(ld->mem, 1, sizeof(char *));
    if (s->pass_env == NULL)
        s->pass_env = arena_calloc(ld->mem, 1, sizeof(char *));
    if (s->env == NULL || s->pass_env == NULL)
        return cv_fail(ld, entry, NULL, "out of memory");
    return 0;
}

int schema_build_service(struct loader *ld, const struct cfgnode *entry,
                         const struct cfgnode *defaults, struct service *out,
                         struct svc_origin *origin)
{
    struct svc_build b = {.s = out, .defaults = defaults, .origin = origin};
    const struct cfgnode *name = cfgnode_get(entry, "name");

    svc_init(out);
    out->log_peer = ld->log_peer;
    ld->svc = NULL;
    if (name == NULL)
        return cv_fail(ld, entry, "name", "required key is missing");
    if (svc_key_name(ld, &b, name) < 0)
        return -1;
    origin->name = name;
    /* A missing key is named unless an unknown one may be it misspelt. */
    int keys = check_keys(ld, entry, false), values = parse_keys(ld, &b, entry);
    if (keys < 0 || required_keys(ld, &b, entry) < 0 || values < 0)
        return -1;
    if (cross_checks(ld, &b, entry) < 0 || id_checks(ld, &b) < 0 || unix_checks(ld, &b) < 0 ||
        inet_checks(ld, &b) < 0 || proxy_checks(ld, &b) < 0 || admission_checks(ld, &b) < 0 ||
        empty_arrays(ld, out, entry) < 0)
        return -1;
    out->file = entry->file;
    out->line = entry->line;
    return 0;
}
