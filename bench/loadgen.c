/*
 * loadgen: a loopback-only connection-rate load generator for the benchmark.
 *
 * One thread, epoll, non-blocking sockets. It keeps `-c` connections in flight; each one
 * connects, optionally writes `-P` bytes, reads until EOF, and closes. It stops after `-d`
 * seconds (after a `-w` second warmup that is not counted) or `-n` counted connections,
 * whichever comes first, and prints one machine-readable line on stdout. With `-X`, each
 * connection first sends a PROXY protocol v2 header (PROXY command, TCP over the
 * connection's family, source = its own local address, destination = the server's), as a
 * load balancer with haproxy's send-proxy-v2 would. Connection
 * failures (refused, reset, 5 s timeout) are counted, never fatal. It refuses any host but
 * 127.0.0.1 and ::1, so it can never load anything off this machine.
 *
 * With `-s N` (IPv4 only) each connection is bound before its connect to one of N source
 * addresses 127.1.0.0, 127.1.0.1, ... (all of 127.0.0.0/8 is local on Linux, nothing to
 * configure), `-r R` connections in a row from each: a flood of distinct sources for the
 * per-source limits.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CONN_TIMEOUT_NS (5LL * 1000000000LL)
#define MAX_CONCURRENCY 65536
#define MAX_SAMPLES     (64L * 1024 * 1024)
#define READ_BUF        16384
#define PROXY_V2_MAX    52 /* 16 fixed bytes + two IPv6 addresses and ports */

enum slot_state { SLOT_IDLE, SLOT_CONNECTING, SLOT_WRITING, SLOT_READING };

struct slot {
    int fd;
    enum slot_state state;
    int64_t start_ns;
    size_t written;                  /* of the header, then of the payload */
    unsigned char hdr[PROXY_V2_MAX]; /* this connection's PROXY header (-X) */
    size_t hlen;
};

struct stats {
    long conns;  /* completed inside the measured window */
    long total;  /* completed since start, warmup included (for CPU per connection) */
    long errors; /* refused + reset + timeouts + other, inside the window */
    long refused;
    long reset;
    long timeouts;
    long other;
    long long bytes; /* bytes read inside the window */
    uint32_t *lat_us;
    long nlat;
    long cap;
    int lat_truncated;
};

struct opts {
    const char *host;
    int port;
    int concurrency;
    double duration;
    long max_conns;
    size_t payload;
    double warmup;
    long sources;       /* -s: distinct source addresses, 0 = the kernel's choice */
    long per_source;    /* -r: connections in a row from one source */
    unsigned long next; /* connections started, to pick the source */
    int proxy_v2;
};

/* Monotonic nanoseconds. */
static int64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void usage(FILE *f)
{
    fprintf(
        f, "usage: loadgen [-h 127.0.0.1|::1] -p PORT [-c CONC] [-d SECONDS] [-n MAX]\n"
           "               [-P PAYLOAD_BYTES] [-w WARMUP_SECONDS] [-s SOURCES [-r IN_A_ROW]] [-X]\n"
           "  -X  start each connection with a PROXY protocol v2 header\n");
}

/* Parse a non-negative number with bounds; exit 2 on garbage. */
static double parse_num(const char *s, const char *what, double lo, double hi)
{
    char *end;
    double v;

    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || v < lo || v > hi) {
        fprintf(stderr, "loadgen: %s: invalid value \"%s\" (range %g..%g)\n", what, s, lo, hi);
        exit(2);
    }
    return v;
}

static void parse_opts(int argc, char **argv, struct opts *o)
{
    int ch;

    o->host = "127.0.0.1";
    o->port = 0;
    o->concurrency = 1;
    o->duration = 3;
    o->max_conns = 0;
    o->payload = 0;
    o->warmup = 0;
    o->sources = 0;
    o->per_source = 1;
    o->next = 0;
    o->proxy_v2 = 0;
    while ((ch = getopt(argc, argv, "h:p:c:d:n:P:w:s:r:X")) != -1) {
        switch (ch) {
        case 'h':
            o->host = optarg;
            break;
        case 'p':
            o->port = (int)parse_num(optarg, "-p", 1, 65535);
            break;
        case 'c':
            o->concurrency = (int)parse_num(optarg, "-c", 1, MAX_CONCURRENCY);
            break;
        case 'd':
            o->duration = parse_num(optarg, "-d", 0.001, 86400);
            break;
        case 'n':
            o->max_conns = (long)parse_num(optarg, "-n", 1, 1e12);
            break;
        case 'P':
            o->payload = (size_t)parse_num(optarg, "-P", 0, 64 * 1024 * 1024);
            break;
        case 'w':
            o->warmup = parse_num(optarg, "-w", 0, 3600);
            break;
        case 's':
            o->sources = (long)parse_num(optarg, "-s", 1, 1 << 23);
            break;
        case 'r':
            o->per_source = (long)parse_num(optarg, "-r", 1, 1e9);
            break;
        case 'X':
            o->proxy_v2 = 1;
            break;
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc || o->port == 0) {
        usage(stderr);
        exit(2);
    }
    if (strcmp(o->host, "127.0.0.1") != 0 && strcmp(o->host, "::1") != 0) {
        fprintf(stderr, "loadgen: refusing host \"%s\": only 127.0.0.1 and ::1 are allowed\n",
                o->host);
        exit(2);
    }
    if (o->sources > 0 && strcmp(o->host, "127.0.0.1") != 0) {
        fprintf(stderr, "loadgen: -s needs -h 127.0.0.1\n");
        exit(2);
    }
}

/* Bind FD to the source of the next connection (-s), inside 127.1.0.0 - 127.128.255.255. */
static int bind_source(int fd, struct opts *o)
{
    struct sockaddr_in src = {.sin_family = AF_INET};
    int one = 1;

    if (o->sources == 0)
        return 0;
    unsigned long k = (o->next++ / (unsigned long)o->per_source) % (unsigned long)o->sources;
    src.sin_addr.s_addr = htonl(0x7f010000u + (uint32_t)k);
    /* The port is chosen at connect, per destination: no port exhaustion per address. */
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
    return bind(fd, (const struct sockaddr *)&src, sizeof(src));
}

/* Build the loopback destination address. */
static socklen_t make_addr(const struct opts *o, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (strcmp(o->host, "::1") == 0) {
        struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

        s6->sin6_family = AF_INET6;
        s6->sin6_port = htons((uint16_t)o->port);
        s6->sin6_addr = in6addr_loopback;
        return sizeof(*s6);
    }
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

    s4->sin_family = AF_INET;
    s4->sin_port = htons((uint16_t)o->port);
    s4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    return sizeof(*s4);
}

/* Record one latency sample; the array grows up to a fixed cap. */
static void record_latency(struct stats *st, int64_t ns)
{
    if (st->nlat == st->cap) {
        long ncap = st->cap ? st->cap * 2 : 65536;
        uint32_t *p;

        if (ncap > MAX_SAMPLES || (p = realloc(st->lat_us, (size_t)ncap * sizeof(*p))) == NULL) {
            st->lat_truncated = 1;
            return;
        }
        st->lat_us = p;
        st->cap = ncap;
    }
    int64_t us = ns / 1000;
    st->lat_us[st->nlat++] = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
}

/* Classify a failed connection by errno. */
static void count_error(struct stats *st, int err, int counted)
{
    if (!counted)
        return;
    st->errors++;
    if (err == ECONNREFUSED)
        st->refused++;
    else if (err == ECONNRESET || err == EPIPE)
        st->reset++;
    else if (err == ETIMEDOUT)
        st->timeouts++;
    else
        st->other++;
}

static void slot_close(int ep, struct slot *s)
{
    if (s->fd >= 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, s->fd, NULL);
        close(s->fd);
    }
    s->fd = -1;
    s->state = SLOT_IDLE;
}

/* Start a connection in slot `idx`. Returns 0, or -1 with errno set. */
static int slot_start(int ep, struct slot *s, uint32_t idx, const struct sockaddr_storage *ss,
                      socklen_t sslen, struct opts *o)
{
    struct epoll_event ev = {0};
    int fd;

    fd = socket(ss->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    s->fd = fd;
    s->written = 0;
    s->start_ns = now_ns();
    if (bind_source(fd, o) < 0 ||
        (connect(fd, (const struct sockaddr *)ss, sslen) < 0 && errno != EINPROGRESS)) {
        int e = errno;

        close(fd);
        s->fd = -1;
        errno = e;
        return -1;
    }
    s->state = SLOT_CONNECTING;
    ev.events = EPOLLOUT;
    ev.data.u32 = idx;
    if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
        int e = errno;

        close(fd);
        s->fd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

/* Switch the slot to waiting for input. */
static int slot_want_read(int ep, struct slot *s, uint32_t idx)
{
    struct epoll_event ev = {0};

    s->state = SLOT_READING;
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.u32 = idx;
    return epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
}

/*
 * The PROXY v2 header of connected socket FD to DST: signature, version 2 + PROXY,
 * TCP over IPv4 or IPv6, then source and destination addresses and ports, all in network
 * order as in a sockaddr. Returns its length, or 0 with errno set.
 */
static size_t proxy_v2_header(int fd, const struct sockaddr_storage *dst, unsigned char *h)
{
    static const unsigned char sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
                                          0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};
    struct sockaddr_storage src;
    socklen_t len = sizeof(src);
    size_t alen;

    if (getsockname(fd, (struct sockaddr *)&src, &len) < 0)
        return 0;
    if (src.ss_family != dst->ss_family) {
        errno = EAFNOSUPPORT;
        return 0;
    }
    memcpy(h, sig, sizeof(sig));
    h[12] = 0x21; /* version 2, PROXY */
    if (src.ss_family == AF_INET) {
        const struct sockaddr_in *s4 = (const struct sockaddr_in *)&src;
        const struct sockaddr_in *d4 = (const struct sockaddr_in *)dst;
        h[13] = 0x11;
        memcpy(h + 16, &s4->sin_addr, 4);
        memcpy(h + 20, &d4->sin_addr, 4);
        memcpy(h + 24, &s4->sin_port, 2);
        memcpy(h + 26, &d4->sin_port, 2);
        alen = 12;
    } else {
        const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)&src;
        const struct sockaddr_in6 *d6 = (const struct sockaddr_in6 *)dst;
        h[13] = 0x21;
        memcpy(h + 16, &s6->sin6_addr, 16);
        memcpy(h + 32, &d6->sin6_addr, 16);
        memcpy(h + 48, &s6->sin6_port, 2);
        memcpy(h + 50, &d6->sin6_port, 2);
        alen = 36;
    }
    h[14] = 0;
    h[15] = (unsigned char)alen;
    return 16 + alen;
}

/*
 * Advance a slot after an event. Returns 1 when the connection completed (EOF seen),
 * 0 when still in flight, -1 on failure with errno set.
 */
static int slot_step(int ep, struct slot *s, uint32_t idx, const char *payload, size_t plen,
                     const struct sockaddr_storage *proxy_dst, long long *nread)
{
    static char buf[READ_BUF];

    if (s->state == SLOT_CONNECTING) {
        int err = 0;
        socklen_t len = sizeof(err);

        if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
            return -1;
        if (err != 0) {
            errno = err;
            return -1;
        }
        s->hlen = 0;
        if (proxy_dst != NULL && (s->hlen = proxy_v2_header(s->fd, proxy_dst, s->hdr)) == 0)
            return -1;
        if (plen == 0 && s->hlen == 0)
            return slot_want_read(ep, s, idx) < 0 ? -1 : 0;
        s->state = SLOT_WRITING;
    }
    if (s->state == SLOT_WRITING) {
        size_t total = s->hlen + plen;

        /* The header first, then the payload: one byte stream. */
        for (int i = 0; i < 1024 && s->written < total; i++) {
            ssize_t n = s->written < s->hlen
                            ? send(s->fd, s->hdr + s->written, s->hlen - s->written,
                                   MSG_NOSIGNAL | (plen > 0 ? MSG_MORE : 0))
                            : send(s->fd, payload + (s->written - s->hlen), total - s->written,
                                   MSG_NOSIGNAL);

            if (n < 0)
                return errno == EAGAIN ? 0 : -1;
            s->written += (size_t)n;
        }
        if (s->written < total)
            return 0;
        return slot_want_read(ep, s, idx) < 0 ? -1 : 0;
    }
    /* SLOT_READING: drain what is there, bounded per event. */
    for (int i = 0; i < 64; i++) {
        ssize_t n = read(s->fd, buf, sizeof(buf));

        if (n == 0)
            return 1;
        if (n < 0)
            return errno == EAGAIN ? 0 : -1;
        *nread += n;
    }
    return 0;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

    return (x > y) - (x < y);
}

/* Percentile (0..100) of the sorted samples, in milliseconds. */
static double pct_ms(const struct stats *st, double p)
{
    if (st->nlat == 0)
        return 0;
    long i = (long)(p / 100.0 * (double)(st->nlat - 1) + 0.5);

    return st->lat_us[i] / 1000.0;
}

/* Raise the descriptor limit so a high concurrency does not hit EMFILE. */
static void raise_nofile(int concurrency)
{
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
        return;
    rlim_t want = (rlim_t)concurrency + 64;
    if (rl.rlim_cur >= want)
        return;
    rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
}

int main(int argc, char **argv)
{
    struct opts o;
    struct stats st = {0};
    struct sockaddr_storage ss;
    struct epoll_event evs[256];
    char *payload = NULL;
    struct slot *slots;
    socklen_t sslen;
    int ep;

    parse_opts(argc, argv, &o);
    sslen = make_addr(&o, &ss);
    raise_nofile(o.concurrency);
    slots = calloc((size_t)o.concurrency, sizeof(*slots));
    if (o.payload > 0)
        payload = malloc(o.payload);
    if (slots == NULL || (o.payload > 0 && payload == NULL)) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    if (payload != NULL)
        memset(payload, 'x', o.payload);
    ep = epoll_create1(EPOLL_CLOEXEC);
    if (ep < 0) {
        perror("loadgen: epoll_create1");
        return 1;
    }

    /* Idle slots are kept on a stack so a wake-up costs O(events), not O(concurrency). */
    uint32_t *idle = calloc((size_t)o.concurrency, sizeof(*idle));
    int nidle = 0;

    if (idle == NULL) {
        fprintf(stderr, "loadgen: out of memory\n");
        return 1;
    }
    for (int i = o.concurrency - 1; i >= 0; i--) {
        slots[i].fd = -1;
        idle[nidle++] = (uint32_t)i;
    }

    const int64_t t0 = now_ns();
    const int64_t t_measure = t0 + (int64_t)(o.warmup * 1e9);
    const int64_t t_end = t_measure + (int64_t)(o.duration * 1e9);
    int64_t now = t0, next_scan = t0 + 100000000LL;

    /* Ends at t_end, or as soon as -n connections were counted. */
    while (now < t_end && (o.max_conns == 0 || st.conns < o.max_conns)) {
        int failed = 0;

        /* Refill idle slots; put back those whose start failed and retry on the next wake. */
        for (int k = nidle; k > 0; k--) {
            uint32_t i = idle[--nidle];

            if (slot_start(ep, &slots[i], i, &ss, sslen, &o) < 0) {
                count_error(&st, errno, now >= t_measure);
                idle[failed++] = i;
            }
        }
        nidle = failed;
        /* Time out stuck connections, at most ten times a second. */
        if (now >= next_scan) {
            next_scan = now + 100000000LL;
            for (int i = 0; i < o.concurrency; i++) {
                if (slots[i].state != SLOT_IDLE && now - slots[i].start_ns > CONN_TIMEOUT_NS) {
                    count_error(&st, ETIMEDOUT, now >= t_measure);
                    slot_close(ep, &slots[i]);
                    idle[nidle++] = (uint32_t)i;
                }
            }
        }
        int n = epoll_wait(ep, evs, 256, 100);

        if (n < 0 && errno != EINTR) {
            perror("loadgen: epoll_wait");
            return 1;
        }
        now = now_ns();
        for (int k = 0; k < n; k++) {
            uint32_t idx = evs[k].data.u32;
            struct slot *s = &slots[idx];
            long long nread = 0;
            int r;

            if (s->state == SLOT_IDLE)
                continue;
            r = slot_step(ep, s, idx, payload, o.payload, o.proxy_v2 ? &ss : NULL, &nread);
            if (now >= t_measure)
                st.bytes += nread;
            if (r == 0)
                continue;
            if (r < 0) {
                count_error(&st, errno, now >= t_measure);
            } else {
                st.total++;
                if (now >= t_measure && now < t_end &&
                    (o.max_conns == 0 || st.conns < o.max_conns)) {
                    st.conns++;
                    record_latency(&st, now - s->start_ns);
                }
            }
            slot_close(ep, s);
            idle[nidle++] = idx;
        }
    }
    /* Whatever is still in flight at the end is abandoned, neither success nor error. */
    for (int i = 0; i < o.concurrency; i++)
        if (slots[i].state != SLOT_IDLE)
            slot_close(ep, &slots[i]);

    double elapsed = (double)((now < t_end ? now : t_end) - t_measure) / 1e9;
    if (elapsed <= 0)
        elapsed = 1e-9;
    qsort(st.lat_us, (size_t)st.nlat, sizeof(*st.lat_us), cmp_u32);
    printf("conns=%ld errors=%ld refused=%ld reset=%ld timeouts=%ld other_errors=%ld "
           "bytes=%lld total_conns=%ld elapsed_s=%.3f conn_per_s=%.1f p50_ms=%.3f p90_ms=%.3f "
           "p99_ms=%.3f max_ms=%.3f%s\n",
           st.conns, st.errors, st.refused, st.reset, st.timeouts, st.other, st.bytes, st.total,
           elapsed, (double)st.conns / elapsed, pct_ms(&st, 50), pct_ms(&st, 90), pct_ms(&st, 99),
           pct_ms(&st, 100), st.lat_truncated ? " latency_truncated=1" : "");
    free(st.lat_us);
    free(idle);
    free(slots);
    free(payload);
    close(ep);
    return 0;
}
