/*
 * Preparing a service's confinement (see sandbox.h).
 *
 * no_new_privileges is implied when a non-root handler gets a Landlock
 * ruleset or a seccomp filter: the kernel accepts either from a process
 * without CAP_SYS_ADMIN only under no_new_privs (systemd implies it the
 * same way).
 */
#include <errno.h>
#include <linux/capability.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "landlock.h"
#include "sandbox.h"
#include "syscall_groups.h"

static int read_last_cap(void)
{
    FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
    int last = 40; /* CAP_CHECKPOINT_RESTORE, when /proc cannot tell */

    if (f) {
        if (fscanf(f, "%d", &last) != 1 || last < 0 || last > 63)
            last = 40;
        fclose(f);
    }
    return last;
}

/*
 * `capabilities` holds whatever the daemon itself was given: at exec a root
 * process gets its bounding set *and its inheritable set* as permitted, and
 * keeps its ambient set, so a daemon started with an inheritable
 * CAP_SYS_ADMIN (capsh --inh, AmbientCapabilities=, an old container
 * runtime) would pass it to a handler with an empty list.  The inheritable
 * set is cut to the kept capabilities from the daemon's own sets, read here
 * once: the child's capset may lower them but never raise them.
 */
static int prepare_caps(struct exec_sandbox *sb, const struct service *svc, char *err,
                        size_t errlen)
{
    const struct svc_sandbox *want = &svc->sandbox;
    struct {
        uint32_t version;
        int pid;
    } header = {_LINUX_CAPABILITY_VERSION_3, 0};

    if (!want->has_capabilities)
        return 0;
    sb->drop_bounding = true;
    sb->keep_caps = want->capabilities;
    sb->last_cap = read_last_cap();
    if (syscall(SYS_capget, &header, sb->cap_narrow) == -1) {
        snprintf(err, errlen, "capabilities: cannot read the daemon's own: %s", strerror(errno));
        return -1;
    }
    sb->raise_ambient = svc->has_user && svc->uid != 0 && want->capabilities != 0;
    for (int i = 0; i < 2; i++) {
        uint32_t bits = (uint32_t)(want->capabilities >> (32 * i));
        sb->cap_narrow[i].inheritable &= bits;
        sb->cap_raise[i] = (struct sandbox_cap_data){bits, bits, bits};
    }
    return 0;
}

/*
 * The seccomp program: EPERM for every call of the denied groups.  The
 * kernel walks a new filter over every system call number of every ABI when
 * a process attaches it (the action cache), and that walk is most of the
 * attach: libseccomp's binary tree (SANDBOX_SECCOMP_TREE) makes it about a
 * third of the linear list's, with the same verdicts (check_sandbox
 * compares them for every number and ABI).  libseccomp puts the
 * architecture check first either way.
 */
int sandbox_seccomp_build(unsigned groups, enum sandbox_seccomp_layout layout,
                          struct sock_fprog *prog, char *err, size_t errlen)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    int fd = -1, rc = -1;

    prog->filter = NULL;
    prog->len = 0;
    if (!ctx) {
        snprintf(err, errlen, "seccomp: cannot start a filter");
        return -1;
    }
    if (layout == SANDBOX_SECCOMP_TREE && seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2) < 0) {
        snprintf(err, errlen, "seccomp: cannot ask for the tree layout");
        goto out;
    }
    for (int g = 0; g < SCG_COUNT; g++) {
        if (!(groups & (1u << g)))
            continue;
        for (const char *const *name = syscall_groups_calls((enum syscall_group)g); *name; name++) {
            int nr = seccomp_syscall_resolve_name(*name);
            if (nr == __NR_SCMP_ERROR || nr < 0)
                continue; /* not a call of this architecture */
            if (seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM), nr, 0) < 0) {
                snprintf(err, errlen, "seccomp: cannot deny %s", *name);
                goto out;
            }
        }
    }
    fd = memfd_create("seccomp", MFD_CLOEXEC);
    off_t len;
    if (fd == -1 || seccomp_export_bpf(ctx, fd) < 0 || (len = lseek(fd, 0, SEEK_CUR)) <= 0 ||
        (size_t)len % sizeof(struct sock_filter) != 0) {
        snprintf(err, errlen, "seccomp: cannot export the filter");
        goto out;
    }
    prog->filter = malloc((size_t)len);
    if (!prog->filter || pread(fd, prog->filter, (size_t)len, 0) != len) {
        free(prog->filter);
        prog->filter = NULL;
        snprintf(err, errlen, "seccomp: cannot read the filter back");
        goto out;
    }
    prog->len = (unsigned short)((size_t)len / sizeof(struct sock_filter));
    rc = 0;
out:
    if (fd != -1)
        close(fd);
    seccomp_release(ctx);
    return rc;
}

int sandbox_prepare(struct exec_sandbox *sb, const struct service *svc, char *err, size_t errlen)
{
    const struct svc_sandbox *want = &svc->sandbox;
    bool non_root = svc->has_user && svc->uid != 0;

    memset(sb, 0, sizeof(*sb));
    sb->landlock_fd = -1;
    if (prepare_caps(sb, svc, err, errlen) == -1)
        return -1;
    sb->no_new_privs =
        want->no_new_privileges || (non_root && (want->has_landlock || want->syscall_deny != 0));
    if (want->has_landlock) {
        sb->landlock_fd = landlock_ruleset(landlock_abi(), want->landlock_read,
                                           want->landlock_write, want->landlock_exec, err, errlen);
        if (sb->landlock_fd == -1)
            return -1;
    }
    if (want->syscall_deny && sandbox_seccomp_build(want->syscall_deny, SANDBOX_SECCOMP_TREE,
                                                    &sb->seccomp, err, errlen) == -1) {
        sandbox_release(sb);
        return -1;
    }
    return 0;
}

void sandbox_release(struct exec_sandbox *sb)
{
    if (sb->landlock_fd >= 0)
        close(sb->landlock_fd);
    sb->landlock_fd = -1;
    free(sb->seccomp.filter);
    sb->seccomp.filter = NULL;
    sb->seccomp.len = 0;
}
