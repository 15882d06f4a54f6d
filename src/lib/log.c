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

#define LOG_LINE_MAX 4096

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
    if (!log_buffered) {
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

const char *log_quote(const char *value, char *buf, size_t len)
{
    bool plain = value[0] != '\0';

    for (const char *p = value; *p && plain; p++)
        if (*p == ' ' || *p == '"' || *p == '\\' || *p == '=' || (unsigned char)*p < 0x20 ||
            *p == 0x7f)
            plain = false;
    if (len == 0)
        return buf;
    if (plain) {
        snprintf(buf, len, "%s", value);
        return buf;
    }
    size_t o = 0;
    buf[o++] = '"';
    for (const unsigned char *p = (const unsigned char *)value; *p && o + 6 < len; p++) {
        if (*p == '"' || *p == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)*p;
        } else if (*p == '\t') {
            buf[o++] = '\\';
            buf[o++] = 't';
        } else if (*p < 0x20 || *p == 0x7f) {
            o += (size_t)snprintf(buf + o, len - o, "\\x%02x", *p);
        } else {
            buf[o++] = (char)*p;
        }
    }
    buf[o++] = '"';
    buf[o] = '\0';
    return buf;
}
