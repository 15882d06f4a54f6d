/*
 * Unit tests for admit.c: the token bucket on an injected clock, the order
 * of the admission checks, ACLs, and the per-source table under many
 * distinct sources and random churn.
 */
#include <arpa/inet.h>
#include <check.h>
#include <malloc.h>
#include <stdbool.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "admit.h"
#include "clock.h"

#define SEC NSEC_PER_SEC
#define T0  (1000 * SEC) /* an arbitrary monotonic start */

static struct sockaddr_storage peer_ss;

static const struct sockaddr *peer(const char *ip)
{
    struct sockaddr_in *sin = (struct sockaddr_in *)&peer_ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer_ss;

    memset(&peer_ss, 0, sizeof(peer_ss));
    if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
    } else {
        ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
        sin6->sin6_family = AF_INET6;
    }
    return (const struct sockaddr *)&peer_ss;
}

static struct source_key key_of(const char *ip)
{
    struct source_key k;

    addr_source_key(peer(ip), &k);
    return k;
}

static struct cidr rule(const char *text)
{
    struct cidr c;
    char err[128];

    ck_assert_msg(cidr_parse(text, &c, err, sizeof(err)) == 0, "%s", err);
    return c;
}

/* How many of N attempts at one instant NOW the bucket admits. */
static unsigned takes(struct token_bucket *b, unsigned count, unsigned secs, unsigned n,
                      uint64_t now)
{
    unsigned ok = 0;

    for (unsigned i = 0; i < n; i++)
        ok += bucket_take(b, count, secs, now);
    return ok;
}

START_TEST(bucket_5_per_1)
{
    struct token_bucket b = {0};

    ck_assert_uint_eq(takes(&b, 5, 1, 30, T0), 5); /* starts full: burst 5 */
    ck_assert_uint_eq(takes(&b, 5, 1, 1, T0 + SEC / 10), 0);
    ck_assert_uint_eq(takes(&b, 5, 1, 5, T0 + SEC / 5), 1); /* 1 token per 200 ms */
    ck_assert_uint_eq(takes(&b, 5, 1, 30, T0 + SEC + SEC / 5), 5);
    /* A long idle refills to the burst, never beyond. */
    ck_assert_uint_eq(takes(&b, 5, 1, 30, T0 + 3600 * SEC), 5);
}
END_TEST

START_TEST(bucket_200_per_1)
{
    struct token_bucket b = {0};

    ck_assert_uint_eq(takes(&b, 200, 1, 1000, T0), 200);
    ck_assert_uint_eq(takes(&b, 200, 1, 1000, T0 + SEC / 100), 2); /* 10 ms = 2 tokens */
    ck_assert_uint_eq(takes(&b, 200, 1, 1000, T0 + SEC + SEC / 100), 200);
    /* Steady 200/s spread over a second: every one admitted. */
    unsigned ok = 0;
    for (unsigned i = 1; i <= 200; i++)
        ok += bucket_take(&b, 200, 1, T0 + 2 * SEC + SEC / 100 + i * (SEC / 200));
    ck_assert_uint_eq(ok, 200);
}
END_TEST

START_TEST(bucket_10_per_60)
{
    struct token_bucket b = {0};

    ck_assert_uint_eq(takes(&b, 10, 60, 50, T0), 10);
    ck_assert_uint_eq(takes(&b, 10, 60, 5, T0 + 5 * SEC), 0); /* one token per 6 s */
    ck_assert_uint_eq(takes(&b, 10, 60, 5, T0 + 6 * SEC), 1);
    ck_assert_uint_eq(takes(&b, 10, 60, 5, T0 + 11 * SEC), 0);
    ck_assert_uint_eq(takes(&b, 10, 60, 50, T0 + 66 * SEC), 10);
}
END_TEST

START_TEST(bucket_edges)
{
    struct token_bucket b = {0};

    /* count 0 means no limit. */
    ck_assert_uint_eq(takes(&b, 0, 1, 1000, T0), 1000);
    /* A clock that steps back refills nothing and does not break the bucket. */
    memset(&b, 0, sizeof(b));
    ck_assert_uint_eq(takes(&b, 2, 1, 5, T0), 2);
    ck_assert_uint_eq(takes(&b, 2, 1, 5, T0 - 10 * SEC), 0);
    ck_assert_uint_eq(takes(&b, 2, 1, 5, T0 + SEC), 2);
    /* A bucket primed at time 0 works too. */
    memset(&b, 0, sizeof(b));
    ck_assert_uint_eq(takes(&b, 1, 1, 3, 0), 1);
    ck_assert_uint_eq(takes(&b, 1, 1, 3, SEC), 1);
}
END_TEST

START_TEST(acl_rules)
{
    struct cidr allow[] = {rule("127.0.0.0/8"), rule("2001:db8::/32")};
    struct cidr deny[] = {rule("127.0.0.2")};
    struct service svc = {.name = "t"};

    ck_assert(admit_acl_allows(&svc, peer("203.0.113.1"))); /* no rules: open */
    svc.deny = deny;
    svc.n_deny = 1;
    ck_assert(admit_acl_allows(&svc, peer("203.0.113.1")));
    ck_assert(!admit_acl_allows(&svc, peer("127.0.0.2")));
    svc.allow = allow;
    svc.n_allow = 2;
    ck_assert(!admit_acl_allows(&svc, peer("203.0.113.1")));
    ck_assert(admit_acl_allows(&svc, peer("127.0.0.1")));
    ck_assert(admit_acl_allows(&svc, peer("::ffff:127.0.0.1")));
    ck_assert(!admit_acl_allows(&svc, peer("::ffff:127.0.0.2"))); /* deny beats allow */
    ck_assert(admit_acl_allows(&svc, peer("2001:db8::5")));
    ck_assert(!admit_acl_allows(&svc, peer("::1")));
    ck_assert(admit_acl_allows(&svc, NULL)); /* unix peers skip the ACL */
}
END_TEST

START_TEST(order_deny_first)
{
    struct admit_state *st = admit_state_new();
    struct cidr deny[] = {rule("10.0.0.0/8")};
    struct service svc = {.name = "t", .deny = deny, .n_deny = 1, .instances = 1};

    svc.rate.count = 1;
    svc.rate.seconds = 1;
    admit_started(st, NULL);
    /* Denied although max_children, instances and rate would refuse too. */
    ck_assert_int_eq(admit_check(st, &svc, peer("10.1.1.1"), 5, 5, T0), REFUSE_DENY);
    ck_assert_int_eq(admit_check(st, &svc, peer("11.1.1.1"), 5, 5, T0), REFUSE_MAX_CHILDREN);
    ck_assert_int_eq(admit_check(st, &svc, peer("11.1.1.1"), 4, 5, T0), REFUSE_INSTANCES);
    admit_finished(st, NULL);
    /* The rate token was never spent by the refusals above. */
    ck_assert_int_eq(admit_check(st, &svc, peer("11.1.1.1"), 4, 5, T0), REFUSE_NONE);
    ck_assert_int_eq(admit_check(st, &svc, peer("11.1.1.1"), 4, 5, T0), REFUSE_RATE);
    admit_state_free(st);
}
END_TEST

START_TEST(order_limits)
{
    struct admit_state *st = admit_state_new();
    struct service svc = {.name = "t", .instances = 3, .per_source = 2};
    struct source_key a = key_of("192.0.2.1");
    struct source_key v6 = key_of("2001:db8:1:2::1");

    svc.rate.count = 2;
    svc.rate.seconds = 1;
    ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.1"), 0, 0, T0), REFUSE_NONE);
    admit_started(st, &a);
    ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.1"), 1, 0, T0), REFUSE_NONE);
    admit_started(st, &a);
    ck_assert_uint_eq(admit_live_from(st, &a), 2);
    /* Both tokens are spent: per_source comes first, then the bucket. */
    ck_assert_int_eq(admit_check(st, &svc, peer("::ffff:192.0.2.1"), 2, 0, T0), REFUSE_PER_SOURCE);
    ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.9"), 2, 0, T0), REFUSE_RATE);
    /* Half a second later one token is back; per_source refusals keep it. */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.1"), 2, 0, T0 + SEC / 2),
                         REFUSE_PER_SOURCE);
    ck_assert_int_eq(admit_check(st, &svc, peer("2001:db8:1:2::9"), 2, 0, T0 + SEC / 2),
                     REFUSE_NONE);
    admit_started(st, &v6);
    ck_assert_uint_eq(admit_live(st), 3);
    ck_assert_int_eq(admit_check(st, &svc, peer("198.51.100.1"), 3, 0, T0 + 5 * SEC),
                     REFUSE_INSTANCES);
    ck_assert_int_eq(admit_check(st, &svc, peer("198.51.100.1"), 3, 3, T0 + 5 * SEC),
                     REFUSE_MAX_CHILDREN);
    admit_finished(st, &a);
    ck_assert_uint_eq(admit_live_from(st, &a), 1);
    ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.1"), 2, 0, T0 + 5 * SEC), REFUSE_NONE);
    admit_finished(st, &a);
    admit_finished(st, &v6);
    ck_assert_uint_eq(admit_live(st), 0);
    ck_assert_uint_eq(admit_live_from(st, &a), 0);
    admit_state_free(st);
}
END_TEST

START_TEST(unix_peers)
{
    struct admit_state *st = admit_state_new();
    struct cidr allow[] = {rule("127.0.0.1")};
    struct service svc = {.name = "t", .allow = allow, .n_allow = 1};

    svc.instances = 2;
    svc.per_source = 1;
    ck_assert_int_eq(admit_check(st, &svc, NULL, 0, 0, T0), REFUSE_NONE);
    admit_started(st, NULL);
    ck_assert_int_eq(admit_check(st, &svc, NULL, 1, 0, T0), REFUSE_NONE);
    admit_started(st, NULL);
    ck_assert_int_eq(admit_check(st, &svc, NULL, 2, 0, T0), REFUSE_INSTANCES);
    ck_assert_uint_eq(admit_live_from(st, NULL), 0);
    admit_finished(st, NULL);
    admit_finished(st, NULL);
    admit_finished(st, NULL); /* one too many is harmless */
    ck_assert_uint_eq(admit_live(st), 0);
    admit_state_free(st);
}
END_TEST

/* The i-th of many distinct sources: IPv4 for even i, an IPv6 /64 for odd. */
static struct source_key nth_key(unsigned i)
{
    char ip[64];

    if (i % 2 == 0)
        snprintf(ip, sizeof(ip), "10.%u.%u.%u", (i >> 16) & 0xff, (i >> 8) & 0xff, i & 0xff);
    else
        snprintf(ip, sizeof(ip), "2001:db8:%x:%x::1", i >> 16, i & 0xffff);
    return key_of(ip);
}

/* Bytes allocated: from the heap, and in mmap()ed chunks (big tables). */
static size_t heap_in_use(void)
{
    struct mallinfo2 mi = mallinfo2();

    return mi.uordblks + mi.hblkhd;
}

/* Does mallinfo2 see this process's allocations?  Not under ASan or
 * valgrind, whose allocators glibc's statistics know nothing of: there the
 * memory assertions cannot run, and main says so (SKIP with the reason). */
static bool heap_stats_work;

static bool heap_stats_visible(void)
{
    size_t before = heap_in_use();
    char *volatile p = malloc(1 << 20);
    bool seen = p != NULL && heap_in_use() >= before + (1 << 20);

    free(p);
    return seen;
}

START_TEST(many_sources)
{
    enum { N = 100000 };
    struct admit_state *st = admit_state_new();
    struct source_key *keys = malloc(N * sizeof(*keys));
    size_t before, peak, after;

    ck_assert_ptr_nonnull(keys);
    for (unsigned i = 0; i < N; i++)
        keys[i] = nth_key(i);
    before = heap_in_use();
    for (unsigned i = 0; i < N; i++)
        admit_started(st, &keys[i]);
    admit_started(st, &keys[7]);
    peak = heap_in_use();
    ck_assert_uint_eq(admit_live(st), N + 1);
    for (unsigned i = 0; i < N; i++)
        ck_assert_uint_eq(admit_live_from(st, &keys[i]), i == 7 ? 2 : 1);
    for (unsigned i = 0; i < N; i += 2)
        admit_finished(st, &keys[i]);
    for (unsigned i = 1; i < N; i += 2)
        ck_assert_uint_eq(admit_live_from(st, &keys[i]), i == 7 ? 2 : 1);
    for (unsigned i = 1; i < N; i += 2)
        admit_finished(st, &keys[i]);
    ck_assert_uint_eq(admit_live_from(st, &keys[7]), 1);
    admit_finished(st, &keys[7]);
    after = heap_in_use();
    ck_assert_uint_eq(admit_live(st), 0);
    for (unsigned i = 0; i < N; i++)
        ck_assert_uint_eq(admit_live_from(st, &keys[i]), 0);
    /* The table gave its memory back (where mallinfo2 can tell: main). */
    if (heap_stats_work) {
        ck_assert_msg(peak > before + N * sizeof(struct source_key), "the table grew %zu bytes",
                      peak - before);
        ck_assert_msg(after < before + 4096, "table kept %zu bytes", after - before);
    }
    free(keys);
    admit_state_free(st);
}
END_TEST

/* Random starts and finishes against a plain array of expected counts, to
 * exercise deletion inside probe runs. */
START_TEST(random_churn)
{
    enum { KEYS = 3000, STEPS = 200000 };
    struct admit_state *st = admit_state_new();
    unsigned *expect = calloc(KEYS, sizeof(*expect));
    struct source_key *keys = malloc(KEYS * sizeof(*keys));
    unsigned live = 0;

    ck_assert_ptr_nonnull(expect);
    ck_assert_ptr_nonnull(keys);
    for (unsigned i = 0; i < KEYS; i++)
        keys[i] = nth_key(i);
    srand(12345);
    for (unsigned s = 0; s < STEPS; s++) {
        unsigned i = (unsigned)rand() % KEYS;

        if (rand() % 2 && expect[i] > 0) {
            admit_finished(st, &keys[i]);
            expect[i]--;
            live--;
        } else if (expect[i] < 3) {
            admit_started(st, &keys[i]);
            expect[i]++;
            live++;
        }
        if (s % 4999 == 0)
            for (unsigned j = 0; j < KEYS; j++)
                ck_assert_uint_eq(admit_live_from(st, &keys[j]), expect[j]);
    }
    ck_assert_uint_eq(admit_live(st), live);
    free(keys);
    free(expect);
    admit_state_free(st);
}
END_TEST

/* A service with per_source_rate COUNT/SECS and BAN seconds, tracking at most MAX sources. */
static struct service rated(unsigned count, unsigned secs, unsigned ban, unsigned max)
{
    struct service svc = {.name = "t", .ban = ban, .max_sources = max};

    svc.per_source_rate.count = count;
    svc.per_source_rate.seconds = secs;
    return svc;
}

static enum refuse_reason from(struct admit_state *st, const struct service *svc, const char *ip,
                               uint64_t now)
{
    return admit_check(st, svc, peer(ip), 0, 0, now);
}

START_TEST(per_source_rate_and_ban)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(2, 1, 5, 100);

    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_PER_SOURCE_RATE);
    /* Another source is not affected. */
    ck_assert_int_eq(from(st, &svc, "192.0.2.2", T0), REFUSE_NONE);
    /* Banned for 5 s although its bucket refilled after 1 s; whatever the load. */
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 2 * SEC), REFUSE_BANNED);
    ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.1"), 9, 9, T0 + 2 * SEC), REFUSE_BANNED);
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 5 * SEC - 1), REFUSE_BANNED);
    /* The ban is over and no token was counted during it: a full burst. */
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 5 * SEC), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 5 * SEC), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 5 * SEC), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 6 * SEC), REFUSE_BANNED);
    admit_state_free(st);

    /* Without a ban, only the bucket decides. */
    st = admit_state_new();
    svc = rated(1, 1, 0, 100);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + SEC), REFUSE_NONE);
    admit_state_free(st);
}
END_TEST

/* Bans by hand (SPEC section 14): on any service, listed, lifted with the
 * source's bucket, the latest ban of a source winning. */
START_TEST(bans_by_hand)
{
    struct admit_state *st = admit_state_new();
    struct service plain = {.name = "p", .max_sources = 100};
    struct service svc = rated(2, 60, 600, 100);
    struct source_key a = key_of("192.0.2.1"), b = key_of("2001:db8:1:2::9");
    struct source_ban bans[4];

    ck_assert_int_eq(from(st, &plain, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(admit_ban(st, &a, T0 + 10 * SEC), 0);
    ck_assert_int_eq(admit_ban(st, &b, T0 + 20 * SEC), 0);
    ck_assert_int_eq(from(st, &plain, "192.0.2.1", T0), REFUSE_BANNED);
    ck_assert_int_eq(from(st, &plain, "2001:db8:1:2:ffff::1", T0), REFUSE_BANNED); /* its /64 */
    ck_assert_int_eq(from(st, &plain, "2001:db8:1:3::1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &plain, "192.0.2.2", T0), REFUSE_NONE);
    ck_assert_uint_eq(admit_bans(st, T0, bans, 4), 2);
    ck_assert_uint_eq(admit_bans(st, T0 + 15 * SEC, bans, 4), 1);
    ck_assert(memcmp(&bans[0].key, &b, sizeof(b)) == 0);
    ck_assert(bans[0].until_ns == T0 + 20 * SEC);
    ck_assert_uint_eq(admit_bans(st, T0, bans, 1), 1); /* at most MAX */
    /* Expired by itself; lifted by hand, once. */
    ck_assert_int_eq(from(st, &plain, "192.0.2.1", T0 + 10 * SEC), REFUSE_NONE);
    ck_assert(!admit_unban(st, &a, T0 + 10 * SEC));
    ck_assert(admit_unban(st, &b, T0 + SEC));
    ck_assert(!admit_unban(st, &b, T0 + SEC));
    ck_assert_int_eq(from(st, &plain, "2001:db8:1:2::9", T0 + SEC), REFUSE_NONE);
    ck_assert_uint_eq(admit_bans(st, T0 + SEC, bans, 4), 1); /* a's, until T0 + 10 s */
    ck_assert_uint_eq(admit_bans(st, T0 + 10 * SEC, bans, 4), 0);
    admit_state_free(st);

    /* unban resets the bucket: a full burst again; ban shortens or extends. */
    st = admit_state_new();
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + SEC), REFUSE_BANNED);
    ck_assert(admit_unban(st, &a, T0 + SEC));
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + SEC), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + SEC), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + SEC), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(admit_ban(st, &a, T0 + 2 * SEC), 0); /* the latest wins, shorter too */
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 2 * SEC), REFUSE_PER_SOURCE_RATE);
    admit_state_free(st);
}
END_TEST

START_TEST(per_source_rate_order)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(1, 60, 0, 100);
    struct cidr deny[] = {rule("10.0.0.0/8")};

    svc.deny = deny;
    svc.n_deny = 1;
    svc.rate.count = 2;
    svc.rate.seconds = 60;
    svc.per_source = 1;
    ck_assert_int_eq(from(st, &svc, "10.0.0.1", T0), REFUSE_DENY);
    /* max_children refusals take no token from the source. */
    ck_assert_int_eq(admit_check(st, &svc, peer("192.0.2.1"), 5, 5, T0), REFUSE_MAX_CHILDREN);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    /* A source over its own rate leaves the service's bucket alone. */
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.2", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.3", T0), REFUSE_RATE);
    /* per_source comes before the source's bucket. */
    struct source_key k = key_of("192.0.2.9");
    admit_started(st, &k);
    ck_assert_int_eq(from(st, &svc, "192.0.2.9", T0), REFUSE_PER_SOURCE);
    admit_finished(st, &k);
    admit_state_free(st);
}
END_TEST

START_TEST(ipv6_grouping)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(1, 60, 0, 100);

    ck_assert_int_eq(from(st, &svc, "2001:db8:1:2::1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "2001:db8:1:2:ffff::7", T0), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "2001:db8:1:3::1", T0), REFUSE_NONE);
    /* A mapped IPv4 peer is its IPv4 source. */
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "::ffff:192.0.2.1", T0), REFUSE_PER_SOURCE_RATE);
    ck_assert_uint_eq(admit_sources(st), 3);
    admit_state_free(st);
}
END_TEST

START_TEST(uid_sources)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(2, 60, 0, 100);
    struct source_key u1000, u1001;

    svc.per_source = 1;
    addr_source_key_uid(1000, &u1000);
    addr_source_key_uid(1001, &u1001);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &u1000, 0, 0, T0), REFUSE_NONE);
    admit_started(st, &u1000);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &u1000, 1, 0, T0), REFUSE_PER_SOURCE);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &u1001, 1, 0, T0), REFUSE_NONE);
    admit_finished(st, &u1000);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &u1000, 0, 0, T0), REFUSE_NONE);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &u1000, 0, 0, T0), REFUSE_PER_SOURCE_RATE);
    /* Without a key (a unix service with no per-source limit) nothing is tracked. */
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, NULL, 0, 0, T0), REFUSE_NONE);
    admit_state_free(st);
}
END_TEST

/* The least recently seen idle source goes first; seeing one (even refused) renews it. */
START_TEST(lru_eviction)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(1, 3600, 0, 3);

    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);                /* a */
    ck_assert_int_eq(from(st, &svc, "192.0.2.2", T0 + 1), REFUSE_NONE);            /* b */
    ck_assert_int_eq(from(st, &svc, "192.0.2.3", T0 + 2), REFUSE_NONE);            /* c */
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 3), REFUSE_PER_SOURCE_RATE); /* a seen */
    ck_assert_uint_eq(admit_sources(st), 3);
    ck_assert_int_eq(from(st, &svc, "192.0.2.4", T0 + 4), REFUSE_NONE); /* d pushes b out */
    ck_assert_uint_eq(admit_sources(st), 3);
    /* b was forgotten: a fresh bucket.  That pushes out c, the oldest now. */
    ck_assert_int_eq(from(st, &svc, "192.0.2.2", T0 + 5), REFUSE_NONE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0 + 6), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.4", T0 + 6), REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.3", T0 + 7), REFUSE_NONE);
    ck_assert_uint_eq(admit_sources(st), 3);
    admit_state_free(st);
}
END_TEST

/* A source with live handlers is never dropped; the table exceeds its bound by those only. */
START_TEST(live_sources_kept)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(100, 1, 0, 2);
    struct source_key a = key_of("192.0.2.1"), b = key_of("192.0.2.2");

    svc.per_source = 1;
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_NONE);
    admit_started(st, &a);
    ck_assert_int_eq(from(st, &svc, "192.0.2.2", T0), REFUSE_NONE);
    admit_started(st, &b);
    /* Full of live sources: new ones are still admitted, the table grows. */
    for (unsigned i = 0; i < 50; i++) {
        char ip[32];
        snprintf(ip, sizeof(ip), "198.51.100.%u", i);
        ck_assert_int_eq(from(st, &svc, ip, T0), REFUSE_NONE);
        ck_assert_uint_le(admit_sources(st), 3);
    }
    ck_assert_uint_eq(admit_live_from(st, &a), 1);
    ck_assert_int_eq(from(st, &svc, "192.0.2.1", T0), REFUSE_PER_SOURCE);
    ck_assert_int_eq(from(st, &svc, "192.0.2.2", T0), REFUSE_PER_SOURCE);
    /* Once idle, a live source is an ordinary LRU entry again. */
    admit_finished(st, &a);
    admit_finished(st, &b);
    ck_assert_uint_eq(admit_sources(st), 3);
    ck_assert_int_eq(from(st, &svc, "203.0.113.1", T0), REFUSE_NONE);
    ck_assert_uint_le(admit_sources(st), 2);
    admit_state_free(st);
}
END_TEST

/* 200,000 distinct sources through a table of 1,000: count and memory stay flat. */
START_TEST(flood_stays_flat)
{
    struct admit_state *st = admit_state_new();
    struct service svc = rated(1, 60, 600, 1000);
    size_t after_warmup = 0;

    for (unsigned i = 0; i < 200000; i++) {
        struct source_key k = nth_key(i);
        ck_assert_int_eq(admit_check_source(st, &svc, NULL, &k, 0, 0, T0 + i), REFUSE_NONE);
        ck_assert_uint_le(admit_sources(st), 1000);
        if (i == 10000)
            after_warmup = heap_in_use();
    }
    ck_assert_uint_eq(admit_sources(st), 1000);
    /* The newest 1,000 are remembered (and banned once over their rate). */
    struct source_key last = nth_key(199999);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &last, 0, 0, T0 + SEC),
                     REFUSE_PER_SOURCE_RATE);
    ck_assert_int_eq(admit_check_source(st, &svc, NULL, &last, 0, 0, T0 + 2 * SEC), REFUSE_BANNED);
    size_t end = heap_in_use();
    if (heap_stats_work)
        ck_assert_msg(end <= after_warmup + 4096, "grew %zu bytes", end - after_warmup);
    admit_state_free(st);
}
END_TEST

static Suite *admit_suite(void)
{
    Suite *s = suite_create("admit");
    TCase *tc = tcase_create("core");
    TCase *big = tcase_create("table");

    tcase_add_test(tc, bucket_5_per_1);
    tcase_add_test(tc, bucket_200_per_1);
    tcase_add_test(tc, bucket_10_per_60);
    tcase_add_test(tc, bucket_edges);
    tcase_add_test(tc, acl_rules);
    tcase_add_test(tc, order_deny_first);
    tcase_add_test(tc, order_limits);
    tcase_add_test(tc, unix_peers);
    tcase_add_test(tc, per_source_rate_and_ban);
    tcase_add_test(tc, per_source_rate_order);
    tcase_add_test(tc, bans_by_hand);
    tcase_add_test(tc, ipv6_grouping);
    tcase_add_test(tc, uid_sources);
    tcase_add_test(tc, lru_eviction);
    tcase_add_test(tc, live_sources_kept);
    tcase_add_test(big, flood_stays_flat);
    tcase_add_test(big, many_sources);
    tcase_add_test(big, random_churn);
    tcase_set_timeout(big, 120); /* slow under valgrind */
    suite_add_tcase(s, tc);
    suite_add_tcase(s, big);
    return s;
}

int main(void)
{
    heap_stats_work = heap_stats_visible();
    return unit_run(admit_suite(), heap_stats_work
                                       ? NULL
                                       : "mallinfo2 does not see this allocator (ASan, valgrind): "
                                         "the memory of many_sources and flood_stays_flat was not "
                                         "measured");
}
