/* Unit tests for the wait-mode queue snapshot (src/runtime/wait_mark.c) on
 * real loopback sockets: a handler that took nothing leaves the mark
 * unchanged, one that read the datagram or accepted the connection does not. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit_run.h"
#include "wait_mark.h"

/* A socket of TYPE bound to 127.0.0.1 on an ephemeral port, its address in SIN. */
static int bound_socket(int type, struct sockaddr_in *sin)
{
    socklen_t len = sizeof(*sin);
    int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    memset(sin, 0, sizeof(*sin));
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
    return fd;
}

/* Wait (at most 5 s) until FD is readable. */
static void wait_readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    ck_assert_int_eq(poll(&p, 1, 5000), 1);
}

static void send_datagram(int to_fd, const struct sockaddr_in *to, const char *msg)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(s, 0);
    ck_assert_int_eq(sendto(s, msg, strlen(msg), 0, (const struct sockaddr *)to, sizeof(*to)),
                     (ssize_t)strlen(msg));
    wait_readable(to_fd);
    close(s);
}

START_TEST(udp_nothing_queued_is_unknown)
{
    struct sockaddr_in sin;
    struct wait_mark m;
    int fd = bound_socket(SOCK_DGRAM, &sin);

    wait_mark_take(fd, false, &m);
    ck_assert(!m.valid);
    ck_assert(!wait_mark_unchanged(fd, &m));
    close(fd);
}
END_TEST

START_TEST(udp_unchanged_until_read)
{
    struct sockaddr_in sin;
    struct wait_mark m;
    char buf[64];
    int fd = bound_socket(SOCK_DGRAM, &sin);

    send_datagram(fd, &sin, "hello");
    wait_mark_take(fd, false, &m);
    ck_assert(m.valid && !m.stream);
    ck_assert_uint_eq(m.len, 5);
    ck_assert(wait_mark_unchanged(fd, &m));
    ck_assert(wait_mark_unchanged(fd, &m)); /* taking a mark reads nothing */
    ck_assert_int_eq(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 5);
    ck_assert(!wait_mark_unchanged(fd, &m));
    close(fd);
}
END_TEST

/* The handler read one datagram and another is at the head now: progress,
 * even though the socket is still readable. */
START_TEST(udp_changed_when_next_datagram_differs)
{
    struct sockaddr_in sin;
    struct wait_mark m;
    char buf[64];
    int fd = bound_socket(SOCK_DGRAM, &sin);

    send_datagram(fd, &sin, "first");
    send_datagram(fd, &sin, "second!");
    wait_mark_take(fd, false, &m);
    ck_assert(wait_mark_unchanged(fd, &m));
    ck_assert_int_eq(recv(fd, buf, sizeof(buf), MSG_DONTWAIT), 5);
    ck_assert(!wait_mark_unchanged(fd, &m));
    close(fd);
}
END_TEST

START_TEST(tcp_unchanged_until_accept)
{
    struct sockaddr_in sin;
    struct wait_mark m;
    int lfd = bound_socket(SOCK_STREAM, &sin);

    ck_assert_int_eq(listen(lfd, 8), 0);
    wait_mark_take(lfd, true, &m);
    ck_assert(m.valid && m.stream);
    ck_assert_uint_eq(m.backlog, 0);
    ck_assert(!wait_mark_unchanged(lfd, &m)); /* nothing was waiting */

    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(c, 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&sin, sizeof(sin)), 0);
    wait_readable(lfd);
    wait_mark_take(lfd, true, &m);
    ck_assert(m.valid);
    ck_assert_uint_eq(m.backlog, 1);
    ck_assert(wait_mark_unchanged(lfd, &m));
    int a = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(a, 0);
    ck_assert(!wait_mark_unchanged(lfd, &m));
    close(a);
    close(c);
    close(lfd);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("wait_mark");
    TCase *tc = tcase_create("loopback");
    tcase_add_test(tc, udp_nothing_queued_is_unknown);
    tcase_add_test(tc, udp_unchanged_until_read);
    tcase_add_test(tc, udp_changed_when_next_datagram_differs);
    tcase_add_test(tc, tcp_unchanged_until_accept);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
