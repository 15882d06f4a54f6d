/*
 * A token bucket: at most COUNT events per SECONDS, a burst of COUNT, on a
 * clock the caller passes (tests drive it).  Behind `rate` and
 * `per_source_rate`.
 */
#ifndef SUPERSERVER_BUCKET_H
#define SUPERSERVER_BUCKET_H

#include <stdbool.h>
#include <stdint.h>

struct token_bucket {
    double tokens;
    uint64_t last_ns;
    bool primed; /* filled on first use */
};

/* Take one token from a bucket of COUNT per SECONDS (burst COUNT); false
 * when empty.  COUNT 0 means no limit. */
bool bucket_take(struct token_bucket *b, unsigned count, unsigned seconds, uint64_t now_ns);

/* Across execve (carry.h): the bucket as it stands. */
struct carry;
void bucket_carry(struct carry *c, struct token_bucket *b);

#endif
