/* backend_suite_faults.c — faults in compiled code (backend suite): random blocks with one
 * access to a PROT_NONE page, whose fault map (host pc -> guest instruction, with the KEEPs
 * not yet stored) must complete the state exactly as the unoptimised block leaves it in the
 * interpreter; and self-loops, blocks that jump back to their own start, run until they leave
 * or fault, against the interpreter run once per iteration.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <cmocka.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "runtime/host_ctx.h"
#include "tests/common/backend_suite_int.h"

/* ---------------------------------------------------------------- faults and KEEPs */

/* The fault a block run took: sigsetjmp target, the block's map and the state to complete
 * (JIT runs), and what the handler found. */
static struct {
    sigjmp_buf jb;
    volatile int armed;             /* 1: interpreter run, 2: compiled code */
    const BackendBlockInfo *info;
    uint8_t *state;
    volatile int guest_off;         /* the map entry's guest instruction, -1 if none */
} flt;
static uint8_t *bad_page;           /* a PROT_NONE page: every access to it faults */
static unsigned long keep_kinds[5]; /* keeps applied, per BACKEND_LOC_* */
static unsigned long keep_addends;  /* keeps applied as a register or slot plus a constant */

void be_fault_state(const BackendBlockInfo *info, const BackendInsnMap *m, const void *ucv,
                    void *state)
{
    if (be_host->be->pinned) {      /* the pinned registers first: the keeps overwrite them */
        BackendKeep pins[BACKEND_MAX_PINNED];
        IrGuestInfo gi = be_guest_info(0);
        unsigned np = be_host->be->pinned(&gi, pins);
        ir_keep_apply(pins, np, ucv, state);
    }
    ir_keep_apply(info->keeps + m->keep_first, m->n_keep, ucv, state);
}

/* As runtime/fault.c does: the last map entry at or before the pc, its keeps into the state. */
static void fault_handler(int sig, siginfo_t *si, void *ucv)
{
    (void)si;
    if (!flt.armed) {
        signal(sig, SIG_DFL);
        return;                     /* not ours: die by it */
    }
    if (flt.armed == 2) {
        const BackendBlockInfo *info = flt.info;
        uintptr_t pc = rt_host_pc(ucv);
        flt.guest_off = -1;
        if (pc >= (uintptr_t)info->code && pc < (uintptr_t)info->code + info->code_size) {
            uint32_t off = (uint32_t)(pc - (uintptr_t)info->code);
            for (uint32_t i = info->n_insns; i-- > 0;) {
                const BackendInsnMap *m = &info->insns[i];
                if (m->host_offset > off)
                    continue;
                for (unsigned k = 0; k < m->n_keep; k++) {
                    const BackendKeep *kp = &info->keeps[m->keep_first + k];
                    keep_kinds[kp->kind < 5 ? kp->kind : 0]++;
                    keep_addends += kp->kind != BACKEND_LOC_CONST && kp->value != 0;
                }
                be_fault_state(info, m, ucv, flt.state);
                flt.guest_off = (int)m->guest_offset;
                break;
            }
        }
    }
    flt.armed = 0;
    siglongjmp(flt.jb, 1);
}

/* Map the bad page and catch SIGSEGV and SIGBUS with fault_handler (the old actions into
 * old[2]), for one test; faults_end undoes it. */
static void faults_begin(struct sigaction old[2])
{
    bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(bad_page != MAP_FAILED);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old[0]);
    sigaction(SIGBUS, &sa, &old[1]);
}

static void faults_end(const struct sigaction old[2])
{
    sigaction(SIGSEGV, &old[0], NULL);
    sigaction(SIGBUS, &old[1], NULL);
    munmap(bad_page, 4096);
}

/* Run blk through the interpreter from state0/mem0 to its exit or to the fault of its access
 * to the bad page: the exit word, or ~0 for the fault. */
static uint64_t interp_faulting(const IrBlock *blk, int based, uint8_t *st, uint8_t *mem,
                                const uint8_t *state0, const uint8_t *mem0)
{
    volatile uint64_t w = 0;
    IrGuestInfo gi = be_guest_info(based);
    memcpy(st, state0, STATE_SIZE);
    memcpy(be_guest_mem(), mem0, MEM_SIZE);
    flt.armed = 1;
    if (sigsetjmp(flt.jb, 1) == 0)
        w = ir_interp_run(blk, st, &gi);
    else
        w = ~0ull;
    flt.armed = 0;
    memcpy(mem, be_guest_mem(), MEM_SIZE);
    return w;
}

/* The interpreter's run of blk (exit word w_int, state s_int, memory m_int) and the compiled
 * code's of its optimised copy opt (w_jit, s_jit, the guest memory) must agree: the exit
 * word, or a fault (~0) at guest offset expect_off (the handler's flt.guest_off), the state
 * and the memory. Else print both blocks and the differences (`what` says which run it was)
 * and fail with `why`. */
static void check_runs(const char *what, const char *why, const IrBlock *blk,
                       const IrBlock *opt, uint64_t w_int, uint64_t w_jit, int expect_off,
                       const uint8_t *s_int, const uint8_t *s_jit, const uint8_t *m_int)
{
    bool off_ok = w_jit != ~0ull || flt.guest_off == expect_off;
    if (w_int == w_jit && off_ok && !memcmp(s_int, s_jit, STATE_SIZE) &&
        !memcmp(m_int, be_guest_mem(), MEM_SIZE))
        return;
    fprintf(stderr, "mismatch (%s) in block:\n", what);
    ir_print_block(stderr, blk);
    fprintf(stderr, "optimised:\n");
    ir_print_block(stderr, opt);
    fprintf(stderr, "  exit word: interp %#llx, jit %#llx (~0: fault); fault at guest offset "
            "%d, expected %d\n", (unsigned long long)w_int, (unsigned long long)w_jit,
            flt.guest_off, expect_off);
    be_dump_diff("state", s_int, s_jit, STATE_SIZE);
    be_dump_diff("mem", m_int, be_guest_mem(), MEM_SIZE);
    fail_msg("%s", why);
}

/* Run blk (interpreter) and opt (its optimised copy, compiled as `code`) from state0/mem0,
 * each to its exit or to the fault of its access to the bad page; the exit word, or the fault
 * and its guest instruction (expect_off, the INSN_START before the faulting access in blk),
 * the state and the memory must agree. A fault's state is that of fault_ref, blk with its
 * FKEEPs made PUTs: what they say is what a fault must see. */
static void run_compare_faulting(const IrBlock *blk, const IrBlock *fault_ref,
                                 const IrBlock *opt, const uint8_t *code,
                                 const BackendBlockInfo *info, int based, int expect_off,
                                 const uint8_t *state0, const uint8_t *mem0)
{
    static uint8_t s_int[STATE_SIZE] __attribute__((aligned(16)));
    static uint8_t s_jit[STATE_SIZE] __attribute__((aligned(16)));
    static uint8_t m_int[MEM_SIZE];
    volatile uint64_t w_int = 0, w_jit = 0;
    w_int = interp_faulting(blk, based, s_int, m_int, state0, mem0);
    if (w_int == ~0ull) {
        uint64_t w_ref = interp_faulting(fault_ref, based, s_int, m_int, state0, mem0);
        assert_int_equal(w_ref, ~0ull);     /* FKEEPs change nothing but what faults see */
    }
    memcpy(s_jit, state0, STATE_SIZE);
    memcpy(be_guest_mem(), mem0, MEM_SIZE);
    flt.info = info;
    flt.state = s_jit;
    flt.guest_off = -2;
    flt.armed = 2;
    if (sigsetjmp(flt.jb, 1) == 0)
        w_jit = be_enter(based, s_jit, code);
    else
        w_jit = ~0ull;
    flt.armed = 0;
    be_n_compared++;
    char what[64];
    snprintf(what, sizeof what, "guest base %s, debug %#x", based ? "on" : "off",
             be_host->get_debug());
    check_runs(what, "the state at a fault or exit differs from the unoptimised block's", blk,
               opt, w_int, w_jit, expect_off, s_int, s_jit, m_int);
}

/* Random blocks whose PUTs overwrite each other (gen_insn with fields), most with one load or
 * store of the bad page somewhere: opt_run turns the overwritten PUTs into KEEPs, and the
 * compiled code, completed at the fault from its map (ir_keep_apply), must leave the state
 * the unoptimised block leaves in the interpreter; so must its side exits and its end.
 * Every kind of location (register, vector register, slot, constant) must turn up. */
void be_test_keeps(void **st)
{
    (void)st;
    struct sigaction old[2];
    faults_begin(old);
    memset(keep_kinds, 0, sizeof keep_kinds);
    keep_addends = 0;
    unsigned n = be_fuzz_n(1500), faults = 0, keeps = 0, fkeeps = 0, skipped = 0;
    static uint8_t state[STATE_SIZE], mem0[MEM_SIZE];
    for (unsigned i = 0; i < n; i++) {
        uint64_t seed = 0xfa170000ull + i;
        int based = (int)(i & 1);
        IrBlock *blk[3];
        int expect_off = -1;
        for (int copy = 0; copy < 3; copy++) {  /* the same block: as is, optimised, and with
                                                   its FKEEPs made PUTs */
            Gen g;
            blk[copy] = ir_block_new(0x10000);
            gen_begin(&g, seed, based, true, blk[copy]);
            unsigned len = 8 + be_rn(50), bad_at = be_rn(3) ? be_rn(len) : len;
            uint64_t insn_pc = 0x10000;
            for (unsigned k = 0; k < len; k++) {
                if (k == 0 || k == bad_at || be_rn(3) == 0) {
                    insn_pc = 0x10000 + 3 * k;
                    ir_insn_start(&g.b, insn_pc, 3);
                }
                if (k == bad_at) {          /* the access that faults */
                    static const IrType bt[] = { IR_I8, IR_I32, IR_I64, IR_F64, IR_V128,
                                                 IR_F80, IR_V256 };
                    IrType t = bt[be_rn(7)];
                    uint64_t a = (uint64_t)(uintptr_t)bad_page -
                                 (based ? (uint64_t)(uintptr_t)be_guest_mem() : 0);
                    IrRef addr = ir_const(&g.b, IR_I64, a);
                    if (be_rn(2))
                        gen_pool_add(&g, t, ir_load(&g.b, t, addr));
                    else
                        ir_store(&g.b, addr, gen_pick(&g, t));
                    expect_off = (int)(insn_pc - 0x10000);
                }
                gen_insn(&g);
                if (be_rn(4) == 0) {           /* FKEEPs, as the frontend says the flags */
                    for (unsigned j = 0; j < FK_N; j++)
                        if (be_rn(2)) {
                            IrRef v = gen_pick(&g, IR_I64);
                            if (be_rn(3) == 0)
                                v = ir_op2(&g.b, IR_ADD, IR_I64, v,
                                           ir_const(&g.b, IR_I64, be_rnd() >> be_rn(64)));
                            ir_emit(&g.b, IR_FKEEP, IR_VOID, v, IR_NONE, IR_NONE,
                                    FK_OFF + 8 * j, 0);
                        }
                } else if (be_rn(8) == 0) {
                    gen_fk_flush(&g);
                }
                if (be_rn(2) == 0) {           /* a PUT to a field, mostly of its own type */
                    static const struct { unsigned off; IrType t; } f[8] = {
                        { 0x00, IR_I64 }, { 0x08, IR_I32 }, { 0x10, IR_V128 },
                        { 0x20, IR_F64 }, { 0x30, IR_I64 }, { 0x38, IR_I8 },
                        { 0x40, IR_V256 }, { 0x60, IR_F80 },
                    };
                    static const IrType any[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F64,
                                                  IR_V128 };
                    unsigned j = be_rn(8);
                    IrRef v = gen_pick(&g, be_rn(4) ? f[j].t : any[be_rn(6)]);
                    if (f[j].t == IR_I64 && be_rn(2)) {    /* rsp + k, as pops and pushes do */
                        uint64_t k = be_rn(2) ? (uint64_t)(int64_t)(int8_t)be_rnd() : be_rnd();
                        v = ir_op2(&g.b, IR_ADD, IR_I64, gen_pick(&g, IR_I64),
                                   ir_const(&g.b, IR_I64, k));
                    }
                    ir_put(&g.b, f[j].off, v);
                }
            }
            ir_exit(&g.b, IR_NONE, 0x20000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
            ir_builder_fini(&g.b);
        }
        if (blk[0]->n > 256) {
            /* the interpreter takes the values of larger blocks from the heap, which a fault
             * (a siglongjmp out of it) would leak: leave such a block out */
            for (int copy = 0; copy < 3; copy++)
                ir_block_free(blk[copy]);
            skipped++;
            continue;
        }
        opt_run(blk[1]);
        for (IrRef r = 1; r < blk[1]->n; r++) {
            keeps += blk[1]->insn[r].op == IR_KEEP;
            fkeeps += blk[1]->insn[r].op == IR_FKEEP;
        }
        for (IrRef r = 1; r < blk[2]->n; r++)
            if (blk[2]->insn[r].op == IR_FKEEP)
                blk[2]->insn[r].op = IR_PUT;
        be_host->set_debug(i % 4 == 3 ? be_host->no_regalloc : 0);
        static BackendBlockInfo info;
        const uint8_t *code = be_compile_in(blk[1], based, &info);
        be_seed(seed ^ 0x1234567);
        for (unsigned run = 0; run < 3; run++) {
            be_random_fill(state, mem0);
            unsigned long before = be_n_compared;
            run_compare_faulting(blk[0], blk[2], blk[1], code, &info, based, expect_off, state,
                                 mem0);
            faults += flt.guest_off >= 0 && be_n_compared > before;
        }
        for (int copy = 0; copy < 3; copy++)
            ir_block_free(blk[copy]);
    }
    be_host->set_debug(0);
    faults_end(old);
    fprintf(stderr, "# keeps: %u KEEPs, %u FKEEPs, %u faults; applied: %lu constants, %lu "
            "registers, %lu vector registers, %lu slots, %lu state fields (%lu of them plus a "
            "constant); %u blocks too long\n", keeps, fkeeps, faults, keep_kinds[BACKEND_LOC_CONST],
            keep_kinds[BACKEND_LOC_GPR], keep_kinds[BACKEND_LOC_VEC],
            keep_kinds[BACKEND_LOC_STACK], keep_kinds[BACKEND_LOC_STATE], keep_addends,
            skipped);
    assert_true(faults > n / 2 && skipped < n / 4);
    for (unsigned k = 0; k < 5; k++)
        assert_true(keep_kinds[k] > 0);
    assert_true(keep_addends > 0);
    assert_true(keeps > n && fkeeps > n);
}

/* ---------------------------------------------------------------- self-loops */

/* A block that jumps back to its own start may be run by the backend as a loop inside the
 * block (the x86_64 backend keeps guest registers in host registers across iterations and
 * its back edge has no patch site, ir/backend.h). However it does it, running the code until
 * it leaves for another pc must give what the interpreter gives run once per iteration, at
 * the exits and at a fault in a later iteration, with the interrupt word set (out at each
 * back edge) or not. Random blocks over sixteen "register" fields, with a counter that ends
 * the loop; some fault at the last iteration. */
enum { LOOP_PC = 0x30000, LOOP_REGS = 0x80, LOOP_CNT = 0x1a0, LOOP_IRQ = 0x1f0 };

static IrBlock *gen_loop_block(uint64_t seed, int based, bool back_at_end, bool fault,
                               int *fault_off)
{
    Gen g;
    IrBlock *blk = ir_block_new(LOOP_PC);
    gen_begin(&g, seed, based, true, blk);
    IrBuilder *b = &g.b;
    ir_insn_start(b, LOOP_PC, 3);
    IrRef cnt = ir_get(b, IR_I64, LOOP_CNT);
    for (unsigned j = 0; j < 6; j++) {
        unsigned off = LOOP_REGS + 8 * be_rn(16);
        gen_pool_add(&g, IR_I64, ir_get(b, IR_I64, off));
        gen_pool_add(&g, IR_I32, ir_get(b, IR_I32, off));
    }
    unsigned len = 4 + be_rn(24), bad_at = fault ? be_rn(len) : len;
    for (unsigned k = 0; k < len; k++) {
        uint64_t pc = LOOP_PC + 3 * (k + 1);
        if (k == bad_at) {          /* a load that faults in the last iteration */
            ir_insn_start(b, pc, 3);
            *fault_off = (int)(pc - LOOP_PC);
            uint64_t bad = (uint64_t)(uintptr_t)bad_page -
                           (based ? (uint64_t)(uintptr_t)be_guest_mem() : 0);
            IrRef last = ir_cmp(b, IR_EQ, cnt, ir_const(b, IR_I64, 1));
            IrRef a = ir_select(b, IR_I64, last, ir_const(b, IR_I64, bad), gen_addr(&g, 8));
            gen_pool_add(&g, IR_I64, ir_load(b, IR_I64, a));
        } else if (be_rn(3) == 0) {
            ir_insn_start(b, pc, 3);
        }
        gen_insn(&g);
        if (be_rn(2)) {                /* a register write, 64 bits or 32 zero-extended */
            IrRef v = be_rn(3) ? gen_pick(&g, IR_I64)
                               : ir_op1(b, IR_ZEXT, IR_I64, gen_pick(&g, IR_I32));
            ir_put(b, LOOP_REGS + 8 * be_rn(16), v);
        }
        if (be_rn(4) == 0)             /* re-read a register the block may have written */
            gen_pool_add(&g, IR_I64, ir_get(b, IR_I64, LOOP_REGS + 8 * be_rn(16)));
    }
    ir_insn_start(b, LOOP_PC + 3 * (len + 1), 3);
    IrRef n = ir_op2(b, IR_SUB, IR_I64, cnt, ir_const(b, IR_I64, 1));
    ir_put(b, LOOP_CNT, n);
    IrRef more = ir_cmp(b, IR_NE, n, ir_const(b, IR_I64, 0));
    if (back_at_end) {
        ir_exit_if(b, ir_cmp(b, IR_EQ, n, ir_const(b, IR_I64, 0)), 0x50000,
                   IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
        ir_exit(b, IR_NONE, LOOP_PC, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    } else {
        ir_exit_if(b, more, LOOP_PC, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
        ir_exit(b, IR_NONE, 0x50000, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    }
    ir_builder_fini(b);
    return blk;
}

/* Whether exit word w (state st) is the back edge: a dispatcher would enter the block again. */
static bool loop_again(uint64_t w, const uint8_t *st)
{
    return IR_EXIT_WORD_KIND(w) == IR_EXIT_JUMP && be_state_pc(st) == LOOP_PC;
}

/* The interpreter once per iteration, to an exit elsewhere or to a fault (~0). */
static uint64_t loop_run_interp(const IrBlock *blk, const IrGuestInfo *gi, uint8_t *st,
                                const uint8_t *state0, const uint8_t *mem0)
{
    volatile uint64_t w = 0;
    memcpy(st, state0, STATE_SIZE);
    memcpy(be_guest_mem(), mem0, MEM_SIZE);
    flt.armed = 1;
    if (sigsetjmp(flt.jb, 1) == 0) {
        do
            w = ir_interp_run(blk, st, gi);
        while (loop_again(w, st));
    } else {
        w = ~0ull;
    }
    flt.armed = 0;
    return w;
}

/* The code, entered again whenever it comes back at its back edge (as the dispatcher would),
 * to an exit elsewhere or to a fault (~0, the state completed from the fault map). */
static uint64_t loop_run_code(const BackendBlockInfo *info, int based, uint8_t *st,
                              const uint8_t *state0, const uint8_t *mem0, unsigned *entries)
{
    volatile uint64_t w = 0;
    volatile unsigned n = 0;
    memcpy(st, state0, STATE_SIZE);
    memcpy(be_guest_mem(), mem0, MEM_SIZE);
    flt.info = info;
    flt.state = st;
    flt.guest_off = -2;
    flt.armed = 2;
    if (sigsetjmp(flt.jb, 1) == 0) {
        do {
            w = be_enter(based, st, info->code);
            n++;
        } while (loop_again(w, st));
    } else {
        w = ~0ull;
    }
    flt.armed = 0;
    *entries += n;
    return w;
}

void be_test_self_loops(void **st)
{
    (void)st;
    struct sigaction old[2];
    faults_begin(old);
    unsigned n = be_fuzz_n(600), as_loops = 0, faults = 0, iterations = 0;
    static uint8_t state0[STATE_SIZE], mem0[MEM_SIZE], m_int[MEM_SIZE];
    static uint8_t s_int[STATE_SIZE] __attribute__((aligned(16)));
    static uint8_t s_jit[STATE_SIZE] __attribute__((aligned(16)));
    for (unsigned i = 0; i < n; i++) {
        uint64_t seed = 0x100b0000ull + i;
        int based = (int)(i & 1), fault_off = -1;
        bool back_at_end = i % 3 == 2, fault = i % 4 == 1;
        IrBlock *raw = gen_loop_block(seed, based, back_at_end, fault, &fault_off);
        IrBlock *opt = gen_loop_block(seed, based, back_at_end, fault, &fault_off);
        opt_run(opt);
        if (raw->n > 256) {         /* see be_test_keeps: the interpreter's heap values */
            ir_block_free(raw);
            ir_block_free(opt);
            continue;
        }
        IrGuestInfo gi = be_guest_info(based);
        gi.irq_offset = LOOP_IRQ;
        static BackendBlockInfo info;
        be_compile_gi(opt, &gi, &info);
        for (unsigned x = 0; x < info.n_exits; x++)
            as_loops += info.exits[x].target_pc == LOOP_PC && info.exits[x].patch_offset == 0;
        be_seed(seed ^ 0x77);
        for (unsigned run = 0; run < 4; run++) {
            be_random_fill(state0, mem0);
            uint64_t cnt0 = 1 + be_rn(6), pc0 = LOOP_PC;
            uint32_t irq = run & 1;
            memcpy(state0 + LOOP_CNT, &cnt0, 8);
            memcpy(state0 + PC_OFF, &pc0, 8);
            memcpy(state0 + LOOP_IRQ, &irq, 4);
            uint64_t w_int = loop_run_interp(raw, &gi, s_int, state0, mem0);
            memcpy(m_int, be_guest_mem(), MEM_SIZE);
            uint64_t w_jit = loop_run_code(&info, based, s_jit, state0, mem0, &iterations);
            be_n_compared++;
            faults += w_jit == ~0ull;
            char what[80];
            snprintf(what, sizeof what, "guest base %s, %llu iterations, interrupt word %u",
                     based ? "on" : "off", (unsigned long long)cnt0, irq);
            check_runs(what, "a self-loop's code differs from the interpreter's iterations",
                       raw, opt, w_int, w_jit, fault_off, s_int, s_jit, m_int);
        }
        ir_block_free(raw);
        ir_block_free(opt);
    }
    faults_end(old);
    fprintf(stderr, "# self-loops: %u back edges resolved by the backend, %u faults, %u entries\n",
            as_loops, faults, iterations);
    assert_true(faults > n / 8);
}
