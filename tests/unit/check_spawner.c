/* Unit tests for a confined service's spawner (src/runtime/spawner*.c) on
 * a context as server_start sets it up: a real spawner forked for a plan
 * with no_new_privileges (which any user may set), a connection handed
 * over and counted before its pid is known, the pid read later, a handler
 * reaped before its answer was read (found in the queue), a spawner killed
 * with a connection unanswered (started here, and the spawner replaced),
 * a reload that keeps an unchanged plan's spawner and retires a changed
 * one's, and the wait for every answer a live upgrade needs. */
#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_run.h"
#include "unit_context.h"
#include "clock.h"
#include "context.h"
#include "handler.h"
#include "spawner.h"
#include "spawner_int.h"

static char *cat_args[] = {"cat", NULL}, *true_args[] = {"true", NULL};
static char *env_changed[] = {"GENERATION=2", NULL};

static struct server s;
static struct config cfg;
static struct service svc;
static struct svc_state *st, *states[1];
static struct listener *l;

static void setup(void)
{
    unit_context_init(&s);
    st = unit_service(&svc, "/bin/cat", cat_args, &l);
    svc.sandbox.no_new_privileges = true;
    unit_replan(st, &svc);
    memset(&cfg, 0, sizeof(cfg));
    cfg.services = &svc;
    cfg.n_services = 1;
    cfg.max_children = 1024;
    states[0] = st;
    s.cfg = &cfg;
    s.states = states;
}

/* Every child of ours that is gone, reaped as the daemon would. */
static void reap_some(void)
{
    int status;
    pid_t pid;

    while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
        struct child *c = children_find(&s.children, pid);
        if (!c)
            c = spawner_queued_exit(&s, pid);
        if (c)
            handler_reaped(&s, c, status);
        else
            spawner_exited(&s, pid, status);
    }
}

/* Turn the loop (its events, its timers, the reaping) until COND holds,
 * at most 10 s. */
static bool pump(bool (*cond)(void))
{
    uint64_t deadline = clock_now_ns() + 10 * NSEC_PER_SEC;

    while (!cond()) {
        if (clock_now_ns() > deadline)
            return false;
        loop_wait(&s.loop, 20);
        reap_some();
        timers_run(&s.loop.timers, clock_now_ns());
    }
    return true;
}

static bool no_spawner_left(void)
{
    return s.spawners == NULL;
}

static void teardown(void)
{
    spawner_close_all(&s); /* they read EOF and exit */
    for (int i = 0; i < 500; i++) {
        pid_t pid = waitpid(-1, NULL, WNOHANG);
        if (pid == -1)
            break; /* no child left */
        if (pid == 0)
            usleep(10000);
    }
    unit_service_free(st, l);
    unit_context_free(&s);
}

/* Hand one connection to the service, as conn_serve does; our end returned. */
static int connection(void)
{
    int theirs, ours = unit_socketpair(&theirs);
    struct handler_req req = {
        .l = l, .sock = theirs, .peer_text = "10.0.0.1:4000", .worker_index = -1};

    ck_assert_int_eq(handler_start(&s, &req), 0);
    close(theirs);
    return ours;
}

static bool one_child(void)
{
    return s.children.count == 1;
}

static bool none_live(void)
{
    return s.live_total == 0;
}

static pid_t parent_of(pid_t pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(buf, sizeof(buf), f));
    fclose(f);
    int ppid = 0;
    ck_assert_int_eq(sscanf(strrchr(buf, ')'), ") %*c %d", &ppid), 1);
    return ppid;
}

/* cat echoes what we write: the connection reached the handler. */
static void echoes(int ours)
{
    char b[8];
    ck_assert_int_eq(write(ours, "x", 1), 1);
    ck_assert_int_eq(read(ours, b, sizeof(b)), 1);
    ck_assert_int_eq(b[0], 'x');
}

START_TEST(handed_over_then_recorded)
{
    spawner_sync(&s);
    ck_assert_ptr_nonnull(st->spawner);
    pid_t sp = spawner_pid(st);
    ck_assert_int_gt(sp, 0);
    ck_assert_int_eq(parent_of(sp), getpid());

    int ours = connection();
    /* Counted from the hand-over, recorded when the pid comes. */
    ck_assert_uint_eq(s.children.count, 0);
    ck_assert_uint_eq(s.live_total, 1);
    ck_assert_uint_eq(admit_live(st->admit), 1);
    ck_assert_uint_eq(st->accepted, 0);
    ck_assert(pump(one_child));
    struct child *c = s.children.newest;
    ck_assert_ptr_eq(c->spawner, st->spawner);
    ck_assert_int_eq(parent_of(c->pid), getpid()); /* CLONE_PARENT: ours, not the spawner's */
    ck_assert_uint_eq(st->accepted, 1);
    echoes(ours);
    close(ours);
    ck_assert(pump(none_live));
    ck_assert_uint_eq(s.children.count, 0);
    ck_assert_uint_eq(admit_live(st->admit), 0);
    ck_assert_uint_eq(st->exits[OUTCOME_OK], 1);
    ck_assert_int_eq(spawner_pid(st), sp);
}
END_TEST

START_TEST(reaped_before_its_answer_was_read)
{
    int status;

    svc.exec = "/bin/true";
    svc.args = true_args;
    unit_replan(st, &svc);
    spawner_sync(&s);
    pid_t sp = spawner_pid(st);
    int ours = connection();
    /* Nothing read from the spawner: the handler runs and exits first. */
    pid_t pid;
    while ((pid = waitpid(-1, &status, 0)) == sp)
        ck_abort_msg("the spawner exited");
    ck_assert_int_gt(pid, 0);
    ck_assert_uint_eq(s.children.count, 0);
    struct child *c = spawner_queued_exit(&s, pid);
    ck_assert_ptr_nonnull(c); /* its pid was in the queue */
    ck_assert_int_eq(c->pid, pid);
    handler_reaped(&s, c, status);
    ck_assert_uint_eq(s.live_total, 0);
    ck_assert_uint_eq(st->accepted, 1);
    ck_assert_uint_eq(st->exits[OUTCOME_OK], 1);
    close(ours);
}
END_TEST

static pid_t old_spawner;

static bool replaced_and_gone(void)
{
    return spawner_pid(st) && spawner_pid(st) != old_spawner && s.spawners && !s.spawners->next;
}

START_TEST(spawner_killed_with_a_connection_unanswered)
{
    spawner_sync(&s);
    old_spawner = spawner_pid(st);
    ck_assert_int_eq(kill(old_spawner, SIGSTOP), 0);
    int ours = connection();
    ck_assert_int_eq(kill(old_spawner, SIGKILL), 0);
    /* At its EOF the connection has no handler: it is started here. */
    ck_assert(pump(one_child));
    struct child *c = s.children.newest;
    ck_assert_ptr_null(c->spawner);
    ck_assert_int_eq(parent_of(c->pid), getpid());
    echoes(ours);
    ck_assert(pump(replaced_and_gone)); /* a successor; the dead one freed */
    ck_assert_int_eq(parent_of(spawner_pid(st)), getpid());
    close(ours);
    ck_assert(pump(none_live));
    /* The successor serves. */
    ours = connection();
    ck_assert(pump(one_child));
    ck_assert_ptr_eq(s.children.newest->spawner, st->spawner);
    close(ours);
    ck_assert(pump(none_live));
}
END_TEST

START_TEST(reload_keeps_or_retires)
{
    spawner_sync(&s);
    old_spawner = spawner_pid(st);
    /* The same plan again (a reload that changed nothing): kept. */
    unit_replan(st, &svc);
    spawner_sync(&s);
    ck_assert_int_eq(spawner_pid(st), old_spawner);
    /* A changed plan: a new spawner; the old one exits (EOF) and goes. */
    svc.env = env_changed;
    unit_replan(st, &svc);
    spawner_sync(&s);
    ck_assert(pump(replaced_and_gone));
    int ours = connection();
    ck_assert(pump(one_child));
    ck_assert_ptr_eq(s.children.newest->spawner, st->spawner);
    close(ours);
    ck_assert(pump(none_live));
    /* Unconfined: no spawner at all. */
    svc.sandbox.no_new_privileges = false;
    unit_replan(st, &svc);
    spawner_sync(&s);
    ck_assert_ptr_null(st->spawner);
    ck_assert(pump(no_spawner_left));
}
END_TEST

static void count_pid(pid_t pid, void *ctx)
{
    (void)pid;
    ++*(int *)ctx;
}

/* Before an exec of the daemon (live upgrade): every answer read, nothing
 * waits for one. */
START_TEST(quiesce_reads_every_answer)
{
    int n = 0;

    spawner_sync(&s);
    int a = connection(), b = connection();
    ck_assert_uint_eq(s.children.count, 0);
    ck_assert(spawner_quiesce(&s, 10 * NSEC_PER_SEC));
    ck_assert_uint_eq(s.children.count, 2);
    ck_assert_ptr_null(s.spawners_busy);
    spawner_each_pid(&s, count_pid, &n);
    ck_assert_int_eq(n, 1);
    close(a);
    close(b);
    ck_assert(pump(none_live));
}
END_TEST

int main(void)
{
    Suite *su = suite_create("spawner");
    TCase *tc = tcase_create("life");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, handed_over_then_recorded);
    tcase_add_test(tc, reaped_before_its_answer_was_read);
    tcase_add_test(tc, spawner_killed_with_a_connection_unanswered);
    tcase_add_test(tc, reload_keeps_or_retires);
    tcase_add_test(tc, quiesce_reads_every_answer);
    suite_add_tcase(su, tc);
    return unit_run(su, NULL);
}
