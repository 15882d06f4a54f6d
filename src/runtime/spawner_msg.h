/*
 * What the daemon and a service's spawner (spawner.h) say to each other,
 * one message per SOCK_SEQPACKET datagram.
 *
 * A request is one connection: its sequence number, whether fd 2 is a
 * descriptor of its own, and its variables ("K=V", each NUL-terminated),
 * with the socket (and fd 2's descriptor) attached by SCM_RIGHTS.
 *
 * An answer has a fixed size, so that a handler's child between clone and
 * exec writes it with plain stores and sends it with one raw system call:
 * the child itself says STARTED (its pid, before it does anything else) and
 * FAILED (the step and the error, before it exits 127); the spawner says
 * READY once it is confined, SETUP_FAILED when it could not be, and
 * REFUSED when it could not clone a request's handler.  An answer that comes
 * from the child cannot be lost with the spawner: the child holds its own
 * copy of the spawner's socket until its exec, so when the daemon reads EOF
 * every handler that was started has said so.
 */
#ifndef SUPERSERVER_SPAWNER_MSG_H
#define SUPERSERVER_SPAWNER_MSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "conn_env.h"

#define SPAWNER_MSG_MAGIC 0x31575053u /* "SPW1" */

/* The request's fixed part; the variables follow. */
struct spawner_req_head {
    uint32_t magic;
    uint16_t flags;  /* SPAWNER_REQ_* */
    uint16_t n_vars; /* fewer than EXEC_CONN_VARS */
    uint64_t seq;
};
#define SPAWNER_REQ_ERR_FD 1u /* fd 2 is the second descriptor, not the socket */
#define SPAWNER_REQ_MAX    (sizeof(struct spawner_req_head) + CONN_ENV_BYTES)

/* A request taken apart: the variables point into the message. */
struct spawner_req {
    uint64_t seq;
    bool err_fd;
    const char *vars[EXEC_CONN_VARS]; /* NULL-terminated */
};

enum spawner_answer_type {
    SPAWNER_READY = 1,    /* the spawner is confined and serves */
    SPAWNER_SETUP_FAILED, /* step, err: it could not confine itself; it exits */
    SPAWNER_STARTED,      /* seq, pid: the handler's child exists */
    SPAWNER_FAILED,       /* seq, pid, step, err: that child exits 127 */
    SPAWNER_REFUSED,      /* seq, err: no child was started */
    SPAWNER_ANSWER_TYPES
};

struct spawner_answer {
    uint32_t magic;
    uint32_t type; /* enum spawner_answer_type */
    uint64_t seq;
    int32_t pid;
    int32_t err;   /* an errno value */
    uint32_t step; /* enum spawn_step (spawn_child.h): its reader checks it */
    uint32_t pad;
};

/* Fill A with plain stores (safe between clone and exec). */
static inline void spawner_msg_answer(struct spawner_answer *a, enum spawner_answer_type type,
                                      uint64_t seq, pid_t pid, int err, unsigned step)
{
    a->magic = SPAWNER_MSG_MAGIC;
    a->type = (uint32_t)type;
    a->seq = seq;
    a->pid = (int32_t)pid;
    a->err = (int32_t)err;
    a->step = (uint32_t)step;
    a->pad = 0;
}

/* Write the request for connection SEQ into BUF (CAP bytes); its length, or
 * 0 when it does not fit or has too many variables. */
size_t spawner_msg_request(void *buf, size_t cap, uint64_t seq, bool err_fd,
                           const char *const *vars);
/* Take a request apart; -1 when it is not a whole, well-formed one. */
int spawner_msg_parse_request(const void *buf, size_t len, struct spawner_req *req);
/* Check an answer of LEN bytes; -1 when it is not one. */
int spawner_msg_parse_answer(const void *buf, size_t len, struct spawner_answer *a);

/* Send one message with NFDS descriptors (0 to 2) attached, without
 * blocking when NONBLOCK, never raising SIGPIPE.  0, or -1 with errno. */
int spawner_msg_send(int sock, const void *buf, size_t len, const int *fds, int nfds,
                     bool nonblock);
/* Receive one message and the descriptors that came with it (close-on-exec,
 * at most 2; more, or a truncated message, and everything is closed and -1
 * is returned with EPROTO).  Its length, 0 at EOF, or -1 with errno. */
ssize_t spawner_msg_recv(int sock, void *buf, size_t cap, int *fds, int *nfds, bool nonblock);

#endif
