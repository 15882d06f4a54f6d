/*
 * The control socket across an upgrade (control.h): the old image writes
 * its socket (and the file's identity) and the clients parked on a reload
 * or an upgrade; the new image takes them back before control_start, which
 * keeps the socket as a reload would, and answers the clients once ready.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carry.h"
#include "context.h"
#include "control_int.h"

/* A client parked on a reload or an upgrade (the old image's). */
static void control_peer_restore(struct carry *c, void *control)
{
    struct control *ctl = control;
    char cmd[16] = "";
    struct ctl_request req = {.cmd = CTL_UPGRADE};
    int fd = -1;
    unsigned uid = (unsigned)-1;
    char why[200];

    carry_fd(c, "fd", &fd);
    carry_str(c, "command", cmd, sizeof(cmd));
    carry_bool(c, "json", &req.json);
    carry_uint(c, "uid", &uid);
    if (fd < 0)
        return;
    if (c->failed || ctl_request_make(cmd, NULL, 0, req.json, &req, why, sizeof(why)) == -1 ||
        (req.cmd != CTL_RELOAD && req.cmd != CTL_UPGRADE)) {
        close(fd);
        return;
    }
    control_peer_adopt(ctl, fd, &req, (uid_t)uid);
}

static void control_carry_write(struct carry *c, struct control *ctl)
{
    carry_enter(c, "control");
    carry_fd(c, "fd", &ctl->sock.fd);
    if (ctl->sock.path)
        carry_str(c, "path", ctl->sock.path, strlen(ctl->sock.path) + 1);
    carry_u64(c, "dev", &ctl->sock.dev);
    carry_u64(c, "ino", &ctl->sock.ino);
    carry_bool(c, "warned_default", &ctl->warned_default);
    carry_enter(c, "waiting");
    for (struct control_peer *peer = ctl->peers; peer; peer = peer->next_peer) {
        if (peer->phase != PEER_PARKED)
            continue; /* a request or an answer under way is cut: clients ask again */
        char cmd[16];
        unsigned uid = (unsigned)peer->uid;
        snprintf(cmd, sizeof(cmd), "%s", ctl_command_name(peer->req.cmd));
        carry_item(c);
        carry_fd(c, "fd", &peer->ev.fd);
        carry_str(c, "command", cmd, sizeof(cmd));
        carry_bool(c, "json", &peer->req.json);
        carry_uint(c, "uid", &uid);
        carry_leave(c);
    }
    carry_leave(c);
    carry_leave(c);
}

void control_carry(struct carry *c, struct server *s)
{
    struct control *ctl;
    char path[4096] = "";

    if (c->writing) {
        if (s->control)
            control_carry_write(c, s->control);
        return;
    }
    if (!carry_enter(c, "control"))
        return;
    if (!(ctl = control_new(s))) {
        carry_fail(c, "out of memory");
        carry_leave(c);
        return;
    }
    carry_fd(c, "fd", &ctl->sock.fd);
    carry_str(c, "path", path, sizeof(path));
    carry_u64(c, "dev", &ctl->sock.dev);
    carry_u64(c, "ino", &ctl->sock.ino);
    carry_bool(c, "warned_default", &ctl->warned_default);
    if (ctl->sock.fd >= 0 && (!path[0] || !(ctl->sock.path = strdup(path)))) {
        close(ctl->sock.fd); /* a socket without its path cannot be served */
        ctl_sock_init(&ctl->sock);
    }
    carry_read_list(c, "waiting", control_peer_restore, ctl);
    carry_leave(c);
}

int control_upgrade_client(const struct server *s)
{
    for (struct control_peer *p = s->control ? s->control->peers : NULL; p; p = p->next_peer)
        if (p->phase == PEER_PARKED && p->req.cmd == CTL_UPGRADE)
            return p->ev.fd;
    return -1;
}

void control_adopt_waiting(struct server *s, int fd)
{
    struct ctl_request req = {.cmd = CTL_UPGRADE};

    if (s->control)
        control_peer_adopt(s->control, fd, &req, (uid_t)-1); /* who it was is not known */
    else
        close(fd);
}
