/*
 * handler_io: the plumbing every bundled handler shares, so that each handler
 * file holds only its protocol.  handler_run() is a handler's whole main():
 * it looks at what superserverd put on fd 0 (a connected stream or a pipe, a
 * datagram socket, a listening socket) and runs the matching loop, with the
 * idle exit, accept and datagram rules the daemon expects of a handler.  The
 * helpers below are the I/O a protocol needs on a descriptor whose flags
 * (blocking or not) belong to whoever opened it.
 */
#ifndef HANDLER_IO_H
#define HANDLER_IO_H

#include <stddef.h>
#include <sys/types.h>

struct handler_ops {
    /* Serve one connection: read from IN, write to OUT; 0 on a normal end. */
    int (*stream)(int in, int out);
    /*
     * Answer one datagram: fill ANSWER (SIZE bytes) for REQ; the answer's
     * length, or -1 to send none.  NULL: the handler does not speak
     * datagrams, and is refused a datagram socket with STREAM_ONLY on stderr.
     */
    ssize_t (*datagram)(const char *req, size_t len, char *answer, size_t size);
    const char *stream_only;
};

/* A handler's main(): dispatch on what fd 0 is; the exit status. */
int handler_run(const struct handler_ops *ops);

/* Wait until FD has EVENTS, retrying on signals: 1 ready, 0 timed out, -1 error. */
int handler_wait_fd(int fd, short events, int timeout_ms);

/* Read into BUF, waiting when FD is non-blocking: the bytes read, 0 at end of file, -1. */
ssize_t handler_read(int fd, void *buf, size_t size);

/* Write all of BUF, waiting for room when FD is non-blocking: 0, or -1 with errno. */
int handler_write_all(int fd, const void *buf, size_t len);

/* Is ERR the peer going away, which ends a session normally? */
int handler_peer_gone(int err);

/*
 * Send the one answer of a request-reply service and close gently: 0 when
 * done or the peer left first, 1 on another error.
 */
int handler_reply(int in, int out, const void *buf, size_t len);

/* Milliseconds on the monotonic clock, for deadlines. */
long long handler_now_ms(void);

/* The reason phrase of an HTTP STATUS (RFC 9110) the bundled HTTP handlers send. */
const char *handler_http_reason(int status);

#endif
