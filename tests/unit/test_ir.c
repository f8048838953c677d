/* test_ir.c — unit tests of the ir/ module: the helper registry, the builder's folding, the
 * verifier's rejections, the passes, the reference interpreter, the print/parse round trip
 * over every op, and the parser's robustness on random input. (The evaluator's edge cases
 * per op family are test_ir_eval.c's.)
 *
 * Expected values are written by hand from ir_ops.def's definitions.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <cmocka.h>

#include "ir/ir.h"
#include "tests/common/ir_text_str.h"

/* ---------------------------------------------------------------- helpers */

static uint64_t helper_add3(void *st, uint64_t a, uint64_t b, uint64_t c)
{
    (void)st;
    return a + b + c;
}

static uint64_t helper_store_state(void *st, uint64_t a, uint64_t b, uint64_t c)
{
    (void)b; (void)c;
    memcpy((uint8_t *)st + 0x40, &a, 8);
    return 0;
}

static uint64_t helper_read_state(void *st, uint64_t a, uint64_t b, uint64_t c)
{
    (void)a; (void)b; (void)c;
    uint64_t v;
    memcpy(&v, (uint8_t *)st + 0x40, 8);
    return v;
}

static int register_helpers(void **state)
{
    (void)state;
    ir_helper_register_reader(helper_read_state, "test_read_state");
    ir_helper_register(helper_add3, "test_add3");
    ir_helper_register(helper_store_state, "test_store_state");
    return 0;
}

static void test_helper_registry(void **state)
{
    (void)state;
    assert_string_equal(ir_helper_name(helper_add3), "test_add3");
    assert_ptr_equal(ir_helper_lookup("test_store_state"), helper_store_state);
    assert_null(ir_helper_lookup("no_such_helper"));
    ir_helper_register(helper_add3, "test_add3");     /* again: harmless */
    assert_ptr_equal(ir_helper_lookup("test_add3"), helper_add3);
    assert_true(ir_helper_is_reader(helper_read_state));
    assert_false(ir_helper_is_reader(helper_add3));
}

/* DCE deletes an unused CALL of a reader helper, and keeps every other CALL and a reader
 * CALL whose result is used. */
static void test_dce_reader_calls(void **state)
{
    (void)state;
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    ir_call(&b, IR_I64, helper_read_state, IR_NONE, IR_NONE, IR_NONE);        /* unused */
    IrRef used = ir_call(&b, IR_I64, helper_read_state, IR_NONE, IR_NONE, IR_NONE);
    ir_put(&b, 0x48, used);
    ir_call(&b, IR_I64, helper_add3, IR_NONE, IR_NONE, IR_NONE);              /* not a reader */
    ir_exit(&b, IR_NONE, 0x1004, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    assert_int_equal(opt_dce(blk), 1);
    unsigned calls = 0;
    for (IrRef r = 1; r < blk->n; r++)
        calls += blk->insn[r].op == IR_CALL;
    assert_int_equal(calls, 2);
    char err[200];
    assert_true(ir_verify(blk, err, sizeof err));
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- builder */

static void test_builder_constant_folding(void **state)
{
    (void)state;
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef x = ir_const(&b, IR_I32, 6), y = ir_const(&b, IR_I32, 7);
    IrRef m = ir_op2(&b, IR_MUL, IR_I32, x, y);
    IrRef s = ir_op2(&b, IR_SHL, IR_I32, m, ir_const(&b, IR_I32, 1));
    uint64_t v;
    assert_true(ir_is_const(blk, s, &v));
    assert_int_equal(v, 84);
    /* constants are shared (CSE), so 84 exists once */
    assert_int_equal(ir_const(&b, IR_I32, 84), s);
    /* a comparison of constants folds to an i8 constant */
    IrRef c = ir_cmp(&b, IR_LTS, ir_const(&b, IR_I32, 0xffffffff), x);
    assert_true(ir_is_const(blk, c, &v));
    assert_int_equal(v, 1);
    assert_int_equal(ir_value_type(blk, c), IR_I8);
    /* constants are stored truncated to their type */
    IrRef k = ir_const(&b, IR_I8, 0x1ff);
    assert_true(ir_is_const(blk, k, &v));
    assert_int_equal(v, 0xff);
    /* a V128 result with a non-zero high half cannot be a CONST: it stays an instruction */
    IrRef vv = ir_op1(&b, IR_VFROM64, IR_V128, ir_const(&b, IR_I64, 5));
    assert_true(ir_is_const(blk, vv, NULL));
    IrRef hi = ir_emit(&b, IR_VINSERT64, IR_V128, vv, ir_const(&b, IR_I64, 1), IR_NONE, 1, 0);
    assert_false(ir_is_const(blk, hi, NULL));
    /* every value so far is a constant except that VINSERT64 */
    for (IrRef r = 1; r < blk->n; r++)
        if (r != hi)
            assert_int_equal(blk->insn[r].op, IR_CONST);
    ir_builder_fini(&b);
    ir_block_free(blk);
}

static void test_builder_identities(void **state)
{
    (void)state;
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef x = ir_get(&b, IR_I64, 0x10), y = ir_get(&b, IR_I64, 0x18);
    IrRef zero = ir_const(&b, IR_I64, 0), one = ir_const(&b, IR_I64, 1);
    IrRef ones = ir_const(&b, IR_I64, ~0ull);
    assert_int_equal(ir_op2(&b, IR_ADD, IR_I64, x, zero), x);
    assert_int_equal(ir_op2(&b, IR_ADD, IR_I64, zero, x), x);      /* commuted */
    assert_int_equal(ir_op2(&b, IR_SUB, IR_I64, x, zero), x);
    assert_int_equal(ir_op2(&b, IR_MUL, IR_I64, x, one), x);
    assert_int_equal(ir_op2(&b, IR_MUL, IR_I64, x, zero), zero);
    assert_int_equal(ir_op2(&b, IR_AND, IR_I64, x, zero), zero);
    assert_int_equal(ir_op2(&b, IR_AND, IR_I64, x, ones), x);
    assert_int_equal(ir_op2(&b, IR_OR, IR_I64, x, zero), x);
    assert_int_equal(ir_op2(&b, IR_XOR, IR_I64, x, zero), x);
    assert_int_equal(ir_op2(&b, IR_XOR, IR_I64, x, x), zero);
    assert_int_equal(ir_op2(&b, IR_SUB, IR_I64, x, x), zero);
    assert_int_equal(ir_op2(&b, IR_AND, IR_I64, x, x), x);
    assert_int_equal(ir_op2(&b, IR_OR, IR_I64, x, x), x);
    assert_int_equal(ir_op2(&b, IR_SHL, IR_I64, x, zero), x);
    assert_int_equal(ir_op2(&b, IR_SAR, IR_I64, x, ir_const(&b, IR_I64, 64)), x);
    assert_int_equal(ir_op1(&b, IR_NOT, IR_I64, ir_op1(&b, IR_NOT, IR_I64, x)), x);
    assert_int_equal(ir_op1(&b, IR_NEG, IR_I64, ir_op1(&b, IR_NEG, IR_I64, y)), y);
    IrRef x8 = ir_get(&b, IR_I8, 0x20);
    assert_int_equal(ir_op1(&b, IR_TRUNC, IR_I8, ir_op1(&b, IR_ZEXT, IR_I64, x8)), x8);
    assert_int_equal(ir_op1(&b, IR_TRUNC, IR_I8, ir_op1(&b, IR_SEXT, IR_I32, x8)), x8);
    IrRef z = ir_op1(&b, IR_TRUNC, IR_I16, ir_op1(&b, IR_ZEXT, IR_I64, x8));
    assert_int_equal(blk->insn[z].op, IR_ZEXT);                      /* zext i8 -> i16 */
    assert_int_equal(blk->insn[z].arg[0], x8);
    IrRef c = ir_cmp(&b, IR_EQ, x, y);
    assert_int_equal(ir_select(&b, IR_I64, ir_const(&b, IR_I8, 1), x, y), x);
    assert_int_equal(ir_select(&b, IR_I64, ir_const(&b, IR_I8, 0), x, y), y);
    assert_int_equal(ir_select(&b, IR_I64, c, y, y), y);
    uint64_t v;
    assert_true(ir_is_const(blk, ir_cmp(&b, IR_LES, x, x), &v));
    assert_int_equal(v, 1);
    assert_true(ir_is_const(blk, ir_cmp(&b, IR_GTU, x, x), &v));
    assert_int_equal(v, 0);
    /* x - 3 + 5 -> x + 2, one add */
    IrRef s = ir_op2(&b, IR_ADD, IR_I64, ir_op2(&b, IR_SUB, IR_I64, x, ir_const(&b, IR_I64, 3)),
                     ir_const(&b, IR_I64, 5));
    assert_int_equal(blk->insn[s].op, IR_ADD);
    assert_int_equal(blk->insn[s].arg[0], x);
    assert_true(ir_is_const(blk, blk->insn[s].arg[1], &v));
    assert_int_equal(v, 2);
    /* commutative: constant goes second */
    IrRef a = ir_op2(&b, IR_AND, IR_I64, ir_const(&b, IR_I64, 0xff), y);
    assert_int_equal(blk->insn[a].arg[0], y);
    /* pxor x, x -> 0 */
    IrRef xv = ir_get(&b, IR_V128, 0x40);
    IrRef vz = ir_op2(&b, IR_VXOR, IR_V128, xv, xv);
    assert_true(ir_is_const(blk, vz, &v));
    assert_int_equal(v, 0);
    assert_int_equal(ir_value_type(blk, vz), IR_V128);
    /* floating point gets no identities: x + 0.0 stays */
    IrRef f = ir_get(&b, IR_F64, 0x50);
    assert_int_not_equal(ir_op2(&b, IR_FADD, IR_F64, f, ir_const(&b, IR_F64, 0)), f);
    ir_builder_fini(&b);
    ir_block_free(blk);
}

static void test_builder_cse_and_exits(void **state)
{
    (void)state;
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef x = ir_get(&b, IR_I32, 0), y = ir_get(&b, IR_I32, 4);
    IrRef s1 = ir_op2(&b, IR_ADD, IR_I32, x, y);
    IrRef s2 = ir_op2(&b, IR_ADD, IR_I32, x, y);
    IrRef s3 = ir_op2(&b, IR_ADD, IR_I32, y, x);          /* same after canonical order */
    assert_int_equal(s1, s2);
    assert_int_equal(s1, s3);
    /* GET is not pure: never shared */
    assert_int_not_equal(ir_get(&b, IR_I32, 0), x);
    /* LOAD neither */
    IrRef addr = ir_get(&b, IR_I64, 8);
    assert_int_not_equal(ir_load(&b, IR_I32, addr), ir_load(&b, IR_I32, addr));
    /* CSE survives many instructions (the table grows) */
    IrRef first = ir_op2(&b, IR_MUL, IR_I32, x, y);
    for (unsigned i = 0; i < 2000; i++)
        ir_op2(&b, IR_XOR, IR_I32, x, ir_const(&b, IR_I32, i + 1000));
    assert_int_equal(ir_op2(&b, IR_MUL, IR_I32, x, y), first);
    /* EXIT_IF on constant 0 is dropped, on a real condition kept */
    uint32_t n = blk->n;
    ir_exit_if(&b, ir_const(&b, IR_I8, 0), 0x2000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    uint32_t n_const = blk->n;
    assert_true(n_const <= n + 1);                         /* at most the constant */
    assert_int_not_equal(blk->insn[blk->n - 1].op, IR_EXIT_IF);
    ir_exit_if(&b, ir_cmp(&b, IR_EQ, x, y), 0x2000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    assert_int_equal(blk->insn[blk->n - 1].op, IR_EXIT_IF);
    ir_exit(&b, IR_NONE, 0x1004, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    char err[200];
    assert_true(ir_verify(blk, err, sizeof err));
    /* after a reset the builder keeps working on the emptied block */
    ir_block_reset(blk, 0x3000);
    IrRef g = ir_get(&b, IR_I32, 0);
    IrRef p1 = ir_op2(&b, IR_OR, IR_I32, g, g);
    assert_int_equal(p1, g);
    IrRef q1 = ir_op1(&b, IR_POPCNT, IR_I32, g);
    assert_int_equal(ir_op1(&b, IR_POPCNT, IR_I32, g), q1);
    assert_int_equal(blk->n, 3);
    ir_builder_fini(&b);
    ir_block_free(blk);
}

static void test_builder_no_fold(void **state)
{
    (void)state;
    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;
    IrRef x = ir_const(&b, IR_I32, 2), y = ir_const(&b, IR_I32, 2);
    assert_int_not_equal(x, y);
    IrRef s = ir_op2(&b, IR_ADD, IR_I32, x, y);
    assert_int_equal(blk->insn[s].op, IR_ADD);
    assert_int_equal(blk->insn[s].arg[0], x);
    ir_exit_if(&b, ir_const(&b, IR_I8, 0), 0x2000, 0);
    assert_int_equal(blk->insn[blk->n - 1].op, IR_EXIT_IF);
    ir_builder_fini(&b);
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- verifier */

static IrBlock *parse_ok(const char *text)
{
    char err[200];
    IrBlock *blk = ir_parse_block(text, err, sizeof err);
    if (!blk)
        fail_msg("parse failed: %s", err);
    return blk;
}

/* Parse (must succeed), verify (must fail), and check the message contains `want`. */
static void expect_verify_error(const char *text, const char *want)
{
    char err[200];
    IrBlock *blk = parse_ok(text);
    bool ok = ir_verify(blk, err, sizeof err);
    if (ok)
        fail_msg("verifier accepted:\n%s", text);
    if (!strstr(err, want))
        fail_msg("verifier said \"%s\", expected \"%s\"", err, want);
    ir_block_free(blk);
}

#define HDR "block pc=0x1000\n"
#define EXIT_LINE "exit -, 0x1004, jump\n"

static void test_verify_rejects(void **state)
{
    (void)state;
    char err[200];
    /* a valid block first */
    IrBlock *ok = parse_ok(HDR "v1 = get.i64 0x8\nv2 = const.i64 0x1\nv3 = add.i64 v1, v2\n"
                           "put v3, 0x8\n" EXIT_LINE);
    assert_true(ir_verify(ok, err, sizeof err));
    assert_string_equal(err, "");

    expect_verify_error(HDR "v1 = get.i64 0x8\nv2 = add.i64 v1, -\n" EXIT_LINE,
                        "v2 add.i64: arg1 missing");
    expect_verify_error(HDR "v1 = get.i64 0x8\nv2 = get.i32 0x10\nv3 = add.i64 v1, v2\n" EXIT_LINE,
                        "v3 add.i64: arg1 has type i32, expected i64");
    expect_verify_error(HDR "v1 = get.i64 0x8\nv2 = get.i32 0x10\nv3 = cmp.i8 v1, v2, eq\n"
                        EXIT_LINE, "arg1 has type i32, expected i64");
    expect_verify_error(HDR "v1 = get.i64 0x8\nv2 = zext.i32 v1\n" EXIT_LINE,
                        "zext from i64 to i32 does not widen");
    expect_verify_error(HDR "v1 = get.i32 0x8\nv2 = trunc.i32 v1\n" EXIT_LINE,
                        "trunc from i32 to i32 does not narrow");
    expect_verify_error(HDR "v1 = get.i64 0x8\nv2 = select.i64 v1, v1, v1\n" EXIT_LINE,
                        "arg0 has type i64, expected i8");
    expect_verify_error(HDR "v1 = get.i32 0x8\nv2 = load.i32 v1\n" EXIT_LINE,
                        "v2 load.i32: arg0 has type i32, expected i64");
    expect_verify_error(HDR "v1 = get.i32 0x8\nv2 = get.i32 0x8\nstore v1, v2\n" EXIT_LINE,
                        "insn 3 store: arg0 has type i32, expected i64");
    expect_verify_error(HDR "v1 = get.i32 0x8\nexit_if v1, 0x2000, jump\n" EXIT_LINE,
                        "insn 2 exit_if: arg0 has type i32, expected i8");
    expect_verify_error(HDR EXIT_LINE "v2 = get.i32 0x8\n", "insn 1 exit: exit is not the last");
    expect_verify_error(HDR "v1 = get.i32 0x8\n", "block does not end with exit");
    expect_verify_error(HDR, "block does not end with exit");
    expect_verify_error(HDR "v1 = get.i32 0x8\nv2 = cmp.i8 v1, v1, 0xa\n" EXIT_LINE,
                        "imm0 0xa out of range 0x0..0x9");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vadd.v128 v1, v1, 0x7\n" EXIT_LINE,
                        "lane width 7 is not one of 8, 16, 32, 64");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vminu.v128 v1, v1, 0x20\n" EXIT_LINE,
                        "lane width 32 is not one of 8, 16");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = get.i64 0x8\n"
                        "v3 = vinsert64.v128 v1, v2, 0x2\n" EXIT_LINE, "imm0 0x2 out of range");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vextract64.i64 v1, 0x2\n" EXIT_LINE,
                        "imm0 0x2 out of range 0x0..0x1");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vfadd.v128 v1, v1, 0x10\n" EXIT_LINE,
                        "lane width 16 is not one of 32, 64");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vfcmp.v128 v1, v1, 0x20, 0x8\n" EXIT_LINE,
                        "imm1 0x8 out of range 0x0..0x7");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vlowf.i64 v1\n" EXIT_LINE,
                        "result type must be f32 or f64");
    expect_verify_error(HDR "v1 = get.f64 0x8\nv2 = vlowf.f64 v1\n" EXIT_LINE,
                        "arg0 has type f64, expected v128");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = get.i64 0x8\n"
                        "v3 = vsetlowf.v128 v1, v2\n" EXIT_LINE,
                        "arg1 has type i64, expected f32 or f64");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = get.f32 0x8\n"
                        "v3 = vsetlowf.f32 v1, v2\n" EXIT_LINE, "result type must be v128");
    expect_verify_error(HDR "v1 = get.v128 0x8\nv2 = vshuf32.v128 v1, 0x100\n" EXIT_LINE,
                        "imm0 0x100 out of range 0x0..0xff");
    {   /* the first kind past the table */
        char text[64], want[32];
        snprintf(text, sizeof text, HDR "exit -, 0x1004, 0x%x\n", (unsigned)IR_EXIT_KIND_COUNT);
        snprintf(want, sizeof want, "bad exit word 0x%x", (unsigned)IR_EXIT_KIND_COUNT);
        expect_verify_error(text, want);
    }
    expect_verify_error(HDR "exit -, 0x1004, 0x100\n", "bad exit word 0x100");
    expect_verify_error(HDR "v1 = const.i8 0x100\n" EXIT_LINE, "constant 0x100 does not fit i8");
    expect_verify_error(HDR "v1 = get.i32 0x8\nv2 = fadd.i32 v1, v1\n" EXIT_LINE,
                        "result type must be f32 or f64");
    expect_verify_error(HDR "v1 = get.f64 0x8\nv2 = fcvt.f64 v1\n" EXIT_LINE,
                        "arg0 has type f64, expected f32");
    expect_verify_error(HDR "v1 = get.f64 0x8\nv2 = fcmp.i8 v1, v1, 0x8, 0x0\n" EXIT_LINE,
                        "imm0 0x8 out of range 0x0..0x7");
    expect_verify_error(HDR "v1 = get.i8 0x8\nv2 = bswap.i8 v1\n" EXIT_LINE,
                        "result type must be i16, i32 or i64");
    expect_verify_error(HDR "v1 = get.i64 0x8\nv2 = bitcast.f32 v1\n" EXIT_LINE,
                        "bitcast from i64 changes the size");
    expect_verify_error(HDR "v1 = get.i32 0x8\nv2 = i2f.f64 v1\nv3 = call.i64 v2, -, -, test_add3\n"
                        EXIT_LINE, "arg0 has type f64, expected an integer type");
    expect_verify_error(HDR "v1 = get.i32 0x8\nadd v1, v1\n" EXIT_LINE,
                        "insn 2 add: missing result type");

    /* What text cannot say: build by hand on a valid block. */
    IrBlock *blk = parse_ok(HDR "v1 = get.i64 0x8\nv2 = add.i64 v1, v1\nput v2, 0x8\n" EXIT_LINE);
    IrInsn saved = blk->insn[2];
    blk->insn[2].arg[1] = 3;                    /* refers to a later instruction */
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "v2 add.i64: arg1 v3 is not defined before its use");
    blk->insn[2] = saved;
    IrInsn put = blk->insn[3];
    blk->insn[3] = blk->insn[2];                /* v3 = add v1, v1; then use the put's slot */
    blk->insn[2] = put;
    blk->insn[2].arg[0] = 1;
    blk->insn[3].arg[1] = 2;                    /* refers to the PUT, which has no value */
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "v3 add.i64: arg1 v2 has no value");
    blk->insn[3].arg[1] = 1;
    blk->insn[3].arg[2] = 1;                    /* a third arg on a binary op */
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "v3 add.i64: arg2 given but the op takes 2");
    blk->insn[3].arg[2] = 0;
    blk->insn[3].imm[1] = 5;                    /* an immediate the op does not take */
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "v3 add.i64: imm1 given but the op takes 0");
    blk->insn[3].imm[1] = 0;
    blk->insn[2].type = IR_I64;                 /* a result type on PUT */
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "insn 2 put: op has no result but type is i64");
    blk->insn[2].type = IR_VOID;
    blk->insn[3].op = 999;
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "insn 3: unknown op 999");
    blk->insn[3].op = IR_ADD;
    assert_true(ir_verify(blk, err, sizeof err));
    blk->insn[0].op = IR_CONST;
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "insn 0 must be the reserved nop");
    ir_block_free(blk);
    ir_block_free(ok);
}

/* ---------------------------------------------------------------- passes */

static void assert_block_text(const IrBlock *blk, const char *want)
{
    char *got = ir_text_of(blk);
    if (strcmp(got, want) != 0)
        fail_msg("got:\n%s\nwanted:\n%s", got, want);
    free(got);
}

static void test_pass_dce(void **state)
{
    (void)state;
    char err[200];
    IrBlock *blk = parse_ok(HDR
        "v1 = get.i64 0x8\n"
        "v2 = const.i64 0x4\n"
        "v3 = add.i64 v1, v2\n"        /* dead */
        "v4 = mul.i64 v3, v3\n"        /* dead, and makes v3 dead */
        "v5 = load.i64 v1\n"           /* unused but may fault: kept */
        "v6 = call.i64 v1, -, -, test_add3\n"   /* unused but a side effect: kept */
        "v7 = get.i32 0x10\n"          /* dead GET */
        "store v1, v2\n"
        EXIT_LINE);
    assert_int_equal(opt_dce(blk), 3);
    assert_true(ir_verify(blk, err, sizeof err));
    assert_block_text(blk, HDR
        "v1 = get.i64 0x8\nv2 = const.i64 0x4\nnop\nnop\nv5 = load.i64 v1\n"
        "v6 = call.i64 v1, -, -, test_add3\nnop\nstore v1, v2\n" EXIT_LINE);
    assert_int_equal(opt_dce(blk), 0);
    assert_int_equal(opt_compact(blk), 3);
    assert_true(ir_verify(blk, err, sizeof err));
    assert_block_text(blk, HDR
        "v1 = get.i64 0x8\nv2 = const.i64 0x4\nv3 = load.i64 v1\n"
        "v4 = call.i64 v1, -, -, test_add3\nstore v1, v2\n" EXIT_LINE);
    ir_block_free(blk);
}

static void test_pass_forward(void **state)
{
    (void)state;
    char err[200];
    /* forwards PUT -> GET and GET -> GET, drops the overwritten PUT */
    IrBlock *blk = parse_ok(HDR
        "v1 = get.i64 0x8\n"
        "v2 = const.i64 0x1\n"
        "v3 = add.i64 v1, v2\n"
        "put v3, 0x10\n"               /* overwritten below with no read: dropped */
        "v5 = get.i64 0x8\n"           /* = v1 */
        "put v5, 0x10\n"
        "v7 = get.i64 0x10\n"          /* = v5 = v1 */
        "put v7, 0x18\n"
        EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 3);
    assert_true(ir_verify(blk, err, sizeof err));
    assert_block_text(blk, HDR
        "v1 = get.i64 0x8\nv2 = const.i64 0x1\nv3 = add.i64 v1, v2\nnop\nnop\n"
        "put v1, 0x10\nnop\nput v1, 0x18\n" EXIT_LINE);
    ir_block_free(blk);

    /* barriers: a CALL stops both forwarding and dropping; across LOAD, STORE and EXIT_IF
     * (which may see the state if they fault or leave) the overwritten PUT becomes a KEEP,
     * and the GET is still forwarded */
    static const struct { const char *text; unsigned changed; IrOp first; } barriers[] = {
        { "v9 = load.i64 v1\n", 2, IR_KEEP },
        { "v9 = call.i64 v1, -, -, test_add3\n", 0, IR_PUT },
        { "v9 = cmp.i8 v1, v1, eq\nexit_if v9, 0x2000, jump\n", 2, IR_KEEP },
        { "store v1, v1\n", 2, IR_KEEP },
    };
    for (size_t i = 0; i < sizeof barriers / sizeof barriers[0]; i++) {
        char text[512];
        snprintf(text, sizeof text, HDR "v1 = get.i64 0x8\nput v1, 0x10\n%s"
                 "v2 = get.i64 0x10\nv3 = add.i64 v2, v2\nput v3, 0x10\n" EXIT_LINE,
                 barriers[i].text);
        blk = parse_ok(text);
        assert_int_equal(opt_put_forward(blk), barriers[i].changed);
        assert_int_equal(blk->insn[2].op, barriers[i].first);
        assert_true(ir_verify(blk, err, sizeof err));
        ir_block_free(blk);
    }
    /* a PUT of what the field holds goes (the state has it, or gets it where anything looks);
     * the first PUT stays a PUT: nothing overwrites it */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = load.i64 v1\nput v1, 0x10\n"
                   "v5 = get.i64 0x18\nput v5, 0x18\n" EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 2);
    assert_block_text(blk, HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = load.i64 v1\nnop\n"
                      "v5 = get.i64 0x18\nnop\n" EXIT_LINE);
    ir_block_free(blk);
    /* a KEEP is a PUT to forwarding: its value is forwarded, and it goes when overwritten
     * unseen */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nkeep v1, 0x10\nv3 = get.i64 0x10\n"
                   "v4 = add.i64 v3, v3\nput v4, 0x10\n" EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 2);
    assert_block_text(blk, HDR "v1 = get.i64 0x8\nnop\nnop\nv4 = add.i64 v1, v1\n"
                      "put v4, 0x10\n" EXIT_LINE);
    ir_block_free(blk);

    /* an FKEEP does not write the state: nothing to forward, and the PUT before it stays as
     * it is (a fault sees the FKEEP's value, everything else the PUT's) */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = add.i64 v1, v1\n"
                   "fkeep v3, 0x10\nv5 = get.i64 0x10\nput v5, 0x18\n" EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 1);
    assert_block_text(blk, HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = add.i64 v1, v1\n"
                      "fkeep v3, 0x10\nnop\nput v1, 0x18\n" EXIT_LINE);
    ir_block_free(blk);

    /* a narrower GET of a PUT's bytes: no forwarding, and the PUT is not dropped */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = get.i32 0x14\n"
                   "v4 = zext.i64 v3\nput v4, 0x10\n" EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 0);
    ir_block_free(blk);
    /* same offset, different type (f64 over i64): no forwarding */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = get.f64 0x10\n"
                   "v4 = bitcast.i64 v3\nput v4, 0x18\n" EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 0);
    ir_block_free(blk);
    /* a partial overwrite is no overwrite: both PUTs stay */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = trunc.i8 v1\nput v3, 0x10\n"
                   EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 0);
    ir_block_free(blk);
    /* forwarding is exact after a PUT at a different, non-overlapping offset */
    blk = parse_ok(HDR "v1 = get.i64 0x8\nput v1, 0x10\nv3 = get.i32 0x20\nput v3, 0x18\n"
                   "v5 = get.i64 0x10\nput v5, 0x28\n" EXIT_LINE);
    assert_int_equal(opt_put_forward(blk), 1);
    assert_int_equal(blk->insn[6].arg[0], 1);
    ir_block_free(blk);
}

static void test_pass_fold_and_run(void **state)
{
    (void)state;
    char err[200];
    IrBlock *blk = parse_ok(HDR
        "v1 = const.i64 0x2\n"
        "v2 = const.i64 0x3\n"
        "v3 = mul.i64 v1, v2\n"
        "put v3, 0x10\n"
        "v5 = get.i64 0x10\n"
        "v6 = add.i64 v5, v1\n"
        "v7 = cmp.i8 v6, v6, ne\n"
        "exit_if v7, 0x2000, jump\n"
        "put v6, 0x18\n"
        EXIT_LINE);
    opt_run(blk);
    assert_true(ir_verify(blk, err, sizeof err));
    assert_block_text(blk, HDR
        "v1 = const.i64 0x6\nput v1, 0x10\nv3 = const.i64 0x8\nput v3, 0x18\n" EXIT_LINE);
    /* fold on an already folded block changes nothing */
    assert_int_equal(opt_fold(blk), 0);
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- interpreter */

static void test_interp_basic(void **state)
{
    (void)state;
    uint8_t st[128] = { 0 }, mem[64];
    for (unsigned i = 0; i < sizeof mem; i++)
        mem[i] = (uint8_t)i;
    IrGuestInfo gi = { .pc_offset = 0, .state_size = sizeof st, .guest_base = (uintptr_t)mem };
    uint64_t r8 = 5, addr = 3;
    memcpy(st + 8, &r8, 8);
    memcpy(st + 16, &addr, 8);

    IrBlock *blk = ir_block_new(0x1000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;                    /* run the ops themselves, not their folded forms */
    ir_insn_start(&b, 0x1000, 4);
    IrRef x = ir_get(&b, IR_I64, 8);
    IrRef a = ir_get(&b, IR_I64, 16);
    IrRef w = ir_load(&b, IR_I32, a);                      /* unaligned: bytes 3..6 */
    IrRef wz = ir_op1(&b, IR_ZEXT, IR_I64, w);
    IrRef s = ir_op2(&b, IR_ADD, IR_I64, x, wz);
    ir_put(&b, 24, s);
    ir_store(&b, ir_const(&b, IR_I64, 40), ir_op1(&b, IR_TRUNC, IR_I16, s));
    IrRef c = ir_call(&b, IR_I64, helper_add3, x, ir_const(&b, IR_I64, 10), IR_NONE);
    ir_put(&b, 32, c);
    ir_call(&b, IR_VOID, helper_store_state, c, IR_NONE, IR_NONE);
    IrRef v = ir_get(&b, IR_V128, 48);
    ir_put(&b, 80, ir_op2(&b, IR_VXOR, IR_V128, v, v));
    IrRef never = ir_cmp(&b, IR_GTU, x, s);                    /* 5 > 5 + w: false */
    ir_exit_if(&b, never, 0x3000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    IrRef taken = ir_cmp(&b, IR_EQ, x, ir_const(&b, IR_I64, 5));
    ir_exit_if(&b, taken, 0x4000, IR_EXIT_WORD(IR_EXIT_TRAP, 11, 2));
    ir_exit(&b, IR_NONE, 0x1004, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    char err[200];
    assert_true(ir_verify(blk, err, sizeof err));

    memset(st + 48, 0xab, 16);
    memset(st + 80, 0xcd, 16);
    uint64_t word = ir_interp_run(blk, st, &gi);
    assert_int_equal(IR_EXIT_WORD_KIND(word), IR_EXIT_TRAP);
    assert_int_equal(IR_EXIT_WORD_SIG(word), 11);
    assert_int_equal(IR_EXIT_WORD_CODE(word), 2);
    assert_int_equal(IR_EXIT_WORD_INDEX(word), 1);          /* the second exit */
    uint64_t pc, sum, call, saved;
    memcpy(&pc, st + 0, 8);
    memcpy(&sum, st + 24, 8);
    memcpy(&call, st + 32, 8);
    memcpy(&saved, st + 0x40, 8);
    assert_int_equal(pc, 0x4000);
    assert_int_equal(sum, 5 + 0x06050403);
    assert_int_equal(call, 15);
    assert_int_equal(saved, 15);                            /* the void helper wrote it */
    uint16_t m16;
    memcpy(&m16, mem + 40, 2);
    assert_int_equal(m16, (uint16_t)(5 + 0x06050403));
    for (unsigned i = 80; i < 96; i++)
        assert_int_equal(st[i], 0);

    /* change the guest state so the side exit is not taken: the final exit, index 2 */
    r8 = 6;
    memcpy(st + 8, &r8, 8);
    word = ir_interp_run(blk, st, &gi);
    assert_int_equal(IR_EXIT_WORD_KIND(word), IR_EXIT_JUMP);
    assert_int_equal(IR_EXIT_WORD_INDEX(word), 2);
    assert_int_equal(word & IR_EXIT_WORD_MASK, 0);
    memcpy(&pc, st + 0, 8);
    assert_int_equal(pc, 0x1004);
    ir_builder_fini(&b);
    ir_block_free(blk);
}

/* Precise faults in the interpreter (ir.h, IrInterpFrame): a load from a page that is not
 * there faults inside ir_interp_run_frame; in the handler, ir_interp_fault names the faulting
 * instruction and writes the FKEEPs pending at the load (one from the instruction before, one
 * past a side exit not taken) but not the one a later PUT of its field ended; a host address
 * outside the access is not its fault. */
static IrInterpFrame fault_frame;
static uint8_t *fault_state;
static const IrGuestInfo *fault_gi;
static sigjmp_buf fault_env;
static bool fault_found, fault_outside;
static IrInterpFault fault_info;

static void on_interp_fault(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    (void)ucv;
    uintptr_t a = (uintptr_t)si->si_addr;
    IrInterpFault other;
    fault_outside = ir_interp_fault(&fault_frame, fault_state, fault_gi, a + 4096, &other);
    fault_found = ir_interp_fault(&fault_frame, fault_state, fault_gi, a, &fault_info);
    siglongjmp(fault_env, 1);
}

static void test_interp_fault(void **state)
{
    (void)state;
    static uint8_t st[128];
    memset(st, 0, sizeof st);
    IrGuestInfo gi = { .pc_offset = 120, .state_size = sizeof st, .guest_base = 0 };
    uint8_t *bad = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(bad != MAP_FAILED);
    uint64_t addr = (uint64_t)(uintptr_t)bad + 8;
    memcpy(st + 8, &addr, 8);
    IrBlock *blk = parse_ok("block pc=0x1000\n"
                            "insn_start 0x1000, 0x2\n"
                            "v2 = get.i64 0x8\n"
                            "v3 = const.i64 0x11\n"
                            "fkeep v3, 0x10\n"
                            "v5 = const.i64 0x22\n"
                            "fkeep v5, 0x18\n"
                            "v7 = const.i64 0x33\n"
                            "put v7, 0x18\n"
                            "insn_start 0x1002, 0x3\n"
                            "v10 = const.i64 0x44\n"
                            "fkeep v10, 0x20\n"
                            "v12 = cmp.i8 v2, v2, ne\n"
                            "exit_if v12, 0x3000, jump\n"
                            "v14 = load.i64 v2\n"
                            "put v14, 0x28\n"
                            "exit -, 0x1005, jump\n");
    char err[200];
    assert_true(ir_verify(blk, err, sizeof err));
    struct sigaction sa = { 0 }, old;
    sa.sa_sigaction = on_interp_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, &old);
    fault_state = st;
    fault_gi = &gi;
    fault_found = fault_outside = false;
    if (sigsetjmp(fault_env, 1) == 0) {
        ir_interp_run_frame(blk, st, &gi, &fault_frame);
        fail_msg("the load did not fault");
    }
    sigaction(SIGSEGV, &old, NULL);
    ir_interp_frame_drop(&fault_frame);
    assert_false(fault_outside);
    assert_true(fault_found);
    assert_int_equal(fault_info.pc, 0x1002);
    assert_int_equal(fault_info.addr, addr);
    assert_int_equal(fault_info.size, 8);
    assert_false(fault_info.store);
    uint64_t v;
    memcpy(&v, st + 0x10, 8);
    assert_int_equal(v, 0x11);              /* pending from the instruction before */
    memcpy(&v, st + 0x18, 8);
    assert_int_equal(v, 0x33);              /* the PUT ended the FKEEP of 0x22 */
    memcpy(&v, st + 0x20, 8);
    assert_int_equal(v, 0x44);              /* a side exit not taken ends nothing */
    memcpy(&v, st + 0x28, 8);
    assert_int_equal(v, 0);                 /* nothing of the faulting instruction */
    /* Not running: nothing to report. */
    assert_false(ir_interp_fault(&fault_frame, st, &gi, (uintptr_t)addr, &fault_info));
    munmap(bad, 4096);
    ir_block_free(blk);
}

static void test_interp_indirect_and_wide(void **state)
{
    (void)state;
    uint8_t st[128] = { 0 };
    IrGuestInfo gi = { .pc_offset = 120, .state_size = sizeof st, .guest_base = 0 };
    for (unsigned i = 0; i < 32; i++)
        st[i] = (uint8_t)(i + 1);
    IrBlock *blk = parse_ok("block pc=0x1000\n"
                            "v1 = get.v256 0x0\n"
                            "v2 = get.i8 0x0\n"
                            "v3 = cmp.i8 v2, v2, eq\n"
                            "v4 = get.v256 0x20\n"
                            "v5 = select.v256 v3, v1, v4\n"
                            "put v5, 0x40\n"
                            "v7 = get.f80 0x0\n"
                            "put v7, 0x60\n"
                            "v9 = get.i64 0x8\n"
                            "exit v9, 0x0, indirect\n");
    char err[200];
    assert_true(ir_verify(blk, err, sizeof err));
    uint64_t word = ir_interp_run(blk, st, &gi);
    assert_int_equal(word, IR_EXIT_INDIRECT);
    assert_memory_equal(st + 0x40, st, 32);
    assert_memory_equal(st + 0x60, st, 10);
    assert_int_equal(st[0x60 + 10], 0);
    uint64_t pc, want;
    memcpy(&pc, st + 120, 8);
    memcpy(&want, st + 8, 8);
    assert_int_equal(pc, want);
    ir_block_free(blk);
}

/* Random expression trees: the folding builder and the interpreter (which runs the unfolded
 * block) must agree, since both use ir_eval and folding must not change meaning. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

static void test_fold_agrees_with_interp(void **state)
{
    (void)state;
    static const IrOp ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_MULHU, IR_MULHS, IR_AND, IR_OR,
                                IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_ROL, IR_ROR };
    static const uint64_t interesting[] = { 0, 1, 2, 7, 8, 31, 63, 64, 0x80, 0xff, 0x7fffffff,
                                            0x80000000, ~0ull, 1ull << 63 };
    for (unsigned iter = 0; iter < 300; iter++) {
        IrType t = (IrType)(IR_I8 + rng() % 4);
        IrBlock *folded = ir_block_new(0), *plain = ir_block_new(0);
        IrBuilder fb, pb;
        ir_builder_init(&fb, folded);
        ir_builder_init(&pb, plain);
        pb.fold = false;
        IrRef fv[40], pv[40];
        unsigned n = 0;
        for (; n < 4; n++) {
            uint64_t k = rng() % 2 ? interesting[rng() % 14] : rng();
            fv[n] = ir_const(&fb, t, k);
            pv[n] = ir_const(&pb, t, k);
        }
        for (; n < 40; n++) {
            unsigned i = (unsigned)(rng() % n), j = (unsigned)(rng() % n);
            unsigned pick = (unsigned)(rng() % 16);
            if (pick < 13) {
                fv[n] = ir_op2(&fb, ops[pick], t, fv[i], fv[j]);
                pv[n] = ir_op2(&pb, ops[pick], t, pv[i], pv[j]);
            } else if (pick == 13) {
                IrCond cc = (IrCond)(rng() % IR_COND_COUNT);
                IrRef fc = ir_cmp(&fb, cc, fv[i], fv[j]), pc = ir_cmp(&pb, cc, pv[i], pv[j]);
                fv[n] = ir_select(&fb, t, fc, fv[i], fv[j]);
                pv[n] = ir_select(&pb, t, pc, pv[i], pv[j]);
            } else {
                IrOp u = (IrOp)(IR_NEG + rng() % 5);     /* NEG NOT CTZ CLZ POPCNT */
                fv[n] = ir_op1(&fb, u, t, fv[i]);
                pv[n] = ir_op1(&pb, u, t, pv[i]);
            }
        }
        uint64_t fk;
        assert_true(ir_is_const(folded, fv[n - 1], &fk));     /* all constant: folds fully */
        ir_put(&pb, 8, pv[n - 1]);
        ir_exit(&pb, IR_NONE, 0, 0);
        char err[200];
        assert_true(ir_verify(plain, err, sizeof err));
        uint8_t st[16] = { 0 };
        IrGuestInfo gi = { .pc_offset = 0, .state_size = sizeof st };
        ir_interp_run(plain, st, &gi);
        uint64_t got = 0;
        memcpy(&got, st + 8, ir_type_size(t));
        assert_int_equal(got, fk);
        ir_builder_fini(&fb);
        ir_builder_fini(&pb);
        ir_block_free(folded);
        ir_block_free(plain);
    }
}

/* ---------------------------------------------------------------- text form */

/* The boolean rules of the folder (flag bits back to their booleans, FCMP outcome sets):
 * random expressions over FCMPs of two state values, built once with folding and once without,
 * give the same booleans for every ordering of the two values (less, equal, greater,
 * unordered). */
static void test_fold_booleans_agree_with_interp(void **state)
{
    (void)state;
    static const uint64_t vals[] = { 0x3ff0000000000000ull, 0x4000000000000000ull,
                                     0x7ff8000000000000ull };
    for (unsigned iter = 0; iter < 400; iter++) {
        IrBlock *blk[2] = { ir_block_new(0), ir_block_new(0) };
        IrBuilder bb[2];
        IrRef f[2][2], v[2][32];
        unsigned n = 0;
        for (unsigned k = 0; k < 2; k++) {
            ir_builder_init(&bb[k], blk[k]);
            bb[k].fold = k == 0;
            f[k][0] = ir_get(&bb[k], IR_F64, 0);
            f[k][1] = ir_get(&bb[k], IR_F64, 8);
        }
        for (; n < 6; n++) {
            unsigned p = (unsigned)(rng() % IR_FCOND_COUNT), x = (unsigned)(rng() % 2);
            unsigned y = (unsigned)(rng() % 4 ? 1 - x : x);
            for (unsigned k = 0; k < 2; k++)
                v[k][n] = ir_emit(&bb[k], IR_FCMP, IR_I8, f[k][x], f[k][y], IR_NONE, p, 0);
        }
        for (; n < 32; n++) {
            unsigned i = (unsigned)(rng() % n), j = (unsigned)(rng() % n);
            unsigned pick = (unsigned)(rng() % 6), sh = (unsigned)(1 + rng() % 7);
            unsigned bit = (unsigned)(rng() % 10);
            static const IrOp bops[3] = { IR_AND, IR_OR, IR_XOR };
            IrOp bop = bops[rng() % 3];
            for (unsigned k = 0; k < 2; k++) {
                IrBuilder *b = &bb[k];
                IrRef one8 = ir_const(b, IR_I8, 1), one = ir_const(b, IR_I64, 1);
                switch (pick) {
                case 0: case 1:
                    v[k][n] = ir_op2(b, bop, IR_I8, v[k][i], v[k][j]);
                    break;
                case 2:
                    v[k][n] = ir_op2(b, IR_XOR, IR_I8, v[k][i], one8);
                    break;
                default: {      /* a flags word, and one bit read back */
                    IrRef w = ir_op1(b, IR_ZEXT, IR_I64, v[k][i]);
                    IrRef h = ir_op1(b, IR_ZEXT, IR_I64, v[k][j]);
                    w = ir_op2(b, IR_OR, IR_I64, w,
                               ir_op2(b, IR_SHL, IR_I64, h, ir_const(b, IR_I64, sh)));
                    if (pick == 5)
                        w = ir_op2(b, IR_OR, IR_I64, w, ir_const(b, IR_I64, 0x100));
                    w = ir_op2(b, IR_SHR, IR_I64, w, ir_const(b, IR_I64, bit));
                    v[k][n] = ir_op1(b, IR_TRUNC, IR_I8, ir_op2(b, IR_AND, IR_I64, w, one));
                    break;
                }
                }
            }
        }
        for (unsigned k = 0; k < 2; k++) {
            for (unsigned i = 0; i < n; i++)
                ir_put(&bb[k], 16 + i, v[k][i]);
            ir_exit(&bb[k], IR_NONE, 0, 0);
            ir_builder_fini(&bb[k]);
            char err[200];
            if (!ir_verify(blk[k], err, sizeof err))
                fail_msg("%s", err);
        }
        for (unsigned a = 0; a < 3; a++)
            for (unsigned c = 0; c < 3; c++) {
                uint8_t st[2][48] = { { 0 } };
                for (unsigned k = 0; k < 2; k++) {
                    memcpy(st[k], &vals[a], 8);
                    memcpy(st[k] + 8, &vals[c], 8);
                    IrGuestInfo gi = { .pc_offset = 0, .state_size = sizeof st[k] };
                    ir_interp_run(blk[k], st[k], &gi);
                }
                if (memcmp(st[0] + 16, st[1] + 16, n) != 0) {
                    ir_print_block(stderr, blk[1]);
                    ir_print_block(stderr, blk[0]);
                    fail_msg("iteration %u: folded booleans differ for values %u, %u", iter, a, c);
                }
            }
        ir_block_free(blk[0]);
        ir_block_free(blk[1]);
    }
}

/* One block that uses every op of the table at a valid type. */
static IrBlock *build_every_op(void)
{
    IrBlock *blk = ir_block_new(0x401000);
    blk->guest_len = 7;
    blk->guest_insns = 2;
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;
    ir_emit(&b, IR_NOP, IR_VOID, 0, 0, 0, 0, 0);
    ir_insn_start(&b, 0x401000, 3);
    IrRef k8 = ir_const(&b, IR_I8, 0x80), k16 = ir_const(&b, IR_I16, 0x1234);
    IrRef k32 = ir_const(&b, IR_I32, 0xdeadbeef), k64 = ir_const(&b, IR_I64, ~0ull);
    IrRef kf32 = ir_const(&b, IR_F32, 0x3f800000), kf64 = ir_const(&b, IR_F64, 0x4000000000000000);
    ir_const(&b, IR_I128, 1);
    ir_const(&b, IR_V256, 2);
    IrRef kv = ir_const(&b, IR_V128, 0x55);
    IrRef g = ir_get(&b, IR_I64, 0x20);
    ir_get(&b, IR_F80, 0x100);
    IrRef gv = ir_get(&b, IR_V128, 0x40);
    ir_put(&b, 0x28, g);
    ir_emit(&b, IR_KEEP, IR_VOID, g, IR_NONE, IR_NONE, 0x30, 0);
    ir_emit(&b, IR_FKEEP, IR_VOID, g, IR_NONE, IR_NONE, 0x38, 0);
    IrRef ld = ir_load(&b, IR_I32, g);
    ir_store(&b, g, ld);
    ir_emit(&b, IR_HLOAD, IR_I64, g, IR_NONE, IR_NONE, 0, 0);
    static const IrOp bin[] = { IR_ADD, IR_SUB, IR_MUL, IR_MULHU, IR_MULHS, IR_AND, IR_OR,
                                IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_ROL, IR_ROR };
    for (size_t i = 0; i < sizeof bin / sizeof bin[0]; i++)
        ir_op2(&b, bin[i], IR_I32, k32, ld);
    static const IrOp un[] = { IR_NEG, IR_NOT, IR_CTZ, IR_CLZ, IR_POPCNT, IR_BSWAP };
    for (size_t i = 0; i < sizeof un / sizeof un[0]; i++)
        ir_op1(&b, un[i], IR_I16, k16);
    ir_op1(&b, IR_ZEXT, IR_I64, k8);
    ir_op1(&b, IR_SEXT, IR_I32, k16);
    ir_op1(&b, IR_TRUNC, IR_I8, k64);
    ir_op1(&b, IR_BITCAST, IR_F32, k32);
    IrRef c = ir_cmp(&b, IR_GES, k64, g);
    ir_select(&b, IR_I64, c, k64, g);
    static const IrOp v2[] = { IR_VAND, IR_VOR, IR_VXOR, IR_VANDN };
    for (size_t i = 0; i < 4; i++)
        ir_op2(&b, v2[i], IR_V128, kv, gv);
    static const IrOp vl[] = { IR_VADD, IR_VSUB, IR_VSUBUSAT, IR_VCMPEQ, IR_VCMPGTS,
                               IR_VMINU, IR_VMAXU, IR_VUNPACKLO, IR_VUNPACKHI };
    for (size_t i = 0; i < sizeof vl / sizeof vl[0]; i++)
        ir_emit(&b, vl[i], IR_V128, kv, gv, IR_NONE, 16, 0);
    ir_emit(&b, IR_VMOVMSK, IR_I32, gv, IR_NONE, IR_NONE, 8, 0);
    ir_emit(&b, IR_VSHUF32, IR_V128, gv, IR_NONE, IR_NONE, 0x1b, 0);
    ir_emit(&b, IR_VSHUFLO16, IR_V128, gv, IR_NONE, IR_NONE, 0xe4, 0);
    ir_emit(&b, IR_VSHUFHI16, IR_V128, gv, IR_NONE, IR_NONE, 0xff, 0);
    ir_emit(&b, IR_VBSLL, IR_V128, gv, IR_NONE, IR_NONE, 3, 0);
    ir_emit(&b, IR_VBSRL, IR_V128, gv, IR_NONE, IR_NONE, 17, 0);
    ir_op2(&b, IR_VSHUFB, IR_V128, gv, kv);
    ir_emit(&b, IR_VALIGNR, IR_V128, kv, gv, IR_NONE, 5, 0);
    ir_emit(&b, IR_VSHLI, IR_V128, gv, g, IR_NONE, 64, 0);
    ir_emit(&b, IR_VSHRI, IR_V128, gv, g, IR_NONE, 32, 0);
    ir_emit(&b, IR_VSARI, IR_V128, gv, g, IR_NONE, 8, 0);
    ir_op1(&b, IR_VFROM64, IR_V128, g);
    ir_emit(&b, IR_VINSERT64, IR_V128, gv, g, IR_NONE, 1, 0);
    ir_emit(&b, IR_VEXTRACT64, IR_I64, gv, IR_NONE, IR_NONE, 1, 0);
    ir_op1(&b, IR_VLOWF, IR_F64, gv);
    ir_op2(&b, IR_VSETLOWF, IR_V128, gv, kf32);
    static const IrOp vf[] = { IR_VFADD, IR_VFSUB, IR_VFMUL, IR_VFDIV, IR_VFMIN, IR_VFMAX };
    for (size_t i = 0; i < 6; i++)
        ir_emit(&b, vf[i], IR_V128, gv, kv, IR_NONE, i & 1 ? 32 : 64, 0);
    ir_emit(&b, IR_VFSQRT, IR_V128, gv, IR_NONE, IR_NONE, 32, 0);
    ir_emit(&b, IR_VFCMP, IR_V128, gv, kv, IR_NONE, 64, IR_FNLE);
    static const IrOp f2[] = { IR_FADD, IR_FSUB, IR_FMUL, IR_FDIV, IR_FMIN, IR_FMAX };
    for (size_t i = 0; i < 6; i++)
        ir_op2(&b, f2[i], IR_F64, kf64, kf64);
    ir_op1(&b, IR_FSQRT, IR_F32, kf32);
    for (unsigned p = 0; p < IR_FCOND_COUNT; p++)
        ir_emit(&b, IR_FCMP, IR_I8, kf32, kf32, IR_NONE, p, 0);
    ir_emit(&b, IR_FCMPFLAGS, IR_I64, kf64, kf64, IR_NONE, 0, 1);
    for (unsigned p = 0; p < IR_COND_COUNT; p++)
        ir_cmp(&b, (IrCond)p, k8, k8);
    ir_op1(&b, IR_F2I, IR_I32, kf64);
    ir_op1(&b, IR_F2I_RN, IR_I64, kf32);
    ir_op1(&b, IR_I2F, IR_F64, k32);
    ir_op1(&b, IR_FCVT, IR_F64, kf32);
    ir_call(&b, IR_I64, helper_add3, g, IR_NONE, k8);
    ir_call(&b, IR_VOID, helper_store_state, IR_NONE, IR_NONE, IR_NONE);
    ir_exit_if(&b, c, 0x402000, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_exit_if(&b, c, 0x402000, IR_EXIT_WORD(IR_EXIT_TRAP, 11, -1));
    ir_exit_if(&b, c, 0x402000, IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
    ir_exit_if(&b, c, 0x402000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_emit(&b, IR_RETPUSH, IR_VOID, g, IR_NONE, IR_NONE, 0x402005,
            IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, g, IR_EXIT_HINT_RETURN, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

static void test_print_parse_round_trip(void **state)
{
    (void)state;
    char err[200];
    IrBlock *blk = build_every_op();
    assert_true(ir_verify(blk, err, sizeof err));
    bool seen[IR_OP_COUNT] = { false };
    for (IrRef r = 1; r < blk->n; r++)
        seen[blk->insn[r].op] = true;
    for (unsigned op = 0; op < IR_OP_COUNT; op++)
        if (!seen[op])
            fail_msg("op %s missing from the round-trip block", ir_op_info[op].name);

    char *t1 = ir_text_of(blk);
    IrBlock *p = ir_parse_block(t1, err, sizeof err);
    if (!p)
        fail_msg("parse of printed block failed: %s\n%s", err, t1);
    char *t2 = ir_text_of(p);
    assert_string_equal(t1, t2);
    /* the parsed block is the same block, instruction for instruction */
    assert_int_equal(p->n, blk->n);
    assert_memory_equal(p->insn, blk->insn, blk->n * sizeof *blk->insn);
    assert_int_equal(p->guest_pc, 0x401000);
    assert_int_equal(p->guest_len, 7);
    assert_int_equal(p->guest_insns, 2);
    /* spot checks of the spelling */
    assert_non_null(strstr(t1, "block pc=0x401000 len=7 insns=2\n"));
    assert_non_null(strstr(t1, " = cmp.i8 v"));
    assert_non_null(strstr(t1, ", ges\n"));
    assert_non_null(strstr(t1, ", unord, 0x0\n"));
    assert_non_null(strstr(t1, ", test_add3\n"));
    assert_non_null(strstr(t1, "\ncall -, -, -, test_store_state\n"));
    assert_non_null(strstr(t1, ", 0x402000, trap:11:65535\n"));
    assert_non_null(strstr(t1, ", 0x402000, syscall\n"));
    assert_non_null(strstr(t1, ", 0x1, indirect\n"));      /* the return hint */
    assert_non_null(strstr(t1, ", 0x402005, jump\n"));     /* retpush */
    assert_non_null(strstr(t1, " = const.i64 0xffffffffffffffff\n"));
    assert_non_null(strstr(t1, "\nnop\n"));
    assert_non_null(strstr(t1, "\ninsn_start 0x401000, 0x3\n"));
    free(t1);
    free(t2);
    ir_block_free(p);
    ir_block_free(blk);
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const struct { const char *text, *want; } cases[] = {
        { "", "line 1: no block header" },
        { "v1 = const.i64 0x1\n", "line 1: expected 'block pc=...' before instructions" },
        { "block\n", "line 1: block header without pc=" },
        { "block pc=0x10\nv1 = frob.i64 0x1\n", "line 2: unknown op 'frob'" },
        { "block pc=0x10\nv1 = const.i65 0x1\n", "line 2: unknown type 'i65'" },
        { "block pc=0x10\n\n# comment\nv1 = add.i64 v2, v3\n", "line 4: v2 is not defined" },
        { "block pc=0x10\nv1 = const.i64 0x1\nv1 = const.i64 0x2\n", "line 3: v1 defined twice" },
        { "block pc=0x10\nv1 = const.i64\n", "line 2: expected a number at 'end of line'" },
        { "block pc=0x10\nv1 = const.i64 0x1, 0x2\n", "line 2: const takes 1 operands" },
        { "block pc=0x10\nv1 = const.i64 0x1ffffffffffffffff\n", "line 2: number too large" },
        { "block pc=0x10\nv1 = call.i64 -, -, -, nobody\n", "line 2: unknown helper 'nobody'" },
        { "block pc=0x10\nv1 = get.i8 0x0\nv2 = cmp.i8 v1, v1, lt\n",
          "line 3: unknown condition 'lt'" },
        { "block pc=0x10\nexit -, 0x0, leave\n", "line 2: unknown exit kind 'leave'" },
        { "block pc=0x10\nexit -, 0x0, trap:300:1\n", "line 2: signal 300 out of range" },
        { "block pc=0x10\nexit -, 0x0, trap:4:70000\n", "line 2: si_code out of range" },
        { "block pc=0x10\nexit -, 0x0, trap\n", "line 2: expected trap:SIG:CODE" },
        { "block pc=0x10\nput.i64 -, 0x0\n", "line 2: put has no result type" },
        { "block pc=0x10\nv1 = put -, 0x0\n", "line 2: v1 = put needs a result type" },
        { "block pc=0x10\nconst.i64 0x1\n", "line 2: the result of const.i64 needs a name" },
        { "block pc=0x10\nblock pc=0x20\n", "line 2: second block header" },
        { "block pc=0x10 pc=0x20\n", "line 1: bad or repeated block header field 'pc'" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char err[200];
        IrBlock *blk = ir_parse_block(cases[i].text, err, sizeof err);
        if (blk)
            fail_msg("parsed invalid input: %s", cases[i].text);
        if (strncmp(err, cases[i].want, strlen(cases[i].want)) != 0)
            fail_msg("error \"%s\", expected \"%s\"", err, cases[i].want);
        assert_null(strchr(err, '\n'));
    }
    /* names need not be dense; numbers may be decimal or negative; comments anywhere */
    char err[200];
    IrBlock *blk = ir_parse_block("# leading comment\nblock pc=4096 # header\n"
                                  "v10 = const.i32 -1   # trailing\n"
                                  "v7 = add.i32 v10, v10\r\nexit -, 16, trap:4:2\n",
                                  err, sizeof err);
    assert_non_null(blk);
    assert_int_equal(blk->guest_pc, 4096);
    assert_int_equal(blk->n, 4);
    assert_int_equal(blk->insn[2].arg[0], 1);
    assert_int_equal(blk->insn[3].imm[1], IR_EXIT_WORD(IR_EXIT_TRAP, 4, 2));
    /* the parser does not check types: the const is stored as written, the verifier rejects */
    assert_false(ir_verify(blk, err, sizeof err));
    assert_string_equal(err, "v1 const.i32: constant 0xffffffffffffffff does not fit i32");
    ir_block_free(blk);
}

/* The parser must survive anything: random bytes, and mutations of valid text. Whatever it
 * accepts must print, and if valid, round-trip. */
static void check_parse_any(const char *text)
{
    char err[200];
    err[0] = 'x';
    IrBlock *blk = ir_parse_block(text, err, sizeof err);
    if (!blk) {
        assert_true(strncmp(err, "line ", 5) == 0);
        return;
    }
    char *t1 = ir_text_of(blk);
    if (ir_verify(blk, err, sizeof err)) {
        IrBlock *p = ir_parse_block(t1, err, sizeof err);
        assert_non_null(p);
        char *t2 = ir_text_of(p);
        assert_string_equal(t1, t2);
        free(t2);
        ir_block_free(p);
    }
    free(t1);
    ir_block_free(blk);
}

static void test_parse_robustness(void **state)
{
    (void)state;
    static const char alphabet[] = "v0123456789=,.-x#\n block pc=ADaddconstget.i64 \t:trap";
    char buf[300];
    for (unsigned iter = 0; iter < 3000; iter++) {
        size_t len = rng() % (sizeof buf - 1);
        for (size_t i = 0; i < len; i++)
            buf[i] = (iter & 1) ? (char)(rng() % 255 + 1) : alphabet[rng() % (sizeof alphabet - 1)];
        buf[len] = 0;
        check_parse_any(buf);
    }
    IrBlock *blk = build_every_op();
    char *valid = ir_text_of(blk);
    size_t vlen = strlen(valid);
    char *m = malloc(vlen * 2 + 64);
    static const char tokens[][12] = { "v", "-", ",", "0x", "\n", "=", ".i8", "v999", "#",
                                       "trap:", " ", "99999999999" };
    for (unsigned iter = 0; iter < 4000; iter++) {
        memcpy(m, valid, vlen + 1);
        size_t n = vlen;
        unsigned edits = 1 + (unsigned)(rng() % 4);
        for (unsigned e = 0; e < edits && n > 0; e++) {
            size_t at = rng() % n;
            switch (rng() % 4) {
            case 0:             /* replace a byte */
                m[at] = (char)(rng() % 255 + 1);
                break;
            case 1:             /* delete a span */
            {
                size_t span = 1 + rng() % 8;
                if (span > n - at)
                    span = n - at;
                memmove(m + at, m + at + span, n - at - span + 1);
                n -= span;
                break;
            }
            case 2:             /* insert a token */
            {
                const char *tk = tokens[rng() % (sizeof tokens / sizeof tokens[0])];
                size_t tl = strlen(tk);
                if (n + tl < vlen * 2 + 32) {
                    memmove(m + at + tl, m + at, n - at + 1);
                    memcpy(m + at, tk, tl);
                    n += tl;
                }
                break;
            }
            default:            /* truncate */
                m[at] = 0;
                n = at;
                break;
            }
        }
        check_parse_any(m);
    }
    free(m);
    free(valid);
    ir_block_free(blk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_helper_registry),
        cmocka_unit_test(test_dce_reader_calls),
        cmocka_unit_test(test_builder_constant_folding),
        cmocka_unit_test(test_builder_identities),
        cmocka_unit_test(test_builder_cse_and_exits),
        cmocka_unit_test(test_builder_no_fold),
        cmocka_unit_test(test_verify_rejects),
        cmocka_unit_test(test_pass_dce),
        cmocka_unit_test(test_pass_forward),
        cmocka_unit_test(test_pass_fold_and_run),
        cmocka_unit_test(test_interp_basic),
        cmocka_unit_test(test_interp_indirect_and_wide),
        cmocka_unit_test(test_interp_fault),
        cmocka_unit_test(test_fold_agrees_with_interp),
        cmocka_unit_test(test_fold_booleans_agree_with_interp),
        cmocka_unit_test(test_print_parse_round_trip),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_robustness),
    };
    return cmocka_run_group_tests(tests, register_helpers, NULL);
}
