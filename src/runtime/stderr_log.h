/*
 * `stderr = log`: a handler's stderr is a pipe the loop reads without
 * blocking; each line becomes `event=stderr service=S pid=P line="..."`.
 */
#ifndef SUPERSERVER_STDERR_LOG_H
#define SUPERSERVER_STDERR_LOG_H

#include <sys/types.h>

struct server;
struct stderr_reader;

/* Watch FD (read end, non-blocking) for PID of SERVICE.  -1 on failure. */
int stderr_reader_start(struct server *s, int fd, pid_t pid, const char *service);
/* At exit: log what is buffered and close every pipe. */
void stderr_readers_close_all(struct server *s);

#endif
