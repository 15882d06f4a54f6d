/*
 * Unit tests for the sandbox's name tables (capnames.c, syscall_groups.c)
 * and its preparation (sandbox.c): masks, the seccomp program libseccomp
 * exports, and the Landlock ruleset when the kernel has Landlock.
 */
#include <check.h>
#include <fcntl.h>
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
