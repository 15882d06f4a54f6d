/*
 * The table of live handlers, by pid, O(1): an open-addressing hash of
 * pointers into a pool of records that are reused, so a connection costs no
 * allocation once the pool has grown to the load.
 */
#ifndef SUPERSERVER_CHILDREN_H
#define SUPERSERVER_CHILDREN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "addr.h"
#include "timers.h"

struct svc_state;
struct listener;
struct child;
struct spawner_proc;

/* What the starter of a handler wants done when it exits, after the common
 * bookkeeping (handler.c): CTX is the daemon's context. */
typedef void child_exit_fn(struct child *c, int status, void *ctx);

struct child {
    pid_t pid;
    struct svc_state *svc_state; /* the service it was started for (holds a ref) */
    struct listener *listener;   /* wait/prefork: the socket it was handed (holds a ref) */
    child_exit_fn *on_exit;      /* NULL: nothing more to do */
    uint64_t start_ns;
    char peer[ADDR_STRLEN];
    struct source_key key;
    bool has_key;
    unsigned worker_index;   /* prefork: its slot in the pool */
    struct timer timeout;    /* `timeout`: TERM, then KILL (handler.c) */
    int timeout_stage;       /* 0 none sent, 1 TERM sent, 2 KILL sent */
    const char *failed_step; /* set when it failed before its exec (spawn.h) */
    int failed_errno;
    struct spawner_proc *spawner; /* the spawner that started it, or NULL (spawner.h) */
    struct child *next_free;
    struct child *newer, *older; /* live children in spawn order */
};

struct children {
    struct child **slots; /* hash by pid; NULL = empty */
    size_t cap;           /* power of two */
    size_t count;
    struct child *free_list;
    struct child *newest, *oldest;
};

void children_init(struct children *t);
void children_destroy(struct children *t);

/* A zeroed record for PID, inserted; NULL when out of memory. */
struct child *children_add(struct children *t, pid_t pid);
/* A zeroed record not in the table yet (a handler whose pid is still to
 * come from its spawner); NULL when out of memory. */
struct child *children_new(struct children *t);
/* Put C in the table as PID.  -1 when out of memory (C stays outside). */
int children_insert(struct children *t, struct child *c, pid_t pid);
/* Give back a record that is not in the table. */
void children_release(struct children *t, struct child *c);
struct child *children_find(const struct children *t, pid_t pid);
/* Remove from the table and return the record to the pool. */
void children_remove(struct children *t, struct child *c);

/* Visit every live child (status dumps, shutdown); FN must not add or remove. */
void children_each(const struct children *t, void (*fn)(struct child *c, void *ctx), void *ctx);

#endif
