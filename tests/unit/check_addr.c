/*
 * Unit tests for addr.c: listen strings in every form and their errors,
 * conflicts, CIDR rules and matching (mapped peers too), peer formatting and
 * the per_source keys.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit_run.h"
#include "addr.h"

static struct sockaddr_storage peer_ss;

/* A peer sockaddr from an IP literal (v4 or v6) and a port. */
static const struct sockaddr *peer(const char *ip, unsigned port)
{
    memset(&peer_ss, 0, sizeof(peer_ss));
    struct sockaddr_in *sin = (struct sockaddr_in *)&peer_ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer_ss;

    if (inet_pton(AF_INET, ip, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
    } else {
        ck_assert_int_eq(inet_pton(AF_INET6, ip, &sin6->sin6_addr), 1);
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
    }
    return (const struct sockaddr *)&peer_ss;
}

/* Parse TEXT, which must succeed, into *LA (caller frees la->text). */
static void parse_ok(const char *text, const char *proto, struct listen_addr *la)
{
    char err[256] = "";

    ck_assert_msg(addr_parse_listen(text, proto, la, err, sizeof(err)) == 0, "%s: %s", text, err);
    ck_assert_str_eq(la->text, text);
}

/* Parse TEXT, which must fail with an error containing WANT. */
static void parse_bad(const char *text, const char *want)
{
    struct listen_addr la;
    char err[256] = "";

    ck_assert_msg(addr_parse_listen(text, "tcp", &la, err, sizeof(err)) == -1, "%s parsed", text);
    ck_assert_msg(strstr(err, want) != NULL, "%s: error \"%s\" lacks \"%s\"", text, err, want);
    ck_assert_ptr_null(la.text);
}

static void listen_str(const struct listen_addr *la, char *buf, size_t len)
{
    addr_format_peer((const struct sockaddr *)&la->ss, buf, len);
}

START_TEST(listen_ipv4)
{
    struct listen_addr la;
    char buf[ADDR_STRLEN];

    parse_ok("127.0.0.1:7007", "tcp", &la);
    ck_assert_int_eq(la.kind, LISTEN_INET);
    ck_assert_int_eq(la.ss.ss_family, AF_INET);
    ck_assert_uint_eq(la.sslen, sizeof(struct sockaddr_in));
    listen_str(&la, buf, sizeof(buf));
    ck_assert_str_eq(buf, "127.0.0.1:7007");
    free(la.text);

    parse_ok("0.0.0.0:65535", "udp", &la);
    ck_assert_uint_eq(addr_port((const struct sockaddr *)&la.ss), 65535);
    free(la.text);
}
END_TEST

START_TEST(listen_ipv6)
{
    struct listen_addr la;
    char buf[ADDR_STRLEN];

    parse_ok("[::1]:7007", "tcp", &la);
    ck_assert_int_eq(la.kind, LISTEN_INET);
    ck_assert_int_eq(la.ss.ss_family, AF_INET6);
    ck_assert_uint_eq(la.sslen, sizeof(struct sockaddr_in6));
    listen_str(&la, buf, sizeof(buf));
    ck_assert_str_eq(buf, "[::1]:7007");
    free(la.text);

    /* Zero compression in the middle, and written out in full. */
    parse_ok("[2001:db8::8:800:200c:417a]:80", "tcp", &la);
    listen_str(&la, buf, sizeof(buf));
    ck_assert_str_eq(buf, "[2001:db8::8:800:200c:417a]:80");
    free(la.text);
    parse_ok("[2001:0db8:0000:0000:0000:0000:0000:0001]:1", "tcp", &la);
    listen_str(&la, buf, sizeof(buf));
    ck_assert_str_eq(buf, "[2001:db8::1]:1");
    free(la.text);
}
END_TEST

START_TEST(listen_wildcard)
{
    struct listen_addr la;
    const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&la.ss;

    parse_ok("*:8080", "tcp", &la);
    ck_assert_int_eq(la.kind, LISTEN_WILDCARD);
    ck_assert_int_eq(sin6->sin6_family, AF_INET6);
    ck_assert(IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr));
    ck_assert_uint_eq(ntohs(sin6->sin6_port), 8080);
    ck_assert_uint_eq(la.sslen, sizeof(struct sockaddr_in6));
    free(la.text);
}
END_TEST

START_TEST(listen_unix)
{
    struct listen_addr la;
    const struct sockaddr_un *sun = (const struct sockaddr_un *)&la.ss;
    char buf[ADDR_STRLEN];

    parse_ok("unix:/run/superserver/echo.sock", "tcp", &la);
    ck_assert_int_eq(la.kind, LISTEN_UNIX);
    ck_assert_int_eq(sun->sun_family, AF_UNIX);
    ck_assert_str_eq(sun->sun_path, "/run/superserver/echo.sock");
    ck_assert_uint_eq(la.sslen, offsetof(struct sockaddr_un, sun_path) +
                                    strlen("/run/superserver/echo.sock") + 1);
    listen_str(&la, buf, sizeof(buf));
    ck_assert_str_eq(buf, "unix");
    free(la.text);

    /* The longest path that still leaves room for the NUL. */
    char text[sizeof(sun->sun_path) + 8] = "unix:/";
    memset(text + 6, 'a', sizeof(sun->sun_path) - 2);
    text[6 + sizeof(sun->sun_path) - 2] = '\0';
    parse_ok(text, "udp", &la);
    ck_assert_uint_eq(la.sslen, sizeof(struct sockaddr_un));
    free(la.text);
    strcat(text, "a");
    parse_bad(text, "too long");
}
END_TEST

START_TEST(listen_errors)
{
    parse_bad("", "expected IP:PORT, [IPv6]:PORT, *:PORT or unix:/path");
    parse_bad("127.0.0.1", "expected IP:PORT");
    parse_bad("127.0.0.1:", "missing port");
    parse_bad("127.0.0.1:x1", "invalid port \"x1\"");
    parse_bad("127.0.0.1:0", "invalid port \"0\"");
    parse_bad("127.0.0.1:65536", "invalid port \"65536\"");
    parse_bad("127.0.0.1:80x", "invalid port \"80x\"");
    parse_bad("127.0.0.1:99999999999999999999", "invalid port");
    parse_bad(":80", "expected IP:PORT");
    parse_bad("localhost:80", "invalid IPv4 address \"localhost\"");
    parse_bad("256.1.1.1:80", "invalid IPv4 address");
    parse_bad("::1:80", "brackets");
    parse_bad("[::1]80", "expected IP:PORT");
    parse_bad("[::1", "expected IP:PORT");
    parse_bad("[::g]:80", "invalid IPv6 address \"::g\"");
    parse_bad("[127.0.0.1]:80", "invalid IPv6 address");
    parse_bad("[::1]:", "missing port");
    parse_bad("*:", "missing port");
    parse_bad("*:0", "invalid port");
    parse_bad("**:80", "invalid IPv4 address");
    parse_bad("unix:relative.sock", "must be absolute");
    parse_bad("unix:", "must be absolute");
}
END_TEST

/* Runs only when have_port_names() (see main). */
START_TEST(listen_port_names)
{
    struct listen_addr la;

    parse_ok("127.0.0.1:echo", "tcp", &la);
    ck_assert_uint_eq(addr_port((const struct sockaddr *)&la.ss), 7);
    free(la.text);
    parse_ok("[::1]:echo", "udp", &la);
    ck_assert_uint_eq(addr_port((const struct sockaddr *)&la.ss), 7);
    free(la.text);
    parse_ok("*:http", NULL, &la);
    ck_assert_uint_eq(addr_port((const struct sockaddr *)&la.ss), 80);
    free(la.text);
    parse_bad("*:no-such-service-here", "invalid port \"no-such-service-here\"");
}
END_TEST

/* Does A conflict with B (checked both ways round)? */
static bool conflict(const char *a, const char *b)
{
    struct listen_addr la, lb;
    bool ab, ba;

    parse_ok(a, "tcp", &la);
    parse_ok(b, "tcp", &lb);
    ab = addr_listen_conflict(&la, &lb);
    ba = addr_listen_conflict(&lb, &la);
    free(la.text);
    free(lb.text);
    ck_assert_msg(ab == ba, "conflict(%s, %s) is not symmetric", a, b);
    return ab;
}

START_TEST(listen_conflicts)
{
    ck_assert(conflict("127.0.0.1:80", "127.0.0.1:80"));
    ck_assert(!conflict("127.0.0.1:80", "127.0.0.1:81"));
    ck_assert(!conflict("127.0.0.1:80", "127.0.0.2:80"));
    ck_assert(conflict("[::1]:80", "[0:0::1]:80"));
    ck_assert(!conflict("[::1]:80", "127.0.0.1:80"));
    ck_assert(conflict("*:80", "127.0.0.1:80"));
    ck_assert(conflict("*:80", "[::1]:80"));
    ck_assert(conflict("*:80", "*:80"));
    ck_assert(!conflict("*:80", "*:81"));
    ck_assert(conflict("0.0.0.0:80", "10.0.0.1:80"));
    ck_assert(conflict("0.0.0.0:80", "[::1]:80"));
    ck_assert(conflict("[::]:80", "10.0.0.1:80"));
    ck_assert(conflict("[::]:80", "*:80"));
    ck_assert(!conflict("0.0.0.0:80", "[::]:81"));
    ck_assert(conflict("[::ffff:127.0.0.1]:80", "127.0.0.1:80"));
    ck_assert(conflict("unix:/tmp/a", "unix:/tmp/a"));
    ck_assert(!conflict("unix:/tmp/a", "unix:/tmp/b"));
    ck_assert(!conflict("unix:/tmp/a", "*:80"));
}
END_TEST

static struct cidr rule(const char *text)
{
    struct cidr c;
    char err[256] = "";

    ck_assert_msg(cidr_parse(text, &c, err, sizeof(err)) == 0, "%s: %s", text, err);
    return c;
}

static void cidr_bad(const char *text, const char *want)
{
    struct cidr c;
    char err[256] = "";

    ck_assert_msg(cidr_parse(text, &c, err, sizeof(err)) == -1, "%s parsed", text);
    ck_assert_msg(strstr(err, want) != NULL, "%s: error \"%s\" lacks \"%s\"", text, err, want);
}

static bool match(const char *r, const char *ip)
{
    struct cidr c = rule(r);

    return cidr_match(&c, peer(ip, 1234));
}

START_TEST(cidr_parsing)
{
    struct cidr c = rule("10.1.2.3/8");
    const uint8_t ten[4] = {10, 0, 0, 0};

    ck_assert_int_eq(c.family, AF_INET);
    ck_assert_uint_eq(c.prefix, 8);
    ck_assert(memcmp(c.addr, ten, 4) == 0); /* host bits masked */

    c = rule("192.0.2.7");
    ck_assert_uint_eq(c.prefix, 32);
    c = rule("::1");
    ck_assert_int_eq(c.family, AF_INET6);
    ck_assert_uint_eq(c.prefix, 128);
    c = rule("2001:db8::ff/64");
    ck_assert_uint_eq(c.prefix, 64);
    ck_assert_uint_eq(c.addr[15], 0);
    c = rule("0.0.0.0/0");
    ck_assert_uint_eq(c.prefix, 0);
    c = rule("10.128.0.0/9");
    ck_assert_uint_eq(c.addr[1], 128);
    c = rule("10.255.0.0/9");
    ck_assert_uint_eq(c.addr[1], 128);

    cidr_bad("", "expected ADDRESS");
    cidr_bad("/8", "expected ADDRESS");
    cidr_bad("10.0.0.0/", "expected ADDRESS/PREFIX");
    cidr_bad("10.0.0.0/33", "prefix must be 0..32");
    cidr_bad("::/129", "prefix must be 0..128");
    cidr_bad("10.0.0.0/-1", "expected ADDRESS/PREFIX");
    cidr_bad("10.0.0.0/8x", "prefix must be");
    cidr_bad("10.0.0.0/8/8", "prefix must be");
    cidr_bad("example.com/8", "not an IP address");
    cidr_bad("10.0.0/8", "not an IP address");
}
END_TEST

START_TEST(cidr_matching)
{
    ck_assert(match("0.0.0.0/0", "203.0.113.9"));
    ck_assert(match("10.0.0.0/8", "10.255.255.255"));
    ck_assert(!match("10.0.0.0/8", "11.0.0.0"));
    ck_assert(match("192.0.2.7/32", "192.0.2.7"));
    ck_assert(!match("192.0.2.7/32", "192.0.2.6"));
    ck_assert(match("10.128.0.0/9", "10.200.0.1"));
    ck_assert(!match("10.128.0.0/9", "10.127.0.1"));
    ck_assert(match("::/0", "2001:db8::1"));
    ck_assert(match("::1/128", "::1"));
    ck_assert(!match("::1/128", "::2"));
    ck_assert(match("2001:db8:1:2::/64", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
    ck_assert(!match("2001:db8:1:2::/64", "2001:db8:1:3::"));
    ck_assert(match("2001:db8::/33", "2001:db8:7fff::1"));
    ck_assert(!match("2001:db8::/33", "2001:db8:8000::1"));
}
END_TEST

START_TEST(cidr_mapped)
{
    /* A mapped peer (dual-stack socket) is judged as IPv4. */
    ck_assert(match("127.0.0.0/8", "::ffff:127.0.0.1"));
    ck_assert(!match("10.0.0.0/8", "::ffff:127.0.0.1"));
    ck_assert(match("0.0.0.0/0", "::ffff:1.2.3.4"));
    /* IPv4 peers never match IPv6 rules... */
    ck_assert(!match("::/0", "127.0.0.1"));
    ck_assert(!match("::/0", "::ffff:127.0.0.1"));
    ck_assert(!match("0.0.0.0/0", "::1"));
    /* ...unless the rule is itself written as mapped. */
    ck_assert(match("::ffff:0:0/96", "127.0.0.1"));
    ck_assert(match("::ffff:10.0.0.0/104", "10.9.9.9"));
    ck_assert(match("::ffff:10.0.0.0/104", "::ffff:10.9.9.9"));
    ck_assert(!match("::ffff:10.0.0.0/104", "11.9.9.9"));
    ck_assert(match("::ffff:127.0.0.1", "127.0.0.1"));

    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    struct cidr all = rule("0.0.0.0/0");
    ck_assert(!cidr_match(&all, (const struct sockaddr *)&sun));
    ck_assert(!cidr_match(&all, NULL));
}
END_TEST

static const char *fmt_peer(const char *ip, unsigned port)
{
    static char buf[ADDR_STRLEN];

    addr_format_peer(peer(ip, port), buf, sizeof(buf));
    return buf;
}

static const char *fmt_ip(const char *ip)
{
    static char buf[ADDR_STRLEN];

    addr_format_ip(peer(ip, 1), buf, sizeof(buf));
    return buf;
}

START_TEST(formatting)
{
    ck_assert_str_eq(fmt_peer("127.0.0.1", 51234), "127.0.0.1:51234");
    ck_assert_str_eq(fmt_peer("::ffff:127.0.0.1", 51234), "127.0.0.1:51234");
    ck_assert_str_eq(fmt_peer("::1", 51234), "[::1]:51234");
    ck_assert_str_eq(fmt_peer("2001:db8:0:0:1:0:0:1", 80), "[2001:db8::1:0:0:1]:80");
    ck_assert_str_eq(fmt_ip("::ffff:10.0.0.1"), "10.0.0.1");
    ck_assert_str_eq(fmt_ip("fe80::1"), "fe80::1");
    ck_assert_str_eq(fmt_ip("192.0.2.1"), "192.0.2.1");
    ck_assert_uint_eq(addr_port(peer("::1", 443)), 443);
    ck_assert_uint_eq(addr_port(peer("1.2.3.4", 8)), 8);

    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    char buf[ADDR_STRLEN];
    addr_format_peer((const struct sockaddr *)&sun, buf, sizeof(buf));
    ck_assert_str_eq(buf, "unix");
    addr_format_ip((const struct sockaddr *)&sun, buf, sizeof(buf));
    ck_assert_str_eq(buf, "unix");
    ck_assert_uint_eq(addr_port((const struct sockaddr *)&sun), 0);
    addr_format_peer(NULL, buf, sizeof(buf));
    ck_assert_str_eq(buf, "unix");

    /* Truncation never overflows and stays terminated. */
    char small[6];
    addr_format_peer(peer("192.0.2.1", 80), small, sizeof(small));
    ck_assert_str_eq(small, "192.0");
}
END_TEST

static const char *fmt_as(const char *ip, unsigned port, enum addr_peer_form form)
{
    static char buf[ADDR_STRLEN];

    addr_format_peer_as(peer(ip, port), form, buf, sizeof(buf));
    return buf;
}

START_TEST(formatting_log_peer)
{
    ck_assert_str_eq(fmt_as("203.0.113.77", 4000, ADDR_PEER_FULL), "203.0.113.77:4000");
    ck_assert_str_eq(fmt_as("203.0.113.77", 4000, ADDR_PEER_PREFIX), "203.0.113.0/24");
    ck_assert_str_eq(fmt_as("::ffff:203.0.113.77", 4000, ADDR_PEER_PREFIX), "203.0.113.0/24");
    ck_assert_str_eq(fmt_as("2001:db8:1:2:3::9", 4000, ADDR_PEER_PREFIX), "2001:db8:1::/48");
    ck_assert_str_eq(fmt_as("2001:db8:1:ffff::9", 4000, ADDR_PEER_FULL),
                     "[2001:db8:1:ffff::9]:4000");
    ck_assert_str_eq(fmt_as("::1", 4000, ADDR_PEER_PREFIX), "::/48");
    ck_assert_str_eq(fmt_as("203.0.113.77", 4000, ADDR_PEER_NONE), "-");
    ck_assert_str_eq(fmt_as("::1", 4000, ADDR_PEER_NONE), "-");

    struct sockaddr_un sun = {.sun_family = AF_UNIX};
    char buf[ADDR_STRLEN];
    addr_format_peer_as((const struct sockaddr *)&sun, ADDR_PEER_NONE, buf, sizeof(buf));
    ck_assert_str_eq(buf, "unix");
}
END_TEST

static struct source_key key_of(const char *ip)
{
    struct source_key k;

    addr_source_key(peer(ip, 1), &k);
    return k;
}

static bool same_key(const char *a, const char *b)
{
    struct source_key ka = key_of(a), kb = key_of(b);

    return memcmp(&ka, &kb, sizeof(ka)) == 0;
}

START_TEST(source_keys)
{
    ck_assert(same_key("192.0.2.1", "192.0.2.1"));
    ck_assert(!same_key("192.0.2.1", "192.0.2.2"));
    ck_assert(same_key("192.0.2.1", "::ffff:192.0.2.1"));
    /* One /64 shares a key; the next /64 does not. */
    ck_assert(same_key("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff"));
    ck_assert(!same_key("2001:db8:1:2::1", "2001:db8:1:3::1"));
    ck_assert(!same_key("2001:db8::1", "2002:db8::1"));
    /* v4 never collides with v6, not even with the :: /64. */
    ck_assert(!same_key("0.0.0.0", "::"));
    ck_assert(!same_key("0.0.0.0", "::1"));
    ck_assert(!same_key("1.2.3.4", "::ffff:0:0:1"));
    ck_assert(!same_key("1.2.3.4", "0:0:0:0:0:ffff:0:0"));

    /* uid keys: distinct per uid, and from every address key. */
    struct source_key u0, u1000, u1000b, k;
    addr_source_key_uid(0, &u0);
    addr_source_key_uid(1000, &u1000);
    addr_source_key_uid(1000, &u1000b);
    ck_assert(memcmp(&u1000, &u1000b, sizeof(k)) == 0);
    ck_assert(memcmp(&u0, &u1000, sizeof(k)) != 0);
    const char *others[] = {"0.0.0.0", "::", "::ffff:0:0:0", "0:0:0:0:ffff::", "255.255.255.255"};
    for (size_t i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
        k = key_of(others[i]);
        ck_assert(memcmp(&u0, &k, sizeof(k)) != 0);
    }
}
END_TEST

/* Port names need /etc/services with these entries (Debian package netbase). */
static bool have_port_names(void)
{
    return getservbyname("echo", "tcp") != NULL && getservbyname("echo", "udp") != NULL &&
           getservbyname("http", "tcp") != NULL;
}

/* The operator's form of a source key (`ban`, `unban`, `bans`). */
START_TEST(source_key_text)
{
    static const char *const cases[][4] = {
        /* input, full, prefix form */
        {"203.0.113.7", "203.0.113.7", "203.0.113.0/24"},
        {"::ffff:203.0.113.7", "203.0.113.7", "203.0.113.0/24"},
        {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64", "2001:db8:1::/48"},
        {"2001:db8:1:2::/64", "2001:db8:1:2::/64", "2001:db8:1::/48"},
        {"::1", "::/64", "::/48"},
        {"uid:1000", "uid:1000", "uid:1000"},
        {"uid:4294967295", "uid:4294967295", "uid:4294967295"},
    };
    static const char *const bad[] = {"",         "203.0.113",  "203.0.113.7/32", "2001:db8::/48",
                                      "uid:",     "uid:-1",     "uid:4294967296", "uid:1x",
                                      "host.com", "2001:db8::g"};
    struct source_key k, direct;
    char buf[ADDR_STRLEN];

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        ck_assert_msg(addr_source_key_parse(cases[i][0], &k) == 0, "%s", cases[i][0]);
        addr_format_source_key(&k, ADDR_PEER_FULL, buf, sizeof(buf));
        ck_assert_str_eq(buf, cases[i][1]);
        addr_format_source_key(&k, ADDR_PEER_PREFIX, buf, sizeof(buf));
        ck_assert_str_eq(buf, cases[i][2]);
        addr_format_source_key(&k, ADDR_PEER_NONE, buf, sizeof(buf));
        ck_assert_str_eq(buf, "-");
        /* What is listed parses back to the same key. */
        addr_format_source_key(&k, ADDR_PEER_FULL, buf, sizeof(buf));
        ck_assert_int_eq(addr_source_key_parse(buf, &direct), 0);
        ck_assert(memcmp(&k, &direct, sizeof(k)) == 0);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(addr_source_key_parse(bad[i], &k) == -1, "accepted %s", bad[i]);
    /* The same keys as the daemon makes of peers. */
    addr_source_key_uid(1000, &direct);
    ck_assert_int_eq(addr_source_key_parse("uid:1000", &k), 0);
    ck_assert(memcmp(&k, &direct, sizeof(k)) == 0);
    ck_assert_int_eq(addr_source_key_family(&k), AF_UNIX);
    ck_assert_int_eq(addr_source_key_parse("203.0.113.7", &k), 0);
    ck_assert_int_eq(addr_source_key_family(&k), AF_INET);
    ck_assert_int_eq(addr_source_key_parse("2001:db8::1", &k), 0);
    ck_assert_int_eq(addr_source_key_family(&k), AF_INET6);
}
END_TEST

static Suite *addr_suite(bool names)
{
    Suite *s = suite_create("addr");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, listen_ipv4);
    tcase_add_test(tc, listen_ipv6);
    tcase_add_test(tc, listen_wildcard);
    tcase_add_test(tc, listen_unix);
    tcase_add_test(tc, listen_errors);
    if (names)
        tcase_add_test(tc, listen_port_names);
    tcase_add_test(tc, listen_conflicts);
    tcase_add_test(tc, cidr_parsing);
    tcase_add_test(tc, cidr_matching);
    tcase_add_test(tc, cidr_mapped);
    tcase_add_test(tc, formatting);
    tcase_add_test(tc, formatting_log_peer);
    tcase_add_test(tc, source_keys);
    tcase_add_test(tc, source_key_text);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    bool names = have_port_names();

    return unit_run(addr_suite(names), names ? NULL
                                             : "listen_port_names not run: /etc/services lacks "
                                               "echo/tcp, echo/udp or http/tcp (install netbase)");
}
