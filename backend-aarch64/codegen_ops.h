/* codegen_ops.h — what the op files of backend-aarch64/ share (codegen.c: value bookkeeping,
 * state, memory, KEEPs, calls, the driver; codegen_int.c: integer ops, widths, compares,
 * select; codegen_vec.c: V128 and floating-point ops): the scratch registers' roles, small
 * queries, the value access helpers and every op's cg_<NAME> (codegen.c's dispatch table).
 * Private to the backend, like codegen.h.
 */
#ifndef FERRY_A64_CODEGEN_OPS_H
#define FERRY_A64_CODEGEN_OPS_H

#include "codegen.h"

/* Scratch registers by role (regs.h has the list). */
#define RES_GPR  A64_TMP0       /* x16: results without a usable home, constants */
#define OPA_GPR  A64_X15        /* first operand */
#define OPB_GPR  A64_X14        /* second operand */
#define OPC_GPR  A64_X13        /* third operand, extra temporaries */
#define ADDR_GPR A64_TMP1       /* x17: addresses (cg_ldst), condition loads */
#define RES_VEC  A64_V0
#define OPA_VEC  A64_V1
#define OPB_VEC  A64_V2
#define TMP_VEC  A64_V3
#define TMP2_VEC A64_V4
#define TMP3_VEC A64_V5

/* ---------------------------------------------------------------- small queries */

static inline IrType ty(const CgCtx *c, IrRef v) { return (IrType)c->blk->insn[v].type; }
static inline unsigned tsize(IrType t) { return ir_type_size(t); }

static inline CgClass class_of(IrType t)
{
    if (ir_type_is_int(t))
        return CG_GPR;
    if (t == IR_F32 || t == IR_F64 || t == IR_V128 || t == IR_I128)
        return CG_VEC;
    return CG_MEM;          /* F80, V256: moved around only, so they stay in slots */
}

static inline bool is_const(const CgCtx *c, IrRef v) { return c->val[v].is_const; }

/* A constant's value, truncated to its type's width. */
static inline uint64_t const_val(const CgCtx *c, IrRef v)
{
    uint64_t x = cg_const_val(c, v);
    unsigned bits = ir_type_bits(ty(c, v));
    return bits >= 64 ? x : x & ((1ull << bits) - 1);
}

static inline void fail(CgCtx *c, int err)
{
    if (c->err == BE_OK)
        c->err = err;
}

/* log2 of lane bytes (0..3) for a lane width of 8, 16, 32 or 64 bits. */
static inline unsigned lane_log(int64_t lane)
{
    return lane == 8 ? 0 : lane == 16 ? 1 : lane == 32 ? 2 : 3;
}


static inline uint64_t mask_bits(unsigned w) { return w >= 64 ? ~0ull : (1ull << w) - 1; }

typedef enum ShiftKind { SK_SHL, SK_SHR, SK_SAR, SK_ROL, SK_ROR } ShiftKind;

/* A memory operand: [base + index + disp] (index -1: none). */
typedef struct A64Addr {
    uint8_t base;       /* GPR number, or A64_SP */
    int8_t index;       /* GPR added to the base, or -1 */
    int32_t disp;
} A64Addr;

/* ---------------------------------------------------------------- value access (codegen.c) */

/* Load value v (class VEC) into vector register dst. Constants go through x16, so callers
 * load vector operands before they put anything in x16. */
void cg_load_vec(CgCtx *c, unsigned dst, IrRef v);
/* A vector register holding v: its home, or `scratch` loaded with it. Read only. */
unsigned cg_vec_reg(CgCtx *c, IrRef v, unsigned scratch);
/* The vector counterpart of cg_dst_gpr: the result's home register or v0. */
unsigned cg_dst_vec(CgCtx *c, IrRef avoid0, IrRef avoid1);
void cg_def_vec(CgCtx *c, unsigned src);
/* Access kind of a vector-class value of type t. */
A64Mem cg_vec_kind(IrType t, bool load);
/* Copy memory-class value v into dst; the home (slot) of the current memory-class result. */
void cg_copy_value(CgCtx *c, A64Addr dst, IrRef v);
A64Addr cg_def_mem(CgCtx *c);

/* Whether an instruction may be skipped when its result is unused (codegen.c). */
bool cg_removable(const IrInsn *in);
/* Whole-block plans (codegen_plan.c): CgVal.sunk before liveness, CgVal.lowpart after it. */
void cg_plan_sinks(CgCtx *c);
void cg_plan_const_bases(CgCtx *c);
void cg_plan_lowparts(CgCtx *c);

/* Every op's code generator (the dispatch table in codegen.c). */
#define IR_OP(name, nout, nin, nimm, props, sem) void cg_##name(CgCtx *c, const IrInsn *in);
#include "ir/ir_ops.def"
#undef IR_OP

#endif /* FERRY_A64_CODEGEN_OPS_H */
