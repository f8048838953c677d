/* gen_sse41.c — translation of SSE4.1 (66 0F 38 xx and 66 0F 3A xx ib, legacy encoding).
 *
 * Contract: fe_gen_sse41(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own (other 0F 38 / 0F 3A opcodes
 * such as SSSE3 and SSE4.2, VEX forms, a missing 66 prefix), so the caller can ask another
 * family or deliver SIGILL.
 *
 * Coverage, by how each instruction is expressed:
 *   IR lane ops    pminsb/sd, pmaxsb/sd (VCMPGTS and a bit select), pminud/pmaxud (the same
 *                  after flipping the sign bits), pminuw/pmaxuw (VMINU/VMAXU 16), pcmpeqq
 *                  (VCMPEQ 64), pmovsx and pmovzx (unpacks with zero or with the sign mask),
 *                  blendps/pd, pblendw (constant masks), pblendvb/blendvps/blendvpd (a mask
 *                  from XMM0's sign bits), ptest (flags), movntdqa, pmuldq and pmulld (64- and
 *                  32-bit integer multiplies per lane), pextr*, extractps, pinsr*, insertps
 *                  (64-bit lane extract/insert and integer masks), dpps/dppd (VFMUL, VFADD and
 *                  shuffles, in the SDM's order: see gen_DP);
 *   C helper       roundps/pd/ss/sd, packusdw, phminposuw, mpsadbw (x86_sse41_helpers.c):
 *                  the source operand is loaded in IR (so a fault is precise) and passed as
 *                  two 64-bit halves; the helper writes the destination register.
 *
 * Guest-visible rules kept here (the decoder already rejects LOCK, a missing 66, F2/F3 and
 * the register forms of movntdqa):
 *  - 128-bit memory operands must be 16-byte aligned (legacy SSE: #GP, Linux's SIGSEGV with
 *    SI_KERNEL, raised before the instruction changes anything); the narrower operands of
 *    pmovsx/pmovzx (m64/m32/m16), roundss/roundsd, pextr*, pinsr*, extractps and insertps
 *    (m8..m64) are not checked;
 *  - pextrb/pextrw/extractps to a register write 32 bits zero-extended (REX.W changes nothing);
 *    pextrd/pinsrd become pextrq/pinsrq with REX.W;
 *  - rounding: roundXX use imm8[1:0], or MXCSR.RC when imm8[2] is set; everything else rounds
 *    to nearest even like the rest of ferry's SSE (MXCSR.RC is not applied to dpps/dppd), and
 *    no SIMD exception flag is recorded (ferry does not keep MXCSR's sticky flags yet).
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/fe_sse.h"

/* Defined in x86_sse41_helpers.c (registered by fe_register_helpers_sse41 there). */
uint64_t x86_sse41_round(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);
uint64_t x86_sse41_int_op(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);

/* ================================================================ operands */

static inline uint32_t xoff(int reg) { return X86_OFF_XMM(reg, 0); }
static inline bool rex_w(const FeCtx *c) { return (c->insn->rex & 8) != 0; }

/* A 128-bit constant. */
static IrRef v_const(FeCtx *c, uint64_t lo, uint64_t hi)
{
    if (hi == 0) return ir_const(&c->b, IR_V128, lo);
    return v_make64(c, k64(c, lo), k64(c, hi));
}

static IrRef v_op(FeCtx *c, IrOp op, IrRef a, IrRef b) { return ir_op2(&c->b, op, IR_V128, a, b); }

static IrRef v_shuf32(FeCtx *c, IrRef v, unsigned order)
{
    return ir_emit(&c->b, IR_VSHUF32, IR_V128, v, IR_NONE, IR_NONE, order, 0);
}

/* Bitwise select: where mask bits are set b, else a. */
static IrRef v_select(FeCtx *c, IrRef mask, IrRef b, IrRef a)
{
    return v_op(c, IR_VOR, v_op(c, IR_VAND, mask, b), v_op(c, IR_VANDN, mask, a));
}

/* The mask of lanes of `bits` (16, 32, 64) whose bit is set in `sel` (lane i = bit i). */
static void lane_mask(unsigned bits, unsigned sel, uint64_t *lo, uint64_t *hi)
{
    uint64_t m[2] = { 0, 0 };
    uint64_t ones = bits == 64 ? ~0ull : (1ull << bits) - 1;
    for (unsigned i = 0; i < 128 / bits; i++)
        if (sel & (1u << i)) m[i * bits / 64] |= ones << (i * bits % 64);
    *lo = m[0];
    *hi = m[1];
}

static IrRef v_lane_mask(FeCtx *c, unsigned bits, unsigned sel)
{
    uint64_t lo, hi;
    lane_mask(bits, sel, &lo, &hi);
    return v_const(c, lo, hi);
}

/* ================================================================ integer lanes */

/* xmm = op(xmm, xmm/m128) with one IR lane op (bits = 0: whole-register op). */
static bool gen_VBIN(FeCtx *c, IrOp op, unsigned bits)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    xmm_put(c, c->insn->reg, bits ? v_lanes(c, op, bits, a, b) : v_op(c, op, a, b));
    return true;
}

/* Signed min/max of `bits` lanes (pminsb/pminsd/pmaxsb/pmaxsd); with `unsig` the unsigned
 * 32-bit ones (pminud/pmaxud), compared signed after flipping both sign bits. */
static bool gen_PMINMAX(FeCtx *c, unsigned bits, bool max, bool unsig)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    IrRef ca = a, cb = b;
    if (unsig) {
        IrRef sign = v_const(c, 0x8000000080000000ull, 0x8000000080000000ull);
        ca = v_op(c, IR_VXOR, a, sign);
        cb = v_op(c, IR_VXOR, b, sign);
    }
    IrRef gt = v_lanes(c, IR_VCMPGTS, bits, ca, cb);        /* a > b */
    /* max: a where a > b, else b. min: b where a > b, else a. */
    xmm_put(c, c->insn->reg, max ? v_select(c, gt, a, b) : v_select(c, gt, b, a));
    return true;
}

/* pmovsx / pmovzx: the low 128 / `to` lanes of `from` bits of the source widened to `to` bits.
 * The source is an xmm register or m64/m32/m16 (128 * from / to bits; not aligned). Each
 * doubling step interleaves the lanes with zero, or with their sign mask (0 > lane). */
static bool gen_PMOVX(FeCtx *c, unsigned from, unsigned to, bool sign)
{
    IrRef v;
    if (is_reg(c)) {
        v = xmm_get(c, c->insn->rm);
    } else {
        unsigned bytes = 16 * from / to;
        IrRef x = fe_load(c, fe_type(bytes), sse_ea(c, false));
        if (bytes < 8) x = ir_op1(&c->b, IR_ZEXT, IR_I64, x);
        v = v_from64(c, x);
    }
    IrRef zero = ir_const(&c->b, IR_V128, 0);
    for (unsigned w = from; w < to; w *= 2) {
        IrRef hi = sign ? v_lanes(c, IR_VCMPGTS, w, zero, v) : zero;
        v = v_lanes(c, IR_VUNPACKLO, w, v, hi);
    }
    xmm_put(c, c->insn->reg, v);
    return true;
}

/* pmuldq: the signed 64-bit products of the even (low) dwords of each quadword. */
static bool gen_PMULDQ(FeCtx *c)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    IrRef r[2];
    for (unsigned h = 0; h < 2; h++) {
        IrRef x = ir_op1(&c->b, IR_TRUNC, IR_I32, v_ext64(c, a, h));
        IrRef y = ir_op1(&c->b, IR_TRUNC, IR_I32, v_ext64(c, b, h));
        r[h] = ir_op2(&c->b, IR_MUL, IR_I64, ir_op1(&c->b, IR_SEXT, IR_I64, x),
                      ir_op1(&c->b, IR_SEXT, IR_I64, y));
    }
    xmm_put(c, c->insn->reg, v_make64(c, r[0], r[1]));
    return true;
}

/* pmulld: the low 32 bits of each dword product. */
static bool gen_PMULLD(FeCtx *c)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    IrRef r[2];
    for (unsigned h = 0; h < 2; h++) {
        IrRef qa = v_ext64(c, a, h), qb = v_ext64(c, b, h);
        IrRef lo = ir_op2(&c->b, IR_MUL, IR_I32, ir_op1(&c->b, IR_TRUNC, IR_I32, qa),
                          ir_op1(&c->b, IR_TRUNC, IR_I32, qb));
        IrRef ha = ir_op2(&c->b, IR_SHR, IR_I64, qa, k64(c, 32));
        IrRef hb = ir_op2(&c->b, IR_SHR, IR_I64, qb, k64(c, 32));
        IrRef hi = ir_op2(&c->b, IR_MUL, IR_I64, ha, hb);      /* low 32 bits are the product */
        r[h] = ir_op2(&c->b, IR_OR, IR_I64, ir_op1(&c->b, IR_ZEXT, IR_I64, lo),
                      ir_op2(&c->b, IR_SHL, IR_I64, hi, k64(c, 32)));
    }
    xmm_put(c, c->insn->reg, v_make64(c, r[0], r[1]));
    return true;
}

/* ptest: ZF = (dst & src) == 0, CF = (~dst & src) == 0; OF SF AF PF cleared. */
static bool gen_PTEST(FeCtx *c)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    IrRef bit[2];
    IrRef both[2] = { v_op(c, IR_VAND, a, b), v_op(c, IR_VANDN, a, b) };
    for (unsigned k = 0; k < 2; k++) {
        IrRef any = ir_op2(&c->b, IR_OR, IR_I64, v_ext64(c, both[k], 0), v_ext64(c, both[k], 1));
        bit[k] = ir_op1(&c->b, IR_ZEXT, IR_I64, ir_cmp(&c->b, IR_EQ, any, k64(c, 0)));
    }
    IrRef flags = ir_op2(&c->b, IR_OR, IR_I64, ir_op2(&c->b, IR_SHL, IR_I64, bit[0], k64(c, 6)),
                         bit[1]);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, flags);
    return true;
}

/* ================================================================ blends */

/* blendps/blendpd/pblendw: lane i of `bits` from the source where imm8 bit i is set. */
static bool gen_BLEND_imm(FeCtx *c, unsigned bits)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    xmm_put(c, c->insn->reg, v_select(c, v_lane_mask(c, bits, imm8(c)), b, a));
    return true;
}

/* pblendvb/blendvps/blendvpd: lane from the source where the lane of XMM0 has its sign bit
 * set. The mask is XMM0's sign spread over each lane: a compare with zero for bytes, an
 * arithmetic shift for dwords, and for qwords the shifted high dwords copied down. */
static bool gen_BLENDV(FeCtx *c, unsigned bits)
{
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    IrRef x0 = xmm_get(c, 0), m;
    if (bits == 8) {
        m = v_lanes(c, IR_VCMPGTS, 8, ir_const(&c->b, IR_V128, 0), x0);
    } else {
        m = v_lanes(c, IR_VSARI, 32, x0, k64(c, 31));
        if (bits == 64) m = v_shuf32(c, m, 0xf5);             /* lanes 1 1 3 3 */
    }
    xmm_put(c, c->insn->reg, v_select(c, m, b, a));
    return true;
}

/* ================================================================ extract and insert */

/* Bits [8*byte, 8*byte + 8*size) of v (byte + size <= 16, within one half) as I64. */
static IrRef v_field(FeCtx *c, IrRef v, unsigned byte, unsigned size)
{
    IrRef q = v_ext64(c, v, byte / 8);
    if (byte % 8) q = ir_op2(&c->b, IR_SHR, IR_I64, q, k64(c, 8 * (byte % 8)));
    if (size < 8) q = ir_op2(&c->b, IR_AND, IR_I64, q, k64(c, (1ull << (8 * size)) - 1));
    return q;
}

/* v with bytes [byte, byte + size) replaced by the low 8*size bits of x (I64). */
static IrRef v_set_field(FeCtx *c, IrRef v, unsigned byte, unsigned size, IrRef x)
{
    unsigned half = byte / 8, shift = 8 * (byte % 8);
    if (size == 8) return v_ins64(c, v, half, x);
    uint64_t m = ((1ull << (8 * size)) - 1) << shift;
    IrRef q = ir_op2(&c->b, IR_AND, IR_I64, v_ext64(c, v, half), k64(c, ~m));
    x = ir_op2(&c->b, IR_AND, IR_I64, x, k64(c, (1ull << (8 * size)) - 1));
    if (shift) x = ir_op2(&c->b, IR_SHL, IR_I64, x, k64(c, shift));
    return v_ins64(c, v, half, ir_op2(&c->b, IR_OR, IR_I64, q, x));
}

/* pextrb/pextrw/pextrd/pextrq/extractps r/m, xmm, imm8: field imm8 (modulo the lane count) of
 * ModRM.reg to a GPR (zero-extended to 32 bits, or 64 for pextrq) or to memory. */
static bool gen_PEXTR(FeCtx *c, unsigned size)
{
    const X86Insn *i = c->insn;
    unsigned n = imm8(c) & (16 / size - 1);
    IrRef q = v_field(c, xmm_get(c, i->reg), n * size, size);
    if (is_reg(c)) {
        if (size == 8) fe_put_gpr(c, i->rm, 8, q);
        else fe_put_gpr(c, i->rm, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, q));
    } else {
        IrRef v = size == 8 ? q : ir_op1(&c->b, IR_TRUNC, fe_type(size), q);
        fe_store(c, sse_ea(c, false), v);
    }
    return true;
}

/* pinsrb/pinsrd/pinsrq xmm, r/m, imm8: field imm8 of the register from the low bits of a GPR
 * (r32 for pinsrb) or from memory of the field's size. */
static bool gen_PINSR(FeCtx *c, unsigned size)
{
    const X86Insn *i = c->insn;
    unsigned n = imm8(c) & (16 / size - 1);
    IrRef x;
    if (is_reg(c)) {
        x = fe_get_gpr(c, i->rm, size == 8 ? 8 : 4);
    } else {
        x = fe_load(c, fe_type(size), sse_ea(c, false));
    }
    if (size < 8) x = ir_op1(&c->b, IR_ZEXT, IR_I64, x);
    xmm_put(c, i->reg, v_set_field(c, xmm_get(c, i->reg), n * size, size, x));
    return true;
}

/* insertps xmm, xmm/m32, imm8: dword imm8[7:6] of the source register (or the m32) into dword
 * imm8[5:4] of the destination, then the dwords of imm8[3:0] zeroed. */
static bool gen_INSERTPS(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned imm = imm8(c);
    IrRef x;
    if (is_reg(c)) {
        x = v_field(c, xmm_get(c, i->rm), 4 * (imm >> 6), 4);
    } else {
        x = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_load(c, IR_I32, sse_ea(c, false)));
    }
    IrRef r = v_set_field(c, xmm_get(c, i->reg), 4 * ((imm >> 4) & 3), 4, x);
    if (imm & 15) r = v_op(c, IR_VAND, r, v_lane_mask(c, 32, ~imm & 15));
    xmm_put(c, i->reg, r);
    return true;
}

/* ================================================================ floating point */

/* dpps (size 4) / dppd (size 8) xmm, xmm/m128, imm8, each step rounded as the SDM orders it:
 *   products p[i] = dst[i] * src[i] where imm8 bit 4+i is set, else +0.0;
 *   dpps: t = (p0 + p1) + (p2 + p3);  dppd: t = p0 + p1;
 *   lane i of the result = t where imm8 bit i is set, else +0.0.
 * Which NaN comes out when several are involved is not in the SDM. The host CPU computes the
 * sum separately in each lane, with these operand orders (the left one wins among NaNs):
 *   dpps lane k: s[k] + s[k^2], where s[k] = p[k^1] + p[k];   dppd lane k: p[k] + p[k^1].
 * (So lanes 0 and 1 of dpps start from (p1 + p0) + (p3 + p2) and (p0 + p1) + (p2 + p3).) Each
 * sum is a VFADD of the vector and itself shuffled, with no broadcast; the values agree in
 * every lane unless two NaNs meet. The products are one VFMUL of operands whose unselected
 * lanes are cleared first (+0.0 is all zero bits; +0 * +0 raises nothing), so the MXCSR flags
 * raised are those of the selected products and the sums only. */
static bool gen_DP(FeCtx *c, unsigned size)
{
    unsigned bits = 8 * size, imm = imm8(c);
    IrRef b = src_v128(c, true);
    IrRef a = xmm_get(c, c->insn->reg);
    IrRef m = v_lane_mask(c, bits, imm >> 4);
    IrRef p = v_lanes(c, IR_VFMUL, bits, v_op(c, IR_VAND, a, m), v_op(c, IR_VAND, b, m));
    IrRef t;
    if (size == 4) {
        IrRef s = v_lanes(c, IR_VFADD, 32, v_shuf32(c, p, 0xb1), p);  /* p[k^1] + p[k] */
        t = v_lanes(c, IR_VFADD, 32, s, v_shuf32(c, s, 0x4e));        /* s[k] + s[k^2] */
    } else {
        t = v_lanes(c, IR_VFADD, 64, p, v_shuf32(c, p, 0x4e));        /* p[k] + p[k^1] */
    }
    xmm_put(c, c->insn->reg, v_op(c, IR_VAND, t, v_lane_mask(c, bits, imm & 15)));
    return true;
}

/* roundps/roundpd (0F 3A 08/09, aligned m128) and roundss/roundsd (0A/0B, xmm low lane or
 * m32/m64; the rest of the destination kept): x86_sse41_round. */
static bool gen_ROUND(FeCtx *c, uint8_t op)
{
    const X86Insn *i = c->insn;
    IrRef lo, hi = k64(c, 0);
    if (op <= 0x09) {
        IrRef v = src_v128(c, true);
        lo = v_ext64(c, v, 0);
        hi = v_ext64(c, v, 1);
    } else if (is_reg(c)) {
        lo = v_ext64(c, xmm_get(c, i->rm), 0);
    } else {
        unsigned size = op == 0x0a ? 4 : 8;
        lo = fe_load(c, fe_type(size), sse_ea(c, false));
        if (size == 4) lo = ir_op1(&c->b, IR_ZEXT, IR_I64, lo);
    }
    uint64_t sel = (uint64_t)op << 16 | imm8(c) << 8 | i->reg;
    fe_call(c, x86_sse41_round, k64(c, sel), lo, hi);
    return true;
}

/* packusdw, phminposuw, mpsadbw: x86_sse41_int_op with opcode, imm8 and destination. */
static bool gen_INT_HELPER(FeCtx *c, unsigned op)
{
    const X86Insn *i = c->insn;
    IrRef b = src_v128(c, true);
    uint64_t sel = (uint64_t)op << 16 | imm8(c) << 8 | i->reg;
    fe_call(c, x86_sse41_int_op, k64(c, sel), v_ext64(c, b, 0), v_ext64(c, b, 1));
    return true;
}

/* ================================================================ dispatch */

static bool gen_0f38(FeCtx *c, uint8_t op)
{
    switch (op) {
    case 0x10: return gen_BLENDV(c, 8);                 /* pblendvb */
    case 0x14: return gen_BLENDV(c, 32);                /* blendvps */
    case 0x15: return gen_BLENDV(c, 64);                /* blendvpd */
    case 0x17: return gen_PTEST(c);
    case 0x20: return gen_PMOVX(c, 8, 16, true);        /* pmovsxbw */
    case 0x21: return gen_PMOVX(c, 8, 32, true);        /* pmovsxbd */
    case 0x22: return gen_PMOVX(c, 8, 64, true);        /* pmovsxbq */
    case 0x23: return gen_PMOVX(c, 16, 32, true);       /* pmovsxwd */
    case 0x24: return gen_PMOVX(c, 16, 64, true);       /* pmovsxwq */
    case 0x25: return gen_PMOVX(c, 32, 64, true);       /* pmovsxdq */
    case 0x28: return gen_PMULDQ(c);
    case 0x29: return gen_VBIN(c, IR_VCMPEQ, 64);       /* pcmpeqq */
    case 0x2a:                                          /* movntdqa xmm, m128 */
        if (is_reg(c)) return false;
        xmm_put(c, c->insn->reg, src_v128(c, true));
        return true;
    case 0x2b: return gen_INT_HELPER(c, op);            /* packusdw */
    case 0x30: return gen_PMOVX(c, 8, 16, false);       /* pmovzxbw */
    case 0x31: return gen_PMOVX(c, 8, 32, false);       /* pmovzxbd */
    case 0x32: return gen_PMOVX(c, 8, 64, false);       /* pmovzxbq */
    case 0x33: return gen_PMOVX(c, 16, 32, false);      /* pmovzxwd */
    case 0x34: return gen_PMOVX(c, 16, 64, false);      /* pmovzxwq */
    case 0x35: return gen_PMOVX(c, 32, 64, false);      /* pmovzxdq */
    case 0x38: return gen_PMINMAX(c, 8, false, false);  /* pminsb */
    case 0x39: return gen_PMINMAX(c, 32, false, false); /* pminsd */
    case 0x3a: return gen_VBIN(c, IR_VMINU, 16);        /* pminuw */
    case 0x3b: return gen_PMINMAX(c, 32, false, true);  /* pminud */
    case 0x3c: return gen_PMINMAX(c, 8, true, false);   /* pmaxsb */
    case 0x3d: return gen_PMINMAX(c, 32, true, false);  /* pmaxsd */
    case 0x3e: return gen_VBIN(c, IR_VMAXU, 16);        /* pmaxuw */
    case 0x3f: return gen_PMINMAX(c, 32, true, true);   /* pmaxud */
    case 0x40: return gen_PMULLD(c);
    case 0x41: return gen_INT_HELPER(c, op);            /* phminposuw */
    default:   return false;
    }
}

static bool gen_0f3a(FeCtx *c, uint8_t op)
{
    switch (op) {
    case 0x08: case 0x09: case 0x0a: case 0x0b:
        return gen_ROUND(c, op);
    case 0x0c: return gen_BLEND_imm(c, 32);             /* blendps */
    case 0x0d: return gen_BLEND_imm(c, 64);             /* blendpd */
    case 0x0e: return gen_BLEND_imm(c, 16);             /* pblendw */
    case 0x14: return gen_PEXTR(c, 1);                  /* pextrb */
    case 0x15: return gen_PEXTR(c, 2);                  /* pextrw */
    case 0x16: return gen_PEXTR(c, rex_w(c) ? 8 : 4);   /* pextrd / pextrq */
    case 0x17: return gen_PEXTR(c, 4);                  /* extractps */
    case 0x20: return gen_PINSR(c, 1);                  /* pinsrb */
    case 0x21: return gen_INSERTPS(c);
    case 0x22: return gen_PINSR(c, rex_w(c) ? 8 : 4);   /* pinsrd / pinsrq */
    case 0x40: return gen_DP(c, 4);                     /* dpps */
    case 0x41: return gen_DP(c, 8);                     /* dppd */
    case 0x42: return gen_INT_HELPER(c, 0x100 | op);    /* mpsadbw */
    default:   return false;
    }
}

bool fe_gen_sse41(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->vex || i->lock || !i->has_modrm || !i->opsize_prefix || i->rep) return false;
    if (i->map == X86_MAP_0F38) return gen_0f38(c, i->opcode);
    if (i->map == X86_MAP_0F3A) return gen_0f3a(c, i->opcode);
    return false;
}
