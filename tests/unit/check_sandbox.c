/*
 * Unit tests for the sandbox's name tables (capnames.c, syscall_groups.c)
 * and its preparation (sandbox.c): masks, the seccomp program libseccomp
 * exports (its tree layout gives every system call number of every ABI the
 * verdict the linear one gives, checked by running both programs here as the
 * kernel would), and the Landlock ruleset when the kernel has Landlock.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_run.h"
#include "capnames.h"
#include "landlock.h"
#include "sandbox.h"
#include "syscall_groups.h"

START_TEST(capability_names)
{
    ck_assert_int_eq(capnames_lookup("CAP_NET_BIND_SERVICE"), 10);
    ck_assert_int_eq(capnames_lookup("net_bind_service"), 10);
    ck_assert_int_eq(capnames_lookup("cap_chown"), 0);
    ck_assert_int_eq(capnames_lookup("CAP_CHECKPOINT_RESTORE"), CAPNAMES_LAST);
    ck_assert_int_eq(capnames_lookup("CAP_FLY"), -1);
    ck_assert_int_eq(capnames_lookup(""), -1);
    ck_assert_int_eq(capnames_lookup("CAP_"), -1);
    for (int i = 0; i <= CAPNAMES_LAST; i++)
        ck_assert_int_eq(capnames_lookup(capnames_name(i)), i);
    ck_assert_ptr_null(capnames_name(CAPNAMES_LAST + 1));
    ck_assert_ptr_null(capnames_name(-1));
}
END_TEST

START_TEST(group_names)
{
    static const char *const names[] = {"mount", "module",  "reboot", "swap", "raw-io",
                                        "debug", "keyring", "bpf",    "clock"};

    for (int i = 0; i < SCG_COUNT; i++) {
        ck_assert_int_eq(syscall_groups_lookup(names[i]), i);
        ck_assert_str_eq(syscall_groups_name((enum syscall_group)i), names[i]);
        ck_assert_ptr_nonnull(syscall_groups_calls((enum syscall_group)i)[0]);
    }
    ck_assert_int_eq(syscall_groups_lookup("Mount"), -1);
    ck_assert_int_eq(syscall_groups_lookup("network"), -1);
    /* unshare is in mount: the way into a mount namespace of one's own */
    const char *const *calls = syscall_groups_calls(SCG_MOUNT);
    bool unshare = false;
    for (; *calls; calls++)
        unshare = unshare || strcmp(*calls, "unshare") == 0;
    ck_assert(unshare);
}
END_TEST

static struct service plain_service(void)
{
    struct service s;
    memset(&s, 0, sizeof(s));
    s.name = "t";
    s.exec = "/bin/true";
    return s;
}

START_TEST(nothing_asked_nothing_prepared)
{
    struct service s = plain_service();
    struct exec_sandbox sb;
    char err[256];

    ck_assert_int_eq(sandbox_prepare(&sb, &s, err, sizeof(err)), 0);
    ck_assert(!sb.no_new_privs);
    ck_assert(!sb.drop_bounding);
    ck_assert(!sb.raise_ambient);
    ck_assert_int_eq(sb.landlock_fd, -1);
    ck_assert_uint_eq(sb.seccomp.len, 0);
    sandbox_release(&sb);
}
END_TEST

START_TEST(capability_masks)
{
    struct service s = plain_service();
    struct exec_sandbox sb;
    char err[256];

    s.sandbox.has_capabilities = true;
    s.sandbox.capabilities = (1ULL << 10) | (1ULL << 33);
    ck_assert_int_eq(sandbox_prepare(&sb, &s, err, sizeof(err)), 0);
    ck_assert(sb.drop_bounding);
    ck_assert(!sb.raise_ambient); /* root: the bounding set is enough */
    ck_assert_uint_eq(sb.keep_caps, s.sandbox.capabilities);
    ck_assert_uint_eq(sb.cap_raise[0].permitted, 1u << 10);
    ck_assert_uint_eq(sb.cap_raise[1].permitted, 1u << 1);
    /* the daemon's own sets, but never an inheritable capability outside the list */
    ck_assert_uint_eq(sb.cap_narrow[0].inheritable & ~(1u << 10), 0);
    ck_assert_uint_eq(sb.cap_narrow[1].inheritable & ~(1u << 1), 0);
    ck_assert_int_ge(sb.last_cap, 36);
    sandbox_release(&sb);

    s.has_user = true;
    s.uid = 65534;
    ck_assert_int_eq(sandbox_prepare(&sb, &s, err, sizeof(err)), 0);
    ck_assert(sb.raise_ambient);
    ck_assert(!sb.no_new_privs);
    sandbox_release(&sb);
}
END_TEST

START_TEST(seccomp_program)
{
    struct service s = plain_service();
    struct exec_sandbox one, all;
    char err[256];

    s.sandbox.syscall_deny = 1u << SCG_BPF;
    ck_assert_int_eq(sandbox_prepare(&one, &s, err, sizeof(err)), 0);
    ck_assert_uint_gt(one.seccomp.len, 0);
    ck_assert_ptr_nonnull(one.seccomp.filter);
    ck_assert(!one.no_new_privs); /* root may install it without */
    s.sandbox.syscall_deny = (1u << SCG_COUNT) - 1;
    s.has_user = true;
    s.uid = 65534;
    ck_assert_int_eq(sandbox_prepare(&all, &s, err, sizeof(err)), 0);
    ck_assert_uint_gt(all.seccomp.len, one.seccomp.len);
    ck_assert(all.no_new_privs); /* implied for a non-root handler */
    sandbox_release(&one);
    sandbox_release(&all);
    ck_assert_ptr_null(all.seccomp.filter);
}
END_TEST

/* What a classic BPF seccomp program returns for one system call, and how
 * many instructions it ran to say so (the kernel's action cache runs the same
 * walk for every number of every ABI when a filter is attached). */
struct bpf_verdict {
    uint32_t action;
    unsigned steps;
};

static struct bpf_verdict bpf_run(const struct sock_fprog *prog, const struct seccomp_data *d)
{
    uint32_t a = 0;
    unsigned pc = 0, steps = 0;

    while (pc < prog->len) {
        const struct sock_filter *f = &prog->filter[pc++];
        uint32_t k = f->k;
        steps++;
        switch (f->code) {
        case BPF_LD | BPF_W | BPF_ABS:
            ck_assert_uint_le(k + 4, sizeof(*d));
            memcpy(&a, (const char *)d + k, 4);
            break;
        case BPF_LD | BPF_W | BPF_IMM:
            a = k;
            break;
        case BPF_ALU | BPF_AND | BPF_K:
            a &= k;
            break;
        case BPF_JMP | BPF_JA:
            pc += k;
            break;
        case BPF_JMP | BPF_JEQ | BPF_K:
            pc += a == k ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JGT | BPF_K:
            pc += a > k ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JGE | BPF_K:
            pc += a >= k ? f->jt : f->jf;
            break;
        case BPF_JMP | BPF_JSET | BPF_K:
            pc += (a & k) ? f->jt : f->jf;
            break;
        case BPF_RET | BPF_K:
            return (struct bpf_verdict){k, steps};
        case BPF_RET | BPF_A:
            return (struct bpf_verdict){a, steps};
        default:
            ck_abort_msg("instruction %u: opcode 0x%x not emulated", pc - 1, f->code);
        }
    }
    ck_abort_msg("ran off the end of the program");
    return (struct bpf_verdict){0, steps};
}

/* Every number of each ABI a process may present: the native one, its
 * 32-bit compat one (first: what the kernel's cache walks), x32's numbers
 * (the x32 bit set), and foreign ones. */
static uint32_t abi_arches[] = {0, 0, AUDIT_ARCH_X86_64, AUDIT_ARCH_I386, AUDIT_ARCH_AARCH64};

static void abi_arches_init(void)
{
    abi_arches[0] = seccomp_arch_native();
    abi_arches[1] = abi_arches[0] == AUDIT_ARCH_X86_64    ? AUDIT_ARCH_I386
                    : abi_arches[0] == AUDIT_ARCH_AARCH64 ? AUDIT_ARCH_ARM
                                                          : abi_arches[0];
}
static const uint32_t nr_bases[] = {0, 0x40000000u, 0x7fffff00u, 0xffffff00u};
#define NR_SPAN 1024

/* The verdicts of both programs compared for every (number, ABI); the sum
 * of the steps each takes over what the kernel's cache walks (the numbers
 * from 0, native and compat ABI). */
static void compare_layouts(unsigned groups, unsigned long *linear_steps, unsigned long *tree_steps)
{
    struct sock_fprog linear, tree;
    char err[256];
    unsigned denied = 0;

    ck_assert_int_eq(
        sandbox_seccomp_build(groups, SANDBOX_SECCOMP_LINEAR, &linear, err, sizeof(err)), 0);
    ck_assert_int_eq(sandbox_seccomp_build(groups, SANDBOX_SECCOMP_TREE, &tree, err, sizeof(err)),
                     0);
    *linear_steps = *tree_steps = 0;
    abi_arches_init();
    for (size_t a = 0; a < sizeof(abi_arches) / sizeof(abi_arches[0]); a++)
        for (size_t b = 0; b < sizeof(nr_bases) / sizeof(nr_bases[0]); b++)
            for (uint32_t i = 0; i < NR_SPAN; i++) {
                struct seccomp_data d = {.nr = (int)(nr_bases[b] + i), .arch = abi_arches[a]};
                struct bpf_verdict l = bpf_run(&linear, &d), t = bpf_run(&tree, &d);
                ck_assert_msg(l.action == t.action, "nr %u arch 0x%x: linear 0x%x, tree 0x%x",
                              nr_bases[b] + i, abi_arches[a], l.action, t.action);
                denied += l.action == (SECCOMP_RET_ERRNO | EPERM);
                if (nr_bases[b] == 0 && a < 2) {
                    *linear_steps += l.steps;
                    *tree_steps += t.steps;
                }
            }
    ck_assert_uint_gt(denied, 0);
    /* The architecture is checked first, before any number is looked at. */
    ck_assert_uint_eq(tree.filter[0].code, BPF_LD | BPF_W | BPF_ABS);
    ck_assert_uint_eq(tree.filter[0].k, offsetof(struct seccomp_data, arch));
    ck_assert_uint_eq(tree.filter[1].code, BPF_JMP | BPF_JEQ | BPF_K);
    ck_assert_uint_eq(tree.filter[1].k, seccomp_arch_native());
    free(linear.filter);
    free(tree.filter);
}

START_TEST(seccomp_tree_same_verdicts)
{
    unsigned long linear, tree;

    for (int g = 0; g < SCG_COUNT; g++) /* each group alone, then all of them */
        compare_layouts(1u << g, &linear, &tree);
    compare_layouts((1u << SCG_COUNT) - 1, &linear, &tree);
    /* What the kernel's cache walk costs for all nine groups: under half. */
    ck_assert_msg(tree * 2 < linear, "tree %lu steps, linear %lu", tree, linear);
}
END_TEST

START_TEST(seccomp_program_is_the_tree)
{
    struct service s = plain_service();
    struct exec_sandbox sb;
    struct sock_fprog tree;
    char err[256];

    s.sandbox.syscall_deny = (1u << SCG_COUNT) - 1;
    ck_assert_int_eq(sandbox_prepare(&sb, &s, err, sizeof(err)), 0);
    ck_assert_int_eq(sandbox_seccomp_build(s.sandbox.syscall_deny, SANDBOX_SECCOMP_TREE, &tree, err,
                                           sizeof(err)),
                     0);
    ck_assert_uint_eq(sb.seccomp.len, tree.len);
    ck_assert_mem_eq(sb.seccomp.filter, tree.filter, tree.len * sizeof(*tree.filter));
    free(tree.filter);
    sandbox_release(&sb);
}
END_TEST

START_TEST(landlock_rules)
{
    struct service s = plain_service();
    struct exec_sandbox sb;
    char *read[] = {"/usr", "/etc/hostname", NULL}, *missing[] = {"/nonexistent/x", NULL};
    char err[256];

    s.sandbox.has_landlock = true;
    s.sandbox.landlock_read = read;
    ck_assert_int_eq(sandbox_prepare(&sb, &s, err, sizeof(err)), 0);
    ck_assert_int_ge(sb.landlock_fd, 0);
    ck_assert_int_eq(fcntl(sb.landlock_fd, F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
    sandbox_release(&sb);
    ck_assert_int_eq(sb.landlock_fd, -1);
    s.sandbox.landlock_write = missing;
    ck_assert_int_eq(sandbox_prepare(&sb, &s, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/x"));
}
END_TEST

static Suite *sandbox_suite(void)
{
    Suite *s = suite_create("sandbox");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, capability_names);
    tcase_add_test(tc, group_names);
    tcase_add_test(tc, nothing_asked_nothing_prepared);
    tcase_add_test(tc, capability_masks);
    tcase_add_test(tc, seccomp_program);
    tcase_add_test(tc, seccomp_tree_same_verdicts);
    tcase_add_test(tc, seccomp_program_is_the_tree);
    /* the config layer refuses landlock on a kernel without it */
    if (landlock_abi() >= 1)
        tcase_add_test(tc, landlock_rules);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(
        sandbox_suite(),
        landlock_abi() >= 1 ? NULL : "this kernel has no Landlock: landlock_rules did not run");
}
