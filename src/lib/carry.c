/*
 * The carried record (see carry.h).  Layout, little-endian:
 *
 *     header  "SSCARRY\0", u32 version, u32 CRC-32C of the body, u64 body length
 *     field   u8 type, u8 key length, key, u32 payload length, payload
 *
 * An object's payload is its fields; a list is an object whose fields are
 * objects with an empty key.  A descriptor's payload is u32 fd, u32 file
 * type (st_mode & S_IFMT), u64 device, u64 inode.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "carry.h"
#include "carry_format.h"
#include "crc32c.h"

void carry_fail(struct carry *c, const char *fmt, ...)
{
    va_list ap;

    if (c->failed)
        return;
    c->failed = true;
    va_start(ap, fmt);
    vsnprintf(c->err, sizeof(c->err), fmt, ap);
    va_end(ap);
}

/* ---- writing */

void carry_write_init(struct carry *c)
{
    unsigned char header[CARRY_HEADER_LEN] = {0};

    memset(c, 0, sizeof(*c));
    c->writing = true;
    outbuf_init(&c->out, NULL, CARRY_MAX_BYTES);
    outbuf_add(&c->out, header, sizeof(header));
}

void carry_free(struct carry *c)
{
    if (c->writing)
        outbuf_free(&c->out);
    free(c->fds);
    c->fds = NULL;
    c->n_fds = c->cap_fds = 0;
}

/* A field's type, key and payload length; the offset of the length. */
static size_t put_field(struct carry *c, enum carry_type type, const char *key, size_t len)
{
    size_t klen = strlen(key);
    unsigned char head[2 + CARRY_KEY_MAX + 4];

    if (klen > CARRY_KEY_MAX || len > UINT32_MAX) {
        carry_fail(c, "field \"%.40s\": key or value too long", key);
        return 0;
    }
    head[0] = (unsigned char)type;
    head[1] = (unsigned char)klen;
    memcpy(head + 2, key, klen);
    put_le(head + 2 + klen, len, 4);
    outbuf_add(&c->out, head, 2 + klen + 4);
    if (c->out.failed)
        carry_fail(c, "record larger than %u bytes or out of memory", CARRY_MAX_BYTES);
    return c->out.len - 4;
}

static void put_value(struct carry *c, enum carry_type type, const char *key, const void *p,
                      size_t len)
{
    put_field(c, type, key, len);
    outbuf_add(&c->out, p, len);
}

static bool write_fd(struct carry *c, const char *key, int fd)
{
    unsigned char v[FD_PAYLOAD];
    struct stat st;

    if (fd < 0)
        return true; /* none: nothing written */
    if (fstat(fd, &st) == -1) {
        carry_fail(c, "field \"%s\": descriptor %d: %s", key, fd, strerror(errno));
        return false;
    }
    if (c->n_fds == c->cap_fds) {
        size_t ncap = c->cap_fds ? c->cap_fds * 2 : 64;
        int *n = realloc(c->fds, ncap * sizeof(*n));
        if (!n) {
            carry_fail(c, "out of memory");
            return false;
        }
        c->fds = n;
        c->cap_fds = ncap;
    }
    c->fds[c->n_fds++] = fd;
    put_le(v, (uint32_t)fd, 4);
    put_le(v + 4, st.st_mode & S_IFMT, 4);
    put_le(v + 8, st.st_dev, 8);
    put_le(v + 16, st.st_ino, 8);
    put_value(c, CARRY_FD, key, v, sizeof(v));
    return true;
}

int carry_write_finish(struct carry *c, uint32_t version, const unsigned char **data, size_t *len)
{
    unsigned char *h = (unsigned char *)c->out.data;

    if (c->depth != 0)
        carry_fail(c, "an object was left open");
    if (c->failed || c->out.failed)
        return -1;
    size_t body = c->out.len - CARRY_HEADER_LEN;
    memcpy(h, carry_magic, sizeof(carry_magic));
    put_le(h + 8, version, 4);
    put_le(h + 12, crc32c(0, h + CARRY_HEADER_LEN, body), 4);
    put_le(h + 16, body, 8);
    *data = h;
    *len = c->out.len;
    return 0;
}

/* ---- reading fields (the record was checked whole) */

/* The first field KEY of the object being read: its payload, or NULL when
 * there is none (or C failed); one of another type fails C. */
static const unsigned char *find(struct carry *c, const char *key, enum carry_type type,
                                 size_t *vlen)
{
    const struct carry_level *o = &c->stack[c->depth];
    size_t klen = strlen(key);

    if (c->failed)
        return NULL;
    for (size_t pos = 0; pos < o->len;) {
        unsigned t = o->p[pos], kl = o->p[pos + 1];
        size_t at = pos + 2 + kl + 4;
        *vlen = (size_t)get_le(o->p + pos + 2 + kl, 4);
        if (kl == klen && memcmp(o->p + pos + 2, key, klen) == 0) {
            if (t == type)
                return o->p + at;
            carry_fail(c, "field \"%s\" is not of the type expected", key);
            return NULL;
        }
        pos = at + *vlen;
    }
    return NULL;
}

static void push(struct carry *c, const unsigned char *p, size_t len)
{
    c->depth++;
    c->stack[c->depth].p = p;
    c->stack[c->depth].len = len;
    c->stack[c->depth].next_item = 0;
}

/* ---- both directions */

void carry_u64(struct carry *c, const char *key, uint64_t *v)
{
    unsigned char b[8];
    size_t n;
    const unsigned char *p;

    if (c->writing) {
        put_le(b, *v, 8);
        put_value(c, CARRY_U64, key, b, 8);
    } else if ((p = find(c, key, CARRY_U64, &n))) {
        *v = get_le(p, 8);
    }
}

void carry_uint(struct carry *c, const char *key, unsigned *v)
{
    uint64_t x = *v;

    carry_u64(c, key, &x);
    if (x > UINT32_MAX)
        carry_fail(c, "field \"%s\" out of range", key);
    else
        *v = (unsigned)x;
}

void carry_int(struct carry *c, const char *key, int *v)
{
    uint64_t x = (uint64_t)(int64_t)*v;

    carry_u64(c, key, &x);
    if ((int64_t)x < INT32_MIN || (int64_t)x > INT32_MAX)
        carry_fail(c, "field \"%s\" out of range", key);
    else
        *v = (int)(int64_t)x;
}

void carry_bool(struct carry *c, const char *key, bool *v)
{
    uint64_t x = *v;

    carry_u64(c, key, &x);
    if (x > 1)
        carry_fail(c, "field \"%s\" out of range", key);
    else
        *v = x == 1;
}

void carry_double(struct carry *c, const char *key, double *v)
{
    uint64_t x;

    memcpy(&x, v, sizeof(x));
    carry_u64(c, key, &x);
    memcpy(v, &x, sizeof(x));
}

void carry_bytes_max(struct carry *c, const char *key, void *p, size_t n, size_t *len)
{
    const unsigned char *v;
    size_t vlen;

    if (c->writing) {
        put_value(c, CARRY_BYTES, key, p, *len);
        return;
    }
    if (!(v = find(c, key, CARRY_BYTES, &vlen)))
        return;
    if (vlen > n) {
        carry_fail(c, "field \"%s\" is longer than %zu bytes", key, n);
        return;
    }
    memcpy(p, v, vlen);
    *len = vlen;
}

void carry_bytes(struct carry *c, const char *key, void *p, size_t n)
{
    size_t len = n;

    carry_bytes_max(c, key, p, n, &len);
    if (len != n)
        carry_fail(c, "field \"%s\" is not %zu bytes", key, n);
}

void carry_str(struct carry *c, const char *key, char *buf, size_t cap)
{
    size_t len = strlen(buf);

    if (c->writing) {
        carry_bytes_max(c, key, buf, len, &len);
        return;
    }
    const unsigned char *v = find(c, key, CARRY_BYTES, &len);
    if (!v)
        return;
    if (len >= cap || memchr(v, '\0', len)) {
        carry_fail(c, "field \"%s\" is not a string shorter than %zu bytes", key, cap);
        return;
    }
    memcpy(buf, v, len);
    buf[len] = '\0';
}

void carry_fd(struct carry *c, const char *key, int *fd)
{
    const unsigned char *p;
    size_t n;

    if (c->writing) {
        write_fd(c, key, *fd);
        return;
    }
    *fd = -1;
    if ((p = find(c, key, CARRY_FD, &n)))
        *fd = (int)get_le(p, 4);
}

bool carry_enter(struct carry *c, const char *key)
{
    const unsigned char *p;
    size_t n;

    if (c->depth >= CARRY_MAX_DEPTH) {
        carry_fail(c, "objects nested deeper than %d", CARRY_MAX_DEPTH);
        return false;
    }
    if (c->writing) {
        size_t off = put_field(c, CARRY_OBJECT, key, 0);
        c->depth++;
        c->stack[c->depth].len_offset = off;
        return true;
    }
    if (!(p = find(c, key, CARRY_OBJECT, &n)))
        return false;
    push(c, p, n);
    return true;
}

bool carry_item(struct carry *c)
{
    struct carry_level *o = &c->stack[c->depth];

    if (c->writing)
        return carry_enter(c, "");
    if (c->failed || c->depth >= CARRY_MAX_DEPTH)
        return false;
    while (o->next_item < o->len) {
        size_t pos = o->next_item;
        unsigned t = o->p[pos], kl = o->p[pos + 1];
        size_t at = pos + 2 + kl + 4, n = (size_t)get_le(o->p + pos + 2 + kl, 4);
        o->next_item = at + n;
        if (t == CARRY_OBJECT && kl == 0) {
            push(c, o->p + at, n);
            return true;
        }
    }
    return false;
}

void carry_leave(struct carry *c)
{
    if (c->depth == 0) {
        carry_fail(c, "left more objects than were entered");
        return;
    }
    if (c->writing && !c->failed) {
        size_t off = c->stack[c->depth].len_offset;
        size_t len = c->out.len - off - 4;
        if (len > UINT32_MAX)
            carry_fail(c, "an object larger than 4 GiB");
        put_le((unsigned char *)c->out.data + off, len, 4);
    }
    c->depth--;
}

size_t carry_read_list(struct carry *c, const char *key, carry_item_fn *fn, void *ctx)
{
    size_t n = 0;

    if (c->writing || !carry_enter(c, key))
        return 0;
    while (carry_item(c)) {
        if (fn)
            fn(c, ctx);
        carry_leave(c);
        n++;
    }
    carry_leave(c);
    return n;
}
