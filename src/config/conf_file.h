/*
 * The syntax front-ends: file bytes to a cfgnode tree (see cfgnode.h).  They
 * know nothing of keys; on error they write one line "FILE:LINE: syntax
 * error: REASON" into err.  The root of a parsed file is whatever the file
 * holds (an empty file gives an empty map); the schema checks it is a map.
 */
#ifndef SUPERSERVER_CONF_PARSE_H
#define SUPERSERVER_CONF_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "arena.h"
#include "cfgnode.h"

/* Largest configuration file read, so no input can exhaust memory. */
#define CONF_MAX_FILE_SIZE (4u << 20)

/* True for *.yaml and *.yml: the file is YAML, else libconfig syntax. */
bool conf_is_yaml(const char *path);

/* Read PATH (syntax by extension) into a tree allocated in A; NULL on error. */
/* STRICT (a root daemon): refuse a file not owned by root or writable by group or others. */
struct cfgnode *conf_parse_file(struct arena *a, const char *path, bool strict, char *err,
                                size_t errlen);
/* Why a root daemon must not trust a file with status ST, or NULL when it may. */
const char *conf_untrusted(const struct stat *st, char *buf, size_t len);

/*
 * Parse BUF (LEN bytes, NUL-terminated at BUF[LEN]) in either syntax; FILE is
 * the name nodes and messages carry (stored in A by the caller).
 */
struct cfgnode *conf_parse_libconfig(struct arena *a, const char *file, const char *buf, size_t len,
                                     char *err, size_t errlen);
struct cfgnode *conf_parse_yaml(struct arena *a, const char *file, const char *buf, size_t len,
                                char *err, size_t errlen);

/* Write "FILE:LINE: syntax error: REASON" (LINE omitted when < 1) into err. */
void conf_syntax_error(char *err, size_t errlen, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

#endif
