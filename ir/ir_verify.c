/* ir_verify.c — the verifier: the one statement of what makes a block valid.
 *
 * Contract: ir_verify accepts a block only if every instruction satisfies ir_check_insn and the
 * block ends with its only EXIT. ir_check_insn is also what the builder asserts in debug
 * builds, so frontend bugs are caught at the emit that makes them. Rules per instruction:
 *   - a known op and type; no result type (VOID) for ops without one, a non-VOID result
 *     otherwise (CALL may be VOID or I64);
 *   - arity from ir_ops.def: args 0..NIN-1 present (CALL's args and EXIT's target optional),
 *     later args IR_NONE, immediates past NIMM zero;
 *   - each arg names an earlier instruction with a result (non-VOID);
 *   - types: integer binary ops take two T; CMP two of one integer type; ZEXT/SEXT widen and
 *     TRUNC narrows between integer types; BITCAST keeps the size; SELECT's condition is I8;
 *     LOAD/STORE addresses are I64; EXIT_IF's condition is I8; vector and float ops as their
 *     ir_ops.def lines say;
 *   - immediates in range: CONST fits its type, GET/PUT/KEEP/FKEEP offsets fit 32 bits, CMP/FCMP
 *     conditions known (VFCMP's in imm1), lane widths 8/16/32/64 (8/16, or 32/64 for the
 *     packed float ops, where the op says so), VINSERT64/VEXTRACT64 lane 0 or 1, shuffle and
 *     byte-shift controls 0..255, well-formed exit words, CALL's helper non-null.
 * Messages are one line and name the instruction: "v5 add.i64: arg1 has type i32, expected i64"
 * or "insn 7 put: ..." for instructions without a value.
 */
#include <stdarg.h>

#include "ir/ir_internal.h"

typedef struct VCtx {
    const IrBlock *blk;
    IrRef r;
    const IrInsn *in;
    char *err;
    size_t errlen;
} VCtx;

/* Writes "<instruction>: <message>" and returns false, so checks read `return fail(...)`. */
__attribute__((format(printf, 2, 3)))
static bool fail(VCtx *v, const char *fmt, ...)
{
    if (!v->err || v->errlen == 0)
        return false;
    const IrInsn *in = v->in;
    int len;
    if ((unsigned)in->op >= IR_OP_COUNT)
        len = snprintf(v->err, v->errlen, "insn %u: ", v->r);
    else if (ir_op_info[in->op].nout && in->type != IR_VOID && in->type < IR_TYPE_COUNT)
        len = snprintf(v->err, v->errlen, "v%u %s.%s: ", v->r, ir_op_info[in->op].name,
                       ir_type_name((IrType)in->type));
    else
        len = snprintf(v->err, v->errlen, "insn %u %s: ", v->r, ir_op_info[in->op].name);
    if (len < 0 || (size_t)len >= v->errlen)
        return false;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(v->err + len, v->errlen - (size_t)len, fmt, ap);
    va_end(ap);
    return false;
}

static IrType arg_type(const VCtx *v, unsigned i)
{
    return (IrType)v->blk->insn[v->in->arg[i]].type;
}

static bool want_arg(VCtx *v, unsigned i, IrType t)
{
    IrType at = arg_type(v, i);
    if (at != t)
        return fail(v, "arg%u has type %s, expected %s", i, ir_type_name(at), ir_type_name(t));
    return true;
}

static bool want_result(VCtx *v, bool ok, const char *what)
{
    if (!ok)
        return fail(v, "result type must be %s", what);
    return true;
}

static bool want_lane(VCtx *v, bool small_only)
{
    int64_t lane = v->in->imm[0];
    if (!ir_lane_valid(lane) || (small_only && lane > 16))
        return fail(v, "lane width %lld is not one of %s", (long long)lane,
                    small_only ? "8, 16" : "8, 16, 32, 64");
    return true;
}

static bool want_imm_range(VCtx *v, unsigned i, int64_t lo, int64_t hi)
{
    int64_t x = v->in->imm[i];
    if (x < lo || x > hi)
        return fail(v, "imm%u 0x%llx out of range 0x%llx..0x%llx", i, (unsigned long long)x,
                    (unsigned long long)lo, (unsigned long long)hi);
    return true;
}

/* Arity, references and result presence: the parts that do not depend on the op's meaning. */
static bool check_shape(VCtx *v)
{
    const IrInsn *in = v->in;
    const IrOpInfo *info = &ir_op_info[in->op];
    IrType t = (IrType)in->type;

    if (info->nout == 0 && t != IR_VOID)
        return fail(v, "op has no result but type is %s", ir_type_name(t));
    if (info->nout == 1 && t == IR_VOID && in->op != IR_CALL)
        return fail(v, "missing result type");
    for (unsigned i = 0; i < 3; i++) {
        IrRef a = in->arg[i];
        bool optional = in->op == IR_CALL || (in->op == IR_EXIT && i == 0);
        if (i >= info->nin) {
            if (a != IR_NONE)
                return fail(v, "arg%u given but the op takes %u", i, info->nin);
            continue;
        }
        if (a == IR_NONE) {
            if (!optional)
                return fail(v, "arg%u missing", i);
            continue;
        }
        if (a >= v->r)
            return fail(v, "arg%u v%u is not defined before its use", i, a);
        if (v->blk->insn[a].type == IR_VOID)
            return fail(v, "arg%u v%u has no value", i, a);
    }
    for (unsigned i = info->nimm; i < 2; i++)
        if (in->imm[i] != 0)
            return fail(v, "imm%u given but the op takes %u", i, info->nimm);
    return true;
}

/* The type and immediate rules of each op. */
static bool check_types(VCtx *v)
{
    const IrInsn *in = v->in;
    IrOp op = (IrOp)in->op;
    IrType t = (IrType)in->type;
    IrType a0 = in->arg[0] ? arg_type(v, 0) : IR_VOID;

    switch (op) {
    case IR_NOP:
        return true;
    case IR_INSN_START:
        return true;
    case IR_CONST:
        if (ir_type_bits(t) < 64 && ((uint64_t)in->imm[0] & ~ir_mask(ir_type_bits(t))))
            return fail(v, "constant 0x%llx does not fit %s", (unsigned long long)in->imm[0],
                        ir_type_name(t));
        return true;
    case IR_GET:
        return want_imm_range(v, 0, 0, UINT32_MAX);
    case IR_PUT:
    case IR_KEEP:       /* a PUT, deferred: the same operands */
    case IR_FKEEP:
        return want_imm_range(v, 0, 0, UINT32_MAX);
    case IR_LOAD:
    case IR_STORE:      /* imm0: the IR_MEM_* flags */
        return want_arg(v, 0, IR_I64) && want_imm_range(v, 0, 0, IR_MEM_NOCHECK);
    case IR_HLOAD:
        return want_result(v, ir_type_is_int(t) && t != IR_I128, "an integer type") &&
               want_arg(v, 0, IR_I64);

    case IR_ADD: case IR_SUB: case IR_MUL: case IR_MULHU: case IR_MULHS: case IR_AND:
    case IR_OR: case IR_XOR: case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROL: case IR_ROR:
        return want_result(v, ir_type_is_int(t), "an integer type") && want_arg(v, 0, t) &&
               want_arg(v, 1, t);
    case IR_NEG: case IR_NOT: case IR_CTZ: case IR_CLZ: case IR_POPCNT:
        return want_result(v, ir_type_is_int(t), "an integer type") && want_arg(v, 0, t);
    case IR_BSWAP:
        return want_result(v, ir_type_is_int(t) && t != IR_I8, "i16, i32 or i64") &&
               want_arg(v, 0, t);

    case IR_ZEXT: case IR_SEXT: case IR_TRUNC:
        if (!want_result(v, ir_type_is_int(t), "an integer type"))
            return false;
        if (!ir_type_is_int(a0))
            return fail(v, "arg0 has type %s, expected an integer type", ir_type_name(a0));
        if (op == IR_TRUNC ? a0 <= t : a0 >= t)
            return fail(v, "%s from %s to %s does not %s", ir_op_info[op].name,
                        ir_type_name(a0), ir_type_name(t), op == IR_TRUNC ? "narrow" : "widen");
        return true;
    case IR_BITCAST:
        if (ir_type_size(a0) != ir_type_size(t))
            return fail(v, "bitcast from %s changes the size", ir_type_name(a0));
        return true;
    case IR_CMP:
        if (!want_result(v, t == IR_I8, "i8"))
            return false;
        if (!ir_type_is_int(a0))
            return fail(v, "arg0 has type %s, expected an integer type", ir_type_name(a0));
        return want_arg(v, 1, a0) && want_imm_range(v, 0, 0, IR_COND_COUNT - 1);
    case IR_SELECT:
        return want_arg(v, 0, IR_I8) && want_arg(v, 1, t) && want_arg(v, 2, t);

    case IR_VAND: case IR_VOR: case IR_VXOR: case IR_VANDN: case IR_VSHUFB:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_arg(v, 1, IR_V128);
    case IR_VADD: case IR_VSUB: case IR_VCMPEQ: case IR_VCMPGTS: case IR_VUNPACKLO:
    case IR_VUNPACKHI:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_arg(v, 1, IR_V128) && want_lane(v, false);
    case IR_VSUBUSAT: case IR_VMINU: case IR_VMAXU:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_arg(v, 1, IR_V128) && want_lane(v, true);
    case IR_VMOVMSK:
        return want_result(v, t == IR_I32, "i32") && want_arg(v, 0, IR_V128) &&
               want_lane(v, false);
    case IR_VALIGNR:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_arg(v, 1, IR_V128) && want_imm_range(v, 0, 0, 15);
    case IR_VSHUF32: case IR_VSHUFLO16: case IR_VSHUFHI16: case IR_VBSLL: case IR_VBSRL:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_imm_range(v, 0, 0, 255);
    case IR_VSHLI: case IR_VSHRI: case IR_VSARI:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_arg(v, 1, IR_I64) && want_lane(v, false);
    case IR_VFROM64:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_I64);
    case IR_VINSERT64:
        return want_result(v, t == IR_V128, "v128") && want_arg(v, 0, IR_V128) &&
               want_arg(v, 1, IR_I64) && want_imm_range(v, 0, 0, 1);
    case IR_VEXTRACT64:
        return want_result(v, t == IR_I64, "i64") && want_arg(v, 0, IR_V128) &&
               want_imm_range(v, 0, 0, 1);
    case IR_VFADD: case IR_VFSUB: case IR_VFMUL: case IR_VFDIV: case IR_VFMIN: case IR_VFMAX:
    case IR_VFSQRT: case IR_VFCMP:
        if (!want_result(v, t == IR_V128, "v128") || !want_arg(v, 0, IR_V128) ||
            (op != IR_VFSQRT && !want_arg(v, 1, IR_V128)))
            return false;
        if (in->imm[0] != 32 && in->imm[0] != 64)
            return fail(v, "lane width %lld is not one of 32, 64", (long long)in->imm[0]);
        return op != IR_VFCMP || want_imm_range(v, 1, 0, IR_FCOND_COUNT - 1);
    case IR_VLOWF:
        return want_result(v, ir_type_is_float(t), "f32 or f64") && want_arg(v, 0, IR_V128);
    case IR_VSETLOWF:
        if (!want_result(v, t == IR_V128, "v128") || !want_arg(v, 0, IR_V128))
            return false;
        if (!ir_type_is_float(arg_type(v, 1)))
            return fail(v, "arg1 has type %s, expected f32 or f64", ir_type_name(arg_type(v, 1)));
        return true;

    case IR_FADD: case IR_FSUB: case IR_FMUL: case IR_FDIV: case IR_FMIN: case IR_FMAX:
        return want_result(v, ir_type_is_float(t), "f32 or f64") && want_arg(v, 0, t) &&
               want_arg(v, 1, t);
    case IR_FSQRT:
        return want_result(v, ir_type_is_float(t), "f32 or f64") && want_arg(v, 0, t);
    case IR_FCMP:
        if (!want_result(v, t == IR_I8, "i8"))
            return false;
        if (!ir_type_is_float(a0))
            return fail(v, "arg0 has type %s, expected f32 or f64", ir_type_name(a0));
        return want_arg(v, 1, a0) && want_imm_range(v, 0, 0, IR_FCOND_COUNT - 1);
    case IR_FCMPFLAGS:
        if (!want_result(v, t == IR_I64, "i64"))
            return false;
        if (!ir_type_is_float(a0))
            return fail(v, "arg0 has type %s, expected f32 or f64", ir_type_name(a0));
        return want_arg(v, 1, a0) && want_imm_range(v, 0, 0, 0) && want_imm_range(v, 1, 0, 1);
    case IR_F2I: case IR_F2I_RN:
        if (!want_result(v, t == IR_I32 || t == IR_I64, "i32 or i64"))
            return false;
        if (!ir_type_is_float(a0))
            return fail(v, "arg0 has type %s, expected f32 or f64", ir_type_name(a0));
        return true;
    case IR_I2F:
        if (!want_result(v, ir_type_is_float(t), "f32 or f64"))
            return false;
        if (a0 != IR_I32 && a0 != IR_I64)
            return fail(v, "arg0 has type %s, expected i32 or i64", ir_type_name(a0));
        return true;
    case IR_FCVT:
        if (!want_result(v, ir_type_is_float(t), "f32 or f64"))
            return false;
        return want_arg(v, 0, t == IR_F32 ? IR_F64 : IR_F32);

    case IR_CALL:
        if (!want_result(v, t == IR_VOID || t == IR_I64, "void or i64"))
            return false;
        for (unsigned i = 0; i < 3; i++)
            if (in->arg[i] && !ir_type_is_int(arg_type(v, i)))
                return fail(v, "arg%u has type %s, expected an integer type", i,
                            ir_type_name(arg_type(v, i)));
        if (in->imm[0] == 0)
            return fail(v, "null helper");
        return true;
    case IR_EXIT_IF:
        if (!want_arg(v, 0, IR_I8))
            return false;
        break;
    case IR_EXIT:
        if (in->arg[0] && !want_arg(v, 0, IR_I64))
            return false;
        if (in->arg[0] && in->imm[0] != 0 && in->imm[0] != IR_EXIT_HINT_RETURN)
            return fail(v, "bad target hint %lld", (long long)in->imm[0]);
        break;
    case IR_RETPUSH:
        if (!want_arg(v, 0, IR_I64))
            return false;
        if (in->imm[1] != IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0))
            return fail(v, "a return site's exit word must be a plain jump");
        break;
    default:
        return fail(v, "unknown op %u", (unsigned)op);
    }
    /* EXIT and EXIT_IF: the exit word. */
    if (!ir_exit_word_valid(in->imm[1]))
        return fail(v, "bad exit word 0x%llx", (unsigned long long)in->imm[1]);
    return true;
}

bool ir_check_insn(const IrBlock *blk, IrRef r, const IrInsn *in, char *err, size_t errlen)
{
    VCtx v = { blk, r, in, err, errlen };
    if (in->op >= IR_OP_COUNT)
        return fail(&v, "unknown op %u", (unsigned)in->op);
    if (in->type >= IR_TYPE_COUNT)
        return fail(&v, "unknown type %u", (unsigned)in->type);
    return check_shape(&v) && check_types(&v);
}

bool ir_verify(const IrBlock *blk, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    if (!blk || !blk->insn || blk->n == 0 || blk->n > blk->cap) {
        if (err && errlen)
            snprintf(err, errlen, "malformed block storage");
        return false;
    }
    if (blk->insn[0].op != IR_NOP || blk->insn[0].type != IR_VOID) {
        if (err && errlen)
            snprintf(err, errlen, "insn 0 must be the reserved nop");
        return false;
    }
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if (!ir_check_insn(blk, r, in, err, errlen))
            return false;
        if ((ir_op_info[in->op].props & IRP_TERM) && r != blk->n - 1) {
            VCtx v = { blk, r, in, err, errlen };
            return fail(&v, "exit is not the last instruction");
        }
    }
    if (blk->n == 1 || !(ir_op_info[blk->insn[blk->n - 1].op].props & IRP_TERM)) {
        if (err && errlen)
            snprintf(err, errlen, "block does not end with exit");
        return false;
    }
    return true;
}
