/*
 * hold: a handler for the scale tests that costs as little as a process can.
 * It says it is live (one byte, "+"), then holds its connection open until
 * the peer closes it, echoing anything it reads, and exits 0.
 */
#include <errno.h>
#include <unistd.h>

int main(void)
{
    char buf[512];

    if (write(1, "+", 1) != 1)
        return 1;
    for (;;) {
        ssize_t n = read(0, buf, sizeof(buf));
        if (n == 0)
            return 0;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return errno == ECONNRESET ? 0 : 1;
        }
        for (ssize_t off = 0; off < n;) {
            ssize_t w = write(1, buf + off, (size_t)(n - off));
            if (w < 0 && errno != EINTR)
                return 1;
            off += w > 0 ? w : 0;
        }
    }
}
