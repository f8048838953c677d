/* alu_div_fault.c — a divide error (#DE) ends the program with SIGFPE, as natively: a few
 * 128/64-bit divisions that fit are printed first, then idiv divides INT64_MIN by -1, whose
 * quotient does not fit. tests/guest/run.sh compares the output and the exit status (136).
 */
#include <stdint.h>
#include <stdio.h>

static uint64_t divq(uint64_t hi, uint64_t lo, uint64_t d, uint64_t *rem)
{
    __asm__ volatile("divq %[d]" : "+a"(lo), "+d"(hi) : [d] "rm"(d) : "cc");
    *rem = hi;
    return lo;
}

static int64_t idivq(int64_t hi, int64_t lo, int64_t d)
{
    __asm__ volatile("idivq %[d]" : "+a"(lo), "+d"(hi) : [d] "rm"(d) : "cc");
    return lo;
}

int main(int argc, char **argv)
{
    (void)argv;
    static const uint64_t cases[][3] = {
        { 0, 1000000007, 10 },
        { 1, 0, 3 },
        { 0x0123456789abcdefull, 0xfedcba9876543210ull, 0x8000000000000001ull },
        { 0xfffffffffffffffeull, 0xffffffffffffffffull, 0xffffffffffffffffull },
    };
    for (unsigned i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        uint64_t r, q = divq(cases[i][0], cases[i][1], cases[i][2], &r);
        printf("%016llx:%016llx / %016llx = %016llx rem %016llx\n",
               (unsigned long long)cases[i][0], (unsigned long long)cases[i][1],
               (unsigned long long)cases[i][2], (unsigned long long)q, (unsigned long long)r);
    }
    printf("idiv -2^63 / -1 now\n");
    fflush(stdout);
    volatile int64_t minus_one = (int64_t)argc - argc - 1;
    int64_t q = idivq(-1, INT64_MIN, minus_one);
    printf("not reached: %lld\n", (long long)q);
    return 0;
}
