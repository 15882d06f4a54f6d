/*
 * Source keys (see addr.h): what `per_source`, `per_source_rate` and `ban`
 * count by (an IPv4 address, an IPv6 /64, a unix client's uid), made from a
 * peer, and as an operator reads and writes them (`ban`, `unban`, `bans`).
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "addr_int.h"

/*
 * IPv4 peers (plain or mapped) key as their mapped form ::ffff:a.b.c.d; IPv6
 * peers as their /64 with the low half zero.  A mapped key has 0xffff in
 * bytes 10-11, which no /64 key has, so the two families never share a key.
 */
void addr_source_key(const struct sockaddr *peer, struct source_key *out)
{
    uint8_t b[16];
    int fam = addr_inet_bytes(peer, b);

    memset(out, 0, sizeof(*out));
    if (fam == AF_INET) {
        out->bytes[10] = 0xff;
        out->bytes[11] = 0xff;
        memcpy(&out->bytes[12], b, 4);
    } else if (fam == AF_INET6) {
        memcpy(out->bytes, b, 8);
    }
}

/* A uid key has bytes 8-9 = 0xffff: no /64 key (low half zero) and no IPv4
 * key (bytes 8-9 zero) has that. */
void addr_source_key_uid(uint32_t uid, struct source_key *out)
{
    memset(out, 0, sizeof(*out));
    out->bytes[8] = 0xff;
    out->bytes[9] = 0xff;
    memcpy(&out->bytes[12], &uid, sizeof(uid));
}

/* See addr_source_key and addr_source_key_uid for the three forms. */
int addr_source_key_family(const struct source_key *k)
{
    if (k->bytes[8] == 0xff && k->bytes[9] == 0xff)
        return AF_UNIX;
    if (k->bytes[10] == 0xff && k->bytes[11] == 0xff)
        return AF_INET;
    return AF_INET6;
}

int addr_source_key_parse(const char *text, struct source_key *out)
{
    struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6};
    struct sockaddr_in sin = {.sin_family = AF_INET};
    char ip[INET6_ADDRSTRLEN];
    const char *slash = strchr(text, '/');
    size_t n = slash ? (size_t)(slash - text) : strlen(text);

    if (strncmp(text, "uid:", 4) == 0) {
        char *end;
        unsigned long uid;
        if (!isdigit((unsigned char)text[4]) || strlen(text) > 14)
            return -1;
        uid = strtoul(text + 4, &end, 10);
        if (*end != '\0' || uid > UINT32_MAX)
            return -1;
        addr_source_key_uid((uint32_t)uid, out);
        return 0;
    }
    if (n >= sizeof(ip))
        return -1;
    memcpy(ip, text, n);
    ip[n] = '\0';
    if (inet_pton(AF_INET, ip, &sin.sin_addr) == 1 && !slash) {
        addr_source_key((const struct sockaddr *)&sin, out);
        return 0;
    }
    /* IPv6: any address of the /64 (the listing's "PREFIX/64" too). */
    if (inet_pton(AF_INET6, ip, &sin6.sin6_addr) != 1 || (slash && strcmp(slash, "/64") != 0))
        return -1;
    addr_source_key((const struct sockaddr *)&sin6, out);
    return 0;
}

void addr_format_source_key(const struct source_key *k, enum addr_peer_form form, char *buf,
                            size_t len)
{
    int kind = addr_source_key_family(k);
    uint8_t b[16] = {0};

    if (form == ADDR_PEER_NONE) {
        snprintf(buf, len, "-");
    } else if (kind == AF_UNIX) {
        uint32_t uid;
        memcpy(&uid, &k->bytes[12], sizeof(uid));
        snprintf(buf, len, "uid:%u", (unsigned)uid);
    } else if (kind == AF_INET) {
        memcpy(b, &k->bytes[12], 4);
        if (form == ADDR_PEER_PREFIX)
            addr_format_prefix(AF_INET, b, 24, buf, len);
        else if (!inet_ntop(AF_INET, b, buf, (socklen_t)len) && len)
            buf[0] = '\0';
    } else {
        memcpy(b, k->bytes, 16);
        addr_format_prefix(AF_INET6, b, form == ADDR_PEER_PREFIX ? 48 : 64, buf, len);
    }
}
