/*
 * A pre-confined spawner per confined service, the daemon's side.
 *
 * A nowait service with any of no_new_privileges, capabilities, landlock or
 * syscall_deny gets a spawner when its exec plan is put into service: a
 * process forked from the daemon that confines itself once as every handler
 * of the service would be (spawner_proc.c) and then clones each handler with
 * CLONE_PARENT, so the handler is the daemon's child (reaped, timed out,
 * counted and logged as any other) and inherits the confinement by
 * reference instead of attaching a seccomp filter and a Landlock domain of
 * its own.  Per connection the daemon sends the socket (and the stderr
 * pipe) with the connection's variables over a SOCK_SEQPACKET socketpair
 * and goes on; the pid comes back later (spawner_msg.h).  The spawner's
 * socket is a watched object of the reactor: nothing ever waits for it.
 *
 * A connection is counted from the moment it is handed over.  A handler
 * whose exit is reaped before its pid was read is found by reading the
 * spawners' answers first (spawner_queued_exit).  A reload that changes the plan
 * starts a new spawner and retires the old one once it has no request
 * left; a spawner that dies is logged and restarted, and the connections it
 * had not answered are started by the daemon itself, as an unconfined
 * service's are (they had no handler: its child answers before anything
 * else, on its own copy of the socket).  A spawner exits when it reads EOF:
 * the daemon's end is close-on-exec, so across an exec of the daemon (live
 * upgrade) the old spawners finish what they were doing and go.
 */
#ifndef SUPERSERVER_SPAWNER_H
#define SUPERSERVER_SPAWNER_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct server;
struct svc_state;
struct child;
struct spawner_proc;

/* One connection as handler_start hands it over. */
struct spawner_handoff {
    int sock;   /* on fd 0 and 1 */
    int err_fd; /* fd 2: the socket, /dev/null or a stderr pipe's write end */
    int reader; /* that pipe's read end (then err_fd is the spawner's to close), or -1 */
    const char *const *vars; /* this connection's "K=V", NULL-terminated */
    const char *via;         /* the load balancer as logs show it, or NULL */
};

/* After an activation: every confined nowait service gets a spawner of its
 * plan; one whose plan changed or whose service went is retired. */
void spawner_sync(struct server *s);

/* Hand C's connection to SP (a service's current spawner, or NULL).  0: it
 * is SP's now (the descriptors are copied: the caller closes its own, but
 * not H->err_fd and H->reader when H->reader >= 0); -1: SP cannot take it
 * now (none, starting, gone, full), nothing changed. */
int spawner_hand_over(struct server *s, struct spawner_proc *sp, struct child *c,
                      const struct spawner_handoff *h);

/* PID has exited and is not in the children table: the answers queued at
 * the spawners are read now, and its record returned (in the table) if it
 * was a handler whose pid had not been read yet; NULL otherwise. */
struct child *spawner_queued_exit(struct server *s, pid_t pid);
/* PID has exited with STATUS and is no handler: if it was a spawner, its
 * record learns it (logged; freed once nothing refers to it).  False when
 * it was not one. */
bool spawner_exited(struct server *s, pid_t pid, int status);
/* C, started by a spawner (c->spawner), has exited with STATUS: before its
 * exit is logged, a failed step it queued is read; then its spawner no
 * longer waits for it.  Nothing for other handlers. */
void spawner_child_exited(struct server *s, struct child *c, int status);

/* The pid of the spawner serving STATE now, or 0 (status, metrics). */
pid_t spawner_pid(const struct svc_state *state);

/* Before the daemon's image goes (live upgrade): read answers until no
 * connection waits for one, at most TIMEOUT_NS.  False when some still do
 * (their handlers run, unrecorded). */
bool spawner_quiesce(struct server *s, uint64_t timeout_ns);
/* Visit every spawner process still alive (an upgrade carries their pids,
 * to reap them quietly after the exec). */
void spawner_each_pid(const struct server *s, void (*fn)(pid_t pid, void *ctx), void *ctx);

/* At exit: close every spawner's socket (they exit at EOF), forget the
 * connections still waiting. */
void spawner_close_all(struct server *s);

#endif
