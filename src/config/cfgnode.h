/*
 * The neutral configuration tree both syntax front-ends build: scalars, lists
 * and maps, each node carrying the file and line it came from.  The schema
 * layer (config.c) reads only this tree, never libconfig or libyaml.
 */
#ifndef SUPERSERVER_CFGNODE_H
#define SUPERSERVER_CFGNODE_H

#include <stdbool.h>
#include <stddef.h>

#include "arena.h"

enum cfgnode_type { CFGNODE_SCALAR, CFGNODE_LIST, CFGNODE_MAP };

/* What a scalar was written as: a quoted string, an integer, a boolean... */
enum cfgscalar_kind {
    CFGSCALAR_STRING,
    CFGSCALAR_INT,
    CFGSCALAR_BOOL,
    CFGSCALAR_FLOAT,
    CFGSCALAR_NULL
};

/* Deepest nesting of lists and maps a front-end accepts. */
#define CFGNODE_MAX_DEPTH 32

struct cfgnode {
    enum cfgnode_type type;
    enum cfgscalar_kind kind; /* scalars only */
    const char *text;         /* scalars: the text (a bool is "true" or "false") */
    long long ival;           /* CFGSCALAR_INT (clamped when out of range) */
    bool bval;                /* CFGSCALAR_BOOL */
    const char *file;
    int line;
    const char *key; /* a map member: its key; else NULL */
    int key_line;    /* a map member: the key's line */
    struct cfgnode *parent;
    struct cfgnode *first, *last, *next; /* lists and maps: members in file order */
    size_t count;
};

struct cfgnode *cfgnode_new(struct arena *a, enum cfgnode_type type, const char *file, int line);
/* A scalar of KIND with TEXT (LEN bytes); ints and bools get their value from TEXT. */
struct cfgnode *cfgnode_new_scalar(struct arena *a, enum cfgscalar_kind kind, const char *text,
                                   size_t len, const char *file, int line);
void cfgnode_list_append(struct cfgnode *list, struct cfgnode *item);
/*
 * Add VALUE to MAP under KEY (copied).  Returns -1, leaving MAP unchanged,
 * when KEY is already there or memory runs out (*dup says which).
 */
int cfgnode_map_add(struct arena *a, struct cfgnode *map, const char *key, int key_line,
                    struct cfgnode *value, bool *dup);
/* The member of MAP named KEY, or NULL (also when MAP is NULL or not a map). */
const struct cfgnode *cfgnode_get(const struct cfgnode *map, const char *key);
/* "a string", "an integer", "a list", ...: for "expected X, got Y" messages. */
const char *cfgnode_describe(const struct cfgnode *n);
/* The line to blame for N: its key's line when it is a map member. */
int cfgnode_line(const struct cfgnode *n);

/*
 * Parse an integer the way both syntaxes write one: [-+]digits, 0x hex, 0o
 * octal.  Returns false when TEXT is not such an integer; clamps on overflow.
 */
bool cfgnode_parse_int(const char *text, long long *out);

/* Write "FILE:LINE: syntax error: REASON" (LINE omitted when < 1) into err. */
void cfgnode_syntax_error(char *err, size_t errlen, const char *file, int line, const char *fmt,
                          ...) __attribute__((format(printf, 5, 6)));

#endif
