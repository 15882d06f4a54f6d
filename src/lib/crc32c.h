/*
 * CRC-32C (Castagnoli, the checksum of SCTP, iSCSI and the PROXY protocol v2
 * CRC32C TLV).  Small and table-driven (a 16-entry table, four bits at a
 * time): it only checks headers of at most a few kilobytes.
 */
#ifndef SUPERSERVER_CRC32C_H
#define SUPERSERVER_CRC32C_H

#include <stddef.h>
#include <stdint.h>

/* CRC-32C of BUF (LEN bytes) continued from CRC, which is 0 for the first
 * piece: crc32c(crc32c(0, a, n), b, m) is the CRC of a followed by b.
 * crc32c(0, "123456789", 9) == 0xe3069283. */
uint32_t crc32c(uint32_t crc, const void *buf, size_t len);

#endif
