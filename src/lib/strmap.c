/*
 * Open addressing with linear probing (see strmap.h), grown to keep the
 * table at most half full, so a probe is short and the table O(n).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"

struct strmap_slot {
    const char *key; /* NULL: empty */
    size_t hash;
    void *value;
};

/* FNV-1a: the keys are a file's words, not chosen to collide with a secret. */
static size_t hash_of(const char *s)
{
    uint64_t h = 14695981039346656037ULL;

    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return (size_t)h;
}

static struct strmap_slot *find(const struct strmap *m, const char *key, size_t hash)
{
    size_t i = hash & (m->cap - 1);

    while (m->slots[i].key != NULL &&
           !(m->slots[i].hash == hash && strcmp(m->slots[i].key, key) == 0))
        i = (i + 1) & (m->cap - 1);
    return &m->slots[i];
}

void *strmap_get(const struct strmap *m, const char *key)
{
    return m->cap ? find(m, key, hash_of(key))->value : NULL;
}

static int grow(struct strmap *m)
{
    size_t cap = m->cap ? 2 * m->cap : 16;
    struct strmap old = *m;

    if (cap > SIZE_MAX / sizeof(*m->slots))
        return -1;
    m->slots = calloc(cap, sizeof(*m->slots));
    if (m->slots == NULL) {
        m->slots = old.slots;
        return -1;
    }
    m->cap = cap;
    for (size_t i = 0; i < old.cap; i++)
        if (old.slots[i].key != NULL)
            *find(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
    free(old.slots);
    return 0;
}

int strmap_put(struct strmap *m, const char *key, void *value)
{
    size_t hash = hash_of(key);
    struct strmap_slot *slot;

    if (2 * (m->n + 1) > m->cap && grow(m) < 0)
        return -1;
    slot = find(m, key, hash);
    if (slot->key == NULL)
        m->n++;
    *slot = (struct strmap_slot){key, hash, value};
    return 0;
}

void strmap_free(struct strmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
