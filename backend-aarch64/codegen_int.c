/* codegen_int.c — aarch64 code for the integer ops: arithmetic, logic, shifts and rotates,
 * bit counts, widths, compares and SELECT (codegen.c's header has the conventions: values
 * zero-extended in X registers, W forms for I32, 8/16-bit results re-zero-extended, shift
 * counts mod w, compares fused into NZCV where liveness says so).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_ops.h"

/* ---------------------------------------------------------------- integer arithmetic */


/* Zero-extend an 8/16-bit result computed in a W register. */
static void zext_small(CgCtx *c, unsigned d, unsigned size)
{
    if (size < 4)
        a64_uxt(&c->e, d, d, size * 8);
}

/* ADD/SUB: an immediate operand (or its negation with the other op) when encodable. */
static void addsub(CgCtx *c, const IrInsn *in, bool sub)
{
    unsigned sz = tsize((IrType)in->type);
    bool sf = sz == 8;
    IrRef b = in->arg[1];
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    if (is_const(c, b)) {
        uint64_t k = const_val(c, b);
        A64Ins op = sub ? A64_SUB_I : A64_ADD_I;
        int f = a64_addsub_imm(k);
        if (f < 0) {
            f = a64_addsub_imm(-k & mask_bits(sf ? 64 : 32));
            op = sub ? A64_ADD_I : A64_SUB_I;
        }
        if (f >= 0 && a != A64_ZR) {
            unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
            a64_addsub_ri(&c->e, op, sf, d, a, f);
            zext_small(c, d, sz);
            cg_def_gpr(c, d);
            return;
        }
    }
    unsigned bm = cg_gpr(c, b, OPB_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(&c->e, sub ? A64_SUB_R : A64_ADD_R, sf, d, a, bm, A64_LSL, 0);
    zext_small(c, d, sz);
    cg_def_gpr(c, d);
}

void cg_ADD(CgCtx *c, const IrInsn *in) { addsub(c, in, false); }
void cg_SUB(CgCtx *c, const IrInsn *in) { addsub(c, in, true); }

/* AND/OR/XOR: zero-extended inputs give a zero-extended result; a bitmask immediate operand
 * is used directly. */
static void logic(CgCtx *c, const IrInsn *in, A64Ins rr, A64Ins ri)
{
    bool sf = tsize((IrType)in->type) == 8;
    IrRef b = in->arg[1];
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    if (is_const(c, b)) {
        int f = a64_logical_imm(const_val(c, b), sf ? 64 : 32);
        if (f >= 0) {
            unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
            a64_logic_ri(&c->e, ri, sf, d, a, f);
            cg_def_gpr(c, d);
            return;
        }
    }
    unsigned bm = cg_gpr(c, b, OPB_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(&c->e, rr, sf, d, a, bm, A64_LSL, 0);
    cg_def_gpr(c, d);
}

void cg_AND(CgCtx *c, const IrInsn *in) { logic(c, in, A64_AND_R, A64_AND_I); }
void cg_OR(CgCtx *c, const IrInsn *in)  { logic(c, in, A64_ORR_R, A64_ORR_I); }
void cg_XOR(CgCtx *c, const IrInsn *in) { logic(c, in, A64_EOR_R, A64_EOR_I); }

void cg_MUL(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR), b = cg_gpr(c, in->arg[1], OPB_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_mul(&c->e, sz == 8, d, a, b);
    zext_small(c, d, sz);
    cg_def_gpr(c, d);
}

/* High half of the product. I64: UMULH/SMULH. I32: the 64-bit product of W registers
 * (UMADDL/SMADDL), bits 63:32. I8/I16: the 2w-bit product fits a W register (operands zero-
 * or sign-extended to 32 bits), bits 2w-1:w. */
static void mulh(CgCtx *c, const IrInsn *in, bool sign)
{
    A64Emit *e = &c->e;
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR), b = cg_gpr(c, in->arg[1], OPB_GPR);
    if (sz < 4 && sign) {
        a64_sxt(e, false, OPA_GPR, a, w);
        a64_sxt(e, false, OPB_GPR, b, w);
        a = OPA_GPR;
        b = OPB_GPR;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (sz == 8) {
        a64_madd(e, sign ? A64_SMULH : A64_UMULH, true, d, a, b, A64_ZR);
    } else if (sz == 4) {
        a64_madd(e, sign ? A64_SMADDL : A64_UMADDL, true, d, a, b, A64_ZR);
        a64_lsr_ri(e, true, d, d, 32);
    } else {
        a64_mul(e, false, d, a, b);
        a64_ubfx(e, false, d, d, w, w);
    }
    cg_def_gpr(c, d);
}

void cg_MULHU(CgCtx *c, const IrInsn *in) { mulh(c, in, false); }
void cg_MULHS(CgCtx *c, const IrInsn *in) { mulh(c, in, true); }


/* rd = the 8/16-bit value in rn replicated across 32 bits, so a 32-bit rotate rotates it
 * within its own width (8 and 16 divide 32). */
static void replicate_small(CgCtx *c, unsigned rd, unsigned rn, unsigned w)
{
    a64_alu_rrr(&c->e, A64_ORR_R, false, rd, rn, rn, A64_LSL, w);
    if (w == 8)
        a64_alu_rrr(&c->e, A64_ORR_R, false, rd, rd, rd, A64_LSL, 16);
}

/* Shift or rotate by a constant count n (already mod w). */
static void shift_const(CgCtx *c, ShiftKind k, unsigned sz, unsigned d, unsigned a, unsigned n)
{
    A64Emit *e = &c->e;
    unsigned w = sz * 8;
    bool sf = sz == 8, small = sz < 4;
    if (k == SK_ROL) {                  /* rol n = ror (w - n) */
        k = SK_ROR;
        n = (w - n) % w;
    }
    switch (k) {
    case SK_SHL:
        if (small)                      /* ubfiz: shift and keep w bits in one */
            a64_bfm(e, A64_UBFM, false, d, a, (32 - n) % 32, w - 1 - n);
        else
            a64_lsl_ri(e, sf, d, a, n);
        break;
    case SK_SHR:
        a64_lsr_ri(e, sf, d, a, n);
        break;
    case SK_SAR:
        if (small) {                    /* sbfx from bit n, w - n bits, then back to w bits */
            a64_bfm(e, A64_SBFM, false, d, a, n, w - 1);
            a64_uxt(e, d, d, w);
        } else {
            a64_asr_ri(e, sf, d, a, n);
        }
        break;
    default:                            /* SK_ROR */
        if (small) {
            a64_lsr_ri(e, false, OPC_GPR, a, n);
            a64_alu_rrr(e, A64_ORR_R, false, d, OPC_GPR, a, A64_LSL, w - n);
            a64_uxt(e, d, d, w);
        } else {                        /* extr d, a, a, #n */
            a64_extr(e, sf, d, a, a, n);
        }
        break;
    }
}

/* Shifts and rotates count mod w. A64's variable shifts use the count mod the register width:
 * exact for I32/I64; I8/I16 counts are masked (shifts) or need no mask (rotates of the
 * replicated value). */
static void shift(CgCtx *c, const IrInsn *in, ShiftKind k)
{
    A64Emit *e = &c->e;
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    bool sf = sz == 8, small = sz < 4;
    if (is_const(c, in->arg[1])) {
        unsigned n = (unsigned)(const_val(c, in->arg[1]) & (w - 1));
        unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
        unsigned d = cg_dst_gpr(c, k == SK_ROR || k == SK_ROL ? in->arg[0] : IR_NONE, IR_NONE);
        shift_const(c, k, sz, d, a, n);
        cg_def_gpr(c, d);
        return;
    }
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned n = cg_gpr(c, in->arg[1], OPB_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    switch (k) {
    case SK_SHL: case SK_SHR: case SK_SAR: {
        static const A64Ins ops[3] = { A64_LSLV, A64_LSRV, A64_ASRV };
        if (small) {
            a64_logic_ri(e, A64_AND_I, false, OPC_GPR, n, a64_logical_imm(w - 1, 32));
            n = OPC_GPR;
            if (k == SK_SAR) {
                a64_sxt(e, false, OPA_GPR, a, w);
                a = OPA_GPR;
            }
        }
        a64_shiftv(e, ops[k], sf, d, a, n);
        if (small && k != SK_SHR)
            a64_uxt(e, d, d, w);
        break;
    }
    default:
        if (k == SK_ROL) {              /* rol n = ror -n (mod the register width) */
            a64_alu_rrr(e, A64_SUB_R, false, OPC_GPR, A64_ZR, n, A64_LSL, 0);
            n = OPC_GPR;
        }
        if (small) {
            replicate_small(c, OPA_GPR, a, w);
            a = OPA_GPR;
        }
        a64_shiftv(e, A64_RORV, sf, d, a, n);
        if (small)
            a64_uxt(e, d, d, w);
        break;
    }
    cg_def_gpr(c, d);
}

void cg_SHL(CgCtx *c, const IrInsn *in) { shift(c, in, SK_SHL); }
void cg_SHR(CgCtx *c, const IrInsn *in) { shift(c, in, SK_SHR); }
void cg_SAR(CgCtx *c, const IrInsn *in) { shift(c, in, SK_SAR); }
void cg_ROL(CgCtx *c, const IrInsn *in) { shift(c, in, SK_ROL); }
void cg_ROR(CgCtx *c, const IrInsn *in) { shift(c, in, SK_ROR); }

void cg_NEG(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(&c->e, A64_SUB_R, sz == 8, d, A64_ZR, a, A64_LSL, 0);
    zext_small(c, d, sz);
    cg_def_gpr(c, d);
}

/* ~a: MVN at 32/64 bits; at 8/16 bits an EOR with the type's mask keeps it zero-extended. */
void cg_NOT(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (sz < 4)
        a64_logic_ri(&c->e, A64_EOR_I, false, d, a, a64_logical_imm(mask_bits(sz * 8), 32));
    else
        a64_alu_rrr(&c->e, A64_ORN_R, sz == 8, d, A64_ZR, a, A64_LSL, 0);
    cg_def_gpr(c, d);
}

/* ctz = clz(rbit a). An 8/16-bit input gets bit w set first, so zero gives w. */
void cg_CTZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    bool sf = sz == 8;
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    if (sz < 4) {
        a64_logic_ri(&c->e, A64_ORR_I, false, OPA_GPR, a, a64_logical_imm(1u << (sz * 8), 32));
        a = OPA_GPR;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_dp1(&c->e, A64_RBIT, sf, d, a);
    a64_dp1(&c->e, A64_CLZ, sf, d, d);
    cg_def_gpr(c, d);
}

/* clz of the zero-extended 32-bit value, less the 32 - w bits above an 8/16-bit type. */
void cg_CLZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_dp1(&c->e, A64_CLZ, sz == 8, d, a);
    if (sz < 4)
        a64_addsub_ri(&c->e, A64_SUB_I, false, d, d, (int)(32 - sz * 8));
    cg_def_gpr(c, d);
}

/* CNT counts the bits of each byte of the zero-extended 64-bit value; ADDV sums them. */
void cg_POPCNT(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    a64_fmov_gv(e, A64_FMOV_DX, RES_VEC, a);
    a64_v2(e, A64_V_CNT_8B, RES_VEC, RES_VEC);
    a64_v2(e, A64_V_ADDV_8B, RES_VEC, RES_VEC);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_fmov_gv(e, A64_FMOV_WS, d, RES_VEC);
    cg_def_gpr(c, d);
}

void cg_BSWAP(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (sz == 8)
        a64_dp1(&c->e, A64_REV_X, false, d, a);
    else        /* REV16 swaps within each halfword: exact for a zero-extended I16 */
        a64_dp1(&c->e, sz == 4 ? A64_REV_W : A64_REV16, false, d, a);
    cg_def_gpr(c, d);
}

/* ---------------------------------------------------------------- widths, compare, select */

void cg_ZEXT(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    if (c->val[a].lowpart) {    /* the low bits of a pinned register (CgVal.lowpart) */
        unsigned bits = 8 * tsize(ty(c, a));
        unsigned r = cg_gpr(c, a, OPA_GPR);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        if (bits == 32)
            a64_mov_rr(&c->e, false, d, r);         /* mov wd, wr */
        else
            a64_uxt(&c->e, d, r, bits);
        cg_def_gpr(c, d);
        return;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, a);                   /* already zero-extended */
    cg_def_gpr(c, d);
}

void cg_TRUNC(CgCtx *c, const IrInsn *in)
{
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_uxt(&c->e, d, a, tsize((IrType)in->type) * 8);
    cg_def_gpr(c, d);
}

void cg_SEXT(CgCtx *c, const IrInsn *in)
{
    unsigned dsz = tsize((IrType)in->type), ssz = tsize(ty(c, in->arg[0]));
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_sxt(&c->e, dsz == 8, d, a, ssz * 8);
    if (dsz == 2)       /* sign-extended to 32 bits: cut back to 16, zero-extended */
        a64_uxt(&c->e, d, d, 16);
    cg_def_gpr(c, d);
}

/* Same bits, possibly another register class. */
void cg_BITCAST(CgCtx *c, const IrInsn *in)
{
    IrType t = (IrType)in->type, at = ty(c, in->arg[0]);
    CgClass dc = class_of(t), sc = class_of(at);
    bool w64 = tsize(t) == 8;
    if (dc == CG_GPR && sc == CG_GPR) {
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        cg_load_gpr(c, d, in->arg[0]);
        cg_def_gpr(c, d);
    } else if (dc == CG_VEC && sc == CG_VEC) {
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        cg_load_vec(c, d, in->arg[0]);
        cg_def_vec(c, d);
    } else if (dc == CG_VEC && sc == CG_GPR) {      /* fmov s, w / d, x */
        unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        a64_fmov_gv(&c->e, w64 ? A64_FMOV_DX : A64_FMOV_SW, d, a);
        cg_def_vec(c, d);
    } else if (dc == CG_GPR && sc == CG_VEC) {      /* fmov w, s / x, d: zero-extends */
        unsigned x = cg_vec_reg(c, in->arg[0], OPA_VEC);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        a64_fmov_gv(&c->e, w64 ? A64_FMOV_XD : A64_FMOV_WS, d, x);
        cg_def_gpr(c, d);
    } else {                                        /* F80, V256: same class, copy */
        cg_copy_value(c, cg_def_mem(c), in->arg[0]);
    }
}

static const A64Cond cond_cc[IR_COND_COUNT] = {
    [IR_EQ] = A64_CC_EQ,  [IR_NE] = A64_CC_NE,
    [IR_LTU] = A64_CC_LO, [IR_GEU] = A64_CC_HS,
    [IR_LEU] = A64_CC_LS, [IR_GTU] = A64_CC_HI,
    [IR_LTS] = A64_CC_LT, [IR_GES] = A64_CC_GE,
    [IR_LES] = A64_CC_LE, [IR_GTS] = A64_CC_GT,
};

/* NZCV = compare of a and b at their own width. I32/I64 compare W/X registers; zero-extended
 * I8/I16 values compare exactly as W registers for equality and unsigned conditions; for
 * signed ones both are shifted to the top of a W register (cmp (a << s), (b << s)), which
 * orders them as w-bit signed values. */
static void emit_compare(CgCtx *c, IrRef ra, IrRef rb, IrCond cond)
{
    A64Emit *e = &c->e;
    unsigned sz = tsize(ty(c, ra));
    bool sf = sz == 8;
    unsigned a = cg_gpr(c, ra, OPA_GPR);
    if (sz < 4 && cond >= IR_LTS) {
        unsigned s = 32 - sz * 8;
        a64_lsl_ri(e, false, OPA_GPR, a, s);
        if (is_const(c, rb)) {
            a64_mov_imm(e, OPB_GPR, (const_val(c, rb) << s) & 0xffffffffu);
            a64_cmp_rr(e, false, OPA_GPR, OPB_GPR, A64_LSL, 0);
        } else {
            a64_cmp_rr(e, false, OPA_GPR, cg_gpr(c, rb, OPB_GPR), A64_LSL, s);
        }
        return;
    }
    if (is_const(c, rb) && a != A64_ZR) {
        uint64_t k = const_val(c, rb);
        int f = a64_addsub_imm(k);
        if (f >= 0) {
            a64_addsub_ri(e, A64_SUBS_I, sf, A64_ZR, a, f);
            return;
        }
        /* cmn a, #-k sets the same flags as cmp a, #k for k != 0 and k != INT_MIN (both are
         * excluded here: 0 is encodable, -INT_MIN is not) */
        f = a64_addsub_imm(-k & mask_bits(sf ? 64 : 32));
        if (f >= 0) {
            a64_addsub_ri(e, A64_ADDS_I, sf, A64_ZR, a, f);
            return;
        }
    }
    a64_cmp_rr(e, sf, a, cg_gpr(c, rb, OPB_GPR), A64_LSL, 0);
}

void cg_CMP(CgCtx *c, const IrInsn *in)
{
    IrCond cond = (IrCond)in->imm[0];
    if (c->val[c->cur].in_cbz)
        return;                     /* the EXIT_IF tests the operand (cg_branch_cond) */
    emit_compare(c, in->arg[0], in->arg[1], cond);
    if (c->val[c->cur].in_flags) {  /* the next instruction branches or selects on it */
        c->flags_cc = cond_cc[cond];
        return;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    a64_cset(&c->e, d, cond_cc[cond]);
    cg_def_gpr(c, d);
}

/* The I8 condition is held zero-extended, so a 32-bit compare with 0 is exact. */
A64Cond cg_test_cond(CgCtx *c, IrRef v)
{
    const CgVal *cv = &c->val[v];
    assert(!cv->is_const);
    if (cv->in_flags)
        return c->flags_cc;
    unsigned r;
    if (cv->reg >= 0) {
        r = (unsigned)cv->reg;
    } else {
        cg_ldst(c, A64_LDRB, ADDR_GPR, A64_SP, A64_SLOT_DISP(cv->slot));
        r = ADDR_GPR;
    }
    a64_addsub_ri(&c->e, A64_SUBS_I, false, A64_ZR, r, 0);
    return A64_CC_NE;
}

uint8_t *cg_branch_cond(CgCtx *c, IrRef v, bool taken_if)
{
    const CgVal *cv = &c->val[v];
    assert(!cv->is_const);
    if (cv->in_flags)
        return a64_bcond_fwd(&c->e, taken_if ? c->flags_cc : c->flags_cc ^ 1);
    IrRef x = v;
    bool nz = taken_if;             /* CBNZ: taken when the register is != 0 */
    if (cv->in_cbz) {               /* v = (x == 0) or (x != 0) */
        const IrInsn *cmp = &c->blk->insn[v];
        x = cmp->arg[0];
        nz = (cmp->imm[0] == IR_NE) == taken_if;
    }
    unsigned r = cg_gpr(c, x, ADDR_GPR);
    return a64_cbz_fwd(&c->e, nz, tsize(ty(c, x)) == 8, r);
}

void cg_SELECT(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    IrRef cond = in->arg[0], a = in->arg[1], b = in->arg[2];
    IrType t = (IrType)in->type;
    if (is_const(c, cond)) {            /* only without folding: pick at compile time */
        IrRef pick = (const_val(c, cond) & 0xff) ? a : b;
        switch (class_of(t)) {
        case CG_GPR: cg_load_gpr(c, RES_GPR, pick); cg_def_gpr(c, RES_GPR); break;
        case CG_VEC: cg_load_vec(c, RES_VEC, pick); cg_def_vec(c, RES_VEC); break;
        case CG_MEM: cg_copy_value(c, cg_def_mem(c), pick); break;
        }
        return;
    }
    switch (class_of(t)) {
    case CG_GPR: {
        unsigned ra = cg_gpr(c, a, OPA_GPR), rb = cg_gpr(c, b, OPB_GPR);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        A64Cond cc = cg_test_cond(c, cond);
        a64_csel(e, A64_CSEL, true, d, ra, rb, cc);
        cg_def_gpr(c, d);
        break;
    }
    case CG_VEC: {
        unsigned va = cg_vec_reg(c, a, OPA_VEC), vb = cg_vec_reg(c, b, OPB_VEC);
        A64Cond cc = cg_test_cond(c, cond);
        if (t == IR_F32 || t == IR_F64) {
            unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
            a64_fcsel(e, t == IR_F64, d, va, vb, cc);
            cg_def_vec(c, d);
        } else {                        /* mask = cond ? ~0 : 0; bsl picks a's bits under it */
            a64_csetm(e, RES_GPR, cc);
            a64_dup_g(e, 3, TMP_VEC, RES_GPR);
            a64_vlogic(e, A64_V_BSL, TMP_VEC, va, vb);
            cg_def_vec(c, TMP_VEC);
        }
        break;
    }
    case CG_MEM: {
        A64Addr d = cg_def_mem(c);
        A64Cond cc = cg_test_cond(c, cond);
        uint8_t *else_ = a64_bcond_fwd(e, cc ^ 1);
        cg_copy_value(c, d, a);
        uint8_t *end = a64_b_fwd(e);
        a64_bind(e, else_);
        cg_copy_value(c, d, b);
        a64_bind(e, end);
        break;
    }
    }
}

