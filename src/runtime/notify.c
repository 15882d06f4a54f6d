/* sd_notify without libsystemd (see notify.h). */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "notify.h"

static struct sockaddr_un notify_addr;
static socklen_t notify_len;
static char notify_given[sizeof(notify_addr.sun_path)];

void notify_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    size_t n;

    notify_len = 0;
    if (!path || (path[0] != '/' && path[0] != '@') ||
        (n = strlen(path)) >= sizeof(notify_addr.sun_path))
        return;
    memset(&notify_addr, 0, sizeof(notify_addr));
    notify_addr.sun_family = AF_UNIX;
    memcpy(notify_addr.sun_path, path, n);
    if (path[0] == '@')
        notify_addr.sun_path[0] = '\0'; /* abstract namespace */
    notify_len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
    memcpy(notify_given, path, n + 1);
    unsetenv("NOTIFY_SOCKET");
}

void notify_send(const char *state)
{
    if (!notify_len)
        return;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd == -1)
        return;
    sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&notify_addr, notify_len);
    close(fd);
}

const char *notify_socket(void)
{
    return notify_len ? notify_given : NULL;
}
