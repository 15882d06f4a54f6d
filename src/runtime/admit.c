/*
 * Admission: the per-service state (live handlers, live handlers per source,
 * the rate bucket) and the decision made on each accepted connection before
 * any fork.  Everything here is O(1) per connection and makes no system call.
 *
 * Live handlers per source are kept in an open-addressing hash table (linear
 * probing, backward-shift deletion, so no tombstones).  A source is removed
 * when its last handler ends and the table shrinks again after a flood of
 * distinct sources, so its size follows the live load, not history.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "admit.h"
#include "clock.h"

#define TABLE_MIN 16 /* slots; always a power of two */

struct source_entry {
    struct source_key key;
    unsigned count; /* 0 = empty slot */
};

struct admit_state {
    unsigned live;
    struct token_bucket bucket;
    struct source_entry *slots;
    size_t cap;  /* power of two */
    size_t used; /* slots with count > 0 */
    uint64_t seed;
};

static const char *const reason_names[ADMIT_VERDICT_COUNT] = {
    [ADMIT_OK] = "ok",
    [REFUSE_DENY] = "deny",
    [REFUSE_INSTANCES] = "instances",
    [REFUSE_PER_SOURCE] = "per_source",
    [REFUSE_RATE] = "rate",
    [REFUSE_MAX_CHILDREN] = "max_children",
    [REFUSE_SPAWN_FAILED] = "spawn_failed",
};

const char *admit_reason_name(enum admit_verdict v)
{
    if ((unsigned)v >= ADMIT_VERDICT_COUNT)
        return "unknown";
    return reason_names[v];
}

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

/* Seeded per table: sources are chosen by remote peers, who could otherwise
 * pick addresses that all land in one probe run. */
static size_t slot_of(const struct admit_state *st, const struct source_key *k)
{
    uint64_t lo, hi;

    memcpy(&lo, k->bytes, 8);
    memcpy(&hi, k->bytes + 8, 8);
    return (size_t)mix64(mix64(lo ^ st->seed) ^ hi) & (st->cap - 1);
}

static uint64_t random_seed(const void *salt)
{
    uint64_t seed;

    if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
        return seed;
    /* Early boot without entropy: still differs per run and per table. */
    return mix64(clock_monotonic_ns() ^ (uint64_t)(uintptr_t)salt);
}

struct admit_state *admit_state_new(void)
{
    struct admit_state *st = calloc(1, sizeof(*st));

    if (st == NULL)
        return NULL;
    st->cap = TABLE_MIN;
    st->slots = calloc(st->cap, sizeof(*st->slots));
    if (st->slots == NULL) {
        free(st);
        return NULL;
    }
    st->seed = random_seed(st);
    return st;
}

void admit_state_free(struct admit_state *st)
{
    if (st == NULL)
        return;
    free(st->slots);
    free(st);
}

/* The slot holding K, or the empty slot where it would go. */
static size_t probe(const struct admit_state *st, const struct source_key *k)
{
    size_t i = slot_of(st, k);

    while (st->slots[i].count != 0 && memcmp(&st->slots[i].key, k, sizeof(*k)) != 0)
        i = (i + 1) & (st->cap - 1);
    return i;
}

/* Move every entry into a table of NEWCAP slots.  On allocation failure the
 * old table stays: correct, only fuller (growth is retried on the next insert). */
static void resize(struct admit_state *st, size_t newcap)
{
    struct source_entry *old = st->slots;
    size_t oldcap = st->cap;
    struct source_entry *fresh = calloc(newcap, sizeof(*fresh));

    if (fresh == NULL)
        return;
    st->slots = fresh;
    st->cap = newcap;
    for (size_t i = 0; i < oldcap; i++)
        if (old[i].count != 0)
            st->slots[probe(st, &old[i].key)] = old[i];
    free(old);
}

/* Remove the entry in slot I, shifting later members of its probe run back
 * so that look-ups never stop early at a hole. */
static void remove_slot(struct admit_state *st, size_t i)
{
    size_t mask = st->cap - 1;
    size_t j = i;

    for (;;) {
        j = (j + 1) & mask;
        if (st->slots[j].count == 0)
            break;
        size_t home = slot_of(st, &st->slots[j].key);
        /* Entry j may fill the hole at i unless its home lies in (i, j]. */
        if (((j - home) & mask) >= ((j - i) & mask)) {
            st->slots[i] = st->slots[j];
            i = j;
        }
    }
    st->slots[i].count = 0;
}

void admit_started(struct admit_state *st, const struct source_key *key)
{
    st->live++;
    if (key == NULL)
        return;
    /* Keep the load under 3/4 so probe runs stay short. */
    if ((st->used + 1) * 4 > st->cap * 3)
        resize(st, st->cap * 2);
    size_t i = probe(st, key);
    if (st->slots[i].count == 0) {
        if (st->used + 1 >= st->cap)
            return; /* full and could not grow: count the live handler only */
        st->slots[i].key = *key;
        st->used++;
    }
    st->slots[i].count++;
}

void admit_finished(struct admit_state *st, const struct source_key *key)
{
    if (st->live > 0)
        st->live--;
    if (key == NULL)
        return;
    size_t i = probe(st, key);
    if (st->slots[i].count == 0)
        return; /* never counted (see admit_started): nothing to undo */
    if (--st->slots[i].count > 0)
        return;
    remove_slot(st, i);
    st->used--;
    /* Shrink lazily (at 1/8 load, to 1/2 of it) so a source that comes and
     * goes at a size boundary does not resize on every connection. */
    if (st->cap > TABLE_MIN && st->used * 8 < st->cap)
        resize(st, st->cap / 2);
}

unsigned admit_live(const struct admit_state *st)
{
    return st->live;
}

unsigned admit_live_from(const struct admit_state *st, const struct source_key *key)
{
    if (key == NULL)
        return 0;
    return st->slots[probe(st, key)].count;
}

bool token_bucket_take(struct token_bucket *b, unsigned count, unsigned seconds, uint64_t now_ns)
{
    if (count == 0)
        return true; /* no limit configured */
    if (seconds == 0)
        seconds = 1;
    if (!b->primed) {
        b->tokens = count;
        b->last_ns = now_ns;
        b->primed = true;
    }
    /* A clock that seems to step back (a bucket handed over on reload) adds
     * nothing rather than going negative. */
    if (now_ns > b->last_ns) {
        double elapsed = (double)(now_ns - b->last_ns);
        b->tokens += elapsed * count / ((double)seconds * NSEC_PER_SEC);
        b->last_ns = now_ns;
    }
    if (b->tokens > count)
        b->tokens = count;
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

static bool in_rules(const struct cidr *rules, size_t n, const struct sockaddr *peer)
{
    for (size_t i = 0; i < n; i++)
        if (cidr_match(&rules[i], peer))
            return true;
    return false;
}

static bool is_inet(const struct sockaddr *peer)
{
    return peer != NULL && (peer->sa_family == AF_INET || peer->sa_family == AF_INET6);
}

bool admit_acl_allows(const struct service *svc, const struct sockaddr *peer)
{
    if (!is_inet(peer))
        return true; /* unix peers: the socket's mode and owner are the ACL */
    if (in_rules(svc->deny, svc->n_deny, peer))
        return false;
    return svc->n_allow == 0 || in_rules(svc->allow, svc->n_allow, peer);
}

enum admit_verdict admit_check(struct admit_state *st, const struct service *svc,
                               const struct sockaddr *peer, unsigned live_total,
                               unsigned max_children, uint64_t now_ns)
{
    if (!admit_acl_allows(svc, peer))
        return REFUSE_DENY;
    if (max_children != 0 && live_total >= max_children)
        return REFUSE_MAX_CHILDREN;
    if (svc->instances != 0 && st->live >= svc->instances)
        return REFUSE_INSTANCES;
    if (svc->per_source != 0 && is_inet(peer)) {
        struct source_key key;

        addr_source_key(peer, &key);
        if (admit_live_from(st, &key) >= svc->per_source)
            return REFUSE_PER_SOURCE;
    }
    if (svc->rate.count != 0 &&
        !token_bucket_take(&st->bucket, svc->rate.count, svc->rate.seconds, now_ns))
        return REFUSE_RATE;
    return ADMIT_OK;
}
