/*
 * PROXY protocol header parsing (see proxy_header.h and haproxy's
 * doc/proxy-protocol.txt): the version dispatch and v2 (v1 is in
 * proxy_header_v1.c).  Both versions are judged on whatever bytes have
 * arrived: every check those bytes allow is made at once, so a peer that
 * sends garbage is refused on its first segment rather than at the timeout,
 * and "need more" means the bytes so far can still begin a valid header.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>

#include "crc32c.h"
#include "proxy_header_int.h"

/* v2 TLV types (section 2.2 of the specification). */
#define PP2_TYPE_ALPN           0x01
#define PP2_TYPE_AUTHORITY      0x02
#define PP2_TYPE_CRC32C         0x03
#define PP2_TYPE_SSL            0x20
#define PP2_SUBTYPE_SSL_VERSION 0x21

#define V2_FIXED    16
#define V2_UNIX_LEN 108

_Static_assert(sizeof(((struct sockaddr_un *)0)->sun_path) >= V2_UNIX_LEN,
               "a v2 AF_UNIX address fits sun_path");

static const unsigned char v2_signature[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                               0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

int proxy_header_bad(char *why, size_t whylen, const char *fmt, ...)
{
    va_list ap;

    if (why != NULL && whylen > 0) {
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return PH_BAD;
}

/* ---- version 2: signature, version/command, family, length, addresses, TLVs ---- */

/* The size of the address block of a family/protocol byte; -1 for a byte the
 * specification does not define (to be refused). */
static int v2_addr_size(unsigned char fam)
{
    switch (fam) {
    case 0x00:
        return 0;
    case 0x11: /* TCP over IPv4 */
    case 0x12: /* UDP over IPv4 */
        return 12;
    case 0x21: /* TCP over IPv6 */
    case 0x22:
        return 36;
    case 0x31: /* unix stream */
    case 0x32:
        return 2 * V2_UNIX_LEN;
    default:
        return -1;
    }
}

/* Checks the first 16 bytes allow, as soon as each arrives; *TOTAL is the
 * header's length once known.  PH_OK when all of it is in BUF. */
static int v2_fixed(const unsigned char *buf, size_t len, size_t *total, char *why, size_t whylen)
{
    size_t k = len < sizeof(v2_signature) ? len : sizeof(v2_signature);

    if (memcmp(buf, v2_signature, k) != 0)
        return proxy_header_bad(why, whylen, "v2: not the v2 signature");
    if (len > 12 && (buf[12] >> 4) != 2)
        return proxy_header_bad(why, whylen, "v2: version %u, not 2", buf[12] >> 4);
    if (len > 12 && (buf[12] & 0x0f) > 1)
        return proxy_header_bad(why, whylen, "v2: command %u is neither LOCAL nor PROXY",
                                buf[12] & 0x0fu);
    if (len > 13 && v2_addr_size(buf[13]) < 0)
        return proxy_header_bad(why, whylen, "v2: unknown address family and protocol 0x%02x",
                                buf[13]);
    /* A LOCAL header's family is ignored; a proxied datagram flow is not ours. */
    if (len > 13 && (buf[12] & 0x0f) == 1 && (buf[13] & 0x0f) == 2)
        return proxy_header_bad(why, whylen,
                                "v2: a datagram (DGRAM) connection on a stream socket");
    if (len < V2_FIXED)
        return PH_MORE;
    *total = V2_FIXED + ((size_t)buf[14] << 8 | buf[15]);
    if (*total > PROXY_V2_MAX)
        return proxy_header_bad(why, whylen, "v2: a header of %zu bytes, over %d", *total,
                                PROXY_V2_MAX);
    return len < *total ? PH_MORE : PH_OK;
}

static void v2_addresses(const unsigned char *a, unsigned char fam, struct proxy_header *out)
{
    struct sockaddr_in *s4 = (struct sockaddr_in *)&out->src, *d4 = (struct sockaddr_in *)&out->dst;
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->src;
    struct sockaddr_in6 *d6 = (struct sockaddr_in6 *)&out->dst;
    struct sockaddr_un *su = (struct sockaddr_un *)&out->src;
    struct sockaddr_un *du = (struct sockaddr_un *)&out->dst;

    /* Addresses and ports are in network order on the wire as in a sockaddr. */
    if (fam == 0x11) {
        s4->sin_family = d4->sin_family = AF_INET;
        memcpy(&s4->sin_addr, a, 4);
        memcpy(&d4->sin_addr, a + 4, 4);
        memcpy(&s4->sin_port, a + 8, 2);
        memcpy(&d4->sin_port, a + 10, 2);
        out->src_len = out->dst_len = sizeof(struct sockaddr_in);
    } else if (fam == 0x21) {
        s6->sin6_family = d6->sin6_family = AF_INET6;
        memcpy(&s6->sin6_addr, a, 16);
        memcpy(&d6->sin6_addr, a + 16, 16);
        memcpy(&s6->sin6_port, a + 32, 2);
        memcpy(&d6->sin6_port, a + 34, 2);
        out->src_len = out->dst_len = sizeof(struct sockaddr_in6);
    } else { /* 0x31: two paths of 108 bytes, NUL-padded (or not, when full) */
        su->sun_family = du->sun_family = AF_UNIX;
        memcpy(su->sun_path, a, V2_UNIX_LEN);
        memcpy(du->sun_path, a + V2_UNIX_LEN, V2_UNIX_LEN);
        out->src_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                   strnlen(su->sun_path, V2_UNIX_LEN));
        out->dst_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) +
                                   strnlen(du->sun_path, V2_UNIX_LEN));
    }
}

/* The TLV at *OFF of the LEN bytes at P: type, value; *OFF moves past it. */
static int v2_tlv_next(const unsigned char *p, size_t len, size_t *off, unsigned *type,
                       const unsigned char **value, size_t *vlen, char *why, size_t whylen)
{
    if (len - *off < 3)
        return proxy_header_bad(why, whylen, "v2: a truncated TLV (%zu bytes left)", len - *off);
    *type = p[*off];
    *vlen = (size_t)p[*off + 1] << 8 | p[*off + 2];
    if (*vlen > len - *off - 3)
        return proxy_header_bad(why, whylen, "v2: TLV 0x%02x of %zu bytes overruns its block",
                                *type, *vlen);
    *value = p + *off + 3;
    *off += 3 + *vlen;
    return PH_OK;
}

/* A TLV exported to handlers: printable ASCII, at most PROXY_TLV_MAX bytes. */
static int v2_tlv_string(const unsigned char *v, size_t vlen, char *dst, const char *name,
                         char *why, size_t whylen)
{
    if (dst[0] != '\0')
        return proxy_header_bad(why, whylen, "v2: two %s TLVs", name);
    if (vlen > PROXY_TLV_MAX)
        return proxy_header_bad(why, whylen, "v2: %s TLV of %zu bytes, over %d", name, vlen,
                                PROXY_TLV_MAX);
    for (size_t i = 0; i < vlen; i++) {
        if (v[i] < 0x20 || v[i] > 0x7e)
            return proxy_header_bad(why, whylen, "v2: %s TLV has byte 0x%02x (not printable ASCII)",
                                    name, v[i]);
    }
    memcpy(dst, v, vlen);
    dst[vlen] = '\0';
    return PH_OK;
}

/* PP2_TYPE_SSL: client (1 byte), verify (4), then sub-TLVs; only the version is kept. */
static int v2_tlv_ssl(const unsigned char *v, size_t vlen, struct proxy_header *out, char *why,
                      size_t whylen)
{
    size_t off = 5;
    unsigned type;
    const unsigned char *sv;
    size_t svlen;

    if (vlen < 5)
        return proxy_header_bad(why, whylen, "v2: SSL TLV of %zu bytes, under 5", vlen);
    while (off < vlen) {
        if (v2_tlv_next(v, vlen, &off, &type, &sv, &svlen, why, whylen) < 0)
            return PH_BAD;
        if (type == PP2_SUBTYPE_SSL_VERSION &&
            v2_tlv_string(sv, svlen, out->ssl_version, "SSL version", why, whylen) < 0)
            return PH_BAD;
    }
    return PH_OK;
}

/* PP2_TYPE_CRC32C at VOFF: the CRC32C of the whole header with this field zeroed. */
static int v2_tlv_crc(const unsigned char *buf, size_t total, size_t voff, size_t vlen, char *why,
                      size_t whylen)
{
    static const unsigned char zero[4];
    uint32_t want, got;

    if (vlen != 4)
        return proxy_header_bad(why, whylen, "v2: CRC32C TLV of %zu bytes, not 4", vlen);
    want = (uint32_t)buf[voff] << 24 | (uint32_t)buf[voff + 1] << 16 |
           (uint32_t)buf[voff + 2] << 8 | buf[voff + 3];
    got = crc32c(0, buf, voff);
    got = crc32c(got, zero, sizeof(zero));
    got = crc32c(got, buf + voff + 4, total - voff - 4);
    if (got != want)
        return proxy_header_bad(
            why, whylen, "v2: CRC32C mismatch (header says %08x, bytes give %08x)", want, got);
    return PH_OK;
}

static int v2_tlvs(const unsigned char *buf, size_t off, size_t total, struct proxy_header *out,
                   char *why, size_t whylen)
{
    bool seen_crc = false, seen_ssl = false;

    while (off < total) {
        unsigned type;
        const unsigned char *v;
        size_t vlen, voff = off + 3;
        int r = v2_tlv_next(buf, total, &off, &type, &v, &vlen, why, whylen);

        if (r == PH_OK && type == PP2_TYPE_ALPN)
            r = v2_tlv_string(v, vlen, out->alpn, "ALPN", why, whylen);
        else if (r == PH_OK && type == PP2_TYPE_AUTHORITY)
            r = v2_tlv_string(v, vlen, out->authority, "authority", why, whylen);
        else if (r == PH_OK && type == PP2_TYPE_CRC32C)
            r = seen_crc ? proxy_header_bad(why, whylen, "v2: two CRC32C TLVs")
                         : v2_tlv_crc(buf, total, voff, vlen, why, whylen);
        else if (r == PH_OK && type == PP2_TYPE_SSL)
            r = seen_ssl ? proxy_header_bad(why, whylen, "v2: two SSL TLVs")
                         : v2_tlv_ssl(v, vlen, out, why, whylen);
        if (r != PH_OK)
            return r;
        seen_crc |= type == PP2_TYPE_CRC32C;
        seen_ssl |= type == PP2_TYPE_SSL;
    }
    return PH_OK;
}

static int parse_v2(const unsigned char *buf, size_t len, struct proxy_header *out, char *why,
                    size_t whylen)
{
    size_t total = 0, asize;
    int r = v2_fixed(buf, len, &total, why, whylen);
    bool proxy;

    if (r != PH_OK)
        return r;
    proxy = (buf[12] & 0x0f) == 1;
    asize = (size_t)v2_addr_size(buf[13]);
    if (total - V2_FIXED < asize)
        return proxy_header_bad(why, whylen, "v2: %zu address bytes, family 0x%02x needs %zu",
                                total - V2_FIXED, buf[13], asize);
    out->version = 2;
    /* LOCAL (a health check) and an unspecified family: the socket's own endpoints. */
    out->is_local = !proxy || buf[13] == 0x00;
    if (!out->is_local)
        v2_addresses(buf + V2_FIXED, buf[13], out);
    r = v2_tlvs(buf, V2_FIXED + asize, total, out, why, whylen);
    return r == PH_OK ? (int)total : r;
}

int proxy_header_parse(const unsigned char *buf, size_t len, unsigned accept_versions,
                       struct proxy_header *out, char *why, size_t whylen)
{
    if (why != NULL && whylen > 0)
        why[0] = '\0';
    memset(out, 0, sizeof(*out));
    if ((accept_versions & PROXY_ANY) == 0)
        return proxy_header_bad(why, whylen, "no PROXY protocol version accepted");
    if (len == 0)
        return PH_MORE;
    /* The first byte tells the versions apart: 'P' or the signature's CR. */
    if (buf[0] == 'P' && (accept_versions & PROXY_V1))
        return proxy_header_v1(buf, len, out, why, whylen);
    if (buf[0] == v2_signature[0] && (accept_versions & PROXY_V2))
        return parse_v2(buf, len, out, why, whylen);
    if (buf[0] == 'P' || buf[0] == v2_signature[0])
        return proxy_header_bad(why, whylen, "a PROXY v%d header where only v%d is accepted",
                                buf[0] == 'P' ? 1 : 2, buf[0] == 'P' ? 2 : 1);
    return proxy_header_bad(why, whylen,
                            "not a PROXY header (neither \"PROXY \" nor the v2 signature)");
}
