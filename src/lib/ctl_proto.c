/* The control socket's request parser and answer framing (see ctl_proto.h). */
#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"

/* Each command's name, its arguments (at least, at most) and how they read. */
static const struct {
    const char *name;
    unsigned char min, max;
    const char *usage;
} commands[] = {
    [CTL_STATUS] = {"status", 0, 0, NULL},
    [CTL_HANDLERS] = {"handlers", 0, 1, "handlers [SERVICE]"},
    [CTL_RELOAD] = {"reload", 0, 0, NULL},
    [CTL_METRICS] = {"metrics", 0, 0, NULL},
    [CTL_VERSION] = {"version", 0, 0, NULL},
    [CTL_PAUSE] = {"pause", 1, 1, "pause SERVICE"},
    [CTL_DRAIN] = {"drain", 1, 1, "drain SERVICE"},
    [CTL_RESUME] = {"resume", 1, 1, "resume SERVICE"},
    [CTL_BANS] = {"bans", 0, 1, "bans [SERVICE]"},
    [CTL_BAN] = {"ban", 3, 3, "ban SERVICE ADDRESS SECONDS"},
    [CTL_UNBAN] = {"unban", 2, 2, "unban SERVICE|all ADDRESS"},
    [CTL_UPGRADE] = {"upgrade", 0, 0, NULL},
};
#define N_COMMANDS (sizeof(commands) / sizeof(commands[0]))

/* One word of a request line. */
struct word {
    const char *p;
    size_t len;
};

const char *ctl_command_name(enum ctl_command cmd)
{
    return (size_t)cmd < N_COMMANDS ? commands[cmd].name : NULL;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* The SERVICE word: 0, or -1 with ERR. */
static int set_service(const struct word *w, struct ctl_request *req, char *err, size_t errlen)
{
    if (w->len > CTL_ARG_MAX) {
        snprintf(err, errlen, "service name too long (at most %d bytes)", CTL_ARG_MAX);
        return -1;
    }
    for (size_t k = 0; k < w->len; k++) {
        if (!name_char(w->p[k])) {
            snprintf(err, errlen, "invalid service name (letters, digits, \"_\", \".\", \"-\")");
            return -1;
        }
    }
    memcpy(req->arg, w->p, w->len);
    req->arg[w->len] = '\0';
    return 0;
}

/* The ADDRESS word: 0, or -1 with ERR. */
static int set_address(const struct word *w, struct ctl_request *req, char *err, size_t errlen)
{
    if (w->len <= CTL_ADDR_MAX) {
        memcpy(req->addr, w->p, w->len);
        req->addr[w->len] = '\0';
        if (addr_source_key_parse(req->addr, &req->key) == 0)
            return 0;
    }
    snprintf(err, errlen, "invalid address \"%.*s\" (an IPv4 or IPv6 address, or uid:N)",
             (int)(w->len > CTL_ADDR_MAX ? CTL_ADDR_MAX : w->len), w->p);
    return -1;
}

/* The SECONDS word: 0, or -1 with ERR. */
static int set_seconds(const struct word *w, struct ctl_request *req, char *err, size_t errlen)
{
    unsigned long long v = 0;
    size_t k = 0;

    for (; k < w->len && k < 12 && w->p[k] >= '0' && w->p[k] <= '9'; k++)
        v = v * 10 + (unsigned)(w->p[k] - '0');
    if (k == 0 || k != w->len || v < 1 || v > CTL_BAN_MAX) {
        snprintf(err, errlen, "invalid ban length (seconds, 1 to %u)", CTL_BAN_MAX);
        return -1;
    }
    req->seconds = (unsigned)v;
    return 0;
}

/* Check and store the words of a request: 0, or -1 with ERR. */
static int set_request(const struct word *cmd, const struct word *args, int n_args, bool json,
                       struct ctl_request *req, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++)
        if (strlen(commands[i].name) == cmd->len && memcmp(commands[i].name, cmd->p, cmd->len) == 0)
            break;
    if (i == N_COMMANDS) {
        snprintf(err, errlen,
                 "unknown command \"%.*s\" (status, handlers, reload, metrics, version, pause, "
                 "drain, resume, bans, ban, unban, upgrade)",
                 (int)(cmd->len > 40 ? 40 : cmd->len), cmd->p);
        return -1;
    }
    memset(req, 0, sizeof(*req));
    req->cmd = (enum ctl_command)i;
    req->json = json;
    if (n_args > 0 && commands[i].max == 0) {
        snprintf(err, errlen, "%s takes no argument", commands[i].name);
        return -1;
    }
    if (n_args > commands[i].max) {
        snprintf(err, errlen, "too many words in request");
        return -1;
    }
    if (n_args < commands[i].min) {
        snprintf(err, errlen, "usage: %s", commands[i].usage);
        return -1;
    }
    if (json && req->cmd == CTL_METRICS) {
        snprintf(err, errlen, "metrics are Prometheus text only (no json)");
        return -1;
    }
    if (n_args > 0 && set_service(&args[0], req, err, errlen) < 0)
        return -1;
    if (n_args > 1 && set_address(&args[1], req, err, errlen) < 0)
        return -1;
    return n_args > 2 ? set_seconds(&args[2], req, err, errlen) : 0;
}

int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, char *err,
                      size_t errlen)
{
    const char *nl = memchr(buf, '\n', len < CTL_REQUEST_MAX ? len : CTL_REQUEST_MAX);
    const char *p = buf, *end;
    struct word cmd, args[CTL_WORDS_MAX];
    int n_args = 0;
    bool json = false;

    if (nl == NULL) {
        if (len < CTL_REQUEST_MAX && memchr(buf, '\0', len) == NULL)
            return 0;
        snprintf(err, errlen, "%s",
                 len < CTL_REQUEST_MAX ? "NUL byte in request"
                                       : "request line too long (at most 256 "
                                         "bytes)");
        return -1;
    }
    if ((size_t)(nl + 1 - buf) != len) {
        snprintf(err, errlen, "data after the request line (one request per connection)");
        return -1;
    }
    for (p = buf; p < nl; p++) {
        if (*p != ' ' && *p != ':' && *p != '/' && !name_char(*p)) { /* ':', '/': addresses */
            snprintf(err, errlen, "invalid byte 0x%02x in request", (unsigned char)*p);
            return -1;
        }
    }
    p = buf;
    end = nl;
    if (end - p >= 5 && memcmp(p, "json ", 5) == 0)
        json = true, p += 5;
    if (p == end || *p == ' ' || end[-1] == ' ') {
        snprintf(err, errlen, "empty request or stray space");
        return -1;
    }
    const char *sp = memchr(p, ' ', (size_t)(end - p));
    cmd = (struct word){p, (size_t)((sp ? sp : end) - p)};
    while (sp) {
        p = sp + 1;
        sp = memchr(p, ' ', (size_t)(end - p));
        if (n_args == CTL_WORDS_MAX || p == sp) { /* one word too many, or two spaces */
            snprintf(err, errlen, "too many words in request");
            return -1;
        }
        args[n_args++] = (struct word){p, (size_t)((sp ? sp : end) - p)};
    }
    return set_request(&cmd, args, n_args, json, req, err, errlen) < 0 ? -1 : 1;
}

int ctl_request_make(const char *command, char *const *args, int n_args, bool json,
                     struct ctl_request *req, char *err, size_t errlen)
{
    struct word cmd = {command, strlen(command)}, words[CTL_WORDS_MAX];

    if (n_args > CTL_WORDS_MAX) {
        snprintf(err, errlen, "too many words in request");
        return -1;
    }
    for (int i = 0; i < n_args; i++) {
        words[i] = (struct word){args[i], strlen(args[i])};
        if (words[i].len == 0 || strchr(args[i], ' ')) {
            snprintf(err, errlen, "empty request or stray space");
            return -1;
        }
    }
    return set_request(&cmd, words, n_args, json, req, err, errlen);
}

int ctl_request_format(const struct ctl_request *req, char *buf, size_t size)
{
    const char *name = ctl_command_name(req->cmd);
    int n;

    if (name == NULL)
        return -1;
    char seconds[16] = "";

    if (req->cmd == CTL_BAN)
        snprintf(seconds, sizeof(seconds), " %u", req->seconds);
    n = snprintf(buf, size, "%s%s%s%s%s%s%s\n", req->json ? "json " : "", name,
                 req->arg[0] ? " " : "", req->arg, req->addr[0] ? " " : "", req->addr, seconds);
    return n > 0 && (size_t)n < size && n <= CTL_REQUEST_MAX ? n : -1;
}

int ctl_response_parse(const char *buf, size_t len, size_t *body, size_t *body_len)
{
    const char *nl = memchr(buf, '\n', len);

    if (nl == NULL)
        return -1;
    if (nl - buf == 2 && memcmp(buf, "ok", 2) == 0) {
        *body = 3;
        *body_len = len - 3;
        return 1;
    }
    if (nl - buf >= 7 && memcmp(buf, "error: ", 7) == 0) {
        *body = 7;
        *body_len = (size_t)(nl - buf) - 7;
        return 0;
    }
    return -1;
}
