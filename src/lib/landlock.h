/*
 * Landlock through its system calls: the ABI the kernel offers, and a
 * ruleset built for it from three lists of paths (read, write, exec).  The
 * ruleset is a descriptor the daemon keeps; a handler restricts itself to it
 * with landlock_restrict_self() between clone and exec (raw_syscall.h).
 * Constants are our own: Debian 12's headers stop at ABI 2.
 */
#ifndef SUPERSERVER_LANDLOCK_H
#define SUPERSERVER_LANDLOCK_H

#include <stddef.h>
#include <stdint.h>

/* The kernel's Landlock ABI version (>= 1), or 0 when it has none (or it
 * is disabled). */
int landlock_abi(void);

/*
 * A ruleset handling every filesystem right ABI knows, allowing read,
 * read+write (create, remove, truncate) and read+execute beneath the paths
 * of the three NULL-terminated lists (any may be NULL).  Returns the
 * ruleset's descriptor (close-on-exec), or -1 with the path and the reason
 * in err.
 */
int landlock_ruleset(int abi, char *const *read, char *const *write, char *const *exec, char *err,
                     size_t errlen);

#endif
