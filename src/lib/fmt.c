/* Numbers and IPv4 addresses as text without stdio (see fmt.h). */
#include <string.h>

#include "fmt.h"

size_t fmt_uint(char *buf, uint64_t v)
{
    char rev[FMT_UINT_MAX];
    size_t n = 0;

    do {
        rev[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    for (size_t i = 0; i < n; i++)
        buf[i] = rev[n - 1 - i];
    return n;
}

size_t fmt_ipv4(char *buf, const uint8_t b[4])
{
    size_t n = 0;

    for (int i = 0; i < 4; i++) {
        if (i)
            buf[n++] = '.';
        n += fmt_uint(buf + n, b[i]);
    }
    return n;
}

size_t fmt_copy(char *buf, size_t len, const char *src, size_t src_len)
{
    if (len == 0)
        return src_len;
    size_t n = src_len < len - 1 ? src_len : len - 1;
    memcpy(buf, src, n);
    buf[n] = '\0';
    return src_len;
}
