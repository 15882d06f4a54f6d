/* Unit tests for the connections waiting for a PROXY header
 * (proxy_pending_*): who must send one, the per-service cap, deadlines in
 * order (also after a shorter proxy_timeout), and a header completed on a
 * later edge.  Over socketpairs, with a minimal server context. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit_run.h"
#include "clock.h"
#include "context.h"
#include "proxy_pending.h"
#include "refusals.h"

static struct sockaddr_in inet4(const char *ip)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &sin.sin_addr);
    return sin;
}

START_TEST(trusted_peers)
{
    struct cidr from[1];
    char err[64];
    struct service svc;
    struct sockaddr_in in = inet4("10.0.0.5"), out = inet4("10.0.1.5");
    struct sockaddr_in6 mapped = {.sin6_family = AF_INET6};
    struct sockaddr un = {.sa_family = AF_UNIX};

    memset(&svc, 0, sizeof(svc));
    ck_assert_int_eq(cidr_parse("10.0.0.0/24", &from[0], err, sizeof(err)), 0);
    svc.proxy.versions = SVC_PROXY_V2;
    svc.proxy.from = from;
    svc.proxy.n_from = 1;
    inet_pton(AF_INET6, "::ffff:10.0.0.9", &mapped.sin6_addr);
    ck_assert(proxy_pending_trusted(&svc, (struct sockaddr *)&in));
    ck_assert(!proxy_pending_trusted(&svc, (struct sockaddr *)&out));
    ck_assert(proxy_pending_trusted(&svc, (struct sockaddr *)&mapped));
    ck_assert(proxy_pending_trusted(&svc, &un)); /* the socket file decides */
}
END_TEST

/* A server with one PROXY v1 service (cap 2, timeout 5 s) on one listener. */
struct fixture {
    struct server s;
    struct service svc;
    struct svc_state *svc_state;
    struct listener *l;
};

static void fixture_init(struct fixture *f)
{
    memset(f, 0, sizeof(*f));
    ck_assert_int_eq(loop_init(&f->s.loop), 0);
    f->svc.name = "p";
    f->svc.proxy.versions = SVC_PROXY_V1;
    f->svc.proxy.timeout = 5;
    f->svc.sock.backlog = 2;
    f->svc_state = svc_state_new("p");
    ck_assert_ptr_nonnull(f->svc_state);
    f->svc_state->refs = 1;
    f->svc_state->svc = &f->svc;
    f->l = calloc(1, sizeof(*f->l));
    f->l->fd = -1;
    f->l->refs = 1;
    f->l->svc_state = f->svc_state;
}

static void fixture_free(struct fixture *f)
{
    proxy_pending_close_all(&f->s);
    refusals_release(&f->s);
    listener_unref(f->l);
    svc_state_unref(f->svc_state);
    loop_close(&f->s.loop);
}

/* A connection from a unix peer, handed to the module; our end back. */
static int offer(struct fixture *f)
{
    int sv[2];
    struct sockaddr_storage peer = {.ss_family = AF_UNIX};

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    ck_assert(proxy_pending_take(&f->s, f->l, sv[1], &peer));
    return sv[0];
}

/* EOF, or a reset when the daemon closed with our bytes unread. */
static bool closed_by_daemon(int fd)
{
    char c;
    ssize_t n = recv(fd, &c, 1, MSG_DONTWAIT);
    return n == 0 || (n == -1 && errno == ECONNRESET);
}

START_TEST(cap_and_deadlines)
{
    struct fixture f;
    uint64_t t0 = clock_now_ns();

    fixture_init(&f);
    int a = offer(&f), b = offer(&f);
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 2);
    int over = offer(&f); /* over backlog: closed at once */
    ck_assert(closed_by_daemon(over));
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 2);
    ck_assert_uint_eq(f.svc_state->refused, 1);
    uint64_t first = timers_next(&f.s.loop.timers);
    ck_assert_uint_ge(first, t0 + 5 * NSEC_PER_SEC);
    ck_assert_uint_le(first, clock_now_ns() + 5 * NSEC_PER_SEC);

    /* a reload shortened the timeout: the newcomer is due first */
    timers_run(&f.s.loop.timers, 0); /* nothing due */
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 2);
    close(b);
    f.svc.sock.backlog = 3;
    f.svc.proxy.timeout = 1;
    int c = offer(&f);
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 3);
    uint64_t soon = timers_next(&f.s.loop.timers);
    ck_assert_uint_lt(soon, first);
    timers_run(&f.s.loop.timers, soon);
    ck_assert(closed_by_daemon(c));
    ck_assert(!closed_by_daemon(a));
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 2);
    ck_assert_uint_eq(timers_next(&f.s.loop.timers), first);
    timers_run(&f.s.loop.timers, UINT64_MAX - 1);
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 0);
    ck_assert_uint_eq(timers_next(&f.s.loop.timers), UINT64_MAX);
    ck_assert(closed_by_daemon(a));
    ck_assert_uint_eq(f.svc_state->refused, 4);
    ck_assert_ptr_null(f.svc_state->proxy_queue);
    close(a);
    close(c);
    close(over);
    fixture_free(&f);
}
END_TEST

START_TEST(invalid_on_a_later_edge)
{
    struct fixture f;

    fixture_init(&f);
    int a = offer(&f);
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 1);
    ck_assert_int_eq(write(a, "PROXY TCP4 ", 11), 11);
    ck_assert_int_eq(loop_wait(&f.s.loop, 1000), 1);
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 1); /* a prefix: waits */
    ck_assert(!closed_by_daemon(a));
    ck_assert_int_eq(write(a, "garbage\r\n", 9), 9);
    ck_assert_int_eq(loop_wait(&f.s.loop, 1000), 1);
    ck_assert_uint_eq(proxy_pending_count(f.svc_state), 0);
    ck_assert(closed_by_daemon(a));
    ck_assert_uint_eq(f.svc_state->refused, 1);
    close(a);
    fixture_free(&f);
}
END_TEST

START_TEST(close_all_at_exit)
{
    struct fixture f;

    fixture_init(&f);
    int a = offer(&f), b = offer(&f);
    proxy_pending_close_all(&f.s);
    ck_assert(closed_by_daemon(a));
    ck_assert(closed_by_daemon(b));
    ck_assert_ptr_null(f.s.proxy_queues);
    ck_assert_uint_eq(f.svc_state->refs, 1);
    ck_assert_uint_eq(f.l->refs, 1);
    close(a);
    close(b);
    fixture_free(&f);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("proxy_pending");
    TCase *tc = tcase_create("proxy_pending");
    tcase_add_test(tc, trusted_peers);
    tcase_add_test(tc, cap_and_deadlines);
    tcase_add_test(tc, invalid_on_a_later_edge);
    tcase_add_test(tc, close_all_at_exit);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
