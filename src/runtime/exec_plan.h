/*
 * What a handler is started with, prepared in the parent once per service
 * when a config is activated: program, argv, the fixed environment,
 * identity, groups, rlimits, nice, umask, chroot, chdir (the per-connection
 * variables are conn_env.h's).  A plan is a self-contained copy with a
 * reference count: the
 * spawner holds a reference while a child may still read it, so a reload
 * frees the old config without waiting for children.
 */
#ifndef SUPERSERVER_EXEC_PLAN_H
#define SUPERSERVER_EXEC_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "model.h"
#include "sandbox.h"

struct exec_rlimit {
    int resource; /* RLIMIT_* */
    uint64_t value;
};

struct exec_plan {
    unsigned refs;
    char *exec;
    char **argv; /* NULL-terminated */
    char **env;  /* PATH, SUPERSERVER_SERVICE, pass_env, env: the fixed entries */
    size_t n_env;
    bool set_groups; /* setgroups(groups) and setresgid(gid) */
    gid_t gid;
    gid_t *groups; /* supplementary groups of `user` */
    int n_groups;
    bool set_uid;
    uid_t uid;
    struct exec_rlimit rlimits[RL_COUNT];
    int n_rlimits;
    bool sets_nofile; /* an rlimit replaces the inherited RLIMIT_NOFILE */
    bool has_nice;
    int nice;
    bool has_umask;
    mode_t umask;
    char *chroot; /* NULL = none */
    char *chdir;  /* NULL = none */
    struct exec_sandbox sandbox;
    /* The landlock key's paths, as the ruleset was made from them (so two
     * plans can be compared; the ruleset descriptor cannot be). */
    char **landlock_paths[3]; /* read, write, exec; NULL-terminated or NULL */
};

/* A plan for SVC with one reference, or NULL with a reason in err. */
struct exec_plan *exec_plan_new(const struct service *svc, char *err, size_t errlen);
struct exec_plan *exec_plan_ref(struct exec_plan *plan);
void exec_plan_unref(struct exec_plan *plan);
/* Would A and B start the same handler (a reload keeps a service's spawner
 * only for a plan it would start as the new one does)? */
bool exec_plan_same(const struct exec_plan *a, const struct exec_plan *b);

#endif
