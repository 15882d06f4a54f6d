/*
 * Putting a configuration into service, at start and on reload: each
 * service keeps its state by name, each address its socket when the socket
 * can serve as it is (nothing queued in a backlog is lost); nothing of the
 * running state changes until the new config is known to work.
 */
#ifndef SUPERSERVER_ACTIVATE_H
#define SUPERSERVER_ACTIVATE_H

#include <stddef.h>

struct server;
struct config;

struct activation_stats {
    unsigned kept, opened, closed;
};

/* Make CFG the active config (taking it over).  -1 with a message in err,
 * the running state untouched. */
int activate_config(struct server *s, struct config *cfg, struct activation_stats *st, char *err,
                    size_t errlen);
/* SIGHUP: load the config file again and activate it, or log why not. */
void activate_reload(struct server *s);
/* At exit: close every listening socket. */
void activate_release(struct server *s);

#endif
