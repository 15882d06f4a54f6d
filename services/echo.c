/*
 * echo: the RFC 862 echo service.  On a stream socket (or a pipe, for tests)
 * it copies fd 0 to fd 1 until end of file.  On a datagram socket (udp, wait
 * mode) it sends each datagram back to its sender.  handler_io does the
 * rest: which kind of socket, idle exit, accepting on a listening socket.
 */
#include <errno.h>
#include <string.h>

#include "handler_io.h"

#define BUF_SIZE 65536

/* Copy IN to OUT until end of file: 0 when the session ended normally. */
static int echo_stream(int in, int out)
{
    static char buf[BUF_SIZE];

    for (;;) {
        ssize_t n = handler_read(in, buf, sizeof buf);
        if (n == 0)
            return 0;
        if (n < 0 || handler_write_all(out, buf, (size_t)n) < 0)
            return handler_peer_gone(errno) ? 0 : 1;
    }
}

/* A datagram's answer is itself. */
static ssize_t echo_datagram(const char *req, size_t len, char *answer, size_t size)
{
    if (len > size)
        return -1;
    memcpy(answer, req, len);
    return (ssize_t)len;
}

int main(void)
{
    static const struct handler_ops ops = {.stream = echo_stream, .datagram = echo_datagram};

    return handler_run(&ops);
}
