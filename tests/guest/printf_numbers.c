/* printf_numbers: integer and floating formatting through printf, and the exit status. */
#include <inttypes.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>

int main(void)
{
    int ints[] = { 0, 1, -1, 42, -12345, INT_MAX, INT_MIN };
    for (unsigned i = 0; i < sizeof ints / sizeof ints[0]; i++)
        printf("%d|%5d|%-5d|%x|%o|%u\n", ints[i], ints[i], ints[i], ints[i], ints[i], (unsigned)ints[i]);
    long long big[] = { 0, 1234567890123LL, -987654321987LL, LLONG_MAX, LLONG_MIN };
    for (unsigned i = 0; i < sizeof big / sizeof big[0]; i++)
        printf("%lld %llx %020lld\n", big[i], (unsigned long long)big[i], big[i]);
    printf("%" PRIu64 " %" PRIx64 "\n", UINT64_MAX, UINT64_MAX / 3);
    printf("%c%c%c %s %.3s %10s|\n", 'a', 'b', 'c', "str", "truncate", "pad");
    double d[] = { 0.0, 1.5, -2.25, 3.14159265358979, 1e10, 1e-10, 123456.789 };
    for (unsigned i = 0; i < sizeof d / sizeof d[0]; i++)
        printf("%f %.2f %e %g\n", d[i], d[i], d[i], d[i]);
    printf("%zu %p\n", sizeof(long), (void *)0x1234);
    return 7;
}
