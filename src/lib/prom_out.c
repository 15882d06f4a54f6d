/* The Prometheus text format writer (see prom_out.h). */
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "prom_out.h"
#include "utf8.h"

static int valid_name(const char *s, bool colon)
{
    if (s == NULL || *s == '\0' || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s != '\0'; s++) {
        char c = *s;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || (colon && c == ':')))
            return 0;
    }
    return 1;
}

int prom_valid_metric_name(const char *s)
{
    return valid_name(s, true);
}

int prom_valid_label_name(const char *s)
{
    return valid_name(s, false) && strncmp(s, "__", 2) != 0;
}

/* S with BACKSLASH, NEWLINE and (for labels) QUOTE escaped, bad UTF-8 as U+FFFD. */
static void escape(struct outbuf *ob, const char *s, bool quote)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0, n;

    while (i < len) {
        if (p[i] == '\\' || p[i] == '\n' || (quote && p[i] == '"')) {
            outbuf_addc(ob, '\\');
            outbuf_addc(ob, p[i] == '\n' ? 'n' : (char)p[i]);
            i++;
        } else if ((n = utf8_seq(p + i, len - i)) > 0) {
            outbuf_add(ob, p + i, n);
            i += n;
        } else {
            outbuf_adds(ob, "\xef\xbf\xbd");
            i++;
        }
    }
}

void prom_escape_label(struct outbuf *ob, const char *s)
{
    escape(ob, s, true);
}

void prom_escape_help(struct outbuf *ob, const char *s)
{
    escape(ob, s, false);
}

void prom_header(struct outbuf *ob, const char *name, const char *type, const char *help)
{
    if (!prom_valid_metric_name(name) || !valid_name(type, false)) {
        ob->failed = true;
        return;
    }
    outbuf_printf(ob, "# HELP %s ", name);
    prom_escape_help(ob, help);
    outbuf_printf(ob, "\n# TYPE %s %s\n", name, type);
}

/* NAME{labels} and the space before the value: false when a name is invalid. */
static int sample_start(struct outbuf *ob, const char *name, const struct prom_label *labels,
                        size_t n)
{
    if (!prom_valid_metric_name(name))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!prom_valid_label_name(labels[i].name) || labels[i].value == NULL)
            return 0;
    outbuf_adds(ob, name);
    for (size_t i = 0; i < n; i++) {
        outbuf_printf(ob, "%c%s=\"", i ? ',' : '{', labels[i].name);
        prom_escape_label(ob, labels[i].value);
        outbuf_addc(ob, '"');
    }
    outbuf_adds(ob, n ? "} " : " ");
    return 1;
}

void prom_sample_u64(struct outbuf *ob, const char *name, const struct prom_label *labels,
                     size_t n_labels, unsigned long long value)
{
    if (!sample_start(ob, name, labels, n_labels)) {
        ob->failed = true;
        return;
    }
    outbuf_printf(ob, "%llu\n", value);
}

void prom_sample_double(struct outbuf *ob, const char *name, const struct prom_label *labels,
                        size_t n_labels, double value)
{
    if (!sample_start(ob, name, labels, n_labels)) {
        ob->failed = true;
        return;
    }
    if (isnan(value))
        outbuf_adds(ob, "NaN\n");
    else if (isinf(value))
        outbuf_adds(ob, value > 0 ? "+Inf\n" : "-Inf\n");
    else
        outbuf_printf(ob, "%.17g\n", value);
}
