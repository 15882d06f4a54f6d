/*
 * libconfig syntax to cfgnode.  Groups become maps, arrays and lists become
 * lists.  libconfig's own `@include` directive is refused: the `include` key
 * is the one way to pull in files, so every included file gets the same
 * rules (services only, either syntax, paths relative to the includer).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <libconfig.h>

#include "conf_syntax.h"
#include "utf8.h"

struct lc_ctx {
    struct arena *a;
    const char *file;
    char *err;
    size_t errlen;
};

/* The line of the first `@include` directive in BUF, or 0. */
static int lc_find_include(const char *buf)
{
    int line = 1;
    const char *p = buf;

    while (*p != '\0') {
        p += strspn(p, " \t");
        if (strncmp(p, "@include", 8) == 0)
            return line;
        p = strchr(p, '\n');
        if (p == NULL)
            break;
        p++;
        line++;
    }
    return 0;
}

/* A scalar setting as a cfgnode scalar. */
static struct cfgnode *lc_scalar(struct lc_ctx *c, const config_setting_t *s, int line)
{
    char num[64];
    const char *str;

    switch (config_setting_type(s)) {
    case CONFIG_TYPE_INT:
    case CONFIG_TYPE_INT64:
        snprintf(num, sizeof(num), "%lld", config_setting_get_int64(s));
        return cfgnode_new_scalar(c->a, CFGSCALAR_INT, num, strlen(num), c->file, line);
    case CONFIG_TYPE_FLOAT:
        snprintf(num, sizeof(num), "%.17g", config_setting_get_float(s));
        return cfgnode_new_scalar(c->a, CFGSCALAR_FLOAT, num, strlen(num), c->file, line);
    case CONFIG_TYPE_BOOL:
        str = config_setting_get_bool(s) ? "true" : "false";
        return cfgnode_new_scalar(c->a, CFGSCALAR_BOOL, str, strlen(str), c->file, line);
    default:
        str = config_setting_get_string(s);
        if (str == NULL)
            str = "";
        if (!utf8_valid(str, strlen(str), NULL)) {
            cfgnode_syntax_error(c->err, c->errlen, c->file, line, "invalid UTF-8 in a string");
            return NULL;
        }
        return cfgnode_new_scalar(c->a, CFGSCALAR_STRING, str, strlen(str), c->file, line);
    }
}

static struct cfgnode *lc_convert(struct lc_ctx *c, const config_setting_t *s, int depth);

/* The members of a group, array or list into N. */
static int lc_children(struct lc_ctx *c, const config_setting_t *s, struct cfgnode *n, int depth)
{
    int count = config_setting_length(s);
    bool dup;

    for (int i = 0; i < count; i++) {
        const config_setting_t *e = config_setting_get_elem(s, (unsigned)i);
        struct cfgnode *child = lc_convert(c, e, depth + 1);
        if (child == NULL)
            return -1;
        if (n->type == CFGNODE_LIST) {
            cfgnode_list_append(n, child);
            continue;
        }
        if (cfgnode_map_add(c->a, n, config_setting_name(e), child->line, child, &dup) < 0) {
            cfgnode_syntax_error(c->err, c->errlen, c->file, child->line, "%s",
                                 dup ? "duplicate setting name" : "out of memory");
            return -1;
        }
    }
    return 0;
}

static struct cfgnode *lc_convert(struct lc_ctx *c, const config_setting_t *s, int depth)
{
    int line = (int)config_setting_source_line(s);
    enum cfgnode_type type;
    struct cfgnode *n;

    if (line < 1)
        line = 1;
    if (depth > CFGNODE_MAX_DEPTH) {
        cfgnode_syntax_error(c->err, c->errlen, c->file, line, "nested too deeply");
        return NULL;
    }
    if (config_setting_is_group(s))
        type = CFGNODE_MAP;
    else if (config_setting_is_aggregate(s))
        type = CFGNODE_LIST;
    else
        return lc_scalar(c, s, line);
    n = cfgnode_new(c->a, type, c->file, line);
    if (n == NULL || lc_children(c, s, n, depth) < 0)
        return NULL;
    return n;
}

/* libconfig's reason, without repeating "syntax error" after our own prefix. */
static const char *lc_reason(const char *text)
{
    if (text == NULL)
        return "unreadable";
    if (strcmp(text, "syntax error") == 0)
        return "unexpected token";
    return text;
}

struct cfgnode *conf_parse_libconfig(struct arena *a, const char *file, const char *buf, size_t len,
                                     char *err, size_t errlen)
{
    struct lc_ctx c = {a, file, err, errlen};
    struct cfgnode *root = NULL;
    config_t cfg;
    int inc = lc_find_include(buf);

    (void)len;
    snprintf(err, errlen, "%s: out of memory", file);
    if (inc > 0) {
        cfgnode_syntax_error(err, errlen, file, inc,
                             "@include is not supported; use the include key");
        return NULL;
    }
    config_init(&cfg);
    if (config_read_string(&cfg, buf) != CONFIG_TRUE)
        cfgnode_syntax_error(err, errlen, file, config_error_line(&cfg), "%s",
                             lc_reason(config_error_text(&cfg)));
    else
        root = lc_convert(&c, config_root_setting(&cfg), 0);
    if (root != NULL)
        root->line = 1;
    config_destroy(&cfg);
    return root;
}
