/*
 * hello-http: a minimal HTTP/1.x responder for trying the daemon with curl or
 * a browser.  It reads one request head (bounded in size and time), checks
 * its syntax, answers with a short text/plain body and closes the connection.
 * GET and HEAD get 200; other methods 405; a malformed head 400; one over
 * HEAD_MAX bytes 431; an HTTP version other than 1.x 505; a client that is
 * too slow 408.  handler_io does the rest: the linger before the close,
 * accepting on a listening socket (tcp wait or prefork), refusing udp.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "handler_io.h"

#define READ_MS      10000 /* the whole head must arrive within this */
#define HEAD_MAX     8192
#define RESPONSE_MAX 1024

static const char hello_body[] = "hello from superserver\n";

/* Where the head in BUF ends (just past its empty line), or 0 if not yet. */
static size_t head_end(const char *buf, size_t len)
{
    for (size_t i = 1; i < len; i++) {
        if (buf[i] != '\n')
            continue;
        if (buf[i - 1] == '\n')
            return i + 1;
        if (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n')
            return i + 1;
    }
    return 0;
}

enum read_result { READ_OK, READ_EOF, READ_PARTIAL, READ_TIMEOUT, READ_TOO_BIG, READ_ERROR };

/*
 * Read a request head into BUF (NUL-terminated, *lenp bytes).  Empty lines
 * before the request line are skipped, as RFC 9112 asks.  Bytes after the
 * head (a body) are left for linger_close to drop.
 */
static enum read_result read_head(int fd, char *buf, size_t size, size_t *lenp)
{
    long long deadline = handler_now_ms() + READ_MS;
    size_t len = 0;

    for (;;) {
        long long left = deadline - handler_now_ms();
        if (left <= 0 || handler_wait_fd(fd, POLLIN, (int)left) == 0)
            return READ_TIMEOUT;
        ssize_t n = read(fd, buf + len, size - 1 - len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
                continue;
            return READ_ERROR;
        }
        if (n == 0)
            return len == 0 ? READ_EOF : READ_PARTIAL;
        len += (size_t)n;
        size_t skip = 0;
        while (skip < len && (buf[skip] == '\r' || buf[skip] == '\n'))
            skip++;
        memmove(buf, buf + skip, len - skip);
        len -= skip;
        size_t end = head_end(buf, len);
        if (end > 0) {
            buf[end] = '\0';
            *lenp = end;
            return READ_OK;
        }
        if (len >= size - 1)
            return READ_TOO_BIG;
    }
}

/* RFC 9110 tchar: the characters of a method or a header field name. */
static bool is_tchar(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

/* Length of the token at P. */
static size_t token_len(const char *p)
{
    size_t n = 0;

    while (is_tchar(p[n]))
        n++;
    return n;
}

/* Cut the next line off *P (LF or CRLF), or NULL at the end of the head. */
static char *next_line(char **p)
{
    char *line = *p, *nl = strchr(line, '\n');

    if (nl == NULL)
        return NULL;
    *p = nl + 1;
    if (nl > line && nl[-1] == '\r')
        nl--;
    *nl = '\0';
    return line;
}

/* Check one header field line "name: value": 0 when well formed. */
static int check_field(const char *line)
{
    size_t n = token_len(line);

    if (n == 0 || line[n] != ':')
        return -1; /* also rejects obsolete folding: a line starting with a space */
    for (const char *v = line + n + 1; *v; v++) {
        unsigned char c = (unsigned char)*v;
        if ((c < 0x20 && c != '\t') || c == 0x7f)
            return -1;
    }
    return 0;
}

/* Parse the head; answer a status and whether the method wants a body. */
static int parse_head(char *head, bool *is_head)
{
    char *p = head, *line = next_line(&p);
    size_t n;

    if (line == NULL || (n = token_len(line)) == 0 || line[n] != ' ')
        return 400;
    *is_head = n == 4 && strncmp(line, "HEAD", 4) == 0;
    bool is_get = n == 3 && strncmp(line, "GET", 3) == 0;
    char *target = line + n + 1;
    size_t t = 0;
    while (target[t] > ' ' && target[t] < 0x7f)
        t++;
    if (t == 0 || target[t] != ' ')
        return 400;
    const char *version = target + t + 1;
    if (strncmp(version, "HTTP/", 5) != 0 || version[5] < '0' || version[5] > '9' ||
        version[6] != '.' || version[7] < '0' || version[7] > '9' || version[8] != '\0')
        return 400;
    while ((line = next_line(&p)) != NULL && *line != '\0')
        if (check_field(line) < 0)
            return 400;
    if (version[5] != '1')
        return 505;
    return is_get || *is_head ? 200 : 405;
}

/*
 * Format a complete response with STATUS into BUF: its length, or 0 if it
 * does not fit.  Errors are answered with their reason as the body.
 */
static size_t format_response(char *buf, size_t size, int status, bool with_body)
{
    char date[64], body[64];
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL ||
        strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm) == 0)
        date[0] = '\0';
    if (status == 200)
        snprintf(body, sizeof body, "%s", hello_body);
    else
        snprintf(body, sizeof body, "%d %s\n", status, handler_http_reason(status));
    int n = snprintf(buf, size,
                     "HTTP/1.1 %d %s\r\n"
                     "Date: %s\r\n"
                     "Server: superserver-hello-http\r\n"
                     "Content-Type: text/plain; charset=utf-8\r\n"
                     "Content-Length: %zu\r\n"
                     "%s"
                     "Connection: close\r\n"
                     "\r\n"
                     "%s",
                     status, handler_http_reason(status), date, strlen(body),
                     status == 405 ? "Allow: GET, HEAD\r\n" : "", with_body ? body : "");
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Answer one request on a connection: 0 when it ended normally. */
static int hello_stream(int in, int out)
{
    static char head[HEAD_MAX + 1];
    char response[RESPONSE_MAX];
    size_t len = 0;
    bool is_head = false;
    int status;

    switch (read_head(in, head, sizeof head, &len)) {
    case READ_OK:
        /* A NUL would hide the rest of the head from the string functions below. */
        status = memchr(head, '\0', len) ? 400 : parse_head(head, &is_head);
        break;
    case READ_PARTIAL:
        status = 400; /* the client ended its side in the middle of a head */
        break;
    case READ_EOF:
        return 0; /* connected and left without a word: nothing to answer */
    case READ_TIMEOUT:
        status = 408;
        break;
    case READ_TOO_BIG:
        status = 431;
        break;
    default:
        return errno == ECONNRESET ? 0 : 1; /* the connection broke: nobody to answer */
    }
    size_t n = format_response(response, sizeof response, status, !is_head);
    if (n == 0)
        return 1;
    return handler_reply(in, out, response, n);
}

int main(void)
{
    static const struct handler_ops ops = {
        .stream = hello_stream,
        .stream_only = "hello-http: HTTP needs a stream socket (protocol tcp)",
    };

    return handler_run(&ops);
}
