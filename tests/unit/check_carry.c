/*
 * Unit tests for the carried record (src/lib/carry.c): every kind of field
 * round-trips, at every depth; a reader skips fields it does not know and
 * leaves values the record lacks; and a record is refused whole when it is
 * cut short anywhere, when any one byte is flipped, when its version is
 * another, or when a descriptor it names is closed, is another file now,
 * is named twice or is 0, 1 or 2.
 */
#include <check.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "unit_run.h"
#include "carry.h"

#define RECORD_VERSION 7

struct sample {
    uint64_t big;
    unsigned small;
    int negative;
    bool flag;
    double ratio;
    unsigned char key[16];
    char name[32];
    int fd;
    unsigned items[3];
    size_t n_items;
};

/* The one description of a sample, read or written. */
static void sample_carry(struct carry *c, struct sample *s)
{
    carry_u64(c, "big", &s->big);
    carry_uint(c, "small", &s->small);
    carry_int(c, "negative", &s->negative);
    carry_bool(c, "flag", &s->flag);
    carry_double(c, "ratio", &s->ratio);
    carry_bytes(c, "key", s->key, sizeof(s->key));
    carry_str(c, "name", s->name, sizeof(s->name));
    carry_fd(c, "fd", &s->fd);
}

static void sample_write(struct carry *c, struct sample *s)
{
    sample_carry(c, s);
    ck_assert(carry_enter(c, "list"));
    for (size_t i = 0; i < s->n_items; i++) {
        ck_assert(carry_item(c));
        ck_assert(carry_enter(c, "inner"));
        carry_uint(c, "value", &s->items[i]);
        carry_leave(c);
        carry_leave(c);
    }
    carry_leave(c);
}

static void item_read(struct carry *c, void *ctx)
{
    struct sample *s = ctx;

    if (s->n_items < 3 && carry_enter(c, "inner")) {
        carry_uint(c, "value", &s->items[s->n_items++]);
        carry_leave(c);
    }
}

static void sample_read(struct carry *c, struct sample *s)
{
    sample_carry(c, s);
    s->n_items = 0;
    ck_assert_uint_eq(carry_read_list(c, "list", NULL, NULL), 3); /* counted */
    ck_assert_uint_eq(carry_read_list(c, "list", item_read, s), 3);
    ck_assert_uint_eq(carry_read_list(c, "no_such_list", item_read, s), 0);
}

static int pipe_r, pipe_w;

static struct sample sample(void)
{
    struct sample s = {
        .big = 0x0123456789abcdefULL,
        .small = 4000000000u,
        .negative = -42,
        .flag = true,
        .ratio = 2.5,
        .name = "echo-1",
        .items = {1, 2, 3},
        .n_items = 3,
    };
    for (int i = 0; i < 16; i++)
        s.key[i] = (unsigned char)(i * 17);
    s.fd = pipe_r;
    return s;
}

/* A record of sample() in a malloc'd copy. */
static unsigned char *record(size_t *len)
{
    struct carry c;
    struct sample s = sample();
    const unsigned char *data;

    carry_write_init(&c);
    sample_write(&c, &s);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, len), 0);
    unsigned char *copy = malloc(*len);
    memcpy(copy, data, *len);
    carry_free(&c);
    return copy;
}

static void setup(void)
{
    int p[2];

    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    pipe_r = p[0];
    pipe_w = p[1];
}

static void teardown(void)
{
    close(pipe_r);
    close(pipe_w);
}

START_TEST(round_trip)
{
    size_t len;
    unsigned char *buf = record(&len);
    struct carry c;
    struct sample in = sample(), out;
    char err[200];

    memset(&out, 0, sizeof(out));
    out.fd = -7;
    ck_assert_msg(carry_read_open(&c, buf, len, RECORD_VERSION, err, sizeof(err)) == 0, "%s", err);
    sample_read(&c, &out);
    ck_assert_msg(!c.failed, "%s", c.err);
    ck_assert_int_eq(c.depth, 0);
    ck_assert_uint_eq(out.big, in.big);
    ck_assert_uint_eq(out.small, in.small);
    ck_assert_int_eq(out.negative, in.negative);
    ck_assert(out.flag);
    ck_assert(out.ratio == in.ratio);
    ck_assert_mem_eq(out.key, in.key, sizeof(in.key));
    ck_assert_str_eq(out.name, in.name);
    ck_assert_int_eq(out.fd, pipe_r);
    ck_assert_uint_eq(out.n_items, 3);
    for (int i = 0; i < 3; i++)
        ck_assert_uint_eq(out.items[i], in.items[i]);

    int fds[4];
    ck_assert_uint_eq(carry_read_fds(buf, len, fds, 4), 1);
    ck_assert_int_eq(fds[0], pipe_r);
    free(buf);
}
END_TEST

START_TEST(writer_names_its_fds)
{
    struct carry c;
    struct sample s = sample();
    const unsigned char *data;
    size_t len;

    carry_write_init(&c);
    sample_write(&c, &s);
    carry_fd(&c, "other", &pipe_w);
    int none = -1;
    carry_fd(&c, "none", &none); /* nothing written */
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), 0);
    ck_assert_uint_eq(c.n_fds, 2);
    ck_assert_int_eq(c.fds[0], pipe_r);
    ck_assert_int_eq(c.fds[1], pipe_w);
    carry_free(&c);
}
END_TEST

/* A newer writer's unknown fields are skipped; an older writer's missing
 * ones leave the reader's values. */
START_TEST(unknown_skipped_missing_kept)
{
    struct carry c;
    const unsigned char *data;
    size_t len;
    uint64_t a = 1, b = 2, got_b = 99, got_c = 77;
    char err[200];

    carry_write_init(&c);
    carry_u64(&c, "future", &a);
    carry_enter(&c, "future_obj");
    carry_u64(&c, "deep", &a);
    carry_leave(&c);
    carry_u64(&c, "b", &b);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), 0);

    struct carry r;
    ck_assert_msg(carry_read_open(&r, data, len, RECORD_VERSION, err, sizeof(err)) == 0, "%s", err);
    carry_u64(&r, "b", &got_b);
    carry_u64(&r, "c", &got_c);
    ck_assert(!carry_enter(&r, "absent"));
    ck_assert(!r.failed);
    ck_assert_uint_eq(got_b, 2);
    ck_assert_uint_eq(got_c, 77);
    carry_free(&c);
}
END_TEST

START_TEST(wrong_type_or_size_fails)
{
    struct carry c;
    const unsigned char *data;
    size_t len;
    uint64_t big = 1ULL << 40, v = 0;
    unsigned u = 0;
    unsigned char three[3] = {1, 2, 3}, four[4];
    char err[200];

    carry_write_init(&c);
    carry_u64(&c, "big", &big);
    carry_bytes(&c, "three", three, 3);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), 0);

    struct carry r;
    ck_assert_int_eq(carry_read_open(&r, data, len, RECORD_VERSION, err, sizeof(err)), 0);
    carry_uint(&r, "big", &u); /* out of range */
    ck_assert(r.failed);
    ck_assert_int_eq(carry_read_open(&r, data, len, RECORD_VERSION, err, sizeof(err)), 0);
    carry_u64(&r, "three", &v); /* bytes, not a number */
    ck_assert(r.failed);
    ck_assert_int_eq(carry_read_open(&r, data, len, RECORD_VERSION, err, sizeof(err)), 0);
    carry_bytes(&r, "three", four, 4); /* the wrong size */
    ck_assert(r.failed);
    carry_free(&c);
}
END_TEST

START_TEST(every_truncation_refused)
{
    size_t len;
    unsigned char *buf = record(&len);
    struct carry c;
    char err[200];

    for (size_t n = 0; n < len; n++) {
        unsigned char *cut = malloc(n + 1);
        memcpy(cut, buf, n);
        ck_assert_msg(carry_read_open(&c, cut, n, RECORD_VERSION, err, sizeof(err)) == -1,
                      "cut to %zu of %zu bytes, accepted", n, len);
        free(cut);
    }
    free(buf);
}
END_TEST

START_TEST(every_flipped_byte_refused)
{
    size_t len;
    unsigned char *buf = record(&len);
    struct carry c;
    char err[200];

    for (size_t i = 0; i < len; i++) {
        buf[i] ^= 0x20;
        ck_assert_msg(carry_read_open(&c, buf, len, RECORD_VERSION, err, sizeof(err)) == -1,
                      "byte %zu flipped, accepted", i);
        buf[i] ^= 0x20;
    }
    ck_assert_int_eq(carry_read_open(&c, buf, len, RECORD_VERSION, err, sizeof(err)), 0);
    free(buf);
}
END_TEST

START_TEST(wrong_version_refused)
{
    size_t len;
    unsigned char *buf = record(&len);
    struct carry c;
    char err[200];

    ck_assert_int_eq(carry_read_open(&c, buf, len, RECORD_VERSION + 1, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "version"));
    free(buf);
}
END_TEST

START_TEST(closed_fd_refused)
{
    size_t len;
    unsigned char *buf = record(&len);
    struct carry c;
    char err[200];

    close(pipe_r);
    ck_assert_int_eq(carry_read_open(&c, buf, len, RECORD_VERSION, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "descriptor"));
    pipe_r = open("/dev/null", O_RDONLY | O_CLOEXEC); /* for teardown */
    free(buf);
}
END_TEST

/* The record is written, then its descriptor number names OTHER. */
static void assert_replaced_refused(int other)
{
    size_t len;
    unsigned char *buf = record(&len);
    struct carry c;
    char err[200];

    ck_assert_int_ge(other, 0);
    ck_assert_int_eq(dup3(other, pipe_r, O_CLOEXEC), pipe_r);
    close(other);
    ck_assert_int_eq(carry_read_open(&c, buf, len, RECORD_VERSION, err, sizeof(err)), -1);
    ck_assert_msg(strstr(err, "not the file") != NULL, "%s", err);
    free(buf);
}

/* The number names a socket now, not the pipe the writer saw. */
START_TEST(other_file_refused)
{
    assert_replaced_refused(socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
}
END_TEST

/* Another pipe of the same type at the same number: another inode. */
START_TEST(same_kind_other_file_refused)
{
    int p[2];

    ck_assert_int_eq(pipe2(p, O_CLOEXEC), 0);
    close(p[1]);
    assert_replaced_refused(p[0]);
}
END_TEST

START_TEST(fd_named_twice_refused)
{
    struct carry c;
    const unsigned char *data;
    size_t len;
    char err[200];

    carry_write_init(&c);
    carry_fd(&c, "a", &pipe_r);
    carry_fd(&c, "b", &pipe_r);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), 0);
    struct carry r;
    ck_assert_int_eq(carry_read_open(&r, data, len, RECORD_VERSION, err, sizeof(err)), -1);
    ck_assert_ptr_nonnull(strstr(err, "twice"));
    carry_free(&c);
}
END_TEST

START_TEST(stdio_fd_refused)
{
    struct carry c;
    const unsigned char *data;
    size_t len;
    char err[200];
    int zero = 0;

    carry_write_init(&c);
    carry_fd(&c, "stdin", &zero);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), 0);
    struct carry r;
    ck_assert_int_eq(carry_read_open(&r, data, len, RECORD_VERSION, err, sizeof(err)), -1);
    carry_free(&c);
}
END_TEST

START_TEST(writer_errors)
{
    struct carry c;
    const unsigned char *data;
    size_t len;
    int closed = 1000;
    char long_key[CARRY_KEY_MAX + 2];
    uint64_t v = 1;

    carry_write_init(&c);
    carry_fd(&c, "closed", &closed);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), -1);
    ck_assert_ptr_nonnull(strstr(c.err, "descriptor 1000"));
    carry_free(&c);

    memset(long_key, 'k', sizeof(long_key) - 1);
    long_key[sizeof(long_key) - 1] = '\0';
    carry_write_init(&c);
    carry_u64(&c, long_key, &v);
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), -1);
    carry_free(&c);

    carry_write_init(&c);
    carry_enter(&c, "open");
    ck_assert_int_eq(carry_write_finish(&c, RECORD_VERSION, &data, &len), -1);
    carry_free(&c);
}
END_TEST

static Suite *carry_suite(void)
{
    Suite *s = suite_create("carry");
    TCase *tc = tcase_create("carry");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, round_trip);
    tcase_add_test(tc, writer_names_its_fds);
    tcase_add_test(tc, unknown_skipped_missing_kept);
    tcase_add_test(tc, wrong_type_or_size_fails);
    tcase_add_test(tc, every_truncation_refused);
    tcase_add_test(tc, every_flipped_byte_refused);
    tcase_add_test(tc, wrong_version_refused);
    tcase_add_test(tc, closed_fd_refused);
    tcase_add_test(tc, other_file_refused);
    tcase_add_test(tc, same_kind_other_file_refused);
    tcase_add_test(tc, fd_named_twice_refused);
    tcase_add_test(tc, stdio_fd_refused);
    tcase_add_test(tc, writer_errors);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(carry_suite(), NULL);
}
