/*
 * Putting a configuration into service, at start and on reload: each
 * service keeps its state by name, each address its socket when the socket
 * can serve as it is (nothing queued in a backlog is lost); nothing of the
 * running state changes until the new config is known to work.
 */
#ifndef SUPERSERVER_ACTIVATE_H
#define SUPERSERVER_ACTIVATE_H

#include <stdbool.h>
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
/* What a reload did, for the log and for a control client waiting on it. */
struct reload_result {
    bool ok;
    size_t services; /* enabled services of the new config */
    struct activation_stats st;
    char error[1024]; /* !ok: the config error, "file:line: ..." */
};

/* Services in service: the enabled ones of the active config. */
size_t activate_services(const struct server *s);
struct svc_state;
/* The state of the service in service (enabled in the active config) named
 * NAME, or NULL. */
struct svc_state *activate_service_state(const struct server *s, const char *name);
/* At exit: close every listening socket. */
void activate_release(struct server *s);

struct listener;
/* A listener's last reference is gone: so are its mode's states (what
 * activation, or an upgrade's restore, hangs on a listener's release). */
void activate_release_modes(struct listener *l);

#endif
