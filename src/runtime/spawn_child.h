/*
 * The child's side of a spawn: reset signals, setsid, the descriptors, the
 * confinement in its safe order, the identity change, the sandbox, exec.
 * On failure it writes the step and the error into its slot and exits 127.
 * Started by a service's spawner (spawner.h), it also answers there itself:
 * its pid first, and the failed step before it exits.
 */
#ifndef SUPERSERVER_SPAWN_CHILD_H
#define SUPERSERVER_SPAWN_CHILD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "conn_env.h"
#include "exec_plan.h"

/* Room for one connection's variables in a slot (conn_env.h). */
#define SLOT_ENV_BYTES CONN_ENV_BYTES

/* The steps of a start, named in event=exec_failed when one fails. */
enum spawn_step {
    SPAWN_STEP_NONE,
    SPAWN_STEP_SETSID,
    SPAWN_STEP_DUP2,
    SPAWN_STEP_SETRLIMIT,
    SPAWN_STEP_NICE,
    SPAWN_STEP_CHROOT,
    SPAWN_STEP_CHDIR,
    SPAWN_STEP_CAPABILITIES,
    SPAWN_STEP_SETGROUPS,
    SPAWN_STEP_SETGID,
    SPAWN_STEP_SETUID,
    SPAWN_STEP_SETUID_CHECK,
    SPAWN_STEP_NO_NEW_PRIVS,
    SPAWN_STEP_LANDLOCK,
    SPAWN_STEP_SECCOMP,
    SPAWN_STEP_EXECVE,
    SPAWN_STEP_COUNT
};
/* "setuid", "execve"...; NULL for SPAWN_STEP_NONE or out of range. */
const char *spawn_step_name(enum spawn_step step);

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
    bool preconfined; /* the shared confinement is the spawner's own: inherited */
    int report_fd;    /* >= 0: the spawner's socket, where the child answers */
    uint64_t report_seq;
    bool restore_nofile;
    struct rlimit handler_nofile;
    char **envp; /* this connection's entries, the plan's, NULL */
    size_t envp_cap;
    char env[SLOT_ENV_BYTES];
    /* Written by a child that fails before its exec */
    enum spawn_step failed_step;
    int child_errno;
    char *stack_top;
};

/* clone()'s entry point; ARG is the struct spawn_slot.  Never returns. */
int spawn_child_main(void *arg);

/*
 * What every handler of a service shares, applied to the calling process
 * with raw system calls (a handler's child, or the service's spawner once
 * for all its handlers).  First the capabilities (the bounding set becomes
 * exactly the kept ones, the inheritable and ambient sets are cut: this
 * needs CAP_SETPCAP, so before any identity change), then the restrictions
 * (no_new_privs, the Landlock domain of the ruleset at RULESET_FD, the
 * seccomp filter).  Each returns the failed step with *ERR (-errno) set, or
 * SPAWN_STEP_NONE.
 */
enum spawn_step spawn_confine_caps(const struct exec_sandbox *sb, long *err);
enum spawn_step spawn_confine_restrict(const struct exec_sandbox *sb, int ruleset_fd, long *err);

#endif
