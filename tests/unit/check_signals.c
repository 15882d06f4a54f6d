/* Unit tests for signal names (src/runtime/signals.c). */
#include <check.h>
#include <signal.h>
#include <stdlib.h>

#include "unit_run.h"
#include "signals.h"

START_TEST(signal_names)
{
    char buf[16];
    ck_assert_str_eq(signals_name(SIGSEGV, buf, sizeof(buf)), "SEGV");
    ck_assert_str_eq(signals_name(SIGKILL, buf, sizeof(buf)), "KILL");
    ck_assert_str_eq(signals_name(SIGTERM, buf, sizeof(buf)), "TERM");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("signals");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, signal_names);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
