/*
 * --import-inetd: read a classic inetd.conf (BSD/Debian openbsd-inetd style)
 * and write the equivalent superserver YAML config.  The translation is the
 * config layer's (conf_file.h reads the file, conf_inetd.h translates
 * it), the same the `inetd_conf` key reads through; this file only writes
 * it as YAML, and names on ERR each line
 * that cannot be translated, and each note.  Nothing reaches OUT unless at
 * least one service was translated.
 */
#include <sys/stat.h>

#include "conf_file.h"
#include "conf_inetd.h"
#include "inetd_import.h"
#include "yaml_out.h"

static void emit_key(FILE *out, const char *key, const char *value)
{
    fprintf(out, "    %s: ", key);
    yaml_scalar(out, value);
    fputc('\n', out);
}

static void emit_service(FILE *out, const struct conf_inetd_svc *s)
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

static void print_remark(void *ctx, unsigned line, enum conf_inetd_remark kind, const char *text)
{
    const struct remark_ctx *rc = ctx;

    fprintf(rc->err, "superserverd: %s:%u: %s: %s\n", rc->path, line,
            kind == CONF_INETD_UNTRANSLATED ? "cannot translate" : "note", text);
}

int inetd_import(const char *path, FILE *out, FILE *err)
{
    struct arena mem = ARENA_INIT;
    struct conf_inetd_list l = {0};
    struct remark_ctx ctx = {path, err};
    char why[600];
    struct stat st;
    size_t len = 0;
    /* Read as the `inetd_conf` key reads it: a regular file, bounded. */
    char *text = conf_read_file(&mem, path, NULL, &st, &len, why, sizeof(why));
    int rc = 1;

    if (text == NULL)
        fprintf(err, "superserverd: %s\n", why);
    else if (conf_inetd_read(&mem, text, len, &l, print_remark, &ctx) < 0)
        fprintf(err, "superserverd: %s: out of memory\n", path);
    else if (l.n == 0)
        fprintf(err, "superserverd: %s: no service could be translated\n", path);
    else {
        fprintf(out, "# superserver configuration translated from ");
        yaml_comment(out, path);
        fprintf(out,
                "\n# by superserverd --import-inetd; \"# line N\" names each service's line.\n");
        fprintf(out, "services:\n");
        for (size_t i = 0; i < l.n; i++)
            emit_service(out, l.v[i]);
        rc = 0;
    }
    arena_free(&mem);
    return rc;
}
