/* The suites' daemon context and service (see unit_context.h). */
#include <arpa/inet.h>
#include <check.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handler.h"
#include "refusals.h"
#include "unit_context.h"
#include "unit_fixture.h"

static struct listen_addr where = {.text = "127.0.0.1:7", .kind = LISTEN_INET};

void unit_context_init(struct server *s)
{
    struct rlimit nofile;

    memset(s, 0, sizeof(*s));
    ck_assert_int_eq(getrlimit(RLIMIT_NOFILE, &nofile), 0);
    ck_assert_int_eq(loop_init(&s->loop), 0);
    children_init(&s->children);
    ck_assert_int_eq(spawn_init(&s->spawner, &nofile, handler_exec_failed, s), 0);
    s->devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    ck_assert_int_ge(s->devnull, 0);
}

void unit_context_free(struct server *s)
{
    ck_assert(spawn_quiesce(&s->spawner));
    spawn_destroy(&s->spawner);
    refusals_release(s);
    children_destroy(&s->children);
    close(s->devnull);
    loop_close(&s->loop);
}

void unit_replan(struct svc_state *st, const struct service *svc)
{
    char err[256];

    exec_plan_unref(st->plan);
    st->plan = exec_plan_new(svc, err, sizeof(err));
    ck_assert_msg(st->plan != NULL, "%s", err);
}

struct svc_state *unit_service(struct service *svc, const char *exec, char **args,
                               struct listener **lp)
{
    *svc = unit_plain_service(MODE_NOWAIT, PROTO_TCP, &where);
    svc->name = "t";
    svc->exec = (char *)exec;
    svc->args = args;
    struct svc_state *st = svc_state_new("t");
    ck_assert_ptr_nonnull(st);
    st->svc = svc;
    st->refs = 1; /* the config's */
    unit_replan(st, svc);

    struct listener *l = calloc(1, sizeof(*l));
    ck_assert_ptr_nonnull(l);
    struct sockaddr_in *sin = (struct sockaddr_in *)&l->addr.ss;
    sin->sin_family = AF_INET;
    sin->sin_port = htons(7);
    sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    l->addr.kind = LISTEN_INET;
    l->addr.text = strdup(where.text);
    l->fd = -1;
    l->refs = 1; /* the daemon's table */
    l->svc_state = st;
    *lp = l;
    return st;
}

int unit_socketpair(int *theirs)
{
    int sv[2];

    ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    *theirs = sv[1];
    return sv[0];
}

void unit_service_free(struct svc_state *st, struct listener *l)
{
    listener_unref(l);
    svc_state_unref(st);
}
