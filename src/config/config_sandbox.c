/*
 * The sandboxing keys of a service (SPEC section 10): no_new_privileges,
 * capabilities, landlock, syscall_deny.  Names are checked here, at
 * file:line; the runtime turns them into masks, a Landlock ruleset and a
 * seccomp program when the config is activated.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "capnames.h"
#include "config_keys.h"
#include "landlock.h"
#include "syscall_groups.h"

int k_no_new_privileges(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    return cv_get_bool(ld, n, &b->s->sandbox.no_new_privileges);
}

int k_capabilities(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char **names;
    size_t count;
    const struct cfgnode *it;

    if (cv_need_root(ld, n) < 0 || cv_get_strings(ld, n, false, &names, &count) < 0)
        return -1;
    b->s->sandbox.has_capabilities = true;
    b->s->sandbox.capabilities = 0;
    it = n->first;
    for (size_t i = 0; i < count; i++, it = it->next) {
        int cap = capnames_lookup(names[i]);
        if (cap < 0)
            return cv_fail(ld, it, n->key, "unknown capability \"%s\" (see capabilities(7))",
                           names[i]);
        b->s->sandbox.capabilities |= 1ULL << cap;
    }
    return 0;
}

/* One of landlock's lists: absolute paths that exist now. */
static int landlock_paths(struct loader *ld, const struct cfgnode *n, const char *key, char ***out)
{
    size_t count;
    struct stat st;
    const struct cfgnode *it;

    if (cv_get_strings(ld, n, true, out, &count) < 0)
        return -1;
    it = n->type == CFGNODE_LIST ? n->first : n;
    for (size_t i = 0; i < count; i++, it = it->next) {
        if ((*out)[i][0] != '/')
            return cv_fail(ld, it, key, "\"%s\" must be an absolute path", (*out)[i]);
        if (stat((*out)[i], &st) == -1)
            return cv_fail(ld, it, key, "\"%s\" does not exist", (*out)[i]);
    }
    return 0;
}

int k_landlock(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    struct svc_sandbox *sb = &b->s->sandbox;

    if (n->type != CFGNODE_MAP)
        return cv_fail(ld, n, n->key, "expected a map of read, write, exec, got %s",
                       cfgnode_describe(n));
    sb->has_landlock = true;
    for (const struct cfgnode *it = n->first; it != NULL; it = it->next) {
        char key[300];
        char ***list = strcmp(it->key, "read") == 0    ? &sb->landlock_read
                       : strcmp(it->key, "write") == 0 ? &sb->landlock_write
                       : strcmp(it->key, "exec") == 0  ? &sb->landlock_exec
                                                       : NULL;
        snprintf(key, sizeof(key), "landlock.%.250s", it->key);
        if (list == NULL)
            return cv_fail(ld, it, key, "unknown key (expected read, write or exec)");
        if (landlock_paths(ld, it, key, list) < 0)
            return -1;
    }
    if (landlock_abi() < 1)
        return cv_fail(ld, n, n->key,
                       "this kernel has no Landlock (or it is disabled): the service would "
                       "run unconfined");
    return 0;
}

int k_syscall_deny(struct loader *ld, struct svc_build *b, const struct cfgnode *n)
{
    char **names;
    size_t count;
    const struct cfgnode *it;

    if (cv_get_strings(ld, n, false, &names, &count) < 0)
        return -1;
    b->s->sandbox.syscall_deny = 0;
    it = n->first;
    for (size_t i = 0; i < count; i++, it = it->next) {
        int g = syscall_groups_lookup(names[i]);
        if (g < 0)
            return cv_fail(ld, it, n->key, "unknown group \"%s\" (expected %s)", names[i],
                           syscall_groups_list());
        b->s->sandbox.syscall_deny |= 1u << g;
    }
    return 0;
}
