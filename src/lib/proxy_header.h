/*
 * The PROXY protocol header (haproxy's doc/proxy-protocol.txt), versions 1
 * (text) and 2 (binary), parsed from bytes: no sockets here.  The caller
 * peeks at the start of a connection, asks this parser, and either waits for
 * more bytes, refuses the connection, or consumes exactly the header's
 * length and serves the rest untouched.
 */
#ifndef SUPERSERVER_PROXY_HEADER_H
#define SUPERSERVER_PROXY_HEADER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/* Versions accepted (a bit set): PROXY_V1 | PROXY_V2 is "any". */
#define PROXY_V1  1u
#define PROXY_V2  2u
#define PROXY_ANY (PROXY_V1 | PROXY_V2)

/* Limits from the specification: a v1 line with its CRLF, and our cap on a
 * v2 header (16 fixed bytes, addresses and TLVs). */
#define PROXY_V1_MAX 107
#define PROXY_V2_MAX 4096

/* An exported TLV value: printable ASCII, at most 255 bytes, NUL-terminated. */
#define PROXY_TLV_MAX 255

struct proxy_header {
    int version; /* 1 or 2 */
    /* v2 LOCAL, v1 UNKNOWN or v2 PROXY with an unspecified family: serve with
     * the socket's own endpoints (src_len and dst_len are then 0). */
    bool is_local;
    /* The real client and the address it connected to: AF_INET, AF_INET6 or
     * (v2 only) AF_UNIX, whose sun_path holds the header's 108 bytes: a path
     * that long has no NUL, so read it within src_len/dst_len. */
    struct sockaddr_storage src, dst;
    socklen_t src_len, dst_len;
    /* v2 TLVs, "" when absent: PP2_TYPE_AUTHORITY, PP2_TYPE_ALPN and the
     * PP2_SUBTYPE_SSL_VERSION inside PP2_TYPE_SSL. */
    char authority[PROXY_TLV_MAX + 1];
    char alpn[PROXY_TLV_MAX + 1];
    char ssl_version[PROXY_TLV_MAX + 1];
};

/* Parse the header at the start of BUF (LEN bytes available), of one of the
 * versions in ACCEPT_VERSIONS.  Returns the header's length (> 0) when it is
 * complete and valid: OUT is filled and the caller consumes exactly that many
 * bytes (what follows is payload); 0 when BUF is a prefix of a header that may
 * still be valid (read more); -1 when it is invalid, with the reason in WHY
 * (WHYLEN bytes).  Never reads past BUF + LEN, nor more than PROXY_V2_MAX
 * bytes; OUT is meaningful only after a return > 0. */
int proxy_header_parse(const unsigned char *buf, size_t len, unsigned accept_versions,
                       struct proxy_header *out, char *why, size_t whylen);

#endif
