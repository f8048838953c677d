/* backend_suite_ops.c — every op of the backend suite on edge-case values: one-op blocks
 * r = op(args) with the operands from the state and, separately, each operand a constant (the
 * immediate and rematerialised paths), with the register allocator on and off; and compares
 * fused into the host flags (CMP and FCMP read by the next EXIT_IF or SELECT).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "ir/ir.h"
#include "tests/common/backend_suite_int.h"

/* ---------------------------------------------------------------- edge-case values */

typedef struct Val { uint64_t q[4]; } Val;     /* up to V256, little-endian */

#define V1(x) { { (uint64_t)(x), 0, 0, 0 } }
#define V2(lo, hi) { { (uint64_t)(lo), (uint64_t)(hi), 0, 0 } }

static const Val vals_i8[] = { V1(0), V1(1), V1(2), V1(7), V1(8), V1(9), V1(0x7f), V1(0x80),
                               V1(0x81), V1(0xfe), V1(0xff) };
static const Val vals_i16[] = { V1(0), V1(1), V1(15), V1(16), V1(17), V1(0x7fff), V1(0x8000),
                                V1(0x8001), V1(0xfffe), V1(0xffff), V1(0x1234) };
static const Val vals_i32[] = { V1(0), V1(1), V1(31), V1(32), V1(33), V1(0x7fffffff),
                                V1(0x80000000), V1(0x80000001), V1(0xfffffffe),
                                V1(0xffffffff), V1(0x12345678) };
static const Val vals_i64[] = { V1(0), V1(1), V1(63), V1(64), V1(65), V1(INT64_MAX),
                                V1(INT64_MIN), V1(INT64_MIN + 1), V1(-2), V1(-1),
                                V1(0x123456789abcdef0), V1(0x80000000), V1(0xffffffff) };
static const Val vals_f32[] = {
    V1(0), V1(0x80000000), V1(0x3f800000), V1(0xbf800000), V1(0x3fc00000), V1(0x40200000),
    V1(0xc0200000), V1(0x3f000000), V1(0x7f800000), V1(0xff800000), V1(0x7fc00000),
    V1(0x7f800001), V1(0xffc12345), V1(0x00000001), V1(0x7f7fffff), V1(0x4f000000),
    V1(0xcf000000), V1(0x5f000000), V1(0xdf000000), V1(0x4f800000),
};
static const Val vals_f64[] = {
    V1(0), V1(0x8000000000000000), V1(0x3ff0000000000000), V1(0xbff0000000000000),
    V1(0x3ff8000000000000), V1(0x4004000000000000), V1(0xc004000000000000),
    V1(0x3fe0000000000000), V1(0x7ff0000000000000), V1(0xfff0000000000000),
    V1(0x7ff8000000000000), V1(0x7ff0000000000001), V1(0xfff8000000012345), V1(1),
    V1(0x7fefffffffffffff), V1(0x41e0000000000000), V1(0xc1e0000000000000),
    V1(0x41dfffffffe00000), V1(0x43e0000000000000), V1(0xc3e0000000000000),
    V1(0x41f0000000000000), V1(0x400c000000000000),
};
static const Val vals_v128[] = {
    V2(0, 0), V2(-1, -1), V2(0x8000000000000000, 0x8000000000000000),
    V2(0x0706050403020100, 0x0f0e0d0c0b0a0908), V2(0x7f7f7f7f7f7f7f7f, 0x8080808080808080),
    V2(0x00ff00ff00ff00ff, 0xff00ff00ff00ff00), V2(0x7fffffffffffffff, 0x8000000000000000),
    V2(0xffffffff00000000, 0x00000000ffffffff), V2(0x0001000200030004, 0xfffefffd80007fff),
    V2(0x0000000180000000, 0x000000017fffffff), V2(0x000000017fffffff, 0xffffffff80000000),
    V2(0x123456789abcdef0, 0), V2(0xfedcba9876543210, 0x0123456789abcdef),
};
/* V128 values whose F64 and F32 lanes are interesting floats: zeros, ones, halves, infinities,
 * quiet and signalling NaNs with payloads, denormals, the largest finite values. */
static const Val vals_v128f[] = {
    V2(0x3ff0000000000000, 0x4004000000000000), V2(0x8000000000000000, 0),
    V2(0x7ff0000000000000, 0xfff0000000000000), V2(0x7ff8000000000000, 0x3fe0000000000000),
    V2(0x7ff0000000000001, 0xfff8000000012345), V2(1, 0x7fefffffffffffff),
    V2(0xc004000000000000, 0x3ff8000000000000), V2(0x3f8000003fc00000, 0x40200000c0200000),
    V2(0x800000003f000000, 0x7f800000ff800000), V2(0x7fc000007f800001, 0xffc1234500000001),
    V2(0x7f7fffff4f000000, 0xcf0000005f000000), V2(0x3f8000003f800000, 0x3f8000003f800000),
};
/* Shift counts for the lane shifts (I64): around every lane width. */
static const Val vals_count[] = {
    V1(0), V1(1), V1(7), V1(8), V1(9), V1(15), V1(16), V1(17), V1(31), V1(32), V1(33),
    V1(63), V1(64), V1(65), V1(0x100000001), V1(-1),
};
static const Val vals_cond[] = { V1(0), V1(1), V1(0x80) };
static const Val vals_f80[] = {
    { { 0x8000000000000000, 0x3fff, 0, 0 } }, { { 0xc000000000000001, 0xbffe, 0, 0 } },
    { { 0x123456789abcdef0, 0, 0, 0 } },
};
static const Val vals_v256[] = {
    { { 1, 2, 3, 4 } }, { { -1ull, 0, 0x8000000000000000, 0x7f } }, { { 0x55, 0, 0, 0 } },
};
static const Val vals_i128[] = { V2(0, 0), V2(-1, -1), V2(0x1122334455667788, 0x99aabbccddeeff00),
                                 V2(42, 0) };

typedef struct ValSet { const Val *v; unsigned n; } ValSet;
#define VS(a) ((ValSet){ a, sizeof a / sizeof a[0] })

static ValSet vals_of(IrType t)
{
    switch (t) {
    case IR_I8:   return VS(vals_i8);
    case IR_I16:  return VS(vals_i16);
    case IR_I32:  return VS(vals_i32);
    case IR_I64:  return VS(vals_i64);
    case IR_I128: return VS(vals_i128);
    case IR_F32:  return VS(vals_f32);
    case IR_F64:  return VS(vals_f64);
    case IR_F80:  return VS(vals_f80);
    case IR_V128: return VS(vals_v128);
    case IR_V256: return VS(vals_v256);
    default:      return (ValSet){ NULL, 0 };
    }
}

/* Whether v of type t can be a CONST (low 64 bits only; the rest 0) */
static bool const_ok(IrType t, const Val *v)
{
    return ir_type_size(t) <= 8 || (v->q[1] == 0 && v->q[2] == 0 && v->q[3] == 0);
}

static uint64_t const_bits(IrType t, const Val *v)
{
    unsigned bits = ir_type_bits(t);
    return bits >= 64 ? v->q[0] : v->q[0] & ((1ull << bits) - 1);
}

/* ---------------------------------------------------------------- one-op blocks */

typedef struct OpCase {
    IrOp op;
    IrType t;           /* result type */
    unsigned nargs;
    IrType at[3];       /* argument types */
    int64_t imm0, imm1;
    ValSet vs[3];       /* values per argument; defaults to vals_of(at[i]) */
} OpCase;

static const uint32_t arg_off[3] = { OFF_A, OFF_B, OFF_C };

/* r = op(args); put r at OFF_OUT; exit. Argument `ci` (if < 3) is the constant cval, the
 * others are GETs. */
static IrBlock *build_op(const OpCase *oc, unsigned ci, const Val *cval)
{
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;
    IrRef a[3] = { IR_NONE, IR_NONE, IR_NONE };
    for (unsigned i = 0; i < oc->nargs; i++)
        a[i] = i == ci ? ir_const(&b, oc->at[i], const_bits(oc->at[i], cval))
                       : ir_get(&b, oc->at[i], arg_off[i]);
    IrRef r = ir_emit(&b, oc->op, oc->t, a[0], a[1], a[2], oc->imm0, oc->imm1);
    ir_put(&b, OFF_OUT, r);
    ir_exit(&b, IR_NONE, 0x2000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

static ValSet case_vals(const OpCase *oc, unsigned i)
{
    return oc->vs[i].n ? oc->vs[i] : vals_of(oc->at[i]);
}

/* Run the compiled block on every combination of argument values, except argument `ci`,
 * which is baked in as a constant. */
static void run_combos(const OpCase *oc, const IrBlock *blk, const uint8_t *code, int based,
                       unsigned ci)
{
    uint8_t state[STATE_SIZE];
    unsigned idx[3] = { 0, 0, 0 };
    for (;;) {
        for (unsigned i = 0; i < STATE_SIZE; i++)
            state[i] = (uint8_t)(0xA5 ^ i);
        for (unsigned i = 0; i < oc->nargs; i++)
            if (i != ci)
                memcpy(state + arg_off[i], &case_vals(oc, i).v[idx[i]], sizeof(Val));
        be_run_compare(blk, code, based, state, zero_mem);
        unsigned i = 0;
        for (; i < oc->nargs; i++) {
            if (i == ci)
                continue;
            if (++idx[i] < case_vals(oc, i).n)
                break;
            idx[i] = 0;
        }
        if (i == oc->nargs)
            break;
    }
}

static void check_op_case(const OpCase *oc)
{
    BackendBlockInfo info;
    for (unsigned mode = 0; mode < 2; mode++) {
        be_host->set_debug(mode ? be_host->no_regalloc : 0);
        IrBlock *blk = build_op(oc, 3, NULL);
        const uint8_t *code = be_compile_in(blk, 0, &info);
        run_combos(oc, blk, code, 0, 3);
        ir_block_free(blk);
        for (unsigned ci = 0; ci < oc->nargs; ci++) {
            ValSet vs = case_vals(oc, ci);
            for (unsigned k = 0; k < vs.n; k++) {
                if (!const_ok(oc->at[ci], &vs.v[k]))
                    continue;
                blk = build_op(oc, ci, &vs.v[k]);
                code = be_compile_in(blk, 1, &info);
                run_combos(oc, blk, code, 1, ci);
                ir_block_free(blk);
            }
        }
    }
    be_host->set_debug(0);
}

static void check_op(IrOp op, IrType t, unsigned nargs, IrType a0, IrType a1, IrType a2,
                     int64_t imm0)
{
    OpCase oc = { .op = op, .t = t, .nargs = nargs, .at = { a0, a1, a2 }, .imm0 = imm0 };
    check_op_case(&oc);
}

IrBlock *be_build_op(IrOp op, IrType t, unsigned nargs, const IrType at[3])
{
    OpCase oc = { .op = op, .t = t, .nargs = nargs, .at = { at[0], at[1], at[2] } };
    return build_op(&oc, 3, NULL);
}

void be_run_op_edges(const IrBlock *blk, const uint8_t *code, int based, IrOp op, IrType t,
                     unsigned nargs, const IrType at[3])
{
    OpCase oc = { .op = op, .t = t, .nargs = nargs, .at = { at[0], at[1], at[2] } };
    run_combos(&oc, blk, code, based, 3);
}

/* ---------------------------------------------------------------- op tests */

void be_test_int_binary(void **st)
{
    (void)st;
    static const IrOp ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_MULHU, IR_MULHS, IR_AND, IR_OR,
                                IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_ROL, IR_ROR };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (unsigned k = 0; k < 4; k++)
            check_op(ops[i], be_int_types[k], 2, be_int_types[k], be_int_types[k], IR_VOID, 0);
}

void be_test_int_unary(void **st)
{
    (void)st;
    static const IrOp ops[] = { IR_NEG, IR_NOT, IR_CTZ, IR_CLZ, IR_POPCNT, IR_BSWAP };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (unsigned k = ops[i] == IR_BSWAP ? 1 : 0; k < 4; k++)
            check_op(ops[i], be_int_types[k], 1, be_int_types[k], IR_VOID, IR_VOID, 0);
}

void be_test_widths(void **st)
{
    (void)st;
    for (unsigned d = 0; d < 4; d++)
        for (unsigned s = 0; s < 4; s++) {
            if (s < d) {
                check_op(IR_ZEXT, be_int_types[d], 1, be_int_types[s], IR_VOID, IR_VOID, 0);
                check_op(IR_SEXT, be_int_types[d], 1, be_int_types[s], IR_VOID, IR_VOID, 0);
            } else if (s > d) {
                check_op(IR_TRUNC, be_int_types[d], 1, be_int_types[s], IR_VOID, IR_VOID, 0);
            }
        }
    static const IrType pairs[][2] = {
        { IR_I32, IR_F32 }, { IR_F32, IR_I32 }, { IR_I64, IR_F64 }, { IR_F64, IR_I64 },
        { IR_I128, IR_V128 }, { IR_V128, IR_I128 }, { IR_F80, IR_F80 }, { IR_V256, IR_V256 },
        { IR_I64, IR_I64 }, { IR_F64, IR_F64 }, { IR_I16, IR_I16 },
    };
    for (unsigned i = 0; i < sizeof pairs / sizeof pairs[0]; i++)
        check_op(IR_BITCAST, pairs[i][0], 1, pairs[i][1], IR_VOID, IR_VOID, 0);
}

void be_test_cmp_select(void **st)
{
    (void)st;
    for (unsigned k = 0; k < 4; k++)
        for (int c = 0; c < IR_COND_COUNT; c++)
            check_op(IR_CMP, IR_I8, 2, be_int_types[k], be_int_types[k], IR_VOID, c);
    static const IrType types[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128,
                                    IR_I128, IR_F80, IR_V256 };
    for (unsigned k = 0; k < sizeof types / sizeof types[0]; k++) {
        OpCase oc = { .op = IR_SELECT, .t = types[k], .nargs = 3,
                      .at = { IR_I8, types[k], types[k] }, .vs = { VS(vals_cond) } };
        check_op_case(&oc);
    }
}

/* A CMP read only by the next EXIT_IF or SELECT lives in the host flags: every condition at
 * every type, with a constant operand or not, with state moves in between, and a CMP that
 * is read twice (not fused) for contrast. */
static IrBlock *build_fused(IrType t, IrCond cond, bool bconst, uint64_t bval, bool sel_xmm)
{
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;
    IrRef x = ir_get(&b, t, OFF_A);
    IrRef y = bconst ? ir_const(&b, t, bval) : ir_get(&b, t, OFF_B);
    IrRef c1 = ir_cmp(&b, cond, x, y);
    ir_put(&b, OFF_OUT + 16, x);                    /* flag-neutral moves in between */
    IrRef g = ir_get(&b, IR_I64, OFF_C);
    ir_exit_if(&b, c1, 0x1111, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    IrRef c2 = ir_cmp(&b, (IrCond)(cond ^ 1), y, x);
    IrType st = sel_xmm ? IR_V128 : IR_I64;
    IrRef s = ir_select(&b, st, c2, ir_get(&b, st, OFF_C), ir_get(&b, st, OFF_C + 8));
    ir_put(&b, OFF_OUT, s);
    IrRef c3 = ir_cmp(&b, cond, y, x);              /* read twice: materialised */
    ir_put(&b, OFF_OUT + 24, ir_select(&b, IR_I64, c3, g, ir_const(&b, IR_I64, 5)));
    ir_exit_if(&b, c3, 0x3333, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    IrRef c4 = ir_cmp(&b, cond, x, y);              /* flag writers in between: not fused */
    ir_put(&b, OFF_OUT + 32, ir_op2(&b, IR_ADD, IR_I64, g, ir_const(&b, IR_I64, 1)));
    ir_exit_if(&b, c4, 0x4444, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    IrRef c5 = ir_cmp(&b, cond, y, x);
    ir_put(&b, OFF_OUT + 40, ir_cmp(&b, IR_EQ, g, ir_const(&b, IR_I64, 0x0e0d0c0b0a090807)));
    ir_exit_if(&b, c5, 0x5555, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0x2222, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

/* Compile a fused-compare block and run it on every pair of values of vs in OFF_A and OFF_B
 * (only the first in OFF_B when b is a constant); free it. */
static void run_fused(IrBlock *blk, ValSet vs, bool bconst)
{
    uint8_t state[STATE_SIZE];
    BackendBlockInfo info;
    const uint8_t *code = be_compile_in(blk, 0, &info);
    for (unsigned i = 0; i < vs.n; i++)
        for (unsigned j = 0; j < (bconst ? 1 : vs.n); j++) {
            for (unsigned q = 0; q < STATE_SIZE; q++)
                state[q] = (uint8_t)(q * 7);
            memcpy(state + OFF_A, &vs.v[i], 8);
            memcpy(state + OFF_B, &vs.v[j], 8);
            be_run_compare(blk, code, 0, state, zero_mem);
        }
    ir_block_free(blk);
}

void be_test_fused_compare(void **st)
{
    (void)st;
    for (unsigned k = 0; k < 4; k++) {
        ValSet vs = vals_of(be_int_types[k]);
        for (int cond = 0; cond < IR_COND_COUNT; cond++)
            for (unsigned bc = 0; bc <= vs.n; bc++) {      /* bc == vs.n: b from the state */
                bool bconst = bc < vs.n;
                IrBlock *blk = build_fused(be_int_types[k], (IrCond)cond, bconst,
                                           bconst ? const_bits(be_int_types[k], &vs.v[bc]) : 0,
                                           (bc + (unsigned)cond) & 1);
                run_fused(blk, vs, bconst);
            }
    }
}

/* The same for FCMP: a predicate that one UCOMIS decides lives in the host flags when the next
 * EXIT_IF or SELECT reads it (EQ and NEQ never do); every predicate, both widths, constant or
 * state operands, NaNs and signed zeros. */
static IrBlock *build_fused_f(IrType t, IrFCond p, bool bconst, uint64_t bval)
{
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;
    IrRef x = ir_get(&b, t, OFF_A);
    IrRef y = bconst ? ir_const(&b, t, bval) : ir_get(&b, t, OFF_B);
    /* a flags word of the same values first: its compare may serve c1 (comis_cached) */
    ir_put(&b, OFF_OUT + 8, ir_emit(&b, IR_FCMPFLAGS, IR_I64, x, y, IR_NONE, 0, p & 1));
    IrRef c1 = ir_emit(&b, IR_FCMP, IR_I8, x, y, IR_NONE, p, 0);
    ir_put(&b, OFF_OUT + 16, x);                    /* flag-neutral moves in between */
    IrRef g = ir_get(&b, IR_I64, OFF_C);
    ir_exit_if(&b, c1, 0x1111, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    IrRef c2 = ir_emit(&b, IR_FCMP, IR_I8, y, x, IR_NONE, p ^ 4, 0);
    ir_put(&b, OFF_OUT, ir_select(&b, IR_I64, c2, g, ir_const(&b, IR_I64, 7)));
    IrRef c3 = ir_emit(&b, IR_FCMP, IR_I8, x, y, IR_NONE, (p + 1) % IR_FCOND_COUNT, 0);
    IrRef s = ir_select(&b, IR_V128, c3, ir_get(&b, IR_V128, OFF_C), ir_get(&b, IR_V128, OFF_C + 8));
    ir_put(&b, OFF_OUT + 24, s);
    IrRef c4 = ir_emit(&b, IR_FCMP, IR_I8, y, x, IR_NONE, p, 0);
    ir_exit_if(&b, c4, 0x4444, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0x2222, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

void be_test_fused_fcompare(void **st)
{
    (void)st;
    static const IrType ft[2] = { IR_F32, IR_F64 };
    for (unsigned k = 0; k < 2; k++) {
        ValSet vs = vals_of(ft[k]);
        for (int p = 0; p < IR_FCOND_COUNT; p++)
            for (unsigned bc = 0; bc <= vs.n; bc += (bc < vs.n ? 3 : 1)) {
                bool bconst = bc < vs.n;
                IrBlock *blk = build_fused_f(ft[k], (IrFCond)p, bconst,
                                             bconst ? const_bits(ft[k], &vs.v[bc]) : 0);
                run_fused(blk, vs, bconst);
            }
    }
}

void be_test_vector(void **st)
{
    (void)st;
    static const IrOp plain[] = { IR_VAND, IR_VOR, IR_VXOR, IR_VANDN };
    for (unsigned i = 0; i < 4; i++)
        check_op(plain[i], IR_V128, 2, IR_V128, IR_V128, IR_VOID, 0);
    static const IrOp laned[] = { IR_VADD, IR_VSUB, IR_VCMPEQ, IR_VCMPGTS, IR_VUNPACKLO,
                                  IR_VUNPACKHI, IR_VSUBUSAT, IR_VMINU, IR_VMAXU };
    for (unsigned i = 0; i < sizeof laned / sizeof laned[0]; i++) {
        bool small = laned[i] == IR_VSUBUSAT || laned[i] == IR_VMINU || laned[i] == IR_VMAXU;
        for (int lane = 8; lane <= (small ? 16 : 64); lane *= 2)
            check_op(laned[i], IR_V128, 2, IR_V128, IR_V128, IR_VOID, lane);
    }
    for (int lane = 8; lane <= 64; lane *= 2)
        check_op(IR_VMOVMSK, IR_I32, 1, IR_V128, IR_VOID, IR_VOID, lane);
    static const int64_t ctl[] = { 0x00, 0x1B, 0xE4, 0xB1, 0x4E, 0xFF, 0x93 };
    for (unsigned i = 0; i < sizeof ctl / sizeof ctl[0]; i++) {
        check_op(IR_VSHUF32, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, ctl[i]);
        check_op(IR_VSHUFLO16, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, ctl[i]);
        check_op(IR_VSHUFHI16, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, ctl[i]);
    }
    /* PSHUFD controls a backend may give a one-instruction form (rotations, broadcasts of a
     * lane or a half, pair swaps, interleaves, even/odd lanes), and ones a lane or two away
     * from such a form */
    static const int64_t ctl32[] = { 0x39, 0x55, 0xAA, 0x44, 0xEE, 0x50, 0xFA, 0xA0, 0xF5,
                                     0x88, 0xDD, 0x79, 0x8D, 0x27, 0x64, 0xD8 };
    for (unsigned i = 0; i < sizeof ctl32 / sizeof ctl32[0]; i++)
        check_op(IR_VSHUF32, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, ctl32[i]);
    static const int64_t bytes[] = { 0, 1, 3, 7, 8, 9, 15, 16, 17, 255 };
    for (unsigned i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
        check_op(IR_VBSLL, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, bytes[i]);
        check_op(IR_VBSRL, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, bytes[i]);
    }
    /* byte shuffle (the index values include bit 7 set, and indices >= 16 with bit 7 clear)
     * and byte alignment at every count */
    check_op(IR_VSHUFB, IR_V128, 2, IR_V128, IR_V128, IR_VOID, 0);
    for (int n = 0; n < 16; n++)
        check_op(IR_VALIGNR, IR_V128, 2, IR_V128, IR_V128, IR_VOID, n);
    static const IrOp shifts[] = { IR_VSHLI, IR_VSHRI, IR_VSARI };
    for (unsigned i = 0; i < 3; i++)
        for (int lane = 8; lane <= 64; lane *= 2) {
            OpCase oc = { .op = shifts[i], .t = IR_V128, .nargs = 2, .at = { IR_V128, IR_I64 },
                          .imm0 = lane, .vs = { { NULL, 0 }, VS(vals_count) } };
            check_op_case(&oc);
        }
    check_op(IR_VFROM64, IR_V128, 1, IR_I64, IR_VOID, IR_VOID, 0);
    for (int lane = 0; lane < 2; lane++) {
        check_op(IR_VINSERT64, IR_V128, 2, IR_V128, IR_I64, IR_VOID, lane);
        check_op(IR_VEXTRACT64, IR_I64, 1, IR_V128, IR_VOID, IR_VOID, lane);
    }
    /* the scalar lane of an xmm register; merging into a zero V128 has its own (MOVQ) path */
    check_op(IR_VLOWF, IR_F32, 1, IR_V128, IR_VOID, IR_VOID, 0);
    check_op(IR_VLOWF, IR_F64, 1, IR_V128, IR_VOID, IR_VOID, 0);
    check_op(IR_VSETLOWF, IR_V128, 2, IR_V128, IR_F32, IR_VOID, 0);
    check_op(IR_VSETLOWF, IR_V128, 2, IR_V128, IR_F64, IR_VOID, 0);
    /* packed floating point, per F32 and F64 lane */
    static const IrOp pf[] = { IR_VFADD, IR_VFSUB, IR_VFMUL, IR_VFDIV, IR_VFMIN, IR_VFMAX,
                               IR_VFSQRT, IR_VFCMP };
    for (unsigned i = 0; i < sizeof pf / sizeof pf[0]; i++)
        for (int lane = 32; lane <= 64; lane *= 2)
            for (int pred = 0; pred < (pf[i] == IR_VFCMP ? IR_FCOND_COUNT : 1); pred++) {
                OpCase oc = { .op = pf[i], .t = IR_V128, .nargs = pf[i] == IR_VFSQRT ? 1 : 2,
                              .at = { IR_V128, IR_V128 }, .imm0 = lane, .imm1 = pred,
                              .vs = { VS(vals_v128f), VS(vals_v128f) } };
                check_op_case(&oc);
            }
}

void be_test_float(void **st)
{
    (void)st;
    static const IrType ft[2] = { IR_F32, IR_F64 };
    static const IrOp bin[] = { IR_FADD, IR_FSUB, IR_FMUL, IR_FDIV, IR_FMIN, IR_FMAX };
    for (unsigned k = 0; k < 2; k++) {
        for (unsigned i = 0; i < sizeof bin / sizeof bin[0]; i++)
            check_op(bin[i], ft[k], 2, ft[k], ft[k], IR_VOID, 0);
        check_op(IR_FSQRT, ft[k], 1, ft[k], IR_VOID, IR_VOID, 0);
        for (int c = 0; c < IR_FCOND_COUNT; c++)
            check_op(IR_FCMP, IR_I8, 2, ft[k], ft[k], IR_VOID, c);
        for (int sig = 0; sig < 2; sig++) {     /* ucomis and comis flags words */
            OpCase oc = { .op = IR_FCMPFLAGS, .t = IR_I64, .nargs = 2, .at = { ft[k], ft[k] },
                          .imm0 = 0, .imm1 = sig, .vs = { vals_of(ft[k]), vals_of(ft[k]) } };
            check_op_case(&oc);
        }
        for (unsigned w = 2; w < 4; w++) {
            check_op(IR_F2I, be_int_types[w], 1, ft[k], IR_VOID, IR_VOID, 0);
            check_op(IR_F2I_RN, be_int_types[w], 1, ft[k], IR_VOID, IR_VOID, 0);
            check_op(IR_I2F, ft[k], 1, be_int_types[w], IR_VOID, IR_VOID, 0);
        }
        check_op(IR_FCVT, ft[k], 1, ft[1 - k], IR_VOID, IR_VOID, 0);
    }
}

