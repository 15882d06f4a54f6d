/* Running a suite (see unit_run.h). */
#include <stdio.h>
#include <stdlib.h>

#include "unit_run.h"

int unit_run(Suite *s, const char *skipped)
{
    SRunner *sr = srunner_create(s);
    int failed;

    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    if (failed != 0)
        return EXIT_FAILURE;
    if (skipped) {
        printf("SKIP: %s; the other tests passed\n", skipped);
        return 77;
    }
    return EXIT_SUCCESS;
}
