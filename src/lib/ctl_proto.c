/* The control socket's request parser and answer framing (see ctl_proto.h). */
#include <stdio.h>
#include <string.h>

#include "ctl_proto.h"

static const char *const command_names[] = {
    [CTL_STATUS] = "status",   [CTL_HANDLERS] = "handlers", [CTL_RELOAD] = "reload",
    [CTL_METRICS] = "metrics", [CTL_VERSION] = "version",   [CTL_UPGRADE] = "upgrade",
};
#define N_COMMANDS (sizeof(command_names) / sizeof(command_names[0]))

const char *ctl_command_name(enum ctl_command cmd)
{
    return (size_t)cmd < N_COMMANDS ? command_names[cmd] : NULL;
}

static bool name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

/* Check and store the words of a request: 0, or -1 with ERR. */
static int set_request(const char *cmd, size_t cmd_len, const char *arg, size_t arg_len, bool json,
                       struct ctl_request *req, char *err, size_t errlen)
{
    size_t i;

    for (i = 0; i < N_COMMANDS; i++)
        if (strlen(command_names[i]) == cmd_len && memcmp(command_names[i], cmd, cmd_len) == 0)
            break;
    if (i == N_COMMANDS) {
        snprintf(err, errlen,
                 "unknown command \"%.*s\" (status, handlers, reload, metrics, version, upgrade)",
                 (int)(cmd_len > 40 ? 40 : cmd_len), cmd);
        return -1;
    }
    req->cmd = (enum ctl_command)i;
    req->json = json;
    if (arg_len > 0 && req->cmd != CTL_HANDLERS) {
        snprintf(err, errlen, "%s takes no argument", command_names[i]);
        return -1;
    }
    if (json && req->cmd == CTL_METRICS) {
        snprintf(err, errlen, "metrics are Prometheus text only (no json)");
        return -1;
    }
    if (arg_len > CTL_ARG_MAX) {
        snprintf(err, errlen, "service name too long (at most %d bytes)", CTL_ARG_MAX);
        return -1;
    }
    for (size_t k = 0; k < arg_len; k++) {
        if (!name_char(arg[k])) {
            snprintf(err, errlen, "invalid service name (letters, digits, \"_\", \".\", \"-\")");
            return -1;
        }
    }
    memcpy(req->arg, arg, arg_len);
    req->arg[arg_len] = '\0';
    return 0;
}

int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, char *err,
                      size_t errlen)
{
    const char *nl = memchr(buf, '\n', len < CTL_REQUEST_MAX ? len : CTL_REQUEST_MAX);
    const char *p = buf, *sp, *end;
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
        if (*p != ' ' && !name_char(*p)) {
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
    sp = memchr(p, ' ', (size_t)(end - p));
    if (sp == NULL)
        return set_request(p, (size_t)(end - p), "", 0, json, req, err, errlen) < 0 ? -1 : 1;
    if (memchr(sp + 1, ' ', (size_t)(end - sp - 1)) != NULL || sp[1] == ' ') {
        snprintf(err, errlen, "too many words in request");
        return -1;
    }
    if (set_request(p, (size_t)(sp - p), sp + 1, (size_t)(end - sp - 1), json, req, err, errlen) <
        0)
        return -1;
    return 1;
}

int ctl_request_make(const char *command, const char *arg, bool json, struct ctl_request *req,
                     char *err, size_t errlen)
{
    if (arg == NULL)
        arg = "";
    return set_request(command, strlen(command), arg, strlen(arg), json, req, err, errlen);
}

int ctl_request_format(const struct ctl_request *req, char *buf, size_t size)
{
    const char *name = ctl_command_name(req->cmd);
    int n;

    if (name == NULL)
        return -1;
    n = snprintf(buf, size, "%s%s%s%s\n", req->json ? "json " : "", name, req->arg[0] ? " " : "",
                 req->arg);
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
