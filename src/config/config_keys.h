/*
 * The service keys: their list in processing order, the model being built,
 * and the parser of each key (config_keys.c).  Shared by the key parsers and
 * the schema that assembles a service from them (config_schema.c).
 */
#ifndef SUPERSERVER_CONFIG_KEYS_H
#define SUPERSERVER_CONFIG_KEYS_H

#include "config_int.h"

enum svc_key {
    SK_NAME,
    SK_ENABLED,
    SK_PROTOCOL,
    SK_MODE,
    SK_WORKERS,
    SK_LISTEN_FDS,
    SK_LISTEN,
    SK_CHROOT,
    SK_CHDIR,
    SK_EXEC,
    SK_ARGS,
    SK_USER,
    SK_GROUP,
    SK_ENV,
    SK_PASS_ENV,
    SK_INSTANCES,
    SK_PER_SOURCE,
    SK_RATE,
    SK_PER_SOURCE_RATE,
    SK_BAN,
    SK_REFUSE_MESSAGE,
    SK_LOG_PEER,
    SK_ALLOW,
    SK_DENY,
    SK_STDERR,
    SK_TIMEOUT,
    SK_UMASK,
    SK_NICE,
    SK_RLIMITS,
    SK_BACKLOG,
    SK_REUSEPORT,
    SK_KEEPALIVE,
    SK_NODELAY,
    SK_FREEBIND,
    SK_BIND_DEVICE,
    SK_SOCKET_MODE,
    SK_SOCKET_OWNER,
    SK_NO_NEW_PRIVILEGES,
    SK_CAPABILITIES,
    SK_LANDLOCK,
    SK_SYSCALL_DENY,
    SK_PROXY_PROTOCOL,
    SK_PROXY_FROM,
    SK_PROXY_OTHERS,
    SK_PROXY_TIMEOUT,
    SK_PROXY_LOCAL,
    SK_COUNT
};

/* One service being built: the model and the node each key came from. */
struct svc_build {
    struct service *s;
    const struct cfgnode *src[SK_COUNT];
    const struct cfgnode *defaults;
    struct svc_origin *origin;
    bool bare_uid; /* `user` is a number no passwd entry has: its group is unknown */
};

typedef int (*key_parser)(struct loader *, struct svc_build *, const struct cfgnode *);

struct schema_key {
    const char *name;
    key_parser parse;
};

/* In processing order: protocol before listen and mode, chroot before exec. */
extern const struct schema_key svc_keys[SK_COUNT];

/* `name` first, on its own: every later message names the service. */
int svc_key_name(struct loader *ld, struct svc_build *b, const struct cfgnode *n);

/* config_admit.c: the admission keys. */
int k_instances(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_per_source(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_rate(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_per_source_rate(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_ban(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_refuse_message(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_log_peer(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_allow(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_deny(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
/* The admission keys that cannot act where the daemon does not accept
 * (model_admission_unusable), after the mode, listeners and PROXY keys are
 * known: an error, or refuse_message from defaults dropped. */
int admission_checks(struct loader *ld, struct svc_build *b);

/* config_sandbox.c: the keys of SPEC section 10. */
int k_no_new_privileges(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_capabilities(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_landlock(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_syscall_deny(struct loader *ld, struct svc_build *b, const struct cfgnode *n);

/* config_socket.c: the listening socket's keys (freebind and bind_device
 * need an IP listener: config_schema.c says so once the listeners are known). */
int k_backlog(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_reuseport(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_keepalive(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_nodelay(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_freebind(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_bind_device(struct loader *ld, struct svc_build *b, const struct cfgnode *n);

/* A list of CIDR rules (allow, deny, proxy_from). */
int key_get_cidrs(struct loader *ld, const struct cfgnode *n, struct cidr **out, size_t *count);

/* config_proxy.c: the PROXY protocol keys, and their rules against the
 * service's protocol and mode (after the other cross-key checks). */
int k_proxy_protocol(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_proxy_from(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_proxy_others(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_proxy_timeout(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int k_proxy_local(struct loader *ld, struct svc_build *b, const struct cfgnode *n);
int proxy_checks(struct loader *ld, struct svc_build *b);

#endif
