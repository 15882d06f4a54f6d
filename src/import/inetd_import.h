/*
 * --import-inetd: translate a classic inetd.conf into a superserver YAML
 * config on OUT; lines that cannot be translated are named on ERR with their
 * line numbers.  Returns the exit code: 0, or 1 when nothing translated.
 */
#ifndef SUPERSERVER_INETD_IMPORT_H
#define SUPERSERVER_INETD_IMPORT_H

#include <stdio.h>

int inetd_import(const char *path, FILE *out, FILE *err);

#endif
