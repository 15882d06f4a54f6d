/*
 * time: the RFC 868 time service.  It answers with the time as a 32-bit
 * big-endian count of seconds since 1900-01-01 00:00 UTC (the unix time plus
 * 2208988800, wrapping in 2036 as the protocol does): once on a stream socket
 * (then closes gently), once per datagram on a datagram socket.  handler_io
 * does the rest: which kind of socket, idle exit, accepting on a listening
 * socket.
 */
#include <stdint.h>
#include <time.h>

#include "handler_io.h"

/* Seconds between 1900-01-01 and 1970-01-01. */
#define EPOCH_OFFSET 2208988800ULL

/* The current time in the protocol's four bytes, most significant first. */
static size_t time_bytes(unsigned char *buf, size_t size)
{
    uint32_t t = (uint32_t)((uint64_t)time(NULL) + EPOCH_OFFSET);

    if (size < 4)
        return 0;
    buf[0] = (unsigned char)(t >> 24);
    buf[1] = (unsigned char)(t >> 16);
    buf[2] = (unsigned char)(t >> 8);
    buf[3] = (unsigned char)t;
    return 4;
}

/* Send the time on a stream: 0 when done or the peer went away first. */
static int time_stream(int in, int out)
{
    unsigned char answer[4];
    size_t len = time_bytes(answer, sizeof answer);

    if (len == 0)
        return 1;
    return handler_reply(in, out, answer, len);
}

/* Any datagram is answered with the time. */
static ssize_t time_datagram(const char *req, size_t len, char *answer, size_t size)
{
    size_t n = time_bytes((unsigned char *)answer, size);

    return n > 0 ? (ssize_t)n : -1;
}

int main(void)
{
    static const struct handler_ops ops = {.stream = time_stream, .datagram = time_datagram};

    return handler_run(&ops);
}
