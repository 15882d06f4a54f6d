/*
 * ctl_client: one call on the control socket, for the programs that ask
 * the daemon (superserverctl, services/metrics-http): connect, send one
 * request line, read the whole answer, all bounded in time and size so a
 * stuck daemon never hangs the caller.  The protocol is ctl_proto.h's.
 */
#ifndef SUPERSERVER_CTL_CLIENT_H
#define SUPERSERVER_CTL_CLIENT_H

#include <stddef.h>

#include "outbuf.h"

/* The most a client keeps of one answer (10,000 handlers is about 1 MB). */
#define CTL_ANSWER_MAX (64u << 20)

/*
 * Send REQUEST (one line, newline included) to the unix socket PATH and
 * append the answer, up to the daemon's close, to ANSWER (a growable
 * outbuf), all within TIMEOUT_MS.  0 when the stream ended normally; -1
 * with one line in ERR naming PATH and the reason (connect failed, no
 * answer in time, answer too large, connection lost).
 */
int ctl_client_call(const char *path, const char *request, int timeout_ms, struct outbuf *answer,
                    char *err, size_t errlen);

#endif
