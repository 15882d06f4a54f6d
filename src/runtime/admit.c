/*
 * Admission: the per-service state (live handlers, the rate bucket, the
 * table of sources) and the decision made on each accepted connection before
 * any fork.  Everything here is O(1) per connection and makes no system
 * call, except admit_peer_key's SO_PEERCRED for unix peers of a service with
 * a per-source limit.
 *
 * The sources (sources.c) are bounded by the service's `max_sources`, a
 * bound per service: each service's table is its own, so a flood at one
 * service cannot push another's sources (and their bans) out.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "admit.h"
#include "carry.h"
#include "clock.h"
#include "sources.h"

#define DEFAULT_MAX_SOURCES 65536

struct admit_state {
    unsigned live;
    struct token_bucket bucket;
    struct source_table *sources;
    unsigned max_sources; /* the service's, as of the last check */
    /* The end of the latest ban ever set here: before it a source is looked
     * up for one, after it (or never banned) nothing is paid for bans. */
    uint64_t bans_until_ns;
};

struct admit_state *admit_state_new(void)
{
    struct admit_state *st = calloc(1, sizeof(*st));

    if (st == NULL)
        return NULL;
    st->sources = sources_new();
    if (st->sources == NULL) {
        free(st);
        return NULL;
    }
    st->max_sources = DEFAULT_MAX_SOURCES;
    return st;
}

void admit_state_free(struct admit_state *st)
{
    if (st == NULL)
        return;
    sources_free(st->sources);
    free(st);
}

void admit_started(struct admit_state *st, const struct source_key *key)
{
    st->live++;
    if (key == NULL)
        return;
    struct source *e = sources_get(st->sources, key, st->max_sources);
    if (e != NULL)
        sources_hold(st->sources, e); /* NULL: out of memory, counted in live only */
}

void admit_finished(struct admit_state *st, const struct source_key *key)
{
    if (st->live > 0)
        st->live--;
    if (key == NULL)
        return;
    struct source *e = sources_find(st->sources, key);
    if (e != NULL)
        sources_release(st->sources, e);
}

unsigned admit_live(const struct admit_state *st)
{
    return st->live;
}

unsigned admit_live_from(const struct admit_state *st, const struct source_key *key)
{
    const struct source *e = key ? sources_peek(st->sources, key) : NULL;

    return e ? e->live : 0;
}

size_t admit_sources(const struct admit_state *st)
{
    return sources_count(st->sources);
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

/* Source E is banned until UNTIL_NS. */
static void admit_note_ban(struct admit_state *st, struct source *e, uint64_t until_ns)
{
    e->banned_until_ns = until_ns;
    if (until_ns > st->bans_until_ns)
        st->bans_until_ns = until_ns;
}

/* The source's own checks: its ban, per_source, per_source_rate (then its ban). */
static enum refuse_reason check_source(struct admit_state *st, const struct service *svc,
                                       const struct source_key *key, uint64_t now_ns)
{
    const struct svc_rate *r = &svc->per_source_rate;
    struct source *e;

    /* Only a rate needs an entry for a source with no live handler. */
    if (r->count != 0)
        e = sources_get(st->sources, key, st->max_sources);
    else
        e = sources_find(st->sources, key);
    if (e == NULL)
        return REFUSE_NONE; /* no entry (or out of memory): nothing to hold against it */
    if (svc->per_source != 0 && e->live >= svc->per_source)
        return REFUSE_PER_SOURCE;
    if (r->count != 0 && !bucket_take(&e->bucket, r->count, r->seconds, now_ns)) {
        if (svc->ban != 0)
            admit_note_ban(st, e, now_ns + (uint64_t)svc->ban * NSEC_PER_SEC);
        return REFUSE_PER_SOURCE_RATE;
    }
    return REFUSE_NONE;
}

/* Is KEY's source serving a ban?  Looked at before the load checks, so a
 * banned source is told so whatever the load, and counts no token; looking
 * counts as seeing it (it stays at the front of the LRU list). */
static bool banned(struct admit_state *st, const struct source_key *key, uint64_t now_ns)
{
    const struct source *e = sources_find(st->sources, key);

    return e != NULL && e->banned_until_ns > now_ns;
}

enum refuse_reason admit_check_source(struct admit_state *st, const struct service *svc,
                                      const struct sockaddr *peer, const struct source_key *key,
                                      unsigned live_total, unsigned max_children, uint64_t now_ns)
{
    bool keyed = key != NULL && (svc->per_source != 0 || svc->per_source_rate.count != 0);

    st->max_sources = svc->max_sources ? svc->max_sources : DEFAULT_MAX_SOURCES;
    if (!admit_acl_allows(svc, peer))
        return REFUSE_DENY;
    if (key != NULL && now_ns < st->bans_until_ns && banned(st, key, now_ns))
        return REFUSE_BANNED;
    if (max_children != 0 && live_total >= max_children)
        return REFUSE_MAX_CHILDREN;
    if (svc->instances != 0 && st->live >= svc->instances)
        return REFUSE_INSTANCES;
    if (keyed) {
        enum refuse_reason v = check_source(st, svc, key, now_ns);
        if (v != REFUSE_NONE)
            return v;
    }
    if (svc->rate.count != 0 &&
        !bucket_take(&st->bucket, svc->rate.count, svc->rate.seconds, now_ns))
        return REFUSE_RATE;
    return REFUSE_NONE;
}

enum refuse_reason admit_check(struct admit_state *st, const struct service *svc,
                               const struct sockaddr *peer, unsigned live_total,
                               unsigned max_children, uint64_t now_ns)
{
    struct source_key key;

    if (is_inet(peer))
        addr_source_key(peer, &key);
    return admit_check_source(st, svc, peer, is_inet(peer) ? &key : NULL, live_total, max_children,
                              now_ns);
}

bool admit_peer_key(const struct admit_state *st, const struct service *svc, int conn,
                    const struct sockaddr *peer, struct source_key *key)
{
    if (is_inet(peer)) {
        addr_source_key(peer, key);
        return true;
    }
    if (peer == NULL || peer->sa_family != AF_UNIX ||
        (svc->per_source == 0 && svc->per_source_rate.count == 0 && st->bans_until_ns == 0))
        return false;
    struct ucred cred;
    socklen_t len = sizeof(cred);
    if (getsockopt(conn, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
        return false; /* not a connected unix stream socket: no key */
    addr_source_key_uid((uint32_t)cred.uid, key);
    return true;
}

int admit_ban(struct admit_state *st, const struct source_key *key, uint64_t until_ns)
{
    struct source *e = sources_get(st->sources, key, st->max_sources);

    if (e == NULL)
        return -1;
    admit_note_ban(st, e, until_ns);
    return 0;
}

bool admit_unban(struct admit_state *st, const struct source_key *key, uint64_t now_ns)
{
    return sources_lift(st->sources, key, now_ns);
}

size_t admit_bans(const struct admit_state *st, uint64_t now_ns, struct source_ban *out, size_t max)
{
    return sources_bans(st->sources, now_ns, out, max);
}

void admit_carry(struct carry *c, struct admit_state *st)
{
    carry_uint(c, "max_sources", &st->max_sources);
    carry_u64(c, "bans_until_ns", &st->bans_until_ns);
    if (carry_enter(c, "rate")) {
        bucket_carry(c, &st->bucket);
        carry_leave(c);
    }
    sources_carry(c, st->sources, st->max_sources);
}
