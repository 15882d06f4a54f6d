/*
 * discard: the RFC 863 discard service.  On a stream socket (or a pipe) it
 * reads fd 0 until end of file and throws the data away; on a datagram
 * socket (udp, wait mode) it drops each datagram.  handler_io does the rest:
 * which kind of socket, idle exit, accepting on a listening socket.
 */
#include <errno.h>

#include "handler_io.h"

#define BUF_SIZE 65536

/* Read IN until end of file: 0 when the session ended normally. */
static int discard_stream(int in, int out)
{
    static char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = handler_read(in, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0)
            return handler_peer_gone(errno) ? 0 : 1;
    }
}

/* A datagram gets no answer. */
static ssize_t discard_datagram(const char *req, size_t len, char *answer, size_t size)
{
    return -1;
}

int main(void)
{
    static const struct handler_ops ops = {.stream = discard_stream, .datagram = discard_datagram};

    return handler_run(&ops);
}
