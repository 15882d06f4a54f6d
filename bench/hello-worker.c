/*
 * hello-worker: the prefork counterpart of hello-static.  It gets the
 * listening socket on fd 0 (mode = "prefork") and serves connections itself,
 * each with "hello\n", until it is told to stop.
 */
#include <errno.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

int main(void)
{
    static const char msg[] = "hello\n";

    signal(SIGPIPE, SIG_IGN);
    for (;;) {
        int c = accept4(0, NULL, NULL, SOCK_CLOEXEC);
        if (c == -1) {
            if (errno == EINTR || errno == ECONNABORTED || errno == EAGAIN)
                continue;
            return 1;
        }
        ssize_t w = write(c, msg, sizeof(msg) - 1);
        (void)w; /* a client that went away is not our concern */
        close(c);
    }
}
