/* gen_mmx.c — translation of the MMX instructions (map 0F without a mandatory prefix, mm
 * registers in ModRM) and of the SSE/SSE2 instructions that move data between mm and xmm
 * registers (cvtpi2ps, cvt(t)ps2pi, cvtpi2pd, cvt(t)pd2pi, movq2dq, movdq2q).
 *
 * Contract: fe_gen_mmx(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own. gen_sse.c runs first and
 * takes every 66/F2/F3 form it knows; this file takes the prefix-less forms it declines plus
 * 66 0F 2A/2C/2D and F3/F2 0F D6. LOCK makes every one of them #UD (false: SIGILL).
 *
 * Opcodes (0F xx, no prefix unless noted):
 *   6E/7E movd/movq mm <-> r/m32/64 (REX.W: 64)   6F/7F movq mm <-> mm/m64   E7 movntq m64
 *   FC FD FE D4 padd b/w/d/q    F8 F9 FA FB psub b/w/d/q    EC ED padds b/w    DC DD paddus
 *   E8 E9 psubs b/w    D8 D9 psubus b/w    D5 pmullw E5 pmulhw E4 pmulhuw F4 pmuludq F5 pmaddwd
 *   74 75 76 pcmpeq b/w/d   64 65 66 pcmpgt b/w/d   DB pand DF pandn EB por EF pxor
 *   D1 D2 D3 psrl w/d/q  E1 E2 psra w/d  F1 F2 F3 psll w/d/q (count in mm/m64)
 *   71/72/73 groups by imm8: /2 psrl, /4 psra (not 73), /6 psll
 *   63 packsswb 6B packssdw 67 packuswb   60 61 62 punpckl bw/wd/dq   68 69 6A punpckh bw/wd/dq
 *   E0 E3 pavg b/w   DA pminub DE pmaxub EA pminsw EE pmaxsw   F6 psadbw   70 pshufw
 *   C4 pinsrw   C5 pextrw   D7 pmovmskb   F7 maskmovq   77 emms
 *   2A cvtpi2ps (66: cvtpi2pd)   2D/2C cvt(t)ps2pi (66: cvt(t)pd2pi)   F3 D6 movq2dq  F2 D6 movdq2q
 *
 * x87 aliasing (Intel SDM Vol. 1, 9.5): mm register i is the significand (low 64 bits) of the
 * physical x87 register Ri, X86State.fpr[i].sig. Every instruction here except emms sets
 * TOP = 0 and marks every register valid (abridged tag 0xFF); writing an mm register also
 * sets that register's sign/exponent field to all ones (so as an x87 value it is a NaN);
 * emms marks every register empty and also sets TOP = 0 (SDM Vol. 1 Table 9-2, and what
 * the hardware does). The transition is emitted after the
 * instruction's memory loads (a faulting operand leaves the x87 state as it was), as PUTs of
 * the state fields, which the x87 helpers read after they are flushed (CALL orders them).
 * The conversions that read their MMX operand from memory (cvtpi2ps/cvtpi2pd m64) and the
 * ones whose mm register is only a source do the transition too when an mm register is named;
 * the memory-source forms of cvtpi2ps/cvtpi2pd touch no mm register and no x87 state.
 *
 * Lane arithmetic reuses the V128 IR ops on a vector whose low half is the 64-bit mm value
 * (VFROM64, op, VEXTRACT64 lane 0); the ops the IR lacks (saturating add/sub, multiplies,
 * packs, averages, psadbw) go through x86_mmx_int_op, the 64-bit entry of the SSE integer
 * helper (x86_sse_helpers.c). MMX memory operands have no alignment rule (the 16-byte rule of
 * legacy SSE applies only to cvt(t)pd2pi's m128). MMX sets no flags.
 *
 * maskmovq is a load, merge and store of the 8 bytes at [rdi]: the bytes whose mask bit is
 * clear are written back unchanged (single-threaded user mode cannot tell, except that a
 * mask of all zeros still touches memory, which the SDM allows: "may or may not" fault).
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"

/* Defined in x86_sse_helpers.c (registered there). */
uint64_t x86_mmx_int_op(void *state, uint64_t op, uint64_t a, uint64_t b);

#define MM_OFF_SIG(r) ((uint32_t)(offsetof(X86State, fpr) + sizeof(X86Fpr) * (r)))
#define MM_OFF_SE(r)  ((uint32_t)(offsetof(X86State, fpr) + sizeof(X86Fpr) * (r) + 8))
/* fpu_top and fpu_tag are adjacent bytes: one I16 store sets TOP = 0 and tag = 0xFF. */
#define MM_OFF_TOPTAG ((uint32_t)offsetof(X86State, fpu_top))
_Static_assert(offsetof(X86State, fpu_tag) == offsetof(X86State, fpu_top) + 1,
               "the MMX transition writes TOP and the tag word as one I16");
_Static_assert(offsetof(X86Fpr, se) == 8, "mm registers alias the significand");

/* ================================================================ operands */

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }
static inline bool is_reg(const FeCtx *c) { return c->insn->mod == 3; }
static inline unsigned imm8(const FeCtx *c) { return (unsigned)(c->insn->imm & 0xff); }
/* mm registers are ModRM.reg / ModRM.rm & 7: REX.R and REX.B do not extend them. */
static inline int mreg(const FeCtx *c) { return c->insn->reg & 7; }
static inline int mrm(const FeCtx *c) { return c->insn->rm & 7; }

static IrRef mm_get(FeCtx *c, int r) { return ir_get(&c->b, IR_I64, MM_OFF_SIG(r)); }

/* The x87 -> MMX transition: TOP = 0, every register valid. */
static void mmx_enter(FeCtx *c)
{
    ir_put(&c->b, MM_OFF_TOPTAG, ir_const(&c->b, IR_I16, 0xff00));
}

/* Write mm register r (after the transition): the significand and an exponent of all ones. */
static void mm_put(FeCtx *c, int r, IrRef v)
{
    mmx_enter(c);
    ir_put(&c->b, MM_OFF_SIG(r), v);
    ir_put(&c->b, MM_OFF_SE(r), ir_const(&c->b, IR_I16, 0xffff));
}

/* The mm/m64 source operand. */
static IrRef src_mm(FeCtx *c)
{
    if (is_reg(c)) return mm_get(c, mrm(c));
    return fe_load(c, IR_I64, fe_ea(c));
}

/* A GPR or memory r/m operand of `size` bytes. */
static IrRef src_gpr_or_mem(FeCtx *c, unsigned size)
{
    if (is_reg(c)) return fe_get_gpr(c, c->insn->rm, size);
    return fe_load(c, fe_type(size), fe_ea(c));
}

static IrRef xmm_get(FeCtx *c, int reg) { return ir_get(&c->b, IR_V128, X86_OFF_XMM(reg, 0)); }
static void xmm_put(FeCtx *c, int reg, IrRef v) { ir_put(&c->b, X86_OFF_XMM(reg, 0), v); }

/* ================================================================ 64-bit lanes on V128 ops */

static IrRef vec(FeCtx *c, IrRef q) { return ir_op1(&c->b, IR_VFROM64, IR_V128, q); }
static IrRef lane(FeCtx *c, IrRef v, unsigned half)
{
    return ir_emit(&c->b, IR_VEXTRACT64, IR_I64, v, IR_NONE, IR_NONE, half, 0);
}

/* op on the 64-bit values a and b (lanes of `bits`), low half. */
static IrRef mm_lanes(FeCtx *c, IrOp op, unsigned bits, IrRef a, IrRef b)
{
    IrRef r = ir_emit(&c->b, op, IR_V128, vec(c, a), vec(c, b), IR_NONE, bits, 0);
    return lane(c, r, 0);
}

/* Lane shift (VSHLI/VSHRI/VSARI) of the 64-bit value a by the I64 count n, low half. */
static IrRef mm_shift(FeCtx *c, IrOp op, unsigned bits, IrRef a, IrRef n)
{
    IrRef r = ir_emit(&c->b, op, IR_V128, vec(c, a), n, IR_NONE, bits, 0);
    return lane(c, r, 0);
}

/* ================================================================ moves */

/* 0F 6E: movd/movq mm, r/m32/64 (zero-extended). */
static bool gen_MOVD_to_mm(FeCtx *c)
{
    unsigned size = (c->insn->rex & 8) ? 8 : 4;
    IrRef v = src_gpr_or_mem(c, size);
    if (size == 4) v = ir_op1(&c->b, IR_ZEXT, IR_I64, v);
    mm_put(c, mreg(c), v);
    return true;
}

/* 0F 7E: movd/movq r/m32/64, mm. The store comes before the transition (a fault leaves the
 * x87 state alone). */
static bool gen_MOVD_from_mm(FeCtx *c)
{
    unsigned size = (c->insn->rex & 8) ? 8 : 4;
    IrRef v = mm_get(c, mreg(c));
    if (size == 4) v = ir_op1(&c->b, IR_TRUNC, IR_I32, v);
    if (is_reg(c)) fe_put_gpr(c, c->insn->rm, size, v);
    else fe_store(c, fe_ea(c), v);
    mmx_enter(c);
    return true;
}

/* 0F 6F: movq mm, mm/m64. */
static bool gen_MOVQ_load(FeCtx *c)
{
    mm_put(c, mreg(c), src_mm(c));
    return true;
}

/* 0F 7F: movq mm/m64, mm; 0F E7: movntq m64, mm (an ordinary store). */
static bool gen_MOVQ_store(FeCtx *c)
{
    IrRef v = mm_get(c, mreg(c));
    if (is_reg(c)) {
        mm_put(c, mrm(c), v);
    } else {
        fe_store(c, fe_ea(c), v);
        mmx_enter(c);
    }
    return true;
}

/* 0F 77: emms — every x87 register empty, and TOP = 0 as well (SDM Vol. 1 Table 9-2; the
 * differential fuzzer confirms it on hardware). */
static bool gen_EMMS(FeCtx *c)
{
    ir_put(&c->b, MM_OFF_TOPTAG, ir_const(&c->b, IR_I16, 0));
    return true;
}

/* ================================================================ arithmetic and logic */

/* mm = op(mm, mm/m64) on lanes of `bits` (a V128 op). */
static bool gen_BIN(FeCtx *c, IrOp op, unsigned bits)
{
    IrRef b = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    mm_put(c, mreg(c), mm_lanes(c, op, bits, a, b));
    return true;
}

/* pand, por, pxor: plain I64 logic (op is AND, OR or XOR). */
static bool gen_LOGIC(FeCtx *c, IrOp op)
{
    IrRef b = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    mm_put(c, mreg(c), ir_op2(&c->b, op, IR_I64, a, b));
    return true;
}

/* pandn: ~dst & src. */
static bool gen_PANDN(FeCtx *c)
{
    IrRef b = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    mm_put(c, mreg(c), ir_op2(&c->b, IR_AND, IR_I64, ir_op1(&c->b, IR_NOT, IR_I64, a), b));
    return true;
}

/* pxor mm, mm of a register with itself: zero, without depending on its value. */
static bool gen_PXOR(FeCtx *c)
{
    if (is_reg(c) && mrm(c) == mreg(c)) {
        mm_put(c, mreg(c), k64(c, 0));
        return true;
    }
    return gen_LOGIC(c, IR_XOR);
}

/* pminsw/pmaxsw: signed compare and a bit select. */
static bool gen_PMINMAXSW(FeCtx *c, bool max)
{
    IrRef b = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    IrRef gt = mm_lanes(c, IR_VCMPGTS, 16, a, b);           /* a > b */
    IrRef from_gt = ir_op2(&c->b, IR_AND, IR_I64, gt, max ? a : b);
    IrRef from_le = ir_op2(&c->b, IR_AND, IR_I64, ir_op1(&c->b, IR_NOT, IR_I64, gt), max ? b : a);
    mm_put(c, mreg(c), ir_op2(&c->b, IR_OR, IR_I64, from_gt, from_le));
    return true;
}

/* punpckh bw/wd/dq: interleaving the two 64-bit values as V128s gives the low interleave in
 * the low half and the high interleave in the high half. */
static bool gen_PUNPCKH(FeCtx *c, unsigned bits)
{
    IrRef b = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    IrRef r = ir_emit(&c->b, IR_VUNPACKLO, IR_V128, vec(c, a), vec(c, b), IR_NONE, bits, 0);
    mm_put(c, mreg(c), lane(c, r, 1));
    return true;
}

/* The ops without an IR op: the helper computes the 64-bit result from both values. */
static bool gen_INT_HELPER(FeCtx *c)
{
    IrRef b = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    IrRef r = fe_call(c, x86_mmx_int_op, k64(c, c->insn->opcode), a, b);
    mm_put(c, mreg(c), r);
    return true;
}

/* psrl/psra/psll by mm/m64: the whole 64-bit count (>= lane width: zeros or sign fill). */
static bool gen_SHIFT_mm(FeCtx *c, IrOp op, unsigned bits)
{
    IrRef n = src_mm(c);
    IrRef a = mm_get(c, mreg(c));
    mm_put(c, mreg(c), mm_shift(c, op, bits, a, n));
    return true;
}

/* 0F 71/72/73 by imm8: the mm register is ModRM.rm; /2 srl, /4 sra (not 73), /6 sll. */
static bool gen_SHIFT_imm(FeCtx *c, unsigned bits)
{
    if (!is_reg(c)) return false;
    unsigned ext = c->insn->reg & 7;
    IrOp op;
    switch (ext) {
    case 2: op = IR_VSHRI; break;
    case 4: if (bits == 64) return false; op = IR_VSARI; break;
    case 6: op = IR_VSHLI; break;
    default: return false;
    }
    IrRef a = mm_get(c, mrm(c));
    mm_put(c, mrm(c), mm_shift(c, op, bits, a, k64(c, imm8(c))));
    return true;
}

/* 0F 70: pshufw mm, mm/m64, imm8. */
static bool gen_PSHUFW(FeCtx *c)
{
    IrRef v = vec(c, src_mm(c));
    IrRef r = ir_emit(&c->b, IR_VSHUFLO16, IR_V128, v, IR_NONE, IR_NONE, imm8(c), 0);
    mm_put(c, mreg(c), lane(c, r, 0));
    return true;
}

/* 0F C4: pinsrw mm, r32/m16, imm8 (word imm8 & 3). */
static bool gen_PINSRW(FeCtx *c)
{
    unsigned shift = 16 * (imm8(c) & 3);
    IrRef v = ir_op1(&c->b, IR_ZEXT, IR_I64, src_gpr_or_mem(c, 2));
    IrRef q = ir_op2(&c->b, IR_AND, IR_I64, mm_get(c, mreg(c)), k64(c, ~(0xffffull << shift)));
    q = ir_op2(&c->b, IR_OR, IR_I64, q, ir_op2(&c->b, IR_SHL, IR_I64, v, k64(c, shift)));
    mm_put(c, mreg(c), q);
    return true;
}

/* 0F C5: pextrw r32, mm, imm8 (register form only; the GPR is ModRM.reg). */
static bool gen_PEXTRW(FeCtx *c)
{
    if (!is_reg(c)) return false;
    IrRef q = ir_op2(&c->b, IR_SHR, IR_I64, mm_get(c, mrm(c)), k64(c, 16 * (imm8(c) & 3)));
    q = ir_op2(&c->b, IR_AND, IR_I64, q, k64(c, 0xffff));
    fe_put_gpr(c, c->insn->reg, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, q));
    mmx_enter(c);
    return true;
}

/* 0F D7: pmovmskb r32, mm — the eight byte sign bits, zero-extended. */
static bool gen_PMOVMSKB(FeCtx *c)
{
    if (!is_reg(c)) return false;
    IrRef m = ir_emit(&c->b, IR_VMOVMSK, IR_I32, vec(c, mm_get(c, mrm(c))), IR_NONE, IR_NONE,
                      8, 0);
    fe_put_gpr(c, c->insn->reg, 4, m);
    mmx_enter(c);
    return true;
}

/* 0F F7: maskmovq mm1, mm2 — the bytes of mm1 whose mask byte in mm2 has its top bit set are
 * stored at [rdi] (address size and segment override apply). See the header for why a load,
 * merge and store is fine. */
static bool gen_MASKMOVQ(FeCtx *c)
{
    if (!is_reg(c)) return false;
    IrRef data = mm_get(c, mreg(c)), mask = mm_get(c, mrm(c));
    /* byte mask: each byte all ones where its sign bit is set (arithmetic shift per byte) */
    IrRef sel = mm_shift(c, IR_VSARI, 8, mask, k64(c, 7));
    IrRef addr = fe_seg_linear(c, fe_addr_size(c, fe_get_gpr(c, X86_RDI, 8)));
    IrRef old = fe_load(c, IR_I64, addr);
    IrRef keep = ir_op2(&c->b, IR_AND, IR_I64, old, ir_op1(&c->b, IR_NOT, IR_I64, sel));
    IrRef put = ir_op2(&c->b, IR_AND, IR_I64, data, sel);
    fe_store(c, addr, ir_op2(&c->b, IR_OR, IR_I64, keep, put));
    mmx_enter(c);
    return true;
}

/* ================================================================ conversions and xmm moves */

/* Float bits (I32 for F32, I64 for F64) to an I32 (truncating or to nearest). */
static IrRef cvt_to_i32(FeCtx *c, IrType ft, IrRef bits, bool trunc)
{
    IrRef f = ir_op1(&c->b, IR_BITCAST, ft, bits);
    return ir_op1(&c->b, trunc ? IR_F2I : IR_F2I_RN, IR_I32, f);
}

static IrRef pair32(FeCtx *c, IrRef lo, IrRef hi)
{
    IrRef l = ir_op1(&c->b, IR_ZEXT, IR_I64, lo);
    IrRef h = ir_op1(&c->b, IR_ZEXT, IR_I64, hi);
    return ir_op2(&c->b, IR_OR, IR_I64, l, ir_op2(&c->b, IR_SHL, IR_I64, h, k64(c, 32)));
}

static IrRef lo32(FeCtx *c, IrRef q) { return ir_op1(&c->b, IR_TRUNC, IR_I32, q); }
static IrRef hi32(FeCtx *c, IrRef q)
{
    return ir_op1(&c->b, IR_TRUNC, IR_I32, ir_op2(&c->b, IR_SHR, IR_I64, q, k64(c, 32)));
}

/* 0F 2A cvtpi2ps xmm, mm/m64: two I32 -> F32 in the low half of xmm, the high half kept.
 * 66 0F 2A cvtpi2pd xmm, mm/m64: two I32 -> F64, the whole register. */
static bool gen_CVTPI2P(FeCtx *c, bool dbl)
{
    const X86Insn *i = c->insn;
    IrRef s = src_mm(c);
    IrRef l = ir_op1(&c->b, IR_I2F, dbl ? IR_F64 : IR_F32, lo32(c, s));
    IrRef h = ir_op1(&c->b, IR_I2F, dbl ? IR_F64 : IR_F32, hi32(c, s));
    IrRef r;
    if (dbl) {
        IrRef v = vec(c, ir_op1(&c->b, IR_BITCAST, IR_I64, l));
        r = ir_emit(&c->b, IR_VINSERT64, IR_V128, v, ir_op1(&c->b, IR_BITCAST, IR_I64, h),
                    IR_NONE, 1, 0);
    } else {
        IrRef q = pair32(c, ir_op1(&c->b, IR_BITCAST, IR_I32, l),
                         ir_op1(&c->b, IR_BITCAST, IR_I32, h));
        r = ir_emit(&c->b, IR_VINSERT64, IR_V128, xmm_get(c, i->reg), q, IR_NONE, 0, 0);
    }
    xmm_put(c, i->reg, r);
    if (is_reg(c)) mmx_enter(c);
    return true;
}

/* 0F 2D/2C cvt(t)ps2pi mm, xmm/m64: the two low F32 lanes -> I32. */
static bool gen_CVTPS2PI(FeCtx *c, bool trunc)
{
    IrRef s = is_reg(c) ? lane(c, xmm_get(c, c->insn->rm), 0) : fe_load(c, IR_I64, fe_ea(c));
    IrRef r = pair32(c, cvt_to_i32(c, IR_F32, lo32(c, s), trunc),
                     cvt_to_i32(c, IR_F32, hi32(c, s), trunc));
    mm_put(c, mreg(c), r);
    return true;
}

/* 66 0F 2D/2C cvt(t)pd2pi mm, xmm/m128: two F64 lanes -> I32; m128 must be 16-byte aligned
 * (legacy SSE: #GP, SIGSEGV/SI_KERNEL, before anything changes). */
static bool gen_CVTPD2PI(FeCtx *c, bool trunc)
{
    IrRef v;
    if (is_reg(c)) {
        v = xmm_get(c, c->insn->rm);
    } else {
        IrRef addr = fe_ea(c);
        IrRef low = ir_op2(&c->b, IR_AND, IR_I64, addr, k64(c, 15));
        IrRef bad = ir_cmp(&c->b, IR_NE, low, k64(c, 0));
        fe_flush_flags(c);
        ir_exit_if(&c->b, bad, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
        v = fe_load(c, IR_V128, addr);
    }
    IrRef r = pair32(c, cvt_to_i32(c, IR_F64, lane(c, v, 0), trunc),
                     cvt_to_i32(c, IR_F64, lane(c, v, 1), trunc));
    mm_put(c, mreg(c), r);
    return true;
}

/* F3 0F D6 movq2dq xmm, mm (upper half zeroed); F2 0F D6 movdq2q mm, xmm (low half). */
static bool gen_MOVQ2DQ(FeCtx *c)
{
    if (!is_reg(c)) return false;
    xmm_put(c, c->insn->reg, vec(c, mm_get(c, mrm(c))));
    mmx_enter(c);
    return true;
}

static bool gen_MOVDQ2Q(FeCtx *c)
{
    if (!is_reg(c)) return false;
    mm_put(c, mreg(c), lane(c, xmm_get(c, c->insn->rm), 0));
    return true;
}

/* ================================================================ dispatch */

static bool gen_np(FeCtx *c, uint8_t op)
{
    switch (op) {
    case 0x6e: return gen_MOVD_to_mm(c);
    case 0x7e: return gen_MOVD_from_mm(c);
    case 0x6f: return gen_MOVQ_load(c);
    case 0x7f: return gen_MOVQ_store(c);
    case 0xe7: return is_reg(c) ? false : gen_MOVQ_store(c);   /* movntq */
    case 0xfc: return gen_BIN(c, IR_VADD, 8);
    case 0xfd: return gen_BIN(c, IR_VADD, 16);
    case 0xfe: return gen_BIN(c, IR_VADD, 32);
    case 0xd4: return gen_BIN(c, IR_VADD, 64);
    case 0xf8: return gen_BIN(c, IR_VSUB, 8);
    case 0xf9: return gen_BIN(c, IR_VSUB, 16);
    case 0xfa: return gen_BIN(c, IR_VSUB, 32);
    case 0xfb: return gen_BIN(c, IR_VSUB, 64);
    case 0xd8: return gen_BIN(c, IR_VSUBUSAT, 8);
    case 0xd9: return gen_BIN(c, IR_VSUBUSAT, 16);
    case 0xda: return gen_BIN(c, IR_VMINU, 8);
    case 0xde: return gen_BIN(c, IR_VMAXU, 8);
    case 0xea: return gen_PMINMAXSW(c, false);
    case 0xee: return gen_PMINMAXSW(c, true);
    case 0x74: return gen_BIN(c, IR_VCMPEQ, 8);
    case 0x75: return gen_BIN(c, IR_VCMPEQ, 16);
    case 0x76: return gen_BIN(c, IR_VCMPEQ, 32);
    case 0x64: return gen_BIN(c, IR_VCMPGTS, 8);
    case 0x65: return gen_BIN(c, IR_VCMPGTS, 16);
    case 0x66: return gen_BIN(c, IR_VCMPGTS, 32);
    case 0xdb: return gen_LOGIC(c, IR_AND);
    case 0xeb: return gen_LOGIC(c, IR_OR);
    case 0xef: return gen_PXOR(c);
    case 0xdf: return gen_PANDN(c);
    case 0x60: return gen_BIN(c, IR_VUNPACKLO, 8);
    case 0x61: return gen_BIN(c, IR_VUNPACKLO, 16);
    case 0x62: return gen_BIN(c, IR_VUNPACKLO, 32);
    case 0x68: return gen_PUNPCKH(c, 8);
    case 0x69: return gen_PUNPCKH(c, 16);
    case 0x6a: return gen_PUNPCKH(c, 32);
    case 0xd1: return gen_SHIFT_mm(c, IR_VSHRI, 16);
    case 0xd2: return gen_SHIFT_mm(c, IR_VSHRI, 32);
    case 0xd3: return gen_SHIFT_mm(c, IR_VSHRI, 64);
    case 0xe1: return gen_SHIFT_mm(c, IR_VSARI, 16);
    case 0xe2: return gen_SHIFT_mm(c, IR_VSARI, 32);
    case 0xf1: return gen_SHIFT_mm(c, IR_VSHLI, 16);
    case 0xf2: return gen_SHIFT_mm(c, IR_VSHLI, 32);
    case 0xf3: return gen_SHIFT_mm(c, IR_VSHLI, 64);
    case 0x71: return gen_SHIFT_imm(c, 16);
    case 0x72: return gen_SHIFT_imm(c, 32);
    case 0x73: return gen_SHIFT_imm(c, 64);
    case 0x70: return gen_PSHUFW(c);
    case 0xc4: return gen_PINSRW(c);
    case 0xc5: return gen_PEXTRW(c);
    case 0xd7: return gen_PMOVMSKB(c);
    case 0xf7: return gen_MASKMOVQ(c);
    case 0x2a: return gen_CVTPI2P(c, false);
    case 0x2c: return gen_CVTPS2PI(c, true);
    case 0x2d: return gen_CVTPS2PI(c, false);
    case 0x63: case 0x67: case 0x6b:            /* packsswb, packuswb, packssdw */
    case 0xd5: case 0xe5: case 0xe4:            /* pmullw, pmulhw, pmulhuw */
    case 0xf4: case 0xf5: case 0xf6:            /* pmuludq, pmaddwd, psadbw */
    case 0xe0: case 0xe3:                       /* pavgb, pavgw */
    case 0xdc: case 0xdd: case 0xec: case 0xed: /* paddusb/w, paddsb/w */
    case 0xe8: case 0xe9:                       /* psubsb/w */
        return gen_INT_HELPER(c);
    default:
        return false;
    }
}

bool fe_gen_mmx(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map != X86_MAP_0F || i->vex || i->lock) return false;
    uint8_t op = i->opcode;
    /* the mandatory prefix as gen_sse.c reads it: the last F2/F3, else 66 */
    bool f3 = i->rep == 0xf3, f2 = i->rep == 0xf2, p66 = !i->rep && i->opsize_prefix;
    if (op == 0x77) return !i->rep && !i->opsize_prefix ? gen_EMMS(c) : false;
    if (!i->has_modrm) return false;
    if (p66) {
        switch (op) {
        case 0x2a: return gen_CVTPI2P(c, true);
        case 0x2c: return gen_CVTPD2PI(c, true);
        case 0x2d: return gen_CVTPD2PI(c, false);
        default: return false;
        }
    }
    if (op == 0xd6) return f3 ? gen_MOVQ2DQ(c) : f2 ? gen_MOVDQ2Q(c) : false;
    if (f2 || f3) return false;
    return gen_np(c, op);
}
