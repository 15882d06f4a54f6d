/*
 * What a new image inherits from an upgrade (upgrade.h): the environment's
 * names (the record's memfd, the listening sockets, the client that
 * asked, the PROXY connections by service), the record read and checked
 * whole before anything is opened, the fallback when it cannot be (only
 * the listening sockets and the client stay open, for a start from the
 * config; the PROXY connections closed are said), and the end: the log
 * line, the clients' answers, READY=1.
 */
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "activate.h"
#include "carry.h"
#include "clock.h"
#include "context.h"
#include "control.h"
#include "log.h"
#include "notify.h"
#include "process.h"
#include "refusals.h"
#include "upgrade.h"
#include "upgrade_int.h"

/* A descriptor number from the environment, or -1. */
static int env_fd(const char *v)
{
    char *end;
    long n = v ? strtol(v, &end, 10) : -1;

    return v && end != v && n >= 3 && n <= 1 << 24 ? (int)n : -1;
}

static void parse_listen(struct upgrade_inherited *u, const char *v)
{
    size_t n = 1;

    for (const char *p = v; p && *p; p++)
        n += *p == ',';
    if (!v || !(u->listen_fds = calloc(n, sizeof(*u->listen_fds))))
        return;
    for (const char *p = v; *p;) {
        char *end;
        long fd = strtol(p, &end, 10);
        if (end == p)
            break;
        if (fd >= 3 && fd <= 1 << 24)
            u->listen_fds[u->n_listen++] = (int)fd;
        p = *end == ',' ? end + 1 : end;
    }
}

/* The whole record from FD (a memfd at offset 0), which is closed. */
static int read_record(struct upgrade_inherited *u, int fd)
{
    struct stat st;

    if (fd < 0 || fstat(fd, &st) == -1 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
        (uint64_t)st.st_size > CARRY_MAX_BYTES) {
        snprintf(u->why, sizeof(u->why), "the state descriptor is not a state record");
        if (fd >= 0)
            close(fd);
        return -1;
    }
    u->len = (size_t)st.st_size;
    u->record = malloc(u->len);
    for (size_t off = 0; u->record && off < u->len;) {
        ssize_t n = pread(fd, u->record + off, u->len - off, (off_t)off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(u->record);
            u->record = NULL;
            break;
        }
        off += (size_t)n;
    }
    close(fd);
    if (!u->record) {
        snprintf(u->why, sizeof(u->why), "cannot read the state record");
        return -1;
    }
    return 0;
}

static int cmp_fd(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* Close every descriptor from 3 on but the listening sockets and the
 * client: what the unreadable record named must not leak. */
static void close_all_but_kept(struct upgrade_inherited *u)
{
    size_t n = 0;
    int *keep = calloc(u->n_listen + 2, sizeof(*keep));
    unsigned lo = 3;

    if (keep) {
        for (size_t i = 0; i < u->n_listen; i++)
            keep[n++] = u->listen_fds[i];
        if (u->client_fd >= 0)
            keep[n++] = u->client_fd;
        qsort(keep, n, sizeof(*keep), cmp_fd);
    }
    for (size_t i = 0; i < n; i++) {
        if ((unsigned)keep[i] > lo)
            close_range(lo, (unsigned)keep[i] - 1, 0);
        lo = (unsigned)keep[i] + 1;
    }
    close_range(lo, ~0U, 0);
    free(keep);
}

void upgrade_inherit(struct upgrade_inherited *u)
{
    const char *state = getenv(UPGRADE_ENV_STATE);

    memset(u, 0, sizeof(*u));
    u->client_fd = -1;
    if (!state)
        return;
    u->active = true;
    parse_listen(u, getenv(UPGRADE_ENV_LISTEN));
    u->client_fd = env_fd(getenv(UPGRADE_ENV_CLIENT));
    const char *pending = getenv(UPGRADE_ENV_PENDING);
    u->proxy_pending = pending ? strdup(pending) : NULL;
    int fd = env_fd(state);
    unsetenv(UPGRADE_ENV_STATE);
    unsetenv(UPGRADE_ENV_LISTEN);
    unsetenv(UPGRADE_ENV_CLIENT);
    unsetenv(UPGRADE_ENV_PENDING);
    if (read_record(u, fd) == 0 &&
        carry_read_open(&u->carry, u->record, u->len, UPGRADE_STATE_VERSION, u->why,
                        sizeof(u->why)) == 0) {
        u->readable = true;
        carry_str(&u->carry, "version", u->old_version, sizeof(u->old_version));
        return;
    }
    close_all_but_kept(u);
}

bool upgrade_inherited_pidfile(struct upgrade_inherited *u, struct pidfile *pf)
{
    if (!u->readable)
        return false;
    process_pidfile_carry(&u->carry, pf);
    return pf->fd >= 0;
}

void upgrade_inherited_sockets(struct upgrade_inherited *u, struct listener_registry *reg)
{
    if (u->active && !u->readable)
        for (size_t i = 0; i < u->n_listen; i++)
            listener_adopt_add(reg, u->listen_fds[i]);
}

void upgrade_inherited_free(struct upgrade_inherited *u)
{
    free(u->record);
    free(u->listen_fds);
    free(u->proxy_pending);
    u->record = NULL;
    u->listen_fds = NULL;
    u->proxy_pending = NULL;
}

/*
 * The record unread, the connections that were waiting for their PROXY
 * header went with every other descriptor it named: each service's number
 * of them, from the environment, is one refusal line (proxy_untrusted: as a
 * reload closes the connections it no longer takes a header from), counted
 * in the service when it is still in service.
 */
static void refuse_unread_pending(struct server *s, const char *list)
{
    char name[256];

    for (const char *p = list; p && *p;) {
        size_t len = strcspn(p, ":,");
        char *end;
        unsigned long n = p[len] == ':' ? strtoul(p + len + 1, &end, 10) : 0;
        if (n > 0 && n <= UINT_MAX && len > 0 && len < sizeof(name)) {
            memcpy(name, p, len);
            name[len] = '\0';
            refusals_record_count(activate_service_state(s, name), name, REFUSE_PROXY_UNTRUSTED,
                                  (unsigned)n);
        }
        p += strcspn(p, ",");
        p += *p == ',';
    }
}

void upgrade_finish(struct server *s)
{
    struct upgrade_inherited *u = s->inherited;
    char quoted[1300], msg[600];

    if (!u || !u->active)
        return;
    if (u->readable) {
        uint64_t now = clock_now_ns();
        s->upgrades++;
        log_event(
            "event=upgrade result=ok version=%s from=%s handlers=%u sockets=%zu "
            "window_ms=%llu",
            PACKAGE_VERSION, u->old_version[0] ? u->old_version : "-", u->handlers, s->n_listeners,
            (unsigned long long)(now > u->paused_ns ? (now - u->paused_ns) / NSEC_PER_MSEC : 0));
        control_reload_done(s, &u->activated);
        control_upgrade_done(s, NULL);
    } else {
        refuse_unread_pending(s, u->proxy_pending);
        snprintf(msg, sizeof(msg),
                 "the carried state could not be read (%s): started from the config with the "
                 "inherited sockets",
                 u->why);
        log_event_err("event=upgrade result=error version=%s sockets=%zu error=%s", PACKAGE_VERSION,
                      s->n_listeners, log_quote(msg, quoted, sizeof(quoted)));
        if (u->client_fd >= 0)
            control_adopt_waiting(s, u->client_fd);
        u->client_fd = -1;
        snprintf(quoted, sizeof(quoted), "upgrade: %s", msg);
        control_upgrade_done(s, quoted);
    }
    /* The same pid: systemd's MAINPID stays, said again all the same. */
    snprintf(msg, sizeof(msg), "READY=1\nMAINPID=%d", (int)getpid());
    notify_send(msg);
}
