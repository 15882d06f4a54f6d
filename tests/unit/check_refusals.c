/*
 * Unit tests for refusals.c: the reasons' names; the first refusal of a
 * reason in a second is logged, the rest counted and flushed as one count
 * once the second ends, all on an injected clock; and refuse_message, sent
 * whole or not at all, never blocking.
 */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit_run.h"
#include "clock.h"
#include "refusals.h"

#define SEC NSEC_PER_SEC
#define T0  (500 * SEC)

struct emitted {
    unsigned calls;
    unsigned count[REFUSE_REASON_COUNT];
};

static void emit(void *ctx, enum refuse_reason why, unsigned count)
{
    struct emitted *e = ctx;

    ck_assert_uint_lt(why, REFUSE_REASON_COUNT);
    ck_assert_uint_gt(count, 0);
    e->calls++;
    e->count[why] += count;
}

START_TEST(reason_names)
{
    ck_assert_str_eq(refusals_reason_name(REFUSE_NONE), "none");
    ck_assert_str_eq(refusals_reason_name(REFUSE_DENY), "deny");
    ck_assert_str_eq(refusals_reason_name(REFUSE_INSTANCES), "instances");
    ck_assert_str_eq(refusals_reason_name(REFUSE_PER_SOURCE), "per_source");
    ck_assert_str_eq(refusals_reason_name(REFUSE_RATE), "rate");
    ck_assert_str_eq(refusals_reason_name(REFUSE_MAX_CHILDREN), "max_children");
    ck_assert_str_eq(refusals_reason_name(REFUSE_SPAWN_FAILED), "spawn_failed");
    ck_assert_str_eq(refusals_reason_name(REFUSE_PER_SOURCE_RATE), "per_source_rate");
    ck_assert_str_eq(refusals_reason_name(REFUSE_BANNED), "banned");
    ck_assert_str_eq(refusals_reason_name(REFUSE_PROXY_INVALID), "proxy_invalid");
    ck_assert_str_eq(refusals_reason_name(REFUSE_PROXY_TIMEOUT), "proxy_timeout");
    ck_assert_str_eq(refusals_reason_name(REFUSE_PROXY_UNTRUSTED), "proxy_untrusted");
    ck_assert_str_eq(refusals_reason_name(REFUSE_PROXY_PENDING), "proxy_pending");
    ck_assert_str_eq(refusals_reason_name(REFUSE_REASON_COUNT), "unknown");
}
END_TEST

START_TEST(first_logged_rest_counted)
{
    struct refuse_summary s;
    struct emitted e = {0};

    memset(&s, 0, sizeof(s));
    ck_assert(!refusals_summary_pending(&s));
    ck_assert(refusals_summary_note(&s, REFUSE_RATE, T0 + 1));
    ck_assert(!refusals_summary_pending(&s));
    for (int i = 0; i < 99; i++)
        ck_assert(!refusals_summary_note(&s, REFUSE_RATE, T0 + 1 + (uint64_t)i * (SEC / 100)));
    /* Another reason in the same second has its own first line. */
    ck_assert(refusals_summary_note(&s, REFUSE_DENY, T0 + SEC / 2));
    ck_assert(refusals_summary_pending(&s));

    /* Not yet: the second has not ended. */
    refusals_summary_flush(&s, T0 + SEC - 1, emit, &e);
    ck_assert_uint_eq(e.calls, 0);
    refusals_summary_flush(&s, T0 + SEC, emit, &e);
    ck_assert_uint_eq(e.calls, 1);
    ck_assert_uint_eq(e.count[REFUSE_RATE], 99);
    ck_assert(!refusals_summary_pending(&s));
    /* Flushed once only. */
    refusals_summary_flush(&s, T0 + 5 * SEC, emit, &e);
    ck_assert_uint_eq(e.calls, 1);
}
END_TEST

START_TEST(each_second_starts_over)
{
    struct refuse_summary s;
    struct emitted e = {0};

    memset(&s, 0, sizeof(s));
    for (uint64_t sec = 0; sec < 5; sec++) {
        ck_assert(refusals_summary_note(&s, REFUSE_PER_SOURCE, T0 + sec * SEC));
        ck_assert(!refusals_summary_note(&s, REFUSE_PER_SOURCE, T0 + sec * SEC + 1));
        ck_assert(!refusals_summary_note(&s, REFUSE_PER_SOURCE, T0 + sec * SEC + SEC - 1));
        refusals_summary_flush(&s, T0 + (sec + 1) * SEC, emit, &e);
        ck_assert_uint_eq(e.calls, sec + 1);
    }
    ck_assert_uint_eq(e.count[REFUSE_PER_SOURCE], 10);
    /* A lone refusal per second is logged each time and never summarised. */
    memset(&e, 0, sizeof(e));
    for (uint64_t sec = 10; sec < 15; sec++)
        ck_assert(refusals_summary_note(&s, REFUSE_INSTANCES, T0 + sec * SEC));
    refusals_summary_flush(&s, T0 + 20 * SEC, emit, &e);
    ck_assert_uint_eq(e.calls, 0);
}
END_TEST

START_TEST(late_flush_keeps_counts)
{
    struct refuse_summary s;
    struct emitted e = {0};

    memset(&s, 0, sizeof(s));
    ck_assert(refusals_summary_note(&s, REFUSE_MAX_CHILDREN, T0));
    ck_assert(!refusals_summary_note(&s, REFUSE_MAX_CHILDREN, T0 + 1));
    ck_assert(!refusals_summary_note(&s, REFUSE_MAX_CHILDREN, T0 + 2));
    /* The next second begins before the loop flushed: logged, nothing lost. */
    ck_assert(refusals_summary_note(&s, REFUSE_MAX_CHILDREN, T0 + SEC));
    ck_assert(!refusals_summary_note(&s, REFUSE_MAX_CHILDREN, T0 + SEC + 1));
    refusals_summary_flush(&s, T0 + SEC + 2, emit, &e);
    ck_assert_uint_eq(e.calls, 0);
    refusals_summary_flush(&s, T0 + 2 * SEC, emit, &e);
    ck_assert_uint_eq(e.count[REFUSE_MAX_CHILDREN], 3);
}
END_TEST

START_TEST(every_reason_independent)
{
    struct refuse_summary s;
    struct emitted e = {0};

    memset(&s, 0, sizeof(s));
    for (unsigned r = REFUSE_DENY; r < REFUSE_REASON_COUNT; r++) {
        ck_assert(refusals_summary_note(&s, (enum refuse_reason)r, T0));
        for (unsigned i = 0; i < r; i++)
            ck_assert(!refusals_summary_note(&s, (enum refuse_reason)r, T0 + 7));
    }
    refusals_summary_flush(&s, T0 + SEC, emit, &e);
    ck_assert_uint_eq(e.calls, REFUSE_REASON_COUNT - REFUSE_DENY);
    for (unsigned r = REFUSE_DENY; r < REFUSE_REASON_COUNT; r++)
        ck_assert_uint_eq(e.count[r], r);
    /* Out-of-range reasons are logged, never counted. */
    ck_assert(refusals_summary_note(&s, REFUSE_REASON_COUNT, T0));
    ck_assert(!refusals_summary_pending(&s));
}
END_TEST

START_TEST(message_bytes)
{
    char msg[] = "421 busy \\ \"x\"\r\n", buf[64];
    struct service svc = {.name = "t", .refuse_message = msg};
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    refusals_send_message(sv[0], &svc);
    svc.refuse_message = NULL;
    refusals_send_message(sv[0], &svc); /* none configured: nothing */
    refusals_send_message(sv[0], NULL);
    close(sv[0]);
    ssize_t n = read(sv[1], buf, sizeof(buf));
    ck_assert_int_eq(n, (ssize_t)strlen(msg));
    ck_assert(memcmp(buf, msg, strlen(msg)) == 0);
    ck_assert_int_eq(read(sv[1], buf, sizeof(buf)), 0);
    close(sv[1]);
}
END_TEST

/* Fill SOCK's send buffer (its peer reads nothing); the bytes queued. */
static size_t fill_until_full(int sock)
{
    char fill[4096];
    size_t queued = 0;
    ssize_t n;
    int small = 4096; /* the kernel's least: the buffer fills in a few KB */

    ck_assert_int_eq(setsockopt(sock, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
    memset(fill, 'f', sizeof(fill));
    while ((n = send(sock, fill, sizeof(fill), MSG_DONTWAIT)) > 0)
        queued += (size_t)n;
    ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
    /* and the last few bytes a smaller write may still fit */
    while (send(sock, fill, 1, MSG_DONTWAIT) == 1)
        queued++;
    return queued;
}

/* Read PEER to its end: the fill bytes, then exactly what follows them. */
static size_t drain_after(int peer, size_t fill, char *tail, size_t tail_len)
{
    char buf[65536];
    size_t seen = 0, t = 0;
    ssize_t n;

    while ((n = read(peer, buf, sizeof(buf))) > 0)
        for (ssize_t i = 0; i < n; i++, seen++)
            if (seen < fill)
                ck_assert_int_eq(buf[i], 'f');
            else if (t < tail_len)
                tail[t++] = buf[i];
    ck_assert_int_ge(seen, fill);
    return seen - fill;
}

/* On a full buffer the message is dropped, not cut: the peer reads the fill
 * and nothing after it; with room again it comes whole.  The call returns at
 * once on the blocking socket (the suite's timeout would catch a block).
 * Over TCP (loopback) and a unix stream pair. */
static void message_whole_or_not_at_all(int sv[2])
{
    char msg[] = "421 busy\r\n", tail[64];
    struct service svc = {.name = "t", .refuse_message = msg};

    size_t fill = fill_until_full(sv[0]);
    refusals_send_message(sv[0], &svc);
    shutdown(sv[0], SHUT_WR);
    ck_assert_uint_eq(drain_after(sv[1], fill, tail, sizeof(tail)), 0);
    close(sv[0]);
    close(sv[1]);
}

/* A loopback TCP connection, sv[0] the accepted end; the receiving end's
 * buffer small (set before the connection: the window follows it). */
static void tcp_pair(int sv[2])
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    int lsn = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), small = 4096;

    ck_assert_int_ge(lsn, 0);
    ck_assert_int_eq(bind(lsn, (struct sockaddr *)&a, sizeof(a)), 0);
    ck_assert_int_eq(listen(lsn, 1), 0);
    ck_assert_int_eq(getsockname(lsn, (struct sockaddr *)&a, &len), 0);
    sv[1] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_eq(setsockopt(sv[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
    ck_assert_int_eq(connect(sv[1], (struct sockaddr *)&a, sizeof(a)), 0);
    sv[0] = accept4(lsn, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(sv[0], 0);
    close(lsn);
}

START_TEST(message_full_buffer_dropped_whole)
{
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    message_whole_or_not_at_all(sv);
    tcp_pair(sv);
    message_whole_or_not_at_all(sv);
}
END_TEST

/* After the peer drained a full buffer, the message goes out whole. */
START_TEST(message_after_room_is_whole)
{
    char msg[] = "421 busy\r\n", tail[64] = "";
    struct service svc = {.name = "t", .refuse_message = msg};
    int sv[2];

    tcp_pair(sv);
    size_t fill = fill_until_full(sv[0]);
    char buf[65536];
    size_t got = 0;
    while (got < fill) { /* the peer reads it all: room again */
        ssize_t n = read(sv[1], buf, sizeof(buf) < fill - got ? sizeof(buf) : fill - got);
        ck_assert_int_gt(n, 0);
        got += (size_t)n;
    }
    refusals_send_message(sv[0], &svc);
    shutdown(sv[0], SHUT_WR);
    ck_assert_uint_eq(drain_after(sv[1], 0, tail, sizeof(tail)), strlen(msg));
    ck_assert(memcmp(tail, msg, strlen(msg)) == 0);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

/* A peer that is gone: EPIPE, no SIGPIPE (which would kill this forked case). */
START_TEST(message_to_gone_peer_raises_no_signal)
{
    char msg[] = "421 busy\r\n";
    struct service svc = {.name = "t", .refuse_message = msg};
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    close(sv[1]);
    refusals_send_message(sv[0], &svc);
    close(sv[0]);
}
END_TEST

static Suite *refusals_suite(void)
{
    Suite *s = suite_create("refusals");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, reason_names);
    tcase_add_test(tc, first_logged_rest_counted);
    tcase_add_test(tc, each_second_starts_over);
    tcase_add_test(tc, late_flush_keeps_counts);
    tcase_add_test(tc, every_reason_independent);
    tcase_add_test(tc, message_bytes);
    tcase_add_test(tc, message_full_buffer_dropped_whole);
    tcase_add_test(tc, message_after_room_is_whole);
    tcase_add_test(tc, message_to_gone_peer_raises_no_signal);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(refusals_suite(), NULL);
}
