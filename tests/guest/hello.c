/* hello: the smallest stdio program. */
#include <stdio.h>

int main(void)
{
    printf("Hello from ferry's guest!\n");
    return 0;
}
