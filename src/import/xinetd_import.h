/*
 * --import-xinetd: translate an xinetd.conf (with its include and
 * includedir files) into a superserver YAML config on OUT; what cannot be
 * translated is named on ERR with file:line.  Returns the exit code: 0, or
 * 1 when no service could be translated.
 */
#ifndef SUPERSERVER_XINETD_IMPORT_H
#define SUPERSERVER_XINETD_IMPORT_H

#include <stdio.h>

int xinetd_import(const char *path, FILE *out, FILE *err);

#endif
