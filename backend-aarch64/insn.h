/* insn.h — aarch64 (A64) instruction encoders (Arm ARM, section C4 encodings), all static
 * inline.
 *
 * Every instruction is one 32-bit word: a base encoding (the A64Ins enum below, with every
 * variable field zero) ORed with fields (the A64F_* macros). The named emitters are one-liners
 * over a64_w(). Names give the operand shape:
 *   _rrr  three registers          _rri  registers and an encoded immediate
 *   _v    vector (Advanced SIMD) registers, 128-bit (Q = 1) unless the name says otherwise
 * `sf` selects the 64-bit form (X registers) when true, the 32-bit form (W) when false; a write
 * to a W register zeroes bits 63:32, which the backend relies on to keep integers
 * zero-extended. Register number 31 is XZR/WZR in most fields and SP in a few (add/sub
 * immediate, load/store base): each emitter says which where it matters.
 *
 * Immediate-encodability predicates return the encoded field, or -1 when the value does not
 * fit: a64_logical_imm (bitmask immediates of AND/ORR/EOR), a64_addsub_imm (imm12, optionally
 * shifted by 12), a64_uoff (scaled unsigned load/store offsets). a64_mov_imm picks the shortest
 * MOVZ/MOVN/MOVK or ORR sequence for any 64-bit value.
 */
#ifndef FERRY_A64_INSN_H
#define FERRY_A64_INSN_H

#include <stdbool.h>
#include <stdint.h>
#include "emit.h"
#include "regs.h"

/* ---------------------------------------------------------------- base encodings */

typedef enum A64Ins {
    /* data processing, immediate (32-bit forms; A64F_SF selects 64-bit) */
    A64_ADD_I = 0x11000000, A64_ADDS_I = 0x31000000, A64_SUB_I = 0x51000000,
    A64_SUBS_I = 0x71000000,
    A64_AND_I = 0x12000000, A64_ORR_I = 0x32000000, A64_EOR_I = 0x52000000,
    A64_ANDS_I = 0x72000000,
    A64_MOVN = 0x12800000, A64_MOVZ = 0x52800000, A64_MOVK = 0x72800000,
    A64_SBFM = 0x13000000, A64_BFM = 0x33000000, A64_UBFM = 0x53000000,
    A64_EXTR = 0x13800000, A64_ADR = 0x10000000,
    A64_LDR_LIT_X = 0x58000000,     /* ldr xt, label (pc + imm19 * 4) */
    A64_LDR_LIT_D = 0x5C000000,     /* ldr dt, label (the upper 64 bits of qt zeroed) */
    /* data processing, register (shifted-register forms) */
    A64_AND_R = 0x0A000000, A64_BIC_R = 0x0A200000, A64_ORR_R = 0x2A000000,
    A64_ORN_R = 0x2A200000, A64_EOR_R = 0x4A000000, A64_EON_R = 0x4A200000,
    A64_ANDS_R = 0x6A000000,
    A64_ADD_R = 0x0B000000, A64_ADDS_R = 0x2B000000, A64_SUB_R = 0x4B000000,
    A64_SUBS_R = 0x6B000000,
    A64_LSLV = 0x1AC02000, A64_LSRV = 0x1AC02400, A64_ASRV = 0x1AC02800, A64_RORV = 0x1AC02C00,
    A64_RBIT = 0x5AC00000, A64_REV16 = 0x5AC00400, A64_REV_W = 0x5AC00800,
    A64_REV_X = 0xDAC00C00, A64_CLZ = 0x5AC01000,
    A64_MADD = 0x1B000000, A64_MSUB = 0x1B008000,
    A64_SMADDL = 0x9B200000, A64_UMADDL = 0x9BA00000,         /* X = W * W + X */
    A64_SMULH = 0x9B407C00, A64_UMULH = 0x9BC07C00,
    A64_CSEL = 0x1A800000, A64_CSINC = 0x1A800400, A64_CSINV = 0x5A800000,
    A64_CSNEG = 0x5A800400,
    /* branches and system */
    A64_B = 0x14000000, A64_BL = 0x94000000, A64_BCOND = 0x54000000,
    A64_CBZ = 0x34000000, A64_CBNZ = 0x35000000,
    A64_BR = 0xD61F0000, A64_BLR = 0xD63F0000, A64_RET = 0xD65F0000,
    A64_NOP = 0xD503201F,
    A64_DMB = 0xD50330BF,           /* CRm (bits 8-11) = A64Barrier */
    A64_MRS_FPCR = 0xD53B4400, A64_MSR_FPCR = 0xD51B4400,
    /* loads and stores: an addressing form ORed with an access kind (A64Mem) */
    A64_LDST_UOFF = 0x39000000,     /* [Xn|SP, #imm12 * size] */
    A64_LDST_UNSC = 0x38000000,     /* [Xn|SP, #simm9] (LDUR/STUR) */
    A64_LDST_REG = 0x38206800,      /* [Xn|SP, Xm] (LSL #0) */
    A64_STP_X = 0xA9000000, A64_LDP_X = 0xA9400000,             /* signed offset */
    A64_STP_X_PRE = 0xA9800000, A64_LDP_X_POST = 0xA8C00000,
    A64_STP_D = 0x6D000000, A64_LDP_D = 0x6D400000,
    /* Advanced SIMD, 128-bit (Q = 1); A64F_VSIZE gives the lane size where there is one */
    A64_V_ADD = 0x4E208400, A64_V_SUB = 0x6E208400, A64_V_UQSUB = 0x6E202C00,
    A64_V_CMEQ = 0x6E208C00, A64_V_CMGT = 0x4E203400,
    A64_V_UMIN = 0x6E206C00, A64_V_UMAX = 0x6E206400,
    A64_V_USHL = 0x6E204400, A64_V_SSHL = 0x4E204400,
    A64_V_AND = 0x4E201C00, A64_V_BIC = 0x4E601C00, A64_V_ORR = 0x4EA01C00,
    A64_V_EOR = 0x6E201C00, A64_V_BSL = 0x6E601C00, A64_V_BIT = 0x6EA01C00,
    A64_V_BIF = 0x6EE01C00, A64_V_NOT = 0x6E205800,
    /* Advanced SIMD floating point, 128-bit; A64F_DBL selects .2d lanes (else .4s) */
    A64_V_FADD = 0x4E20D400, A64_V_FSUB = 0x4EA0D400, A64_V_FMUL = 0x6E20DC00,
    A64_V_FDIV = 0x6E20FC00, A64_V_FSQRT = 0x6EA1F800, A64_V_FNEG = 0x6EA0F800,
    A64_V_FCMEQ = 0x4E20E400, A64_V_FCMGE = 0x6E20E400, A64_V_FCMGT = 0x6EA0E400,
    A64_V_ZIP1 = 0x4E003800, A64_V_ZIP2 = 0x4E007800,
    A64_V_UZP1 = 0x4E001800, A64_V_UZP2 = 0x4E005800,
    A64_V_TRN1 = 0x4E002800, A64_V_TRN2 = 0x4E006800,
    A64_V_REV64 = 0x4E200800,       /* two-register, lane size in A64F_VSIZE (a64_v3, vm 0) */
    A64_V_CMEQ0 = 0x4E209800,       /* cmeq vd.T, vn.T, #0 (a64_v3, vm 0) */
    A64_V_EXT = 0x6E000000,
    A64_V_SHL = 0x4F005400, A64_V_USHR = 0x6F000400, A64_V_SSHR = 0x4F000400,
    A64_V_USRA = 0x6F001400,
    A64_V_DUP_G = 0x4E000C00,       /* every lane = GPR */
    A64_V_INS_G = 0x4E001C00,       /* one lane = GPR */
    A64_V_INS_E = 0x6E000400,       /* one lane = a lane of another vector */
    A64_V_DUP_E = 0x4E000400,       /* every lane = a lane of another vector */
    A64_V_UMOV_W = 0x0E003C00, A64_V_UMOV_X = 0x4E003C00,      /* GPR = one lane */
    A64_V_CNT_8B = 0x0E205800, A64_V_ADDV_8B = 0x0E31B800,     /* 64-bit (Q = 0) forms */
    A64_V_MOVI_ZERO = 0x6F00E400,   /* movi vd.2d, #0 */
    A64_V_MOVI_B = 0x4F00E400,      /* movi vd.16b, #imm8 (a64_vmovi_b) */
    A64_V_TBL1 = 0x4E000000,        /* tbl vd.16b, {vn.16b}, vm.16b: index >= 16 gives 0 */
    /* scalar floating point; A64F_DBL selects double precision */
    A64_FADD = 0x1E202800, A64_FSUB = 0x1E203800, A64_FMUL = 0x1E200800,
    A64_FDIV = 0x1E201800, A64_FMAX = 0x1E204800, A64_FMIN = 0x1E205800,
    A64_FSQRT = 0x1E21C000, A64_FNEG = 0x1E214000, A64_FMOV = 0x1E204000,
    A64_FRINTN = 0x1E244000, A64_FRINTI = 0x1E27C000,
    A64_FCMP = 0x1E202000, A64_FCMPE = 0x1E202010, A64_FCSEL = 0x1E200C00,
    A64_FCVT_SD = 0x1E22C000,       /* double = single */
    A64_FCVT_DS = 0x1E624000,       /* single = double */
    /* FP <-> integer (A64F_SF: X register; A64F_DBL: double) */
    A64_FCVTZS = 0x1E380000, A64_FCVTNS = 0x1E200000, A64_SCVTF = 0x1E220000,
    A64_FMOV_WS = 0x1E260000, A64_FMOV_SW = 0x1E270000,
    A64_FMOV_XD = 0x9E660000, A64_FMOV_DX = 0x9E670000,
} A64Ins;

/* Load/store access kinds: size (bits 31:30), V (26: SIMD&FP register), opc (23:22). */
typedef enum A64Mem {
    A64_STRB = 0x00000000, A64_LDRB = 0x00400000, A64_STRH = 0x40000000, A64_LDRH = 0x40400000,
    A64_LDRSBW = 0x00C00000,                                /* byte, sign-extended to W */
    A64_STRW = 0x80000000, A64_LDRW = 0x80400000, A64_STRX = 0xC0000000, A64_LDRX = 0xC0400000,
    A64_STRHV = 0x44000000, A64_LDRHV = 0x44400000,        /* H register */
    A64_STRS = 0x84000000, A64_LDRS = 0x84400000, A64_STRD = 0xC4000000, A64_LDRD = 0xC4400000,
    A64_STRQ = 0x04800000, A64_LDRQ = 0x04C00000,
} A64Mem;

/* log2 of the bytes an access kind moves (the scale of its unsigned offset). */
static inline unsigned a64_mem_scale(A64Mem k)
{
    unsigned size = (unsigned)k >> 30;
    return ((unsigned)k & 0x04800000u) == 0x04800000u ? 4 : size;    /* V=1, opc=1x: Q */
}

/* ---------------------------------------------------------------- fields */

#define A64F_RD(r)      ((uint32_t)(r) & 31u)
#define A64F_RT(r)      ((uint32_t)(r) & 31u)
#define A64F_RN(r)      (((uint32_t)(r) & 31u) << 5)
#define A64F_RM(r)      (((uint32_t)(r) & 31u) << 16)
#define A64F_RA(r)      (((uint32_t)(r) & 31u) << 10)
#define A64F_RT2(r)     (((uint32_t)(r) & 31u) << 10)
#define A64F_SF(sf)     ((sf) ? 0x80000000u : 0u)
#define A64F_N(sf)      ((sf) ? 0x00400000u : 0u)           /* bitfield ops: N = sf */
#define A64F_IMM12(v)   (((uint32_t)(v) & 0xfffu) << 10)
#define A64F_ADDSUB(f)  (((uint32_t)(f) & 0x1fffu) << 10)   /* sh:imm12 (a64_addsub_imm) */
#define A64F_LOGIMM(f)  (((uint32_t)(f) & 0x1fffu) << 10)   /* N:immr:imms (a64_logical_imm) */
#define A64F_IMM16(v)   (((uint32_t)(v) & 0xffffu) << 5)
#define A64F_HW(v)      (((uint32_t)(v) & 3u) << 21)
#define A64F_IMMR(v)    (((uint32_t)(v) & 63u) << 16)
#define A64F_IMMS(v)    (((uint32_t)(v) & 63u) << 10)
#define A64F_SHIFT(t)   (((uint32_t)(t) & 3u) << 22)        /* A64Shift */
#define A64F_IMM6(v)    (((uint32_t)(v) & 63u) << 10)
#define A64F_COND(c)    (((uint32_t)(c) & 15u) << 12)
#define A64F_IMM26(v)   ((uint32_t)(v) & 0x3ffffffu)
#define A64F_IMM19(v)   (((uint32_t)(v) & 0x7ffffu) << 5)
#define A64F_SIMM9(v)   (((uint32_t)(v) & 0x1ffu) << 12)
#define A64F_IMM7(v)    (((uint32_t)(v) & 0x7fu) << 15)
#define A64F_VSIZE(s)   (((uint32_t)(s) & 3u) << 22)        /* lane: 0 = 8 .. 3 = 64 bits */
#define A64F_IMMHB(v)   (((uint32_t)(v) & 0x7fu) << 16)     /* shift by immediate */
#define A64F_IMM5(v)    (((uint32_t)(v) & 0x1fu) << 16)
#define A64F_IMM4(v)    (((uint32_t)(v) & 0xfu) << 11)
#define A64F_DBL(d)     ((d) ? 0x00400000u : 0u)            /* FP type: double */

typedef enum A64Shift { A64_LSL = 0, A64_LSR, A64_ASR, A64_ROR } A64Shift;

/* ---------------------------------------------------------------- immediate predicates */

static inline bool a64_is_mask(uint64_t v) { return v && ((v + 1) & v) == 0; }
static inline bool a64_is_shifted_mask(uint64_t v) { return v && a64_is_mask((v - 1) | v); }

/* The N:immr:imms field of a bitmask immediate for an operation of `width` bits (32 or 64)
 * equal to v (for 32 bits, only v's low 32 bits count), or -1. A bitmask immediate is a
 * rotated run of ones, replicated in elements of 2, 4, ..., 64 bits; 0 and all-ones are not. */
static inline int a64_logical_imm(uint64_t v, unsigned width)
{
    if (width == 32) {
        v &= 0xffffffffu;
        if (v == 0 || v == 0xffffffffu)
            return -1;
        v |= v << 32;
    }
    if (v == 0 || v == ~0ull)
        return -1;
    unsigned size = 64;
    do {                        /* the smallest element size that replicates to v */
        size /= 2;
        uint64_t m = (1ull << size) - 1;
        if ((v & m) != ((v >> size) & m)) {
            size *= 2;
            break;
        }
    } while (size > 2);
    uint64_t mask = ~0ull >> (64 - size);
    v &= mask;
    unsigned rot, ones;
    if (a64_is_shifted_mask(v)) {
        rot = (unsigned)__builtin_ctzll(v);
        ones = (unsigned)__builtin_ctzll(~(v >> rot));
    } else {
        v |= ~mask;
        if (!a64_is_shifted_mask(~v))
            return -1;
        unsigned lead = (unsigned)__builtin_clzll(~v);
        rot = 64 - lead;
        ones = lead + (unsigned)__builtin_ctzll(~v) - (64 - size);
    }
    unsigned immr = (size - rot) & (size - 1);
    uint64_t nimms = (~(uint64_t)(size - 1) << 1) | (ones - 1);
    unsigned n = ((unsigned)(nimms >> 6) & 1) ^ 1;
    return (int)(n << 12 | immr << 6 | (nimms & 0x3f));
}

/* The sh:imm12 field of an ADD/SUB immediate equal to v (0..4095, or a multiple of 4096 below
 * 2^24), or -1. */
static inline int a64_addsub_imm(uint64_t v)
{
    if (v < 4096)
        return (int)v;
    if ((v & 0xfff) == 0 && v < (1u << 24))
        return (int)(1u << 12 | v >> 12);
    return -1;
}

/* The imm12 field of a load/store of `scale` (log2 bytes) at unsigned offset off, or -1. */
static inline int a64_uoff(int64_t off, unsigned scale)
{
    if (off < 0 || (off & ((1 << scale) - 1)) != 0 || (off >> scale) > 4095)
        return -1;
    return (int)(off >> scale);
}

static inline bool a64_simm9_fits(int64_t off) { return off >= -256 && off <= 255; }

/* ---------------------------------------------------------------- integer data processing */

/* op rd, rn, rm {, shift #amount}: logical and add/sub in their shifted-register forms
 * (31 = ZR). Add/sub take no ROR. */
static inline void a64_alu_rrr(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                               unsigned rm, A64Shift sh, unsigned amount)
{
    a64_w(e, op | A64F_SF(sf) | A64F_SHIFT(sh) | A64F_RM(rm) | A64F_IMM6(amount) |
             A64F_RN(rn) | A64F_RD(rd));
}

/* op rd, rn, #imm for ADD/ADDS/SUB/SUBS with the field from a64_addsub_imm (rd, rn: 31 = SP,
 * except the flag-setting forms' rd, where it is ZR). */
static inline void a64_addsub_ri(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                                 int field)
{
    a64_w(e, op | A64F_SF(sf) | A64F_ADDSUB(field) | A64F_RN(rn) | A64F_RD(rd));
}

/* op rd, rn, #imm for AND/ORR/EOR/ANDS with the field from a64_logical_imm (rn 31 = ZR). */
static inline void a64_logic_ri(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                                int field)
{
    a64_w(e, op | A64F_SF(sf) | A64F_LOGIMM(field) | A64F_RN(rn) | A64F_RD(rd));
}

static inline void a64_mov_rr(A64Emit *e, bool sf, unsigned rd, unsigned rm)
{
    a64_alu_rrr(e, A64_ORR_R, sf, rd, A64_ZR, rm, A64_LSL, 0);
}

/* mov rd, sp / mov sp, rn (the add-immediate form, where 31 is SP). */
static inline void a64_mov_sp(A64Emit *e, unsigned rd, unsigned rn)
{
    a64_addsub_ri(e, A64_ADD_I, true, rd, rn, 0);
}

static inline void a64_cmp_rr(A64Emit *e, bool sf, unsigned rn, unsigned rm, A64Shift sh,
                              unsigned amount)
{
    a64_alu_rrr(e, A64_SUBS_R, sf, A64_ZR, rn, rm, sh, amount);
}

static inline void a64_movw(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned imm16,
                            unsigned hw)
{
    a64_w(e, op | A64F_SF(sf) | A64F_HW(hw) | A64F_IMM16(imm16) | A64F_RD(rd));
}

/* rd = v, in the fewest instructions: a 32-bit MOVZ/MOVN (zero-extending) when v fits in 32
 * bits, a bitmask ORR, or MOVZ/MOVN followed by a MOVK for each remaining halfword. */
static inline void a64_mov_imm(A64Emit *e, unsigned rd, uint64_t v)
{
    bool sf = v >> 32 != 0;
    unsigned n = sf ? 4 : 2;
    unsigned zeros = 0, ones = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned h = (unsigned)(v >> (16 * i)) & 0xffff;
        zeros += h == 0;
        ones += h == 0xffff;
    }
    if (zeros < n - 1 && ones < n - 1) {
        int f = a64_logical_imm(v, sf ? 64 : 32);
        if (f >= 0) {
            a64_logic_ri(e, A64_ORR_I, sf, rd, A64_ZR, f);
            return;
        }
    }
    bool inv = ones > zeros;
    unsigned skip = inv ? 0xffff : 0;
    bool first = true;
    for (unsigned i = 0; i < n; i++) {
        unsigned h = (unsigned)(v >> (16 * i)) & 0xffff;
        if (h == skip)
            continue;
        if (first)
            a64_movw(e, inv ? A64_MOVN : A64_MOVZ, sf, rd, inv ? ~h & 0xffff : h, i);
        else
            a64_movw(e, A64_MOVK, sf, rd, h, i);
        first = false;
    }
    if (first)          /* 0, or all ones */
        a64_movw(e, inv ? A64_MOVN : A64_MOVZ, sf, rd, 0, 0);
}

/* Bitfield moves: SBFM/UBFM/BFM rd, rn, #immr, #imms. */
static inline void a64_bfm(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                           unsigned immr, unsigned imms)
{
    a64_w(e, op | A64F_SF(sf) | A64F_N(sf) | A64F_IMMR(immr) | A64F_IMMS(imms) | A64F_RN(rn) |
             A64F_RD(rd));
}

static inline void a64_lsl_ri(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned s)
{
    unsigned w = sf ? 64 : 32;
    a64_bfm(e, A64_UBFM, sf, rd, rn, (w - s) % w, w - 1 - s);
}

static inline void a64_lsr_ri(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned s)
{
    a64_bfm(e, A64_UBFM, sf, rd, rn, s, sf ? 63 : 31);
}

static inline void a64_asr_ri(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned s)
{
    a64_bfm(e, A64_SBFM, sf, rd, rn, s, sf ? 63 : 31);
}

/* Zero-/sign-extend the low `bits` (8, 16 or 32) of rn: UXTB/UXTH/SXTB/SXTH/SXTW. */
static inline void a64_uxt(A64Emit *e, unsigned rd, unsigned rn, unsigned bits)
{
    if (bits == 32)
        a64_mov_rr(e, false, rd, rn);
    else
        a64_bfm(e, A64_UBFM, false, rd, rn, 0, bits - 1);
}

static inline void a64_sxt(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned bits)
{
    a64_bfm(e, A64_SBFM, sf, rd, rn, 0, bits - 1);
}

/* ubfx rd, rn, #lsb, #width */
static inline void a64_ubfx(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned lsb,
                            unsigned width)
{
    a64_bfm(e, A64_UBFM, sf, rd, rn, lsb, lsb + width - 1);
}

/* extr rd, rn, rm, #lsb: bits lsb.. of rm:rn (rn = rm: ror #lsb) */
static inline void a64_extr(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned rm,
                            unsigned lsb)
{
    a64_w(e, A64_EXTR | A64F_SF(sf) | A64F_N(sf) | A64F_RM(rm) | A64F_IMMS(lsb) | A64F_RN(rn) |
             A64F_RD(rd));
}

/* LSLV/LSRV/ASRV/RORV rd, rn, rm (the count is taken mod the register width). */
static inline void a64_shiftv(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                              unsigned rm)
{
    a64_w(e, op | A64F_SF(sf) | A64F_RM(rm) | A64F_RN(rn) | A64F_RD(rd));
}

/* RBIT/REV16/REV_W/CLZ rd, rn (sf as usual; A64_REV_X carries its own sf). */
static inline void a64_dp1(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn)
{
    a64_w(e, op | A64F_SF(sf) | A64F_RN(rn) | A64F_RD(rd));
}

/* MADD/MSUB rd, rn, rm, ra; SMADDL/UMADDL (always X = W*W + X); SMULH/UMULH (ra unused). */
static inline void a64_madd(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                            unsigned rm, unsigned ra)
{
    a64_w(e, op | A64F_SF(sf) | A64F_RM(rm) | A64F_RA(ra) | A64F_RN(rn) | A64F_RD(rd));
}

static inline void a64_mul(A64Emit *e, bool sf, unsigned rd, unsigned rn, unsigned rm)
{
    a64_madd(e, A64_MADD, sf, rd, rn, rm, A64_ZR);
}

/* CSEL/CSINC/CSINV/CSNEG rd, rn, rm, cc */
static inline void a64_csel(A64Emit *e, A64Ins op, bool sf, unsigned rd, unsigned rn,
                            unsigned rm, A64Cond cc)
{
    a64_w(e, op | A64F_SF(sf) | A64F_RM(rm) | A64F_COND(cc) | A64F_RN(rn) | A64F_RD(rd));
}

/* rd = cc ? 1 : 0 (cset) and cc ? -1 : 0 (csetm, 64-bit). */
static inline void a64_cset(A64Emit *e, unsigned rd, A64Cond cc)
{
    a64_csel(e, A64_CSINC, false, rd, A64_ZR, A64_ZR, cc ^ 1);
}

static inline void a64_csetm(A64Emit *e, unsigned rd, A64Cond cc)
{
    a64_csel(e, A64_CSINV, true, rd, A64_ZR, A64_ZR, cc ^ 1);
}

static inline void a64_adr(A64Emit *e, unsigned rd, int32_t rel)
{
    a64_w(e, A64_ADR | ((uint32_t)rel & 3u) << 29 | (((uint32_t)rel >> 2) & 0x7ffffu) << 5 |
             A64F_RD(rd));
}

/* ldr xt / dt, [pc + 4 * rel_insns] (a literal; +-1 MiB). */
static inline void a64_ldr_lit(A64Emit *e, bool vec, unsigned rt, int32_t rel_insns)
{
    a64_w(e, (vec ? A64_LDR_LIT_D : A64_LDR_LIT_X) | ((uint32_t)rel_insns & 0x7ffffu) << 5 |
             A64F_RT(rt));
}

/* ---------------------------------------------------------------- branches and system */

static inline void a64_br(A64Emit *e, unsigned rn) { a64_w(e, A64_BR | A64F_RN(rn)); }
static inline void a64_blr(A64Emit *e, unsigned rn) { a64_w(e, A64_BLR | A64F_RN(rn)); }
static inline void a64_ret(A64Emit *e) { a64_w(e, A64_RET | A64F_RN(A64_REG_LR)); }
static inline void a64_nop(A64Emit *e) { a64_w(e, A64_NOP); }
/* DMB's inner-shareable domains (the CRm field): what ISHLD/ISHST/ISH order. */
typedef enum A64Barrier {
    A64_ISHLD = 0x9,    /* earlier loads before later loads and stores */
    A64_ISHST = 0xA,    /* earlier stores before later stores */
    A64_ISH = 0xB,      /* every earlier access before every later one */
} A64Barrier;
static inline void a64_dmb(A64Emit *e, A64Barrier b) { a64_w(e, A64_DMB | (uint32_t)b << 8); }
static inline void a64_mrs_fpcr(A64Emit *e, unsigned rt) { a64_w(e, A64_MRS_FPCR | A64F_RT(rt)); }
static inline void a64_msr_fpcr(A64Emit *e, unsigned rt) { a64_w(e, A64_MSR_FPCR | A64F_RT(rt)); }

/* B with a word displacement (instructions, not bytes) from the branch itself. */
static inline uint32_t a64_b_word(int64_t rel_insns) { return A64_B | A64F_IMM26(rel_insns); }
/* BL likewise (x30 = the address after it; an exit's way out, abi.c). */
static inline uint32_t a64_bl_word(int64_t rel_insns) { return A64_BL | A64F_IMM26(rel_insns); }
static inline bool a64_b_fits(int64_t rel_insns)
{
    return rel_insns >= -(1 << 25) && rel_insns < (1 << 25);
}

/* Forward branches: emitted with displacement 0 and bound later by a64_bind. */
static inline uint8_t *a64_bcond_fwd(A64Emit *e, A64Cond cc)
{
    uint8_t *at = e->p;
    a64_w(e, A64_BCOND | (uint32_t)cc);
    return at;
}

static inline uint8_t *a64_b_fwd(A64Emit *e)
{
    uint8_t *at = e->p;
    a64_w(e, A64_B);
    return at;
}

static inline uint8_t *a64_cbz_fwd(A64Emit *e, bool nz, bool sf, unsigned rt)
{
    uint8_t *at = e->p;
    a64_w(e, (nz ? A64_CBNZ : A64_CBZ) | A64F_SF(sf) | A64F_RT(rt));
    return at;
}

/* Make the branch at `site` (B, B.cond, CBZ, CBNZ) go to the current position. Displacements
 * inside one block are far below the +-1 MiB of the imm19 forms. */
static inline void a64_bind(A64Emit *e, uint8_t *site)
{
    a64_pair_end(e);        /* the word before the target no longer precedes all its paths */
    int64_t rel = (e->p - site) / 4;
    uint32_t w = a64_word_at(site);
    if ((w & 0x7C000000u) == A64_B)
        w = (w & 0xFC000000u) | A64F_IMM26(rel);
    else
        w = (w & 0xFF00001Fu) | A64F_IMM19(rel);
    a64_word_set(site, w);
}

/* ---------------------------------------------------------------- loads and stores */

/* kind rt, [rn|sp, #imm12 << scale] with the field from a64_uoff. */
static inline void a64_ldst_uoff(A64Emit *e, A64Mem k, unsigned rt, unsigned rn, int imm12)
{
    a64_w(e, A64_LDST_UOFF | (uint32_t)k | A64F_IMM12(imm12) | A64F_RN(rn) | A64F_RT(rt));
}

/* kind rt, [rn|sp, #simm9] (LDUR/STUR) */
static inline void a64_ldst_unsc(A64Emit *e, A64Mem k, unsigned rt, unsigned rn, int32_t off)
{
    a64_w(e, A64_LDST_UNSC | (uint32_t)k | A64F_SIMM9(off) | A64F_RN(rn) | A64F_RT(rt));
}

/* kind rt, [rn|sp, xm] */
static inline void a64_ldst_reg(A64Emit *e, A64Mem k, unsigned rt, unsigned rn, unsigned rm)
{
    a64_w(e, A64_LDST_REG | (uint32_t)k | A64F_RM(rm) | A64F_RN(rn) | A64F_RT(rt));
}

/* LDP/STP rt, rt2, [rn|sp, #off] in the signed-offset, pre-index or post-index form `op`;
 * off is a multiple of 8 in -512..504. */
static inline void a64_ldstp(A64Emit *e, A64Ins op, unsigned rt, unsigned rt2, unsigned rn,
                             int32_t off)
{
    a64_w(e, op | A64F_IMM7(off / 8) | A64F_RT2(rt2) | A64F_RN(rn) | A64F_RT(rt));
}

/* ldr/str xt, [rn, #off] (off a multiple of 8 below 32 KiB), joined with the word before it
 * into one LDP/STP when that is the same kind of access to the slot next to off, with nothing
 * in between and no way into the code between the two (e->pair); for loads, not into the same
 * register twice (LDP leaves that unpredictable) nor after a load into rn (the second address
 * would come from it). The caller says the two may be one access: never for guest memory,
 * whose accesses each fault on their own. */
static inline void a64_ldst_x_pair(A64Emit *e, bool load, unsigned rt, unsigned rn, uint32_t off)
{
    const uint32_t base = A64_LDST_UOFF | (load ? A64_LDRX : A64_STRX);
    if (e->pair && e->pair == e->p - 4) {
        uint32_t w = a64_word_at(e->pair);
        unsigned prt = w & 31u, poff = 8 * ((w >> 10) & 0xfffu);
        if ((w & 0xFFC00000u) == base && ((w >> 5) & 31u) == rn &&
            (poff == off + 8 || off == poff + 8) && (!load || (prt != rt && prt != rn))) {
            bool first = poff < off;            /* the earlier word has the lower slot */
            uint32_t lo = first ? poff : off;
            if (lo <= 504) {
                a64_word_set(e->pair, (load ? A64_LDP_X : A64_STP_X) | A64F_IMM7(lo / 8) |
                                      A64F_RT2(first ? rt : prt) | A64F_RN(rn) |
                                      A64F_RT(first ? prt : rt));
                e->pair = NULL;
                return;
            }
        }
    }
    e->pair = e->p;
    a64_ldst_uoff(e, (A64Mem)(load ? A64_LDRX : A64_STRX), rt, rn, (int)(off / 8));
}

/* ---------------------------------------------------------------- Advanced SIMD */

/* Three registers, same arrangement: op vd.T, vn.T, vm.T (lane = log2 of lane bytes). */
static inline void a64_v3(A64Emit *e, A64Ins op, unsigned lane, unsigned vd, unsigned vn,
                          unsigned vm)
{
    a64_w(e, op | A64F_VSIZE(lane) | A64F_RM(vm) | A64F_RN(vn) | A64F_RD(vd));
}

/* The bitwise ops (AND/BIC/ORR/EOR .16b) carry their size field in the base encoding. */
static inline void a64_vlogic(A64Emit *e, A64Ins op, unsigned vd, unsigned vn, unsigned vm)
{
    a64_w(e, op | A64F_RM(vm) | A64F_RN(vn) | A64F_RD(vd));
}

static inline void a64_vmov(A64Emit *e, unsigned vd, unsigned vn)
{
    a64_vlogic(e, A64_V_ORR, vd, vn, vn);
}

static inline void a64_vzero(A64Emit *e, unsigned vd) { a64_w(e, A64_V_MOVI_ZERO | A64F_RD(vd)); }

/* Every byte of vd = imm8 (its bits 7-5 go to abc, bits 4-0 to defgh). */
static inline void a64_vmovi_b(A64Emit *e, unsigned vd, uint8_t imm8)
{
    a64_w(e, A64_V_MOVI_B | (uint32_t)(imm8 >> 5) << 16 | (uint32_t)(imm8 & 31) << 5 |
             A64F_RD(vd));
}

/* Byte i of vd = byte vm[i] of vn, or 0 when vm[i] >= 16. */
static inline void a64_vtbl1(A64Emit *e, unsigned vd, unsigned vn, unsigned vm)
{
    a64_w(e, A64_V_TBL1 | A64F_RM(vm) | A64F_RN(vn) | A64F_RD(vd));
}

/* ext vd.16b, vn.16b, vm.16b, #idx: bytes idx..15 of vn, then 0..idx-1 of vm. */
static inline void a64_vext(A64Emit *e, unsigned vd, unsigned vn, unsigned vm, unsigned idx)
{
    a64_w(e, A64_V_EXT | A64F_RM(vm) | A64F_IMM4(idx) | A64F_RN(vn) | A64F_RD(vd));
}

/* Shift by immediate: SHL by 0..esize-1; USHR/SSHR/USRA by 1..esize (lane bits esize). */
static inline void a64_vshift_i(A64Emit *e, A64Ins op, unsigned esize, unsigned vd,
                                unsigned vn, unsigned shift)
{
    unsigned f = op == A64_V_SHL ? esize + shift : 2 * esize - shift;
    a64_w(e, op | A64F_IMMHB(f) | A64F_RN(vn) | A64F_RD(vd));
}

/* imm5 of the copy instructions: lane size (log2 bytes) and index. */
static inline unsigned a64_imm5(unsigned lane, unsigned index)
{
    return (index << (lane + 1)) | (1u << lane);
}

static inline void a64_dup_g(A64Emit *e, unsigned lane, unsigned vd, unsigned rn)
{
    a64_w(e, A64_V_DUP_G | A64F_IMM5(a64_imm5(lane, 0)) | A64F_RN(rn) | A64F_RD(vd));
}

/* dup vd.T, vn.T[index] */
static inline void a64_dup_e(A64Emit *e, unsigned lane, unsigned vd, unsigned vn,
                             unsigned index)
{
    a64_w(e, A64_V_DUP_E | A64F_IMM5(a64_imm5(lane, index)) | A64F_RN(vn) | A64F_RD(vd));
}

/* mov vd.T[index], rn */
static inline void a64_ins_g(A64Emit *e, unsigned lane, unsigned vd, unsigned index,
                             unsigned rn)
{
    a64_w(e, A64_V_INS_G | A64F_IMM5(a64_imm5(lane, index)) | A64F_RN(rn) | A64F_RD(vd));
}

/* mov vd.T[i], vn.T[j] */
static inline void a64_ins_e(A64Emit *e, unsigned lane, unsigned vd, unsigned i, unsigned vn,
                             unsigned j)
{
    a64_w(e, A64_V_INS_E | A64F_IMM5(a64_imm5(lane, i)) | A64F_IMM4(j << lane) | A64F_RN(vn) |
             A64F_RD(vd));
}

/* umov rd, vn.T[index] (W for 8..32-bit lanes, X for 64-bit) */
static inline void a64_umov(A64Emit *e, unsigned lane, unsigned rd, unsigned vn, unsigned index)
{
    a64_w(e, (lane == 3 ? A64_V_UMOV_X : A64_V_UMOV_W) | A64F_IMM5(a64_imm5(lane, index)) |
             A64F_RN(vn) | A64F_RD(rd));
}

/* Packed floating point: op vd, vn, vm on .4s (dbl false) or .2d lanes (FSQRT/FNEG: vm
 * unused). */
static inline void a64_vf(A64Emit *e, A64Ins op, bool dbl, unsigned vd, unsigned vn, unsigned vm)
{
    a64_w(e, op | A64F_DBL(dbl) | A64F_RM(vm) | A64F_RN(vn) | A64F_RD(vd));
}

/* Two-register ops without a lane field of their own here (CNT, ADDV on .8b, NOT). */
static inline void a64_v2(A64Emit *e, A64Ins op, unsigned vd, unsigned vn)
{
    a64_w(e, op | A64F_RN(vn) | A64F_RD(vd));
}

/* ---------------------------------------------------------------- scalar floating point */

/* op dd, dn, dm (FADD..FMIN) */
static inline void a64_fp3(A64Emit *e, A64Ins op, bool dbl, unsigned vd, unsigned vn,
                           unsigned vm)
{
    a64_w(e, op | A64F_DBL(dbl) | A64F_RM(vm) | A64F_RN(vn) | A64F_RD(vd));
}

/* op dd, dn (FSQRT, FNEG, FMOV, FRINTN, FRINTI; FCVT_SD/FCVT_DS carry their types) */
static inline void a64_fp2(A64Emit *e, A64Ins op, bool dbl, unsigned vd, unsigned vn)
{
    a64_w(e, op | A64F_DBL(dbl) | A64F_RN(vn) | A64F_RD(vd));
}

static inline void a64_fcmp(A64Emit *e, bool dbl, unsigned vn, unsigned vm)
{
    a64_w(e, A64_FCMP | A64F_DBL(dbl) | A64F_RM(vm) | A64F_RN(vn));
}

/* FCMPE: FCMP that raises Invalid Operation for a quiet NaN too (x86 COMISD). */
static inline void a64_fcmpe(A64Emit *e, bool dbl, unsigned vn, unsigned vm)
{
    a64_w(e, A64_FCMPE | A64F_DBL(dbl) | A64F_RM(vm) | A64F_RN(vn));
}

static inline void a64_fcsel(A64Emit *e, bool dbl, unsigned vd, unsigned vn, unsigned vm,
                             A64Cond cc)
{
    a64_w(e, A64_FCSEL | A64F_DBL(dbl) | A64F_RM(vm) | A64F_COND(cc) | A64F_RN(vn) |
             A64F_RD(vd));
}

/* FP <-> integer: FCVTZS/FCVTNS (rd = GPR), SCVTF (rd = FP register); sf: X register. The
 * FMOV_* forms carry their sizes. */
static inline void a64_fcvt_int(A64Emit *e, A64Ins op, bool sf, bool dbl, unsigned rd,
                                unsigned rn)
{
    a64_w(e, op | A64F_SF(sf) | A64F_DBL(dbl) | A64F_RN(rn) | A64F_RD(rd));
}

static inline void a64_fmov_gv(A64Emit *e, A64Ins op, unsigned rd, unsigned rn)
{
    a64_w(e, op | A64F_RN(rn) | A64F_RD(rd));
}

#endif /* FERRY_A64_INSN_H */
