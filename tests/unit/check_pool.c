/* Unit tests for shrinking a prefork pool (pool_set_target in
 * src/runtime/pool.c) with real, sleeping child processes registered the
 * way pool_spawn registers workers: the newest go first, and the survivors
 * end up in the slots below the target, so none of them is respawned. */
#include <check.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_run.h"
#include "context.h"
#include "pool.h"

#define SLOTS 4

static struct server srv;
static struct listener l;
static struct pool *pool;
static pid_t pids[SLOTS];

/* A worker that sleeps with SIGTERM blocked (alarm: a safety net): a
 * SIGTERM sent to it stays pending, to be seen in /proc, instead of ending
 * it at some later moment.  So "was it signalled" has an answer at once,
 * with no window in which a worker on its way out still looks untouched.
 * (Check's runner SIGTERMs its process group: the mask is set before the
 * fork, so none can reach the child with the runner's handler.) */
static pid_t sleeper(void)
{
    sigset_t term, old;

    sigemptyset(&term);
    sigaddset(&term, SIGTERM);
    ck_assert_int_eq(sigprocmask(SIG_BLOCK, &term, &old), 0);
    pid_t pid = fork();
    if (pid == 0) {
        signal(SIGTERM, SIG_DFL);
        signal(SIGINT, SIG_DFL);
        signal(SIGALRM, SIG_DFL);
        alarm(30);
        for (;;)
            pause();
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    ck_assert_int_ge(pid, 0);
    return pid;
}

/* SLOTS workers in slots 0..SLOTS-1, started in the order ORDER (slot
 * numbers, oldest first). */
static void start_pool(const unsigned order[SLOTS])
{
    memset(&srv, 0, sizeof(srv));
    memset(&l, 0, sizeof(l));
    children_init(&srv.children);
    l.fd = -1;
    l.mode = MODE_PREFORK;
    l.refs = 1;
    pool = pool_new(&srv);
    ck_assert_ptr_nonnull(pool);
    pool_attach(pool, &l);
    pool->workers = calloc(SLOTS, sizeof(*pool->workers));
    ck_assert_ptr_nonnull(pool->workers);
    pool->n_slots = SLOTS;
    pool->target = SLOTS;
    for (unsigned k = 0; k < SLOTS; k++) {
        unsigned idx = order[k];
        pids[idx] = sleeper();
        struct child *c = children_add(&srv.children, pids[idx]);
        ck_assert_ptr_nonnull(c);
        c->start_ns = 1000 + k; /* as clock_now_ns at spawn */
        c->listener = &l;
        c->worker_index = idx;
        pool->workers[idx] = pids[idx];
    }
}

/* Is a SIGTERM pending for PID (sent to it: its mask holds it)?  kill(2)
 * queues it before it returns, so the answer is final at once. */
static bool got_sigterm(pid_t pid)
{
    char path[64], line[256];
    unsigned long long pending = 0;
    FILE *f;

    snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
    f = fopen(path, "r");
    ck_assert_msg(f != NULL, "worker %d is gone", (int)pid);
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "ShdPnd:", 7) == 0 || strncmp(line, "SigPnd:", 7) == 0)
            pending |= strtoull(line + 7, NULL, 16);
    fclose(f);
    return pending & (1ULL << (SIGTERM - 1));
}

/* Not signalled: alive, and no SIGTERM pending. */
static bool still_running(pid_t pid)
{
    int status;
    return waitpid(pid, &status, WNOHANG) == 0 && !got_sigterm(pid);
}

static void stop_pool(void)
{
    for (unsigned i = 0; i < SLOTS; i++) {
        kill(pids[i], SIGKILL);
        waitpid(pids[i], NULL, 0);
    }
    pool_free(pool);
    children_destroy(&srv.children);
}

/* Every live slot's record knows its slot (what the exit of a worker uses
 * to free it). */
static void assert_slots_consistent(void)
{
    for (unsigned i = 0; i < pool->n_slots; i++) {
        if (!pool->workers[i])
            continue;
        struct child *c = children_find(&srv.children, pool->workers[i]);
        ck_assert_ptr_nonnull(c);
        ck_assert_uint_eq(c->worker_index, i);
    }
}

START_TEST(shrink_stops_the_newest)
{
    /* Started in slot order: slot 3 is the newest. */
    const unsigned order[SLOTS] = {0, 1, 2, 3};

    start_pool(order);
    pool_set_target(&srv, &l, 3);
    ck_assert_uint_eq(pool->target, 3);
    ck_assert(got_sigterm(pids[3]));
    ck_assert(still_running(pids[0]) && still_running(pids[1]) && still_running(pids[2]));
    ck_assert_int_eq(pool->workers[0], pids[0]);
    ck_assert_int_eq(pool->workers[1], pids[1]);
    ck_assert_int_eq(pool->workers[2], pids[2]);
    ck_assert_int_eq(pool->workers[3], 0);
    stop_pool();
}
END_TEST

/* The newest live in low slots: they go, and the older workers of the high
 * slots move down, so no slot below the target is empty and none above it
 * is used. */
START_TEST(shrink_moves_survivors_below_target)
{
    /* Oldest first: slot 3, slot 0, slot 2, slot 1 (the newest). */
    const unsigned order[SLOTS] = {3, 0, 2, 1};

    start_pool(order);
    pool_set_target(&srv, &l, 2);
    ck_assert(got_sigterm(pids[1]));
    ck_assert(got_sigterm(pids[2]));
    ck_assert(still_running(pids[0]) && still_running(pids[3]));
    ck_assert_int_eq(pool->workers[0], pids[0]);
    ck_assert_int_eq(pool->workers[1], pids[3]);
    ck_assert_int_eq(pool->workers[2], 0);
    ck_assert_int_eq(pool->workers[3], 0);
    stop_pool();
}
END_TEST

START_TEST(shrink_keeps_worker_index)
{
    const unsigned order[SLOTS] = {3, 0, 2, 1};

    start_pool(order);
    pool_set_target(&srv, &l, 2);
    assert_slots_consistent();
    stop_pool();
}
END_TEST

START_TEST(target_at_least_one)
{
    const unsigned order[SLOTS] = {0, 1, 2, 3};

    start_pool(order);
    pool_set_target(&srv, &l, 0);
    ck_assert_uint_eq(pool->target, 1);
    ck_assert(got_sigterm(pids[3]) && got_sigterm(pids[2]) && got_sigterm(pids[1]));
    ck_assert(still_running(pids[0]));
    ck_assert_int_eq(pool->workers[0], pids[0]);
    /* Growing the target stops nobody (the turn starts the new ones). */
    pool_set_target(&srv, &l, 3);
    ck_assert_uint_eq(pool->target, 3);
    ck_assert(still_running(pids[0]));
    ck_assert_int_eq(pool->workers[0], pids[0]);
    stop_pool();
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pool");
    TCase *tc = tcase_create("shrink");
    tcase_add_test(tc, shrink_stops_the_newest);
    tcase_add_test(tc, shrink_moves_survivors_below_target);
    tcase_add_test(tc, shrink_keeps_worker_index);
    tcase_add_test(tc, target_at_least_one);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
