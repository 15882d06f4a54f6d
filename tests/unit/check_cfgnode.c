/* Unit tests for the node tree and the two syntax front-ends. */
#include <check.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "unit_run.h"
#include "cfgnode.h"
#include "utf8.h"
#include "conf_syntax.h"

static struct arena A;
static char err[512];

static void setup(void)
{
    A = (struct arena)ARENA_INIT;
    err[0] = '\0';
}

static void teardown(void)
{
    arena_free(&A);
}

static struct cfgnode *lc(const char *text)
{
    return conf_parse_libconfig(&A, "t.conf", text, strlen(text), err, sizeof(err));
}

static struct cfgnode *ym(const char *text)
{
    return conf_parse_yaml(&A, "t.yaml", text, strlen(text), err, sizeof(err));
}

START_TEST(test_build_and_lookup)
{
    struct cfgnode *map = cfgnode_new(&A, CFGNODE_MAP, "f", 1);
    struct cfgnode *list = cfgnode_new(&A, CFGNODE_LIST, "f", 2);
    struct cfgnode *s = cfgnode_new_scalar(&A, CFGSCALAR_INT, "42", 2, "f", 3);
    struct cfgnode *b = cfgnode_new_scalar(&A, CFGSCALAR_BOOL, "true", 4, "f", 4);
    bool dup;

    cfgnode_list_append(list, s);
    ck_assert_int_eq(cfgnode_map_add(&A, map, "items", 2, list, &dup), 0);
    ck_assert_int_eq(cfgnode_map_add(&A, map, "flag", 4, b, &dup), 0);
    ck_assert_int_eq(cfgnode_map_add(&A, map, "flag", 5, b, &dup), -1);
    ck_assert(dup);
    ck_assert_uint_eq(map->count, 2);
    ck_assert_ptr_eq(cfgnode_get(map, "items"), list);
    ck_assert_ptr_null(cfgnode_get(map, "nope"));
    ck_assert_ptr_null(cfgnode_get(list, "items"));
    ck_assert_int_eq(list->first->ival, 42);
    ck_assert(b->bval);
    ck_assert_str_eq(cfgnode_describe(list), "a list");
    ck_assert_str_eq(cfgnode_describe(s), "an integer");
    ck_assert_int_eq(cfgnode_line(b), 4);
}
END_TEST

START_TEST(test_parse_int)
{
    long long v;

    ck_assert(cfgnode_parse_int("-12", &v) && v == -12);
    ck_assert(cfgnode_parse_int("0x1f", &v) && v == 31);
    ck_assert(cfgnode_parse_int("0o17", &v) && v == 15);
    /* Out of range saturates (never wraps), so each key's range check names
     * it "too large" (check_config): a number, but no silent overflow. */
    ck_assert(cfgnode_parse_int("99999999999999999999999", &v) && v == LLONG_MAX);
    ck_assert(cfgnode_parse_int("-99999999999999999999999", &v) && v == LLONG_MIN);
    ck_assert(cfgnode_parse_int("9223372036854775807", &v) && v == LLONG_MAX);
    ck_assert(cfgnode_parse_int("9223372036854775808", &v) && v == LLONG_MAX);
    ck_assert(!cfgnode_parse_int("", &v));
    ck_assert(!cfgnode_parse_int(" 1", &v));
    ck_assert(!cfgnode_parse_int("1a", &v));
    ck_assert(!cfgnode_parse_int("0x", &v));
}
END_TEST

START_TEST(test_utf8)
{
    size_t bad;

    ck_assert(utf8_valid("h\xc3\xa9llo", 6, NULL));
    ck_assert(!utf8_valid("ab\xff", 3, &bad));
    ck_assert_uint_eq(bad, 2);
    ck_assert(!utf8_valid("a\0b", 3, &bad));
    ck_assert_uint_eq(bad, 1);
    ck_assert(!utf8_valid("\xc0\x80", 2, NULL));     /* overlong */
    ck_assert(!utf8_valid("\xed\xa0\x80", 3, NULL)); /* surrogate */
    ck_assert(!utf8_valid("\xe2\x82", 2, NULL));     /* truncated */
}
END_TEST

/* The same document in both syntaxes gives the same shape, kinds and lines. */
START_TEST(test_same_tree)
{
    struct cfgnode *l = lc("a = 1;\nb = \"x\";\nc = [\"p\",\n \"q\"];\nd = { e = true; };\n");
    struct cfgnode *y = ym("a: 1\nb: \"x\"\nc: [\"p\",\n \"q\"]\nd: {e: true}\n");
    struct cfgnode *roots[2] = {l, y};

    for (int i = 0; i < 2; i++) {
        struct cfgnode *r = roots[i];
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->type, CFGNODE_MAP);
        ck_assert_uint_eq(r->count, 4);
        ck_assert_int_eq(cfgnode_get(r, "a")->kind, CFGSCALAR_INT);
        ck_assert_int_eq(cfgnode_get(r, "a")->ival, 1);
        ck_assert_int_eq(cfgnode_get(r, "b")->kind, CFGSCALAR_STRING);
        ck_assert_int_eq(cfgnode_line(cfgnode_get(r, "b")), 2);
        ck_assert_int_eq(cfgnode_get(r, "c")->type, CFGNODE_LIST);
        ck_assert_str_eq(cfgnode_get(r, "c")->last->text, "q");
        ck_assert_int_eq(cfgnode_get(r, "c")->last->line, 4);
        ck_assert(cfgnode_get(cfgnode_get(r, "d"), "e")->bval);
        ck_assert_str_eq(cfgnode_get(r, "b")->file, i == 0 ? "t.conf" : "t.yaml");
    }
}
END_TEST

START_TEST(test_yaml_typing)
{
    struct cfgnode *r = ym("a: '1'\nb: 1.5\nc: ~\nd: yes\ne: !!str 7\nf: 0o17\ng: True\n");

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(cfgnode_get(r, "a")->kind, CFGSCALAR_STRING);
    ck_assert_int_eq(cfgnode_get(r, "b")->kind, CFGSCALAR_FLOAT);
    ck_assert_int_eq(cfgnode_get(r, "c")->kind, CFGSCALAR_NULL);
    ck_assert_int_eq(cfgnode_get(r, "d")->kind, CFGSCALAR_STRING);
    ck_assert_int_eq(cfgnode_get(r, "e")->kind, CFGSCALAR_STRING);
    ck_assert_int_eq(cfgnode_get(r, "f")->ival, 15);
    ck_assert_str_eq(cfgnode_get(r, "g")->text, "true");
}
END_TEST

START_TEST(test_yaml_key_line)
{
    struct cfgnode *r = ym("# c\nlisten:\n  - a\n  - b\n");
    const struct cfgnode *l;

    ck_assert_ptr_nonnull(r);
    l = cfgnode_get(r, "listen");
    ck_assert_int_eq(cfgnode_line(l), 2);
    ck_assert_int_eq(l->first->line, 3);
    ck_assert_int_eq(l->last->line, 4);
}
END_TEST

START_TEST(test_empty)
{
    struct cfgnode *r = lc("");

    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, CFGNODE_MAP);
    ck_assert_uint_eq(r->count, 0);
    r = ym("");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, CFGNODE_MAP);
    r = ym("# only a comment\n---\n");
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->type, CFGNODE_MAP);
}
END_TEST

START_TEST(test_errors)
{
    ck_assert_ptr_null(ym("a: 1\na: 2\n"));
    ck_assert_str_eq(err, "t.yaml:2: syntax error: duplicate key \"a\"");
    ck_assert_ptr_null(lc("a = 1;\na = 2;\n"));
    ck_assert_str_eq(err, "t.conf:2: syntax error: duplicate setting name");
    ck_assert_ptr_null(ym("a: [1,\n2\n"));
    ck_assert_ptr_nonnull(strstr(err, "t.yaml:"));
    ck_assert_ptr_null(lc("a = ;\n"));
    ck_assert_str_eq(err, "t.conf:1: syntax error: unexpected token");
    ck_assert_ptr_null(ym("a: &x 1\nb: *x\n"));
    ck_assert_str_eq(err, "t.yaml:2: syntax error: aliases are not supported");
    ck_assert_ptr_null(ym("a: 1\n---\nb: 2\n"));
    ck_assert_str_eq(err, "t.yaml:2: syntax error: more than one YAML document");
    ck_assert_ptr_null(ym("? [a]\n: 1\n"));
    ck_assert_str_eq(err, "t.yaml:1: syntax error: a map key must be a scalar");
    ck_assert_ptr_null(ym("a: \"x\\0y\"\n"));
    ck_assert_str_eq(err, "t.yaml:1: syntax error: NUL character in a string");
    ck_assert_ptr_null(lc("\n  @include \"x.conf\"\n"));
    ck_assert_str_eq(err, "t.conf:2: syntax error: @include is not supported; use the include key");
}
END_TEST

START_TEST(test_depth)
{
    char buf[4096];
    size_t n = 0;

    for (int i = 0; i < 200; i++)
        buf[n++] = '[';
    buf[n] = '\0';
    ck_assert_ptr_null(ym(buf));
    ck_assert_str_eq(err, "t.yaml:1: syntax error: nested too deeply");
    n = 0;
    memcpy(buf, "a = ", 4);
    n = 4;
    for (int i = 0; i < 100; i++)
        buf[n++] = '(';
    for (int i = 0; i < 100; i++)
        buf[n++] = ')';
    buf[n++] = ';';
    buf[n] = '\0';
    ck_assert_ptr_null(lc(buf));
    ck_assert_str_eq(err, "t.conf:1: syntax error: nested too deeply");
}
END_TEST

static Suite *cfgnode_suite(void)
{
    Suite *s = suite_create("cfgnode");
    TCase *tc = tcase_create("core");

    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_build_and_lookup);
    tcase_add_test(tc, test_parse_int);
    tcase_add_test(tc, test_utf8);
    tcase_add_test(tc, test_same_tree);
    tcase_add_test(tc, test_yaml_typing);
    tcase_add_test(tc, test_yaml_key_line);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_depth);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(cfgnode_suite(), NULL);
}
