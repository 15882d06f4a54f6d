/*
 * Starting a handler.  Everything the child needs (argv, environment,
 * groups) is prepared in the parent, once per service into an exec plan and
 * once per connection into a scratch buffer; the child, started with
 * clone(CLONE_VM|CLONE_VFORK), only makes system calls and execs.
 */
#ifndef SUPERSERVER_SPAWN_H
#define SUPERSERVER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "config.h"

/* Per service, built when a config is activated. */
struct exec_plan {
    char **envp;    /* fixed entries, then room for the per-connection ones */
    size_t n_fixed; /* fixed entries start at envp[SPAWN_CONN_VARS] */
    gid_t *groups;  /* supplementary groups of `user` */
    int n_groups;
};

/* How many per-connection variables a spawn may add at most. */
#define SPAWN_CONN_VARS 10

int spawn_plan_build(struct exec_plan *plan, const struct service *svc, char *err, size_t errlen);
void spawn_plan_free(struct exec_plan *plan);

/* What one spawn hands over. */
struct spawn_request {
    const struct service *svc;
    struct exec_plan *plan;
    int sock;                     /* to fd 0 and 1 */
    int stderr_fd;                /* to fd 2 */
    const struct sockaddr *local; /* local address when known (saves a getsockname), or NULL */
    bool sock_on_fd3;             /* listen_fds: also fd 3 with LISTEN_FDS/LISTEN_PID */
    const char *conn_env[SPAWN_CONN_VARS]; /* NULL-terminated "K=V" for this connection */
    /* Filled by a child that failed before execve (visible thanks to CLONE_VM). */
    int child_errno;
    const char *failed_step;
};

/* One-time set-up: the child's stack, and the RLIMIT_NOFILE handlers get
 * back (the daemon raises its own; select()-era handlers must not inherit
 * that).  -1 on failure. */
struct rlimit;
int spawn_init(const struct rlimit *handler_nofile);

/* Start the handler.  Returns its pid, or -1 with errno when it could not be
 * created.  A child that fails later exits 127 and sets req->child_errno. */
pid_t spawn_handler(struct spawn_request *req);

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
