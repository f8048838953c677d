/* simd_sse42: SSE4.2, AES-NI and PCLMULQDQ through compiler intrinsics, compared with a
 * native run.
 *
 *   - string routines built on pcmpistri/pcmpestri/pcmpistrm/pcmpestrm (strlen, strchr,
 *     strrchr, strstr, strcspn, strspn, strpbrk, memchr, a range-based counter and to-upper,
 *     UTF-16 length, signed word ranges), each checked against libc or a scalar loop over
 *     many pseudo-random strings, some ending right before a PROT_NONE page (the routines
 *     load whole aligned blocks, or copy the bytes left on the page, so they never touch it);
 *   - every imm8 mode (0..127) of the four string compares and their flag intrinsics on
 *     pseudo-random operands, folded into one hash per instruction;
 *   - pcmpgtq on edge values;
 *   - crc32 of buffers with _mm_crc32_u8/u16/u32/u64 against a bitwise CRC-32C, and the
 *     check value of "123456789" (E3069283h);
 *   - AES-128: the FIPS-197 Appendix C.1 vector with aeskeygenassist, aesenc, aesenclast,
 *     and back with aesimc, aesdec, aesdeclast, then a buffer in CTR mode;
 *   - pclmulqdq: every quadword selection against a scalar carry-less product, and
 *     multiplication in GF(2^128) (x^128 + x^7 + x^2 + x + 1) against a bitwise one.
 *
 * Functions that use the intrinsics carry __attribute__((target(...))), so the default guest
 * build rule (no -m flags; gcc, clang, musl) compiles them; they contain little else, so the
 * compiler has no reason to put other SSE4.1/SSSE3 instructions in them (loops of scalar code
 * live in plain functions that are not inlined into them). Nothing checks CPUID: the program
 * assumes the instructions exist, as the lead's CPU model will say. The output is
 * deterministic, so a run under ferry must print exactly what the native run prints.
 */
#define _GNU_SOURCE
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

typedef uint64_t u64;
typedef uint32_t u32;
typedef uint16_t u16;
typedef uint8_t u8;

#define T42 __attribute__((target("sse4.2"), noinline))
#define TAES __attribute__((target("aes"), noinline))
#define TCLMUL __attribute__((target("pclmul"), noinline))
#define PLAIN __attribute__((noinline))

static u64 rng_s = 0x243f6a8885a308d3ull;
static u64 rnd(void)
{
    u64 z = (rng_s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static u64 hash_s;
static void hash(u64 v)
{
    hash_s = (hash_s ^ v) * 0x100000001b3ull;
    hash_s ^= hash_s >> 29;
}

static void hash128(__m128i v)
{
    u64 q[2];
    memcpy(q, &v, 16);
    hash(q[0]);
    hash(q[1]);
}

/* ================================================================ loading near a page end */

enum { PAGE = 4096 };

/* 16 bytes at p. A load that would reach into the next page copies only the bytes left on
 * this one and zero-fills the rest (the strings and buffers here may end right before a
 * PROT_NONE page; a zero past the end changes no result of the routines below). */
static PLAIN __m128i load16(const void *p)
{
    uintptr_t left = PAGE - ((uintptr_t)p & (PAGE - 1));
    if (left >= 16) return _mm_loadu_si128((const __m128i *)p);
    u8 b[16] = { 0 };
    memcpy(b, p, left);
    return _mm_loadu_si128((const __m128i *)b);
}

/* A vector holding the bytes of s (at most 16), zero-padded: a set or a needle. */
static PLAIN __m128i vec_of(const char *s)
{
    u8 b[16] = { 0 };
    size_t n = strlen(s);
    memcpy(b, s, n < 16 ? n : 16);
    return _mm_loadu_si128((const __m128i *)b);
}

/* ================================================================ string routines */

enum {
    UB = _SIDD_UBYTE_OPS, UW = _SIDD_UWORD_OPS, SB = _SIDD_SBYTE_OPS, SW = _SIDD_SWORD_OPS,
    ANY = _SIDD_CMP_EQUAL_ANY, RANGES = _SIDD_CMP_RANGES, EACH = _SIDD_CMP_EQUAL_EACH,
    ORDERED = _SIDD_CMP_EQUAL_ORDERED, NEG = _SIDD_NEGATIVE_POLARITY,
    MNEG = _SIDD_MASKED_NEGATIVE_POLARITY, MSB = _SIDD_MOST_SIGNIFICANT,
    UNITMASK = _SIDD_UNIT_MASK,
};

/* strlen: the first block is the aligned one holding s, its null bytes found by pcmpestrm
 * (explicit lengths: the set is one zero byte) and those before s masked off; then whole
 * aligned blocks, whose first null pcmpistri finds (each block compared with itself, equal
 * each, masked negative: bit j is set from the first null on). Aligned loads never cross a
 * page. */
static T42 size_t sse42_strlen(const char *s)
{
    const char *p = (const char *)((uintptr_t)s & ~(uintptr_t)15);
    __m128i v = _mm_load_si128((const __m128i *)p);
    unsigned nul = (unsigned)_mm_cvtsi128_si32(_mm_cmpestrm(_mm_setzero_si128(), 1, v, 16,
                                                            UB | ANY));
    nul >>= (unsigned)(s - p);
    if (nul) return (size_t)__builtin_ctz(nul);
    for (p += 16;; p += 16) {
        v = _mm_load_si128((const __m128i *)p);
        if (_mm_cmpistrz(v, v, UB | EACH | MNEG))
            return (size_t)(p - s) + (size_t)_mm_cmpistri(v, v, UB | EACH | MNEG);
    }
}

/* strchr for c != 0: the set is c alone (implicit length 1). */
static T42 const char *sse42_strchr(const char *s, __m128i set)
{
    for (;; s += 16) {
        __m128i v = load16(s);
        int i = _mm_cmpistri(set, v, UB | ANY);
        if (_mm_cmpistrc(set, v, UB | ANY)) return s + i;
        if (_mm_cmpistrz(set, v, UB | ANY)) return NULL;
    }
}

/* strrchr for c != 0: the last match of each block (most significant index). */
static T42 const char *sse42_strrchr(const char *s, __m128i set)
{
    const char *last = NULL;
    for (;; s += 16) {
        __m128i v = load16(s);
        int i = _mm_cmpistri(set, v, UB | ANY | MSB);
        if (_mm_cmpistrc(set, v, UB | ANY | MSB)) last = s + i;
        if (_mm_cmpistrz(set, v, UB | ANY | MSB)) return last;
    }
}

/* Does the needle n occur at h (scalar, for needles longer than 16 bytes)? */
static PLAIN int starts_with(const char *h, const char *n)
{
    while (*n && *h == *n) h++, n++;
    return *n == 0;
}

/* strstr for a non-empty needle: equal ordered finds where the needle's first 16 bytes
 * start, a match running past the block counting as a candidate. */
static T42 const char *sse42_strstr(const char *h, const char *n)
{
    __m128i nd = load16(n);
    for (;;) {
        __m128i v = load16(h);
        int i = _mm_cmpistri(nd, v, UB | ORDERED);
        if (_mm_cmpistrc(nd, v, UB | ORDERED)) {
            if (starts_with(h + i, n)) return h + i;
            h += i + 1;
        } else if (_mm_cmpistrz(nd, v, UB | ORDERED)) {
            return NULL;
        } else {
            h += 16;
        }
    }
}

/* strcspn: the first byte in the set (equal any), else the null, which pcmpistri finds
 * comparing the block with itself (equal each, masked negative). */
static T42 size_t sse42_strcspn(const char *s, __m128i set)
{
    for (size_t k = 0;; k += 16) {
        __m128i v = load16(s + k);
        int i = _mm_cmpistri(set, v, UB | ANY);
        if (_mm_cmpistrc(set, v, UB | ANY)) return k + (size_t)i;
        if (_mm_cmpistrz(set, v, UB | ANY)) return k + (size_t)_mm_cmpistri(v, v, UB | EACH | MNEG);
    }
}

/* strspn: the first byte not in the set. Negative polarity negates the bits past the null
 * too, so the null counts as "not in the set" and the index is the length there. */
static T42 size_t sse42_strspn(const char *s, __m128i set)
{
    for (size_t k = 0;; k += 16) {
        __m128i v = load16(s + k);
        int i = _mm_cmpistri(set, v, UB | ANY | NEG);
        if (i < 16) return k + (size_t)i;
    }
}

/* strpbrk: the first byte in the set; a null in the block without one ends the search. The
 * mask form this time: the bit mask of matches, its lowest bit the answer. */
static T42 const char *sse42_strpbrk(const char *s, __m128i set)
{
    for (;; s += 16) {
        __m128i v = load16(s);
        unsigned m = (unsigned)_mm_cvtsi128_si32(_mm_cmpistrm(set, v, UB | ANY));
        if (m) return s + __builtin_ctz(m);
        if (_mm_cmpistrz(set, v, UB | ANY)) return NULL;
    }
}

/* memchr over binary data (zeros included): explicit lengths, the remaining count given
 * with alternating signs (the instruction takes its absolute value, saturated to 16). */
static T42 const void *sse42_memchr(const void *buf, __m128i set, size_t len)
{
    const u8 *p = buf;
    for (size_t k = 0; k < len; k += 16) {
        __m128i v = load16(p + k);
        int rem = (int)(len - k);
        if (k & 16) rem = -rem;
        int i = _mm_cmpestri(set, 1, v, rem, UB | ANY);
        if (_mm_cmpestrc(set, 1, v, rem, UB | ANY)) return p + k + i;
    }
    return NULL;
}

/* The number of bytes in the ranges of `ranges` (pairs, implicit length): a bit mask. */
static T42 unsigned sse42_count_ranges(const char *s, __m128i ranges)
{
    unsigned n = 0;
    for (;; s += 16) {
        __m128i v = load16(s);
        __m128i m = _mm_cmpistrm(ranges, v, UB | RANGES);
        n += (unsigned)__builtin_popcount((unsigned)_mm_cvtsi128_si32(m));
        if (_mm_cmpistrz(ranges, v, UB | RANGES)) return n;
    }
}

/* To upper case of one 16-byte block: the byte mask of 'a'..'z' selects where 0x20 goes. */
static T42 __m128i sse42_upper16(__m128i v, __m128i az, __m128i x20)
{
    __m128i m = _mm_cmpistrm(az, v, UB | RANGES | UNITMASK);
    return _mm_sub_epi8(v, _mm_and_si128(m, x20));
}

/* UTF-16 length: words, implicit length (the first zero word). */
static T42 size_t sse42_wcslen16(const u16 *s)
{
    for (size_t k = 0;; k += 8) {
        __m128i v = load16(s + k);
        if (_mm_cmpistrz(v, v, UW | EACH | MNEG)) return k + (size_t)_mm_cmpistri(v, v, UW | EACH | MNEG);
    }
}

/* Signed words of w[0..n) in [lo, hi] (explicit lengths: the range pair is 2 long). */
static T42 unsigned sse42_count_sword_range(const int16_t *w, size_t n, __m128i range)
{
    unsigned c = 0;
    for (size_t k = 0; k < n; k += 8) {
        __m128i v = load16(w + k);
        __m128i m = _mm_cmpestrm(range, 2, v, (int)(n - k), SW | RANGES);
        c += (unsigned)__builtin_popcount((unsigned)_mm_cvtsi128_si32(m));
    }
    return c;
}

/* ================================================================ scalar references */

static PLAIN size_t ref_upper(const char *s, char *out)
{
    size_t n = strlen(s);
    for (size_t k = 0; k < n; k++) out[k] = s[k] >= 'a' && s[k] <= 'z' ? (char)(s[k] - 32) : s[k];
    return n;
}

static PLAIN unsigned ref_count_ranges(const char *s, const char *ranges)
{
    unsigned n = 0, nr = (unsigned)strlen(ranges) & ~1u;
    for (; *s; s++)
        for (unsigned k = 0; k < nr; k += 2)
            if ((u8)*s >= (u8)ranges[k] && (u8)*s <= (u8)ranges[k + 1]) {
                n++;
                break;
            }
    return n;
}

/* ================================================================ string tests */

static char *g_pages;   /* two pages: the second is PROT_NONE */

/* A pseudo-random string of length n at p, from a small alphabet (so sets and needles hit). */
static PLAIN void make_string(char *p, size_t n)
{
    static const char alpha[] = "abcabcdxyzAZ09 ,.-\x7f\x80\xff";
    for (size_t k = 0; k < n; k++) p[k] = alpha[rnd() % (sizeof alpha - 1)];
    p[n] = 0;
}

static void string_tests(void)
{
    static const char *const sets[] = { "a", "xyz", "abcd", " ,.", "\x80\xff", "Q", "0123456789abcdef" };
    static const char *const needles[] = { "ab", "abc", "cab", "zA", "a", "xyzAZ", "abcabcabcabcabcabc",
                                           "09 ,", "\xff" };
    unsigned bad[12] = { 0 }, runs = 0;
    hash_s = 0;
    for (unsigned t = 0; t < 3000; t++) {
        size_t n = rnd() % 90;
        /* near the guard page (the null the last byte before it, or a little earlier), or
         * anywhere on the page */
        size_t at = t % 3 ? PAGE - 1 - n - rnd() % 24 : rnd() % (PAGE - 200);
        char *s = g_pages + at;
        make_string(s, n);
        runs++;
        if (sse42_strlen(s) != strlen(s)) bad[0]++;
        hash(sse42_strlen(s));
        const char *set = sets[t % (sizeof sets / sizeof sets[0])];
        __m128i vs = vec_of(set), v1 = vec_of((char[]){ set[0], 0 });
        if (sse42_strchr(s, v1) != strchr(s, set[0])) bad[1]++;
        if (sse42_strrchr(s, v1) != strrchr(s, set[0])) bad[2]++;
        if (sse42_strcspn(s, vs) != strcspn(s, set)) bad[3]++;
        if (sse42_strspn(s, vs) != strspn(s, set)) bad[4]++;
        if (sse42_strpbrk(s, vs) != strpbrk(s, set)) bad[5]++;
        hash(sse42_strcspn(s, vs) * 131 + sse42_strspn(s, vs));
        /* needles: fixed ones, and ones cut out of the string itself (also at the page end) */
        const char *nd = needles[t % (sizeof needles / sizeof needles[0])];
        char cut[24];
        if (t % 4 == 0 && n > 2) {
            size_t from = rnd() % (n - 1), len = 1 + rnd() % (n - from < 20 ? n - from : 20);
            memcpy(cut, s + from, len);
            cut[len] = 0;
            nd = cut;
        }
        const char *got = sse42_strstr(s, nd), *want = strstr(s, nd);
        if (got != want) bad[6]++;
        hash(got ? (u64)(got - s) : 999);
        if (t % 5 == 0) {               /* a needle that itself ends at the page end */
            size_t ln = strlen(nd);
            char *np = g_pages + PAGE - 1 - ln;
            if (np > s + n + 1) {
                memcpy(np, nd, ln + 1);
                if (sse42_strstr(s, np) != strstr(s, np)) bad[6]++;
            }
        }
        static const char ranges[] = "azAZ09";
        unsigned cr = sse42_count_ranges(s, vec_of(ranges));
        if (cr != ref_count_ranges(s, ranges)) bad[7]++;
        hash(cr);
    }
    /* memchr over binary data with zeros, at the page end */
    for (unsigned t = 0; t < 1000; t++) {
        size_t n = rnd() % 70;
        u8 *b = (u8 *)g_pages + PAGE - n - (t % 2 ? 0 : rnd() % 16);
        for (size_t k = 0; k < n; k++) b[k] = (u8)(rnd() % 6 == 0 ? 0 : 'a' + rnd() % 8);
        u8 c = (u8)(t % 9 == 0 ? 0 : 'a' + rnd() % 10);
        u8 cs[16] = { c };
        __m128i set = _mm_loadu_si128((const __m128i *)cs);
        const void *got = sse42_memchr(b, set, n), *want = memchr(b, c, n);
        if (got != want) bad[8]++;
        hash(got ? (u64)((const u8 *)got - b) : 999);
    }
    /* to upper, one block at a time */
    __m128i az = vec_of("az"), x20 = vec_of("                ");
    for (unsigned t = 0; t < 500; t++) {
        char s[17], want[17], got[17];
        make_string(s, 16);
        ref_upper(s, want);
        __m128i u = sse42_upper16(_mm_loadu_si128((const __m128i *)s), az, x20);
        _mm_storeu_si128((__m128i *)got, u);
        if (memcmp(got, want, 16)) bad[9]++;
        hash128(u);
    }
    /* UTF-16 lengths at the page end; signed word ranges */
    for (unsigned t = 0; t < 500; t++) {
        size_t n = rnd() % 40;
        u16 *w = (u16 *)(g_pages + PAGE) - n - 1 - (t % 2 ? 0 : rnd() % 8);
        for (size_t k = 0; k < n; k++) w[k] = (u16)(rnd() % 4 ? 'a' + rnd() % 3 : 0x8000 | rnd());
        w[n] = 0;
        if (sse42_wcslen16(w) != n) bad[10]++;
        int16_t sw[48];
        for (size_t k = 0; k < 48; k++) sw[k] = (int16_t)(rnd() % 3 ? (int)(rnd() % 401) - 200 : (int)rnd());
        int16_t rg[8] = { -100, 100 };
        unsigned want = 0;
        for (size_t k = 0; k < n; k++) want += sw[k] >= -100 && sw[k] <= 100;
        unsigned got = sse42_count_sword_range(sw, n, _mm_loadu_si128((const __m128i *)rg));
        if (got != want) bad[11]++;
        hash(got);
    }
    static const char *const names[12] = { "strlen", "strchr", "strrchr", "strcspn", "strspn",
        "strpbrk", "strstr", "ranges", "memchr", "upper", "wcslen16", "sword ranges" };
    printf("strings: %u strings, hash %016llx\n", runs, (unsigned long long)hash_s);
    for (int k = 0; k < 12; k++) printf("  %-12s %u mismatches with the reference\n", names[k], bad[k]);
}

/* ================================================================ every mode */

#define C16(F, n)                                                                            \
    F(n + 0) F(n + 1) F(n + 2) F(n + 3) F(n + 4) F(n + 5) F(n + 6) F(n + 7) F(n + 8) F(n + 9) \
    F(n + 10) F(n + 11) F(n + 12) F(n + 13) F(n + 14) F(n + 15)
#define C128(F) C16(F, 0) C16(F, 16) C16(F, 32) C16(F, 48) C16(F, 64) C16(F, 80) C16(F, 96) C16(F, 112)

/* index | CF ZF SF OF and the "above" intrinsic as bits 8-12 */
#define ISTRI(m) case m: return (u32)_mm_cmpistri(a, b, m) | (u32)_mm_cmpistrc(a, b, m) << 8 | \
    (u32)_mm_cmpistrz(a, b, m) << 9 | (u32)_mm_cmpistrs(a, b, m) << 10 |                      \
    (u32)_mm_cmpistro(a, b, m) << 11 | (u32)_mm_cmpistra(a, b, m) << 12;
#define ESTRI(m) case m: return (u32)_mm_cmpestri(a, la, b, lb, m) |                          \
    (u32)_mm_cmpestrc(a, la, b, lb, m) << 8 | (u32)_mm_cmpestrz(a, la, b, lb, m) << 9 |       \
    (u32)_mm_cmpestrs(a, la, b, lb, m) << 10 | (u32)_mm_cmpestro(a, la, b, lb, m) << 11 |     \
    (u32)_mm_cmpestra(a, la, b, lb, m) << 12;
#define ISTRM(m) case m: return _mm_cmpistrm(a, b, m);
#define ESTRM(m) case m: return _mm_cmpestrm(a, la, b, lb, m);

static T42 u32 istri(__m128i a, __m128i b, int mode)
{
    switch (mode) { C128(ISTRI) default: return 0; }
}
static T42 u32 estri(__m128i a, int la, __m128i b, int lb, int mode)
{
    switch (mode) { C128(ESTRI) default: return 0; }
}
static T42 __m128i istrm(__m128i a, __m128i b, int mode)
{
    switch (mode) { C128(ISTRM) default: return _mm_setzero_si128(); }
}
static T42 __m128i estrm(__m128i a, int la, __m128i b, int lb, int mode)
{
    switch (mode) { C128(ESTRM) default: return _mm_setzero_si128(); }
}

static PLAIN __m128i small_alphabet_vec(void)
{
    static const u8 alpha[] = { 'a', 'b', 'c', 0, 0x80, 0xff, 0x7f, 1, 'a', 'b' };
    u8 b[16];
    for (int k = 0; k < 16; k++) b[k] = rnd() % 3 ? alpha[rnd() % sizeof alpha] : (u8)rnd();
    if (rnd() % 3 == 0) memset(b + rnd() % 16, 0, 1);
    return _mm_loadu_si128((const __m128i *)b);
}

static void mode_tests(void)
{
    static const int lens[] = { 0, 1, 3, 7, 8, 9, 15, 16, 17, -1, -5, -16, -100, 1 << 30,
                                (int)0x80000000u };
    u64 h[4] = { 0 };
    for (int mode = 0; mode < 128; mode++) {
        for (int t = 0; t < 24; t++) {
            __m128i a = small_alphabet_vec(), b = small_alphabet_vec();
            if (t % 3 == 0) b = _mm_or_si128(_mm_slli_si128(a, 3), _mm_srli_si128(b, 13));
            int la = lens[rnd() % (sizeof lens / sizeof lens[0])];
            int lb = lens[rnd() % (sizeof lens / sizeof lens[0])];
            hash_s = h[0]; hash(istri(a, b, mode)); h[0] = hash_s;
            hash_s = h[1]; hash(estri(a, la, b, lb, mode)); h[1] = hash_s;
            hash_s = h[2]; hash128(istrm(a, b, mode)); h[2] = hash_s;
            hash_s = h[3]; hash128(estrm(a, la, b, lb, mode)); h[3] = hash_s;
        }
    }
    printf("modes: pcmpistri %016llx pcmpestri %016llx pcmpistrm %016llx pcmpestrm %016llx\n",
           (unsigned long long)h[0], (unsigned long long)h[1], (unsigned long long)h[2],
           (unsigned long long)h[3]);
    /* a few spelled out */
    __m128i hay = vec_of("hello, world!"), set = vec_of("lo"), nd = vec_of("wor");
    printf("  strcspn-like %u, ordered %u, msb %u, each %u, ranges %u\n",
           istri(set, hay, UB | ANY) & 0xff, istri(nd, hay, UB | ORDERED) & 0xff,
           istri(set, hay, UB | ANY | MSB) & 0xff, istri(hay, hay, UB | EACH | MNEG) & 0xff,
           istri(vec_of("az"), hay, UB | RANGES | NEG) & 0xff);
    u64 q[2];
    __m128i m = istrm(set, hay, UB | ANY | UNITMASK);
    memcpy(q, &m, 16);
    printf("  byte mask %016llx%016llx\n", (unsigned long long)q[1], (unsigned long long)q[0]);
    m = estrm(set, 2, hay, 9, UB | ANY);
    memcpy(q, &m, 16);
    printf("  bit mask %016llx%016llx\n", (unsigned long long)q[1], (unsigned long long)q[0]);
}

/* ================================================================ pcmpgtq */

static T42 __m128i gtq(__m128i a, __m128i b) { return _mm_cmpgt_epi64(a, b); }

static void pcmpgtq_tests(void)
{
    static const u64 v[] = { 0, 1, ~0ull, 0x7fffffffffffffffull, 0x8000000000000000ull,
                             0x00000000ffffffffull, 0x0000000100000000ull, 0xffffffff00000000ull,
                             0x80000000ull, 0x7fffffffull };
    enum { N = sizeof v / sizeof v[0] };
    printf("pcmpgtq:");
    for (int i = 0; i < N; i++) {
        unsigned row = 0;
        for (int j = 0; j < N; j += 2) {
            __m128i a = _mm_set_epi64x((long long)v[i], (long long)v[i]);
            __m128i b = _mm_set_epi64x((long long)v[(j + 1) % N], (long long)v[j]);
            u64 q[2];
            __m128i r = gtq(a, b);
            memcpy(q, &r, 16);
            row = row << 2 | (unsigned)(q[0] & 1) | (unsigned)(q[1] & 1) << 1;
            if ((q[0] != 0 && q[0] != ~0ull) || (q[1] != 0 && q[1] != ~0ull)) row |= 1u << 31;
        }
        printf(" %x", row);
    }
    printf("\n");
}

/* ================================================================ crc32 */

static PLAIN u32 crc32c_ref(u32 c, const u8 *p, size_t n)
{
    for (size_t k = 0; k < n; k++) {
        c ^= p[k];
        for (int b = 0; b < 8; b++) c = c >> 1 ^ (0x82f63b78u & (0u - (c & 1)));
    }
    return c;
}

static T42 u32 crc_u8(u32 c, const u8 *p, size_t n)
{
    for (size_t k = 0; k < n; k++) c = _mm_crc32_u8(c, p[k]);
    return c;
}

static T42 u32 crc_u16(u32 c, const u8 *p, size_t n)
{
    size_t k = 0;
    for (; k + 2 <= n; k += 2) {
        u16 w;
        memcpy(&w, p + k, 2);
        c = _mm_crc32_u16(c, w);
    }
    if (k < n) c = _mm_crc32_u8(c, p[k]);
    return c;
}

static T42 u32 crc_u32(u32 c, const u8 *p, size_t n)
{
    size_t k = 0;
    for (; k + 4 <= n; k += 4) {
        u32 d;
        memcpy(&d, p + k, 4);
        c = _mm_crc32_u32(c, d);
    }
    for (; k < n; k++) c = _mm_crc32_u8(c, p[k]);
    return c;
}

static T42 u32 crc_u64(u32 c, const u8 *p, size_t n)
{
    u64 c64 = c;
    size_t k = 0;
    for (; k + 8 <= n; k += 8) {
        u64 q;
        memcpy(&q, p + k, 8);
        c64 = _mm_crc32_u64(c64, q);
    }
    c = (u32)c64;
    for (; k < n; k++) c = _mm_crc32_u8(c, p[k]);
    return c;
}

static void crc_tests(void)
{
    const u8 *check = (const u8 *)"123456789";
    printf("crc32c(\"123456789\"): %08x %08x %08x %08x (reference %08x)\n",
           ~crc_u8(~0u, check, 9), ~crc_u16(~0u, check, 9), ~crc_u32(~0u, check, 9),
           ~crc_u64(~0u, check, 9), ~crc32c_ref(~0u, check, 9));
    static u8 buf[4096 + 16];
    for (size_t k = 0; k < sizeof buf; k++) buf[k] = (u8)rnd();
    unsigned bad = 0;
    hash_s = 0;
    for (unsigned t = 0; t < 400; t++) {
        size_t off = rnd() % 16, n = rnd() % (t % 10 ? 300 : 4096);
        u32 seed = (u32)rnd(), want = crc32c_ref(seed, buf + off, n);
        u32 r[4] = { crc_u8(seed, buf + off, n), crc_u16(seed, buf + off, n),
                     crc_u32(seed, buf + off, n), crc_u64(seed, buf + off, n) };
        for (int k = 0; k < 4; k++) bad += r[k] != want;
        hash(want);
    }
    printf("crc32c: 400 buffers, hash %016llx, %u mismatches with the bitwise reference\n",
           (unsigned long long)hash_s, bad);
}

/* ================================================================ AES-128 */

typedef struct { __m128i k[11]; } Aes128;

#define EXPAND(i, rcon)                                                  \
    do {                                                                 \
        __m128i t = _mm_aeskeygenassist_si128(k, rcon);                  \
        t = _mm_shuffle_epi32(t, 0xff);                                  \
        k = _mm_xor_si128(k, _mm_slli_si128(k, 4));                      \
        k = _mm_xor_si128(k, _mm_slli_si128(k, 8));                      \
        k = _mm_xor_si128(k, t);                                         \
        ks->k[i] = k;                                                    \
    } while (0)

static TAES void aes128_expand(Aes128 *ks, __m128i k)
{
    ks->k[0] = k;
    EXPAND(1, 0x01); EXPAND(2, 0x02); EXPAND(3, 0x04); EXPAND(4, 0x08); EXPAND(5, 0x10);
    EXPAND(6, 0x20); EXPAND(7, 0x40); EXPAND(8, 0x80); EXPAND(9, 0x1b); EXPAND(10, 0x36);
}

static TAES __m128i aes128_encrypt(const Aes128 *ks, __m128i b)
{
    b = _mm_xor_si128(b, ks->k[0]);
    for (int r = 1; r < 10; r++) b = _mm_aesenc_si128(b, ks->k[r]);
    return _mm_aesenclast_si128(b, ks->k[10]);
}

/* The equivalent inverse cipher: round keys 9..1 through aesimc. */
static TAES __m128i aes128_decrypt(const Aes128 *ks, __m128i b)
{
    b = _mm_xor_si128(b, ks->k[10]);
    for (int r = 9; r >= 1; r--) b = _mm_aesdec_si128(b, _mm_aesimc_si128(ks->k[r]));
    return _mm_aesdeclast_si128(b, ks->k[0]);
}

static PLAIN __m128i from_hex(const char *hex)
{
    u8 b[16];
    for (int k = 0; k < 16; k++) {
        unsigned v;
        sscanf(hex + 2 * k, "%2x", &v);
        b[k] = (u8)v;
    }
    return _mm_loadu_si128((const __m128i *)b);
}

static void print_hex(const char *what, __m128i v)
{
    u8 b[16];
    _mm_storeu_si128((__m128i *)b, v);
    printf("%s", what);
    for (int k = 0; k < 16; k++) printf("%02x", b[k]);
    printf("\n");
}

static void aes_tests(void)
{
    Aes128 ks;
    aes128_expand(&ks, from_hex("000102030405060708090a0b0c0d0e0f"));
    __m128i pt = from_hex("00112233445566778899aabbccddeeff");
    __m128i ct = aes128_encrypt(&ks, pt);
    print_hex("aes128: ciphertext ", ct);
    print_hex("aes128: round 10 key ", ks.k[10]);
    u8 a[16], b[16];
    _mm_storeu_si128((__m128i *)a, ct);
    _mm_storeu_si128((__m128i *)b, from_hex("69c4e0d86a7b0430d8cdb78070b4c55a"));
    printf("aes128: FIPS-197 C.1 %s\n", memcmp(a, b, 16) ? "MISMATCH" : "matches");
    _mm_storeu_si128((__m128i *)a, aes128_decrypt(&ks, ct));
    _mm_storeu_si128((__m128i *)b, pt);
    printf("aes128: decrypts back %s\n", memcmp(a, b, 16) ? "NO" : "yes");
    /* CTR mode over a buffer, then back */
    static u8 buf[2048], out[2048], back[2048];
    for (size_t k = 0; k < sizeof buf; k++) buf[k] = (u8)rnd();
    aes128_expand(&ks, from_hex("2b7e151628aed2a6abf7158809cf4f3c"));
    for (int pass = 0; pass < 2; pass++) {
        const u8 *in = pass ? out : buf;
        u8 *to = pass ? back : out;
        for (u64 blk = 0; blk < sizeof buf / 16; blk++) {
            __m128i ctr = _mm_set_epi64x((long long)blk, 0x0123456789abcdefll);
            __m128i ks_blk = aes128_encrypt(&ks, ctr);
            __m128i d = _mm_loadu_si128((const __m128i *)(in + 16 * blk));
            _mm_storeu_si128((__m128i *)(to + 16 * blk), _mm_xor_si128(d, ks_blk));
        }
    }
    hash_s = 0;
    for (size_t k = 0; k < sizeof out; k += 8) {
        u64 q;
        memcpy(&q, out + k, 8);
        hash(q);
    }
    printf("aes128 ctr: hash %016llx, round trip %s\n", (unsigned long long)hash_s,
           memcmp(buf, back, sizeof buf) ? "BROKEN" : "ok");
    /* aeskeygenassist with other constants, aesimc and the single rounds on random data */
    hash_s = 0;
    for (int t = 0; t < 200; t++) {
        u64 r[4] = { 0 };
        for (int k = 0; k < 4; k++) r[k] = rnd();       /* in this order, whatever the compiler */
        __m128i x = _mm_set_epi64x((long long)r[0], (long long)r[1]);
        __m128i y = _mm_set_epi64x((long long)r[2], (long long)r[3]);
        Aes128 k2;
        aes128_expand(&k2, x);
        hash128(k2.k[10]);
        hash128(aes128_encrypt(&k2, y));
        hash128(aes128_decrypt(&k2, y));
    }
    printf("aes128 random: hash %016llx\n", (unsigned long long)hash_s);
}

/* ================================================================ pclmulqdq */

static TCLMUL __m128i clmul(__m128i a, __m128i b, int sel)
{
    switch (sel) {
    case 0: return _mm_clmulepi64_si128(a, b, 0x00);
    case 1: return _mm_clmulepi64_si128(a, b, 0x01);
    case 2: return _mm_clmulepi64_si128(a, b, 0x10);
    default: return _mm_clmulepi64_si128(a, b, 0x11);
    }
}

static PLAIN void clmul_ref(u64 a, u64 b, u64 *lo, u64 *hi)
{
    *lo = *hi = 0;
    for (int k = 0; k < 64; k++)
        if (b >> k & 1) {
            *lo ^= a << k;
            if (k) *hi ^= a >> (64 - k);
        }
}

/* a * b in GF(2^128) modulo x^128 + x^7 + x^2 + x + 1 (bit i = coefficient of x^i), from
 * four carry-less products; the 256-bit product is reduced in scalar code. */
static PLAIN void gf128_mul(const u64 a[2], const u64 b[2], u64 r[2])
{
    __m128i va = _mm_set_epi64x((long long)a[1], (long long)a[0]);
    __m128i vb = _mm_set_epi64x((long long)b[1], (long long)b[0]);
    u64 p[4][2];
    for (int s = 0; s < 4; s++) {
        __m128i m = clmul(va, vb, s);
        memcpy(p[s], &m, 16);
    }
    /* sel 0: a0 b0; 1: a1 b0; 2: a0 b1; 3: a1 b1 */
    u64 w[4] = { p[0][0], p[0][1] ^ p[1][0] ^ p[2][0], p[3][0] ^ p[1][1] ^ p[2][1], p[3][1] };
    for (int k = 3; k >= 2; k--) {      /* fold x^(64k) words down: x^128 = x^7 + x^2 + x + 1 */
        u64 v = w[k];
        w[k] = 0;
        w[k - 2] ^= v ^ v << 1 ^ v << 2 ^ v << 7;
        w[k - 1] ^= v >> 63 ^ v >> 62 ^ v >> 57;
    }
    r[0] = w[0];
    r[1] = w[1];
}

static PLAIN void gf128_mul_ref(const u64 a[2], const u64 b[2], u64 r[2])
{
    u64 x[2] = { a[0], a[1] };
    r[0] = r[1] = 0;
    for (int k = 0; k < 128; k++) {
        if (b[k / 64] >> (k % 64) & 1) {
            r[0] ^= x[0];
            r[1] ^= x[1];
        }
        u64 carry = x[1] >> 63;
        x[1] = x[1] << 1 | x[0] >> 63;
        x[0] = x[0] << 1 ^ (carry ? 0x87 : 0);
    }
}

static void clmul_tests(void)
{
    unsigned bad = 0;
    hash_s = 0;
    for (int t = 0; t < 500; t++) {
        u64 a[2], b[2];
        a[0] = rnd(), a[1] = rnd(), b[0] = rnd(), b[1] = rnd();
        if (t < 4) a[t % 2] = ~0ull, b[t / 2] = 1ull << 63;
        __m128i va = _mm_set_epi64x((long long)a[1], (long long)a[0]);
        __m128i vb = _mm_set_epi64x((long long)b[1], (long long)b[0]);
        for (int s = 0; s < 4; s++) {
            u64 got[2], lo, hi;
            __m128i m = clmul(va, vb, s);
            memcpy(got, &m, 16);
            clmul_ref(a[s & 1], b[s >> 1], &lo, &hi);
            bad += got[0] != lo || got[1] != hi;
            hash(got[0]);
            hash(got[1]);
        }
        u64 r[2], w[2];
        gf128_mul(a, b, r);
        gf128_mul_ref(a, b, w);
        bad += r[0] != w[0] || r[1] != w[1];
        hash(r[0] ^ r[1] * 3);
    }
    u64 x63[2] = { 1ull << 63, 0 }, r[2];
    gf128_mul(x63, x63, r);
    printf("pclmulqdq: 500 pairs, hash %016llx, %u mismatches; x^63 * x^63 = %016llx%016llx\n",
           (unsigned long long)hash_s, bad, (unsigned long long)r[1], (unsigned long long)r[0]);
}

int main(void)
{
    g_pages = mmap(NULL, 2 * PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g_pages == MAP_FAILED || mprotect(g_pages + PAGE, PAGE, PROT_NONE)) {
        perror("mmap");
        return 1;
    }
    string_tests();
    mode_tests();
    pcmpgtq_tests();
    crc_tests();
    aes_tests();
    clmul_tests();
    return 0;
}
