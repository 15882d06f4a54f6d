/*
 * Loading a configuration: the main file and its includes, in either
 * syntax, into the model (model.h), fully validated; and printing it back
 * (-t, -T).
 */
#ifndef SUPERSERVER_CONFIG_H
#define SUPERSERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "model.h"
#include "paths.h"

/* The control socket of a daemon running as root when the config names none. */
#define CONFIG_CONTROL_DEFAULT RUNSTATEDIR "/superserverd.ctl"

/* Most errors one load names (superserverd -t prints them all). */
#define CONFIG_MAX_ERRORS 20
#define CONFIG_ERROR_LEN  1024

/* Every error a load found, in file order: the first CONFIG_MAX_ERRORS. */
struct config_errors {
    size_t n;     /* lines in text */
    size_t found; /* errors found in all: more than n when some are not kept */
    char text[CONFIG_MAX_ERRORS][CONFIG_ERROR_LEN];
};

struct config_options {
    /* May `user`, `group` and `socket_owner` be set?  True for a root daemon,
     * which also gets the default `control` socket. */
    bool privileged;
    /* When set, a failed load also writes every error it found here. */
    struct config_errors *errors;
};

/*
 * Parse FILE (and its includes) and validate everything.  On failure returns
 * NULL and writes one line "file:line: service \"x\": key \"k\": reason"
 * (without the program name or a newline) into err: the first error in file
 * order.  The load goes on past an error to find the others (see
 * config_errors.c), each file in the order it is read and each service on
 * its own; a file's syntax error ends that file.
 */
struct config *config_load(const char *path, const struct config_options *opts, char *err,
                           size_t errlen);
void config_free(struct config *cfg);

/*
 * Where a client (superserverctl, metrics-http) finds the control socket of
 * the daemon that runs CONFIG_PATH: its main file's top-level `control` key,
 * nothing else read (config_locate.c).  1: the path in OUT
 * (CONFIG_CONTROL_DEFAULT when the file does not set `control`); 0: the file
 * says `control: off` (OUT is ""); -1: the file cannot be read or its
 * `control` is wrong (ERR says why, OUT holds the default).
 */
int config_control_path(const char *config_path, char *out, size_t outlen, char *err,
                        size_t errlen);

/* The config's rule for an environment variable's name (env, pass_env),
 * [A-Za-z_][A-Za-z0-9_]*: the importers keep only names it accepts. */
bool config_env_name_ok(const char *s);

/* The -t listing: "NAME PROTOCOL/MODE LISTEN[,LISTEN...] EXEC" per service. */
void config_print_check(const struct config *cfg, FILE *out);

/* The -T output: the effective config, defaults applied, as YAML. */
void config_dump_yaml(const struct config *cfg, FILE *out);

#endif
