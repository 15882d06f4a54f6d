/* superserverd: placeholder main while the runtime is being written. */
#include <stdio.h>

int main(void)
{
    puts("superserverd " PACKAGE_VERSION);
    return 0;
}
