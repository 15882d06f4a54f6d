/* The JSON writer (see json_out.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "json_out.h"
#include "utf8.h"

void json_init(struct json_out *j, struct outbuf *ob)
{
    memset(j, 0, sizeof(*j));
    j->ob = ob;
}

/* Before any value: the comma, and a check that a value may come here. */
static bool value_start(struct json_out *j)
{
    if (j->failed)
        return false;
    if (j->in_object[j->depth] && !j->key_pending) {
        j->failed = true; /* an object member needs its key first */
        return false;
    }
    if (j->depth == 0 && j->has_member[0]) {
        j->failed = true; /* one document only */
        return false;
    }
    if (!j->key_pending && j->has_member[j->depth])
        outbuf_addc(j->ob, ',');
    j->key_pending = false;
    j->has_member[j->depth] = true;
    return true;
}

static void open_level(struct json_out *j, bool object)
{
    if (!value_start(j))
        return;
    if (j->depth == JSON_MAX_DEPTH) {
        j->failed = true;
        return;
    }
    outbuf_addc(j->ob, object ? '{' : '[');
    j->depth++;
    j->in_object[j->depth] = object;
    j->has_member[j->depth] = false;
}

static void close_level(struct json_out *j, bool object)
{
    if (j->failed)
        return;
    if (j->depth == 0 || j->in_object[j->depth] != object || j->key_pending) {
        j->failed = true;
        return;
    }
    j->depth--;
    outbuf_addc(j->ob, object ? '}' : ']');
}

void json_object_begin(struct json_out *j)
{
    open_level(j, true);
}

void json_object_end(struct json_out *j)
{
    close_level(j, true);
}

void json_array_begin(struct json_out *j)
{
    open_level(j, false);
}

void json_array_end(struct json_out *j)
{
    close_level(j, false);
}

void json_escape(struct outbuf *ob, const char *s, size_t len)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;

    while (i < len) {
        size_t run = i, n;
        /* Copy the longest run that needs no escape at once. */
        while (run < len && p[run] >= 0x20 && p[run] < 0x7f && p[run] != '"' && p[run] != '\\')
            run++;
        outbuf_add(ob, p + i, run - i);
        if ((i = run) == len)
            break;
        if (p[i] == '"' || p[i] == '\\') {
            outbuf_addc(ob, '\\');
            outbuf_addc(ob, (char)p[i++]);
        } else if (p[i] < 0x20 || p[i] == 0x7f) {
            outbuf_printf(ob, "\\u%04x", p[i++]);
        } else if ((n = utf8_seq(p + i, len - i)) > 0) {
            outbuf_add(ob, p + i, n);
            i += n;
        } else {
            outbuf_adds(ob, "\xef\xbf\xbd"); /* U+FFFD for each bad byte */
            i++;
        }
    }
}

void json_key(struct json_out *j, const char *key)
{
    if (j->failed)
        return;
    if (!j->in_object[j->depth] || j->key_pending || j->depth == 0) {
        j->failed = true;
        return;
    }
    if (j->has_member[j->depth])
        outbuf_addc(j->ob, ',');
    outbuf_addc(j->ob, '"');
    json_escape(j->ob, key, strlen(key));
    outbuf_adds(j->ob, "\":");
    j->key_pending = true;
}

void json_string_n(struct json_out *j, const char *s, size_t len)
{
    if (!value_start(j))
        return;
    outbuf_addc(j->ob, '"');
    json_escape(j->ob, s, len);
    outbuf_addc(j->ob, '"');
}

void json_string(struct json_out *j, const char *s)
{
    json_string_n(j, s, strlen(s));
}

void json_int(struct json_out *j, long long v)
{
    if (value_start(j))
        outbuf_printf(j->ob, "%lld", v);
}

void json_uint(struct json_out *j, unsigned long long v)
{
    if (value_start(j))
        outbuf_printf(j->ob, "%llu", v);
}

void json_double(struct json_out *j, double v)
{
    if (!value_start(j))
        return;
    if (!isfinite(v))
        outbuf_adds(j->ob, "null");
    else
        outbuf_printf(j->ob, "%.17g", v);
}

void json_bool(struct json_out *j, bool v)
{
    if (value_start(j))
        outbuf_adds(j->ob, v ? "true" : "false");
}

void json_null(struct json_out *j)
{
    if (value_start(j))
        outbuf_adds(j->ob, "null");
}

void json_kv_string(struct json_out *j, const char *key, const char *s)
{
    json_key(j, key);
    json_string(j, s);
}

void json_kv_uint(struct json_out *j, const char *key, unsigned long long v)
{
    json_key(j, key);
    json_uint(j, v);
}

bool json_done(const struct json_out *j)
{
    return !j->failed && !j->ob->failed && j->depth == 0 && j->has_member[0];
}
