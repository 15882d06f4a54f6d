/*
 * What a handler is started with, prepared in the parent: the exec plan
 * (environment and supplementary groups) once per service when a config is
 * activated, and the per-connection variables of SPEC section 4 once per
 * connection.  The child side (spawn.c) only copies pointers.
 */
#include <grp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "spawn.h"

#define SAFE_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Length of NAME in "NAME=value". */
static size_t env_name_len(const char *entry)
{
    const char *eq = strchr(entry, '=');
    return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Append ENTRY to the fixed list, replacing an earlier entry of the same name. */
static void env_put(char **list, size_t *n, char *entry)
{
    size_t len = env_name_len(entry);
    for (size_t i = 0; i < *n; i++)
        if (env_name_len(list[i]) == len && strncmp(list[i], entry, len) == 0) {
            free(list[i]);
            list[i] = entry;
            return;
        }
    list[(*n)++] = entry;
}

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static int plan_groups(struct exec_plan *plan, const struct service *svc, char *err, size_t errlen)
{
    int n = 64;

    if (!svc->user)
        return 0;
    for (int tries = 0; tries < 4; tries++) {
        gid_t *g = realloc(plan->groups, (size_t)n * sizeof(*g));
        if (!g)
            break;
        plan->groups = g;
        int want = n;
        if (getgrouplist(svc->user, svc->gid, g, &want) != -1) {
            plan->n_groups = want;
            return 0;
        }
        n = want > n ? want : n * 2;
    }
    snprintf(err, errlen, "cannot list the groups of user \"%s\"", svc->user);
    return -1;
}

int spawn_plan_build(struct exec_plan *plan, const struct service *svc, char *err, size_t errlen)
{
    size_t max = 2 + strv_len(svc->pass_env) + strv_len(svc->env);
    char **fixed = calloc(max, sizeof(*fixed));
    size_t n = 0;

    memset(plan, 0, sizeof(*plan));
    if (!fixed)
        goto nomem;
    if (!(fixed[n++] = strdup(SAFE_PATH)))
        goto nomem;
    if (asprintf(&fixed[n], "SUPERSERVER_SERVICE=%s", svc->name) == -1)
        goto nomem;
    n++;
    for (char **p = svc->pass_env; p && *p; p++) {
        const char *v = getenv(*p);
        char *entry;
        if (!v)
            continue;
        if (asprintf(&entry, "%s=%s", *p, v) == -1)
            goto nomem;
        env_put(fixed, &n, entry);
    }
    for (char **p = svc->env; p && *p; p++) {
        char *entry = strdup(*p);
        if (!entry)
            goto nomem;
        env_put(fixed, &n, entry);
    }
    plan->env = fixed;
    plan->n_env = n;
    return plan_groups(plan, svc, err, errlen);
nomem:
    for (size_t i = 0; fixed && i < n; i++)
        free(fixed[i]);
    free(fixed);
    snprintf(err, errlen, "out of memory");
    return -1;
}

void spawn_plan_free(struct exec_plan *plan)
{
    for (size_t i = 0; i < plan->n_env; i++)
        free(plan->env[i]);
    free(plan->env);
    free(plan->groups);
    memset(plan, 0, sizeof(*plan));
}

void spawn_env_start(struct spawn_env *e, struct spawn_request *req, char *buf, size_t len)
{
    e->buf = buf;
    e->len = len;
    e->used = 0;
    e->n = 0;
    req->conn_env[0] = NULL;
}

void spawn_env_addf(struct spawn_env *e, struct spawn_request *req, const char *fmt, ...)
{
    va_list ap;

    if (e->n >= SPAWN_CONN_VARS - 1 || e->used >= e->len)
        return;
    va_start(ap, fmt);
    int w = vsnprintf(e->buf + e->used, e->len - e->used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= e->len - e->used)
        return;
    req->conn_env[e->n++] = e->buf + e->used;
    req->conn_env[e->n] = NULL;
    e->used += (size_t)w + 1;
}

static void conn_env_inet(struct spawn_env *e, struct spawn_request *req, const char *proto,
                          int sock, const struct sockaddr *peer)
{
    struct sockaddr_storage local;
    socklen_t llen = sizeof(local);
    const struct sockaddr *where = req->local;
    char ip[ADDR_STRLEN], lip[ADDR_STRLEN];

    if (!where && getsockname(sock, (struct sockaddr *)&local, &llen) == 0)
        where = (const struct sockaddr *)&local;
    spawn_env_addf(e, req, "PROTO=%s", proto);
    if (peer) {
        addr_format_ip(peer, ip, sizeof(ip));
        spawn_env_addf(e, req, "%sREMOTEIP=%s", proto, ip);
        spawn_env_addf(e, req, "%sREMOTEPORT=%u", proto, addr_port(peer));
    }
    if (where) {
        addr_format_ip(where, lip, sizeof(lip));
        spawn_env_addf(e, req, "%sLOCALIP=%s", proto, lip);
        spawn_env_addf(e, req, "%sLOCALPORT=%u", proto, addr_port(where));
    }
    if (peer) {
        spawn_env_addf(e, req, "REMOTE_ADDR=%s", ip);
        spawn_env_addf(e, req, "REMOTE_PORT=%u", addr_port(peer));
    }
}

static void conn_env_unix(struct spawn_env *e, struct spawn_request *req, int sock)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    spawn_env_addf(e, req, "PROTO=UNIX");
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        spawn_env_addf(e, req, "UNIXREMOTEEUID=%u", (unsigned)cred.uid);
        spawn_env_addf(e, req, "UNIXREMOTEEGID=%u", (unsigned)cred.gid);
        spawn_env_addf(e, req, "UNIXREMOTEPID=%ld", (long)cred.pid);
    }
}

void spawn_conn_env(struct spawn_env *e, struct spawn_request *req, int sock,
                    const struct sockaddr *peer, socklen_t peerlen)
{
    const struct service *svc = req->svc;
    bool is_unix = svc->listen[0].kind == LISTEN_UNIX;

    (void)peerlen;
    if (svc->mode == MODE_NOWAIT) {
        if (peer && peer->sa_family == AF_UNIX)
            conn_env_unix(e, req, sock);
        else
            conn_env_inet(e, req, "TCP", sock, peer);
    } else if (svc->protocol == PROTO_UDP) {
        if (is_unix)
            spawn_env_addf(e, req, "PROTO=UNIX");
        else
            conn_env_inet(e, req, "UDP", sock, NULL);
    } else {
        if (is_unix)
            spawn_env_addf(e, req, "PROTO=UNIX");
        else
            conn_env_inet(e, req, "TCP", sock, NULL);
    }
}
