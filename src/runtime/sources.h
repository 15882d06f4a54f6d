/*
 * The bounded table of remote sources behind `per_source`, `per_source_rate`
 * and `ban` (one per service, inside its admission state): O(1) look-up by
 * source key, at most `max_sources` entries without live handlers, the least
 * recently seen of those dropped first.  See sources.c for the bound.
 */
#ifndef SUPERSERVER_SOURCES_H
#define SUPERSERVER_SOURCES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "addr.h"
#include "bucket.h"

struct source {
    struct source_key key;
    unsigned live;              /* live handlers started for it */
    struct token_bucket bucket; /* per_source_rate (unprimed when unused) */
    uint64_t banned_until_ns;   /* refused outright before this; 0 = never banned */
    uint32_t hnext;             /* hash chain, or the free list */
    uint32_t newer, older;      /* LRU list of idle entries (live == 0) */
};

struct source_table;

struct source_table *sources_new(void);
void sources_free(struct source_table *t);

/* The entry of KEY or NULL, leaving the LRU order as it is. */
const struct source *sources_peek(const struct source_table *t, const struct source_key *key);

/* The entry of KEY or NULL; marks it seen (the front of the LRU list). */
struct source *sources_find(struct source_table *t, const struct source_key *key);

/*
 * The entry of KEY, created when absent, dropping the least recently seen
 * idle entry first when MAX entries are tracked.  NULL only when out of
 * memory.  The pointer is good until the next call that may add or remove.
 */
struct source *sources_get(struct source_table *t, const struct source_key *key, unsigned max);

/* A handler started for / ended for the source E. */
void sources_hold(struct source_table *t, struct source *e);
void sources_release(struct source_table *t, struct source *e);

/* Entries tracked now (idle and live). */
size_t sources_count(const struct source_table *t);

/* Across an upgrade (carry.h): the entries that hold a bucket or a ban, the
 * idle ones in their LRU order; reading adds them to T (at most MAX).  Live
 * counts are not carried (each carried handler holds its source again). */
struct carry;
void sources_carry(struct carry *c, struct source_table *t, unsigned max);
/* A source serving a ban, and until when. */
struct source_ban {
    struct source_key key;
    uint64_t until_ns;
};
/* The sources banned at NOW_NS, at most MAX of them into OUT (in no
 * order); how many were written.  O(table size). */
size_t sources_bans(const struct source_table *t, uint64_t now_ns, struct source_ban *out,
                    size_t max);
/* Lift KEY's ban in force at NOW_NS and reset its bucket (an entry left
 * holding nothing is dropped).  False when KEY serves no ban: nothing
 * changes. */
bool sources_lift(struct source_table *t, const struct source_key *key, uint64_t now_ns);

#endif
