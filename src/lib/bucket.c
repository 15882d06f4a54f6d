/* Token buckets (see bucket.h). */
#include "bucket.h"
#include "carry.h"
#include "clock.h"

bool bucket_take(struct token_bucket *b, unsigned count, unsigned seconds, uint64_t now_ns)
{
    if (count == 0)
        return true; /* no limit configured */
    if (seconds == 0)
        seconds = 1;
    if (!b->primed) {
        b->tokens = count;
        b->last_ns = now_ns;
        b->primed = true;
    }
    /* A clock that seems to step back (a bucket handed over on reload) adds
     * nothing rather than going negative. */
    if (now_ns > b->last_ns) {
        double elapsed = (double)(now_ns - b->last_ns);
        b->tokens += elapsed * count / ((double)seconds * NSEC_PER_SEC);
        b->last_ns = now_ns;
    }
    if (b->tokens > count)
        b->tokens = count;
    if (b->tokens < 1.0)
        return false;
    b->tokens -= 1.0;
    return true;
}

void bucket_carry(struct carry *c, struct token_bucket *b)
{
    carry_bool(c, "primed", &b->primed);
    carry_double(c, "tokens", &b->tokens);
    carry_u64(c, "last_ns", &b->last_ns);
}
