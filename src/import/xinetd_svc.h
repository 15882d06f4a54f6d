/*
 * One xinetd service block, with the defaults it inherits, into the values
 * of one superserver service (xinetd_svc.c), and those values as YAML.
 * xinetd_import.c drives it over the blocks xinetd_parse.c read.
 */
#ifndef SUPERSERVER_XINETD_SVC_H
#define SUPERSERVER_XINETD_SVC_H

#include <stdbool.h>
#include <stdio.h>

#include "xinetd_model.h"
#include "xinetd_parse.h"

void xinetd_defaults_collect(struct xinetd_conf *c, struct xinetd_defaults *d, FILE *err);

/*
 * Translate block B over the defaults D into S, whose values are allocated
 * in MEM (the caller frees it once S is written).  Attributes it cannot
 * express are named on ERR with file:line; returns -1 (after naming the
 * reason on ERR) when the whole service cannot be translated.
 */
int xinetd_svc_translate(const struct xinetd_defaults *d, const struct xinetd_block *b,
                         struct xinetd_svc *s, struct arena *mem, FILE *err);

void xinetd_svc_emit(FILE *out, const struct xinetd_svc *s);

#endif
