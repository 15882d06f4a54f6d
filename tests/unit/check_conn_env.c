/* Unit tests for the per-connection variables of SPEC section 4
 * (conn_env_*): what each kind of socket gives a handler, over real
 * loopback sockets, and the bounds of the caller's buffer. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit_fixture.h"
#include "unit_run.h"
#include "conn_env.h"

static struct listen_addr inet_where = {.text = "127.0.0.1:7", .kind = LISTEN_INET};

/* E holds exactly the variables WANT, in that order. */
static void expect_vars(const struct conn_env *e, const char *const *want, int n)
{
    ck_assert_int_eq(e->n, n);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(e->vars[i], want[i]);
    ck_assert_ptr_null(e->vars[n]);
}

static unsigned port_of(const struct sockaddr_in *sin)
{
    return ntohs(sin->sin_port);
}

START_TEST(conn_env_nowait_tcp)
{
    struct sockaddr_in lsin = {.sin_family = AF_INET}, peer, csin;
    socklen_t len = sizeof(lsin);
    struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
    int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    lsin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(lfd, (struct sockaddr *)&lsin, sizeof(lsin)), 0);
    ck_assert_int_eq(getsockname(lfd, (struct sockaddr *)&lsin, &len), 0);
    ck_assert_int_eq(listen(lfd, 4), 0);
    ck_assert_int_eq(connect(c, (struct sockaddr *)&lsin, sizeof(lsin)), 0);
    len = sizeof(csin);
    ck_assert_int_eq(getsockname(c, (struct sockaddr *)&csin, &len), 0);
    len = sizeof(peer);
    int a = accept4(lfd, (struct sockaddr *)&peer, &len, SOCK_CLOEXEC);
    ck_assert_int_ge(a, 0);

    char buf[512], rport[32], lport[32], rport2[32];
    struct conn_env e;
    conn_env_start(&e, buf, sizeof(buf));
    conn_env_socket(&e, &svc, a, (struct sockaddr *)&peer, NULL);
    snprintf(rport, sizeof(rport), "TCPREMOTEPORT=%u", port_of(&csin));
    snprintf(lport, sizeof(lport), "TCPLOCALPORT=%u", port_of(&lsin));
    snprintf(rport2, sizeof(rport2), "REMOTE_PORT=%u", port_of(&csin));
    const char *want[] = {"PROTO=TCP", "TCPREMOTEIP=127.0.0.1", rport, "TCPLOCALIP=127.0.0.1",
                          lport,       "REMOTE_ADDR=127.0.0.1", rport2};
    expect_vars(&e, want, 7);
    close(a);
    close(c);
    close(lfd);
}
END_TEST

START_TEST(conn_env_wait_udp_local_only)
{
    struct sockaddr_in sin = {.sin_family = AF_INET};
    socklen_t len = sizeof(sin);
    struct service svc = unit_plain_service(MODE_WAIT, PROTO_UDP, &inet_where);
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);

    char buf[512], lport[32];
    struct conn_env e;
    conn_env_start(&e, buf, sizeof(buf));
    conn_env_socket(&e, &svc, fd, NULL, NULL);
    snprintf(lport, sizeof(lport), "UDPLOCALPORT=%u", port_of(&sin));
    const char *want[] = {"PROTO=UDP", "UDPLOCALIP=127.0.0.1", lport};
    expect_vars(&e, want, 3);
    close(fd);
}
END_TEST

START_TEST(conn_env_unix_stream_credentials)
{
    struct listen_addr where = {.text = "unix:/run/x.sock", .kind = LISTEN_UNIX};
    struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &where);
    struct sockaddr_un peer = {.sun_family = AF_UNIX};
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    char buf[512], uid[48], gid[48], pid[48];
    struct conn_env e;
    conn_env_start(&e, buf, sizeof(buf));
    conn_env_socket(&e, &svc, sv[0], (struct sockaddr *)&peer, NULL);
    snprintf(uid, sizeof(uid), "UNIXREMOTEEUID=%u", (unsigned)geteuid());
    snprintf(gid, sizeof(gid), "UNIXREMOTEEGID=%u", (unsigned)getegid());
    snprintf(pid, sizeof(pid), "UNIXREMOTEPID=%ld", (long)getpid());
    const char *want[] = {"PROTO=UNIX", uid, gid, pid};
    expect_vars(&e, want, 4);
    /* A wait service on a unix socket: the protocol only. */
    svc.mode = MODE_WAIT;
    conn_env_start(&e, buf, sizeof(buf));
    conn_env_socket(&e, &svc, sv[0], NULL, NULL);
    const char *want_wait[] = {"PROTO=UNIX"};
    expect_vars(&e, want_wait, 1);
    close(sv[0]);
    close(sv[1]);
}
END_TEST

START_TEST(conn_env_var_count_bound)
{
    char buf[1024];
    struct conn_env e;

    conn_env_start(&e, buf, sizeof(buf));
    for (int i = 0; i < 3 * EXEC_CONN_VARS; i++)
        conn_env_addf(&e, "V%d=%d", i, i);
    /* Room for the NULL that ends the list, never past the array. */
    ck_assert_int_eq(e.n, EXEC_CONN_VARS - 1);
    ck_assert_ptr_null(e.vars[EXEC_CONN_VARS - 1]);
    ck_assert_str_eq(e.vars[0], "V0=0");
    char last[32];
    snprintf(last, sizeof(last), "V%d=%d", EXEC_CONN_VARS - 2, EXEC_CONN_VARS - 2);
    ck_assert_str_eq(e.vars[EXEC_CONN_VARS - 2], last);
}
END_TEST

static struct sockaddr_in inet4(const char *ip, unsigned port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, ip, &sin.sin_addr);
    return sin;
}

/* Through a load balancer: the client and the header's destination, the
 * balancer, the TLVs; the longest of them all fit in a slot. */
START_TEST(conn_env_proxied)
{
    struct service svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &inet_where);
    struct sockaddr_in client = inet4("203.0.113.7", 51234), dst = inet4("192.0.2.1", 443),
                       lb = inet4("10.0.0.5", 40000);
    char big[256], buf[2048], want_auth[300];
    struct conn_env e;

    memset(big, 'a', 255);
    big[255] = '\0';
    struct conn_via via = {.lb = (struct sockaddr *)&lb,
                           .dst = (struct sockaddr *)&dst,
                           .authority = big,
                           .alpn = big,
                           .ssl_version = ""};
    conn_env_start(&e, buf, sizeof(buf));
    conn_env_socket(&e, &svc, -1, (struct sockaddr *)&client, via.dst);
    conn_env_via(&e, &via);
    snprintf(want_auth, sizeof(want_auth), "PROXY_AUTHORITY=%s", big);
    const char *want[] = {"PROTO=TCP",
                          "TCPREMOTEIP=203.0.113.7",
                          "TCPREMOTEPORT=51234",
                          "TCPLOCALIP=192.0.2.1",
                          "TCPLOCALPORT=443",
                          "REMOTE_ADDR=203.0.113.7",
                          "REMOTE_PORT=51234",
                          "SUPERSERVER_PROXY_PEER=10.0.0.5:40000",
                          want_auth};
    ck_assert_int_eq(e.n, 10);
    for (int i = 0; i < 9; i++)
        ck_assert_str_eq(e.vars[i], want[i]);
    ck_assert_int_eq(strncmp(e.vars[9], "PROXY_ALPN=aaa", 14), 0);
    ck_assert_ptr_null(e.vars[10]);
}
END_TEST

START_TEST(conn_env_buffer_bound)
{
    char buf[32];
    struct conn_env e;

    memset(buf, '#', sizeof(buf));
    conn_env_start(&e, buf, 16);            /* the rest is a canary */
    conn_env_addf(&e, "A=%s", "12345");     /* 8 bytes with its NUL */
    conn_env_addf(&e, "B=%s", "123456789"); /* would not fit: left out whole */
    conn_env_addf(&e, "C=%s", "1234");      /* 7 bytes: fits, 15 used */
    conn_env_addf(&e, "D=%s", "");          /* 3 more: no room */
    ck_assert_int_eq(e.n, 2);
    ck_assert_str_eq(e.vars[0], "A=12345");
    ck_assert_str_eq(e.vars[1], "C=1234");
    ck_assert_ptr_null(e.vars[2]);
    ck_assert_uint_le(e.used, 16);
    for (size_t i = 16; i < sizeof(buf); i++)
        ck_assert_int_eq(buf[i], '#');
    /* A full buffer takes nothing more, not even an empty variable. */
    conn_env_start(&e, buf, 8);
    conn_env_addf(&e, "A=%s", "12345");
    ck_assert_uint_eq(e.used, 8);
    conn_env_addf(&e, "%s", "");
    ck_assert_int_eq(e.n, 1);
    ck_assert_uint_eq(e.used, 8);
}
END_TEST

/* The variables written without stdio obey the same bounds as conn_env_addf. */
START_TEST(conn_env_add_same_bounds)
{
    char a[32], b[32];
    struct conn_env ea, eb;

    memset(a, '#', sizeof(a));
    memset(b, '#', sizeof(b));
    conn_env_start(&ea, a, 25);
    conn_env_start(&eb, b, 25);
    conn_env_addf(&ea, "TCPREMOTEIP=%s", "10.1.2.3");
    conn_env_add(&eb, "TCP", "REMOTEIP", "10.1.2.3");
    conn_env_addf(&ea, "TCPREMOTEPORT=%u", 65535u); /* 20 bytes: no room */
    conn_env_add_uint(&eb, "TCP", "REMOTEPORT", 65535);
    conn_env_addf(&ea, "P=%u", 0u);
    conn_env_add_uint(&eb, "", "P", 0);
    ck_assert_int_eq(ea.n, eb.n);
    ck_assert_int_eq(ea.n, 2);
    ck_assert_uint_eq(ea.used, eb.used);
    for (int i = 0; i < ea.n; i++)
        ck_assert_str_eq(ea.vars[i], eb.vars[i]);
    ck_assert_str_eq(eb.vars[0], "TCPREMOTEIP=10.1.2.3");
    ck_assert_str_eq(eb.vars[1], "P=0");
    ck_assert(memcmp(a, b, sizeof(a)) == 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conn_env");
    TCase *tc_conn_env = tcase_create("conn_env");
    tcase_add_test(tc_conn_env, conn_env_nowait_tcp);
    tcase_add_test(tc_conn_env, conn_env_wait_udp_local_only);
    tcase_add_test(tc_conn_env, conn_env_unix_stream_credentials);
    tcase_add_test(tc_conn_env, conn_env_var_count_bound);
    tcase_add_test(tc_conn_env, conn_env_proxied);
    tcase_add_test(tc_conn_env, conn_env_buffer_bound);
    tcase_add_test(tc_conn_env, conn_env_add_same_bounds);
    suite_add_tcase(s, tc_conn_env);
    return unit_run(s, NULL);
}
