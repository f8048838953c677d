/* bench.h — what every benchmark program shares: a deterministic pseudo-random generator,
 * a 64-bit mixing function for checksums, the optional scale argument, and the one line of
 * output the harness compares against the native run.
 *
 * Contract of a benchmark program (bench/run.py relies on it): static, deterministic (no
 * time, no addresses, no environment in the result), one line "NAME checksum HEX" on stdout,
 * exit status 0. An optional argv[1] scales the work (a positive integer, default 1) for
 * debugging by hand; the harness always runs the default.
 */
#ifndef FERRY_BENCH_H
#define FERRY_BENCH_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

/* splitmix64: tiny, full-period over 2^64 states, good enough to generate test data. */
typedef struct { uint64_t s; } BenchRng;

static inline uint64_t bench_next(BenchRng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in [0, n) (the bias for n far below 2^64 does not matter here). */
static inline uint64_t bench_below(BenchRng *r, uint64_t n)
{
    return bench_next(r) % n;
}

/* Uniform double in [0, 1). */
static inline double bench_unit(BenchRng *r)
{
    return (double)(bench_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

/* Fold a value into a running checksum; order-sensitive. */
static inline uint64_t bench_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    return h * 0xff51afd7ed558ccdull;
}

/* The scale factor from argv[1], default 1. */
static inline int bench_scale(int argc, char **argv)
{
    if (argc < 2)
        return 1;
    int s = atoi(argv[1]);
    if (s < 1) {
        fprintf(stderr, "usage: %s [SCALE>=1]\n", argv[0]);
        exit(2);
    }
    return s;
}

static inline int bench_report(const char *name, uint64_t sum)
{
    printf("%s checksum %016llx\n", name, (unsigned long long)sum);
    return 0;
}

#endif
