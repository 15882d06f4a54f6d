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
    sandbox_release(&plan->sandbox);
    free(plan);
}
