/* backend_limit.c — the guest limit (ir.h IrGuestInfo.guest_limit) in generated code, for
 * every backend: blocks whose LOADs and STOREs reach memory that is certainly the host's own
 * (a buffer this test allocated above the limit, as ferry's heap and code cache lie above
 * it) must fault at the sentinel with the address in the state's fault word, or at the limit
 * probe (IrGuestInfo.limit_probe: the aarch64 backend) with the address in its map entry's
 * last keep, at the map entry of the access's own guest instruction, and leave the host
 * memory unchanged; an address just above the limit faults in the guard at its own address;
 * accesses below the limit work as without one. Forms: [base + disp] (the base check, and
 * the same base again with the check elided), a negative displacement, [base + index << 3],
 * a constant address, a negative base with an array address as the displacement, a STORE
 * checked first, and the false alarms: a base just above the limit whose negative
 * displacement reaches below it (the access goes ahead; the same base's next access faults
 * in the guard), and a base near 2^64 whose displacement wraps to a low address.
 * The handler does what runtime/fault.c does with a failed probe.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <cmocka.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "runtime/host_ctx.h"
#include "tests/common/backend_suite.h"

#define OFF_BOUND 0x1c0         /* the fake state's guest_bound and fault_addr words */
#define OFF_FAULT 0x1c8
#define OFF_PUT (BE_GPR_OFF + 8 * (BE_N_GPRS - 1))  /* the last GPR field (0x38) */

static struct {
    sigjmp_buf jb;
    volatile int armed;
    const BackendBlockInfo *info;
    volatile uintptr_t addr;        /* si_addr */
    volatile int guest_off;         /* the map entry's guest instruction, -1 if none */
    uint8_t *state;                 /* made exact at the fault, as runtime/fault.c does */
    BackendEnterFn enter;           /* a trampoline for the limit's guest description */
    uint64_t lim, probe;            /* the limit and its probe (ir.h) */
    volatile int at_probe;          /* the fault was a failed probe: 1 a LOAD's, 2 a STORE's */
    volatile int resumed;           /* false alarms resumed after the probe */
} lf;

/* A failed probe's own map entry (the one at exactly `off`) and its access's guest address
 * (the entry's last keep: fault_addr), as runtime/fault.c probe_addr reads them. */
static const BackendInsnMap *probe_entry(const BackendInsnMap *m, uint32_t off,
                                         const void *ucv, uint64_t *addr)
{
    const BackendInsnMap *none = NULL;
    if (m->host_offset != off || m->n_keep == 0)
        return none;
    BackendKeep k = lf.info->keeps[m->keep_first + m->n_keep - 1];
    if (k.off != OFF_FAULT || k.size != 8)
        return none;
    k.off = 0;
    *addr = 0;
    ir_keep_apply(&k, 1, ucv, addr);
    return m;
}

static void limit_handler(int sig, siginfo_t *si, void *ucv)
{
    if (!lf.armed) {
        signal(sig, SIG_DFL);
        return;
    }
    uintptr_t pc = rt_host_pc(ucv);
    lf.addr = (uintptr_t)si->si_addr;
    lf.guest_off = -1;
    lf.at_probe = 0;
    const BackendBlockInfo *info = lf.info;
    bool probe = lf.probe && lf.addr - (lf.probe + 1) < IR_PROBE_SPAN(lf.lim) - 1;
    if (pc >= (uintptr_t)info->code && pc < (uintptr_t)info->code + info->code_size) {
        uint32_t off = (uint32_t)(pc - (uintptr_t)info->code);
        for (uint32_t i = info->n_insns; i-- > 0;)
            if (info->insns[i].host_offset <= off) {
                uint64_t a;
                if (probe && !probe_entry(&info->insns[i], off, ucv, &a))
                    break;                  /* a probe without its entry: guest_off -1 */
                if (probe && a < lf.lim && RT_HOST_INSN_FIXED) {
                    lf.resumed++;           /* a false alarm: on after the probe */
                    rt_set_host_pc(ucv, pc + RT_HOST_INSN_FIXED);
                    return;
                }
                if (probe) {
                    uint32_t w;
                    memcpy(&w, (const void *)pc, 4);
                    lf.at_probe = (w & 0xffe0fc00u) == 0x38e06800u ? 2 : 1;  /* LDRSB: STORE */
                }
                be_fault_state(info, &info->insns[i], ucv, lf.state);
                lf.guest_off = (int)info->insns[i].guest_offset;
                break;
            }
    }
    lf.armed = 0;
    siglongjmp(lf.jb, 1);
}

/* A limit 2^k with room for the guard above it and the host buffer above that. */
static uint64_t pick_limit(uintptr_t host)
{
    for (int k = 46; k >= 32; k--) {
        uint64_t l = 1ull << k;
        if (l + IR_GUARD_SIZE > host)
            continue;
        void *g = mmap((void *)(uintptr_t)l, IR_GUARD_SIZE, PROT_NONE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
        if (g == (void *)(uintptr_t)l)
            return l;
        if (g != MAP_FAILED)
            munmap(g, IR_GUARD_SIZE);
    }
    return 0;
}

/* A probe for limit lim as runtime/space.c makes one: a readable page's last byte, then
 * IR_PROBE_SPAN(lim) bytes PROT_NONE. */
static uint64_t make_probe(uint64_t lim)
{
    size_t len = 4096 + IR_PROBE_SPAN(lim);
    uint8_t *m = mmap(NULL, len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    assert_true(m != MAP_FAILED);
    assert_int_equal(mprotect(m, 4096, PROT_READ), 0);
    return (uint64_t)(uintptr_t)m + 4095;
}

/* Whether the last fault was a failed check: at the sentinel or a failed probe. */
static bool at_check(uint64_t sentinel)
{
    return lf.at_probe || lf.addr - sentinel < 4096;
}

/* A block of two accesses with base x (GET OFF_A): insn 0 loads [x + d0] (a STORE of 7 there
 * when store0), insn 1 loads [x + d1]; the loads go to OFF_OUT and OFF_OUT + 8. */
static IrBlock *build_pair(int64_t d0, int64_t d1, bool store0)
{
    IrBlock *blk = ir_block_new(0x7000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef x = ir_get(&b, IR_I64, OFF_A);
    ir_insn_start(&b, 0x7000, 4);
    IrRef a0 = ir_op2(&b, IR_ADD, IR_I64, x, ir_const(&b, IR_I64, (uint64_t)d0));
    if (store0)
        ir_store(&b, a0, ir_const(&b, IR_I64, 7));
    else
        ir_put(&b, OFF_OUT, ir_load(&b, IR_I64, a0));
    ir_insn_start(&b, 0x7004, 4);
    ir_put(&b, OFF_OUT + 8, ir_load(&b, IR_I64, ir_op2(&b, IR_ADD, IR_I64, x,
                                                        ir_const(&b, IR_I64, (uint64_t)d1))));
    ir_exit(&b, IR_NONE, 0x7100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

/* The block: insn 0 loads [a + 8] into OFF_OUT; insn 1 stores 0x5a5a.. at [a + 16] (the same
 * base: no second check) and puts a + 1 into OFF_PUT (a GPR field: a pinned register where a
 * backend pins them, which a fault at a later instruction must find in the state); insn 2 loads [b - 8]; insn 3 loads [c + d << 3]; insn 4 loads the
 * constant address k. a, b, c, d are GETs of OFF_A, OFF_A + 8, OFF_B, OFF_B + 8. */
static IrBlock *build_limit(uint64_t k)
{
    IrBlock *blk = ir_block_new(0x5000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef a = ir_get(&b, IR_I64, OFF_A), bb = ir_get(&b, IR_I64, OFF_A + 8);
    IrRef cc = ir_get(&b, IR_I64, OFF_B), d = ir_get(&b, IR_I64, OFF_B + 8);
    ir_insn_start(&b, 0x5000, 4);
    ir_put(&b, OFF_OUT, ir_load(&b, IR_I64, ir_op2(&b, IR_ADD, IR_I64, a, ir_const(&b, IR_I64, 8))));
    ir_insn_start(&b, 0x5004, 4);
    ir_store(&b, ir_op2(&b, IR_ADD, IR_I64, a, ir_const(&b, IR_I64, 16)),
             ir_const(&b, IR_I64, 0x5a5a5a5a5a5a5a5aull));
    ir_put(&b, OFF_PUT, ir_op2(&b, IR_ADD, IR_I64, a, ir_const(&b, IR_I64, 1)));
    ir_insn_start(&b, 0x5008, 4);
    ir_put(&b, OFF_OUT + 8, ir_load(&b, IR_I64, ir_op2(&b, IR_ADD, IR_I64, bb, ir_const(&b, IR_I64, -8))));
    ir_insn_start(&b, 0x500c, 4);
    IrRef idx = ir_op2(&b, IR_SHL, IR_I64, d, ir_const(&b, IR_I64, 3));
    ir_put(&b, OFF_OUT + 16, ir_load(&b, IR_I64, ir_op2(&b, IR_ADD, IR_I64, cc, idx)));
    ir_insn_start(&b, 0x5010, 4);
    ir_put(&b, OFF_OUT + 24, ir_load(&b, IR_I64, ir_const(&b, IR_I64, k)));
    ir_exit(&b, IR_NONE, 0x5100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

/* Run the block on a, b, c, d; returns the guest offset of the faulting instruction, or -2
 * when it ran to its exit. */
static int run(const IrBlock *blk, const uint8_t *code, const BackendBlockInfo *info,
               uint8_t *state, uint64_t bound, const uint64_t v[4])
{
    memset(state, 0, STATE_SIZE);
    memcpy(state + OFF_A, v, 16);
    memcpy(state + OFF_B, v + 2, 16);
    memcpy(state + OFF_BOUND, &bound, 8);
    (void)blk;
    lf.info = info;
    lf.state = state;
    lf.armed = 1;
    if (sigsetjmp(lf.jb, 1) == 0) {
        lf.enter(state, code);
        lf.armed = 0;
        return -2;
    }
    return lf.guest_off;
}

static uint64_t field(const uint8_t *state, unsigned off)
{
    uint64_t x;
    memcpy(&x, state + off, 8);
    return x;
}

/* The GPR fields at a fault: the inputs as they were, and OFF_PUT's a + 1 once insn 1 ran
 * (put), else the 0 run() started it with. */
static void check_gprs(const uint8_t *state, const uint64_t v[4], bool put)
{
    assert_int_equal(field(state, OFF_A), v[0]);
    assert_int_equal(field(state, OFF_A + 8), v[1]);
    assert_int_equal(field(state, OFF_B), v[2]);
    assert_int_equal(field(state, OFF_B + 8), v[3]);
    assert_int_equal(field(state, OFF_PUT), put ? v[0] + 1 : 0);
}

void be_test_guest_limit(void **st)
{
    (void)st;
    /* the host's own memory: a buffer far above any limit picked below it */
    uint64_t *host = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(host != MAP_FAILED);
    for (unsigned i = 0; i < 1024; i++)
        host[i] = 0x1111111111111111ull * (i & 15);
    uint64_t copy[1024];
    memcpy(copy, host, sizeof copy);
    uint64_t lim = pick_limit((uintptr_t)host);
    if (!lim) {
        fprintf(stderr, "  guest limit: no room for a guard below the host's memory, skipped\n");
        munmap(host, 8192);
        return;
    }
    /* guest memory just below the limit */
    uint64_t *low = mmap((void *)(uintptr_t)(lim - 8192), 8192, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    assert_true(low == (void *)(uintptr_t)(lim - 8192));
    for (unsigned i = 0; i < 1024; i++)
        low[i] = 0x100 + i;
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = limit_handler;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);

    IrGuestInfo gi = be_guest_info(0);
    lf.lim = lim;
    lf.probe = make_probe(lim);
    gi.limit_probe = lf.probe;
    gi.guest_limit = lim;
    gi.guest_bound_offset = OFF_BOUND;
    gi.fault_addr_offset = OFF_FAULT;
    lf.enter = be_trampoline_gi(&gi);
    uint64_t bound = lim + IR_GUARD_BOUND;
    uint64_t sentinel = IR_GUARD_SENTINEL(lim);
    uint64_t h = (uint64_t)(uintptr_t)host, g = (uint64_t)(uintptr_t)low;
    uint8_t state[STATE_SIZE];
    uint64_t fault;
    for (unsigned debug = 0; debug < 2; debug++) {
        be_set_no_regalloc(debug);
        BackendBlockInfo info;
        /* every access below the limit: the block runs as without one */
        IrBlock *blk = build_limit(g + 64);
        const uint8_t *code = be_compile_gi(blk, &gi, &info);
        uint64_t ok[4] = { g, g + 40, g, 3 };
        assert_int_equal(run(blk, code, &info, state, bound, ok), -2);
        uint64_t out[4];
        memcpy(out, state + OFF_OUT, 32);
        assert_int_equal(out[0], 0x101);
        assert_int_equal(out[1], 0x104);
        assert_int_equal(out[2], 0x103);
        assert_int_equal(out[3], 0x108);
        assert_int_equal(low[2], 0x5a5a5a5a5a5a5a5aull);
        assert_int_equal(field(state, OFF_PUT), g + 1);
        low[2] = 0x102;

        /* each form at the host's buffer faults at the sentinel, at its own instruction */
        const struct { uint64_t v[4]; int off; uint64_t addr; } bad[] = {
            { { h, g + 8, g, 0 }, 0, h + 8 },               /* [a + 8] */
            { { g + 0x10000000000ull, g + 8, g, 0 }, 0, g + 0x10000000000ull + 8 },
            { { g, h + 64, g, 0 }, 8, h + 56 },             /* [b - 8] */
            { { g, g + 8, h, 5 }, 12, h + 40 },             /* [c + d << 3] */
            { { g, g + 8, 8, (h >> 3) - 1 }, 12, h },
        };
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            if (bad[i].v[0] == g + 0x10000000000ull && bad[i].v[0] < lim + IR_GUARD_BOUND)
                continue;           /* only a base beyond the guard's reach is this case */
            int off = run(blk, code, &info, state, bound, bad[i].v);
            assert_int_equal(off, bad[i].off);
            assert_true(at_check(sentinel));
            assert_true(lf.at_probe != 2);          /* a LOAD's check */
            memcpy(&fault, state + OFF_FAULT, 8);
            assert_int_equal(fault, bad[i].addr);
            check_gprs(state, bad[i].v, off >= 8);
        }
        /* just above the limit: a check against the bound passes and the access faults in
         * the guard (x86_64), or a check against the limit fails (aarch64): either way the
         * address is reported */
        uint64_t above[4] = { lim + 0x100, g + 8, g, 0 };
        assert_int_equal(run(blk, code, &info, state, bound, above), 0);
        memcpy(&fault, state + OFF_FAULT, 8);
        assert_int_equal(at_check(sentinel) ? fault : lf.addr, lim + 0x108);
        check_gprs(state, above, false);
        ir_block_free(blk);

        /* a constant address in the host's memory */
        blk = build_limit(h + 24);
        code = be_compile_gi(blk, &gi, &info);
        assert_int_equal(run(blk, code, &info, state, bound, ok), 16);
        assert_true(at_check(sentinel));
        memcpy(&fault, state + OFF_FAULT, 8);
        assert_int_equal(fault, h + 24);
        check_gprs(state, ok, true);
        ir_block_free(blk);
    }
    be_set_no_regalloc(0);
    /* the false alarms and a STORE checked first, with and without register allocation */
    for (unsigned debug = 0; debug < 2; debug++) {
        be_set_no_regalloc(debug);
        BackendBlockInfo info;
        /* a base 8 above the limit, [x - 16] below it: read; then [x + 8] in the guard */
        IrBlock *blk = build_pair(-16, 8, false);
        const uint8_t *code = be_compile_gi(blk, &gi, &info);
        uint64_t v[4] = { lim + 8, 0, 0, 0 };
        int resumed = lf.resumed;
        assert_int_equal(run(blk, code, &info, state, bound, v), 4);
        assert_false(at_check(sentinel));
        assert_int_equal(lf.addr, lim + 16);
        assert_int_equal(field(state, OFF_OUT), 0x100 + 1023);
#if defined(__aarch64__)
        assert_int_equal(lf.resumed, resumed + 1);  /* the probe's false alarm, resumed */
#else
        (void)resumed;
#endif
        ir_block_free(blk);
        /* a base 8 below 2^64, [x + 16] wraps to address 8: an ordinary fault there */
        blk = build_pair(16, 24, false);
        code = be_compile_gi(blk, &gi, &info);
        v[0] = (uint64_t)-8;
        assert_int_equal(run(blk, code, &info, state, bound, v), 0);
        assert_false(at_check(sentinel));
        assert_int_equal(lf.addr, 8);
        ir_block_free(blk);
        /* a STORE's check: the address reported, the store not done, a STORE's probe */
        blk = build_pair(8, 16, true);
        code = be_compile_gi(blk, &gi, &info);
        v[0] = h;
        assert_int_equal(run(blk, code, &info, state, bound, v), 0);
        assert_true(at_check(sentinel));
        assert_true(lf.at_probe != 1);
        memcpy(&fault, state + OFF_FAULT, 8);
        assert_int_equal(fault, h + 8);
        ir_block_free(blk);
    }
    be_set_no_regalloc(0);
    /* a negative index with an array's address as the displacement (compilers count an index
     * up to 0): the base is "above" the limit, the address is not */
    uint64_t arr = 0x20000000;
    uint64_t *lowarr = mmap((void *)(uintptr_t)arr, 4096, PROT_READ | PROT_WRITE,
                            MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
    if (lowarr == (void *)(uintptr_t)arr) {
        lowarr[0] = 0x77;
        IrBlock *blk = ir_block_new(0x6000);
        IrBuilder b;
        ir_builder_init(&b, blk);
        IrRef x = ir_get(&b, IR_I64, OFF_A);
        ir_insn_start(&b, 0x6000, 4);
        ir_put(&b, OFF_OUT, ir_load(&b, IR_I64, ir_op2(&b, IR_ADD, IR_I64, x,
                                                        ir_const(&b, IR_I64, arr + 64))));
        ir_insn_start(&b, 0x6004, 4);
        ir_put(&b, OFF_OUT + 8, ir_load(&b, IR_I64, ir_op2(&b, IR_ADD, IR_I64, x,
                                                            ir_const(&b, IR_I64, 8))));
        ir_exit(&b, IR_NONE, 0x6100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
        ir_builder_fini(&b);
        BackendBlockInfo info;
        const uint8_t *code = be_compile_gi(blk, &gi, &info);
        uint64_t v[4] = { (uint64_t)-64, 0, 0, 0 };
        /* the first load reads arr[0]; the second, [-56], is the kernel's: a plain fault */
        assert_int_equal(run(blk, code, &info, state, bound, v), 4);
        uint64_t out;
        memcpy(&out, state + OFF_OUT, 8);
        assert_int_equal(out, 0x77);
        ir_block_free(blk);
        munmap(lowarr, 4096);
    }
    assert_memory_equal(host, copy, sizeof copy);       /* nothing reached the host's memory */
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    munmap(low, 8192);
    munmap((void *)(uintptr_t)lim, IR_GUARD_SIZE);
    munmap((void *)(uintptr_t)(lf.probe - 4095), 4096 + IR_PROBE_SPAN(lim));
    lf.probe = 0;
    munmap(host, 8192);
}
