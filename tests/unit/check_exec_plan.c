/* Unit tests for exec plans (src/runtime/exec_plan.c): the fixed entries of
 * the environment and their order, copies of argv, reference counting. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "unit_fixture.h"
#include "unit_run.h"
#include "exec_plan.h"

static struct listen_addr inet_where = {.text = "127.0.0.1:7", .kind = LISTEN_INET};

START_TEST(plan_env_order_and_replacement)
{
    char *env[] = {"A=1", "SS_CHECK_PASSED=from-env", "B=2", "A=3", NULL};
    char *pass[] = {"SS_CHECK_PASSED", "SS_CHECK_UNSET", "SS_CHECK_KEPT", NULL};
    struct service svc = unit_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
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
    struct service svc = unit_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
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
    struct service svc = unit_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
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

int main(void)
{
    Suite *s = suite_create("exec_plan");
    TCase *tc_plan = tcase_create("plan");
    tcase_add_test(tc_plan, plan_env_order_and_replacement);
    tcase_add_test(tc_plan, plan_env_may_replace_path);
    tcase_add_test(tc_plan, plan_refcount);
    suite_add_tcase(s, tc_plan);
    return unit_run(s, NULL);
}
