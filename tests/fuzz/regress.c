/*
 * Replays inputs through one fuzz harness without libFuzzer: every file in
 * $TESTS_SRCDIR/fuzz/regress/NAME/ (crashes found once, kept so they stay
 * fixed) and the harness's seed corpus.  Built with the normal compiler as a
 * check program; a crash, an abort or a sanitizer report fails the test.
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#ifndef FUZZ_NAME
#error "build with -DFUZZ_NAME='\"harness\"'"
#endif

/* Seed folders under $TESTS_SRCDIR, per harness. */
static const char *const config_seeds[] = {"conf/good", "conf/bad", "data/config", NULL};
static const char *const addr_seeds[] = {"fuzz/seeds/addr", NULL};
static const char *const proxy_seeds[] = {"fuzz/seeds/proxy", NULL};
static const char *const inetd_seeds[] = {"data/inetd", NULL};

static int replay_file(const char *path, const char *prefix)
{
    size_t plen = strlen(prefix), len = plen, cap = 4096 + plen;
    unsigned char *buf = malloc(cap);
    FILE *f = fopen(path, "rb");
    size_t r;

    if (buf == NULL || f == NULL) {
        fprintf(stderr, "regress_%s: cannot read %s\n", FUZZ_NAME, path);
        free(buf);
        if (f != NULL)
            fclose(f);
        return -1;
    }
    memcpy(buf, prefix, plen);
    while ((r = fread(buf + len, 1, cap - len, f)) > 0) {
        len += r;
        if (len == cap) {
            unsigned char *bigger = realloc(buf, cap *= 2);
            if (bigger == NULL) {
                free(buf);
                fclose(f);
                return -1;
            }
            buf = bigger;
        }
    }
    fclose(f);
    LLVMFuzzerTestOneInput(buf, len);
    free(buf);
    return 0;
}

/* Every regular file of DIR (sorted, so runs are reproducible); -1 when unreadable. */
static int replay_dir(const char *dir, bool seeds, size_t *count)
{
    struct dirent **names;
    int n = scandir(dir, &names, NULL, alphasort), rc = 0;

    if (n < 0) {
        fprintf(stderr, "regress_%s: cannot list %s\n", FUZZ_NAME, dir);
        return -1;
    }
    for (int i = 0; i < n; i++) {
        char path[4096];
        if (names[i]->d_name[0] != '.') {
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
            printf("# %s\n", path);
            fflush(stdout);
            if (replay_file(path, seeds ? fuzz_seed_prefix(path) : "") < 0)
                rc = -1;
            else
                (*count)++;
        }
        free(names[i]);
    }
    free(names);
    return rc;
}

int main(void)
{
    const char *top = getenv("TESTS_SRCDIR");
    const char *const *seeds = strcmp(FUZZ_NAME, "addr") == 0    ? addr_seeds
                               : strcmp(FUZZ_NAME, "proxy") == 0 ? proxy_seeds
                               : strcmp(FUZZ_NAME, "inetd") == 0 ? inetd_seeds
                                                                 : config_seeds;
    char dir[4096];
    size_t count = 0;
    int rc = 0;

    if (top == NULL)
        top = "tests";
    snprintf(dir, sizeof(dir), "%s/fuzz/regress/%s", top, FUZZ_NAME);
    rc |= replay_dir(dir, false, &count);
    for (size_t i = 0; seeds[i] != NULL; i++) {
        snprintf(dir, sizeof(dir), "%s/%s", top, seeds[i]);
        rc |= replay_dir(dir, true, &count);
    }
    printf("regress_%s: %zu inputs replayed, none crashed\n", FUZZ_NAME, count);
    return rc < 0 ? 1 : 0;
}
