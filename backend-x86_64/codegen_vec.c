/* codegen_vec.c — V128 ops and scalar floating point (SSE2, and SSSE3's PSHUFB and PALIGNR
 * when the host has them (CgCtx.has_ssse3); other newer instructions become SSE2 sequences:
 * 16-bit unsigned min/max, 64-bit lane compares and arithmetic shifts, 8-bit lane shifts),
 * FCMP (UCOMIS/COMIS fused into the flags where one condition decides it) and FCMPFLAGS,
 * conversions. How an op is emitted: codegen.c's header.
 */
#include <assert.h>

#include "codegen_ops.h"

/* ---------------------------------------------------------------- V128 */

/* d = a op b, the common shape of two-operand packed ops (in place when a dies here). */
static void vbin(CgCtx *c, const IrInsn *in, X64SseOp op)
{
    IrRef x, y;
    cg_two_address(c, in, CG_XMM, &x, &y);
    unsigned d = cg_dst_xmm(c, y == x ? IR_NONE : y);
    cg_load_xmm(c, d, x);
    x64_sse_rx(&c->e, op, d, cg_xmm_rm(c, y, X64_XMM1));
    cg_def_xmm(c, d);
}

void cg_VAND(CgCtx *c, const IrInsn *in)  { vbin(c, in, X64_PAND); }
void cg_VOR(CgCtx *c, const IrInsn *in)   { vbin(c, in, X64_POR); }
void cg_VXOR(CgCtx *c, const IrInsn *in)  { vbin(c, in, X64_PXOR); }
void cg_VANDN(CgCtx *c, const IrInsn *in) { vbin(c, in, X64_PANDN); }

void cg_VADD(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PADDB, X64_PADDW, X64_PADDD, X64_PADDQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

void cg_VSUB(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PSUBB, X64_PSUBW, X64_PSUBD, X64_PSUBQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

void cg_VSUBUSAT(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, in->imm[0] == 8 ? X64_PSUBUSB : X64_PSUBUSW);
}

void cg_VCMPEQ(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[3] = { X64_PCMPEQB, X64_PCMPEQW, X64_PCMPEQD };
    unsigned li = lane_idx(in->imm[0]);
    if (li < 3) {
        vbin(c, in, ops[li]);
        return;
    }
    /* 64-bit lanes (PCMPEQQ is SSE4.1): both 32-bit halves equal. */
    cg_load_xmm(c, X64_XMM0, in->arg[0]);
    x64_sse_rx(&c->e, X64_PCMPEQD, X64_XMM0, cg_xmm_rm(c, in->arg[1], X64_XMM1));
    x64_sse_rxi(&c->e, X64_PSHUFD, X64_XMM1, x64_r(X64_XMM0), 0xB1);   /* swap the halves */
    x64_sse_rr(&c->e, X64_PAND, X64_XMM0, X64_XMM1);
    cg_def_xmm(c, X64_XMM0);
}

void cg_VCMPGTS(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[3] = { X64_PCMPGTB, X64_PCMPGTW, X64_PCMPGTD };
    X64Emit *e = &c->e;
    unsigned li = lane_idx(in->imm[0]);
    if (li < 3) {
        vbin(c, in, ops[li]);
        return;
    }
    /* 64-bit lanes (PCMPGTQ is SSE4.2): a > b iff hi(a) > hi(b) signed, or the high halves are
     * equal and lo(a) > lo(b) unsigned. Flipping the sign bit of the low halves lets one
     * PCMPGTD do the signed high and the unsigned low compare at once. */
    cg_load_xmm(c, X64_XMM0, in->arg[0]);
    cg_load_xmm(c, X64_XMM1, in->arg[1]);
    x64_mov_ri(e, X64_RAX, 0x80000000u);
    x64_sse_rx(e, X64_MOVD_TOX, X64_XMM2, x64_r(X64_RAX));
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM2, x64_r(X64_XMM2), 0x44);   /* {1<<31, 0} per lane */
    x64_sse_rr(e, X64_MOVAPS_LD, X64_XMM3, X64_XMM0);
    x64_sse_rr(e, X64_PCMPEQD, X64_XMM3, X64_XMM1);                 /* eq per half */
    x64_sse_rr(e, X64_PXOR, X64_XMM0, X64_XMM2);
    x64_sse_rr(e, X64_PXOR, X64_XMM1, X64_XMM2);
    x64_sse_rr(e, X64_PCMPGTD, X64_XMM0, X64_XMM1);                 /* gt per half */
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM1, x64_r(X64_XMM0), 0xA0);   /* low gt into both */
    x64_sse_rr(e, X64_PAND, X64_XMM1, X64_XMM3);
    x64_sse_rr(e, X64_POR, X64_XMM1, X64_XMM0);                     /* high half = answer */
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM0, x64_r(X64_XMM1), 0xF5);   /* broadcast it */
    cg_def_xmm(c, X64_XMM0);
}

/* Unsigned min/max. 8-bit lanes: PMINUB/PMAXUB. 16-bit (PMINUW/PMAXUW are SSE4.1), with
 * d = sat(a - b) = max(a - b, 0): min = a - d, max = b + d. */
static void minmax_u(CgCtx *c, const IrInsn *in, bool max)
{
    X64Emit *e = &c->e;
    if (in->imm[0] == 8) {
        vbin(c, in, max ? X64_PMAXUB : X64_PMINUB);
        return;
    }
    cg_load_xmm(c, X64_XMM1, in->arg[0]);
    cg_load_xmm(c, X64_XMM0, max ? in->arg[1] : in->arg[0]);
    x64_sse_rx(e, X64_PSUBUSW, X64_XMM1, cg_xmm_rm(c, in->arg[1], X64_XMM2));
    x64_sse_rr(e, max ? X64_PADDW : X64_PSUBW, X64_XMM0, X64_XMM1);
    cg_def_xmm(c, X64_XMM0);
}

void cg_VMINU(CgCtx *c, const IrInsn *in) { minmax_u(c, in, false); }
void cg_VMAXU(CgCtx *c, const IrInsn *in) { minmax_u(c, in, true); }

void cg_VMOVMSK(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    unsigned x = cg_xmm_reg(c, in->arg[0], X64_XMM0);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    switch (in->imm[0]) {
    case 8:
        x64_sse_rx(e, X64_PMOVMSKB, d, x64_r(x));
        break;
    case 16:    /* signed saturation keeps each word's sign in a byte */
        x64_sse_rr(e, X64_MOVAPS_LD, X64_XMM1, x);
        x64_sse_rr(e, X64_PACKSSWB, X64_XMM1, X64_XMM1);
        x64_sse_rx(e, X64_PMOVMSKB, d, x64_r(X64_XMM1));
        x64_movzx_rx(e, 1, d, x64_r(d));
        break;
    case 32:
        x64_sse_rx(e, X64_MOVMSKPS, d, x64_r(x));
        break;
    default:
        x64_sse_rx(e, X64_MOVMSKPD, d, x64_r(x));
        break;
    }
    cg_def_gpr(c, d);
}

void cg_VUNPACKLO(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PUNPCKLBW, X64_PUNPCKLWD, X64_PUNPCKLDQ,
                                     X64_PUNPCKLQDQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

void cg_VUNPACKHI(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PUNPCKHBW, X64_PUNPCKHWD, X64_PUNPCKHDQ,
                                     X64_PUNPCKHQDQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

static void shuf(CgCtx *c, const IrInsn *in, X64SseOp op)
{
    X64Rm src = cg_xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rxi(&c->e, op, d, src, (uint8_t)in->imm[0]);
    cg_def_xmm(c, d);
}

void cg_VSHUF32(CgCtx *c, const IrInsn *in)   { shuf(c, in, X64_PSHUFD); }
void cg_VSHUFLO16(CgCtx *c, const IrInsn *in) { shuf(c, in, X64_PSHUFLW); }
void cg_VSHUFHI16(CgCtx *c, const IrInsn *in) { shuf(c, in, X64_PSHUFHW); }

/* PSLLDQ/PSRLDQ. Counts above 15 give 0 (as on x86); the zero needs no load of a. */
static void byte_shift(CgCtx *c, const IrInsn *in, unsigned ext)
{
    uint64_t n = (uint64_t)in->imm[0];
    unsigned d = cg_dst_xmm(c, IR_NONE);
    if (n > 15) {
        x64_sse_rr(&c->e, X64_PXOR, d, d);
    } else {
        cg_load_xmm(c, d, in->arg[0]);
        if (n)
            x64_sse_shift_i(&c->e, X64_PSHIFTQ_I, ext, d, (uint8_t)n);
    }
    cg_def_xmm(c, d);
}

void cg_VBSLL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, X64_PSLLDQ_I); }
void cg_VBSRL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, X64_PSRLDQ_I); }

/* PSHUFB (SSSE3). Without it, the byte table a and the indices b go to two spill slots and
 * each result byte is looked up with GPRs (rare hosts: Core 2 and later all have SSSE3):
 * dl = a[b_i & 15], zeroed by cmovs where bit 7 of b_i is set, written over b_i. */
void cg_VSHUFB(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    IrRef a = in->arg[0], b = in->arg[1];
    if (c->has_ssse3) {
        unsigned d = cg_dst_xmm(c, b);             /* a is written into d before b is read */
        cg_load_xmm(c, d, a);
        x64_sse38_rx(e, X64_PSHUFB_38, d, cg_xmm_rm(c, b, X64_XMM1));
        cg_def_xmm(c, d);
        return;
    }
    int s = cg_slot_alloc(c, 2);
    X64Rm tab = slot_mem(s), idx = slot_mem(s + 1);
    x64_sse_rx(e, X64_MOVDQA_ST, cg_xmm_reg(c, a, X64_XMM0), tab);
    x64_sse_rx(e, X64_MOVDQA_ST, cg_xmm_reg(c, b, X64_XMM1), idx);
    x64_alu_rr(e, X64_XOR, 4, X64_RCX, X64_RCX);
    for (int32_t i = 0; i < 16; i++) {
        X64Rm bi = x64_rm_off(idx, i);
        x64_movzx_rx(e, 1, X64_RAX, bi);
        x64_mov_rr(e, 4, X64_RDX, X64_RAX);
        x64_alu_ri(e, X64_AND, 4, X64_RDX, 15);
        x64_movzx_rx(e, 1, X64_RDX, x64_mx(X64_RSP, X64_RDX, 0, tab.disp));
        x64_test_xr(e, 1, x64_r(X64_RAX), X64_RAX);
        x64_cmov_rx(e, X64_CC_S, 4, X64_RDX, x64_r(X64_RCX));
        x64_mov_xr(e, 1, bi, X64_RDX);
    }
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rx(e, X64_MOVDQA_LD, d, idx);
    cg_def_xmm(c, d);
    cg_slot_free(c, s, 2);
}

/* PALIGNR (SSSE3), else the two byte shifts and an OR. */
void cg_VALIGNR(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    IrRef a = in->arg[0], b = in->arg[1];
    uint8_t n = (uint8_t)in->imm[0];
    if (n == 0) {                               /* the low half: b */
        unsigned d = cg_dst_xmm(c, IR_NONE);
        cg_load_xmm(c, d, b);
        cg_def_xmm(c, d);
        return;
    }
    if (c->has_ssse3) {
        unsigned d = cg_dst_xmm(c, b);
        cg_load_xmm(c, d, a);
        x64_sse3a_rxi(e, X64_PALIGNR_3A, d, cg_xmm_rm(c, b, X64_XMM1), n);
        cg_def_xmm(c, d);
        return;
    }
    cg_load_xmm(c, X64_XMM0, a);
    cg_load_xmm(c, X64_XMM1, b);
    x64_sse_shift_i(e, X64_PSHIFTQ_I, X64_PSLLDQ_I, X64_XMM0, (uint8_t)(16 - n));
    x64_sse_shift_i(e, X64_PSHIFTQ_I, X64_PSRLDQ_I, X64_XMM1, n);
    x64_sse_rr(e, X64_POR, X64_XMM0, X64_XMM1);
    cg_def_xmm(c, X64_XMM0);
}

typedef enum VShift { VS_SHL, VS_SHR, VS_SAR } VShift;

/* xmm0 = xmm0 shifted per 8-bit lane by the count in xmm3 (SSE has no byte shifts): widen to
 * 16-bit lanes in xmm0 (low bytes) and xmm2 (high bytes), shift, narrow back. Logical shifts
 * zero-extend (SHL then masks each word to its low byte, so PACKUSWB cannot saturate);
 * SAR sign-extends by unpacking a byte with itself and shifting the word right by 8. */
static void vshift8(CgCtx *c, VShift kind)
{
    X64Emit *e = &c->e;
    x64_sse_rr(e, X64_MOVAPS_LD, X64_XMM2, X64_XMM0);
    if (kind == VS_SAR) {
        x64_sse_rr(e, X64_PUNPCKLBW, X64_XMM0, X64_XMM0);
        x64_sse_rr(e, X64_PUNPCKHBW, X64_XMM2, X64_XMM2);
        x64_sse_shift_i(e, X64_PSHIFTW_I, X64_PSRA_I, X64_XMM0, 8);
        x64_sse_shift_i(e, X64_PSHIFTW_I, X64_PSRA_I, X64_XMM2, 8);
        x64_sse_rr(e, X64_PSRAW, X64_XMM0, X64_XMM3);
        x64_sse_rr(e, X64_PSRAW, X64_XMM2, X64_XMM3);
        x64_sse_rr(e, X64_PACKSSWB, X64_XMM0, X64_XMM2);
        return;
    }
    x64_sse_rr(e, X64_PXOR, X64_XMM1, X64_XMM1);
    x64_sse_rr(e, X64_PUNPCKLBW, X64_XMM0, X64_XMM1);
    x64_sse_rr(e, X64_PUNPCKHBW, X64_XMM2, X64_XMM1);
    X64SseOp op = kind == VS_SHL ? X64_PSLLW : X64_PSRLW;
    x64_sse_rr(e, op, X64_XMM0, X64_XMM3);
    x64_sse_rr(e, op, X64_XMM2, X64_XMM3);
    if (kind == VS_SHL) {
        x64_sse_rr(e, X64_PCMPEQW, X64_XMM1, X64_XMM1);
        x64_sse_shift_i(e, X64_PSHIFTW_I, X64_PSRL_I, X64_XMM1, 8);    /* 0x00ff per word */
        x64_sse_rr(e, X64_PAND, X64_XMM0, X64_XMM1);
        x64_sse_rr(e, X64_PAND, X64_XMM2, X64_XMM1);
    }
    x64_sse_rr(e, X64_PACKUSWB, X64_XMM0, X64_XMM2);
}

/* xmm0 = xmm0 >> xmm3 arithmetic per 64-bit lane (PSRAQ is AVX-512):
 * s = sign mask of each lane; ((a ^ s) >> n logical) ^ s. A count >= 64 gives s. */
static void vsar64(CgCtx *c)
{
    X64Emit *e = &c->e;
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM1, x64_r(X64_XMM0), 0xF5);   /* high halves twice */
    x64_sse_shift_i(e, X64_PSHIFTD_I, X64_PSRA_I, X64_XMM1, 31);
    x64_sse_rr(e, X64_PXOR, X64_XMM0, X64_XMM1);
    x64_sse_rr(e, X64_PSRLQ, X64_XMM0, X64_XMM3);
    x64_sse_rr(e, X64_PXOR, X64_XMM0, X64_XMM1);
}

/* Per-lane shifts by an I64 count. The x86 shifts by an XMM count use all 64 count bits and
 * give 0 (logical) or the sign (arithmetic) for counts >= the lane width: the IR's rule. */
static void vshift(CgCtx *c, const IrInsn *in, VShift kind)
{
    static const X64SseOp by_xmm[3][4] = {
        [VS_SHL] = { 0, X64_PSLLW, X64_PSLLD, X64_PSLLQ },
        [VS_SHR] = { 0, X64_PSRLW, X64_PSRLD, X64_PSRLQ },
        [VS_SAR] = { 0, X64_PSRAW, X64_PSRAD, 0 },
    };
    static const unsigned imm_ext[3] = { X64_PSLL_I, X64_PSRL_I, X64_PSRA_I };
    static const X64SseOp imm_group[4] = { 0, X64_PSHIFTW_I, X64_PSHIFTD_I, X64_PSHIFTQ_I };
    X64Emit *e = &c->e;
    unsigned L = (unsigned)in->imm[0], li = lane_idx(in->imm[0]);
    IrRef cnt = in->arg[1];
    X64SseOp op = by_xmm[kind][li];

    if (is_const(c, cnt)) {
        uint64_t n = const_val(c, cnt);
        if (kind == VS_SAR && n >= L)
            n = L - 1;                  /* same result: every bit a copy of the sign */
        if (n >= L || n == 0 || op) {
            unsigned d = cg_dst_xmm(c, IR_NONE);
            if (n >= L) {
                x64_sse_rr(e, X64_PXOR, d, d);
            } else {
                cg_load_xmm(c, d, in->arg[0]);
                if (n)
                    x64_sse_shift_i(e, imm_group[li], imm_ext[kind], d, (uint8_t)n);
            }
            cg_def_xmm(c, d);
            return;
        }
        cg_load_xmm(c, X64_XMM0, in->arg[0]);
        x64_mov_ri(e, X64_RAX, n);
        x64_sse_rx(e, X64_MOVD_TOX, X64_XMM3, x64_r(X64_RAX));
    } else {
        x64_sse_rxw(e, X64_MOVD_TOX, true, X64_XMM3, cg_home(c, cnt));    /* movq xmm3 */
        if (op) {
            unsigned d = cg_dst_xmm(c, IR_NONE);
            cg_load_xmm(c, d, in->arg[0]);
            x64_sse_rr(e, op, d, X64_XMM3);
            cg_def_xmm(c, d);
            return;
        }
        cg_load_xmm(c, X64_XMM0, in->arg[0]);
    }
    if (L == 8)
        vshift8(c, kind);
    else
        vsar64(c);
    cg_def_xmm(c, X64_XMM0);
}

void cg_VSHLI(CgCtx *c, const IrInsn *in) { vshift(c, in, VS_SHL); }
void cg_VSHRI(CgCtx *c, const IrInsn *in) { vshift(c, in, VS_SHR); }
void cg_VSARI(CgCtx *c, const IrInsn *in) { vshift(c, in, VS_SAR); }

void cg_VFROM64(CgCtx *c, const IrInsn *in)
{
    /* movq xmm, r/m64 zeroes the upper lane */
    X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rxw(&c->e, X64_MOVD_TOX, true, d, src);
    cg_def_xmm(c, d);
}

void cg_VINSERT64(CgCtx *c, const IrInsn *in)
{
    unsigned d = cg_dst_xmm(c, IR_NONE);
    cg_load_xmm(c, d, in->arg[0]);
    x64_sse_rxw(&c->e, X64_MOVD_TOX, true, X64_XMM1, cg_gpr_rm(c, in->arg[1], X64_RAX));
    if (in->imm[0] == 0)
        x64_sse_rr(&c->e, X64_MOVSD_LD, d, X64_XMM1);       /* low lane only */
    else
        x64_sse_rr(&c->e, X64_PUNPCKLQDQ, d, X64_XMM1);     /* {a.lo, b} */
    cg_def_xmm(c, d);
}

void cg_VEXTRACT64(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    unsigned lane = (unsigned)in->imm[0];
    const CgVal *av = &c->val[a];
    int slot = av->slot;                /* before the result may take it over */
    unsigned x = av->is_const || av->reg < 0 ? 0 : (unsigned)av->reg;
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (av->is_const) {                 /* a V128 constant's high lane is 0 */
        x64_mov_ri(&c->e, d, lane ? 0 : const_val(c, a));
    } else if (av->reg < 0) {
        x64_mov_rx(&c->e, 8, d, x64_rm_off(slot_mem(slot), 8 * (int32_t)lane));
    } else {
        if (lane) {
            x64_sse_rxi(&c->e, X64_PSHUFD, X64_XMM0, x64_r(x), 0xEE);
            x = X64_XMM0;
        }
        x64_sse_rxw(&c->e, X64_MOVD_FROMX, true, x, x64_r(d));
    }
    cg_def_gpr(c, d);
}

/* An F32/F64 lives in the low bytes of its XMM register (codegen.h), so the V128 register is
 * already the value: nothing to emit when the result takes over the dying operand's register
 * (pick_reg's first choice), else one register copy. */
void cg_VLOWF(CgCtx *c, const IrInsn *in)
{
    unsigned d = cg_dst_xmm(c, IR_NONE);
    cg_load_xmm(c, d, in->arg[0]);
    cg_def_xmm(c, d);
}

/* MOVSS/MOVSD xmm, xmm merge the low lane (the memory forms would zero the rest, so the scalar
 * is always in a register). A zero V128 with an F64 is MOVQ, which zeroes the upper half. */
void cg_VSETLOWF(CgCtx *c, const IrInsn *in)
{
    IrRef x = in->arg[0], f = in->arg[1];
    bool f32 = ty(c, f) == IR_F32;
    if (!f32 && is_const(c, x) && const_val(c, x) == 0) {
        X64Rm src = cg_xmm_rm(c, f, X64_XMM1);
        unsigned d = cg_dst_xmm(c, IR_NONE);
        x64_sse_rx(&c->e, X64_MOVQ_LD, d, src);
        cg_def_xmm(c, d);
        return;
    }
    unsigned s = cg_xmm_reg(c, f, X64_XMM1);
    unsigned d = cg_dst_xmm(c, f);                 /* x is written into d before f is read */
    cg_load_xmm(c, d, x);
    x64_sse_rr(&c->e, f32 ? X64_MOVSS_LD : X64_MOVSD_LD, d, s);
    cg_def_xmm(c, d);
}

/* Packed FP: the SSE packed instructions have the per-lane semantics of the scalar ones. */
static void vfbin(CgCtx *c, const IrInsn *in, X64SseOp ps, X64SseOp pd)
{
    vbin(c, in, in->imm[0] == 32 ? ps : pd);
}

void cg_VFADD(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_ADDPS, X64_ADDPD); }
void cg_VFSUB(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_SUBPS, X64_SUBPD); }
void cg_VFMUL(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_MULPS, X64_MULPD); }
void cg_VFDIV(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_DIVPS, X64_DIVPD); }
void cg_VFMIN(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_MINPS, X64_MINPD); }
void cg_VFMAX(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_MAXPS, X64_MAXPD); }

void cg_VFSQRT(CgCtx *c, const IrInsn *in)
{
    X64Rm src = cg_xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rx(&c->e, in->imm[0] == 32 ? X64_SQRTPS : X64_SQRTPD, d, src);
    cg_def_xmm(c, d);
}

/* CMPPS/CMPPD take the IrFCond value as their predicate, like CMPSS/CMPSD. */
void cg_VFCMP(CgCtx *c, const IrInsn *in)
{
    IrRef y = in->arg[1];
    unsigned d = cg_dst_xmm(c, y == in->arg[0] ? IR_NONE : y);
    cg_load_xmm(c, d, in->arg[0]);
    x64_sse_rxi(&c->e, in->imm[0] == 32 ? X64_CMPPS : X64_CMPPD, d, cg_xmm_rm(c, y, X64_XMM1),
                (uint8_t)in->imm[1]);
    cg_def_xmm(c, d);
}

/* ---------------------------------------------------------------- scalar floating point */

/* SSE scalar ops have exactly the IR's semantics (the IR follows x86 SSE): NaN propagation,
 * default NaN, MINSS/MAXSS operand order, integer indefinite. */
static void fbin(CgCtx *c, const IrInsn *in, X64SseOp ss, X64SseOp sd)
{
    IrRef y = in->arg[1];
    unsigned d = cg_dst_xmm(c, y == in->arg[0] ? IR_NONE : y);
    cg_load_xmm(c, d, in->arg[0]);
    x64_sse_rx(&c->e, in->type == IR_F32 ? ss : sd, d, cg_xmm_rm(c, in->arg[1], X64_XMM1));
    cg_def_xmm(c, d);
}

void cg_FADD(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_ADDSS, X64_ADDSD); }
void cg_FSUB(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_SUBSS, X64_SUBSD); }
void cg_FMUL(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_MULSS, X64_MULSD); }
void cg_FDIV(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_DIVSS, X64_DIVSD); }
void cg_FMIN(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_MINSS, X64_MINSD); }
void cg_FMAX(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_MAXSS, X64_MAXSD); }

void cg_FSQRT(CgCtx *c, const IrInsn *in)
{
    X64SseOp op = in->type == IR_F32 ? X64_SQRTSS : X64_SQRTSD;
    X64Rm src = cg_xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rx(&c->e, op, d, src);
    cg_def_xmm(c, d);
}

/* FCMP predicates that one UCOMISS/UCOMISD and one host condition decide. UCOMIS x, y sets
 * ZF PF CF to 111 unordered, 000 x > y, 001 x < y, 100 equal; with the operands swapped
 * (x = b, y = a) "above" is a < b and ordered. EQ and NEQ need ZF and PF together, so they
 * are not fused. */
bool cg_fcmp_fusable(int64_t pred, X64Cond *cc, bool *swap)
{
    switch (pred) {
    case IR_FLT:    *cc = X64_CC_A;  *swap = true;  return true;
    case IR_FLE:    *cc = X64_CC_AE; *swap = true;  return true;
    case IR_FNLT:   *cc = X64_CC_BE; *swap = true;  return true;
    case IR_FNLE:   *cc = X64_CC_B;  *swap = true;  return true;
    case IR_FUNORD: *cc = X64_CC_P;  *swap = false; return true;
    case IR_FORD:   *cc = X64_CC_NP; *swap = false; return true;
    default:        return false;
    }
}

/* Whether CMPSS/CMPSD with predicate `pred` raises IE on a quiet NaN: LT LE NLT NLE do. */
static bool cmpss_signals(int64_t pred)
{
    return pred == IR_FLT || pred == IR_FLE || pred == IR_FNLT || pred == IR_FNLE;
}

/* Whether the host flags hold a (U)COMIS of x, y with this signalling and size, emitted by
 * the FCMP whose code ends where the current one starts (fcmp_comis). Repeating it would
 * raise the same FP flags again, which changes nothing (they are sticky). */
static bool comis_cached(const CgCtx *c, const IrInsn *in, bool f32, IrRef x, IrRef y)
{
    return c->comis_end == c->e.p && c->comis_x == x && c->comis_y == y &&
           c->comis_sig == (in->imm[1] != 0) && c->comis_f32 == f32;
}

/* UCOMIS, or COMIS for a signalling FCMP (imm1): the same flags, IE on any NaN. The caller
 * sets c->comis_end when its code after this keeps the flags. */
static void fcmp_comis(CgCtx *c, const IrInsn *in, bool f32, IrRef x, IrRef y)
{
    if (!comis_cached(c, in, f32, x, y)) {
        X64SseOp op = in->imm[1] ? (f32 ? X64_COMISS : X64_COMISD)
                                 : (f32 ? X64_UCOMISS : X64_UCOMISD);
        unsigned xr = cg_xmm_reg(c, x, X64_XMM0);
        x64_sse_rx(&c->e, op, xr, cg_xmm_rm(c, y, X64_XMM1));
    }
    c->comis_x = x;
    c->comis_y = y;
    c->comis_sig = in->imm[1] != 0;
    c->comis_f32 = f32;
    c->comis_end = NULL;
}

/* An FCMP that only the next EXIT_IF or SELECT reads (in_flags) is a (U)COMIS left in the
 * flags. Otherwise CMPSS/CMPSD, whose predicate is the IrFCond value (bit 0 of the mask is the
 * answer), when its signalling matches imm1 and the flags do not hold the compare already;
 * else (U)COMIS and SETcc (EQ/NEQ: SETcc and CMOVP), which keep the flags for the next FCMP
 * of the same operands (a compare whose flags the guest reads several ways). */
void cg_FCMP(CgCtx *c, const IrInsn *in)
{
    bool f32 = ty(c, in->arg[0]) == IR_F32;
    int64_t pred = in->imm[0];
    X64Cond cc;
    bool swap;
    if (c->val[c->cur].in_flags && cg_fcmp_fusable(pred, &cc, &swap)) {
        fcmp_comis(c, in, f32, swap ? in->arg[1] : in->arg[0], swap ? in->arg[0] : in->arg[1]);
        c->flags_cc = cc;
        return;
    }
    bool fusable = cg_fcmp_fusable(pred, &cc, &swap);
    bool cached = fusable && comis_cached(c, in, f32, swap ? in->arg[1] : in->arg[0],
                                          swap ? in->arg[0] : in->arg[1]);
    if (cmpss_signals(pred) == (in->imm[1] != 0) && !cached) {
        X64SseOp op = f32 ? X64_CMPSS : X64_CMPSD;
        cg_load_xmm(c, X64_XMM0, in->arg[0]);
        x64_sse_rxi(&c->e, op, X64_XMM0, cg_xmm_rm(c, in->arg[1], X64_XMM1), (uint8_t)pred);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_sse_rx(&c->e, X64_MOVD_FROMX, X64_XMM0, x64_r(d));
        x64_alu_ri(&c->e, X64_AND, 4, d, 1);
        cg_def_gpr(c, d);
        return;
    }
    if (fusable) {
        fcmp_comis(c, in, f32, swap ? in->arg[1] : in->arg[0], swap ? in->arg[0] : in->arg[1]);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_setcc_x(&c->e, cc, x64_r(d));
        x64_movzx_rx(&c->e, 1, d, x64_r(d));
        cg_def_gpr(c, d);
        c->comis_end = c->e.p;          /* SETcc, MOVZX, MOV: the flags are intact */
        return;
    }
    /* EQ: ZF and not PF; NEQ: not ZF or PF: the ZF answer, replaced by the unordered one
     * when PF says so (MOV and CMOV keep the flags). RCX is free between instructions. */
    fcmp_comis(c, in, f32, in->arg[0], in->arg[1]);
    bool eq = pred == IR_FEQ;
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    x64_setcc_x(&c->e, eq ? X64_CC_E : X64_CC_NE, x64_r(d));
    x64_movzx_rx(&c->e, 1, d, x64_r(d));
    x64_mov_ri(&c->e, X64_RCX, eq ? 0 : 1);
    x64_cmov_rx(&c->e, X64_CC_P, 4, d, x64_r(X64_RCX));
    cg_def_gpr(c, d);
    c->comis_end = c->e.p;
}

/* (U)COMIS, then its ZF PF CF as a flags word: LAHF puts SF ZF 0 AF 0 PF 1 CF in AH, and
 * (U)COMIS clears SF and AF, so AH - 2 is the word; MOVZX, LEA and MOV keep the host flags for
 * the branch on them that usually follows (comis_cached). Without LAHF: PUSHF, POP, AND. */
void cg_FCMPFLAGS(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    fcmp_comis(c, in, ty(c, in->arg[0]) == IR_F32, in->arg[0], in->arg[1]);
    if (c->has_lahf) {
        x64_insn(e);
        emit_u8(e, 0x9F);                           /* lahf */
        x64_insn(e);
        emit_u8(e, 0x0F);                           /* movzx eax, ah */
        emit_u8(e, 0xB6);
        emit_u8(e, 0xC4);
        x64_lea_rm(e, 4, X64_RAX, x64_m(X64_RAX, -2));
        cg_def_gpr(c, X64_RAX);
        c->comis_end = c->e.p;
        return;
    }
    x64_insn(e);
    emit_u8(e, 0x9C);                               /* pushfq */
    x64_pop_r(e, X64_RAX);
    x64_alu_ri(e, X64_AND, 4, X64_RAX, 0x45);
    cg_def_gpr(c, X64_RAX);
}

/* CVTT* truncate; CVT* round per MXCSR, which holds the guest's FP environment (ir.h). */
static void f2i(CgCtx *c, const IrInsn *in, bool nearest)
{
    bool f32 = ty(c, in->arg[0]) == IR_F32;
    X64SseOp op = nearest ? (f32 ? X64_CVTSS2SI : X64_CVTSD2SI)
                          : (f32 ? X64_CVTTSS2SI : X64_CVTTSD2SI);
    X64Rm src = cg_xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    x64_sse_rxw(&c->e, op, in->type == IR_I64, d, src);
    cg_def_gpr(c, d);
}

void cg_F2I(CgCtx *c, const IrInsn *in)    { f2i(c, in, false); }
void cg_F2I_RN(CgCtx *c, const IrInsn *in) { f2i(c, in, true); }

void cg_I2F(CgCtx *c, const IrInsn *in)
{
    X64SseOp op = in->type == IR_F32 ? X64_CVTSI2SS : X64_CVTSI2SD;
    bool w = ty(c, in->arg[0]) == IR_I64;
    X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rr(&c->e, X64_PXOR, d, d);     /* no false dependency on the old contents */
    x64_sse_rxw(&c->e, op, w, d, src);
    cg_def_xmm(c, d);
}

void cg_FCVT(CgCtx *c, const IrInsn *in)
{
    X64SseOp op = in->type == IR_F64 ? X64_CVTSS2SD : X64_CVTSD2SS;
    X64Rm src = cg_xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = cg_dst_xmm(c, IR_NONE);
    x64_sse_rx(&c->e, op, d, src);
    cg_def_xmm(c, d);
}
