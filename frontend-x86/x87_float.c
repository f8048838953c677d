/* x87_float.c — the x87's extended-precision arithmetic, conversions and compares in software
 * (contract in x87_float.h).
 *
 * Every operation unpacks its operands (x87_unpack), settles the special cases in the order
 * of the manual's exception priorities (SDM Vol. 1 4.9.2: unsupported formats and SNaNs,
 * then QNaN operands, then the other invalid operations and divide-by-zero, then denormal
 * operands, then overflow/underflow, then inexact), computes an exact or sticky-rounded
 * 128-bit significand and rounds it once through one rounding core (round_core), which every
 * destination format shares (extended with its precision control, double, single).
 */
#include <stddef.h>

#include "frontend-x86/x87_float.h"

typedef unsigned __int128 u128;

#define EXP_INF 0x7fff

/* ================================================================ unpacking */

X87Unp x87_unpack(X87F80 a)
{
    X87Unp u = { .sign = a.se >> 15 };
    uint32_t e = a.se & 0x7fff;
    uint64_t m = a.sig;
    if (e == EXP_INF) {
        if (!(m >> 63)) u.k = X87_BAD;                  /* pseudo-infinity, pseudo-NaN */
        else if (!(m << 1)) u.k = X87_INF;
        else u.k = (m >> 62) & 1 ? X87_QNAN : X87_SNAN;
        u.m = m;
        return u;
    }
    if (e == 0) {
        if (!m) { u.k = X87_ZERO; return u; }
        /* Denormal or pseudo-denormal: the value is m * 2^(1 - bias - 63). */
        int n = __builtin_clzll(m);
        u.k = X87_FINITE;
        u.den = true;
        u.m = m << n;
        u.exp = 1 - n;
        return u;
    }
    if (!(m >> 63)) { u.k = X87_BAD; return u; }        /* unnormal */
    u.k = X87_FINITE;
    u.m = m;
    u.exp = (int32_t)e;
    return u;
}

static X87F80 make_zero(bool sign) { return x87_make((uint16_t)(sign << 15), 0); }
static X87F80 make_inf(bool sign) { return x87_make((uint16_t)(sign << 15 | EXP_INF), 1ull << 63); }

static X87F80 invalid(X87Env *e)
{
    e->sw |= X87_IE;
    return X87_INDEFINITE;
}

X87F80 x87_nan_result(X87Env *e, const X87Unp *ua, X87F80 a, const X87Unp *ub, X87F80 b)
{
    bool an = ua && x87_is_nan_kind(ua->k), bn = ub && x87_is_nan_kind(ub->k);
    if ((an && ua->k == X87_SNAN) || (bn && ub->k == X87_SNAN)) e->sw |= X87_IE;
    X87F80 r;
    if (an && bn) {
        /* A QNaN beats an SNaN; between two of a kind the larger significand wins, and on a
         * tie the positive one. */
        if (ua->k != ub->k) r = ua->k == X87_QNAN ? a : b;
        else if (a.sig != b.sig) r = a.sig > b.sig ? a : b;
        else r = x87_sign(a) ? b : a;
    } else {
        r = an ? a : b;
    }
    r.sig |= 1ull << 62;                                /* SNaN -> QNaN */
    return r;
}

/* ================================================================ rounding */

/* q = sig >> s rounded with rc (sign of the value for directed modes); *inexact and *up
 * (magnitude increased) reported. s >= 1; any s > 128 means everything is below the last
 * kept bit. sig must be nonzero. */
static u128 shift_round(u128 sig, int64_t s, X87Round rc, bool sign, bool *inexact, bool *up)
{
    u128 q, rem, half;
    bool tie_above;     /* rem > half */
    bool tie_equal;     /* rem == half */
    if (s >= 129) {
        q = 0;
        *inexact = true;
        tie_above = false;
        tie_equal = false;
    } else if (s == 128) {
        q = 0;
        rem = sig;
        half = (u128)1 << 127;
        *inexact = rem != 0;
        tie_above = rem > half;
        tie_equal = rem == half;
    } else {
        q = sig >> s;
        rem = sig & (((u128)1 << s) - 1);
        half = (u128)1 << (s - 1);
        *inexact = rem != 0;
        tie_above = rem > half;
        tie_equal = rem == half;
    }
    bool inc = false;
    if (*inexact) {
        switch (rc) {
        case X87_RN: inc = tie_above || (tie_equal && (q & 1)); break;
        case X87_RD: inc = sign; break;
        case X87_RU: inc = !sign; break;
        case X87_RZ: inc = false; break;
        }
    }
    *up = inc;
    return q + inc;
}

/* A destination format: rounding precision, its own precision (which places the denormals'
 * last bit) and the normal exponent range, all in extended-biased exponents. */
typedef struct Fmt { int prec, full; int32_t emin, emax; } Fmt;

typedef enum RKind { R_ZERO, R_FINITE, R_INF } RKind;
typedef struct Rounded { RKind k; int32_t exp; uint64_t m; } Rounded;   /* m normalized */

static int bitlen128(u128 v)
{
    uint64_t hi = (uint64_t)(v >> 64);
    return hi ? 128 - __builtin_clzll(hi) : v ? 64 - __builtin_clzll((uint64_t)v) : 0;
}

/* Round (-1)^sign * sig / 2^127 * 2^(exp - bias) (sig normalized) into format f. Raises
 * PE, UE (tiny after rounding and inexact), OE and C1. */
static Rounded round_core(X87Env *e, bool sign, int32_t exp, u128 sig, Fmt f)
{
    X87Round rc = (X87Round)X87_CW_RC(e->cw);
    int64_t s = 128 - f.prec;
    int64_t s_den = (int64_t)f.emin - exp + 128 - f.full;
    bool tiny = false;
    if (s_den > s) {
        /* Below the normal range: tiny if rounding with an unbounded exponent stays below. */
        bool ix, up;
        u128 q = shift_round(sig, s, rc, sign, &ix, &up);
        int32_t ue = (int32_t)(exp + s + bitlen128(q) - 128);
        tiny = ue < f.emin;
        s = s_den;
    }
    bool inexact, up;
    u128 q = shift_round(sig, s, rc, sign, &inexact, &up);
    if (inexact) e->sw |= X87_PE;
    if (inexact && tiny) e->sw |= X87_UE;
    if (up) e->sw |= X87_C1;
    Rounded r = { R_ZERO, 0, 0 };
    if (!q) return r;
    int n = bitlen128(q);
    r.k = R_FINITE;
    r.m = n > 64 ? (uint64_t)(q >> (n - 64)) : (uint64_t)(q << (64 - n));  /* 65: carry out */
    r.exp = (int32_t)(exp + s + n - 128);
    if (r.exp > f.emax) {
        /* Overflow (masked): infinity or the largest finite value, by rounding direction. */
        e->sw = (uint16_t)((e->sw | X87_OE | X87_PE) & ~X87_C1);
        bool to_inf = rc == X87_RN || (rc == X87_RU && !sign) || (rc == X87_RD && sign);
        if (to_inf) {
            r.k = R_INF;
            e->sw |= X87_C1;
        } else {
            r.exp = f.emax;
            r.m = ~0ull << (64 - f.prec);
        }
    }
    return r;
}

/* Precision control keeps the top 24 or 53 bits of the significand field, also for
 * denormals (checked on hardware): the denormals' last bit moves with the precision. */
static const Fmt fmt_ext[4] = {
    { 24, 24, 1, 0x7ffe }, { 64, 64, 1, 0x7ffe }, { 53, 53, 1, 0x7ffe }, { 64, 64, 1, 0x7ffe },
};
static const Fmt fmt_f64 = { 53, 53, X87_BIAS - 1022, X87_BIAS + 1023 };
static const Fmt fmt_f32 = { 24, 24, X87_BIAS - 126, X87_BIAS + 127 };

static X87F80 pack_ext(bool sign, Rounded r)
{
    if (r.k == R_ZERO) return make_zero(sign);
    if (r.k == R_INF) return make_inf(sign);
    if (r.exp < 1)      /* denormal: exact by construction of round_core */
        return x87_make((uint16_t)(sign << 15), r.m >> (1 - r.exp));
    return x87_make((uint16_t)(sign << 15 | r.exp), r.m);
}

X87F80 x87_round_pack(X87Env *e, bool sign, int32_t exp, u128 sig, int prec)
{
    Fmt f = fmt_ext[3];
    f.prec = f.full = prec;
    return pack_ext(sign, round_core(e, sign, exp, sig, f));
}

/* Round with the precision control of the control word (the arithmetic instructions). */
static X87F80 round_pc(X87Env *e, bool sign, int32_t exp, u128 sig)
{
    return pack_ext(sign, round_core(e, sign, exp, sig, fmt_ext[X87_CW_PC(e->cw)]));
}

static u128 wide(uint64_t m) { return (u128)m << 64; }

/* ================================================================ add, subtract */

static X87F80 addsub(X87Env *e, X87F80 a, X87F80 b, bool negate_b)
{
    X87Unp x = x87_unpack(a), y = x87_unpack(b);
    if (x.k == X87_BAD || y.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, a, &y, b);
    if (x.den || y.den) e->sw |= X87_DE;
    y.sign ^= negate_b;
    X87Round rc = (X87Round)X87_CW_RC(e->cw);
    if (x.k == X87_INF || y.k == X87_INF) {
        if (x.k == X87_INF && y.k == X87_INF && x.sign != y.sign) return invalid(e);
        return make_inf(x.k == X87_INF ? x.sign : y.sign);
    }
    if (x.k == X87_ZERO && y.k == X87_ZERO)
        return make_zero(x.sign == y.sign ? x.sign : rc == X87_RD);
    if (x.k == X87_ZERO) return round_pc(e, y.sign, y.exp, wide(y.m));
    if (y.k == X87_ZERO) return round_pc(e, x.sign, x.exp, wide(x.m));

    if (x.exp < y.exp || (x.exp == y.exp && x.m < y.m)) {
        X87Unp t = x; x = y; y = t;
    }
    /* |x| >= |y|. Significands with their leading bit at 126 (one bit of headroom). */
    u128 X = (u128)x.m << 63, Y = (u128)y.m << 63;
    int64_t d = (int64_t)x.exp - y.exp;
    if (d >= 127) Y = 1;                                /* only a sticky bit is left */
    else if (d > 0) Y = (Y >> d) | ((Y & (((u128)1 << d) - 1)) != 0);
    u128 S = x.sign == y.sign ? X + Y : X - Y;
    if (!S) return make_zero(rc == X87_RD);             /* exact cancellation */
    int l = 128 - bitlen128(S);
    return round_pc(e, x.sign, x.exp + 1 - l, S << l);
}

X87F80 x87_add(X87Env *e, X87F80 a, X87F80 b) { return addsub(e, a, b, false); }
X87F80 x87_sub(X87Env *e, X87F80 a, X87F80 b) { return addsub(e, a, b, true); }

/* ================================================================ multiply, divide */

X87F80 x87_mul(X87Env *e, X87F80 a, X87F80 b)
{
    X87Unp x = x87_unpack(a), y = x87_unpack(b);
    if (x.k == X87_BAD || y.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, a, &y, b);
    bool sign = x.sign ^ y.sign;
    if ((x.k == X87_INF && y.k == X87_ZERO) || (x.k == X87_ZERO && y.k == X87_INF))
        return invalid(e);
    if (x.den || y.den) e->sw |= X87_DE;
    if (x.k == X87_INF || y.k == X87_INF) return make_inf(sign);
    if (x.k == X87_ZERO || y.k == X87_ZERO) return make_zero(sign);
    u128 P = (u128)x.m * y.m;                           /* in [2^126, 2^128) */
    int l = 128 - bitlen128(P);
    return round_pc(e, sign, x.exp + y.exp - X87_BIAS + 1 - l, P << l);
}

/* Quotient of normalized significands as a normalized 128-bit value with sticky bit;
 * *adj is 0 if xm >= ym (quotient in [1, 2)) else -1. */
static u128 div_sig(uint64_t xm, uint64_t ym, int *adj)
{
    u128 N;
    if (xm >= ym) { N = (u128)xm << 63; *adj = 0; }
    else { N = (u128)xm << 64; *adj = -1; }
    uint64_t q1 = (uint64_t)(N / ym);
    uint64_t r1 = (uint64_t)(N % ym);
    u128 N2 = (u128)r1 << 64;
    uint64_t q2 = (uint64_t)(N2 / ym);
    uint64_t r2 = (uint64_t)(N2 % ym);
    return ((u128)q1 << 64) | q2 | (r2 != 0);
}

X87F80 x87_div(X87Env *e, X87F80 a, X87F80 b)
{
    X87Unp x = x87_unpack(a), y = x87_unpack(b);
    if (x.k == X87_BAD || y.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, a, &y, b);
    bool sign = x.sign ^ y.sign;
    if ((x.k == X87_INF && y.k == X87_INF) || (x.k == X87_ZERO && y.k == X87_ZERO))
        return invalid(e);
    if (y.k == X87_ZERO) {
        /* Divide-by-zero outranks a denormal dividend (checked on hardware). */
        if (x.k == X87_FINITE) e->sw |= X87_ZE;
        return make_inf(sign);
    }
    if (x.den || y.den) e->sw |= X87_DE;
    if (x.k == X87_INF) return make_inf(sign);
    if (y.k == X87_INF || x.k == X87_ZERO) return make_zero(sign);
    int adj;
    u128 Q = div_sig(x.m, y.m, &adj);
    return round_pc(e, sign, x.exp - y.exp + X87_BIAS + adj, Q);
}

/* ================================================================ square root */

/* floor(sqrt(m * 2^sh)) for 64 + sh = 2n bits of radicand, n <= 70, and whether the
 * remainder is nonzero; digit by digit, two radicand bits per result bit. */
static u128 isqrt_shifted(uint64_t m, int sh, int n, bool *rem_nz)
{
    u128 rem = 0, root = 0;
    for (int i = n - 1; i >= 0; i--) {
        int j = 2 * i - sh;                             /* radicand bit 2i is m's bit j */
        unsigned pair = 0;
        if (j + 1 >= 0 && j + 1 < 64) pair |= (unsigned)((m >> (j + 1)) & 1) << 1;
        if (j >= 0 && j < 64) pair |= (unsigned)((m >> j) & 1);
        rem = (rem << 2) | pair;
        u128 trial = (root << 2) | 1;
        if (rem >= trial) {
            rem -= trial;
            root = (root << 1) | 1;
        } else {
            root <<= 1;
        }
    }
    *rem_nz = rem != 0;
    return root;
}

X87F80 x87_sqrt(X87Env *e, X87F80 a)
{
    X87Unp x = x87_unpack(a);
    if (x.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k)) return x87_nan_result(e, &x, a, NULL, a);
    if (x.k == X87_ZERO) return a;                      /* sqrt(-0) = -0 */
    if (x.sign) return invalid(e);                      /* also -denormal, -inf */
    if (x.den) e->sw |= X87_DE;
    if (x.k == X87_INF) return a;
    /* value = m/2^63 * 2^d. Even d: root of m * 2^73 (137 bits, root in [2^68, 2^68.5));
     * odd d: root of m * 2^74 (the value times 2, root in [2^68.5, 2^69)). */
    int32_t d = x.exp - X87_BIAS;
    bool odd = d & 1;
    int32_t half = odd ? (d - 1) / 2 : d / 2;
    bool rnz;
    u128 root = isqrt_shifted(x.m, odd ? 74 : 73, 69, &rnz);
    /* root = sqrt(value / 2^half) * 2^68, 69 bits: put the leading bit at 127. */
    u128 sig = (root << 59) | rnz;
    return round_pc(e, false, half + X87_BIAS, sig);
}

/* ================================================================ frndint, fscale, fxtract */

X87F80 x87_frndint(X87Env *e, X87F80 a)
{
    X87Unp x = x87_unpack(a);
    if (x.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k)) return x87_nan_result(e, &x, a, NULL, a);
    if (x.k != X87_FINITE) return a;
    if (x.den) e->sw |= X87_DE;
    if (x.exp >= X87_BIAS + 63) return a;               /* no fraction bits */
    int64_t s = 64 + (X87_BIAS + 63 - (int64_t)x.exp);
    bool ix, up;
    u128 q = shift_round(wide(x.m), s, (X87Round)X87_CW_RC(e->cw), x.sign, &ix, &up);
    if (ix) e->sw |= X87_PE;
    if (up) e->sw |= X87_C1;
    if (!q) return make_zero(x.sign);
    uint64_t v = (uint64_t)q;                           /* <= 2^63 */
    int n = __builtin_clzll(v);
    return x87_make((uint16_t)(x.sign << 15 | (X87_BIAS + 63 - n)), v << n);
}

X87F80 x87_fscale(X87Env *e, X87F80 st0, X87F80 st1)
{
    X87Unp x = x87_unpack(st0), y = x87_unpack(st1);
    if (x.k == X87_BAD || y.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, st0, &y, st1);
    if (y.k == X87_INF) {
        if (!y.sign && x.k == X87_ZERO) return invalid(e);      /* 0 * 2^+inf */
        if (y.sign && x.k == X87_INF) return invalid(e);        /* inf * 2^-inf */
        if (x.den) e->sw |= X87_DE;
        if (x.k == X87_FINITE) return y.sign ? make_zero(x.sign) : make_inf(x.sign);
        return st0;
    }
    if (x.den || y.den) e->sw |= X87_DE;
    if (x.k != X87_FINITE) return st0;
    /* trunc(st1), saturated far beyond any exponent that can matter. */
    int64_t n = 0;
    if (y.k == X87_FINITE && y.exp >= X87_BIAS) {
        int32_t sh = y.exp - X87_BIAS;                   /* integer bits - 1 */
        n = sh >= 20 ? (1 << 20) : (int64_t)(y.m >> (63 - sh));
        if (y.sign) n = -n;
    }
    return x87_round_pack(e, x.sign, (int32_t)(x.exp + n), wide(x.m), 64);
}

void x87_fxtract(X87Env *e, X87F80 a, X87F80 *sig, X87F80 *exp)
{
    X87Unp x = x87_unpack(a);
    if (x.k == X87_BAD) { *sig = *exp = invalid(e); return; }
    if (x87_is_nan_kind(x.k)) { *sig = *exp = x87_nan_result(e, &x, a, NULL, a); return; }
    if (x.k == X87_ZERO) {
        e->sw |= X87_ZE;
        *exp = make_inf(true);
        *sig = a;
        return;
    }
    if (x.k == X87_INF) { *sig = a; *exp = make_inf(false); return; }
    if (x.den) e->sw |= X87_DE;
    *sig = x87_make((uint16_t)(x.sign << 15 | X87_BIAS), x.m);
    *exp = x87_from_int(x.exp - X87_BIAS);
}

/* ================================================================ fprem, fprem1 */

/* An incomplete reduction (exponent difference D >= 64) reduces by D - N, where the SDM says
 * N is "an implementation-dependent number between 32 and 63": Intel CPUs take
 * N = 32 + (D mod 32), for fprem and fprem1 alike (measured; tests/unit/test_x87.c). */
static int64_t prem_n(int64_t d) { return 32 + (d & 31); }

X87F80 x87_fprem(X87Env *e, X87F80 st0, X87F80 st1, bool ieee, uint16_t *cc)
{
    X87Unp x = x87_unpack(st0), y = x87_unpack(st1);
    *cc = 0;
    if (x.k == X87_BAD || y.k == X87_BAD) return invalid(e);
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) return x87_nan_result(e, &x, st0, &y, st1);
    if (x.k == X87_INF || y.k == X87_ZERO) return invalid(e);
    if (x.den || y.den) e->sw |= X87_DE;
    if (x.k == X87_ZERO) return st0;
    if (y.k == X87_INF) return x87_round_pack(e, x.sign, x.exp, wide(x.m), 64);   /* normalized */
    int64_t D = (int64_t)x.exp - y.exp;
    int32_t yexp = y.exp;
    bool partial = D >= 64;
    if (partial) {
        D = prem_n(D);
        yexp = (int32_t)(x.exp - D);                    /* st1 * 2^(D - N) */
    }
    bool sign = x.sign;
    uint64_t q = 0;
    u128 r;                                             /* remainder in units of 2^yexp */
    if (D < 0) {
        r = x.m;
        /* |st0| < |st1| (fprem1: < |st1| / 2) is the remainder itself, but passed through the
         * arithmetic: a pseudo-denormal comes back normalized. */
        if (!(ieee && D == -1) || x.m <= y.m)
            return x87_round_pack(e, x.sign, x.exp, wide(x.m), 64);
        /* D = -1 and |st0| > |st1| / 2: fprem1 rounds the quotient to 1. */
        r = ((u128)y.m << 1) - x.m;                     /* in units of 2^x.exp */
        sign = !sign;
        q = 1;
        int l = 128 - bitlen128(r);
        *cc = X87_C1;
        return x87_round_pack(e, sign, x.exp + 64 - l, r << l, 64);
    }
    r = x.m;
    if (r >= y.m) { r -= y.m; q = 1; }
    for (int64_t i = 0; i < D; i++) {
        r <<= 1;
        q <<= 1;
        if (r >= y.m) { r -= y.m; q |= 1; }
    }
    if (ieee && !partial) {
        u128 twice = r << 1;
        if (twice > y.m || (twice == y.m && (q & 1))) {
            r = y.m - r;
            sign = !sign;
            q++;
        }
    }
    if (partial) {
        *cc = X87_C2;
    } else {
        *cc = (uint16_t)(((q >> 2) & 1 ? X87_C0 : 0) | ((q >> 1) & 1 ? X87_C3 : 0) |
                         (q & 1 ? X87_C1 : 0));
    }
    if (!r) return make_zero(x.sign);
    /* value = r * 2^(yexp - bias - 63): normalize to bit 127. */
    int l = 128 - bitlen128(r);
    return x87_round_pack(e, sign, yexp + 64 - l, r << l, 64);
}

/* ================================================================ compares, fxam */

X87Cmp x87_compare(X87Env *e, X87F80 a, X87F80 b, bool quiet)
{
    X87Unp x = x87_unpack(a), y = x87_unpack(b);
    if (x.k == X87_BAD || y.k == X87_BAD) { e->sw |= X87_IE; return X87_CMP_UN; }
    if (x87_is_nan_kind(x.k) || x87_is_nan_kind(y.k)) {
        if (!quiet || x.k == X87_SNAN || y.k == X87_SNAN) e->sw |= X87_IE;
        return X87_CMP_UN;
    }
    if (x.den || y.den) e->sw |= X87_DE;
    if (x.k == X87_ZERO && y.k == X87_ZERO) return X87_CMP_EQ;
    /* Order by sign, then magnitude (infinity above every finite value, zero below). */
    int sx = x.k == X87_ZERO ? 0 : x.sign ? -1 : 1;
    int sy = y.k == X87_ZERO ? 0 : y.sign ? -1 : 1;
    if (sx != sy) return sx < sy ? X87_CMP_LT : X87_CMP_GT;
    int mag;    /* |x| vs |y| */
    if (x.k == X87_INF || y.k == X87_INF)
        mag = (x.k == X87_INF) - (y.k == X87_INF);
    else if (x.exp != y.exp)
        mag = x.exp < y.exp ? -1 : 1;
    else
        mag = x.m < y.m ? -1 : x.m > y.m;
    if (sx < 0) mag = -mag;
    return mag < 0 ? X87_CMP_LT : mag > 0 ? X87_CMP_GT : X87_CMP_EQ;
}

uint16_t x87_fxam(X87F80 a)
{
    uint16_t c1 = x87_sign(a) ? X87_C1 : 0;
    uint32_t ex = a.se & 0x7fff;
    switch (x87_unpack(a).k) {
    case X87_BAD: return c1;
    case X87_QNAN: case X87_SNAN: return c1 | X87_C0;
    case X87_INF: return c1 | X87_C2 | X87_C0;
    case X87_ZERO: return c1 | X87_C3;
    case X87_FINITE: return c1 | (ex == 0 ? X87_C3 | X87_C2 : X87_C2);
    }
    return c1;
}

/* ================================================================ integers */

X87F80 x87_from_int(int64_t v)
{
    if (!v) return make_zero(false);
    bool sign = v < 0;
    uint64_t m = sign ? -(uint64_t)v : (uint64_t)v;
    int n = __builtin_clzll(m);
    return x87_make((uint16_t)(sign << 15 | (X87_BIAS + 63 - n)), m << n);
}

int64_t x87_to_int(X87Env *e, X87F80 a, unsigned bits, X87Round rc)
{
    X87Unp x = x87_unpack(a);
    int64_t indefinite = (int64_t)(~0ull << (bits - 1));     /* sign-extended 100..0 */
    if (x.k == X87_ZERO) return 0;
    if (x.k != X87_FINITE || x.exp > X87_BIAS + 63) { e->sw |= X87_IE; return indefinite; }
    int64_t s = 64 + (X87_BIAS + 63 - (int64_t)x.exp);
    bool ix, up;
    u128 q = shift_round(wide(x.m), s, rc, x.sign, &ix, &up);
    u128 limit = ((u128)1 << (bits - 1)) - (x.sign ? 0 : 1);
    if (q > limit) { e->sw |= X87_IE; return indefinite; }
    if (ix) e->sw |= X87_PE;
    if (up) e->sw |= X87_C1;
    uint64_t v = (uint64_t)q;
    return (int64_t)(x.sign ? -v : v);
}

/* ================================================================ float32, float64 */

/* A binary format's fields: fraction bits and exponent bias. */
static X87F80 from_binary(X87Env *e, uint64_t bits, int frac_bits, int ebits)
{
    bool sign = bits >> (frac_bits + ebits);
    uint32_t emax = (1u << ebits) - 1, bias = emax >> 1;
    uint32_t ex = (uint32_t)(bits >> frac_bits) & emax;
    uint64_t frac = bits & ((1ull << frac_bits) - 1);
    int up = 63 - frac_bits;
    if (ex == emax) {
        if (!frac) return make_inf(sign);
        uint64_t m = 1ull << 63 | frac << up;
        if (!((m >> 62) & 1)) e->sw |= X87_IE;          /* SNaN: quieted */
        return x87_make((uint16_t)(sign << 15 | EXP_INF), m | 1ull << 62);
    }
    if (ex == 0) {
        if (!frac) return make_zero(sign);
        e->sw |= X87_DE;
        int n = __builtin_clzll(frac);
        return x87_make((uint16_t)(sign << 15 | (X87_BIAS - bias + 1 - (n - up))), frac << n);
    }
    return x87_make((uint16_t)(sign << 15 | (ex - bias + X87_BIAS)), 1ull << 63 | frac << up);
}

X87F80 x87_from_f32(X87Env *e, uint32_t f) { return from_binary(e, f, 23, 8); }
X87F80 x87_from_f64(X87Env *e, uint64_t d) { return from_binary(e, d, 52, 11); }

static uint64_t to_binary(X87Env *e, X87F80 a, int frac_bits, int ebits, Fmt f)
{
    X87Unp x = x87_unpack(a);
    uint64_t emax = (1u << ebits) - 1, bias = emax >> 1;
    uint64_t sbit = (uint64_t)x.sign << (frac_bits + ebits);
    uint64_t inf = emax << frac_bits;
    int down = 63 - frac_bits;
    switch (x.k) {
    case X87_BAD:
        e->sw |= X87_IE;
        return 1ull << (frac_bits + ebits) | inf | 1ull << (frac_bits - 1);
    case X87_SNAN:
        e->sw |= X87_IE;
        /* fall through */
    case X87_QNAN:
        return sbit | inf | ((x.m >> down) & ((1ull << frac_bits) - 1)) | 1ull << (frac_bits - 1);
    case X87_INF: return sbit | inf;
    case X87_ZERO: return sbit;
    case X87_FINITE: break;
    }
    Rounded r = round_core(e, x.sign, x.exp, wide(x.m), f);     /* no DE: not arithmetic */
    if (r.k == R_ZERO) return sbit;
    if (r.k == R_INF) return sbit | inf;
    int64_t be = (int64_t)r.exp - X87_BIAS + (int64_t)bias;
    if (be < 1)         /* denormal, exact by construction */
        return sbit | (r.m >> (down + 1 - be));
    return sbit | (uint64_t)be << frac_bits | ((r.m >> down) & ((1ull << frac_bits) - 1));
}

uint32_t x87_to_f32(X87Env *e, X87F80 a) { return (uint32_t)to_binary(e, a, 23, 8, fmt_f32); }
uint64_t x87_to_f64(X87Env *e, X87F80 a) { return to_binary(e, a, 52, 11, fmt_f64); }

/* ================================================================ packed BCD */

X87F80 x87_from_bcd(const uint8_t bcd[10])
{
    uint64_t v = 0;
    for (int i = 8; i >= 0; i--)
        v = v * 100 + (uint64_t)(bcd[i] >> 4) * 10 + (bcd[i] & 15);
    X87F80 r = x87_from_int((int64_t)v);
    if (bcd[9] & 0x80) r.se |= 0x8000;                  /* -0 stays -0 */
    return r;
}

void x87_to_bcd(X87Env *e, X87F80 a, uint8_t bcd[10])
{
    static const uint8_t indefinite[10] = { 0, 0, 0, 0, 0, 0, 0, 0xc0, 0xff, 0xff };
    X87Unp x = x87_unpack(a);
    uint64_t v = 0;
    if (x.k == X87_FINITE) {
        X87Env t = *e;
        int64_t i = x87_to_int(&t, a, 64, (X87Round)X87_CW_RC(e->cw));
        /* magnitude in unsigned arithmetic: the integer indefinite (INT64_MIN) has no
         * positive int64 counterpart */
        uint64_t m = i < 0 ? -(uint64_t)i : (uint64_t)i;
        if (!(t.sw & X87_IE) && m <= 999999999999999999ull) {
            e->sw = t.sw;
            v = m;
        } else {
            x.k = X87_BAD;
        }
    }
    if (x.k != X87_FINITE && x.k != X87_ZERO) {
        e->sw |= X87_IE;
        for (int k = 0; k < 10; k++) bcd[k] = indefinite[k];
        return;
    }
    for (int k = 0; k < 9; k++) {
        unsigned lo = (unsigned)(v % 10); v /= 10;
        unsigned hi = (unsigned)(v % 10); v /= 10;
        bcd[k] = (uint8_t)(hi << 4 | lo);
    }
    bcd[9] = x.sign ? 0x80 : 0;
}

/* ================================================================ constants */

/* The constants with 128 significand bits (from a multiple-precision computation), rounded
 * to 64 with RC. The SDM (Vol. 1 8.3.8) speaks of a 66-bit internal constant, but log10(2),
 * whose bits 65-66 are 10 followed by nonzero bits, rounds up to nearest on hardware, as the
 * exact value does, rather than to even as a 66-bit tie would: the full value is what
 * matches. No constant has 00 in bits 65-66, so directed rounding agrees either way. */
static const struct { uint64_t hi, lo; int32_t exp; } konst[] = {
    [X87_K_L2T] = { 0xd49a784bcd1b8afeull, 0x492bf6ff4dafdb4cull, X87_BIAS + 1 },
    [X87_K_L2E] = { 0xb8aa3b295c17f0bbull, 0xbe87fed0691d3e88ull, X87_BIAS },
    [X87_K_PI]  = { 0xc90fdaa22168c234ull, 0xc4c6628b80dc1cd1ull, X87_BIAS + 1 },
    [X87_K_LG2] = { 0x9a209a84fbcff798ull, 0x8f8959ac0b7c9178ull, X87_BIAS - 2 },
    [X87_K_LN2] = { 0xb17217f7d1cf79abull, 0xc9e3b39803f2f6afull, X87_BIAS - 1 },
};

X87F80 x87_const(X87Env *e, X87Const k)
{
    if (k == X87_K_ONE) return x87_make(X87_BIAS, 1ull << 63);
    if (k == X87_K_ZERO) return make_zero(false);
    /* Round the 66-bit constant; the x87 does not report inexact for these. */
    X87Env t = { e->cw, 0 };
    u128 sig = (u128)konst[k].hi << 64 | konst[k].lo;
    X87F80 r = x87_round_pack(&t, false, konst[k].exp, sig, 64);
    return r;
}
