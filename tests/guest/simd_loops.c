/* simd_loops.c — guest program: the loops compilers vectorise at -O3 (and with
 * -march=x86-64-v2, with SSE4.1 forms: pmovsx/pmovzx, pminsd, pmulld, blendv, roundps):
 * float and double saxpy, element-wise products and divisions, int/short/byte sums and
 * min/max/abs, conversions between int, float and double arrays, widening and narrowing,
 * masked selects, shifts, a stencil and a matrix product. Results print as hex checksums
 * of the output arrays, so every bit is compared with the native run. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N 1027      /* not a multiple of any vector width: the scalar tails run too */

static float fa[N], fb[N], fc[N];
static double da[N], db[N], dc[N];
static int32_t ia[N], ib[N], ic[N];
static int16_t sa[N], sb[N];
static uint8_t ua[N], ub[N];
static int64_t la[N];

static uint64_t hash(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

#define SHOW(name, arr) printf("%-18s %016llx\n", name, (unsigned long long)hash(arr, sizeof arr))

static void init(void)
{
    uint32_t x = 12345;
    for (int i = 0; i < N; i++) {
        x = x * 1103515245u + 12345u;
        fa[i] = (float)(int32_t)x / 65536.0f;
        fb[i] = (float)(i % 97) * 0.37f - 11.0f;
        da[i] = (double)(int32_t)x / 3.0e4;
        db[i] = (double)(i % 89) * 0.173 - 7.5;
        ia[i] = (int32_t)x >> 7;
        ib[i] = (int32_t)(i * 2654435761u) >> 9;
        sa[i] = (int16_t)(x >> 11);
        sb[i] = (int16_t)(i * 37 - 20000);
        ua[i] = (uint8_t)(x >> 17);
        ub[i] = (uint8_t)(i * 13);
    }
}

int main(void)
{
    init();
    for (int i = 0; i < N; i++) fc[i] = 2.5f * fa[i] + fb[i];
    SHOW("saxpy f32", fc);
    for (int i = 0; i < N; i++) dc[i] = da[i] * db[i] - da[i] / (db[i] + 100.0);
    SHOW("mul/div f64", dc);
    for (int i = 0; i < N; i++) fc[i] = sqrtf(fabsf(fa[i])) + fminf(fa[i], fb[i]);
    SHOW("sqrt/min f32", fc);
    for (int i = 0; i < N; i++) dc[i] = fmax(da[i], db[i]) * 0.5;
    SHOW("max f64", dc);
    int64_t isum = 0;
    int32_t imax = INT32_MIN, imin = INT32_MAX;
    for (int i = 0; i < N; i++) {
        isum += ia[i];
        imax = ia[i] > imax ? ia[i] : imax;
        imin = ib[i] < imin ? ib[i] : imin;
    }
    printf("%-18s %lld %d %d\n", "int reductions", (long long)isum, imax, imin);
    for (int i = 0; i < N; i++) ic[i] = ia[i] * ib[i] + (ia[i] >> 3) - abs(ib[i]);
    SHOW("mul/abs i32", ic);
    for (int i = 0; i < N; i++) ic[i] = ia[i] > ib[i] ? ia[i] : ib[i] ^ 0x55;
    SHOW("select i32", ic);
    int32_t ssum = 0;
    for (int i = 0; i < N; i++) ssum += sa[i] * sb[i];
    printf("%-18s %d\n", "dot i16", ssum);
    for (int i = 0; i < N; i++) ic[i] = sa[i] + (int32_t)ua[i];
    SHOW("widen i16/u8", ic);
    for (int i = 0; i < N; i++) sa[i] = (int16_t)(ia[i] >> 16);
    SHOW("narrow i32->i16", sa);
    for (int i = 0; i < N; i++) ua[i] = (uint8_t)(ua[i] > ub[i] ? ua[i] - ub[i] : ub[i] - ua[i]);
    SHOW("absdiff u8", ua);
    unsigned usum = 0;
    for (int i = 0; i < N; i++) usum += ua[i];
    printf("%-18s %u\n", "sum u8", usum);
    for (int i = 0; i < N; i++) fc[i] = (float)ia[i] * 0.001f;
    SHOW("i32->f32", fc);
    for (int i = 0; i < N; i++) ic[i] = (int32_t)(fa[i] * 3.0f);
    SHOW("f32->i32", ic);
    for (int i = 0; i < N; i++) dc[i] = (double)fa[i] + (double)ia[i];
    SHOW("f32,i32->f64", dc);
    for (int i = 0; i < N; i++) fc[i] = (float)(da[i] * 1.5);
    SHOW("f64->f32", fc);
    for (int i = 0; i < N; i++) la[i] = (int64_t)ia[i] * ib[i];
    SHOW("i32*i32->i64", la);
    for (int i = 0; i < N; i++) ic[i] = (int32_t)((uint32_t)ia[i] << (i & 7)) ^ (ib[i] >> (i & 3));
    SHOW("shifts i32", ic);
    for (int i = 0; i < N; i++) fc[i] = floorf(fa[i]) + roundf(fb[i]) + truncf(fa[i] * 0.3f);
    SHOW("floor/round f32", fc);
    for (int i = 1; i < N - 1; i++) dc[i] = 0.25 * da[i - 1] + 0.5 * da[i] + 0.25 * da[i + 1];
    SHOW("stencil f64", dc);
    static float m1[32][32], m2[32][32], m3[32][32];
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            m1[i][j] = fa[i * 32 + j];
            m2[i][j] = fb[j * 32 + i];
        }
    for (int i = 0; i < 32; i++)
        for (int j = 0; j < 32; j++) {
            float s = 0;
            for (int k = 0; k < 32; k++) s += m1[i][k] * m2[k][j];
            m3[i][j] = s;
        }
    SHOW("matmul f32", m3);
    return 0;
}
