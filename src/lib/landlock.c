/* Landlock rulesets (see landlock.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"

#define LL_CREATE_RULESET_VERSION (1U << 0)
#define LL_RULE_PATH_BENEATH      1

#define LL_EXECUTE     (1ULL << 0)
#define LL_WRITE_FILE  (1ULL << 1)
#define LL_READ_FILE   (1ULL << 2)
#define LL_READ_DIR    (1ULL << 3)
#define LL_REMOVE_DIR  (1ULL << 4)
#define LL_REMOVE_FILE (1ULL << 5)
#define LL_MAKE_CHAR   (1ULL << 6)
#define LL_MAKE_DIR    (1ULL << 7)
#define LL_MAKE_REG    (1ULL << 8)
#define LL_MAKE_SOCK   (1ULL << 9)
#define LL_MAKE_FIFO   (1ULL << 10)
#define LL_MAKE_BLOCK  (1ULL << 11)
#define LL_MAKE_SYM    (1ULL << 12)
#define LL_REFER       (1ULL << 13) /* ABI 2 */
#define LL_TRUNCATE    (1ULL << 14) /* ABI 3 */
#define LL_IOCTL_DEV   (1ULL << 15) /* ABI 5 */

/* What a rule on a file (not a folder) may allow. */
#define LL_FILE_RIGHTS (LL_EXECUTE | LL_WRITE_FILE | LL_READ_FILE | LL_TRUNCATE | LL_IOCTL_DEV)

#define LL_READ (LL_READ_FILE | LL_READ_DIR)
#define LL_WRITE                                                                                   \
    (LL_READ | LL_WRITE_FILE | LL_REMOVE_DIR | LL_REMOVE_FILE | LL_MAKE_CHAR | LL_MAKE_DIR |       \
     LL_MAKE_REG | LL_MAKE_SOCK | LL_MAKE_FIFO | LL_MAKE_BLOCK | LL_MAKE_SYM | LL_REFER |          \
     LL_TRUNCATE | LL_IOCTL_DEV)
#define LL_EXEC (LL_READ | LL_EXECUTE)

struct ll_ruleset_attr {
    uint64_t handled_access_fs;
};

struct ll_path_beneath_attr {
    uint64_t allowed_access;
    int32_t parent_fd;
} __attribute__((packed));

int landlock_abi(void)
{
    long v = syscall(SYS_landlock_create_ruleset, NULL, 0, LL_CREATE_RULESET_VERSION);
    return v < 1 ? 0 : (int)v;
}

/* Every filesystem right ABI can restrict. */
static uint64_t handled_for(int abi)
{
    uint64_t rights = (LL_MAKE_SYM << 1) - 1; /* ABI 1: bits 0..12 */

    if (abi >= 2)
        rights |= LL_REFER;
    if (abi >= 3)
        rights |= LL_TRUNCATE;
    if (abi >= 5)
        rights |= LL_IOCTL_DEV;
    return rights;
}

static int add_paths(int ruleset, char *const *paths, uint64_t rights, uint64_t handled, char *err,
                     size_t errlen)
{
    for (size_t i = 0; paths && paths[i]; i++) {
        struct ll_path_beneath_attr rule;
        struct stat st;
        int fd = open(paths[i], O_PATH | O_CLOEXEC);
        if (fd == -1 || fstat(fd, &st) == -1) {
            snprintf(err, errlen, "landlock: %s: %s", paths[i], strerror(errno));
            if (fd != -1)
                close(fd);
            return -1;
        }
        rule.allowed_access = rights & handled & (S_ISDIR(st.st_mode) ? ~0ULL : LL_FILE_RIGHTS);
        rule.parent_fd = fd;
        long r = syscall(SYS_landlock_add_rule, ruleset, LL_RULE_PATH_BENEATH, &rule, 0);
        int saved = errno;
        close(fd);
        if (r == -1) {
            snprintf(err, errlen, "landlock: %s: %s", paths[i], strerror(saved));
            return -1;
        }
    }
    return 0;
}

int landlock_ruleset(int abi, char *const *read, char *const *write, char *const *exec, char *err,
                     size_t errlen)
{
    struct ll_ruleset_attr attr = {.handled_access_fs = handled_for(abi)};
    int fd = (int)syscall(SYS_landlock_create_ruleset, &attr, sizeof(attr), 0);

    if (fd == -1) {
        snprintf(err, errlen, "landlock: cannot create a ruleset: %s", strerror(errno));
        return -1;
    }
    /* Landlock rulesets are close-on-exec from birth. */
    if (add_paths(fd, read, LL_READ, attr.handled_access_fs, err, errlen) == -1 ||
        add_paths(fd, write, LL_WRITE, attr.handled_access_fs, err, errlen) == -1 ||
        add_paths(fd, exec, LL_EXEC, attr.handled_access_fs, err, errlen) == -1) {
        close(fd);
        return -1;
    }
    return fd;
}
