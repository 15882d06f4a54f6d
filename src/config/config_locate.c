/*
 * Where a client (superserverctl -c, metrics-http -c) finds the control
 * socket of the daemon that runs a config: the top-level `control` key of
 * the main file, and nothing else (SPEC §9).  Never a whole load: keys only
 * root may set, exec checks, includes and inetd_conf are the daemon's
 * business, and a control_group member running as an ordinary user must
 * not be refused because of them.  Above the loader: it calls into
 * config_control.c, never the other way round.
 */
#include <stdio.h>
#include <unistd.h>

#include "conf_file.h"
#include "config_int.h"

int config_control_path(const char *config_path, char *out, size_t outlen, char *err, size_t errlen)
{
    struct arena mem = ARENA_INIT;
    struct loader ld = {.mem = &mem, .err = err, .errlen = errlen};
    struct config cfg = {.control_is_default = true};
    /* A root client trusts the file only as a root daemon would (conf_file.h). */
    const struct cfgnode *root = conf_parse_file(&ld.tmp, config_path, geteuid() == 0, err, errlen);
    const struct cfgnode *n = cfgnode_get(root, "control");
    int rc = 1;

    if (root == NULL || (n != NULL && config_control_key(&ld, &cfg, n) < 0))
        rc = -1;
    else if (!cfg.control_is_default && cfg.control == NULL)
        rc = 0; /* control: off */
    /* The daemon is normally root: a file that leaves `control` out means its default. */
    snprintf(out, outlen, "%s",
             rc < 0 || cfg.control_is_default ? CONFIG_CONTROL_DEFAULT
             : rc == 0                        ? ""
                                              : cfg.control);
    if (rc < 0)
        cv_one_line(err);
    arena_free(&ld.tmp);
    arena_free(&mem);
    return rc;
}
