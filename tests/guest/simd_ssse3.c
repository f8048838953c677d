/* simd_ssse3.c — guest program: SSE3 and SSSE3 through compiler intrinsics, and the SSE2
 * byte-masked store maskmovdqu. Output is deterministic and compared native vs ferry by
 * tests/guest/run.sh.
 *
 * Kernels: a byte-shuffle / abs / sign / horizontal-add pass over a buffer (pshufb, pabs*,
 * psign*, phadd*, phsub*, pmaddubsw, pmulhrsw, printed as checksums), a memcpy-like loop that
 * rebuilds a misaligned source from aligned loads with palignr (every offset 0..15), the MMX
 * forms of the same instructions, SSE3 floating point (hadd/hsub/addsub, movddup, movshdup,
 * movsldup, lddqu: a complex multiply and a dot product, printed as bit patterns), and
 * maskmovdqu with several masks, including a store whose selected bytes reach a read-only
 * page: it must fault and leave memory untouched.
 *
 * The SSE3/SSSE3 functions carry __attribute__((target(...))) so the file builds with the
 * baseline flags of every variant (gcc, musl-gcc, clang); the program does not ask CPUID.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <emmintrin.h>
#include <pmmintrin.h>
#include <tmmintrin.h>

#define N 1024

static uint8_t src[N + 64] __attribute__((aligned(16)));
static uint8_t dst[N + 64] __attribute__((aligned(16)));

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* FNV-1a over bytes. */
static uint64_t hash(const void *p, size_t n)
{
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t k = 0; k < n; k++) h = (h ^ b[k]) * 0x100000001b3ull;
    return h;
}

static void fill(void)
{
    static const uint8_t edges[] = { 0x00, 0x01, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0x40 };
    for (int k = 0; k < N + 64; k++) {
        uint64_t r = next();
        src[k] = (r & 3) == 0 ? edges[(r >> 8) & 7] : (uint8_t)(r >> 16);
    }
}

/* ================================================================ SSSE3 on xmm */

__attribute__((target("ssse3"))) static void byte_kernel(void)
{
    const __m128i rev = _mm_setr_epi8(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
    uint64_t h[12];
    uint8_t out[12][N];
    for (int k = 0; k < N; k += 16) {
        __m128i a = _mm_load_si128((const __m128i *)(src + k));
        __m128i b = _mm_loadu_si128((const __m128i *)(src + k + 16));
        __m128i idx = _mm_loadu_si128((const __m128i *)(src + k + 7));  /* bit 7 zeroes */
        __m128i r[12] = {
            _mm_shuffle_epi8(a, rev),
            _mm_shuffle_epi8(a, idx),
            _mm_abs_epi8(a),
            _mm_abs_epi16(b),
            _mm_abs_epi32(a),
            _mm_sign_epi8(a, b),
            _mm_sign_epi16(b, a),
            _mm_sign_epi32(a, idx),
            _mm_hadd_epi16(a, b),
            _mm_hadds_epi16(a, b),
            _mm_hsub_epi16(a, b),
            _mm_hsubs_epi16(b, a),
        };
        for (int j = 0; j < 12; j++) _mm_storeu_si128((__m128i *)(out[j] + k), r[j]);
    }
    for (int j = 0; j < 12; j++) h[j] = hash(out[j], N);
    printf("pshufb rev %016llx idx %016llx\n", (unsigned long long)h[0], (unsigned long long)h[1]);
    printf("pabs b %016llx w %016llx d %016llx\n", (unsigned long long)h[2],
           (unsigned long long)h[3], (unsigned long long)h[4]);
    printf("psign b %016llx w %016llx d %016llx\n", (unsigned long long)h[5],
           (unsigned long long)h[6], (unsigned long long)h[7]);
    printf("phaddw %016llx phaddsw %016llx phsubw %016llx phsubsw %016llx\n",
           (unsigned long long)h[8], (unsigned long long)h[9], (unsigned long long)h[10],
           (unsigned long long)h[11]);
}

/* A fixed-point filter: pmaddubsw pairs, phaddd, pmulhrsw scaling; one 32-bit sum. */
__attribute__((target("ssse3"))) static void madd_kernel(void)
{
    const __m128i coef = _mm_setr_epi8(1, -2, 3, -4, 5, -6, 7, -8, 127, -128, 64, -64, 0, 1, -1, 2);
    const __m128i scale = _mm_set1_epi16(0x5a82);          /* ~ 0.7071 in Q15 */
    __m128i acc = _mm_setzero_si128(), acc2 = _mm_setzero_si128();
    for (int k = 0; k < N; k += 16) {
        __m128i a = _mm_load_si128((const __m128i *)(src + k));
        __m128i p = _mm_maddubs_epi16(a, coef);            /* saturating word pairs */
        __m128i q = _mm_mulhrs_epi16(p, scale);
        acc = _mm_add_epi32(acc, _mm_madd_epi16(q, _mm_set1_epi16(1)));
        acc2 = _mm_hadd_epi32(acc2, _mm_hsub_epi32(_mm_unpacklo_epi16(p, q),
                                                   _mm_unpackhi_epi16(q, p)));
    }
    acc = _mm_hadd_epi32(acc, acc);
    acc = _mm_hadd_epi32(acc, acc);
    uint8_t o[16];
    _mm_storeu_si128((__m128i *)o, acc2);
    printf("madd/mulhrs sum %d hadd/hsub chain %016llx\n", _mm_cvtsi128_si32(acc),
           (unsigned long long)hash(o, 16));
}

/* Copy n bytes from s (any alignment) to d (aligned) with aligned loads only: each output
 * block is palignr of two neighbouring aligned source blocks. */
#define ALIGN_CASE(o)                                                                    \
    case o:                                                                              \
        for (int k = 0; k < n; k += 16) {                                                \
            __m128i hi = _mm_load_si128((const __m128i *)(base + k + 16));               \
            _mm_store_si128((__m128i *)(d + k), _mm_alignr_epi8(hi, lo, o));             \
            lo = hi;                                                                     \
        }                                                                                \
        break;

__attribute__((target("ssse3"))) static void copy_alignr(uint8_t *d, const uint8_t *s, int n)
{
    unsigned off = (unsigned)((uintptr_t)s & 15);
    const uint8_t *base = s - off;
    __m128i lo = _mm_load_si128((const __m128i *)base);
    switch (off) {
    case 0:
        for (int k = 0; k < n; k += 16)
            _mm_store_si128((__m128i *)(d + k), _mm_load_si128((const __m128i *)(base + k)));
        break;
    ALIGN_CASE(1) ALIGN_CASE(2) ALIGN_CASE(3) ALIGN_CASE(4) ALIGN_CASE(5) ALIGN_CASE(6)
    ALIGN_CASE(7) ALIGN_CASE(8) ALIGN_CASE(9) ALIGN_CASE(10) ALIGN_CASE(11) ALIGN_CASE(12)
    ALIGN_CASE(13) ALIGN_CASE(14) ALIGN_CASE(15)
    }
}

__attribute__((target("ssse3"))) static void alignr_edges(void)
{
    __m128i a = _mm_load_si128((const __m128i *)src), b = _mm_load_si128((const __m128i *)(src + 16));
    __m128i r[6] = { _mm_alignr_epi8(a, b, 0), _mm_alignr_epi8(a, b, 16),
                     _mm_alignr_epi8(a, b, 20), _mm_alignr_epi8(a, b, 31),
                     _mm_alignr_epi8(a, b, 32), _mm_alignr_epi8(a, b, 200) };
    printf("palignr edges %016llx\n", (unsigned long long)hash(r, sizeof r));
}

static void test_alignr_copy(void)
{
    int bad = 0;
    uint64_t h = 0;
    for (int off = 0; off < 16; off++) {
        memset(dst, 0, sizeof dst);
        copy_alignr(dst, src + off, N);
        if (memcmp(dst, src + off, N)) bad++;
        h ^= hash(dst, N) + (uint64_t)off;
    }
    printf("palignr copy: %d of 16 offsets wrong, checksum %016llx\n", bad,
           (unsigned long long)h);
    alignr_edges();
}

/* ================================================================ SSSE3 on mm */

__attribute__((target("ssse3"))) static void mmx_kernel(void)
{
    uint64_t out[12 * (N / 8)];
    int n = 0;
    for (int k = 0; k + 16 <= N; k += 8) {
        __m64 a, b;
        memcpy(&a, src + k, 8);
        memcpy(&b, src + k + 8, 8);
        __m64 r[12] = {
            _mm_shuffle_pi8(a, b), _mm_abs_pi8(a), _mm_abs_pi16(b), _mm_abs_pi32(a),
            _mm_sign_pi8(a, b), _mm_sign_pi16(b, a), _mm_hadd_pi16(a, b), _mm_hadds_pi16(a, b),
            _mm_hsub_pi32(a, b), _mm_maddubs_pi16(a, b), _mm_mulhrs_pi16(a, b),
            _mm_alignr_pi8(a, b, 5),
        };
        for (int j = 0; j < 12; j++) memcpy(&out[n++], &r[j], 8);
    }
    _mm_empty();
    printf("mmx forms %016llx (%d results)\n", (unsigned long long)hash(out, 8 * (size_t)n), n);
}

/* ================================================================ SSE3 floating point */

static void print_ps(const char *name, __m128 v)
{
    uint32_t u[4];
    memcpy(u, &v, 16);
    printf("%s %08x %08x %08x %08x\n", name, u[0], u[1], u[2], u[3]);
}

static void print_pd(const char *name, __m128d v)
{
    uint64_t u[2];
    memcpy(u, &v, 16);
    printf("%s %016llx %016llx\n", name, (unsigned long long)u[0], (unsigned long long)u[1]);
}

/* (a + bi)(c + di) for two pairs of single-precision complex numbers. */
__attribute__((target("sse3"))) static __m128 cmul(__m128 x, __m128 y)
{
    __m128 re = _mm_moveldup_ps(y), im = _mm_movehdup_ps(y);
    __m128 xs = _mm_shuffle_ps(x, x, 0xb1);
    return _mm_addsub_ps(_mm_mul_ps(x, re), _mm_mul_ps(xs, im));
}

__attribute__((target("sse3"))) static void sse3_kernel(void)
{
    static const float f[16] = { 1.5f, -2.25f, 3.0f, 0.125f, 1e30f, 1e30f, -0.0f, 0.0f,
                                 1.0f / 3.0f, 7.0f, -1e-40f, 2.5e-39f, 65504.0f, -3.75f,
                                 1e-7f, 8.0f };
    static const double d[8] = { 1.0 / 3.0, 2.0, -1e300, 1e300, 0.1, -0.2, 5e-324, -0.0 };
    __m128 a = _mm_loadu_ps(f), b = _mm_loadu_ps(f + 4), c = _mm_loadu_ps(f + 8),
           e = _mm_loadu_ps(f + 12);
    __m128d p = _mm_loadu_pd(d), q = _mm_loadu_pd(d + 2), r = _mm_loadu_pd(d + 4),
            s = _mm_loadu_pd(d + 6);
    print_ps("haddps", _mm_hadd_ps(a, b));
    print_ps("hsubps", _mm_hsub_ps(c, e));
    print_ps("addsubps", _mm_addsub_ps(a, c));
    print_ps("movshdup", _mm_movehdup_ps(c));
    print_ps("movsldup", _mm_moveldup_ps(e));
    print_ps("cmul", cmul(a, c));
    print_pd("haddpd", _mm_hadd_pd(p, q));
    print_pd("hsubpd", _mm_hsub_pd(r, s));
    print_pd("addsubpd", _mm_addsub_pd(p, r));
    print_pd("movddup", _mm_movedup_pd(q));
    print_pd("loaddup", _mm_loaddup_pd(d + 5));
    /* a dot product with horizontal adds, over an lddqu'd misaligned stream */
    float v[67];
    for (int k = 0; k < 67; k++) v[k] = (float)((int)(next() % 2001) - 1000) / 64.0f;
    __m128 acc = _mm_setzero_ps();
    for (int k = 0; k + 4 <= 64; k += 4) {
        __m128 x = _mm_castsi128_ps(_mm_lddqu_si128((const __m128i *)(v + k + 1)));
        __m128 y = _mm_castsi128_ps(_mm_lddqu_si128((const __m128i *)(v + k + 3)));
        acc = _mm_add_ps(acc, _mm_mul_ps(x, y));
    }
    acc = _mm_hadd_ps(acc, acc);
    acc = _mm_hadd_ps(acc, acc);
    print_ps("dot", acc);
}

/* ================================================================ maskmovdqu */

static sigjmp_buf jb;
static volatile int got_sig, got_code;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    got_sig = sig;
    got_code = si->si_code;
    siglongjmp(jb, 1);
}

static void test_maskmov(void)
{
    uint8_t buf[64] __attribute__((aligned(16)));
    uint64_t h = 0;
    for (int t = 0; t < 40; t++) {
        memset(buf, 0xa5, sizeof buf);
        uint8_t m[16], v[16];
        for (int k = 0; k < 16; k++) {
            uint64_t x = next();
            m[k] = t == 0 ? 0 : t == 1 ? 0xff : (uint8_t)x;
            v[k] = (uint8_t)(x >> 8);
        }
        __m128i mk, dv;
        memcpy(&mk, m, 16);
        memcpy(&dv, v, 16);
        _mm_maskmoveu_si128(dv, mk, (char *)buf + (t % 33));
        h = h * 31 + hash(buf, sizeof buf);
    }
    printf("maskmovdqu checksum %016llx\n", (unsigned long long)h);

    /* Selected bytes on both sides of a page boundary, the second page read-only: a fault,
     * and nothing written on the first page. */
    long pg = sysconf(_SC_PAGESIZE);
    uint8_t *p = mmap(NULL, (size_t)(2 * pg), PROT_READ | PROT_WRITE,
                      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
        printf("mmap failed\n");
        return;
    }
    memset(p, 0x11, (size_t)(2 * pg));
    mprotect(p + pg, (size_t)pg, PROT_READ);
    struct sigaction sa, old;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    uint8_t m[16] = { 0 };
    m[0] = m[5] = m[9] = 0x80;      /* bytes 0 and 5 on the writable page, 9 on the other */
    __m128i mk, dv = _mm_set1_epi8(0x77);
    memcpy(&mk, m, 16);
    got_sig = 0;
    if (!sigsetjmp(jb, 1)) _mm_maskmoveu_si128(dv, mk, (char *)p + pg - 8);
    sigaction(SIGSEGV, &old, NULL);
    printf("maskmovdqu across a read-only page: signal %d, first page %s\n", got_sig,
           p[pg - 8] == 0x11 && p[pg - 3] == 0x11 ? "untouched" : "written");
    munmap(p, (size_t)(2 * pg));
}

int main(void)
{
    fill();
    byte_kernel();
    madd_kernel();
    test_alignr_copy();
    mmx_kernel();
    sse3_kernel();
    test_maskmov();
    return 0;
}
