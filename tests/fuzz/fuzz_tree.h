/*
 * Shared by the two front-end harnesses: parse a buffer with a front-end and
 * check the tree it builds (links, counts, unique keys, depth, scalar kinds),
 * or, on failure, that the message is one "FILE:LINE: ..." line.
 */
#ifndef SUPERSERVER_FUZZ_TREE_H
#define SUPERSERVER_FUZZ_TREE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_file.h"
#include "fuzz.h"

#define FUZZ_FILE "fuzz-input"

typedef struct cfgnode *(*fuzz_front_end)(struct arena *, const char *, const char *, size_t,
                                          char *, size_t);

static void fuzz_check_node(const struct cfgnode *n, int depth)
{
    size_t count = 0;
    const struct cfgnode *last = NULL;

    FUZZ_ASSERT(depth <= CFGNODE_MAX_DEPTH + 1);
    FUZZ_ASSERT(n->file != NULL && strcmp(n->file, FUZZ_FILE) == 0);
    FUZZ_ASSERT(n->line >= 1);
    if (n->type == CFGNODE_SCALAR) {
        long long v;
        FUZZ_ASSERT(n->text != NULL);
        FUZZ_ASSERT(n->first == NULL && n->count == 0);
        if (n->kind == CFGSCALAR_INT)
            FUZZ_ASSERT(cfgnode_parse_int(n->text, &v) && v == n->ival);
        if (n->kind == CFGSCALAR_BOOL)
            FUZZ_ASSERT(strcmp(n->text, n->bval ? "true" : "false") == 0);
        (void)cfgnode_describe(n);
        return;
    }
    FUZZ_ASSERT(n->type == CFGNODE_LIST || n->type == CFGNODE_MAP);
    for (const struct cfgnode *c = n->first; c != NULL; c = c->next) {
        FUZZ_ASSERT(c->parent == n);
        FUZZ_ASSERT((c->key != NULL) == (n->type == CFGNODE_MAP));
        if (c->key != NULL) {
            FUZZ_ASSERT(cfgnode_get(n, c->key) == c); /* keys are unique */
            FUZZ_ASSERT(cfgnode_line(c) >= 1);
        }
        fuzz_check_node(c, depth + 1);
        last = c;
        count++;
    }
    FUZZ_ASSERT(n->last == last && n->count == count);
}

/* Parse DATA (copied to a NUL-terminated buffer, as conf_parse_file hands it) with FE. */
static int fuzz_front_end_run(fuzz_front_end fe, const uint8_t *data, size_t size)
{
    struct arena a = ARENA_INIT;
    char err[1024] = "", *buf;
    struct cfgnode *root;

    if (size > FUZZ_MAX_INPUT)
        return 0;
    buf = fuzz_cstring(data, size);
    if (buf == NULL)
        return 0;
    root = fe(&a, FUZZ_FILE, buf, size, err, sizeof(err));
    if (root != NULL) {
        FUZZ_ASSERT(root->parent == NULL && root->key == NULL);
        fuzz_check_node(root, 0);
    } else {
        /* One line naming the file, as SPEC section 2 asks of every failure. */
        FUZZ_ASSERT(strncmp(err, FUZZ_FILE ":", strlen(FUZZ_FILE) + 1) == 0);
        FUZZ_ASSERT(strchr(err, '\n') == NULL);
    }
    arena_free(&a);
    free(buf);
    return 0;
}

const char *fuzz_seed_prefix(const char *path)
{
    (void)path;
    return "";
}

#endif
