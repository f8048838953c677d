/* x87_trans.c — the x87 transcendental instructions in software: f2xm1, fyl2x, fyl2xp1,
 * fpatan, fsin, fcos, fsincos, fptan (contract in x87_float.h).
 *
 * Each result is computed in a wider internal format (Wide: a 128-bit significand with a
 * free exponent, truncating arithmetic, about 120 correct bits after a series) and rounded
 * once to 64 bits with the control word's RC (precision control does not apply to these
 * instructions). Methods:
 *   f2xm1    e^t - 1 with t = x ln 2 by its Taylor series (|x| <= 1);
 *   fyl2x    log2(m) = 2 atanh((m - 1) / (m + 1)) / ln 2 with m in [sqrt(2)/2, sqrt(2)), plus
 *            the exponent; fyl2xp1 the same series on z = x / (2 + x); exact powers of two
 *            give the exact y * k;
 *   fpatan   atan(z) for 0 <= z <= 1 as atan(c) + atan((z - c) / (1 + z c)) with c = k/8 and
 *            a table of atan(k/8), then the quadrant from the signs;
 *   fsin...  reduction x - q (pi/2) in 192-bit fixed point, then the sine and cosine series.
 *
 * Where results may differ from a real x87: the hardware is not correctly rounded (Intel
 * documents errors below one ulp), while ferry's results are the correctly rounded value in
 * all but astronomically rare cases; so a result can differ in the last bit where the exact
 * value lies close to a rounding boundary (tests/unit/test_x87.c measures how often: a few
 * percent of random arguments at most), and C1 and PE follow from ferry's result. The
 * argument reduction of fsin/fcos/fsincos/fptan uses, as Intel CPUs do, pi rounded to 66
 * bits, so large arguments reproduce the hardware's (mathematically inexact) results rather
 * than the true sine. Outside the documented domain: f2xm1 of |x| > 1 leaves x and raises
 * PE, as Intel CPUs do; fyl2xp1 beyond 1 - sqrt(2)/2 gives the mathematical function, where
 * the hardware's result is undefined.
 */
#include <stddef.h>

#include "frontend-x86/x87_float.h"

typedef unsigned __int128 u128;

/* ================================================================ the wide format */

/* value = (-1)^s * m / 2^127 * 2^e; m normalized (bit 127 set), or m == 0 for zero. */
typedef struct Wide { bool s; int32_t e; u128 m; } Wide;

static int clz128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? __builtin_clzll(hi) : 64 + __builtin_clzll((uint64_t)v);
}

static Wide w_make(bool s, int32_t e, u128 m)
{
    if (!m) return (Wide){ s, 0, 0 };
    int l = clz128(m);
    return (Wide){ s, e - l, m << l };
}

static Wide w_from_unp(const X87Unp *u) { return (Wide){ u->sign, u->exp - X87_BIAS, (u128)u->m << 64 }; }

static Wide w_const(uint64_t hi, uint64_t lo, int32_t e) { return (Wide){ false, e, (u128)hi << 64 | lo }; }

static Wide w_int(int64_t v)
{
    bool s = v < 0;
    uint64_t m = s ? -(uint64_t)v : (uint64_t)v;
    return w_make(s, 127, m);
}

static Wide w_neg(Wide a) { a.s = !a.s; return a; }

static Wide w_mul(Wide a, Wide b)
{
    if (!a.m || !b.m) return (Wide){ a.s ^ b.s, 0, 0 };
    uint64_t a1 = (uint64_t)(a.m >> 64), a0 = (uint64_t)a.m;
    uint64_t b1 = (uint64_t)(b.m >> 64), b0 = (uint64_t)b.m;
    u128 hh = (u128)a1 * b1, hl = (u128)a1 * b0, lh = (u128)a0 * b1, ll = (u128)a0 * b0;
    u128 mid = (hl & ~0ull) + (lh & ~0ull) + (ll >> 64);
    u128 hi = hh + (hl >> 64) + (lh >> 64) + (mid >> 64);     /* top 128 of the 256 bits */
    /* a.m * b.m / 2^254 = hi / 2^126 */
    if (hi >> 127) return (Wide){ a.s ^ b.s, a.e + b.e + 1, hi };
    return (Wide){ a.s ^ b.s, a.e + b.e, hi << 1 | ((mid >> 63) & 1) };
}

static Wide w_add(Wide a, Wide b)
{
    if (!a.m) return b;
    if (!b.m) return a;
    if (a.e < b.e || (a.e == b.e && a.m < b.m)) { Wide t = a; a = b; b = t; }
    int64_t d = (int64_t)a.e - b.e;
    u128 x = a.m >> 1, y = d >= 127 ? 0 : (b.m >> 1) >> d;
    u128 r = a.s == b.s ? x + y : x - y;
    return w_make(a.s, a.e + 1, r);
}

static Wide w_sub(Wide a, Wide b) { return w_add(a, w_neg(b)); }

static Wide w_div(Wide a, Wide b)
{
    if (!a.m) return a;
    int32_t e = a.e - b.e;
    u128 r = a.m, q = 0;
    bool top = false;
    if (a.m < b.m) {
        e--;
        top = true;         /* r = 2 * a.m: bit 128 set, r holds the low 128 bits */
        r <<= 1;
    }
    for (int i = 127; i >= 0; i--) {
        if (top || r >= b.m) {
            r -= b.m;
            q |= (u128)1 << i;
        }
        top = r >> 127;
        r <<= 1;
    }
    return (Wide){ a.s ^ b.s, e, q };
}

/* a / n for a small positive integer n (< 2^32). */
static Wide w_div_small(Wide a, uint64_t n)
{
    if (!a.m) return a;
    uint64_t hi = (uint64_t)(a.m >> 64);
    uint64_t qh = hi / n, rh = hi % n;
    u128 lo = (u128)rh << 64 | (uint64_t)a.m;
    uint64_t ql = (uint64_t)(lo / n), rem = (uint64_t)(lo % n);
    u128 q = (u128)qh << 64 | ql;
    int l = clz128(q);
    q = (q << l) | (((u128)rem << l) / n);
    return (Wide){ a.s, a.e - l, q };
}

static bool w_ge(Wide a, Wide b)    /* |a| >= |b| for nonzero a, b */
{
    return a.e != b.e ? a.e > b.e : a.m >= b.m;
}

/* Round to the extended format with RC. `exact`: the wide value is the exact result. */
static X87F80 w_round(X87Env *e, Wide w, bool exact)
{
    if (!w.m) return x87_make((uint16_t)(w.s << 15), 0);
    return x87_round_pack(e, w.s, w.e + X87_BIAS, w.m | !exact, 64);
}

/* ================================================================ constants */

#define W_PI_2   w_const(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 0)
#define W_PI     w_const(0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, 1)
#define W_LN2    w_const(0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, -1)
#define W_LOG2E  w_const(0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e89ull, 0)
#define W_ONE    w_const(1ull << 63, 0, 0)

static const struct { uint64_t hi, lo; int32_t e; } atan_k8[9] = {
    { 0, 0, 0 },
    { 0xfeadd4d5617b6e32ull, 0xc897989f3e888ef8ull, -4 },  /* atan(1/8) */
    { 0xfadbafc96406eb15ull, 0x6dc79ef5f7a217e6ull, -3 },
    { 0xb7b0ca0f26f78473ull, 0x8aa32122dcfe4483ull, -2 },
    { 0xed63382b0dda7b45ull, 0x6fe445ecbc3a8d03ull, -2 },
    { 0x8f005d5ef7f59f9bull, 0x5c835e1665c43748ull, -1 },
    { 0xa4bc7d1934f70924ull, 0x19a87f2a457dac9full, -1 },
    { 0xb8053e2bc2319e73ull, 0xcb2da55210a4443dull, -1 },
    { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, -1 },  /* atan(1) = pi/4 */
};

/* ================================================================ series */

/* Terms stop once below 2^-130 relative to the first. */
static bool negligible(Wide term, Wide first) { return !term.m || term.e < first.e - 130; }

/* e^t - 1, |t| < 1. */
static Wide expm1_series(Wide t)
{
    Wide sum = t, term = t;
    for (uint64_t n = 2; n < 60; n++) {
        term = w_div_small(w_mul(term, t), n);
        if (negligible(term, sum)) break;
        sum = w_add(sum, term);
    }
    return sum;
}

/* 2 atanh(z) = ln((1 + z) / (1 - z)), |z| <= 0.18. */
static Wide atanh2_series(Wide z)
{
    Wide z2 = w_mul(z, z), sum = z, pw = z;
    for (uint64_t n = 3; n < 120; n += 2) {
        pw = w_mul(pw, z2);
        Wide term = w_div_small(pw, n);
        if (negligible(term, sum)) break;
        sum = w_add(sum, term);
    }
    sum.e++;
    return sum;
}

/* atan(z), |z| <= 1/16. */
static Wide atan_series(Wide z)
{
    Wide z2 = w_mul(z, z), sum = z, pw = z;
    for (uint64_t n = 3; n < 120; n += 2) {
        pw = w_neg(w_mul(pw, z2));
        Wide term = w_div_small(pw, n);
        if (negligible(term, sum)) break;
        sum = w_add(sum, term);
    }
    return sum;
}

/* sin(r) and cos(r), |r| <= pi/4 (a little more is fine). */
static void sincos_series(Wide r, Wide *s, Wide *c)
{
    Wide r2 = w_mul(r, r);
    Wide ts = r, sum_s = r;
    Wide tc = W_ONE, sum_c = W_ONE;
    for (uint64_t n = 1; n < 40; n++) {
        /* tc_n = -tc_{n-1} r^2 / ((2n-1)(2n)); ts_n = -ts_{n-1} r^2 / ((2n)(2n+1)) */
        tc = w_neg(w_div_small(w_mul(tc, r2), (2 * n - 1) * (2 * n)));
        ts = w_neg(w_div_small(w_mul(ts, r2), (2 * n) * (2 * n + 1)));
        bool dc = negligible(tc, W_ONE), ds = !r.m || negligible(ts, sum_s);
        if (!dc) sum_c = w_add(sum_c, tc);
        if (!ds) sum_s = w_add(sum_s, ts);
        if (dc && ds) break;
    }
    *s = sum_s;
    *c = sum_c;
}

/* atan(a / b) for 0 < a <= b. */
static Wide atan_ratio(Wide a, Wide b)
{
    Wide z = w_div(a, b);
    /* c = k/8 nearest to z; w = (z - c) / (1 + z c), |w| <= 1/16. */
    int32_t sh = 127 - 3 - z.e;         /* z * 8 as an integer: m >> (127 - 3 - e) */
    uint64_t k = sh >= 128 ? 0 : (uint64_t)(((z.m >> sh) + 1) >> 1);
    if (sh < 0) k = 8;
    if (k > 8) k = 8;
    if (k == 0) return atan_series(z);
    Wide c = w_div_small(w_int((int64_t)k), 8);
    Wide w = w_div(w_sub(z, c), w_add(W_ONE, w_mul(z, c)));
    Wide base = w_const(atan_k8[k].hi, atan_k8[k].lo, atan_k8[k].e);
    return w_add(base, atan_series(w));
}

/* ================================================================ f2xm1 */

X87F80 x87_f2xm1(X87Env *e, X87F80 a)
{
    X87Unp x = x87_unpack(a);
    if (x.k == X87_BAD) { e->sw |= X87_IE; return X87_INDEFINITE; }
    if (x87_is_nan_kind(x.k)) return x87_nan_result(e, &x, a, NULL, a);
    if (x.k == X87_ZERO) return a;
    if (x.k == X87_INF) return x.sign ? x87_make(0xbfff, 1ull << 63) : a;     /* -1, +inf */
    if (x.den) e->sw |= X87_DE;
    Wide w = w_from_unp(&x);
    if (x.exp == X87_BIAS && x.m == 1ull << 63)              /* +-1: exactly 1 or -1/2 */
        return x.sign ? x87_make(0xbffe, 1ull << 63) : x87_make(X87_BIAS, 1ull << 63);
    if (x.exp >= X87_BIAS) {           /* |x| > 1: the operand is left, PE (as measured) */
        e->sw |= X87_PE;
        return a;
    }
    return w_round(e, expm1_series(w_mul(w, W_LN2)), false);
}

/* ================================================================ logarithms */

/* log2 of a positive finite value; *exact set when it is an integer (a power of two). */
static Wide log2_of(const X87Unp *x, bool *exact)
{
    int32_t k = x->exp - X87_BIAS;
    *exact = x->m == 1ull << 63;
    if (*exact) return w_int(k);
    Wide m = { false, 0, (u128)x->m << 64 };                /* in [1, 2) */
    /* m >= sqrt(2): use m / 2 and k + 1. sqrt(2) = 1.6A09E667F3BCC908... */
    if (x->m >= 0xb504f333f9de6484ull) { m.e = -1; k++; }
    Wide z = w_div(w_sub(m, W_ONE), w_add(m, W_ONE));
    Wide l = w_mul(atanh2_series(z), W_LOG2E);
    return w_add(w_int(k), l);
}

/* y * L for the sign/zero/infinity table of fyl2x and fyl2xp1: L is the logarithm with
 * lsign its sign and lkind zero, finite or infinite. Returns true if handled. */
static bool log_specials(X87Env *e, const X87Unp *y, X87Kind lkind, bool lsign, X87F80 *r)
{
    if (y->k == X87_FINITE && lkind == X87_FINITE) return false;
    bool s = y->sign ^ lsign;
    if ((y->k == X87_ZERO && lkind == X87_INF) || (y->k == X87_INF && lkind == X87_ZERO)) {
        e->sw |= X87_IE;
        *r = X87_INDEFINITE;
    } else if (y->k == X87_INF || lkind == X87_INF) {
        *r = x87_make((uint16_t)(s << 15 | 0x7fff), 1ull << 63);
    } else {
        *r = x87_make((uint16_t)(s << 15), 0);
    }
    return true;
}

X87F80 x87_fyl2x(X87Env *e, X87F80 st0, X87F80 st1)
{
    X87Unp x = x87_unpack(st0), y = x87_unpack(st1);
    if (x.k == X87_BAD || y.k == X87_BAD) { e->sw |= X87_IE; return X87_INDEFINITE; }
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, st0, &y, st1);
    if (x.sign && x.k != X87_ZERO) { e->sw |= X87_IE; return X87_INDEFINITE; }
    X87F80 r;
    if (x.k == X87_ZERO && y.k == X87_FINITE) {
        /* log2(0) = -inf: divide-by-zero, which outranks a denormal y (as in fdiv). */
        e->sw |= X87_ZE;
        return x87_make((uint16_t)(!y.sign << 15 | 0x7fff), 1ull << 63);
    }
    if (x.den || y.den) e->sw |= X87_DE;
    if (x.k == X87_ZERO) {                                   /* y = 0 or inf */
        log_specials(e, &y, X87_INF, true, &r);
        return r;
    }
    bool one = x.k == X87_FINITE && x.exp == X87_BIAS && x.m == 1ull << 63;
    X87Kind lk = x.k == X87_INF ? X87_INF : one ? X87_ZERO : X87_FINITE;
    bool ls = x.k == X87_FINITE && x.exp < X87_BIAS;
    if (log_specials(e, &y, lk, ls, &r)) return r;
    bool exact;
    Wide l = log2_of(&x, &exact);
    return w_round(e, w_mul(w_from_unp(&y), l), exact);
}

X87F80 x87_fyl2xp1(X87Env *e, X87F80 st0, X87F80 st1)
{
    X87Unp x = x87_unpack(st0), y = x87_unpack(st1);
    if (x.k == X87_BAD || y.k == X87_BAD) { e->sw |= X87_IE; return X87_INDEFINITE; }
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, st0, &y, st1);
    Wide wx = w_from_unp(&x);
    bool le_minus1 = x.sign && (x.k == X87_INF || (x.k == X87_FINITE && w_ge(wx, W_ONE)));
    /* Invalid operations and divide-by-zero outrank a denormal operand (SDM Vol. 1 4.9.2). */
    if (!le_minus1 && (x.den || y.den)) e->sw |= X87_DE;
    if (le_minus1) {
        /* 1 + x <= 0: outside every defined range; log2(0) = -inf for exactly -1. */
        if (x.k == X87_FINITE && x.exp == X87_BIAS && x.m == 1ull << 63 && y.k == X87_FINITE) {
            e->sw |= X87_ZE;
            return x87_make((uint16_t)(!y.sign << 15 | 0x7fff), 1ull << 63);
        }
        e->sw |= X87_IE;
        return X87_INDEFINITE;
    }
    X87Kind lk = x.k == X87_INF ? X87_INF : x.k == X87_ZERO ? X87_ZERO : X87_FINITE;
    X87F80 r;
    if (log_specials(e, &y, lk, x.sign, &r)) {
        if (lk == X87_ZERO && y.k != X87_INF)   /* y * +-0: the sign of the product */
            r = x87_make((uint16_t)((y.sign ^ x.sign) << 15), 0);
        return r;
    }
    /* ln(1 + x) = 2 atanh(x / (2 + x)). */
    Wide two = w_const(1ull << 63, 0, 1);
    Wide z = w_div(wx, w_add(two, wx));
    Wide l = w_mul(atanh2_series(z), W_LOG2E);
    return w_round(e, w_mul(w_from_unp(&y), l), false);
}

/* ================================================================ fpatan */

X87F80 x87_fpatan(X87Env *e, X87F80 st0, X87F80 st1)
{
    X87Unp x = x87_unpack(st0), y = x87_unpack(st1);
    if (x.k == X87_BAD || y.k == X87_BAD) { e->sw |= X87_IE; return X87_INDEFINITE; }
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, st0, &y, st1);
    if (x.den || y.den) e->sw |= X87_DE;
    Wide r;
    if (y.k == X87_ZERO || (y.k == X87_FINITE && x.k == X87_INF)) {
        /* atan2(+-0 or finite, x): +-0 for x >= +0, +-pi for x <= -0 */
        r = x.sign ? W_PI : (Wide){ false, 0, 0 };
    } else if (y.k == X87_INF) {
        if (x.k == X87_INF) {
            r = W_PI_2;
            r.e--;                                          /* pi/4 */
            if (x.sign) r = w_add(W_PI_2, r);               /* 3pi/4 */
        } else {
            r = W_PI_2;
        }
    } else if (x.k == X87_ZERO) {
        r = W_PI_2;
    } else {
        Wide a = w_from_unp(&y), b = w_from_unp(&x);
        a.s = b.s = false;
        if (w_ge(b, a)) r = atan_ratio(a, b);
        else r = w_sub(W_PI_2, atan_ratio(b, a));
        if (x.sign) r = w_sub(W_PI, r);
    }
    r.s = y.sign;
    if (!r.m) return x87_make((uint16_t)(y.sign << 15), 0);
    return w_round(e, r, false);
}

/* ================================================================ sine, cosine, tangent */

/* The x87 reduces by pi/2 rounded to 66 bits (bits 0xC90FDAA22168C234C, 1.1001...), as
 * measured on Intel CPUs; in units of 2^-126 that is the 128-bit pi/2 with its low 61 bits
 * cleared. */
static const u128 PIO2_66 = ((u128)0xc90fdaa22168c234ull << 64 | 0xc000000000000000ull) >> 1;

/* x = m * 2^(exp - bias - 63), |x| < 2^63. Returns r (|r| <= about pi/4) and q mod 4 with
 * x = q * pi66/2 + r. */
static Wide reduce(const X87Unp *x, unsigned *quadrant)
{
    Wide w = w_from_unp(x);
    *quadrant = 0;
    int32_t ex = x->exp - X87_BIAS;
    /* |x| < pi/4 needs nothing (0.785 > 0.75 = 2^-1 * 1.5). */
    if (ex < -1 || (ex == -1 && x->m < 0xc90fdaa22168c234ull)) return w;
    /* q = round(|x| / (pi/2)); an estimate is enough (r may then be a little beyond pi/4). */
    Wide qw = w_div(w, W_PI_2);
    qw.s = false;
    int32_t sh = 127 - qw.e;                                /* integer part: m >> sh */
    uint64_t q = sh > 128 ? 0 : (uint64_t)(((qw.m >> (sh - 1)) + 1) >> 1);
    /* r = |x| - q * P in 192-bit fixed point with 126 fraction bits. */
    uint64_t X[3] = { 0, 0, 0 };                            /* |x| * 2^126 */
    int s = ex + 63;                                        /* m << (ex - 63 + 126) */
    X[s / 64] |= x->m << (s % 64);
    if (s % 64) X[s / 64 + 1] |= x->m >> (64 - s % 64);
    uint64_t p0 = (uint64_t)PIO2_66, p1 = (uint64_t)(PIO2_66 >> 64);
    u128 t0 = (u128)q * p0, t1 = (u128)q * p1;
    uint64_t Q[3];
    Q[0] = (uint64_t)t0;
    u128 mid = (t0 >> 64) + (uint64_t)t1;
    Q[1] = (uint64_t)mid;
    Q[2] = (uint64_t)((t1 >> 64) + (mid >> 64));
    /* D = X - Q (signed); |D| < 2^126. */
    uint64_t D[3];
    unsigned borrow = 0;
    for (int i = 0; i < 3; i++) {
        uint64_t d = X[i] - Q[i] - borrow;
        borrow = (X[i] < Q[i]) || (X[i] - Q[i] < borrow);
        D[i] = d;
    }
    bool neg = D[2] >> 63;
    if (neg) {                                              /* negate the 192-bit value */
        unsigned c = 1;
        for (int i = 0; i < 3; i++) {
            D[i] = ~D[i] + c;
            c = c && D[i] == 0;
        }
    }
    u128 mag = (u128)D[1] << 64 | D[0];                     /* D[2] is 0 now */
    *quadrant = (unsigned)(q & 3);
    Wide r = w_make(neg, 127 - 126, mag);
    if (x->sign) {                                          /* sin/cos of -x */
        r.s = !r.s;
        *quadrant = (4 - *quadrant) & 3;
    }
    return r;
}

/* Shared front end: specials, range check, reduction. Returns 0: computed (s, c set), 1:
 * result already in *res (zero argument handled by caller), 2: out of range. */
typedef enum { T_OK, T_DONE, T_RANGE } TState;

static TState trig_begin(X87Env *e, X87F80 a, X87F80 *res, Wide *s, Wide *c, X87Unp *x)
{
    *x = x87_unpack(a);
    if (x->k == X87_BAD || x->k == X87_INF) { e->sw |= X87_IE; *res = X87_INDEFINITE; return T_DONE; }
    if (x87_is_nan_kind(x->k)) { *res = x87_nan_result(e, x, a, NULL, a); return T_DONE; }
    if (x->k == X87_ZERO) return T_OK;
    if (x->exp >= X87_BIAS + 63) return T_RANGE;
    if (x->den) e->sw |= X87_DE;
    unsigned q;
    Wide r = reduce(x, &q), sr, cr;
    sincos_series(r, &sr, &cr);
    static const int8_t sin_pick[4] = { 1, 2, -1, -2 };     /* +-sin(r) or +-cos(r) */
    int ps = sin_pick[q], pc = sin_pick[(q + 1) & 3];
    *s = (ps == 1 || ps == -1) ? sr : cr;
    if (ps < 0) *s = w_neg(*s);
    *c = (pc == 1 || pc == -1) ? sr : cr;
    if (pc < 0) *c = w_neg(*c);
    return T_OK;
}

bool x87_fsin(X87Env *e, X87F80 a, X87F80 *r)
{
    Wide s, c;
    X87Unp x;
    TState t = trig_begin(e, a, r, &s, &c, &x);
    if (t == T_RANGE) return false;
    if (t == T_OK) *r = x.k == X87_ZERO ? a : w_round(e, s, false);
    return true;
}

bool x87_fcos(X87Env *e, X87F80 a, X87F80 *r)
{
    Wide s, c;
    X87Unp x;
    TState t = trig_begin(e, a, r, &s, &c, &x);
    if (t == T_RANGE) return false;
    if (t == T_OK) *r = x.k == X87_ZERO ? x87_make(X87_BIAS, 1ull << 63) : w_round(e, c, false);
    return true;
}

bool x87_fsincos(X87Env *e, X87F80 a, X87F80 *sr, X87F80 *cr)
{
    Wide s, c;
    X87Unp x;
    TState t = trig_begin(e, a, sr, &s, &c, &x);
    if (t == T_RANGE) return false;
    if (t == T_DONE) { *cr = *sr; return true; }
    if (x.k == X87_ZERO) {
        *sr = a;
        *cr = x87_make(X87_BIAS, 1ull << 63);
        return true;
    }
    *sr = w_round(e, s, false);
    *cr = w_round(e, c, false);
    return true;
}

bool x87_fptan(X87Env *e, X87F80 a, X87F80 *r)
{
    Wide s, c;
    X87Unp x;
    TState t = trig_begin(e, a, r, &s, &c, &x);
    if (t == T_RANGE) return false;
    if (t == T_OK) *r = x.k == X87_ZERO ? a : w_round(e, w_div(s, c), false);
    return true;
}
