/*
 * Fuzz harness for the inetd.conf front-end (src/config/conf_inetd*.c),
 * which runs in the daemon on every reload an update-inetd write causes.
 * The input is an inetd.conf.  First it is read in memory
 * (conf_inetd_read): every service has a unique valid name, an absolute
 * exec, at least argv[0], a listen address that parses back and collides
 * with itself, a line within the file; remarks come in line order.  Then it
 * is loaded as the `inetd_conf` of a config (as root when the harness runs
 * as root): nothing in it may be fatal, every warning is one line naming
 * the file, and the -T dump (which names the file again) loads back to the
 * same services.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conf_inetd.h"
#include "config.h"
#include "fuzz.h"

static char dir[64]; /* the temp dir, "" until set up */
static char main_path[128], inetd_path[128], dump_path[128];

static void remove_dir(void)
{
    unlink(main_path);
    unlink(inetd_path);
    unlink(dump_path);
    rmdir(dir);
}

/* Once per process: the temp dir (0700, as a root daemon wants it) and the main file. */
static void setup(void)
{
    char text[256];

    if (dir[0] != '\0')
        return;
    snprintf(dir, sizeof(dir), "/tmp/superserver-fuzz-inetd.XXXXXX");
    FUZZ_ASSERT(mkdtemp(dir) != NULL);
    snprintf(main_path, sizeof(main_path), "%s/main.yaml", dir);
    snprintf(inetd_path, sizeof(inetd_path), "%s/inetd.conf", dir);
    snprintf(dump_path, sizeof(dump_path), "%s/dump.yaml", dir);
    snprintf(text, sizeof(text), "control: \"off\"\ninetd_conf: %s\nservices: []\n", inetd_path);
    fuzz_write_file(main_path, text, strlen(text));
    atexit(remove_dir);
}

struct remarks {
    unsigned last, lines;
};

static void on_remark(void *ctx, unsigned line, enum conf_inetd_remark kind, const char *text)
{
    struct remarks *r = ctx;

    FUZZ_ASSERT(kind == CONF_INETD_UNTRANSLATED || kind == CONF_INETD_NOTE);
    FUZZ_ASSERT(line >= r->last && line >= 1 && line <= r->lines);
    FUZZ_ASSERT(text[0] != '\0' && strlen(text) < CONF_INETD_REASON_LEN + 128);
    r->last = line;
}

static bool valid_name(const char *s)
{
    return *s != '\0' && s[strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                     "0123456789_.-")] == '\0';
}

/* The in-memory read and what each translated service must hold. */
static void check_read(const uint8_t *data, size_t size)
{
    struct arena mem = ARENA_INIT;
    struct conf_inetd_list l = {0};
    struct remarks r = {0, 1};
    char *text = arena_alloc(&mem, size + 1), err[128];

    FUZZ_ASSERT(text != NULL);
    memcpy(text, data, size);
    for (size_t i = 0; i < size; i++)
        r.lines += data[i] == '\n';
    FUZZ_ASSERT(conf_inetd_read(&mem, text, size, &l, on_remark, &r) == 0);
    for (size_t i = 0; i < l.n; i++) {
        const struct conf_inetd_svc *s = l.v[i];
        struct listen_addr back;

        FUZZ_ASSERT(valid_name(s->name));
        for (size_t j = 0; j < i; j++)
            FUZZ_ASSERT(strcmp(s->name, l.v[j]->name) != 0);
        FUZZ_ASSERT(s->line >= 1 && s->line <= r.lines && s->merged_line <= r.lines);
        FUZZ_ASSERT(strcmp(s->proto, "tcp") == 0 || strcmp(s->proto, "udp") == 0);
        FUZZ_ASSERT(s->exec != NULL && s->exec[0] == '/' && s->user != NULL && s->user[0]);
        FUZZ_ASSERT(s->n_args >= 1 && s->args[0] != NULL);
        FUZZ_ASSERT(addr_parse_listen(s->listen.text, s->proto, &back, err, sizeof(err)) == 0);
        FUZZ_ASSERT(addr_listen_conflict(&back, &s->listen));
        free(back.text);
    }
    arena_free(&mem);
}

/* The -t listing of CFG. */
static char *listing(const struct config *cfg)
{
    char *text = NULL;
    size_t len;
    FILE *f = open_memstream(&text, &len);

    FUZZ_ASSERT(f != NULL);
    config_print_check(cfg, f);
    fclose(f);
    return text;
}

/* Loaded as `inetd_conf`: never fatal, warnings one line each naming the file, and the
 * -T dump loads back to the same listing. */
static void check_load(const uint8_t *data, size_t size)
{
    const struct config_options opts = {.privileged = geteuid() == 0};
    char err[1024] = "", *dump = NULL, *before, *after;
    size_t len;
    struct config *cfg, *again;
    FILE *f;

    fuzz_write_file(inetd_path, data, size);
    cfg = config_load(main_path, &opts, err, sizeof(err));
    if (cfg == NULL)
        fprintf(stderr, "inetd_conf was fatal: %s\n", err);
    FUZZ_ASSERT(cfg != NULL);
    for (size_t i = 0; i < cfg->n_warnings; i++) {
        FUZZ_ASSERT(strncmp(cfg->warnings[i], inetd_path, strlen(inetd_path)) == 0);
        for (const char *p = cfg->warnings[i]; *p; p++)
            FUZZ_ASSERT((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
    f = open_memstream(&dump, &len);
    FUZZ_ASSERT(f != NULL);
    config_dump_yaml(cfg, f);
    fclose(f);
    fuzz_write_file(dump_path, dump, strlen(dump));
    again = config_load(dump_path, &opts, err, sizeof(err));
    if (again == NULL)
        fprintf(stderr, "the dump does not load: %s\n--- dump:\n%s---\n", err, dump);
    FUZZ_ASSERT(again != NULL);
    before = listing(cfg);
    after = listing(again);
    FUZZ_ASSERT(strcmp(before, after) == 0);
    free(before), free(after), free(dump);
    config_free(again);
    config_free(cfg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > FUZZ_MAX_INPUT)
        return 0;
    setup();
    check_read(data, size);
    check_load(data, size);
    return 0;
}

/* Seeds are inetd.conf files as they are. */
const char *fuzz_seed_prefix(const char *path)
{
    (void)path;
    return "";
}
