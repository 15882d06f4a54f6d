/* Probing a unix socket file for a listener (see unix_probe.h). */
#include <errno.h>
#include <unistd.h>

#include "unix_probe.h"

int unix_probe(const struct sockaddr *sa, socklen_t len, int type)
{
    int fd = socket(AF_UNIX, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

    if (fd == -1)
        return -1;
    int rc = connect(fd, sa, len), e = errno;
    close(fd);
    if (rc == 0 || e == EAGAIN || e == EINPROGRESS || e == EPROTOTYPE)
        return 1;
    if (e == ECONNREFUSED || e == ENOENT)
        return 0;
    errno = e;
    return -1;
}
