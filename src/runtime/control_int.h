/*
 * Inside the control socket: the listening state (control.c), one peer
 * (a client's connection, control_peer.c) and the answers
 * (control_answer.c).  Not
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

#define CTL_MAX_PEERS 64
/* A client has this long to send its request, and then to take each chunk. */
#define CTL_IDLE_NS   (10 * 1000000000ULL)
#define CTL_DENIED_NS (1000000000ULL) /* and a refused peer one second */
/* Rows are generated while less than this is waiting to be sent: one chunk
 * per wake-up keeps a long dump from holding the loop. */
#define CTL_CHUNK   32768
#define CTL_OUT_MAX (4u << 20) /* the most one client's buffer may hold */

struct control_peer;
struct svc_state;
struct source_ban;

/* Append the next rows to peer->out, at least until CTL_CHUNK bytes wait or
 * the answer is complete; true when it is. */
typedef bool control_fill_fn(struct server *s, struct control_peer *peer);

enum control_peer_phase { PEER_READING, PEER_PARKED, PEER_WRITING };

struct control_peer {
    struct ev ev; /* its connection (ctx: the server) */
    struct control *ctl;
    enum control_peer_phase phase;
    bool denied;       /* SO_PEERCRED said no: its request gets "permission denied" */
    uid_t uid;         /* SO_PEERCRED's: the operator commands' log names it */
    struct timer idle; /* closes it at its deadline; not armed while parked */
    char in[CTL_REQUEST_MAX];
    size_t in_len;
    struct ctl_request req;
    struct outbuf out;
    size_t out_off;        /* out.data[out_off..out.len) is still to send */
    control_fill_fn *fill; /* NULL: the answer is all in out */
    struct json_out json;
    /* The cursor of a long answer: a snapshot taken at the request, stable
     * whatever exits or reloads happen between two chunks. */
    pid_t *pids;               /* handlers: live pids then, each looked up when its row is due */
    struct svc_state **states; /* status, metrics: the services then, each held by a ref */
    size_t n, next;            /* entries, and the next to emit */
    unsigned step;             /* metrics: the family being written */
    uint64_t snap_ns;          /* when the snapshot was taken */
    struct source_ban *bans;   /* bans: the current service's, taken when its turn came */
    size_t n_bans, next_ban;
    struct control_peer *prev_peer, *next_peer;
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
    struct control_peer *peers;
    unsigned n_peers;
};

/* control.c: the control state of S, made once (at start, or by an
 * upgrade's restore before the start); NULL when out of memory. */
struct control *control_new(struct server *s);

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

/* control_peer.c */
/* A new client on FD; DENIED ones only get their refusal, after their
 * request (a client writing into a closed socket would see a broken pipe
 * rather than the reason). */
void control_peer_accepted(struct control *ctl, int fd, bool denied, uid_t uid);
/* A client carried over an upgrade, parked with its request REQ until the
 * turn answers it (control_reload_done, control_upgrade_done). */
void control_peer_adopt(struct control *ctl, int fd, const struct ctl_request *req, uid_t uid);
void control_peer_close(struct control_peer *peer);
void control_peer_pump(struct control_peer *peer);
/* The client has IN_NS from now to do its next part (its request, taking
 * the next chunk). */
void control_peer_deadline(struct control_peer *peer, uint64_t in_ns);
/* Wait for the turn's reload: watch nothing, no deadline. */
void control_peer_park(struct control_peer *peer);

/* control_answer.c: the request in peer->req is valid; set up its answer in
 * peer->out (and peer->fill), or park the client for a reload. */
void control_answer(struct server *s, struct control_peer *peer);
void control_answer_reload(struct control_peer *peer, const struct reload_result *r);
/* An upgrade is over: `upgrade ok version=V pid=P`, or the error ERROR. */
void control_answer_upgrade(struct control_peer *peer, const char *error);
void control_answer_error(struct control_peer *peer, const char *msg);
/* Let go of a client's snapshot. */
void control_answer_release(struct control_peer *peer);
/* The services of the active config, each held, as PEER's cursor: 0, -1
 * when out of memory. */
int control_snapshot_services(struct server *s, struct control_peer *peer);
/* A list answer whose cursor is at its end is complete (a JSON array is
 * closed): true then, false while rows remain. */
bool control_list_done(struct control_peer *peer);
/* Answer "unknown service" to PEER for NAME. */
void control_answer_unknown(struct control_peer *peer, const char *name);

/* Room for more rows in PEER's chunk (and nothing failed). */
static inline bool control_peer_has_room(const struct control_peer *peer)
{
    return peer->out.len < CTL_CHUNK && !peer->out.failed;
}

/* control_metrics.c: answer `metrics` (0, or -1 when out of memory). */
int control_metrics_answer(struct server *s, struct control_peer *peer);

/* control_ops.c: the operator's commands (SPEC section 14): pause, drain,
 * resume, bans, ban, unban; each logged with the caller's uid.  0, or -1
 * when out of memory (answered otherwise). */
int control_ops_answer(struct server *s, struct control_peer *peer);

#endif
