/*
 * metrics-http: a Prometheus scrape target as an ordinary service.  It
 * reads one HTTP/1.x request head (bounded in size and time) and answers
 * `GET /metrics` (or HEAD; a query string is ignored) with the daemon's
 * `metrics` answer from the control socket, Content-Type
 * "text/plain; version=0.0.4".  Another path gets 404, another method 405,
 * a malformed head 400, a slow one 408, and 503 when the daemon cannot be
 * reached or refuses: each with a fixed body, the reason of a 503 going to
 * stderr only.  The socket is found as superserverctl finds it: -s SOCKET,
 * else `control` of -c CONFIG, else the default.
 */
#include <getopt.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "ctl_client.h"
#include "ctl_proto.h"
#include "handler_io.h"

#define READ_MS    10000 /* the whole head must arrive within this */
#define HEAD_MAX   8192
#define CTL_MS     10000 /* the daemon's answer must arrive within this */
#define METRICS_CT "text/plain; version=0.0.4; charset=utf-8"

/* Set once by main from the options: where the daemon answers. */
static char ctl_path[4096];
static char ctl_note[1200];

/* Read a request head (up to its empty line) into BUF: 0, or the HTTP status to answer. */
static int read_head(int fd, char *buf, size_t size)
{
    long long deadline = handler_now_ms() + READ_MS;
    size_t len = 0;

    for (;;) {
        long long left = deadline - handler_now_ms();
        if (left <= 0 || handler_wait_fd(fd, POLLIN, (int)left) == 0)
            return 408;
        ssize_t n = handler_read(fd, buf + len, size - 1 - len);
        if (n < 0)
            return -1;
        if (n == 0)
            return len == 0 ? -1 : 400;
        if (memchr(buf + len, '\0', (size_t)n) != NULL)
            return 400;
        len += (size_t)n;
        buf[len] = '\0';
        if (strstr(buf, "\r\n\r\n") != NULL || strstr(buf, "\n\n") != NULL)
            return 0;
        if (len >= size - 1)
            return 431;
    }
}

/* The request line "METHOD TARGET HTTP/1.x": 200, 404, 405 or 400; HEAD sets *IS_HEAD. */
static int check_request(const char *head, bool *is_head)
{
    char method[16], target[HEAD_MAX], version[16], line[HEAD_MAX + 40], extra;
    int n;

    while (*head == '\r' || *head == '\n')
        head++;
    if (sscanf(head, "%15s %8191s %15s%c", method, target, version, &extra) != 4 ||
        (extra != '\r' && extra != '\n') || strncmp(version, "HTTP/1.", 7) != 0 ||
        strlen(version) != 8)
        return 400;
    /* sscanf skips any run of white space: the line must be the three words and single spaces. */
    n = snprintf(line, sizeof(line), "%s %s %s", method, target, version);
    if (n < 0 || strncmp(head, line, (size_t)n) != 0)
        return 400;
    *is_head = strcmp(method, "HEAD") == 0;
    if (!*is_head && strcmp(method, "GET") != 0)
        return 405;
    return strcspn(target, "?") == 8 && strncmp(target, "/metrics", 8) == 0 ? 200 : 404;
}

/*
 * Why a scrape failed, for the admin: on stderr (the daemon's log, with
 * `stderr: log`), never in the HTTP body, which anyone who can reach the
 * port reads.  Not when stderr is the connection itself (`stderr: socket`).
 */
static void tell_admin(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void tell_admin(const char *fmt, ...)
{
    struct stat err, conn;
    va_list ap;

    if (fstat(2, &err) == 0 && fstat(1, &conn) == 0 && err.st_dev == conn.st_dev &&
        err.st_ino == conn.st_ino)
        return;
    fputs("metrics-http: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

/* Ask the daemon for its metrics: 200 and the body in OUT, or 503 (the reason on stderr). */
static int fetch_metrics(struct outbuf *out)
{
    struct outbuf ans;
    char err[1400];
    size_t body = 0, len = 0;
    int rc;

    outbuf_init(&ans, NULL, CTL_ANSWER_MAX);
    if (ctl_client_call(ctl_path, "metrics\n", CTL_MS, &ans, err, sizeof(err)) < 0) {
        tell_admin("%s%s", err, ctl_note);
        outbuf_free(&ans);
        return 503;
    }
    rc = ctl_response_parse(ans.data ? ans.data : "", ans.len, &body, &len);
    if (rc == 1)
        outbuf_add(out, ans.data + body, len);
    else if (rc == 0)
        tell_admin("%s: the daemon refused: %.*s", ctl_path, (int)len, ans.data + body);
    else
        tell_admin("%s: no valid answer from the daemon", ctl_path);
    outbuf_free(&ans);
    return rc == 1 ? 200 : 503;
}

static int metrics_stream(int in, int out)
{
    static char head[HEAD_MAX + 1];
    struct outbuf body, resp;
    bool is_head = false;
    int status = read_head(in, head, sizeof(head)), rc;

    if (status < 0)
        return 0; /* the client left without a request: nobody to answer */
    if (status == 0)
        status = check_request(head, &is_head);
    outbuf_init(&body, NULL, CTL_ANSWER_MAX);
    if (status == 200)
        status = fetch_metrics(&body);
    if (status != 200) /* a fixed text: a failed scrape's reason is on stderr */
        outbuf_printf(&body, "%d %s\n", status, handler_http_reason(status));
    outbuf_init(&resp, NULL, CTL_ANSWER_MAX + 1024);
    outbuf_printf(&resp,
                  "HTTP/1.1 %d %s\r\nServer: superserver-metrics-http\r\n"
                  "Content-Type: %s\r\nContent-Length: %zu\r\n%sConnection: close\r\n\r\n",
                  status, handler_http_reason(status),
                  status == 200 ? METRICS_CT : "text/plain; charset=utf-8", body.len,
                  status == 405 ? "Allow: GET, HEAD\r\n" : "");
    if (!is_head)
        outbuf_add(&resp, body.data ? body.data : "", body.len);
    rc = resp.failed ? 1 : handler_reply(in, out, resp.data, resp.len);
    outbuf_free(&body);
    outbuf_free(&resp);
    return rc;
}

int main(int argc, char **argv)
{
    static const struct handler_ops ops = {
        .stream = metrics_stream,
        .stream_only = "metrics-http: HTTP needs a stream socket (protocol tcp)",
    };
    const char *socket = NULL, *config = DEFAULT_CONFIG;
    char err[1024];
    int c;

    while ((c = getopt(argc, argv, "s:c:")) != -1) {
        if (c == 's')
            socket = optarg;
        else if (c == 'c')
            config = optarg;
        else {
            fputs("usage: metrics-http [-s SOCKET | -c CONFIG]\n", stderr);
            return 2;
        }
    }
    if (socket != NULL)
        snprintf(ctl_path, sizeof(ctl_path), "%s", socket);
    else if (config_control_path(config, ctl_path, sizeof(ctl_path), err, sizeof(err)) < 0)
        snprintf(ctl_note, sizeof(ctl_note),
                 " (the default socket, as the config could not be read: %s)", err);
    else if (ctl_path[0] == '\0')
        snprintf(ctl_path, sizeof(ctl_path), "%s", "(control is off)");
    return handler_run(&ops);
}
