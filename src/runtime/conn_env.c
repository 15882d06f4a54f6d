/*
 * The per-connection variables of SPEC section 4 (see conn_env.h),
 * formatted into a caller's buffer: no allocation per connection.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "addr.h"
#include "conn_env.h"
#include "fmt.h"

void conn_env_start(struct conn_env *e, char *buf, size_t len)
{
    e->buf = buf;
    e->len = len;
    e->used = 0;
    e->n = 0;
    e->vars[0] = NULL;
}

void conn_env_addf(struct conn_env *e, const char *fmt, ...)
{
    va_list ap;

    if (e->n >= EXEC_CONN_VARS - 1 || e->used >= e->len)
        return;
    va_start(ap, fmt);
    int w = vsnprintf(e->buf + e->used, e->len - e->used, fmt, ap);
    va_end(ap);
    if (w < 0 || (size_t)w >= e->len - e->used)
        return;
    e->vars[e->n++] = e->buf + e->used;
    e->vars[e->n] = NULL;
    e->used += (size_t)w + 1;
}

/* Append the LEN bytes at S to the variable being written; false when
 * they do not fit (the variable is then left out, as by conn_env_addf). */
static bool put(struct conn_env *e, size_t *at, const char *s, size_t len)
{
    if (len >= e->len - *at)
        return false;
    memcpy(e->buf + *at, s, len);
    *at += len;
    return true;
}

/* Finish the variable that started at e->used and ends at AT. */
static void conn_env_close(struct conn_env *e, size_t at)
{
    e->buf[at] = '\0';
    e->vars[e->n++] = e->buf + e->used;
    e->vars[e->n] = NULL;
    e->used = at + 1;
}

void conn_env_add(struct conn_env *e, const char *prefix, const char *name, const char *value)
{
    size_t at = e->used;

    if (e->n >= EXEC_CONN_VARS - 1 || e->used >= e->len)
        return;
    if (put(e, &at, prefix, strlen(prefix)) && put(e, &at, name, strlen(name)) &&
        put(e, &at, "=", 1) && put(e, &at, value, strlen(value)))
        conn_env_close(e, at);
}

void conn_env_add_uint(struct conn_env *e, const char *prefix, const char *name, uint64_t value)
{
    char digits[FMT_UINT_MAX + 1];

    digits[fmt_uint(digits, value)] = '\0';
    conn_env_add(e, prefix, name, digits);
}

static void conn_env_inet(struct conn_env *e, const char *proto, int sock,
                          const struct sockaddr *peer, const struct sockaddr *where)
{
    struct sockaddr_storage local;
    socklen_t llen = sizeof(local);
    char ip[ADDR_STRLEN], lip[ADDR_STRLEN];

    if (!where && getsockname(sock, (struct sockaddr *)&local, &llen) == 0)
        where = (const struct sockaddr *)&local;
    conn_env_add(e, "", "PROTO", proto);
    if (peer) {
        addr_format_ip(peer, ip, sizeof(ip));
        conn_env_add(e, proto, "REMOTEIP", ip);
        conn_env_add_uint(e, proto, "REMOTEPORT", addr_port(peer));
    }
    if (where) {
        addr_format_ip(where, lip, sizeof(lip));
        conn_env_add(e, proto, "LOCALIP", lip);
        conn_env_add_uint(e, proto, "LOCALPORT", addr_port(where));
    }
    if (peer) {
        conn_env_add(e, "", "REMOTE_ADDR", ip);
        conn_env_add_uint(e, "", "REMOTE_PORT", addr_port(peer));
    }
}

static void conn_env_unix(struct conn_env *e, int sock)
{
    struct ucred cred;
    socklen_t len = sizeof(cred);

    conn_env_addf(e, "PROTO=UNIX");
    if (getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0) {
        conn_env_addf(e, "UNIXREMOTEEUID=%u", (unsigned)cred.uid);
        conn_env_addf(e, "UNIXREMOTEEGID=%u", (unsigned)cred.gid);
        conn_env_addf(e, "UNIXREMOTEPID=%ld", (long)cred.pid);
    }
}

void conn_env_socket(struct conn_env *e, const struct service *svc, int sock,
                     const struct sockaddr *peer, const struct sockaddr *local)
{
    bool is_unix = svc->listen[0].kind == LISTEN_UNIX;

    if (svc->mode == MODE_NOWAIT) {
        if (peer && peer->sa_family == AF_UNIX)
            conn_env_unix(e, sock);
        else
            conn_env_inet(e, "TCP", sock, peer, local);
    } else if (is_unix) {
        conn_env_addf(e, "PROTO=UNIX");
    } else {
        conn_env_inet(e, svc->protocol == PROTO_UDP ? "UDP" : "TCP", sock, NULL, local);
    }
}

void conn_env_via(struct conn_env *e, const struct conn_via *via)
{
    char lb[ADDR_STRLEN];

    addr_format_peer(via->lb, lb, sizeof(lb));
    conn_env_addf(e, "SUPERSERVER_PROXY_PEER=%s", lb);
    /* The parser let through printable ASCII only, at most 255 bytes each. */
    if (via->authority && via->authority[0])
        conn_env_addf(e, "PROXY_AUTHORITY=%s", via->authority);
    if (via->alpn && via->alpn[0])
        conn_env_addf(e, "PROXY_ALPN=%s", via->alpn);
    if (via->ssl_version && via->ssl_version[0])
        conn_env_addf(e, "SSL_PROTOCOL=%s", via->ssl_version);
}
