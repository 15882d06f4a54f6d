/*
 * The carried record's layout (see carry.c), shared by its writer and
 * reader (carry.c) and its checker (carry_check.c); no one else includes it.
 */
#ifndef SUPERSERVER_CARRY_FORMAT_H
#define SUPERSERVER_CARRY_FORMAT_H

#include <stdint.h>

enum carry_type { CARRY_U64 = 1, CARRY_BYTES = 2, CARRY_OBJECT = 3, CARRY_FD = 4 };

#define FD_PAYLOAD 24

static const unsigned char carry_magic[8] = {'S', 'S', 'C', 'A', 'R', 'R', 'Y', 0};

static inline void put_le(unsigned char *p, uint64_t v, int n)
{
    for (int i = 0; i < n; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static inline uint64_t get_le(const unsigned char *p, int n)
{
    uint64_t v = 0;

    for (int i = n - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

#endif
