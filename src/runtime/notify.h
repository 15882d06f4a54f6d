/*
 * systemd's readiness protocol, spoken directly (no libsystemd): a datagram
 * such as "READY=1" to the socket named by $NOTIFY_SOCKET, when set.
 */
#ifndef SUPERSERVER_NOTIFY_H
#define SUPERSERVER_NOTIFY_H

/* Remember $NOTIFY_SOCKET and remove it from our environment (handlers must not see it). */
void notify_init(void);
void notify_send(const char *state);
/* $NOTIFY_SOCKET as it was given (for a new image of the daemon), or NULL. */
const char *notify_socket(void);

#endif
