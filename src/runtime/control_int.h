/*
 * Inside the control socket: the listening state (control.c), one client
 * connection (control_client.c) and the answers (control_answer.c).  Not
 * for the rest of the daemon, which uses control.h.
 */
#ifndef SUPERSERVER_CONTROL_INT_H
#define SUPERSERVER_CONTROL_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "control.h"
#include "ctl_proto.h"
#include "json_out.h"
#include "loop.h"
#include "outbuf.h"

#define CTL_MAX_CLIENTS 64
/* A client has this long to send its request, and then to take each chunk. */
#define CTL_IDLE_NS   (10 * 1000000000ULL)
#define CTL_DENIED_NS (1000000000ULL) /* and a refused peer one second */
/* Rows are generated while less than this is waiting to be sent: one chunk
 * per wake-up keeps a long dump from holding the loop. */
#define CTL_CHUNK   32768
#define CTL_OUT_MAX (4u << 20) /* the most one client's buffer may hold */

struct ctl_client;
struct svc_state;

/* Append the next rows to cl->out, at least until CTL_CHUNK bytes wait or
 * the answer is complete; true when it is. */
typedef bool ctl_fill_fn(struct server *s, struct ctl_client *cl);

enum ctl_phase { CL_READING, CL_PARKED, CL_WRITING };

struct ctl_client {
    struct ev ev; /* ctx: this client */
    struct control *ctl;
    enum ctl_phase phase;
    bool denied; /* SO_PEERCRED said no: its request gets "permission denied" */
    uint64_t deadline_ns;
    char in[CTL_REQUEST_MAX];
    size_t in_len;
    struct ctl_request req;
    struct outbuf out;
    size_t out_off;    /* out.data[out_off..out.len) is still to send */
    ctl_fill_fn *fill; /* NULL: the answer is all in out */
    struct json_out json;
    /* The cursor of a long answer: a snapshot taken at the request, stable
     * whatever exits or reloads happen between two chunks. */
    pid_t *pids;            /* handlers: live pids then, each looked up when its row is due */
    struct svc_state **rts; /* status, metrics: the services then, each held by a ref */
    size_t n, next;         /* entries, and the next to emit */
    unsigned step;          /* metrics: the family being written */
    uint64_t snap_ns;       /* when the snapshot was taken */
    struct ctl_client *prev_cl, *next_cl;
};

struct control {
    struct server *s;
    struct ev ev; /* the listening socket; ev.fd == sock.fd */
    struct control_sock sock;
    bool warned_default; /* "default socket in use" said once */
    /* said at the next turn, once the log has its destination (syslog) */
    char warning[600];
    uint64_t resume_ns;  /* accept paused (out of descriptors) until then; 0 none */
    uint64_t busy_until; /* "too many control clients" at most once a second */
    struct ctl_client *clients;
    unsigned n_clients;
};

/* control_sock.c: the socket's file.  Open the socket at CFG's path into
 * CS (fd -1 before), replacing a stale socket file there only when
 * REPLACE_STALE: -1 with ERR, *IN_USE when a live daemon answers there.
 * Is the path still the file CS made?  Set its mode and group from CFG (-1
 * with errno when it is not).  Close CS, removing its file if still ours. */
void ctl_sock_init(struct control_sock *cs);
int ctl_sock_open(const struct config *cfg, bool replace_stale, struct control_sock *cs,
                  bool *in_use, char *err, size_t errlen);
bool ctl_sock_still_ours(const struct control_sock *cs);
int ctl_sock_set_access(const struct control_sock *cs, const struct config *cfg);
void ctl_sock_close(struct control_sock *cs);

/* control_client.c */
/* A new client on FD; DENIED ones only get their refusal, after their
 * request (a client writing into a closed socket would see a broken pipe
 * rather than the reason). */
void ctl_client_accepted(struct control *ctl, int fd, bool denied);
void ctl_client_close(struct ctl_client *cl);
void ctl_client_pump(struct ctl_client *cl);
void ctl_client_timeouts(struct control *ctl, uint64_t now);
uint64_t ctl_client_next_deadline(const struct control *ctl);

/* control_answer.c: the request in cl->req is valid; set up its answer in
 * cl->out (and cl->fill), or park the client for a reload. */
void ctl_answer(struct server *s, struct ctl_client *cl);
void ctl_answer_reload(struct ctl_client *cl, const struct reload_result *r);
void ctl_answer_error(struct ctl_client *cl, const char *msg);
/* Let go of a client's snapshot. */
void ctl_answer_release(struct ctl_client *cl);

#endif
