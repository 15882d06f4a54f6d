/* Unit tests for the one start path (handler_start in src/runtime/handler.c)
 * and its counterpart at the exit (handler_reaped): a real /bin/cat started
 * on one end of a socketpair, as a connection with a source key and as a
 * handler handed its listener's socket, then reaped when our end closes;
 * the accounting is checked on both sides (live counts, the source's
 * count, the listener's references, the children table, the exit callback,
 * the timeout timer), and a start that cannot spawn is a refusal that
 * changes nothing else.  On a context with the loop, the children table
 * and the spawner, as server_start sets them up. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_run.h"
#include "unit_context.h"
#include "context.h"
#include "handler.h"
#include "refusals.h"

static char *cat_args[] = {"cat", NULL};

static struct server s;
static struct service svc;
static struct svc_state *st;
static struct listener *l;

/* What the exit callback saw. */
static int exits_seen;
static int exit_status;
static struct child *exit_child;

static void on_exit_probe(struct child *c, int status, void *ctx)
{
    ck_assert_ptr_eq(ctx, &s);
    exits_seen++;
    exit_status = status;
    exit_child = c;
}

static void setup(void)
{
    unit_context_init(&s);
    st = unit_service(&svc, "/bin/cat", cat_args, &l);
    svc.timeout = 60;
    exits_seen = 0;
    exit_child = NULL;
}

static void teardown(void)
{
    unit_service_free(st, l);
    unit_context_free(&s);
}

/* The newest handler, closed on our side so it exits, waited for and
 * handed to handler_reaped as the reaper would. */
static void finish(int ours)
{
    struct child *c = s.children.newest;
    int status;

    ck_assert_ptr_nonnull(c);
    close(ours);
    ck_assert_int_eq(waitpid(c->pid, &status, 0), c->pid);
    handler_reaped(&s, c, status);
}

START_TEST(connection_with_source_key)
{
    struct sockaddr_in peer = {.sin_family = AF_INET, .sin_port = htons(4000)};
    struct source_key key;
    int theirs, ours = unit_socketpair(&theirs);

    inet_pton(AF_INET, "10.0.0.1", &peer.sin_addr);
    addr_source_key((struct sockaddr *)&peer, &key);
    struct handler_req req = {
        .l = l,
        .sock = theirs,
        .peer = (struct sockaddr *)&peer,
        .peer_text = "10.0.0.1:4000",
        .key = &key,
        .worker_index = -1,
        .on_exit = on_exit_probe,
    };
    ck_assert_int_eq(handler_start(&s, &req), 0);
    close(theirs); /* the caller's copy, as conn_serve closes it */
    struct child *c = s.children.newest;
    ck_assert_ptr_nonnull(c);
    ck_assert_uint_eq(s.children.count, 1);
    ck_assert_ptr_eq(children_find(&s.children, c->pid), c);
    ck_assert_ptr_eq(c->svc_state, st);
    ck_assert_str_eq(c->peer, "10.0.0.1:4000");
    ck_assert(c->has_key);
    ck_assert_ptr_null(c->listener); /* a connection of its own: L not held */
    ck_assert_uint_eq(l->refs, 1);
    ck_assert_uint_eq(s.live_total, 1);
    ck_assert_uint_eq(admit_live(st->admit), 1);
    ck_assert_uint_eq(admit_live_from(st->admit, &key), 1);
    ck_assert_uint_eq(st->accepted, 1);
    ck_assert_uint_eq(st->refs, 2); /* the config's and the child's */
    ck_assert(c->timeout.armed);
    ck_assert_uint_eq(s.loop.timers.count, 1);

    pid_t pid = c->pid;
    finish(ours);
    ck_assert_int_eq(exits_seen, 1);
    ck_assert_ptr_eq(exit_child, c);
    ck_assert(WIFEXITED(exit_status) && WEXITSTATUS(exit_status) == 0);
    ck_assert_ptr_null(children_find(&s.children, pid));
    ck_assert_uint_eq(s.children.count, 0);
    ck_assert_uint_eq(s.live_total, 0);
    ck_assert_uint_eq(admit_live(st->admit), 0);
    ck_assert_uint_eq(admit_live_from(st->admit, &key), 0);
    ck_assert_uint_eq(st->exits[OUTCOME_OK], 1);
    ck_assert_uint_eq(st->refs, 1);
    ck_assert_uint_eq(s.loop.timers.count, 0); /* its timeout went with it */
}
END_TEST

START_TEST(handed_the_listeners_socket)
{
    pid_t holder = 0;
    int theirs, ours = unit_socketpair(&theirs);

    svc.mode = MODE_WAIT;
    svc.timeout = 0;
    struct handler_req req = {
        .l = l,
        .sock = theirs,
        .peer_text = l->addr.text,
        .worker_index = 2,
        .on_exit = on_exit_probe,
        .holder = &holder,
    };
    ck_assert_int_eq(handler_start(&s, &req), 0);
    close(theirs);
    struct child *c = s.children.newest;
    ck_assert_ptr_nonnull(c);
    ck_assert_int_eq(holder, c->pid); /* written before any exit can be reaped */
    ck_assert_ptr_eq(c->listener, l);
    ck_assert_uint_eq(l->refs, 2);
    ck_assert_uint_eq(c->worker_index, 2);
    ck_assert(!c->has_key);
    ck_assert_uint_eq(admit_live(st->admit), 1);
    ck_assert(!c->timeout.armed);

    finish(ours);
    ck_assert_int_eq(exits_seen, 1);
    ck_assert_uint_eq(l->refs, 1); /* let go after the mode's on_exit */
    ck_assert_uint_eq(s.live_total, 0);
    ck_assert_uint_eq(admit_live(st->admit), 0);
    ck_assert_uint_eq(s.children.count, 0);
}
END_TEST

/* Every spawn slot holds a child that never leaves it: the start fails
 * after the spawner's bounded wait. */
START_TEST(spawn_failure_is_a_refusal)
{
    int theirs, ours = unit_socketpair(&theirs);
    struct handler_req req = {
        .l = l,
        .sock = theirs,
        .peer_text = "10.0.0.2:1",
        .worker_index = -1,
    };

    for (int i = 0; i < s.spawner.slots_in_use; i++) {
        s.spawner.slots[i].used = true;
        s.spawner.slots[i].in_child = 1;
    }
    ck_assert_int_eq(handler_start(&s, &req), -1);
    for (int i = 0; i < s.spawner.slots_in_use; i++) {
        s.spawner.slots[i].used = false;
        s.spawner.slots[i].in_child = 0;
    }
    ck_assert_uint_eq(st->refused, 1);
    ck_assert_uint_eq(st->refused_by[REFUSE_SPAWN_FAILED], 1);
    ck_assert_uint_eq(st->failed, 1);
    ck_assert_uint_eq(st->accepted, 0);
    ck_assert_uint_eq(s.live_total, 0);
    ck_assert_uint_eq(admit_live(st->admit), 0);
    ck_assert_uint_eq(s.children.count, 0);
    ck_assert_uint_eq(l->refs, 1);
    close(theirs);
    close(ours);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("handler");
    TCase *tc = tcase_create("start");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, connection_with_source_key);
    tcase_add_test(tc, handed_the_listeners_socket);
    tcase_add_test(tc, spawn_failure_is_a_refusal);
    suite_add_tcase(su, tc);
    return unit_run(su, NULL);
}
