/* Fixtures more than one suite builds (see unit_fixture.h). */
#include <check.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "unit_fixture.h"

static char *cat_args[] = {"cat", "-u", NULL};

struct service unit_plain_service(enum svc_mode mode, enum svc_protocol proto,
                                  struct listen_addr *where)
{
    struct service svc;

    memset(&svc, 0, sizeof(svc));
    svc.name = "echo";
    svc.enabled = true;
    svc.exec = "/bin/cat";
    svc.args = cat_args;
    svc.mode = mode;
    svc.protocol = proto;
    svc.listen = where;
    svc.n_listen = 1;
    return svc;
}

void unit_tmpdir_make(char *dir, size_t len, const char *name)
{
    ck_assert_int_lt(snprintf(dir, len, "/tmp/%s.XXXXXX", name), (int)len);
    ck_assert_msg(mkdtemp(dir) != NULL, "cannot make %s", dir);
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

void unit_tmpdir_remove(const char *dir)
{
    ck_assert_msg(nftw(dir, remove_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "cannot remove %s", dir);
}

void unit_capture(struct unit_output *r, int (*import)(const char *path, FILE *out, FILE *err),
                  const char *path)
{
    FILE *out = open_memstream(&r->out, &r->outlen);
    FILE *err = open_memstream(&r->err, &r->errlen);

    ck_assert_ptr_nonnull(out);
    ck_assert_ptr_nonnull(err);
    r->rc = import(path, out, err);
    fclose(out);
    fclose(err);
}

void unit_output_free(struct unit_output *r)
{
    free(r->out);
    free(r->err);
}
