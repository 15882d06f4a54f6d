/*
 * json_out: a small JSON writer for the control socket's --json answers.
 * It keeps the commas and the nesting; strings are escaped so the output is
 * always valid JSON and valid UTF-8: quote, backslash, every C0 control and
 * DEL as \u00XX, and each byte that does not start a valid UTF-8 sequence
 * (utf8_seq) replaced by U+FFFD.  A misuse (a value where a key is due, too
 * deep, closing what is not open) marks the writer failed, like a full
 * buffer: check json_done() once at the end.
 */
#ifndef SUPERSERVER_JSON_OUT_H
#define SUPERSERVER_JSON_OUT_H

#include <stdbool.h>
#include <stddef.h>

#include "outbuf.h"

#define JSON_MAX_DEPTH 16

struct json_out {
    struct outbuf *ob;
    int depth;
    bool failed;
    bool key_pending;                    /* a key was written, its value is due */
    bool in_object[JSON_MAX_DEPTH + 1];  /* per level: object (else array) */
    bool has_member[JSON_MAX_DEPTH + 1]; /* per level: a comma before the next */
};

void json_init(struct json_out *j, struct outbuf *ob);

void json_object_begin(struct json_out *j);
void json_object_end(struct json_out *j);
void json_array_begin(struct json_out *j);
void json_array_end(struct json_out *j);
/* The next member's name, inside an object. */
void json_key(struct json_out *j, const char *key);

void json_string(struct json_out *j, const char *s);
/* LEN bytes of S, NULs included (written as \u0000). */
void json_string_n(struct json_out *j, const char *s, size_t len);
void json_int(struct json_out *j, long long v);
void json_uint(struct json_out *j, unsigned long long v);
/* A finite number (%.17g); NaN and infinities, which JSON lacks, as null. */
void json_double(struct json_out *j, double v);
void json_bool(struct json_out *j, bool v);
void json_null(struct json_out *j);

/* Shorthands for a member of an object. */
void json_kv_string(struct json_out *j, const char *key, const char *s);
void json_kv_uint(struct json_out *j, const char *key, unsigned long long v);

/* Is the document complete, well nested and all written? */
bool json_done(const struct json_out *j);

/* The escaped body of a JSON string for LEN bytes of S (no quotes). */
void json_escape(struct outbuf *ob, const char *s, size_t len);

#endif
