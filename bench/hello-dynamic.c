/*
 * hello-dynamic: the same trivial handler as hello-static, linked dynamically, to show
 * what the dynamic loader adds to every connection. Writes "hello\n" and exits.
 */
#include <unistd.h>

int main(void)
{
    static const char msg[] = "hello\n";

    return write(STDOUT_FILENO, msg, sizeof(msg) - 1) == (ssize_t)(sizeof(msg) - 1) ? 0 : 1;
}
