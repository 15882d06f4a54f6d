/*
 * chargen: the RFC 864 character generator.  The pattern is the 95 printable
 * ASCII characters in lines of 72, each line starting one character later
 * than the one before, ended by CRLF.  On a stream socket it sends the pattern
 * until the peer goes away (which is the normal end: exit 0).  On a datagram
 * socket it answers each datagram with 0 to 512 bytes of the pattern, one
 * line further each time.  handler_io does the rest: which kind of socket,
 * idle exit, accepting on a listening socket.
 */
#include <errno.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "handler_io.h"

#define FIRST_CHAR  ' '
#define N_CHARS     95 /* ' ' .. '~' */
#define LINE_CHARS  72
#define LINE_BYTES  (LINE_CHARS + 2)
#define CYCLE_BYTES (N_CHARS * LINE_BYTES) /* the pattern repeats after 95 lines */
#define DGRAM_MAX   512

/* One full cycle of the pattern, so a stream is just this buffer written over and over. */
static char cycle[CYCLE_BYTES];

static void cycle_init(void)
{
    for (int line = 0; line < N_CHARS; line++) {
        char *p = cycle + line * LINE_BYTES;
        for (int i = 0; i < LINE_CHARS; i++)
            p[i] = (char)(FIRST_CHAR + (line + i) % N_CHARS);
        p[LINE_CHARS] = '\r';
        p[LINE_CHARS + 1] = '\n';
    }
}

/* Send the pattern until the peer stops listening; SIGPIPE is ignored, so that is EPIPE. */
static int chargen_stream(int in, int out)
{
    for (;;) {
        if (handler_write_all(out, cycle, sizeof cycle) < 0)
            return handler_peer_gone(errno) ? 0 : 1;
    }
}

/* A seed that differs between runs and processes; never 0, where xorshift would stay. */
static uint32_t random_seed(void)
{
    struct timespec ts;
    uint32_t seed;

    clock_gettime(CLOCK_REALTIME, &ts);
    seed = (uint32_t)ts.tv_nsec ^ (uint32_t)ts.tv_sec ^ ((uint32_t)getpid() << 16);
    return seed != 0 ? seed : 1;
}

/* A small xorshift generator: datagram lengths need variety, not secrecy. */
static uint32_t next_random(uint32_t *state)
{
    uint32_t x = *state;

    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return *state = x;
}

/* Answer a datagram with a random-length piece of the pattern, one line further each time. */
static ssize_t chargen_datagram(const char *req, size_t len, char *answer, size_t size)
{
    /* The handler's process serves one datagram socket, so its place in the pattern is static. */
    static uint32_t seed;
    static int line;

    if (seed == 0)
        seed = random_seed();
    size_t n = next_random(&seed) % (DGRAM_MAX + 1);
    if (n > size)
        n = size;
    for (size_t i = 0; i < n; i++)
        answer[i] = cycle[((size_t)line * LINE_BYTES + i) % CYCLE_BYTES];
    line = (line + 1) % N_CHARS;
    return (ssize_t)n;
}

int main(void)
{
    static const struct handler_ops ops = {.stream = chargen_stream, .datagram = chargen_datagram};

    cycle_init();
    return handler_run(&ops);
}
