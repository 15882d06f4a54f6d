/*
 * Handler stderr into the log.  Reads are bounded per wake-up so a handler
 * writing megabytes cannot stall the loop: the pipe fills and the handler
 * waits, not the daemon.  A line longer than the buffer is logged in pieces,
 * never dropped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "carry.h"
#include "log.h"
#include "context.h"
#include "stderr_log.h"

#define STDERR_LINE_MAX    1024
#define STDERR_READ_BUDGET (64 * 1024)

struct stderr_reader {
    struct ev ev;
    struct stderr_reader *prev, *next; /* the server's list, for shutdown */
    int fd;
    pid_t pid;
    char *service;
    size_t used;
    char buf[STDERR_LINE_MAX];
};

/* The whole line, NULs and all: every byte that is not printable UTF-8 is
 * escaped, at most 4 bytes each, plus the two quotes and the terminator. */
static void emit_line(struct stderr_reader *r, const char *line, size_t len)
{
    char quoted[4 * STDERR_LINE_MAX + 3];

    if (len && line[len - 1] == '\r')
        len--;
    log_event("event=stderr service=%s pid=%d line=%s", r->service, (int)r->pid,
              log_quote_mem(line, len, quoted, sizeof(quoted)));
}

size_t stderr_log_split(const char *buf, size_t used, size_t cap, bool at_eof,
                        void (*emit)(void *ctx, const char *line, size_t len), void *ctx)
{
    size_t start = 0;

    for (size_t i = 0; i < used; i++)
        if (buf[i] == '\n') {
            emit(ctx, buf + start, i - start);
            start = i + 1;
        }
    if ((at_eof && start < used) || (start == 0 && used == cap)) {
        emit(ctx, buf + start, used - start);
        start = used;
    }
    return start;
}

static void emit_piece(void *ctx, const char *line, size_t len)
{
    emit_line(ctx, line, len);
}

/* Log every complete line in the buffer, keeping a partial one. */
static void emit_lines(struct stderr_reader *r, bool at_eof)
{
    size_t start = stderr_log_split(r->buf, r->used, sizeof(r->buf), at_eof, emit_piece, r);

    memmove(r->buf, r->buf + start, r->used - start);
    r->used -= start;
}

static void stderr_reader_ready(struct ev *ev, uint32_t events);

int stderr_log_start(struct server *s, int fd, pid_t pid, const char *service)
{
    struct stderr_reader *r = calloc(1, sizeof(*r));

    if (!r || !(r->service = strdup(service))) {
        free(r);
        return -1;
    }
    loop_ev_set(&r->ev, fd, stderr_reader_ready, s);
    r->fd = fd;
    r->pid = pid;
    if (loop_watch(&s->loop, &r->ev, EPOLLIN) == -1) {
        free(r->service);
        free(r);
        return -1;
    }
    r->next = s->readers;
    if (s->readers)
        s->readers->prev = r;
    s->readers = r;
    return 0;
}

/* Out of epoll explicitly: a close() does not unregister while a child
 * being spawned still holds a copy of the pipe. */
static void stderr_reader_free(struct server *s, struct stderr_reader *r)
{
    loop_forget(&s->loop, &r->ev);
    if (r->prev)
        r->prev->next = r->next;
    else
        s->readers = r->next;
    if (r->next)
        r->next->prev = r->prev;
    close(r->fd);
    free(r->service);
    free(r);
}

void stderr_log_close_all(struct server *s)
{
    while (s->readers) {
        emit_lines(s->readers, true);
        stderr_reader_free(s, s->readers);
    }
}

static void stderr_reader_fields(struct carry *c, struct stderr_reader *r, char *service,
                                 size_t cap)
{
    carry_fd(c, "fd", &r->fd);
    carry_int(c, "pid", &r->pid);
    carry_str(c, "service", service, cap);
    carry_bytes_max(c, "partial", r->buf, sizeof(r->buf), &r->used);
}

/* One reader as the old image left it; its descriptor is watched again. */
static void stderr_reader_restore(struct carry *c, void *server)
{
    struct server *s = server;
    struct stderr_reader r = {.fd = -1};
    char service[256] = "";

    stderr_reader_fields(c, &r, service, sizeof(service));
    if (c->failed || r.fd < 0)
        return;
    if (stderr_log_start(s, r.fd, r.pid, service) == -1) {
        close(r.fd);
        return;
    }
    memcpy(s->readers->buf, r.buf, r.used);
    s->readers->used = r.used;
}

void stderr_log_carry(struct carry *c, struct server *s)
{
    if (!c->writing) {
        carry_read_list(c, "stderr_readers", stderr_reader_restore, s);
        return;
    }
    carry_enter(c, "stderr_readers");
    for (struct stderr_reader *r = s->readers; r; r = r->next) {
        carry_item(c);
        stderr_reader_fields(c, r, r->service, strlen(r->service) + 1);
        carry_leave(c);
    }
    carry_leave(c);
}

static void stderr_reader_ready(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;
    struct stderr_reader *r = LOOP_OWNER(ev, struct stderr_reader, ev);

    (void)events;
    for (size_t budget = 0; budget < STDERR_READ_BUDGET;) {
        ssize_t n = read(r->fd, r->buf + r->used, sizeof(r->buf) - r->used);
        if (n > 0) {
            r->used += (size_t)n;
            budget += (size_t)n;
            emit_lines(r, false);
            continue;
        }
        if (n == -1 && (errno == EAGAIN || errno == EINTR))
            return;
        /* EOF (every writer gone) or an error: finish. */
        emit_lines(r, true);
        stderr_reader_free(s, r);
        return;
    }
}
