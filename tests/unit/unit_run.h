/*
 * Running a Check suite the way every suite here ends: exit 0 when all
 * passed, 1 when one failed, and 77 (automake's SKIP, with the reason on
 * stdout) when all that ran passed but some cases could not run here:
 * Check cannot skip a single test.
 */
#ifndef SUPERSERVER_UNIT_RUN_H
#define SUPERSERVER_UNIT_RUN_H

#include <check.h>

/* Run S; SKIPPED names what was left out (NULL when nothing was). */
int unit_run(Suite *s, const char *skipped);

#endif
