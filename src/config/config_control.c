/*
 * The control socket's two top-level keys, `control` and `control_group`
 * (SPEC §9).  The socket itself is the runtime's; a client's look-up of the
 * path is config_locate.c's.
 */
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "config_int.h"

/* `control`: "off", or the absolute path of the control socket (it must fit sun_path). */
int config_control_key(struct loader *ld, struct config *cfg, const struct cfgnode *n)
{
    const size_t max = sizeof(((struct sockaddr_un *)NULL)->sun_path) - 1;
    char *path;

    if (n->type != CFGNODE_SCALAR || n->kind != CFGSCALAR_STRING)
        return cv_fail(ld, n, n->key, "expected \"off\" or an absolute path, got %s",
                       cfgnode_describe(n));
    cfg->control_is_default = false;
    if (strcmp(n->text, "off") == 0) {
        cfg->control = NULL;
        return 0;
    }
    if (cv_get_path(ld, n, &path) < 0)
        return -1;
    if (strlen(path) > max)
        return cv_fail(ld, n, n->key, "path too long for a unix socket (%zu bytes, at most %zu)",
                       strlen(path), max);
    cfg->control = path;
    return 0;
}

/* `control_group`: a group name or number, resolved now. */
static int top_control_group(struct loader *ld, struct config *cfg, const struct cfgnode *n)
{
    char name[256];

    if (cv_id_text(ld, n, name, sizeof(name)) < 0)
        return -1;
    cfg->has_control_group = true;
    return cv_lookup_group(ld, n, name, &cfg->control_gid);
}

int config_top_control(struct loader *ld, struct config *cfg, const struct cfgnode *root)
{
    const struct cfgnode *n;

    cfg->control_is_default = true;
    if (ld->privileged && (cfg->control = arena_strdup(ld->mem, CONFIG_CONTROL_DEFAULT)) == NULL)
        return cv_fail(ld, root, NULL, "out of memory");
    if ((n = cfgnode_get(root, "control")) != NULL && config_control_key(ld, cfg, n) < 0)
        return -1;
    ld->control = n;
    if ((n = cfgnode_get(root, "control_group")) != NULL && top_control_group(ld, cfg, n) < 0)
        return -1;
    return 0;
}
