/*
 * Unit tests for process hygiene (src/runtime/process.c): process_sanitize
 * leaves every descriptor from 3 on close-on-exec, a high one too (an
 * upgrade carries descriptors anywhere below the hard limit), whether the
 * kernel's close_range knows CLOSE_RANGE_CLOEXEC (Linux >= 5.11) or not.
 * The older kernel is injected: a seccomp filter makes close_range fail
 * with ENOSYS.  Each case runs in a child of its own (the filter cannot be
 * taken back) and says by its exit status what it found.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_run.h"
#include "process.h"

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

/* Above the 1024 that select() and old fallbacks stop at. */
#define HIGH_FD 1500

/* What a child found (its exit status). */
enum found {
    FOUND_OK,
    FOUND_NO_HIGH_FD,        /* it could not open one at HIGH_FD */
    FOUND_NO_FILTER,         /* the seccomp filter did not load */
    FOUND_CLOSE_RANGE_WORKS, /* close_range(CLOEXEC) still works under the filter */
    FOUND_LOW_INHERITABLE,   /* fd 3 was not made close-on-exec */
    FOUND_HIGH_INHERITABLE,  /* HIGH_FD was not made close-on-exec */
    FOUND_STDIO_TOUCHED,     /* 0, 1 or 2 was made close-on-exec */
};

static const char *const found_text[] = {
    "ok",
    "could not open a descriptor at 1500",
    "the seccomp filter did not load",
    "close_range(CLOSE_RANGE_CLOEXEC) still works under the filter",
    "fd 3 left inheritable",
    "fd 1500 left inheritable",
    "fd 0, 1 or 2 made close-on-exec",
};

static bool inheritable(int fd)
{
    int flags = fcntl(fd, F_GETFD);
    return flags >= 0 && !(flags & FD_CLOEXEC);
}

/* This process and what it runs see a kernel whose close_range fails
 * with ENOSYS (as before Linux 5.9; 5.9 and 5.10 fail the flag with
 * EINVAL, which takes the same path). */
static bool without_close_range(void)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    bool ok = ctx && seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SYS_close_range, 0) == 0 &&
              seccomp_load(ctx) == 0;

    seccomp_release(ctx);
    return ok;
}

static enum found sanitize_in_child(bool old_kernel)
{
    struct rlimit rl;
    int p[2];

    if (getrlimit(RLIMIT_NOFILE, &rl) == -1 || rl.rlim_max <= HIGH_FD)
        return FOUND_NO_HIGH_FD;
    rl.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == -1 || pipe(p) == -1 || dup2(p[0], 3) != 3 ||
        dup2(p[1], HIGH_FD) != HIGH_FD)
        return FOUND_NO_HIGH_FD;
    /* dup2 leaves both inheritable, as an exec across an upgrade does */
    if (old_kernel && !without_close_range())
        return FOUND_NO_FILTER;
    if (old_kernel && syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != -1)
        return FOUND_CLOSE_RANGE_WORKS;
    bool stdio_before[3] = {inheritable(0), inheritable(1), inheritable(2)};
    process_sanitize(&rl);
    if (inheritable(3))
        return FOUND_LOW_INHERITABLE;
    if (inheritable(HIGH_FD))
        return FOUND_HIGH_INHERITABLE;
    for (int fd = 0; fd < 3; fd++)
        if (stdio_before[fd] && !inheritable(fd))
            return FOUND_STDIO_TOUCHED;
    return FOUND_OK;
}

static void check_sanitize(bool old_kernel)
{
    int status;
    pid_t pid = fork();

    ck_assert_int_ge(pid, 0);
    if (pid == 0)
        _exit(sanitize_in_child(old_kernel));
    ck_assert_int_eq(waitpid(pid, &status, 0), pid);
    ck_assert_msg(WIFEXITED(status), "the child died (status %#x)", (unsigned)status);
    int found = WEXITSTATUS(status);
    ck_assert_msg(found == FOUND_OK, "%s",
                  found < (int)(sizeof(found_text) / sizeof(*found_text)) ? found_text[found]
                                                                          : "unknown");
}

START_TEST(every_descriptor_close_on_exec)
{
    check_sanitize(false);
}
END_TEST

START_TEST(every_descriptor_close_on_exec_without_close_range)
{
    check_sanitize(true);
}
END_TEST

static Suite *process_suite(void)
{
    Suite *s = suite_create("process");
    TCase *tc = tcase_create("sanitize");

    tcase_add_test(tc, every_descriptor_close_on_exec);
    tcase_add_test(tc, every_descriptor_close_on_exec_without_close_range);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max <= HIGH_FD) {
        /* Nothing to show below 1024 that the old fallback did not reach. */
        return unit_run(suite_create("process"),
                        "sanitize: the hard RLIMIT_NOFILE is below 1501: no descriptor above "
                        "1024 can be opened");
    }
    return unit_run(process_suite(), NULL);
}
