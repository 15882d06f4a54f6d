/* Comparing two loaded configurations key by key (see model_diff.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "model_diff.h"

/*
 * A new field in the model must be compared below: these sizes fail the
 * build of the suites until it is (and are then updated with it).  Checked
 * where the layout is known (x86-64, glibc); elsewhere the list stands alone.
 */
#if defined(__x86_64__) && defined(__GLIBC__)
_Static_assert(sizeof(struct service) == 480, "struct service changed: compare the new field "
                                              "in model_diff.c, then update this size");
_Static_assert(sizeof(struct config) == 80, "struct config changed: compare the new field in "
                                            "model_diff.c, then update this size");
_Static_assert(sizeof(struct svc_sandbox) == 56, "struct svc_sandbox changed: compare it in "
                                                 "model_diff.c, then update this size");
_Static_assert(sizeof(struct sock_opts) == 44, "struct sock_opts changed: compare it in "
                                               "model_diff.c, then update this size");
_Static_assert(sizeof(struct svc_proxy) == 40, "struct svc_proxy changed: compare it in "
                                               "model_diff.c, then update this size");
#endif

static bool str_same(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool strv_same(char **a, char **b)
{
    size_t i = 0;

    if (a == NULL || b == NULL)
        return a == b;
    for (; a[i] != NULL && b[i] != NULL; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return a[i] == b[i];
}

static bool cidrs_same(const struct cidr *a, size_t na, const struct cidr *b, size_t nb)
{
    return na == nb && (na == 0 || memcmp(a, b, na * sizeof(*a)) == 0);
}

static bool listen_same(const struct service *a, const struct service *b)
{
    if (a->n_listen != b->n_listen)
        return false;
    for (size_t i = 0; i < a->n_listen; i++) {
        const struct listen_addr *x = &a->listen[i], *y = &b->listen[i];
        if (!str_same(x->text, y->text) || x->kind != y->kind || x->sslen != y->sslen ||
            memcmp(&x->ss, &y->ss, x->sslen) != 0)
            return false;
    }
    return true;
}

static bool rlimits_same(const struct service *a, const struct service *b)
{
    for (int i = 0; i < RL_COUNT; i++)
        if (a->rlimits[i].set != b->rlimits[i].set || a->rlimits[i].value != b->rlimits[i].value)
            return false;
    return true;
}

/* The name of the first key of the two services that differs, or NULL. */
static const char *service_diff(const struct service *a, const struct service *b)
{
#define KEY(cond, name)                                                                            \
    do {                                                                                           \
        if (!(cond))                                                                               \
            return name;                                                                           \
    } while (0)
#define SAME(f) KEY(a->f == b->f, #f)
    KEY(str_same(a->name, b->name), "name");
    SAME(enabled);
    KEY(listen_same(a, b), "listen");
    SAME(protocol);
    SAME(mode);
    SAME(workers);
    SAME(listen_fds);
    KEY(str_same(a->exec, b->exec), "exec");
    KEY(strv_same(a->args, b->args), "args");
    KEY(strv_same(a->env, b->env), "env");
    KEY(strv_same(a->pass_env, b->pass_env), "pass_env");
    SAME(has_user);
    SAME(has_group);
    SAME(uid);
    SAME(gid);
    KEY(str_same(a->user, b->user), "user");
    SAME(instances);
    SAME(per_source);
    SAME(rate.count);
    SAME(rate.seconds);
    KEY(cidrs_same(a->allow, a->n_allow, b->allow, b->n_allow), "allow");
    KEY(cidrs_same(a->deny, a->n_deny, b->deny, b->n_deny), "deny");
    SAME(per_source_rate.count);
    SAME(per_source_rate.seconds);
    SAME(ban);
    KEY(str_same(a->refuse_message, b->refuse_message), "refuse_message");
    SAME(log_peer);
    SAME(max_sources);
    SAME(stderr_mode);
    SAME(timeout);
    KEY(str_same(a->chroot, b->chroot), "chroot");
    KEY(str_same(a->chdir, b->chdir), "chdir");
    SAME(has_umask);
    SAME(umask);
    SAME(has_nice);
    SAME(nice);
    KEY(rlimits_same(a, b), "rlimits");
    SAME(sandbox.no_new_privileges);
    SAME(sandbox.has_capabilities);
    SAME(sandbox.capabilities);
    SAME(sandbox.has_landlock);
    KEY(strv_same(a->sandbox.landlock_read, b->sandbox.landlock_read), "landlock.read");
    KEY(strv_same(a->sandbox.landlock_write, b->sandbox.landlock_write), "landlock.write");
    KEY(strv_same(a->sandbox.landlock_exec, b->sandbox.landlock_exec), "landlock.exec");
    SAME(sandbox.syscall_deny);
    SAME(sock.backlog);
    SAME(sock.reuseport);
    SAME(sock.keepalive);
    SAME(sock.nodelay);
    SAME(sock.freebind);
    KEY(strcmp(a->sock.bind_device, b->sock.bind_device) == 0, "bind_device");
    SAME(sock.has_socket_mode);
    SAME(sock.socket_mode);
    SAME(sock.has_socket_owner);
    SAME(sock.socket_uid);
    SAME(sock.socket_gid);
    SAME(proxy.versions);
    KEY(cidrs_same(a->proxy.from, a->proxy.n_from, b->proxy.from, b->proxy.n_from), "proxy_from");
    SAME(proxy.others_direct);
    SAME(proxy.timeout);
    SAME(proxy.local_close);
    return NULL;
#undef SAME
#undef KEY
}

const char *model_diff(const struct config *a, const struct config *b, char *buf, size_t len)
{
    const char *key = NULL;

    if (a->log_level != b->log_level)
        key = "log_level";
    else if (a->max_children != b->max_children)
        key = "max_children";
    else if (!str_same(a->control, b->control))
        key = "control";
    else if (a->has_control_group != b->has_control_group || a->control_gid != b->control_gid)
        key = "control_group";
    else if (a->max_sources != b->max_sources)
        key = "max_sources";
    else if (a->log_peer != b->log_peer)
        key = "log_peer";
    else if (!str_same(a->inetd_conf, b->inetd_conf))
        key = "inetd_conf";
    else if (a->n_services != b->n_services)
        key = "the number of services";
    if (key != NULL) {
        snprintf(buf, len, "%s", key);
        return buf;
    }
    for (size_t i = 0; i < a->n_services; i++) {
        /* services of inetd_conf come from its file on either side */
        bool inetd_a = a->inetd_conf && a->services[i].file == a->inetd_conf;
        bool inetd_b = b->inetd_conf && b->services[i].file == b->inetd_conf;
        key =
            inetd_a != inetd_b ? "from inetd_conf" : service_diff(&a->services[i], &b->services[i]);
        if (key != NULL) {
            snprintf(buf, len, "service \"%s\": %s", a->services[i].name, key);
            return buf;
        }
    }
    return NULL;
}
