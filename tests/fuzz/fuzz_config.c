/*
 * Fuzz harness for the whole schema: the input (its first byte choosing the
 * syntax: odd for YAML, even for libconfig) is written to a file in a private
 * temp dir and loaded with config_load, unprivileged.  A config that loads is
 * dumped (-T), the dump loaded back, and both must agree: config_dump.c
 * promises a form config_load reads back to the same model.  A failure must
 * be one line naming a file.
 *
 * `include` may name any path; glob() is wrapped (link with -Wl,--wrap=glob)
 * so that nothing outside the temp dir is read: a fuzzer that writes
 * include="/dev/..." must not block on a tty or read the whole of /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"
#include "model_diff.h"

static char dir[64]; /* the temp dir, "" until set up */

int __real_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g);
int __wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g);

/* Only patterns inside the temp dir, and no way out of it ("..", which glob takes literally). */
int __wrap_glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g)
{
    size_t n = strlen(dir);

    if (dir[0] == '\0' || strncmp(pattern, dir, n) != 0 || pattern[n] != '/' ||
        strstr(pattern, "..") != NULL)
        return GLOB_NOMATCH;
    return __real_glob(pattern, flags, errfunc, g);
}

static void remove_dir(void)
{
    static const char *const files[] = {"conf.d/inc.conf", "conf.d/inc.yaml", "conf.d", NULL};
    char path[128];

    for (size_t i = 0; files[i] != NULL; i++) {
        snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
        if (unlink(path) < 0 && errno == EISDIR)
            rmdir(path);
        rmdir(path);
    }
    rmdir(dir);
}

/* Once per process: the temp dir, with a file of each syntax that `include` can find. */
static void setup(void)
{
    static const char inc_conf[] = "services = ( { name = \"inc-conf\"; listen = "
                                   "\"127.0.0.1:7201\"; exec = \"/bin/true\"; } );\n";
    static const char inc_yaml[] =
        "services:\n  - {name: inc-yaml, listen: \"[::1]:7202\", exec: /bin/true, protocol: udp}\n";
    char path[128];

    if (dir[0] != '\0')
        return;
    snprintf(dir, sizeof(dir), "/tmp/superserver-fuzz.XXXXXX");
    FUZZ_ASSERT(mkdtemp(dir) != NULL);
    snprintf(path, sizeof(path), "%s/conf.d", dir);
    FUZZ_ASSERT(mkdir(path, 0700) == 0);
    snprintf(path, sizeof(path), "%s/conf.d/inc.conf", dir);
    fuzz_write_file(path, inc_conf, sizeof(inc_conf) - 1);
    snprintf(path, sizeof(path), "%s/conf.d/inc.yaml", dir);
    fuzz_write_file(path, inc_yaml, sizeof(inc_yaml) - 1);
    atexit(remove_dir);
}

/* The -t listing and the -T dump of CFG, the dump without its first (comment) line. */
static void render(const struct config *cfg, char **check, char **dump)
{
    size_t len;
    FILE *f = open_memstream(check, &len);

    FUZZ_ASSERT(f != NULL);
    config_print_check(cfg, f);
    fclose(f);
    f = open_memstream(dump, &len);
    FUZZ_ASSERT(f != NULL);
    config_dump_yaml(cfg, f);
    fclose(f);
}

/* Load the dump of CFG back; it must load to the same model, key by key
 * (model_diff.c: a key the dump forgets differs from the source's), with the
 * same -t listing. */
static void check_round_trip(const struct config *cfg)
{
    static const struct config_options unpriv = {.privileged = false};
    char path[128], err[1024] = "", *check1, *dump1, *check2, *dump2;
    struct config *again;

    render(cfg, &check1, &dump1);
    snprintf(path, sizeof(path), "%s/dump.yaml", dir);
    fuzz_write_file(path, dump1, strlen(dump1));
    again = config_load(path, &unpriv, err, sizeof(err));
    unlink(path);
    if (again == NULL) {
        fprintf(stderr, "the dump does not load: %s\n--- dump:\n%s---\n", err, dump1);
        FUZZ_ASSERT(!"the -T dump loads back");
    }
    render(again, &check2, &dump2);
    char diff[256];
    const char *what = model_diff(cfg, again, diff, sizeof(diff));
    if (what != NULL || strcmp(check1, check2) != 0) {
        fprintf(stderr, "differs in: %s\n--- dump:\n%s--- dump of the dump:\n%s---\n",
                what ? what : "the -t listing", dump1, dump2);
        FUZZ_ASSERT(!"the -T dump loads back to the same model");
    }
    config_free(again);
    free(check1), free(dump1), free(check2), free(dump2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const struct config_options unpriv = {.privileged = false};
    char path[128], err[1024] = "";
    struct config *cfg;

    if (size < 1 || size > FUZZ_MAX_INPUT)
        return 0;
    setup();
    snprintf(path, sizeof(path), "%s/main.%s", dir, data[0] & 1 ? "yaml" : "conf");
    fuzz_write_file(path, data + 1, size - 1);
    cfg = config_load(path, &unpriv, err, sizeof(err));
    if (cfg != NULL) {
        check_round_trip(cfg);
        config_free(cfg);
    } else {
        FUZZ_ASSERT(strncmp(err, dir, strlen(dir)) == 0); /* names the file */
        FUZZ_ASSERT(strchr(err, '\n') == NULL);           /* on one line */
    }
    unlink(path); /* no state from one input to the next (include "*" would see it) */
    return 0;
}

/* Seed files go in with the syntax byte of their extension: "y" (odd), "l" (even). */
const char *fuzz_seed_prefix(const char *path)
{
    size_t len = strlen(path);

    if ((len >= 5 && strcmp(path + len - 5, ".yaml") == 0) ||
        (len >= 4 && strcmp(path + len - 4, ".yml") == 0))
        return "y";
    return "l";
}
