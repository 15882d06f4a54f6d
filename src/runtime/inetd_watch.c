/*
 * The inetd_conf watch (see inetd_watch.h).  The folder is watched, not the
 * file: update-inetd writes a new file and renames it over the old one, so
 * a watch on the file would follow the old inode into oblivion.  Events are
 * filtered by name; an overflowed queue counts as a change.  The watch
 * itself only arms its debounce timer, which asks for the reload
 * (reload.h): it runs in the turn, as SIGHUP's does.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "inetd_watch.h"
#include "log.h"
#include "reload.h"

#define WATCH_MASK                                                                                 \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_MOVED_FROM | IN_ATTRIB)
/* Reads of the inotify queue per wake-up: the rest waits for the next turn. */
#define WATCH_MAX_READS 16

struct inetd_watch {
    struct ev ev;          /* the inotify descriptor */
    int wd;                /* the folder's watch; -1 when it went away */
    char *path;            /* the file, as the config names it */
    const char *name;      /* its last component, inside path */
    uint64_t first_ns;     /* first event of the burst; 0: none */
    struct timer debounce; /* asks for the reload when the burst is over */
    struct server *s;
};

/* Did the batch of events in BUF (LEN bytes) touch our file? */
static bool batch_touches(struct inetd_watch *w, const char *buf, ssize_t len)
{
    bool touched = false;

    for (ssize_t off = 0; off + (ssize_t)sizeof(struct inotify_event) <= len;) {
        const struct inotify_event *e = (const struct inotify_event *)(buf + off);
        if (e->mask & IN_Q_OVERFLOW)
            touched = true;
        else if (e->wd == w->wd && (e->mask & IN_IGNORED)) {
            log_warnx("inetd_conf: the folder of %s is gone: changes need SIGHUP", w->path);
            w->wd = -1;
            touched = true;
        } else if (e->wd == w->wd && e->len > 0 && strcmp(e->name, w->name) == 0)
            touched = true;
        off += (ssize_t)sizeof(struct inotify_event) + e->len;
    }
    return touched;
}

static void watch_ready(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    struct inetd_watch *w = LOOP_OWNER(ev, struct inetd_watch, ev);
    char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
    bool touched = false;

    (void)events;
    for (int i = 0; i < WATCH_MAX_READS; i++) {
        ssize_t n = read(ev->fd, buf, sizeof(buf));
        if (n <= 0) {
            if (n < 0 && errno != EAGAIN && errno != EINTR)
                log_warn("inetd_conf: reading the watch of %s", w->path);
            break;
        }
        touched |= batch_touches(w, buf, n);
    }
    if (!touched)
        return;
    uint64_t now = clock_now_ns(), due = now + INETD_WATCH_DEBOUNCE_NS;
    if (w->first_ns == 0)
        w->first_ns = now;
    if (due > w->first_ns + INETD_WATCH_MAX_DELAY_NS)
        due = w->first_ns + INETD_WATCH_MAX_DELAY_NS;
    timers_arm(&s->loop.timers, &w->debounce, due);
    log_debug("event=inetd_conf_changed path=%s", w->path);
}

void inetd_watch_close(struct server *s)
{
    struct inetd_watch *w = s->inetd;

    if (w == NULL)
        return;
    timers_cancel(&s->loop.timers, &w->debounce);
    if (w->ev.fd >= 0) {
        loop_forget(&s->loop, &w->ev);
        close(w->ev.fd);
    }
    free(w->path);
    free(w);
    s->inetd = NULL;
}

/* The burst of changes is over: reload. */
static void watch_settled(struct timer *t, uint64_t now)
{
    struct inetd_watch *w = LOOP_OWNER(t, struct inetd_watch, debounce);

    (void)now;
    w->first_ns = 0;
    reload_request(w->s);
}

/* A new watch of PATH's folder, or NULL (logged). */
static struct inetd_watch *watch_open(struct server *s, const char *path)
{
    struct inetd_watch *w = calloc(1, sizeof(*w));
    char *slash;

    if (w == NULL || (w->path = strdup(path)) == NULL) {
        free(w);
        log_warnx("inetd_conf: out of memory: changes to %s need SIGHUP", path);
        return NULL;
    }
    slash = strrchr(w->path, '/'); /* the path is absolute */
    w->wd = -1;
    w->s = s;
    timer_set(&w->debounce, watch_settled, NULL);
    int fd = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
    loop_ev_set(&w->ev, fd, watch_ready, s);
    if (fd >= 0) {
        *slash = '\0';
        w->wd = inotify_add_watch(fd, slash == w->path ? "/" : w->path, WATCH_MASK);
        *slash = '/';
    }
    w->name = slash + 1;
    if (fd < 0 || w->wd < 0 || loop_watch(&s->loop, &w->ev, EPOLLIN) < 0) {
        log_warn("inetd_conf: cannot watch the folder of %s (changes need SIGHUP)", path);
        if (fd >= 0)
            close(fd);
        free(w->path);
        free(w);
        return NULL;
    }
    return w;
}

void inetd_watch_sync(struct server *s)
{
    const char *path = s->cfg ? s->cfg->inetd_conf : NULL;
    struct inetd_watch *w = s->inetd;

    if (w != NULL && path != NULL && strcmp(w->path, path) == 0 && w->wd >= 0) {
        w->first_ns = 0; /* this activation read the file */
        timers_cancel(&s->loop.timers, &w->debounce);
        return;
    }
    inetd_watch_close(s);
    if (path != NULL)
        s->inetd = watch_open(s, path);
}

void inetd_watch_report(const struct config *cfg)
{
    for (size_t i = 0; i < cfg->n_warnings; i++)
        log_warnx("%s", cfg->warnings[i]);
}
