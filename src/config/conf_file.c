/*
 * Reading a configuration file: a regular file only, opened so that it
 * cannot block (file_trust.h), trusted when a root daemon reads it, bounded
 * size, UTF-8 checked (so garbage and binary input give one clear line,
 * whatever the parser would have made of it), then handed to the front-end
 * its extension names.
 */
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf_file.h"
#include "file_trust.h"
#include "utf8.h"

bool conf_is_yaml(const char *path)
{
    size_t len = strlen(path);

    return (len >= 5 && strcmp(path + len - 5, ".yaml") == 0) ||
           (len >= 4 && strcmp(path + len - 4, ".yml") == 0);
}

/* Read all of FD (SIZE bytes by its status, which may be stale) into a
 * NUL-terminated arena buffer, at most CONF_MAX_FILE_SIZE bytes.  The buffer
 * starts at the file's size and doubles as the file turns out longer: a
 * small file costs a small buffer. */
static char *conf_read_fd(struct arena *a, int fd, off_t size, size_t *lenp, int *errp)
{
    const size_t max = CONF_MAX_FILE_SIZE + 1; /* one more byte tells "too large" */
    size_t cap = size > 0 && (size_t)size < max ? (size_t)size + 1 : size > 0 ? max : 4096;
    size_t len = 0;
    char *buf = malloc(cap), *copy;

    for (;;) {
        ssize_t r;
        if (buf == NULL) {
            *errp = ENOMEM;
            return NULL;
        }
        r = read(fd, buf + len, cap - len);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            *errp = errno;
            free(buf);
            return NULL;
        }
        len += (size_t)r;
        if (r == 0 || len == max)
            break;
        if (len == cap) {
            char *bigger = realloc(buf, cap = cap > max / 2 ? max : 2 * cap);
            if (bigger == NULL)
                free(buf);
            buf = bigger;
        }
    }
    if (len > CONF_MAX_FILE_SIZE) {
        *errp = EFBIG;
        free(buf);
        return NULL;
    }
    copy = arena_strndup(a, buf, len);
    free(buf);
    if (copy == NULL)
        *errp = ENOMEM;
    *lenp = len;
    return copy;
}

/* The 1-based line of byte OFF in BUF. */
static int conf_line_of(const char *buf, size_t off)
{
    int line = 1;

    for (size_t i = 0; i < off; i++)
        if (buf[i] == '\n')
            line++;
    return line;
}

/* Why a root daemon must not trust the file PATH (status ST) or its folders,
 * as WHAT ("a config file"), into ERR; false when it may. */
static bool conf_untrusted(const char *path, const struct stat *st, const char *what, char *err,
                           size_t errlen)
{
    char why[512];

    /* Like sshd's StrictModes: whoever can write it could run anything as root, */
    if (file_untrusted(st, why, sizeof(why))) {
        snprintf(err, errlen, "%s: refusing %s %s while running as root", path, what, why);
        return true;
    }
    /* ... and so could whoever can replace it in its folder. */
    if (file_trust_path(path, why, sizeof(why))) {
        snprintf(err, errlen, "%s: %s; refusing %s there while running as root", path, why, what);
        return true;
    }
    return false;
}

char *conf_read_file(struct arena *a, const char *path, const char *trust_as, struct stat *st,
                     size_t *len, char *err, size_t errlen)
{
    char why[512];
    int fd, e;
    char *buf;

    memset(st, 0, sizeof(*st));
    fd = file_open_regular(path, st, why, sizeof(why));
    e = errno;
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", path, why);
        errno = st->st_mode != 0 ? EINVAL : e; /* opened, but not a regular file */
        return NULL;
    }
    if (trust_as != NULL && conf_untrusted(path, st, trust_as, err, errlen)) {
        close(fd);
        errno = EPERM;
        return NULL;
    }
    buf = conf_read_fd(a, fd, st->st_size, len, &e);
    close(fd);
    if (buf == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path,
                 e == EFBIG ? "file too large (over 4 MiB)" : strerror(e ? e : ENOMEM));
        errno = e;
    }
    return buf;
}

struct cfgnode *conf_parse_file(struct arena *a, const char *path, bool strict, char *err,
                                size_t errlen)
{
    struct stat st;
    size_t len = 0, bad;
    char *buf = conf_read_file(a, path, strict ? "a config file" : NULL, &st, &len, err, errlen);
    const char *file = arena_strdup(a, path);
    char *body;

    if (buf == NULL)
        return NULL;
    if (file == NULL) {
        snprintf(err, errlen, "%s: cannot read: %s", path, strerror(ENOMEM));
        return NULL;
    }
    if (!utf8_valid(buf, len, &bad)) {
        cfgnode_syntax_error(err, errlen, path, conf_line_of(buf, bad), "%s",
                             buf[bad] == '\0' ? "NUL byte in the file" : "invalid UTF-8");
        return NULL;
    }
    body = buf;
    if (len >= 3 && memcmp(body, "\xef\xbb\xbf", 3) == 0) /* a byte-order mark */
        body += 3, len -= 3;
    if (conf_is_yaml(path))
        return conf_parse_yaml(a, file, body, len, err, errlen);
    return conf_parse_libconfig(a, file, body, len, err, errlen);
}
