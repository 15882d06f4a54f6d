/*
 * Inside the spawner module: what the daemon's side (spawner.c) hands the
 * process it forks (spawner_proc.c).  Not for the rest of the daemon, which
 * uses spawner.h.
 */
#ifndef SUPERSERVER_SPAWNER_INT_H
#define SUPERSERVER_SPAWNER_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "addr.h"
#include "exec_plan.h"
#include "loop.h"
#include "spawner_msg.h"

struct server;
struct child;
struct svc_state;

/* One connection handed over and not answered yet: what the daemon needs to
 * start its handler itself if the spawner goes without answering. */
struct spawner_pending {
    struct spawner_pending *prev, *next; /* the spawner's, in the order sent */
    struct child *c;                     /* counted, not in the children table yet */
    uint64_t seq, sent_ns;
    int sock;   /* the daemon's copy of the connection */
    int err_fd; /* fd 2 as sent: the socket, /dev/null, or a pipe's write end */
    int reader; /* that pipe's read end (err_fd is then ours to close), or -1 */
    bool has_via;
    char via[ADDR_STRLEN];
    size_t len;
    unsigned char msg[SPAWNER_REQ_MAX]; /* the request as sent */
};

/* One spawner process and the daemon's end of its socket. */
struct spawner_proc {
    struct ev ev; /* the daemon's end; fd -1 before the start and after EOF */
    struct server *s;
    struct svc_state *state; /* a reference */
    struct exec_plan *plan;  /* a reference: the plan it was forked with */
    pid_t pid;               /* 0 before the start */
    bool alive;              /* started and not reaped yet */
    uint64_t started_ns;
    uint64_t next_seq;
    struct spawner_pending *head, *tail; /* unanswered, oldest first */
    struct spawner_pending *spare;       /* answered records, kept for reuse */
    bool ready;                          /* it said READY */
    bool retiring;                       /* no new work: EOF once its last request is answered */
    bool shut;                           /* our end shut for writing: it reads EOF */
    bool eof;                            /* its end is closed: no answer can come any more */
    bool restarted;                      /* it replaces one that died */
    unsigned streak;                     /* predecessors that died young in a row */
    unsigned users;                      /* handlers it started, alive: they may still answer */
    char setup_error[96];                /* SETUP_FAILED: why it could not confine itself */
    struct timer start;                  /* a start (after a failure: backed off) is due */
    struct timer stall;                  /* its oldest request waits too long */
    struct timer finish;                 /* gone and reaped: freed after the batch */
    struct spawner_proc *prev, *next;    /* server.spawners */
    struct spawner_proc *busy_prev,
        *busy_next; /* server.spawners_busy: it has requests unanswered */
};

/* spawner_conn.c: connections and answers */
void spawner_readable(struct ev *ev, uint32_t events);
/* Read SP's answers (at most BUDGET); at EOF, start its unanswered
 * connections here and tell spawner_lost. */
void spawner_read(struct spawner_proc *sp, unsigned budget);
void spawner_stalled(struct timer *t, uint64_t now);
/* SP's end was closed without EOF read (a forced stop): the same. */
void spawner_end(struct spawner_proc *sp);
/* At exit: the connections SP never answered are let go, not served. */
void spawner_drop_pending(struct spawner_proc *sp);
/* Shut our end for writing once a retiring SP has nothing left to do. */
void spawner_shut_if_idle(struct spawner_proc *sp);
/* Read every answer queued now at every spawner with requests unanswered. */
void spawner_collect(struct server *s);

/* spawner.c: SP read EOF (died, or retired and done) */
void spawner_lost(struct spawner_proc *sp);

/* What a freshly forked spawner starts from (in its copy of the daemon's
 * memory). */
struct spawner_boot {
    int sock;                     /* its end of the socketpair */
    struct exec_plan *plan;       /* the service's plan, as forked */
    const char *service;          /* for its process name */
    struct rlimit handler_nofile; /* RLIMIT_NOFILE handlers get back (spawn.h) */
};

/* The spawner process: confine itself, then serve requests until EOF.
 * Never returns. */
_Noreturn void spawner_proc_run(const struct spawner_boot *b);

/* The capabilities a spawner keeps for itself: what its children need
 * between clone and exec to become PLAN's handlers (the identity change,
 * chroot, rlimits, nice, a root handler's exec, the ambient raise). */
uint64_t spawner_proc_caps_needed(const struct exec_plan *plan);

#endif
