/*
 * An upgrade in the old image (upgrade.h): one at a time; the check of the
 * new binary (upgrade_check.c), then a reload of the config (the turn's,
 * server.c), then the exec.
 * Everything the exec needs is made before anything is changed, and every
 * change is undone when execve returns: a failed upgrade leaves the daemon
 * as it was, serving, and says why (event=upgrade result=error, and to the
 * client that asked).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "carry.h"
#include "clock.h"
#include "context.h"
#include "control.h"
#include "log.h"
#include "notify.h"
#include "outbuf.h"
#include "proxy_pending.h"
#include "reload.h"
#include "spawner.h"
#include "upgrade.h"
#include "upgrade_int.h"

extern char **environ;

/* Done, whatever the outcome: the next one may start. */
static void upgrade_end(struct server *s)
{
    struct upgrade *u = s->upgrade;

    if (!u)
        return;
    upgrade_check_stop(s, u);
    free(u);
    s->upgrade = NULL;
}

/* Nothing changed: log why, tell the clients that asked. */
static void upgrade_fail(struct server *s, const char *why)
{
    char quoted[1400], msg[1200];

    log_event_err("event=upgrade result=error error=%s", log_quote(why, quoted, sizeof(quoted)));
    snprintf(msg, sizeof(msg), "upgrade: %s", why);
    control_upgrade_done(s, msg);
    upgrade_end(s);
}

/* The record in a memfd (close-on-exec until the exec), at offset 0. */
static int record_memfd(const unsigned char *data, size_t len, char *err, size_t errlen)
{
    int fd = memfd_create("superserverd-upgrade", MFD_CLOEXEC);

    if (fd == -1) {
        snprintf(err, errlen, "memfd_create: %s", strerror(errno));
        return -1;
    }
    for (size_t off = 0; off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "writing the state: %s", strerror(errno));
            close(fd);
            return -1;
        }
        off += (size_t)n;
    }
    if (lseek(fd, 0, SEEK_SET) == -1) {
        snprintf(err, errlen, "lseek: %s", strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

static bool env_ours(const char *e)
{
    return strncmp(e, "SUPERSERVER_UPGRADE_", 20) == 0 || strncmp(e, "NOTIFY_SOCKET=", 14) == 0;
}

/* "NAME=" and the listening sockets' numbers, comma-separated. */
static char *listen_list(const struct server *s)
{
    size_t cap = sizeof(UPGRADE_ENV_LISTEN) + 12 * (s->n_listeners + 1), len;
    char *v = malloc(cap);

    if (!v)
        return NULL;
    const char *sep = "";
    len = (size_t)snprintf(v, cap, "%s=", UPGRADE_ENV_LISTEN);
    for (size_t i = 0; i < s->n_listeners; i++) {
        if (s->listeners[i]->closed)
            continue;
        len += (size_t)snprintf(v + len, cap - len, "%s%d", sep, s->listeners[i]->fd);
        sep = ",";
    }
    return v;
}

/* "NAME=" and, per service with connections waiting for their PROXY
 * header, "SERVICE:N", comma-separated (service names have neither); NULL
 * when there are none, or too many services to say in one variable (then
 * only the record names them). */
static char *pending_list(const struct server *s)
{
    struct outbuf ob;
    bool any = false;

    outbuf_init(&ob, NULL, UPGRADE_ENV_PENDING_MAX);
    outbuf_printf(&ob, "%s=", UPGRADE_ENV_PENDING);
    for (size_t i = 0; s->cfg && i < s->cfg->n_services; i++) {
        unsigned n = s->states[i] ? proxy_pending_count(s->states[i]) : 0;
        if (n)
            outbuf_printf(&ob, "%s%s:%u", any ? "," : "", s->states[i]->name, n);
        any = any || n;
    }
    if (!any || ob.failed) {
        outbuf_free(&ob);
        return NULL;
    }
    return ob.data;
}

/* The new image's environment: ours, less what we add, plus where the
 * record is, the listening sockets, the client, the PROXY connections by
 * service and $NOTIFY_SOCKET.  The strings it adds are its own (freed by
 * env_free). */
static char **env_make(const struct server *s, int memfd, int client)
{
    size_t n = 0, k = 0;

    while (environ[n])
        n++;
    char **env = calloc(n + 6, sizeof(*env));
    if (!env)
        return NULL;
    char *added[5] = {NULL, NULL, NULL, NULL, NULL};
    if (asprintf(&added[0], "%s=%d", UPGRADE_ENV_STATE, memfd) < 0)
        added[0] = NULL;
    added[1] = listen_list(s);
    if (client >= 0 && asprintf(&added[2], "%s=%d", UPGRADE_ENV_CLIENT, client) < 0)
        added[2] = NULL;
    if (notify_socket() && asprintf(&added[3], "NOTIFY_SOCKET=%s", notify_socket()) < 0)
        added[3] = NULL;
    added[4] = pending_list(s);
    if (!added[0] || !added[1]) {
        for (int i = 0; i < 5; i++)
            free(added[i]);
        free(env);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        if (!env_ours(environ[i]))
            env[k++] = environ[i];
    for (int i = 0; i < 5; i++)
        if (added[i])
            env[k++] = added[i];
    return env;
}

static void env_free(char **env)
{
    if (!env)
        return;
    for (size_t i = 0; env[i]; i++)
        if (env_ours(env[i]))
            free(env[i]);
    free(env);
}

static void set_cloexec(const int *fds, size_t n, bool on)
{
    for (size_t i = 0; i < n; i++)
        fcntl(fds[i], F_SETFD, on ? FD_CLOEXEC : 0);
}

/* The exec itself: every signal blocked across it (a SIGCHLD stays pending
 * for the new image's sweep, a SIGTERM for its loop), close-on-exec cleared
 * on the record's descriptors only.  Returns only when execve failed, with
 * everything as it was. */
static void exec_new_image(struct server *s, struct carry *c, int memfd, char **env, char *err,
                           size_t errlen)
{
    sigset_t all, old;

    log_flush();
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    set_cloexec(c->fds, c->n_fds, false);
    fcntl(memfd, F_SETFD, 0);
    execve(s->self_path, s->argv, env);
    int e = errno;
    fcntl(memfd, F_SETFD, FD_CLOEXEC);
    set_cloexec(c->fds, c->n_fds, true);
    sigprocmask(SIG_SETMASK, &old, NULL);
    snprintf(err, errlen, "execve %s: %s", s->self_path, strerror(e));
}

/* Write the record and exec; -1 with ERR (nothing changed) otherwise. */
static int upgrade_exec(struct server *s, char *err, size_t errlen)
{
    struct carry c;
    const unsigned char *data;
    size_t len;
    int memfd = -1;
    char **env = NULL;

    /* A child between clone and exec still runs on our memory; a spawner's
     * answer not read yet names a handler the record would not have. */
    if (!spawn_quiesce(&s->spawner)) {
        snprintf(err, errlen, "a handler start is stuck in the kernel; try again later");
        return -1;
    }
    spawn_collect(&s->spawner);
    if (!spawner_quiesce(s, UPGRADE_SPAWNERS_NS)) {
        snprintf(err, errlen, "a spawner has not answered for its connections; try again later");
        return -1;
    }
    carry_write_init(&c);
    upgrade_save(s, &c);
    if (carry_write_finish(&c, UPGRADE_STATE_VERSION, &data, &len) == -1)
        snprintf(err, errlen, "writing the state: %s", c.err);
    else if ((memfd = record_memfd(data, len, err, errlen)) >= 0 &&
             !(env = env_make(s, memfd, control_upgrade_client(s))))
        snprintf(err, errlen, "out of memory");
    if (env)
        exec_new_image(s, &c, memfd, env, err, errlen);
    env_free(env);
    if (memfd >= 0)
        close(memfd);
    carry_free(&c);
    return -1;
}

void upgrade_checked(struct server *s, const char *error)
{
    if (error) {
        upgrade_fail(s, error);
        return;
    }
    /* An upgrade is also a reload: made here first, by the binary that
     * runs, so that the new image finds the config already in service
     * (every socket it needs open); a config that does not load fails the
     * upgrade with nothing changed.  From here to the new image's start
     * nothing is accepted (the window the new image logs). */
    s->paused_ns = clock_now_ns();
    s->upgrade->reloading = true;
    reload_request(s);
}

bool upgrade_waits_for_reload(const struct server *s)
{
    return s->upgrade && s->upgrade->reloading;
}

void upgrade_reloaded(struct server *s, const struct reload_result *r)
{
    char err[1200];

    if (!s->upgrade || !s->upgrade->reloading)
        return;
    if (!r->ok) {
        snprintf(err, sizeof(err), "the config does not load: %s", r->error);
        upgrade_fail(s, err);
        return;
    }
    if (upgrade_exec(s, err, sizeof(err)) == -1) {
        notify_send("READY=1"); /* RELOADING=1 came with the reload */
        upgrade_fail(s, err);
    }
}

int upgrade_start(struct server *s, char *err, size_t errlen)
{
    struct upgrade *u;
    char why[600];

    if (s->upgrade) {
        snprintf(err, errlen, "upgrade: busy: an upgrade is already under way");
        return -1;
    }
    if (!(u = calloc(1, sizeof(*u)))) {
        snprintf(err, errlen, "upgrade: out of memory");
        return -1;
    }
    u->out.fd = -1;
    s->upgrade = u;
    if (upgrade_check_start(s, u, why, sizeof(why)) == -1) {
        upgrade_fail(s, why);
        snprintf(err, errlen, "upgrade: %s", why);
        return -1;
    }
    return 0;
}

void upgrade_free(struct server *s)
{
    upgrade_end(s);
}
