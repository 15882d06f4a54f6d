/*
 * May a daemon read this file, and may root trust it?  Opening only regular
 * files, without blocking; and the checks sshd's StrictModes makes, since
 * whoever can write a config file or a handler program (or swap it) can run
 * anything as root.
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

/*
 * Open PATH to read it, so that the open cannot block (a FIFO or a device
 * would) nor make a terminal ours, close-on-exec, and refuse anything but a
 * regular file.  Returns the descriptor (still O_NONBLOCK, which a regular
 * file ignores) with its status in *ST, or -1 with the reason in BUF:
 * "cannot open: No such file or directory", "not a regular file (a fifo)".
 */
int file_open_regular(const char *path, struct stat *st, char *buf, size_t len);

#endif
