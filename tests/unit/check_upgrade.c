/*
 * Unit tests for the upgrade's record of the running state
 * (src/runtime/upgrade_save.c, upgrade_restore.c): a daemon's context with
 * two services (counters, a ban, a live handler with its `timeout`
 * deadline, a connection waiting for its PROXY header, a socket each) is
 * written, then read into a second context and activated there, as a new
 * image does (a waiting connection it cannot watch again is closed as a
 * refusal, never silently); and that very record is refused
 * whole when it is cut short anywhere, when any one byte is flipped, when
 * its version is another, or when a socket it names is closed or another
 * file.  And what a pool runs compares as a number as it does field by
 * field.  Real sockets on loopback ports; no spawner, no handler processes
 * (the handler's pid is the test's own child, which only sleeps).
 */
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "unit_run.h"
#include "activate.h"
#include "carry.h"
#include "clock.h"
#include "context.h"
#include "proxy_pending.h"
#include "server.h"
#include "upgrade.h"
#include "upgrade_int.h"

static char tmpdir[64], path[128], err[1024];
static unsigned ports[2];
static pid_t handler;
static unsigned char *record;
static size_t record_len;
/* The waiting connection: its client's end, and the old image's end. */
static int pending_client = -1, pending_fd = -1;

/* Two loopback TCP ports nobody listens on now (bound together to port 0,
 * so they differ, then closed). */
static void free_ports(unsigned out[2])
{
    int fds[2];

    for (int i = 0; i < 2; i++) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sin);
        fds[i] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        ck_assert_int_ge(fds[i], 0);
        ck_assert_int_eq(bind(fds[i], (struct sockaddr *)&sin, sizeof(sin)), 0);
        ck_assert_int_eq(getsockname(fds[i], (struct sockaddr *)&sin, &len), 0);
        out[i] = ntohs(sin.sin_port);
    }
    close(fds[0]);
    close(fds[1]);
}

static struct config *load(void)
{
    struct config_options opts = {.privileged = false};
    struct config *cfg = config_load(path, &opts, err, sizeof(err));

    ck_assert_msg(cfg != NULL, "%s", err);
    return cfg;
}

static void server_init(struct server *s)
{
    memset(s, 0, sizeof(*s));
    s->child_ev.fd = -1;
    children_init(&s->children);
    ck_assert_int_eq(loop_init(&s->loop), 0);
}

static struct svc_state *state_of(struct server *s, const char *name)
{
    for (size_t i = 0; i < s->cfg->n_services; i++)
        if (s->states[i] && strcmp(s->states[i]->name, name) == 0)
            return s->states[i];
    return NULL;
}

/* server_free; with KEEP_FDS the sockets stay open (another context has
 * them now). */
static void server_done(struct server *s, bool keep_fds)
{
    for (size_t i = 0; keep_fds && i < s->n_listeners; i++) {
        s->listeners[i]->fd = -1;
        s->listeners[i]->closed = true;
        s->listeners[i]->unlink_on_close = false;
    }
    server_free(s);
}

/* A client of rl's socket (ports[0]) that has not sent its PROXY header:
 * its connection waits in S. */
static void old_pending(struct server *s, struct svc_state *rl, uint64_t now)
{
    struct sockaddr_in to = {
        .sin_family = AF_INET, .sin_port = htons(ports[0]), .sin_addr.s_addr = htonl(0x7f000001)};
    struct sockaddr_storage lb;
    socklen_t lblen = sizeof(lb);
    struct listener *l = NULL;

    for (size_t i = 0; i < s->n_listeners; i++)
        if (s->listeners[i]->svc_state == rl)
            l = s->listeners[i];
    ck_assert_ptr_nonnull(l);
    pending_client = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_eq(connect(pending_client, (struct sockaddr *)&to, sizeof(to)), 0);
    pending_fd = accept4(l->fd, (struct sockaddr *)&lb, &lblen, SOCK_CLOEXEC);
    ck_assert_int_ge(pending_fd, 3);
    ck_assert_int_eq(proxy_pending_adopt(s, l, pending_fd, &lb, now + 60 * NSEC_PER_SEC), 0);
}

/* The old image: services, counters, a ban, a handler with a deadline, a
 * connection waiting for its PROXY header. */
static void old_image(struct server *s, uint64_t deadline)
{
    struct activation_stats st;
    struct sockaddr_in peer = {
        .sin_family = AF_INET, .sin_port = htons(4000), .sin_addr.s_addr = htonl(0x7f000002)};
    uint64_t now = clock_now_ns();

    server_init(s);
    ck_assert_msg(activate_config(s, load(), &st, err, sizeof(err)) == 0, "%s", err);
    struct svc_state *rl = state_of(s, "rl"), *t = state_of(s, "timed");
    rl->accepted = 7;
    rl->refused_by[REFUSE_DENY] = 3;
    rl->exits[OUTCOME_SIGNAL] = 2;
    s->reloads_ok = 4;
    s->upgrades = 2;
    ck_assert_int_eq(admit_check(rl->admit, rl->svc, (struct sockaddr *)&peer, 0, 0, now),
                     REFUSE_NONE);
    ck_assert_int_eq(admit_check(rl->admit, rl->svc, (struct sockaddr *)&peer, 0, 0, now),
                     REFUSE_PER_SOURCE_RATE); /* and banned from now on */

    struct child *c = children_add(&s->children, handler);
    ck_assert_ptr_nonnull(c);
    c->svc_state = t;
    t->refs++;
    c->start_ns = now - NSEC_PER_SEC;
    snprintf(c->peer, sizeof(c->peer), "127.0.0.1:5555");
    timer_set(&c->timeout, NULL, s);
    timers_arm(&s->loop.timers, &c->timeout, deadline);
    s->live_total = 1;
    admit_started(t->admit, NULL);
    old_pending(s, rl, now);
}

static void setup(void)
{
    struct server s;
    struct carry c;
    const unsigned char *data;

    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_upgrade.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(path, sizeof(path), "%s/c.conf", tmpdir);
    free_ports(ports);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(
        f,
        "services = ({ name = \"rl\"; listen = \"127.0.0.1:%u\"; exec = \"/bin/cat\";"
        " per_source_rate = \"1/60\"; ban = 60;"
        " proxy_protocol = \"v1\"; proxy_from = [\"127.0.0.0/8\"]; },"
        " { name = \"timed\"; listen = \"127.0.0.1:%u\"; exec = \"/bin/cat\"; timeout = 9; });\n",
        ports[0], ports[1]);
    fclose(f);
    handler = fork();
    ck_assert_int_ge(handler, 0);
    if (handler == 0) {
        pause();
        _exit(0);
    }
    old_image(&s, clock_now_ns() + 8 * NSEC_PER_SEC);
    carry_write_init(&c);
    upgrade_save(&s, &c);
    ck_assert_msg(carry_write_finish(&c, UPGRADE_STATE_VERSION, &data, &record_len) == 0, "%s",
                  c.err);
    record = malloc(record_len);
    memcpy(record, data, record_len);
    carry_free(&c);
    int kept = dup(pending_fd); /* the new image's: the old one's exit would close it */
    server_done(&s, true);
    ck_assert_int_eq(dup2(kept, pending_fd), pending_fd);
    close(kept);
}

static void teardown(void)
{
    char cmd[128];

    kill(handler, SIGKILL);
    waitpid(handler, NULL, 0);
    close(pending_client);
    free(record);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The sockets the record names, open in this process since setup. */
static int listener_fd(unsigned port)
{
    for (int fd = 3; fd < 1024; fd++) {
        struct sockaddr_in sin;
        socklen_t len = sizeof(sin);
        if (getsockname(fd, (struct sockaddr *)&sin, &len) == 0 && sin.sin_family == AF_INET &&
            ntohs(sin.sin_port) == port)
            return fd;
    }
    return -1;
}

START_TEST(state_round_trip)
{
    struct server s;
    struct upgrade_inherited u = {.active = true, .readable = true};
    struct activation_stats st;
    int fds[2] = {listener_fd(ports[0]), listener_fd(ports[1])};

    ck_assert_int_ge(fds[0], 3);
    ck_assert_msg(carry_read_open(&u.carry, record, record_len, UPGRADE_STATE_VERSION, u.why,
                                  sizeof(u.why)) == 0,
                  "%s", u.why);
    server_init(&s);
    s.inherited = &u;
    upgrade_restore(&s);
    ck_assert_msg(!u.carry.failed, "%s", u.carry.err);
    ck_assert_uint_eq(s.n_listeners, 2);
    ck_assert_msg(activate_config(&s, load(), &st, err, sizeof(err)) == 0, "%s", err);
    upgrade_restored(&s);
    ck_assert_uint_eq(st.kept, 2); /* the very sockets */
    ck_assert_uint_eq(st.opened, 0);
    ck_assert_int_eq(listener_fd(ports[0]), fds[0]);

    struct svc_state *rl = state_of(&s, "rl"), *t = state_of(&s, "timed");
    ck_assert_uint_eq(rl->accepted, 7);
    ck_assert_uint_eq(rl->refused_by[REFUSE_DENY], 3);
    ck_assert_uint_eq(rl->refused_by[REFUSE_PER_SOURCE_RATE],
                      0); /* admit_check alone counts none */
    ck_assert_uint_eq(rl->exits[OUTCOME_SIGNAL], 2);
    ck_assert_uint_eq(s.reloads_ok, 4);
    ck_assert_uint_eq(s.upgrades, 2);
    struct sockaddr_in peer = {
        .sin_family = AF_INET, .sin_port = htons(4001), .sin_addr.s_addr = htonl(0x7f000002)};
    ck_assert_int_eq(
        admit_check(rl->admit, rl->svc, (struct sockaddr *)&peer, 0, 0, clock_now_ns()),
        REFUSE_BANNED);

    struct child *c = children_find(&s.children, handler);
    ck_assert_ptr_nonnull(c);
    ck_assert_ptr_eq(c->svc_state, t);
    ck_assert_str_eq(c->peer, "127.0.0.1:5555");
    ck_assert(c->timeout.armed);
    ck_assert_uint_eq(s.live_total, 1);
    ck_assert_uint_eq(admit_live(t->admit), 1);
    ck_assert_uint_eq(proxy_pending_count(rl), 1); /* waits on */
    server_done(&s, false);
}
END_TEST

/* The waiting connection cannot be watched in the new image (its epoll
 * refuses): closed as a refusal of its service, counted, never just shut. */
START_TEST(pending_not_placed_is_a_refusal)
{
    struct server s;
    struct upgrade_inherited u = {.active = true, .readable = true};
    struct activation_stats st;
    char byte;

    ck_assert_msg(carry_read_open(&u.carry, record, record_len, UPGRADE_STATE_VERSION, u.why,
                                  sizeof(u.why)) == 0,
                  "%s", u.why);
    server_init(&s);
    s.inherited = &u;
    int epfd = s.loop.epfd, not_epoll = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_ge(not_epoll, 0);
    s.loop.epfd = not_epoll;
    upgrade_restore(&s);
    s.loop.epfd = epfd;
    close(not_epoll);
    ck_assert_msg(activate_config(&s, load(), &st, err, sizeof(err)) == 0, "%s", err);
    upgrade_restored(&s);
    struct svc_state *rl = state_of(&s, "rl");
    ck_assert_uint_eq(proxy_pending_count(rl), 0);
    ck_assert_uint_eq(rl->refused_by[REFUSE_PROXY_PENDING], 1);
    ck_assert_uint_eq(rl->refused, 1);
    ck_assert_int_eq(recv(pending_client, &byte, 1, MSG_DONTWAIT), 0); /* closed */
    server_done(&s, false);
}
END_TEST

START_TEST(every_truncation_refused)
{
    struct carry c;

    for (size_t n = 0; n < record_len; n++)
        ck_assert_msg(carry_read_open(&c, record, n, UPGRADE_STATE_VERSION, err, sizeof(err)) == -1,
                      "cut to %zu of %zu bytes, accepted", n, record_len);
}
END_TEST

START_TEST(every_flipped_byte_refused)
{
    struct carry c;

    for (size_t i = 0; i < record_len; i++) {
        record[i] ^= 0x01;
        ck_assert_msg(
            carry_read_open(&c, record, record_len, UPGRADE_STATE_VERSION, err, sizeof(err)) == -1,
            "byte %zu flipped, accepted", i);
        record[i] ^= 0x01;
    }
}
END_TEST

START_TEST(other_version_refused)
{
    struct carry c;

    ck_assert_int_eq(
        carry_read_open(&c, record, record_len, UPGRADE_STATE_VERSION + 1, err, sizeof(err)), -1);
}
END_TEST

/* A socket the record names closed, then another file in its place. */
START_TEST(named_socket_closed_or_replaced)
{
    struct carry c;
    int fd = listener_fd(ports[1]), keep = dup(fd);
    int other = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(keep, 0);
    ck_assert_int_ge(other, 0);
    close(fd);
    ck_assert_int_eq(
        carry_read_open(&c, record, record_len, UPGRADE_STATE_VERSION, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "descriptor"));
    ck_assert_int_eq(dup2(other, fd), fd);
    close(other);
    ck_assert_int_eq(
        carry_read_open(&c, record, record_len, UPGRADE_STATE_VERSION, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "not the file"));
    ck_assert_int_eq(dup2(keep, fd), fd);
    close(keep);
    ck_assert_int_eq(
        carry_read_open(&c, record, record_len, UPGRADE_STATE_VERSION, err, sizeof(err)), 0);
}
END_TEST

/* What a pool runs, as the new image compares it with the old one's. */
START_TEST(runs_digest_follows_runs_same)
{
    struct config *a = load(), *b = load();

    ck_assert(model_runs_same(&a->services[0], &b->services[0]));
    ck_assert_uint_eq(model_runs_digest(&a->services[0]), model_runs_digest(&b->services[0]));
    b->services[1].exec = (char *)"/bin/true"; /* the config's strings are its arena's */
    ck_assert(!model_runs_same(&a->services[1], &b->services[1]));
    ck_assert_uint_ne(model_runs_digest(&a->services[1]), model_runs_digest(&b->services[1]));
    b->services[0].rlimits[0].set = !b->services[0].rlimits[0].set;
    ck_assert(!model_runs_same(&a->services[0], &b->services[0]));
    ck_assert_uint_ne(model_runs_digest(&a->services[0]), model_runs_digest(&b->services[0]));
    config_free(a);
    config_free(b);
}
END_TEST

static Suite *upgrade_suite(void)
{
    Suite *s = suite_create("upgrade");
    TCase *tc = tcase_create("record");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, state_round_trip);
    tcase_add_test(tc, pending_not_placed_is_a_refusal);
    tcase_add_test(tc, every_truncation_refused);
    tcase_add_test(tc, every_flipped_byte_refused);
    tcase_add_test(tc, other_version_refused);
    tcase_add_test(tc, named_socket_closed_or_replaced);
    tcase_add_test(tc, runs_digest_follows_runs_same);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(upgrade_suite(), NULL);
}
