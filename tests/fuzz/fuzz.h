/*
 * What every fuzz harness exports: libFuzzer's entry point, and the prefix
 * the regression driver (regress.c) and the corpus seeding put before a seed
 * file's bytes (the config harness reads its syntax from the first byte).
 */
#ifndef SUPERSERVER_FUZZ_H
#define SUPERSERVER_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The bytes to put before the seed file PATH ("" for none). */
const char *fuzz_seed_prefix(const char *path);

/* Inputs larger than this are ignored: big inputs only slow the fuzzer down. */
#define FUZZ_MAX_INPUT (64u * 1024)

/* A broken invariant: abort so that libFuzzer (or the regression test) reports it. */
#define FUZZ_ASSERT(cond)                                                                          \
    do {                                                                                           \
        if (!(cond))                                                                               \
            fuzz_fail(__FILE__, __LINE__, #cond);                                                  \
    } while (0)

void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* DATA (SIZE bytes) as a malloc'ed NUL-terminated string, as the parsers get
 * a file; NULL when out of memory. */
char *fuzz_cstring(const uint8_t *data, size_t size);

/* Write SIZE bytes of DATA to PATH (created 0600, truncated). */
void fuzz_write_file(const char *path, const void *data, size_t size);

#endif
