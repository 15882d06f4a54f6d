/*
 * Unit tests for proxy_header.c, proxy_header_v1.c and crc32c.c: valid v1
 * and v2 headers of every family, byte-by-byte arrival ("need more" until
 * complete), payload after the header, every refusal (signature, version,
 * command, family, lengths, truncated TLVs, over-long lines and headers,
 * non-printable TLV values), the CRC32C TLV, and the CRC-32C test vectors.
 */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "unit_run.h"
#include "crc32c.h"
#include "proxy_header.h"

static const unsigned char sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                      0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

/* A v2 header being built: the fixed part, then append(); finish() sets the length. */
struct v2 {
    unsigned char b[8192];
    size_t n;
};

static void v2_start(struct v2 *h, unsigned char ver_cmd, unsigned char fam)
{
    memcpy(h->b, sig, 12);
    h->b[12] = ver_cmd;
    h->b[13] = fam;
    h->n = 16;
}

static void append(struct v2 *h, const void *p, size_t n)
{
    ck_assert_uint_le(h->n + n, sizeof(h->b));
    memcpy(h->b + h->n, p, n);
    h->n += n;
}

static void append_tlv(struct v2 *h, unsigned char type, const void *v, size_t n)
{
    unsigned char t[3] = {type, (unsigned char)(n >> 8), (unsigned char)n};
    append(h, t, 3);
    append(h, v, n);
}

static void v2_finish(struct v2 *h)
{
    h->b[14] = (unsigned char)((h->n - 16) >> 8);
    h->b[15] = (unsigned char)(h->n - 16);
}

static void append_tcp4(struct v2 *h)
{
    static const unsigned char a[12] = {192, 0, 2, 7, 127, 0, 0, 1, 0xc8, 0x22, 0x1b, 0x5f};
    append(h, a, sizeof(a)); /* 192.0.2.7:51234 -> 127.0.0.1:7007 */
}

static int parse(const void *buf, size_t len, unsigned versions, struct proxy_header *out,
                 char *why)
{
    return proxy_header_parse(buf, len, versions, out, why, 256);
}

/* BUF holds a complete header of LEN bytes: every shorter prefix is "need
 * more", the whole gives LEN, and LEN with payload after it too. */
static void check_prefixes(const void *buf, size_t len, unsigned versions)
{
    static unsigned char with_payload[8192 + 64];
    struct proxy_header h;
    char why[256];

    for (size_t k = 0; k < len; k++)
        ck_assert_msg(parse(buf, k, versions, &h, why) == 0, "prefix %zu of %zu: %s", k, len, why);
    ck_assert_int_eq(parse(buf, len, versions, &h, why), (int)len);
    memcpy(with_payload, buf, len);
    memcpy(with_payload + len, "PROXY GET / HTTP/1.0\r\n\r\n", 24);
    ck_assert_int_eq(parse(with_payload, len + 24, versions, &h, why), (int)len);
}

static void expect_bad(const void *buf, size_t len, unsigned versions, const char *reason)
{
    struct proxy_header h;
    char why[256];

    ck_assert_int_eq(parse(buf, len, versions, &h, why), -1);
    ck_assert_msg(strstr(why, reason) != NULL, "why \"%s\" lacks \"%s\"", why, reason);
}

static void expect_bad_text(const char *text, const char *reason)
{
    expect_bad(text, strlen(text), PROXY_ANY, reason);
}

static void check_inet(const struct sockaddr_storage *ss, socklen_t len, int family, const char *ip,
                       unsigned port)
{
    char text[INET6_ADDRSTRLEN];
    const void *addr;
    unsigned got;

    ck_assert_int_eq(ss->ss_family, family);
    if (family == AF_INET) {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        ck_assert_uint_eq(len, sizeof(*sin));
        addr = &sin->sin_addr;
        got = ntohs(sin->sin_port);
    } else {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        ck_assert_uint_eq(len, sizeof(*sin6));
        addr = &sin6->sin6_addr;
        got = ntohs(sin6->sin6_port);
    }
    ck_assert_ptr_nonnull(inet_ntop(family, addr, text, sizeof(text)));
    ck_assert_str_eq(text, ip);
    ck_assert_uint_eq(got, port);
}

START_TEST(crc32c_vectors)
{
    unsigned char zeros[32] = {0}, ones[32];

    memset(ones, 0xff, sizeof(ones));
    ck_assert_uint_eq(crc32c(0, "123456789", 9), 0xe3069283u);
    ck_assert_uint_eq(crc32c(0, zeros, sizeof(zeros)), 0x8a9136aau); /* RFC 3720 B.4 */
    ck_assert_uint_eq(crc32c(0, ones, sizeof(ones)), 0x62a8ab43u);
    ck_assert_uint_eq(crc32c(crc32c(0, "1234", 4), "56789", 5), 0xe3069283u);
    ck_assert_uint_eq(crc32c(0, "", 0), 0);
}
END_TEST

START_TEST(v1_valid)
{
    static const char *const tcp4 = "PROXY TCP4 192.0.2.7 127.0.0.1 51234 7007\r\n";
    static const char *const tcp6 = "PROXY TCP6 2001:db8::7 ::1 0 65535\r\n";
    static const char *const unknown = "PROXY UNKNOWN\r\n";
    static const char *const unknown_long =
        "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff "
        "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
    struct proxy_header h;
    char why[256];

    ck_assert_int_eq(parse(tcp4, strlen(tcp4), PROXY_V1, &h, why), (int)strlen(tcp4));
    ck_assert_int_eq(h.version, 1);
    ck_assert(!h.is_local);
    check_inet(&h.src, h.src_len, AF_INET, "192.0.2.7", 51234);
    check_inet(&h.dst, h.dst_len, AF_INET, "127.0.0.1", 7007);
    ck_assert_str_eq(h.authority, "");
    check_prefixes(tcp4, strlen(tcp4), PROXY_V1);
    check_prefixes(tcp4, strlen(tcp4), PROXY_ANY);

    ck_assert_int_eq(parse(tcp6, strlen(tcp6), PROXY_ANY, &h, why), (int)strlen(tcp6));
    check_inet(&h.src, h.src_len, AF_INET6, "2001:db8::7", 0);
    check_inet(&h.dst, h.dst_len, AF_INET6, "::1", 65535);
    check_prefixes(tcp6, strlen(tcp6), PROXY_ANY);

    ck_assert_int_eq(parse(unknown, strlen(unknown), PROXY_V1, &h, why), 15);
    ck_assert(h.is_local);
    ck_assert_uint_eq(h.src_len, 0);
    check_prefixes(unknown, strlen(unknown), PROXY_V1);
    ck_assert_uint_eq(strlen(unknown_long), PROXY_V1_MAX); /* the longest line */
    check_prefixes(unknown_long, strlen(unknown_long), PROXY_ANY);
    ck_assert(h.is_local);
}
END_TEST

START_TEST(v1_invalid)
{
    char line[300];

    expect_bad_text("PROXI", "PROXY");
    expect_bad_text("PROXY  TCP4", "protocol");
    expect_bad_text("PROXY TCP5 ", "protocol");
    expect_bad_text("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", "protocol");
    expect_bad_text("PROXY TCP4  1.2.3.4", "source address");
    expect_bad_text("PROXY TCP4 1.2.3.4  5.6.7.8", "destination address");
    expect_bad_text("PROXY TCP4 01.2.3.4 5.6.7.8 1 2\r\n", "source address");
    expect_bad_text("PROXY TCP4 1.2.3.256", "source address");
    expect_bad_text("PROXY TCP4 1.2.3 5.6.7.8 1 2\r\n", "source address");
    expect_bad_text("PROXY TCP4 1.2.3.4.5", "source address");
    expect_bad_text("PROXY TCP4 ::1 ::1 1 2\r\n", "IPv4");
    expect_bad_text("PROXY TCP6 1.2.3.4 5.6.7.8 1 2\r\n", "IPv6");
    expect_bad_text("PROXY TCP6 ::1 ::g", "IPv6");
    expect_bad_text("PROXY TCP6 ::1::2 ::1 1 2\r\n", "IPv6");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n", "source port");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 65536", "source port");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 +1 2\r\n", "source port");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1  2\r\n", "destination port");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2 \r\n", "destination port");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n", "destination port");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1 2\rX", "CRLF");
    expect_bad_text("PROXY TCP4 1.2.3.4 5.6.7.8 1\r\n", "after the source port");
    expect_bad_text("PROXY TCP4 1.2.3.4\r\n", "after the source address");
    expect_bad_text("PROXY UNKNOWNX\r\n", "UNKNOWN");
    expect_bad_text("PROXY UNKNOWN \x01\r\n", "byte 0x01");
    expect_bad_text("PROXY UNKNOWN \rX", "CR without LF");
    /* Over-long: no CRLF within 107 bytes, whatever follows. */
    memset(line, 'f', sizeof(line));
    memcpy(line, "PROXY UNKNOWN ", 14);
    expect_bad(line, PROXY_V1_MAX - 1 + 2, PROXY_V1, "no CRLF");
    memcpy(line + PROXY_V1_MAX - 1, "\r\n", 2);
    expect_bad(line, PROXY_V1_MAX + 1, PROXY_V1, "no CRLF"); /* 108 bytes with CRLF */
    memcpy(line + PROXY_V1_MAX - 2, "\r\n", 2);
    ck_assert_int_eq(proxy_header_parse((unsigned char *)line, sizeof(line), PROXY_V1,
                                        &(struct proxy_header){0}, NULL, 0),
                     PROXY_V1_MAX);
    /* A TCP6 line past 107 bytes (mapped addresses written long). */
    snprintf(line, sizeof(line), "PROXY TCP6 %s %s 65535 65535\r\n",
             "0000:0000:0000:0000:0000:ffff:255.255.255.255",
             "0000:0000:0000:0000:0000:ffff:255.255.255.255");
    expect_bad(line, strlen(line), PROXY_V1, "no CRLF");
}
END_TEST

START_TEST(versions_told_apart)
{
    static const char *const tcp4 = "PROXY TCP4 1.2.3.4 5.6.7.8 1 2\r\n";
    struct v2 h;
    struct proxy_header out;
    char why[256];

    v2_start(&h, 0x20, 0x00);
    v2_finish(&h);
    ck_assert_int_eq(parse("", 0, PROXY_ANY, &out, why), 0);
    expect_bad(tcp4, strlen(tcp4), PROXY_V2, "only v2");
    expect_bad(tcp4, 1, PROXY_V2, "only v2");
    expect_bad(h.b, h.n, PROXY_V1, "only v1");
    ck_assert_int_eq(parse(h.b, h.n, PROXY_ANY, &out, why), 16);
    ck_assert_int_eq(out.version, 2);
    ck_assert_int_eq(parse(tcp4, strlen(tcp4), PROXY_ANY, &out, why), (int)strlen(tcp4));
    ck_assert_int_eq(out.version, 1);
    expect_bad_text("GET / HTTP/1.0\r\n", "not a PROXY header");
    expect_bad("\x16\x03\x01", 3, PROXY_ANY, "not a PROXY header");
    expect_bad(tcp4, strlen(tcp4), 0, "no PROXY protocol version");
}
END_TEST

START_TEST(v2_tcp4_and_tcp6)
{
    static const unsigned char a6[36] = {
        0x20, 0x01, 0x0d, 0xb8, [15] = 7, [31] = 1, 0x01, 0xbb, 0x00, 0x50};
    struct v2 h;
    struct proxy_header out;
    char why[256];

    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 28);
    ck_assert_int_eq(out.version, 2);
    ck_assert(!out.is_local);
    check_inet(&out.src, out.src_len, AF_INET, "192.0.2.7", 51234);
    check_inet(&out.dst, out.dst_len, AF_INET, "127.0.0.1", 7007);
    check_prefixes(h.b, h.n, PROXY_V2);
    check_prefixes(h.b, h.n, PROXY_ANY);

    v2_start(&h, 0x21, 0x21);
    append(&h, a6, sizeof(a6));
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_ANY, &out, why), 52);
    check_inet(&out.src, out.src_len, AF_INET6, "2001:db8::7", 443);
    check_inet(&out.dst, out.dst_len, AF_INET6, "::1", 80);
    check_prefixes(h.b, h.n, PROXY_V2);
}
END_TEST

START_TEST(v2_unix_local_unspec)
{
    char paths[216] = "/run/client.sock";
    const struct sockaddr_un *su;
    struct v2 h;
    struct proxy_header out;
    char why[256];

    memcpy(paths + 108, "/run/server.sock", 17);
    v2_start(&h, 0x21, 0x31);
    append(&h, paths, sizeof(paths));
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 16 + 216);
    su = (const struct sockaddr_un *)&out.src;
    ck_assert_int_eq(su->sun_family, AF_UNIX);
    ck_assert_str_eq(su->sun_path, "/run/client.sock");
    ck_assert_uint_eq(out.src_len, offsetof(struct sockaddr_un, sun_path) + 16);
    ck_assert_str_eq(((const struct sockaddr_un *)&out.dst)->sun_path, "/run/server.sock");
    check_prefixes(h.b, h.n, PROXY_V2);
    /* A full 108-byte path without NUL stays within the length. */
    memset(paths, 'a', 108);
    v2_start(&h, 0x21, 0x31);
    append(&h, paths, sizeof(paths));
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 16 + 216);
    ck_assert_uint_eq(out.src_len, offsetof(struct sockaddr_un, sun_path) + 108);

    /* LOCAL: the family and its addresses are ignored; so is PROXY with UNSPEC. */
    v2_start(&h, 0x20, 0x00);
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 16);
    ck_assert(out.is_local);
    ck_assert_uint_eq(out.src_len, 0);
    check_prefixes(h.b, h.n, PROXY_V2);
    v2_start(&h, 0x20, 0x11);
    append_tcp4(&h);
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 28);
    ck_assert(out.is_local);
    v2_start(&h, 0x20, 0x12); /* LOCAL over a datagram family: ignored, fine */
    append_tcp4(&h);
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 28);
    v2_start(&h, 0x21, 0x00);
    append(&h, "junk", 4); /* read as TLVs: 'j', 0x756e bytes */
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "overruns");
    h.n = 16;
    append_tlv(&h, 0x04, "", 0);
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), 19);
    ck_assert(out.is_local);
}
END_TEST

START_TEST(v2_invalid_fixed)
{
    struct v2 h;
    unsigned char big[16];

    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    v2_finish(&h);
    for (size_t i = 0; i < 12; i++) {
        unsigned char b[16];
        memcpy(b, h.b, 16);
        b[i] ^= 0x40;
        if (i > 0) /* byte 0 changed is no longer a v2 start */
            expect_bad(b, i + 1, PROXY_V2, "signature");
    }
    h.b[12] = 0x11;
    expect_bad(h.b, 13, PROXY_V2, "version 1");
    h.b[12] = 0x22;
    expect_bad(h.b, 13, PROXY_V2, "command 2");
    h.b[12] = 0x21;
    h.b[13] = 0x12;
    expect_bad(h.b, 14, PROXY_V2, "DGRAM");
    h.b[13] = 0x22;
    expect_bad(h.b, 14, PROXY_V2, "DGRAM");
    h.b[13] = 0x32;
    expect_bad(h.b, 14, PROXY_V2, "DGRAM");
    h.b[13] = 0x41;
    expect_bad(h.b, 14, PROXY_V2, "family");
    h.b[13] = 0x10;
    expect_bad(h.b, 14, PROXY_V2, "family");
    h.b[13] = 0x21; /* TCP6 needs 36 address bytes, there are 12 */
    expect_bad(h.b, h.n, PROXY_V2, "needs 36");
    /* Over 4096 bytes: refused as soon as the length arrives. */
    memcpy(big, h.b, 16);
    big[13] = 0x11;
    big[14] = 0x0f;
    big[15] = 0xf0;
    ck_assert_int_eq(proxy_header_parse(big, 16, PROXY_V2, &(struct proxy_header){0}, NULL, 0),
                     0); /* 16 + 4080 = 4096: allowed, waiting */
    big[15] = 0xf1;
    expect_bad(big, 16, PROXY_V2, "over 4096");
}
END_TEST

START_TEST(v2_tlvs)
{
    static const unsigned char ssl[] = {0x01, 0,    0,    0,   0,   0x22, 0x00, 0x03, 'b', 'o', 'b',
                                        0x21, 0x00, 0x07, 'T', 'L', 'S',  'v',  '1',  '.', '3'};
    char big[300];
    struct v2 h;
    struct proxy_header out;
    char why[256];

    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x02, "example.com", 11);
    append_tlv(&h, 0x01, "h2", 2);
    append_tlv(&h, 0x20, ssl, sizeof(ssl));
    append_tlv(&h, 0x04, "\0\0\0", 3);
    append_tlv(&h, 0x05, "\x01\xff", 2); /* not exported: any bytes */
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), (int)h.n);
    ck_assert_str_eq(out.authority, "example.com");
    ck_assert_str_eq(out.alpn, "h2");
    ck_assert_str_eq(out.ssl_version, "TLSv1.3");
    check_prefixes(h.b, h.n, PROXY_V2);

    /* 255 printable bytes pass, 256 do not. */
    memset(big, 'a', sizeof(big));
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x02, big, 255);
    v2_finish(&h);
    ck_assert_int_eq(parse(h.b, h.n, PROXY_V2, &out, why), (int)h.n);
    ck_assert_uint_eq(strlen(out.authority), 255);
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x02, big, 256);
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "over 255");
}
END_TEST

START_TEST(v2_tlvs_invalid)
{
    static const unsigned char ssl_short[] = {0x01, 0, 0, 0};
    static const unsigned char ssl_trunc[] = {0x01, 0, 0, 0, 0, 0x21, 0x00, 0x09, 'T', 'L'};
    static const unsigned char ssl_bad[] = {0x01, 0, 0, 0, 0, 0x21, 0x00, 0x02, 'T', 0x7f};
    struct v2 h;

    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append(&h, "\x02\x00", 2); /* a TLV header cut short */
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "truncated TLV");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append(&h,
           "\x02\x00\x05"
           "abc",
           6); /* a value cut short */
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "overruns");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x02, "exa\nmple", 8);
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "byte 0x0a");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x01, "h\xc3\xa9", 3);
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "ALPN TLV has byte 0xc3");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x02, "a", 1);
    append_tlv(&h, 0x02, "b", 1);
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "two authority");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x20, ssl_short, sizeof(ssl_short));
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "under 5");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x20, ssl_trunc, sizeof(ssl_trunc));
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "overruns");
    v2_start(&h, 0x21, 0x11);
    append_tcp4(&h);
    append_tlv(&h, 0x20, ssl_bad, sizeof(ssl_bad));
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "SSL version TLV has byte 0x7f");
}
END_TEST

START_TEST(v2_crc32c)
{
    /* Computed independently (Python): TCP4 127.0.0.2:4000 -> 127.0.0.1:80, CRC TLV last. */
    static const unsigned char good[] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55,
                                         0x49, 0x54, 0x0a, 0x21, 0x11, 0x00, 0x13, 0x7f, 0x00,
                                         0x00, 0x02, 0x7f, 0x00, 0x00, 0x01, 0x0f, 0xa0, 0x00,
                                         0x50, 0x03, 0x00, 0x04, 0x1f, 0x71, 0xc6, 0xec};
    unsigned char b[sizeof(good)];
    struct proxy_header out;
    struct v2 h;
    char why[256];

    ck_assert_int_eq(parse(good, sizeof(good), PROXY_V2, &out, why), (int)sizeof(good));
    check_inet(&out.src, out.src_len, AF_INET, "127.0.0.2", 4000);
    check_prefixes(good, sizeof(good), PROXY_V2);
    memcpy(b, good, sizeof(b));
    b[34] ^= 1; /* the CRC itself */
    expect_bad(b, sizeof(b), PROXY_V2, "CRC32C mismatch");
    memcpy(b, good, sizeof(b));
    b[19] ^= 1; /* an address byte */
    expect_bad(b, sizeof(b), PROXY_V2, "CRC32C mismatch");
    /* A CRC of 3 bytes; two CRCs. */
    v2_start(&h, 0x20, 0x00);
    append_tlv(&h, 0x03, "\0\0\0", 3);
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "not 4");
    v2_start(&h, 0x21, 0x11);
    append(&h, good + 16, sizeof(good) - 16);
    append(&h, good + 28, 7);
    v2_finish(&h);
    expect_bad(h.b, h.n, PROXY_V2, "CRC32C");
}
END_TEST

static Suite *proxy_header_suite(void)
{
    Suite *s = suite_create("proxy_header");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, crc32c_vectors);
    tcase_add_test(tc, v1_valid);
    tcase_add_test(tc, v1_invalid);
    tcase_add_test(tc, versions_told_apart);
    tcase_add_test(tc, v2_tcp4_and_tcp6);
    tcase_add_test(tc, v2_unix_local_unspec);
    tcase_add_test(tc, v2_invalid_fixed);
    tcase_add_test(tc, v2_tlvs);
    tcase_add_test(tc, v2_tlvs_invalid);
    tcase_add_test(tc, v2_crc32c);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(proxy_header_suite(), NULL);
}
