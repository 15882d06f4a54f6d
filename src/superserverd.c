/*
 * superserverd: options, configuration check, start-up order, and the
 * wiring of the parts.  Everything else lives in the library.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "activate.h"
#include "config.h"
#include "control.h"
#include "inetd_import.h"
#include "inetd_watch.h"
#include "listener.h"
#include "xinetd_import.h"
#include "log.h"
#include "notify.h"
#include "paths.h"
#include "process.h"
#include "server.h"
#include "signals.h"
#include "upgrade.h"

#define EXIT_CONFIG  1
#define EXIT_USAGE   2
#define EXIT_RUNTIME 3

struct options {
    const char *config;
    const char *pidfile;
    const char *import_inetd;
    const char *import_xinetd;
    bool foreground, check, dump, verbose;
    int log_dest; /* -1: by foreground */
};

static void usage(FILE *out)
{
    fprintf(out,
            "usage: superserverd [-c FILE] [-f] [-t] [-T] [-p PIDFILE] [-l stderr|syslog] [-v] "
            "[-V] [-h]\n"
            "       superserverd --import-inetd FILE\n"
            "       superserverd --import-xinetd FILE\n"
            "  -c, --config FILE       configuration (default %s)\n"
            "  -f, --foreground        do not daemonize; log to stderr unless -l syslog\n"
            "  -t, --check             check the configuration, list its services, exit\n"
            "  -T, --dump-config       print the effective configuration as YAML, exit\n"
            "  -p, --pidfile FILE      write the daemon's pid to FILE (locked; removed at exit)\n"
            "  -l, --log DEST          log to stderr or syslog (default: stderr with -f)\n"
            "  -v, --verbose           also log debug events\n"
            "  -V, --version           print the version, exit\n"
            "  -h, --help              print this help, exit\n"
            "  --import-inetd FILE     print inetd.conf FILE as YAML (internal services: %s/NAME)\n"
            "  --import-xinetd FILE    print xinetd.conf FILE and its includedir as YAML\n"
            "control socket (as root, unless the config's \"control\" key says otherwise): %s\n",
            DEFAULT_CONFIG, HANDLER_DIR, CONFIG_CONTROL_DEFAULT);
}

/* One option that sets a field; 0, or -1 when it is not one of those. */
static int set_option(struct options *o, int ch, const char *arg)
{
    switch (ch) {
    case 'c':
        o->config = arg;
        break;
    case 'f':
        o->foreground = true;
        break;
    case 't':
        o->check = true;
        break;
    case 'T':
        o->dump = true;
        break;
    case 'p':
        o->pidfile = arg;
        break;
    case 'v':
        o->verbose = true;
        break;
    case 'I':
        o->import_inetd = arg;
        break;
    case 'X':
        o->import_xinetd = arg;
        break;
    case 'l':
        if (strcmp(arg, "stderr") == 0)
            o->log_dest = LOG_DEST_STDERR;
        else if (strcmp(arg, "syslog") == 0)
            o->log_dest = LOG_DEST_SYSLOG;
        else {
            fprintf(stderr, "superserverd: -l: expected stderr or syslog, not \"%s\"\n", arg);
            return -1;
        }
        break;
    default:
        return -1;
    }
    return 0;
}

/* A usage error is one line of ours (SPEC section 2), not getopt's and the usage. */
static void usage_error(int ch, const char *word)
{
    static const char hint[] = "(superserverd -h lists the options)";

    if (ch == ':')
        fprintf(stderr, "superserverd: option %s needs an argument %s\n", word, hint);
    else if (optopt)
        fprintf(stderr, "superserverd: unknown option -%c %s\n", optopt, hint);
    else
        fprintf(stderr, "superserverd: unknown option %s %s\n", word, hint);
}

static int parse_options(int argc, char **argv, struct options *o)
{
    static const struct option longopts[] = {{"config", required_argument, NULL, 'c'},
                                             {"foreground", no_argument, NULL, 'f'},
                                             {"check", no_argument, NULL, 't'},
                                             {"dump-config", no_argument, NULL, 'T'},
                                             {"pidfile", required_argument, NULL, 'p'},
                                             {"log", required_argument, NULL, 'l'},
                                             {"verbose", no_argument, NULL, 'v'},
                                             {"version", no_argument, NULL, 'V'},
                                             {"help", no_argument, NULL, 'h'},
                                             {"import-inetd", required_argument, NULL, 'I'},
                                             {"import-xinetd", required_argument, NULL, 'X'},
                                             {NULL, 0, NULL, 0}};
    int ch;

    memset(o, 0, sizeof(*o));
    o->config = DEFAULT_CONFIG;
    o->log_dest = -1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":c:ftTp:l:vVh", longopts, NULL)) != -1) {
        if (ch == 'V') {
            printf("superserverd %s\n", PACKAGE_VERSION);
            exit(0);
        }
        if (ch == 'h') {
            usage(stdout);
            exit(0);
        }
        if (ch == '?' || ch == ':') {
            usage_error(ch, argv[optind - 1]);
            return -1;
        }
        if (set_option(o, ch, optarg) == -1)
            return -1;
    }
    if (optind != argc) {
        fprintf(stderr,
                "superserverd: unexpected argument \"%s\" (superserverd -h lists the options)\n",
                argv[optind]);
        return -1;
    }
    return 0;
}

/* -t: load with every error found printed, in file order (one line each). */
static struct config *load_checked(const char *path, const struct config_options *opts)
{
    static struct config_errors errors;
    struct config_options o = *opts;
    char err[CONFIG_ERROR_LEN];
    struct config *cfg;

    o.errors = &errors;
    cfg = config_load(path, &o, err, sizeof(err));
    for (size_t i = 0; cfg == NULL && i < errors.n; i++)
        fprintf(stderr, "superserverd: %s\n", errors.text[i]);
    if (cfg == NULL && errors.found > errors.n)
        fprintf(stderr, "superserverd: %s: %zu more errors not shown\n", path,
                errors.found - errors.n);
    return cfg;
}

/* --import-inetd, --import-xinetd, -t or -T: the exit code. */
static int one_shot(const struct options *o)
{
    const struct config_options opts = {.privileged = geteuid() == 0};
    struct config *cfg;
    char err[CONFIG_ERROR_LEN];

    if (o->import_inetd)
        return inetd_import(o->import_inetd, stdout, stderr);
    if (o->import_xinetd)
        return xinetd_import(o->import_xinetd, stdout, stderr);
    cfg =
        o->check ? load_checked(o->config, &opts) : config_load(o->config, &opts, err, sizeof(err));
    if (cfg == NULL) {
        if (!o->check)
            fprintf(stderr, "superserverd: %s\n", err);
        return EXIT_CONFIG;
    }
    for (size_t i = 0; i < cfg->n_warnings; i++) /* what inetd_conf skipped */
        fprintf(stderr, "superserverd: warning: %s\n", cfg->warnings[i]);
    if (o->check) {
        config_print_check(cfg, stdout);
        puts("configuration OK");
    } else {
        config_dump_yaml(cfg, stdout);
    }
    config_free(cfg);
    return 0;
}

/* The pidfile: the one an upgrade carried (its lock with it), or -p's. */
static int take_pidfile(const struct options *o, struct upgrade_inherited *u, struct pidfile *pf,
                        char *err, size_t errlen)
{
    if (upgrade_inherited_pidfile(u, pf) || !o->pidfile)
        return 0;
    return process_pidfile_acquire(pf, o->pidfile, err, errlen);
}

/* Ready: the start line (or, after an upgrade, its line and answers). */
static void say_ready(struct server *s)
{
    if (s->inherited->active) {
        upgrade_finish(s);
        return;
    }
    inetd_watch_report(s->cfg);
    if (s->cfg->n_services == 0)
        log_warnx("no services configured: running idle");
    log_event("event=ready services=%zu sockets=%zu pid=%d", activate_services(s), s->n_listeners,
              (int)getpid());
    notify_send("READY=1");
}

/* Everything before the first turn: the configuration, the log, the
 * sockets, the control socket, the pidfile, the detach.  0, or the exit
 * code of what failed, said on stderr. */
static int start(const struct options *o, struct server *s, struct pidfile *pidfile, int *ready_fd)
{
    struct rlimit handler_nofile;
    char err[1024];

    struct config *cfg = config_load(o->config, &s->cfg_opts, err, sizeof(err));
    if (!cfg) {
        fprintf(stderr, "superserverd: %s\n", err);
        return EXIT_CONFIG;
    }
    /* The chosen log from the first line on: what the start-up logs (the
     * control socket, warnings) goes where every later line goes, never to
     * the starter's terminal in syslog mode. */
    int dest = o->log_dest >= 0 ? o->log_dest : (o->foreground ? LOG_DEST_STDERR : LOG_DEST_SYSLOG);
    log_init(dest, o->verbose || cfg->log_level == CFG_LOG_DEBUG);
    process_sanitize(&handler_nofile);
    notify_init();
    listener_adopt_init(&s->listeners_shared);
    upgrade_inherited_sockets(s->inherited, &s->listeners_shared);
    if (take_pidfile(o, s->inherited, pidfile, err, sizeof(err)) == -1) {
        fprintf(stderr, "superserverd: %s\n", err);
        config_free(cfg);
        return EXIT_RUNTIME;
    }
    if (server_start(s, cfg, &handler_nofile, err, sizeof(err)) == -1 ||
        control_start(s, err, sizeof(err)) == -1) {
        fprintf(stderr, "superserverd: %s\n", err);
        if (!s->cfg)
            config_free(cfg);
        server_free(s);
        process_pidfile_remove(pidfile);
        return EXIT_RUNTIME;
    }
    listener_adopt_done(&s->listeners_shared);
    /* After an upgrade we are the daemon already: same pid, same session. */
    if (!o->foreground && !s->inherited->active && process_daemonize(ready_fd) == -1) {
        fprintf(stderr, "superserverd: cannot daemonize: %s\n", strerror(errno));
        return EXIT_RUNTIME;
    }
    if (process_pidfile_write(pidfile) == -1) {
        fprintf(stderr, "superserverd: cannot write the pidfile: %s\n", strerror(errno));
        process_pidfile_remove(pidfile);
        return EXIT_RUNTIME;
    }
    if (server_watch_children(s) == -1) {
        fprintf(stderr, "superserverd: cannot watch handler exits: %s\n", strerror(errno));
        return EXIT_RUNTIME;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o;
    struct server s;
    struct pidfile pidfile = PIDFILE_NONE;
    struct upgrade_inherited inherited;
    int ready_fd = -1; /* to the process that started us, when daemonized */
    char self[PATH_MAX];

    sigset_t given;
    sigprocmask(SIG_SETMASK, NULL, &given);
    signals_hold(); /* before anything slow: a start-up SIGHUP must not kill us */
    if (parse_options(argc, argv, &o) == -1)
        return EXIT_USAGE;
    if (o.import_inetd || o.import_xinetd || o.check || o.dump) {
        /* The hold is the daemon's: a one-shot run stops on Ctrl-C or SIGTERM. */
        sigprocmask(SIG_SETMASK, &given, NULL);
        return one_shot(&o);
    }
    /* What an upgrade handed over, checked before anything is opened. */
    upgrade_inherit(&inherited);
    if (process_own_path(self, sizeof(self)) == -1)
        snprintf(self, sizeof(self), "%s", "/proc/self/exe: unreadable");

    memset(&s, 0, sizeof(s));
    s.config_path = o.config;
    s.self_path = self;
    s.argv = argv;
    s.inherited = &inherited;
    s.pidfile = &pidfile;
    s.cfg_opts.privileged = geteuid() == 0;
    int rc = start(&o, &s, &pidfile, &ready_fd);
    if (rc != 0)
        return rc;
    say_ready(&s);
    upgrade_inherited_free(&inherited);
    process_ready(&ready_fd); /* the starting command returns 0 now, the pidfile complete */
    rc = server_run(&s);
    notify_send("STOPPING=1");
    server_free(&s);
    process_pidfile_remove(&pidfile);
    log_event("event=stop");
    return rc == 0 ? 0 : EXIT_RUNTIME;
}
