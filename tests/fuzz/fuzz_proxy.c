/*
 * Fuzz harness for the PROXY protocol header parser: each input is parsed
 * as v1, v2 and "any".  Properties checked: a result never exceeds the
 * bytes given and a refusal says why; a complete header parses to the same
 * length alone and with other payload after it, and is "need more" one byte
 * short; a prefix of "need more" is "need more"; bytes added after a refusal
 * do not rescue it; exported TLV values are printable ASCII and terminated.
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "proxy_header.h"

static int parse(const uint8_t *data, size_t len, unsigned versions, struct proxy_header *out,
                 char *why, size_t whylen)
{
    return proxy_header_parse(data, len, versions, out, why, whylen);
}

static void check_tlv(const char *s)
{
    size_t n = strnlen(s, PROXY_TLV_MAX + 1);

    FUZZ_ASSERT(n <= PROXY_TLV_MAX);
    for (size_t i = 0; i < n; i++)
        FUZZ_ASSERT(s[i] >= 0x20 && s[i] <= 0x7e);
}

/* A complete header of R bytes at DATA. */
static void check_complete(const uint8_t *data, size_t size, unsigned versions, int r,
                           const struct proxy_header *h)
{
    struct proxy_header again;
    char why[256];
    uint8_t *buf;

    FUZZ_ASSERT(h->version == 1 || h->version == 2);
    FUZZ_ASSERT((h->version == 1 ? PROXY_V1 : PROXY_V2) & versions);
    FUZZ_ASSERT(h->version == 1 ? r <= PROXY_V1_MAX : r <= PROXY_V2_MAX);
    FUZZ_ASSERT(h->is_local ? h->src_len == 0 && h->dst_len == 0 : h->src_len > 0);
    check_tlv(h->authority);
    check_tlv(h->alpn);
    check_tlv(h->ssl_version);
    FUZZ_ASSERT(parse(data, (size_t)r, versions, &again, why, sizeof(why)) == r);
    FUZZ_ASSERT(memcmp(&again, h, sizeof(again)) == 0);
    FUZZ_ASSERT(parse(data, (size_t)r - 1, versions, &again, why, sizeof(why)) == 0);
    /* Other payload after it: the same header, the same length. */
    buf = malloc((size_t)r + 64);
    if (buf == NULL)
        return;
    memcpy(buf, data, (size_t)r);
    memset(buf + r, size > (size_t)r ? ~data[r] : 'X', 64);
    FUZZ_ASSERT(parse(buf, (size_t)r + 64, versions, &again, why, sizeof(why)) == r);
    FUZZ_ASSERT(memcmp(&again, h, sizeof(again)) == 0);
    free(buf);
}

/* A refused input stays refused with more bytes after it. */
static void check_refused(const uint8_t *data, size_t size, unsigned versions, const char *why)
{
    struct proxy_header h;
    char again[256];
    uint8_t *buf = malloc(size + 2);

    FUZZ_ASSERT(why[0] != '\0');
    if (buf == NULL)
        return;
    memcpy(buf, data, size);
    memcpy(buf + size, "\r\n", 2);
    FUZZ_ASSERT(parse(buf, size + 2, versions, &h, again, sizeof(again)) == -1);
    FUZZ_ASSERT(again[0] != '\0');
    free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned versions[] = {PROXY_V1, PROXY_V2, PROXY_ANY};

    if (size > 2 * PROXY_V2_MAX)
        return 0;
    for (size_t v = 0; v < sizeof(versions) / sizeof(versions[0]); v++) {
        struct proxy_header h, p;
        char why[256], small[8];
        int r = parse(data, size, versions[v], &h, why, sizeof(why));

        FUZZ_ASSERT(r >= -1 && (r < 0 || (size_t)r <= size));
        /* A short reason buffer truncates, never overflows. */
        FUZZ_ASSERT(parse(data, size, versions[v], &p, small, sizeof(small)) == r);
        FUZZ_ASSERT(strlen(small) < sizeof(small));
        if (r > 0)
            check_complete(data, size, versions[v], r, &h);
        else if (r < 0)
            check_refused(data, size, versions[v], why);
        else if (size > 0)
            FUZZ_ASSERT(parse(data, size - 1, versions[v], &p, why, sizeof(why)) == 0);
    }
    return 0;
}

const char *fuzz_seed_prefix(const char *path)
{
    (void)path;
    return "";
}
