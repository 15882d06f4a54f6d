/*
 * Safe opening and the file-trust checks of a root daemon (see
 * file_trust.h); the config layer applies them to config files, includes,
 * the inetd.conf of --import-inetd and `exec`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "file_trust.h"

const char *file_untrusted(const struct stat *st, char *buf, size_t len)
{
    if (st->st_uid != 0) {
        snprintf(buf, len, "not owned by root (owner uid %u)", (unsigned)st->st_uid);
        return buf;
    }
    if (st->st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(buf, len, "writable by group or others (mode %04o)",
                 (unsigned)(st->st_mode & 07777));
        return buf;
    }
    return NULL;
}

/* What a non-regular file is, for "not a regular file (a fifo)". */
static const char *file_kind(mode_t mode)
{
    if (S_ISDIR(mode))
        return "a directory";
    if (S_ISFIFO(mode))
        return "a fifo";
    if (S_ISSOCK(mode))
        return "a socket";
    if (S_ISCHR(mode))
        return "a character device";
    if (S_ISBLK(mode))
        return "a block device";
    return "not a plain file";
}

int file_open_regular(const char *path, struct stat *st, char *buf, size_t len)
{
    /* O_NONBLOCK: opening a FIFO with no writer would wait for one */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);

    if (fd < 0) {
        snprintf(buf, len, "cannot open: %s", strerror(errno));
        return -1;
    }
    if (fstat(fd, st) < 0) {
        snprintf(buf, len, "cannot open: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (!S_ISREG(st->st_mode)) {
        snprintf(buf, len, "not a regular file (%s)", file_kind(st->st_mode));
        close(fd);
        return -1;
    }
    return fd;
}
