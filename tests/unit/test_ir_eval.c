/* test_ir_eval.c — unit tests of the ir/ module's constant evaluator (ir_eval, shared by
 * the builder's folding and the reference interpreter): the core tables, then the edge cases
 * of each op family (integers, vectors, floating point).
 *
 * Expected values are written by hand from ir_ops.def's definitions (and the Intel SDM for the
 * x86-defined behaviours: SSE NaN propagation, integer indefinite, PSHUFD, PUNPCKL, ...).
 * The builder, verifier, passes, interpreter and text form are test_ir.c's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "ir/ir.h"

/* ---------------------------------------------------------------- evaluator helpers */

static uint64_t ev(IrOp op, IrType t, IrType at, uint64_t a, uint64_t b, int64_t imm0)
{
    IrValue in[3] = { { a, 0 }, { b, 0 }, { 0, 0 } }, out;
    IrType ty[3] = { at, at, IR_VOID };
    int64_t imm[2] = { imm0, 0 };
    assert_true(ir_eval(op, t, in, ty, imm, &out));
    assert_int_equal(out.hi, 0);
    return out.lo;
}

/* Same-type integer/float op of one or two inputs. */
static uint64_t ev2(IrOp op, IrType t, uint64_t a, uint64_t b)
{
    return ev(op, t, t, a, b, 0);
}

static IrValue evv(IrOp op, IrType t, IrValue a, IrType at0, IrValue b, IrType at1, int64_t imm0)
{
    IrValue in[3] = { a, b, { 0, 0 } }, out;
    IrType ty[3] = { at0, at1, IR_VOID };
    int64_t imm[2] = { imm0, 0 };
    assert_true(ir_eval(op, t, in, ty, imm, &out));
    return out;
}

static IrValue V(uint64_t lo, uint64_t hi)
{
    IrValue v = { lo, hi };
    return v;
}

#define assert_v128(v, elo, ehi) do { IrValue v_ = (v); \
    assert_int_equal(v_.lo, (elo)); assert_int_equal(v_.hi, (ehi)); } while (0)

static uint64_t f64b(double d) { uint64_t u; memcpy(&u, &d, 8); return u; }
static uint64_t f32b(float f) { uint32_t u; memcpy(&u, &f, 4); return u; }

/* ---------------------------------------------------------------- core tables */

static void test_types_and_names(void **state)
{
    (void)state;
    assert_int_equal(ir_type_size(IR_VOID), 0);
    assert_int_equal(ir_type_size(IR_I8), 1);
    assert_int_equal(ir_type_size(IR_I64), 8);
    assert_int_equal(ir_type_size(IR_I128), 16);
    assert_int_equal(ir_type_size(IR_F80), 10);
    assert_int_equal(ir_type_size(IR_V128), 16);
    assert_int_equal(ir_type_size(IR_V256), 32);
    assert_int_equal(ir_type_bits(IR_I32), 32);
    assert_string_equal(ir_type_name(IR_F64), "f64");
    assert_string_equal(ir_type_name(IR_V256), "v256");
    assert_int_equal(ir_int_type(2), IR_I16);
    assert_int_equal(ir_int_type(3), IR_VOID);
    assert_string_equal(ir_cond_name(IR_LTS), "lts");
    assert_string_equal(ir_cond_name(IR_GTU), "gtu");
    assert_string_equal(ir_op_info[IR_INSN_START].name, "insn_start");
    assert_string_equal(ir_op_info[IR_VEXTRACT64].name, "vextract64");
    assert_int_equal(ir_op_info[IR_STORE].nin, 2);
    assert_true(ir_op_info[IR_ADD].props & IRP_COMM);
    assert_false(ir_op_info[IR_GET].props & IRP_PURE);
    IrBlock *blk = ir_block_new(0x1000);
    assert_int_equal(blk->n, 1);
    assert_int_equal(blk->insn[0].op, IR_NOP);
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- evaluator: integers */

static void test_eval_int_arith(void **state)
{
    (void)state;
    assert_int_equal(ev2(IR_ADD, IR_I8, 0xff, 1), 0);
    assert_int_equal(ev2(IR_SUB, IR_I16, 0, 1), 0xffff);
    assert_int_equal(ev2(IR_MUL, IR_I16, 0x1234, 0x100), 0x3400);
    assert_int_equal(ev2(IR_MULHU, IR_I8, 0xff, 0xff), 0xfe);
    assert_int_equal(ev2(IR_MULHU, IR_I32, 0xffffffff, 2), 1);
    assert_int_equal(ev2(IR_MULHU, IR_I64, UINT64_MAX, UINT64_MAX), 0xfffffffffffffffeull);
    assert_int_equal(ev2(IR_MULHS, IR_I64, UINT64_MAX, UINT64_MAX), 0);       /* -1 * -1 */
    assert_int_equal(ev2(IR_MULHS, IR_I64, UINT64_MAX, 5), UINT64_MAX);       /* -5 >> 64 */
    assert_int_equal(ev2(IR_MULHS, IR_I8, 0x80, 0x7f), 0xc0);     /* -128*127 = 0xc080 */
    assert_int_equal(ev2(IR_MULHS, IR_I16, 0x8000, 0x8000), 0x4000);
    assert_int_equal(ev2(IR_MULHS, IR_I32, 0x80000000, 0x80000000), 0x40000000);
    assert_int_equal(ev2(IR_MULHS, IR_I64, 1ull << 63, 1ull << 63), 1ull << 62);
    assert_int_equal(ev2(IR_AND, IR_I32, 0xf0f0, 0xff00), 0xf000);
    assert_int_equal(ev2(IR_OR, IR_I8, 0xf0, 0x0f), 0xff);
    assert_int_equal(ev2(IR_XOR, IR_I64, ~0ull, 1), ~1ull);
    assert_int_equal(ev(IR_NEG, IR_I8, IR_I8, 0x80, 0, 0), 0x80);
    assert_int_equal(ev(IR_NEG, IR_I32, IR_I32, 1, 0, 0), 0xffffffff);
    assert_int_equal(ev(IR_NOT, IR_I16, IR_I16, 0x00ff, 0, 0), 0xff00);
}

static void test_eval_shifts(void **state)
{
    (void)state;
    assert_int_equal(ev2(IR_SHL, IR_I32, 1, 33), 2);              /* count mod 32 */
    assert_int_equal(ev2(IR_SHL, IR_I8, 0x81, 1), 0x02);
    assert_int_equal(ev2(IR_SHR, IR_I8, 0x80, 7), 1);
    assert_int_equal(ev2(IR_SHR, IR_I64, 1ull << 63, 64), 1ull << 63); /* 64 mod 64 = 0 */
    assert_int_equal(ev2(IR_SAR, IR_I8, 0x80, 7), 0xff);
    assert_int_equal(ev2(IR_SAR, IR_I16, 0x8000, 15), 0xffff);
    assert_int_equal(ev2(IR_SAR, IR_I32, 0x40000000, 30), 1);
    assert_int_equal(ev2(IR_SAR, IR_I64, 0x8000000000000000ull, 63), UINT64_MAX);
    assert_int_equal(ev2(IR_ROL, IR_I8, 0x81, 1), 0x03);
    assert_int_equal(ev2(IR_ROL, IR_I8, 0x81, 8), 0x81);          /* rotate by w */
    assert_int_equal(ev2(IR_ROR, IR_I16, 0x0001, 1), 0x8000);
    assert_int_equal(ev2(IR_ROR, IR_I64, 1, 65), 1ull << 63);
    assert_int_equal(ev2(IR_ROL, IR_I32, 0x80000001, 4), 0x00000018);
}

static void test_eval_bits(void **state)
{
    (void)state;
    assert_int_equal(ev(IR_CTZ, IR_I32, IR_I32, 0, 0, 0), 32);
    assert_int_equal(ev(IR_CTZ, IR_I8, IR_I8, 0x80, 0, 0), 7);
    assert_int_equal(ev(IR_CTZ, IR_I64, IR_I64, 0, 0, 0), 64);
    assert_int_equal(ev(IR_CLZ, IR_I16, IR_I16, 1, 0, 0), 15);
    assert_int_equal(ev(IR_CLZ, IR_I64, IR_I64, 0, 0, 0), 64);
    assert_int_equal(ev(IR_CLZ, IR_I8, IR_I8, 0, 0, 0), 8);
    assert_int_equal(ev(IR_CLZ, IR_I32, IR_I32, 0x00010000, 0, 0), 15);
    assert_int_equal(ev(IR_POPCNT, IR_I64, IR_I64, UINT64_MAX, 0, 0), 64);
    assert_int_equal(ev(IR_POPCNT, IR_I16, IR_I16, 0xf0f1, 0, 0), 9);
    assert_int_equal(ev(IR_BSWAP, IR_I16, IR_I16, 0x1234, 0, 0), 0x3412);
    assert_int_equal(ev(IR_BSWAP, IR_I32, IR_I32, 0x11223344, 0, 0), 0x44332211);
    assert_int_equal(ev(IR_BSWAP, IR_I64, IR_I64, 0x0102030405060708ull, 0, 0),
                     0x0807060504030201ull);
    /* BSWAP of an i8 is not defined: the evaluator refuses rather than guessing. */
    IrValue in[3] = { { 1, 0 } }, out;
    IrType ty[3] = { IR_I8 };
    assert_false(ir_eval(IR_BSWAP, IR_I8, in, ty, NULL, &out));
    /* Non-pure ops are refused. */
    assert_false(ir_eval(IR_GET, IR_I64, in, ty, NULL, &out));
    assert_false(ir_eval(IR_NOP, IR_VOID, in, ty, NULL, &out));
}

static void test_eval_width_cmp_select(void **state)
{
    (void)state;
    assert_int_equal(ev(IR_ZEXT, IR_I64, IR_I8, 0x80, 0, 0), 0x80);
    assert_int_equal(ev(IR_SEXT, IR_I64, IR_I8, 0x80, 0, 0), 0xffffffffffffff80ull);
    assert_int_equal(ev(IR_SEXT, IR_I32, IR_I16, 0x7fff, 0, 0), 0x7fff);
    assert_int_equal(ev(IR_SEXT, IR_I16, IR_I8, 0xff, 0, 0), 0xffff);
    assert_int_equal(ev(IR_TRUNC, IR_I8, IR_I64, 0x1234567890abcdefull, 0, 0), 0xef);
    assert_int_equal(ev(IR_TRUNC, IR_I32, IR_I64, 0x1234567890abcdefull, 0, 0), 0x90abcdef);
    assert_int_equal(ev(IR_BITCAST, IR_F64, IR_I64, 0x3ff0000000000000ull, 0, 0),
                     0x3ff0000000000000ull);
    /* CMP: every condition on 0x80 vs 0x01 as i8 (unsigned 128 > 1, signed -128 < 1). */
    static const struct { IrCond c; uint64_t r; } cases[] = {
        { IR_EQ, 0 }, { IR_NE, 1 }, { IR_LTU, 0 }, { IR_GEU, 1 }, { IR_LEU, 0 },
        { IR_GTU, 1 }, { IR_LTS, 1 }, { IR_GES, 0 }, { IR_LES, 1 }, { IR_GTS, 0 },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_int_equal(ev(IR_CMP, IR_I8, IR_I8, 0x80, 0x01, cases[i].c), cases[i].r);
    assert_int_equal(ev(IR_CMP, IR_I8, IR_I64, 5, 5, IR_LES), 1);
    assert_int_equal(ev(IR_CMP, IR_I8, IR_I64, 5, 5, IR_LTS), 0);
    assert_int_equal(ev(IR_CMP, IR_I8, IR_I32, 0xffffffff, 0, IR_LTS), 1);
    /* SELECT */
    IrValue in[3] = { { 1, 0 }, { 11, 0 }, { 22, 0 } }, out;
    IrType ty[3] = { IR_I8, IR_I32, IR_I32 };
    assert_true(ir_eval(IR_SELECT, IR_I32, in, ty, NULL, &out));
    assert_int_equal(out.lo, 11);
    in[0].lo = 0;
    assert_true(ir_eval(IR_SELECT, IR_I32, in, ty, NULL, &out));
    assert_int_equal(out.lo, 22);
    /* CONST truncates to its type */
    int64_t imm[2] = { -1, 0 };
    assert_true(ir_eval(IR_CONST, IR_I16, in, ty, imm, &out));
    assert_int_equal(out.lo, 0xffff);
}

/* ---------------------------------------------------------------- evaluator: vectors */

static void test_eval_vector_lanes(void **state)
{
    (void)state;
    IrValue a = V(0x0102030405060708ull, 0x8090a0b0c0d0e0f0ull);
    IrValue b = V(0xff01ff01ff01ff01ull, 0x0101010101010101ull);
    assert_v128(evv(IR_VADD, IR_V128, a, IR_V128, b, IR_V128, 8),
                0x0003020504070609ull, 0x8191a1b1c1d1e1f1ull);
    assert_v128(evv(IR_VADD, IR_V128, V(~0ull, 1), IR_V128, V(1, 0), IR_V128, 64), 0, 1);
    assert_v128(evv(IR_VSUB, IR_V128, V(0, 0), IR_V128, V(1, 1), IR_V128, 32),
                0x00000000ffffffffull, 0x00000000ffffffffull);
    assert_v128(evv(IR_VSUBUSAT, IR_V128, V(0x0010000500ff0001ull, 0), IR_V128,
                    V(0x0020000300010002ull, 0), IR_V128, 16),
                0x0000000200fe0000ull, 0);
    assert_v128(evv(IR_VCMPEQ, IR_V128, V(0x1122, 7), IR_V128, V(0x1133, 7), IR_V128, 8),
                0xffffffffffffff00ull, ~0ull);
    assert_v128(evv(IR_VCMPGTS, IR_V128, V(0x00017fff8000ffffull, 0), IR_V128,
                    V(0x0000800000000000ull, 0), IR_V128, 16),
                0xffffffff00000000ull, 0);
    assert_v128(evv(IR_VMINU, IR_V128, V(0x80017f, 0), IR_V128, V(0x7f0280, 0), IR_V128, 8),
                0x7f017f, 0);
    assert_v128(evv(IR_VMAXU, IR_V128, V(0x80017f, 0), IR_V128, V(0x7f0280, 0), IR_V128, 8),
                0x800280, 0);
    assert_v128(evv(IR_VANDN, IR_V128, V(0xff00, 0xf), IR_V128, V(0xffff, 0xff), IR_V128, 0),
                0x00ff, 0xf0);
    /* lane widths the op does not accept are refused */
    IrValue in[3] = { a, b }, out;
    IrType ty[3] = { IR_V128, IR_V128 };
    int64_t imm[2] = { 32, 0 };
    assert_false(ir_eval(IR_VMINU, IR_V128, in, ty, imm, &out));
    imm[0] = 12;
    assert_false(ir_eval(IR_VADD, IR_V128, in, ty, imm, &out));
}

static void test_eval_vector_shuffles(void **state)
{
    (void)state;
    IrValue a = V(0x0706050403020100ull, 0x0f0e0d0c0b0a0908ull);   /* byte i = i */
    IrValue b = V(0x1716151413121110ull, 0x1f1e1d1c1b1a1918ull);   /* byte i = 0x10 + i */
    /* VMOVMSK: bytes with the top bit set */
    assert_int_equal(evv(IR_VMOVMSK, IR_I32, V(0x8000000000000080ull, 0xff00000000000001ull),
                         IR_V128, V(0, 0), IR_VOID, 8).lo, 0x8081);
    assert_int_equal(evv(IR_VMOVMSK, IR_I32, V(0x8000000000000000ull, 0x80000000ull),
                         IR_V128, V(0, 0), IR_VOID, 32).lo, 0x6);
    assert_int_equal(evv(IR_VMOVMSK, IR_I32, V(1ull << 63, 0), IR_V128, V(0, 0), IR_VOID, 64).lo,
                     1);
    /* VUNPACKLO 8: a0 b0 a1 b1 ... */
    assert_v128(evv(IR_VUNPACKLO, IR_V128, a, IR_V128, b, IR_V128, 8),
                0x1303120211011000ull, 0x1707160615051404ull);
    /* VUNPACKHI 32: a2 b2 a3 b3 */
    assert_v128(evv(IR_VUNPACKHI, IR_V128, a, IR_V128, b, IR_V128, 32),
                0x1b1a19180b0a0908ull, 0x1f1e1d1c0f0e0d0cull);
    /* VUNPACKLO 64: a0 b0 */
    assert_v128(evv(IR_VUNPACKLO, IR_V128, a, IR_V128, b, IR_V128, 64), a.lo, b.lo);
    /* VSHUF32 0x1b reverses the dwords */
    assert_v128(evv(IR_VSHUF32, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 0x1b),
                0x0b0a09080f0e0d0cull, 0x0302010007060504ull);
    /* VSHUF32 0x00 broadcasts dword 0 */
    assert_v128(evv(IR_VSHUF32, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 0x00),
                0x0302010003020100ull, 0x0302010003020100ull);
    /* VSHUFLO16 0x1b reverses words 0-3, keeps 4-7 */
    assert_v128(evv(IR_VSHUFLO16, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 0x1b),
                0x0100030205040706ull, a.hi);
    /* VSHUFHI16 0x1b reverses words 4-7, keeps 0-3 */
    assert_v128(evv(IR_VSHUFHI16, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 0x1b),
                a.lo, 0x09080b0a0d0c0f0eull);
    /* byte shifts */
    assert_v128(evv(IR_VBSLL, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 1),
                0x0605040302010000ull, 0x0e0d0c0b0a090807ull);
    assert_v128(evv(IR_VBSRL, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 8), a.hi, 0);
    assert_v128(evv(IR_VBSRL, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 3),
                0x0a09080706050403ull, 0x0000000f0e0d0c0bull);
    assert_v128(evv(IR_VBSLL, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 16), 0, 0);
    assert_v128(evv(IR_VBSRL, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 255), 0, 0);
    assert_v128(evv(IR_VBSLL, IR_V128, a, IR_V128, V(0, 0), IR_VOID, 0), a.lo, a.hi);
    /* VSHUFB: bit 7 zeroes (0x80, 0xff), else the low 4 bits index a (0x11, 0x7e) */
    assert_v128(evv(IR_VSHUFB, IR_V128, a, IR_V128, V(0x007e05ff0211800full, a.lo), IR_V128, 0),
                0x000e05000201000full, a.lo);
    /* VALIGNR 3: bytes 3..18 of a:b, b low */
    assert_v128(evv(IR_VALIGNR, IR_V128, a, IR_V128, b, IR_V128, 3),
                0x1a19181716151413ull, 0x0201001f1e1d1c1bull);
    assert_v128(evv(IR_VALIGNR, IR_V128, a, IR_V128, b, IR_V128, 0), b.lo, b.hi);
}

static void test_eval_vector_shifts_moves(void **state)
{
    (void)state;
    IrValue a = V(0x8000000180000001ull, 0x00ff00ff7fff8000ull);
    assert_v128(evv(IR_VSHLI, IR_V128, a, IR_V128, V(4, 0), IR_I64, 16),
                0x0000001000000010ull, 0x0ff00ff0fff00000ull);
    assert_v128(evv(IR_VSHLI, IR_V128, a, IR_V128, V(16, 0), IR_I64, 16), 0, 0);
    assert_v128(evv(IR_VSHRI, IR_V128, a, IR_V128, V(31, 0), IR_I64, 32),
                0x0000000100000001ull, 0x0000000000000000ull);
    assert_v128(evv(IR_VSHRI, IR_V128, a, IR_V128, V(64, 0), IR_I64, 64), 0, 0);
    assert_v128(evv(IR_VSARI, IR_V128, a, IR_V128, V(40, 0), IR_I64, 32),
                0xffffffffffffffffull, 0x0000000000000000ull);
    assert_v128(evv(IR_VSARI, IR_V128, a, IR_V128, V(1, 0), IR_I64, 64),
                0xc0000000c0000000ull, 0x007f807fbfffc000ull);
    assert_v128(evv(IR_VSARI, IR_V128, V(0x80, 0), IR_V128, V(3, 0), IR_I64, 8), 0xf0, 0);
    assert_v128(evv(IR_VFROM64, IR_V128, V(0x1234, 0), IR_I64, V(0, 0), IR_VOID, 0), 0x1234, 0);
    assert_v128(evv(IR_VINSERT64, IR_V128, a, IR_V128, V(7, 0), IR_I64, 1), a.lo, 7);
    assert_v128(evv(IR_VINSERT64, IR_V128, a, IR_V128, V(7, 0), IR_I64, 0), 7, a.hi);
    assert_int_equal(evv(IR_VEXTRACT64, IR_I64, a, IR_V128, V(0, 0), IR_VOID, 1).lo, a.hi);
    assert_int_equal(evv(IR_VEXTRACT64, IR_I64, a, IR_V128, V(0, 0), IR_VOID, 0).lo, a.lo);
    /* the scalar in the low lane, and merging one back (x86 movss/movsd xmm, xmm) */
    assert_v128(evv(IR_VLOWF, IR_F64, a, IR_V128, V(0, 0), IR_VOID, 0), a.lo, 0);
    assert_v128(evv(IR_VLOWF, IR_F32, a, IR_V128, V(0, 0), IR_VOID, 0), 0x80000001ull, 0);
    assert_v128(evv(IR_VSETLOWF, IR_V128, a, IR_V128, V(0x3ff0000000000000ull, 0), IR_F64, 0),
                0x3ff0000000000000ull, a.hi);
    assert_v128(evv(IR_VSETLOWF, IR_V128, a, IR_V128, V(0x3f800000, 0), IR_F32, 0),
                0x800000013f800000ull, a.hi);
    IrValue out;
    IrType bad[3] = { IR_V128, IR_I64, IR_VOID };
    IrValue in[3] = { a, V(1, 0), V(0, 0) };
    assert_false(ir_eval(IR_VSETLOWF, IR_V128, in, bad, NULL, &out));   /* not a float */
    assert_false(ir_eval(IR_VLOWF, IR_I64, in, bad, NULL, &out));
}

/* ---------------------------------------------------------------- evaluator: floating point */

#define F64_SNAN   0x7ff4000000000000ull
#define F64_QNAN_P 0x7ff8000000000123ull    /* quiet NaN with a payload */
#define F64_DNAN   0xfff8000000000000ull
#define F32_SNAN   0x7f800001ull
#define F32_DNAN   0xffc00000ull
#define F64_ONE    0x3ff0000000000000ull

static void test_eval_float_nan_rules(void **state)
{
    (void)state;
    /* a NaN input: the first NaN operand, quieted */
    assert_int_equal(ev2(IR_FADD, IR_F64, F64_SNAN, F64_ONE), 0x7ffc000000000000ull);
    assert_int_equal(ev2(IR_FADD, IR_F64, F64_ONE, F64_SNAN), 0x7ffc000000000000ull);
    assert_int_equal(ev2(IR_FMUL, IR_F64, F64_QNAN_P, F64_SNAN), F64_QNAN_P);
    assert_int_equal(ev2(IR_FSUB, IR_F64, F64_SNAN | (1ull << 63), F64_QNAN_P),
                     0xfffc000000000000ull);
    assert_int_equal(ev2(IR_FDIV, IR_F32, 0x3f800000, F32_SNAN), 0x7fc00001);
    /* invalid operations: the default NaN */
    assert_int_equal(ev2(IR_FDIV, IR_F64, 0, 0), F64_DNAN);
    assert_int_equal(ev2(IR_FDIV, IR_F32, 0, 0), F32_DNAN);
    assert_int_equal(ev2(IR_FSUB, IR_F64, f64b(INFINITY), f64b(INFINITY)), F64_DNAN);
    assert_int_equal(ev2(IR_FADD, IR_F64, f64b(INFINITY), f64b(-INFINITY)), F64_DNAN);
    assert_int_equal(ev2(IR_FMUL, IR_F32, f32b(INFINITY), 0), F32_DNAN);
    assert_int_equal(ev(IR_FSQRT, IR_F64, IR_F64, f64b(-1.0), 0, 0), F64_DNAN);
    assert_int_equal(ev(IR_FSQRT, IR_F32, IR_F32, f32b(-4.0f), 0, 0), F32_DNAN);
    assert_int_equal(ev(IR_FSQRT, IR_F64, IR_F64, f64b(-0.0), 0, 0), f64b(-0.0));
    assert_int_equal(ev(IR_FSQRT, IR_F64, IR_F64, F64_SNAN, 0, 0), 0x7ffc000000000000ull);
    assert_int_equal(ev(IR_FSQRT, IR_F64, IR_F64, f64b(2.25), 0, 0), f64b(1.5));
    /* ordinary arithmetic, correctly rounded */
    assert_int_equal(ev2(IR_FADD, IR_F64, f64b(0.1), f64b(0.2)), 0x3fd3333333333334ull);
    assert_int_equal(ev2(IR_FMUL, IR_F32, f32b(3.0f), f32b(0.5f)), f32b(1.5f));
    assert_int_equal(ev2(IR_FDIV, IR_F64, f64b(1.0), f64b(3.0)), 0x3fd5555555555555ull);
    assert_int_equal(ev2(IR_FDIV, IR_F64, f64b(1.0), f64b(-0.0)), f64b(-INFINITY));
}

static void test_eval_float_min_max_cmp(void **state)
{
    (void)state;
    uint64_t one = F64_ONE, two = f64b(2.0);
    assert_int_equal(ev2(IR_FMIN, IR_F64, one, two), one);
    assert_int_equal(ev2(IR_FMAX, IR_F64, one, two), two);
    /* a NaN either side gives b, unchanged (even a signalling NaN) */
    assert_int_equal(ev2(IR_FMIN, IR_F64, F64_SNAN, one), one);
    assert_int_equal(ev2(IR_FMIN, IR_F64, one, F64_SNAN), F64_SNAN);
    assert_int_equal(ev2(IR_FMAX, IR_F32, 0x3f800000, F32_SNAN), F32_SNAN);
    /* equal operands (+0, -0) give b */
    assert_int_equal(ev2(IR_FMIN, IR_F64, f64b(0.0), f64b(-0.0)), f64b(-0.0));
    assert_int_equal(ev2(IR_FMAX, IR_F64, f64b(-0.0), f64b(0.0)), f64b(0.0));
    /* FCMP predicates, ordered and with a NaN */
    static const struct { unsigned c; uint64_t lt, nan; } cases[] = {
        { 0, 0, 0 }, { 1, 1, 0 }, { 2, 1, 0 }, { 3, 0, 1 },
        { 4, 1, 1 }, { 5, 0, 1 }, { 6, 0, 1 }, { 7, 1, 0 },
    };
    for (size_t i = 0; i < 8; i++) {
        assert_int_equal(ev(IR_FCMP, IR_I8, IR_F64, one, two, cases[i].c), cases[i].lt);
        assert_int_equal(ev(IR_FCMP, IR_I8, IR_F64, one, F64_QNAN_P, cases[i].c), cases[i].nan);
    }
    assert_int_equal(ev(IR_FCMP, IR_I8, IR_F32, f32b(2.0f), f32b(2.0f), IR_FLE), 1);
    assert_int_equal(ev(IR_FCMP, IR_I8, IR_F32, f32b(2.0f), f32b(2.0f), IR_FNEQ), 0);
}

/* Packed FP ops apply the scalar rules to each lane. */
static void test_eval_float_packed(void **state)
{
    (void)state;
    /* F64 lanes: 1 + 2 = 3; NaN + 1 gives the NaN quieted */
    IrValue a = V(F64_ONE, F64_SNAN), b = V(0x4000000000000000ull, F64_ONE);
    assert_v128(evv(IR_VFADD, IR_V128, a, IR_V128, b, IR_V128, 64), 0x4008000000000000ull,
                F64_SNAN | 0x0008000000000000ull);
    /* F32 lanes: 1 - 1 = 0, 2 - 0.5 = 1.5, inf - inf = default NaN, 0 - 0 = 0 */
    IrValue c = V(0x400000003f800000ull, 0x000000007f800000ull);
    IrValue d = V(0x3f0000003f800000ull, 0x000000007f800000ull);
    assert_v128(evv(IR_VFSUB, IR_V128, c, IR_V128, d, IR_V128, 32), 0x3fc0000000000000ull,
                F32_DNAN);
    /* min/max keep the second operand for NaN and equal lanes */
    IrValue e = V(F64_QNAN_P, 0x8000000000000000ull), f = V(F64_ONE, 0);
    assert_v128(evv(IR_VFMIN, IR_V128, e, IR_V128, f, IR_V128, 64), F64_ONE, 0);
    assert_v128(evv(IR_VFMAX, IR_V128, f, IR_V128, e, IR_V128, 64), F64_QNAN_P,
                0x8000000000000000ull);
    /* sqrt per lane: sqrt(4) = 2, sqrt(-1) = default NaN */
    assert_v128(evv(IR_VFSQRT, IR_V128, V(0x4010000000000000ull, 0xbff0000000000000ull),
                    IR_V128, V(0, 0), IR_VOID, 64), 0x4000000000000000ull, F64_DNAN);
    /* compare: masks of all ones or zeros; an out-of-range predicate is not evaluated */
    IrValue in[3] = { a, b, V(0, 0) }, out;
    IrType ty[3] = { IR_V128, IR_V128, IR_VOID };
    int64_t imm[2] = { 64, IR_FLT };
    assert_true(ir_eval(IR_VFCMP, IR_V128, in, ty, imm, &out));
    assert_v128(out, ~0ull, 0);                 /* 1 < 2; NaN < 1 is false */
    imm[1] = IR_FUNORD;
    assert_true(ir_eval(IR_VFCMP, IR_V128, in, ty, imm, &out));
    assert_v128(out, 0, ~0ull);
    imm[1] = IR_FCOND_COUNT;
    assert_false(ir_eval(IR_VFCMP, IR_V128, in, ty, imm, &out));
    imm[0] = 16;
    imm[1] = 0;
    assert_false(ir_eval(IR_VFADD, IR_V128, in, ty, imm, &out));
}

static void test_eval_float_conversions(void **state)
{
    (void)state;
    /* F2I: NaN and out of range give the integer indefinite */
    assert_int_equal(ev(IR_F2I, IR_I64, IR_F64, F64_QNAN_P, 0, 0), (uint64_t)INT64_MIN);
    assert_int_equal(ev(IR_F2I, IR_I64, IR_F64, f64b(1e20), 0, 0), (uint64_t)INT64_MIN);
    assert_int_equal(ev(IR_F2I, IR_I64, IR_F64, f64b(-9223372036854775808.0), 0, 0),
                     (uint64_t)INT64_MIN);
    assert_int_equal(ev(IR_F2I, IR_I64, IR_F64, f64b(9223372036854775808.0), 0, 0),
                     (uint64_t)INT64_MIN);
    assert_int_equal(ev(IR_F2I, IR_I32, IR_F64, f64b(2147483647.9), 0, 0), 2147483647);
    assert_int_equal(ev(IR_F2I, IR_I32, IR_F64, f64b(2147483648.0), 0, 0), 0x80000000);
    assert_int_equal(ev(IR_F2I, IR_I32, IR_F64, f64b(-2147483648.9), 0, 0), 0x80000000);
    assert_int_equal(ev(IR_F2I, IR_I32, IR_F64, f64b(-2.7), 0, 0), 0xfffffffe);
    assert_int_equal(ev(IR_F2I, IR_I32, IR_F32, f32b(-1.5f), 0, 0), 0xffffffff);
    assert_int_equal(ev(IR_F2I, IR_I32, IR_F32, F32_SNAN, 0, 0), 0x80000000);
    /* F2I_RN: ties to even */
    assert_int_equal(ev(IR_F2I_RN, IR_I64, IR_F64, f64b(2.5), 0, 0), 2);
    assert_int_equal(ev(IR_F2I_RN, IR_I64, IR_F64, f64b(3.5), 0, 0), 4);
    assert_int_equal(ev(IR_F2I_RN, IR_I64, IR_F64, f64b(-2.5), 0, 0), (uint64_t)-2);
    assert_int_equal(ev(IR_F2I_RN, IR_I64, IR_F64, f64b(-2.51), 0, 0), (uint64_t)-3);
    assert_int_equal(ev(IR_F2I_RN, IR_I32, IR_F64, f64b(2147483647.5), 0, 0), 0x80000000);
    assert_int_equal(ev(IR_F2I_RN, IR_I32, IR_F64, f64b(2147483647.4), 0, 0), 2147483647);
    assert_int_equal(ev(IR_F2I_RN, IR_I32, IR_F32, f32b(0.5f), 0, 0), 0);
    /* I2F */
    assert_int_equal(ev(IR_I2F, IR_F64, IR_I64, INT64_MAX, 0, 0), 0x43e0000000000000ull);
    assert_int_equal(ev(IR_I2F, IR_F32, IR_I32, 0xffffffff, 0, 0), 0xbf800000);
    assert_int_equal(ev(IR_I2F, IR_F32, IR_I64, 16777217, 0, 0), f32b(16777216.0f));
    assert_int_equal(ev(IR_I2F, IR_F64, IR_I32, 0x80000000, 0, 0), f64b(-2147483648.0));
    /* FCVT keeps NaN payloads, quieted */
    assert_int_equal(ev(IR_FCVT, IR_F64, IR_F32, F32_SNAN, 0, 0), 0x7ff8000020000000ull);
    assert_int_equal(ev(IR_FCVT, IR_F32, IR_F64, F64_QNAN_P | (1ull << 63), 0, 0), 0xffc00000);
    assert_int_equal(ev(IR_FCVT, IR_F32, IR_F64, 0x7ff0000020000000ull, 0, 0), 0x7fc00001);
    assert_int_equal(ev(IR_FCVT, IR_F32, IR_F64, f64b(1.0 / 3.0), 0, 0), f32b(1.0f / 3.0f));
    assert_int_equal(ev(IR_FCVT, IR_F64, IR_F32, f32b(0.1f), 0, 0), f64b((double)0.1f));
    assert_int_equal(ev(IR_FCVT, IR_F32, IR_F64, f64b(1e300), 0, 0), f32b(INFINITY));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_types_and_names),
        cmocka_unit_test(test_eval_int_arith),
        cmocka_unit_test(test_eval_shifts),
        cmocka_unit_test(test_eval_bits),
        cmocka_unit_test(test_eval_width_cmp_select),
        cmocka_unit_test(test_eval_vector_lanes),
        cmocka_unit_test(test_eval_vector_shuffles),
        cmocka_unit_test(test_eval_vector_shifts_moves),
        cmocka_unit_test(test_eval_float_nan_rules),
        cmocka_unit_test(test_eval_float_min_max_cmp),
        cmocka_unit_test(test_eval_float_packed),
        cmocka_unit_test(test_eval_float_conversions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
