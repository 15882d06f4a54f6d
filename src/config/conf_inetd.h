/*
 * inetd.conf, the third syntax front-end: a classic file (BSD/Debian
 * openbsd-inetd style) read into translated services, one per line
 * (conf_inetd_line.c), merged and named uniquely (conf_inetd.c).  Two users,
 * one translation: the `inetd_conf` key (config_inetd.c builds services from
 * these) and --import-inetd (src/import, which prints them as YAML).
 */
#ifndef SUPERSERVER_CONF_INETD_H
#define SUPERSERVER_CONF_INETD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "addr.h"

/* Room for a reason: "cannot translate: <reason>". */
#define INETD_REASON_LEN 256

/* Which addresses a translated service listens on. */
enum host_kind { HOST_ANY, HOST_V4ANY, HOST_V6ANY, HOST_ADDR };

struct inetd_svc {
    char *name;
    unsigned line, merged_line; /* merged_line: a tcp6 twin folded in, or 0 */
    const char *proto;          /* "tcp" or "udp" */
    enum host_kind host;
    struct listen_addr listen;
    bool wait;
    char *wait_text; /* the field as written, for the rate comment */
    unsigned rate;   /* spawns per minute (".N"), 0 = none */
    unsigned instances;
    unsigned per_source; /* FreeBSD's max-child-per-ip */
    char *user, *group, *exec;
    char **args;
    size_t n_args;
};

/*
 * Translate the NF (at least 6) fields F of one line into S; DEFHOST is the
 * address an OpenBSD "host:" line set, or NULL.  F[0] may be modified.  On
 * error returns -1 with a reason in WHY (INETD_REASON_LEN bytes); the caller
 * frees S with inetd_svc_free either way.
 */
int inetd_svc_translate(char **f, size_t nf, const char *defhost, struct inetd_svc *s, char *why);

void inetd_svc_free(struct inetd_svc *s);

/* The translated services of one file, in file order. */
struct inetd_list {
    struct inetd_svc *v;
    size_t n, cap;
};

/* What the reader says about a line besides translating it: why it cannot
 * (INETD_UNTRANSLATED), or something an admin may want to look at. */
enum inetd_remark { INETD_UNTRANSLATED, INETD_NOTE };
typedef void inetd_remark_fn(void *ctx, unsigned line, enum inetd_remark kind, const char *text);

/*
 * Read an inetd.conf from IN into L: each service line translated, tcp/tcp6
 * wildcard twins merged into one "*:PORT" service, names made unique.  Each
 * line that cannot be translated, and each note, goes to REMARK (in line
 * order, a line's reason before its note).  0, or -1 on a read error (errno).
 */
int inetd_conf_read(FILE *in, struct inetd_list *l, inetd_remark_fn *remark, void *ctx);
void inetd_list_free(struct inetd_list *l);

/* Allocation that aborts: out of memory while reading a config file, there is
 * nothing better to do (a daemon's reload then fails loudly, not silently). */
char *inetd_xstrdup(const char *s);
void *inetd_xrealloc(void *p, size_t n, size_t size);

#endif
