/*
 * A bump allocator: many small allocations, one free.  The node trees and
 * the service model live in arenas so that freeing them is one call and no
 * error path can leak.
 */
#ifndef SUPERSERVER_ARENA_H
#define SUPERSERVER_ARENA_H

#include <stddef.h>

struct arena_chunk;

struct arena {
    struct arena_chunk *head;
};

#define ARENA_INIT                                                                                 \
    {                                                                                              \
        NULL                                                                                       \
    }

/* Zeroed memory for SIZE bytes, or NULL when out of memory. */
void *arena_alloc(struct arena *a, size_t size);
/* Zeroed array of N elements of SIZE bytes; NULL on overflow or out of memory. */
void *arena_calloc(struct arena *a, size_t n, size_t size);
char *arena_strdup(struct arena *a, const char *s);
char *arena_strndup(struct arena *a, const char *s, size_t len);
/* Release every allocation at once; the arena can then be reused. */
void arena_free(struct arena *a);

#endif
