/*
 * Safe opening and the file-trust checks of a root daemon (see
 * file_trust.h); the config layer applies them to config files, includes,
 * the inetd.conf of --import-inetd and `exec`.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One folder of the walk: root's, and writable only by root unless sticky. */
static const char *file_folder_untrusted(const char *dir, char *buf, size_t len)
{
    struct stat st;

    if (stat(dir, &st) < 0) {
        snprintf(buf, len, "folder %s: %s", dir, strerror(errno));
        return buf;
    }
    if (st.st_uid != 0) {
        snprintf(buf, len, "folder %s is not owned by root (owner uid %u)", dir,
                 (unsigned)st.st_uid);
        return buf;
    }
    if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0) {
        snprintf(buf, len, "folder %s is writable by %s (mode %04o)", dir,
                 st.st_mode & S_IWOTH ? "others" : "group", (unsigned)(st.st_mode & 07777));
        return buf;
    }
    return NULL;
}

/* Each folder of the absolute path ABS, from / down to its last slash. */
static const char *file_walk(const char *abs, char *buf, size_t len)
{
    char dir[PATH_MAX];

    if (file_folder_untrusted("/", buf, len) != NULL)
        return buf;
    for (const char *p = strchr(abs + 1, '/'); p != NULL; p = strchr(p + 1, '/')) {
        size_t n = (size_t)(p - abs);
        if (p[-1] == '/') /* "//" */
            continue;
        if (n >= sizeof(dir)) {
            snprintf(buf, len, "path too long");
            return buf;
        }
        memcpy(dir, abs, n);
        dir[n] = '\0';
        if (file_folder_untrusted(dir, buf, len) != NULL)
            return buf;
    }
    return NULL;
}

const char *file_trust_path(const char *path, char *buf, size_t len)
{
    char named[PATH_MAX * 2], real[PATH_MAX], cwd[PATH_MAX];

    if (path[0] == '/') {
        snprintf(named, sizeof(named), "%s", path);
    } else if (getcwd(cwd, sizeof(cwd)) != NULL) {
        snprintf(named, sizeof(named), "%s/%s", cwd, path);
    } else {
        snprintf(buf, len, "cannot find the working folder: %s", strerror(errno));
        return buf;
    }
    if (file_walk(named, buf, len) != NULL)
        return buf;
    /* A symbolic link on the way: its target's folders count too. */
    if (realpath(path, real) == NULL) {
        snprintf(buf, len, "cannot resolve the path: %s", strerror(errno));
        return buf;
    }
    return strcmp(real, named) == 0 ? NULL : file_walk(real, buf, len);
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
