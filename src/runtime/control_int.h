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
    bool denied;       /* SO_PEERCRED said no: its request gets "permission denied" */
    struct timer idle; /* closes it at its deadline; not armed while parked */
    char in[CTL_REQUEST_MAX];
    size_t in_len;
    struct ctl_request req;
    struct outbuf out;
    size_t out_off;    /* out.data[out_off..out.len) is still to send */
    ctl_fill_fn *fill; /* NULL: the answer is all in out */
    struct json_out json;
    /* The cursor of a long answer: a snapshot taken at the request, stable
     * whatever exits or reloads happen between two chunks. */
    pid_t *pids;               /* handlers: live pids then, each looked up when its row is due */
    struct svc_state **states; /* status, metrics: the services then, each held by a ref */
    size_t n, next;            /* entries, and the next to emit */
    unsigned step;             /* metrics: the family being written */
    uint64_t snap_ns;          /* when the snapshot was taken */
    struct ctl_client *prev_cl, *next_cl;
};

struct control {
    struct server *s;
    struct ev ev; /* the listening socket; ev.fd == sock.fd */
    struct control_sock sock;
    bool warned_default; /* "default socket in use" said once */
    /* said by the timer `say` in the first turn, once the log has its
     * destination (syslog) */
    char warning[600];
    struct timer say;
    struct timer resume; /* accept paused (out of descriptors) until it fires */
    uint64_t busy_until; /* "too many control clients" at most once a second */
    struct ctl_client *clients;
    unsigned n_clients;
};

/* control_client.c */
/* A new client on FD; DENIED ones only get their refusal, after their
 * request (a client writing into a closed socket would see a broken pipe
 * rather than the reason). */
void ctl_client_accepted(struct control *ctl, int fd, bool denied);
void ctl_client_close(struct ctl_client *cl);
void ctl_client_pump(struct ctl_client *cl);
/* The client has IN_NS from now to do its next part (its request, taking
 * the next chunk). */
void ctl_client_deadline(struct ctl_client *cl, uint64_t in_ns);
/* Wait for the turn's reload: watch nothing, no deadline. */
void ctl_client_park(struct ctl_client *cl);

/* control_answer.c: the request in cl->req is valid; set up its answer in
 * cl->out (and cl->fill), or park the client for a reload. */
void ctl_answer(struct server *s, struct ctl_client *cl);
void ctl_answer_reload(struct ctl_client *cl, const struct reload_result *r);
void ctl_answer_error(struct ctl_client *cl, const char *msg);
/* Let go of a client's snapshot. */
void ctl_answer_release(struct ctl_client *cl);

#endif
