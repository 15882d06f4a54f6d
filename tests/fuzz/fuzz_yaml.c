/*
 * Fuzz harness: bytes through the YAML front-end into a node tree (see
 * fuzz_tree.h).  Also: map keys are names, never normalized like boolean
 * values, so a key "true" or "false" must be spelled so in the input
 * (unless an escape could have written it).
 */
#include "fuzz_tree.h"

static const uint8_t *input;
static size_t input_size;

static bool in_input(const char *s)
{
    size_t n = strlen(s);

    for (size_t i = 0; i + n <= input_size; i++)
        if (memcmp(input + i, s, n) == 0)
            return true;
    return false;
}

static void check_keys(const struct cfgnode *n)
{
    for (const struct cfgnode *c = n->first; c != NULL; c = c->next) {
        if (c->key != NULL && (strcmp(c->key, "true") == 0 || strcmp(c->key, "false") == 0))
            FUZZ_ASSERT(in_input(c->key));
        check_keys(c);
    }
}

static struct cfgnode *parse_and_check(struct arena *a, const char *file, const char *buf,
                                       size_t len, char *err, size_t errlen)
{
    struct cfgnode *root = conf_parse_yaml(a, file, buf, len, err, errlen);

    if (root != NULL && memchr(buf, '\\', len) == NULL)
        check_keys(root);
    return root;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input = data;
    input_size = size;
    return fuzz_front_end_run(parse_and_check, data, size);
}
