/*
 * xinetd.conf syntax (see xinetd_parse.h).  A line is a comment ('#'), a
 * block opener ("defaults" or "service NAME", its '{' on the same line or
 * alone on a following one), '}', an attribute line "name OP value..."
 * (OP is =, += or -=; values are split on blanks, xinetd has no quoting),
 * or, outside blocks, "include FILE" or "includedir DIR" (relative paths
 * from the including file's folder).  includedir reads,
 * in C-locale order, every regular file whose name has no '.' and does not
 * end in '~', as xinetd does.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "conf_file.h"
#include "utf8.h"
#include "xinetd_parse.h"

#define BLANKS " \t\r\n\v\f"

struct reader {
    struct xinetd_conf *c;
    FILE *err;
    const char *file;
    unsigned line;
    int depth;
    struct xinetd_block *open;  /* inside this block's braces */
    struct xinetd_block *await; /* opened, its '{' not seen yet */
};

static int parse_file(struct reader *from, const char *path);

void *xinetd_alloc(struct arena *a, size_t n, size_t size)
{
    void *p = arena_calloc(a, n ? n : 1, size);

    if (p == NULL)
        abort();
    return p;
}

char *xinetd_strdup(struct arena *a, const char *s)
{
    char *p = arena_strdup(a, s);

    if (p == NULL)
        abort();
    return p;
}

void xinetd_conf_free(struct xinetd_conf *c)
{
    arena_free(&c->arena);
    c->blocks = NULL;
    c->tail = NULL;
}

bool xinetd_dir_name_ok(const char *name)
{
    size_t n = strlen(name);

    return n > 0 && strchr(name, '.') == NULL && name[n - 1] != '~';
}

__attribute__((format(printf, 2, 3))) static void syntax(struct reader *r, const char *fmt, ...)
{
    va_list ap;

    fprintf(r->err, "superserverd: %s:%u: ", r->file, r->line);
    va_start(ap, fmt);
    vfprintf(r->err, fmt, ap);
    va_end(ap);
    fputc('\n', r->err);
    r->c->errors++;
}

/* Split TEXT in place into at most CAP words; returns how many there were. */
static size_t split(char *text, char **w, size_t cap)
{
    size_t n = 0;
    char *save = NULL;

    for (char *t = strtok_r(text, BLANKS, &save); t; t = strtok_r(NULL, BLANKS, &save)) {
        if (n < cap)
            w[n] = t;
        n++;
    }
    return n;
}

/* How many words TEXT holds, without changing it. */
static size_t count_words(const char *text)
{
    size_t n = 0;

    for (text += strspn(text, BLANKS); *text; text += strspn(text, BLANKS)) {
        text += strcspn(text, BLANKS);
        n++;
    }
    return n;
}

/* Start a block; an unlinked one (after a bad opener) swallows its lines unreported. */
static void open_block(struct reader *r, bool defaults, const char *name, bool brace, bool link)
{
    struct xinetd_block *b = xinetd_alloc(&r->c->arena, 1, sizeof(*b));

    b->defaults = defaults;
    b->name = name ? xinetd_strdup(&r->c->arena, name) : NULL;
    b->file = r->file;
    b->line = r->line;
    b->tail = &b->attrs;
    if (link) {
        *r->c->tail = b;
        r->c->tail = &b->next;
    }
    if (brace)
        r->open = b;
    else
        r->await = b;
}

/* PATH as named in the file being read: a relative one is taken from that
 * file's folder (xinetd would take it from its working directory, "/"). */
static const char *relative_to(struct reader *r, const char *path)
{
    const char *slash = strrchr(r->file, '/');
    size_t len;
    char *out;

    if (path[0] == '/' || slash == NULL)
        return path;
    len = (size_t)(slash - r->file) + strlen(path) + 2;
    out = xinetd_alloc(&r->c->arena, len, 1);
    snprintf(out, len, "%.*s/%s", (int)(slash - r->file), r->file, path);
    return out;
}

/* Every file of DIR that xinetd would read, in strcmp order. */
static void include_dir(struct reader *r, const char *dir)
{
    struct dirent **names = NULL;
    int n = scandir(dir, &names, NULL, alphasort);

    if (n < 0) {
        fprintf(r->err, "superserverd: %s:%u: includedir %s: %s\n", r->file, r->line, dir,
                strerror(errno));
        r->c->errors++;
        return;
    }
    /* alphasort uses strcoll: the importer never calls setlocale, so this is
     * the C locale's order, as in xinetd. */
    for (int i = 0; i < n; i++) {
        const char *name = names[i]->d_name;
        size_t len = strlen(dir) + strlen(name) + 2;
        char *path = xinetd_alloc(&r->c->arena, len, 1);
        struct stat st;

        snprintf(path, len, "%s/%s", dir, name);
        if (xinetd_dir_name_ok(name) && stat(path, &st) == 0 && S_ISREG(st.st_mode))
            parse_file(r, path);
        free(names[i]);
    }
    free(names);
}

/* A line outside any block. */
static void top_line(struct reader *r, char **w, size_t n)
{
    if (strcmp(w[0], "defaults") == 0 && (n == 1 || (n == 2 && strcmp(w[1], "{") == 0))) {
        open_block(r, true, NULL, n == 2, true);
    } else if (strcmp(w[0], "service") == 0 && (n == 2 || (n == 3 && strcmp(w[2], "{") == 0))) {
        open_block(r, false, w[1], n == 3, true);
    } else if ((strcmp(w[0], "include") == 0 || strcmp(w[0], "includedir") == 0) && n == 2) {
        if (r->depth >= XINETD_MAX_DEPTH)
            syntax(r, "%s: includes nested too deep", w[0]);
        else if (strcmp(w[0], "includedir") == 0)
            include_dir(r, relative_to(r, w[1]));
        else
            parse_file(r, relative_to(r, w[1]));
    } else if (strcmp(w[0], "service") == 0 || strcmp(w[0], "defaults") == 0) {
        syntax(r, "expected \"service NAME\" or \"defaults\" (a name is one word), then '{'");
        open_block(r, false, "?", n > 1 && strcmp(w[n < 4 ? n - 1 : 3], "{") == 0, false);
    } else {
        syntax(r,
               "expected \"service NAME\", \"defaults\", \"include FILE\" or \"includedir "
               "DIR\", not \"%s\"",
               w[0]);
    }
}

/* An attribute line "name OP values..." inside a block: LINE, in the kept
 * text of the file, is cut into its name and values in place. */
static void attr_line(struct reader *r, char *line)
{
    char *p = line + strspn(line, BLANKS), *name = p;
    struct xinetd_attr *a;
    enum xinetd_op op;

    while (isalnum((unsigned char)*p) || *p == '_')
        p++;
    size_t namelen = (size_t)(p - name);
    p += strspn(p, BLANKS);
    if (*p == '=') {
        op = XOP_SET;
        p += 1;
    } else if ((*p == '+' || *p == '-') && p[1] == '=') {
        op = *p == '+' ? XOP_ADD : XOP_DEL;
        p += 2;
    } else {
        syntax(r, "expected \"attribute = value...\" (or += or -=), not \"%.*s\"",
               (int)strcspn(name, "\r\n"), name);
        return;
    }
    if (namelen == 0) {
        syntax(r, "missing attribute name before the operator");
        return;
    }
    name[namelen] = '\0';
    a = xinetd_alloc(&r->c->arena, 1, sizeof(*a));
    a->name = name;
    a->op = (unsigned char)op;
    a->file = r->file;
    a->line = r->line;
    a->n = (unsigned)count_words(p);
    a->v = xinetd_alloc(&r->c->arena, a->n, sizeof(char *));
    split(p, a->v, a->n);
    *r->open->tail = a;
    r->open->tail = &a->next;
}

/* LINE (comment cut off), whose first words (of N) are W: a brace, an
 * attribute in a block, or a top-level line. */
static void dispatch_line(struct reader *r, char *line, char **w, size_t n)
{
    if (r->await) {
        if (n == 1 && strcmp(w[0], "{") == 0) {
            r->open = r->await;
            r->await = NULL;
            return;
        }
        syntax(r, "expected '{' after \"%s\"", r->await->name ? r->await->name : "defaults");
        r->open = r->await; /* its attributes follow anyway: read them into it */
        r->await = NULL;
    }
    if (r->open) {
        if (n == 1 && strcmp(w[0], "}") == 0)
            r->open = NULL;
        else
            attr_line(r, line);
        return;
    }
    if (n == 1 && strcmp(w[0], "}") == 0) {
        syntax(r, "'}' without a block");
        return;
    }
    top_line(r, w, n);
}

static void one_line(struct reader *r, char *line, size_t len)
{
    struct arena words = ARENA_INIT; /* this line's words; what is kept is copied */
    char *hash = strchr(line, '#'), *w[4];
    size_t n;

    if (memchr(line, '\0', len) != NULL) { /* it would cut the line short unseen */
        syntax(r, "NUL byte in the line");
        return;
    }
    if (hash)
        *hash = '\0';
    if (!utf8_valid(line, strlen(line), NULL)) { /* the YAML writer takes UTF-8 only */
        syntax(r, "not valid UTF-8");
        return;
    }
    n = split(xinetd_strdup(&words, line), w, 4);
    if (n > 0)
        dispatch_line(r, line, w, n);
    arena_free(&words);
}

/* Is the file ST a first visit?  Remember it; false (said on ERR, naming
 * where FROM named it) when it was read already or too many were. */
static bool first_visit(struct reader *from, const char *path, const struct stat *st)
{
    struct xinetd_conf *c = from->c;

    for (size_t i = 0; i < c->n_files; i++) {
        if (c->files[i].dev == st->st_dev && c->files[i].ino == st->st_ino) {
            syntax(from, "%s: already read, not read again (it includes itself, or is named twice)",
                   path);
            return false;
        }
    }
    if (c->n_files == XINETD_MAX_FILES) {
        syntax(from, "%s: not read: more than %d files", path, XINETD_MAX_FILES);
        return false;
    }
    c->files[c->n_files++] = (struct xinetd_file_id){st->st_dev, st->st_ino};
    return true;
}

/* Read PATH, the main file when FROM's file is NULL, else named by FROM's
 * line: through the config's reader (a regular file only, never blocking,
 * at most CONF_MAX_FILE_SIZE bytes), once.  -1 when it cannot be read. */
static int parse_file(struct reader *from, const char *path)
{
    struct arena text_mem = ARENA_INIT; /* the text as read */
    struct reader r = {.c = from->c, .err = from->err, .depth = from->depth + 1};
    char why[600];
    struct stat st;
    size_t len = 0;
    char *text = conf_read_file(&text_mem, path, NULL, &st, &len, why, sizeof(why));

    if (text == NULL) {
        if (from->file)
            syntax(from, "%s", why);
        else
            fprintf(r.err, "superserverd: %s\n", why), r.c->errors++;
        arena_free(&text_mem);
        return -1;
    }
    if (!first_visit(from, path, &st)) {
        arena_free(&text_mem);
        return 0;
    }
    /* Read once: the text is kept, the attribute lines point into it. */
    text = memcpy(xinetd_alloc(&r.c->arena, len + 1, 1), text, len + 1);
    r.file = xinetd_strdup(&r.c->arena, path);
    for (char *line = text, *end = text + len; line < end;) {
        char *nl = memchr(line, '\n', (size_t)(end - line));
        size_t n = nl ? (size_t)(nl - line) : (size_t)(end - line);

        line[n] = '\0';
        r.line++;
        one_line(&r, line, n);
        line += n + 1;
    }
    if (r.open || r.await) {
        struct xinetd_block *b = r.open ? r.open : r.await;
        r.line = b->line;
        syntax(&r, "block \"%s\" is not closed by '}' at the end of the file",
               b->name ? b->name : "defaults");
    }
    arena_free(&text_mem);
    return 0;
}

int xinetd_parse(const char *path, struct xinetd_conf *c, FILE *err)
{
    struct reader top = {.c = c, .err = err, .depth = -1};

    if (c->tail == NULL)
        c->tail = &c->blocks;
    return parse_file(&top, path);
}
