/* backend_suite_gen.c — random blocks for the backend suite: the generator (also used by the
 * fault and self-loop tests, backend_suite_faults.c) and be_test_random_blocks.
 *
 * A block is a random mix of every op family over a pool of earlier values, GETs and CONSTs,
 * with loads and stores inside the guest memory, side exits, helper calls and guest
 * instruction boundaries; its results are PUT so that they are observable. A fixed seed per
 * block (FERRY_BE_FUZZ_N sets the count, default 2000) makes a failure reproducible.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ir/ir.h"
#include "tests/common/backend_suite_int.h"

/* ---------------------------------------------------------------- the generator */

/* Every type, for SELECT, LOAD, STORE and PUT (ORDER: the seeds' blocks depend on it). */
static const IrType any_types[10] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128,
                                      IR_I128, IR_F80, IR_V256 };

void gen_begin(Gen *g, uint64_t seed, int based, bool fields, IrBlock *blk)
{
    be_seed(seed);
    memset(g, 0, sizeof *g);
    g->based = based;
    g->fields = fields;
    ir_builder_init(&g->b, blk);
}

void gen_pool_add(Gen *g, IrType t, IrRef v)
{
    if (v == IR_NONE)
        return;
    unsigned *n = &g->npool[t];
    if (*n < 48)
        g->pool[t][(*n)++] = v;
    else
        g->pool[t][be_rn(48)] = v;
}

void gen_fk_flush(Gen *g)
{
    for (unsigned i = 0; i < FK_N; i++)
        ir_put(&g->b, FK_OFF + 8 * i, gen_pick(g, IR_I64));
}

static IrRef gen_leaf(Gen *g, IrType t)
{
    IrRef v;
    if (be_rn(3) != 0 || t == IR_V256 || t == IR_F80) {
        /* fields: never the FKEEP fields (be_test_keeps), which only faults see */
        unsigned top = g->fields ? FK_OFF : STATE_SIZE;
        v = ir_get(&g->b, t, be_rn(top - ir_type_size(t) + 1));
    } else {
        uint64_t x = be_rnd();
        switch (be_rn(4)) {
        case 0: x &= 0xff; break;
        case 1: x = (uint64_t)-(int64_t)(x & 3); break;
        default: break;
        }
        if (ir_type_bits(t) < 64)
            x &= (1ull << ir_type_bits(t)) - 1;
        v = ir_const(&g->b, t, x);
    }
    gen_pool_add(g, t, v);
    return v;
}

IrRef gen_pick(Gen *g, IrType t)
{
    if (g->npool[t] && be_rn(4) != 0)
        return g->pool[t][be_rn(g->npool[t])];
    return gen_leaf(g, t);
}

static IrType rand_int_type(void) { return be_int_types[be_rn(4)]; }

IrRef gen_addr(Gen *g, unsigned size)
{
    IrBuilder *b = &g->b;
    IrRef x = ir_op2(b, IR_AND, IR_I64, gen_pick(g, IR_I64),
                     ir_const(b, IR_I64, (MEM_SIZE - 64) & ~(uint64_t)15));
    uint64_t base = g->based ? 0 : (uint64_t)(uintptr_t)be_guest_mem();
    return ir_op2(b, IR_ADD, IR_I64, x, ir_const(b, IR_I64, base + be_rn(64 - size + 1)));
}

void gen_insn(Gen *g)
{
    IrBuilder *b = &g->b;
    IrType t = rand_int_type();
    IrRef v = IR_NONE;
    unsigned k = be_rn(40);
    switch (k) {
    case 0: case 1: case 2: case 3: case 4: case 5: {
        static const IrOp ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_MULHU, IR_MULHS, IR_AND, IR_OR,
                                    IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_ROL, IR_ROR };
        v = ir_op2(b, ops[be_rn(13)], t, gen_pick(g, t), gen_pick(g, t));
        break;
    }
    case 6: case 7: {
        static const IrOp ops[] = { IR_NEG, IR_NOT, IR_CTZ, IR_CLZ, IR_POPCNT, IR_BSWAP };
        IrOp op = ops[be_rn(6)];
        if (op == IR_BSWAP && t == IR_I8)
            t = IR_I32;
        v = ir_op1(b, op, t, gen_pick(g, t));
        break;
    }
    case 8: {
        IrType s = rand_int_type();
        if (s == t)
            break;
        IrOp op = s < t ? (be_rn(2) ? IR_ZEXT : IR_SEXT) : IR_TRUNC;
        v = ir_op1(b, op, t, gen_pick(g, s));
        break;
    }
    case 11: case 12: {
        t = any_types[be_rn(10)];
        v = ir_select(b, t, gen_pick(g, IR_I8), gen_pick(g, t), gen_pick(g, t));
        break;
    }
    case 13: {
        static const IrType from[] = { IR_I32, IR_F32, IR_I64, IR_F64, IR_V128, IR_I128 };
        static const IrType to[] = { IR_F32, IR_I32, IR_F64, IR_I64, IR_I128, IR_V128 };
        unsigned i = be_rn(6);
        t = to[i];
        v = ir_op1(b, IR_BITCAST, t, gen_pick(g, from[i]));
        break;
    }
    case 14: case 15: case 16: {
        static const IrOp ops[] = { IR_VAND, IR_VOR, IR_VXOR, IR_VANDN, IR_VADD, IR_VSUB,
                                    IR_VCMPEQ, IR_VCMPGTS, IR_VUNPACKLO, IR_VUNPACKHI,
                                    IR_VSUBUSAT, IR_VMINU, IR_VMAXU };
        IrOp op = ops[be_rn(13)];
        int64_t lane = op <= IR_VANDN ? 0 : op >= IR_VSUBUSAT ? 8 << be_rn(2) : 8 << be_rn(4);
        t = IR_V128;
        v = ir_emit(b, op, t, gen_pick(g, t), gen_pick(g, t), IR_NONE, lane, 0);
        break;
    }
    case 17: {
        static const IrOp ops[] = { IR_VSHUF32, IR_VSHUFLO16, IR_VSHUFHI16, IR_VBSLL, IR_VBSRL,
                                    IR_VSHUFB, IR_VALIGNR };
        IrOp op = ops[be_rn(7)];
        t = IR_V128;
        if (op == IR_VSHUFB || op == IR_VALIGNR)
            v = ir_emit(b, op, t, gen_pick(g, t), gen_pick(g, t), IR_NONE,
                        op == IR_VALIGNR ? be_rn(16) : 0, 0);
        else
            v = ir_emit(b, op, t, gen_pick(g, t), IR_NONE, IR_NONE,
                        op >= IR_VBSLL ? be_rn(20) : be_rn(256), 0);
        break;
    }
    case 18: {
        static const IrOp ops[] = { IR_VSHLI, IR_VSHRI, IR_VSARI };
        IrRef cnt = gen_pick(g, IR_I64);
        if (be_rn(3))
            cnt = ir_op2(b, IR_AND, IR_I64, cnt, ir_const(b, IR_I64, 0x7f));
        t = IR_V128;
        v = ir_emit(b, ops[be_rn(3)], t, gen_pick(g, t), cnt, IR_NONE, 8 << be_rn(4), 0);
        break;
    }
    case 19:
        switch (be_rn(6)) {
        case 0: t = IR_I32; v = ir_emit(b, IR_VMOVMSK, t, gen_pick(g, IR_V128), 0, 0, 8 << be_rn(4), 0); break;
        case 1: t = IR_V128; v = ir_op1(b, IR_VFROM64, t, gen_pick(g, IR_I64)); break;
        case 2: t = IR_V128; v = ir_emit(b, IR_VINSERT64, t, gen_pick(g, t), gen_pick(g, IR_I64), 0, be_rn(2), 0); break;
        case 3: t = be_rn(2) ? IR_F32 : IR_F64; v = ir_op1(b, IR_VLOWF, t, gen_pick(g, IR_V128)); break;
        case 4: t = IR_V128; v = ir_op2(b, IR_VSETLOWF, t, gen_pick(g, t), gen_pick(g, be_rn(2) ? IR_F32 : IR_F64)); break;
        default: t = IR_I64; v = ir_emit(b, IR_VEXTRACT64, t, gen_pick(g, IR_V128), 0, 0, be_rn(2), 0); break;
        }
        break;
    case 20: case 21: case 22: {
        static const IrOp ops[] = { IR_FADD, IR_FSUB, IR_FMUL, IR_FDIV, IR_FMIN, IR_FMAX };
        static const IrOp vops[] = { IR_VFADD, IR_VFSUB, IR_VFMUL, IR_VFDIV, IR_VFMIN,
                                     IR_VFMAX, IR_VFSQRT, IR_VFCMP };
        if (be_rn(3) == 0) {       /* packed */
            IrOp op = vops[be_rn(8)];
            t = IR_V128;
            v = ir_emit(b, op, t, gen_pick(g, t), op == IR_VFSQRT ? IR_NONE : gen_pick(g, t),
                        IR_NONE, 32 << be_rn(2), op == IR_VFCMP ? be_rn(IR_FCOND_COUNT) : 0);
            break;
        }
        t = be_rn(2) ? IR_F32 : IR_F64;
        v = ir_op2(b, ops[be_rn(6)], t, gen_pick(g, t), gen_pick(g, t));
        break;
    }
    case 23: {
        IrType ft = be_rn(2) ? IR_F32 : IR_F64;
        switch (be_rn(6)) {
        case 0: t = ft; v = ir_op1(b, IR_FSQRT, t, gen_pick(g, t)); break;
        case 1: t = IR_I8; v = ir_emit(b, IR_FCMP, t, gen_pick(g, ft), gen_pick(g, ft), 0, be_rn(8), 0); break;
        case 2: t = be_rn(2) ? IR_I32 : IR_I64; v = ir_op1(b, be_rn(2) ? IR_F2I : IR_F2I_RN, t, gen_pick(g, ft)); break;
        case 3: t = ft; v = ir_op1(b, IR_I2F, t, gen_pick(g, be_rn(2) ? IR_I32 : IR_I64)); break;
        default: t = ft; v = ir_op1(b, IR_FCVT, t, gen_pick(g, ft == IR_F32 ? IR_F64 : IR_F32)); break;
        }
        break;
    }
    case 24: case 25: {
        t = any_types[be_rn(10)];
        v = ir_load(b, t, gen_addr(g, ir_type_size(t)));
        break;
    }
    case 26: case 27: {
        IrType st = any_types[be_rn(10)];
        ir_store(b, gen_addr(g, ir_type_size(st)), gen_pick(g, st));
        return;
    }
    case 28: case 29: {
        IrType st = any_types[be_rn(10)];
        /* fields: eight offsets that PUTs of different types overlap in part or in full, so
         * PUTs are overwritten (KEEPs after opt_run) and partly overwritten or read */
        static const unsigned field[8] = { 0x00, 0x08, 0x10, 0x20, 0x30, 0x38, 0x40, 0x60 };
        ir_put(b, g->fields ? field[be_rn(8)] : be_rn(STATE_SIZE - ir_type_size(st) + 1),
               gen_pick(g, st));
        return;
    }
    case 30:
        if (g->exits < 3) {
            g->exits++;
            IrRef c = be_rn(2) ? gen_pick(g, IR_I8)
                            : ir_cmp(b, (IrCond)be_rn(IR_COND_COUNT), gen_pick(g, IR_I32),
                                     gen_pick(g, IR_I32));
            int64_t word = be_rn(4) ? IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0)
                                 : IR_EXIT_WORD(IR_EXIT_TRAP, be_rn(32), be_rn(65536));
            ir_exit_if(b, c, be_rnd() >> be_rn(64), word);
        }
        return;
    case 31:
        if (be_rn(4) == 0) {
            if (g->fields)
                gen_fk_flush(g);    /* as the frontend flushes the flags before a helper */
            IrRef a0 = be_rn(2) ? gen_pick(g, rand_int_type()) : IR_NONE;
            t = IR_I64;
            v = ir_call(b, be_rn(3) ? IR_I64 : IR_VOID, be_helper_mix, a0,
                        gen_pick(g, rand_int_type()), gen_pick(g, IR_I64));
            if (ir_value_type(b->blk, v) != IR_I64)
                v = IR_NONE;
        }
        break;
    default: {  /* comparisons feeding selects and exits */
        IrType ct = rand_int_type();
        t = IR_I8;
        v = ir_cmp(b, (IrCond)be_rn(IR_COND_COUNT), gen_pick(g, ct), gen_pick(g, ct));
        break;
    }
    }
    if (v != IR_NONE && ir_value_type(b->blk, v) == t)
        gen_pool_add(g, t, v);
}

static IrBlock *gen_block(uint64_t seed, int based, bool fold)
{
    Gen g;
    IrBlock *blk = ir_block_new(0x10000);
    gen_begin(&g, seed, based, false, blk);
    g.b.fold = fold;
    unsigned n = be_rn(8) == 0 ? 100 + be_rn(150) : 4 + be_rn(60); /* some long, register-hungry */
    for (unsigned i = 0; i < n; i++) {
        if (be_rn(4) == 0)             /* guest instruction boundaries: the host pc map */
            ir_insn_start(&g.b, 0x10000 + 3 * i, 3);
        gen_insn(&g);
    }
    /* make results observable */
    static const IrType pt[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128 };
    for (unsigned i = 0; i < 7; i++)
        if (g.npool[pt[i]])
            ir_put(&g.b, be_rn(STATE_SIZE - 16), g.pool[pt[i]][be_rn(g.npool[pt[i]])]);
    if (be_rn(4) == 0)
        ir_exit(&g.b, gen_pick(&g, IR_I64), 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    else
        ir_exit(&g.b, IR_NONE, be_rnd() >> be_rn(64), IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&g.b);
    return blk;
}

/* ---------------------------------------------------------------- random blocks, run */

void be_test_random_blocks(void **st)
{
    (void)st;
    unsigned n = be_fuzz_n(2000);
    static uint8_t state[STATE_SIZE], mem0[MEM_SIZE];
    unsigned compiled = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t seed = 0x5eed0000ull + i;
        int based = (int)(i & 1);
        for (int fold = 0; fold < 2; fold++) {
            IrBlock *blk = gen_block(seed, based, fold);
            be_host->set_debug(i % 4 == 3 ? be_host->no_regalloc : 0);
            BackendBlockInfo info;
            const uint8_t *code = be_compile_in(blk, based, &info);
            compiled++;
            be_seed(seed ^ 0xabcdef);
            for (unsigned run = 0; run < 3; run++) {
                be_random_fill(state, mem0);
                be_run_compare(blk, code, based, state, mem0);
            }
            ir_block_free(blk);
        }
    }
    be_host->set_debug(0);
    assert_int_equal(compiled, 2 * n);
}
