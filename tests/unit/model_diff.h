/*
 * Two loaded configurations compared key by key: every field of the model
 * (model.h) but where an entry came from (file, line).  check_config's -T
 * round trip and fuzz_config compare a config with its dump loaded back,
 * so a key that -T forgets or writes wrong shows as a difference instead of
 * vanishing from both sides of a textual comparison.
 */
#ifndef SUPERSERVER_MODEL_DIFF_H
#define SUPERSERVER_MODEL_DIFF_H

#include <stddef.h>

#include "model.h"

/* NULL when A and B are equal, else the first difference ("service \"e\":
 * per_source_rate") written into BUF (LEN bytes), which is returned. */
const char *model_diff(const struct config *a, const struct config *b, char *buf, size_t len);

#endif
