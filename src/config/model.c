/* What the model's types mean on their own: names and comparison (model.h). */
#include <string.h>

#include "model.h"

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

static bool strv_equal(char **a, char **b)
{
    for (; a && b && *a && *b; a++, b++)
        if (strcmp(*a, *b) != 0)
            return false;
    return (!a || !*a) && (!b || !*b);
}

static bool str_equal(const char *a, const char *b)
{
    return (!a && !b) || (a && b && strcmp(a, b) == 0);
}

static bool sandbox_same(const struct svc_sandbox *a, const struct svc_sandbox *b)
{
    return a->no_new_privileges == b->no_new_privileges &&
           a->has_capabilities == b->has_capabilities && a->capabilities == b->capabilities &&
           a->has_landlock == b->has_landlock && strv_equal(a->landlock_read, b->landlock_read) &&
           strv_equal(a->landlock_write, b->landlock_write) &&
           strv_equal(a->landlock_exec, b->landlock_exec) && a->syscall_deny == b->syscall_deny;
}

/* Every key that changes what a handler runs or how: a new such key belongs here. */
bool model_runs_same(const struct service *a, const struct service *b)
{
    return strcmp(a->exec, b->exec) == 0 && strv_equal(a->args, b->args) &&
           strv_equal(a->env, b->env) && strv_equal(a->pass_env, b->pass_env) &&
           a->has_user == b->has_user && a->uid == b->uid && a->has_group == b->has_group &&
           a->gid == b->gid && str_equal(a->chroot, b->chroot) && str_equal(a->chdir, b->chdir) &&
           a->has_umask == b->has_umask && a->umask == b->umask && a->has_nice == b->has_nice &&
           a->nice == b->nice && memcmp(a->rlimits, b->rlimits, sizeof(a->rlimits)) == 0 &&
           a->stderr_mode == b->stderr_mode && a->listen_fds == b->listen_fds &&
           sandbox_same(&a->sandbox, &b->sandbox);
}
