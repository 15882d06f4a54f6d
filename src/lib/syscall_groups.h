/*
 * The system-call groups of `syscall_deny` (SPEC section 10), by name, and
 * the calls each holds.  Names only: the filter is built from them in the
 * runtime (libseccomp resolves each for the running architecture and skips
 * those it does not have there, such as iopl on arm64).
 */
#ifndef SUPERSERVER_SYSCALL_GROUPS_H
#define SUPERSERVER_SYSCALL_GROUPS_H

enum syscall_group {
    SCG_MOUNT,
    SCG_MODULE,
    SCG_REBOOT,
    SCG_SWAP,
    SCG_RAW_IO,
    SCG_DEBUG,
    SCG_KEYRING,
    SCG_BPF,
    SCG_CLOCK,
    SCG_COUNT
};

/* The group called NAME ("mount", "raw-io", ...), or -1. */
int syscall_groups_lookup(const char *name);
/* The name of group G. */
const char *syscall_groups_name(enum syscall_group g);
/* The system calls of group G, NULL-terminated. */
const char *const *syscall_groups_calls(enum syscall_group g);
/* "mount, module, ..." for messages. */
const char *syscall_groups_list(void);

#endif
