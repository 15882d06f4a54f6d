/*
 * refserver: the bare reference server, the benchmark's "physical limit" line.
 *
 * It does only what any nowait superserver must do per connection and nothing else:
 * accept4 on 127.0.0.1:PORT, vfork (or fork with -F), dup2 the socket onto stdin and
 * stdout, execve the handler with argv and envp prepared once at start, and reap children
 * with waitpid(WNOHANG) after a SIGCHLD. No config, no limits, no logging per connection.
 * With -C it closes each connection at once instead: the reference for refusals. With -f
 * each child attaches a seccomp program (raw struct sock_filter records, as
 * bench/filter-dump writes superserverd's) under no_new_privs before its exec: the limit
 * of any server that confines each handler itself. It runs until SIGTERM or SIGINT.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t got_chld;
static volatile sig_atomic_t got_term;

static void on_chld(int sig)
{
    (void)sig;
    got_chld = 1;
}

static void on_term(int sig)
{
    (void)sig;
    got_term = 1;
}

static void usage(FILE *f)
{
    fprintf(f, "usage: refserver [-F] [-S] [-f FILTER] [-b BACKLOG] -p PORT -e HANDLER\n"
               "       refserver -C [-b BACKLOG] -p PORT\n"
               "  -F  fork instead of vfork\n"
               "  -S  setsid in the child, as SPEC 4 requires of superserverd\n"
               "  -f  the child attaches the seccomp program in FILTER (no_new_privs)\n"
               "  -C  close each connection at once, spawning nothing\n");
}

/* Reap every exited child; never blocks. */
static void reap(void)
{
    int st;

    got_chld = 0;
    for (int i = 0; i < 1000000; i++) {
        pid_t p = waitpid(-1, &st, WNOHANG);

        if (p <= 0)
            break;
    }
}

/*
 * Install handlers without SA_RESTART so a signal interrupts accept4 at once. The handlers
 * only set a flag, so one running in a vfork child (shared memory) is harmless, and execve
 * resets them to the default, as the handler should receive.
 */
static void install_signals(void)
{
    struct sigaction sa;

    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_chld;
    sa.sa_flags = SA_NOCLDSTOP;
    sigaction(SIGCHLD, &sa, NULL);
    sa.sa_handler = on_term;
    sa.sa_flags = 0;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
}

static int open_listener(int port, int backlog)
{
    struct sockaddr_in sin;
    int fd, one = 1;

    fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_port = htons((uint16_t)port);
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, backlog) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* The seccomp program in PATH (raw struct sock_filter records); 0 or -1. */
static int read_filter(const char *path, struct sock_fprog *prog)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;

    if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > 65535 * 8 ||
        st.st_size % (off_t)sizeof(struct sock_filter)) {
        if (fd >= 0)
            close(fd);
        return -1;
    }
    prog->filter = malloc((size_t)st.st_size);
    prog->len = (unsigned short)(st.st_size / (off_t)sizeof(struct sock_filter));
    ssize_t n = prog->filter ? read(fd, prog->filter, (size_t)st.st_size) : -1;
    close(fd);
    return n == st.st_size ? 0 : -1;
}

/* Start the handler on connection `cfd`. The child touches only what was prepared. */
static void spawn(int cfd, int use_fork, int new_session, const struct sock_fprog *filter,
                  char *const argv[], char *const envp[])
{
    pid_t pid = use_fork ? fork() : vfork();

    if (pid == 0) {
        if (new_session && setsid() < 0)
            _exit(126);
        if (filter && (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0 ||
                       syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, filter) < 0))
            _exit(126);
        if (dup2(cfd, 0) < 0 || dup2(cfd, 1) < 0)
            _exit(126);
        execve(argv[0], argv, envp);
        _exit(127);
    }
    if (pid < 0)
        perror("refserver: fork");
}

int main(int argc, char **argv)
{
    static char path_env[] = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    char *envp[] = {path_env, NULL};
    char *hargv[2] = {NULL, NULL};
    int ch, port = 0, backlog = 1024, use_fork = 0, close_only = 0, new_session = 0, lfd;
    const char *filter_path = NULL;
    struct sock_fprog filter;

    while ((ch = getopt(argc, argv, "CFSb:p:e:f:")) != -1) {
        switch (ch) {
        case 'C':
            close_only = 1;
            break;
        case 'F':
            use_fork = 1;
            break;
        case 'S':
            new_session = 1;
            break;
        case 'b':
            backlog = atoi(optarg);
            break;
        case 'p':
            port = atoi(optarg);
            break;
        case 'e':
            hargv[0] = optarg;
            break;
        case 'f':
            filter_path = optarg;
            break;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind != argc || port <= 0 || port > 65535 || (hargv[0] == NULL && !close_only) ||
        backlog <= 0) {
        usage(stderr);
        return 2;
    }
    if (!close_only && access(hargv[0], X_OK) < 0) {
        fprintf(stderr, "refserver: %s: %s\n", hargv[0], strerror(errno));
        return 1;
    }
    if (filter_path && read_filter(filter_path, &filter) < 0) {
        fprintf(stderr, "refserver: %s: not a seccomp program\n", filter_path);
        return 1;
    }
    install_signals();
    lfd = open_listener(port, backlog);
    if (lfd < 0) {
        fprintf(stderr, "refserver: 127.0.0.1:%d: %s\n", port, strerror(errno));
        return 3;
    }
    /* Runs until SIGTERM/SIGINT: a server has no natural bound. */
    while (!got_term) {
        if (got_chld)
            reap();
        int cfd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

        if (cfd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                perror("refserver: accept4");
            continue;
        }
        if (!close_only)
            spawn(cfd, use_fork, new_session, filter_path ? &filter : NULL, hargv, envp);
        close(cfd);
    }
    close(lfd);
    reap();
    return 0;
}
