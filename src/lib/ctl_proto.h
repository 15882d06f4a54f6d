/*
 * ctl_proto: the control socket's wire protocol, shared by the daemon and
 * its clients (superserverctl, metrics-http).
 *
 * A client connects to the unix stream socket and sends ONE request line:
 *
 *     [json ]COMMAND[ ARGUMENT...]\n
 *
 * COMMAND and its arguments:
 *
 *     status, reload, metrics, version     none
 *     handlers [SERVICE], bans [SERVICE]   a service name (letters, digits,
 *                                          '_', '.', '-')
 *     pause|drain|resume SERVICE           (SPEC section 14)
 *     upgrade                              none (SPEC section 13)
 *     ban SERVICE ADDRESS SECONDS          ADDRESS: an IPv4 or IPv6 address,
 *     unban SERVICE|all ADDRESS            "PREFIX/64" or "uid:N"
 *                                          (addr_source_key_parse); SECONDS
 *                                          1..CTL_BAN_MAX
 *
 * The `json ` prefix asks for one JSON document instead of text (metrics
 * are always Prometheus text and refuse it).  Single spaces, no CR, no
 * other bytes than these words' (':' and '/' only in an ADDRESS); the whole line, newline included,
 * at most CTL_REQUEST_MAX bytes; nothing may follow the newline.
 *
 * The daemon answers and closes.  The first line of the answer is
 *
 *     ok\n            then the body, up to the end of the stream, or
 *     error: MESSAGE\n and nothing more (MESSAGE one line of UTF-8, for a
 *                     refused reload the config error "file:line: ...").
 *
 * A client exits 0 on `ok`, 1 on `error:`; a stream that ends before a
 * complete first line is the daemon going away (exit 3, as unreachable).
 */
#ifndef SUPERSERVER_CTL_PROTO_H
#define SUPERSERVER_CTL_PROTO_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"

#define CTL_REQUEST_MAX 256        /* bytes of a request, its newline included */
#define CTL_ARG_MAX     200        /* bytes of a service name, without the NUL */
#define CTL_ADDR_MAX    50         /* bytes of an ADDRESS, without the NUL */
#define CTL_BAN_MAX     315360000u /* the longest ban by hand: ten years */
#define CTL_WORDS_MAX   3          /* arguments of one request */

enum ctl_command {
    CTL_STATUS,
    CTL_HANDLERS,
    CTL_RELOAD,
    CTL_METRICS,
    CTL_VERSION,
    CTL_PAUSE,
    CTL_DRAIN,
    CTL_RESUME,
    CTL_BANS,
    CTL_BAN,
    CTL_UNBAN,
    CTL_UPGRADE,
};

struct ctl_request {
    enum ctl_command cmd;
    bool json;
    char arg[CTL_ARG_MAX + 1];   /* the SERVICE (or "all" for unban); "" when none */
    char addr[CTL_ADDR_MAX + 1]; /* ban, unban: the ADDRESS as written; else "" */
    struct source_key key;       /* ban, unban: ADDRESS's source key */
    unsigned seconds;            /* ban: SECONDS */
};

/*
 * Parse the bytes a client sent so far (LEN of them, any bytes, NUL
 * included).  1: a complete, valid request in *REQ; 0: no newline yet and
 * under the bound, read more; -1: invalid, with one line in ERR (no
 * newline) for the `error:` answer.
 */
int ctl_request_parse(const char *buf, size_t len, struct ctl_request *req, char *err,
                      size_t errlen);

/*
 * Build a request from a client's words: COMMAND's name, its N_ARGS
 * arguments ARGS and the JSON flag, checked as the daemon will check them.
 * 0, or -1 with ERR filled.
 */
int ctl_request_make(const char *command, char *const *args, int n_args, bool json,
                     struct ctl_request *req, char *err, size_t errlen);

/* REQ as its line (newline included) in BUF: the length, or -1 if it does not fit. */
int ctl_request_format(const struct ctl_request *req, char *buf, size_t size);

/* "status", "handlers", ...; NULL for a value out of range. */
const char *ctl_command_name(enum ctl_command cmd);

/*
 * The first line of an answer (LEN bytes in BUF).  1: `ok`, the body at
 * BUF + *BODY; 0: `error:`, its message at BUF + *BODY, *BODY_LEN bytes
 * (the newline left out); -1: no complete first line, or not one of these.
 */
int ctl_response_parse(const char *buf, size_t len, size_t *body, size_t *body_len);

#endif
