/* codegen_ops.h — what the op files of backend-x86_64/ share (codegen.c: homes, state, memory
 * and limit checks, KEEPs, exits, liveness, the driver; codegen_int.c: integer ops, widths,
 * compares, select; codegen_vec.c: V128 and scalar floating-point ops): small queries, the
 * value access helpers and every op's cg_<NAME> (codegen.c's dispatch table). Private to the
 * backend, like codegen.h. codegen.c's header says how an op is emitted.
 */
#ifndef FERRY_X64_CODEGEN_OPS_H
#define FERRY_X64_CODEGEN_OPS_H

#include "codegen.h"

/* ---------------------------------------------------------------- small queries */

static inline IrType ty(const CgCtx *c, IrRef v) { return (IrType)c->blk->insn[v].type; }
static inline unsigned tsize(IrType t) { return ir_type_size(t); }

static inline CgClass class_of(IrType t)
{
    if (ir_type_is_int(t))
        return CG_GPR;
    if (t == IR_F32 || t == IR_F64 || t == IR_V128 || t == IR_I128)
        return CG_XMM;
    return CG_MEM;          /* F80, V256: moved around only, so they stay in slots */
}

static inline X64Rm slot_mem(int slot) { return x64_m(X64_RSP, X64_SLOT_DISP(slot)); }

static inline bool is_const(const CgCtx *c, IrRef v) { return c->val[v].is_const; }
static inline uint64_t const_val(const CgCtx *c, IrRef v) { return cg_const_val(c, v); }

/* A constant usable as the imm32 of an op of `size` bytes (sign-extended for size 8). */
static inline bool const_imm32(const CgCtx *c, IrRef v, unsigned size, int32_t *imm)
{
    if (!is_const(c, v))
        return false;
    uint64_t x = const_val(c, v);
    if (size == 8 && !x64_fits_i32((int64_t)x))
        return false;
    *imm = (int32_t)(uint32_t)x;
    return true;
}

static inline void fail(CgCtx *c, int err)
{
    if (c->err == BE_OK)
        c->err = err;
}

/* Index 0..3 of a lane width 8, 16, 32, 64 (the verifier guarantees one of them). */
static inline unsigned lane_idx(int64_t lane)
{
    return lane == 8 ? 0 : lane == 16 ? 1 : lane == 32 ? 2 : 3;
}

/* ---------------------------------------------------------------- value access (codegen.c) */

/* v as an r/m operand: its home register or slot, or `scratch` holding the constant. */
X64Rm cg_gpr_rm(CgCtx *c, IrRef v, unsigned scratch);
/* The GPR the current instruction computes its result in: the result's home register, unless
 * it has none or operand avoid0/avoid1 lives there (operands the op reads after it first
 * writes the result register); else rax. The op ends with cg_def_gpr(c, <that register>). */
unsigned cg_dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1);
/* The operands of a two-address op "d = x op y" ("mov d, x; op d, y"), swapped for a
 * commutative op whose result took over arg1's register. Gives the result its home. */
void cg_two_address(CgCtx *c, const IrInsn *in, CgClass cls, IrRef *x, IrRef *y);
/* Load value v (class XMM) into xmm `dst`. Constants go through rax, so callers load XMM
 * operands before they put anything in rax. */
void cg_load_xmm(CgCtx *c, unsigned dst, IrRef v);
/* v as an XMM r/m operand (home register or aligned slot), or `scratch` holding a constant. */
X64Rm cg_xmm_rm(CgCtx *c, IrRef v, unsigned scratch);
/* An XMM register holding v: its home, or `scratch` loaded with it. Read only. */
unsigned cg_xmm_reg(CgCtx *c, IrRef v, unsigned scratch);
/* The XMM counterpart of cg_dst_gpr / cg_def_gpr: the result's home XMM register or xmm0. */
unsigned cg_dst_xmm(CgCtx *c, IrRef avoid);
void cg_def_xmm(CgCtx *c, unsigned src);
/* Copy memory-class value v into the memory operand dst; the home (slot) of the current
 * memory-class result. */
void cg_copy_value(CgCtx *c, X64Rm dst, IrRef v);
X64Rm cg_def_mem(CgCtx *c);

/* Whether CMP `in` compares AND(x, y) with 0, which TEST x, y does (the same ZF, SF and PF,
 * CF and OF clear): the AND's non-constant operand in *x (or the operand of a TRUNC that it
 * is: TEST at the CMP's size reads only those low bytes), the other in *y. */
bool cg_test_fold(const CgCtx *c, const IrInsn *in, IrRef *x, IrRef *y);
/* After liveness: mark GET/op/PUT triples of an unpinned guest register that one memory-form
 * op does (codegen_plan.c). */
void cg_plan_rmw(CgCtx *c);
/* Whether an FCMP predicate is decided by one UCOMIS/COMIS and one condition cc (operands
 * swapped if *swap), so it may live in the host flags (codegen_vec.c; liveness uses it). */
bool cg_fcmp_fusable(int64_t pred, X64Cond *cc, bool *swap);

/* Every op's code generator (the dispatch table in codegen.c). */
#define IR_OP(name, nout, nin, nimm, props, sem) void cg_##name(CgCtx *c, const IrInsn *in);
#include "ir/ir_ops.def"
#undef IR_OP

#endif /* FERRY_X64_CODEGEN_OPS_H */
