/*
 * The two syntax front-ends (conf_libconfig.c, conf_yaml.c): file bytes to a
 * cfgnode tree (see cfgnode.h).  They know nothing of files or keys; on
 * error they write one line "FILE:LINE: syntax error: REASON" into err (see
 * cfgnode_syntax_error).  The root is whatever the text holds (an empty text
 * gives an empty map); the schema checks it is a map.
 */
#ifndef SUPERSERVER_CONF_SYNTAX_H
#define SUPERSERVER_CONF_SYNTAX_H

#include <stddef.h>

#include "arena.h"
#include "cfgnode.h"

/*
 * Parse BUF (LEN bytes, NUL-terminated at BUF[LEN]) in either syntax; FILE is
 * the name nodes and messages carry (stored in A by the caller).
 */
struct cfgnode *conf_parse_libconfig(struct arena *a, const char *file, const char *buf, size_t len,
                                     char *err, size_t errlen);
struct cfgnode *conf_parse_yaml(struct arena *a, const char *file, const char *buf, size_t len,
                                char *err, size_t errlen);

#endif
