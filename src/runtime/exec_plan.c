/*
 * Exec plans (see exec_plan.h), built in the parent once per service; the
 * per-connection variables are conn_env.c's, and the child's side
 * (spawn_child.c) only reads them.
 */
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>
#include <unistd.h>

#include "exec_plan.h"

#define SAFE_PATH "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* Length of NAME in "NAME=value". */
static size_t env_name_len(const char *entry)
{
    const char *eq = strchr(entry, '=');
    return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Append ENTRY to the fixed list, replacing an earlier entry of the same name. */
static void env_put(char **list, size_t *n, char *entry)
{
    size_t len = env_name_len(entry);
    for (size_t i = 0; i < *n; i++)
        if (env_name_len(list[i]) == len && strncmp(list[i], entry, len) == 0) {
            free(list[i]);
            list[i] = entry;
            return;
        }
    list[(*n)++] = entry;
}

static size_t strv_len(char *const *v)
{
    size_t n = 0;
    while (v && v[n])
        n++;
    return n;
}

static int plan_groups(struct exec_plan *plan, const struct service *svc, char *err, size_t errlen)
{
    int n = 64;

    if (!svc->user)
        return 0;
    for (int tries = 0; tries < 4; tries++) {
        gid_t *g = realloc(plan->groups, (size_t)n * sizeof(*g));
        if (!g)
            break;
        plan->groups = g;
        int want = n;
        if (getgrouplist(svc->user, svc->gid, g, &want) != -1) {
            plan->n_groups = want;
            return 0;
        }
        n = want > n ? want : n * 2;
    }
    snprintf(err, errlen, "cannot list the groups of user \"%s\"", svc->user);
    return -1;
}

/* Owned copies of the strings of V (NULL-terminated); NULL when out of memory. */
static char **strv_dup(char *const *v)
{
    size_t n = strv_len(v);
    char **copy = calloc(n + 1, sizeof(*copy));

    for (size_t i = 0; copy && i < n; i++)
        if (!(copy[i] = strdup(v[i]))) {
            for (size_t k = 0; k < i; k++)
                free(copy[k]);
            free(copy);
            return NULL;
        }
    return copy;
}

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

/* PATH, SUPERSERVER_SERVICE, then pass_env and env (a later name replaces an earlier). */
static int plan_env(struct exec_plan *plan, const struct service *svc)
{
    size_t max = 2 + strv_len(svc->pass_env) + strv_len(svc->env);
    char **fixed = calloc(max, sizeof(*fixed));
    size_t n = 0;

    if (!fixed)
        return -1;
    plan->env = fixed;
    if (!(fixed[n] = strdup(SAFE_PATH)))
        return -1;
    plan->n_env = ++n;
    if (asprintf(&fixed[n], "SUPERSERVER_SERVICE=%s", svc->name) == -1)
        return -1;
    plan->n_env = ++n;
    for (char **p = svc->pass_env; p && *p; p++) {
        const char *v = getenv(*p);
        char *entry;
        if (!v)
            continue;
        if (asprintf(&entry, "%s=%s", *p, v) == -1)
            return -1;
        env_put(fixed, &plan->n_env, entry);
    }
    for (char **p = svc->env; p && *p; p++) {
        char *entry = strdup(*p);
        if (!entry)
            return -1;
        env_put(fixed, &plan->n_env, entry);
    }
    return 0;
}

static const int rlimit_resource[RL_COUNT] = {
    [RL_CPU] = RLIMIT_CPU,     [RL_AS] = RLIMIT_AS,       [RL_NOFILE] = RLIMIT_NOFILE,
    [RL_NPROC] = RLIMIT_NPROC, [RL_FSIZE] = RLIMIT_FSIZE, [RL_CORE] = RLIMIT_CORE,
};

/* The confinement keys, copied. */
static int plan_confinement(struct exec_plan *plan, const struct service *svc)
{
    for (int i = 0; i < RL_COUNT; i++)
        if (svc->rlimits[i].set) {
            plan->rlimits[plan->n_rlimits].resource = rlimit_resource[i];
            plan->rlimits[plan->n_rlimits++].value = svc->rlimits[i].value;
        }
    plan->sets_nofile = svc->rlimits[RL_NOFILE].set;
    plan->has_nice = svc->has_nice;
    plan->nice = svc->nice;
    plan->has_umask = svc->has_umask;
    plan->umask = svc->umask;
    plan->set_groups = svc->has_user || svc->has_group;
    plan->gid = svc->gid;
    plan->set_uid = svc->has_user;
    plan->uid = svc->uid;
    if (svc->chroot && !(plan->chroot = strdup(svc->chroot)))
        return -1;
    if (svc->chdir && !(plan->chdir = strdup(svc->chdir)))
        return -1;
    char **const landlock[3] = {svc->sandbox.landlock_read, svc->sandbox.landlock_write,
                                svc->sandbox.landlock_exec};
    for (int i = 0; i < 3; i++)
        if (landlock[i] && !(plan->landlock_paths[i] = strv_dup(landlock[i])))
            return -1;
    return 0;
}

struct exec_plan *exec_plan_new(const struct service *svc, char *err, size_t errlen)
{
    struct exec_plan *plan = calloc(1, sizeof(*plan));

    if (!plan)
        goto nomem;
    plan->refs = 1;
    plan->sandbox.landlock_fd = -1;
    if (!(plan->exec = strdup(svc->exec)) || !(plan->argv = strv_dup(svc->args)) ||
        plan_env(plan, svc) == -1 || plan_confinement(plan, svc) == -1)
        goto nomem;
    if (plan_groups(plan, svc, err, errlen) == -1 ||
        sandbox_prepare(&plan->sandbox, svc, err, errlen) == -1) {
        exec_plan_unref(plan);
        return NULL;
    }
    return plan;
nomem:
    exec_plan_unref(plan);
    snprintf(err, errlen, "out of memory");
    return NULL;
}

struct exec_plan *exec_plan_ref(struct exec_plan *plan)
{
    plan->refs++;
    return plan;
}

void exec_plan_unref(struct exec_plan *plan)
{
    if (!plan || --plan->refs > 0)
        return;
    free(plan->exec);
    strv_free(plan->argv, strv_len(plan->argv));
    strv_free(plan->env, plan->n_env);
    free(plan->groups);
    free(plan->chroot);
    free(plan->chdir);
    for (int i = 0; i < 3; i++)
        strv_free(plan->landlock_paths[i], strv_len(plan->landlock_paths[i]));
    sandbox_release(&plan->sandbox);
    free(plan);
}

static bool str_same(const char *a, const char *b)
{
    return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_same(char *const *a, char *const *b)
{
    size_t n = strv_len(a);

    if (n != strv_len(b))
        return false;
    for (size_t i = 0; i < n; i++)
        if (strcmp(a[i], b[i]) != 0)
            return false;
    return true;
}

static bool sandbox_same_prepared(const struct exec_sandbox *a, const struct exec_sandbox *b)
{
    return a->no_new_privs == b->no_new_privs && a->drop_bounding == b->drop_bounding &&
           a->keep_caps == b->keep_caps && a->last_cap == b->last_cap &&
           memcmp(a->cap_narrow, b->cap_narrow, sizeof(a->cap_narrow)) == 0 &&
           a->raise_ambient == b->raise_ambient &&
           memcmp(a->cap_raise, b->cap_raise, sizeof(a->cap_raise)) == 0 &&
           (a->landlock_fd >= 0) == (b->landlock_fd >= 0) && a->seccomp.len == b->seccomp.len &&
           (a->seccomp.len == 0 || memcmp(a->seccomp.filter, b->seccomp.filter,
                                          a->seccomp.len * sizeof(*a->seccomp.filter)) == 0);
}

bool exec_plan_same(const struct exec_plan *a, const struct exec_plan *b)
{
    if (strcmp(a->exec, b->exec) != 0 || !strv_same(a->argv, b->argv) || a->n_env != b->n_env ||
        a->set_groups != b->set_groups || a->gid != b->gid || a->n_groups != b->n_groups ||
        a->set_uid != b->set_uid || a->uid != b->uid || a->n_rlimits != b->n_rlimits ||
        a->sets_nofile != b->sets_nofile || a->has_nice != b->has_nice || a->nice != b->nice ||
        a->has_umask != b->has_umask || a->umask != b->umask || !str_same(a->chroot, b->chroot) ||
        !str_same(a->chdir, b->chdir) || !sandbox_same_prepared(&a->sandbox, &b->sandbox))
        return false;
    for (size_t i = 0; i < a->n_env; i++)
        if (strcmp(a->env[i], b->env[i]) != 0)
            return false;
    if (a->n_groups && memcmp(a->groups, b->groups, (size_t)a->n_groups * sizeof(*a->groups)))
        return false;
    for (int i = 0; i < a->n_rlimits; i++)
        if (a->rlimits[i].resource != b->rlimits[i].resource ||
            a->rlimits[i].value != b->rlimits[i].value)
            return false;
    for (int i = 0; i < 3; i++)
        if (!strv_same(a->landlock_paths[i], b->landlock_paths[i]))
            return false;
    return true;
}
