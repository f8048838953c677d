/* x86_sse41_helpers.c — C helpers for the SSE4.1 instructions that ferry's IR has no op for.
 *
 * Contract (IrHelperFn): fn(state, sel, src_lo, src_hi) with `state` the X86State of the
 * running thread and sel = opcode << 16 | imm8 << 8 | destination xmm register. The frontend
 * (gen_sse41.c) loads the source operand in IR before the call, so a guest fault is raised
 * precisely by the IR load, and passes it as two 64-bit halves; these helpers never touch
 * guest memory and write only the destination register.
 *
 *   x86_sse41_round(state, sel, src_lo, src_hi)
 *       roundps (0F 3A 08), roundpd (09): every lane of the source rounded to an integral
 *       value; roundss (0A), roundsd (0B): the low lane only, the rest of the destination
 *       kept. The mode is imm8[1:0] (0 nearest even, 1 down, 2 up, 3 toward zero), or
 *       MXCSR.RC when imm8[2] is set; imm8[3] (suppress the precision exception) changes no
 *       result. A signalling NaN is quieted, other NaNs and infinities pass unchanged, and with
 *       MXCSR.DAZ a denormal source counts as a zero of its sign, as on hardware. The
 *       rounding is done on the bit pattern (no host rounding mode is touched), so it is exact
 *       on every host.
 *   x86_sse41_int_op(state, sel, src_lo, src_hi)
 *       packusdw (0F 38 2B), phminposuw (0F 38 41), mpsadbw (0x100 | 0F 3A 42, imm8 picks
 *       the blocks).
 *
 * MXCSR's sticky exception flags are not kept by ferry yet, so nothing here records the
 * precision or invalid exceptions. Lanes are read through X86Xmm: a little-endian host is
 * assumed (both hosts are).
 */
#include <string.h>

#include "frontend-x86/fe_internal.h"

uint64_t x86_sse41_round(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);
uint64_t x86_sse41_int_op(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);

#define MXCSR_DAZ   (1u << 6)
#define MXCSR_RC(m) (((m) >> 13) & 3)

enum { RND_NEAREST, RND_DOWN, RND_UP, RND_ZERO };

/* ================================================================ rounding */

/* An IEEE binary format: `mbits` fraction bits, exponent bias. */
typedef struct FpFmt { unsigned mbits; int bias; unsigned ebits; } FpFmt;

static const FpFmt FMT32 = { 23, 127, 8 };
static const FpFmt FMT64 = { 52, 1023, 11 };

static uint64_t round_exact(const FpFmt *f, uint64_t x, unsigned mode, bool daz);

/* round_exact, and the exceptions ROUNDSS raises into *flags (MXCSR bits): IE for a signalling
 * NaN, PE when the result differs from the input (not for a DAZ-flushed denormal, which is an
 * exact zero then). */
static uint64_t round_bits(const FpFmt *f, uint64_t x, unsigned mode, bool daz, uint32_t *flags);

/* The value with bit pattern x (of format f) rounded to an integral value in `mode`. Works on
 * the bits: clearing the fraction bits below the binary point truncates the magnitude, and
 * adding one unit at the binary point to the pattern increments the magnitude (a carry out of
 * the fraction moves into the exponent, as the format intends). */
static uint64_t round_bits(const FpFmt *f, uint64_t x, unsigned mode, bool daz, uint32_t *flags)
{
    uint64_t r = round_exact(f, x, mode, daz);
    uint64_t emax = (1ull << f->ebits) - 1, exp = (x >> f->mbits) & emax;
    uint64_t frac = x & ((1ull << f->mbits) - 1);
    if (exp == emax && frac && !(frac >> (f->mbits - 1)))
        *flags |= 0x01;                                 /* IE: a signalling NaN */
    else if (exp != emax && r != x && !(daz && exp == 0))
        *flags |= 0x20;                                 /* PE: the result is not the input */
    return r;
}

static uint64_t round_exact(const FpFmt *f, uint64_t x, unsigned mode, bool daz)
{
    unsigned width = 1 + f->ebits + f->mbits;
    uint64_t sign = 1ull << (width - 1);
    uint64_t emax = (1ull << f->ebits) - 1;
    uint64_t exp = (x >> f->mbits) & emax;
    uint64_t frac = x & ((1ull << f->mbits) - 1);
    bool neg = (x & sign) != 0;

    if (exp == emax)                                    /* inf, or NaN: quieted */
        return frac ? x | (1ull << (f->mbits - 1)) : x;
    if (exp == 0 && (frac == 0 || daz))                 /* zero (or DAZ denormal) */
        return x & sign;
    int e = (int)exp - f->bias;                         /* unbiased exponent */
    if (e >= (int)f->mbits)                             /* already an integer */
        return x;

    uint64_t one = (uint64_t)f->bias << f->mbits;      /* the pattern of 1.0 */
    if (e < 0) {                                        /* 0 < |x| < 1: 0 or 1 */
        bool up;
        switch (mode) {
        case RND_NEAREST: up = e == -1 && frac != 0; break;        /* > 0.5 (0.5 ties to 0) */
        case RND_DOWN:    up = neg; break;
        case RND_UP:      up = !neg; break;
        default:          up = false; break;
        }
        return (x & sign) | (up ? one : 0);
    }
    unsigned fb = f->mbits - (unsigned)e;               /* fraction bits below the point */
    uint64_t unit = 1ull << fb, below = x & (unit - 1);
    uint64_t r = x & ~(unit - 1);
    if (below == 0) return x;
    bool inc;
    switch (mode) {
    case RND_NEAREST: {
        /* the integer's lowest bit is the fraction bit at the point, or for 1 <= |x| < 2
         * the implicit leading 1 */
        uint64_t half = unit >> 1;
        bool odd = e == 0 || (r & unit);
        inc = below > half || (below == half && odd);
        break;
    }
    case RND_DOWN: inc = neg; break;
    case RND_UP:   inc = !neg; break;
    default:       inc = false; break;
    }
    return inc ? r + unit : r;
}

uint64_t x86_sse41_round(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi)
{
    X86State *s = state;
    unsigned op = (unsigned)(sel >> 16) & 0xff, imm = (unsigned)(sel >> 8) & 0xff;
    X86Xmm *d = &s->xmm[sel & 15];
    unsigned mode = (imm & 4) ? MXCSR_RC(s->mxcsr) : imm & 3;
    bool daz = (s->mxcsr & MXCSR_DAZ) != 0;
    X86Xmm src = { .q = { src_lo, src_hi } }, r = *d;
    uint32_t flags = 0;
    switch (op) {
    case 0x08:                                          /* roundps */
        for (int k = 0; k < 4; k++) r.d[k] = (uint32_t)round_bits(&FMT32, src.d[k], mode, daz, &flags);
        break;
    case 0x09:                                          /* roundpd */
        for (int k = 0; k < 2; k++) r.q[k] = round_bits(&FMT64, src.q[k], mode, daz, &flags);
        break;
    case 0x0a:                                          /* roundss */
        r.d[0] = (uint32_t)round_bits(&FMT32, src.d[0], mode, daz, &flags);
        break;
    case 0x0b:                                          /* roundsd */
        r.q[0] = round_bits(&FMT64, src.q[0], mode, daz, &flags);
        break;
    default:
        return 0;           /* not emitted by the frontend: the register stays unchanged */
    }
    *d = r;
    if (imm & 8) flags &= ~0x20u;                       /* imm8[3]: precision suppressed */
    if (flags) ir_fenv_raise(flags);                    /* the sticky flags (ir.h) */
    return 0;
}

/* ================================================================ integer */

static uint16_t sat_u16(int32_t v) { return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v); }

uint64_t x86_sse41_int_op(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi)
{
    X86State *s = state;
    unsigned op = (unsigned)(sel >> 16) & 0x1ff, imm = (unsigned)(sel >> 8) & 0xff;
    X86Xmm *d = &s->xmm[sel & 15];
    X86Xmm a = *d, b = { .q = { src_lo, src_hi } }, r;
    memset(&r, 0, sizeof r);
    switch (op) {
    case 0x2b:      /* packusdw: signed dwords of a then b to unsigned-saturated words */
        for (int k = 0; k < 4; k++) {
            r.w[k] = sat_u16((int32_t)a.d[k]);
            r.w[k + 4] = sat_u16((int32_t)b.d[k]);
        }
        break;
    case 0x41: {    /* phminposuw: the least word of b and its (lowest) index; rest zero */
        unsigned idx = 0;
        for (unsigned k = 1; k < 8; k++)
            if (b.w[k] < b.w[idx]) idx = k;
        r.w[0] = b.w[idx];
        r.w[1] = (uint16_t)idx;
        break;
    }
    case 0x142: {   /* mpsadbw: 8 sums of absolute differences of 4 bytes each, the a block
                       at byte 4 * imm8[2] sliding by one byte, the b block at 4 * imm8[1:0] */
        unsigned ao = 4 * ((imm >> 2) & 1), bo = 4 * (imm & 3);
        for (unsigned k = 0; k < 8; k++) {
            unsigned sum = 0;
            for (unsigned j = 0; j < 4; j++) {
                int diff = (int)a.b[ao + k + j] - (int)b.b[bo + j];
                sum += (unsigned)(diff < 0 ? -diff : diff);
            }
            r.w[k] = (uint16_t)sum;
        }
        break;
    }
    default:
        return 0;           /* not emitted by the frontend: the register stays unchanged */
    }
    *d = r;
    return 0;
}

void fe_register_helpers_sse41(void)
{
    ir_helper_register(x86_sse41_round, "sse41_round");
    ir_helper_register(x86_sse41_int_op, "sse41_int_op");
}
