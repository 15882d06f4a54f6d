/*
 * Starting a handler.  spawn_handler copies a request (the exec plan, the
 * sockets, this connection's variables) into one of a few spawn slots and
 * starts the child with clone(CLONE_VM) on the slot's stack.  The daemon
 * does not wait for the exec: the child reads only its slot and the plan
 * (which the slot holds a reference on), makes only raw system calls
 * (raw_syscall.h), and the slot stays reserved until the kernel reports
 * that the child has left the daemon's memory.
 */
#ifndef SUPERSERVER_SPAWN_H
#define SUPERSERVER_SPAWN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "exec_plan.h"
#include "spawn_child.h"

#define SPAWN_SLOTS 8

/* What one spawn hands over. */
struct spawn_request {
    struct exec_plan *plan;
    int sock;                    /* to fd 0 and 1 */
    int stderr_fd;               /* to fd 2 */
    bool sock_on_fd3;            /* listen_fds: also fd 3, with LISTEN_PID filled in by the child */
    const char *const *conn_env; /* NULL-terminated "K=V" for this connection, or NULL */
    /* From a service's spawner (spawner.h): the shared confinement is
     * already the spawner's own, and the child answers on REPORT_FD for
     * REPORT_SEQ.  Zero and -1 otherwise. */
    bool preconfined;
    int report_fd;
    uint64_t report_seq;
};

/* Told of a child that failed before its exec (it exits 127): the step, such
 * as "setuid" or "execve", and the error. */
typedef void spawn_failure_fn(pid_t pid, const char *step, int err, void *ctx);

struct spawner {
    struct spawn_slot slots[SPAWN_SLOTS];
    int slots_in_use;             /* CPUs + 1, at most SPAWN_SLOTS (spawn.c says why) */
    bool suspend_parent;          /* CLONE_VFORK instead (spawn.c says when) */
    int clone_flags;              /* more: CLONE_PARENT in a service's spawner */
    struct rlimit handler_nofile; /* RLIMIT_NOFILE handlers get back */
    bool restore_nofile;
    uint64_t spawned;
    spawn_failure_fn *report_failure;
    void *report_ctx;
    void *stacks;
    size_t stacks_len;
};

/* One-time set-up: the slots' stacks, where failures are reported, and the
 * RLIMIT_NOFILE handlers get back (the daemon raises its own; select()-era
 * handlers must not inherit that).  -1 on failure. */
int spawn_init(struct spawner *sp, const struct rlimit *handler_nofile,
               spawn_failure_fn *on_failure, void *ctx);
/* Release the stacks and the plans still referenced; call after spawn_quiesce. */
void spawn_destroy(struct spawner *sp);

/* Start the handler.  Returns its pid, or -1 with errno when it could not be
 * created.  The request is copied: the caller may reuse it at once. */
pid_t spawn_handler(struct spawner *sp, const struct spawn_request *req);

/* Free the slots of children that have exec'd or exited, reporting those
 * that failed.  Call before acting on an exit status of 127. */
void spawn_collect(struct spawner *sp);

/* Wait (bounded) until no child is between clone and exec, so that the
 * daemon may close sockets they still hold a copy of.  False when one is
 * stuck even after SIGKILL (it is in an uninterruptible system call). */
bool spawn_quiesce(struct spawner *sp);

#endif
