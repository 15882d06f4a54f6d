/* Unit tests for the reactor (src/runtime/loop.c) over pipes: which callback
 * is called with what, forgetting within a batch, stopping a batch,
 * re-watching, and the timeout arithmetic of loop_timeout_ms. */
#include <check.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "unit_run.h"
#include "clock.h"
#include "loop.h"

/* A watched pipe that records its calls. */
struct probe {
    struct ev ev;
    int rd, wr;
    int calls;
    struct ev *got_ev;
    uint32_t got_events;
    struct probe *other; /* forget this one when called */
    bool stop_batch;     /* call loop_stop_batch once */
};

static struct loop lp;

static void setup(void)
{
    ck_assert_int_eq(loop_init(&lp), 0);
}

static void teardown(void)
{
    loop_close(&lp);
}

static void probe_ready(struct ev *ev, uint32_t events)
{
    struct probe *p = ev->ctx;

    p->calls++;
    p->got_ev = ev;
    p->got_events = events;
    if (p->other)
        loop_forget(&lp, &p->other->ev);
    if (p->stop_batch) {
        p->stop_batch = false;
        loop_stop_batch(&lp);
    }
}

/* A pipe watched for EPOLLIN on its read end. */
static void probe_open(struct probe *p)
{
    int fds[2];

    *p = (struct probe){0};
    ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    p->rd = fds[0];
    p->wr = fds[1];
    loop_ev_set(&p->ev, p->rd, probe_ready, p);
    ck_assert(!p->ev.watched);
    ck_assert_int_eq(loop_watch(&lp, &p->ev, EPOLLIN), 0);
    ck_assert(p->ev.watched);
}

static void probe_close(struct probe *p)
{
    loop_forget(&lp, &p->ev);
    if (p->rd >= 0)
        close(p->rd);
    if (p->wr >= 0)
        close(p->wr);
}

static void probe_poke(struct probe *p)
{
    ck_assert_int_eq(write(p->wr, "x", 1), 1);
}

START_TEST(callbacks_get_their_own_ev)
{
    struct probe a, b, quiet;

    probe_open(&a);
    probe_open(&b);
    probe_open(&quiet);
    probe_poke(&a);
    probe_poke(&b);
    ck_assert_int_eq(loop_wait(&lp, 1000), 2);
    ck_assert_int_eq(a.calls, 1);
    ck_assert_ptr_eq(a.got_ev, &a.ev);
    ck_assert(a.got_events & EPOLLIN);
    ck_assert_int_eq(b.calls, 1);
    ck_assert_ptr_eq(b.got_ev, &b.ev);
    ck_assert_int_eq(quiet.calls, 0);
    /* Nothing ready: a timeout, no call. */
    char c;
    ck_assert_int_eq(read(a.rd, &c, 1), 1);
    ck_assert_int_eq(read(b.rd, &c, 1), 1);
    ck_assert_int_eq(loop_wait(&lp, 0), 0);
    ck_assert_int_eq(a.calls + b.calls + quiet.calls, 2);
    /* The writer gone: the events say so. */
    close(quiet.wr);
    quiet.wr = -1;
    ck_assert_int_eq(loop_wait(&lp, 1000), 1);
    ck_assert_int_eq(quiet.calls, 1);
    ck_assert(quiet.got_events & EPOLLHUP);
    probe_close(&a);
    probe_close(&b);
    probe_close(&quiet);
}
END_TEST

/* Each forgets the other: whichever the batch lists first runs, the other
 * is skipped although epoll reported it in the same batch. */
START_TEST(forgotten_in_batch_not_called)
{
    struct probe a, b;

    probe_open(&a);
    probe_open(&b);
    a.other = &b;
    b.other = &a;
    probe_poke(&a);
    probe_poke(&b);
    ck_assert_int_eq(loop_wait(&lp, 1000), 2);
    ck_assert_int_eq(a.calls + b.calls, 1);
    ck_assert(a.ev.watched != b.ev.watched);
    probe_close(&a);
    probe_close(&b);
}
END_TEST

START_TEST(stop_batch_leaves_the_rest_for_next_wait)
{
    struct probe a, b;

    probe_open(&a);
    probe_open(&b);
    a.stop_batch = b.stop_batch = true;
    probe_poke(&a);
    probe_poke(&b);
    ck_assert_int_eq(loop_wait(&lp, 1000), 2);
    ck_assert_int_eq(a.calls + b.calls, 1);
    /* Still readable (level-triggered); the stop lasted one batch only. */
    a.stop_batch = b.stop_batch = false;
    ck_assert_int_eq(loop_wait(&lp, 1000), 2);
    ck_assert_int_eq(a.calls + b.calls, 3);
    probe_close(&a);
    probe_close(&b);
}
END_TEST

/* A copy of the descriptor (a child between clone and exec) keeps the file
 * open: only loop_forget takes it out of epoll. */
START_TEST(forget_before_close)
{
    struct probe a;

    probe_open(&a);
    int copy = fcntl(a.rd, F_DUPFD_CLOEXEC, 0);
    ck_assert_int_ge(copy, 0);
    loop_forget(&lp, &a.ev);
    ck_assert(!a.ev.watched);
    loop_forget(&lp, &a.ev); /* twice is harmless */
    close(a.rd);
    a.rd = -1;
    probe_poke(&a);
    ck_assert_int_eq(loop_wait(&lp, 0), 0);
    ck_assert_int_eq(a.calls, 0);
    /* Watched again (through the copy) it is reported again. */
    loop_ev_set(&a.ev, copy, probe_ready, &a);
    ck_assert_int_eq(loop_watch(&lp, &a.ev, EPOLLIN), 0);
    ck_assert_int_eq(loop_wait(&lp, 1000), 1);
    ck_assert_int_eq(a.calls, 1);
    a.rd = copy;
    probe_close(&a);
}
END_TEST

/* Watching twice changes the events instead of failing with EEXIST. */
START_TEST(watch_twice_modifies)
{
    struct probe w;
    int fds[2];

    ck_assert_int_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
    w = (struct probe){.rd = fds[0], .wr = fds[1]};
    loop_ev_set(&w.ev, w.wr, probe_ready, &w);
    ck_assert_int_eq(loop_watch(&lp, &w.ev, EPOLLIN), 0);
    ck_assert_int_eq(loop_wait(&lp, 0), 0); /* a write end is never readable */
    ck_assert_int_eq(loop_watch(&lp, &w.ev, EPOLLOUT), 0);
    ck_assert_int_eq(loop_wait(&lp, 1000), 1);
    ck_assert_int_eq(w.calls, 1);
    ck_assert(w.got_events & EPOLLOUT);
    ck_assert_int_eq(loop_watch(&lp, &w.ev, EPOLLIN), 0);
    ck_assert_int_eq(loop_wait(&lp, 0), 0);
    ck_assert_int_eq(w.calls, 1);
    probe_close(&w);
}
END_TEST

START_TEST(timeout_ms_arithmetic)
{
    const uint64_t now = 5 * NSEC_PER_SEC;

    ck_assert_int_eq(loop_timeout_ms(now, UINT64_MAX), -1);
    ck_assert_int_eq(loop_timeout_ms(now, now), 0);
    ck_assert_int_eq(loop_timeout_ms(now, now - 1), 0);
    ck_assert_int_eq(loop_timeout_ms(now, 0), 0);
    /* Rounded up: waking a little early would spin until the deadline. */
    ck_assert_int_eq(loop_timeout_ms(now, now + 1), 1);
    ck_assert_int_eq(loop_timeout_ms(now, now + NSEC_PER_MSEC), 1);
    ck_assert_int_eq(loop_timeout_ms(now, now + NSEC_PER_MSEC + 1), 2);
    ck_assert_int_eq(loop_timeout_ms(now, now + 1500 * NSEC_PER_MSEC), 1500);
    /* Huge deadlines clamp instead of wrapping to a negative int (issue 19). */
    uint64_t limit = (uint64_t)INT_MAX * NSEC_PER_MSEC;
    ck_assert_int_eq(loop_timeout_ms(now, now + limit), INT_MAX);
    ck_assert_int_eq(loop_timeout_ms(now, now + limit + 1), INT_MAX);
    ck_assert_int_eq(loop_timeout_ms(now, now + (uint64_t)UINT32_MAX * NSEC_PER_MSEC), INT_MAX);
    ck_assert_int_eq(loop_timeout_ms(now, UINT64_MAX - 1), INT_MAX);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("loop");
    TCase *tc = tcase_create("pipes");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, callbacks_get_their_own_ev);
    tcase_add_test(tc, forgotten_in_batch_not_called);
    tcase_add_test(tc, stop_batch_leaves_the_rest_for_next_wait);
    tcase_add_test(tc, forget_before_close);
    tcase_add_test(tc, watch_twice_modifies);
    suite_add_tcase(s, tc);
    TCase *tm = tcase_create("timeout");
    tcase_add_test(tm, timeout_ms_arithmetic);
    suite_add_tcase(s, tm);
    return unit_run(s, NULL);
}
