/*
 * One line of inetd.conf into one service: the fields of a classic line
 * (service socket-type protocol wait user server args...) checked and
 * turned into the values a superserver service needs, or a reason why not.
 * Used by inetd_import.c, which merges, names and writes the services.
 */
#ifndef SUPERSERVER_INETD_LINE_H
#define SUPERSERVER_INETD_LINE_H

#include <stdbool.h>
#include <stddef.h>

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

/* Allocation that aborts: an importer out of memory has nothing better to do. */
char *inetd_xstrdup(const char *s);
void *inetd_xrealloc(void *p, size_t n, size_t size);

#endif
