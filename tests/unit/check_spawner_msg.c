/* Unit tests for the daemon-spawner messages (src/runtime/spawner_msg.c):
 * the request's layout taken apart again, every malformed or truncated
 * request and answer refused, and one message with its descriptors over a
 * real SOCK_SEQPACKET socketpair. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "unit_run.h"
#include "spawn_child.h"
#include "spawner_msg.h"

static const char *const vars[] = {"PROTO=TCP", "TCPREMOTEIP=127.0.0.1", "TCPREMOTEPORT=4000",
                                   "EMPTY=", NULL};

START_TEST(request_round_trip)
{
    unsigned char buf[SPAWNER_REQ_MAX];
    struct spawner_req req;
    size_t len = spawner_msg_request(buf, sizeof(buf), 42, true, vars);

    ck_assert_uint_gt(len, sizeof(struct spawner_req_head));
    ck_assert_int_eq(spawner_msg_parse_request(buf, len, &req), 0);
    ck_assert_uint_eq(req.seq, 42);
    ck_assert(req.err_fd);
    for (int i = 0; vars[i]; i++)
        ck_assert_str_eq(req.vars[i], vars[i]);
    ck_assert_ptr_null(req.vars[4]);

    len = spawner_msg_request(buf, sizeof(buf), 7, false, NULL);
    ck_assert_uint_eq(len, sizeof(struct spawner_req_head));
    ck_assert_int_eq(spawner_msg_parse_request(buf, len, &req), 0);
    ck_assert(!req.err_fd);
    ck_assert_ptr_null(req.vars[0]);
}
END_TEST

START_TEST(request_too_big)
{
    unsigned char buf[SPAWNER_REQ_MAX];
    const char *many[EXEC_CONN_VARS + 1];
    static char big[CONN_ENV_BYTES + 8];
    const char *one_big[] = {big, NULL};

    for (int i = 0; i < EXEC_CONN_VARS; i++)
        many[i] = "A=1";
    many[EXEC_CONN_VARS] = NULL;
    ck_assert_uint_eq(spawner_msg_request(buf, sizeof(buf), 1, false, many), 0);
    many[EXEC_CONN_VARS - 1] = NULL; /* the most there is room for */
    ck_assert_uint_gt(spawner_msg_request(buf, sizeof(buf), 1, false, many), 0);
    memset(big, 'x', sizeof(big) - 1);
    big[0] = 'B';
    big[1] = '=';
    ck_assert_uint_eq(spawner_msg_request(buf, sizeof(buf), 1, false, one_big), 0);
    ck_assert_uint_eq(spawner_msg_request(buf, 8, 1, false, NULL), 0);
}
END_TEST

START_TEST(request_malformed)
{
    unsigned char buf[SPAWNER_REQ_MAX], bad[SPAWNER_REQ_MAX];
    struct spawner_req req;
    size_t len = spawner_msg_request(buf, sizeof(buf), 9, false, vars);
    struct spawner_req_head head;

    /* Every truncation, and one byte too many. */
    for (size_t n = 0; n < len; n++)
        ck_assert_msg(spawner_msg_parse_request(buf, n, &req) == -1, "%zu of %zu bytes", n, len);
    memcpy(bad, buf, len);
    bad[len] = 'x';
    ck_assert_int_eq(spawner_msg_parse_request(bad, len + 1, &req), -1);
    /* The head's fields. */
    memcpy(&head, buf, sizeof(head));
    struct spawner_req_head wrong[] = {head, head, head};
    wrong[0].magic ^= 1;
    wrong[1].flags = 2;
    wrong[2].n_vars = EXEC_CONN_VARS;
    for (size_t i = 0; i < sizeof(wrong) / sizeof(wrong[0]); i++) {
        memcpy(bad, buf, len);
        memcpy(bad, &wrong[i], sizeof(head));
        ck_assert_int_eq(spawner_msg_parse_request(bad, len, &req), -1);
    }
    /* A variable without '=', or with an empty name. */
    const char *no_eq[] = {"PROTO", NULL}, *no_name[] = {"=x", NULL};
    len = spawner_msg_request(buf, sizeof(buf), 1, false, no_eq);
    ck_assert_int_eq(spawner_msg_parse_request(buf, len, &req), -1);
    len = spawner_msg_request(buf, sizeof(buf), 1, false, no_name);
    ck_assert_int_eq(spawner_msg_parse_request(buf, len, &req), -1);
    ck_assert_int_eq(spawner_msg_parse_request(buf, SPAWNER_REQ_MAX + 1, &req), -1);
}
END_TEST

START_TEST(answers)
{
    struct spawner_answer a, got;

    spawner_msg_answer(&a, SPAWNER_FAILED, 5, 1234, EACCES, SPAWN_STEP_EXECVE);
    ck_assert_int_eq(spawner_msg_parse_answer(&a, sizeof(a), &got), 0);
    ck_assert_uint_eq(got.type, SPAWNER_FAILED);
    ck_assert_uint_eq(got.seq, 5);
    ck_assert_int_eq(got.pid, 1234);
    ck_assert_int_eq(got.err, EACCES);
    ck_assert_str_eq(spawn_step_name(got.step), "execve");
    ck_assert_int_eq(spawner_msg_parse_answer(&a, sizeof(a) - 1, &got), -1);

    struct spawner_answer wrong[5];
    for (int i = 0; i < 5; i++)
        spawner_msg_answer(&wrong[i], SPAWNER_STARTED, 1, 99, 0, SPAWN_STEP_NONE);
    wrong[0].magic = 0;
    wrong[1].type = 0;
    wrong[2].type = SPAWNER_ANSWER_TYPES;
    wrong[3].pid = 0; /* a started child has a pid */
    wrong[4].err = -1;
    for (int i = 0; i < 5; i++)
        ck_assert_msg(spawner_msg_parse_answer(&wrong[i], sizeof(wrong[i]), &got) == -1, "%d", i);
    spawner_msg_answer(&a, SPAWNER_READY, 0, 0, 0, SPAWN_STEP_NONE);
    ck_assert_int_eq(spawner_msg_parse_answer(&a, sizeof(a), &got), 0);
    ck_assert_ptr_null(spawn_step_name(SPAWN_STEP_NONE));
    ck_assert_ptr_null(spawn_step_name(SPAWN_STEP_COUNT));
}
END_TEST

static ino_t inode_of(int fd)
{
    struct stat st;
    ck_assert_int_eq(fstat(fd, &st), 0);
    return st.st_ino;
}

START_TEST(send_and_receive_descriptors)
{
    int pair[2], pipe_fds[2], fds[2], nfds;
    unsigned char buf[SPAWNER_REQ_MAX], got[SPAWNER_REQ_MAX];
    size_t len = spawner_msg_request(buf, sizeof(buf), 3, true, vars);

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    ck_assert_int_eq(pipe2(pipe_fds, O_CLOEXEC), 0);
    ck_assert_int_eq(spawner_msg_send(pair[0], buf, len, pipe_fds, 2, true), 0);
    ck_assert_int_eq(spawner_msg_recv(pair[1], got, sizeof(got), fds, &nfds, true), (ssize_t)len);
    ck_assert_int_eq(nfds, 2);
    ck_assert_mem_eq(got, buf, len);
    for (int i = 0; i < 2; i++) {
        ck_assert_uint_eq(inode_of(fds[i]), inode_of(pipe_fds[i]));
        ck_assert_int_eq(fcntl(fds[i], F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
        close(fds[i]);
    }
    /* Nothing queued: EAGAIN, not a block. */
    ck_assert_int_eq(spawner_msg_recv(pair[1], got, sizeof(got), fds, &nfds, true), -1);
    ck_assert_int_eq(errno, EAGAIN);
    /* Cut short by a small buffer: refused, and the descriptors closed. */
    ck_assert_int_eq(spawner_msg_send(pair[0], buf, len, pipe_fds, 1, true), 0);
    ck_assert_int_eq(spawner_msg_recv(pair[1], got, 8, fds, &nfds, true), -1);
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_int_eq(nfds, 0);
    ck_assert_int_eq(spawner_msg_send(pair[0], buf, len, pipe_fds, 3, true), -1);
    ck_assert_int_eq(errno, EINVAL);
    /* The peer gone: EOF, and a send fails without SIGPIPE. */
    close(pair[0]);
    ck_assert_int_eq(spawner_msg_recv(pair[1], got, sizeof(got), fds, &nfds, true), 0);
    ck_assert_int_eq(spawner_msg_send(pair[1], buf, len, NULL, 0, true), -1);
    close(pair[1]);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
}
END_TEST

START_TEST(more_descriptors_than_allowed)
{
    int pair[2], fds[2], nfds, three[3];
    unsigned char buf[64];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair), 0);
    for (int i = 0; i < 3; i++)
        three[i] = open("/dev/null", O_RDONLY | O_CLOEXEC);
    /* Sent by hand: spawner_msg_send refuses more than two. */
    union {
        struct cmsghdr hdr;
        char space[CMSG_SPACE(sizeof(three))];
    } control;
    struct iovec iov = {buf, 16};
    struct msghdr msg = {.msg_iov = &iov,
                         .msg_iovlen = 1,
                         .msg_control = control.space,
                         .msg_controllen = sizeof(control.space)};
    memset(&control, 0, sizeof(control));
    struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
    memset(buf, 0, sizeof(buf));
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(three));
    memcpy(CMSG_DATA(c), three, sizeof(three));
    ck_assert_int_eq(sendmsg(pair[0], &msg, 0), 16);
    int before = open("/dev/null", O_RDONLY | O_CLOEXEC);
    close(before);
    ck_assert_int_eq(spawner_msg_recv(pair[1], buf, sizeof(buf), fds, &nfds, true), -1);
    ck_assert_int_eq(errno, EPROTO);
    ck_assert_int_eq(nfds, 0);
    /* None of the three leaked: the next descriptor is the one before. */
    int after = open("/dev/null", O_RDONLY | O_CLOEXEC);
    ck_assert_int_eq(after, before);
    close(after);
    for (int i = 0; i < 3; i++)
        close(three[i]);
    close(pair[0]);
    close(pair[1]);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("spawner_msg");
    TCase *tc = tcase_create("core");

    tcase_add_test(tc, request_round_trip);
    tcase_add_test(tc, request_too_big);
    tcase_add_test(tc, request_malformed);
    tcase_add_test(tc, answers);
    tcase_add_test(tc, send_and_receive_descriptors);
    tcase_add_test(tc, more_descriptors_than_allowed);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
