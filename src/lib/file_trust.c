/*
 * The file-trust checks of a root daemon (see file_trust.h): of one file's
 * status here; the config layer applies them to config files and `exec`.
 */
#include <stdio.h>

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
