/* illegal_insn: ud2 must kill the guest with SIGILL, exactly as on hardware. */
#include <stdio.h>

int main(void)
{
    printf("before ud2\n");
    fflush(stdout);
    __asm__ volatile("ud2");
    printf("after ud2 (must not print)\n");
    return 0;
}
