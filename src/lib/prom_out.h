/*
 * prom_out: the Prometheus text exposition format 0.0.4, the shape of the
 * control socket's `metrics` answer.  HELP text escapes backslash and
 * newline; label values escape backslash, double quote and newline; both
 * stay valid UTF-8 (a byte that starts no valid sequence becomes U+FFFD,
 * as in json_out).  Metric and label names come from the program, not from
 * input: an invalid one marks the buffer failed rather than being written.
 */
#ifndef SUPERSERVER_PROM_OUT_H
#define SUPERSERVER_PROM_OUT_H

#include <stddef.h>

#include "outbuf.h"

struct prom_label {
    const char *name;
    const char *value;
};

/* "# HELP NAME TEXT" and "# TYPE NAME TYPE" (counter, gauge, untyped...). */
void prom_header(struct outbuf *ob, const char *name, const char *type, const char *help);

/* One sample: NAME{L1="V1",...} VALUE; an integer (counters, gauges). */
void prom_sample_u64(struct outbuf *ob, const char *name, const struct prom_label *labels,
                     size_t n_labels, unsigned long long value);
/* The same with a float value (+Inf, -Inf and NaN as the format spells them). */
void prom_sample_double(struct outbuf *ob, const char *name, const struct prom_label *labels,
                        size_t n_labels, double value);

/* A label value's escaped text (no quotes); HELP text's. */
void prom_escape_label(struct outbuf *ob, const char *s);
void prom_escape_help(struct outbuf *ob, const char *s);

/* [a-zA-Z_:][a-zA-Z0-9_:]* for a metric; a label the same without ':' (and not "__..."). */
int prom_valid_metric_name(const char *s);
int prom_valid_label_name(const char *s);

#endif
