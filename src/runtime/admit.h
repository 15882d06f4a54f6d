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
#include "bucket.h"
#include "model.h"
#include "refuse_reason.h"
#include "sources.h"

/*
 * Per-service admission state: live handler count, the rate bucket, and the
 * bounded table of sources (sources.h: live handlers, bucket and ban of each).  It outlives a
 * reload of its service (the daemon hands it from the old service to the new one of the same name),
 * so counters stay right while old handlers finish.
 */
struct admit_state;

struct admit_state *admit_state_new(void);
void admit_state_free(struct admit_state *st);

/*
 * Decide on a connection from PEER (NULL for unix peers: no ACL) grouped
 * under KEY (NULL: no per-source checks): REFUSE_NONE, or why it is refused.  Order: deny/allow,
 * banned, max_children (LIVE_TOTAL against MAX_CHILDREN, 0 = unlimited), instances, per_source,
 * per_source_rate, rate.  The source's token is taken only when the checks before it passed, the
 * service's only when every check did; a per_source_rate refusal starts the source's ban.
 */
enum refuse_reason admit_check_source(struct admit_state *st, const struct service *svc,
                                      const struct sockaddr *peer, const struct source_key *key,
                                      unsigned live_total, unsigned max_children, uint64_t now_ns);

/* admit_check_source with the key of an inet PEER (none for NULL). */
enum refuse_reason admit_check(struct admit_state *st, const struct service *svc,
                               const struct sockaddr *peer, unsigned live_total,
                               unsigned max_children, uint64_t now_ns);

/*
 * The source key of an accepted connection CONN from PEER: the address (IPv6
 * /64) for inet peers; for unix peers the client's uid (SO_PEERCRED), asked
 * only when SVC has a per-source limit or ST ever held a ban.  False: no key.
 */
bool admit_peer_key(const struct admit_state *st, const struct service *svc, int conn,
                    const struct sockaddr *peer, struct source_key *key);

/* Just the allow/deny rules. */
bool admit_acl_allows(const struct service *svc, const struct sockaddr *peer);

/* A handler started for KEY (NULL for unix peers) / it ended.  O(1). */
void admit_started(struct admit_state *st, const struct source_key *key);
void admit_finished(struct admit_state *st, const struct source_key *key);

unsigned admit_live(const struct admit_state *st);
unsigned admit_live_from(const struct admit_state *st, const struct source_key *key);
/* Sources tracked now (for tests and status). */
size_t admit_sources(const struct admit_state *st);

/* Across an upgrade (carry.h): the rate bucket and the sources' buckets and
 * bans.  Live counts are not carried: each carried handler counts again
 * (admit_started) where the new image places it. */
struct carry;
void admit_carry(struct carry *c, struct admit_state *st);
/*
 * Bans by hand (SPEC section 14, `ban`, `unban`, `bans`), in the same
 * table as those per_source_rate sets, and checked before the load, the
 * same way, for any service that admits (whatever its keys): ban KEY until
 * UNTIL_NS (the latest ban of a source wins), -1 when out of memory; lift
 * one in force at NOW_NS (its bucket reset too), false when there was
 * none; the bans in force (see sources_bans).
 */
int admit_ban(struct admit_state *st, const struct source_key *key, uint64_t until_ns);
bool admit_unban(struct admit_state *st, const struct source_key *key, uint64_t now_ns);
size_t admit_bans(const struct admit_state *st, uint64_t now_ns, struct source_ban *out,
                  size_t max);

#endif
