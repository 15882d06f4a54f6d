/*
 * Starting a handler.  Everything the child needs (argv, environment,
 * groups) is prepared in the parent, once per service into an exec plan and
 * once per connection into a request; spawn_handler copies the request into
 * one of a few spawn slots and starts the child with clone(CLONE_VM) on the
 * slot's stack.  The daemon does not wait for the exec: the child only makes
 * raw system calls (raw_syscall.h) and the slot stays reserved until the
 * kernel reports that the child has left the daemon's memory.
 */
#ifndef SUPERSERVER_SPAWN_H
#define SUPERSERVER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "model.h"

/* Per service, built when a config is activated. */
struct exec_plan {
    char **env; /* PATH, SUPERSERVER_SERVICE, pass_env, env: the fixed entries */
    size_t n_env;
    gid_t *groups; /* supplementary groups of `user` */
    int n_groups;
};

/* How many per-connection variables a spawn may add at most. */
#define SPAWN_CONN_VARS 10

int spawn_plan_build(struct exec_plan *plan, const struct service *svc, char *err, size_t errlen);
void spawn_plan_free(struct exec_plan *plan);

/* What one spawn hands over. */
struct spawn_request {
    const struct service *svc;
    const struct exec_plan *plan;
    int sock;                     /* to fd 0 and 1 */
    int stderr_fd;                /* to fd 2 */
    const struct sockaddr *local; /* local address when known (saves a getsockname), or NULL */
    bool sock_on_fd3;             /* listen_fds: also fd 3 with LISTEN_FDS/LISTEN_PID */
    const char *conn_env[SPAWN_CONN_VARS]; /* NULL-terminated "K=V" for this connection */
};

/* Told of a child that failed before its exec (it exits 127): the step, such
 * as "setuid" or "execve", and the error. */
typedef void spawn_failure_fn(pid_t pid, const char *step, int err, void *ctx);

/* One-time set-up: the slots' stacks, where failures are reported, and the
 * RLIMIT_NOFILE handlers get back (the daemon raises its own; select()-era
 * handlers must not inherit that).  -1 on failure. */
struct rlimit;
int spawn_init(const struct rlimit *handler_nofile, spawn_failure_fn *on_failure, void *ctx);

/* Start the handler.  Returns its pid, or -1 with errno when it could not be
 * created.  The request is copied: the caller may reuse it at once. */
pid_t spawn_handler(const struct spawn_request *req);

/* Free the slots of children that have exec'd or exited, reporting those
 * that failed.  Call before acting on an exit status of 127. */
void spawn_collect(void);

/* Wait (bounded) until no child is between clone and exec, so that the
 * daemon may free the configuration they read and close sockets they still
 * hold a copy of.  False when one is stuck even after SIGKILL (it is in an
 * uninterruptible system call): then nothing it can read may be freed. */
bool spawn_quiesce(void);

/* Per-connection variables are formatted into a caller's buffer. */
struct spawn_env {
    char *buf;
    size_t len, used;
    int n;
};
void spawn_env_start(struct spawn_env *e, struct spawn_request *req, char *buf, size_t len);
void spawn_env_addf(struct spawn_env *e, struct spawn_request *req, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The variables SPEC section 4 gives a handler of SVC on SOCK (PEER may be NULL). */
void spawn_conn_env(struct spawn_env *e, struct spawn_request *req, int sock,
                    const struct sockaddr *peer, socklen_t peerlen);

#endif
