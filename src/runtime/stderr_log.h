/*
 * `stderr = log`: a handler's stderr is a pipe the loop reads without
 * blocking; each line becomes `event=stderr service=S pid=P line="..."`.
 */
#ifndef SUPERSERVER_STDERR_LOG_H
#define SUPERSERVER_STDERR_LOG_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct server;
struct stderr_reader;

/* Watch FD (read end, non-blocking) for PID of SERVICE.  -1 on failure. */
int stderr_log_start(struct server *s, int fd, pid_t pid, const char *service);
/* Across an upgrade (carry.h): every pipe being read, with its handler's
 * pid, service and the part of a line not yet logged; reading watches them
 * again. */
struct carry;
void stderr_log_carry(struct carry *c, struct server *s);

/* At exit: log what is buffered and close every pipe. */
void stderr_log_close_all(struct server *s);

/* Pass each complete line of BUF[0..USED) to EMIT, without its '\n' (a '\r'
 * before it is left to EMIT); a full buffer (USED == CAP) without a newline
 * goes as one piece, and AT_EOF the partial rest too.  Returns the bytes
 * consumed: the caller keeps BUF[consumed..USED) for the next read. */
size_t stderr_log_split(const char *buf, size_t used, size_t cap, bool at_eof,
                        void (*emit)(void *ctx, const char *line, size_t len), void *ctx);

#endif
