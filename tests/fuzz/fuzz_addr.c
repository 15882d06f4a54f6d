/*
 * Fuzz harness for addresses: each input line is tried as a tcp and a udp
 * `listen` string and as a CIDR rule; then every rule is matched against
 * every parsed address, and the results are formatted.  Properties checked:
 * a formatted listen address parses back to one that collides with it; a
 * rule matches its own network address, and an IPv4 rule its mapped form.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "addr.h"
#include "fuzz.h"

#define MAX_ITEMS 8

struct parsed {
    struct listen_addr listen[MAX_ITEMS * 2];
    size_t n_listen;
    struct cidr cidr[MAX_ITEMS];
    size_t n_cidr;
};

/* The formatted forms must be terminated and fit; a listen address re-parses. */
static void check_format(const struct listen_addr *a, const char *proto)
{
    const struct sockaddr *sa = (const struct sockaddr *)&a->ss;
    char ip[ADDR_STRLEN], peer[ADDR_STRLEN], small[8], err[256];
    struct source_key key;
    struct listen_addr back;

    addr_format_ip(sa, ip, sizeof(ip));
    addr_format_peer(sa, peer, sizeof(peer));
    addr_format_peer(sa, small, sizeof(small)); /* truncation is fine, overflow is not */
    FUZZ_ASSERT(strlen(ip) < sizeof(ip) && strlen(peer) < sizeof(peer));
    addr_source_key(sa, &key);
    FUZZ_ASSERT(addr_listen_conflict(a, a));
    if (a->kind == LISTEN_UNIX) {
        FUZZ_ASSERT(addr_port(sa) == 0 && strcmp(peer, "unix") == 0);
        return;
    }
    FUZZ_ASSERT(addr_port(sa) >= 1 && addr_port(sa) <= 65535);
    FUZZ_ASSERT(addr_parse_listen(peer, proto, &back, err, sizeof(err)) == 0);
    FUZZ_ASSERT(addr_listen_conflict(a, &back) && addr_listen_conflict(&back, a));
    free(back.text);
}

/* A rule matches its own (masked) address, IPv4 rules their mapped form too. */
static void check_rule_self(const struct cidr *r)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(1)};
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(1)};
    char text[ADDR_STRLEN], ip[INET6_ADDRSTRLEN], err[256];
    struct cidr again;

    if (r->family == AF_INET) {
        memcpy(&sin.sin_addr, r->addr, 4);
        FUZZ_ASSERT(cidr_match(r, (struct sockaddr *)&sin));
        sin6.sin6_addr.s6_addr[10] = 0xff;
        sin6.sin6_addr.s6_addr[11] = 0xff;
        memcpy(&sin6.sin6_addr.s6_addr[12], r->addr, 4);
        FUZZ_ASSERT(cidr_match(r, (struct sockaddr *)&sin6));
    } else {
        FUZZ_ASSERT(r->family == AF_INET6 && r->prefix <= 128);
        memcpy(&sin6.sin6_addr, r->addr, 16);
        FUZZ_ASSERT(cidr_match(r, (struct sockaddr *)&sin6));
    }
    /* The -T dump writes rules as inet_ntop/prefix: that must parse to the same rule. */
    FUZZ_ASSERT(inet_ntop(r->family, r->addr, ip, sizeof(ip)) != NULL);
    snprintf(text, sizeof(text), "%s/%u", ip, r->prefix);
    FUZZ_ASSERT(cidr_parse(text, &again, err, sizeof(err)) == 0);
    FUZZ_ASSERT(again.family == r->family && again.prefix == r->prefix &&
                memcmp(again.addr, r->addr, sizeof(again.addr)) == 0);
}

static void parse_line(struct parsed *p, const char *line)
{
    static const char *const protos[] = {"tcp", "udp"};
    char err[256];

    for (size_t i = 0; i < 2; i++) {
        struct listen_addr *a = &p->listen[p->n_listen];
        err[0] = '\0';
        if (addr_parse_listen(line, protos[i], a, err, sizeof(err)) == 0) {
            FUZZ_ASSERT(a->text != NULL && strcmp(a->text, line) == 0);
            check_format(a, protos[i]);
            p->n_listen++;
        } else {
            FUZZ_ASSERT(err[0] != '\0' && a->text == NULL);
        }
    }
    err[0] = '\0';
    if (cidr_parse(line, &p->cidr[p->n_cidr], err, sizeof(err)) == 0)
        check_rule_self(&p->cidr[p->n_cidr++]);
    else
        FUZZ_ASSERT(err[0] != '\0');
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct parsed p;
    char *buf, *line, *save = NULL;
    size_t lines = 0;

    if (size > 4096)
        return 0;
    buf = fuzz_cstring(data, size);
    if (buf == NULL)
        return 0;
    p.n_listen = p.n_cidr = 0;
    for (line = strtok_r(buf, "\n", &save); line != NULL && lines < MAX_ITEMS;
         line = strtok_r(NULL, "\n", &save), lines++)
        parse_line(&p, line);
    for (size_t i = 0; i < p.n_listen; i++) {
        const struct sockaddr *sa = (const struct sockaddr *)&p.listen[i].ss;
        for (size_t j = 0; j < p.n_cidr; j++)
            (void)cidr_match(&p.cidr[j], sa);
        for (size_t j = 0; j < p.n_listen; j++)
            FUZZ_ASSERT(addr_listen_conflict(&p.listen[i], &p.listen[j]) ==
                        addr_listen_conflict(&p.listen[j], &p.listen[i]));
    }
    for (size_t i = 0; i < p.n_listen; i++)
        free(p.listen[i].text);
    free(buf);
    return 0;
}

const char *fuzz_seed_prefix(const char *path)
{
    (void)path;
    return "";
}
