/* CRC-32C, reflected polynomial 0x82f63b78 (see crc32c.h). */
#include "crc32c.h"

/* The CRC of each four-bit value; T[i] = i shifted through the polynomial. */
static const uint32_t crc32c_nibble[16] = {
    0x00000000, 0x105ec76f, 0x20bd8ede, 0x30e349b1, 0x417b1dbc, 0x5125dad3, 0x61c69362, 0x7198540d,
    0x82f63b78, 0x92a8fc17, 0xa24bb5a6, 0xb21572c9, 0xc38d26c4, 0xd3d3e1ab, 0xe330a81a, 0xf36e6f75,
};

uint32_t crc32c(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;

    /* The register holds the complement between pieces, so that chaining works. */
    crc = ~crc;
    for (size_t i = 0; i < len; i++) {
        crc ^= p[i];
        crc = (crc >> 4) ^ crc32c_nibble[crc & 0x0f];
        crc = (crc >> 4) ^ crc32c_nibble[crc & 0x0f];
    }
    return ~crc;
}
