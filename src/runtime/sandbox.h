/*
 * A service's confinement (SPEC section 10) prepared in the parent when its
 * exec plan is built: the capability masks and their capset data, a
 * Landlock ruleset descriptor for the best ABI the kernel offers, and a
 * seccomp BPF program exported by libseccomp.  The spawn child only applies
 * them with raw system calls (spawn.c).
 */
#ifndef SUPERSERVER_SANDBOX_H
#define SUPERSERVER_SANDBOX_H

#include <linux/filter.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"

/* struct __user_cap_data_struct, twice (capability version 3). */
struct sandbox_cap_data {
    uint32_t effective, permitted, inheritable;
};

struct exec_sandbox {
    bool no_new_privs;  /* asked, or implied (see sandbox.c) */
    bool drop_bounding; /* capabilities set: drop every other from the bounding set, and
                         * cut the inheritable and ambient sets (cap_narrow) */
    uint64_t keep_caps; /* the capabilities kept */
    int last_cap;       /* /proc/sys/kernel/cap_last_cap */
    /* The daemon's own sets with the inheritable one cut to keep_caps (the
     * kernel then cuts the ambient one too): set before the identity change. */
    struct sandbox_cap_data cap_narrow[2];
    bool raise_ambient; /* a non-root user: keep_caps as ambient capabilities */
    struct sandbox_cap_data cap_raise[2];
    int landlock_fd;           /* a ruleset, or -1 */
    struct sock_fprog seccomp; /* .len == 0: no filter */
};

/* How the seccomp program is laid out: libseccomp's default list, or its
 * binary tree (what handlers get; see sandbox.c). */
enum sandbox_seccomp_layout { SANDBOX_SECCOMP_LINEAR, SANDBOX_SECCOMP_TREE };

/* The program denying GROUPS (bits of enum syscall_group) with EPERM, in
 * LAYOUT, into PROG (free PROG->filter).  -1 with a reason in err. */
int sandbox_seccomp_build(unsigned groups, enum sandbox_seccomp_layout layout,
                          struct sock_fprog *prog, char *err, size_t errlen);

/* Prepare SB for SVC.  -1 with a reason in err. */
int sandbox_prepare(struct exec_sandbox *sb, const struct service *svc, char *err, size_t errlen);
/* Close the ruleset, free the program. */
void sandbox_release(struct exec_sandbox *sb);

#endif
