/*
 * The errors one load finds, so that -t can name them all at once: the load
 * goes on after an error (config.c, config_schema.c say where it resumes),
 * and each error is kept here in file order (the files in the order they
 * were read, then by line), the first CONFIG_MAX_ERRORS of them.  An error
 * at a node already blamed for the same key (a bad value in `defaults`,
 * met again by each service that inherits it) is named once.
 */
#include <stdio.h>
#include <string.h>

#include "config_int.h"

/* The position of FILE in the load order, registering (a copy of) it when new. */
static size_t file_rank(struct loader *ld, const char *file)
{
    struct config_errors_kept *k = ld->kept;
    size_t i;

    for (i = 0; i < k->n_files; i++)
        if (strcmp(k->files[i], file) == 0)
            return i;
    if (k->n_files < CONFIG_MAX_INCLUDES + 1 &&
        (k->files[k->n_files] = arena_strdup(&ld->tmp, file)) != NULL)
        k->n_files++;
    return i;
}

void config_errors_file(struct loader *ld, const char *file)
{
    if (ld->kept != NULL)
        (void)file_rank(ld, file);
}

static bool same_blame(const struct config_error_entry *e, const struct cfgnode *at,
                       const char *key)
{
    if (at == NULL || e->at != at)
        return false;
    return (e->key == NULL && key == NULL) ||
           (e->key != NULL && key != NULL && strcmp(e->key, key) == 0);
}

/* Does A come before B in the file order? */
static bool before(const struct config_error_entry *a, const struct config_error_entry *b)
{
    if (a->rank != b->rank)
        return a->rank < b->rank;
    return a->line < b->line;
}

void config_errors_add(struct loader *ld, const struct cfgnode *at, const char *key,
                       const char *file, int line, const char *text)
{
    struct config_errors_kept *k = ld->kept;
    struct config_error_entry e = {.at = at, .key = key, .line = line};
    size_t pos;

    if (k == NULL)
        return;
    for (size_t i = 0; i < k->n; i++)
        if (same_blame(&k->e[i], at, key))
            return;
    e.rank = file_rank(ld, file);
    k->found++;
    pos = k->n;
    while (pos > 0 && before(&e, &k->e[pos - 1]))
        pos--; /* after any of the same place: found first, named first */
    if (pos == CONFIG_MAX_ERRORS)
        return;
    e.text = arena_strdup(&ld->tmp, text);
    if (e.text == NULL)
        return;
    if (k->n < CONFIG_MAX_ERRORS)
        k->n++;
    memmove(&k->e[pos + 1], &k->e[pos], (k->n - 1 - pos) * sizeof(k->e[0]));
    k->e[pos] = e;
}

void config_errors_report(const struct loader *ld, struct config_errors *out)
{
    const struct config_errors_kept *k = ld->kept;

    if (k == NULL || k->n == 0) {
        out->n = 1;
        out->found = 1;
        snprintf(out->text[0], sizeof(out->text[0]), "%s", ld->err);
        return;
    }
    out->n = k->n;
    out->found = k->found;
    for (size_t i = 0; i < k->n; i++)
        snprintf(out->text[i], sizeof(out->text[i]), "%s", k->e[i].text);
}
