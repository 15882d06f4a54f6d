/*
 * The node tree: construction, look-up by key, and the small helpers both
 * front-ends share (integers, the syntax error line).  Nodes live in the caller's arena.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgnode.h"

struct cfgnode *cfgnode_new(struct arena *a, enum cfgnode_type type, const char *file, int line)
{
    struct cfgnode *n = arena_alloc(a, sizeof(*n));

    if (n == NULL)
        return NULL;
    n->type = type;
    n->file = file;
    n->line = line;
    n->key_line = line;
    return n;
}

struct cfgnode *cfgnode_new_scalar(struct arena *a, enum cfgscalar_kind kind, const char *text,
                                   size_t len, const char *file, int line)
{
    struct cfgnode *n = cfgnode_new(a, CFGNODE_SCALAR, file, line);

    if (n == NULL)
        return NULL;
    n->kind = kind;
    n->text = arena_strndup(a, text, len);
    if (n->text == NULL)
        return NULL;
    if (kind == CFGSCALAR_INT && !cfgnode_parse_int(n->text, &n->ival))
        n->kind = CFGSCALAR_STRING;
    if (kind == CFGSCALAR_BOOL)
        n->bval = strcmp(n->text, "true") == 0;
    return n;
}

/* Link ITEM as the last member of PARENT. */
static void cfgnode_link(struct cfgnode *parent, struct cfgnode *item)
{
    item->parent = parent;
    item->next = NULL;
    if (parent->last != NULL)
        parent->last->next = item;
    else
        parent->first = item;
    parent->last = item;
    parent->count++;
}

void cfgnode_list_append(struct cfgnode *list, struct cfgnode *item)
{
    cfgnode_link(list, item);
}

int cfgnode_map_add(struct arena *a, struct cfgnode *map, const char *key, int key_line,
                    struct cfgnode *value, bool *dup)
{
    *dup = cfgnode_get(map, key) != NULL;
    if (*dup)
        return -1;
    value->key = arena_strdup(a, key);
    if (value->key == NULL)
        return -1;
    value->key_line = key_line;
    cfgnode_link(map, value);
    return 0;
}

const struct cfgnode *cfgnode_get(const struct cfgnode *map, const char *key)
{
    if (map == NULL || map->type != CFGNODE_MAP)
        return NULL;
    for (const struct cfgnode *n = map->first; n != NULL; n = n->next)
        if (strcmp(n->key, key) == 0)
            return n;
    return NULL;
}

const char *cfgnode_describe(const struct cfgnode *n)
{
    if (n->type == CFGNODE_LIST)
        return "a list";
    if (n->type == CFGNODE_MAP)
        return "a map";
    switch (n->kind) {
    case CFGSCALAR_STRING:
        return "a string";
    case CFGSCALAR_INT:
        return "an integer";
    case CFGSCALAR_BOOL:
        return "a boolean";
    case CFGSCALAR_FLOAT:
        return "a number with a fraction";
    case CFGSCALAR_NULL:
        break;
    }
    return "nothing";
}

int cfgnode_line(const struct cfgnode *n)
{
    return n->key != NULL ? n->key_line : n->line;
}

/* Digits of BASE only, at least one: strtoll alone would accept spaces and signs. */
static bool cfgnode_all_digits(const char *s, int base)
{
    if (*s == '\0')
        return false;
    for (; *s != '\0'; s++) {
        int c = (unsigned char)*s;
        if (base == 16 ? !isxdigit(c) : (c < '0' || c >= '0' + base))
            return false;
    }
    return true;
}

bool cfgnode_parse_int(const char *text, long long *out)
{
    const char *s = text;
    bool neg = false;
    int base = 10;
    unsigned long long v;

    if (*s == '+' || *s == '-')
        neg = *s++ == '-';
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && s[1] == 'o')
        base = 8, s += 2;
    if (!cfgnode_all_digits(s, base))
        return false;
    errno = 0;
    v = strtoull(s, NULL, base);
    if (errno == ERANGE || v > (unsigned long long)LLONG_MAX)
        *out = neg ? LLONG_MIN : LLONG_MAX;
    else
        *out = neg ? -(long long)v : (long long)v;
    return true;
}

void cfgnode_syntax_error(char *err, size_t errlen, const char *file, int line, const char *fmt,
                          ...)
{
    char reason[512];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(reason, sizeof(reason), fmt, ap);
    va_end(ap);
    if (line >= 1)
        snprintf(err, errlen, "%s:%d: syntax error: %s", file, line, reason);
    else
        snprintf(err, errlen, "%s: syntax error: %s", file, reason);
}
