/*
 * One inetd.conf line into one service (see conf_inetd.h).  Each field has
 * its own small parser, and the first one to object gives the reason.  The
 * port is resolved here, once, with getservbyname, so the YAML carries the
 * number; the address string is then checked by the same addr_parse_listen
 * the config loader uses.
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

#define REASON_LEN INETD_REASON_LEN

static const char *const internal_names[] = {"echo", "discard", "daytime", "chargen", "time"};

void inetd_svc_free(struct inetd_svc *s)
{
    free(s->name);
    free(s->listen.text);
    free(s->wait_text);
    free(s->user);
    free(s->group);
    free(s->exec);
    for (size_t i = 0; i < s->n_args; i++)
        free(s->args[i]);
    free(s->args);
    memset(s, 0, sizeof(*s));
}

char *inetd_xstrdup(const char *s)
{
    char *p = strdup(s);

    if (p == NULL)
        abort();
    return p;
}

void *inetd_xrealloc(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        abort();
    p = realloc(p, n * size);
    if (p == NULL)
        abort();
    return p;
}

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
static int parse_host(const char *host, int family, enum host_kind *kind, char *buf, size_t len,
                      char *why)
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
        *kind = strcmp(plain, "0.0.0.0") == 0 ? HOST_V4ANY : HOST_ADDR;
        inet_ntop(AF_INET, bin, buf, (socklen_t)len);
        return 0;
    }
    if (inet_pton(AF_INET6, plain, bin) == 1 && family != AF_INET) {
        char txt[INET6_ADDRSTRLEN];

        inet_ntop(AF_INET6, bin, txt, sizeof(txt));
        *kind = strcmp(txt, "::") == 0 ? HOST_V6ANY : HOST_ADDR;
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
static int parse_proto(const char *socktype, const char *proto, struct inetd_svc *s, int *family,
                       char *why)
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
static int parse_wait(const char *text, struct inetd_svc *s, char *why)
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
    s->wait_text = inetd_xstrdup(text);
    return 0;
bad:
    snprintf(why, REASON_LEN, "\"%s\" is not wait or nowait (with an optional .N or /N[/M[/P]])",
             text);
    return -1;
}

/* "user", "user:group" or "user.group". */
static int parse_user(const char *text, struct inetd_svc *s, char *why)
{
    size_t n = strcspn(text, ":.");

    if (n == 0 || text[0] == '/' || strcmp(text, "internal") == 0) {
        snprintf(why, REASON_LEN, "missing user (field 5 is \"%s\")", text);
        return -1;
    }
    s->user = strndup(text, n);
    if (s->user == NULL)
        abort();
    if (text[n] != '\0' && text[n + 1] != '\0')
        s->group = inetd_xstrdup(text + n + 1);
    return 0;
}

/* The server program and its argv; "internal" picks a bundled handler. */
static int parse_server(char **f, size_t nf, const char *service, struct inetd_svc *s, char *why)
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

        s->exec = inetd_xrealloc(NULL, len, 1);
        snprintf(s->exec, len, "%s/%s", HANDLER_DIR, service);
        nf = 6; /* internal services take no arguments */
    } else if (f[5][0] != '/') {
        snprintf(why, REASON_LEN, "server program \"%s\" is not an absolute path", f[5]);
        return -1;
    } else {
        s->exec = inetd_xstrdup(f[5]);
    }
    s->n_args = nf > 6 ? nf - 6 : 1;
    s->args = inetd_xrealloc(NULL, s->n_args, sizeof(char *));
    for (size_t i = 0; i < s->n_args; i++)
        s->args[i] = inetd_xstrdup(nf > 6 ? f[6 + i] : s->exec);
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

/* Fill s->listen from TEXT ("ADDR:PORT", "unix:PATH"), or explain. */
static int set_listen(struct inetd_svc *s, const char *text, char *why)
{
    char err[128];

    if (addr_parse_listen(text, s->proto, &s->listen, err, sizeof(err)) == 0)
        return 0;
    snprintf(why, REASON_LEN, "%s", err);
    return -1;
}

/* Build the listen string for HOST (or DEFHOST) and PORT; fill s->listen. */
static int make_listen(struct inetd_svc *s, const char *host, int family, unsigned port, char *why)
{
    char addr[INET6_ADDRSTRLEN + 2], text[sizeof(addr) + 8];

    if (host == NULL || strcmp(host, "*") == 0) {
        s->host = family == AF_INET ? HOST_V4ANY : family == AF_INET6 ? HOST_V6ANY : HOST_ANY;
        strcpy(addr, s->host == HOST_V4ANY ? "0.0.0.0" : s->host == HOST_V6ANY ? "[::]" : "*");
    } else if (parse_host(host, family, &s->host, addr, sizeof(addr), why) < 0) {
        return -1;
    }
    snprintf(text, sizeof(text), "%s:%u", addr, port);
    return set_listen(s, text, why);
}

/* The name a service gets: its inetd name, with what a service name may not
 * hold turned into '-'. */
static void set_name(struct inetd_svc *s, const char *service)
{
    s->name = inetd_xstrdup(service);
    for (char *p = s->name; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '.' && *p != '-')
            *p = '-';
}

/* A "unix" line (OpenBSD, FreeBSD): field 1 is the socket's path, and no
 * "host:" applies. */
static int translate_unix(char **f, size_t nf, struct inetd_svc *s, char *why)
{
    char text[4 + PATH_MAX];
    bool stream;

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
    if (parse_wait(f[3], s, why) < 0 || parse_user(f[4], s, why) < 0 ||
        parse_server(f, nf, f[0], s, why) < 0)
        return -1;
    snprintf(text, sizeof(text), "unix:%s", f[0]);
    if (set_listen(s, text, why) < 0)
        return -1;
    s->host = HOST_ADDR;
    /* Named after the socket's file: "/run/echo.sock" gives "echo". */
    const char *file = strrchr(f[0], '/') + 1;
    const char *dot = strrchr(file, '.');
    size_t len = dot && dot != file ? (size_t)(dot - file) : strlen(file);
    char name[NAME_MAX + 1];
    snprintf(name, sizeof(name), "%.*s", (int)len, file);
    set_name(s, *name ? name : "unix");
    return 0;
}

int inetd_svc_translate(char **f, size_t nf, const char *defhost, struct inetd_svc *s, char *why)
{
    const char *service = f[0], *host = defhost;
    char *colon = strrchr(f[0], ':'); /* the last: an IPv6 host has colons of its own */
    unsigned port;
    int family = AF_UNSPEC;

    for (size_t i = 0; i < nf; i++) {
        if (!utf8_valid(f[i], strlen(f[i]), NULL)) {
            snprintf(why, REASON_LEN, "not valid UTF-8");
            return -1;
        }
    }
    if (strcmp(f[2], "unix") == 0)
        return translate_unix(f, nf, s, why);
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
    if (parse_proto(f[1], f[2], s, &family, why) < 0 || parse_wait(f[3], s, why) < 0 ||
        parse_user(f[4], s, why) < 0 || parse_server(f, nf, service, s, why) < 0 ||
        parse_port(service, s->proto, &port, why) < 0 ||
        make_listen(s, host, family, port, why) < 0)
        return -1;
    set_name(s, service);
    return 0;
}
