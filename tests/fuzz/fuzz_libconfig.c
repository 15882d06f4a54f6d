/* Fuzz harness: bytes through the libconfig front-end into a node tree (see fuzz_tree.h). */
#include "fuzz_tree.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_front_end_run(conf_parse_libconfig, data, size);
}
