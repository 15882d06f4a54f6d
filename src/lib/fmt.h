/*
 * Writing numbers and IPv4 addresses into a buffer without stdio.  A
 * connection's start formats a handful of them (its environment, its peer
 * for the log), and printf's machinery was most of what the daemon's own
 * code cost per connection (callgrind); these write the same text.
 */
#ifndef SUPERSERVER_FMT_H
#define SUPERSERVER_FMT_H

#include <stddef.h>
#include <stdint.h>

/* Longest text of fmt_uint (a 64-bit value) and of fmt_ipv4, without NUL. */
#define FMT_UINT_MAX 20
#define FMT_IPV4_MAX 15

/* V in decimal at BUF (FMT_UINT_MAX bytes of room), no NUL; the length. */
size_t fmt_uint(char *buf, uint64_t v);
/* The 4 bytes B as "a.b.c.d" at BUF (FMT_IPV4_MAX bytes of room), no NUL,
 * as inet_ntop writes them; the length. */
size_t fmt_ipv4(char *buf, const uint8_t b[4]);
/* At most LEN - 1 bytes of SRC (SRC_LEN of them) into BUF, NUL-terminated
 * (nothing when LEN is 0), as snprintf(buf, len, "%s") would; SRC_LEN. */
size_t fmt_copy(char *buf, size_t len, const char *src, size_t src_len);

#endif
