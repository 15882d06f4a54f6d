/*
 * Inside the PROXY header wait (proxy_pending.c): a waiting connection, its
 * service's queue in deadline order (proxy_queue.c).  Not for the rest of
 * the daemon, which uses proxy_pending.h.
 */
#ifndef SUPERSERVER_PROXY_PENDING_INT_H
#define SUPERSERVER_PROXY_PENDING_INT_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "loop.h"
#include "refuse_reason.h"

struct server;
struct listener;
struct svc_state;

/* What is kept of the peer that connected (the balancer): an inet address,
 * or for a unix listener just the family. */
union proxy_lb {
    struct sockaddr sa;
    struct sockaddr_in in;
    struct sockaddr_in6 in6;
};

struct proxy_conn {
    struct ev ev;
    struct proxy_queue *q;
    struct listener *l; /* a reference, dropped when done */
    struct proxy_conn *prev, *next;
    uint64_t deadline_ns;
    union proxy_lb lb;
};

struct proxy_queue {
    struct svc_state *svc_state; /* a reference while the queue exists */
    struct proxy_conn *head, *tail;
    unsigned n;
    struct timer expire;             /* at the head's deadline */
    struct proxy_queue *prev, *next; /* server.proxy_queues */
};

/* proxy_queue.c */
/* Put PC in Q in deadline order (the timer follows a new head; a queue
 * that was empty is listed). */
void proxy_queue_link(struct server *s, struct proxy_queue *q, struct proxy_conn *pc);
/* Take PC out of its queue; the queue goes when it is empty. */
void proxy_queue_unlink(struct server *s, struct proxy_conn *pc);
/* STATE's queue, made when it has none; NULL when out of memory. */
struct proxy_queue *proxy_queue_of(struct server *s, struct svc_state *state);
/* A queue just made for a connection that could not wait after all. */
void proxy_queue_drop_if_empty(struct svc_state *state);

/* proxy_pending.c: detach PC and close it with a refusal WHY. */
void proxy_pending_refuse(struct server *s, struct proxy_conn *pc, enum refuse_reason why);

#endif
