/*
 * The one UTF-8 validator: config files, inetd.conf lines, YAML output and
 * log values all judge bytes by the same rules (no overlongs, surrogates,
 * code points past U+10FFFF or NUL).
 */
#ifndef SUPERSERVER_UTF8_H
#define SUPERSERVER_UTF8_H

#include <stdbool.h>
#include <stddef.h>

/* Length of the valid UTF-8 sequence at P (at most LEFT bytes), or 0 when
 * invalid or a NUL. */
size_t utf8_seq(const unsigned char *p, size_t left);

/* Is BUF (LEN bytes) valid UTF-8 without NUL?  When not and BAD is given,
 * *BAD is the offset of the first bad byte. */
bool utf8_valid(const char *buf, size_t len, size_t *bad);

#endif
