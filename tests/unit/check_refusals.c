/*
 * Unit tests for refusals.c: the reasons' names; the first refusal of a
 * reason in a second is logged, the rest counted and flushed as one count
 * once the second ends, all on an injected clock; and refuse_message, sent
 * whole or not at all, never blocking.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
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

/* A full socket buffer drops the message; the call returns at once (the
 * suite's timeout would catch a blocking send), and a gone peer raises no SIGPIPE. */
START_TEST(message_full_buffer_or_gone)
{
    char msg[] = "421 busy\r\n", fill[4096];
    struct service svc = {.name = "t", .refuse_message = msg};
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    memset(fill, 'f', sizeof(fill));
    for (int i = 0; i < 100000 && send(sv[0], fill, sizeof(fill), MSG_DONTWAIT) > 0; i++)
        ;
    ck_assert(errno == EAGAIN || errno == EWOULDBLOCK);
    refusals_send_message(sv[0], &svc); /* the socket itself is blocking */
    close(sv[1]);
    refusals_send_message(sv[0], &svc); /* peer gone: EPIPE, not a signal */
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
    tcase_add_test(tc, message_full_buffer_or_gone);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(refusals_suite(), NULL);
}
