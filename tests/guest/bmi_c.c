/* bmi_c: ordinary C bit manipulation compiled for a CPU with BMI1, BMI2, POPCNT, LZCNT, ADX and
 * MOVBE (the GCC target pragma below, so the default guest build rule works), compared with a
 * native run. The compiler picks andn, blsr/blsi/blsmsk, tzcnt/lzcnt/popcnt, shlx/shrx/sarx,
 * rorx, bzhi, mulx and movbe by itself; pdep/pext/adcx come from the intrinsics. Nothing
 * printed depends on addresses or time.
 */
#pragma GCC target("bmi,bmi2,popcnt,lzcnt,adx,movbe")
#include <immintrin.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef uint64_t u64;
typedef uint32_t u32;

static u64 state = 0x243f6a8885a308d3ull;
static u64 next(void)
{
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
}

/* Iterate the set bits of a word: blsr + tzcnt. */
static unsigned sum_of_set_bit_indices(u64 x)
{
    unsigned s = 0;
    while (x) {
        s += (unsigned)__builtin_ctzll(x);
        x &= x - 1;
    }
    return s;
}

/* Integer log2 and friends: lzcnt. */
static unsigned ilog2(u64 x) { return x ? 63 - (unsigned)__builtin_clzll(x) : 0; }
static u64 next_pow2(u64 x)
{
    return x <= 1 ? 1 : x > (1ull << 63) ? 0 : 1ull << (64 - __builtin_clzll(x - 1));
}

/* andn, blsi, blsmsk, variable shifts. */
static u64 mix_bits(u64 a, u64 b, unsigned n)
{
    u64 lowest = a & -a;                /* blsi */
    u64 upto = b ^ (b - 1);             /* blsmsk */
    u64 masked = ~a & b;                /* andn */
    u64 sh = (a << (n & 63)) ^ (b >> (n & 63)) ^ (u64)((int64_t)a >> (n & 63));   /* shlx... */
    u64 low_n = b & ((1ull << (n & 63)) - 1);   /* bzhi */
    u64 rot = (a >> 19) | (a << 45);    /* rorx */
    return lowest + upto + masked + sh + low_n + rot;
}

static u32 mix_bits32(u32 a, u32 b, unsigned n)
{
    u32 lowest = a & -a, upto = b ^ (b - 1), masked = ~a & b;
    u32 sh = (a << (n & 31)) ^ (b >> (n & 31)) ^ (u32)((int32_t)a >> (n & 31));
    u32 low_n = b & ((1u << (n & 31)) - 1);
    u32 rot = (a >> 7) | (a << 25);
    return lowest + upto + masked + sh + low_n + rot + (u32)__builtin_popcount(a) +
           (u32)(b ? __builtin_ctz(b) : 32) + (u32)(b ? __builtin_clz(b) : 32);
}

/* Morton (Z-order) codes with pdep, and back with pext. */
static u64 morton2(u32 x, u32 y)
{
    return _pdep_u64(x, 0x5555555555555555ull) | _pdep_u64(y, 0xaaaaaaaaaaaaaaaaull);
}

static void unmorton2(u64 m, u32 *x, u32 *y)
{
    *x = (u32)_pext_u64(m, 0x5555555555555555ull);
    *y = (u32)_pext_u64(m, 0xaaaaaaaaaaaaaaaaull);
}

/* 256 x 256 -> 512-bit multiply with 128-bit products (mulx) and carry chains (adcx). */
static void mul256(const u64 a[4], const u64 b[4], u64 r[8])
{
    memset(r, 0, 8 * sizeof r[0]);
    for (int i = 0; i < 4; i++) {
        unsigned long long carry = 0;
        for (int j = 0; j < 4; j++) {
            unsigned __int128 p = (unsigned __int128)a[i] * b[j];
            unsigned long long lo = (u64)p, hi = (u64)(p >> 64), t;
            unsigned char c1 = _addcarryx_u64(0, r[i + j], lo, &t);
            unsigned char c2 = _addcarryx_u64(0, t, carry, &t);
            r[i + j] = t;
            carry = hi + c1 + c2;
        }
        r[i + 4] = carry;
    }
}

/* Big-endian loads and stores (movbe). */
static u64 load_be64(const unsigned char *p)
{
    u64 v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}

static void store_be32(unsigned char *p, u32 v)
{
    v = __builtin_bswap32(v);
    memcpy(p, &v, 4);
}

/* A population-count histogram and a bitset intersection. */
static unsigned popcount_words(const u64 *w, unsigned n)
{
    unsigned s = 0;
    for (unsigned i = 0; i < n; i++)
        s += (unsigned)__builtin_popcountll(w[i]);
    return s;
}

/* _bextr_u64 and _bzhi_u64 directly. */
static u64 fields(u64 x)
{
    return _bextr_u64(x, 8, 12) + _bextr_u64(x, 60, 10) + _bextr_u64(x, 70, 3) +
           _bzhi_u64(x, 13) + _bzhi_u64(x, 64) + _bzhi_u64(x, 200) + _blsr_u64(x) +
           _tzcnt_u64(x) + _lzcnt_u64(x) + (u64)_tzcnt_u32((u32)x) + (u64)_lzcnt_u32((u32)x);
}

int main(void)
{
    u64 h = 0;
    for (int i = 0; i < 2000; i++) {
        u64 a = next(), b = next();
        if (i % 7 == 0) a &= 0xffff;
        if (i % 11 == 0) b = 0;
        h = h * 31 + sum_of_set_bit_indices(a) + ilog2(b) + next_pow2(a >> (i & 63));
        h ^= mix_bits(a, b, (unsigned)i) + mix_bits32((u32)a, (u32)b, (unsigned)i);
        h += fields(a) ^ fields(b);
        if (i < 4)
            printf("step %d: %016llx\n", i, (unsigned long long)h);
    }
    printf("bit tricks: %016llx\n", (unsigned long long)h);

    u64 mh = 0;
    int bad = 0;
    for (u32 x = 0; x < 300; x += 7)
        for (u32 y = 0; y < 300; y += 13) {
            u32 rx, ry;
            u64 m = morton2(x * 0x01010101u, y * 0x10203u);
            unmorton2(m, &rx, &ry);
            bad += rx != x * 0x01010101u || ry != y * 0x10203u;
            mh = mh * 1000003 + m;
        }
    printf("morton: %016llx, round trips failed %d\n", (unsigned long long)mh, bad);

    u64 a[4], b[4], r[8];
    u64 mulh = 0;
    for (int k = 0; k < 100; k++) {
        for (int i = 0; i < 4; i++) { a[i] = next(); b[i] = k < 2 ? ~0ull : next(); }
        mul256(a, b, r);
        for (int i = 0; i < 8; i++) mulh = mulh * 0x100000001b3ull ^ r[i];
        if (k == 0)
            printf("mul256 all-ones: %016llx ... %016llx\n", (unsigned long long)r[0],
                   (unsigned long long)r[7]);
    }
    printf("mul256: %016llx\n", (unsigned long long)mulh);

    unsigned char buf[64];
    for (int i = 0; i < 64; i++) buf[i] = (unsigned char)(i * 37 + 11);
    u64 be = 0;
    for (int i = 0; i + 8 <= 64; i++) be = be * 3 + load_be64(buf + i);
    for (int i = 0; i + 4 <= 64; i += 4) store_be32(buf + i, (u32)(be >> i));
    printf("big-endian: %016llx %02x%02x%02x%02x\n", (unsigned long long)be, buf[0], buf[1],
           buf[2], buf[3]);

    u64 words[64];
    for (int i = 0; i < 64; i++) words[i] = next() & next();
    printf("popcount: %u\n", popcount_words(words, 64));
    return 0;
}
