/*
 * daytime: the RFC 867 daytime service.  It answers with one human-readable
 * line in UTC, "Sunday, November 22, 2026 01:23:45-UTC\r\n": once on a stream
 * socket (then closes gently), once per datagram on a datagram socket.
 * handler_io does the rest: which kind of socket, idle exit, accepting on a
 * listening socket.
 */
#include <stdio.h>
#include <time.h>

#include "handler_io.h"

#define LINE_SIZE 128

/* The current time as a daytime line; names are spelled out so no locale applies. */
static size_t daytime_line(char *buf, size_t size)
{
    static const char *const days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                       "Thursday", "Friday", "Saturday"};
    static const char *const months[] = {"January",   "February", "March",    "April",
                                         "May",       "June",     "July",     "August",
                                         "September", "October",  "November", "December"};
    time_t now = time(NULL);
    struct tm tm;

    if (gmtime_r(&now, &tm) == NULL)
        return 0;
    int n = snprintf(buf, size, "%s, %s %d, %d %02d:%02d:%02d-UTC\r\n", days[tm.tm_wday],
                     months[tm.tm_mon], tm.tm_mday, tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                     tm.tm_sec);
    return n > 0 && (size_t)n < size ? (size_t)n : 0;
}

/* Send the line on a stream: 0 when done or the peer went away first. */
static int daytime_stream(int in, int out)
{
    char line[LINE_SIZE];
    size_t len = daytime_line(line, sizeof line);

    if (len == 0)
        return 1;
    return handler_reply(in, out, line, len);
}

/* Any datagram is answered with the line; none when the time cannot be had. */
static ssize_t daytime_datagram(const char *req, size_t len, char *answer, size_t size)
{
    size_t n = daytime_line(answer, size);

    return n > 0 ? (ssize_t)n : -1;
}

int main(void)
{
    static const struct handler_ops ops = {.stream = daytime_stream, .datagram = daytime_datagram};

    return handler_run(&ops);
}
