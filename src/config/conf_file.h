/*
 * Reading one configuration file: bounded, UTF-8 checked, handed to the
 * front-end its extension names (conf_syntax.h).  On error one line
 * "FILE[:LINE]: REASON" goes into err.
 */
#ifndef SUPERSERVER_CONF_FILE_H
#define SUPERSERVER_CONF_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "arena.h"
#include "cfgnode.h"
#include "conf_syntax.h"

/* Largest configuration file read, so no input can exhaust memory. */
#define CONF_MAX_FILE_SIZE (4u << 20)

/* True for *.yaml and *.yml: the file is YAML, else libconfig syntax. */
bool conf_is_yaml(const char *path);

/*
 * The one way a configuration file is read (the main file and its includes,
 * inetd_conf, what the importers translate): PATH opened as a regular file
 * only and without blocking (file_trust.h), checked as a root daemon must
 * when TRUST_AS names what it is ("a config file"; NULL: not checked), and
 * read whole into A, NUL-terminated, at most CONF_MAX_FILE_SIZE bytes.  The
 * text with its length in *LEN and the file's status in *ST; NULL with
 * "PATH: REASON" in ERR and errno set (ENOENT when it does not exist).
 */
char *conf_read_file(struct arena *a, const char *path, const char *trust_as, struct stat *st,
                     size_t *len, char *err, size_t errlen);

/* Read PATH (syntax by extension) into a tree allocated in A; NULL on error. */
/* STRICT (a root daemon): refuse a file not owned by root or writable by group or others. */
struct cfgnode *conf_parse_file(struct arena *a, const char *path, bool strict, char *err,
                                size_t errlen);

#endif
