/* Files the suites read back whole (expected outputs, fixtures). */
#ifndef SUPERSERVER_UNIT_FILE_H
#define SUPERSERVER_UNIT_FILE_H

/* PATH's contents, NUL-terminated, malloc'd; the test fails when it cannot
 * be read. */
char *unit_slurp(const char *path);

#endif
