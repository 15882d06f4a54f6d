/*
 * --import-inetd: read a classic inetd.conf (BSD/Debian openbsd-inetd style)
 * and write the equivalent superserver YAML config.  Each line becomes one
 * service (inetd_line.c); this file gives them unique names, merges twins and
 * writes the YAML.  A line that cannot be translated is named on ERR and
 * skipped.  Lines for one port that differ only in address family
 * (tcp and tcp6) become one service on "*:PORT", since the loader treats any
 * two wildcards on a port as a collision.  Nothing reaches OUT unless at
 * least one service was translated.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file_trust.h"
#include "inetd_import.h"
#include "inetd_line.h"
#include "yaml_out.h"

struct inetd_list {
    struct inetd_svc *v;
    size_t n, cap;
};

static bool same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Everything but the address equal: two lines that only split one service by family. */
static bool same_settings(const struct inetd_svc *a, const struct inetd_svc *b)
{
    if (a->wait != b->wait || a->rate != b->rate || a->instances != b->instances ||
        a->per_source != b->per_source || !same_str(a->user, b->user) ||
        !same_str(a->group, b->group) || !same_str(a->exec, b->exec) || a->n_args != b->n_args)
        return false;
    for (size_t i = 0; i < a->n_args; i++)
        if (strcmp(a->args[i], b->args[i]) != 0)
            return false;
    return true;
}

/* Fold wildcard twin S into E: "0.0.0.0" plus "[::]" is "*". */
static void merge_into(struct inetd_svc *e, const struct inetd_svc *s)
{
    char text[16], err[128];
    unsigned port = addr_port((const struct sockaddr *)&e->listen.ss);

    if (e->merged_line == 0)
        e->merged_line = s->line;
    if (e->host == s->host)
        return;
    free(e->listen.text);
    snprintf(text, sizeof(text), "*:%u", port);
    if (addr_parse_listen(text, e->proto, &e->listen, err, sizeof(err)) < 0)
        abort(); /* cannot happen: a numeric wildcard */
    e->host = HOST_ANY;
}

static bool name_taken(const struct inetd_list *l, const char *name)
{
    for (size_t i = 0; i < l->n; i++)
        if (strcmp(l->v[i].name, name) == 0)
            return true;
    return false;
}

/* Make S's name unique: the service name, else with a protocol suffix, else numbered. */
static void unique_name(const struct inetd_list *l, struct inetd_svc *s, const char *proto)
{
    const char *suffix = strcmp(proto, "tcp6") == 0 ? "-6" : strcmp(proto, "tcp4") == 0 ? "-4" : "";
    size_t len = strlen(s->name) + strlen(proto) + 16;
    char *name;

    if (!name_taken(l, s->name))
        return;
    name = inetd_xrealloc(NULL, len, 1);
    snprintf(name, len, "%s%s%s", s->name, *suffix ? "" : "-", *suffix ? suffix : proto);
    for (unsigned n = 2; name_taken(l, name); n++)
        snprintf(name, len, "%s%s%s-%u", s->name, *suffix ? "" : "-", *suffix ? suffix : proto, n);
    free(s->name);
    s->name = name;
}

/* Add S to L (taking it over), merge it into its twin, or explain a clash in WHY. */
static int list_add(struct inetd_list *l, struct inetd_svc *s, const char *proto, char *why)
{
    for (size_t i = 0; i < l->n; i++) {
        struct inetd_svc *e = &l->v[i];

        if (strcmp(e->proto, s->proto) != 0 || !addr_listen_conflict(&e->listen, &s->listen))
            continue;
        if (e->host != HOST_ADDR && s->host != HOST_ADDR && same_settings(e, s)) {
            merge_into(e, s);
            inetd_svc_free(s);
            return 0;
        }
        snprintf(why, INETD_REASON_LEN, "%s \"%s\" collides with \"%s\" from line %u%s", s->proto,
                 s->listen.text, e->listen.text, e->line,
                 e->host == HOST_ANY ? " (IPv4 and IPv6)" : "");
        return -1;
    }
    unique_name(l, s, proto);
    if (l->n == l->cap) {
        l->cap = l->cap ? 2 * l->cap : 16;
        l->v = inetd_xrealloc(l->v, l->cap, sizeof(*l->v));
    }
    l->v[l->n++] = *s;
    return 0;
}

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

/* Split LINE in place on blanks; the caller frees *FIELDS (not the strings). */
static size_t split_fields(char *line, char ***fields, size_t *cap)
{
    size_t n = 0;
    char *save = NULL;

    for (char *t = strtok_r(line, " \t\r\n\v\f", &save); t;
         t = strtok_r(NULL, " \t\r\n\v\f", &save)) {
        if (n == *cap) {
            *cap = *cap ? 2 * *cap : 16;
            *fields = inetd_xrealloc(*fields, *cap, sizeof(char *));
        }
        (*fields)[n++] = t;
    }
    return n;
}

/*
 * Notes for an admin on lines that translate (or are skipped) without an
 * error but want a look: a service update-inetd switched off ("#<off>#",
 * skipped like any comment) and a server run through tcpd, whose
 * hosts.allow/hosts.deny rules the daemon's allow/deny keys can replace.
 * LINE is the raw text, before import_line splits it.
 */
static void note_line(const char *path, unsigned lineno, const char *line, bool translated,
                      FILE *err)
{
    const char *p = line + strspn(line, " \t");
    const char *ws = " \t\r\n\v\f";

    if (strncmp(p, "#<off>#", 7) == 0) {
        p += 7;
        p += strspn(p, ws);
        fprintf(err,
                "superserverd: %s:%u: note: \"%.*s\" skipped: switched off by update-inetd "
                "(#<off>#)\n",
                path, lineno, (int)strcspn(p, ws), p);
        return;
    }
    if (!translated || *p == '#')
        return;
    const char *name = p, *field = p;
    for (int i = 0; i < 5 && *field; i++) { /* to field 6, the server program */
        field += strcspn(field, ws);
        field += strspn(field, ws);
    }
    size_t n = strcspn(field, ws);
    if ((n == 4 && strncmp(field, "tcpd", 4) == 0) ||
        (n > 4 && strncmp(field + n - 5, "/tcpd", 5) == 0))
        fprintf(err,
                "superserverd: %s:%u: note: \"%.*s\" runs through tcpd: hosts.allow/hosts.deny "
                "still apply; the allow/deny keys can replace them\n",
                path, lineno, (int)strcspn(name, ws), name);
}

/* Handle one line: a comment, an OpenBSD "host:" default, or a service. */
static int import_line(char *line, unsigned lineno, char **defhost, struct inetd_list *l,
                       char ***fields, size_t *cap, char *why)
{
    struct inetd_svc s = {.line = lineno};
    size_t nf, len;
    const char *proto;

    nf = split_fields(line, fields, cap);
    if (nf == 0 || (*fields)[0][0] == '#')
        return 0;
    len = strlen((*fields)[0]);
    if (nf == 1 && len > 1 && (*fields)[0][len - 1] == ':') {
        free(*defhost);
        (*fields)[0][len - 1] = '\0';
        *defhost = inetd_xstrdup((*fields)[0]);
        return 0;
    }
    if (nf < 6) {
        snprintf(why, INETD_REASON_LEN, "too few fields (%zu, need at least 6)", nf);
        return -1;
    }
    proto = (*fields)[2]; /* as written: "tcp6" names a twin "-6" */
    if (inetd_svc_translate(*fields, nf, *defhost, &s, why) < 0 ||
        list_add(l, &s, proto, why) < 0) {
        inetd_svc_free(&s);
        return -1;
    }
    return 0;
}

int inetd_import(const char *path, FILE *out, FILE *err)
{
    struct inetd_list l = {0};
    char *line = NULL, *defhost = NULL, **fields = NULL, why[INETD_REASON_LEN];
    size_t linecap = 0, fieldcap = 0;
    unsigned lineno = 0;
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
    while (getline(&line, &linecap, in) >= 0) {
        char *raw = inetd_xstrdup(line); /* import_line splits LINE in place */
        bool ok = import_line(line, ++lineno, &defhost, &l, &fields, &fieldcap, why) == 0;
        if (!ok)
            fprintf(err, "superserverd: %s:%u: cannot translate: %s\n", path, lineno, why);
        note_line(path, lineno, raw, ok, err);
        free(raw);
    }
    if (ferror(in)) {
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
    for (size_t i = 0; i < l.n; i++)
        inetd_svc_free(&l.v[i]);
    free(l.v);
    free(fields);
    free(line);
    free(defhost);
    fclose(in);
    return rc;
}
