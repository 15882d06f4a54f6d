/*
 * The self-pipe.  Only the handler and its pipe live here; what a signal
 * means is decided by the turn (server.c, server_signalled).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "signals.h"

const int signals_caught[] = {SIGHUP, SIGTERM, SIGINT, SIGUSR1, SIGUSR2, SIGTTIN, SIGTTOU};
const int signals_caught_count = sizeof(signals_caught) / sizeof(signals_caught[0]);

static int signal_pipe_write = -1;

static void signal_handler(int sig)
{
    int saved = errno;
    unsigned char byte = (unsigned char)sig;
    ssize_t r = write(signal_pipe_write, &byte, 1);
    (void)r; /* a full pipe already holds a wake-up */
    errno = saved;
}

void signals_hold(void)
{
    sigset_t mask;

    sigemptyset(&mask);
    for (int i = 0; i < signals_caught_count; i++)
        sigaddset(&mask, signals_caught[i]);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_BLOCK, &mask, NULL);
}

int signals_init(void)
{
    int fds[2];
    struct sigaction sa;

    if (pipe2(fds, O_NONBLOCK | O_CLOEXEC) == -1)
        return -1;
    signal_pipe_write = fds[1];

    /* Dispositions inherited from whoever started us must not reach handlers.
     * The raw system call, because glibc refuses the two real-time signals it
     * reserves, which a parent may still have left ignored. */
    struct {
        void (*handler)(int);
        unsigned long flags;
        void (*restorer)(void);
        unsigned long mask;
    } kdfl = {SIG_DFL, 0, NULL, 0};
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGKILL && sig != SIGSTOP)
            syscall(SYS_rt_sigaction, sig, &kdfl, NULL, sizeof(kdfl.mask));

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = SIG_IGN;
    sigaction(SIGPIPE, &sa, NULL);

    sa.sa_handler = signal_handler;
    sa.sa_flags = SA_RESTART;
    sigfillset(&sa.sa_mask);
    for (int i = 0; i < signals_caught_count; i++)
        sigaction(signals_caught[i], &sa, NULL);

    /* SIGCHLD stays pending for the signalfd (see signals.h); the others,
     * held since signals_hold, are let through now and a start-up SIGHUP or
     * SIGTERM lands in the pipe for the loop. */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    sigprocmask(SIG_SETMASK, &mask, NULL);
    return fds[0];
}

int signals_open_childfd(void)
{
    sigset_t mask;

    sigemptyset(&mask);
    sigaddset(&mask, SIGCHLD);
    return signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
}

int signals_read_exits(int fd, pid_t *pids, int max)
{
    struct signalfd_siginfo info[32];
    int n = 0;

    while (n < max) {
        size_t want = (size_t)(max - n) < 32 ? (size_t)(max - n) : 32;
        ssize_t r = read(fd, info, want * sizeof(info[0]));
        if (r <= 0)
            break;
        for (size_t i = 0; i < (size_t)r / sizeof(info[0]); i++)
            pids[n++] = (pid_t)info[i].ssi_pid;
        if ((size_t)r < want * sizeof(info[0]))
            break; /* a short read: nothing more was queued */
    }
    return n;
}

int signals_drain(int fd, int *sigs, int max)
{
    unsigned char buf[64];
    int n = 0;

    while (n < max) {
        size_t want = (size_t)(max - n) < sizeof(buf) ? (size_t)(max - n) : sizeof(buf);
        ssize_t r = read(fd, buf, want);
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r; i++)
            sigs[n++] = buf[i];
    }
    return n;
}

const char *signals_name(int sig, char *buf, size_t len)
{
    const char *abbrev = sigabbrev_np(sig);

    if (abbrev)
        return abbrev;
    snprintf(buf, len, "%d", sig);
    return buf;
}
