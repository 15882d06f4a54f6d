/* Unit tests for src/runtime/listener.c: the reload decisions that need no
 * socket (can an open listener serve a new version of its address,
 * listener_reusable; is it bound to one address), and on a real socket the
 * operator's hold against the listener's own pause timer, and drain. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "clock.h"

#include "unit_run.h"
#include "listener.h"

static struct listen_addr parse(const char *text)
{
    struct listen_addr a;
    char err[256];

    ck_assert_msg(addr_parse_listen(text, "tcp", &a, err, sizeof(err)) == 0, "%s: %s", text, err);
    return a;
}

/* A listener as listener_open leaves it for SVC on TEXT, without a socket. */
static struct listener fake_listener(const struct service *svc, const struct listen_addr *a)
{
    struct listener l;

    memset(&l, 0, sizeof(l));
    l.fd = -1;
    l.addr = *a;
    l.protocol = svc->protocol;
    l.mode = svc->mode;
    l.opts = svc->sock;
    l.refs = 1;
    return l;
}

static struct service tcp_service(void)
{
    struct service svc;

    memset(&svc, 0, sizeof(svc));
    svc.name = "s";
    svc.protocol = PROTO_TCP;
    svc.mode = MODE_NOWAIT;
    svc.sock.backlog = 128;
    return svc;
}

START_TEST(reusable_same_address_and_options)
{
    struct service svc = tcp_service();
    struct listen_addr a = parse("127.0.0.1:7007");
    struct listener l = fake_listener(&svc, &a);

    ck_assert(listener_reusable(&l, &svc, &a));
    /* Options applied in place do not need a new socket. */
    svc.sock.backlog = 16;
    svc.sock.keepalive = svc.sock.nodelay = true;
    svc.mode = MODE_WAIT;
    ck_assert(listener_reusable(&l, &svc, &a));
    /* Another address, port, kind or protocol does. */
    struct listen_addr other_ip = parse("127.0.0.2:7007"), other_port = parse("127.0.0.1:7008");
    struct listen_addr wild = parse("*:7007"), v6 = parse("[::1]:7007");
    ck_assert(!listener_reusable(&l, &svc, &other_ip));
    ck_assert(!listener_reusable(&l, &svc, &other_port));
    ck_assert(!listener_reusable(&l, &svc, &wild));
    ck_assert(!listener_reusable(&l, &svc, &v6));
    svc.protocol = PROTO_UDP;
    ck_assert(!listener_reusable(&l, &svc, &a));
    free(a.text);
    free(other_ip.text);
    free(other_port.text);
    free(wild.text);
    free(v6.text);
}
END_TEST

START_TEST(reuseport_change_needs_new_socket)
{
    struct service svc = tcp_service();
    struct listen_addr a = parse("127.0.0.1:7007");
    struct listener l = fake_listener(&svc, &a);

    svc.sock.reuseport = true;
    ck_assert(!listener_reusable(&l, &svc, &a));
    l.opts.reuseport = true;
    ck_assert(listener_reusable(&l, &svc, &a));
    free(a.text);
}
END_TEST

START_TEST(closed_is_not_reusable)
{
    struct service svc = tcp_service();
    struct listen_addr a = parse("127.0.0.1:7007");
    struct listener l = fake_listener(&svc, &a);

    l.closed = true;
    ck_assert(!listener_reusable(&l, &svc, &a));
    free(a.text);
}
END_TEST

START_TEST(unix_mode_and_owner_need_new_socket)
{
    struct service svc = tcp_service();
    struct listen_addr a = parse("unix:/run/x.sock"), b = parse("unix:/run/y.sock");
    struct listener l = fake_listener(&svc, &a);

    ck_assert(listener_reusable(&l, &svc, &a));
    ck_assert(!listener_reusable(&l, &svc, &b));
    svc.sock.has_socket_mode = true;
    svc.sock.socket_mode = 0660;
    ck_assert(!listener_reusable(&l, &svc, &a));
    l.opts = svc.sock;
    ck_assert(listener_reusable(&l, &svc, &a));
    svc.sock.socket_mode = 0600;
    ck_assert(!listener_reusable(&l, &svc, &a));
    l.opts = svc.sock;
    svc.sock.has_socket_owner = true;
    ck_assert(!listener_reusable(&l, &svc, &a));
    l.opts = svc.sock;
    ck_assert(listener_reusable(&l, &svc, &a));
    svc.sock.socket_uid = 1;
    ck_assert(!listener_reusable(&l, &svc, &a));
    svc.sock.socket_uid = 0;
    svc.sock.socket_gid = 1;
    ck_assert(!listener_reusable(&l, &svc, &a));
    /* The mode of an inet socket means nothing: no new socket for it. */
    struct listen_addr inet = parse("127.0.0.1:7007");
    struct listener li = fake_listener(&svc, &inet);
    svc.sock.socket_mode = 0666;
    ck_assert(listener_reusable(&li, &svc, &inet));
    free(a.text);
    free(b.text);
    free(inet.text);
}
END_TEST

START_TEST(bound_to_one_address)
{
    static const struct {
        const char *text;
        bool one;
    } cases[] = {
        {"127.0.0.1:7", true}, {"[::1]:7", true},     {"0.0.0.0:7", false},
        {"[::]:7", false},     {"*:7", false},        {"unix:/run/x.sock", false},
        {"10.1.2.3:7", true},  {"[fe80::1]:7", true},
    };
    struct service svc = tcp_service();

    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct listen_addr a = parse(cases[i].text);
        struct listener l = fake_listener(&svc, &a);
        ck_assert_msg(listener_bound_to_one_address(&l) == cases[i].one, "%s", cases[i].text);
        free(a.text);
    }
}
END_TEST

START_TEST(freebind_and_bind_device_need_new_socket)
{
    struct service svc = tcp_service();
    struct listen_addr a = parse("127.0.0.1:7007");
    struct listener l = fake_listener(&svc, &a);

    svc.sock.freebind = true;
    ck_assert(!listener_reusable(&l, &svc, &a));
    l.opts.freebind = true;
    ck_assert(listener_reusable(&l, &svc, &a));
    strcpy(svc.sock.bind_device, "lo");
    ck_assert(!listener_reusable(&l, &svc, &a));
    strcpy(l.opts.bind_device, "lo");
    ck_assert(listener_reusable(&l, &svc, &a));
    free(a.text);
}
END_TEST

/* A listener of a nowait tcp service on a free loopback port. */
static struct listener *open_loopback(struct service *svc)
{
    char text[64], err[256];

    for (int tries = 0; tries < 100; tries++) {
        snprintf(text, sizeof(text), "127.0.0.1:%d", 20000 + (getpid() * 7 + tries * 131) % 9000);
        struct listen_addr a = parse(text);
        struct listener *l = listener_open(svc, &a, NULL, err, sizeof(err));
        free(a.text);
        if (l)
            return l;
    }
    ck_abort_msg("no free port");
    return NULL;
}

static bool refused_now(const struct listener *l)
{
    int c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int rc = connect(c, (const struct sockaddr *)&l->addr.ss, l->addr.sslen);
    int e = errno;

    close(c);
    return rc == -1 && e == ECONNREFUSED;
}

/* The EMFILE pause's timer never watches a listener the operator holds
 * (pause, drain); a held listener arms no such timer at all. */
START_TEST(hold_outlasts_the_pause_timer)
{
    struct service svc = tcp_service();
    struct loop lp;
    ck_assert_int_eq(loop_init(&lp), 0);
    struct listener *l = open_loopback(&svc);
    uint64_t now = clock_now_ns();

    listener_watch(&lp, l, true);
    ck_assert(l->ev.watched);
    listener_pause(&lp, l, now + 1000);
    ck_assert(!l->ev.watched && l->resume.armed);
    l->held = true; /* the operator, while the timer runs */
    timers_run(&lp.timers, now + 2000);
    ck_assert(!l->ev.watched);
    listener_pause(&lp, l, now + 3000);
    ck_assert(!l->resume.armed);
    listener_watch(&lp, l, true);
    ck_assert(!l->ev.watched);
    l->held = false; /* resume */
    listener_watch(&lp, l, true);
    ck_assert(l->ev.watched);
    listener_watch(&lp, l, false);
    listener_unref(l);
    loop_close(&lp);
}
END_TEST

/* Drain takes a tcp socket out of LISTEN and undrain puts the same socket
 * back: the kernel refuses in between. */
START_TEST(drain_and_undrain_tcp)
{
    struct service svc = tcp_service();
    struct listener *l = open_loopback(&svc);
    char err[256];
    int fd = l->fd;

    ck_assert(!refused_now(l));
    ck_assert_int_eq(listener_drain(l, err, sizeof(err)), 0);
    ck_assert(l->drained);
    ck_assert(refused_now(l));
    ck_assert_int_eq(listener_drain(l, err, sizeof(err)), 0); /* again: nothing */
    l->drained = false; /* as a new image that inherited it knows it */
    listener_drain_detect(l);
    ck_assert(l->drained);
    ck_assert_int_eq(listener_undrain(l, NULL, err, sizeof(err)), 0);
    ck_assert(!l->drained);
    ck_assert_int_eq(l->fd, fd);
    ck_assert(!refused_now(l));
    listener_drain_detect(l);
    ck_assert(!l->drained);
    listener_unref(l);
}
END_TEST

/* A datagram socket is drained by connecting it to itself; that shows. */
START_TEST(drain_and_undrain_udp)
{
    struct service svc = tcp_service();
    char err[256];

    svc.protocol = PROTO_UDP;
    svc.mode = MODE_WAIT;
    struct listener *l = open_loopback(&svc);
    ck_assert_int_eq(listener_drain(l, err, sizeof(err)), 0);
    l->drained = false;
    listener_drain_detect(l);
    ck_assert(l->drained);
    ck_assert_int_eq(listener_undrain(l, NULL, err, sizeof(err)), 0);
    listener_drain_detect(l);
    ck_assert(!l->drained);
    listener_unref(l);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("listener");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, reusable_same_address_and_options);
    tcase_add_test(tc, reuseport_change_needs_new_socket);
    tcase_add_test(tc, closed_is_not_reusable);
    tcase_add_test(tc, unix_mode_and_owner_need_new_socket);
    tcase_add_test(tc, bound_to_one_address);
    tcase_add_test(tc, freebind_and_bind_device_need_new_socket);
    tcase_add_test(tc, hold_outlasts_the_pause_timer);
    tcase_add_test(tc, drain_and_undrain_tcp);
    tcase_add_test(tc, drain_and_undrain_udp);
    suite_add_tcase(s, tc);
    return unit_run(s, NULL);
}
