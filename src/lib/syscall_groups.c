/*
 * The syscall_deny groups (see syscall_groups.h).  Modelled on systemd's
 * @mount, @module, @reboot, @swap, @raw-io, @debug, @keyring, @clock sets;
 * `mount` also holds unshare and setns, the ways into a mount namespace of
 * one's own.
 */
#include <stddef.h>
#include <string.h>

#include "syscall_groups.h"

static const char *const mount_calls[] = {
    "mount",   "umount", "umount2",   "pivot_root",    "move_mount", "fsopen", "fsconfig",
    "fsmount", "fspick", "open_tree", "mount_setattr", "unshare",    "setns",  NULL};
static const char *const module_calls[] = {"init_module", "finit_module", "delete_module", NULL};
static const char *const reboot_calls[] = {"reboot", "kexec_load", "kexec_file_load", NULL};
static const char *const swap_calls[] = {"swapon", "swapoff", NULL};
static const char *const raw_io_calls[] = {
    "ioperm", "iopl", "pciconfig_iobase", "pciconfig_read", "pciconfig_write", NULL};
static const char *const debug_calls[] = {"ptrace",
                                          "process_vm_readv",
                                          "process_vm_writev",
                                          "perf_event_open",
                                          "pidfd_getfd",
                                          "lookup_dcookie",
                                          NULL};
static const char *const keyring_calls[] = {"add_key", "keyctl", "request_key", NULL};
static const char *const bpf_calls[] = {"bpf", NULL};
static const char *const clock_calls[] = {"adjtimex",     "clock_adjtime", "clock_settime",
                                          "settimeofday", "stime",         NULL};

static const struct {
    const char *name;
    const char *const *calls;
} groups[SCG_COUNT] = {
    [SCG_MOUNT] = {"mount", mount_calls},       [SCG_MODULE] = {"module", module_calls},
    [SCG_REBOOT] = {"reboot", reboot_calls},    [SCG_SWAP] = {"swap", swap_calls},
    [SCG_RAW_IO] = {"raw-io", raw_io_calls},    [SCG_DEBUG] = {"debug", debug_calls},
    [SCG_KEYRING] = {"keyring", keyring_calls}, [SCG_BPF] = {"bpf", bpf_calls},
    [SCG_CLOCK] = {"clock", clock_calls},
};

int syscall_groups_lookup(const char *name)
{
    for (int i = 0; i < SCG_COUNT; i++)
        if (strcmp(groups[i].name, name) == 0)
            return i;
    return -1;
}

const char *syscall_groups_name(enum syscall_group g)
{
    return groups[g].name;
}

const char *const *syscall_groups_calls(enum syscall_group g)
{
    return groups[g].calls;
}

const char *syscall_groups_list(void)
{
    return "mount, module, reboot, swap, raw-io, debug, keyring, bpf or clock";
}
