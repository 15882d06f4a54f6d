/*
 * Inside the addr module (addr.c, addr_source.c): the helpers both files
 * use.  Not for the rest of the code, which uses addr.h.
 */
#ifndef SUPERSERVER_ADDR_INT_H
#define SUPERSERVER_ADDR_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* The address bytes of SA (16, zero-padded; an IPv4-mapped IPv6 address as
 * its 4 IPv4 bytes): AF_INET, AF_INET6, or AF_UNSPEC for anything else. */
int addr_inet_bytes(const struct sockaddr *sa, uint8_t bytes[16]);
/* Keep the first PREFIX bits of B (of family FAM) and write "ADDR/PREFIX". */
void addr_format_prefix(int fam, uint8_t *b, unsigned prefix, char *buf, size_t len);

#endif
