/*
 * The xinetd.conf reader: tokenizes an xinetd configuration (and the files
 * its "include" and "includedir" name, each read once, through the config's
 * bounded reader of regular files) into blocks of attributes, without
 * interpreting them.  xinetd_import.c turns the blocks into services.
 * Everything lives in one arena; syntax errors are named with file:line on
 * ERR and counted, and the reader carries on with the next line.
 */
#ifndef SUPERSERVER_XINETD_PARSE_H
#define SUPERSERVER_XINETD_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "arena.h"

/* Deepest chain of include/includedir (xinetd has none; this stops loops). */
#define XINETD_MAX_DEPTH 8
/* Most files read in all, each at most CONF_MAX_FILE_SIZE bytes (as the
 * config's includes): a file is read once however often it is named. */
#define XINETD_MAX_FILES 1024

enum xinetd_op { XOP_SET, XOP_ADD, XOP_DEL }; /* "=", "+=", "-=" */

/* One attribute line.  Its name and values point into the file's text,
 * which is kept: a line costs little more than its own bytes. */
struct xinetd_attr {
    struct xinetd_attr *next;
    const char *name;
    char **v; /* the whitespace-separated values */
    const char *file;
    unsigned n, line;
    unsigned char op; /* enum xinetd_op */
    bool warned;      /* already named on stderr (a defaults line serves many services) */
};

struct xinetd_block {
    struct xinetd_block *next;
    bool defaults;    /* "defaults { }" rather than "service NAME { }" */
    const char *name; /* the service name, or NULL for defaults */
    const char *file;
    unsigned line;
    struct xinetd_attr *attrs, **tail;
};

struct xinetd_conf {
    struct arena arena;
    struct xinetd_block *blocks, **tail;
    unsigned errors; /* syntax errors and unreadable files reported */
    /* The files read (device and inode), so that none is read twice. */
    struct xinetd_file_id {
        dev_t dev;
        ino_t ino;
    } files[XINETD_MAX_FILES];
    size_t n_files;
};

/* Read PATH (and what it includes) into C, which must be zeroed; report on ERR.
 * Returns 0, or -1 when PATH itself cannot be read.  Free with xinetd_conf_free. */
int xinetd_parse(const char *path, struct xinetd_conf *c, FILE *err);
void xinetd_conf_free(struct xinetd_conf *c);

/* Arena allocation that aborts: an importer out of memory has nothing better to do. */
void *xinetd_alloc(struct arena *a, size_t n, size_t size);
char *xinetd_strdup(struct arena *a, const char *s);

/* xinetd's rule for "includedir": a file name with no '.' that does not end in '~'. */
bool xinetd_dir_name_ok(const char *name);

#endif
