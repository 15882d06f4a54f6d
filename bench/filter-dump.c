/*
 * filter-dump: write the seccomp program superserverd gives a service with
 * syscall_deny = the groups named (all nine when none is), as raw struct
 * sock_filter records on stdout, built by the daemon's own code
 * (sandbox_seccomp_build, tree layout).  bench/run hands it to
 * `refserver -f`, whose children attach it: the per-process cost the
 * spawner saves, measured with the very same filter.
 */
#include <stdio.h>
#include <stdlib.h>

#include "sandbox.h"
#include "syscall_groups.h"

int main(int argc, char **argv)
{
    unsigned groups = argc > 1 ? 0 : (1u << SCG_COUNT) - 1;
    struct sock_fprog prog;
    char err[256];

    for (int i = 1; i < argc; i++) {
        int g = syscall_groups_lookup(argv[i]);
        if (g < 0) {
            fprintf(stderr, "filter-dump: %s: not a group (%s)\n", argv[i], syscall_groups_list());
            return 2;
        }
        groups |= 1u << g;
    }
    if (sandbox_seccomp_build(groups, SANDBOX_SECCOMP_TREE, &prog, err, sizeof(err)) == -1) {
        fprintf(stderr, "filter-dump: %s\n", err);
        return 1;
    }
    int ok = fwrite(prog.filter, sizeof(*prog.filter), prog.len, stdout) == prog.len &&
             fflush(stdout) == 0;
    free(prog.filter);
    return ok ? 0 : 1;
}
