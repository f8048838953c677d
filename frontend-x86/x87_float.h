/* x87_float.h — 80-bit extended-precision floating point in software, with the x87's rules.
 *
 * Pure C on 64-bit integers and unsigned __int128: no host long double, no x86 intrinsics, so
 * an aarch64 host gets the same bits as an x86-64 one. Reference: Intel SDM Vol. 1 ch. 4 and 8
 * and the Vol. 2 pages of each instruction; where the manual is silent, what an Intel CPU does
 * (tests/unit/test_x87.c checks every operation against the host's x87).
 *
 * Values are X87F80: a 64-bit significand with an explicit integer bit and a sign+exponent
 * word (bias 16383), exactly the memory image of an m80 operand. Every encoding is accepted
 * as an operand: denormals and pseudo-denormals (exponent 0, integer bit set) raise DE and are
 * used with their value; unnormals, pseudo-infinities and pseudo-NaNs are "unsupported" (IE,
 * result the real indefinite 0xFFFF C000000000000000, as on every CPU since the 387).
 *
 * X87Env carries the control word in (precision control PC bits 8-9, rounding control RC bits
 * 10-11, exception masks bits 0-5) and collects in `sw` the exception flags the operation
 * raised (IE DE ZE OE UE PE at their status-word positions, plus C1 when a result was rounded
 * up in magnitude). Operations only ever OR bits into env->sw; clearing C1 at the start of an
 * instruction is the caller's business (x87_helpers.c).
 *
 * Exceptions are always handled as masked (the masked response of SDM Vol. 1 4.9): Linux
 * starts processes with all of them masked and nearly no program unmasks them. An unmasked
 * exception would on hardware trap at the next waiting x87 instruction; ferry gives the masked
 * result instead and the caller reports ES/B in the status word.
 *
 * Precision control applies, as the manual says, only to add, subtract, multiply, divide and
 * square root: they round to 24, 53 or 64 significand bits (the reserved PC=01 behaves as 64
 * on Intel CPUs) but keep the 15-bit exponent range. Denormal results are rounded at the
 * lower of the precision's last bit and the format's last denormal bit (2^-16445). Tininess
 * is detected after rounding (UE when masked: tiny and inexact).
 */
#ifndef FERRY_X87_FLOAT_H
#define FERRY_X87_FLOAT_H

#include <stdbool.h>
#include <stdint.h>

typedef struct X87F80 {
    uint64_t sig;       /* significand, bit 63 the explicit integer bit */
    uint16_t se;        /* bit 15 sign, bits 0-14 biased exponent */
} X87F80;

/* Status word bits (SDM Vol. 1 8.1.3). TOP (bits 11-13) is not kept here. */
enum {
    X87_IE = 1u << 0, X87_DE = 1u << 1, X87_ZE = 1u << 2, X87_OE = 1u << 3,
    X87_UE = 1u << 4, X87_PE = 1u << 5, X87_SF = 1u << 6, X87_ES = 1u << 7,
    X87_C0 = 1u << 8, X87_C1 = 1u << 9, X87_C2 = 1u << 10, X87_C3 = 1u << 14,
    X87_B  = 1u << 15,
};
#define X87_EXC_MASK 0x3fu          /* IE..PE, also the mask bits of the control word */
#define X87_CC_MASK  (X87_C0 | X87_C1 | X87_C2 | X87_C3)

/* Control word fields. */
#define X87_CW_PC(cw) (((cw) >> 8) & 3u)     /* 0: 24 bits, 2: 53, 3: 64 (1 reserved = 64) */
#define X87_CW_RC(cw) (((cw) >> 10) & 3u)    /* X87Round */
typedef enum X87Round { X87_RN = 0, X87_RD = 1, X87_RU = 2, X87_RZ = 3 } X87Round;

typedef struct X87Env {
    uint16_t cw;        /* control word (read) */
    uint16_t sw;        /* exception flags and C1 raised (OR-ed in) */
} X87Env;

/* Special values. */
#define X87_INDEFINITE ((X87F80){ 0xc000000000000000ull, 0xffff })   /* default NaN */
static inline X87F80 x87_make(uint16_t se, uint64_t sig) { return (X87F80){ sig, se }; }
static inline bool x87_sign(X87F80 a) { return a.se >> 15; }
static inline X87F80 x87_abs(X87F80 a) { a.se &= 0x7fff; return a; }
static inline X87F80 x87_chs(X87F80 a) { a.se ^= 0x8000; return a; }

/* ---- arithmetic (PC and RC of env->cw) ---- */
X87F80 x87_add(X87Env *e, X87F80 a, X87F80 b);
X87F80 x87_sub(X87Env *e, X87F80 a, X87F80 b);      /* a - b */
X87F80 x87_mul(X87Env *e, X87F80 a, X87F80 b);
X87F80 x87_div(X87Env *e, X87F80 a, X87F80 b);      /* a / b */
X87F80 x87_sqrt(X87Env *e, X87F80 a);

/* ---- special instructions (64-bit precision, RC of env->cw) ---- */
X87F80 x87_frndint(X87Env *e, X87F80 a);
X87F80 x87_fscale(X87Env *e, X87F80 st0, X87F80 st1);   /* st0 * 2^trunc(st1) */
/* fxtract: *sig gets the significand (exponent 0, i.e. 1 <= |sig| < 2), *exp the unbiased
 * exponent as a value. */
void x87_fxtract(X87Env *e, X87F80 a, X87F80 *sig, X87F80 *exp);
/* fprem (ieee false: quotient truncated) and fprem1 (ieee true: nearest). Returns the new
 * ST0; *cc gets C0 C1 C2 C3 as the instruction sets them (C2 = 1: reduction incomplete). */
X87F80 x87_fprem(X87Env *e, X87F80 st0, X87F80 st1, bool ieee, uint16_t *cc);

/* ---- compares ---- */
typedef enum X87Cmp { X87_CMP_GT = 0, X87_CMP_LT = 1, X87_CMP_EQ = 2, X87_CMP_UN = 3 } X87Cmp;
/* a vs b. quiet (fucom*): IE only for SNaN; otherwise (fcom*, ftst) IE for any NaN. */
X87Cmp x87_compare(X87Env *e, X87F80 a, X87F80 b, bool quiet);
/* Condition bits C3 C2 C1 C0 of fxam for a non-empty register (no exception). */
uint16_t x87_fxam(X87F80 a);

/* ---- conversions ---- */
X87F80 x87_from_int(int64_t v);                          /* exact */
/* To a signed integer of `bits` (16, 32, 64) rounded with rc; out of range, NaN or infinity
 * raise IE and give the integer indefinite (only the top bit set). */
int64_t x87_to_int(X87Env *e, X87F80 a, unsigned bits, X87Round rc);
X87F80 x87_from_f32(X87Env *e, uint32_t f);              /* exact; DE, IE (SNaN) */
X87F80 x87_from_f64(X87Env *e, uint64_t d);
uint32_t x87_to_f32(X87Env *e, X87F80 a);                /* rounded with RC */
uint64_t x87_to_f64(X87Env *e, X87F80 a);
/* Packed BCD (fbld/fbstp): 18 digits in bytes 0-8, sign in bit 7 of byte 9. */
X87F80 x87_from_bcd(const uint8_t bcd[10]);
void x87_to_bcd(X87Env *e, X87F80 a, uint8_t bcd[10]);

/* ---- constants (fld1 fldl2t fldl2e fldpi fldlg2 fldln2 fldz), rounded with RC ---- */
typedef enum X87Const {
    X87_K_ONE, X87_K_L2T, X87_K_L2E, X87_K_PI, X87_K_LG2, X87_K_LN2, X87_K_ZERO,
} X87Const;
X87F80 x87_const(X87Env *e, X87Const k);

/* ---- transcendentals (x87_trans.c) ---- */
X87F80 x87_f2xm1(X87Env *e, X87F80 a);                   /* 2^a - 1, |a| <= 1 */
X87F80 x87_fyl2x(X87Env *e, X87F80 st0, X87F80 st1);     /* st1 * log2(st0) */
X87F80 x87_fyl2xp1(X87Env *e, X87F80 st0, X87F80 st1);   /* st1 * log2(st0 + 1) */
X87F80 x87_fpatan(X87Env *e, X87F80 st0, X87F80 st1);    /* atan(st1 / st0), by quadrant */
/* fsin fcos fsincos fptan: return false (C2 = 1, operand left alone) when |a| >= 2^63. */
bool x87_fsin(X87Env *e, X87F80 a, X87F80 *r);
bool x87_fcos(X87Env *e, X87F80 a, X87F80 *r);
bool x87_fsincos(X87Env *e, X87F80 a, X87F80 *s, X87F80 *c);
bool x87_fptan(X87Env *e, X87F80 a, X87F80 *t);

/* ---- shared with x87_trans.c: the unpacked form and the rounding core ---- */
#define X87_BIAS 16383
typedef enum X87Kind { X87_ZERO, X87_FINITE, X87_INF, X87_QNAN, X87_SNAN, X87_BAD } X87Kind;
/* Finite values: value = (-1)^sign * m / 2^63 * 2^(exp - X87_BIAS), m normalized (bit 63
 * set), exp possibly below 1 for denormals. `den`: the encoding was a (pseudo-)denormal. */
typedef struct X87Unp { X87Kind k; bool sign, den; int32_t exp; uint64_t m; } X87Unp;
X87Unp x87_unpack(X87F80 a);
/* Round sig (normalized: bit 127 set; sticky bits OR-ed into bit 0) * 2^(exp - X87_BIAS - 127)
 * to `prec` bits (24, 53 or 64) of the extended format, with RC of env, raising PE UE OE and C1. */
X87F80 x87_round_pack(X87Env *e, bool sign, int32_t exp, unsigned __int128 sig, int prec);
/* NaN result of an operation with NaN operand(s) a and/or b (b may be NULL), raising IE for
 * an SNaN: the x87 rules (SDM Vol. 1 table 4-7). */
X87F80 x87_nan_result(X87Env *e, const X87Unp *ua, X87F80 a, const X87Unp *ub, X87F80 b);
static inline bool x87_is_nan_kind(X87Kind k) { return k == X87_QNAN || k == X87_SNAN; }

#endif /* FERRY_X87_FLOAT_H */
