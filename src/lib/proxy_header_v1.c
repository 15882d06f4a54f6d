/*
 * PROXY protocol version 1, the text line (see proxy_header.h): checked
 * field by field on the bytes so far, so that "need more" means they still
 * begin a valid line, and anything longer than PROXY_V1_MAX is refused.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "proxy_header_int.h"

/* ---- version 1: "PROXY TCP4 1.2.3.4 5.6.7.8 1234 80\r\n" ---- */

struct v1 {
    const unsigned char *p;
    size_t n, pos; /* bytes looked at (at most PROXY_V1_MAX), cursor */
    char *why;
    size_t whylen;
};

/* The literal W at the cursor: PH_OK (consumed), PH_MORE (the bytes there are
 * a prefix of W) or PH_BAD (the caller says why). */
static int v1_word(struct v1 *c, const char *w)
{
    size_t wl = strlen(w), avail = c->n - c->pos, k = avail < wl ? avail : wl;

    if (memcmp(c->p + c->pos, w, k) != 0)
        return PH_BAD;
    if (k < wl)
        return PH_MORE;
    c->pos += wl;
    return PH_OK;
}

static int v1_sep(struct v1 *c, const char *w, const char *after)
{
    int r = v1_word(c, w);

    if (r == PH_BAD)
        return proxy_header_bad(c->why, c->whylen, "v1: expected %s after the %s",
                                w[0] == ' ' ? "one space" : "CRLF", after);
    return r;
}

/* The field at the cursor, up to the next space or CR: PH_OK (consumed, the
 * delimiter is next), PH_MORE (it runs to the end of the bytes so far: TOK is
 * a prefix) or PH_BAD (longer than MAX). */
static int v1_token(struct v1 *c, size_t max, const char **tok, size_t *toklen)
{
    size_t i = c->pos;

    while (i < c->n && c->p[i] != ' ' && c->p[i] != '\r') {
        if (i - c->pos >= max)
            return PH_BAD;
        i++;
    }
    *tok = (const char *)c->p + c->pos;
    *toklen = i - c->pos;
    if (i == c->n)
        return PH_MORE;
    c->pos = i;
    return PH_OK;
}

/* Dotted-quad IPv4 as the specification writes it: four decimal numbers
 * 0..255 without leading zeros.  PARTIAL: could S begin one? */
static int v1_ip4(const char *s, size_t n, bool partial, unsigned char out[4])
{
    unsigned octet = 0, digits = 0, dots = 0;

    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.') {
            if (digits == 0 || dots == 3)
                return 0;
            out[dots++] = (unsigned char)octet;
            octet = digits = 0;
        } else if (s[i] >= '0' && s[i] <= '9') {
            if (digits == 1 && octet == 0)
                return 0;
            octet = octet * 10 + (unsigned)(s[i] - '0');
            digits++;
            if (octet > 255)
                return 0;
        } else {
            return 0;
        }
    }
    if (partial)
        return 1;
    out[3] = (unsigned char)octet;
    return dots == 3 && digits > 0;
}

/* IPv6 text: partially, only its characters are checked; whole, inet_pton's rules. */
static int v1_ip6(const char *s, size_t n, bool partial, struct in6_addr *out)
{
    char text[INET6_ADDRSTRLEN];

    if (n >= sizeof(text))
        return 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\0' || strchr("0123456789abcdefABCDEF:.", s[i]) == NULL)
            return 0;
    }
    if (partial)
        return 1;
    memcpy(text, s, n);
    text[n] = '\0';
    return inet_pton(AF_INET6, text, out) == 1;
}

static int v1_addr(struct v1 *c, int family, struct sockaddr_storage *ss, socklen_t *sslen,
                   const char *what)
{
    const char *tok;
    size_t n;
    int r = v1_token(c, family == AF_INET ? 15 : INET6_ADDRSTRLEN - 1, &tok, &n);
    struct sockaddr_in *sin = (struct sockaddr_in *)ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
    int ok = 0;

    if (r != PH_BAD && family == AF_INET)
        ok = v1_ip4(tok, n, r == PH_MORE, (unsigned char *)&sin->sin_addr);
    else if (r != PH_BAD)
        ok = v1_ip6(tok, n, r == PH_MORE, &sin6->sin6_addr);
    if (r == PH_BAD || !ok)
        return proxy_header_bad(c->why, c->whylen, "v1: the %s address is not %s", what,
                                family == AF_INET ? "IPv4 (TCP4)" : "IPv6 (TCP6)");
    if (r == PH_OK) {
        ss->ss_family = (sa_family_t)family;
        *sslen = family == AF_INET ? sizeof(*sin) : sizeof(*sin6);
    }
    return r;
}

/* A port: 0..65535 in decimal, without leading zeros. */
static int v1_port(struct v1 *c, struct sockaddr_storage *ss, const char *what)
{
    const char *tok;
    size_t n;
    int r = v1_token(c, 5, &tok, &n);
    unsigned long port = 0;
    uint16_t net;

    for (size_t i = 0; r != PH_BAD && i < n; i++) {
        if (tok[i] < '0' || tok[i] > '9' || (i == 1 && tok[0] == '0'))
            r = PH_BAD;
        else
            port = port * 10 + (unsigned long)(tok[i] - '0');
    }
    if (r == PH_BAD || port > 65535 || (r == PH_OK && n == 0))
        return proxy_header_bad(c->why, c->whylen, "v1: the %s port is not a number 0..65535",
                                what);
    if (r == PH_OK) {
        net = htons((uint16_t)port);
        if (ss->ss_family == AF_INET)
            ((struct sockaddr_in *)ss)->sin_port = net;
        else
            ((struct sockaddr_in6 *)ss)->sin6_port = net;
    }
    return r;
}

/* "UNKNOWN", then CRLF, or a space and printable bytes up to CRLF (ignored). */
static int v1_unknown(struct v1 *c)
{
    for (size_t i = c->pos; i < c->n; i++) {
        unsigned char ch = c->p[i];
        if (i == c->pos && ch != ' ' && ch != '\r')
            return proxy_header_bad(c->why, c->whylen,
                                    "v1: expected a space or CRLF after UNKNOWN");
        if (ch == '\r') {
            if (i + 1 == c->n)
                return PH_MORE;
            if (c->p[i + 1] != '\n')
                return proxy_header_bad(c->why, c->whylen, "v1: CR without LF");
            c->pos = i + 2;
            return PH_OK;
        }
        if (ch < 0x20 || ch > 0x7e)
            return proxy_header_bad(c->why, c->whylen, "v1: byte 0x%02x in the line", ch);
    }
    return PH_MORE;
}

static int v1_line(struct v1 *c, struct proxy_header *out)
{
    static const struct {
        const char *word;
        int family;
    } protos[] = {{"TCP4 ", AF_INET}, {"TCP6 ", AF_INET6}, {"UNKNOWN", AF_UNSPEC}};
    int r = v1_word(c, "PROXY "), family = -1;

    if (r != PH_OK)
        return r == PH_MORE
                   ? r
                   : proxy_header_bad(c->why, c->whylen, "v1: the line does not start \"PROXY \"");
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]) && family < 0; i++) {
        if ((r = v1_word(c, protos[i].word)) != PH_BAD)
            family = protos[i].family;
    }
    if (family < 0)
        return proxy_header_bad(c->why, c->whylen, "v1: the protocol is not TCP4, TCP6 or UNKNOWN");
    if (r == PH_MORE)
        return r;
    if (family == AF_UNSPEC) {
        out->is_local = true;
        return v1_unknown(c);
    }
    if ((r = v1_addr(c, family, &out->src, &out->src_len, "source")) != PH_OK ||
        (r = v1_sep(c, " ", "source address")) != PH_OK ||
        (r = v1_addr(c, family, &out->dst, &out->dst_len, "destination")) != PH_OK ||
        (r = v1_sep(c, " ", "destination address")) != PH_OK ||
        (r = v1_port(c, &out->src, "source")) != PH_OK ||
        (r = v1_sep(c, " ", "source port")) != PH_OK ||
        (r = v1_port(c, &out->dst, "destination")) != PH_OK)
        return r;
    return v1_sep(c, "\r\n", "destination port");
}

int proxy_header_v1(const unsigned char *buf, size_t len, struct proxy_header *out, char *why,
                    size_t whylen)
{
    /* Only the first PROXY_V1_MAX bytes can hold the line: a line still
     * incomplete within them never will be. */
    struct v1 c = {buf, len < PROXY_V1_MAX ? len : PROXY_V1_MAX, 0, why, whylen};
    int r;

    out->version = 1;
    r = v1_line(&c, out);
    if (r == PH_MORE && len >= PROXY_V1_MAX)
        return proxy_header_bad(why, whylen, "v1: no CRLF in the first %d bytes", PROXY_V1_MAX);
    return r == PH_OK ? (int)c.pos : r;
}
