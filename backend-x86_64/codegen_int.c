/* codegen_int.c — the integer ops: arithmetic, multiply, shifts and rotates, bit counts,
 * widths (ZEXT/TRUNC/SEXT/BITCAST), CMP (materialised or left in the host flags for the next
 * EXIT_IF/SELECT) and SELECT. How an op is emitted: codegen.c's header.
 */
#include <assert.h>

#include "codegen_ops.h"

/* ---------------------------------------------------------------- integer arithmetic */

/* Ops at the type's own size leave the bits above it untouched (8/16-bit) or zeroed (32-bit),
 * so results stay zero-extended without a MOVZX. */
static void alu(CgCtx *c, const IrInsn *in, X64Alu op)
{
    unsigned sz = tsize((IrType)in->type);
    int32_t imm;
    IrRef x, y;
    if (c->val[c->cur].rmw) {
        /* op qword [r14 + F], y: the GET of F and the PUT back are this (codegen_plan.c) */
        IrRef g = c->val[in->arg[0]].rmw ? in->arg[0] : in->arg[1];
        IrRef o = g == in->arg[0] ? in->arg[1] : in->arg[0];
        X64Rm m = x64_m(X64_REG_STATE, (int32_t)c->blk->insn[g].imm[0]);
        if (const_imm32(c, o, 8, &imm))
            x64_alu_xi(&c->e, op, 8, m, imm);
        else
            x64_alu_xr(&c->e, op, 8, m, cg_gpr(c, o, X64_RCX));
        cg_release_args(c);
        return;
    }
    cg_two_address(c, in, CG_GPR, &x, &y);
    if (op == X64_ADD && sz >= 4 && const_imm32(c, y, sz, &imm) && !is_const(c, x) &&
        c->val[x].reg >= 0 && c->val[c->cur].reg >= 0 && c->val[c->cur].reg != c->val[x].reg) {
        /* x stays live in another register: LEA is the copy and the add in one (a 32-bit LEA
         * zero-extends like a 32-bit ADD) */
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_lea_rm(&c->e, sz, d, x64_m((unsigned)c->val[x].reg, imm));
        cg_def_gpr(c, d);
        return;
    }
    if (op == X64_ADD && sz >= 4 && !is_const(c, x) && !is_const(c, y) && c->val[x].reg >= 0 &&
        c->val[y].reg >= 0 && c->val[c->cur].reg >= 0 && c->val[c->cur].reg != c->val[x].reg &&
        c->val[c->cur].reg != c->val[y].reg) {
        /* both operands stay live in their registers: LEA [x + y] saves the copy */
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_lea_rm(&c->e, sz, d, x64_mx((unsigned)c->val[x].reg, (unsigned)c->val[y].reg, 0, 0));
        cg_def_gpr(c, d);
        return;
    }
    unsigned d = cg_dst_gpr(c, y == x ? IR_NONE : y, IR_NONE);
    cg_load_gpr(c, d, x);
    if (const_imm32(c, y, sz, &imm))
        x64_alu_xi(&c->e, op, sz, x64_r(d), imm);
    else
        x64_alu_rx(&c->e, op, sz, d, cg_gpr_rm(c, y, X64_RCX));
    cg_def_gpr(c, d);
}

void cg_ADD(CgCtx *c, const IrInsn *in) { alu(c, in, X64_ADD); }
void cg_SUB(CgCtx *c, const IrInsn *in) { alu(c, in, X64_SUB); }
void cg_AND(CgCtx *c, const IrInsn *in) { alu(c, in, X64_AND); }
void cg_OR(CgCtx *c, const IrInsn *in)  { alu(c, in, X64_OR); }
void cg_XOR(CgCtx *c, const IrInsn *in) { alu(c, in, X64_XOR); }

void cg_MUL(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    IrRef x, y;
    cg_two_address(c, in, CG_GPR, &x, &y);
    unsigned d = cg_dst_gpr(c, y == x ? IR_NONE : y, IR_NONE);
    cg_load_gpr(c, d, x);
    /* IMUL has no 8-bit two-operand form: multiply 32-bit, keep the low byte. */
    x64_imul_rx(&c->e, sz == 1 ? 4 : sz, d, cg_gpr_rm(c, y, X64_RCX));
    if (sz == 1)
        x64_movzx_rx(&c->e, 1, d, x64_r(d));
    cg_def_gpr(c, d);
}

/* High half of the product. I32/I64: one-operand MUL/IMUL leave it in edx/rdx (a 32-bit
 * write zero-extends). I8/I16: the 2w-bit product fits a 32-bit register, so multiply there
 * (operands zero- or sign-extended) and shift. */
static void mulh(CgCtx *c, const IrInsn *in, bool sign)
{
    unsigned sz = tsize((IrType)in->type);
    if (sz >= 4) {
        cg_load_gpr(c, X64_RAX, in->arg[0]);
        x64_unary_x(&c->e, sign ? X64_IMUL1 : X64_MUL, sz, cg_gpr_rm(c, in->arg[1], X64_RCX));
        cg_def_gpr(c, X64_RDX);
        return;
    }
    if (sign) {
        x64_movsx_rx(&c->e, 4, sz, X64_RAX, cg_gpr_rm(c, in->arg[0], X64_RAX));
        x64_movsx_rx(&c->e, 4, sz, X64_RCX, cg_gpr_rm(c, in->arg[1], X64_RCX));
    } else {
        cg_load_gpr(c, X64_RAX, in->arg[0]);
        cg_load_gpr(c, X64_RCX, in->arg[1]);
    }
    x64_imul_rx(&c->e, 4, X64_RAX, x64_r(X64_RCX));
    x64_shift_ri(&c->e, X64_SHR, 4, X64_RAX, (uint8_t)(sz * 8));
    if (sign)   /* the logical shift left the sign bits above the w-bit result */
        x64_movzx_rx(&c->e, sz, X64_RAX, x64_r(X64_RAX));
    cg_def_gpr(c, X64_RAX);
}

void cg_MULHU(CgCtx *c, const IrInsn *in) { mulh(c, in, false); }
void cg_MULHS(CgCtx *c, const IrInsn *in) { mulh(c, in, true); }

/* Shifts and rotates count mod w. The CPU masks counts to 5 (6 for 64-bit) bits, which is
 * mod w for I32/I64; I8/I16 counts are masked explicitly, and the op runs at the type's size
 * (so SAR sees the right sign bit and ROL rotates within w bits). */
static void shift(CgCtx *c, const IrInsn *in, X64Shift op)
{
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    if (is_const(c, in->arg[1])) {
        unsigned n = (unsigned)(const_val(c, in->arg[1]) & (w - 1));
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        int xr = is_const(c, in->arg[0]) ? -1 : c->val[in->arg[0]].reg;
        if (op == X64_SHL && sz >= 4 && n >= 1 && n <= 3 && xr >= 0 && (unsigned)xr != d &&
            xr != X64_RSP) {
            /* the operand stays live in its register: LEA [x * 2^n] is the copy and the shift
             * in one ([x + x] for n = 1, which needs no displacement) */
            X64Rm m = n == 1 ? x64_mx((unsigned)xr, (unsigned)xr, 0, 0)
                             : x64_mx(X64_NOREG, (unsigned)xr, n, 0);
            x64_lea_rm(&c->e, sz, d, m);
            cg_def_gpr(c, d);
            return;
        }
        cg_load_gpr(c, d, in->arg[0]);
        if (n)
            x64_shift_ri(&c->e, op, sz, d, (uint8_t)n);
        cg_def_gpr(c, d);
        return;
    }
    cg_load_gpr(c, X64_RCX, in->arg[1]);    /* the count is in cl before d is written */
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);
    if (w < 32)
        x64_alu_ri(&c->e, X64_AND, 4, X64_RCX, (int32_t)(w - 1));
    x64_shift_xcl(&c->e, op, sz, x64_r(d));
    cg_def_gpr(c, d);
}

void cg_SHL(CgCtx *c, const IrInsn *in) { shift(c, in, X64_SHL); }
void cg_SHR(CgCtx *c, const IrInsn *in) { shift(c, in, X64_SHR); }
void cg_SAR(CgCtx *c, const IrInsn *in) { shift(c, in, X64_SAR); }
void cg_ROL(CgCtx *c, const IrInsn *in) { shift(c, in, X64_ROL); }
void cg_ROR(CgCtx *c, const IrInsn *in) { shift(c, in, X64_ROR); }

static void unary(CgCtx *c, const IrInsn *in, X64Unary op)
{
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);
    x64_unary_x(&c->e, op, tsize((IrType)in->type), x64_r(d));
    cg_def_gpr(c, d);
}

void cg_NEG(CgCtx *c, const IrInsn *in) { unary(c, in, X64_NEG); }
void cg_NOT(CgCtx *c, const IrInsn *in) { unary(c, in, X64_NOT); }

/* BSF leaves ZF set for a zero source; CMOVZ then supplies w. (The source is zero-extended,
 * so a 32-bit scan is exact for I8/I16.) */
void cg_CTZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned opsz = sz == 8 ? 8 : 4;
    X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RCX);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    x64_bsf_rx(&c->e, opsz, d, src);
    x64_mov_ri(&c->e, X64_RDX, sz * 8);
    x64_cmov_rx(&c->e, X64_CC_E, 4, d, x64_r(X64_RDX));
    cg_def_gpr(c, d);
}

/* clz = (w-1) - bsr = (w-1) ^ bsr for bsr in 0..w-1; a zero source takes 2w-1, which the same
 * XOR turns into w. */
void cg_CLZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RCX);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    x64_bsr_rx(&c->e, sz == 8 ? 8 : 4, d, src);
    x64_mov_ri(&c->e, X64_RDX, 2 * w - 1);
    x64_cmov_rx(&c->e, X64_CC_E, 4, d, x64_r(X64_RDX));
    x64_alu_ri(&c->e, X64_XOR, 4, d, (int32_t)(w - 1));
    cg_def_gpr(c, d);
}

/* POPCNT when the host has it; otherwise the SWAR bit count on the zero-extended 64 bits. */
void cg_POPCNT(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    unsigned sz = tsize((IrType)in->type);
    if (c->has_popcnt) {
        X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RCX);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_popcnt_rx(e, sz == 8 ? 8 : 4, d, src);
        cg_def_gpr(c, d);
        return;
    }
    cg_load_gpr(c, X64_RAX, in->arg[0]);
    /* x -= (x >> 1) & 0x55..; pairs of bits now hold their counts */
    x64_mov_rr(e, 8, X64_RDX, X64_RAX);
    x64_shift_ri(e, X64_SHR, 8, X64_RDX, 1);
    x64_mov_ri(e, X64_RCX, 0x5555555555555555ull);
    x64_and_rr(e, 8, X64_RDX, X64_RCX);
    x64_sub_rr(e, 8, X64_RAX, X64_RDX);
    /* x = (x & 0x33..) + ((x >> 2) & 0x33..): nibble counts */
    x64_mov_ri(e, X64_RCX, 0x3333333333333333ull);
    x64_mov_rr(e, 8, X64_RDX, X64_RAX);
    x64_and_rr(e, 8, X64_RAX, X64_RCX);
    x64_shift_ri(e, X64_SHR, 8, X64_RDX, 2);
    x64_and_rr(e, 8, X64_RDX, X64_RCX);
    x64_add_rr(e, 8, X64_RAX, X64_RDX);
    /* x = (x + (x >> 4)) & 0x0f..: byte counts */
    x64_mov_rr(e, 8, X64_RDX, X64_RAX);
    x64_shift_ri(e, X64_SHR, 8, X64_RDX, 4);
    x64_add_rr(e, 8, X64_RAX, X64_RDX);
    x64_mov_ri(e, X64_RCX, 0x0f0f0f0f0f0f0f0full);
    x64_and_rr(e, 8, X64_RAX, X64_RCX);
    /* the sum of the bytes lands in the top byte */
    x64_mov_ri(e, X64_RCX, 0x0101010101010101ull);
    x64_imul_rx(e, 8, X64_RAX, x64_r(X64_RCX));
    x64_shift_ri(e, X64_SHR, 8, X64_RAX, 56);
    cg_def_gpr(c, X64_RAX);
}

void cg_BSWAP(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);
    x64_bswap_r(&c->e, sz == 8 ? 8 : 4, d);
    if (sz == 2)        /* the two bytes are now at the top of the 32-bit register */
        x64_shift_ri(&c->e, X64_SHR, 4, d, 16);
    cg_def_gpr(c, d);
}

/* ---------------------------------------------------------------- widths, compare, select */

void cg_ZEXT(CgCtx *c, const IrInsn *in)
{
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);          /* already zero-extended */
    cg_def_gpr(c, d);
}

void cg_TRUNC(CgCtx *c, const IrInsn *in)
{
    X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    x64_movzx_rx(&c->e, tsize((IrType)in->type), d, src);
    cg_def_gpr(c, d);
}

void cg_SEXT(CgCtx *c, const IrInsn *in)
{
    unsigned dsz = tsize((IrType)in->type), ssz = tsize(ty(c, in->arg[0]));
    if (c->val[in->arg[0]].sext_held) {
        /* its LOAD sign-extended it already (load_typed): a copy at most */
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        cg_load_gpr(c, d, in->arg[0]);
        cg_def_gpr(c, d);
        return;
    }
    X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    x64_movsx_rx(&c->e, dsz == 8 ? 8 : 4, ssz, d, src);
    if (dsz == 2)       /* sign-extended to 32 bits: cut back to 16, zero-extended */
        x64_movzx_rx(&c->e, 2, d, x64_r(d));
    cg_def_gpr(c, d);
}

/* Same bits, possibly another register class. */
void cg_BITCAST(CgCtx *c, const IrInsn *in)
{
    IrType t = (IrType)in->type, at = ty(c, in->arg[0]);
    CgClass dc = class_of(t), sc = class_of(at);
    bool w = tsize(t) == 8;
    if (dc == CG_GPR && sc == CG_GPR) {
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        cg_load_gpr(c, d, in->arg[0]);
        cg_def_gpr(c, d);
    } else if (dc == CG_XMM && sc == CG_XMM) {
        unsigned d = cg_dst_xmm(c, IR_NONE);
        cg_load_xmm(c, d, in->arg[0]);
        cg_def_xmm(c, d);
    } else if (dc == CG_XMM && sc == CG_GPR) {      /* movd/movq xmm, r/m */
        X64Rm src = cg_gpr_rm(c, in->arg[0], X64_RAX);
        unsigned d = cg_dst_xmm(c, IR_NONE);
        x64_sse_rxw(&c->e, X64_MOVD_TOX, w, d, src);
        cg_def_xmm(c, d);
    } else if (dc == CG_GPR && sc == CG_XMM) {      /* movd/movq r/m, xmm: zero-extends */
        unsigned x = cg_xmm_reg(c, in->arg[0], X64_XMM0);
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_sse_rxw(&c->e, X64_MOVD_FROMX, w, x, x64_r(d));
        cg_def_gpr(c, d);
    } else {                                        /* F80, V256: same class, copy */
        cg_copy_value(c, cg_def_mem(c), in->arg[0]);
    }
}

static const X64Cond cond_cc[IR_COND_COUNT] = {
    [IR_EQ] = X64_CC_E,   [IR_NE] = X64_CC_NE,
    [IR_LTU] = X64_CC_B,  [IR_GEU] = X64_CC_AE,
    [IR_LEU] = X64_CC_BE, [IR_GTU] = X64_CC_A,
    [IR_LTS] = X64_CC_L,  [IR_GES] = X64_CC_GE,
    [IR_LES] = X64_CC_LE, [IR_GTS] = X64_CC_G,
};

/* CMP at the operands' own size (so signed conditions see the right sign bit), or TEST for a
 * compare of an AND with 0 (cg_test_fold); SETcc, MOVZX. */
void cg_CMP(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize(ty(c, in->arg[0]));
    int32_t imm;
    IrRef tx, ty_;
    if (c->val[c->cur].test_fold && cg_test_fold(c, in, &tx, &ty_)) {
        /* CMP (x & y), 0 is TEST x, y */
        unsigned a = cg_gpr(c, tx, X64_RAX);
        if (const_imm32(c, ty_, sz, &imm))
            x64_test_xi(&c->e, sz, x64_r(a), imm);
        else
            x64_test_xr(&c->e, sz, cg_gpr_rm(c, ty_, X64_RCX), a);
    } else {
        unsigned a = cg_gpr(c, in->arg[0], X64_RAX);
        if (const_imm32(c, in->arg[1], sz, &imm))
            x64_alu_xi(&c->e, X64_CMP, sz, x64_r(a), imm);
        else
            x64_alu_rx(&c->e, X64_CMP, sz, a, cg_gpr_rm(c, in->arg[1], X64_RCX));
    }
    if (c->val[c->cur].in_flags) {  /* the next instruction branches or selects on it */
        c->flags_cc = cond_cc[in->imm[0]];
        return;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);     /* written after both are read */
    x64_setcc_x(&c->e, cond_cc[in->imm[0]], x64_r(d));
    x64_movzx_rx(&c->e, 1, d, x64_r(d));
    cg_def_gpr(c, d);
}

/* The I8 condition is held zero-extended, so a 32-bit test of its register or a byte
 * compare of its slot are exact. */
X64Cond cg_test_cond(CgCtx *c, IrRef v)
{
    const CgVal *cv = &c->val[v];
    assert(!cv->is_const);
    if (cv->in_flags)
        return c->flags_cc;
    if (cv->reg >= 0)
        x64_test_xr(&c->e, 4, x64_r((unsigned)cv->reg), (unsigned)cv->reg);
    else
        x64_alu_xi(&c->e, X64_CMP, 1, slot_mem(cv->slot), 0);
    return X64_CC_NE;
}

void cg_SELECT(CgCtx *c, const IrInsn *in)
{
    IrRef cond = in->arg[0], a = in->arg[1], b = in->arg[2];
    IrType t = (IrType)in->type;
    if (is_const(c, cond)) {            /* only without folding: pick at compile time */
        IrRef pick = (const_val(c, cond) & 0xff) ? a : b;
        switch (class_of(t)) {
        case CG_GPR: cg_load_gpr(c, X64_RAX, pick); cg_def_gpr(c, X64_RAX); break;
        case CG_XMM: cg_load_xmm(c, X64_XMM0, pick); cg_def_xmm(c, X64_XMM0); break;
        case CG_MEM: cg_copy_value(c, cg_def_mem(c), pick); break;
        }
        return;
    }
    switch (class_of(t)) {
    case CG_GPR: {
        X64Rm arm = cg_gpr_rm(c, a, X64_RCX);
        unsigned d = cg_dst_gpr(c, a, cond);
        cg_load_gpr(c, d, b);
        X64Cond cc = cg_test_cond(c, cond);
        x64_cmov_rx(&c->e, cc, 8, d, arm);
        cg_def_gpr(c, d);
        break;
    }
    case CG_XMM: {      /* no SSE2 blend: a short branch */
        unsigned d = cg_dst_xmm(c, a);
        cg_load_xmm(c, d, b);
        X64Cond cc = cg_test_cond(c, cond);
        uint8_t *skip = x64_jcc8_fwd(&c->e, cc ^ 1);
        cg_load_xmm(c, d, a);
        x64_bind8(&c->e, skip);
        cg_def_xmm(c, d);
        break;
    }
    case CG_MEM: {
        X64Rm d = cg_def_mem(c);
        X64Cond cc = cg_test_cond(c, cond);
        uint8_t *else_ = x64_jcc8_fwd(&c->e, cc ^ 1);
        cg_copy_value(c, d, a);
        uint8_t *end = x64_jmp8_fwd(&c->e);
        x64_bind8(&c->e, else_);
        cg_copy_value(c, d, b);
        x64_bind8(&c->e, end);
        break;
    }
    }
}
