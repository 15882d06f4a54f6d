/*
 * xinetd address forms into CIDR strings (see xinetd_addr.h).  Names are
 * refused rather than resolved: a rule that depends on DNS at import time
 * would silently differ from the one xinetd applied per connection.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"
#include "xinetd_addr.h"

void xinetd_list_push(struct arena *a, struct xinetd_list *l, const char *s)
{
    /* Doubling: the arena keeps the old arrays, which add up to less than
     * the last one, so a list of n values costs O(n), not O(n^2). */
    if (l->n >= l->cap) {
        size_t cap = l->n < 4 ? 8 : 2 * l->n;
        char **v = xinetd_alloc(a, cap, sizeof(char *));

        if (l->n)
            memcpy(v, l->v, l->n * sizeof(char *));
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = (char *)s;
}

void xinetd_list_add(struct arena *a, struct xinetd_list *l, const char *s)
{
    xinetd_list_push(a, l, xinetd_strdup(a, s));
}

/* A dotted IPv4 prefix of 1 to 4 numbers; missing and trailing zero parts are
 * wildcards, as xinetd reads them ("128.138.12.0" is 128.138.12.0/24). */
static int ipv4_prefix(struct arena *c, const char *text, bool zeros_wild, struct xinetd_list *out)
{
    unsigned part[4] = {0, 0, 0, 0}, n = 0, bits;
    const char *p = text;
    char buf[32];

    while (n < 4) {
        char *end;
        unsigned long v;

        if (*p < '0' || *p > '9')
            return -1;
        v = strtoul(p, &end, 10);
        if (v > 255 || end - p > 3)
            return -1;
        part[n++] = (unsigned)v;
        p = end;
        if (*p == '\0')
            break;
        if (*p++ != '.')
            return -1;
    }
    if (*p != '\0')
        return -1;
    bits = 8 * n;
    while (zeros_wild && bits > 0 && part[bits / 8 - 1] == 0)
        bits -= 8;
    if (bits == 0) { /* 0.0.0.0: "all Internet addresses" */
        xinetd_list_add(c, out, "0.0.0.0/0");
        xinetd_list_add(c, out, "::/0");
        return 0;
    }
    snprintf(buf, sizeof(buf), "%u.%u.%u.%u/%u", part[0], part[1], part[2], part[3], bits);
    xinetd_list_add(c, out, buf);
    return 0;
}

/* "10.0.{1,2,3}": each member appended to the prefix, the rest wildcards. */
static int factorized(struct arena *c, const char *text, struct xinetd_list *out)
{
    const char *open = strchr(text, '{');
    size_t plen = (size_t)(open - text), len = strlen(text);
    char buf[64];

    if (text[len - 1] != '}' || plen == 0 || text[plen - 1] != '.' || plen > 16)
        return -1;
    for (const char *p = open + 1; p < text + len - 1;) {
        size_t m = strcspn(p, ",}");

        if (m == 0 || m > 3)
            return -1;
        snprintf(buf, sizeof(buf), "%.*s%.*s", (int)plen, text, (int)m, p);
        if (ipv4_prefix(c, buf, false, out) < 0)
            return -1;
        p += m + (p[m] == ',');
    }
    return 0;
}

int xinetd_addr_cidrs(struct arena *c, const char *text, struct xinetd_list *out, char *why)
{
    unsigned char bin[sizeof(struct in6_addr)];
    struct cidr cidr;
    char err[128], buf[INET6_ADDRSTRLEN + 8];

    if (strchr(text, '/')) {
        if (cidr_parse(text, &cidr, err, sizeof(err)) == 0) {
            xinetd_list_add(c, out, text);
            return 0;
        }
    } else if (strchr(text, '{')) {
        if (factorized(c, text, out) == 0)
            return 0;
    } else if (inet_pton(AF_INET6, text, bin) == 1) {
        snprintf(buf, sizeof(buf), "%s/128", text);
        xinetd_list_add(c, out, buf);
        return 0;
    } else if (ipv4_prefix(c, text, true, out) == 0) {
        return 0;
    }
    snprintf(why, XINETD_WHY_LEN,
             "\"%s\" is not a numeric address, range or factorized address (names are not "
             "matched)",
             text);
    return -1;
}
