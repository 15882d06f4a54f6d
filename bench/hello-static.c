/*
 * hello-static: the benchmark's trivial handler, linked statically when the C library
 * allows it so that exec costs no dynamic loading. Writes "hello\n" to stdout and exits.
 */
#include <unistd.h>

int main(void)
{
    static const char msg[] = "hello\n";

    return write(STDOUT_FILENO, msg, sizeof(msg) - 1) == (ssize_t)(sizeof(msg) - 1) ? 0 : 1;
}
