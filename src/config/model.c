/* What the model's types mean on their own: names and comparison (model.h). */
#include <string.h>

#include "model.h"
#include "outbuf.h"

const char *model_protocol_name(enum svc_protocol p)
{
    return p == PROTO_UDP ? "udp" : "tcp";
}

const char *model_mode_name(enum svc_mode m)
{
    switch (m) {
    case MODE_WAIT:
        return "wait";
    case MODE_PREFORK:
        return "prefork";
    case MODE_NOWAIT:
        break;
    }
    return "nowait";
}

bool model_has_unix_listener(const struct service *s)
{
    for (size_t i = 0; i < s->n_listen; i++)
        if (s->listen[i].kind == LISTEN_UNIX)
            return true;
    return false;
}

bool model_has_inet_listener(const struct service *s)
{
    for (size_t i = 0; i < s->n_listen; i++)
        if (s->listen[i].kind != LISTEN_UNIX)
            return true;
    return false;
}

const char *model_admission_unusable(const struct service *s, enum model_admit_key k)
{
    if (k == ADMIT_KEY_REFUSE_MESSAGE)
        return s->mode == MODE_NOWAIT ? NULL
                                      : "only applies to mode \"nowait\" (a refused connection)";
    if (s->mode == MODE_PREFORK)
        return "cannot be used with mode \"prefork\" (workers accept themselves)";
    if (k == ADMIT_KEY_RATE) /* counts the handlers a wait service starts, too */
        return NULL;
    if (s->mode == MODE_WAIT && s->protocol == PROTO_TCP)
        return "cannot be used with mode \"wait\" on tcp (the handler accepts, not the daemon)";
    /* Behind PROXY protocol the real client has an address, whatever the listener. */
    if (!model_has_unix_listener(s) || s->proxy.versions != SVC_PROXY_OFF)
        return NULL;
    if (k == ADMIT_KEY_ALLOW || k == ADMIT_KEY_DENY)
        return "cannot be used with a unix: listener (a local peer has no address: "
               "socket_mode and socket_owner are its access control)";
    if (s->protocol == PROTO_UDP)
        return "cannot be used with a unix: datagram listener (a datagram's sender has no "
               "address or uid to count)";
    return NULL;
}

/* Canonical bytes of what a handler runs, written field by field (never a
 * struct's padding), strings and lists with their lengths so that no two
 * different values write the same bytes. */
static void runs_put(struct outbuf *b, const void *p, size_t n)
{
    outbuf_add(b, p, n);
}

static void runs_put_u64(struct outbuf *b, uint64_t v)
{
    runs_put(b, &v, sizeof(v));
}

static void runs_put_str(struct outbuf *b, const char *s)
{
    runs_put_u64(b, s ? strlen(s) + 1 : 0); /* NULL and "" differ */
    if (s)
        runs_put(b, s, strlen(s));
}

static void runs_put_strv(struct outbuf *b, char **v)
{
    size_t n = 0;

    while (v && v[n])
        n++;
    runs_put_u64(b, n);
    for (size_t i = 0; i < n; i++)
        runs_put_str(b, v[i]);
}

/* Every key that changes what a handler runs or how: a new such key belongs here. */
static void runs_bytes(const struct service *s, struct outbuf *b)
{
    const struct svc_sandbox *sb = &s->sandbox;

    runs_put_str(b, s->exec);
    runs_put_strv(b, s->args);
    runs_put_strv(b, s->env);
    runs_put_strv(b, s->pass_env);
    runs_put_u64(b, s->has_user);
    runs_put_u64(b, s->uid);
    runs_put_u64(b, s->has_group);
    runs_put_u64(b, s->gid);
    runs_put_str(b, s->chroot);
    runs_put_str(b, s->chdir);
    runs_put_u64(b, s->has_umask);
    runs_put_u64(b, s->umask);
    runs_put_u64(b, s->has_nice);
    runs_put_u64(b, (uint64_t)(int64_t)s->nice);
    for (int i = 0; i < RL_COUNT; i++) {
        runs_put_u64(b, s->rlimits[i].set);
        runs_put_u64(b, s->rlimits[i].value);
    }
    runs_put_u64(b, s->stderr_mode);
    runs_put_u64(b, s->listen_fds);
    runs_put_u64(b, sb->no_new_privileges);
    runs_put_u64(b, sb->has_capabilities);
    runs_put_u64(b, sb->capabilities);
    runs_put_u64(b, sb->has_landlock);
    runs_put_strv(b, sb->landlock_read);
    runs_put_strv(b, sb->landlock_write);
    runs_put_strv(b, sb->landlock_exec);
    runs_put_u64(b, sb->syscall_deny);
}

bool model_runs_same(const struct service *a, const struct service *b)
{
    struct outbuf x, y;
    bool same;

    outbuf_init(&x, NULL, 1u << 24);
    outbuf_init(&y, NULL, 1u << 24);
    runs_bytes(a, &x);
    runs_bytes(b, &y);
    /* Out of memory: not known to be the same, and a roll-over is safe. */
    same = !x.failed && !y.failed && x.len == y.len && memcmp(x.data, y.data, x.len) == 0;
    outbuf_free(&x);
    outbuf_free(&y);
    return same;
}

uint64_t model_runs_digest(const struct service *svc)
{
    struct outbuf b;
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */

    outbuf_init(&b, NULL, 1u << 24);
    runs_bytes(svc, &b);
    for (size_t i = 0; i < b.len && !b.failed; i++)
        h = (h ^ (unsigned char)b.data[i]) * 1099511628211ULL;
    outbuf_free(&b);
    return b.failed ? 0 : h;
}
