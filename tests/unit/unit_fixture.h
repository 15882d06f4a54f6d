/*
 * Fixtures more than one suite builds: a plain service, a scratch folder
 * under /tmp, and the captured output of an importer run.
 */
#ifndef SUPERSERVER_UNIT_FIXTURE_H
#define SUPERSERVER_UNIT_FIXTURE_H

#include <stddef.h>
#include <stdio.h>

#include "model.h"

/* A service "echo" running /bin/cat -u in MODE over PROTO on WHERE; every
 * other field zero (the caller sets what its case needs). */
struct service unit_plain_service(enum svc_mode mode, enum svc_protocol proto,
                                  struct listen_addr *where);

/* Make a fresh folder /tmp/NAME.XXXXXX into DIR (LEN bytes); the test fails
 * when it cannot.  unit_tmpdir_remove removes it and all it holds. */
void unit_tmpdir_make(char *dir, size_t len, const char *name);
void unit_tmpdir_remove(const char *dir);

/* What an importer (inetd_import, xinetd_import) returned and printed. */
struct unit_output {
    int rc;
    char *out, *err;
    size_t outlen, errlen;
};

void unit_capture(struct unit_output *r, int (*import)(const char *path, FILE *out, FILE *err),
                  const char *path);
void unit_output_free(struct unit_output *r);

#endif
