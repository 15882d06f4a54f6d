/*
 * Reading a whole inetd.conf (see conf_inetd.h): each line is a comment, an
 * OpenBSD "host:" default, or a service that conf_inetd_line.c translates;
 * this file gives the services unique names and merges twins.  Lines for one
 * port that differ only in address family (tcp and tcp6) become one service
 * on "*:PORT", since the loader treats any two wildcards on a port as a
 * collision.  A line that cannot be translated is reported and skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "conf_inetd.h"

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
 * LINE is the raw text, before read_line splits it.
 */
static void note_line(unsigned lineno, const char *line, bool translated, inetd_remark_fn *remark,
                      void *ctx)
{
    const char *p = line + strspn(line, " \t");
    const char *ws = " \t\r\n\v\f";
    char text[INETD_REASON_LEN + 128];

    if (strncmp(p, "#<off>#", 7) == 0) {
        p += 7;
        p += strspn(p, ws);
        snprintf(text, sizeof(text), "\"%.*s\" skipped: switched off by update-inetd (#<off>#)",
                 (int)strcspn(p, ws), p);
        remark(ctx, lineno, INETD_NOTE, text);
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
        (n > 4 && strncmp(field + n - 5, "/tcpd", 5) == 0)) {
        snprintf(text, sizeof(text),
                 "\"%.*s\" runs through tcpd: hosts.allow/hosts.deny still apply; the allow/deny "
                 "keys can replace them",
                 (int)strcspn(name, ws), name);
        remark(ctx, lineno, INETD_NOTE, text);
    }
}

/* Handle one line: a comment, an OpenBSD "host:" default, or a service. */
static int read_line(char *line, unsigned lineno, char **defhost, struct inetd_list *l,
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

int inetd_conf_read(FILE *in, struct inetd_list *l, inetd_remark_fn *remark, void *ctx)
{
    char *line = NULL, *defhost = NULL, **fields = NULL, why[INETD_REASON_LEN];
    size_t linecap = 0, fieldcap = 0;
    unsigned lineno = 0;
    int rc = 0;

    while (getline(&line, &linecap, in) >= 0) {
        char *raw = inetd_xstrdup(line); /* read_line splits LINE in place */
        bool ok = read_line(line, ++lineno, &defhost, l, &fields, &fieldcap, why) == 0;
        if (!ok)
            remark(ctx, lineno, INETD_UNTRANSLATED, why);
        note_line(lineno, raw, ok, remark, ctx);
        free(raw);
    }
    if (ferror(in))
        rc = -1;
    free(fields);
    free(line);
    free(defhost);
    return rc;
}

void inetd_list_free(struct inetd_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        inetd_svc_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}
