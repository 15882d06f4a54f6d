/*
 * The reactor: epoll over watched objects that carry their own callback.
 * A listener, a signal pipe, a stderr pipe or a control client embeds a
 * struct ev and says what to call when its descriptor is ready; the loop
 * calls that and nobody by name.  Deadlines are the same kind of object: a
 * struct timer embedded in what it times, on the loop's one heap
 * (timers.h).  The turn (server.c) waits until the earliest deadline, acts
 * on what signals asked for after the batch, then fires the due timers.
 */
#ifndef SUPERSERVER_LOOP_H
#define SUPERSERVER_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "timers.h"

/* The object of type TYPE whose member MEMBER is at PTR (a struct ev or a
 * struct timer embedded in it): how a callback gets back to its owner. */
#define LOOP_OWNER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

struct ev;

/* Called with the ready object and epoll's event bits (EPOLLIN, EPOLLHUP...). */
typedef void ev_ready_fn(struct ev *ev, uint32_t events);

struct ev {
    int fd;
    ev_ready_fn *ready;
    void *ctx;    /* the callback's context: the server (LOOP_OWNER finds the object) */
    bool watched; /* registered in the loop */
};

struct loop {
    int epfd;
    bool batch_stopped;       /* loop_stop_batch: skip the rest of this batch */
    struct timer_heap timers; /* every deadline of the daemon */
};

/* Largest number of ready objects handled per wait. */
#define LOOP_EVENTS 256

/* Create the epoll instance (close-on-exec) and an empty heap.  -1 with errno. */
int loop_init(struct loop *lp);
void loop_close(struct loop *lp);

/* Describe EV: its descriptor, callback and context (not yet watched). */
void loop_ev_set(struct ev *ev, int fd, ev_ready_fn *ready, void *ctx);

/* Watch EV for EVENTS (EPOLLIN, EPOLLOUT, EPOLLET...), or change them when
 * already watched.  -1 with errno. */
int loop_watch(struct loop *lp, struct ev *ev, uint32_t events);
/* Stop watching EV.  Explicitly, before its descriptor is closed: a handler
 * between clone and exec may still hold a copy, and then close() alone
 * leaves the registration, and a pointer to freed memory, in epoll. */
void loop_forget(struct loop *lp, struct ev *ev);

/*
 * Wait at most TIMEOUT_MS (-1: no limit) and call the callback of each ready
 * object that is still watched.  A callback may forget or free only its own
 * object; whatever may free others waits for the end of the batch.  Returns
 * the number of events, 0 on timeout or EINTR, -1 with errno.
 */
int loop_wait(struct loop *lp, int timeout_ms);
/* From a callback: leave the rest of the current batch undispatched. */
void loop_stop_batch(struct loop *lp);

/* Milliseconds for epoll_wait until DEADLINE_NS from NOW_NS, rounded up and
 * clamped to INT_MAX; -1 for UINT64_MAX (no deadline), 0 when due. */
int loop_timeout_ms(uint64_t now_ns, uint64_t deadline_ns);

#endif
