/*
 * The parsers of the service keys: each checks one key's type, range and
 * meaning and fills the model (the rules between keys are in
 * config_schema.c).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_keys.h"
#include "file_trust.h"

static int k_user(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char name[256];
    bool known;

    if (cv_need_root(ld, n) < 0 || cv_id_text(ld, n, name, sizeof(name)) < 0)
        return -1;
    b->s->has_user = true;
    /* a bare uid: user stays NULL (no supplementary groups), `group` required */
    if (cv_lookup_user(ld, n, name, &b->s->uid, &b->s->gid, &b->s->user, &known) < 0)
        return -1;
    b->bare_uid = !known;
    return 0;
}

static int k_group(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char name[256];

    if (cv_need_root(ld, n) < 0 || cv_id_text(ld, n, name, sizeof(name)) < 0)
        return -1;
    b->s->has_group = true;
    return cv_lookup_group(ld, n, name, &b->s->gid);
}

static int k_socket_owner(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char text[256], *colon;
    struct service *s = b->s;
    bool known;

    if (cv_need_root(ld, n) < 0 || cv_id_text(ld, n, text, sizeof(text)) < 0)
        return -1;
    colon = strchr(text, ':');
    if (colon != NULL)
        *colon++ = '\0';
    if (text[0] == '\0' || (colon != NULL && *colon == '\0'))
        return cv_fail(ld, n, n->key, "expected \"user\" or \"user:group\"");
    s->sock.has_socket_owner = true;
    if (cv_lookup_user(ld, n, text, &s->sock.socket_uid, &s->sock.socket_gid, NULL, &known) < 0)
        return -1;
    if (!known && colon == NULL)
        return cv_fail(ld, n, n->key,
                       "uid %s has no passwd entry, so its group is needed (\"%s:GROUP\")", text,
                       text);
    return colon ? cv_lookup_group(ld, n, colon, &s->sock.socket_gid) : 0;
}

/* ---- the keys ---- */

int svc_key_name(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    if (cv_get_string(ld, n, n->key, &b->s->name) < 0)
        return -1;
    if (b->s->name[0] == '\0' ||
        strspn(b->s->name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-") !=
            strlen(b->s->name))
        return cv_fail(ld, n, n->key,
                       "expected letters, digits, \"_\", \".\" or \"-\" (at least one)");
    ld->svc = b->s->name;
    return 0;
}

static int k_enabled(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->enabled);
}

static int k_protocol(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    static const char *const names[] = {"tcp", "udp", NULL};
    int v = 0;

    if (cv_get_enum(ld, n, names, "\"tcp\" or \"udp\"", &v) < 0)
        return -1;
    b->s->protocol = (enum svc_protocol)v;
    return 0;
}

static int k_mode(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    static const char *const names[] = {"nowait", "wait", "prefork", NULL};
    int v = 0;

    if (cv_get_enum(ld, n, names, "\"nowait\", \"wait\" or \"prefork\"", &v) < 0)
        return -1;
    b->s->mode = (enum svc_mode)v;
    return 0;
}

static int k_workers(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    long long v = 0;

    if (cv_get_int(ld, n, n->key, 1, 65535, false, &v) < 0)
        return -1;
    b->s->workers = (unsigned)v;
    return 0;
}

static int k_listen_fds(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->listen_fds);
}

static int k_listen(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    const struct cfgnode *it = n->type == CFGNODE_LIST ? n->first : n;
    size_t count = n->type == CFGNODE_LIST ? n->count : 1;
    const char *proto = model_protocol_name(b->s->protocol);
    struct service *s = b->s;
    char why[256];

    if (n->type == CFGNODE_MAP)
        return cv_fail(ld, n, n->key, "expected a string or a list of strings, got a map");
    if (count == 0)
        return cv_fail(ld, n, n->key, "must name at least one address");
    s->listen = arena_calloc(ld->mem, count, sizeof(*s->listen));
    b->origin->listen = arena_calloc(&ld->tmp, count, sizeof(*b->origin->listen));
    if (s->listen == NULL || b->origin->listen == NULL)
        return cv_fail(ld, n, n->key, "out of memory");
    for (size_t i = 0; it != NULL && i < count; it = it->next, i++) {
        char *text;
        if (cv_get_string(ld, it, n->key, &text) < 0)
            return -1;
        if (addr_parse_listen(text, proto, &s->listen[i], why, sizeof(why)) < 0)
            return cv_fail(ld, it, n->key, "%s", why);
        /* addr.c strdup()s the text; the model keeps everything in its arena */
        free(s->listen[i].text);
        s->listen[i].text = text;
        b->origin->listen[i] = it;
    }
    s->n_listen = count;
    return 0;
}

static int k_chroot(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_path(ld, n, &b->s->chroot);
}

static int k_chdir(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_path(ld, n, &b->s->chdir);
}

/* The handler must be there now: inside the chroot when there is one. */
static int k_exec(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char path[PATH_MAX * 2];
    struct stat st;

    if (cv_get_path(ld, n, &b->s->exec) < 0)
        return -1;
    snprintf(path, sizeof(path), "%s%s", b->s->chroot ? b->s->chroot : "", b->s->exec);
    if (stat(path, &st) < 0)
        return cv_fail(ld, n, n->key, "\"%s\": %s", path, strerror(errno));
    if (!S_ISREG(st.st_mode))
        return cv_fail(ld, n, n->key, "\"%s\" is not a regular file", path);
    /* root's access(X_OK) succeeds on any x bit: say "executable" for root too */
    if ((st.st_mode & (S_IXUSR | S_IXGRP | S_IXOTH)) == 0 || access(path, X_OK) < 0)
        return cv_fail(ld, n, n->key, "\"%s\" is not executable", path);
    char why[PATH_MAX + 100];
    if (ld->privileged && file_untrusted(&st, why, sizeof(why)))
        return cv_fail(ld, n, n->key, "\"%s\" is %s; refusing it while running as root", path, why);
    /* whoever can write a folder on the way can swap the program */
    if (ld->privileged && file_trust_path(path, why, sizeof(why)))
        return cv_fail(ld, n, n->key, "\"%s\": %s; refusing it while running as root", path, why);
    return 0;
}

static int k_args(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    size_t count;

    if (cv_get_strings(ld, n, false, &b->s->args, &count) < 0)
        return -1;
    return count > 0 ? 0 : cv_fail(ld, n, n->key, "must hold at least argv[0]");
}

static int k_env(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    size_t i = 0;

    if (n->type != CFGNODE_MAP)
        return cv_fail(ld, n, n->key, "expected a map of names to strings, got %s",
                       cfgnode_describe(n));
    b->s->env = arena_calloc(ld->mem, n->count + 1, sizeof(char *));
    if (b->s->env == NULL)
        return cv_fail(ld, n, n->key, "out of memory");
    for (const struct cfgnode *it = n->first; it != NULL; it = it->next, i++) {
        char key[300];
        snprintf(key, sizeof(key), "env.%.250s", it->key);
        if (!config_env_name_ok(it->key))
            return cv_fail(ld, it, key, "not a valid environment variable name");
        if (cv_want_scalar(ld, it, key, CFGSCALAR_STRING, "a string") < 0)
            return -1;
        b->s->env[i] = arena_alloc(ld->mem, strlen(it->key) + strlen(it->text) + 2);
        if (b->s->env[i] == NULL)
            return cv_fail(ld, it, key, "out of memory");
        sprintf(b->s->env[i], "%s=%s", it->key, it->text);
    }
    return 0;
}

static int k_pass_env(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    size_t count;
    const struct cfgnode *it;

    if (cv_get_strings(ld, n, false, &b->s->pass_env, &count) < 0)
        return -1;
    it = n->first;
    for (size_t i = 0; i < count; i++, it = it->next)
        if (!config_env_name_ok(b->s->pass_env[i]))
            return cv_fail(ld, it, n->key, "\"%s\" is not a valid environment variable name",
                           b->s->pass_env[i]);
    return 0;
}

static int k_timeout(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_uint(ld, n, 0, &b->s->timeout);
}

/* One side of "N/S": decimal digits, 1..UINT_MAX; returns the char after them. */
static int k_stderr(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    static const char *const names[] = {"discard", "socket", "log", NULL};
    int v = 0;

    if (cv_get_enum(ld, n, names, "\"discard\", \"socket\" or \"log\"", &v) < 0)
        return -1;
    b->s->stderr_mode = (enum svc_stderr)v;
    return 0;
}

static int k_umask(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    b->s->has_umask = true;
    return cv_get_octal(ld, n, &b->s->umask);
}

static int k_nice(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    long long v = 0;

    if (cv_get_int(ld, n, n->key, -20, 19, true, &v) < 0)
        return -1;
    b->s->has_nice = true;
    b->s->nice = (int)v;
    return 0;
}

static const char *const rlimit_names[RL_COUNT + 1] = {"cpu",   "as",   "nofile", "nproc",
                                                       "fsize", "core", NULL};

static int rlimit_index(const char *name)
{
    for (int i = 0; i < RL_COUNT; i++)
        if (strcmp(name, rlimit_names[i]) == 0)
            return i;
    return -1;
}

static int k_rlimits(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    if (n->type != CFGNODE_MAP)
        return cv_fail(ld, n, n->key, "expected a map, got %s", cfgnode_describe(n));
    for (const struct cfgnode *it = n->first; it != NULL; it = it->next) {
        int i = rlimit_index(it->key);
        char key[300];
        snprintf(key, sizeof(key), "rlimits.%.250s", it->key);
        if (i < 0)
            return cv_fail(ld, it, key,
                           "unknown key (expected cpu, as, nofile, nproc, fsize or core)");
        b->s->rlimits[i].set = true;
        if (it->type == CFGNODE_SCALAR && it->kind == CFGSCALAR_STRING &&
            strcmp(it->text, "unlimited") == 0) {
            b->s->rlimits[i].value = RLIM_INFINITY;
            continue;
        }
        if (it->type != CFGNODE_SCALAR || it->kind != CFGSCALAR_INT || it->ival < 0)
            return cv_fail(ld, it, key, "expected an integer >= 0 or \"unlimited\"");
        b->s->rlimits[i].value = (rlim_t)it->ival;
    }
    return 0;
}

static int k_socket_mode(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    b->s->sock.has_socket_mode = true;
    return cv_get_octal(ld, n, &b->s->sock.socket_mode);
}

const struct schema_key svc_keys[SK_COUNT] = {
    [SK_NAME] = {"name", svc_key_name},
    [SK_ENABLED] = {"enabled", k_enabled},
    [SK_PROTOCOL] = {"protocol", k_protocol},
    [SK_MODE] = {"mode", k_mode},
    [SK_WORKERS] = {"workers", k_workers},
    [SK_LISTEN_FDS] = {"listen_fds", k_listen_fds},
    [SK_LISTEN] = {"listen", k_listen},
    [SK_CHROOT] = {"chroot", k_chroot},
    [SK_CHDIR] = {"chdir", k_chdir},
    [SK_EXEC] = {"exec", k_exec},
    [SK_ARGS] = {"args", k_args},
    [SK_USER] = {"user", k_user},
    [SK_GROUP] = {"group", k_group},
    [SK_ENV] = {"env", k_env},
    [SK_PASS_ENV] = {"pass_env", k_pass_env},
    [SK_INSTANCES] = {"instances", k_instances},
    [SK_PER_SOURCE] = {"per_source", k_per_source},
    [SK_RATE] = {"rate", k_rate},
    [SK_PER_SOURCE_RATE] = {"per_source_rate", k_per_source_rate},
    [SK_BAN] = {"ban", k_ban},
    [SK_REFUSE_MESSAGE] = {"refuse_message", k_refuse_message},
    [SK_LOG_PEER] = {"log_peer", k_log_peer},
    [SK_ALLOW] = {"allow", k_allow},
    [SK_DENY] = {"deny", k_deny},
    [SK_STDERR] = {"stderr", k_stderr},
    [SK_TIMEOUT] = {"timeout", k_timeout},
    [SK_UMASK] = {"umask", k_umask},
    [SK_NICE] = {"nice", k_nice},
    [SK_RLIMITS] = {"rlimits", k_rlimits},
    [SK_BACKLOG] = {"backlog", k_backlog},
    [SK_REUSEPORT] = {"reuseport", k_reuseport},
    [SK_KEEPALIVE] = {"keepalive", k_keepalive},
    [SK_NODELAY] = {"nodelay", k_nodelay},
    [SK_FREEBIND] = {"freebind", k_freebind},
    [SK_BIND_DEVICE] = {"bind_device", k_bind_device},
    [SK_SOCKET_MODE] = {"socket_mode", k_socket_mode},
    [SK_SOCKET_OWNER] = {"socket_owner", k_socket_owner},
    [SK_NO_NEW_PRIVILEGES] = {"no_new_privileges", k_no_new_privileges},
    [SK_CAPABILITIES] = {"capabilities", k_capabilities},
    [SK_LANDLOCK] = {"landlock", k_landlock},
    [SK_SYSCALL_DENY] = {"syscall_deny", k_syscall_deny},
    [SK_PROXY_PROTOCOL] = {"proxy_protocol", k_proxy_protocol},
    [SK_PROXY_FROM] = {"proxy_from", k_proxy_from},
    [SK_PROXY_OTHERS] = {"proxy_others", k_proxy_others},
    [SK_PROXY_TIMEOUT] = {"proxy_timeout", k_proxy_timeout},
    [SK_PROXY_LOCAL] = {"proxy_local", k_proxy_local},
};
