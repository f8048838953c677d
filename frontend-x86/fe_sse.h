/* fe_sse.h — the operand layer every SSE translator shares (gen_sse.c, gen_ssse3.c,
 * gen_sse41.c, gen_sse42.c): the mandatory prefix, XMM registers as whole V128 fields, the
 * ModRM memory operand with the legacy-SSE 16-byte alignment rule, and 64-bit lane access.
 *
 * Registers are always read and written as the whole V128 field at X86_OFF_XMM(reg, 0), never
 * as a part of it (gen_sse.c explains why: opt_put_forward then keeps a register in one SSA
 * value across a block, and the host store-forwards). */
#ifndef FERRY_FE_SSE_H
#define FERRY_FE_SSE_H

#include <signal.h>

#include "frontend-x86/fe_internal.h"

/* The mandatory prefix: the last F2/F3 if any, else 66 (F2/F3 win over 66, as on hardware). */
typedef enum SsePfx { PFX_NONE = 0, PFX_66, PFX_F3, PFX_F2 } SsePfx;

static inline SsePfx sse_pfx(const X86Insn *i)
{
    if (i->rep == 0xf3) return PFX_F3;
    if (i->rep == 0xf2) return PFX_F2;
    return i->opsize_prefix ? PFX_66 : PFX_NONE;
}

static inline bool is_reg(const FeCtx *c) { return c->insn->mod == 3; }
static inline unsigned imm8(const FeCtx *c) { return (unsigned)(c->insn->imm & 0xff); }
static inline IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }

static inline IrRef xmm_get(FeCtx *c, int reg)
{
    return ir_get(&c->b, IR_V128, X86_OFF_XMM(reg, 0));
}

static inline void xmm_put(FeCtx *c, int reg, IrRef v) { ir_put(&c->b, X86_OFF_XMM(reg, 0), v); }

/* Effective address of the memory operand. For the 16-byte aligned forms, leave the block
 * with SIGSEGV/SI_KERNEL (Linux's report of #GP) first when it is misaligned: an EXIT_IF
 * before the access and before any state of the instruction changes. */
static inline IrRef sse_ea(FeCtx *c, bool aligned)
{
    IrRef addr = fe_ea(c);
    if (aligned) {
        IrRef low = ir_op2(&c->b, IR_AND, IR_I64, addr, k64(c, 15));
        IrRef bad = ir_cmp(&c->b, IR_NE, low, k64(c, 0));
        fe_flush_flags(c);
        ir_exit_if(&c->b, bad, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
    }
    return addr;
}

/* The r/m operand as a whole 128-bit value (xmm register or m128). */
static inline IrRef src_v128(FeCtx *c, bool aligned)
{
    if (is_reg(c)) return xmm_get(c, c->insn->rm);
    return fe_load(c, IR_V128, sse_ea(c, aligned));
}

/* 64-bit lanes. */
static inline IrRef v_ext64(FeCtx *c, IrRef v, unsigned half)
{
    return ir_emit(&c->b, IR_VEXTRACT64, IR_I64, v, IR_NONE, IR_NONE, half, 0);
}

static inline IrRef v_ins64(FeCtx *c, IrRef v, unsigned half, IrRef x)
{
    return ir_emit(&c->b, IR_VINSERT64, IR_V128, v, x, IR_NONE, half, 0);
}

static inline IrRef v_from64(FeCtx *c, IrRef lo) { return ir_op1(&c->b, IR_VFROM64, IR_V128, lo); }

static inline IrRef v_make64(FeCtx *c, IrRef lo, IrRef hi)
{
    return v_ins64(c, v_from64(c, lo), 1, hi);
}

/* Lane-wise V128 op with the lane width in imm0. */
static inline IrRef v_lanes(FeCtx *c, IrOp op, unsigned bits, IrRef a, IrRef b)
{
    return ir_emit(&c->b, op, IR_V128, a, b, IR_NONE, bits, 0);
}

/* gen_pcmpistri.c: pcmpistri as inline IR for the modes it handles; false (nothing emitted)
 * for the others, which go to the helper. */
bool fe_pcmpistri_inline(FeCtx *c);

#endif
