/*
 * Inside a live upgrade (upgrade.h): what the old image's writer
 * (upgrade_save.c) and the new image's reader (upgrade_restore.c) agree on,
 * and how the old image runs one (upgrade.c, the check of the new binary in
 * upgrade_check.c).  Not for the rest of the daemon.
 */
#ifndef SUPERSERVER_UPGRADE_INT_H
#define SUPERSERVER_UPGRADE_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "aux_child.h"
#include "loop.h"

struct server;
struct carry;

/* The record's format: a change a reader of the old format would misread
 * bumps it (a new field does not: readers skip what they do not know). */
#define UPGRADE_STATE_VERSION 1

/* How the old image names, in the new image's environment, the record's
 * memfd, the listening sockets (for a new image that cannot read the
 * record: socket-activation style, matched by address), the client that
 * asked, and how many connections waiting for a PROXY header each service
 * has (for a new image that cannot read the record to say it closes them:
 * "SERVICE:N,..."). */
#define UPGRADE_ENV_STATE   "SUPERSERVER_UPGRADE_STATE"
#define UPGRADE_ENV_LISTEN  "SUPERSERVER_UPGRADE_LISTEN"
#define UPGRADE_ENV_CLIENT  "SUPERSERVER_UPGRADE_CLIENT"
#define UPGRADE_ENV_PENDING "SUPERSERVER_UPGRADE_PROXY_PENDING"
/* Well below the kernel's limit on one environment string (128 KiB). */
#define UPGRADE_ENV_PENDING_MAX (64 * 1024)

/* The longest the spawners may take to answer for their connections. */
#define UPGRADE_SPAWNERS_NS (1000000000ULL)
/* The longest the check of the new binary may take. */
#define UPGRADE_CHECK_NS  (30 * 1000000000ULL)
#define UPGRADE_CHECK_OUT 2048 /* bytes of its output kept */

/* One upgrade under way in the old image (server.upgrade). */
struct upgrade {
    struct aux_child *check; /* the -t child, while it runs */
    struct ev out;           /* its stdout and stderr */
    char output[UPGRADE_CHECK_OUT];
    size_t output_len;
    struct timer deadline; /* the check's time is up */
    bool reloading;        /* the check passed: the exec follows the reload */
};

/* upgrade_check.c: run `PATH -t -c CONFIG` in a child the loop watches;
 * upgrade_checked() is called with its outcome (ERROR NULL: it passed).
 * -1 with ERR when it cannot start. */
int upgrade_check_start(struct server *s, struct upgrade *u, char *err, size_t errlen);
void upgrade_check_stop(struct server *s, struct upgrade *u);
void upgrade_checked(struct server *s, const char *error);

/* upgrade_save.c: the whole running state into C (writing). */
void upgrade_save(struct server *s, struct carry *c);
/* The daemon's own fields, both ways (the carry calls read or write as C
 * does): the counters and start times in S, PAUSED_NS and the handlers'
 * RLIMIT_NOFILE in the caller's variables.  False when C holds no
 * "daemon" object to read. */
bool upgrade_carry_daemon(struct carry *c, struct server *s, uint64_t *paused_ns,
                          uint64_t *nofile_cur, uint64_t *nofile_max);

#endif
