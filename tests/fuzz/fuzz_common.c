/*
 * What all harnesses share, in the fuzzers and in the regression programs:
 * the invariant failure, the input as a string, writing a scratch file,
 * and the one third-party leak LeakSanitizer must not report.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"

void fuzz_fail(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: fuzz invariant broken: %s\n", file, line, what);
    abort();
}

char *fuzz_cstring(const uint8_t *data, size_t size)
{
    char *buf = malloc(size + 1);

    if (buf != NULL) {
        memcpy(buf, data, size);
        buf[size] = '\0';
    }
    return buf;
}

void fuzz_write_file(const char *path, const void *data, size_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

    FUZZ_ASSERT(fd >= 0);
    FUZZ_ASSERT(size == 0 || write(fd, data, size) == (ssize_t)size);
    close(fd);
}

const char *__lsan_default_suppressions(void);

/*
 * libconfig 1.5 (Debian 12) leaks the text of a string token that causes a
 * syntax error (`a = 1 "y";`, or `a = 1 "";` from the lexer itself): its
 * parser drops the token without freeing it.  Only inputs libconfig refuses
 * leak, inside libconfig; our own copies never go through these functions.
 */
const char *__lsan_default_suppressions(void)
{
    return "leak:strbuf_append\nleak:libconfig_yylex\n";
}
