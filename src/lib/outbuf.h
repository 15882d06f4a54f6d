/*
 * outbuf: the byte buffer the text writers (json_out, prom_out) append to,
 * either growing on the heap or a caller's fixed array.  A write that does
 * not fit (or cannot be allocated) sets `failed` and is dropped whole, so a
 * caller checks once at the end instead of after every call.  A streaming
 * caller may send data[0..len) and call outbuf_drain() between writes.
 */
#ifndef SUPERSERVER_OUTBUF_H
#define SUPERSERVER_OUTBUF_H

#include <stdbool.h>
#include <stddef.h>

struct outbuf {
    char *data; /* NUL-terminated after every write while room remains */
    size_t len;
    size_t cap;
    size_t max; /* growable: the most it may grow to */
    bool fixed; /* data is the caller's */
    bool failed;
};

/* Write into BUF (CAP bytes, one kept for the NUL); with BUF NULL, grow on
 * the heap up to CAP bytes. */
void outbuf_init(struct outbuf *ob, char *buf, size_t cap);
/* Release a growable buffer's memory (nothing for a fixed one). */
void outbuf_free(struct outbuf *ob);
/* Forget the bytes written so far (they were sent); `failed` stays. */
void outbuf_drain(struct outbuf *ob);

void outbuf_add(struct outbuf *ob, const void *p, size_t n);
void outbuf_addc(struct outbuf *ob, char c);
void outbuf_adds(struct outbuf *ob, const char *s);
void outbuf_printf(struct outbuf *ob, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
