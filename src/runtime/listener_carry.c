/*
 * A listening socket across an upgrade (listener.h): its descriptor, its
 * address and what it was opened with, for the new image to put the same
 * socket back (listener_reusable then keeps it, as a reload does).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carry.h"
#include "listener.h"

/* The fields both images agree on; the text and the descriptor apart. */
static void listener_fields(struct carry *c, struct listener *l)
{
    struct sock_opts *o = &l->opts;
    size_t sslen = l->addr.sslen;
    unsigned kind = l->addr.kind, protocol = l->protocol, mode = l->mode;
    unsigned socket_mode = o->socket_mode, uid = o->socket_uid, gid = o->socket_gid;

    carry_uint(c, "kind", &kind);
    carry_bytes_max(c, "sockaddr", &l->addr.ss, sizeof(l->addr.ss), &sslen);
    carry_uint(c, "protocol", &protocol);
    carry_uint(c, "mode", &mode);
    carry_bool(c, "closed", &l->closed);
    carry_bool(c, "drained", &l->drained);     /* the kernel refuses (listener_drain) */
    carry_bool(c, "inherited", &l->inherited); /* systemd passed it */
    carry_bool(c, "unlink_on_close", &l->unlink_on_close);
    carry_u64(c, "path_dev", &l->path_dev);
    carry_u64(c, "path_ino", &l->path_ino);
    carry_int(c, "backlog", &o->backlog);
    carry_bool(c, "reuseport", &o->reuseport);
    carry_bool(c, "keepalive", &o->keepalive);
    carry_bool(c, "nodelay", &o->nodelay);
    carry_bool(c, "has_socket_mode", &o->has_socket_mode);
    carry_uint(c, "socket_mode", &socket_mode);
    carry_bool(c, "has_socket_owner", &o->has_socket_owner);
    carry_uint(c, "socket_uid", &uid);
    carry_uint(c, "socket_gid", &gid);
    if (c->writing)
        return;
    if (kind > LISTEN_UNIX || protocol > PROTO_UDP || mode > MODE_PREFORK ||
        sslen > sizeof(l->addr.ss))
        carry_fail(c, "a listener of an unknown kind, protocol or mode");
    l->addr.kind = kind;
    l->addr.sslen = (socklen_t)sslen;
    l->protocol = protocol;
    l->mode = mode;
    o->socket_mode = socket_mode;
    o->socket_uid = uid;
    o->socket_gid = gid;
}

void listener_carry(struct carry *c, struct listener *l)
{
    carry_str(c, "text", l->addr.text, strlen(l->addr.text) + 1);
    carry_fd(c, "fd", &l->fd);
    listener_fields(c, l);
}

struct listener *listener_carried(struct carry *c, struct listener_registry *reg)
{
    char text[1024] = "";
    struct listener *l = calloc(1, sizeof(*l));

    if (!l) {
        carry_fail(c, "out of memory");
        return NULL;
    }
    carry_str(c, "text", text, sizeof(text));
    carry_fd(c, "fd", &l->fd);
    listener_fields(c, l);
    if (!c->failed && (l->closed != (l->fd < 0) || !text[0]))
        carry_fail(c, "listener %s: its socket and its state disagree", text);
    if (c->failed || !(l->addr.text = strdup(text))) {
        carry_fail(c, "out of memory");
        if (l->fd >= 0)
            close(l->fd); /* a socket that cannot be described cannot be served */
        free(l);
        return NULL;
    }
    listener_init(l, l->fd);
    if (l->unlink_on_close) {
        l->registry = reg;
        l->unix_next = reg->unix_bound;
        reg->unix_bound = l;
    }
    return l;
}
