/*
 * carry: state handed from one program image to the next across execve, as
 * one record: a header (magic, format version, body length, CRC-32C of the
 * body) and a body of named fields.  A field is a number, bytes, an object
 * (more fields; a list is an object of unnamed objects) or a descriptor
 * (its number and the identity of the file it has open: type, device,
 * inode).
 *
 * One set of calls both writes and reads, so that whoever owns some state
 * says once, field by field, what of it is carried: `carry_u64(c, "accepted",
 * &st->accepted)` puts the value when C is writing and gets it when C is
 * reading.  A reader looks fields up by name: a field it does not know is
 * skipped, one it asks for and the record lacks leaves the value as it was,
 * so adding a field is one line on each side of an upgrade.  A field of the
 * wrong type or size fails the read.
 *
 * The reader trusts nothing before carry_read_open has checked the whole
 * record: the header, every length at every depth, the checksum, and every
 * descriptor it names (open, >= 3, named once, still the file the writer
 * saw).  Only then does any caller read a value.
 */
#ifndef SUPERSERVER_CARRY_H
#define SUPERSERVER_CARRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "outbuf.h"

#define CARRY_KEY_MAX    32 /* bytes of a field's name */
#define CARRY_MAX_DEPTH  8  /* objects inside objects */
#define CARRY_HEADER_LEN 24
#define CARRY_MAX_BYTES  (1u << 30) /* the largest record written or read */

struct carry_level {
    const unsigned char *p; /* reading: the object's fields */
    size_t len;
    size_t next_item;  /* reading: where carry_item looks next */
    size_t len_offset; /* writing: where the object's length goes */
};

struct carry {
    bool writing;
    bool failed;
    char err[200]; /* the first failure */
    struct carry_level stack[CARRY_MAX_DEPTH + 1];
    int depth; /* stack[depth] is the object being written or read */
    /* writing */
    struct outbuf out;
    int *fds; /* the descriptors the record names, in the order written */
    size_t n_fds, cap_fds;
};

/* Start writing a record (free it with carry_free). */
void carry_write_init(struct carry *c);
/* Close the record: its bytes in *DATA, *LEN (C's; valid until carry_free).
 * -1 with c->err when a write failed (out of memory, an fd fstat refused,
 * objects left open). */
int carry_write_finish(struct carry *c, uint32_t version, const unsigned char **data, size_t *len);
void carry_free(struct carry *c);

/* Check the record in BUF (LEN bytes, the caller's, kept while reading) as
 * a whole (see above) and start reading its top object.  -1 with ERR.
 * Nothing is allocated: there is nothing to free. */
int carry_read_open(struct carry *c, const void *buf, size_t len, uint32_t version, char *err,
                    size_t errlen);
/* The descriptors a checked record names, each once, in record order:
 * up to MAX in FDS; the number found. */
size_t carry_read_fds(const void *buf, size_t len, int *fds, size_t max);

/* The fields, in both directions (see above). */
void carry_u64(struct carry *c, const char *key, uint64_t *v);
void carry_uint(struct carry *c, const char *key, unsigned *v);
void carry_int(struct carry *c, const char *key, int *v);
void carry_bool(struct carry *c, const char *key, bool *v);
void carry_double(struct carry *c, const char *key, double *v);
/* Exactly N bytes. */
void carry_bytes(struct carry *c, const char *key, void *p, size_t n);
/* Up to N bytes: the length read in *LEN. */
void carry_bytes_max(struct carry *c, const char *key, void *p, size_t n, size_t *len);
/* A string without NUL bytes, shorter than CAP. */
void carry_str(struct carry *c, const char *key, char *buf, size_t cap);
/* A descriptor: reading, -1 when the record has none under KEY. */
void carry_fd(struct carry *c, const char *key, int *fd);

/* Enter the object KEY (writing: begin it).  Reading: false when the record
 * has none, and then carry_leave must not be called. */
bool carry_enter(struct carry *c, const char *key);
/* The next unnamed object of the object entered (a list's next item):
 * writing, begin one; reading, enter the next one, false when none is left. */
bool carry_item(struct carry *c);
/* Leave the object entered last (writing: its length is known now). */
void carry_leave(struct carry *c);

/* Reading: FN (with C inside the item, and CTX) for each item of the list
 * KEY, in order; the number of items (0 when the record has none; FN NULL
 * only counts them). */
typedef void carry_item_fn(struct carry *c, void *ctx);
size_t carry_read_list(struct carry *c, const char *key, carry_item_fn *fn, void *ctx);

/* Fail the read or write with a message (the first one is kept). */
void carry_fail(struct carry *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
