/* simd_rsqrt.c — guest program: the SSE approximations rsqrtps/rsqrtss/rcpps/rcpss through
 * compiler intrinsics, the way fast graphics and physics code uses them. Output is bit
 * patterns and integers only, so it is deterministic, and it is compared native vs ferry by
 * tests/guest/run.sh for every compiler and optimisation level of the Makefile. The results
 * are the CPU's own (the SDM bounds only their error), so this checks that ferry gives the
 * bits of the Intel CPU its tables were measured on.
 *
 * What it does: the fast inverse square root (rsqrtps, then one Newton-Raphson step
 * y * (1.5 - 0.5 * x * y * y)) over a range of inputs, with the approximation's error in units
 * of 2^-24; normalising a batch of 3-D vectors (structure of arrays) with it; division by
 * reciprocal (rcpps, a Newton step 2y - x*y*y, then a multiply); the scalar forms on special
 * values (zeros, denormals, infinities, NaNs, negatives, the extreme exponents), whose upper
 * lanes must pass through untouched; and an aligned array processed straight from memory.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xmmintrin.h>

#define SSE __attribute__((target("sse")))
#define N 64

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static float u2f(uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

/* A deterministic pseudo-random sequence. */
static uint32_t rng = 2024;
static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static float xs[N] __attribute__((aligned(16)));
static float vx[N] __attribute__((aligned(16))), vy[N] __attribute__((aligned(16))),
    vz[N] __attribute__((aligned(16)));
static float num[N] __attribute__((aligned(16))), den[N] __attribute__((aligned(16)));

static void fill(void)
{
    for (int i = 0; i < N; i++) {
        /* Positive values over many binades: 2^-40 .. 2^40. */
        xs[i] = ldexpf(1.0f + (float)(next() & 0xffff) / 65536.0f, (int)(next() % 81) - 40);
        vx[i] = (float)((int)(next() % 2001) - 1000) / 37.0f;
        vy[i] = (float)((int)(next() % 2001) - 1000) / 53.0f;
        vz[i] = (float)((int)(next() % 2001) - 1000) / 11.0f + 0.25f;
        num[i] = (float)((int)(next() % 100001) - 50000) / 7.0f;
        den[i] = ldexpf(1.0f + (float)(next() & 0xfff) / 4096.0f, (int)(next() % 21) - 10) *
                 ((next() & 1) ? 1.0f : -1.0f);
    }
}

/* ---------------------------------------------------------------- fast inverse sqrt */

SSE static __m128 rsqrt_nr(__m128 x)
{
    const __m128 half = _mm_set1_ps(0.5f), three_halves = _mm_set1_ps(1.5f);
    __m128 y = _mm_rsqrt_ps(x);
    __m128 hxyy = _mm_mul_ps(_mm_mul_ps(half, x), _mm_mul_ps(y, y));
    return _mm_mul_ps(y, _mm_sub_ps(three_halves, hxyy));
}

/* |approx - exact| / exact in units of 2^-24, rounded down (exact from double sqrt). */
static unsigned rel_err(float approx, float x)
{
    double exact = 1.0 / sqrt((double)x);
    return (unsigned)(fabs((double)approx - exact) / exact * 16777216.0);
}

SSE static void inverse_sqrt(void)
{
    unsigned max_raw = 0, max_nr = 0;
    uint32_t h = 0;
    for (int i = 0; i < N; i += 4) {
        __m128 x = _mm_load_ps(xs + i);
        float raw[4], nr[4];
        _mm_storeu_ps(raw, _mm_rsqrt_ps(x));
        _mm_storeu_ps(nr, rsqrt_nr(x));
        for (int k = 0; k < 4; k++) {
            unsigned e = rel_err(raw[k], xs[i + k]), f = rel_err(nr[k], xs[i + k]);
            if (e > max_raw) max_raw = e;
            if (f > max_nr) max_nr = f;
            h = h * 31 + f2u(raw[k]);
            h = h * 31 + f2u(nr[k]);
            if (i < 8) printf("  rsqrt %08x -> %08x, newton %08x\n", f2u(xs[i + k]),
                              f2u(raw[k]), f2u(nr[k]));
        }
    }
    printf("rsqrt: max error %u/2^24 raw, %u/2^24 after one Newton step; hash %08x\n", max_raw,
           max_nr, h);
}

/* ---------------------------------------------------------------- vector normalisation */

SSE static void normalise(void)
{
    uint32_t h = 0;
    unsigned worst = 0;
    for (int i = 0; i < N; i += 4) {
        __m128 x = _mm_load_ps(vx + i), y = _mm_load_ps(vy + i), z = _mm_load_ps(vz + i);
        __m128 len2 = _mm_add_ps(_mm_add_ps(_mm_mul_ps(x, x), _mm_mul_ps(y, y)), _mm_mul_ps(z, z));
        __m128 inv = rsqrt_nr(len2);
        float nx[4], ny[4], nz[4];
        _mm_storeu_ps(nx, _mm_mul_ps(x, inv));
        _mm_storeu_ps(ny, _mm_mul_ps(y, inv));
        _mm_storeu_ps(nz, _mm_mul_ps(z, inv));
        for (int k = 0; k < 4; k++) {
            /* How far from unit length, in units of 2^-24. */
            double l = sqrt((double)nx[k] * nx[k] + (double)ny[k] * ny[k] + (double)nz[k] * nz[k]);
            unsigned e = (unsigned)(fabs(l - 1.0) * 16777216.0);
            if (e > worst) worst = e;
            h = (h * 31 + f2u(nx[k])) * 31 + f2u(ny[k]);
            h = h * 31 + f2u(nz[k]);
        }
        if (i == 0) printf("  normalised (%08x %08x %08x) -> (%08x %08x %08x)\n", f2u(vx[0]),
                           f2u(vy[0]), f2u(vz[0]), f2u(nx[0]), f2u(ny[0]), f2u(nz[0]));
    }
    printf("normalise: %d vectors, worst |len-1| %u/2^24, hash %08x\n", N, worst, h);
}

/* ---------------------------------------------------------------- division by reciprocal */

SSE static void divide(void)
{
    const __m128 two = _mm_set1_ps(2.0f);
    uint32_t h = 0;
    unsigned exact = 0;
    for (int i = 0; i < N; i += 4) {
        __m128 d = _mm_load_ps(den + i);
        __m128 r = _mm_rcp_ps(d);
        __m128 r1 = _mm_mul_ps(r, _mm_sub_ps(two, _mm_mul_ps(d, r)));     /* Newton */
        __m128 q = _mm_mul_ps(_mm_load_ps(num + i), r1);
        float rr[4], qq[4];
        _mm_storeu_ps(rr, r);
        _mm_storeu_ps(qq, q);
        for (int k = 0; k < 4; k++) {
            exact += qq[k] == num[i + k] / den[i + k];
            h = (h * 31 + f2u(rr[k])) * 31 + f2u(qq[k]);
            if (i == 0) printf("  %08x / %08x: rcp %08x, quotient %08x\n", f2u(num[k]),
                               f2u(den[k]), f2u(rr[k]), f2u(qq[k]));
        }
    }
    printf("divide: %u of %d quotients equal to divps, hash %08x\n", exact, N, h);
}

/* ---------------------------------------------------------------- scalar forms, specials */

SSE static void scalars(void)
{
    static const uint32_t sp[] = {
        0x00000000, 0x80000000, 0x00000001, 0x807fffff, 0x00800000, 0x80800000, 0x3f800000,
        0xbf800000, 0x40800000, 0x7e7fffff, 0x7e800000, 0x7f7fffff, 0x7f800000, 0xff800000,
        0x7fc00000, 0x7fa00001, 0xffc12345, 0x3eaaaaab, 0x4b000001, 0x1f000000,
    };
    for (unsigned i = 0; i < sizeof sp / sizeof sp[0]; i++) {
        /* The upper lanes carry markers that the ss forms must keep. */
        __m128 v = _mm_set_ps(u2f(0x11111111), u2f(0x22222222), u2f(0x33333333), u2f(sp[i]));
        uint32_t r[4], q[4];
        _mm_storeu_ps((float *)r, _mm_rcp_ss(v));
        _mm_storeu_ps((float *)q, _mm_rsqrt_ss(v));
        printf("  %08x: rcpss %08x rsqrtss %08x (upper %08x %08x %08x / %08x %08x %08x)\n",
               sp[i], r[0], q[0], r[1], r[2], r[3], q[1], q[2], q[3]);
    }
}

/* ---------------------------------------------------------------- straight from memory */

SSE __attribute__((noinline)) static void in_place(float *p, int n)
{
    for (int i = 0; i < n; i += 4) {
        __m128 a = _mm_rsqrt_ps(_mm_load_ps(p + i));   /* a memory operand when optimised */
        _mm_store_ps(p + i, _mm_add_ps(a, _mm_rcp_ps(_mm_load_ps(p + i))));
    }
}

int main(void)
{
    fill();
    inverse_sqrt();
    normalise();
    divide();
    scalars();
    float tmp[N] __attribute__((aligned(16)));
    memcpy(tmp, xs, sizeof tmp);
    in_place(tmp, N);
    uint32_t h = 0;
    for (int i = 0; i < N; i++) h = h * 31 + f2u(tmp[i]);
    printf("in place: hash %08x\n", h);
    return 0;
}
