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
 * Why a root daemon must not trust the folders on the way to PATH, as sshd's
 * StrictModes asks: each from / down to PATH's own folder must be owned by
 * root and not writable by group or others, unless sticky (/tmp: there only
 * the owner of a file can replace it, so the caller's file_untrusted() of
 * the file itself is enough).  The folders as PATH names them are checked
 * (a relative PATH from the working folder), then those of its resolved path
 * when symbolic links lead elsewhere.  NULL when all may be trusted, else
 * the reason in BUF: "folder /srv/bin is writable by others (mode 0777)".
 */
const char *file_trust_path(const char *path, char *buf, size_t len);

/*
 * Open PATH to read it, so that the open cannot block (a FIFO or a device
 * would) nor make a terminal ours, close-on-exec, and refuse anything but a
 * regular file.  Returns the descriptor (still O_NONBLOCK, which a regular
 * file ignores) with its status in *ST, or -1 with the reason in BUF:
 * "cannot open: No such file or directory", "not a regular file (a fifo)".
 */
int file_open_regular(const char *path, struct stat *st, char *buf, size_t len);

#endif
