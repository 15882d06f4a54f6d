/*
 * Addresses: `listen` strings into sockaddrs, CIDR rules and peer matching,
 * peer formatting for logs and the handler environment, and the key that
 * groups peers for per_source.  Pure functions on numbers and strings; the
 * only look-up is getservbyname() for named ports, at config load.
 *
 * IPv4-mapped IPv6 (::ffff:a.b.c.d) is treated as the IPv4 address it carries
 * everywhere a peer is judged or shown, because a dual-stack listener sees its
 * IPv4 clients that way.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "addr_int.h"
#include "fmt.h"

static const char listen_forms[] = "expected IP:PORT, [IPv6]:PORT, *:PORT or unix:/path";

/* Resolve PORT (a number 1..65535 or an /etc/services name for PROTO). */
static int parse_port(const char *text, const char *proto, uint16_t *port, char *err, size_t errlen)
{
    if (*text == '\0') {
        snprintf(err, errlen, "missing port: %s", listen_forms);
        return -1;
    }
    if (isdigit((unsigned char)*text)) {
        char *end;
        unsigned long v = strtoul(text, &end, 10);

        if (*end != '\0' || v < 1 || v > 65535) {
            snprintf(err, errlen, "invalid port \"%s\": expected 1..65535 or a service name", text);
            return -1;
        }
        *port = (uint16_t)v;
        return 0;
    }
    struct servent *se = getservbyname(text, proto);
    if (se == NULL) {
        snprintf(err, errlen, "invalid port \"%s\": no such %s service in /etc/services", text,
                 proto);
        return -1;
    }
    *port = ntohs((uint16_t)se->s_port);
    return 0;
}

static int parse_unix(const char *path, struct listen_addr *out, char *err, size_t errlen)
{
    struct sockaddr_un *sun = (struct sockaddr_un *)&out->ss;
    size_t n = strlen(path);

    if (path[0] != '/') {
        snprintf(err, errlen, "unix socket path \"%s\" must be absolute", path);
        return -1;
    }
    /* The NUL must fit too: bind() and logs rely on a terminated sun_path. */
    if (n >= sizeof(sun->sun_path)) {
        snprintf(err, errlen, "unix socket path is too long (%zu bytes, at most %zu)", n,
                 sizeof(sun->sun_path) - 1);
        return -1;
    }
    sun->sun_family = AF_UNIX;
    memcpy(sun->sun_path, path, n + 1);
    out->kind = LISTEN_UNIX;
    out->sslen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
    return 0;
}

static void set_inet6(struct listen_addr *out, const struct in6_addr *a, uint16_t port)
{
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = *a;
    sin6->sin6_port = htons(port);
    out->sslen = sizeof(*sin6);
}

/* "[v6]:PORT" */
static int parse_bracketed(const char *text, const char *proto, struct listen_addr *out, char *err,
                           size_t errlen)
{
    const char *close = strchr(text, ']');
    char host[INET6_ADDRSTRLEN];
    struct in6_addr a;
    uint16_t port;
    size_t n;

    if (close == NULL || close[1] != ':') {
        snprintf(err, errlen, "invalid address \"%s\": %s", text, listen_forms);
        return -1;
    }
    n = (size_t)(close - text - 1);
    if (n >= sizeof(host)) {
        snprintf(err, errlen, "invalid IPv6 address in \"%s\"", text);
        return -1;
    }
    memcpy(host, text + 1, n);
    host[n] = '\0';
    if (inet_pton(AF_INET6, host, &a) != 1) {
        snprintf(err, errlen, "invalid IPv6 address \"%s\"", host);
        return -1;
    }
    if (parse_port(close + 2, proto, &port, err, errlen) < 0)
        return -1;
    out->kind = LISTEN_INET;
    set_inet6(out, &a, port);
    return 0;
}

/* "a.b.c.d:PORT" or "*:PORT" */
static int parse_plain(const char *text, const char *proto, struct listen_addr *out, char *err,
                       size_t errlen)
{
    const char *colon = strrchr(text, ':');
    struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
    char host[INET_ADDRSTRLEN];
    uint16_t port;
    size_t n;

    if (colon == NULL) {
        snprintf(err, errlen, "invalid address \"%s\": %s", text, listen_forms);
        return -1;
    }
    n = (size_t)(colon - text);
    if (memchr(text, ':', n) != NULL) {
        snprintf(err, errlen, "invalid address \"%s\": write IPv6 in brackets, [::1]:PORT", text);
        return -1;
    }
    if (parse_port(colon + 1, proto, &port, err, errlen) < 0)
        return -1;
    if (n == 1 && text[0] == '*') {
        out->kind = LISTEN_WILDCARD;
        set_inet6(out, &in6addr_any, port);
        return 0;
    }
    if (n == 0 || n >= sizeof(host)) {
        snprintf(err, errlen, "invalid address \"%s\": %s", text, listen_forms);
        return -1;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
        snprintf(err, errlen, "invalid IPv4 address \"%s\": %s", host, listen_forms);
        return -1;
    }
    sin->sin_family = AF_INET;
    sin->sin_port = htons(port);
    out->kind = LISTEN_INET;
    out->sslen = sizeof(*sin);
    return 0;
}

int addr_parse_listen(const char *text, const char *proto, struct listen_addr *out, char *err,
                      size_t errlen)
{
    int rc;

    memset(out, 0, sizeof(*out));
    if (proto == NULL)
        proto = "tcp";
    if (strncmp(text, "unix:", 5) == 0)
        rc = parse_unix(text + 5, out, err, errlen);
    else if (text[0] == '[')
        rc = parse_bracketed(text, proto, out, err, errlen);
    else
        rc = parse_plain(text, proto, out, err, errlen);
    if (rc < 0) {
        memset(out, 0, sizeof(*out));
        return -1;
    }
    out->text = strdup(text);
    if (out->text == NULL) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/*
 * Reduce an inet sockaddr to (family, bytes), IPv4-mapped IPv6 becoming
 * IPv4.  Returns the family, or AF_UNSPEC for anything else.
 */
int addr_inet_bytes(const struct sockaddr *sa, uint8_t bytes[16])
{
    memset(bytes, 0, 16);
    if (sa == NULL)
        return AF_UNSPEC;
    if (sa->sa_family == AF_INET) {
        memcpy(bytes, &((const struct sockaddr_in *)sa)->sin_addr, 4);
        return AF_INET;
    }
    if (sa->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)->sin6_addr;

        if (IN6_IS_ADDR_V4MAPPED(a)) {
            memcpy(bytes, &a->s6_addr[12], 4);
            return AF_INET;
        }
        memcpy(bytes, a->s6_addr, 16);
        return AF_INET6;
    }
    return AF_UNSPEC;
}

static bool listen_is_wildcard(const struct listen_addr *a)
{
    static const uint8_t zero[16];
    uint8_t b[16];
    int fam;

    if (a->kind == LISTEN_WILDCARD)
        return true;
    fam = addr_inet_bytes((const struct sockaddr *)&a->ss, b);
    return memcmp(b, zero, fam == AF_INET ? 4 : 16) == 0;
}

bool addr_listen_conflict(const struct listen_addr *a, const struct listen_addr *b)
{
    uint8_t ba[16], bb[16];
    int fa, fb;

    if (a->kind == LISTEN_UNIX || b->kind == LISTEN_UNIX) {
        if (a->kind != b->kind)
            return false;
        return strcmp(((const struct sockaddr_un *)&a->ss)->sun_path,
                      ((const struct sockaddr_un *)&b->ss)->sun_path) == 0;
    }
    if (addr_port((const struct sockaddr *)&a->ss) != addr_port((const struct sockaddr *)&b->ss))
        return false;
    if (listen_is_wildcard(a) || listen_is_wildcard(b))
        return true;
    fa = addr_inet_bytes((const struct sockaddr *)&a->ss, ba);
    fb = addr_inet_bytes((const struct sockaddr *)&b->ss, bb);
    return fa == fb && memcmp(ba, bb, fa == AF_INET ? 4 : 16) == 0;
}

/* Clear the bits of ADDR (LEN bytes) past PREFIX. */
static void mask_bits(uint8_t *addr, size_t len, unsigned prefix)
{
    for (size_t i = 0; i < len; i++) {
        unsigned keep = prefix > i * 8 ? prefix - (unsigned)i * 8 : 0;

        if (keep < 8)
            addr[i] &= (uint8_t)(0xff00u >> keep);
    }
}

static int parse_prefix(const char *text, const char *p, unsigned max, unsigned *prefix, char *err,
                        size_t errlen)
{
    char *end;
    unsigned long v;

    if (!isdigit((unsigned char)*p)) {
        snprintf(err, errlen, "invalid CIDR \"%s\": expected ADDRESS/PREFIX", text);
        return -1;
    }
    v = strtoul(p, &end, 10);
    if (*end != '\0' || v > max) {
        snprintf(err, errlen, "invalid CIDR \"%s\": prefix must be 0..%u", text, max);
        return -1;
    }
    *prefix = (unsigned)v;
    return 0;
}

int cidr_parse(const char *text, struct cidr *out, char *err, size_t errlen)
{
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);
    char host[INET6_ADDRSTRLEN];
    unsigned max;

    memset(out, 0, sizeof(*out));
    if (n == 0 || n >= sizeof(host)) {
        snprintf(err, errlen, "invalid CIDR \"%s\": expected ADDRESS or ADDRESS/PREFIX", text);
        return -1;
    }
    memcpy(host, text, n);
    host[n] = '\0';
    if (inet_pton(AF_INET, host, out->addr) == 1) {
        out->family = AF_INET;
        max = 32;
    } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
        out->family = AF_INET6;
        max = 128;
    } else {
        snprintf(err, errlen, "invalid CIDR \"%s\": \"%s\" is not an IP address", text, host);
        return -1;
    }
    out->prefix = max;
    if (slash && parse_prefix(text, slash + 1, max, &out->prefix, err, errlen) < 0)
        return -1;
    /* "10.1.2.3/8" means 10.0.0.0/8: admins write a host inside the net. */
    mask_bits(out->addr, max / 8, out->prefix);
    return 0;
}

/* Do the first PREFIX bits of A and B agree? */
static bool prefix_equal(const uint8_t *a, const uint8_t *b, unsigned prefix)
{
    size_t whole = prefix / 8;
    unsigned rest = prefix % 8;

    if (memcmp(a, b, whole) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xff00u >> rest);
    return (a[whole] & mask) == (b[whole] & mask);
}

/*
 * An IPv6 rule inside ::ffff:0:0/96 is an IPv4 rule written the mapped way;
 * any other IPv6 rule (even ::/0) never matches an IPv4 peer, so "all IPv4"
 * is written 0.0.0.0/0.
 */
bool cidr_match(const struct cidr *rule, const struct sockaddr *peer)
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    uint8_t b[16];
    int fam = addr_inet_bytes(peer, b);

    if (fam == AF_UNSPEC)
        return false;
    if (rule->family == fam)
        return prefix_equal(rule->addr, b, rule->prefix);
    if (rule->family == AF_INET6 && fam == AF_INET && rule->prefix >= 96 &&
        memcmp(rule->addr, mapped, sizeof(mapped)) == 0)
        return prefix_equal(rule->addr + 12, b, rule->prefix - 96);
    return false;
}

/* The text of an address of family FAM (B: its bytes) at TMP; its length.
 * IPv4, the usual case on the connection path, without stdio. */
static size_t format_ip(int fam, const uint8_t *b, char tmp[INET6_ADDRSTRLEN])
{
    if (fam == AF_INET)
        return fmt_ipv4(tmp, b);
    if (inet_ntop(fam, b, tmp, INET6_ADDRSTRLEN) == NULL)
        tmp[0] = '\0';
    return strlen(tmp);
}

void addr_format_ip(const struct sockaddr *sa, char *buf, size_t len)
{
    uint8_t b[16];
    char tmp[INET6_ADDRSTRLEN];
    int fam = addr_inet_bytes(sa, b);

    if (fam == AF_UNSPEC) {
        snprintf(buf, len, "%s", sa == NULL || sa->sa_family == AF_UNIX ? "unix" : "unknown");
        return;
    }
    fmt_copy(buf, len, tmp, format_ip(fam, b, tmp));
}

unsigned addr_port(const struct sockaddr *sa)
{
    if (sa == NULL)
        return 0;
    if (sa->sa_family == AF_INET)
        return ntohs(((const struct sockaddr_in *)sa)->sin_port);
    if (sa->sa_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)sa)->sin6_port);
    return 0;
}

void addr_format_peer(const struct sockaddr *sa, char *buf, size_t len)
{
    uint8_t b[16];
    char ip[INET6_ADDRSTRLEN];
    int fam = addr_inet_bytes(sa, b);

    if (fam == AF_UNSPEC) {
        addr_format_ip(sa, buf, len);
        return;
    }
    if (fam == AF_INET6) {
        addr_format_ip(sa, ip, sizeof(ip));
        snprintf(buf, len, "[%s]:%u", ip, addr_port(sa));
        return;
    }
    char text[FMT_IPV4_MAX + 1 + FMT_UINT_MAX];
    size_t n = fmt_ipv4(text, b);
    text[n++] = ':';
    n += fmt_uint(text + n, addr_port(sa));
    fmt_copy(buf, len, text, n);
}

/* Keep the first PREFIX bits of B (LEN bytes), write it as "ADDR/PREFIX". */
void addr_format_prefix(int fam, uint8_t *b, unsigned prefix, char *buf, size_t len)
{
    char ip[INET6_ADDRSTRLEN];

    mask_bits(b, fam == AF_INET ? 4 : 16, prefix);
    if (inet_ntop(fam, b, ip, sizeof(ip)) == NULL)
        ip[0] = '\0';
    snprintf(buf, len, "%s/%u", ip, prefix);
}

/*
 * The prefix form shows the network a client came from (IPv4 /24, IPv6
 * /48, a site) and never the host or the port; the form is a CIDR, so it
 * can be pasted into `deny` as it is.
 */
void addr_format_peer_as(const struct sockaddr *sa, enum addr_peer_form form, char *buf, size_t len)
{
    uint8_t b[16];
    int fam = addr_inet_bytes(sa, b);

    if (fam == AF_UNSPEC || form == ADDR_PEER_FULL) {
        addr_format_peer(sa, buf, len);
        return;
    }
    if (form == ADDR_PEER_NONE) {
        snprintf(buf, len, "-");
        return;
    }
    addr_format_prefix(fam, b, fam == AF_INET ? 24 : 48, buf, len);
}
