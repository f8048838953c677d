/* simd_sse41.c — guest program: SSE4.1 through compiler intrinsics, in functions compiled
 * with __attribute__((target("sse4.1"))) (no CPUID check: the program assumes the CPU has
 * SSE4.1, which every host running the test has). Output is deterministic and compared native
 * vs ferry by tests/guest/run.sh, for every compiler and optimisation level of the Makefile.
 *
 * What it does: a vectorised clamp/blend/round loop (pminsd/pmaxsd, blendvps, roundps with
 * every mode), widening sums of bytes and words (pmovzx/pmovsx), a search that leaves early on
 * ptest, float and double dot products (dpps/dppd), lane inserts and extracts, the integer
 * multiplies, packusdw, phminposuw, mpsadbw, pcmpeqq, movntdqa, and one plain C loop that gcc
 * -O3 vectorises with SSE4.1 instructions of its own choosing (pmulld, pminsd, pmovzx...).
 * Results are printed as integers or bit patterns, so nothing depends on printf's rounding.
 */
#include <smmintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define SSE41 __attribute__((target("sse4.1")))
#define N 64

static uint32_t f2u(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }
static uint64_t d2u(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }

/* A deterministic pseudo-random sequence. */
static uint32_t rng = 12345;
static uint32_t next(void)
{
    rng = rng * 1103515245u + 12345u;
    return rng >> 8;
}

static int32_t ia[N], ib[N];
static float fa[N], fb[N];
static uint8_t bytes[4 * N];
static int16_t words[N];

static void fill(void)
{
    for (int i = 0; i < N; i++) {
        ia[i] = (int32_t)(next() - (1u << 23)) * ((i & 3) ? 1 : 129);
        ib[i] = (int32_t)(next() % 2001) - 1000;
        fa[i] = (float)((int)(next() % 4001) - 2000) / 8.0f;     /* halves and quarters */
        fb[i] = (float)((int)(next() % 201) - 100) / 3.0f;
        words[i] = (int16_t)next();
    }
    for (int i = 0; i < 4 * N; i++) bytes[i] = (uint8_t)next();
}

/* ---- clamp, blend and round: the loop a vectorising programmer writes by hand ---- */

SSE41 static void clamp_blend_round(void)
{
    const __m128i lo = _mm_set1_epi32(-500000), hi = _mm_set1_epi32(500000);
    uint32_t hmin = 0, hmax = 0, hround[5] = { 0 };
    for (int i = 0; i < N; i += 4) {
        __m128i a = _mm_loadu_si128((const __m128i *)&ia[i]);
        __m128i b = _mm_loadu_si128((const __m128i *)&ib[i]);
        __m128i c = _mm_min_epi32(_mm_max_epi32(a, lo), hi);
        __m128i mn = _mm_min_epu32(a, b), mx = _mm_max_epi8(a, b);
        hmin = hmin * 31 + (uint32_t)_mm_extract_epi32(c, 0) + (uint32_t)_mm_extract_epi32(mn, 3);
        hmax = hmax * 31 + (uint32_t)_mm_extract_epi32(mx, 1) +
               (uint32_t)_mm_extract_epi32(_mm_max_epu16(a, b), 2) +
               (uint32_t)_mm_extract_epi32(_mm_min_epi8(a, b), 3) +
               (uint32_t)_mm_extract_epi32(_mm_min_epu16(a, b), 0) +
               (uint32_t)_mm_extract_epi32(_mm_max_epu32(a, b), 1);

        __m128 x = _mm_loadu_ps(&fa[i]), y = _mm_loadu_ps(&fb[i]);
        __m128 pick = _mm_blendv_ps(x, y, _mm_cmplt_ps(x, y));     /* max by blend */
        __m128 r[5] = {
            _mm_round_ps(pick, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC),
            _mm_floor_ps(x), _mm_ceil_ps(y),
            _mm_round_ps(_mm_mul_ps(x, y), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC),
            _mm_blend_ps(x, y, 0x5),
        };
        for (int k = 0; k < 5; k++)
            for (int l = 0; l < 4; l++) {
                float o[4];
                _mm_storeu_ps(o, r[k]);
                hround[k] = hround[k] * 33 + f2u(o[l]);
            }
    }
    printf("clamp/min: %08x  max: %08x\n", hmin, hmax);
    printf("round nearest %08x floor %08x ceil %08x trunc %08x blend %08x\n", hround[0],
           hround[1], hround[2], hround[3], hround[4]);
}

/* roundsd/roundpd, and _MM_FROUND_CUR_DIRECTION under each MXCSR rounding mode (restored
 * before anything else uses floating point). */
SSE41 static void round_modes(void)
{
    static const double v[] = { 2.5, -2.5, 3.5, -0.5, 0.5, 1e300, -1e-300, 4503599627370497.0,
                                -7.75, 0.49999999999999994 };
    static const unsigned modes[] = { _MM_ROUND_NEAREST, _MM_ROUND_DOWN, _MM_ROUND_UP,
                                      _MM_ROUND_TOWARD_ZERO };
    unsigned saved = _mm_getcsr();
    uint64_t out[4][10];
    for (int m = 0; m < 4; m++) {
        _mm_setcsr((saved & ~0x6000u) | modes[m]);
        for (int k = 0; k < 10; k += 2) {
            __m128d x = _mm_loadu_pd(&v[k]);
            __asm__ volatile("" : "+x"(x));     /* no folding with the default rounding */
            __m128d r = _mm_round_pd(x, _MM_FROUND_CUR_DIRECTION);
            __asm__ volatile("" : "+x"(r));     /* nor moving it across _mm_setcsr */
            double o[2];
            _mm_storeu_pd(o, r);
            out[m][k] = d2u(o[0]);
            out[m][k + 1] = d2u(o[1]);
        }
    }
    _mm_setcsr(saved);
    for (int m = 0; m < 4; m++) {
        printf("mode %d:", m);
        for (int k = 0; k < 10; k++) printf(" %llx", (unsigned long long)out[m][k]);
        printf("\n");
    }
    __m128d a = _mm_set_pd(9.0, -1.5), b = _mm_set_pd(0.0, 2.75);
    __m128d f = _mm_floor_sd(a, b), c = _mm_ceil_sd(a, b);
    __m128 s = _mm_round_ss(_mm_set1_ps(7.0f), _mm_set1_ps(-3.5f), _MM_FROUND_TO_NEAREST_INT);
    printf("floor_sd %llx %llx ceil_sd %llx ss %08x %08x\n", (unsigned long long)d2u(f[0]),
           (unsigned long long)d2u(f[1]), (unsigned long long)d2u(c[0]),
           f2u(_mm_cvtss_f32(s)), (unsigned)_mm_extract_ps(s, 1));
}

/* ---- widening sums (the narrow loads become the memory forms of pmovzx/pmovsx) ---- */

static inline __m128i load32(const void *p)
{
    int32_t v;
    memcpy(&v, p, 4);
    return _mm_cvtsi32_si128(v);
}

__attribute__((noinline)) static void print_sums(const int32_t *u32, const int16_t *s16,
                                                  const int64_t *q, const int32_t *w32,
                                                  const int64_t *q16, const int64_t *q32)
{
    printf("bytes: u32 %d %d %d %d  s16 %d %d  q %lld %lld\n", u32[0], u32[1], u32[2], u32[3],
           s16[0], s16[7], (long long)q[0], (long long)q[1]);
    printf("words: %d %d %d %d  q %lld %lld  dq %lld %lld\n", w32[0], w32[1], w32[2], w32[3],
           (long long)q16[0], (long long)q16[1], (long long)q32[0], (long long)q32[1]);
}

SSE41 static void widening_sums(void)
{
    __m128i su = _mm_setzero_si128(), ss = _mm_setzero_si128(), sq = _mm_setzero_si128();
    for (int i = 0; i < 4 * N; i += 8) {
        __m128i b8 = _mm_loadl_epi64((const __m128i *)&bytes[i]);
        su = _mm_add_epi32(su, _mm_cvtepu8_epi32(b8));
        su = _mm_add_epi32(su, _mm_cvtepu8_epi32(load32(&bytes[i + 4])));
        ss = _mm_add_epi16(ss, _mm_cvtepi8_epi16(b8));
        sq = _mm_add_epi64(sq, _mm_cvtepu8_epi64(b8));
        sq = _mm_add_epi64(sq, _mm_cvtepi8_epi64(load32(&bytes[i + 2])));
    }
    __m128i w = _mm_setzero_si128(), wq = _mm_setzero_si128(), dq = _mm_setzero_si128();
    for (int i = 0; i < N; i += 4) {
        __m128i v = _mm_loadl_epi64((const __m128i *)&words[i]);
        w = _mm_add_epi32(w, _mm_cvtepi16_epi32(v));
        wq = _mm_add_epi64(wq, _mm_cvtepu16_epi64(v));
        wq = _mm_add_epi64(wq, _mm_cvtepi16_epi64(load32(&words[i + 2])));
        w = _mm_add_epi32(w, _mm_cvtepu16_epi32(v));
        dq = _mm_add_epi64(dq, _mm_cvtepi32_epi64(_mm_loadl_epi64((const __m128i *)&ia[i])));
        dq = _mm_add_epi64(dq, _mm_cvtepu32_epi64(_mm_loadl_epi64((const __m128i *)&ib[i])));
    }
    /* Stored and printed by a baseline function: clang would combine extracts for printf
     * into SSSE3's palignr. */
    static int32_t u32[4], w32[4];
    static int16_t s16[8];
    static int64_t q[2], q16[2], q32[2];
    _mm_storeu_si128((__m128i *)u32, su);
    _mm_storeu_si128((__m128i *)s16, ss);
    _mm_storeu_si128((__m128i *)q, sq);
    _mm_storeu_si128((__m128i *)w32, w);
    _mm_storeu_si128((__m128i *)q16, wq);
    _mm_storeu_si128((__m128i *)q32, dq);
    print_sums(u32, s16, q, w32, q16, q32);
}

/* ---- ptest: find the first 16-byte block holding a byte equal to `c`, leaving early ---- */

/* The key is made outside the SSE4.1 functions: there a byte broadcast becomes SSSE3's
 * pshufb, which is not this program's subject. */
__attribute__((noinline)) static __m128i splat8(uint8_t c) { return _mm_set1_epi8((char)c); }

SSE41 static int find_block(const uint8_t *p, int n, uint8_t c, int *tested)
{
    __m128i key = splat8(c);
    *tested = 0;
    for (int i = 0; i + 16 <= n; i += 16) {
        __m128i eq = _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(p + i)), key);
        ++*tested;
        if (!_mm_testz_si128(eq, eq)) return i;
    }
    return -1;
}

SSE41 static void ptest_search(void)
{
    for (int c = 0; c < 256; c += 37) {
        int t, at = find_block(bytes, 4 * N, (uint8_t)c, &t);
        printf("find %3d: block %d after %d tests\n", c, at, t);
    }
    __m128i a = _mm_set_epi32(0, 0, 0xff, 0x10), m = _mm_set_epi32(0, 0, 0xf0, 0x10);
    printf("testc %d testnzc %d testz %d all_ones %d\n", _mm_testc_si128(a, m),
           _mm_testnzc_si128(a, m), _mm_testz_si128(a, _mm_setzero_si128()),
           _mm_test_all_ones(_mm_cmpeq_epi32(a, a)));
}

/* ---- dot products ---- */

SSE41 static void dot_products(void)
{
    uint32_t h = 0;
    float acc = 0.0f;
    for (int i = 0; i < N; i += 4) {
        __m128 x = _mm_loadu_ps(&fa[i]), y = _mm_loadu_ps(&fb[i]);
        __m128 d = _mm_dp_ps(x, y, 0xf1);
        acc += _mm_cvtss_f32(d);
        h = h * 31 + f2u(_mm_cvtss_f32(_mm_dp_ps(x, y, 0x7e))) +
            (uint32_t)_mm_extract_ps(_mm_dp_ps(x, y, 0xb2), 1);
    }
    double dacc = 0.0;
    uint64_t hd = 0;
    for (int i = 0; i < N; i += 2) {
        __m128d x = _mm_set_pd(fa[i + 1], fa[i]), y = _mm_set_pd(fb[i + 1], fb[i]);
        __m128d d = _mm_dp_pd(x, y, 0x31);
        dacc += _mm_cvtsd_f64(d);
        __m128d d2 = _mm_dp_pd(x, y, 0x22);     /* lane 1 only */
        hd = hd * 31 + d2u(_mm_cvtsd_f64(_mm_unpackhi_pd(d2, d2)));
    }
    printf("dpps sum %08x hash %08x  dppd sum %016llx hash %016llx\n", f2u(acc), h,
           (unsigned long long)d2u(dacc), (unsigned long long)hd);
}

/* ---- lanes, multiplies, packs and the rest ---- */

SSE41 static void lanes_and_misc(void)
{
    __m128i v = _mm_setzero_si128();
#define INS(k) v = _mm_insert_epi8(v, (0x11 * (k) + 3) & 0xff, k)
    INS(0); INS(1); INS(2); INS(3); INS(4); INS(5); INS(6); INS(7);
    INS(8); INS(9); INS(10); INS(11); INS(12); INS(13); INS(14); INS(15);
#undef INS
    v = _mm_insert_epi32(v, (int)0xdeadbeef, 2);
    v = _mm_insert_epi64(v, 0x0123456789abcdefll, 0);
    printf("insert: %016llx %016llx  extract b %d w %d d %x q %llx\n",
           (unsigned long long)_mm_extract_epi64(v, 1), (unsigned long long)_mm_extract_epi64(v, 0),
           _mm_extract_epi8(v, 13), _mm_extract_epi16(v, 3), (unsigned)_mm_extract_epi32(v, 1),
           (unsigned long long)_mm_extract_epi64(v, 1));
    __m128 f = _mm_set_ps(4.0f, 3.0f, 2.0f, 1.0f), g = _mm_set_ps(-8.0f, -7.0f, -6.0f, -5.0f);
    __m128 ins = _mm_insert_ps(f, g, 0xd4);      /* g[3] into lane 1, lane 2 zeroed */
    float o[4];
    _mm_storeu_ps(o, ins);
    printf("insertps: %08x %08x %08x %08x extractps %08x\n", f2u(o[0]), f2u(o[1]), f2u(o[2]),
           f2u(o[3]), (unsigned)_mm_extract_ps(g, 2));

    __m128i a = _mm_set_epi32(-7, 65537, -100000, 3), b = _mm_set_epi32(9, -65535, 300000, -5);
    __m128i lo = _mm_mullo_epi32(a, b), wide = _mm_mul_epi32(a, b);
    printf("mullo %d %d %d %d  mul_epi32 %lld %lld\n", _mm_extract_epi32(lo, 0),
           _mm_extract_epi32(lo, 1), _mm_extract_epi32(lo, 2), _mm_extract_epi32(lo, 3),
           (long long)_mm_extract_epi64(wide, 0), (long long)_mm_extract_epi64(wide, 1));
    __m128i p = _mm_packus_epi32(a, b);
    __m128i mp = _mm_minpos_epu16(_mm_set_epi16(9, 4, 7, 4, 100, 5, 8, 6));
    printf("packus %016llx %016llx  minpos %x\n", (unsigned long long)_mm_extract_epi64(p, 1),
           (unsigned long long)_mm_extract_epi64(p, 0), (unsigned)_mm_cvtsi128_si32(mp));
    __m128i s1 = _mm_loadu_si128((const __m128i *)bytes);
    __m128i s2 = _mm_loadu_si128((const __m128i *)(bytes + 16));
    __m128i sad0 = _mm_mpsadbw_epu8(s1, s2, 0), sad5 = _mm_mpsadbw_epu8(s1, s2, 5);
    printf("mpsadbw %016llx %016llx %016llx %016llx\n",
           (unsigned long long)_mm_extract_epi64(sad0, 1), (unsigned long long)_mm_extract_epi64(sad0, 0),
           (unsigned long long)_mm_extract_epi64(sad5, 1), (unsigned long long)_mm_extract_epi64(sad5, 0));
    __m128i q1 = _mm_set_epi64x(5, -1), q2 = _mm_set_epi64x(5, 0xffffffffll);
    __m128i eq = _mm_cmpeq_epi64(q1, q2);
    static __m128i aligned_src;
    aligned_src = _mm_set_epi32(1, 2, 3, 4);
    __m128i nt = _mm_stream_load_si128(&aligned_src);
    __m128i bw = _mm_blend_epi16(s1, s2, 0x96), bv = _mm_blendv_epi8(s1, s2, s1);
    /* distinct lanes: a constant with equal lanes would be loaded with SSE3's movddup */
    __m128d o1 = _mm_set_pd(1.0, 3.0), o2 = _mm_set_pd(2.0, 4.0);
    __m128d bd = _mm_blend_pd(o1, o2, 2);
    __m128d bvd = _mm_blendv_pd(o1, o2, _mm_set_pd(-0.0, 0.0));
    printf("cmpeq_epi64 %llx %llx stream %x blend_epi16 %016llx blendv_epi8 %016llx pd %llx %llx\n",
           (unsigned long long)_mm_extract_epi64(eq, 0), (unsigned long long)_mm_extract_epi64(eq, 1),
           (unsigned)_mm_extract_epi32(nt, 3), (unsigned long long)_mm_extract_epi64(bw, 1),
           (unsigned long long)_mm_extract_epi64(bv, 0), (unsigned long long)d2u(bd[1]),
           (unsigned long long)d2u(bvd[1]));
}

/* ---- a plain loop: gcc -O3 vectorises it with SSE4.1 (pmovzxbd/pmovsxwd for the widening,
 * pmulld for the multiply, pminsd/pmaxsd for the clamp); at -O0 it is scalar code ---- */

SSE41 __attribute__((noinline)) static void autovec(int32_t *out, const uint8_t *u,
                                                    const int16_t *s, const int32_t *k, int n)
{
    for (int i = 0; i < n; i++) {
        int32_t x = (int32_t)u[i] * k[i] + s[i];
        x = x < -100000 ? -100000 : x;
        out[i] = x > 100000 ? 100000 : x;
    }
}

static void plain_loop(void)
{
    static int32_t out[N];
    autovec(out, bytes, words, ia, N);
    uint32_t h = 0;
    for (int i = 0; i < N; i++) h = h * 131 + (uint32_t)out[i];
    printf("autovec: %d %d %d hash %08x\n", out[0], out[1], out[N - 1], h);
}

int main(void)
{
    fill();
    clamp_blend_round();
    round_modes();
    widening_sums();
    ptest_search();
    dot_products();
    lanes_and_misc();
    plain_loop();
    return 0;
}
