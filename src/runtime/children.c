/*
 * Children table: linear probing with backward-shift deletion, so there are
 * no tombstones and look-ups stay short however many handlers came and went.
 */
#include <stdlib.h>
#include <string.h>

#include "children.h"

#define CHILDREN_MIN_CAP 64

static size_t pid_hash(pid_t pid, size_t cap)
{
    uint32_t h = (uint32_t)pid * 2654435761u;
    return h & (cap - 1);
}

void children_init(struct children *t)
{
    memset(t, 0, sizeof(*t));
}

void children_destroy(struct children *t)
{
    for (size_t i = 0; i < t->cap; i++)
        free(t->slots[i]);
    while (t->free_list) {
        struct child *c = t->free_list;
        t->free_list = c->next_free;
        free(c);
    }
    free(t->slots);
    memset(t, 0, sizeof(*t));
}

static void children_place(struct child **slots, size_t cap, struct child *c)
{
    size_t i = pid_hash(c->pid, cap);
    while (slots[i])
        i = (i + 1) & (cap - 1);
    slots[i] = c;
}

static int children_grow(struct children *t)
{
    size_t ncap = t->cap ? t->cap * 2 : CHILDREN_MIN_CAP;
    struct child **nslots = calloc(ncap, sizeof(*nslots));

    if (!nslots)
        return -1;
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i])
            children_place(nslots, ncap, t->slots[i]);
    free(t->slots);
    t->slots = nslots;
    t->cap = ncap;
    return 0;
}

struct child *children_new(struct children *t)
{
    struct child *c = t->free_list;

    if (c)
        t->free_list = c->next_free;
    else if (!(c = malloc(sizeof(*c))))
        return NULL;
    memset(c, 0, sizeof(*c));
    return c;
}

void children_release(struct children *t, struct child *c)
{
    c->next_free = t->free_list;
    t->free_list = c;
}

int children_insert(struct children *t, struct child *c, pid_t pid)
{
    /* Keep the load under 1/2 so probes stay short. */
    if ((t->count + 1) * 2 > t->cap && children_grow(t) == -1)
        return -1;
    c->pid = pid;
    c->older = t->newest;
    if (t->newest)
        t->newest->newer = c;
    else
        t->oldest = c;
    t->newest = c;
    children_place(t->slots, t->cap, c);
    t->count++;
    return 0;
}

struct child *children_add(struct children *t, pid_t pid)
{
    struct child *c = children_new(t);

    if (c && children_insert(t, c, pid) == -1) {
        children_release(t, c);
        return NULL;
    }
    return c;
}

struct child *children_find(const struct children *t, pid_t pid)
{
    if (t->cap == 0)
        return NULL;
    for (size_t i = pid_hash(pid, t->cap); t->slots[i]; i = (i + 1) & (t->cap - 1))
        if (t->slots[i]->pid == pid)
            return t->slots[i];
    return NULL;
}

void children_remove(struct children *t, struct child *c)
{
    size_t mask = t->cap - 1;
    size_t i = pid_hash(c->pid, t->cap);

    while (t->slots[i] != c)
        i = (i + 1) & mask;
    t->slots[i] = NULL;
    /* Backward shift: move later entries of the run into the hole if allowed. */
    for (size_t j = (i + 1) & mask; t->slots[j]; j = (j + 1) & mask) {
        size_t home = pid_hash(t->slots[j]->pid, t->cap);
        bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
        if (movable) {
            t->slots[i] = t->slots[j];
            t->slots[j] = NULL;
            i = j;
        }
    }
    t->count--;
    if (c->newer)
        c->newer->older = c->older;
    else
        t->newest = c->older;
    if (c->older)
        c->older->newer = c->newer;
    else
        t->oldest = c->newer;
    children_release(t, c);
}

void children_each(const struct children *t, void (*fn)(struct child *c, void *ctx), void *ctx)
{
    for (size_t i = 0; i < t->cap; i++)
        if (t->slots[i])
            fn(t->slots[i], ctx);
}
