/*
 * The one YAML writer for what the daemon prints (-T, --import-inetd):
 * strings as double-quoted scalars that libyaml reads back to the same
 * bytes, and comments that stay one line of valid UTF-8.
 */
#ifndef SUPERSERVER_YAML_OUT_H
#define SUPERSERVER_YAML_OUT_H

#include <stdio.h>

/* S (valid UTF-8) as a double-quoted scalar: quotes, backslashes, C0 and C1
 * controls, DEL, U+2028/2029 and U+FFFE/FFFF escaped. */
void yaml_scalar(FILE *out, const char *s);

/* S as comment text: one line, bytes outside printable ASCII as '?'. */
void yaml_comment(FILE *out, const char *s);

#endif
