/* backend_suite_blocks.c — the backend suite's hand-built blocks: GET/PUT/LOAD/STORE/HLOAD of
 * every type (unaligned, with a guest base and without), register pressure past the
 * allocatable registers, helper calls (arguments, state, stack alignment, values live across),
 * exits (index and word encoding), chaining and unpatching, the inline jump-cache probe,
 * interrupt checks, and the backend's errors (BE_ERR_FULL, BE_ERR_TOO_BIG).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "tests/common/backend_suite_int.h"

/* ---------------------------------------------------------------- memory and constants */

static const IrType all_types[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_I128, IR_F32, IR_F64,
                                    IR_F80, IR_V128, IR_V256 };
#define N_ALL_TYPES (sizeof all_types / sizeof all_types[0])

/* What HLOAD reads: host memory, never offset by the guest base. */
static uint64_t hload_table[64] __attribute__((aligned(64)));

/* GET/PUT at odd offsets; LOAD/STORE at odd addresses from a constant address and from a
 * computed one; CONST of every type; for integer types, HLOAD of host memory at a constant
 * address and at a computed one with a constant displacement (the TLB probe's shape). */
static IrBlock *build_mem(IrType t, int based, unsigned variant)
{
    IrBlock *blk = ir_block_new(0x3000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = variant & 1;
    uint64_t base = based ? 0 : (uint64_t)(uintptr_t)be_guest_mem();
    IrRef g = ir_get(&b, t, 0x11);
    ir_put(&b, 0x83, g);
    IrRef addr1 = ir_const(&b, IR_I64, base + 0x105);
    IrRef l = ir_load(&b, t, addr1);
    ir_put(&b, 0x141, l);
    /* address from the state: the low bits of a field, masked into the buffer */
    IrRef raw = ir_get(&b, IR_I64, 0x1c0);
    IrRef off = ir_op2(&b, IR_AND, IR_I64, raw, ir_const(&b, IR_I64, 0x7f0));
    IrRef addr2 = ir_op2(&b, IR_ADD, IR_I64, off, ir_const(&b, IR_I64, base + 0x203));
    ir_store(&b, addr2, g);
    ir_store(&b, ir_const(&b, IR_I64, base + 0x47), l);
    IrRef c = ir_const(&b, t, ir_type_size(t) >= 8 ? 0x8123456789abcdefull
                                                   : 0x89abcdefull & ((1ull << ir_type_bits(t)) - 1));
    ir_put(&b, 0x1e0, c);
    ir_store(&b, addr1, c);
    IrRef l2 = ir_load(&b, t, addr2);          /* reads back what was just stored */
    ir_put(&b, 0x19, l2);
    if (ir_type_is_int(t)) {
        uint64_t host = (uint64_t)(uintptr_t)hload_table;
        IrRef h1 = ir_emit(&b, IR_HLOAD, t, ir_const(&b, IR_I64, host + 8 * (variant + 1)),
                           IR_NONE, IR_NONE, 0, 0);
        ir_put(&b, 0x30, h1);
        IrRef idx = ir_op2(&b, IR_AND, IR_I64, raw, ir_const(&b, IR_I64, 0xf0));
        IrRef ent = ir_op2(&b, IR_ADD, IR_I64, ir_const(&b, IR_I64, host), idx);
        IrRef h2 = ir_emit(&b, IR_HLOAD, t, ir_op2(&b, IR_ADD, IR_I64, ent, ir_const(&b, IR_I64, 24)),
                           IR_NONE, IR_NONE, 0, 0);
        ir_put(&b, 0x38, h2);
    }
    ir_exit(&b, IR_NONE, 0x3100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

void be_test_memory(void **st)
{
    (void)st;
    static uint8_t mem0[MEM_SIZE];
    uint8_t state[STATE_SIZE];
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem0[i] = (uint8_t)be_rnd();
    for (unsigned i = 0; i < 64; i++)
        hload_table[i] = be_rnd() * 0x9e3779b97f4a7c15ull;
    for (unsigned k = 0; k < N_ALL_TYPES; k++)
        for (int based = 0; based < 2; based++)
            for (unsigned variant = 0; variant < 8; variant++) {
                be_host->set_debug(variant & 2 ? be_host->no_regalloc : 0);
                be_set_tso(variant & 4);        /* also with x86's memory order */
                IrBlock *blk = build_mem(all_types[k], based, variant);
                BackendBlockInfo info;
                const uint8_t *code = be_compile_in(blk, based, &info);
                for (unsigned run = 0; run < 4; run++) {
                    for (unsigned i = 0; i < STATE_SIZE; i++)
                        state[i] = (uint8_t)be_rnd();
                    be_run_compare(blk, code, based, state, mem0);
                }
                ir_block_free(blk);
            }
    be_host->set_debug(0);
    be_set_tso(false);
}

/* ---------------------------------------------------------------- register pressure */

/* More live values than registers: the allocator must fall back to slots, for GPR and XMM
 * values, and keep every value intact. */
void be_test_pressure(void **st)
{
    (void)st;
    for (unsigned mode = 0; mode < 2; mode++) {
        be_host->set_debug(mode ? be_host->no_regalloc : 0);
        IrBlock *blk = ir_block_new(0x4000);
        IrBuilder b;
        ir_builder_init(&b, blk);
        IrRef g[40], x[20];
        for (unsigned i = 0; i < 40; i++)
            g[i] = ir_op2(&b, IR_MUL, IR_I64, ir_get(&b, IR_I64, 8 * i),
                          ir_const(&b, IR_I64, 2 * i + 3));
        for (unsigned i = 0; i < 20; i++)
            x[i] = ir_emit(&b, IR_VADD, IR_V128, ir_get(&b, IR_V128, 0x140 + 8 * i),
                           ir_get(&b, IR_V128, 0x144 + 4 * i), IR_NONE, 32, 0);
        /* use them all, in an order unlike the definitions */
        IrRef acc = ir_const(&b, IR_I64, 0);
        for (unsigned i = 0; i < 40; i++)
            acc = ir_op2(&b, IR_XOR, IR_I64, ir_op2(&b, IR_ROL, IR_I64, acc,
                                                    ir_const(&b, IR_I64, 7)), g[(i * 7) % 40]);
        IrRef vacc = x[0];
        for (unsigned i = 1; i < 20; i++)
            vacc = ir_op2(&b, IR_VXOR, IR_V128, vacc, x[(i * 3) % 20]);
        ir_put(&b, 0x100, acc);
        ir_put(&b, 0x1f0, vacc);
        ir_exit(&b, IR_NONE, 0x4100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
        ir_builder_fini(&b);
        BackendBlockInfo info;
        const uint8_t *code = be_compile_in(blk, 0, &info);
        uint8_t state[STATE_SIZE];
        for (unsigned run = 0; run < 8; run++) {
            for (unsigned i = 0; i < STATE_SIZE; i++)
                state[i] = (uint8_t)be_rnd();
            be_run_compare(blk, code, 0, state, zero_mem);
        }
        ir_block_free(blk);
    }
    be_host->set_debug(0);
}

/* ---------------------------------------------------------------- calls */

static void *helper_state_seen;
static unsigned helper_misaligned;

/* A helper that reads and writes the state and checks the SysV stack alignment: its frame
 * address (rbp after the push) is 16-byte aligned exactly when rsp was at the call. */
uint64_t be_helper_mix(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    helper_state_seen = state;
    if ((uintptr_t)__builtin_frame_address(0) % 16 != 0)
        helper_misaligned++;
    uint64_t x;
    memcpy(&x, (uint8_t *)state + 0x30, 8);
    uint64_t r = a0 * 3 + (a1 ^ 0x5555) - (a2 << 1) + x;
    memcpy((uint8_t *)state + 0x38, &r, 8);
    memcpy((uint8_t *)state + 0x40, &a0, 8);
    memcpy((uint8_t *)state + 0x48, &a1, 8);
    memcpy((uint8_t *)state + 0x50, &a2, 8);
    return r ^ 0xabcdef;
}

/* Many values (GPR and XMM) live across calls with 0-3 arguments, constant and computed. */
static IrBlock *build_call(unsigned variant)
{
    IrBlock *blk = ir_block_new(0x5000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = variant & 1;
    IrRef live[14], vx[14];
    for (unsigned i = 0; i < 14; i++) {
        live[i] = ir_op2(&b, IR_ADD, IR_I64, ir_get(&b, IR_I64, 8 * i),
                         ir_const(&b, IR_I64, i + 1));
        vx[i] = ir_emit(&b, IR_VADD, IR_V128, ir_get(&b, IR_V128, 0x100 + 8 * i),
                        ir_get(&b, IR_V128, 0x108 + 8 * i), IR_NONE, 16, 0);
    }
    IrRef f1 = ir_op2(&b, IR_FADD, IR_F64, ir_get(&b, IR_F64, 0x180), ir_get(&b, IR_F64, 0x188));
    IrRef r1 = ir_call(&b, IR_I64, be_helper_mix, live[0], live[1], live[2]);
    IrRef r2 = ir_call(&b, IR_I64, be_helper_mix, ir_const(&b, IR_I64, 7), IR_NONE, live[3]);
    ir_call(&b, IR_VOID, be_helper_mix, IR_NONE, IR_NONE, IR_NONE);
    IrRef small = ir_op2(&b, IR_ADD, IR_I8, ir_get(&b, IR_I8, 0x9), ir_const(&b, IR_I8, 0xf0));
    IrRef r3 = ir_call(&b, IR_I64, be_helper_mix, small, r1, r2);
    IrRef acc = r3;
    for (unsigned i = 0; i < 14; i++)
        acc = ir_op2(&b, IR_ADD, IR_I64, ir_op2(&b, IR_MUL, IR_I64, acc,
                                                ir_const(&b, IR_I64, 31)), live[i]);
    IrRef vacc = vx[0];
    for (unsigned i = 1; i < 14; i++)
        vacc = ir_op2(&b, IR_VXOR, IR_V128, vacc, vx[i]);
    ir_put(&b, 0x1a0, acc);
    ir_put(&b, 0x1b0, vacc);
    ir_put(&b, 0x1c0, f1);
    ir_exit(&b, IR_NONE, 0x5100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

void be_test_call(void **st)
{
    (void)st;
    uint8_t state[STATE_SIZE];
    for (unsigned variant = 0; variant < 8; variant++) {
        be_host->set_debug(variant & 2 ? be_host->no_regalloc : 0);
        be_set_tso(variant & 4);
        IrBlock *blk = build_call(variant);
        BackendBlockInfo info;
        const uint8_t *code = be_compile_in(blk, 1, &info);
        for (unsigned run = 0; run < 4; run++) {
            for (unsigned i = 0; i < STATE_SIZE; i++)
                state[i] = (uint8_t)be_rnd();
            helper_misaligned = 0;
            be_run_compare(blk, code, 1, state, zero_mem);
            assert_int_equal(helper_misaligned, 0);
        }
        ir_block_free(blk);
    }
    be_host->set_debug(0);
    be_set_tso(false);

    /* The state pointer the helper gets is the one the block runs with. */
    IrBlock *blk = ir_block_new(0x5000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    ir_call(&b, IR_VOID, be_helper_mix, ir_const(&b, IR_I64, 1), ir_const(&b, IR_I64, 2),
            ir_const(&b, IR_I64, 3));
    ir_exit(&b, IR_NONE, 0x5200, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    BackendBlockInfo info;
    const uint8_t *code = be_compile_in(blk, 0, &info);
    memset(state, 0, sizeof state);
    be_enter(0, state, code);
    assert_ptr_equal(helper_state_seen, state);
    uint64_t a[3];
    memcpy(a, state + 0x40, sizeof a);
    assert_int_equal(a[0], 1);
    assert_int_equal(a[1], 2);
    assert_int_equal(a[2], 3);
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- exits and chaining */

/* patch_exit, then make the new instruction visible to instruction fetch (as the runtime's
 * rt_cache_sync does). */
static void be_patch(CodeBuf *cb, uint8_t *site, const uint8_t *target)
{
    be_host->be->patch_exit(cb, site, target);
    be_sync_code(codebuf_exec_addr(cb, site), 16);
}

/* exit_if (get a) -> 0x111, exit_if (get b) -> pc 0x222 (syscall kind), exit_if (get c) ->
 * 0x333 (trap 11/2); exit (get d) indirect, or exit 0x444 */
static IrBlock *build_exits(bool indirect)
{
    IrBlock *blk = ir_block_new(0x6000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    ir_exit_if(&b, ir_get(&b, IR_I8, 0), 0x111, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_put(&b, 0x20, ir_const(&b, IR_I64, 0x1234));     /* only when the first is not taken */
    ir_exit_if(&b, ir_get(&b, IR_I8, 1), 0x222, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_exit_if(&b, ir_get(&b, IR_I8, 2), 0xffffffff80000333ull,
               IR_EXIT_WORD(IR_EXIT_TRAP, 11, 2));
    if (indirect)
        ir_exit(&b, ir_get(&b, IR_I64, 8), 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    else
        ir_exit(&b, IR_NONE, 0x123456789abcull, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

void be_test_exits(void **st)
{
    (void)st;
    for (int indirect = 0; indirect < 2; indirect++) {
        IrBlock *blk = build_exits(indirect);
        BackendBlockInfo info;
        const uint8_t *code = be_compile_in(blk, 0, &info);
        assert_int_equal(info.n_exits, 4);
        /* direct exits have a patch site, in its unpatched form */
        const uint8_t *w = be_code_buf()->p - info.code_size;
        assert_true(info.exits[0].patch_offset != 0);
        assert_true(be_host->is_patch_site(be_code_buf(), w + info.exits[0].patch_offset));
        assert_int_equal(info.exits[0].target_pc, 0x111);
        assert_int_equal(info.exits[1].patch_offset, 0);       /* syscall: not chainable */
        assert_int_equal(info.exits[2].patch_offset, 0);
        if (indirect) {
            assert_int_equal(info.exits[3].patch_offset, 0);
        } else {
            assert_int_equal(info.exits[3].target_pc, 0x123456789abcull);
            assert_true(be_host->is_patch_site(be_code_buf(), w + info.exits[3].patch_offset));
        }
        static const struct { uint8_t a, b, c; unsigned index; uint64_t word, pc; } cases[] = {
            { 1, 1, 1, 0, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0), 0x111 },
            { 0, 5, 1, 1, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0), 0x222 },
            { 0, 0, 0xff, 2, IR_EXIT_WORD(IR_EXIT_TRAP, 11, 2), 0xffffffff80000333ull },
            { 0, 0, 0, 3, 0, 0 },
        };
        for (unsigned i = 0; i < 4; i++) {
            uint8_t state[STATE_SIZE] = { cases[i].a, cases[i].b, cases[i].c };
            uint64_t d = 0xfeedface0badull;
            memcpy(state + 8, &d, 8);
            be_run_compare(blk, code, 0, state, zero_mem);
            uint64_t word = be_enter(0, state, code);
            assert_int_equal(IR_EXIT_WORD_INDEX(word), cases[i].index);
            if (i < 3) {
                assert_int_equal(word & IR_EXIT_WORD_MASK, cases[i].word);
                assert_int_equal(be_state_pc(state), cases[i].pc);
            } else {
                assert_int_equal(IR_EXIT_WORD_KIND(word),
                                 indirect ? IR_EXIT_INDIRECT : IR_EXIT_JUMP);
                assert_int_equal(be_state_pc(state), indirect ? d : 0x123456789abcull);
            }
            if (i == 2) {
                assert_int_equal(IR_EXIT_WORD_SIG(word), 11);
                assert_int_equal(IR_EXIT_WORD_CODE(word), 2);
            }
        }
        ir_block_free(blk);
    }

    /* Unfolded constant conditions: an exit never taken still has its index and patch site. */
    IrBlock *blk = ir_block_new(0x6000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    b.fold = false;
    ir_exit_if(&b, ir_const(&b, IR_I8, 0), 0x111, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit_if(&b, ir_const(&b, IR_I8, 2), 0x222, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0x333, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    BackendBlockInfo info;
    const uint8_t *code = be_compile_in(blk, 0, &info);
    const uint8_t *w = be_code_buf()->p - info.code_size;
    assert_int_equal(info.n_exits, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_true(be_host->is_patch_site(be_code_buf(), w + info.exits[i].patch_offset));
    uint8_t state[STATE_SIZE] = { 0 };
    be_run_compare(blk, code, 0, state, zero_mem);
    assert_int_equal(be_enter(0, state, code), 1ull << 32);
    assert_int_equal(be_state_pc(state), 0x222);
    ir_block_free(blk);
}

/* A adds 1 to a counter and exits (direct) to B's pc; B adds 100 and exits with its own word.
 * Patched, entering A runs both; unpatched, A returns alone. */
void be_test_chaining(void **st)
{
    (void)st;
    IrBlock *ba = ir_block_new(0x7000), *bb = ir_block_new(0x7100);
    IrBuilder b;
    ir_builder_init(&b, ba);
    IrRef cnt = ir_get(&b, IR_I64, 0x10);
    ir_put(&b, 0x10, ir_op2(&b, IR_ADD, IR_I64, cnt, ir_const(&b, IR_I64, 1)));
    ir_exit_if(&b, ir_cmp(&b, IR_GTU, cnt, ir_const(&b, IR_I64, 1000)), 0x7f00,
               IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
    ir_exit(&b, IR_NONE, 0x7100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, bb);
    ir_put(&b, 0x10, ir_op2(&b, IR_ADD, IR_I64, ir_get(&b, IR_I64, 0x10),
                            ir_const(&b, IR_I64, 100)));
    ir_exit_if(&b, ir_get(&b, IR_I8, 0x18), 0x7000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0x7200, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_builder_fini(&b);
    BackendBlockInfo ia, ib;
    be_compile_in(ba, 1, &ia);
    uint8_t *wa = be_code_buf()->p - ia.code_size;
    be_compile_in(bb, 1, &ib);
    uint8_t *wb = be_code_buf()->p - ib.code_size;
    assert_int_equal(ia.n_exits, 2);
    assert_int_equal(ia.exits[1].target_pc, 0x7100);

    uint8_t state[STATE_SIZE] = { 0 };
    uint64_t word = be_enter(1, state, ia.code);
    assert_int_equal(IR_EXIT_WORD_INDEX(word), 1);
    assert_int_equal(IR_EXIT_WORD_KIND(word), IR_EXIT_JUMP);
    assert_int_equal(be_state_pc(state), 0x7100);
    assert_int_equal(state[0x10], 1);

    be_patch(be_code_buf(), wa + ia.exits[1].patch_offset, ib.code);
    memset(state, 0, sizeof state);
    word = be_enter(1, state, ia.code);
    assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0) | (1ull << 32));
    assert_int_equal(be_state_pc(state), 0x7200);
    assert_int_equal(state[0x10], 101);

    /* a loop: B's exit 0 back to A; A's halt exit ends it after the counter passes 1000 */
    be_patch(be_code_buf(), wb + ib.exits[0].patch_offset, ia.code);
    memset(state, 0, sizeof state);
    state[0x18] = 1;
    word = be_enter(1, state, ia.code);
    assert_int_equal(word & IR_EXIT_WORD_MASK, IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
    assert_int_equal(IR_EXIT_WORD_INDEX(word), 0);
    assert_int_equal(be_state_pc(state), 0x7f00);
    uint64_t counter;
    memcpy(&counter, state + 0x10, 8);
    assert_int_equal(counter, 1011);   /* A sees 0, 101, ..., 1010 > 1000, adds 1, halts */

    /* unpatch: A returns alone again */
    be_patch(be_code_buf(), wa + ia.exits[1].patch_offset, NULL);
    memset(state, 0, sizeof state);
    word = be_enter(1, state, ia.code);
    assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0) | (1ull << 32));
    assert_int_equal(state[0x10], 1);
    ir_block_free(ba);
    ir_block_free(bb);
}

/* An indirect exit probes the jump cache at state + jc_offset (ir/backend.h) and jumps
 * straight to the code of the entry that holds its target pc, which for an entry without a
 * block is the miss routine (CodeBuf.jc_miss); another pc in the entry is a miss too. Each
 * returns to the runtime with the guest pc stored. The table above the state and below it
 * (where the runtime keeps it: jc_offset = -size). */
void be_test_indirect_jump_cache(void **st)
{
    (void)st;
    enum { JC_BITS = 4, JC_SIZE = BACKEND_JC_ENTRY_SIZE << JC_BITS };
    const void *miss = be_code_buf()->jc_miss;
    assert_non_null(miss);
    IrBlock *bb = ir_block_new(0x8100);
    IrBuilder b;
    ir_builder_init(&b, bb);
    ir_put(&b, 0x30, ir_const(&b, IR_I64, 0x55));
    ir_exit(&b, IR_NONE, 0x8200, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_builder_fini(&b);
    be_verify_or_die(bb);
    BackendBlockInfo ib;
    IrGuestInfo gi = be_guest_info(1);
    assert_int_equal(be_host->be->compile(bb, be_code_buf(), &gi, &ib), BE_OK);
    static uint64_t mem[(STATE_SIZE + JC_SIZE) / 8];
    for (int below = 0; below < 2; below++) {
        gi.jc_offset = below ? -JC_SIZE : STATE_SIZE;
        gi.jc_bits = JC_BITS;
        IrBlock *ba = ir_block_new(0x8000);
        ir_builder_init(&b, ba);
        ir_exit(&b, ir_get(&b, IR_I64, 0x20), 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
        ir_builder_fini(&b);
        BackendBlockInfo ia;
        be_verify_or_die(ba);
        assert_int_equal(be_host->be->compile(ba, be_code_buf(), &gi, &ia), BE_OK);
        be_check_disassembly(be_code_buf()->p - ia.code_size, &ia);
        uint8_t *state = (uint8_t *)mem + (below ? JC_SIZE : 0);
        uint64_t *jc = (uint64_t *)(void *)(state + gi.jc_offset);
        const uint64_t target = 0x8103;     /* entry 3: a non-zero index catches a bad scale */
        unsigned idx = (unsigned)((target ^ (target >> JC_BITS)) & ((1u << JC_BITS) - 1));
        uint64_t *entry = jc + idx * (BACKEND_JC_ENTRY_SIZE / 8);
        for (int c = 0; c < 4; c++) {
            memset(mem, 0, sizeof mem);
            for (unsigned i = 0; i < 1u << JC_BITS; i++)    /* empty, as the runtime's */
                jc[i * (BACKEND_JC_ENTRY_SIZE / 8) + 1] = (uint64_t)(uintptr_t)miss;
            memcpy(state + 0x20, &target, 8);
            if (c == 0 || c == 1)
                entry[0] = target;          /* 0: hit; 1: right pc, no code (interpreted) */
            if (c == 0)
                entry[1] = (uint64_t)(uintptr_t)ib.code;
            if (c == 2) {                   /* another pc in the entry */
                entry[0] = target + 0x1000;
                entry[1] = (uint64_t)(uintptr_t)ib.code;
            }
            if (c == 3)                     /* the neighbouring entry holds it */
                entry[BACKEND_JC_ENTRY_SIZE / 8] = target, entry[BACKEND_JC_ENTRY_SIZE / 8 + 1] =
                    (uint64_t)(uintptr_t)ib.code;
            uint64_t word = be_enter(1, state, ia.code);
            uint64_t pc = be_state_pc(state), out;
            memcpy(&out, state + 0x30, 8);
            if (c == 0) {
                assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
                assert_int_equal(pc, 0x8200);
                assert_int_equal(out, 0x55);
            } else {
                assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
                assert_int_equal(pc, target);
                assert_int_equal(out, 0);
            }
        }
        ir_block_free(ba);
    }
    ir_block_free(bb);
}

/* The return stack (ir/backend.h): a RETPUSH's exit is numbered after the others and goes
 * to its pc; where the backend stored an entry for the key, a RET's exit (hinted) with that
 * target and key jumps to the RETPUSH's exit, which leaves with its own index or, patched,
 * goes on to the block chained there; another target, another key or an empty table is a
 * plain indirect exit. A backend may also store nothing (then every RET is indirect). */
void be_test_return_stack(void **st)
{
    (void)st;
    enum { JC_BITS = 4, JC_OFF = STATE_SIZE, RAS_OFF = STATE_SIZE + (32 << JC_BITS),
           KEY = 0x28, RET_PC = 0xa010 };
    IrGuestInfo gi = be_guest_info(1);
    gi.jc_offset = JC_OFF;
    gi.jc_bits = JC_BITS;
    gi.ras_offset = RAS_OFF;
    gi.ras_key_offset = KEY;
    /* A: a call's block (RETPUSH keyed by the field at KEY, then out to 0xb000). R: a RET
     * to the pc in 0x20. C: what A's return site may be chained to. */
    IrBlock *ba = ir_block_new(0xa000), *br = ir_block_new(0xb000), *bc = ir_block_new(0xa010);
    IrBuilder b;
    ir_builder_init(&b, ba);
    ir_put(&b, 0x30, ir_const(&b, IR_I64, 0x11));
    ir_emit(&b, IR_RETPUSH, IR_VOID, ir_get(&b, IR_I64, KEY), IR_NONE, IR_NONE, RET_PC,
            IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0xb000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, br);
    ir_exit(&b, ir_get(&b, IR_I64, 0x20), IR_EXIT_HINT_RETURN,
            IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, bc);
    ir_put(&b, 0x38, ir_const(&b, IR_I64, 0x55));
    ir_exit(&b, IR_NONE, 0xa020, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_builder_fini(&b);
    BackendBlockInfo ia, ir, ic;
    const uint8_t *ca = be_compile_gi(ba, &gi, &ia);
    uint8_t *wa = (uint8_t *)ca - be_code_buf()->exec_delta;
    be_compile_gi(br, &gi, &ir);
    be_compile_gi(bc, &gi, &ic);
    assert_int_equal(ia.n_exits, 2);
    assert_int_equal(ia.exits[1].target_pc, RET_PC);

    static uint64_t mem[(RAS_OFF + sizeof(BackendRas)) / 8];
    uint8_t *state = (uint8_t *)mem;
    BackendRas *ras = (BackendRas *)(void *)(state + RAS_OFF);
    const uint64_t key = 0x7ffe1230;
    for (int c = 0; c < 5; c++) {
        memset(mem, 0, sizeof mem);
        memcpy(state + KEY, &key, 8);
        uint64_t word = be_enter(1, state, ca);
        assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
        assert_int_equal(be_state_pc(state), 0xb000);
        unsigned e = (unsigned)(key >> 3) & (BACKEND_RAS_ENTRIES - 1);
        bool pushed = ras->entry[e].code != NULL;
        for (unsigned i = 0; i < BACKEND_RAS_ENTRIES; i++)    /* that entry or none */
            assert_true(i == e || ras->entry[i].code == NULL);
        if (pushed)
            assert_int_equal(ras->entry[e].guest_pc, RET_PC);
        else
            assert_int_equal(ia.exits[1].patch_offset, 0);
        if (c == 4 && pushed)
            be_patch(be_code_buf(), wa + ia.exits[1].patch_offset, ic.code);
        uint64_t target = c == 1 ? RET_PC + 4 : RET_PC;    /* 1: another target */
        uint64_t k = c == 2 ? key + 8 : key;                /* 2: another key */
        if (c == 3)                                         /* 3: the table cleared */
            memset(ras, 0, sizeof *ras);
        memcpy(state + 0x20, &target, 8);
        memcpy(state + KEY, &k, 8);
        word = be_enter(1, state, ir.code);
        uint64_t out;
        memcpy(&out, state + 0x38, 8);
        if (pushed && (c == 0 || c == 4)) {
            if (c == 0) {       /* out through the return site's own exit */
                assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0) | (1ull << 32));
                assert_int_equal(be_state_pc(state), RET_PC);
            } else {            /* chained on to C */
                assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
                assert_int_equal(be_state_pc(state), 0xa020);
                assert_int_equal(out, 0x55);
            }
        } else {
            assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
            assert_int_equal(be_state_pc(state), target);
            assert_int_equal(out, 0);
        }
    }
    ir_block_free(ba);
    ir_block_free(br);
    ir_block_free(bc);
}

/* Interrupt checks (ir/backend.h): with IrGuestInfo.irq_offset set, a backward direct exit
 * (target <= the block's pc) and an indirect exit's jump-cache hit leave to the runtime when
 * the word is non-zero, even when chained; a forward exit stays chained. */
void be_test_interrupt_check(void **st)
{
    (void)st;
    enum { IRQ = 0x1f0, JC_BITS = 4, JC_OFF = STATE_SIZE };
    IrGuestInfo gi = be_guest_info(1);
    gi.irq_offset = IRQ;
    gi.jc_offset = JC_OFF;
    gi.jc_bits = JC_BITS;
    /* A: a loop on itself, counting; halts past 1000. B: forward to C. C: syscall. D: an
     * indirect jump to the pc in 0x20. */
    IrBlock *ba = ir_block_new(0x9000), *bb = ir_block_new(0x9100), *bc = ir_block_new(0x9200);
    IrBlock *bd = ir_block_new(0x9300);
    IrBuilder b;
    ir_builder_init(&b, ba);
    IrRef cnt = ir_get(&b, IR_I64, 0x10);
    ir_put(&b, 0x10, ir_op2(&b, IR_ADD, IR_I64, cnt, ir_const(&b, IR_I64, 1)));
    ir_exit_if(&b, ir_cmp(&b, IR_GTU, cnt, ir_const(&b, IR_I64, 999)), 0x9f00,
               IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
    ir_exit(&b, IR_NONE, 0x9000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, bb);
    ir_put(&b, 0x18, ir_const(&b, IR_I64, 7));
    ir_exit(&b, IR_NONE, 0x9200, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, bc);
    ir_put(&b, 0x30, ir_const(&b, IR_I64, 0x55));
    ir_exit(&b, IR_NONE, 0x9204, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, bd);
    ir_exit(&b, ir_get(&b, IR_I64, 0x20), 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    ir_builder_fini(&b);
    IrBlock *blks[4] = { ba, bb, bc, bd };
    BackendBlockInfo info[4];
    uint8_t *w[4];
    for (int i = 0; i < 4; i++) {
        be_verify_or_die(blks[i]);
        assert_int_equal(be_host->be->compile(blks[i], be_code_buf(), &gi, &info[i]), BE_OK);
        w[i] = be_code_buf()->p - info[i].code_size;
        be_check_disassembly(w[i], &info[i]);
    }
    /* A -> A, unless the backend compiled A as a loop (a back edge without a patch site:
     * ir/backend.h), which must behave the same */
    if (info[0].exits[1].patch_offset)
        be_patch(be_code_buf(), w[0] + info[0].exits[1].patch_offset, info[0].code);
    be_patch(be_code_buf(), w[1] + info[1].exits[0].patch_offset, info[2].code);   /* B -> C */

    static uint64_t mem[(STATE_SIZE + (BACKEND_JC_ENTRY_SIZE << JC_BITS)) / 8];
    uint8_t *state = (uint8_t *)mem;
    uint32_t irq = 1;
    uint64_t counter, out;
    for (int set = 0; set < 2; set++) {
        memset(mem, 0, sizeof mem);
        memcpy(state + IRQ, set ? &irq : &(uint32_t){ 0 }, 4);
        uint64_t word = be_enter(1, state, info[0].code);
        memcpy(&counter, state + 0x10, 8);
        if (set) {      /* out at the first backward exit, pc stored */
            assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0) | (1ull << 32));
            assert_int_equal(be_state_pc(state), 0x9000);
            assert_int_equal(counter, 1);
        } else {
            assert_int_equal(word & IR_EXIT_WORD_MASK, IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
            assert_int_equal(counter, 1001);
        }
        /* forward: chained whatever the word says */
        word = be_enter(1, state, info[1].code);
        memcpy(&out, state + 0x30, 8);
        assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
        assert_int_equal(out, 0x55);
        /* indirect: a jump-cache hit is taken only without the word */
        const uint64_t target = 0x9200;
        unsigned idx = (unsigned)((target ^ (target >> JC_BITS)) & ((1u << JC_BITS) - 1));
        uint64_t *entry = mem + JC_OFF / 8 + idx * (BACKEND_JC_ENTRY_SIZE / 8);
        entry[0] = target;
        entry[1] = (uint64_t)(uintptr_t)info[2].code;
        memcpy(state + 0x20, &target, 8);
        memset(state + 0x30, 0, 8);
        word = be_enter(1, state, info[3].code);
        memcpy(&out, state + 0x30, 8);
        if (set) {
            assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
            assert_int_equal(be_state_pc(state), target);
            assert_int_equal(out, 0);
        } else {
            assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
            assert_int_equal(out, 0x55);
        }
    }
    for (int i = 0; i < 4; i++)
        ir_block_free(blks[i]);
}

/* ---------------------------------------------------------------- errors */

void be_test_errors(void **st)
{
    (void)st;
    IrGuestInfo gi0 = be_guest_info(0);
    IrBlock *blk = ir_block_new(0x8000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef v = ir_get(&b, IR_I64, 0);
    for (unsigned i = 0; i < 200; i++)
        v = ir_op2(&b, IR_ADD, IR_I64, v, ir_get(&b, IR_I64, 8 * (i % 30)));
    ir_put(&b, 8, v);
    ir_exit(&b, IR_NONE, 0x8100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    be_verify_or_die(blk);

    /* A buffer too small for the block (after its trampoline, whose exit routine the
     * exits call: ir/backend.h CodeBuf): FULL, p unchanged. Nothing here runs. */
    static uint8_t small[1024 + CODEBUF_RED_ZONE + 600] __attribute__((aligned(16)));
    CodeBuf cb = { small, small, small + sizeof small, 0, NULL, NULL };
    BackendBlockInfo info;
    assert_non_null(be_host->be->emit_trampoline(&cb, &gi0));
    uint8_t *p = cb.p;
    assert_true(p - small <= 1024);
    cb.end = p + CODEBUF_RED_ZONE + 600;
    assert_int_equal(be_host->be->compile(blk, &cb, &gi0, &info), BE_ERR_FULL);
    assert_ptr_equal(cb.p, p);
    cb.end = p + CODEBUF_RED_ZONE - 1;
    assert_int_equal(be_host->be->compile(blk, &cb, &gi0, &info), BE_ERR_FULL);
    assert_ptr_equal(cb.p, p);
    cb = (CodeBuf){ small, small, small + 100, 0, NULL, NULL };   /* less than a trampoline */
    assert_null(be_host->be->emit_trampoline(&cb, &gi0));
    assert_ptr_equal(cb.p, small);
    ir_block_free(blk);

    /* More exits than BACKEND_MAX_EXITS. */
    blk = ir_block_new(0x8000);
    ir_builder_init(&b, blk);
    for (unsigned i = 0; i < BACKEND_MAX_EXITS + 1; i++)
        ir_exit_if(&b, ir_get(&b, IR_I8, i), 0x9000 + i, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0x8100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    be_verify_or_die(blk);
    uint8_t *p0 = be_code_buf()->p;
    assert_int_equal(be_host->be->compile(blk, be_code_buf(), &gi0, &info), BE_ERR_TOO_BIG);
    assert_ptr_equal(be_code_buf()->p, p0);
    ir_block_free(blk);

    /* More live values than spill slots (and registers). */
    blk = ir_block_new(0x8000);
    ir_builder_init(&b, blk);
    b.fold = false;
    const unsigned N = be_host->frame_slots + 40;
    IrRef *vals = calloc(N, sizeof *vals);
    assert_non_null(vals);
    for (unsigned i = 0; i < N; i++)    /* not the GPRs: pinned ones need no home */
        vals[i] = ir_get(&b, IR_I64, BE_GPR_OFF + 8 * (BE_N_GPRS + i % 40));
    v = vals[0];
    for (unsigned i = 1; i < N; i++)
        v = ir_op2(&b, IR_ADD, IR_I64, v, vals[i]);
    ir_put(&b, 8, v);
    ir_exit(&b, IR_NONE, 0x8100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    free(vals);
    be_verify_or_die(blk);
    assert_int_equal(be_host->be->compile(blk, be_code_buf(), &gi0, &info), BE_ERR_TOO_BIG);
    assert_ptr_equal(be_code_buf()->p, p0);
    ir_block_free(blk);
}
