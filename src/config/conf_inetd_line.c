/*
 * One inetd.conf line into one service (see conf_inetd.h).  Each field has
 * its own small parser, and the first one to object gives the reason (-1);
 * -2 is memory running out.  The port is resolved here, once, with
 * getservbyname, so the YAML carries the number; the address string is
 * then checked by the same addr_parse_listen the config loader uses.  The
 * strings are the line's own words where they can be, else arena copies.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf_inetd.h"
#include "paths.h"
#include "utf8.h"

#define REASON_LEN CONF_INETD_REASON_LEN
#define NO_MEMORY  (-2)

static const char *const internal_names[] = {"echo", "discard", "daytime", "chargen", "time"};

/* Parse a decimal number in MIN..MAX at the start of TEXT; where it ends, or NULL. */
static const char *parse_number(const char *text, unsigned long min, unsigned long max,
                                unsigned *out)
{
    char *end;
    unsigned long v;

    if (!isdigit((unsigned char)*text))
        return NULL;
    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || v < min || v > max)
        return NULL;
    *out = (unsigned)v;
    return end;
}

/* Parse a decimal number in 1..MAX filling all of TEXT. */
static bool parse_uint(const char *text, unsigned long max, unsigned *out)
{
    const char *end = parse_number(text, 1, max, out);
    return end && *end == '\0';
}

/*
 * Turn the HOST of an OpenBSD "host:service" (a numeric address, IPv6 with
 * or without brackets) into the address part of a listen string in BUF.
 */
static int parse_host(const char *host, int family, enum conf_inetd_host *kind, char *buf,
                      size_t len, char *why)
{
    unsigned char bin[sizeof(struct in6_addr)];
    char plain[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);

    if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
        if (n - 2 >= sizeof(plain))
            goto bad;
        memcpy(plain, host + 1, n - 2);
        plain[n - 2] = '\0';
    } else if (n < sizeof(plain)) {
        memcpy(plain, host, n + 1);
    } else {
        goto bad;
    }
    if (inet_pton(AF_INET, plain, bin) == 1 && family != AF_INET6) {
        *kind = strcmp(plain, "0.0.0.0") == 0 ? CONF_INETD_HOST_V4ANY : CONF_INETD_HOST_ADDR;
        inet_ntop(AF_INET, bin, buf, (socklen_t)len);
        return 0;
    }
    if (inet_pton(AF_INET6, plain, bin) == 1 && family != AF_INET) {
        char txt[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, bin, txt, sizeof(txt));
        *kind = strcmp(txt, "::") == 0 ? CONF_INETD_HOST_V6ANY : CONF_INETD_HOST_ADDR;
        snprintf(buf, len, "[%s]", txt);
        return 0;
    }
bad:
    snprintf(why, REASON_LEN, "address \"%s\" is not a numeric %s address", host,
             family == AF_INET    ? "IPv4"
             : family == AF_INET6 ? "IPv6"
                                  : "IP");
    return -1;
}

/* The socket-type field: stream or dgram, or explain. */
static int parse_socktype(const char *socktype, bool *stream, char *why)
{
    *stream = strcmp(socktype, "stream") == 0;
    if (*stream || strcmp(socktype, "dgram") == 0)
        return 0;
    snprintf(why, REASON_LEN, "socket type \"%s\" is not supported (only stream and dgram)",
             socktype);
    return -1;
}

/* The socket-type and protocol fields: set proto and family, or explain. */
static int parse_proto(const char *socktype, const char *proto, struct conf_inetd_svc *s,
                       int *family, char *why)
{
    static const char *const families[] = {"", "4", "6", "46"};
    bool stream;

    if (strncmp(proto, "rpc/", 4) == 0) {
        snprintf(why, REASON_LEN, "RPC services are not supported");
        return -1;
    }
    if (parse_socktype(socktype, &stream, why) < 0)
        return -1;
    s->proto = strncmp(proto, "tcp", 3) == 0 ? "tcp" : strncmp(proto, "udp", 3) == 0 ? "udp" : "";
    for (size_t i = 0; *s->proto && i < sizeof(families) / sizeof(families[0]); i++) {
        if (strcmp(proto + 3, families[i]) != 0)
            continue;
        *family = i == 1 ? AF_INET : i == 2 ? AF_INET6 : AF_UNSPEC;
        if (stream == (s->proto[0] == 't'))
            return 0;
        snprintf(why, REASON_LEN, "socket type %s does not go with protocol %s", socktype, proto);
        return -1;
    }
    snprintf(why, REASON_LEN,
             "protocol \"%s\" is not supported (only tcp and udp, or tcp6, udp4...)", proto);
    return -1;
}

/* FreeBSD's "/max-child[/max-connections-per-ip-per-minute[/max-child-per-ip]]"
 * after wait or nowait into LIMITS, each 0 for no limit. */
static bool parse_freebsd_limits(const char *text, unsigned limits[3])
{
    for (int k = 0; k < 3 && *text == '/'; k++) {
        text = parse_number(text + 1, 0, 1000000, &limits[k]);
        if (!text)
            return false;
    }
    return *text == '\0'; /* not a fourth field, nor anything else after a number */
}

/* "wait", "nowait", with ".N" (OpenBSD: N spawns a minute) or "/N[/M[/P]]" (FreeBSD). */
static int parse_wait(char *text, struct conf_inetd_svc *s, char *why)
{
    size_t n = strcspn(text, "./");
    unsigned limits[3] = {0, 0, 0};

    if (n == 4 && strncmp(text, "wait", 4) == 0)
        s->wait = true;
    else if (!(n == 6 && strncmp(text, "nowait", 6) == 0))
        goto bad;
    if (text[n] == '.' && !parse_uint(text + n + 1, 1000000, &s->rate))
        goto bad;
    if (text[n] == '/' && !parse_freebsd_limits(text + n, limits))
        goto bad;
    if (limits[1]) {
        snprintf(why, REASON_LEN,
                 "a limit of %u connections a minute per address (the second /N) has no "
                 "equivalent: superserver's rate is per service",
                 limits[1]);
        return -1;
    }
    if (limits[2] && s->wait && strcmp(s->proto, "tcp") == 0) {
        snprintf(why, REASON_LEN,
                 "a limit of %u handlers per address (the third /N) cannot apply to a tcp wait "
                 "service: its server accepts the connections itself",
                 limits[2]);
        return -1;
    }
    s->instances = limits[0];
    s->per_source = limits[2];
    if (!s->wait && strcmp(s->proto, "udp") == 0) {
        snprintf(why, REASON_LEN, "dgram with nowait is not supported (udp services use wait)");
        return -1;
    }
    s->wait_text = text;
    return 0;
bad:
    snprintf(why, REASON_LEN, "\"%s\" is not wait or nowait (with an optional .N or /N[/M[/P]])",
             text);
    return -1;
}

/* "user", "user:group" or "user.group" (TEXT is cut in two in place). */
static int parse_user(char *text, struct conf_inetd_svc *s, char *why)
{
    size_t n = strcspn(text, ":.");

    if (n == 0 || text[0] == '/' || strcmp(text, "internal") == 0) {
        snprintf(why, REASON_LEN, "missing user (field 5 is \"%s\")", text);
        return -1;
    }
    if (text[n] != '\0' && text[n + 1] != '\0')
        s->group = text + n + 1;
    text[n] = '\0';
    s->user = text;
    return 0;
}

/* The server program and its argv; "internal" picks a bundled handler. */
static int parse_server(struct arena *a, char **f, size_t nf, const char *service,
                        struct conf_inetd_svc *s, char *why)
{
    if (strcmp(f[5], "internal") == 0) {
        size_t i, n = sizeof(internal_names) / sizeof(internal_names[0]);

        for (i = 0; i < n && strcmp(service, internal_names[i]) != 0; i++)
            ;
        if (i == n) {
            snprintf(why, REASON_LEN, "unknown internal service \"%s\"", service);
            return -1;
        }
        size_t len = sizeof(HANDLER_DIR "/") + strlen(service);

        if ((s->exec = arena_alloc(a, len)) == NULL)
            return NO_MEMORY;
        snprintf(s->exec, len, "%s/%s", HANDLER_DIR, service);
        nf = 6; /* internal services take no arguments */
    } else if (f[5][0] != '/') {
        snprintf(why, REASON_LEN, "server program \"%s\" is not an absolute path", f[5]);
        return -1;
    } else {
        s->exec = f[5];
    }
    s->n_args = nf > 6 ? nf - 6 : 1;
    if ((s->args = arena_calloc(a, s->n_args, sizeof(char *))) == NULL)
        return NO_MEMORY;
    for (size_t i = 0; i < s->n_args; i++)
        s->args[i] = nf > 6 ? f[6 + i] : s->exec;
    return 0;
}

/* The port: a number, or the service name looked up for the protocol. */
static int parse_port(const char *service, const char *proto, unsigned *port, char *why)
{
    struct servent *se;

    if (isdigit((unsigned char)service[0])) {
        if (parse_uint(service, 65535, port))
            return 0;
        snprintf(why, REASON_LEN, "port \"%s\" is out of range", service);
        return -1;
    }
    se = getservbyname(service, proto);
    if (se == NULL) {
        snprintf(why, REASON_LEN, "unknown service \"%s/%s\" (not in /etc/services)", service,
                 proto);
        return -1;
    }
    *port = ntohs((uint16_t)se->s_port);
    return 0;
}

/* Fill s->listen from TEXT ("ADDR:PORT", "unix:PATH"), its text in A, or explain. */
static int set_listen(struct arena *a, struct conf_inetd_svc *s, const char *text, char *why)
{
    char err[128], *copy;

    if (addr_parse_listen(text, s->proto, &s->listen, err, sizeof(err)) < 0) {
        snprintf(why, REASON_LEN, "%s", err);
        return -1;
    }
    copy = arena_strdup(a, s->listen.text); /* addr.c's copy is malloc'ed */
    free(s->listen.text);
    s->listen.text = copy;
    return copy != NULL ? 0 : NO_MEMORY;
}

/* Build the listen string for HOST (or DEFHOST) and PORT; fill s->listen. */
static int make_listen(struct arena *a, struct conf_inetd_svc *s, const char *host, int family,
                       unsigned port, char *why)
{
    char addr[INET6_ADDRSTRLEN + 2], text[sizeof(addr) + 8];

    if (host == NULL || strcmp(host, "*") == 0) {
        s->host = family == AF_INET    ? CONF_INETD_HOST_V4ANY
                  : family == AF_INET6 ? CONF_INETD_HOST_V6ANY
                                       : CONF_INETD_HOST_ANY;
        strcpy(addr, s->host == CONF_INETD_HOST_V4ANY   ? "0.0.0.0"
                     : s->host == CONF_INETD_HOST_V6ANY ? "[::]"
                                                        : "*");
    } else if (parse_host(host, family, &s->host, addr, sizeof(addr), why) < 0) {
        return -1;
    }
    snprintf(text, sizeof(text), "%s:%u", addr, port);
    return set_listen(a, s, text, why);
}

/* The name a service gets: its inetd name, with what a service name may not
 * hold turned into '-'. */
static int set_name(struct arena *a, struct conf_inetd_svc *s, const char *service)
{
    if ((s->name = arena_strdup(a, service)) == NULL)
        return NO_MEMORY;
    for (char *p = s->name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
    return 0;
}

/* A "unix" line (OpenBSD, FreeBSD): field 1 is the socket's path, and no
 * "host:" applies. */
static int translate_unix(struct arena *a, char **f, size_t nf, struct conf_inetd_svc *s, char *why)
{
    char text[4 + PATH_MAX];
    bool stream;
    int rc;

    if (parse_socktype(f[1], &stream, why) < 0)
        return -1;
    if (f[0][0] != '/') {
        snprintf(why, REASON_LEN, "unix socket path \"%s\" is not absolute", f[0]);
        return -1;
    }
    if (strcmp(f[5], "internal") == 0) {
        snprintf(why, REASON_LEN, "internal services are not offered on unix sockets");
        return -1;
    }
    s->proto = stream ? "tcp" : "udp"; /* what a unix: listen address is paired with */
    if ((rc = parse_wait(f[3], s, why)) < 0 || (rc = parse_user(f[4], s, why)) < 0 ||
        (rc = parse_server(a, f, nf, f[0], s, why)) < 0)
        return rc;
    snprintf(text, sizeof(text), "unix:%s", f[0]);
    if ((rc = set_listen(a, s, text, why)) < 0)
        return rc;
    s->host = CONF_INETD_HOST_ADDR;
    /* Named after the socket's file: "/run/echo.sock" gives "echo". */
    const char *file = strrchr(f[0], '/') + 1;
    const char *dot = strrchr(file, '.');
    size_t len = dot && dot != file ? (size_t)(dot - file) : strlen(file);
    char name[NAME_MAX + 1];
    snprintf(name, sizeof(name), "%.*s", (int)len, file);
    return set_name(a, s, *name ? name : "unix");
}

int conf_inetd_translate(struct arena *a, char **f, size_t nf, const char *defhost,
                         struct conf_inetd_svc *s, char *why)
{
    const char *service = f[0], *host = defhost;
    char *colon = strrchr(f[0], ':'); /* the last: an IPv6 host has colons of its own */
    unsigned port;
    int family = AF_UNSPEC, rc;

    for (size_t i = 0; i < nf; i++) {
        if (!utf8_valid(f[i], strlen(f[i]), NULL)) {
            snprintf(why, REASON_LEN, "not valid UTF-8");
            return -1;
        }
    }
    if (strcmp(f[2], "unix") == 0)
        return translate_unix(a, f, nf, s, why);
    if (colon != NULL) {
        *colon = '\0';
        host = f[0];
        service = colon + 1;
    }
    if (strcmp(service, "tcpmux") == 0 || strncmp(service, "tcpmux/", 7) == 0) {
        snprintf(why, REASON_LEN, "tcpmux services are not supported");
        return -1;
    }
    if (*service == '\0') {
        snprintf(why, REASON_LEN, "empty service name");
        return -1;
    }
    if ((rc = parse_proto(f[1], f[2], s, &family, why)) < 0 ||
        (rc = parse_wait(f[3], s, why)) < 0 || (rc = parse_user(f[4], s, why)) < 0 ||
        (rc = parse_server(a, f, nf, service, s, why)) < 0 ||
        (rc = parse_port(service, s->proto, &port, why)) < 0 ||
        (rc = make_listen(a, s, host, family, port, why)) < 0)
        return rc;
    return set_name(a, s, service);
}
