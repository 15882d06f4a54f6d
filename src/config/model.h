/*
 * The service model: what a configuration means once parsed and validated.
 * Everything the runtime needs is resolved here (addresses, uids, CIDRs,
 * argv), so the daemon never looks at syntax and never fails on a value.
 * Types, plus the few functions that only name or compare them (model.c);
 * at the bottom of the config layer, so every other file may include it.
 */
#ifndef SUPERSERVER_MODEL_H
#define SUPERSERVER_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "addr.h"

enum svc_protocol { PROTO_TCP, PROTO_UDP };
enum svc_mode { MODE_NOWAIT, MODE_WAIT, MODE_PREFORK };
enum svc_stderr { STDERR_DISCARD, STDERR_SOCKET, STDERR_LOG };
enum cfg_log_level { CFG_LOG_INFO, CFG_LOG_DEBUG };

/* The rlimits a service may set, in the order of the `rlimits` map keys. */
enum svc_rlimit { RL_CPU, RL_AS, RL_NOFILE, RL_NPROC, RL_FSIZE, RL_CORE, RL_COUNT };

struct svc_rlimit_value {
    bool set;
    rlim_t value; /* RLIM_INFINITY for "unlimited" */
};

struct svc_rate {
    unsigned count;   /* N new connections ... */
    unsigned seconds; /* ... per S seconds; count == 0 means no rate limit */
};

/* SO_BINDTODEVICE's name, NUL included (IFNAMSIZ). */
#define SOCK_DEVICE_MAX 16

/* Options of a service's listening sockets (kept by each open listener too). */
struct sock_opts {
    int backlog;
    bool reuseport, keepalive, nodelay;
    bool freebind;                     /* IP_FREEBIND / IPV6_FREEBIND (inet listeners) */
    char bind_device[SOCK_DEVICE_MAX]; /* SO_BINDTODEVICE; "" for none (inet listeners) */
    bool has_socket_mode;
    mode_t socket_mode;
    bool has_socket_owner;
    uid_t socket_uid;
    gid_t socket_gid;
};

/* Confinement applied in the handler before its exec (SPEC section 10). */
struct svc_sandbox {
    bool no_new_privileges;
    bool has_capabilities;
    uint64_t capabilities; /* bit N: capability N kept (bounding set; ambient for non-root) */
    bool has_landlock;
    char **landlock_read; /* NULL-terminated absolute paths, or NULL */
    char **landlock_write;
    char **landlock_exec;
    unsigned syscall_deny; /* bit G: enum syscall_group G fails with EPERM */
};

/* proxy_protocol, as a set of versions: the bits are those of
 * proxy_header.h's PROXY_V1 and PROXY_V2, so the runtime passes it as is. */
enum svc_proxy_versions {
    SVC_PROXY_OFF = 0,
    SVC_PROXY_V1 = 1,
    SVC_PROXY_V2 = 2,
    SVC_PROXY_ANY = 3
};

/* Receiving the PROXY protocol (SPEC §8); all zero but timeout when off. */
struct svc_proxy {
    enum svc_proxy_versions versions;
    struct cidr *from; /* proxy_from: the load balancers; n_from >= 1 unless off */
    size_t n_from;
    bool others_direct; /* proxy_others: "direct" (true) or "refuse" */
    unsigned timeout;   /* proxy_timeout: seconds, 1..300, default 5 */
    bool local_close;   /* proxy_local: "close" (true) or "serve" (SPEC section 14) */
};

struct service {
    char *name;
    bool enabled;
    const char *file; /* where the entry starts, for messages */
    int line;

    struct listen_addr *listen; /* n_listen >= 1 */
    size_t n_listen;
    enum svc_protocol protocol;
    enum svc_mode mode;
    unsigned workers; /* prefork only, >= 1 */
    bool listen_fds;

    char *exec;
    char **args;     /* NULL-terminated argv; args[0] defaults to exec */
    char **env;      /* NULL-terminated "KEY=VALUE" from `env`, in file order */
    char **pass_env; /* NULL-terminated names */

    bool has_user, has_group;
    uid_t uid; /* resolved from `user` */
    gid_t gid; /* resolved from `group`, else the user's primary group */
    /* The user's name, for the supplementary groups (getgrouplist); NULL when
     * no user, or when `user` is a number no passwd entry has (a bare uid:
     * then `group` is required and there are no supplementary groups). */
    char *user;

    unsigned instances;  /* 0 = unlimited */
    unsigned per_source; /* 0 = unlimited */
    struct svc_rate rate;
    struct cidr *allow;
    size_t n_allow;
    struct cidr *deny;
    size_t n_deny;

    /* Hostile traffic (SPEC section 11). */
    struct svc_rate per_source_rate; /* a bucket per source; count == 0: none */
    unsigned ban;                    /* seconds a source refused by its rate stays refused */
    char *refuse_message;            /* written to refused connections; NULL = none */
    enum addr_peer_form log_peer;    /* its default is the top-level `log_peer` */
    unsigned max_sources;            /* the top-level `max_sources`, copied for the runtime */

    enum svc_stderr stderr_mode;
    unsigned timeout; /* seconds, 0 = none */
    char *chroot;     /* NULL = none */
    char *chdir;      /* NULL = none */
    bool has_umask;
    mode_t umask;
    bool has_nice;
    int nice;
    struct svc_rlimit_value rlimits[RL_COUNT];
    struct svc_sandbox sandbox;

    struct sock_opts sock;

    struct svc_proxy proxy;
};

struct config {
    char *path; /* the main file, as given */
    enum cfg_log_level log_level;
    unsigned max_children;   /* default 1024 */
    char *control;           /* the control socket's path; NULL for none (`off`) */
    bool control_is_default; /* the file does not set control (NULL when not privileged) */
    bool has_control_group;
    gid_t control_gid;            /* control_group: may use the socket (mode 0660) */
    unsigned max_sources;         /* default 65536; per service (see admit.c) */
    enum addr_peer_form log_peer; /* the services' default */
    struct service *services;
    size_t n_services;
    /* `inetd_conf`: a classic inetd.conf whose services follow the others
     * (theirs have file == inetd_conf); NULL when unset */
    char *inetd_conf;
    /* What loading it skipped, one line each ("FILE:LINE: ...; line
     * skipped"): for the daemon's log and -t's stderr, never fatal */
    char **warnings;
    size_t n_warnings;
};

const char *model_protocol_name(enum svc_protocol p);
const char *model_mode_name(enum svc_mode m);

/* The admission keys (SPEC §3 and §11), for model_admission_unusable. */
enum model_admit_key {
    ADMIT_KEY_ALLOW,
    ADMIT_KEY_DENY,
    ADMIT_KEY_PER_SOURCE,
    ADMIT_KEY_PER_SOURCE_RATE,
    ADMIT_KEY_BAN,
    ADMIT_KEY_RATE,
    ADMIT_KEY_REFUSE_MESSAGE,
    ADMIT_KEY_COUNT
};

/* Does service S have a unix: listener?  An IP (or `*`) one? */
bool model_has_unix_listener(const struct service *s);
bool model_has_inet_listener(const struct service *s);

/*
 * Why admission key K cannot act on service S where the daemon does not
 * accept (prefork workers and tcp `wait` handlers accept themselves; a
 * unix: peer has no address), or NULL when it can.  The one rule: the
 * schema refuses such a key (config_admit.c) and -T leaves it out.
 */
const char *model_admission_unusable(const struct service *s, enum model_admit_key k);

/* Would two versions of a service start their handlers alike (same program,
 * arguments, environment, identity, confinement)?  A reload rolls a prefork
 * pool over when not. */
bool model_runs_same(const struct service *a, const struct service *b);
/* The same as a number (FNV-1a of what model_runs_same compares), for a
 * new image of the daemon to compare with what the old one ran; 0 when out
 * of memory. */
uint64_t model_runs_digest(const struct service *svc);

#endif
