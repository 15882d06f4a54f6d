/*
 * Strings to values by hash: the importers' look-ups (names taken, services
 * repeated, values to remove) stay O(1) however many a hostile file holds.
 * Keys are the caller's strings, not copied: they must outlive the map.
 */
#ifndef SUPERSERVER_STRMAP_H
#define SUPERSERVER_STRMAP_H

#include <stddef.h>

struct strmap_slot;

struct strmap {
    struct strmap_slot *slots;
    size_t cap, n;
};

#define STRMAP_INIT                                                                                \
    {                                                                                              \
        NULL, 0, 0                                                                                 \
    }

/* The value of KEY, or NULL when it has none. */
void *strmap_get(const struct strmap *m, const char *key);
/* KEY now maps to VALUE (not NULL), replacing what it had: 0, or -1 out of memory. */
int strmap_put(struct strmap *m, const char *key, void *value);
/* Free the table (not the keys nor the values); the map is empty again. */
void strmap_free(struct strmap *m);

#endif
