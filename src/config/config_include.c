/*
 * The `include` key: each pattern's matches, relative to the main file's
 * folder, read in byte order and each file once (by device and inode),
 * their services queued after the main file's.  A file that cannot be read
 * or parsed is an error, and the others are still read.
 */
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_file.h"
#include "config_int.h"

/* Files already read (by device and inode), so none is read twice. */
struct seen_files {
    dev_t dev[CONFIG_MAX_INCLUDES + 1];
    ino_t ino[CONFIG_MAX_INCLUDES + 1];
    size_t n;
};

/* Remember PATH's file; false when it was read already (or cannot be stat'ed). */
static bool first_visit(struct seen_files *seen, const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0)
        return true; /* let the read report why */
    for (size_t i = 0; i < seen->n; i++)
        if (seen->dev[i] == st.st_dev && seen->ino[i] == st.st_ino)
            return false;
    seen->dev[seen->n] = st.st_dev;
    seen->ino[seen->n] = st.st_ino;
    seen->n++;
    return true;
}

/* The directory of MAIN, escaped for glob, with a trailing slash ("" when none). */
static char *glob_dir(struct loader *ld, const char *main_path)
{
    const char *slash = strrchr(main_path, '/');
    size_t len = slash ? (size_t)(slash - main_path) + 1 : 0, j = 0;
    char *out = arena_alloc(&ld->tmp, len * 2 + 1);

    for (size_t i = 0; out != NULL && i < len; i++) {
        if (strchr("*?[\\", main_path[i]) != NULL)
            out[j++] = '\\';
        out[j++] = main_path[i];
    }
    return out;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Read one included file and queue its services (also when its top level has an error,
 * so that theirs are found too); a file that cannot be read or parsed ends there. */
static int include_file(struct loader *ld, struct svc_source ***tail, const char *path)
{
    const struct cfgnode *root;
    int rc;

    config_errors_file(ld, path);
    root = conf_parse_file(&ld->tmp, path, ld->privileged, ld->err, ld->errlen);
    if (root == NULL) {
        config_errors_add(ld, NULL, NULL, path, 0, ld->err);
        return -1;
    }
    rc = config_check_top_keys(ld, root, false);
    if (rc == -2)
        return -1;
    if (config_add_source(ld, tail, root) < 0)
        return -1;
    return rc;
}

/* One `include` pattern: its matches in byte order, each file once. */
static int include_pattern(struct loader *ld, struct svc_source ***tail, struct seen_files *seen,
                           const char *dir, const struct cfgnode *pat)
{
    glob_t g;
    char *full;
    int rc;

    if (pat->type != CFGNODE_SCALAR || pat->kind != CFGSCALAR_STRING || pat->text[0] == '\0')
        return cv_fail(ld, pat, "include", "expected a glob pattern string");
    full = arena_alloc(&ld->tmp, strlen(dir) + strlen(pat->text) + 1);
    if (full == NULL)
        return cv_fail(ld, pat, "include", "out of memory");
    sprintf(full, "%s%s", pat->text[0] == '/' ? "" : dir, pat->text);
    rc = glob(full, GLOB_NOSORT | GLOB_MARK, NULL, &g);
    if (rc == GLOB_NOMATCH)
        return 0;
    if (rc != 0)
        return cv_fail(ld, pat, "include", "cannot expand \"%s\"", pat->text);
    qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
    rc = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        const char *p = g.gl_pathv[i];
        if (p[strlen(p) - 1] == '/' || !first_visit(seen, p))
            continue;
        if (seen->n > CONFIG_MAX_INCLUDES) {
            rc = cv_fail(ld, pat, "include", "too many files (over %d)", CONFIG_MAX_INCLUDES);
            break;
        }
        if (include_file(ld, tail, p) < 0)
            rc = -1; /* and on with the next file */
    }
    globfree(&g);
    return rc;
}

int config_load_includes(struct loader *ld, struct svc_source ***tail, const char *main_path,
                         const struct cfgnode *inc)
{
    struct seen_files *seen = arena_alloc(&ld->tmp, sizeof(*seen));
    char *dir = glob_dir(ld, main_path);

    if (seen == NULL || dir == NULL)
        return cv_fail(ld, inc, "include", "out of memory");
    first_visit(seen, main_path);
    if (inc->type == CFGNODE_SCALAR)
        return include_pattern(ld, tail, seen, dir, inc);
    int rc = 0;
    for (const struct cfgnode *p = inc->first; p != NULL; p = p->next)
        if (include_pattern(ld, tail, seen, dir, p) < 0)
            rc = -1;
    return rc;
}
