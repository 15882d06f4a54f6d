/*
 * What the two halves of the PROXY header parser share: the results of a
 * step, the reason writer and the v1 parser (proxy_header_v1.c), called by
 * proxy_header_parse (proxy_header.c, which parses v2 itself).
 */
#ifndef SUPERSERVER_PROXY_HEADER_INT_H
#define SUPERSERVER_PROXY_HEADER_INT_H

#include "proxy_header.h"

/* A step's result; proxy_header_parse returns a length instead of PH_OK. */
enum { PH_BAD = -1, PH_MORE = 0, PH_OK = 1 };

/* Write the reason into WHY (WHYLEN bytes); returns PH_BAD. */
__attribute__((format(printf, 3, 4))) int proxy_header_bad(char *why, size_t whylen,
                                                           const char *fmt, ...);

/* A v1 line at BUF: its length, PH_MORE or PH_BAD (see proxy_header_parse). */
int proxy_header_v1(const unsigned char *buf, size_t len, struct proxy_header *out, char *why,
                    size_t whylen);

#endif
