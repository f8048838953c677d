/* gen_sse_approx.c — translation of the SSE approximations rcpps (0F 53), rcpss (F3 0F 53),
 * rsqrtps (0F 52) and rsqrtss (F3 0F 52).
 *
 * Contract: fe_gen_sse_approx(c) translates c->insn and returns true, or returns false without
 * emitting anything when it is not one of these four (another opcode, the 66 or F2 forms,
 * which are #UD, LOCK, VEX), so the caller can ask another family or deliver SIGILL.
 *
 * The results are the modelled CPU's own (the SDM bounds only their error), so they come from
 * the measured tables through one C helper, x86_sse_approx (x86_approx_helpers.c, which says
 * what is modelled and how it was checked). The source operand is loaded in IR first and passed
 * as two 64-bit halves, so a fault is precise and leaves the register unchanged; the helper
 * writes the destination register. No MXCSR bit is read or raised.
 *
 * Guest-visible rules kept here:
 *  - the packed forms take xmm2/m128, 16-byte aligned (legacy SSE: #GP, which Linux reports as
 *    SIGSEGV/SI_KERNEL, before anything changes); the scalar forms take xmm2/m32, unaligned;
 *  - the scalar forms write lane 0 only, lanes 1-3 of the destination are kept (also from
 *    memory: unlike movss, nothing is zeroed);
 *  - the mandatory prefix is the last F2/F3, else 66 (fe_sse.h): F3 selects the scalar form,
 *    none the packed one; 66 and F2 are #UD, as is LOCK.
 */
#include "frontend-x86/fe_internal.h"
#include "frontend-x86/fe_sse.h"
#include "frontend-x86/x86_approx.h"

/* rcp* (rsqrt false) or rsqrt* (true) into xmm1 from xmm2/m128 (packed) or xmm2/m32. */
static bool gen_APPROX(FeCtx *c, bool rsqrt, bool packed)
{
    const X86Insn *i = c->insn;
    uint64_t sel = (uint64_t)i->reg | (rsqrt ? APPROX_RSQRT : 0) | (packed ? APPROX_PACKED : 0);
    IrRef lo, hi = IR_NONE;
    if (packed) {
        IrRef v = src_v128(c, true);
        lo = v_ext64(c, v, 0);
        hi = v_ext64(c, v, 1);
    } else if (is_reg(c)) {
        lo = v_ext64(c, xmm_get(c, i->rm), 0);      /* the helper reads its low 32 bits */
    } else {
        lo = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_load(c, IR_I32, sse_ea(c, false)));
    }
    fe_call(c, x86_sse_approx, k64(c, sel), lo, hi);
    return true;
}

bool fe_gen_sse_approx(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map != X86_MAP_0F || (i->opcode != 0x52 && i->opcode != 0x53)) return false;
    if (i->vex || i->lock || !i->has_modrm) return false;
    SsePfx p = sse_pfx(i);
    if (p != PFX_NONE && p != PFX_F3) return false;
    return gen_APPROX(c, i->opcode == 0x52, p == PFX_NONE);
}
