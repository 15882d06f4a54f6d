/*
 * May a root daemon trust a file it reads or runs?  The checks sshd's
 * StrictModes makes: whoever can write a config file or a handler program
 * (or swap it) can run anything as root.
 */
#ifndef SUPERSERVER_FILE_TRUST_H
#define SUPERSERVER_FILE_TRUST_H

#include <stddef.h>
#include <sys/stat.h>

/*
 * Why a root daemon must not trust a file with status ST ("not owned by root
 * (owner uid 1000)", "writable by group or others (mode 0664)"), written into
 * BUF; NULL when it may.
 */
const char *file_untrusted(const struct stat *st, char *buf, size_t len);

#endif
