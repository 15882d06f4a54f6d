/* The writers' byte buffer (see outbuf.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbuf.h"

void outbuf_init(struct outbuf *ob, char *buf, size_t cap)
{
    memset(ob, 0, sizeof(*ob));
    ob->fixed = buf != NULL;
    ob->data = buf;
    if (ob->fixed) {
        ob->cap = cap;
        if (cap > 0)
            buf[0] = '\0';
        else
            ob->failed = true;
    } else {
        ob->max = cap;
    }
}

void outbuf_free(struct outbuf *ob)
{
    if (!ob->fixed)
        free(ob->data);
    ob->data = NULL;
    ob->len = ob->cap = 0;
}

void outbuf_drain(struct outbuf *ob)
{
    ob->len = 0;
    if (ob->data != NULL)
        ob->data[0] = '\0';
}

/* Make room for N more bytes and the NUL: false (and failed) when it cannot. */
static bool reserve(struct outbuf *ob, size_t n)
{
    size_t want, cap;
    char *p;

    if (ob->failed)
        return false;
    if (n < ob->cap && ob->len < ob->cap - n)
        return true;
    if (ob->fixed || n >= ob->max || ob->len >= ob->max - n) {
        ob->failed = true;
        return false;
    }
    want = ob->len + n + 1;
    cap = ob->cap ? ob->cap : 256;
    while (cap < want)
        cap *= 2;
    if (cap > ob->max)
        cap = ob->max;
    p = realloc(ob->data, cap);
    if (p == NULL) {
        ob->failed = true;
        return false;
    }
    ob->data = p;
    ob->cap = cap;
    return true;
}

void outbuf_add(struct outbuf *ob, const void *p, size_t n)
{
    if (!reserve(ob, n))
        return;
    memcpy(ob->data + ob->len, p, n);
    ob->len += n;
    ob->data[ob->len] = '\0';
}

void outbuf_addc(struct outbuf *ob, char c)
{
    outbuf_add(ob, &c, 1);
}

void outbuf_adds(struct outbuf *ob, const char *s)
{
    outbuf_add(ob, s, strlen(s));
}

void outbuf_printf(struct outbuf *ob, const char *fmt, ...)
{
    char small[128];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) {
        ob->failed = true;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        outbuf_add(ob, small, (size_t)n);
        return;
    }
    if (!reserve(ob, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(ob->data + ob->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    ob->len += (size_t)n;
}
