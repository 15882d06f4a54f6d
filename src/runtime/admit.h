/*
 * Admission: the decision, made in the parent right after accept and before
 * any fork, whether a connection may get a handler.  Works on numbers only
 * (CIDR rules, counters, a token bucket); costs no system call.
 */
#ifndef SUPERSERVER_ADMIT_H
#define SUPERSERVER_ADMIT_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

#include "addr.h"
#include "model.h"

enum admit_verdict {
    ADMIT_OK,
    REFUSE_DENY,
    REFUSE_INSTANCES,
    REFUSE_PER_SOURCE,
    REFUSE_RATE,
    REFUSE_MAX_CHILDREN,
    REFUSE_SPAWN_FAILED,
    ADMIT_VERDICT_COUNT
};

/* "deny", "instances", ... as in the log's reason=; "ok" for ADMIT_OK. */
const char *admit_reason_name(enum admit_verdict v);

/*
 * Per-service admission state: live handler count, live handlers per source,
 * the rate bucket.  It outlives a reload of its service (the daemon hands it
 * from the old service to the new one of the same name), so counters stay
 * right while old handlers finish.
 */
struct admit_state;

struct admit_state *admit_state_new(void);
void admit_state_free(struct admit_state *st);

/*
 * Decide on a connection from PEER (NULL for unix peers: no ACL, no
 * per_source).  Order: deny/allow, max_children (LIVE_TOTAL against
 * MAX_CHILDREN, 0 = unlimited), instances, per_source, rate.  A rate token is
 * taken only when every other check passed.
 */
enum admit_verdict admit_check(struct admit_state *st, const struct service *svc,
                               const struct sockaddr *peer, unsigned live_total,
                               unsigned max_children, uint64_t now_ns);

/* Just the allow/deny rules. */
bool admit_acl_allows(const struct service *svc, const struct sockaddr *peer);

/* A handler started for KEY (NULL for unix peers) / it ended.  O(1). */
void admit_started(struct admit_state *st, const struct source_key *key);
void admit_finished(struct admit_state *st, const struct source_key *key);

unsigned admit_live(const struct admit_state *st);
unsigned admit_live_from(const struct admit_state *st, const struct source_key *key);

/* The token bucket alone, for tests and for reuse. */
struct token_bucket {
    double tokens;
    uint64_t last_ns;
    bool primed;
};
/* Take one token from a bucket of COUNT per SECONDS (burst COUNT). */
bool token_bucket_take(struct token_bucket *b, unsigned count, unsigned seconds, uint64_t now_ns);

#endif
