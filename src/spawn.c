/*
 * Handler start-up.  The child side (spawn_child) runs in the parent's
 * memory until execve, so it calls only async-signal-safe functions, touches
 * only the request and never allocates.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "addr.h"
#include "signals.h"
#include "spawn.h"

#define CHILD_STACK_SIZE (256 * 1024)
#define SAFE_PATH        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

static char *child_stack_top;
static struct rlimit handler_nofile;
static bool restore_nofile;

int spawn_init(const struct rlimit *nofile)
{
    struct rlimit now;

    handler_nofile = *nofile;
    restore_nofile = getrlimit(RLIMIT_NOFILE, &now) == 0 && now.rlim_cur != nofile->rlim_cur;
    void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
    if (stack == MAP_FAILED)
        return -1;
    child_stack_top = (char *)stack + CHILD_STACK_SIZE;
    return 0;
}

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
    plan->envp = calloc(SPAWN_CONN_VARS + n + 1, sizeof(char *));
    if (!plan->envp)
        goto nomem;
    memcpy(plan->envp + SPAWN_CONN_VARS, fixed, n * sizeof(char *));
    plan->n_fixed = n;
    free(fixed);
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
    for (size_t i = 0; plan->envp && i < plan->n_fixed; i++)
        free(plan->envp[SPAWN_CONN_VARS + i]);
    free(plan->envp);
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

/* Decimal of V into BUF (room for 21 bytes); async-signal-safe. */
static void fmt_ulong(char *buf, unsigned long v)
{
    char tmp[21];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (int i = 0; i < n; i++)
        buf[i] = tmp[n - 1 - i];
    buf[n] = '\0';
}

static const int rlimit_resource[RL_COUNT] = {
    [RL_CPU] = RLIMIT_CPU,     [RL_AS] = RLIMIT_AS,       [RL_NOFILE] = RLIMIT_NOFILE,
    [RL_NPROC] = RLIMIT_NPROC, [RL_FSIZE] = RLIMIT_FSIZE, [RL_CORE] = RLIMIT_CORE,
};

/* The confinement steps, in the safe order; the identity change last, checked. */
static const char *child_confine(const struct spawn_request *req)
{
    const struct service *svc = req->svc;

    if (restore_nofile && !svc->rlimits[RL_NOFILE].set &&
        setrlimit(RLIMIT_NOFILE, &handler_nofile) == -1)
        return "setrlimit";
    for (int i = 0; i < RL_COUNT; i++) {
        if (!svc->rlimits[i].set)
            continue;
        struct rlimit rl = {svc->rlimits[i].value, svc->rlimits[i].value};
        if (setrlimit(rlimit_resource[i], &rl) == -1)
            return "setrlimit";
    }
    if (svc->has_nice && setpriority(PRIO_PROCESS, 0, svc->nice) == -1)
        return "nice";
    if (svc->has_umask)
        umask(svc->umask);
    if (svc->chroot && (chroot(svc->chroot) == -1 || chdir("/") == -1))
        return "chroot";
    if (svc->chdir && chdir(svc->chdir) == -1)
        return "chdir";
    if (svc->has_user || svc->has_group) {
        if (setgroups((size_t)req->plan->n_groups, req->plan->groups) == -1)
            return "setgroups";
        if (setresgid(svc->gid, svc->gid, svc->gid) == -1)
            return "setgid";
    }
    if (svc->has_user) {
        if (setresuid(svc->uid, svc->uid, svc->uid) == -1)
            return "setuid";
        if (getuid() != svc->uid || geteuid() != svc->uid)
            return "setuid check";
        if (svc->uid != 0 && setuid(0) == 0)
            return "setuid check";
    }
    return NULL;
}

/* Put the sockets on 0, 1, 2 (and 3). dup2 clears close-on-exec on the target only. */
static const char *child_fds(const struct spawn_request *req)
{
    if (dup2(req->sock, 0) == -1 || dup2(req->sock, 1) == -1 || dup2(req->stderr_fd, 2) == -1)
        return "dup2";
    if (req->sock_on_fd3 && dup2(0, 3) == -1)
        return "dup2";
    /* Now, not at exec: with CLONE_VFORK the parent runs again before the
     * kernel closes the close-on-exec descriptors, and a copy held then keeps
     * a listener the parent closed bound (EADDRINUSE when a reload re-adds
     * its address) and a pipe it closed registered in its epoll. */
    close_range(req->sock_on_fd3 ? 4 : 3, ~0U, 0);
    return NULL;
}

/* LISTEN_PID must be the handler's own pid, known only here: the parent
 * reserved "LISTEN_PID=" plus room for the digits. */
static void child_set_listen_pid(char **envp)
{
    static const char key[] = "LISTEN_PID=";
    for (; *envp; envp++)
        if (strncmp(*envp, key, sizeof(key) - 1) == 0) {
            fmt_ulong(*envp + sizeof(key) - 1, (unsigned long)getpid());
            return;
        }
}

static int spawn_child(void *arg)
{
    struct spawn_request *req = arg;
    struct sigaction dfl;
    const char *step;

    /* Our handlers must not run here, and SIGPIPE must not stay ignored. */
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    for (int i = 0; i < signals_caught_count; i++)
        sigaction(signals_caught[i], &dfl, NULL);
    sigaction(SIGPIPE, &dfl, NULL);

    step = "setsid";
    if (setsid() == -1)
        goto fail;
    if ((step = child_fds(req)) || (step = child_confine(req)))
        goto fail;

    /* Per-connection variables go just in front of the fixed ones. */
    int n = 0;
    while (req->conn_env[n])
        n++;
    char **envp = req->plan->envp + SPAWN_CONN_VARS - n;
    for (int i = 0; i < n; i++)
        envp[i] = (char *)req->conn_env[i];
    if (req->sock_on_fd3)
        child_set_listen_pid(envp);

    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(req->svc->exec, req->svc->args, envp);
    step = "execve";
fail:
    req->child_errno = errno;
    req->failed_step = step;
    _exit(127);
}

pid_t spawn_handler(struct spawn_request *req)
{
    sigset_t all, old;

    req->child_errno = 0;
    req->failed_step = NULL;
    /* Blocked until the child has reset its dispositions: no handler of ours
     * may run on the child's side of the shared memory. */
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = clone(spawn_child, child_stack_top, CLONE_VM | CLONE_VFORK | SIGCHLD, req);
    int saved = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = saved;
    return pid;
}
