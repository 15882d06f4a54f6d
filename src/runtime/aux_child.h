/*
 * Children of the daemon that are not handlers: the `-t` check an upgrade
 * runs on the new binary, a confined service's spawner, and such children
 * carried over an upgrade.  Reaping looks here for a pid that is not a
 * handler's (reap.c) and calls the record's on_exit; none counts against a
 * service, none is logged as a handler.  Few and rare, so a list.
 */
#ifndef SUPERSERVER_AUX_CHILD_H
#define SUPERSERVER_AUX_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct server;
struct carry;
struct aux_child;

/* A's process exited with STATUS; A is already off the list (and, unless
 * owned here, its owner's to free). */
typedef void aux_exit_fn(struct server *s, struct aux_child *a, int status);

#define AUX_WHAT_MAX 32

struct aux_child {
    pid_t pid;
    char what[AUX_WHAT_MAX]; /* for the log: "upgrade-check", "spawner" */
    aux_exit_fn *on_exit;    /* NULL: nothing to do */
    void *ctx;               /* on_exit's */
    bool owned;              /* allocated here (carried): freed after its exit */
    struct aux_child *prev, *next;
};

/* List A (its owner's record, kept until it is reaped or removed). */
void aux_child_add(struct server *s, struct aux_child *a);
/* Unlist A (its owner is going; the process is still reaped, quietly). */
void aux_child_remove(struct server *s, struct aux_child *a);
/* PID exited with STATUS: its record's on_exit; false when PID is not an
 * auxiliary child. */
bool aux_child_reaped(struct server *s, pid_t pid, int status);

/* Across an upgrade: one child as an item of the record's list (pid,
 * what) (carry.h); in the new image the list's children, each reaped
 * quietly. */
void aux_child_save(struct carry *c, pid_t pid, const char *what);
void aux_child_restore_all(struct carry *c, struct server *s);
/* At exit: let go of the carried records. */
void aux_child_release(struct server *s);

#endif
