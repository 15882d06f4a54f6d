/*
 * Log output.  Each line is formatted whole and written with one write(2),
 * so lines from the daemon never interleave mid-line on stderr.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "utf8.h"

/* Room for a whole escaped handler stderr line (4 x 1024 + 3) and its keys. */
#define LOG_LINE_MAX 8192

static enum log_dest log_dest = LOG_DEST_STDERR;
static bool log_verbose;
/* stderr is the journal: prefix each line with its priority as "<N>". */
static bool log_journal;
/* While the loop runs, stderr lines collect here and go out in one write per
 * loop turn (log_flush before the loop sleeps), not one write per event. */
static bool log_buffered;
static char log_buf[4096]; /* one page: held lines are few per loop turn */
static size_t log_used;

static void log_write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w <= 0)
            return; /* nowhere left to report a failed log write */
        p += w;
        n -= (size_t)w;
    }
}

void log_flush(void)
{
    log_write_all(log_buf, log_used);
    log_used = 0;
}

void log_set_buffered(bool on)
{
    if (!on)
        log_flush();
    log_buffered = on;
}

/* True when JOURNAL_STREAM ("DEV:INODE", set by systemd for a service whose
 * output goes to the journal) names our stderr: not when stderr was
 * redirected since, to a terminal, file or pipe, that inherited the
 * variable. */
static bool stderr_is_journal(void)
{
    const char *v = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char end;
    struct stat st;

    if (!v || sscanf(v, "%llu:%llu%c", &dev, &ino, &end) != 2)
        return false;
    if (fstat(STDERR_FILENO, &st) == -1)
        return false;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void log_init(enum log_dest dest, bool verbose)
{
    log_dest = dest;
    log_verbose = verbose;
    log_journal = dest == LOG_DEST_STDERR && stderr_is_journal();
    if (dest == LOG_DEST_SYSLOG)
        openlog("superserverd", LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void log_set_verbose(bool verbose)
{
    log_verbose = verbose;
}

bool log_is_verbose(void)
{
    return log_verbose;
}

/* Emit one finished line at syslog priority PRIO. */
static void log_emit(int prio, const char *line)
{
    if (log_dest == LOG_DEST_SYSLOG) {
        syslog(prio, "%s", line);
        return;
    }
    char buf[LOG_LINE_MAX]; /* at most a held page: prefix, line, newline */
    size_t n = 0;
    if (log_journal)
        n = (size_t)snprintf(buf, sizeof(buf), "<%d>", prio & LOG_PRIMASK);
    size_t len = strlen(line);
    if (len > LOG_LINE_MAX - 1 - n)
        len = LOG_LINE_MAX - 1 - n;
    memcpy(buf + n, line, len);
    n += len;
    buf[n++] = '\n';
    if (!log_buffered || n > sizeof(log_buf)) {
        log_flush();
        log_write_all(buf, n);
        return;
    }
    if (log_used + n > sizeof(log_buf))
        log_flush();
    memcpy(log_buf + log_used, buf, n);
    log_used += n;
}

static void log_vevent(int prio, const char *fmt, va_list ap) LOG_PRINTF(2, 0);
static void log_vevent(int prio, const char *fmt, va_list ap)
{
    char line[LOG_LINE_MAX];

    vsnprintf(line, sizeof(line), fmt, ap);
    log_emit(prio, line);
}

void log_event(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vevent(LOG_INFO, fmt, ap);
    va_end(ap);
}

void log_event_notice(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vevent(LOG_NOTICE, fmt, ap);
    va_end(ap);
}

void log_event_err(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vevent(LOG_ERR, fmt, ap);
    va_end(ap);
}

void log_debug(const char *fmt, ...)
{
    va_list ap;

    if (!log_verbose)
        return;
    va_start(ap, fmt);
    log_vevent(LOG_DEBUG, fmt, ap);
    va_end(ap);
}

/* "event=LEVEL message=<quoted text[: strerror]>" */
static void log_vproblem(int prio, const char *level, int errnum, const char *fmt, va_list ap)
    LOG_PRINTF(4, 0);
static void log_vproblem(int prio, const char *level, int errnum, const char *fmt, va_list ap)
{
    char msg[LOG_LINE_MAX / 2], quoted[LOG_LINE_MAX / 2 + 64];

    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (errnum && n >= 0 && (size_t)n < sizeof(msg))
        snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", strerror(errnum));
    char line[LOG_LINE_MAX];
    snprintf(line, sizeof(line), "event=%s message=%s", level,
             log_quote(msg, quoted, sizeof(quoted)));
    log_emit(prio, line);
}

void log_warn(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    log_vproblem(LOG_WARNING, "warning", saved, fmt, ap);
    va_end(ap);
    errno = saved;
}

void log_warnx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vproblem(LOG_WARNING, "warning", 0, fmt, ap);
    va_end(ap);
}

void log_errorx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vproblem(LOG_ERR, "error", 0, fmt, ap);
    va_end(ap);
}

void fatal(const char *fmt, ...)
{
    int saved = errno;
    va_list ap;

    va_start(ap, fmt);
    log_vproblem(LOG_ERR, "fatal", saved, fmt, ap);
    va_end(ap);
    log_flush();
    exit(3);
}

void fatalx(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_vproblem(LOG_ERR, "fatal", 0, fmt, ap);
    va_end(ap);
    log_flush();
    exit(3);
}

/* How many bytes at P (LEFT of them) may stand raw in a log value: the length
 * of one printable UTF-8 character, or 0 when it must be escaped (C0 controls,
 * NUL, DEL, C1 controls, U+2028/U+2029 which some viewers take as line breaks,
 * and every byte that is not valid UTF-8). */
static size_t printable_seq(const unsigned char *p, size_t left)
{
    if (p[0] < 0x20 || p[0] == 0x7f)
        return 0;
    size_t n = utf8_seq(p, left);
    if (n == 2 && p[0] == 0xc2 && p[1] <= 0x9f)
        return 0;
    if (n == 3 && p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9))
        return 0;
    return n;
}

static bool needs_quotes(const unsigned char *p, size_t len)
{
    if (len == 0)
        return true;
    for (size_t i = 0; i < len;) {
        size_t n = printable_seq(p + i, len - i);
        if (n == 0 || p[i] == ' ' || p[i] == '"' || p[i] == '\\' || p[i] == '=')
            return true;
        i += n;
    }
    return false;
}

/* The escape for the character at P (*used bytes of it) into OUT (>= 8 bytes):
 * \" \\ \t, \uXXXX for a valid C1 control or U+2028/U+2029 (as yaml_out
 * writes them), \xNN for any other byte.  Returns its length; 0 when raw. */
static size_t escape_seq(const unsigned char *p, size_t left, char *out, size_t *used)
{
    *used = 1;
    if (p[0] == '"' || p[0] == '\\')
        return (size_t)snprintf(out, 8, "\\%c", p[0]);
    if (p[0] == '\t')
        return (size_t)snprintf(out, 8, "\\t");
    size_t n = printable_seq(p, left);
    if (n > 0)
        return *used = n, 0;
    n = utf8_seq(p, left);
    if (n == 2)
        return *used = 2, (size_t)snprintf(out, 8, "\\u%04x", p[1]);
    if (n == 3)
        return *used = 3, (size_t)snprintf(out, 8, "\\u%04x", 0x2000u + (p[2] - 0x80u));
    return (size_t)snprintf(out, 8, "\\x%02x", p[0]);
}

const char *log_quote_mem(const char *value, size_t vlen, char *buf, size_t len)
{
    const unsigned char *v = (const unsigned char *)value;

    if (len == 0)
        return buf;
    if (!needs_quotes(v, vlen)) {
        snprintf(buf, len, "%.*s", (int)(vlen < len ? vlen : len - 1), value);
        return buf;
    }
    if (len < 3) {
        buf[0] = '\0';
        return buf;
    }
    /* Room is kept for the closing quote and the NUL; a value that does not
     * fit is cut at a character boundary, still quoted. */
    size_t o = 0;
    buf[o++] = '"';
    for (size_t i = 0; i < vlen;) {
        char esc[8];
        size_t used, n = escape_seq(v + i, vlen - i, esc, &used);
        const char *from = n ? esc : value + i;
        size_t k = n ? n : used;
        if (o + k + 2 > len)
            break;
        memcpy(buf + o, from, k);
        o += k;
        i += used;
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}

const char *log_quote(const char *value, char *buf, size_t len)
{
    return log_quote_mem(value, strlen(value), buf, len);
}
