/*
 * Checking a carried record as a whole before any field is read: header,
 * version, length, checksum, every field's bounds at every depth, and every
 * descriptor it names open, still the file the writer saw, and named once.
 * A record that passes can be read field by field without bounds checks.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carry.h"
#include "carry_format.h"
#include "crc32c.h"

struct check {
    char *err;
    size_t errlen;
    int *fds; /* every descriptor named, for the duplicate check */
    size_t n_fds, cap_fds;
};

static bool key_ok(const unsigned char *k, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= 'A' && k[i] <= 'Z') ||
              (k[i] >= '0' && k[i] <= '9') || k[i] == '_' || k[i] == '-' || k[i] == '.'))
            return false;
    return true;
}

/* The descriptor in P (a checked FD payload) is open and still the file the
 * writer saw. */
static int check_fd(struct check *k, const unsigned char *p)
{
    uint64_t n = get_le(p, 4);
    int fd = n > INT32_MAX ? -1 : (int)n;
    struct stat st;

    if (fd < 3) {
        snprintf(k->err, k->errlen, "descriptor %lld is not one a record may name", (long long)n);
        return -1;
    }
    if (fstat(fd, &st) == -1) {
        snprintf(k->err, k->errlen, "descriptor %d: %s", fd, strerror(errno));
        return -1;
    }
    if ((st.st_mode & S_IFMT) != get_le(p + 4, 4) || st.st_dev != get_le(p + 8, 8) ||
        st.st_ino != get_le(p + 16, 8)) {
        snprintf(k->err, k->errlen, "descriptor %d is not the file the record names", fd);
        return -1;
    }
    if (k->n_fds == k->cap_fds) {
        size_t ncap = k->cap_fds ? k->cap_fds * 2 : 64;
        int *grown = realloc(k->fds, ncap * sizeof(*grown));
        if (!grown) {
            snprintf(k->err, k->errlen, "out of memory");
            return -1;
        }
        k->fds = grown;
        k->cap_fds = ncap;
    }
    k->fds[k->n_fds++] = fd;
    return 0;
}

/* Every field of the object P (LEN bytes) fits and is well formed, at
 * every depth; every descriptor checks out. */
static int check_object(struct check *k, const unsigned char *p, size_t len, int depth)
{
    size_t pos = 0;

    if (depth > CARRY_MAX_DEPTH) {
        snprintf(k->err, k->errlen, "objects nested deeper than %d", CARRY_MAX_DEPTH);
        return -1;
    }
    while (pos < len) {
        if (len - pos < 2 || len - pos - 2 < (size_t)p[pos + 1] + 4u) {
            snprintf(k->err, k->errlen, "a field is cut short at byte %zu", pos);
            return -1;
        }
        unsigned type = p[pos], klen = p[pos + 1];
        const unsigned char *key = p + pos + 2;
        size_t vlen = (size_t)get_le(key + klen, 4), at = pos + 2 + klen + 4;
        if (klen > CARRY_KEY_MAX || !key_ok(key, klen) || vlen > len - at) {
            snprintf(k->err, k->errlen, "a field at byte %zu is malformed or runs past its object",
                     pos);
            return -1;
        }
        if ((type == CARRY_U64 && vlen != 8) || (type == CARRY_FD && vlen != FD_PAYLOAD)) {
            snprintf(k->err, k->errlen, "field \"%.*s\" has the wrong size", (int)klen, key);
            return -1;
        }
        if (type == CARRY_OBJECT && check_object(k, p + at, vlen, depth + 1) == -1)
            return -1;
        if (type == CARRY_FD && check_fd(k, p + at) == -1)
            return -1;
        pos = at + vlen; /* another type: from a newer writer, skipped */
    }
    return 0;
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

static int check_fds_once(struct check *k)
{
    if (k->n_fds < 2)
        return 0; /* nothing to sort (and no array at all when none) */
    qsort(k->fds, k->n_fds, sizeof(*k->fds), cmp_int);
    for (size_t i = 1; i < k->n_fds; i++)
        if (k->fds[i] == k->fds[i - 1]) {
            snprintf(k->err, k->errlen, "descriptor %d is named twice", k->fds[i]);
            return -1;
        }
    return 0;
}

int carry_read_open(struct carry *c, const void *buf, size_t len, uint32_t version, char *err,
                    size_t errlen)
{
    const unsigned char *p = buf;
    struct check k = {.err = err, .errlen = errlen};

    memset(c, 0, sizeof(*c));
    if (len < CARRY_HEADER_LEN || memcmp(p, carry_magic, sizeof(carry_magic)) != 0) {
        snprintf(err, errlen, "not a carried state record (%zu bytes)", len);
        return -1;
    }
    if (get_le(p + 8, 4) != version) {
        snprintf(err, errlen, "state format version %u, this program reads %u",
                 (unsigned)get_le(p + 8, 4), (unsigned)version);
        return -1;
    }
    if (get_le(p + 16, 8) != len - CARRY_HEADER_LEN) {
        snprintf(err, errlen, "record of %zu bytes says its body is %llu", len,
                 (unsigned long long)get_le(p + 16, 8));
        return -1;
    }
    if (crc32c(0, p + CARRY_HEADER_LEN, len - CARRY_HEADER_LEN) != get_le(p + 12, 4)) {
        snprintf(err, errlen, "checksum mismatch");
        return -1;
    }
    int rc = check_object(&k, p + CARRY_HEADER_LEN, len - CARRY_HEADER_LEN, 0);
    if (rc == 0)
        rc = check_fds_once(&k);
    free(k.fds);
    if (rc == -1)
        return -1;
    c->stack[0].p = p + CARRY_HEADER_LEN;
    c->stack[0].len = len - CARRY_HEADER_LEN;
    return 0;
}

static size_t collect_fds(const unsigned char *p, size_t len, int *fds, size_t max, size_t n)
{
    for (size_t pos = 0; pos < len;) {
        unsigned type = p[pos], klen = p[pos + 1];
        size_t at = pos + 2 + klen + 4, vlen = (size_t)get_le(p + pos + 2 + klen, 4);
        if (type == CARRY_OBJECT)
            n = collect_fds(p + at, vlen, fds, max, n);
        else if (type == CARRY_FD && n < max)
            fds[n++] = (int)get_le(p + at, 4);
        pos = at + vlen;
    }
    return n;
}

size_t carry_read_fds(const void *buf, size_t len, int *fds, size_t max)
{
    const unsigned char *p = buf;
    return collect_fds(p + CARRY_HEADER_LEN, len - CARRY_HEADER_LEN, fds, max, 0);
}
