/* Unit tests for putting a config into service (src/runtime/activate.c):
 * which sockets a reload keeps, opens and closes, on a context that has the
 * loop and nothing else (no spawner, no handlers), with real sockets on
 * loopback ports picked free by the test. */
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "unit_run.h"
#include "activate.h"
#include "context.h"

static char tmpdir[64];
static struct server s;
static char err[1024];
static unsigned cfg_seq;

static void setup(void)
{
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/check_activate.XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    memset(&s, 0, sizeof(s));
    s.child_ev.fd = -1;
    children_init(&s.children);
    ck_assert_int_eq(loop_init(&s.loop), 0);
    err[0] = '\0';
}

/* What server_free does, less the spawner and handlers the test never has. */
static void teardown(void)
{
    char cmd[128];

    activate_release(&s);
    for (size_t i = 0; s.cfg && i < s.cfg->n_services; i++)
        if (s.states[i])
            svc_state_unref(s.states[i]);
    free(s.states);
    if (s.cfg)
        config_free(s.cfg);
    children_destroy(&s.children);
    loop_close(&s.loop);
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
    ck_assert_int_eq(system(cmd), 0);
}

/* A loopback TCP port nobody listens on now (bound to port 0, then closed). */
static unsigned free_port(void)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(getsockname(fd, (struct sockaddr *)&sin, &len), 0);
    close(fd);
    return ntohs(sin.sin_port);
}

/* Load a config whose services are TEXT (libconfig list elements). */
static struct config *load(const char *text)
{
    char path[128];
    struct config_options opts = {.privileged = false};

    snprintf(path, sizeof(path), "%s/c%u.conf", tmpdir, cfg_seq++);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "services = (%s);\n", text);
    fclose(f);
    struct config *cfg = config_load(path, &opts, err, sizeof(err));
    ck_assert_msg(cfg != NULL, "%s", err);
    return cfg;
}

/* Activate TEXT; the counts must be KEPT, OPENED, CLOSED. */
static void activate(const char *text, unsigned kept, unsigned opened, unsigned closed)
{
    struct activation_stats st;
    struct config *cfg = load(text);

    ck_assert_msg(activate_config(&s, cfg, &st, err, sizeof(err)) == 0, "%s", err);
    ck_assert_ptr_eq(s.cfg, cfg);
    ck_assert_uint_eq(st.kept, kept);
    ck_assert_uint_eq(st.opened, opened);
    ck_assert_uint_eq(st.closed, closed);
}

/* The listener serving TEXT, or NULL. */
static struct listener *serving(const char *text)
{
    for (size_t i = 0; i < s.n_listeners; i++)
        if (strcmp(s.listeners[i]->addr.text, text) == 0)
            return s.listeners[i];
    return NULL;
}

/* The running state of the service NAME, or NULL. */
static struct svc_state *state_of(const char *name)
{
    for (size_t i = 0; i < s.cfg->n_services; i++)
        if (s.states[i] && strcmp(s.states[i]->name, name) == 0)
            return s.states[i];
    return NULL;
}

/* A client connected to 127.0.0.1:PORT, or -1 with errno. */
static int connect_to(unsigned port)
{
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_ge(fd, 0);
    sin.sin_port = htons((uint16_t)port);
    if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

#define SVC(name, addr, extra)                                                                     \
    "{ name = \"" name "\"; listen = \"" addr "\"; exec = \"/bin/cat\"; " extra " }"

START_TEST(reload_keeps_shared_address)
{
    unsigned p1 = free_port(), p2 = free_port(), p3 = free_port();
    char a[64], b[64], c[64], text[512];

    snprintf(a, sizeof(a), "127.0.0.1:%u", p1);
    snprintf(b, sizeof(b), "127.0.0.1:%u", p2);
    snprintf(c, sizeof(c), "127.0.0.1:%u", p3);
    snprintf(text, sizeof(text), SVC("a", "%s", "") ", " SVC("b", "%s", "mode = \"wait\";"), a, b);
    activate(text, 0, 2, 0);
    struct listener *la = serving(a);
    ck_assert_ptr_nonnull(la);
    ck_assert(la->ev.watched);
    int fd_a = la->fd;
    struct svc_state *rt_a = state_of("a");
    ck_assert_ptr_nonnull(rt_a);
    /* Queued in the backlog across the reload. */
    int queued = connect_to(p1);
    ck_assert_int_ge(queued, 0);

    snprintf(text, sizeof(text), SVC("a", "%s", "") ", " SVC("c", "%s", ""), a, c);
    activate(text, 1, 1, 1);
    ck_assert_uint_eq(s.n_listeners, 2);
    ck_assert_ptr_eq(serving(a), la);
    ck_assert_int_eq(la->fd, fd_a);
    ck_assert(la->ev.watched);
    ck_assert_ptr_eq(state_of("a"), rt_a); /* counters survive by name */
    ck_assert_ptr_nonnull(serving(c));
    ck_assert_ptr_null(serving(b));
    ck_assert_ptr_null(state_of("b"));
    int got = accept4(fd_a, NULL, NULL, SOCK_CLOEXEC);
    ck_assert_int_ge(got, 0);
    close(got);
    close(queued);
    ck_assert_int_eq(connect_to(p2), -1);
    ck_assert_int_eq(errno, ECONNREFUSED);
    int to_c = connect_to(p3);
    ck_assert_int_ge(to_c, 0);
    close(to_c);
}
END_TEST

START_TEST(reuseport_change_opens_new_socket)
{
    unsigned p1 = free_port();
    char a[64], text[256];
    int on = 0;
    socklen_t len = sizeof(on);

    snprintf(a, sizeof(a), "127.0.0.1:%u", p1);
    snprintf(text, sizeof(text), SVC("a", "%s", ""), a);
    activate(text, 0, 1, 0);
    ck_assert_int_eq(getsockopt(serving(a)->fd, SOL_SOCKET, SO_REUSEPORT, &on, &len), 0);
    ck_assert_int_eq(on, 0);
    snprintf(text, sizeof(text), SVC("a", "%s", "reuseport = true;"), a);
    activate(text, 0, 1, 1);
    struct listener *l = serving(a);
    ck_assert_ptr_nonnull(l);
    ck_assert(l->opts.reuseport);
    ck_assert_int_eq(getsockopt(l->fd, SOL_SOCKET, SO_REUSEPORT, &on, &len), 0);
    ck_assert_int_eq(on, 1);
    /* Options a socket can take in place keep it. */
    snprintf(text, sizeof(text), SVC("a", "%s", "reuseport = true; backlog = 7; nodelay = true;"),
             a);
    activate(text, 1, 0, 0);
    ck_assert_ptr_eq(serving(a), l);
}
END_TEST

START_TEST(unix_path_kept_until_mode_changes)
{
    char a[160], path[100], text[512];
    struct stat st;

    snprintf(path, sizeof(path), "%s/s.sock", tmpdir);
    snprintf(a, sizeof(a), "unix:%s", path);
    snprintf(text, sizeof(text), SVC("u", "%s", ""), a);
    activate(text, 0, 1, 0);
    struct listener *l = serving(a);
    ck_assert_ptr_nonnull(l);
    ck_assert_int_eq(stat(path, &st), 0);
    ino_t ino = st.st_ino;

    snprintf(text, sizeof(text), SVC("u", "%s", "instances = 5;"), a);
    activate(text, 1, 0, 0);
    ck_assert_ptr_eq(serving(a), l);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq(st.st_ino, ino);

    /* A new mode needs a new socket; the old one's close leaves the path alone. */
    snprintf(text, sizeof(text), SVC("u", "%s", "socket_mode = \"0600\";"), a);
    activate(text, 0, 1, 1);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_uint_eq(st.st_mode & 0777, 0600);
}
END_TEST

/* An address that cannot be bound fails the whole reload: the sockets opened
 * for it are closed again and the running state is as it was. */
START_TEST(failed_reload_changes_nothing)
{
    unsigned p1 = free_port(), p2 = free_port(), busy;
    char a[64], b[64], x[64], text[512];
    struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(sin);
    struct activation_stats st;
    int holder = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

    ck_assert_int_eq(bind(holder, (struct sockaddr *)&sin, sizeof(sin)), 0);
    ck_assert_int_eq(listen(holder, 1), 0);
    ck_assert_int_eq(getsockname(holder, (struct sockaddr *)&sin, &len), 0);
    busy = ntohs(sin.sin_port);
    snprintf(a, sizeof(a), "127.0.0.1:%u", p1);
    snprintf(b, sizeof(b), "127.0.0.1:%u", p2);
    snprintf(x, sizeof(x), "127.0.0.1:%u", busy);
    snprintf(text, sizeof(text), SVC("a", "%s", ""), a);
    activate(text, 0, 1, 0);
    struct config *running = s.cfg;
    struct listener *la = serving(a);

    snprintf(text, sizeof(text), SVC("b", "%s", "") ", " SVC("x", "%s", ""), b, x);
    struct config *cfg = load(text);
    ck_assert_int_eq(activate_config(&s, cfg, &st, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "cannot listen") != NULL, "%s", err);
    config_free(cfg);
    ck_assert_ptr_eq(s.cfg, running);
    ck_assert_uint_eq(s.n_listeners, 1);
    ck_assert_ptr_eq(serving(a), la);
    ck_assert(la->ev.watched);
    ck_assert_int_eq(connect_to(p2), -1); /* b's new socket closed again */
    ck_assert_int_eq(errno, ECONNREFUSED);
    close(holder);
}
END_TEST

int main(void)
{
    Suite *su = suite_create("activate");
    TCase *tc = tcase_create("reload");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, reload_keeps_shared_address);
    tcase_add_test(tc, reuseport_change_opens_new_socket);
    tcase_add_test(tc, unix_path_kept_until_mode_changes);
    tcase_add_test(tc, failed_reload_changes_nothing);
    suite_add_tcase(su, tc);
    return unit_run(su, NULL);
}
