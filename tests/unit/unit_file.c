/* Reading a file back whole (see unit_file.h). */
#include <check.h>
#include <stdio.h>

#include "unit_file.h"

char *unit_slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    int c;

    ck_assert_msg(f != NULL, "cannot open %s", path);
    while ((c = getc(f)) != EOF)
        putc(c, m);
    fclose(f);
    fclose(m);
    return buf;
}
