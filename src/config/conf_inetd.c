/*
 * Reading a whole inetd.conf (see conf_inetd.h): each line is a comment, an
 * OpenBSD "host:" default, or a service that conf_inetd_line.c translates;
 * this file gives the services unique names and merges twins.  Lines for one
 * port that differ only in address family (tcp and tcp6) become one service
 * on "*:PORT", since the loader treats any two wildcards on a port as a
 * collision.  A line that cannot be translated is reported and skipped.
 * Names and addresses are looked up by hash, so a file of many lines stays
 * linear.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_inetd.h"
#include "strmap.h"

#define NO_MEMORY (-2)

/* The reader's state across lines. */
struct reader {
    struct arena *a;
    struct conf_inetd_list *l;
    char *defhost;          /* an OpenBSD "host:" line's address, or NULL */
    struct strmap names;    /* the names taken */
    struct strmap numbered; /* a name taken twice -> the next number to try after it */
    struct strmap ports;    /* "proto port" -> the services there (struct port_chain) */
    size_t *next;           /* per service: index + 1 of the next one on its port, or 0 */
    char **fields;          /* the words of the line being read */
    size_t fields_cap;
    char why[CONF_INETD_REASON_LEN];
};

static bool same_str(const char *a, const char *b)
{
    return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Everything but the address equal: two lines that only split one service by family. */
static bool same_settings(const struct conf_inetd_svc *a, const struct conf_inetd_svc *b)
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
static int merge_into(struct arena *a, struct conf_inetd_svc *e, const struct conf_inetd_svc *s)
{
    char text[16], err[128], *copy;
    unsigned port = addr_port((const struct sockaddr *)&e->listen.ss);
    struct listen_addr any;

    if (e->merged_line == 0)
        e->merged_line = s->line;
    if (e->host == s->host)
        return 0;
    snprintf(text, sizeof(text), "*:%u", port);
    if (addr_parse_listen(text, e->proto, &any, err, sizeof(err)) < 0)
        return NO_MEMORY; /* a numeric wildcard: only memory can be missing */
    copy = arena_strdup(a, any.text);
    free(any.text);
    if (copy == NULL)
        return NO_MEMORY;
    any.text = copy;
    e->listen = any;
    e->host = CONF_INETD_HOST_ANY;
    return 0;
}

static bool name_taken(const struct reader *r, const char *name)
{
    return strmap_get(&r->names, name) != NULL;
}

/* Make S's name unique: the service name, else with a protocol suffix, else numbered. */
static int unique_name(struct reader *r, struct conf_inetd_svc *s, const char *proto)
{
    const char *suffix = strcmp(proto, "tcp6") == 0 ? "-6" : strcmp(proto, "tcp4") == 0 ? "-4" : "";
    size_t len = strlen(s->name) + strlen(proto) + 16;
    char *name;
    unsigned *next;

    if (!name_taken(r, s->name))
        return 0;
    if ((name = arena_alloc(r->a, len)) == NULL)
        return NO_MEMORY;
    snprintf(name, len, "%s%s%s", s->name, *suffix ? "" : "-", *suffix ? suffix : proto);
    if (name_taken(r, name)) {
        /* numbered from where the last one of this name stopped: linear in all */
        size_t base = strlen(name);
        if ((next = strmap_get(&r->numbered, name)) == NULL) {
            char *key = arena_strdup(r->a, name);
            if (key == NULL || (next = arena_alloc(r->a, sizeof(*next))) == NULL ||
                strmap_put(&r->numbered, key, next) < 0)
                return NO_MEMORY;
            *next = 2;
        }
        do
            snprintf(name + base, len - base, "-%u", (*next)++);
        while (name_taken(r, name));
    }
    s->name = name;
    return 0;
}

/* The key of S's protocol and port, in the arena: the services that may collide. */
static const char *port_key(struct reader *r, const struct conf_inetd_svc *s)
{
    char *key = arena_alloc(r->a, 48 + strlen(s->listen.text));

    if (key != NULL)
        sprintf(key, "%s %u %s", s->proto, addr_port((const struct sockaddr *)&s->listen.ss),
                s->listen.kind == LISTEN_UNIX ? s->listen.text : "");
    return key;
}

/* The services on one protocol and port (or unix path), in file order:
 * indexes + 1 into the list, chained through reader.next. */
struct port_chain {
    size_t head, tail;
};

/* Room for one more service in the list and its chain link. */
static int grow(struct reader *r)
{
    struct conf_inetd_list *l = r->l;
    size_t cap = l->cap ? 2 * l->cap : 16;
    struct conf_inetd_svc **v = arena_calloc(r->a, cap, sizeof(*v));
    size_t *next = arena_calloc(r->a, cap, sizeof(*next));

    if (v == NULL || next == NULL)
        return NO_MEMORY;
    if (l->n) {
        memcpy(v, l->v, l->n * sizeof(*v));
        memcpy(next, r->next, l->n * sizeof(*next));
    }
    l->v = v;
    r->next = next;
    l->cap = cap;
    return 0;
}

/* Add S to the list, merge it into its twin, or explain a clash in r->why:
 * 0, -1 (a clash) or NO_MEMORY. */
static int list_add(struct reader *r, struct conf_inetd_svc *s, const char *proto)
{
    struct conf_inetd_list *l = r->l;
    const char *key = port_key(r, s);
    struct port_chain *chain;
    int rc;

    if (key == NULL)
        return NO_MEMORY;
    chain = strmap_get(&r->ports, key);
    for (size_t i = chain ? chain->head : 0; i != 0; i = r->next[i - 1]) {
        struct conf_inetd_svc *e = l->v[i - 1];

        if (strcmp(e->proto, s->proto) != 0 || !addr_listen_conflict(&e->listen, &s->listen))
            continue;
        if (e->host != CONF_INETD_HOST_ADDR && s->host != CONF_INETD_HOST_ADDR &&
            same_settings(e, s))
            return merge_into(r->a, e, s);
        snprintf(r->why, sizeof(r->why), "%s \"%s\" collides with \"%s\" from line %u%s", s->proto,
                 s->listen.text, e->listen.text, e->line,
                 e->host == CONF_INETD_HOST_ANY ? " (IPv4 and IPv6)" : "");
        return -1;
    }
    if ((rc = unique_name(r, s, proto)) < 0 || (l->n == l->cap && (rc = grow(r)) < 0))
        return rc;
    if ((l->v[l->n] = arena_alloc(r->a, sizeof(*s))) == NULL)
        return NO_MEMORY;
    *l->v[l->n] = *s;
    r->next[l->n++] = 0;
    if (chain == NULL) {
        if ((chain = arena_alloc(r->a, sizeof(*chain))) == NULL ||
            strmap_put(&r->ports, key, chain) < 0)
            return NO_MEMORY;
        chain->head = l->n;
    } else {
        r->next[chain->tail - 1] = l->n;
    }
    chain->tail = l->n;
    return strmap_put(&r->names, s->name, s->name) < 0 ? NO_MEMORY : 0;
}

/* Split LINE in place on blanks into r->fields (grown in the arena as a
 * longer line needs: one array serves every line).  The count, or SIZE_MAX
 * when memory ran out. */
static size_t split_fields(struct reader *r, char *line)
{
    const char *ws = " \t\r\n\v\f";
    size_t n = 0, words = 0;
    char *save = NULL;

    for (const char *p = line + strspn(line, ws); *p; p += strspn(p, ws), words++)
        p += strcspn(p, ws);
    if (words + 1 > r->fields_cap) {
        size_t cap = 2 * (words + 1);
        if ((r->fields = arena_calloc(r->a, cap, sizeof(char *))) == NULL)
            return SIZE_MAX;
        r->fields_cap = cap;
    }
    for (char *t = strtok_r(line, ws, &save); t; t = strtok_r(NULL, ws, &save))
        r->fields[n++] = t;
    return n;
}

/*
 * The note for an admin on a line that translates (or is skipped) without
 * an error but wants a look, from the raw LINE before it is split, into
 * TEXT; "" for none.  TCPD: whether the note is about tcpd (only said when
 * the line translates).  A service update-inetd switched off ("#<off>#",
 * skipped like any comment), or a server run through tcpd, whose
 * hosts.allow/hosts.deny rules the daemon's allow/deny keys can replace.
 */
static void line_note(const char *line, char *text, size_t len, bool *tcpd)
{
    const char *p = line + strspn(line, " \t");
    const char *ws = " \t\r\n\v\f";

    text[0] = '\0';
    *tcpd = false;
    if (strncmp(p, "#<off>#", 7) == 0) {
        p += 7;
        p += strspn(p, ws);
        snprintf(text, len, "\"%.*s\" skipped: switched off by update-inetd (#<off>#)",
                 (int)strcspn(p, ws), p);
        return;
    }
    if (*p == '#')
        return;
    const char *name = p, *field = p;
    for (int i = 0; i < 5 && *field; i++) { /* to field 6, the server program */
        field += strcspn(field, ws);
        field += strspn(field, ws);
    }
    size_t n = strcspn(field, ws);
    if ((n == 4 && strncmp(field, "tcpd", 4) == 0) ||
        (n > 4 && strncmp(field + n - 5, "/tcpd", 5) == 0)) {
        snprintf(text, len,
                 "\"%.*s\" runs through tcpd: hosts.allow/hosts.deny still apply; the allow/deny "
                 "keys can replace them",
                 (int)strcspn(name, ws), name);
        *tcpd = true;
    }
}

/* Handle one line: a comment, an OpenBSD "host:" default, or a service.
 * 0, -1 (why in r->why) or NO_MEMORY. */
static int read_line(struct reader *r, char *line, size_t len, unsigned lineno)
{
    struct conf_inetd_svc s = {.line = lineno};
    char **fields;
    size_t nf, n0;

    const char *proto;
    int rc;

    if (memchr(line, '\0', len) != NULL) { /* it would cut the line short unseen */
        snprintf(r->why, sizeof(r->why), "NUL byte in the line");
        return -1;
    }
    if ((nf = split_fields(r, line)) == SIZE_MAX)
        return NO_MEMORY;
    fields = r->fields;
    if (nf == 0 || fields[0][0] == '#')
        return 0;
    n0 = strlen(fields[0]);
    if (nf == 1 && n0 > 1 && fields[0][n0 - 1] == ':') {
        fields[0][n0 - 1] = '\0';
        r->defhost = fields[0];
        return 0;
    }
    if (nf < 6) {
        snprintf(r->why, sizeof(r->why), "too few fields (%zu, need at least 6)", nf);
        return -1;
    }
    proto = fields[2]; /* as written: "tcp6" names a twin "-6" */
    if ((rc = conf_inetd_translate(r->a, fields, nf, r->defhost, &s, r->why)) < 0)
        return rc;
    return list_add(r, &s, proto);
}

static int read_lines(struct reader *r, char *text, size_t len, conf_inetd_remark_fn *remark,
                      void *ctx)
{
    unsigned lineno = 0;

    for (char *line = text, *end = text + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);
        char note[CONF_INETD_REASON_LEN + 128];
        bool tcpd;
        int rc;

        line[n] = '\0';
        line_note(line, note, sizeof(note), &tcpd);
        rc = read_line(r, line, n, ++lineno);
        if (rc == NO_MEMORY)
            return -1;
        if (rc < 0)
            remark(ctx, lineno, CONF_INETD_UNTRANSLATED, r->why);
        if (note[0] != '\0' && (rc == 0 || !tcpd))
            remark(ctx, lineno, CONF_INETD_NOTE, note);
        line += n + 1;
    }
    return 0;
}

int conf_inetd_read(struct arena *a, char *text, size_t len, struct conf_inetd_list *l,
                    conf_inetd_remark_fn *remark, void *ctx)
{
    struct reader r = {
        .a = a, .l = l, .names = STRMAP_INIT, .numbered = STRMAP_INIT, .ports = STRMAP_INIT};
    int rc = read_lines(&r, text, len, remark, ctx);

    strmap_free(&r.names);
    strmap_free(&r.numbered);
    strmap_free(&r.ports);
    return rc;
}
