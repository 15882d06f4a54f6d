/*
 * The per-connection variables of SPEC section 4 (see conn_env.h),
 * formatted into a caller's buffer: no allocation per connection.
 */
#include <stdarg.h>
#include <stdio.h>
#include <sys/socket.h>

#include "addr.h"
#include "conn_env.h"

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

static void conn_env_inet(struct conn_env *e, const char *proto, int sock,
                          const struct sockaddr *peer, const struct sockaddr *where)
{
    struct sockaddr_storage local;
    socklen_t llen = sizeof(local);
    char ip[ADDR_STRLEN], lip[ADDR_STRLEN];

    if (!where && getsockname(sock, (struct sockaddr *)&local, &llen) == 0)
        where = (const struct sockaddr *)&local;
    conn_env_addf(e, "PROTO=%s", proto);
    if (peer) {
        addr_format_ip(peer, ip, sizeof(ip));
        conn_env_addf(e, "%sREMOTEIP=%s", proto, ip);
        conn_env_addf(e, "%sREMOTEPORT=%u", proto, addr_port(peer));
    }
    if (where) {
        addr_format_ip(where, lip, sizeof(lip));
        conn_env_addf(e, "%sLOCALIP=%s", proto, lip);
        conn_env_addf(e, "%sLOCALPORT=%u", proto, addr_port(where));
    }
    if (peer) {
        conn_env_addf(e, "REMOTE_ADDR=%s", ip);
        conn_env_addf(e, "REMOTE_PORT=%u", addr_port(peer));
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
