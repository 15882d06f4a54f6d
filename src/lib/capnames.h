/*
 * Capability names as the kernel's headers and capabilities(7) write them
 * (CAP_NET_BIND_SERVICE, ...), to numbers and back.  A table of our own:
 * the configuration names capabilities the running kernel may not know yet
 * only by number, never by a name we cannot check.
 */
#ifndef SUPERSERVER_CAPNAMES_H
#define SUPERSERVER_CAPNAMES_H

/* The highest capability number this table names. */
#define CAPNAMES_LAST 40

/* The number of NAME (case-insensitive, with or without "CAP_"), or -1. */
int capnames_lookup(const char *name);
/* "CAP_..." for NUMBER, or NULL when the table has none. */
const char *capnames_name(int number);

#endif
