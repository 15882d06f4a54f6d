/*
 * superserverctl: ask the running daemon over its control socket (SPEC §9,
 * protocol in src/lib/ctl_proto.h).  It finds the socket (-s, else `control`
 * of -c CONFIG, else the default), sends one request, prints the body of an
 * `ok` answer on stdout or the message of an `error:` one on stderr.
 * Exit: 0 ok, 1 the daemon refused (a reload's config error), 2 usage,
 * 3 the daemon cannot be reached (one line naming the socket and why).
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ctl_client.h"
#include "ctl_proto.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_UNREACHABLE = 3 };

#define RELOAD_TIMEOUT_MS  30000 /* a reload parses and opens sockets */
#define UPGRADE_TIMEOUT_MS 60000 /* and an upgrade checks the new binary first (30 s at most) */
#define OTHER_TIMEOUT_MS   10000

struct ctl_opts {
    const char *socket; /* -s, or NULL */
    const char *config; /* -c, or NULL */
    bool json;
    struct ctl_request req;
};

static void usage(FILE *out)
{
    fputs("usage: superserverctl [-s SOCKET] [-c CONFIG] [--json] COMMAND [ARG...]\n"
          "       superserverctl -V | --version | -h | --help\n"
          "commands: status, handlers [SERVICE], reload, metrics, version,\n"
          "          pause SERVICE, drain SERVICE, resume SERVICE,\n"
          "          bans [SERVICE], ban SERVICE ADDRESS SECONDS, unban SERVICE|all ADDRESS,\n"
          "          upgrade\n",
          out);
}

/* The options and the request; exits 2 (or 0 for -h, -V) when there is none to make. */
static void parse_args(int argc, char **argv, struct ctl_opts *o)
{
    static const struct option longopts[] = {
        {"json", no_argument, NULL, 'j'},         {"socket", required_argument, NULL, 's'},
        {"config", required_argument, NULL, 'c'}, {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},      {NULL, 0, NULL, 0}};
    char err[200];
    int c;

    while ((c = getopt_long(argc, argv, "s:c:jhV", longopts, NULL)) != -1) {
        switch (c) {
        case 's':
            o->socket = optarg;
            break;
        case 'c':
            o->config = optarg;
            break;
        case 'j':
            o->json = true;
            break;
        case 'h':
            usage(stdout);
            exit(EXIT_OK);
        case 'V': /* this program's own version; `version` asks the daemon */
            printf("superserverctl %s\n", PACKAGE_VERSION);
            exit(EXIT_OK);
        default:
            usage(stderr);
            exit(EXIT_USAGE);
        }
    }
    if (optind >= argc || argc - optind > 1 + CTL_WORDS_MAX) {
        fprintf(stderr, "superserverctl: %s\n",
                optind >= argc ? "no command given" : "too many arguments");
        usage(stderr);
        exit(EXIT_USAGE);
    }
    if (ctl_request_make(argv[optind], argv + optind + 1, argc - optind - 1, o->json, &o->req, err,
                         sizeof(err)) < 0) {
        fprintf(stderr, "superserverctl: %s\n", err);
        usage(stderr);
        exit(EXIT_USAGE);
    }
}

/* The socket's path into PATH; a config that cannot be loaded leaves its reason in NOTE. */
static void find_socket(const struct ctl_opts *o, char *path, size_t len, char *note,
                        size_t notelen)
{
    const char *config = o->config ? o->config : DEFAULT_CONFIG;
    char err[1024];
    int rc;

    note[0] = '\0';
    if (o->socket != NULL) {
        snprintf(path, len, "%s", o->socket);
        return;
    }
    rc = config_control_path(config, path, len, err, sizeof(err));
    if (rc == 0) {
        fprintf(stderr,
                "superserverctl: %s sets control \"off\": the daemon has no control socket\n",
                config);
        exit(EXIT_UNREACHABLE);
    }
    if (rc < 0)
        snprintf(note, notelen, " (the default socket, as the config could not be read: %s)", err);
}

/* Print the answer; the exit status. */
static int show_answer(const struct ctl_opts *o, const char *path, const struct outbuf *ans)
{
    size_t body = 0, len = 0;
    int rc = ctl_response_parse(ans->data ? ans->data : "", ans->len, &body, &len);

    if (rc < 0) {
        fprintf(stderr, "superserverctl: %s: %s\n", path,
                ans->len == 0 ? "the daemon closed the connection without an answer"
                              : "malformed answer (not \"ok\" or \"error:\")");
        return EXIT_UNREACHABLE;
    }
    if (rc == 0) {
        /* A refused reload's message is the config error, file:line first. */
        fprintf(stderr, "%s%.*s\n", o->req.cmd == CTL_RELOAD ? "" : "superserverctl: ", (int)len,
                ans->data + body);
        return EXIT_REFUSED;
    }
    if (fwrite(ans->data + body, 1, len, stdout) != len || fflush(stdout) != 0) {
        fprintf(stderr, "superserverctl: writing the answer: %s\n", strerror(errno));
        return EXIT_REFUSED;
    }
    return EXIT_OK;
}

static int request_timeout_ms(enum ctl_command cmd)
{
    return cmd == CTL_UPGRADE  ? UPGRADE_TIMEOUT_MS
           : cmd == CTL_RELOAD ? RELOAD_TIMEOUT_MS
                               : OTHER_TIMEOUT_MS;
}

int main(int argc, char **argv)
{
    struct ctl_opts o = {0};
    char path[4096], note[1200], line[CTL_REQUEST_MAX + 1], err[1400];
    struct outbuf ans;
    int rc;

    parse_args(argc, argv, &o);
    find_socket(&o, path, sizeof(path), note, sizeof(note));
    if (ctl_request_format(&o.req, line, sizeof(line)) < 0) {
        fputs("superserverctl: request too long\n", stderr);
        return EXIT_USAGE;
    }
    outbuf_init(&ans, NULL, CTL_ANSWER_MAX);
    if (ctl_client_call(path, line, request_timeout_ms(o.req.cmd), &ans, err, sizeof(err)) < 0) {
        fprintf(stderr, "superserverctl: %s%s\n", err, note);
        outbuf_free(&ans);
        return EXIT_UNREACHABLE;
    }
    rc = show_answer(&o, path, &ans);
    outbuf_free(&ans);
    return rc;
}
