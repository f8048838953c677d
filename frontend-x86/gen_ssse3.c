/* gen_ssse3.c — translation of SSE3 and SSSE3 (legacy encodings) into IR, and of the SSE2
 * byte-masked store maskmovdqu.
 *
 * Contract: fe_gen_ssse3(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own (gen_sse.c and gen_mmx.c
 * decline every opcode below, so the families never overlap). LOCK and VEX encodings are
 * declined (#UD: SIGILL).
 *
 * Opcodes (Intel SDM Vol. 2; m128 operands 16-byte aligned, #GP otherwise, unless noted):
 *   SSE3   F2 0F 12 movddup (m64)   F3 0F 12 movsldup   F3 0F 16 movshdup
 *          66 0F D0 addsubpd   F2 0F D0 addsubps   66/F2 0F 7C haddpd/haddps
 *          66/F2 0F 7D hsubpd/hsubps   F2 0F F0 lddqu (memory only, unaligned)
 *          (fisttp is x87, gen_x87.c; monitor/mwait stay #UD)
 *   SSSE3  0F 38 00 pshufb  01 phaddw  02 phaddd  03 phaddsw  04 pmaddubsw  05 phsubw
 *          06 phsubd  07 phsubsw  08/09/0A psignb/w/d  0B pmulhrsw  1C/1D/1E pabsb/w/d
 *          0F 3A 0F palignr ib
 *          each with 66 on xmm registers, or without a prefix on mm registers (m64, no
 *          alignment rule); F2/F3 make them undefined.
 *   SSE2   66 0F F7 maskmovdqu xmm1, xmm2 (register form only): see gen_MASKMOVDQU.
 *
 * What is IR and what is a helper: the lane moves, the FP add/subtract combinations, pabs,
 * psign, phaddd/phsubd are a few V128 ops each, pshufb and palignr one (VSHUFB, VALIGNR: the
 * host's PSHUFB/PALIGNR, or TBL/EXT); the 16-bit horizontal ops and the two multiplies
 * (rare in compiled code and string routines) go through x86_ssse3_op /
 * x86_ssse3_mmx_op (x86_ssse3_helpers.c), which get the source operand loaded in IR. The MMX
 * forms run the same V128 ops on vectors whose low half is the mm value and keep the low half.
 *
 * MMX state, as gen_mmx.c keeps it (Intel SDM Vol. 1, 9.5): mm register i is the significand
 * of x87 register Ri; an MMX instruction sets TOP = 0 and every tag valid, and the register it
 * writes gets an exponent of all ones. The transition comes after the memory operand is
 * loaded, so a fault leaves the x87 state as it was. SSE3/SSSE3 set no flags.
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/fe_sse.h"

/* Defined in x86_ssse3_helpers.c (registered there). */
uint64_t x86_ssse3_op(void *state, uint64_t op_dst, uint64_t src_lo, uint64_t src_hi);
uint64_t x86_ssse3_mmx_op(void *state, uint64_t op, uint64_t a, uint64_t b);

/* The mm register fields, as in gen_mmx.c. */
#define MM_OFF_SIG(r) ((uint32_t)(offsetof(X86State, fpr) + sizeof(X86Fpr) * (r)))
#define MM_OFF_SE(r)  ((uint32_t)(offsetof(X86State, fpr) + sizeof(X86Fpr) * (r) + 8))
#define MM_OFF_TOPTAG ((uint32_t)offsetof(X86State, fpu_top))
_Static_assert(offsetof(X86State, fpu_tag) == offsetof(X86State, fpu_top) + 1,
               "the MMX transition writes TOP and the tag word as one I16");

/* ================================================================ operands */




/* mm registers are ModRM.reg / ModRM.rm & 7: REX.R and REX.B do not extend them. */
static inline int mreg(const FeCtx *c) { return c->insn->reg & 7; }
static inline int mrm(const FeCtx *c) { return c->insn->rm & 7; }
static IrRef mm_get(FeCtx *c, int r) { return ir_get(&c->b, IR_I64, MM_OFF_SIG(r)); }

/* The mm/m64 source operand (no alignment rule). */
static IrRef src_mm(FeCtx *c)
{
    if (is_reg(c)) return mm_get(c, mrm(c));
    return fe_load(c, IR_I64, fe_ea(c));
}

/* Write mm register r: the x87 -> MMX transition (TOP = 0, every register valid), the
 * significand, and an exponent of all ones. */
static void mm_put(FeCtx *c, int r, IrRef v)
{
    ir_put(&c->b, MM_OFF_TOPTAG, ir_const(&c->b, IR_I16, 0xff00));
    ir_put(&c->b, MM_OFF_SIG(r), v);
    ir_put(&c->b, MM_OFF_SE(r), ir_const(&c->b, IR_I16, 0xffff));
}

/* ================================================================ lanes */


/* V128 op whose imm0 is a lane width (or a shuffle / byte-shift immediate). */
static IrRef v_op(FeCtx *c, IrOp op, unsigned imm, IrRef a, IrRef b)
{
    return ir_emit(&c->b, op, IR_V128, a, b, IR_NONE, imm, 0);
}

/* Shuffle selectors of VSHUF32: even lanes {0, 2, 0, 2} and odd lanes {1, 3, 1, 3}. */
#define SHUF_EVEN 0x88u
#define SHUF_ODD  0xddu

/* The pairs of a horizontal op on 32-bit lanes: x = {a0, a2, b0, b2}, y = {a1, a3, b1, b3},
 * so x op y = {a0 op a1, a2 op a3, b0 op b1, b2 op b3}. */
static void pairs32(FeCtx *c, IrRef a, IrRef b, IrRef *x, IrRef *y)
{
    *x = v_op(c, IR_VUNPACKLO, 64, v_op(c, IR_VSHUF32, SHUF_EVEN, a, IR_NONE),
              v_op(c, IR_VSHUF32, SHUF_EVEN, b, IR_NONE));
    *y = v_op(c, IR_VUNPACKLO, 64, v_op(c, IR_VSHUF32, SHUF_ODD, a, IR_NONE),
              v_op(c, IR_VSHUF32, SHUF_ODD, b, IR_NONE));
}

/* ================================================================ SSE3 */

/* F2 0F 12: movddup xmm, xmm/m64 — the low 64 bits in both halves. */
static bool gen_MOVDDUP(FeCtx *c)
{
    IrRef s = is_reg(c) ? xmm_get(c, c->insn->rm)
                        : v_from64(c, fe_load(c, IR_I64, sse_ea(c, false)));
    xmm_put(c, c->insn->reg, v_op(c, IR_VSHUF32, 0x44, s, IR_NONE));
    return true;
}

/* F3 0F 12 movsldup (lanes {0, 0, 2, 2}: shuffle 0xA0) and F3 0F 16 movshdup ({1, 1, 3, 3}:
 * 0xF5). */
static bool gen_MOVSXDUP(FeCtx *c, unsigned shuf)
{
    IrRef s = src_v128(c, true);
    xmm_put(c, c->insn->reg, v_op(c, IR_VSHUF32, shuf, s, IR_NONE));
    return true;
}

/* F2 0F F0: lddqu xmm, m128 — an unaligned load. */
static bool gen_LDDQU(FeCtx *c)
{
    if (is_reg(c)) return false;
    xmm_put(c, c->insn->reg, fe_load(c, IR_V128, sse_ea(c, false)));
    return true;
}

/* 66 0F D0 addsubpd / F2 0F D0 addsubps: even lanes a - b, odd lanes a + b. Each lane is
 * computed once, on its own operands: the subtraction sees the odd lanes zeroed and the
 * addition the even ones (0 - 0 and 0 + 0 raise nothing), so the flags raised in MXCSR are
 * exactly the instruction's. (a + -b is not a - b: a NaN b would come out with its sign
 * flipped.) */
static bool gen_ADDSUB(FeCtx *c, bool dbl)
{
    const X86Insn *i = c->insn;
    unsigned bits = dbl ? 64 : 32;
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, i->reg);
    uint64_t odd64 = dbl ? 0 : 0xffffffff00000000ull, odd_hi = dbl ? ~0ull : odd64;
    IrRef odd = v_ins64(c, v_from64(c, k64(c, odd64)), 1, k64(c, odd_hi));   /* add lanes */
    IrRef sub = v_op(c, IR_VFSUB, bits, ir_op2(&c->b, IR_VANDN, IR_V128, odd, a),
                     ir_op2(&c->b, IR_VANDN, IR_V128, odd, b));
    IrRef add = v_op(c, IR_VFADD, bits, ir_op2(&c->b, IR_VAND, IR_V128, odd, a),
                     ir_op2(&c->b, IR_VAND, IR_V128, odd, b));
    IrRef r = ir_op2(&c->b, IR_VOR, IR_V128, ir_op2(&c->b, IR_VAND, IR_V128, odd, add),
                     ir_op2(&c->b, IR_VANDN, IR_V128, odd, sub));
    xmm_put(c, i->reg, r);
    return true;
}

/* 66/F2 0F 7C haddpd/haddps, 7D hsubpd/hsubps: adjacent lanes of the destination fill the
 * low half of the result, those of the source the high half; the even lane is the first
 * operand (it decides which NaN propagates). */
static bool gen_HADDSUB(FeCtx *c, bool dbl, bool sub)
{
    const X86Insn *i = c->insn;
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, i->reg);
    IrRef x, y;
    if (dbl) {
        x = v_op(c, IR_VUNPACKLO, 64, a, b);
        y = v_op(c, IR_VUNPACKHI, 64, a, b);
    } else {
        pairs32(c, a, b, &x, &y);
    }
    xmm_put(c, i->reg, v_op(c, sub ? IR_VFSUB : IR_VFADD, dbl ? 64 : 32, x, y));
    return true;
}

/* ================================================================ SSSE3 */

/* The operands of an SSSE3 op as V128 values, for either width: a is the destination
 * register, b the source (xmm/m128 aligned, or mm/m64 in the low half). */
typedef struct Ops {
    bool mmx;
    IrRef a, b;         /* V128 */
    IrRef a64, b64;     /* MMX: the 64-bit values */
} Ops;

static Ops load_ops(FeCtx *c, bool mmx)
{
    Ops o = { .mmx = mmx, .a64 = IR_NONE, .b64 = IR_NONE };
    if (mmx) {
        o.b64 = src_mm(c);
        o.a64 = mm_get(c, mreg(c));
        o.a = v_from64(c, o.a64);
        o.b = v_from64(c, o.b64);
    } else {
        o.b = src_v128(c, true);
        o.a = xmm_get(c, c->insn->reg);
    }
    return o;
}

/* Write the result (V128; MMX: its low half). */
static bool put_result(FeCtx *c, const Ops *o, IrRef r)
{
    if (o->mmx) mm_put(c, mreg(c), v_ext64(c, r, 0));
    else xmm_put(c, c->insn->reg, r);
    return true;
}

/* The ops without an IR op (see x86_ssse3_helpers.c). */
static bool gen_HELPER(FeCtx *c, bool mmx)
{
    const X86Insn *i = c->insn;
    if (mmx) {
        IrRef b = src_mm(c);
        IrRef a = mm_get(c, mreg(c));
        mm_put(c, mreg(c), fe_call(c, x86_ssse3_mmx_op, k64(c, i->opcode), a, b));
    } else {
        IrRef b = src_v128(c, true);
        fe_call(c, x86_ssse3_op, k64(c, ((uint64_t)i->opcode << 8) | i->reg), v_ext64(c, b, 0),
                v_ext64(c, b, 1));
    }
    return true;
}

/* 0F 38 02 phaddd / 06 phsubd. MMX: {a0, a1, b0, b1} as one vector, its pairs in the low
 * half. */
static bool gen_PHD(FeCtx *c, bool mmx, bool sub)
{
    Ops o = load_ops(c, mmx);
    IrRef x, y;
    if (mmx) {
        IrRef v = v_ins64(c, o.a, 1, o.b64);
        x = v_op(c, IR_VSHUF32, SHUF_EVEN, v, IR_NONE);
        y = v_op(c, IR_VSHUF32, SHUF_ODD, v, IR_NONE);
    } else {
        pairs32(c, o.a, o.b, &x, &y);
    }
    return put_result(c, &o, v_op(c, sub ? IR_VSUB : IR_VADD, 32, x, y));
}

/* 0F 38 08-0A psignb/w/d: each lane of the destination negated where the source lane is
 * negative, zeroed where it is zero, kept where it is positive. */
static bool gen_PSIGN(FeCtx *c, bool mmx, unsigned bits)
{
    Ops o = load_ops(c, mmx);
    IrRef zero = ir_const(&c->b, IR_V128, 0);
    IrRef neg = v_op(c, IR_VCMPGTS, bits, zero, o.b);          /* all ones where b < 0 */
    IrRef isz = v_op(c, IR_VCMPEQ, bits, o.b, zero);
    /* (a ^ neg) - neg: -a where neg is all ones, a elsewhere */
    IrRef r = v_op(c, IR_VSUB, bits, ir_op2(&c->b, IR_VXOR, IR_V128, o.a, neg), neg);
    return put_result(c, &o, ir_op2(&c->b, IR_VANDN, IR_V128, isz, r));
}

/* 0F 38 1C-1E pabsb/w/d: the destination = |source| (the most negative value stays as its
 * unsigned magnitude). */
static bool gen_PABS(FeCtx *c, bool mmx, unsigned bits)
{
    IrRef b;
    if (mmx) b = v_from64(c, src_mm(c));
    else b = src_v128(c, true);
    IrRef neg = v_op(c, IR_VCMPGTS, bits, ir_const(&c->b, IR_V128, 0), b);
    IrRef r = v_op(c, IR_VSUB, bits, ir_op2(&c->b, IR_VXOR, IR_V128, b, neg), neg);
    if (mmx) mm_put(c, mreg(c), v_ext64(c, r, 0));
    else xmm_put(c, c->insn->reg, r);
    return true;
}

/* 0F 3A 0F palignr ib: the concatenation destination:source shifted right by imm8 bytes,
 * low half kept (zeros come in; imm8 >= 2 * width gives zero). */
static bool gen_PALIGNR(FeCtx *c, bool mmx)
{
    Ops o = load_ops(c, mmx);
    unsigned n = imm8(c);
    IrRef r;
    if (mmx) {
        IrRef v = v_ins64(c, o.b, 1, o.a64);                   /* {source, destination} */
        r = v_op(c, IR_VBSRL, n, v, IR_NONE);
    } else if (n < 16) {
        r = v_op(c, IR_VALIGNR, n, o.a, o.b);
    } else {
        r = v_op(c, IR_VBSRL, n - 16, o.a, IR_NONE);           /* > 15: zero */
    }
    return put_result(c, &o, r);
}

/* 0F 38 00 pshufb: byte i = 0 if bit 7 of source byte i is set, else destination byte
 * (source byte i & 15). MMX: the index has 3 bits, so masking the others (but bit 7) keeps
 * VSHUFB in the low half, the mm value. */
static bool gen_PSHUFB(FeCtx *c, bool mmx)
{
    Ops o = load_ops(c, mmx);
    IrRef idx = o.b;
    if (mmx)
        idx = ir_op2(&c->b, IR_VAND, IR_V128, idx, v_from64(c, k64(c, 0x8787878787878787ull)));
    return put_result(c, &o, ir_op2(&c->b, IR_VSHUFB, IR_V128, o.a, idx));
}

static bool gen_0f38(FeCtx *c, bool mmx)
{
    switch (c->insn->opcode) {
    case 0x00: return gen_PSHUFB(c, mmx);
    case 0x01: case 0x03: case 0x04: case 0x05: case 0x07: case 0x0b:
        return gen_HELPER(c, mmx);
    case 0x02: return gen_PHD(c, mmx, false);
    case 0x06: return gen_PHD(c, mmx, true);
    case 0x08: return gen_PSIGN(c, mmx, 8);
    case 0x09: return gen_PSIGN(c, mmx, 16);
    case 0x0a: return gen_PSIGN(c, mmx, 32);
    case 0x1c: return gen_PABS(c, mmx, 8);
    case 0x1d: return gen_PABS(c, mmx, 16);
    case 0x1e: return gen_PABS(c, mmx, 32);
    default:   return false;
    }
}

/* ================================================================ maskmovdqu */

/* 66 0F F7: maskmovdqu xmm1, xmm2 — the bytes of xmm1 whose byte in xmm2 has its top bit set
 * are stored at [rdi] (edi with 67; a segment override applies).
 * Faults: the host CPU checks the whole 16-byte range, masked-out bytes and an all-zero mask
 * included (the SDM leaves this implementation-specific), and writes nothing when it faults.
 * So the last and then the first byte of the range are rewritten with their own values
 * first: the range spans at most those two bytes' pages, and a fault there leaves memory as
 * it was. Then only the selected bytes are written, each as a byte store, lowest address
 * first; the IR has no conditional store, so the store of a byte that is not selected is
 * aimed at the lowest selected byte j instead, with j's value (rewriting j changes nothing),
 * or, with an all-zero mask, at the first byte with its old value. */
static bool gen_MASKMOVDQU(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (!is_reg(c)) return false;
    IrRef data = xmm_get(c, i->reg);
    IrRef m = ir_emit(&c->b, IR_VMOVMSK, IR_I32, xmm_get(c, i->rm), IR_NONE, IR_NONE, 8, 0);
    IrRef base = fe_seg_linear(c, fe_addr_size(c, fe_get_gpr(c, X86_RDI, 8)));
    IrRef last = ir_op2(&c->b, IR_ADD, IR_I64, base, k64(c, 15));
    IrRef old_last = fe_load(c, IR_I8, last), old_first = fe_load(c, IR_I8, base);
    fe_store(c, last, old_last);
    fe_store(c, base, old_first);

    IrRef zero32 = ir_const(&c->b, IR_I32, 0);
    IrRef none = ir_cmp(&c->b, IR_EQ, m, zero32);
    IrRef half[2] = { v_ext64(c, data, 0), v_ext64(c, data, 1) };
    IrRef j = ir_op1(&c->b, IR_ZEXT, IR_I64, ir_op1(&c->b, IR_CTZ, IR_I32, m));
    IrRef j_hi = ir_cmp(&c->b, IR_GEU, j, k64(c, 8));
    IrRef q_j = ir_select(&c->b, IR_I64, j_hi, half[1], half[0]);
    IrRef sh_j = ir_op2(&c->b, IR_SHL, IR_I64, ir_op2(&c->b, IR_AND, IR_I64, j, k64(c, 7)),
                        k64(c, 3));
    IrRef byte_j = ir_op1(&c->b, IR_TRUNC, IR_I8, ir_op2(&c->b, IR_SHR, IR_I64, q_j, sh_j));
    IrRef at_j = ir_select(&c->b, IR_I64, none, base, ir_op2(&c->b, IR_ADD, IR_I64, base, j));
    byte_j = ir_select(&c->b, IR_I8, none, old_first, byte_j);
    for (unsigned k = 0; k < 16; k++) {
        IrRef bit = ir_op2(&c->b, IR_AND, IR_I32, m, ir_const(&c->b, IR_I32, 1u << k));
        IrRef sel = ir_cmp(&c->b, IR_NE, bit, zero32);
        IrRef q = half[k >> 3];
        if (k & 7) q = ir_op2(&c->b, IR_SHR, IR_I64, q, k64(c, 8 * (k & 7)));
        IrRef byte = ir_op1(&c->b, IR_TRUNC, IR_I8, q);
        IrRef at = k ? ir_op2(&c->b, IR_ADD, IR_I64, base, k64(c, k)) : base;
        fe_store(c, ir_select(&c->b, IR_I64, sel, at, at_j),
                 ir_select(&c->b, IR_I8, sel, byte, byte_j));
    }
    return true;
}

/* ================================================================ dispatch */

static bool gen_0f(FeCtx *c, SsePfx p)
{
    switch (c->insn->opcode) {
    case 0x12:
        if (p == PFX_F2) return gen_MOVDDUP(c);
        if (p == PFX_F3) return gen_MOVSXDUP(c, 0xa0);     /* movsldup */
        return false;
    case 0x16:
        return p == PFX_F3 ? gen_MOVSXDUP(c, 0xf5) : false; /* movshdup */
    case 0x7c: case 0x7d:
        if (p != PFX_66 && p != PFX_F2) return false;
        return gen_HADDSUB(c, p == PFX_66, c->insn->opcode == 0x7d);
    case 0xd0:
        if (p != PFX_66 && p != PFX_F2) return false;
        return gen_ADDSUB(c, p == PFX_66);
    case 0xf0:
        return p == PFX_F2 ? gen_LDDQU(c) : false;
    case 0xf7:
        return p == PFX_66 ? gen_MASKMOVDQU(c) : false;
    default:
        return false;
    }
}

bool fe_gen_ssse3(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->vex || i->lock || !i->has_modrm) return false;
    SsePfx p = sse_pfx(i);
    switch (i->map) {
    case X86_MAP_0F:
        return gen_0f(c, p);
    case X86_MAP_0F38:
        if (p != PFX_NONE && p != PFX_66) return false;
        return gen_0f38(c, p == PFX_NONE);
    case X86_MAP_0F3A:
        if (i->opcode != 0x0f || (p != PFX_NONE && p != PFX_66)) return false;
        return gen_PALIGNR(c, p == PFX_NONE);
    default:
        return false;
    }
}
