/*
 * The source table: entries in one array (a pool, so links are 32-bit
 * indices that survive a resize), a chained hash over them seeded per table
 * (remote peers choose their addresses and must not choose long chains), and
 * an intrusive LRU list.
 *
 * The bound: only idle entries (no live handler) are on the LRU list and can
 * be dropped; dropping one with live handlers would lose its count and let a
 * source past `per_source`.  So a new source takes the least recently seen
 * idle entry's place once MAX are tracked, and when every entry has live
 * handlers the table holds more than MAX: by at most the number of live
 * handlers, which `instances` and `max_children` already bound.  A new
 * source is never refused because the table is full.
 *
 * An entry that goes idle and holds nothing worth keeping (no bucket, no ban:
 * `per_source` alone) is removed at once, and the pool shrinks when it is
 * mostly empty, so with `per_source` alone the table follows the live load.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "carry.h"
#include "clock.h"
#include "sources.h"

#define NIL      UINT32_MAX
#define POOL_MIN 16 /* entries, a power of two, as is every size */

struct source_table {
    struct source *pool;
    uint32_t *heads; /* chain heads, as many as pool entries */
    size_t cap;
    size_t count;
    uint32_t free_head;
    uint32_t newest, oldest; /* LRU of idle entries */
    uint64_t seed;
};

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static size_t bucket_of(const struct source_table *t, const struct source_key *k, size_t cap)
{
    uint64_t lo, hi;

    memcpy(&lo, k->bytes, 8);
    memcpy(&hi, k->bytes + 8, 8);
    return (size_t)mix64(mix64(lo ^ t->seed) ^ hi) & (cap - 1);
}

static uint64_t random_seed(const void *salt)
{
    uint64_t seed;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
        return seed;
    /* Early boot without entropy: still differs per run and per table. */
    return mix64(clock_monotonic_ns() ^ (uint64_t)(uintptr_t)salt);
}

static void lru_unlink(struct source_table *t, struct source *e)
{
    if (e->newer != NIL)
        t->pool[e->newer].older = e->older;
    else if (t->newest == (uint32_t)(e - t->pool))
        t->newest = e->older;
    if (e->older != NIL)
        t->pool[e->older].newer = e->newer;
    else if (t->oldest == (uint32_t)(e - t->pool))
        t->oldest = e->newer;
    e->newer = e->older = NIL;
}

static void lru_push_newest(struct source_table *t, struct source *e)
{
    uint32_t i = (uint32_t)(e - t->pool);

    e->older = t->newest;
    e->newer = NIL;
    if (t->newest != NIL)
        t->pool[t->newest].newer = i;
    t->newest = i;
    if (t->oldest == NIL)
        t->oldest = i;
}

/* Copy E into the next free slot J of a fresh pool NP (HEADS of CAP chains). */
static struct source *place(struct source_table *t, struct source *np, uint32_t *heads, size_t cap,
                            uint32_t j, const struct source *e)
{
    size_t b = bucket_of(t, &e->key, cap);

    np[j] = *e;
    np[j].hnext = heads[b];
    heads[b] = j;
    np[j].newer = np[j].older = NIL;
    return &np[j];
}

/* Move every entry into a pool of NEWCAP, keeping the LRU order.  On
 * allocation failure the old pool stays (growth is retried on the next add). */
static int resize(struct source_table *t, size_t newcap)
{
    struct source *np = malloc(newcap * sizeof(*np));
    uint32_t *heads = malloc(newcap * sizeof(*heads));
    struct source_table fresh = {.pool = np, .newest = NIL, .oldest = NIL};
    uint32_t j = 0;

    if (np == NULL || heads == NULL) {
        free(np);
        free(heads);
        return -1;
    }
    memset(heads, 0xff, newcap * sizeof(*heads));
    for (uint32_t i = t->newest; i != NIL; i = t->pool[i].older, j++) {
        struct source *e = place(t, np, heads, newcap, j, &t->pool[i]);
        e->newer = fresh.oldest;
        if (fresh.oldest != NIL)
            np[fresh.oldest].older = j;
        fresh.oldest = j;
        if (fresh.newest == NIL)
            fresh.newest = j;
    }
    for (size_t b = 0; b < t->cap; b++)
        for (uint32_t i = t->heads[b]; i != NIL; i = t->pool[i].hnext)
            if (t->pool[i].live > 0)
                place(t, np, heads, newcap, j++, &t->pool[i]);
    t->free_head = NIL;
    for (size_t k = newcap; k-- > j;) {
        np[k].hnext = t->free_head;
        t->free_head = (uint32_t)k;
    }
    free(t->pool);
    free(t->heads);
    t->pool = np;
    t->heads = heads;
    t->cap = newcap;
    t->newest = fresh.newest;
    t->oldest = fresh.oldest;
    return 0;
}

struct source_table *sources_new(void)
{
    struct source_table *t = calloc(1, sizeof(*t));

    if (t == NULL)
        return NULL;
    t->newest = t->oldest = t->free_head = NIL;
    t->seed = random_seed(t);
    if (resize(t, POOL_MIN) < 0) {
        free(t);
        return NULL;
    }
    return t;
}

void sources_free(struct source_table *t)
{
    if (t == NULL)
        return;
    free(t->pool);
    free(t->heads);
    free(t);
}

size_t sources_count(const struct source_table *t)
{
    return t->count;
}

static struct source *lookup(const struct source_table *t, const struct source_key *key)
{
    for (uint32_t i = t->heads[bucket_of(t, key, t->cap)]; i != NIL; i = t->pool[i].hnext)
        if (memcmp(&t->pool[i].key, key, sizeof(*key)) == 0)
            return &t->pool[i];
    return NULL;
}

const struct source *sources_peek(const struct source_table *t, const struct source_key *key)
{
    return lookup(t, key);
}

struct source *sources_find(struct source_table *t, const struct source_key *key)
{
    struct source *e = lookup(t, key);

    if (e != NULL && e->live == 0) {
        lru_unlink(t, e);
        lru_push_newest(t, e);
    }
    return e;
}

/* Unlink E from its chain and the LRU list and return it to the free list. */
static void drop(struct source_table *t, struct source *e)
{
    uint32_t i = (uint32_t)(e - t->pool);
    uint32_t *link = &t->heads[bucket_of(t, &e->key, t->cap)];

    while (*link != i)
        link = &t->pool[*link].hnext;
    *link = e->hnext;
    lru_unlink(t, e);
    e->hnext = t->free_head;
    t->free_head = i;
    t->count--;
}

/* Drop the idle entry E, which holds nothing worth keeping.  Shrink lazily
 * (at 1/8 load, to half) so a source that comes and goes at a size
 * boundary does not resize on every connection. */
static void drop_idle(struct source_table *t, struct source *e)
{
    drop(t, e);
    if (t->cap > POOL_MIN && t->count * 8 < t->cap)
        resize(t, t->cap / 2);
}

struct source *sources_get(struct source_table *t, const struct source_key *key, unsigned max)
{
    struct source *e = sources_find(t, key);

    if (e != NULL)
        return e;
    /* Two at a time, so a table left over a lowered bound (reload) comes down. */
    for (int k = 0; k < 2 && t->count >= max && t->oldest != NIL; k++)
        drop(t, &t->pool[t->oldest]);
    if (t->free_head == NIL && resize(t, t->cap * 2) < 0)
        return NULL;
    uint32_t i = t->free_head;
    e = &t->pool[i];
    t->free_head = e->hnext;
    memset(e, 0, sizeof(*e));
    e->key = *key;
    size_t b = bucket_of(t, key, t->cap);
    e->hnext = t->heads[b];
    t->heads[b] = i;
    e->newer = e->older = NIL;
    lru_push_newest(t, e);
    t->count++;
    return e;
}

void sources_hold(struct source_table *t, struct source *e)
{
    if (e->live++ == 0)
        lru_unlink(t, e); /* never dropped while it has live handlers */
}

void sources_release(struct source_table *t, struct source *e)
{
    if (e->live == 0 || --e->live > 0)
        return;
    if (e->bucket.primed || e->banned_until_ns != 0) {
        lru_push_newest(t, e);
        return;
    }
    drop_idle(t, e);
}

size_t sources_bans(const struct source_table *t, uint64_t now_ns, struct source_ban *out,
                    size_t max)
{
    size_t n = 0;

    for (size_t b = 0; b < t->cap && n < max; b++)
        for (uint32_t i = t->heads[b]; i != NIL && n < max; i = t->pool[i].hnext)
            if (t->pool[i].banned_until_ns > now_ns)
                out[n++] = (struct source_ban){t->pool[i].key, t->pool[i].banned_until_ns};
    return n;
}

bool sources_lift(struct source_table *t, const struct source_key *key, uint64_t now_ns)
{
    struct source *e = lookup(t, key);

    if (e == NULL || e->banned_until_ns <= now_ns)
        return false;
    e->banned_until_ns = 0;
    memset(&e->bucket, 0, sizeof(e->bucket));
    if (e->live == 0)
        drop_idle(t, e);
    return true;
}

static bool worth_carrying(const struct source *e)
{
    return e->bucket.primed || e->banned_until_ns != 0;
}

static void source_fields(struct carry *c, struct source *e)
{
    carry_bytes(c, "key", e->key.bytes, sizeof(e->key.bytes));
    carry_u64(c, "banned_until_ns", &e->banned_until_ns);
    if (carry_enter(c, "bucket")) {
        bucket_carry(c, &e->bucket);
        carry_leave(c);
    }
}

static void sources_write(struct carry *c, struct source_table *t)
{
    carry_enter(c, "sources");
    /* Idle ones oldest first, so that adding them in order keeps the LRU. */
    for (uint32_t i = t->oldest; i != NIL; i = t->pool[i].newer)
        if (worth_carrying(&t->pool[i])) {
            carry_item(c);
            source_fields(c, &t->pool[i]);
            carry_leave(c);
        }
    for (size_t b = 0; b < t->cap; b++)
        for (uint32_t i = t->heads[b]; i != NIL; i = t->pool[i].hnext)
            if (t->pool[i].live > 0 && worth_carrying(&t->pool[i])) {
                carry_item(c);
                source_fields(c, &t->pool[i]);
                carry_leave(c);
            }
    carry_leave(c);
}

struct sources_read {
    struct source_table *t;
    unsigned max;
};

static void source_restore(struct carry *c, void *ctx)
{
    struct sources_read *r = ctx;
    struct source got = {0};

    source_fields(c, &got);
    struct source *e = c->failed ? NULL : sources_get(r->t, &got.key, r->max);
    if (e) {
        e->banned_until_ns = got.banned_until_ns;
        e->bucket = got.bucket;
    }
}

void sources_carry(struct carry *c, struct source_table *t, unsigned max)
{
    struct sources_read r = {t, max};

    if (c->writing)
        sources_write(c, t);
    else
        carry_read_list(c, "sources", source_restore, &r);
}
