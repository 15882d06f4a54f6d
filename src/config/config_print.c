/*
 * The -t listing, one line per enabled service, and the -T output: the effective model as YAML,
 * every default written out, in a form config_load reads back to the same model.  Keys that would
 * be errors for a service's mode (workers, listen_fds, and the admission keys that cannot act:
 * allow... with prefork or tcp wait) are left out rather than written with their defaults.
 * `inetd_conf` is written as the key (the dump reads the file again, and a daemon watches it), and
 * the services it gives now as comments after the others.
 */
#include <arpa/inet.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "capnames.h"
#include "config.h"
#include "syscall_groups.h"
#include "yaml_out.h"

void config_print_check(const struct config *cfg, FILE *out)
{
    for (size_t i = 0; i < cfg->n_services; i++) {
        const struct service *s = &cfg->services[i];
        if (!s->enabled)
            continue;
        fprintf(out, "%s %s/%s ", s->name, model_protocol_name(s->protocol),
                model_mode_name(s->mode));
        for (size_t j = 0; j < s->n_listen; j++)
            fprintf(out, "%s%s", j ? "," : "", s->listen[j].text);
        fprintf(out, " %s\n", s->exec);
    }
}

static const char *const log_peer_names[] = {"full", "prefix", "none"};

static void dump_key_str(FILE *out, const char *key, const char *value)
{
    fprintf(out, "    %s: ", key);
    yaml_scalar(out, value);
    fputc('\n', out);
}

static void dump_list(FILE *out, const char *key, char *const *items)
{
    fprintf(out, "    %s: [", key);
    for (size_t i = 0; items != NULL && items[i] != NULL; i++) {
        fputs(i ? ", " : "", out);
        yaml_scalar(out, items[i]);
    }
    fputs("]\n", out);
}

static void dump_cidrs(FILE *out, const char *key, const struct cidr *rules, size_t n)
{
    char ip[INET6_ADDRSTRLEN];

    fprintf(out, "    %s: [", key);
    for (size_t i = 0; i < n; i++) {
        inet_ntop(rules[i].family, rules[i].addr, ip, sizeof(ip));
        fprintf(out, "%s\"%s/%u\"", i ? ", " : "", ip, rules[i].prefix);
    }
    fputs("]\n", out);
}

/* A user or group by name when it has one, else by number. */
static void dump_ids(FILE *out, const char *key, const uid_t *uid, const gid_t *gid)
{
    char buf[300] = "", part[140];

    if (uid != NULL) {
        struct passwd *pw = getpwuid(*uid);
        snprintf(buf, sizeof(buf), "%s", pw ? pw->pw_name : "");
        if (pw == NULL)
            snprintf(buf, sizeof(buf), "%u", (unsigned)*uid);
    }
    if (gid != NULL) {
        struct group *gr = getgrgid(*gid);
        if (gr != NULL)
            snprintf(part, sizeof(part), "%s%.120s", uid ? ":" : "", gr->gr_name);
        else
            snprintf(part, sizeof(part), "%s%u", uid ? ":" : "", (unsigned)*gid);
        strncat(buf, part, sizeof(buf) - strlen(buf) - 1);
    }
    dump_key_str(out, key, buf);
}

static void dump_rlimits(FILE *out, const struct service *s)
{
    static const char *const names[RL_COUNT] = {"cpu", "as", "nofile", "nproc", "fsize", "core"};
    bool any = false;

    for (int i = 0; i < RL_COUNT; i++) {
        if (!s->rlimits[i].set)
            continue;
        fprintf(out, "%s%s: ", any ? ", " : "    rlimits: {", names[i]);
        if (s->rlimits[i].value == RLIM_INFINITY)
            fputs("unlimited", out);
        else
            fprintf(out, "%llu", (unsigned long long)s->rlimits[i].value);
        any = true;
    }
    if (any)
        fputs("}\n", out);
}

/* The keys of SPEC section 10, when set. */
static void dump_sandbox(FILE *out, const struct svc_sandbox *sb)
{
    fprintf(out, "    no_new_privileges: %s\n", sb->no_new_privileges ? "true" : "false");
    if (sb->has_capabilities) {
        fputs("    capabilities: [", out);
        for (int i = 0, n = 0; i <= CAPNAMES_LAST; i++)
            if (sb->capabilities & (1ULL << i))
                fprintf(out, "%s%s", n++ ? ", " : "", capnames_name(i));
        fputs("]\n", out);
    }
    if (sb->has_landlock) {
        fputs("    landlock:\n", out);
        dump_list(out, "  read", sb->landlock_read);
        dump_list(out, "  write", sb->landlock_write);
        dump_list(out, "  exec", sb->landlock_exec);
    }
    if (sb->syscall_deny) {
        fputs("    syscall_deny: [", out);
        for (int g = 0, n = 0; g < SCG_COUNT; g++)
            if (sb->syscall_deny & (1u << g))
                fprintf(out, "%s%s", n++ ? ", " : "", syscall_groups_name((enum syscall_group)g));
        fputs("]\n", out);
    }
}

/* env as a map: split each "KEY=VALUE" at its first '='. */
static void dump_env(FILE *out, char *const *env)
{
    fputs("    env: {", out);
    for (size_t i = 0; env != NULL && env[i] != NULL; i++) {
        const char *eq = strchr(env[i], '=');
        fprintf(out, "%s%.*s: ", i ? ", " : "", (int)(eq - env[i]), env[i]);
        yaml_scalar(out, eq + 1);
    }
    fputs("}\n", out);
}

static void dump_identity(FILE *out, const struct service *s)
{
    if (s->has_user && s->user != NULL)
        dump_key_str(out, "user", s->user);
    else if (s->has_user) /* a bare uid */
        dump_ids(out, "user", &s->uid, NULL);
    if (s->has_group)
        dump_ids(out, "group", NULL, &s->gid);
    if (s->sock.has_socket_owner)
        dump_ids(out, "socket_owner", &s->sock.socket_uid, &s->sock.socket_gid);
    if (s->sock.has_socket_mode)
        fprintf(out, "    socket_mode: \"%04o\"\n", (unsigned)s->sock.socket_mode);
}

/* The admission keys that can act for the service's mode and listeners
 * (model_admission_unusable): the others would be errors when read back. */
static void dump_admission(FILE *out, const struct service *s)
{
    if (s->mode == MODE_PREFORK)
        fprintf(out, "    workers: %u\n", s->workers);
    if (!model_admission_unusable(s, ADMIT_KEY_PER_SOURCE))
        fprintf(out, "    per_source: %u\n", s->per_source);
    if (s->rate.count > 0 && !model_admission_unusable(s, ADMIT_KEY_RATE))
        fprintf(out, "    rate: \"%u/%u\"\n", s->rate.count, s->rate.seconds);
    if (!model_admission_unusable(s, ADMIT_KEY_ALLOW))
        dump_cidrs(out, "allow", s->allow, s->n_allow);
    if (!model_admission_unusable(s, ADMIT_KEY_DENY))
        dump_cidrs(out, "deny", s->deny, s->n_deny);
    if (s->per_source_rate.count > 0 && !model_admission_unusable(s, ADMIT_KEY_PER_SOURCE_RATE))
        fprintf(out, "    per_source_rate: \"%u/%u\"\n", s->per_source_rate.count,
                s->per_source_rate.seconds);
    if (s->ban > 0 && !model_admission_unusable(s, ADMIT_KEY_BAN))
        fprintf(out, "    ban: %u\n", s->ban);
    if (s->refuse_message != NULL && !model_admission_unusable(s, ADMIT_KEY_REFUSE_MESSAGE))
        dump_key_str(out, "refuse_message", s->refuse_message);
}

/* The PROXY keys of a service that may have them (nowait); the rest only when on. */
static void dump_proxy(FILE *out, const struct service *s)
{
    /* "off" quoted: a YAML 1.1 reader would take it for false. */
    static const char *const versions[] = {"\"off\"", "v1", "v2", "any"};

    if (s->mode != MODE_NOWAIT || s->protocol != PROTO_TCP)
        return;
    fprintf(out, "    proxy_protocol: %s\n", versions[s->proxy.versions]);
    if (s->proxy.versions == SVC_PROXY_OFF)
        return;
    dump_cidrs(out, "proxy_from", s->proxy.from, s->proxy.n_from);
    fprintf(out, "    proxy_others: %s\n", s->proxy.others_direct ? "direct" : "refuse");
    fprintf(out, "    proxy_timeout: %u\n", s->proxy.timeout);
    fprintf(out, "    proxy_local: %s\n", s->proxy.local_close ? "close" : "serve");
}

static void dump_process(FILE *out, const struct service *s)
{
    static const char *const stderr_names[] = {"discard", "socket", "log"};

    dump_key_str(out, "exec", s->exec);
    dump_list(out, "args", s->args);
    dump_env(out, s->env);
    dump_list(out, "pass_env", s->pass_env);
    fprintf(out, "    stderr: %s\n", stderr_names[s->stderr_mode]);
    fprintf(out, "    timeout: %u\n", s->timeout);
    if (s->chroot != NULL)
        dump_key_str(out, "chroot", s->chroot);
    if (s->chdir != NULL)
        dump_key_str(out, "chdir", s->chdir);
    if (s->has_umask)
        fprintf(out, "    umask: \"%04o\"\n", (unsigned)s->umask);
    if (s->has_nice)
        fprintf(out, "    nice: %d\n", s->nice);
    dump_rlimits(out, s);
    dump_sandbox(out, &s->sandbox);
}

static void dump_service(FILE *out, const struct service *s)
{
    fprintf(out, "  - name: ");
    yaml_scalar(out, s->name);
    fprintf(out, "\n    enabled: %s\n", s->enabled ? "true" : "false");
    fprintf(out, "    protocol: %s\n", model_protocol_name(s->protocol));
    fprintf(out, "    mode: %s\n", model_mode_name(s->mode));
    fputs("    listen: [", out);
    for (size_t i = 0; i < s->n_listen; i++) {
        fputs(i ? ", " : "", out);
        yaml_scalar(out, s->listen[i].text);
    }
    fputs("]\n", out);
    if (s->mode != MODE_NOWAIT)
        fprintf(out, "    listen_fds: %s\n", s->listen_fds ? "true" : "false");
    dump_process(out, s);
    dump_identity(out, s);
    fprintf(out, "    instances: %u\n", s->instances);
    dump_admission(out, s);
    fprintf(out, "    log_peer: %s\n", log_peer_names[s->log_peer]);
    dump_proxy(out, s);
    fprintf(out, "    backlog: %d\n", s->sock.backlog);
    fprintf(out, "    reuseport: %s\n", s->sock.reuseport ? "true" : "false");
    fprintf(out, "    keepalive: %s\n", s->sock.keepalive ? "true" : "false");
    fprintf(out, "    nodelay: %s\n", s->sock.nodelay ? "true" : "false");
    if (model_has_inet_listener(s)) {
        fprintf(out, "    freebind: %s\n", s->sock.freebind ? "true" : "false");
        if (s->sock.bind_device[0])
            dump_key_str(out, "bind_device", s->sock.bind_device);
    }
}

/* The control socket keys; the default path is written out like any default. */
static void dump_control(FILE *out, const struct config *cfg)
{
    struct group *gr;

    if (cfg->control != NULL) {
        fputs("control: ", out);
        yaml_scalar(out, cfg->control);
        fputc('\n', out);
    } else {
        fputs("control: \"off\"\n", out);
    }
    if (!cfg->has_control_group)
        return;
    gr = getgrgid(cfg->control_gid);
    fputs("control_group: ", out);
    if (gr != NULL)
        yaml_scalar(out, gr->gr_name);
    else
        fprintf(out, "%u", (unsigned)cfg->control_gid);
    fputc('\n', out);
}

static bool from_inetd(const struct config *cfg, const struct service *s)
{
    return cfg->inetd_conf != NULL && s->file == cfg->inetd_conf;
}

/* What inetd_conf gives now, as comments: the key reads it again, live. */
static void dump_inetd_services(FILE *out, const struct config *cfg)
{
    fputs("# services of inetd_conf as read now (NAME PROTOCOL/MODE LISTEN EXEC, line):\n", out);
    for (size_t i = 0; i < cfg->n_services; i++) {
        const struct service *s = &cfg->services[i];
        if (!from_inetd(cfg, s))
            continue;
        fputs("#   ", out);
        yaml_comment(out, s->name);
        fprintf(out, " %s/%s ", model_protocol_name(s->protocol), model_mode_name(s->mode));
        for (size_t j = 0; j < s->n_listen; j++) {
            fputs(j ? "," : "", out);
            yaml_comment(out, s->listen[j].text);
        }
        fputc(' ', out);
        yaml_comment(out, s->exec);
        fprintf(out, " (line %d)\n", s->line);
    }
}

void config_dump_yaml(const struct config *cfg, FILE *out)
{
    fputs("# effective configuration of ", out);
    yaml_comment(out, cfg->path); /* one line, whatever the path holds */
    fputs(", defaults applied\n", out);
    fprintf(out, "log_level: %s\n", cfg->log_level == CFG_LOG_DEBUG ? "debug" : "info");
    fprintf(out, "max_children: %u\n", cfg->max_children);
    fprintf(out, "max_sources: %u\n", cfg->max_sources);
    fprintf(out, "log_peer: %s\n", log_peer_names[cfg->log_peer]);
    dump_control(out, cfg);
    if (cfg->inetd_conf != NULL) {
        fputs("inetd_conf: ", out);
        yaml_scalar(out, cfg->inetd_conf);
        fputc('\n', out);
    }
    size_t n_own = 0;
    for (size_t i = 0; i < cfg->n_services; i++)
        n_own += !from_inetd(cfg, &cfg->services[i]);
    fputs(n_own ? "services:\n" : "services: []\n", out);
    for (size_t i = 0; i < cfg->n_services; i++)
        if (!from_inetd(cfg, &cfg->services[i]))
            dump_service(out, &cfg->services[i]);
    if (n_own < cfg->n_services)
        dump_inetd_services(out, cfg);
}
