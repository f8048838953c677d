/* gen_sse.c — translation of SSE/SSE2 instructions (map 0F, legacy encoding) into IR.
 *
 * Contract: fe_gen_sse(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own (MMX forms without a mandatory
 * prefix, SSE3 and later, VEX, reserved encodings), so the caller can ask another family or
 * deliver SIGILL.
 *
 * Coverage: SSE and SSE2 (SSE3 and later: gen_ssse3.c, gen_sse41.c, gen_sse42.c): the XMM
 * moves, 128-bit logic, integer compares, adds/subtracts, unpacks, shuffles and shifts, pmovmskb/movmsk, pinsrw/pextrw,
 * scalar and packed single/double arithmetic, compares (cmpXX, comis/ucomis), the
 * int/float/double conversions, ldmxcsr/stmxcsr, fxsave/fxrstor, fences and prefetches.
 * Everything maps onto IR V128/F32/F64 ops; the rarer integer instructions the IR has no op
 * for (saturating adds, multiplies, packs, averages, psadbw, signed min/max) go through one C
 * helper (x86_sse_helpers.c) that receives the source operand as two 64-bit halves.
 *
 * Guest-visible rules kept here:
 *  - the mandatory prefix is the last F2/F3 if any, else 66 (F2/F3 win over 66, as on
 *    hardware); LOCK makes every SSE instruction #UD;
 *  - legacy-SSE 128-bit memory operands must be 16-byte aligned except for the explicitly
 *    unaligned moves (movups, movupd, movdqu); a misaligned one raises #GP, which Linux
 *    reports as SIGSEGV with si_code SI_KERNEL: an EXIT_IF trap emitted before the access and
 *    before any state of the instruction changes;
 *  - scalar forms write only their low lane; loads of movss/movsd/movd/movq zero the rest of
 *    the register;
 *  - MXCSR is the IR's FP environment (ir.h): the FP ops round by its RC, honour DAZ and FTZ
 *    and set its sticky flags, as on hardware; ldmxcsr/fxrstor load it (and end the block),
 *    stmxcsr/fxsave read it through x86_sse_ldmxcsr/x86_sse_stmxcsr. Exceptions behave as
 *    masked whatever the mask bits say (unmasked SIMD exceptions are not delivered yet).
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/fe_sse.h"
#include "frontend-x86/x87_helpers.h"       /* the x87 part of fxsave/fxrstor */

/* Defined in x86_sse_helpers.c (registered by fe_register_helpers_sse there). */
uint64_t x86_sse_int_op(void *state, uint64_t op_dst, uint64_t src_lo, uint64_t src_hi);
uint64_t x86_sse_fence(void *state, uint64_t a0, uint64_t a1, uint64_t a2);
uint64_t x86_sse_ldmxcsr(void *state, uint64_t image, uint64_t a1, uint64_t a2);
uint64_t x86_sse_stmxcsr(void *state, uint64_t a0, uint64_t a1, uint64_t a2);

/* How an XMM register is read and written: always as the whole V128 field (GET/PUT v128 at
 * X86_OFF_XMM(reg, 0)), never as a part of it. A scalar op reads its operand as the register's
 * low lane (VLOWF) and merges its result back (VSETLOWF); lane moves are VEXTRACT64 /
 * VINSERT64. So every access to a register's field has one offset and one type, which lets
 * opt_put_forward keep the register in an SSA value across a block (a narrower PUT followed
 * by a V128 GET would neither forward nor, on the host, store-forward), and keeps scalar FP
 * values in the XMM domain of the host: one MOVSD merge instead of moves through a GPR. Only
 * memory operands are loaded and stored at their own width (LOAD/STORE f32/f64/i64). */

/* MXCSR bits that may be set (MXCSR_MASK as fxsave reports it): everything in the low 16. */
#define SSE_MXCSR_MASK 0xffffu

/* ================================================================ operands */

static inline uint32_t xoff(int reg) { return X86_OFF_XMM(reg, 0); }
/* REX.W selects the 64-bit GPR form of movd, cvtsi2sX, cvtXX2si, movnti. */
static inline unsigned gpr_size_w(const FeCtx *c) { return (c->insn->rex & 8) ? 8 : 4; }

static inline IrType ftype(unsigned size) { return size == 4 ? IR_F32 : IR_F64; }

/* The low 64 bits of xmm register `reg` as I64. */
static IrRef xmm_lo64(FeCtx *c, int reg)
{
    return ir_emit(&c->b, IR_VEXTRACT64, IR_I64, xmm_get(c, reg), IR_NONE, IR_NONE, 0, 0);
}

/* The low `size` bytes (4 or 8) of the r/m operand: low lane of an xmm register, or m32/m64.
 * Returns an I32 or I64 value holding the bits. */
static IrRef src_low(FeCtx *c, unsigned size)
{
    if (is_reg(c)) {
        IrRef q = xmm_lo64(c, c->insn->rm);
        return size == 8 ? q : ir_op1(&c->b, IR_TRUNC, IR_I32, q);
    }
    return fe_load(c, fe_type(size), sse_ea(c, false));
}

/* The scalar (F32 for size 4, F64 for 8) in the low lane of xmm register `reg`. */
static IrRef xmm_lowf(FeCtx *c, int reg, unsigned size)
{
    return ir_op1(&c->b, IR_VLOWF, ftype(size), xmm_get(c, reg));
}

/* Xmm register `reg` with its low lane replaced by the scalar f (F32/F64), the rest kept. */
static void xmm_set_lowf(FeCtx *c, int reg, IrRef f)
{
    xmm_put(c, reg, ir_op2(&c->b, IR_VSETLOWF, IR_V128, xmm_get(c, reg), f));
}

/* The scalar r/m operand of `size` bytes as F32/F64: an xmm register's low lane, or m32/m64. */
static IrRef src_lowf(FeCtx *c, unsigned size)
{
    if (is_reg(c)) return xmm_lowf(c, c->insn->rm, size);
    return fe_load(c, ftype(size), sse_ea(c, false));
}

/* A V128 holding only the scalar f (F32/F64): the rest of the register zeroed. */
static IrRef v_fromf(FeCtx *c, IrRef f)
{
    return ir_op2(&c->b, IR_VSETLOWF, IR_V128, ir_const(&c->b, IR_V128, 0), f);
}

/* A general-purpose r/m operand of `size` bytes (GPR for mod == 3, else memory). */
static IrRef src_gpr_or_mem(FeCtx *c, unsigned size)
{
    if (is_reg(c)) return fe_get_gpr(c, c->insn->rm, size);
    return fe_load(c, fe_type(size), sse_ea(c, false));
}

/* ================================================================ lanes */

/* 32-bit lane i (0..3) of v as I32. */
static IrRef v_lane32(FeCtx *c, IrRef v, unsigned i)
{
    IrRef q = v_ext64(c, v, i >> 1);
    if (i & 1) q = ir_op2(&c->b, IR_SHR, IR_I64, q, k64(c, 32));
    return ir_op1(&c->b, IR_TRUNC, IR_I32, q);
}

/* Two I32 values as one I64 (lo in bits 0-31). */
static IrRef pair32(FeCtx *c, IrRef lo, IrRef hi)
{
    IrRef l = ir_op1(&c->b, IR_ZEXT, IR_I64, lo);
    IrRef h = ir_op1(&c->b, IR_ZEXT, IR_I64, hi);
    return ir_op2(&c->b, IR_OR, IR_I64, l, ir_op2(&c->b, IR_SHL, IR_I64, h, k64(c, 32)));
}

/* Four I32 lanes (l[0] least significant) as a V128. */
static IrRef v_make32(FeCtx *c, const IrRef l[4])
{
    return v_make64(c, pair32(c, l[0], l[1]), pair32(c, l[2], l[3]));
}

/* ================================================================ moves */

/* movups/movupd/movaps/movapd/movdqa/movdqu and the non-temporal stores: whole register. */
static bool gen_MOV128_load(FeCtx *c, bool aligned)
{
    xmm_put(c, c->insn->reg, src_v128(c, aligned));
    return true;
}

static bool gen_MOV128_store(FeCtx *c, bool aligned)
{
    IrRef v = xmm_get(c, c->insn->reg);
    if (is_reg(c)) xmm_put(c, c->insn->rm, v);
    else fe_store(c, sse_ea(c, aligned), v);
    return true;
}

/* movss/movsd xmm, xmm/mem: the register form merges the low lane, a load zeroes the rest. */
static bool gen_MOVS_load(FeCtx *c, unsigned size)
{
    const X86Insn *i = c->insn;
    IrRef f = src_lowf(c, size);
    if (is_reg(c)) xmm_set_lowf(c, i->reg, f);
    else xmm_put(c, i->reg, v_fromf(c, f));
    return true;
}

/* movss/movsd xmm/mem, xmm. */
static bool gen_MOVS_store(FeCtx *c, unsigned size)
{
    const X86Insn *i = c->insn;
    IrRef f = xmm_lowf(c, i->reg, size);
    if (is_reg(c)) xmm_set_lowf(c, i->rm, f);
    else fe_store(c, sse_ea(c, false), f);
    return true;
}

/* 0F 12/16 loads: movlps/movlpd/movhps/movhpd xmm, m64 (half = 0 low, 1 high), and the
 * register forms movhlps (0F 12) and movlhps (0F 16), which exist only without 66. */
static bool gen_MOVLH_load(FeCtx *c, unsigned half, bool pfx66)
{
    const X86Insn *i = c->insn;
    if (is_reg(c)) {
        if (pfx66) return false;
        /* movhlps: {src.hi, dst.hi}; movlhps: {dst.lo, src.lo}. */
        IrRef s = xmm_get(c, i->rm), d = xmm_get(c, i->reg);
        IrRef r = half ? v_lanes(c, IR_VUNPACKLO, 64, d, s) : v_lanes(c, IR_VUNPACKHI, 64, s, d);
        xmm_put(c, i->reg, r);
        return true;
    }
    IrRef addr = sse_ea(c, false);
    if (half) {
        xmm_put(c, i->reg, v_ins64(c, xmm_get(c, i->reg), 1, fe_load(c, IR_I64, addr)));
    } else {
        xmm_set_lowf(c, i->reg, fe_load(c, IR_F64, addr));
    }
    return true;
}

/* 0F 13/17 stores: movlps/movlpd/movhps/movhpd m64, xmm (memory only). */
static bool gen_MOVLH_store(FeCtx *c, unsigned half)
{
    const X86Insn *i = c->insn;
    if (is_reg(c)) return false;
    IrRef addr = sse_ea(c, false);
    IrRef v = half ? v_ext64(c, xmm_get(c, i->reg), 1) : xmm_lowf(c, i->reg, 8);
    fe_store(c, addr, v);
    return true;
}

/* 66 0F 6E: movd/movq xmm, r/m32/64 (zero-extended into the register). */
static bool gen_MOVD_to_xmm(FeCtx *c)
{
    unsigned size = gpr_size_w(c);
    IrRef v = src_gpr_or_mem(c, size);
    if (size == 4) v = ir_op1(&c->b, IR_ZEXT, IR_I64, v);
    xmm_put(c, c->insn->reg, v_from64(c, v));
    return true;
}

/* 66 0F 7E: movd/movq r/m32/64, xmm. */
static bool gen_MOVD_from_xmm(FeCtx *c)
{
    unsigned size = gpr_size_w(c);
    IrRef v = xmm_lo64(c, c->insn->reg);
    if (size == 4) v = ir_op1(&c->b, IR_TRUNC, IR_I32, v);
    if (is_reg(c)) fe_put_gpr(c, c->insn->rm, size, v);
    else fe_store(c, sse_ea(c, false), v);
    return true;
}

/* F3 0F 7E: movq xmm, xmm/m64 (upper half zeroed). */
static bool gen_MOVQ_load(FeCtx *c)
{
    xmm_put(c, c->insn->reg, v_fromf(c, src_lowf(c, 8)));     /* MOVQ xmm, xmm in the XMM domain */
    return true;
}

/* 66 0F D6: movq xmm/m64, xmm (the register form zeroes the destination's upper half). */
static bool gen_MOVQ_store(FeCtx *c)
{
    IrRef v = xmm_lowf(c, c->insn->reg, 8);
    if (is_reg(c)) xmm_put(c, c->insn->rm, v_fromf(c, v));
    else fe_store(c, sse_ea(c, false), v);
    return true;
}

/* 0F C3: movnti m32/m64, r32/r64 — an ordinary store here (no cache hint to honour). */
static bool gen_MOVNTI(FeCtx *c)
{
    if (is_reg(c)) return false;
    unsigned size = gpr_size_w(c);
    fe_store(c, sse_ea(c, false), fe_get_gpr(c, c->insn->reg, size));
    return true;
}

/* pmovmskb (lanes of 8 bits), movmskps (32), movmskpd (64): GPR = sign bits, zero-extended. */
static bool gen_MOVMSK(FeCtx *c, unsigned bits)
{
    if (!is_reg(c)) return false;
    IrRef v = xmm_get(c, c->insn->rm);
    IrRef m = ir_emit(&c->b, IR_VMOVMSK, IR_I32, v, IR_NONE, IR_NONE, bits, 0);
    fe_put_gpr(c, c->insn->reg, 4, m);
    return true;
}

/* 66 0F C4: pinsrw xmm, r32/m16, imm8 — one 16-bit field of the register. */
static bool gen_PINSRW(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned w = imm8(c) & 7, half = w >> 2, shift = 16 * (w & 3);
    IrRef v = ir_op1(&c->b, IR_ZEXT, IR_I64, src_gpr_or_mem(c, 2));
    IrRef x = xmm_get(c, i->reg);
    IrRef q = ir_op2(&c->b, IR_AND, IR_I64, v_ext64(c, x, half), k64(c, ~(0xffffull << shift)));
    q = ir_op2(&c->b, IR_OR, IR_I64, q, ir_op2(&c->b, IR_SHL, IR_I64, v, k64(c, shift)));
    xmm_put(c, i->reg, v_ins64(c, x, half, q));
    return true;
}

/* 66 0F C5: pextrw r32, xmm, imm8 (register form only). */
static bool gen_PEXTRW(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (!is_reg(c)) return false;
    unsigned w = imm8(c) & 7;
    IrRef q = v_ext64(c, xmm_get(c, i->rm), w >> 2);
    q = ir_op2(&c->b, IR_SHR, IR_I64, q, k64(c, 16 * (w & 3)));
    q = ir_op2(&c->b, IR_AND, IR_I64, q, k64(c, 0xffff));
    fe_put_gpr(c, i->reg, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, q));
    return true;
}

/* ================================================================ integer and logic */

/* Two-operand 128-bit op: xmm = op(xmm, xmm/m128); lane width `bits` (0 for whole-register
 * logic). Memory operands are aligned (legacy SSE rule). */
static bool gen_VBIN(FeCtx *c, IrOp op, unsigned bits)
{
    const X86Insn *i = c->insn;
    /* xor/pxor of a register with itself is the zeroing idiom: no dependency on its value. */
    if (op == IR_VXOR && is_reg(c) && i->rm == i->reg) {
        xmm_put(c, i->reg, ir_const(&c->b, IR_V128, 0));
        return true;
    }
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, i->reg);
    IrRef r = bits ? v_lanes(c, op, bits, a, b) : ir_op2(&c->b, op, IR_V128, a, b);
    xmm_put(c, i->reg, r);
    return true;
}

/* Signed 16-bit min/max (pminsw, pmaxsw) from a signed compare and a bit select. */
static bool gen_PMINMAXSW(FeCtx *c, bool max)
{
    const X86Insn *i = c->insn;
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, i->reg);
    IrRef gt = v_lanes(c, IR_VCMPGTS, 16, a, b);            /* a > b */
    /* max: a where a > b, else b.  min: b where a > b, else a. */
    IrRef from_gt = ir_op2(&c->b, IR_VAND, IR_V128, gt, max ? a : b);
    IrRef from_le = ir_op2(&c->b, IR_VANDN, IR_V128, gt, max ? b : a);
    xmm_put(c, i->reg, ir_op2(&c->b, IR_VOR, IR_V128, from_gt, from_le));
    return true;
}

/* packuswb without the helper (sha256's byte swaps use it in the hot loop, and the helper call
 * cost ~18% there): each signed word clamped to 0..255 (sign mask, andn, unsigned min), then
 * the low bytes gathered. Interleaving the 32 bytes of (a, b) with unpacklo/unpackhi is a
 * perfect shuffle, whose order on 32 elements is 5, so four rounds undo one: the even bytes
 * (the low bytes of a's words, then b's) end up in the first vector. */
static IrRef v_clamp_u8(FeCtx *c, IrRef w, IrRef k255)
{
    IrRef neg = v_lanes(c, IR_VSARI, 16, w, k64(c, 15));
    IrRef pos = ir_op2(&c->b, IR_VANDN, IR_V128, neg, w);
    return v_lanes(c, IR_VMINU, 16, pos, k255);
}

static bool gen_PACKUSWB(FeCtx *c)
{
    const X86Insn *i = c->insn;
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, i->reg);
    IrRef k = k64(c, 0x00ff00ff00ff00ffull);
    IrRef k255 = v_make64(c, k, k);
    IrRef p = v_clamp_u8(c, a, k255), q = v_clamp_u8(c, b, k255);
    for (int round = 0; round < 3; round++) {
        IrRef lo = v_lanes(c, IR_VUNPACKLO, 8, p, q);
        q = v_lanes(c, IR_VUNPACKHI, 8, p, q);
        p = lo;
    }
    xmm_put(c, i->reg, v_lanes(c, IR_VUNPACKLO, 8, p, q));
    return true;
}

/* The integer ops without an IR op: one helper, opcode byte and destination in a0, the source
 * as two halves (the load happens in IR so a fault is precise). */
static bool gen_INT_HELPER(FeCtx *c)
{
    const X86Insn *i = c->insn;
    IrRef b = src_v128(c, true);
    IrRef sel = k64(c, ((uint64_t)i->opcode << 8) | i->reg);
    fe_call(c, x86_sse_int_op, sel, v_ext64(c, b, 0), v_ext64(c, b, 1));
    return true;
}

/* pshufd (66), pshufhw (F3), pshuflw (F2): 66/F3/F2 0F 70 /r ib. */
static bool gen_PSHUF(FeCtx *c, IrOp op)
{
    IrRef v = src_v128(c, true);
    xmm_put(c, c->insn->reg, ir_emit(&c->b, op, IR_V128, v, IR_NONE, IR_NONE, imm8(c), 0));
    return true;
}

/* Shift groups 66 0F 71/72/73 by an immediate: the xmm register is ModRM.rm. */
static bool gen_SHIFT_imm(FeCtx *c, unsigned bits)
{
    const X86Insn *i = c->insn;
    if (!is_reg(c)) return false;
    unsigned n = imm8(c), ext = i->reg & 7;
    /* /2 srl, /4 sra (not on qwords), /6 sll; byte shifts /3 and /7 only in 0F 73. */
    bool valid = ext == 2 || ext == 6 || (ext == 4 && bits != 64) ||
                 ((ext == 3 || ext == 7) && bits == 64);
    if (!valid) return false;
    IrRef v = xmm_get(c, i->rm), r;
    switch (ext) {
    case 2: r = v_lanes(c, IR_VSHRI, bits, v, k64(c, n)); break;
    case 4: r = v_lanes(c, IR_VSARI, bits, v, k64(c, n)); break;
    case 6: r = v_lanes(c, IR_VSHLI, bits, v, k64(c, n)); break;
    case 3:                                     /* psrldq */
            r = ir_emit(&c->b, IR_VBSRL, IR_V128, v, IR_NONE, IR_NONE, n, 0); break;
    case 7:                                     /* pslldq */
            r = ir_emit(&c->b, IR_VBSLL, IR_V128, v, IR_NONE, IR_NONE, n, 0); break;
    default: return false;                      /* unreachable: checked above */
    }
    xmm_put(c, i->rm, r);
    return true;
}

/* psllw/d/q, psrlw/d/q, psraw/d xmm, xmm/m128: the count is the low 64 bits of the source
 * (a count of at least the lane width clears the lanes, or fills them with the sign). */
static bool gen_SHIFT_xmm(FeCtx *c, IrOp op, unsigned bits)
{
    const X86Insn *i = c->insn;
    IrRef n;
    if (is_reg(c)) n = xmm_lo64(c, i->rm);
    else n = fe_load(c, IR_I64, sse_ea(c, true));       /* aligned m128: read its low half */
    xmm_put(c, i->reg, v_lanes(c, op, bits, xmm_get(c, i->reg), n));
    return true;
}

/* shufps (0F C6): lanes 0-1 from the destination, 2-3 from the source, each picked by two
 * bits of imm8. shufpd (66 0F C6): low from the destination, high from the source. */
static bool gen_SHUFP(FeCtx *c, bool dbl)
{
    const X86Insn *i = c->insn;
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, i->reg), r;
    unsigned n = imm8(c);
    if (dbl) {
        r = v_make64(c, v_ext64(c, a, n & 1), v_ext64(c, b, (n >> 1) & 1));
    } else {
        IrRef sa = ir_emit(&c->b, IR_VSHUF32, IR_V128, a, IR_NONE, IR_NONE, n, 0);
        IrRef sb = ir_emit(&c->b, IR_VSHUF32, IR_V128, b, IR_NONE, IR_NONE, n, 0);
        r = v_ins64(c, sa, 1, v_ext64(c, sb, 1));
    }
    xmm_put(c, i->reg, r);
    return true;
}

/* ================================================================ floating point */

/* Whether CMPSS/CMPSD predicate `pred` (0-7) signals IE on a quiet NaN: LT LE NLT NLE. */
static unsigned pred_signals(unsigned pred)
{
    return pred == IR_FLT || pred == IR_FLE || pred == IR_FNLT || pred == IR_FNLE;
}

/* Scalar form (ss: size 4, sd: size 8): low lane = op(low lane, source); the rest kept. The
 * lane stays F32/F64 throughout; only cmpss/cmpsd make an integer mask. */
static bool gen_FP_scalar(FeCtx *c, IrOp op, unsigned size, unsigned pred)
{
    const X86Insn *i = c->insn;
    IrType ft = ftype(size), it = fe_type(size);
    IrRef b = src_lowf(c, size), r;
    if (op == IR_FSQRT) {
        r = ir_op1(&c->b, IR_FSQRT, ft, b);
    } else {
        IrRef a = xmm_lowf(c, i->reg, size);
        if (op == IR_FCMP) {
            IrRef t = ir_emit(&c->b, IR_FCMP, IR_I8, a, b, IR_NONE, pred, pred_signals(pred));
            r = ir_select(&c->b, it, t, ir_const(&c->b, it, ~0ull), ir_const(&c->b, it, 0));
            r = ir_op1(&c->b, IR_BITCAST, ft, r);
        } else {
            r = ir_op2(&c->b, op, ft, a, b);
        }
    }
    xmm_set_lowf(c, i->reg, r);
    return true;
}

/* Packed form (ps: size 4, pd: size 8): every lane, one IR op; the memory operand is
 * aligned. op is FADD, FSUB, FMUL, FDIV, FMIN, FMAX, FSQRT (of the source) or FCMP with
 * predicate `pred` (lanes of all ones or zero). */
static bool gen_FP_packed(FeCtx *c, IrOp op, unsigned size, unsigned pred)
{
    const X86Insn *i = c->insn;
    IrOp vop;
    switch (op) {
    case IR_FADD:  vop = IR_VFADD;  break;
    case IR_FSUB:  vop = IR_VFSUB;  break;
    case IR_FMUL:  vop = IR_VFMUL;  break;
    case IR_FDIV:  vop = IR_VFDIV;  break;
    case IR_FMIN:  vop = IR_VFMIN;  break;
    case IR_FMAX:  vop = IR_VFMAX;  break;
    case IR_FSQRT: vop = IR_VFSQRT; break;
    default:       vop = IR_VFCMP;  break;
    }
    IrRef vb = src_v128(c, true), r;
    if (vop == IR_VFSQRT)
        r = ir_emit(&c->b, vop, IR_V128, vb, IR_NONE, IR_NONE, 8 * size, 0);
    else
        r = ir_emit(&c->b, vop, IR_V128, xmm_get(c, i->reg), vb, IR_NONE, 8 * size, pred);
    xmm_put(c, i->reg, r);
    return true;
}

/* 0F 58-5F and 51: add, mul, (5A/5B conversions elsewhere), sub, min, div, max, sqrt. */
static bool gen_FP_arith(FeCtx *c, SsePfx p, IrOp op)
{
    switch (p) {
    case PFX_NONE: return gen_FP_packed(c, op, 4, 0);
    case PFX_66:   return gen_FP_packed(c, op, 8, 0);
    case PFX_F3:   return gen_FP_scalar(c, op, 4, 0);
    case PFX_F2:   return gen_FP_scalar(c, op, 8, 0);
    }
    return false;
}

/* 0F C2 ib: cmpps/cmppd/cmpss/cmpsd with predicate imm8[2:0] (legacy SSE ignores the rest). */
static bool gen_CMP(FeCtx *c, SsePfx p)
{
    unsigned pred = imm8(c) & 7;
    switch (p) {
    case PFX_NONE: return gen_FP_packed(c, IR_FCMP, 4, pred);
    case PFX_66:   return gen_FP_packed(c, IR_FCMP, 8, pred);
    case PFX_F3:   return gen_FP_scalar(c, IR_FCMP, 4, pred);
    case PFX_F2:   return gen_FP_scalar(c, IR_FCMP, 8, pred);
    }
    return false;
}

/* comiss/ucomiss/comisd/ucomisd: ZF PF CF = 111 unordered, 000 greater, 001 less, 100 equal;
 * OF SF AF cleared. They differ only in which NaNs raise IE: any for comis (0F 2F), only a
 * signalling one for ucomis (0F 2E), which is FCMP's imm1. */
static bool gen_COMIS(FeCtx *c, unsigned size)
{
    const X86Insn *i = c->insn;
    unsigned sig = i->opcode == 0x2f;
    IrRef b = src_lowf(c, size);
    IrRef a = xmm_lowf(c, i->reg, size);
    /* One op for the flags word (the host's own compare and flags on x86_64); a branch on
     * them folds back to one FCMP (ir_fold.c, fcmpflags_bit). */
    IrRef bits = ir_emit(&c->b, IR_FCMPFLAGS, IR_I64, a, b, IR_NONE, 0, sig);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, bits);
    return true;
}

/* ================================================================ conversions */

/* F3/F2 0F 2A: cvtsi2ss/cvtsi2sd xmm, r/m32/64 (low lane only). */
static bool gen_CVTSI2S(FeCtx *c, unsigned fsize)
{
    const X86Insn *i = c->insn;
    unsigned isize = gpr_size_w(c);
    IrRef v = src_gpr_or_mem(c, isize);
    xmm_set_lowf(c, i->reg, ir_op1(&c->b, IR_I2F, ftype(fsize), v));
    return true;
}

/* F3/F2 0F 2C/2D: cvt(t)ss2si / cvt(t)sd2si r32/64, xmm/m32/64. */
static bool gen_CVTS2SI(FeCtx *c, unsigned fsize, bool trunc)
{
    const X86Insn *i = c->insn;
    unsigned isize = gpr_size_w(c);
    IrRef v = ir_op1(&c->b, trunc ? IR_F2I : IR_F2I_RN, fe_type(isize), src_lowf(c, fsize));
    fe_put_gpr(c, i->reg, isize, v);
    return true;
}

/* F3 0F 5A cvtss2sd / F2 0F 5A cvtsd2ss: low lane only. */
static bool gen_CVTS2S(FeCtx *c, unsigned from)
{
    unsigned to = from == 4 ? 8 : 4;
    IrRef r = ir_op1(&c->b, IR_FCVT, ftype(to), src_lowf(c, from));
    xmm_set_lowf(c, c->insn->reg, r);
    return true;
}

/* Lane conversion kinds. */
typedef enum CvtKind {
    CVT_F2D,    /* F32 -> F64 */
    CVT_D2F,    /* F64 -> F32 */
    CVT_I2D,    /* I32 -> F64 */
    CVT_D2I_T,  /* F64 -> I32, truncating */
    CVT_D2I,    /* F64 -> I32, to nearest */
    CVT_I2F,    /* I32 -> F32 */
    CVT_F2I_T,  /* F32 -> I32, truncating */
    CVT_F2I,    /* F32 -> I32, to nearest */
} CvtKind;

/* One lane: bits of the source type in, bits of the result type out (I32/I64). */
static IrRef cvt_lane(FeCtx *c, CvtKind k, IrRef bits)
{
    static const struct { IrType in; IrOp op; IrType out; } tab[] = {
        [CVT_F2D]   = { IR_F32, IR_FCVT,   IR_F64 },
        [CVT_D2F]   = { IR_F64, IR_FCVT,   IR_F32 },
        [CVT_I2D]   = { IR_I32, IR_I2F,    IR_F64 },
        [CVT_D2I_T] = { IR_F64, IR_F2I,    IR_I32 },
        [CVT_D2I]   = { IR_F64, IR_F2I_RN, IR_I32 },
        [CVT_I2F]   = { IR_I32, IR_I2F,    IR_F32 },
        [CVT_F2I_T] = { IR_F32, IR_F2I,    IR_I32 },
        [CVT_F2I]   = { IR_F32, IR_F2I_RN, IR_I32 },
    };
    IrType in = tab[k].in, out = tab[k].out;
    IrRef v = ir_type_is_float(in) ? ir_op1(&c->b, IR_BITCAST, in, bits) : bits;
    v = ir_op1(&c->b, tab[k].op, out, v);
    if (ir_type_is_float(out)) v = ir_op1(&c->b, IR_BITCAST, out == IR_F32 ? IR_I32 : IR_I64, v);
    return v;
}

/* Two 32-bit lanes -> two 64-bit lanes (cvtps2pd, cvtdq2pd): the source is xmm or m64. */
static bool gen_CVT_widen(FeCtx *c, CvtKind k)
{
    IrRef src = src_low(c, 8);
    IrRef lo = ir_op1(&c->b, IR_TRUNC, IR_I32, src);
    IrRef hi = ir_op1(&c->b, IR_TRUNC, IR_I32, ir_op2(&c->b, IR_SHR, IR_I64, src, k64(c, 32)));
    xmm_put(c, c->insn->reg, v_make64(c, cvt_lane(c, k, lo), cvt_lane(c, k, hi)));
    return true;
}

/* Two 64-bit lanes -> two 32-bit lanes, upper half zeroed (cvtpd2ps, cvt(t)pd2dq). */
static bool gen_CVT_narrow(FeCtx *c, CvtKind k)
{
    IrRef v = src_v128(c, true);
    IrRef lo = cvt_lane(c, k, v_ext64(c, v, 0));
    IrRef hi = cvt_lane(c, k, v_ext64(c, v, 1));
    xmm_put(c, c->insn->reg, v_from64(c, pair32(c, lo, hi)));
    return true;
}

/* Four 32-bit lanes (cvtdq2ps, cvt(t)ps2dq). */
static bool gen_CVT_4(FeCtx *c, CvtKind k)
{
    IrRef v = src_v128(c, true);
    IrRef l[4];
    for (unsigned n = 0; n < 4; n++) l[n] = cvt_lane(c, k, v_lane32(c, v, n));
    xmm_put(c, c->insn->reg, v_make32(c, l));
    return true;
}

/* ================================================================ MXCSR and fxsave */

/* Leave with #GP (SIGSEGV/SI_KERNEL) when an MXCSR image has reserved bits set. */
static void check_mxcsr(FeCtx *c, IrRef v)
{
    IrRef reserved = ir_const(&c->b, IR_I32, ~(uint64_t)SSE_MXCSR_MASK);
    IrRef res = ir_op2(&c->b, IR_AND, IR_I32, v, reserved);
    IrRef bad = ir_cmp(&c->b, IR_NE, res, ir_const(&c->b, IR_I32, 0));
    fe_flush_flags(c);
    ir_exit_if(&c->b, bad, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
}

/* MXCSR = v (checked): the state and the host's FP environment (x86_sse_ldmxcsr), then the
 * block ends, so no FP op after it shares a translation (or a CSE'd value) with the ones that
 * ran under the old rounding and flush modes. */
static void set_mxcsr(FeCtx *c, IrRef v)
{
    fe_call(c, x86_sse_ldmxcsr, ir_op1(&c->b, IR_ZEXT, IR_I64, v), IR_NONE, IR_NONE);
    fe_exit_jump(c, c->next_pc);
}

/* Layout of the 512-byte fxsave area (Intel SDM Vol. 1, 10.5.1). */
enum {
    FXS_FCW = 0, FXS_FSW = 2, FXS_FTW = 4, FXS_FOP = 6, FXS_FIP = 8, FXS_FDP = 16,
    FXS_MXCSR = 24, FXS_MXCSR_MASK = 28, FXS_ST0 = 32, FXS_XMM0 = 160,
};

/* fxsave m512: the x87 part (FCW, FSW, abridged FTW, FOP, FIP, FDP, ST0-7 at bytes 32..159;
 * the 64-bit FIP/FDP form with REX.W) is written by x87_h_fxsave (x87_helpers.c), then
 * MXCSR, MXCSR_MASK and XMM0-15 by IR; bytes 416-511 are left untouched, as hardware does. */
static bool gen_FXSAVE(FeCtx *c)
{
    IrRef base = sse_ea(c, true);
    fe_call_mem(c, x87_h_fxsave, base, k64(c, (c->insn->rex & 8) != 0), k64(c, 0));
    IrRef mx = fe_call(c, x86_sse_stmxcsr, IR_NONE, IR_NONE, IR_NONE);
    mx = ir_op2(&c->b, IR_OR, IR_I64, mx, k64(c, (uint64_t)SSE_MXCSR_MASK << 32));
    fe_store(c, ir_op2(&c->b, IR_ADD, IR_I64, base, k64(c, FXS_MXCSR)), mx);
    for (unsigned r = 0; r < 16; r++)
        fe_store(c, ir_op2(&c->b, IR_ADD, IR_I64, base, k64(c, FXS_XMM0 + 16 * r)), xmm_get(c, r));
    return true;
}

/* fxrstor m512: MXCSR (checked: reserved bits #GP) and XMM0-15 are loaded by IR first, so a
 * fault or #GP leaves every register as it was; then x87_h_fxrstor loads the x87 part. */
static bool gen_FXRSTOR(FeCtx *c)
{
    IrRef base = sse_ea(c, true);
    IrRef mx = fe_load(c, IR_I32, ir_op2(&c->b, IR_ADD, IR_I64, base, k64(c, FXS_MXCSR)));
    IrRef x[16];
    for (unsigned r = 0; r < 16; r++)
        x[r] = fe_load(c, IR_V128, ir_op2(&c->b, IR_ADD, IR_I64, base, k64(c, FXS_XMM0 + 16 * r)));
    check_mxcsr(c, mx);
    fe_call_mem(c, x87_h_fxrstor, base, k64(c, (c->insn->rex & 8) != 0), k64(c, 0));
    for (unsigned r = 0; r < 16; r++) xmm_put(c, r, x[r]);
    set_mxcsr(c, mx);
    return true;
}

/* 0F AE: fxsave, fxrstor, ldmxcsr, stmxcsr (memory forms without prefix) and the fences
 * lfence/mfence/sfence (register forms). A fence is a host fence in a helper call, which the
 * IR keeps in order with every memory access. */
static bool gen_GRP15(FeCtx *c, SsePfx p)
{
    const X86Insn *i = c->insn;
    if (p != PFX_NONE) return false;
    if (is_reg(c)) {
        if ((i->reg & 7) < 5) return false;
        fe_call(c, x86_sse_fence, IR_NONE, IR_NONE, IR_NONE);
        return true;
    }
    switch (i->reg & 7) {
    case 0: return gen_FXSAVE(c);
    case 1: return gen_FXRSTOR(c);
    case 2: {   /* ldmxcsr m32 */
        IrRef v = fe_load(c, IR_I32, sse_ea(c, false));
        check_mxcsr(c, v);
        set_mxcsr(c, v);
        return true;
    }
    case 3: {   /* stmxcsr m32: the address first, so a fault comes before the helper */
        IrRef addr = sse_ea(c, false);
        IrRef v = fe_call(c, x86_sse_stmxcsr, IR_NONE, IR_NONE, IR_NONE);
        fe_store(c, addr, ir_op1(&c->b, IR_TRUNC, IR_I32, v));
        return true;
    }
    default:
        return false;   /* xsave family, clflush: not advertised */
    }
}

/* ================================================================ dispatch */

/* The 66 0F opcodes that go through x86_sse_int_op (see x86_sse_helpers.c). */
static bool is_helper_int_op(uint8_t op)
{
    switch (op) {
    case 0x63: case 0x6b:                       /* packsswb, packssdw */
    case 0xd5: case 0xe5: case 0xe4:            /* pmullw, pmulhw, pmulhuw */
    case 0xf4: case 0xf5: case 0xf6:            /* pmuludq, pmaddwd, psadbw */
    case 0xe0: case 0xe3:                       /* pavgb, pavgw */
    case 0xdc: case 0xdd: case 0xec: case 0xed: /* paddusb/w, paddsb/w */
    case 0xe8: case 0xe9:                       /* psubsb/w */
        return true;
    default:
        return false;
    }
}

/* 66 0F xx: the SSE2 integer instructions on xmm registers. */
static bool gen_66_int(FeCtx *c, uint8_t op)
{
    switch (op) {
    case 0xef: return gen_VBIN(c, IR_VXOR, 0);
    case 0xeb: return gen_VBIN(c, IR_VOR, 0);
    case 0xdb: return gen_VBIN(c, IR_VAND, 0);
    case 0xdf: return gen_VBIN(c, IR_VANDN, 0);
    case 0x74: return gen_VBIN(c, IR_VCMPEQ, 8);
    case 0x75: return gen_VBIN(c, IR_VCMPEQ, 16);
    case 0x76: return gen_VBIN(c, IR_VCMPEQ, 32);
    case 0x64: return gen_VBIN(c, IR_VCMPGTS, 8);
    case 0x65: return gen_VBIN(c, IR_VCMPGTS, 16);
    case 0x66: return gen_VBIN(c, IR_VCMPGTS, 32);
    case 0xfc: return gen_VBIN(c, IR_VADD, 8);
    case 0xfd: return gen_VBIN(c, IR_VADD, 16);
    case 0xfe: return gen_VBIN(c, IR_VADD, 32);
    case 0xd4: return gen_VBIN(c, IR_VADD, 64);
    case 0xf8: return gen_VBIN(c, IR_VSUB, 8);
    case 0xf9: return gen_VBIN(c, IR_VSUB, 16);
    case 0xfa: return gen_VBIN(c, IR_VSUB, 32);
    case 0xfb: return gen_VBIN(c, IR_VSUB, 64);
    case 0xd8: return gen_VBIN(c, IR_VSUBUSAT, 8);
    case 0xd9: return gen_VBIN(c, IR_VSUBUSAT, 16);
    case 0xda: return gen_VBIN(c, IR_VMINU, 8);
    case 0xde: return gen_VBIN(c, IR_VMAXU, 8);
    case 0xea: return gen_PMINMAXSW(c, false);
    case 0xee: return gen_PMINMAXSW(c, true);
    case 0x60: return gen_VBIN(c, IR_VUNPACKLO, 8);
    case 0x61: return gen_VBIN(c, IR_VUNPACKLO, 16);
    case 0x62: return gen_VBIN(c, IR_VUNPACKLO, 32);
    case 0x6c: return gen_VBIN(c, IR_VUNPACKLO, 64);
    case 0x68: return gen_VBIN(c, IR_VUNPACKHI, 8);
    case 0x69: return gen_VBIN(c, IR_VUNPACKHI, 16);
    case 0x6a: return gen_VBIN(c, IR_VUNPACKHI, 32);
    case 0x6d: return gen_VBIN(c, IR_VUNPACKHI, 64);
    case 0x70: return gen_PSHUF(c, IR_VSHUF32);
    case 0x71: return gen_SHIFT_imm(c, 16);
    case 0x72: return gen_SHIFT_imm(c, 32);
    case 0x73: return gen_SHIFT_imm(c, 64);
    case 0xd1: return gen_SHIFT_xmm(c, IR_VSHRI, 16);
    case 0xd2: return gen_SHIFT_xmm(c, IR_VSHRI, 32);
    case 0xd3: return gen_SHIFT_xmm(c, IR_VSHRI, 64);
    case 0xe1: return gen_SHIFT_xmm(c, IR_VSARI, 16);
    case 0xe2: return gen_SHIFT_xmm(c, IR_VSARI, 32);
    case 0xf1: return gen_SHIFT_xmm(c, IR_VSHLI, 16);
    case 0xf2: return gen_SHIFT_xmm(c, IR_VSHLI, 32);
    case 0xf3: return gen_SHIFT_xmm(c, IR_VSHLI, 64);
    case 0x6e: return gen_MOVD_to_xmm(c);
    case 0x7e: return gen_MOVD_from_xmm(c);
    case 0x6f: return gen_MOV128_load(c, true);     /* movdqa */
    case 0x7f: return gen_MOV128_store(c, true);
    case 0xe7: return is_reg(c) ? false : gen_MOV128_store(c, true);   /* movntdq */
    case 0xd6: return gen_MOVQ_store(c);
    case 0xd7: return gen_MOVMSK(c, 8);
    case 0xc4: return gen_PINSRW(c);
    case 0xc5: return gen_PEXTRW(c);
    case 0x67: return gen_PACKUSWB(c);
    default:
        return is_helper_int_op(op) ? gen_INT_HELPER(c) : false;
    }
}

/* Map 0F, opcodes that exist with every mandatory prefix (FP arithmetic and friends). */
static bool gen_0f_fp(FeCtx *c, SsePfx p, uint8_t op)
{
    bool dbl = p == PFX_66;
    switch (op) {
    case 0x10:  /* movups/movupd/movss/movsd load */
        if (p == PFX_F3) return gen_MOVS_load(c, 4);
        if (p == PFX_F2) return gen_MOVS_load(c, 8);
        return gen_MOV128_load(c, false);
    case 0x11:
        if (p == PFX_F3) return gen_MOVS_store(c, 4);
        if (p == PFX_F2) return gen_MOVS_store(c, 8);
        return gen_MOV128_store(c, false);
    case 0x12: return p <= PFX_66 ? gen_MOVLH_load(c, 0, dbl) : false;
    case 0x13: return p <= PFX_66 ? gen_MOVLH_store(c, 0) : false;
    case 0x16: return p <= PFX_66 ? gen_MOVLH_load(c, 1, dbl) : false;
    case 0x17: return p <= PFX_66 ? gen_MOVLH_store(c, 1) : false;
    case 0x14: return p <= PFX_66 ? gen_VBIN(c, IR_VUNPACKLO, dbl ? 64 : 32) : false;
    case 0x15: return p <= PFX_66 ? gen_VBIN(c, IR_VUNPACKHI, dbl ? 64 : 32) : false;
    case 0x28: return p <= PFX_66 ? gen_MOV128_load(c, true) : false;
    case 0x29: return p <= PFX_66 ? gen_MOV128_store(c, true) : false;
    case 0x2b: return p <= PFX_66 && !is_reg(c) ? gen_MOV128_store(c, true) : false;
    case 0x2a:
        if (p == PFX_F3) return gen_CVTSI2S(c, 4);
        if (p == PFX_F2) return gen_CVTSI2S(c, 8);
        return false;                               /* cvtpi2ps/pd: MMX */
    case 0x2c: case 0x2d:
        if (p == PFX_F3) return gen_CVTS2SI(c, 4, op == 0x2c);
        if (p == PFX_F2) return gen_CVTS2SI(c, 8, op == 0x2c);
        return false;                               /* cvt(t)ps2pi/pd2pi: MMX */
    case 0x2e: case 0x2f:
        return p <= PFX_66 ? gen_COMIS(c, dbl ? 8 : 4) : false;
    case 0x50: return p <= PFX_66 ? gen_MOVMSK(c, dbl ? 64 : 32) : false;
    case 0x51: return gen_FP_arith(c, p, IR_FSQRT);
    case 0x54: return p <= PFX_66 ? gen_VBIN(c, IR_VAND, 0) : false;
    case 0x55: return p <= PFX_66 ? gen_VBIN(c, IR_VANDN, 0) : false;
    case 0x56: return p <= PFX_66 ? gen_VBIN(c, IR_VOR, 0) : false;
    case 0x57: return p <= PFX_66 ? gen_VBIN(c, IR_VXOR, 0) : false;
    case 0x58: return gen_FP_arith(c, p, IR_FADD);
    case 0x59: return gen_FP_arith(c, p, IR_FMUL);
    case 0x5a:
        switch (p) {
        case PFX_NONE: return gen_CVT_widen(c, CVT_F2D);    /* cvtps2pd */
        case PFX_66:   return gen_CVT_narrow(c, CVT_D2F);   /* cvtpd2ps */
        case PFX_F3:   return gen_CVTS2S(c, 4);             /* cvtss2sd */
        case PFX_F2:   return gen_CVTS2S(c, 8);             /* cvtsd2ss */
        }
        return false;
    case 0x5b:
        switch (p) {
        case PFX_NONE: return gen_CVT_4(c, CVT_I2F);        /* cvtdq2ps */
        case PFX_66:   return gen_CVT_4(c, CVT_F2I);        /* cvtps2dq */
        case PFX_F3:   return gen_CVT_4(c, CVT_F2I_T);      /* cvttps2dq */
        case PFX_F2:   return false;
        }
        return false;
    case 0x5c: return gen_FP_arith(c, p, IR_FSUB);
    case 0x5d: return gen_FP_arith(c, p, IR_FMIN);
    case 0x5e: return gen_FP_arith(c, p, IR_FDIV);
    case 0x5f: return gen_FP_arith(c, p, IR_FMAX);
    case 0xc2: return gen_CMP(c, p);
    case 0xc6: return p <= PFX_66 ? gen_SHUFP(c, dbl) : false;
    case 0xe6:
        switch (p) {
        case PFX_F3:   return gen_CVT_widen(c, CVT_I2D);    /* cvtdq2pd */
        case PFX_66:   return gen_CVT_narrow(c, CVT_D2I_T); /* cvttpd2dq */
        case PFX_F2:   return gen_CVT_narrow(c, CVT_D2I);   /* cvtpd2dq */
        case PFX_NONE: return false;
        }
        return false;
    default:
        return false;
    }
}

bool fe_gen_sse(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map != X86_MAP_0F || !i->has_modrm || i->lock) return false;
    SsePfx p = sse_pfx(i);
    uint8_t op = i->opcode;

    switch (op) {
    case 0x18:          /* prefetchnta/t0/t1/t2 and the reserved hint NOPs: no effect */
        return true;
    case 0xae:
        return gen_GRP15(c, p);
    case 0xc3:
        return p == PFX_NONE ? gen_MOVNTI(c) : false;
    case 0x6f:
        if (p == PFX_F3) return gen_MOV128_load(c, false);     /* movdqu */
        break;
    case 0x7f:
        if (p == PFX_F3) return gen_MOV128_store(c, false);
        break;
    case 0x70:
        if (p == PFX_F3) return gen_PSHUF(c, IR_VSHUFHI16);
        if (p == PFX_F2) return gen_PSHUF(c, IR_VSHUFLO16);
        break;
    case 0x7e:
        if (p == PFX_F3) return gen_MOVQ_load(c);
        break;
    default:
        break;
    }
    if (gen_0f_fp(c, p, op)) return true;
    /* Everything else here is an SSE2 integer form, which needs 66 (without it: MMX). */
    return p == PFX_66 ? gen_66_int(c, op) : false;
}
