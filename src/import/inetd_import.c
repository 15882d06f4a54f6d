/*
 * --import-inetd: read a classic inetd.conf (BSD/Debian openbsd-inetd style)
 * and write the equivalent superserver YAML config.  The translation is the
 * config layer's (conf_inetd.h), the same the `inetd_conf` key reads
 * through; this file only writes it as YAML, and names on ERR each line
 * that cannot be translated, and each note.  Nothing reaches OUT unless at
 * least one service was translated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_inetd.h"
#include "file_trust.h"
#include "inetd_import.h"
#include "yaml_out.h"

static void emit_key(FILE *out, const char *key, const char *value)
{
    fprintf(out, "    %s: ", key);
    yaml_scalar(out, value);
    fputc('\n', out);
}

static void emit_service(FILE *out, const struct inetd_svc *s)
{
    if (s->merged_line)
        fprintf(out, "  # lines %u and %u\n", s->line, s->merged_line);
    else
        fprintf(out, "  # line %u\n", s->line);
    fprintf(out, "  - name: ");
    yaml_scalar(out, s->name);
    fputc('\n', out);
    emit_key(out, "listen", s->listen.text);
    emit_key(out, "protocol", s->proto);
    emit_key(out, "mode", s->wait ? "wait" : "nowait");
    if (s->rate) {
        fprintf(out, "    # %s: inetd's cap of %u spawns a minute, as a token bucket\n",
                s->wait_text, s->rate);
        fprintf(out, "    rate: \"%u/60\"\n", s->rate);
    }
    if (s->instances)
        fprintf(out, "    instances: %u\n", s->instances);
    if (s->per_source)
        fprintf(out, "    per_source: %u\n", s->per_source);
    emit_key(out, "user", s->user);
    if (s->group)
        emit_key(out, "group", s->group);
    emit_key(out, "exec", s->exec);
    fprintf(out, "    args:\n");
    for (size_t i = 0; i < s->n_args; i++) {
        fprintf(out, "      - ");
        yaml_scalar(out, s->args[i]);
        fputc('\n', out);
    }
}

struct remark_ctx {
    const char *path;
    FILE *err;
};

static void print_remark(void *ctx, unsigned line, enum inetd_remark kind, const char *text)
{
    const struct remark_ctx *rc = ctx;

    fprintf(rc->err, "superserverd: %s:%u: %s: %s\n", rc->path, line,
            kind == INETD_UNTRANSLATED ? "cannot translate" : "note", text);
}

int inetd_import(const char *path, FILE *out, FILE *err)
{
    struct inetd_list l = {0};
    struct remark_ctx ctx = {path, err};
    char why[INETD_REASON_LEN];
    int rc = 1;
    struct stat st;
    int fd = file_open_regular(path, &st, why, sizeof(why));
    FILE *in = fd >= 0 ? fdopen(fd, "r") : NULL;

    if (in == NULL && fd >= 0) {
        snprintf(why, sizeof(why), "cannot open: %s", strerror(errno));
        close(fd);
    }
    if (in == NULL) {
        fprintf(err, "superserverd: %s: %s\n", path, why);
        return 1;
    }
    if (inetd_conf_read(in, &l, print_remark, &ctx) < 0) {
        fprintf(err, "superserverd: %s: cannot read: %s\n", path, strerror(errno));
    } else if (l.n == 0) {
        fprintf(err, "superserverd: %s: no service could be translated\n", path);
    } else {
        fprintf(out, "# superserver configuration translated from ");
        yaml_comment(out, path);
        fprintf(out,
                "\n# by superserverd --import-inetd; \"# line N\" names each service's line.\n");
        fprintf(out, "services:\n");
        for (size_t i = 0; i < l.n; i++)
            emit_service(out, &l.v[i]);
        rc = 0;
    }
    inetd_list_free(&l);
    fclose(in);
    return rc;
}
