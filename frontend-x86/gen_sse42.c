/* gen_sse42.c — translation of SSE4.2 (pcmpestri, pcmpestrm, pcmpistri, pcmpistrm, pcmpgtq,
 * crc32), PCLMULQDQ and AES-NI (aesenc, aesenclast, aesdec, aesdeclast, aesimc,
 * aeskeygenassist): the legacy (non-VEX) encodings of maps 0F 38 and 0F 3A.
 *
 * Contract: fe_gen_sse42(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own (another opcode, VEX, a
 * missing mandatory prefix, LOCK), so the caller can ask another family or deliver SIGILL.
 *
 * How each is done:
 *  - pcmpgtq is one IR op (VCMPGTS on 64-bit lanes);
 *  - pcmpistri in the modes C libraries use is inline IR (gen_pcmpistri.c);
 *  - the other string compares, crc32, AES and pclmulqdq go through C helpers
 *    (x86_sse42_helpers.c, x86_aes_helpers.c). The source operand is loaded in IR first and
 *    passed as two 64-bit halves, so a fault is precise and leaves every register unchanged.
 *    pcmpXstri's helper only reads the state; its result (flags and index) comes back as the
 *    call's value, so ECX and the flags are written here, by IR. pcmpXstrm's helper writes
 *    XMM0 itself and returns the flags; AES and pclmul helpers write their destination.
 *
 * Guest-visible rules kept here:
 *  - 66 is mandatory for everything but crc32, which needs F2 (66 F2 selects the 16-bit
 *    source of 0F 38 F1; REX.W the 64-bit destination, and the 64-bit source of F1);
 *  - legacy-SSE 128-bit memory operands must be 16-byte aligned (#GP, which Linux reports as
 *    SIGSEGV/SI_KERNEL, before anything changes) for pcmpgtq, pclmulqdq and AES; the string
 *    compares take unaligned memory (SDM: no #GP for a misaligned m128);
 *  - pcmpXstri writes the index to ECX, zero-extending into RCX (with REX.W to RCX: the same
 *    value); all of them set CF ZF SF OF as the SDM says and clear AF and PF; crc32, AES and
 *    pclmulqdq change no flags.
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/fe_sse.h"
#include "frontend-x86/x86_sse42_helpers.h"

/* ================================================================ operands */

/* Call helper fn(sel, source halves) on the xmm2/m128 operand. */
static IrRef call_on_src(FeCtx *c, IrHelperFn fn, uint64_t sel, bool aligned)
{
    IrRef v = src_v128(c, aligned);
    return fe_call(c, fn, k64(c, sel), v_ext64(c, v, 0), v_ext64(c, v, 1));
}

/* ================================================================ SSE4.2 */

/* 66 0F 38 37: pcmpgtq xmm1, xmm2/m128 — signed 64-bit greater-than, lanes of all ones. */
static bool gen_PCMPGTQ(FeCtx *c)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    xmm_put(c, c->insn->reg, ir_emit(&c->b, IR_VCMPGTS, IR_V128, a, b, IR_NONE, 64, 0));
    return true;
}

/* 66 0F 3A 60-63: pcmpestrm, pcmpestri, pcmpistrm, pcmpistri xmm1, xmm2/m128, imm8. */
static bool gen_PCMPSTR(FeCtx *c)
{
    const X86Insn *i = c->insn;
    bool explicit_len = i->opcode <= 0x61, index = i->opcode & 1;
    if (i->opcode == 0x63 && fe_pcmpistri_inline(c))
        return true;
    uint64_t sel = imm8(c) | (uint64_t)i->reg << 8 | (explicit_len ? PCMP_EXPLICIT : 0) |
                   ((i->rex & 8) ? PCMP_REXW : 0);
    IrRef r = call_on_src(c, index ? x86_pcmpstri : x86_pcmpstrm, sel, false);
    if (index) {
        IrRef ecx = ir_op2(&c->b, IR_SHR, IR_I64, r, k64(c, 16));
        fe_put_gpr(c, X86_RCX, 8, ecx);
        r = ir_op2(&c->b, IR_AND, IR_I64, r, k64(c, 0xffff));
    }
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, r);
    return true;
}

/* F2 0F 38 F0 / F1: crc32 r32/r64, r/m8 (F0) or r/m16/32/64 (F1: 66, none, REX.W). */
static bool gen_CRC32(FeCtx *c)
{
    const X86Insn *i = c->insn;
    bool w = i->rex & 8;
    unsigned size = i->opcode == 0xf0 ? 1 : w ? 8 : i->opsize_prefix ? 2 : 4;
    IrRef data = fe_load_rm(c, size);
    if (size < 8) data = ir_op1(&c->b, IR_ZEXT, IR_I64, data);
    IrRef crc = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_get_gpr(c, i->reg, 4));
    IrRef r = fe_call(c, x86_crc32, crc, data, k64(c, size));
    fe_put_gpr(c, i->reg, 8, r);        /* 32 bits, zero-extended for r32 and r64 alike */
    return true;
}

/* ================================================================ AES-NI and PCLMULQDQ */

/* xmm1 = op(xmm1, xmm2/m128) through x86_aes_op; the memory operand is aligned. */
static bool gen_AES(FeCtx *c, unsigned op)
{
    uint64_t sel = (uint64_t)op << 8 | (uint64_t)imm8(c) << 16 | c->insn->reg;
    call_on_src(c, x86_aes_op, sel, true);
    return true;
}

/* ================================================================ dispatch */

bool fe_gen_sse42(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->vex || i->lock || !i->has_modrm) return false;
    /* The mandatory prefix: F2/F3 win over 66 (the decoder's tables admit only the forms
     * listed here, this keeps the family honest on its own). */
    bool p66 = i->opsize_prefix && !i->rep, pf2 = i->rep == 0xf2;
    if (i->map == X86_MAP_0F38) {
        switch (i->opcode) {
        case 0x37: return p66 ? gen_PCMPGTQ(c) : false;
        case 0xdb: return p66 ? gen_AES(c, AESOP_IMC) : false;
        case 0xdc: return p66 ? gen_AES(c, AESOP_ENC) : false;
        case 0xdd: return p66 ? gen_AES(c, AESOP_ENCLAST) : false;
        case 0xde: return p66 ? gen_AES(c, AESOP_DEC) : false;
        case 0xdf: return p66 ? gen_AES(c, AESOP_DECLAST) : false;
        case 0xf0: case 0xf1: return pf2 ? gen_CRC32(c) : false;
        default: return false;
        }
    }
    if (i->map == X86_MAP_0F3A) {
        switch (i->opcode) {
        case 0x44: return p66 ? gen_AES(c, AESOP_CLMUL) : false;
        case 0x60: case 0x61: case 0x62: case 0x63: return p66 ? gen_PCMPSTR(c) : false;
        case 0xdf: return p66 ? gen_AES(c, AESOP_KEYGEN) : false;
        default: return false;
        }
    }
    return false;
}
