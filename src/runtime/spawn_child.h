/*
 * The child's side of a spawn: reset signals, setsid, the descriptors, the
 * confinement in its safe order, the identity change, the sandbox, exec.
 * On failure it writes the step and the error into its slot and exits 127.
 */
#ifndef SUPERSERVER_SPAWN_CHILD_H
#define SUPERSERVER_SPAWN_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "exec_plan.h"

/* Room for one connection's variables in a slot: the addresses and three
 * 255-byte PROXY TLVs (conn_env.h). */
#define SLOT_ENV_BYTES 2048

/* One slot: a child between clone and exec reads only this and its plan. */
struct spawn_slot {
    pid_t in_child; /* 1 from clone until the kernel zeroes it at exec or exit */
    bool used;      /* started a child not collected yet */
    pid_t pid;
    uint64_t started; /* spawn sequence number */
    /* The request, copied */
    struct exec_plan *plan; /* a reference, dropped when collected */
    int sock, stderr_fd;
    bool sock_on_fd3;
    bool restore_nofile;
    struct rlimit handler_nofile;
    char **envp; /* this connection's entries, the plan's, NULL */
    size_t envp_cap;
    char env[SLOT_ENV_BYTES];
    /* Written by a child that fails before its exec */
    const char *failed_step;
    int child_errno;
    char *stack_top;
};

/* clone()'s entry point; ARG is the struct spawn_slot.  Never returns. */
int spawn_child_main(void *arg);

#endif
