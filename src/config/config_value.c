/*
 * Value checks for the schema: each reads one node, converts it, and on a
 * wrong type or range blames that node (see cv_fail).  Also the user and
 * group look-ups.
 */
#include <ctype.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

int cv_fail(struct loader *ld, const struct cfgnode *at, const char *key, const char *fmt, ...)
{
    char msg[512], svc[200] = "", k[320] = "";
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (ld->svc != NULL)
        snprintf(svc, sizeof(svc), "service \"%.180s\": ", ld->svc);
    if (key != NULL)
        snprintf(k, sizeof(k), "key \"%.300s\": ", key);
    snprintf(ld->err, ld->errlen, "%s:%d: %s%s%s", at->file, cfgnode_line(at), svc, k, msg);
    config_errors_add(ld, at, key, at->file, cfgnode_line(at), ld->err);
    return -1;
}

void cv_one_line(char *text)
{
    for (char *p = text; *p != '\0'; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = '?';
}

/* Longest key compared for a suggestion; anything longer is no typo of a key. */
#define NEAR_MAX 64

/* Edit distance of A and B counting a swap of two neighbours as one edit
 * (optimal string alignment); NEAR_MAX + 1 when either is longer than that. */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b), d[3][NEAR_MAX + 1];

    if (la > NEAR_MAX || lb > NEAR_MAX)
        return NEAR_MAX + 1;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t *row = d[i % 3], *up = d[(i - 1) % 3], *up2 = d[(i + 1) % 3];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cost = a[i - 1] != b[j - 1], best = up[j - 1] + cost;
            if (up[j] + 1 < best)
                best = up[j] + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                up2[j - 2] + 1 < best)
                best = up2[j - 2] + 1;
            row[j] = best;
        }
    }
    return d[la % 3][lb];
}

int cv_fail_unknown_key(struct loader *ld, const struct cfgnode *at, const char *const *names,
                        size_t count)
{
    const char *near = NULL;
    size_t best = NEAR_MAX + 1;

    for (size_t i = 0; i < count; i++) {
        size_t d = edit_distance(at->key, names[i]), len = strlen(names[i]);
        /* close enough to be a typo: one edit in three letters, at least one */
        if (d < best && d <= (len / 3 > 0 ? len / 3 : 1))
            best = d, near = names[i];
    }
    if (near != NULL)
        return cv_fail(ld, at, at->key, "unknown key (did you mean \"%s\"?)", near);
    return cv_fail(ld, at, at->key, "unknown key");
}

int cv_want_scalar(struct loader *ld, const struct cfgnode *n, const char *key,
                   enum cfgscalar_kind kind, const char *what)
{
    if (n->type == CFGNODE_SCALAR && n->kind == kind)
        return 0;
    return cv_fail(ld, n, key, "expected %s, got %s", what, cfgnode_describe(n));
}

int cv_get_string(struct loader *ld, const struct cfgnode *n, const char *key, char **out)
{
    if (cv_want_scalar(ld, n, key, CFGSCALAR_STRING, "a string") < 0)
        return -1;
    *out = arena_strdup(ld->mem, n->text);
    return *out ? 0 : cv_fail(ld, n, key, "out of memory");
}

int cv_get_bool(struct loader *ld, const struct cfgnode *n, bool *out)
{
    if (cv_want_scalar(ld, n, n->key, CFGSCALAR_BOOL, "a boolean (true or false)") < 0)
        return -1;
    *out = n->bval;
    return 0;
}

/* An integer in [MIN, MAX]; the message shows MAX only when SHOW_MAX. */
int cv_get_int(struct loader *ld, const struct cfgnode *n, const char *key, long long min,
               long long max, bool show_max, long long *out)
{
    bool is_int = n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_INT;

    if (is_int && n->ival >= min && n->ival <= max) {
        *out = n->ival;
        return 0;
    }
    if (show_max)
        return cv_fail(ld, n, key, "expected an integer between %lld and %lld", min, max);
    if (is_int && n->ival > max)
        return cv_fail(ld, n, key, "too large (at most %lld)", max);
    return cv_fail(ld, n, key, "expected an integer >= %lld", min);
}

int cv_get_uint(struct loader *ld, const struct cfgnode *n, long long min, unsigned *out)
{
    long long v = 0;

    if (cv_get_int(ld, n, n->key, min, UINT_MAX, false, &v) < 0)
        return -1;
    *out = (unsigned)v;
    return 0;
}

/* One of NAMES (NULL-terminated); *out is its index. */
int cv_get_enum(struct loader *ld, const struct cfgnode *n, const char *const *names,
                const char *expect, int *out)
{
    if (n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_STRING)
        for (int i = 0; names[i] != NULL; i++)
            if (strcmp(n->text, names[i]) == 0) {
                *out = i;
                return 0;
            }
    return cv_fail(ld, n, n->key, "expected %s", expect);
}

/* A list of strings as a NULL-terminated array; a lone string too when ONE_OK. */
int cv_get_strings(struct loader *ld, const struct cfgnode *n, bool one_ok, char ***out,
                   size_t *count)
{
    const struct cfgnode *it = n->type == CFGNODE_LIST ? n->first : n;
    size_t len = n->type == CFGNODE_LIST ? n->count : 1, i = 0;

    if (n->type != CFGNODE_LIST && !(one_ok && n->type == CFGNODE_SCALAR))
        return cv_fail(ld, n, n->key, "expected a list of strings, got %s", cfgnode_describe(n));
    *out = arena_calloc(ld->mem, len + 1, sizeof(char *));
    if (*out == NULL)
        return cv_fail(ld, n, n->key, "out of memory");
    for (; it != NULL && i < len; it = it->next, i++)
        if (cv_get_string(ld, it, n->key, &(*out)[i]) < 0)
            return -1;
    *count = len;
    return 0;
}

int cv_get_log_peer(struct loader *ld, const struct cfgnode *n, int *out)
{
    static const char *const names[] = {"full", "prefix", "none", NULL};

    return cv_get_enum(ld, n, names, "\"full\", \"prefix\" or \"none\"", out);
}

bool config_env_name_ok(const char *s)
{
    if (!(isalpha((unsigned char)*s) || *s == '_'))
        return false;
    for (s++; *s != '\0'; s++)
        if (!(isalnum((unsigned char)*s) || *s == '_'))
            return false;
    return true;
}

/* "022": one to four octal digits, at most 0777. */
int cv_get_octal(struct loader *ld, const struct cfgnode *n, mode_t *out)
{
    const char *t = n->text;
    size_t len = t ? strlen(t) : 0;
    unsigned long v;

    if (n->type != CFGNODE_SCALAR || n->kind != CFGSCALAR_STRING || len < 1 || len > 4 ||
        strspn(t, "01234567") != len || (v = strtoul(t, NULL, 8)) > 0777)
        return cv_fail(ld, n, n->key, "expected an octal string such as \"022\"");
    *out = (mode_t)v;
    return 0;
}

/* An absolute path string. */
int cv_get_path(struct loader *ld, const struct cfgnode *n, char **out)
{
    if (cv_get_string(ld, n, n->key, out) < 0)
        return -1;
    if ((*out)[0] != '/')
        return cv_fail(ld, n, n->key, "must be an absolute path");
    return 0;
}

int cv_need_root(struct loader *ld, const struct cfgnode *n)
{
    if (ld->privileged)
        return 0;
    return cv_fail(ld, n, n->key, "only root may set it (the daemon is not running as root)");
}

bool cv_all_digits(const char *s)
{
    return *s != '\0' && strspn(s, "0123456789") == strlen(s);
}

/* A decimal id in 0..UINT_MAX-1 (-1 means "unchanged" to the set*id calls). */
static bool cv_numeric_id(const char *s, unsigned *out)
{
    unsigned long long v;

    if (!cv_all_digits(s) || strlen(s) > 10)
        return false;
    v = strtoull(s, NULL, 10);
    if (v >= UINT_MAX)
        return false;
    *out = (unsigned)v;
    return true;
}

/*
 * NAME (or a number) to a passwd entry, copying what we keep.  A number with
 * no entry is a bare uid (SPEC: "name or number"): *uid set, *gid untouched,
 * *pname NULL and *known false, and the caller must find a group elsewhere.
 */
int cv_lookup_user(struct loader *ld, const struct cfgnode *n, const char *name, uid_t *uid,
                   gid_t *gid, char **pname, bool *known)
{
    struct passwd *pw = getpwnam(name);
    unsigned id;
    bool numeric = cv_numeric_id(name, &id);

    if (pw == NULL && numeric)
        pw = getpwuid((uid_t)id);
    *known = pw != NULL;
    if (pw == NULL && numeric) {
        *uid = (uid_t)id;
        if (pname != NULL)
            *pname = NULL;
        return 0;
    }
    if (pw == NULL)
        return cv_fail(ld, n, n->key, "unknown user \"%s\"", name);
    *uid = pw->pw_uid;
    *gid = pw->pw_gid;
    if (pname != NULL && (*pname = arena_strdup(ld->mem, pw->pw_name)) == NULL)
        return cv_fail(ld, n, n->key, "out of memory");
    return 0;
}

/* NAME, or a number (a bare gid when no group has it), to a gid. */
int cv_lookup_group(struct loader *ld, const struct cfgnode *n, const char *name, gid_t *gid)
{
    struct group *gr = getgrnam(name);
    unsigned id;
    bool numeric = cv_numeric_id(name, &id);

    if (gr == NULL && numeric)
        gr = getgrgid((gid_t)id);
    if (gr == NULL && !numeric)
        return cv_fail(ld, n, n->key, "unknown group \"%s\"", name);
    *gid = gr != NULL ? gr->gr_gid : (gid_t)id;
    return 0;
}

/* A name or a number, as text. */
int cv_id_text(struct loader *ld, const struct cfgnode *n, char *buf, size_t len)
{
    if (n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_INT && n->ival >= 0) {
        snprintf(buf, len, "%lld", n->ival);
        return 0;
    }
    if (n->type == CFGNODE_SCALAR && n->kind == CFGSCALAR_STRING && n->text[0] != '\0') {
        snprintf(buf, len, "%s", n->text);
        return 0;
    }
    return cv_fail(ld, n, n->key, "expected a name or a number, got %s", cfgnode_describe(n));
}
