/* recursion: deep and mutual recursion, function pointers, and a 64-bit/32-bit integer mix. */
#include <stdint.h>
#include <stdio.h>

static unsigned long fib(unsigned n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static unsigned ack(unsigned m, unsigned n)
{
    return m == 0 ? n + 1 : n == 0 ? ack(m - 1, 1) : ack(m - 1, ack(m, n - 1));
}
static int is_odd(unsigned n);
static int is_even(unsigned n) { return n == 0 ? 1 : is_odd(n - 1); }
static int is_odd(unsigned n) { return n == 0 ? 0 : is_even(n - 1); }
static long depth(long n) { volatile char pad[64]; pad[0] = (char)n; return n == 0 ? pad[0] : 1 + depth(n - 1); }

int main(int argc, char **argv)
{
    (void)argv;
    unsigned (*f)(unsigned, unsigned) = ack;
    printf("fib(27)=%lu ack(2,9)=%u ack(3,5)=%u\n", fib(27), f(2, 9), f(3, 5));
    printf("even(10001)=%d odd(7777)=%d depth=%ld\n", is_even(10001 + (unsigned)argc - 1), is_odd(7777), depth(50000));
    uint64_t h = 1469598103934665603ull;
    for (uint32_t i = 0; i < 100000; i++) { h ^= i; h *= 1099511628211ull; h += (uint32_t)(h >> 29) / (i | 1) + (int32_t)h % 7; }
    printf("hash=%016llx\n", (unsigned long long)h);
    return 0;
}
