/*
 * YAML to cfgnode, from libyaml's event stream with an explicit stack (no
 * recursion).  Plain scalars are typed by the YAML 1.2 core schema; quoted
 * ones, and those tagged !!str, are strings.  Aliases and multi-document
 * streams are refused: a configuration never needs them, and aliases are
 * how a small file becomes a huge tree.
 */
#include <string.h>

#include <yaml.h>

#include "conf_syntax.h"

#define YAML_STR_TAG "tag:yaml.org,2002:str"

struct yctx {
    struct arena *a;
    const char *file;
    char *err;
    size_t errlen;
    struct cfgnode *root;
    struct cfgnode *stack[CFGNODE_MAX_DEPTH];
    int depth;
    const char *key; /* a map's key read, its value not yet */
    int key_line;
    int docs;
};

static bool y_is_one_of(const char *s, const char *const *words)
{
    for (; *words != NULL; words++)
        if (strcmp(s, *words) == 0)
            return true;
    return false;
}

/* [-+]? (digits [. digits?] | . digits) ([eE][-+]?digits)?, or .inf/.nan forms. */
static bool y_is_float(const char *s)
{
    static const char *const special[] = {".inf",  ".Inf",  ".INF",  "+.inf", "+.Inf",
                                          "+.INF", "-.inf", "-.Inf", "-.INF", ".nan",
                                          ".NaN",  ".NAN",  NULL};
    size_t digits = 0;

    if (y_is_one_of(s, special))
        return true;
    if (*s == '+' || *s == '-')
        s++;
    for (; *s >= '0' && *s <= '9'; s++)
        digits++;
    if (*s == '.')
        for (s++; *s >= '0' && *s <= '9'; s++)
            digits++;
    if (digits == 0)
        return false;
    if (*s == 'e' || *s == 'E') {
        s++;
        if (*s == '+' || *s == '-')
            s++;
        if (*s < '0' || *s > '9')
            return false;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* The YAML 1.2 core schema's type of a plain scalar. */
static enum cfgscalar_kind y_resolve(const char *s)
{
    static const char *const nulls[] = {"", "~", "null", "Null", "NULL", NULL};
    static const char *const bools[] = {"true", "True", "TRUE", "false", "False", "FALSE", NULL};
    long long v;

    if (y_is_one_of(s, nulls))
        return CFGSCALAR_NULL;
    if (y_is_one_of(s, bools))
        return CFGSCALAR_BOOL;
    if (cfgnode_parse_int(s, &v) && !(s[0] == '0' && (s[1] == 'X')))
        return CFGSCALAR_INT;
    if (y_is_float(s))
        return CFGSCALAR_FLOAT;
    return CFGSCALAR_STRING;
}

static int y_fail(struct yctx *c, int line, const char *reason)
{
    cfgnode_syntax_error(c->err, c->errlen, c->file, line, "%s", reason);
    return -1;
}

/* A scalar event as a node: typed, with a bool's text normalized. */
static struct cfgnode *y_scalar(struct yctx *c, const yaml_event_t *ev, int line)
{
    const char *text = (const char *)ev->data.scalar.value;
    size_t len = ev->data.scalar.length;
    const char *tag = (const char *)ev->data.scalar.tag;
    enum cfgscalar_kind kind = CFGSCALAR_STRING;
    struct cfgnode *n;

    if (memchr(text, '\0', len) != NULL) {
        y_fail(c, line, "NUL character in a string");
        return NULL;
    }
    if (ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
        (tag == NULL || strcmp(tag, YAML_STR_TAG) != 0))
        kind = y_resolve(text);
    if (kind == CFGSCALAR_BOOL)
        text = (text[0] == 't' || text[0] == 'T') ? "true" : "false", len = strlen(text);
    n = cfgnode_new_scalar(c->a, kind, text, len, c->file, line);
    if (n == NULL)
        y_fail(c, line, "out of memory");
    return n;
}

/* Put N where the stream is: the root, a list item, or a map value. */
static int y_attach(struct yctx *c, struct cfgnode *n)
{
    struct cfgnode *top = c->depth > 0 ? c->stack[c->depth - 1] : NULL;
    bool dup;

    if (top == NULL) {
        c->root = n;
        return 0;
    }
    if (top->type == CFGNODE_LIST) {
        cfgnode_list_append(top, n);
        return 0;
    }
    if (cfgnode_map_add(c->a, top, c->key, c->key_line, n, &dup) < 0) {
        char reason[300];
        snprintf(reason, sizeof(reason), dup ? "duplicate key \"%.200s\"" : "out of memory",
                 c->key);
        return y_fail(c, c->key_line, reason);
    }
    c->key = NULL;
    return 0;
}

/* True when the next scalar of the open map is a key, not a value. */
static bool y_want_key(const struct yctx *c)
{
    return c->depth > 0 && c->stack[c->depth - 1]->type == CFGNODE_MAP && c->key == NULL;
}

static int y_on_scalar(struct yctx *c, const yaml_event_t *ev, int line)
{
    struct cfgnode *n = y_scalar(c, ev, line);

    if (n == NULL)
        return -1;
    if (y_want_key(c)) {
        /* A key is a name: `TRUE:` stays "TRUE", not the normalized boolean. */
        c->key = arena_strndup(c->a, (const char *)ev->data.scalar.value, ev->data.scalar.length);
        c->key_line = line;
        return c->key != NULL ? 0 : y_fail(c, line, "out of memory");
    }
    return y_attach(c, n);
}

static int y_on_open(struct yctx *c, enum cfgnode_type type, int line)
{
    struct cfgnode *n;

    if (y_want_key(c))
        return y_fail(c, line, "a map key must be a scalar");
    if (c->depth >= CFGNODE_MAX_DEPTH)
        return y_fail(c, line, "nested too deeply");
    n = cfgnode_new(c->a, type, c->file, line);
    if (n == NULL)
        return y_fail(c, line, "out of memory");
    if (y_attach(c, n) < 0)
        return -1;
    c->stack[c->depth++] = n;
    return 0;
}

/* Handle one event; 1 at the end of the stream, -1 on error. */
static int y_event(struct yctx *c, const yaml_event_t *ev)
{
    int line = (int)ev->start_mark.line + 1;

    switch (ev->type) {
    case YAML_STREAM_END_EVENT:
        return 1;
    case YAML_DOCUMENT_START_EVENT:
        if (++c->docs > 1)
            return y_fail(c, line, "more than one YAML document");
        return 0;
    case YAML_ALIAS_EVENT:
        return y_fail(c, line, "aliases are not supported");
    case YAML_SCALAR_EVENT:
        return y_on_scalar(c, ev, line);
    case YAML_SEQUENCE_START_EVENT:
        return y_on_open(c, CFGNODE_LIST, line);
    case YAML_MAPPING_START_EVENT:
        return y_on_open(c, CFGNODE_MAP, line);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        if (c->depth > 0)
            c->depth--;
        return 0;
    default:
        return 0;
    }
}

/* libyaml's own complaint as our syntax error line. */
static void y_parser_error(struct yctx *c, const yaml_parser_t *p)
{
    const yaml_mark_t *m = p->problem ? &p->problem_mark : &p->context_mark;
    const char *why = p->problem ? p->problem : "unreadable YAML";

    if (p->error == YAML_MEMORY_ERROR)
        why = "out of memory";
    /* A plain `*` starts an alias: the usual cause is an unquoted "*:PORT". */
    if (p->context != NULL && strcmp(p->context, "while scanning an alias") == 0)
        cfgnode_syntax_error(c->err, c->errlen, c->file, (int)m->line + 1,
                             "%s (quote addresses starting with \"*\": listen: \"*:PORT\")", why);
    else
        cfgnode_syntax_error(c->err, c->errlen, c->file, (int)m->line + 1, "%s", why);
}

struct cfgnode *conf_parse_yaml(struct arena *a, const char *file, const char *buf, size_t len,
                                char *err, size_t errlen)
{
    struct yctx c = {.a = a, .file = file, .err = err, .errlen = errlen};
    yaml_parser_t p;
    int r = 0;

    if (!yaml_parser_initialize(&p)) {
        snprintf(err, errlen, "%s: out of memory", file);
        return NULL;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    while (r == 0) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev)) {
            y_parser_error(&c, &p);
            r = -1;
            break;
        }
        r = y_event(&c, &ev);
        yaml_event_delete(&ev);
    }
    yaml_parser_delete(&p);
    if (r < 0)
        return NULL;
    if (c.root == NULL || (c.root->type == CFGNODE_SCALAR && c.root->kind == CFGSCALAR_NULL))
        c.root = cfgnode_new(a, CFGNODE_MAP, file, 1);
    if (c.root == NULL)
        snprintf(err, errlen, "%s: out of memory", file);
    return c.root;
}
