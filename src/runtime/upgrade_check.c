/*
 * The check of the new binary before an upgrade (upgrade_int.h): `PATH -t
 * -c CONFIG` in a child (fork and exec: once per upgrade, so the simple
 * way), an auxiliary child of the daemon, whose output
 * (stdout and stderr, on one pipe) the loop reads while it keeps serving,
 * bounded in time by a timer.  Its exit status decides; the first error
 * line it printed is the reason given.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "clock.h"
#include "context.h"
#include "log.h"
#include "signals.h"
#include "upgrade_int.h"

extern char **environ;

/* Read what the check printed, keeping the first UPGRADE_CHECK_OUT bytes;
 * at its end (or when it is done) the pipe goes. */
static void check_read(struct server *s, struct upgrade *u, bool done)
{
    char buf[4096];

    while (u->out.fd >= 0) {
        ssize_t n = read(u->out.fd, buf, sizeof(buf));
        if (n > 0) {
            size_t room = sizeof(u->output) - 1 - u->output_len, take = (size_t)n;
            take = take < room ? take : room;
            memcpy(u->output + u->output_len, buf, take);
            u->output_len += take;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && errno == EAGAIN && !done)
            return;
        loop_forget(&s->loop, &u->out);
        close(u->out.fd);
        u->out.fd = -1;
    }
}

static void check_output(struct ev *ev, uint32_t events)
{
    struct server *s = ev->ctx;

    (void)events;
    check_read(s, s->upgrade, false);
}

/* The reason a failed check gives: its first line naming an error (-t
 * prints "superserverd: FILE:LINE: ..."), else its first line. */
static void check_reason(struct upgrade *u, char *line, size_t len)
{
    const char *out = u->output, *pick = NULL;

    u->output[u->output_len] = '\0';
    for (const char *p = out; *p && !pick; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : "")
        if (strncmp(p, "superserverd: ", 14) == 0)
            pick = p;
    if (!pick)
        pick = out;
    snprintf(line, len, "%.*s", (int)strcspn(pick, "\n"), pick);
}

static void check_exited(struct server *s, struct aux_child *a, int status)
{
    struct upgrade *u = s->upgrade;
    char line[UPGRADE_CHECK_OUT], why[UPGRADE_CHECK_OUT + 300], sig[16];

    check_read(s, u, true);
    timers_cancel(&s->loop.timers, &u->deadline);
    u->check = NULL;
    free(a);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        upgrade_checked(s, NULL);
        return;
    }
    check_reason(u, line, sizeof(line));
    if (WIFSIGNALED(status))
        snprintf(why, sizeof(why), "%s -t was killed by SIG%s%s%s", s->self_path,
                 signals_name(WTERMSIG(status), sig, sizeof(sig)), line[0] ? ": " : "", line);
    else
        snprintf(why, sizeof(why), "%s -t failed (exit %d)%s%s", s->self_path, WEXITSTATUS(status),
                 line[0] ? ": " : "", line);
    upgrade_checked(s, why);
}

static void check_timed_out(struct timer *t, uint64_t now)
{
    struct server *s = t->ctx;
    char why[300];

    (void)now;
    snprintf(why, sizeof(why), "%s -t did not finish within %llu s: killed", s->self_path,
             UPGRADE_CHECK_NS / NSEC_PER_SEC);
    upgrade_checked(s, why); /* stops the check (upgrade_check_stop) */
}

/* The binary at our path, such as it is now; -1 with ERR. */
static int check_binary(const char *path, char *err, size_t errlen)
{
    struct stat st;

    if (stat(path, &st) == -1) {
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISREG(st.st_mode) || access(path, X_OK) == -1) {
        snprintf(err, errlen, "%s: not an executable file", path);
        return -1;
    }
    return 0;
}

/* The child, between fork and exec (the daemon is one thread: what it
 * calls here is safe): fds 0 from /dev/null, 1 and 2 to the pipe, the
 * caught signals' dispositions back to default before the mask is
 * emptied (a signal pending from the daemon must not run its handler
 * here), then the check. */
static void check_child(struct server *s, int out, char *const argv[])
{
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;

    if (dup2(s->devnull, 0) == -1 || dup2(out, 1) == -1 || dup2(out, 2) == -1)
        _exit(127);
    for (int i = 0; i < signals_caught_count; i++)
        sigaction(signals_caught[i], &dfl, NULL);
    sigaction(SIGPIPE, &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(s->self_path, argv, environ);
    _exit(127);
}

/* Start the check with its output to OUT: its pid, or -1 with errno. */
static pid_t check_spawn(struct server *s, int out)
{
    char *argv[] = {(char *)s->self_path, "-t", "-c", (char *)s->config_path, NULL};
    sigset_t all, old;

    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    pid_t pid = fork();
    if (pid == 0)
        check_child(s, out, argv);
    int e = errno;
    sigprocmask(SIG_SETMASK, &old, NULL);
    errno = e;
    return pid;
}

int upgrade_check_start(struct server *s, struct upgrade *u, char *err, size_t errlen)
{
    int p[2];

    if (check_binary(s->self_path, err, errlen) == -1)
        return -1;
    struct aux_child *a = calloc(1, sizeof(*a));
    if (!a || pipe2(p, O_CLOEXEC) == -1) {
        snprintf(err, errlen, "cannot run the check: %s", a ? strerror(errno) : "out of memory");
        free(a);
        return -1;
    }
    pid_t pid = check_spawn(s, p[1]);
    close(p[1]);
    if (pid == -1) {
        snprintf(err, errlen, "cannot run the check: fork: %s", strerror(errno));
        close(p[0]);
        free(a);
        return -1;
    }
    a->pid = pid;
    snprintf(a->what, sizeof(a->what), "upgrade-check");
    a->on_exit = check_exited;
    aux_child_add(s, a);
    u->check = a;
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    loop_ev_set(&u->out, p[0], check_output, s);
    if (loop_watch(&s->loop, &u->out, EPOLLIN) == -1)
        log_warn("upgrade: cannot watch the check's output"); /* read at its exit */
    timer_set(&u->deadline, check_timed_out, s);
    timers_arm(&s->loop.timers, &u->deadline, clock_now_ns() + UPGRADE_CHECK_NS);
    return 0;
}

void upgrade_check_stop(struct server *s, struct upgrade *u)
{
    timers_cancel(&s->loop.timers, &u->deadline);
    if (u->out.fd >= 0) {
        loop_forget(&s->loop, &u->out);
        close(u->out.fd);
        u->out.fd = -1;
    }
    if (u->check) {
        /* Still running: it goes, and is reaped quietly when it has. */
        kill(u->check->pid, SIGKILL);
        u->check->on_exit = NULL;
        u->check->owned = true;
        u->check = NULL;
    }
}
