/* Unit tests for exec plans (src/runtime/exec_plan.c): the fixed entries of
 * the environment and their order, copies of argv, reference counting, and
 * when two plans start the same handler (a reload keeps a spawner then). */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unit_fixture.h"
#include "unit_run.h"
#include "exec_plan.h"
#include "landlock.h"
#include "syscall_groups.h"

static struct listen_addr inet_where = {.text = "127.0.0.1:7", .kind = LISTEN_INET};

START_TEST(plan_env_order_and_replacement)
{
    char *env[] = {"A=1", "SS_CHECK_PASSED=from-env", "B=2", "A=3", NULL};
    char *pass[] = {"SS_CHECK_PASSED", "SS_CHECK_UNSET", "SS_CHECK_KEPT", NULL};
    struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
    char err[256];

    setenv("SS_CHECK_PASSED", "from-daemon", 1);
    setenv("SS_CHECK_KEPT", "kept", 1);
    unsetenv("SS_CHECK_UNSET");
    svc.env = env;
    svc.pass_env = pass;
    struct exec_plan *p = exec_plan_new(&svc, err, sizeof(err));
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->exec, "/bin/cat");
    ck_assert_str_eq(p->argv[0], "cat");
    ck_assert_str_eq(p->argv[1], "-u");
    ck_assert_ptr_null(p->argv[2]);
    ck_assert_ptr_ne(p->argv[0], svc.args[0]); /* a copy: the config may go */
    /* PATH and SUPERSERVER_SERVICE first; pass_env, then env; a later name
     * takes an earlier one's place; an unset pass_env name is left out. */
    const char *want[] = {
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        "SUPERSERVER_SERVICE=echo",
        "SS_CHECK_PASSED=from-env",
        "SS_CHECK_KEPT=kept",
        "A=3",
        "B=2",
    };
    ck_assert_uint_eq(p->n_env, sizeof(want) / sizeof(want[0]));
    for (size_t i = 0; i < p->n_env; i++)
        ck_assert_str_eq(p->env[i], want[i]);
    exec_plan_unref(p);
}
END_TEST

START_TEST(plan_env_may_replace_path)
{
    char *env[] = {"PATH=/opt/bin", NULL};
    struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
    char err[256];

    svc.env = env;
    struct exec_plan *p = exec_plan_new(&svc, err, sizeof(err));
    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->n_env, 2);
    ck_assert_str_eq(p->env[0], "PATH=/opt/bin");
    ck_assert_str_eq(p->env[1], "SUPERSERVER_SERVICE=echo");
    exec_plan_unref(p);
}
END_TEST

START_TEST(plan_refcount)
{
    struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
    char err[256];
    struct exec_plan *p = exec_plan_new(&svc, err, sizeof(err));

    ck_assert_ptr_nonnull(p);
    ck_assert_uint_eq(p->refs, 1);
    ck_assert_ptr_eq(exec_plan_ref(p), p);
    ck_assert_uint_eq(p->refs, 2);
    exec_plan_unref(p);
    ck_assert_uint_eq(p->refs, 1);
    ck_assert_str_eq(p->exec, "/bin/cat"); /* still alive */
    exec_plan_unref(p);                    /* freed: valgrind tells */
    exec_plan_unref(NULL);
}
END_TEST

/* SVC's plan compared with a fresh one of the same service, then of SVC
 * changed by CHANGE. */
static void assert_same_then_not(struct service *svc, void (*change)(struct service *))
{
    char err[256];
    struct exec_plan *a = exec_plan_new(svc, err, sizeof(err));
    struct exec_plan *b = exec_plan_new(svc, err, sizeof(err));

    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_msg(exec_plan_same(a, b), "the same service, two plans: not the same");
    exec_plan_unref(b);
    change(svc);
    b = exec_plan_new(svc, err, sizeof(err));
    ck_assert_ptr_nonnull(b);
    ck_assert(!exec_plan_same(a, b));
    ck_assert(!exec_plan_same(b, a));
    exec_plan_unref(a);
    exec_plan_unref(b);
}

static char *landlock_read[] = {"/usr", NULL}, *landlock_other[] = {"/etc", NULL};
static char *env_x[] = {"X=1", NULL}, *args_other[] = {"cat", NULL};

static void change_env(struct service *svc)
{
    svc->env = env_x;
}
static void change_args(struct service *svc)
{
    svc->args = args_other;
}
static void change_caps(struct service *svc)
{
    svc->sandbox.capabilities |= 1ULL << 12;
}
static void change_groups(struct service *svc)
{
    svc->sandbox.syscall_deny &= ~(1u << SCG_CLOCK);
}
static void change_landlock(struct service *svc)
{
    svc->sandbox.landlock_read = landlock_other;
}
static void change_uid(struct service *svc)
{
    svc->uid = 1;
}
static void change_rlimit(struct service *svc)
{
    svc->rlimits[RL_NOFILE].value = 64;
}
static void change_chroot(struct service *svc)
{
    svc->chroot = "/tmp";
}

START_TEST(plan_same)
{
    void (*changes[])(struct service *) = {change_env,      change_args,  change_caps,
                                           change_groups,   change_uid,   change_rlimit,
                                           change_landlock, change_chroot};

    for (size_t i = 0; i < sizeof(changes) / sizeof(changes[0]); i++) {
        struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
        svc.sandbox.no_new_privileges = true;
        svc.sandbox.has_capabilities = true;
        svc.sandbox.capabilities = 1ULL << 10;
        svc.sandbox.syscall_deny = (1u << SCG_COUNT) - 1;
        svc.has_user = true;
        svc.uid = 65534;
        svc.gid = 65534;
        svc.rlimits[RL_NOFILE].set = true;
        svc.rlimits[RL_NOFILE].value = 128;
        if (landlock_abi() >= 1) {
            svc.sandbox.has_landlock = true;
            svc.sandbox.landlock_read = landlock_read;
        } else if (changes[i] == change_landlock) {
            continue; /* the config layer refuses landlock on such a kernel */
        }
        assert_same_then_not(&svc, changes[i]);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("exec_plan");
    TCase *tc_plan = tcase_create("plan");
    tcase_add_test(tc_plan, plan_env_order_and_replacement);
    tcase_add_test(tc_plan, plan_env_may_replace_path);
    tcase_add_test(tc_plan, plan_refcount);
    tcase_add_test(tc_plan, plan_same);
    suite_add_tcase(s, tc_plan);
    return unit_run(s, NULL);
}
