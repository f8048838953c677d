/* ir_eval.c — ir_eval, the one evaluator of every pure op, shared by the emit-time folder,
 * opt_fold and the reference interpreter.
 *
 * Contract: computes exactly what ir_ops.def's semantics line says, for the types the verifier
 * accepts; returns false (and leaves *out zero) for an op that is not pure or produces no value
 * (NOP), and for operand types the op does not accept, so a bad call never reaches undefined
 * behaviour. Values follow IrValue's convention: integers zero-extended in lo, F32/F64 bit
 * patterns in lo, V128 in lo (bits 0-63) and hi (bits 64-127).
 *
 * Floating point is computed with the host's C float/double in the FP environment of the
 * moment (ir.h: rounding, FTZ and the sticky flags are the host's; DAZ is applied here), with
 * the x86 SSE NaN rules applied explicitly (hosts differ: aarch64 produces a positive default NaN):
 *   - a NaN input gives the first NaN operand (a before b), quieted;
 *   - an invalid operation on non-NaN inputs (0/0, inf-inf, 0*inf, sqrt(-x)) gives the default
 *     NaN, negative and quiet (0xFFC00000 / 0xFFF8000000000000);
 *   - conversions to integers give the minimum signed value for NaN and out-of-range inputs.
 * The code relies on C's float evaluation being exact-width (FLT_EVAL_METHOD 0, true on x86-64
 * SSE and aarch64) and on no contraction into fused multiply-add (-std=c11 turns it off).
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "ir/ir_internal.h"

#if FLT_EVAL_METHOD != 0
#error "ir_eval needs FLT_EVAL_METHOD 0 so float and double operations round once"
#endif

/* ---------------------------------------------------------------- integer helpers */

/* Sign-extend the low `bits` bits of v to 64 bits. */
static int64_t sext(uint64_t v, unsigned bits)
{
    if (bits >= 64)
        return (int64_t)v;
    uint64_t sign = 1ull << (bits - 1);
    v &= ir_mask(bits);
    return (int64_t)((v ^ sign) - sign);
}

/* Arithmetic right shift without relying on implementation-defined signed shifts. */
static uint64_t sar64(uint64_t v, unsigned c)
{
    if (c == 0)
        return v;
    if (c > 63)
        c = 63;
    return (v >> 63) ? ~(~v >> c) : v >> c;
}

static bool eval_int(IrOp op, unsigned w, uint64_t a, uint64_t b, uint64_t *r)
{
    uint64_t m = ir_mask(w);
    unsigned c = (unsigned)(b & (w - 1));   /* shift count mod w (w is a power of two) */
    a &= m;
    b &= m;
    switch (op) {
    case IR_ADD: *r = a + b; break;
    case IR_SUB: *r = a - b; break;
    case IR_MUL: *r = a * b; break;
    case IR_MULHU:
        *r = (uint64_t)(((unsigned __int128)a * b) >> w);
        break;
    case IR_MULHS: {
        __int128 p = (__int128)sext(a, w) * (__int128)sext(b, w);
        *r = (uint64_t)((unsigned __int128)p >> w);     /* bits w..2w-1 of the product */
        break;
    }
    case IR_AND: *r = a & b; break;
    case IR_OR:  *r = a | b; break;
    case IR_XOR: *r = a ^ b; break;
    case IR_SHL: *r = a << c; break;
    case IR_SHR: *r = a >> c; break;
    case IR_SAR: *r = sar64((uint64_t)sext(a, w), c); break;
    case IR_ROL: *r = c ? (a << c) | (a >> (w - c)) : a; break;
    case IR_ROR: *r = c ? (a >> c) | (a << (w - c)) : a; break;
    case IR_NEG: *r = 0 - a; break;
    case IR_NOT: *r = ~a; break;
    case IR_CTZ: *r = a ? (uint64_t)__builtin_ctzll(a) : w; break;
    case IR_CLZ: *r = a ? (uint64_t)(__builtin_clzll(a) - (64 - (int)w)) : w; break;
    case IR_POPCNT: *r = (uint64_t)__builtin_popcountll(a); break;
    case IR_BSWAP:
        switch (w) {
        case 16: *r = __builtin_bswap16((uint16_t)a); break;
        case 32: *r = __builtin_bswap32((uint32_t)a); break;
        case 64: *r = __builtin_bswap64(a); break;
        default: return false;
        }
        break;
    default:
        return false;
    }
    *r &= m;
    return true;
}

static bool cond_holds(IrCond c, uint64_t a, uint64_t b, unsigned w)
{
    int64_t sa = sext(a, w), sb = sext(b, w);
    a &= ir_mask(w);
    b &= ir_mask(w);
    switch (c) {
    case IR_EQ:  return a == b;
    case IR_NE:  return a != b;
    case IR_LTU: return a < b;
    case IR_GEU: return a >= b;
    case IR_LEU: return a <= b;
    case IR_GTU: return a > b;
    case IR_LTS: return sa < sb;
    case IR_GES: return sa >= sb;
    case IR_LES: return sa <= sb;
    case IR_GTS: return sa > sb;
    default:     return false;
    }
}

/* ---------------------------------------------------------------- V128 lanes */

static uint64_t lane_get(IrValue v, unsigned L, unsigned i)
{
    unsigned bit = i * L;
    uint64_t word = bit < 64 ? v.lo : v.hi;
    return (word >> (bit & 63)) & ir_mask(L);
}

static void lane_set(IrValue *v, unsigned L, unsigned i, uint64_t x)
{
    unsigned bit = i * L;
    uint64_t *word = bit < 64 ? &v->lo : &v->hi;
    uint64_t m = ir_mask(L) << (bit & 63);
    *word = (*word & ~m) | ((x << (bit & 63)) & m);
}

/* 128-bit shifts by a byte count; counts above 15 give 0. */
static IrValue v_shl_bytes(IrValue v, uint64_t n)
{
    IrValue r = { 0, 0 };
    if (n > 15)
        return r;
    unsigned s = (unsigned)n * 8;
    if (s == 0)
        return v;
    if (s >= 64) {
        r.hi = v.lo << (s - 64);
    } else {
        r.hi = (v.hi << s) | (v.lo >> (64 - s));
        r.lo = v.lo << s;
    }
    return r;
}

static IrValue v_shr_bytes(IrValue v, uint64_t n)
{
    IrValue r = { 0, 0 };
    if (n > 15)
        return r;
    unsigned s = (unsigned)n * 8;
    if (s == 0)
        return v;
    if (s >= 64) {
        r.lo = v.hi >> (s - 64);
    } else {
        r.lo = (v.lo >> s) | (v.hi << (64 - s));
        r.hi = v.hi >> s;
    }
    return r;
}

/* Per-lane binary ops. Returns false for a lane width the op does not accept. */
static bool eval_vlane2(IrOp op, int64_t lane, IrValue a, IrValue b, IrValue *out)
{
    if (!ir_lane_valid(lane))
        return false;
    unsigned L = (unsigned)lane, n = 128 / L;
    bool small_only = op == IR_VSUBUSAT || op == IR_VMINU || op == IR_VMAXU;
    if (small_only && L > 16)
        return false;
    IrValue r = { 0, 0 };
    if (op == IR_VUNPACKLO || op == IR_VUNPACKHI) {
        unsigned base = op == IR_VUNPACKLO ? 0 : n / 2;
        for (unsigned i = 0; i < n / 2; i++) {
            lane_set(&r, L, 2 * i, lane_get(a, L, base + i));
            lane_set(&r, L, 2 * i + 1, lane_get(b, L, base + i));
        }
        *out = r;
        return true;
    }
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = lane_get(a, L, i), y = lane_get(b, L, i), z;
        switch (op) {
        case IR_VADD:     z = x + y; break;
        case IR_VSUB:     z = x - y; break;
        case IR_VSUBUSAT: z = x > y ? x - y : 0; break;
        case IR_VCMPEQ:   z = x == y ? ~0ull : 0; break;
        case IR_VCMPGTS:  z = sext(x, L) > sext(y, L) ? ~0ull : 0; break;
        case IR_VMINU:    z = x < y ? x : y; break;
        case IR_VMAXU:    z = x > y ? x : y; break;
        default:          return false;
        }
        lane_set(&r, L, i, z);
    }
    *out = r;
    return true;
}

/* Per-lane shifts by a scalar count b (I64). */
static bool eval_vshift(IrOp op, int64_t lane, IrValue a, uint64_t count, IrValue *out)
{
    if (!ir_lane_valid(lane))
        return false;
    unsigned L = (unsigned)lane, n = 128 / L;
    IrValue r = { 0, 0 };
    for (unsigned i = 0; i < n; i++) {
        uint64_t x = lane_get(a, L, i), z;
        if (op == IR_VSARI) {
            unsigned c = count >= L ? L - 1 : (unsigned)count;
            z = sar64((uint64_t)sext(x, L), c);
        } else if (count >= L) {
            z = 0;
        } else if (op == IR_VSHLI) {
            z = x << count;
        } else {
            z = x >> count;
        }
        lane_set(&r, L, i, z);
    }
    *out = r;
    return true;
}

static bool eval_vector(IrOp op, const IrValue *a, const int64_t *imm, IrValue *out)
{
    IrValue r = { 0, 0 };
    uint64_t ctl = (uint64_t)imm[0];
    switch (op) {
    case IR_VAND:  r.lo = a[0].lo & a[1].lo;  r.hi = a[0].hi & a[1].hi;  break;
    case IR_VOR:   r.lo = a[0].lo | a[1].lo;  r.hi = a[0].hi | a[1].hi;  break;
    case IR_VXOR:  r.lo = a[0].lo ^ a[1].lo;  r.hi = a[0].hi ^ a[1].hi;  break;
    case IR_VANDN: r.lo = ~a[0].lo & a[1].lo; r.hi = ~a[0].hi & a[1].hi; break;
    case IR_VADD: case IR_VSUB: case IR_VSUBUSAT: case IR_VCMPEQ: case IR_VCMPGTS:
    case IR_VMINU: case IR_VMAXU: case IR_VUNPACKLO: case IR_VUNPACKHI:
        return eval_vlane2(op, imm[0], a[0], a[1], out);
    case IR_VMOVMSK: {
        if (!ir_lane_valid(imm[0]))
            return false;
        unsigned L = (unsigned)imm[0];
        for (unsigned i = 0; i < 128 / L; i++)
            r.lo |= (lane_get(a[0], L, i) >> (L - 1)) << i;
        break;
    }
    case IR_VSHUF32:
        if (ctl > 255)
            return false;
        for (unsigned i = 0; i < 4; i++)
            lane_set(&r, 32, i, lane_get(a[0], 32, (unsigned)(ctl >> (2 * i)) & 3));
        break;
    case IR_VSHUFLO16:
        if (ctl > 255)
            return false;
        r = a[0];
        for (unsigned i = 0; i < 4; i++)
            lane_set(&r, 16, i, lane_get(a[0], 16, (unsigned)(ctl >> (2 * i)) & 3));
        break;
    case IR_VSHUFHI16:
        if (ctl > 255)
            return false;
        r = a[0];
        for (unsigned i = 4; i < 8; i++)
            lane_set(&r, 16, i, lane_get(a[0], 16, 4 + ((unsigned)(ctl >> (2 * (i - 4))) & 3)));
        break;
    case IR_VSHUFB:
        for (unsigned i = 0; i < 16; i++) {
            unsigned k = (unsigned)lane_get(a[1], 8, i);
            lane_set(&r, 8, i, (k & 0x80) ? 0 : lane_get(a[0], 8, k & 15));
        }
        break;
    case IR_VALIGNR:
        if (ctl > 15)
            return false;
        if (ctl == 0) {
            r = a[1];
        } else {
            IrValue lo = v_shr_bytes(a[1], ctl), hi = v_shl_bytes(a[0], 16 - ctl);
            r.lo = lo.lo | hi.lo;
            r.hi = lo.hi | hi.hi;
        }
        break;
    case IR_VBSLL: r = v_shl_bytes(a[0], ctl); break;
    case IR_VBSRL: r = v_shr_bytes(a[0], ctl); break;
    case IR_VSHLI: case IR_VSHRI: case IR_VSARI:
        return eval_vshift(op, imm[0], a[0], a[1].lo, out);
    case IR_VFROM64: r.lo = a[0].lo; break;
    case IR_VINSERT64:
        if (ctl > 1)
            return false;
        r = a[0];
        if (ctl == 0)
            r.lo = a[1].lo;
        else
            r.hi = a[1].lo;
        break;
    case IR_VEXTRACT64:
        if (ctl > 1)
            return false;
        r.lo = ctl ? a[0].hi : a[0].lo;
        break;
    default:
        return false;
    }
    *out = r;
    return true;
}

/* ---------------------------------------------------------------- floating point */

#define F32_QUIET   0x00400000u
#define F64_QUIET   0x0008000000000000ull
#define F32_DEFAULT_NAN 0xFFC00000u
#define F64_DEFAULT_NAN 0xFFF8000000000000ull

static float f32_of(uint64_t bits)
{
    uint32_t u = (uint32_t)bits;
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint64_t bits_of_f32(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static double f64_of(uint64_t bits)
{
    double d;
    memcpy(&d, &bits, sizeof d);
    return d;
}

static uint64_t bits_of_f64(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static bool f32_is_nan(uint64_t b)
{
    return ((b >> 23) & 0xff) == 0xff && (b & 0x7fffff) != 0;
}

static bool f64_is_nan(uint64_t b)
{
    return ((b >> 52) & 0x7ff) == 0x7ff && (b & 0xfffffffffffffull) != 0;
}

static bool is_nan_bits(IrType t, uint64_t b) { return t == IR_F32 ? f32_is_nan(b) : f64_is_nan(b); }

static bool is_snan_bits(IrType t, uint64_t b)
{
    return is_nan_bits(t, b) && !(b & (t == IR_F32 ? F32_QUIET : F64_QUIET));
}

/* Exceptions: the host computes with the operation itself wherever the host raises what x86
 * raises (the arithmetic, sqrt, conversions between float types and from integers, compares
 * for DE); the rest is raised explicitly by float operations: IE for signalling NaNs where the
 * code returns a NaN without operating, IE for any NaN in MINSD/MAXSD and signalling compares,
 * IE and PE of the conversions to integers (raise_invalid, raise_inexact). DAZ is applied
 * here (inputs first), so it holds on hosts whose flush mode differs; FTZ and the rounding control are the host's (ir_fenv.c). The
 * file is built with -frounding-math (every operation at run time, in the environment of the
 * moment) and -fno-math-errno (no extra compares of the inputs around sqrt, which would raise
 * DE); volatile operands keep the operations whose result the NaN rules then drop. */
static volatile float fe_zero = 0.0f, fe_one = 1.0f, fe_three = 3.0f;

/* IE and PE raised by float operations themselves: glibc's feraiseexcept sets some flags in
 * the x87 status word, which is not the FP environment (MXCSR on x86_64). */
static void raise_invalid(void) { volatile float r = fe_zero / fe_zero; (void)r; }
static void raise_inexact(void) { volatile float r = fe_one / fe_three; (void)r; }

/* Under DAZ, a denormal input is a zero of its sign. */
static uint64_t daz_input(IrType t, uint64_t b, bool daz)
{
    if (!daz) return b;
    if (t == IR_F32)
        return ((b >> 23) & 0xff) == 0 ? b & 0x80000000u : b;
    return ((b >> 52) & 0x7ff) == 0 ? b & 0x8000000000000000ull : b;
}

static bool env_daz(void) { return (ir_fenv_get() & IR_FENV_DAZ) != 0; }

/* Binary arithmetic with the x86 NaN rules; the host operation runs in every case, so an SNaN
 * raises IE and a denormal DE exactly as the x86 instruction does (volatile: the result is
 * dropped when an input is a NaN). */
static uint64_t f32_arith(IrOp op, uint64_t a, uint64_t b)
{
    a &= 0xffffffffu;
    b &= 0xffffffffu;
    volatile float x = f32_of(a), y = f32_of(b);
    volatile float r;      /* volatile: computed even when a NaN input decides the result */
    switch (op) {
    case IR_FADD: r = x + y; break;
    case IR_FSUB: r = x - y; break;
    case IR_FMUL: r = x * y; break;
    default:      r = x / y; break;
    }
    if (f32_is_nan(a))
        return a | F32_QUIET;
    if (f32_is_nan(b))
        return b | F32_QUIET;
    return f32_is_nan(bits_of_f32(r)) ? F32_DEFAULT_NAN : bits_of_f32(r);
}

static uint64_t f64_arith(IrOp op, uint64_t a, uint64_t b)
{
    volatile double x = f64_of(a), y = f64_of(b);
    volatile double r;
    switch (op) {
    case IR_FADD: r = x + y; break;
    case IR_FSUB: r = x - y; break;
    case IR_FMUL: r = x * y; break;
    default:      r = x / y; break;
    }
    if (f64_is_nan(a))
        return a | F64_QUIET;
    if (f64_is_nan(b))
        return b | F64_QUIET;
    return f64_is_nan(bits_of_f64(r)) ? F64_DEFAULT_NAN : bits_of_f64(r);
}

/* F32 bits as F64 bits of the same value, by integer arithmetic: no host conversion, which
 * would raise DE for a denormal (cvtss2si raises none). NaN payloads are not kept. */
static uint64_t f32_as_f64_bits(uint64_t b)
{
    uint64_t u = b & 0xffffffffu, sign = (u >> 31) << 63, m = u & 0x7fffff;
    unsigned e = (u >> 23) & 0xff;
    if (e == 0xff) return sign | (0x7ffull << 52) | (m << 29);
    if (e == 0) {
        if (m == 0) return sign;
        int shift = 0;                  /* normalise: a denormal float is a normal double */
        while (!(m & 0x800000)) { m <<= 1; shift++; }
        return sign | ((uint64_t)(1023 - 126 - shift) << 52) | ((m & 0x7fffff) << 29);
    }
    return sign | ((uint64_t)(e - 127 + 1023) << 52) | (m << 29);
}

/* F64 bits to I32/I64 as CVTTSD2SI (rc 3: toward zero) or CVTSD2SI (rc: the environment's
 * rounding control, 0 nearest even, 1 down, 2 up, 3 zero), in integer arithmetic so no host
 * FP operation raises anything: NaN and out of range give the minimum value and IE, an
 * inexact result PE. */
static uint64_t f_to_int(uint64_t bits, unsigned w, unsigned rc)
{
    uint64_t indefinite = 1ull << (w - 1);
    bool neg = bits >> 63;
    unsigned e = (bits >> 52) & 0x7ff;
    uint64_t m = bits & 0xfffffffffffffull;
    if (e == 0x7ff) {
        raise_invalid();
        return indefinite;
    }
    if (e != 0) m |= 1ull << 52;
    else e = 1;
    /* |value| = m * 2^(e - 1075): integer part ip, and whether the rest is 0, below, at or
     * above one half (cmp_half -1, 0, 1) when rest != 0. */
    uint64_t ip;
    bool rest;
    int cmp_half = -1;
    int sh = (int)e - 1075;
    if (sh >= 0) {
        if (sh > 11) {                  /* |value| >= 2^64 */
            raise_invalid();
            return indefinite;
        }
        ip = m << sh;
        rest = false;
    } else if (-sh > 63) {
        ip = 0;
        rest = m != 0;                  /* m < 2^53 and -sh >= 64: below one half */
    } else {
        unsigned n = (unsigned)-sh;
        ip = m >> n;
        uint64_t r = m & ((1ull << n) - 1), half = 1ull << (n - 1);
        rest = r != 0;
        cmp_half = r < half ? -1 : r == half ? 0 : 1;
    }
    if (rest) {
        bool up;
        switch (rc & 3) {
        case 0:  up = cmp_half > 0 || (cmp_half == 0 && (ip & 1)); break;
        case 1:  up = neg; break;       /* toward -inf: magnitude grows when negative */
        case 2:  up = !neg; break;
        default: up = false; break;
        }
        if (up) ip++;
    }
    uint64_t limit = neg ? indefinite : indefinite - 1;   /* |min| = 2^(w-1), max = 2^(w-1)-1 */
    if (ip > limit || (sh >= 0 && (ip >> sh) != m)) {
        raise_invalid();
        return indefinite;
    }
    if (rest)
        raise_inexact();
    return (neg ? 0 - ip : ip) & ir_mask(w);
}

/* F32 <-> F64 keeping NaN payloads the way x86 CVTSS2SD/CVTSD2SS do (quieted, top payload
 * bits kept), since the host's conversion of a NaN is not guaranteed to; the host conversion
 * runs anyway for its exceptions (IE for an SNaN, DE, and OE UE PE narrowing). */
static uint64_t f32_to_f64_bits(uint64_t a)
{
    volatile float x = f32_of(a);
    volatile double d = x;
    if (f32_is_nan(a)) {
        uint64_t sign = (a >> 31) & 1, frac = a & 0x7fffff;
        return (sign << 63) | (0x7ffull << 52) | (frac << 29) | F64_QUIET;
    }
    return bits_of_f64(d);
}

static uint64_t f64_to_f32_bits(uint64_t a)
{
    volatile double x = f64_of(a);
    volatile float f = (float)x;
    if (f64_is_nan(a)) {
        uint64_t sign = a >> 63, frac = a & 0xfffffffffffffull;
        return (sign << 31) | (0xffull << 23) | (frac >> 29) | F32_QUIET;
    }
    return bits_of_f32(f);
}

/* The predicate on x, y (quiet comparisons: C's isless family raises no IE for a QNaN; the
 * caller adds IE where the x86 compare raises it). */
static bool fcond_holds(unsigned c, double x, double y)
{
    bool unord = isunordered(x, y);
    switch (c) {
    case IR_FEQ:    return !unord && x == y;
    case IR_FLT:    return isless(x, y);
    case IR_FLE:    return islessequal(x, y);
    case IR_FUNORD: return unord;
    case IR_FNEQ:   return unord || x != y;
    case IR_FNLT:   return !isless(x, y);
    case IR_FNLE:   return !islessequal(x, y);
    case IR_FORD:   return !unord;
    default:        return false;
    }
}

/* Scalar FP ops; t is the result type, at the first input's type. */
static bool eval_float(IrOp op, IrType t, const IrValue *a_in, const IrType *at, const int64_t *imm,
                       IrValue *out)
{
    IrValue r = { 0, 0 };
    bool binary = ir_op_info[op].nin == 2;
    IrValue a[2] = { a_in[0], binary ? a_in[1] : (IrValue){ 0, 0 } };
    if (ir_type_is_float(at[0])) {      /* DAZ applies to FP inputs (not I2F's integer) */
        bool daz = env_daz();
        a[0].lo = daz_input(at[0], a[0].lo, daz);
        if (binary)
            a[1].lo = daz_input(at[0], a[1].lo, daz);
    }
    switch (op) {
    case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV:
        if (!ir_type_is_float(t) || at[0] != t || at[1] != t)
            return false;
        r.lo = t == IR_F32 ? f32_arith(op, a[0].lo, a[1].lo) : f64_arith(op, a[0].lo, a[1].lo);
        break;
    case IR_FSQRT:
        if (!ir_type_is_float(t) || at[0] != t)
            return false;
        if (t == IR_F32) {
            uint64_t x = a[0].lo & 0xffffffffu;
            volatile float f = f32_of(x);
            volatile float q = __builtin_sqrtf(f);       /* IE for an SNaN or a negative, DE, PE */
            r.lo = f32_is_nan(x) ? x | F32_QUIET : f32_is_nan(bits_of_f32(q)) ? F32_DEFAULT_NAN : bits_of_f32(q);
        } else {
            uint64_t x = a[0].lo;
            volatile double d = f64_of(x);
            volatile double q = __builtin_sqrt(d);
            r.lo = f64_is_nan(x) ? x | F64_QUIET : f64_is_nan(bits_of_f64(q)) ? F64_DEFAULT_NAN : bits_of_f64(q);
        }
        break;
    case IR_FMIN: case IR_FMAX: {
        if (!ir_type_is_float(t) || at[0] != t || at[1] != t)
            return false;
        bool take_a;
        if (is_nan_bits(t, a[0].lo) || is_nan_bits(t, a[1].lo)) {
            raise_invalid();        /* MINSD/MAXSD: IE for any NaN (and then no DE), b */
            take_a = false;
        } else if (t == IR_F32) {
            volatile float x = f32_of(a[0].lo), y = f32_of(a[1].lo);
            take_a = op == IR_FMIN ? isless(x, y) : isgreater(x, y);  /* DE from the compare */
        } else {
            volatile double x = f64_of(a[0].lo), y = f64_of(a[1].lo);
            take_a = op == IR_FMIN ? isless(x, y) : isgreater(x, y);
        }
        r.lo = (take_a ? a[0].lo : a[1].lo) & ir_mask(ir_type_bits(t));
        break;
    }
    case IR_FCMP: {
        if (t != IR_I8 || !ir_type_is_float(at[0]) || at[1] != at[0])
            return false;
        if ((uint64_t)imm[0] >= IR_FCOND_COUNT)
            return false;
        IrType ft = at[0];
        bool nan = is_nan_bits(ft, a[0].lo) || is_nan_bits(ft, a[1].lo);
        if (nan) {                  /* unordered; IE per the NaN's kind, and never DE */
            if (is_snan_bits(ft, a[0].lo) || is_snan_bits(ft, a[1].lo) || imm[1])
                raise_invalid();
            r.lo = fcond_holds((unsigned)imm[0], NAN, 0.0);
        } else if (ft == IR_F32) {
            volatile float x = f32_of(a[0].lo), y = f32_of(a[1].lo);
            r.lo = fcond_holds((unsigned)imm[0], x, y);     /* float -> double: DE as UCOMISS */
        } else {
            volatile double x = f64_of(a[0].lo), y = f64_of(a[1].lo);
            r.lo = fcond_holds((unsigned)imm[0], x, y);
        }
        break;
    }
    case IR_FCMPFLAGS: {
        if (t != IR_I64 || !ir_type_is_float(at[0]) || at[1] != at[0] || imm[0] != 0)
            return false;
        IrType ft = at[0];
        if (is_nan_bits(ft, a[0].lo) || is_nan_bits(ft, a[1].lo)) {    /* as FCMP */
            if (is_snan_bits(ft, a[0].lo) || is_snan_bits(ft, a[1].lo) || imm[1])
                raise_invalid();
            r.lo = 0x45;
        } else if (ft == IR_F32) {
            volatile float x = f32_of(a[0].lo), y = f32_of(a[1].lo);
            r.lo = x < y ? 0x01 : x == y ? 0x40 : 0;
        } else {
            volatile double x = f64_of(a[0].lo), y = f64_of(a[1].lo);
            r.lo = x < y ? 0x01 : x == y ? 0x40 : 0;
        }
        break;
    }
    case IR_F2I: case IR_F2I_RN: {
        if ((t != IR_I32 && t != IR_I64) || !ir_type_is_float(at[0]))
            return false;
        uint64_t x = at[0] == IR_F32 ? f32_as_f64_bits(a[0].lo) : a[0].lo;
        unsigned rc = op == IR_F2I ? 3 : (ir_fenv_get() & IR_FENV_RC) >> 13;
        r.lo = f_to_int(x, ir_type_bits(t), rc);
        break;
    }
    case IR_I2F: {
        if (!ir_type_is_float(t) || (at[0] != IR_I32 && at[0] != IR_I64))
            return false;
        volatile int64_t v = sext(a[0].lo, ir_type_bits(at[0]));
        r.lo = t == IR_F32 ? bits_of_f32((float)v) : bits_of_f64((double)v);
        break;
    }
    case IR_FCVT:
        if (t == IR_F64 && at[0] == IR_F32)
            r.lo = f32_to_f64_bits(a[0].lo & 0xffffffffu);
        else if (t == IR_F32 && at[0] == IR_F64)
            r.lo = f64_to_f32_bits(a[0].lo);
        else
            return false;
        break;
    default:
        return false;
    }
    *out = r;
    return true;
}

/* Packed FP ops (VFADD ... VFCMP): the scalar op on each 32/64-bit lane. */
static bool eval_vfloat(IrOp op, const IrValue *a, const int64_t *imm, IrValue *out)
{
    if (imm[0] != 32 && imm[0] != 64)
        return false;
    unsigned L = (unsigned)imm[0];
    IrType ft = L == 32 ? IR_F32 : IR_F64, at[2] = { ft, ft };
    IrOp sop;
    switch (op) {
    case IR_VFADD:  sop = IR_FADD;  break;
    case IR_VFSUB:  sop = IR_FSUB;  break;
    case IR_VFMUL:  sop = IR_FMUL;  break;
    case IR_VFDIV:  sop = IR_FDIV;  break;
    case IR_VFMIN:  sop = IR_FMIN;  break;
    case IR_VFMAX:  sop = IR_FMAX;  break;
    case IR_VFSQRT: sop = IR_FSQRT; break;
    case IR_VFCMP:  sop = IR_FCMP;  break;
    default:        return false;
    }
    /* CMPPS/CMPPD: the predicate in imm1; LT LE NLT NLE signal on a QNaN. */
    int64_t pred = imm[1];
    const int64_t cmp_imm[2] = { pred, pred == IR_FLT || pred == IR_FLE || pred == IR_FNLT ||
                                       pred == IR_FNLE };
    IrValue r = { 0, 0 };
    for (unsigned i = 0; i < 128 / L; i++) {
        IrValue in[2] = { { lane_get(a[0], L, i), 0 }, { lane_get(a[1], L, i), 0 } }, x;
        if (!eval_float(sop, sop == IR_FCMP ? IR_I8 : ft, in, at, cmp_imm, &x))
            return false;
        lane_set(&r, L, i, sop == IR_FCMP ? (x.lo ? ~0ull : 0) : x.lo);
    }
    *out = r;
    return true;
}

/* ---------------------------------------------------------------- entry point */

/* Keep only the bytes a value of type t has (for CONST, BITCAST and SELECT results). */
static IrValue clip(IrValue v, IrType t)
{
    unsigned bits = ir_type_bits(t);
    if (bits <= 64) {
        v.lo &= ir_mask(bits);
        v.hi = 0;
    } else if (bits < 128) {
        v.hi &= ir_mask(bits - 64);
    }
    return v;
}

bool ir_eval(IrOp op, IrType t, const IrValue *a, const IrType *atype, const int64_t *imm,
             IrValue *out)
{
    static const int64_t no_imm[2] = { 0, 0 };
    IrValue r = { 0, 0 };
    *out = r;
    if ((unsigned)op >= IR_OP_COUNT || !(ir_op_info[op].props & IRP_PURE) ||
        ir_op_info[op].nout == 0 || (unsigned)t >= IR_TYPE_COUNT || t == IR_VOID)
        return false;
    if (!imm)
        imm = no_imm;
    unsigned w = ir_type_bits(t);

    switch (op) {
    case IR_CONST:
        r.lo = (uint64_t)imm[0];
        break;
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_MULHU: case IR_MULHS: case IR_AND:
    case IR_OR: case IR_XOR: case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROL: case IR_ROR:
        if (!ir_type_is_int(t) || atype[0] != t || atype[1] != t)
            return false;
        if (!eval_int(op, w, a[0].lo, a[1].lo, &r.lo))
            return false;
        break;
    case IR_NEG: case IR_NOT: case IR_CTZ: case IR_CLZ: case IR_POPCNT: case IR_BSWAP:
        if (!ir_type_is_int(t) || atype[0] != t)
            return false;
        if (!eval_int(op, w, a[0].lo, 0, &r.lo))
            return false;
        break;
    case IR_ZEXT: case IR_SEXT: case IR_TRUNC: {
        if (!ir_type_is_int(t) || !ir_type_is_int(atype[0]))
            return false;
        unsigned aw = ir_type_bits(atype[0]);
        if (op == IR_TRUNC ? aw <= w : aw >= w)
            return false;
        r.lo = op == IR_SEXT ? (uint64_t)sext(a[0].lo, aw) : a[0].lo & ir_mask(aw);
        break;
    }
    case IR_BITCAST:
        if (ir_type_size(atype[0]) != ir_type_size(t))
            return false;
        r = a[0];
        break;
    case IR_CMP:
        if (t != IR_I8 || !ir_type_is_int(atype[0]) || atype[1] != atype[0] ||
            (uint64_t)imm[0] >= IR_COND_COUNT)
            return false;
        r.lo = cond_holds((IrCond)imm[0], a[0].lo, a[1].lo, ir_type_bits(atype[0]));
        break;
    case IR_SELECT:
        if (atype[0] != IR_I8 || atype[1] != t || atype[2] != t)
            return false;
        r = (a[0].lo & 0xff) ? a[1] : a[2];
        break;
    case IR_VAND: case IR_VOR: case IR_VXOR: case IR_VANDN: case IR_VADD: case IR_VSUB:
    case IR_VSUBUSAT: case IR_VCMPEQ: case IR_VCMPGTS: case IR_VMINU: case IR_VMAXU:
    case IR_VUNPACKLO: case IR_VUNPACKHI: case IR_VSHUFB: case IR_VALIGNR:
        if (t != IR_V128 || atype[0] != IR_V128 || atype[1] != IR_V128)
            return false;
        if (!eval_vector(op, a, imm, &r))
            return false;
        break;
    case IR_VMOVMSK:
        if (t != IR_I32 || atype[0] != IR_V128 || !eval_vector(op, a, imm, &r))
            return false;
        break;
    case IR_VSHUF32: case IR_VSHUFLO16: case IR_VSHUFHI16: case IR_VBSLL: case IR_VBSRL:
        if (t != IR_V128 || atype[0] != IR_V128 || !eval_vector(op, a, imm, &r))
            return false;
        break;
    case IR_VSHLI: case IR_VSHRI: case IR_VSARI: case IR_VINSERT64:
        if (t != IR_V128 || atype[0] != IR_V128 || atype[1] != IR_I64 ||
            !eval_vector(op, a, imm, &r))
            return false;
        break;
    case IR_VFROM64:
        if (t != IR_V128 || atype[0] != IR_I64 || !eval_vector(op, a, imm, &r))
            return false;
        break;
    case IR_VEXTRACT64:
        if (t != IR_I64 || atype[0] != IR_V128 || !eval_vector(op, a, imm, &r))
            return false;
        break;
    case IR_VFADD: case IR_VFSUB: case IR_VFMUL: case IR_VFDIV: case IR_VFMIN: case IR_VFMAX:
    case IR_VFCMP:
        if (t != IR_V128 || atype[0] != IR_V128 || atype[1] != IR_V128 ||
            !eval_vfloat(op, a, imm, &r))
            return false;
        break;
    case IR_VFSQRT:
        if (t != IR_V128 || atype[0] != IR_V128 || !eval_vfloat(op, a, imm, &r))
            return false;
        break;
    case IR_VLOWF:
        if (!ir_type_is_float(t) || atype[0] != IR_V128)
            return false;
        r.lo = a[0].lo & ir_mask(w);
        break;
    case IR_VSETLOWF: {
        if (t != IR_V128 || atype[0] != IR_V128 || !ir_type_is_float(atype[1]))
            return false;
        uint64_t m = ir_mask(ir_type_bits(atype[1]));
        r.lo = (a[0].lo & ~m) | (a[1].lo & m);
        r.hi = a[0].hi;
        break;
    }
    case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV: case IR_FSQRT: case IR_FMIN:
    case IR_FMAX: case IR_FCMP: case IR_F2I: case IR_F2I_RN: case IR_I2F: case IR_FCVT:
    case IR_FCMPFLAGS:
        if (!eval_float(op, t, a, atype, imm, &r))
            return false;
        break;
    default:
        return false;
    }
    *out = clip(r, t);
    return true;
}
