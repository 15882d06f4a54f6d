/*
 * inetd.conf, the third syntax front-end: a classic file (BSD/Debian
 * openbsd-inetd style) read into translated services, one per line
 * (conf_inetd_line.c), merged and named uniquely (conf_inetd.c).  It follows
 * the config layer's rules: the text comes from conf_read_file (bounded,
 * regular files only, trust-checked for a root daemon), everything is
 * allocated in the caller's arena, and running out of memory is an error
 * returned, never an abort.  Two users, one translation: the `inetd_conf`
 * key (config_inetd.c builds services from these) and --import-inetd
 * (src/import, which prints them as YAML).
 */
#ifndef SUPERSERVER_CONF_INETD_H
#define SUPERSERVER_CONF_INETD_H

#include <stdbool.h>
#include <stddef.h>

#include "addr.h"
#include "arena.h"

/* Room for a reason: "cannot translate: <reason>". */
#define CONF_INETD_REASON_LEN 256

/* Which addresses a translated service listens on. */
enum conf_inetd_host {
    CONF_INETD_HOST_ANY,
    CONF_INETD_HOST_V4ANY,
    CONF_INETD_HOST_V6ANY,
    CONF_INETD_HOST_ADDR
};

/* One translated line; every string is in the arena it was read into. */
struct conf_inetd_svc {
    char *name;
    unsigned line, merged_line; /* merged_line: a tcp6 twin folded in, or 0 */
    const char *proto;          /* "tcp" or "udp" */
    enum conf_inetd_host host;
    struct listen_addr listen; /* listen.text in the arena too */
    bool wait;
    char *wait_text; /* the field as written, for the rate comment */
    unsigned rate;   /* spawns per minute (".N"), 0 = none */
    unsigned instances;
    unsigned per_source; /* FreeBSD's max-child-per-ip */
    char *user, *group, *exec;
    char **args;
    size_t n_args;
};

/* The translated services of one file, in file order. */
struct conf_inetd_list {
    struct conf_inetd_svc **v;
    size_t n, cap;
};

/* What the reader says about a line besides translating it: why it cannot
 * (CONF_INETD_UNTRANSLATED), or something an admin may want to look at. */
enum conf_inetd_remark { CONF_INETD_UNTRANSLATED, CONF_INETD_NOTE };
typedef void conf_inetd_remark_fn(void *ctx, unsigned line, enum conf_inetd_remark kind,
                                  const char *text);

/*
 * Translate the inetd.conf TEXT (LEN bytes and a NUL after them, as
 * conf_read_file gives it; its lines are cut in place) into L, allocated in
 * A: each service line translated, tcp/tcp6 wildcard twins merged into one
 * "*:PORT" service, names made unique.  Each line that cannot be translated,
 * and each note, goes to REMARK (in line order, a line's reason before its
 * note).  0, or -1 when memory ran out.
 */
int conf_inetd_read(struct arena *a, char *text, size_t len, struct conf_inetd_list *l,
                    conf_inetd_remark_fn *remark, void *ctx);

/*
 * conf_inetd_line.c: translate the NF (at least 6) fields F of one line
 * into S, allocated in A; DEFHOST is the address an OpenBSD "host:" line
 * set, or NULL.  F[0] may be modified.  0; -1 with a reason in WHY
 * (CONF_INETD_REASON_LEN bytes) when the line cannot be translated; -2 when
 * memory ran out.
 */
int conf_inetd_translate(struct arena *a, char **f, size_t nf, const char *defhost,
                         struct conf_inetd_svc *s, char *why);

#endif
