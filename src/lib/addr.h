/*
 * Addresses: parsing `listen` strings and CIDR rules, matching peers against
 * rules, and formatting peers the way logs and the handler environment show
 * them (IPv4-mapped IPv6 written as plain IPv4, IPv6 in brackets in logs).
 */
#ifndef SUPERSERVER_ADDR_H
#define SUPERSERVER_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

/* What a `listen` string names. */
enum listen_kind {
    LISTEN_INET,     /* an IPv4 or IPv6 literal (ss holds it) */
    LISTEN_WILDCARD, /* "*:PORT": all addresses, IPv4 and IPv6 (ss holds [::]:PORT) */
    LISTEN_UNIX,     /* "unix:/path" (ss holds a sockaddr_un) */
};

struct listen_addr {
    char *text; /* as written in the config */
    enum listen_kind kind;
    struct sockaddr_storage ss;
    socklen_t sslen;
};

/* Big enough for "[ffff:...:ffff]:65535" and for unix paths. */
#define ADDR_STRLEN 128

/*
 * Parse "IP:PORT", "[IPv6]:PORT", "*:PORT" or "unix:/path".  PORT may be a
 * number or a service name looked up for PROTO ("tcp" or "udp").  On error
 * returns -1 and writes a reason (no file or line) into err.
 */
int addr_parse_listen(const char *text, const char *proto, struct listen_addr *out, char *err,
                      size_t errlen);

/* True when two listen addresses would collide on one port (equal, or either is a wildcard
 * on the same port).  Unix addresses collide when their paths are equal. */
bool addr_listen_conflict(const struct listen_addr *a, const struct listen_addr *b);

/* A CIDR rule.  IPv4 rules are kept as IPv4 (4 bytes); prefix in bits. */
struct cidr {
    int family; /* AF_INET or AF_INET6 */
    uint8_t addr[16];
    unsigned prefix;
};

/* "10.0.0.0/8", "::1/128", or a bare address (a full-length prefix). */
int cidr_parse(const char *text, struct cidr *out, char *err, size_t errlen);

/* Does PEER (IPv4-mapped IPv6 counts as IPv4) fall inside the rule? */
bool cidr_match(const struct cidr *rule, const struct sockaddr *peer);

/* Write a peer's IP only ("127.0.0.1", "::1"), unmapped. */
void addr_format_ip(const struct sockaddr *sa, char *buf, size_t len);
/* The peer's port, 0 for non-inet sockets. */
unsigned addr_port(const struct sockaddr *sa);
/* Log form: "127.0.0.1:51234", "[::1]:51234"; unix sockets: "unix". */
void addr_format_peer(const struct sockaddr *sa, char *buf, size_t len);

/* How much of a peer logs and status show (the `log_peer` key). */
enum addr_peer_form {
    ADDR_PEER_FULL,   /* "203.0.113.7:51234", "[2001:db8::1]:51234" */
    ADDR_PEER_PREFIX, /* "203.0.113.0/24", "2001:db8:1::/48": no host part, no port */
    ADDR_PEER_NONE,   /* "-" */
};
/* addr_format_peer under FORM; unix peers are "unix" in every form. */
void addr_format_peer_as(const struct sockaddr *sa, enum addr_peer_form form, char *buf,
                         size_t len);

/* Key that groups peers for `per_source`: the IPv4 address, the IPv6 /64,
 * or for unix sockets the client's uid.  The three never share a key. */
struct source_key {
    uint8_t bytes[16];
};
void addr_source_key(const struct sockaddr *peer, struct source_key *out);
void addr_source_key_uid(uint32_t uid, struct source_key *out);
/* What KEY stands for: AF_INET, AF_INET6 (a /64) or AF_UNIX (a uid). */
int addr_source_key_family(const struct source_key *key);
/* The key of a source as an operator writes it (`ban`, `unban`): an IPv4
 * address, an IPv6 address (any of its /64, or "PREFIX/64"; an IPv4-mapped
 * one is its IPv4 address) or "uid:N".  0, or -1 when it is none of these. */
int addr_source_key_parse(const char *text, struct source_key *out);
/* A key as FORM shows a source: "203.0.113.7", "2001:db8:1:2::/64",
 * "uid:1000"; with ADDR_PEER_PREFIX the IPv4 /24 or IPv6 /48 (a uid as is);
 * with ADDR_PEER_NONE "-".  ADDR_STRLEN is enough. */
void addr_format_source_key(const struct source_key *k, enum addr_peer_form form, char *buf,
                            size_t len);

#endif
