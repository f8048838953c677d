/* codegen_vec.c — aarch64 code for the V128 lane ops (NEON) and the packed and scalar
 * floating-point ops, with x86's NaN results repaired after each arithmetic op (codegen.c's
 * header, "Floating point").
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_ops.h"

/* ---------------------------------------------------------------- V128 */

/* d = a op b, the common shape of the three-register vector ops (lane: log2 lane bytes). */
static void vbin(CgCtx *c, const IrInsn *in, A64Ins op, unsigned lane, bool swap)
{
    unsigned va = cg_vec_reg(c, in->arg[0], OPA_VEC), vb = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    if (swap)
        a64_v3(&c->e, op, lane, d, vb, va);
    else
        a64_v3(&c->e, op, lane, d, va, vb);
    cg_def_vec(c, d);
}

void cg_VAND(CgCtx *c, const IrInsn *in)  { vbin(c, in, A64_V_AND, 0, false); }
void cg_VOR(CgCtx *c, const IrInsn *in)   { vbin(c, in, A64_V_ORR, 0, false); }
void cg_VXOR(CgCtx *c, const IrInsn *in)  { vbin(c, in, A64_V_EOR, 0, false); }
void cg_VANDN(CgCtx *c, const IrInsn *in) { vbin(c, in, A64_V_BIC, 0, true); } /* b & ~a */

void cg_VADD(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_ADD, lane_log(in->imm[0]), false);
}

void cg_VSUB(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_SUB, lane_log(in->imm[0]), false);
}

void cg_VSUBUSAT(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_UQSUB, lane_log(in->imm[0]), false);
}

/* A V128 constant 0 (CONST gives a V128 its low 64 bits, zeros above). */
static bool vzero_const(const CgCtx *c, IrRef v)
{
    return is_const(c, v) && ty(c, v) == IR_V128 && cg_const_val(c, v) == 0;
}

/* PCMPEQ against a zero vector (string code's pxor + pcmpeqb): CMEQ #0, no zero built. */
void cg_VCMPEQ(CgCtx *c, const IrInsn *in)
{
    unsigned lane = lane_log(in->imm[0]);
    for (unsigned z = 0; z < 2; z++) {
        if (!vzero_const(c, in->arg[z]))
            continue;
        unsigned x = cg_vec_reg(c, in->arg[z ^ 1], OPA_VEC);
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        a64_v3(&c->e, A64_V_CMEQ0, lane, d, x, 0);
        cg_def_vec(c, d);
        return;
    }
    vbin(c, in, A64_V_CMEQ, lane, false);
}

void cg_VCMPGTS(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_CMGT, lane_log(in->imm[0]), false);
}

void cg_VMINU(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_UMIN, lane_log(in->imm[0]), false);
}

void cg_VMAXU(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_UMAX, lane_log(in->imm[0]), false);
}

void cg_VUNPACKLO(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_ZIP1, lane_log(in->imm[0]), false);
}

void cg_VUNPACKHI(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_ZIP2, lane_log(in->imm[0]), false);
}

/* Gather the lanes' sign bits: USHR leaves each lane 0 or 1; each USRA step adds a copy of the
 * lanes twice as wide shifted right by half their width minus the bits gathered so far, which
 * packs neighbouring bits together without carries. Afterwards byte 0 of each 64-bit half
 * holds that half's bits: the result is byte 0 | byte 8 << (lanes / 2). */
void cg_VMOVMSK(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    unsigned lane = lane_log(in->imm[0]), esize = 8u << lane, lanes = 16u >> lane;
    unsigned x = cg_vec_reg(c, in->arg[0], OPA_VEC);
    a64_vshift_i(e, A64_V_USHR, esize, RES_VEC, x, esize - 1);
    unsigned bits = 1;                  /* mask bits gathered per lane so far */
    for (unsigned l = lane + 1; l <= 3; l++) {
        unsigned w = 8u << l;
        a64_w(e, A64_V_USRA | A64F_IMMHB(2 * w - (w / 2 - bits)) | A64F_RN(RES_VEC) |
                 A64F_RD(RES_VEC));
        bits *= 2;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (lanes == 16) {
        /* byte 8 next to byte 0 (byte 1 holds only carries of the steps), both at once */
        a64_ins_e(e, 0, RES_VEC, 1, RES_VEC, 8);
        a64_umov(e, 1, d, RES_VEC, 0);
    } else {
        a64_umov(e, 0, OPA_GPR, RES_VEC, 0);
        a64_umov(e, 0, OPB_GPR, RES_VEC, 8);
        a64_alu_rrr(e, A64_ORR_R, false, d, OPA_GPR, OPB_GPR, A64_LSL, lanes / 2);
    }
    cg_def_gpr(c, d);
}

/* The one-instruction permutations of the 32-bit lanes of a (result lane i = a's lane
 * sel[i]) that cg_VSHUF32 starts from: EXT rotations, DUP of a lane or a half, REV64 and the
 * ZIP/TRN/UZP forms with both operands a. */
typedef struct Shuf32 {
    uint8_t sel[4];
    A64Ins op;          /* a64_v3 form on .4s (REV64: vm 0); 0: EXT, DUP or the copy */
    uint8_t arg;        /* EXT: bytes; DUP: lane (dup_lane 2) or half (3) */
    uint8_t dup_lane;   /* 0: not a DUP */
} Shuf32;

static const Shuf32 shuf32_forms[] = {
    { { 0, 1, 2, 3 }, 0, 0, 0 },                /* the copy */
    { { 1, 2, 3, 0 }, 0, 4, 0 }, { { 2, 3, 0, 1 }, 0, 8, 0 }, { { 3, 0, 1, 2 }, 0, 12, 0 },
    { { 0, 0, 0, 0 }, 0, 0, 2 }, { { 1, 1, 1, 1 }, 0, 1, 2 }, { { 2, 2, 2, 2 }, 0, 2, 2 },
    { { 3, 3, 3, 3 }, 0, 3, 2 }, { { 0, 1, 0, 1 }, 0, 0, 3 }, { { 2, 3, 2, 3 }, 0, 1, 3 },
    { { 1, 0, 3, 2 }, A64_V_REV64, 0, 0 },
    { { 0, 0, 1, 1 }, A64_V_ZIP1, 0, 0 }, { { 2, 2, 3, 3 }, A64_V_ZIP2, 0, 0 },
    { { 0, 0, 2, 2 }, A64_V_TRN1, 0, 0 }, { { 1, 1, 3, 3 }, A64_V_TRN2, 0, 0 },
    { { 0, 2, 0, 2 }, A64_V_UZP1, 0, 0 }, { { 1, 3, 1, 3 }, A64_V_UZP2, 0, 0 },
};

static void emit_shuf32_form(A64Emit *e, const Shuf32 *f, unsigned d, unsigned a)
{
    if (f->dup_lane)
        a64_dup_e(e, f->dup_lane, d, a, f->arg);
    else if (f->op)
        a64_v3(e, f->op, 2, d, a, f->op == A64_V_REV64 ? 0 : a);
    else if (f->arg)
        a64_vext(e, d, a, a, f->arg);
    else if (d != a)
        a64_vmov(e, d, a);
}

/* PSHUFD: the one-instruction form (shuf32_forms) that gets the most lanes right, then an
 * INS for each other lane (into a register other than a's), or four INS if that is
 * shorter. pcmpistri's inline equal-any code rotates by 1-3 lanes: one EXT each, not four
 * INS. */
void cg_VSHUF32(CgCtx *c, const IrInsn *in)
{
    unsigned sel[4];
    for (unsigned i = 0; i < 4; i++)
        sel[i] = (unsigned)(in->imm[0] >> (2 * i)) & 3;
    const Shuf32 *best = NULL;
    unsigned best_miss = 4;
    for (size_t k = 0; k < sizeof shuf32_forms / sizeof shuf32_forms[0]; k++) {
        unsigned miss = 0;
        for (unsigned i = 0; i < 4; i++)
            miss += shuf32_forms[k].sel[i] != sel[i];
        if (miss < best_miss) {
            best = &shuf32_forms[k];
            best_miss = miss;
        }
    }
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    if (best && best_miss == 0) {           /* one instruction: d may be a's register */
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        emit_shuf32_form(&c->e, best, d, a);
        cg_def_vec(c, d);
        return;
    }
    unsigned d = cg_dst_vec(c, in->arg[0], IR_NONE);
    if (best && best_miss < 3)
        emit_shuf32_form(&c->e, best, d, a);
    else
        best = NULL;
    for (unsigned i = 0; i < 4; i++)
        if (!best || best->sel[i] != sel[i])
            a64_ins_e(&c->e, 2, d, i, a, sel[i]);
    cg_def_vec(c, d);
}

/* PSHUFLW/PSHUFHW: a copy of a with four 16-bit lanes of one half picked from that half. */
static void shuf16(CgCtx *c, const IrInsn *in, unsigned base)
{
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = cg_dst_vec(c, in->arg[0], IR_NONE);
    a64_vmov(&c->e, d, a);
    for (unsigned i = 0; i < 4; i++) {
        unsigned sel = (unsigned)(in->imm[0] >> (2 * i)) & 3;
        if (sel != i)
            a64_ins_e(&c->e, 1, d, base + i, a, base + sel);
    }
    cg_def_vec(c, d);
}

void cg_VSHUFLO16(CgCtx *c, const IrInsn *in) { shuf16(c, in, 0); }
void cg_VSHUFHI16(CgCtx *c, const IrInsn *in) { shuf16(c, in, 4); }

/* PSLLDQ/PSRLDQ: EXT with a zero vector. Counts above 15 give 0 (as on x86). */
static void byte_shift(CgCtx *c, const IrInsn *in, bool left)
{
    uint64_t n = (uint64_t)in->imm[0];
    if (n == 0 || n > 15) {
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        if (n)
            a64_vzero(&c->e, d);
        else
            cg_load_vec(c, d, in->arg[0]);
        cg_def_vec(c, d);
        return;
    }
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    a64_vzero(&c->e, OPB_VEC);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    if (left)       /* result byte i = a[i - n]: bytes 16-n.. of zero, then a */
        a64_vext(&c->e, d, OPB_VEC, a, (unsigned)(16 - n));
    else            /* result byte i = a[i + n] */
        a64_vext(&c->e, d, a, OPB_VEC, (unsigned)n);
    cg_def_vec(c, d);
}

void cg_VBSLL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, true); }
void cg_VBSRL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, false); }

/* PSHUFB: TBL with the indices masked to bit 7 and bits 3-0, so an index with bit 7 set is
 * >= 16 and TBL gives 0 for it, as PSHUFB does. */
void cg_VSHUFB(CgCtx *c, const IrInsn *in)
{
    unsigned va = cg_vec_reg(c, in->arg[0], OPA_VEC), vb = cg_vec_reg(c, in->arg[1], OPB_VEC);
    a64_vmovi_b(&c->e, RES_VEC, 0x8f);
    a64_vlogic(&c->e, A64_V_AND, RES_VEC, RES_VEC, vb);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_vtbl1(&c->e, d, va, RES_VEC);
    cg_def_vec(c, d);
}

/* PALIGNR: EXT takes bytes n.. of vm:vn, vn the low half. */
void cg_VALIGNR(CgCtx *c, const IrInsn *in)
{
    unsigned n = (unsigned)in->imm[0];
    if (n == 0) {
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        cg_load_vec(c, d, in->arg[1]);
        cg_def_vec(c, d);
        return;
    }
    unsigned va = cg_vec_reg(c, in->arg[0], OPA_VEC), vb = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_vext(&c->e, d, vb, va, n);
    cg_def_vec(c, d);
}

/* Per-lane shifts by an I64 count, which x86 applies with all 64 bits: counts >= the lane
 * width give 0 (logical) or the sign (arithmetic). A constant count is an immediate shift;
 * a variable one is clamped to the lane width (unsigned) and applied by USHL/SSHL, whose
 * per-lane count is a signed byte (negative: right) that saturates the same way. */
static void vshift(CgCtx *c, const IrInsn *in, ShiftKind k)
{
    A64Emit *e = &c->e;
    unsigned L = (unsigned)in->imm[0], lane = lane_log(in->imm[0]);
    IrRef cnt = in->arg[1];
    if (is_const(c, cnt)) {
        uint64_t n = const_val(c, cnt);
        if (k == SK_SAR && n >= L)
            n = L;                      /* SSHR #L: every bit a copy of the sign */
        unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        if (n >= L && k != SK_SAR)
            a64_vzero(e, d);
        else if (n == 0)
            a64_vmov(e, d, a);
        else
            a64_vshift_i(e, k == SK_SHL ? A64_V_SHL : k == SK_SHR ? A64_V_USHR : A64_V_SSHR,
                         L, d, a, (unsigned)n);
        cg_def_vec(c, d);
        return;
    }
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    unsigned n = cg_gpr(c, cnt, OPB_GPR);
    a64_mov_imm(e, RES_GPR, L);
    a64_cmp_rr(e, true, n, RES_GPR, A64_LSL, 0);
    a64_csel(e, A64_CSEL, true, RES_GPR, n, RES_GPR, A64_CC_LO);    /* min(n, L) */
    if (k != SK_SHL)
        a64_alu_rrr(e, A64_SUB_R, false, RES_GPR, A64_ZR, RES_GPR, A64_LSL, 0);
    a64_dup_g(e, lane, OPB_VEC, RES_GPR);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_v3(e, k == SK_SAR ? A64_V_SSHL : A64_V_USHL, lane, d, a, OPB_VEC);
    cg_def_vec(c, d);
}

void cg_VSHLI(CgCtx *c, const IrInsn *in) { vshift(c, in, SK_SHL); }
void cg_VSHRI(CgCtx *c, const IrInsn *in) { vshift(c, in, SK_SHR); }
void cg_VSARI(CgCtx *c, const IrInsn *in) { vshift(c, in, SK_SAR); }

void cg_VFROM64(CgCtx *c, const IrInsn *in)
{
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_fmov_gv(&c->e, A64_FMOV_DX, d, a);      /* zeroes the upper lane */
    cg_def_vec(c, d);
}

void cg_VINSERT64(CgCtx *c, const IrInsn *in)
{
    unsigned b = cg_gpr(c, in->arg[1], OPA_GPR);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    cg_load_vec(c, d, in->arg[0]);
    a64_ins_g(&c->e, 3, d, (unsigned)in->imm[0], b);
    cg_def_vec(c, d);
}

void cg_VEXTRACT64(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    unsigned lane = (unsigned)in->imm[0];
    const CgVal *av = &c->val[a];
    int slot = av->slot;                /* before the result may take it over */
    unsigned x = av->is_const || av->reg < 0 ? 0 : (unsigned)av->reg;
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (av->is_const)                   /* a V128 constant's high lane is 0 */
        a64_mov_imm(&c->e, d, lane ? 0 : const_val(c, a));
    else if (av->reg < 0)
        cg_ldst(c, A64_LDRX, d, A64_SP, A64_SLOT_DISP(slot) + 8 * (int32_t)lane);
    else
        a64_umov(&c->e, 3, d, x, lane);
    cg_def_gpr(c, d);
}

/* The scalar an XMM register holds: the low 32/64 bits (the bytes above are not read). */
void cg_VLOWF(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    const CgVal *av = &c->val[a];
    int slot = av->is_const || av->reg >= 0 ? -1 : av->slot;
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    if (slot >= 0)
        cg_ldst(c, cg_vec_kind((IrType)in->type, true), d, A64_SP, A64_SLOT_DISP(slot));
    else
        cg_load_vec(c, d, a);
    cg_def_vec(c, d);
}

/* movss/movsd xmm, xmm: a copy of a with lane 0 (32/64 bits) from b. */
void cg_VSETLOWF(CgCtx *c, const IrInsn *in)
{
    unsigned lane = ty(c, in->arg[1]) == IR_F32 ? 2 : 3;
    unsigned b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, in->arg[1], IR_NONE);
    cg_load_vec(c, d, in->arg[0]);
    a64_ins_e(&c->e, lane, d, 0, b, 0);
    cg_def_vec(c, d);
}

/* ---------------------------------------------------------------- packed floating point */

/* The NaN repair of nan_fixup, lane by lane and without branches, for d = op(a, b) (b -1 for
 * VFSQRT): d = ordered(d) ? d : !ordered(a) ? quiet(a) : !ordered(b) ? d : -d. */
static void vnan_fixup(CgCtx *c, bool dbl, unsigned d, unsigned a, int b)
{
    A64Emit *e = &c->e;
    a64_vf(e, A64_V_FNEG, dbl, TMP_VEC, d, 0);                  /* -d: the x86 default NaN */
    if (b >= 0) {
        a64_vf(e, A64_V_FCMEQ, dbl, TMP2_VEC, (unsigned)b, (unsigned)b);
        a64_vlogic(e, A64_V_BIF, TMP_VEC, d, TMP2_VEC);         /* b NaN: d (A64 kept b) */
        a64_vf(e, A64_V_FADD, dbl, TMP2_VEC, a, a);             /* quiet(a) */
        a64_vf(e, A64_V_FCMEQ, dbl, TMP3_VEC, a, a);
        a64_vlogic(e, A64_V_BIF, TMP_VEC, TMP2_VEC, TMP3_VEC);  /* a NaN: quiet(a) */
    } else {
        a64_vf(e, A64_V_FCMEQ, dbl, TMP2_VEC, a, a);
        a64_vlogic(e, A64_V_BIF, TMP_VEC, d, TMP2_VEC);         /* a NaN: A64's quiet(a) */
    }
    a64_vf(e, A64_V_FCMEQ, dbl, TMP2_VEC, d, d);
    a64_vlogic(e, A64_V_BIF, d, TMP_VEC, TMP2_VEC);             /* repair the NaN lanes only */
}

static void vfbin(CgCtx *c, const IrInsn *in, A64Ins op)
{
    bool dbl = in->imm[0] == 64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, in->arg[0], in->arg[1]);
    a64_vf(&c->e, op, dbl, d, a, b);
    vnan_fixup(c, dbl, d, a, (int)b);
    cg_def_vec(c, d);
}

void cg_VFADD(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FADD); }
void cg_VFSUB(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FSUB); }
void cg_VFMUL(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FMUL); }
void cg_VFDIV(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FDIV); }

void cg_VFSQRT(CgCtx *c, const IrInsn *in)
{
    bool dbl = in->imm[0] == 64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = cg_dst_vec(c, in->arg[0], IR_NONE);
    a64_vf(&c->e, A64_V_FSQRT, dbl, d, a, 0);
    vnan_fixup(c, dbl, d, a, -1);
    cg_def_vec(c, d);
}

/* MINPS/MAXPS per lane: a < b ? a : b (a > b for max); FCMGT is false for unordered lanes. */
static void vfminmax(CgCtx *c, const IrInsn *in, bool max)
{
    bool dbl = in->imm[0] == 64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    if (max)
        a64_vf(&c->e, A64_V_FCMGT, dbl, TMP_VEC, a, b);
    else
        a64_vf(&c->e, A64_V_FCMGT, dbl, TMP_VEC, b, a);
    a64_vlogic(&c->e, A64_V_BSL, TMP_VEC, a, b);
    cg_def_vec(c, TMP_VEC);
}

void cg_VFMIN(CgCtx *c, const IrInsn *in) { vfminmax(c, in, false); }
void cg_VFMAX(CgCtx *c, const IrInsn *in) { vfminmax(c, in, true); }

/* CMPPS/CMPPD: the ordered predicates are one compare (lt/le with the operands swapped);
 * their negations add a NOT; ordered = a >= b or a < b. */
void cg_VFCMP(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    bool dbl = in->imm[0] == 64;
    unsigned pred = (unsigned)in->imm[1];
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, in->arg[0], in->arg[1]);
    switch (pred & 3) {
    case IR_FEQ: a64_vf(e, A64_V_FCMEQ, dbl, d, a, b); break;
    case IR_FLT: a64_vf(e, A64_V_FCMGT, dbl, d, b, a); break;
    case IR_FLE: a64_vf(e, A64_V_FCMGE, dbl, d, b, a); break;
    default:     /* IR_FUNORD: not ordered */
        a64_vf(e, A64_V_FCMGE, dbl, TMP_VEC, a, b);
        a64_vf(e, A64_V_FCMGT, dbl, d, b, a);
        a64_vlogic(e, A64_V_ORR, d, d, TMP_VEC);
        pred ^= 4;
        break;
    }
    _Static_assert(IR_FNEQ == (IR_FEQ ^ 4) && IR_FORD == (IR_FUNORD ^ 4), "IrFCond order");
    if (pred & 4)
        a64_v2(e, A64_V_NOT, d, d);
    cg_def_vec(c, d);
}

/* ---------------------------------------------------------------- scalar floating point */

/* d holds the A64 result of an op on a (and b, for binary ops). When it is NaN, make it x86's:
 * the first NaN operand quieted, else the negative default NaN (A64's is positive; A64 also
 * prefers a signalling second operand over a quiet first one). Common path: fcmp + b.vc. */
static void nan_fixup(CgCtx *c, bool dbl, unsigned d, unsigned a, int b)
{
    A64Emit *e = &c->e;
    a64_fcmp(e, dbl, d, d);
    uint8_t *done = a64_bcond_fwd(e, A64_CC_VC);
    a64_fp2(e, A64_FNEG, dbl, TMP_VEC, d);              /* the default NaN, made negative */
    if (b >= 0) {
        a64_fcmp(e, dbl, (unsigned)b, (unsigned)b);
        a64_fcsel(e, dbl, d, d, TMP_VEC, A64_CC_VS);    /* b NaN: A64 propagated (quiet) b */
        a64_fp3(e, A64_FADD, dbl, TMP_VEC, a, a);       /* quiet(a), if a is a NaN */
        a64_fcmp(e, dbl, a, a);
        a64_fcsel(e, dbl, d, TMP_VEC, d, A64_CC_VS);
    } else {
        a64_fcmp(e, dbl, a, a);
        a64_fcsel(e, dbl, d, d, TMP_VEC, A64_CC_VS);    /* a NaN: A64 propagated quiet(a) */
    }
    a64_bind(e, done);
}

static void fbin(CgCtx *c, const IrInsn *in, A64Ins op)
{
    bool dbl = in->type == IR_F64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, in->arg[0], in->arg[1]);
    a64_fp3(&c->e, op, dbl, d, a, b);
    nan_fixup(c, dbl, d, a, (int)b);
    cg_def_vec(c, d);
}

void cg_FADD(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FADD); }
void cg_FSUB(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FSUB); }
void cg_FMUL(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FMUL); }
void cg_FDIV(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FDIV); }

/* x86 MINSD/MAXSD: a < b ? a : b and a > b ? a : b; NaN or equal operands give b. MI and GT
 * are false for unordered operands. */
static void fminmax(CgCtx *c, const IrInsn *in, bool max)
{
    bool dbl = in->type == IR_F64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_fcmp(&c->e, dbl, a, b);
    a64_fcsel(&c->e, dbl, d, a, b, max ? A64_CC_GT : A64_CC_MI);
    cg_def_vec(c, d);
}

void cg_FMIN(CgCtx *c, const IrInsn *in) { fminmax(c, in, false); }
void cg_FMAX(CgCtx *c, const IrInsn *in) { fminmax(c, in, true); }

void cg_FSQRT(CgCtx *c, const IrInsn *in)
{
    bool dbl = in->type == IR_F64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = cg_dst_vec(c, in->arg[0], IR_NONE);
    a64_fp2(&c->e, A64_FSQRT, dbl, d, a);
    nan_fixup(c, dbl, d, a, -1);
    cg_def_vec(c, d);
}

/* IrFCond (CMPSD order) as A64 conditions after FCMP a, b (unordered sets C and V). */
static const A64Cond fcond_cc[IR_FCOND_COUNT] = {
    [IR_FEQ] = A64_CC_EQ, [IR_FLT] = A64_CC_MI, [IR_FLE] = A64_CC_LS, [IR_FUNORD] = A64_CC_VS,
    [IR_FNEQ] = A64_CC_NE, [IR_FNLT] = A64_CC_PL, [IR_FNLE] = A64_CC_HI, [IR_FORD] = A64_CC_VC,
};

void cg_FCMP(CgCtx *c, const IrInsn *in)
{
    bool dbl = ty(c, in->arg[0]) == IR_F64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    if (in->imm[1]) a64_fcmpe(&c->e, dbl, a, b);      /* signalling (x86 COMISD) */
    else a64_fcmp(&c->e, dbl, a, b);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_cset(&c->e, d, fcond_cc[in->imm[0]]);
    cg_def_gpr(c, d);
}

/* x86's ZF PF CF from FCMP's NZCV (unordered 0011, less 1000, equal 0110, greater 0010):
 * CF = LT (N != V: less or unordered), PF = VS, ZF = EQ or VS. */
void cg_FCMPFLAGS(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    bool dbl = ty(c, in->arg[0]) == IR_F64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC), b = cg_vec_reg(c, in->arg[1], OPB_VEC);
    if (in->imm[1]) a64_fcmpe(e, dbl, a, b);         /* signalling (x86 COMISD) */
    else a64_fcmp(e, dbl, a, b);
    a64_cset(e, OPA_GPR, A64_CC_LT);
    a64_cset(e, OPB_GPR, A64_CC_VS);
    a64_cset(e, OPC_GPR, A64_CC_EQ);
    a64_alu_rrr(e, A64_ORR_R, false, OPC_GPR, OPC_GPR, OPB_GPR, A64_LSL, 0);
    a64_alu_rrr(e, A64_ORR_R, false, OPA_GPR, OPA_GPR, OPB_GPR, A64_LSL, 2);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(e, A64_ORR_R, false, d, OPA_GPR, OPC_GPR, A64_LSL, 6);
    cg_def_gpr(c, d);
}

/* FCVTZS truncates (F2I_RN rounds first with FRINTI, by FPCR's mode: the FP environment). A64 saturates; x86 gives
 * the minimum value whenever the rounded input is not below 2^(w-1) (positive overflow) or is
 * NaN, and negative overflow saturates to the minimum on both. */
static void f2i(CgCtx *c, const IrInsn *in, bool nearest)
{
    A64Emit *e = &c->e;
    bool dbl = ty(c, in->arg[0]) == IR_F64, sf = in->type == IR_I64;
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    if (nearest) {
        a64_fp2(e, A64_FRINTI, dbl, OPB_VEC, a);
        a = OPB_VEC;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_fcvt_int(e, A64_FCVTZS, sf, dbl, d, a);
    uint64_t bound = dbl ? (sf ? 0x43e0000000000000ull : 0x41e0000000000000ull)
                         : (sf ? 0x5f000000u : 0x4f000000u);          /* 2^63, 2^31 */
    a64_mov_imm(e, OPB_GPR, bound);
    a64_fmov_gv(e, dbl ? A64_FMOV_DX : A64_FMOV_SW, TMP_VEC, OPB_GPR);
    a64_fcmp(e, dbl, a, TMP_VEC);
    a64_movw(e, A64_MOVZ, sf, OPB_GPR, 0x8000, sf ? 3 : 1);          /* the minimum */
    a64_csel(e, A64_CSEL, sf, d, d, OPB_GPR, A64_CC_MI);
    cg_def_gpr(c, d);
}

void cg_F2I(CgCtx *c, const IrInsn *in)    { f2i(c, in, false); }
void cg_F2I_RN(CgCtx *c, const IrInsn *in) { f2i(c, in, true); }

void cg_I2F(CgCtx *c, const IrInsn *in)
{
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_fcvt_int(&c->e, A64_SCVTF, ty(c, in->arg[0]) == IR_I64, in->type == IR_F64, d, a);
    cg_def_vec(c, d);
}

/* FCVT quiets a NaN and keeps the top payload bits, as CVTSS2SD/CVTSD2SS do. */
void cg_FCVT(CgCtx *c, const IrInsn *in)
{
    unsigned a = cg_vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
    a64_fp2(&c->e, in->type == IR_F64 ? A64_FCVT_SD : A64_FCVT_DS, false, d, a);
    cg_def_vec(c, d);
}

