/* backend_suite.c — the host-independent part of the backend unit tests: every backend
 * against the reference interpreter (see backend_suite.h for the contract).
 *
 * Every block is run twice from the same guest state and guest memory: through ir_interp_run
 * (the oracle) and through code compiled by the host's backend and entered through its
 * trampoline. The exit word, every byte of the state (pc included) and every byte of guest
 * memory must match exactly. Code runs from a dual mapping (writable view + executable view,
 * exec_delta != 0), as in the runtime's code cache; every compiled block is also decoded with
 * Capstone in the host's mode, which must find exactly the instructions the backend counted.
 *
 *   ops:     every op at every type the verifier allows, on edge-case inputs (shift counts 0,
 *            w-1, w, >w; INT_MIN; NaN, -0.0, infinities; lane patterns), with operands from the
 *            state and, separately, each operand a constant (the immediate/rematerialised paths),
 *            with the register allocator on and off;
 *   memory:  GET/PUT/LOAD/STORE of every type, unaligned, with a guest base and without;
 *   exits:   index/word encoding, indirect exits, interrupt checks, patch_exit chaining two
 *            blocks and unpatching,
 *            the inline jump-cache probe;
 *   calls:   argument passing, state access, stack alignment, values live across the call;
 *   errors:  BE_ERR_FULL leaves cb->p unchanged, BE_ERR_TOO_BIG for too many exits/values;
 *   fuzz:    random blocks (fixed seed; FERRY_BE_FUZZ_N sets the count, default 2000) built
 *            with folding off and on.
 * Derived from test_backend_x64.c, whose generic parts this is; test_backend_x64.c and
 * test_backend_a64.c both run it.
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
#include <ucontext.h>
#include <unistd.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "tests/common/backend_suite.h"

static const BeHost *H;         /* the host under test (be_setup) */

/* ---------------------------------------------------------------- fixture */

#define CODE_SIZE (8u << 20)

static uint8_t guest_mem[MEM_SIZE] __attribute__((aligned(64)));
static csh cs;                  /* Capstone handle, detail on */

/* Test-process state: the code cache and the two trampolines (guest base = guest_mem, and
 * guest base 0 with absolute addresses). */
static struct {
    CodeBuf cb;
    uint8_t *blocks_start;      /* first byte after the trampolines */
    IrGuestInfo gi[2];          /* [1] = with guest base, [0] = without */
    BackendEnterFn enter[2];
} env;

int be_setup(const BeHost *host)
{
    H = host;
    /* Two views of one memfd: writable and executable. */
    int fd = memfd_create("ferry-test-code", 0);
    if (fd < 0 || ftruncate(fd, CODE_SIZE) != 0)
        return -1;
    uint8_t *w = mmap(NULL, CODE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    uint8_t *x = mmap(NULL, CODE_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    close(fd);
    if (w == MAP_FAILED || x == MAP_FAILED)
        return -1;
    env.cb = (CodeBuf){ .start = w, .p = w, .end = w + CODE_SIZE,
                        .exec_delta = (intptr_t)x - (intptr_t)w };
    for (int based = 0; based < 2; based++) {
        /* GPRs: eight fields from 0 (BE_GPR_OFF), which the op, memory and KEEP tests read and
         * write with every type, whole, in part and across fields: a backend that pins them
         * (aarch64) meets every way in and out of its registers. */
        env.gi[based] = (IrGuestInfo){ .pc_offset = PC_OFF, .state_size = STATE_SIZE,
                                       .guest_base = based ? (uint64_t)(uintptr_t)guest_mem : 0,
                                       .gpr_offset = BE_GPR_OFF, .n_gprs = BE_N_GPRS };
        env.enter[based] = (BackendEnterFn)H->be->emit_trampoline(&env.cb, &env.gi[based]);
        if (!env.enter[based])
            return -1;
    }
    env.blocks_start = env.cb.p;
    if (cs_open((cs_arch)H->cs_arch, (cs_mode)H->cs_mode, &cs) != CS_ERR_OK)
        return -1;
    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
    return 0;
}

int be_teardown(void)
{
    munmap(env.cb.start, CODE_SIZE);
    munmap(codebuf_exec_addr(&env.cb, env.cb.start), CODE_SIZE);
    H->set_debug(0);
    cs_close(&cs);
    return 0;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)       /* xorshift64* */
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545F4914F6CDD1Dull;
}

/* The emitted block decodes linearly, instruction by instruction, to its last byte, in exactly
 * the number of instructions the backend counted. */
static void check_disassembly(const uint8_t *code, const BackendBlockInfo *info)
{
    cs_insn *insn = cs_malloc(cs);
    const uint8_t *p = code;
    size_t left = info->data_offset ? info->data_offset : info->code_size;
    uint64_t addr = (uint64_t)(uintptr_t)info->code;
    unsigned n = 0;
    while (left && cs_disasm_iter(cs, &p, &left, &addr, insn))
        n++;
    cs_free(insn, 1);
    if (left != 0 || n != info->host_insns)
        fail_msg("block of %u bytes: %zu bytes left undecoded, %u instructions decoded, %u counted",
                 info->code_size, left, n, info->host_insns);
}

static void verify_or_die(const IrBlock *blk)
{
    char err[256];
    if (!ir_verify(blk, err, sizeof err)) {
        ir_print_block(stderr, blk);
        fail_msg("test built an invalid block: %s", err);
    }
}

void be_sync_code(uint8_t *exec, size_t n)
{
#if !defined(__x86_64__) && !defined(__i386__)
    __builtin___clear_cache((char *)exec, (char *)exec + n);
    /* qemu-user before 8.1 (the aarch64 tests' host) keeps its translations of a page until
     * the page's protection changes, whatever the cache maintenance: change it and back. */
    uintptr_t pg = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t lo = (uintptr_t)exec & ~(pg - 1), hi = ((uintptr_t)exec + n + pg - 1) & ~(pg - 1);
    mprotect((void *)lo, hi - lo, PROT_READ | PROT_WRITE | PROT_EXEC);
    mprotect((void *)lo, hi - lo, PROT_READ | PROT_EXEC);
#else
    (void)exec;
    (void)n;
#endif
}

/* patch_exit, then make the new instruction visible to instruction fetch (as the runtime's
 * rt_cache_sync does). */
static void be_patch(CodeBuf *cb, uint8_t *site, const uint8_t *target)
{
    H->be->patch_exit(cb, site, target);
    be_sync_code(codebuf_exec_addr(cb, site), 16);
}

static bool op_seen[IR_OP_COUNT];   /* ops of the blocks be_compile_in compiled */

/* The host pc -> guest instruction map (ir/backend.h) has one entry per INSN_START, in order,
 * each followed by the entries of fault points of the same guest instruction, at
 * nondecreasing offsets inside the code, with keep lists inside the keeps; or none at all (no
 * map). */
static void check_insn_map(const IrBlock *blk, const BackendBlockInfo *info)
{
    if (info->n_insns == 0)
        return;
    unsigned k = 0;
    int64_t cur = -1;           /* the guest instruction of the entries being passed */
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if (in->op != IR_INSN_START)
            continue;
        uint32_t want = (uint32_t)((uint64_t)in->imm[0] - blk->guest_pc);
        while (k < info->n_insns && info->insns[k].guest_offset != want) {
            assert_int_equal(info->insns[k].guest_offset, cur);    /* a fault point of cur */
            k++;
        }
        assert_true(k < info->n_insns);
        cur = want;
        k++;
    }
    for (; k < info->n_insns; k++)
        assert_int_equal(info->insns[k].guest_offset, cur);
    for (k = 0; k < info->n_insns; k++) {
        const BackendInsnMap *m = &info->insns[k];
        assert_true(m->host_offset <= info->code_size);
        if (k)
            assert_true(m->host_offset >= info->insns[k - 1].host_offset);
        assert_true((uint32_t)m->keep_first + m->n_keep <= info->n_keeps);
    }
}

/* Every op was compiled by the suite, in some block (run last). */
void be_test_op_coverage(void **st)
{
    (void)st;
    unsigned missing = 0;
    for (unsigned op = 1; op < IR_OP_COUNT; op++)
        if (!op_seen[op]) {
            fprintf(stderr, "  op %s never compiled by the suite\n", ir_op_info[op].name);
            missing++;
        }
    assert_int_equal(missing, 0);
}

void be_set_tso(bool on)
{
    env.gi[0].tso = env.gi[1].tso = on;
}

/* Compile blk into the shared cache (recycled when it fills: blocks are independent; code
 * written over old code is synchronised for instruction fetch). */
const uint8_t *be_compile_in(const IrBlock *blk, int based, BackendBlockInfo *info)
{
    return be_compile_gi(blk, &env.gi[based], info);
}

IrGuestInfo be_guest_info(int based)
{
    return env.gi[based];
}

uint64_t be_enter(int based, void *state, const uint8_t *code)
{
    return env.enter[based](state, code);
}

const uint8_t *be_compile_gi(const IrBlock *blk, const IrGuestInfo *gi, BackendBlockInfo *info)
{
    verify_or_die(blk);
    if (env.cb.end - env.cb.p < (1 << 20)) {
        env.cb.p = env.blocks_start;
        be_sync_code(codebuf_exec_addr(&env.cb, env.blocks_start),
                     (size_t)(env.cb.end - env.blocks_start));
    }
    uint8_t *before = env.cb.p;
    int rc = H->be->compile(blk, &env.cb, gi, info);
    if (rc != BE_OK) {
        ir_print_block(stderr, blk);
        fail_msg("compile failed: %d", rc);
    }
    assert_ptr_equal(info->code, codebuf_exec_addr(&env.cb, before));
    assert_int_equal(info->code_size, env.cb.p - before);
    assert_true(info->host_insns > 0 && info->host_insns <= info->code_size);
    check_disassembly(before, info);
    check_insn_map(blk, info);
    for (IrRef r = 1; r < blk->n; r++)
        op_seen[blk->insn[r].op] = true;
    return info->code;
}

static void dump_diff(const char *what, const uint8_t *x, const uint8_t *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            fprintf(stderr, "  %s[0x%zx]: interp %02x, jit %02x\n", what, i, x[i], y[i]);
}

unsigned long be_n_compared;    /* runs compared, reported at the end */

/* Run blk through the interpreter and `code` from the same state0/mem0 and compare. */
void be_run_compare(const IrBlock *blk, const uint8_t *code, int based,
                    const uint8_t *state0, const uint8_t *mem0)
{
    static uint8_t s_int[STATE_SIZE] __attribute__((aligned(16)));
    static uint8_t s_jit[STATE_SIZE] __attribute__((aligned(16)));
    static uint8_t m_int[MEM_SIZE];
    memcpy(s_int, state0, STATE_SIZE);
    memcpy(guest_mem, mem0, MEM_SIZE);
    uint64_t w_int = ir_interp_run(blk, s_int, &env.gi[based]);
    memcpy(m_int, guest_mem, MEM_SIZE);
    memcpy(s_jit, state0, STATE_SIZE);
    memcpy(guest_mem, mem0, MEM_SIZE);
    uint64_t w_jit = env.enter[based](s_jit, code);
    be_n_compared++;
    if (w_int != w_jit || memcmp(s_int, s_jit, STATE_SIZE) || memcmp(m_int, guest_mem, MEM_SIZE)) {
        fprintf(stderr, "mismatch (guest base %s, debug %#x) in block:\n",
                based ? "on" : "off", H->get_debug());
        ir_print_block(stderr, blk);
        fprintf(stderr, "  exit word: interp %#llx, jit %#llx\n", (unsigned long long)w_int,
                (unsigned long long)w_jit);
        dump_diff("state", s_int, s_jit, STATE_SIZE);
        dump_diff("mem", m_int, guest_mem, MEM_SIZE);
        fail_msg("interpreter and backend disagree");
    }
}

const uint8_t zero_mem[MEM_SIZE];

uint8_t *be_guest_mem(void) { return guest_mem; }

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
        H->set_debug(mode ? H->no_regalloc : 0);
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
    H->set_debug(0);
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

static const IrType int_types[4] = { IR_I8, IR_I16, IR_I32, IR_I64 };

/* ---------------------------------------------------------------- op tests */

void be_test_int_binary(void **st)
{
    (void)st;
    static const IrOp ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_MULHU, IR_MULHS, IR_AND, IR_OR,
                                IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_ROL, IR_ROR };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (unsigned k = 0; k < 4; k++)
            check_op(ops[i], int_types[k], 2, int_types[k], int_types[k], IR_VOID, 0);
}

void be_test_int_unary(void **st)
{
    (void)st;
    static const IrOp ops[] = { IR_NEG, IR_NOT, IR_CTZ, IR_CLZ, IR_POPCNT, IR_BSWAP };
    for (unsigned i = 0; i < sizeof ops / sizeof ops[0]; i++)
        for (unsigned k = ops[i] == IR_BSWAP ? 1 : 0; k < 4; k++)
            check_op(ops[i], int_types[k], 1, int_types[k], IR_VOID, IR_VOID, 0);
}

void be_test_widths(void **st)
{
    (void)st;
    for (unsigned d = 0; d < 4; d++)
        for (unsigned s = 0; s < 4; s++) {
            if (s < d) {
                check_op(IR_ZEXT, int_types[d], 1, int_types[s], IR_VOID, IR_VOID, 0);
                check_op(IR_SEXT, int_types[d], 1, int_types[s], IR_VOID, IR_VOID, 0);
            } else if (s > d) {
                check_op(IR_TRUNC, int_types[d], 1, int_types[s], IR_VOID, IR_VOID, 0);
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
            check_op(IR_CMP, IR_I8, 2, int_types[k], int_types[k], IR_VOID, c);
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

void be_test_fused_compare(void **st)
{
    (void)st;
    uint8_t state[STATE_SIZE];
    for (unsigned k = 0; k < 4; k++) {
        ValSet vs = vals_of(int_types[k]);
        for (int cond = 0; cond < IR_COND_COUNT; cond++)
            for (unsigned bc = 0; bc <= vs.n; bc++) {      /* bc == vs.n: b from the state */
                bool bconst = bc < vs.n;
                IrBlock *blk = build_fused(int_types[k], (IrCond)cond, bconst,
                                           bconst ? const_bits(int_types[k], &vs.v[bc]) : 0,
                                           (bc + (unsigned)cond) & 1);
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
    uint8_t state[STATE_SIZE];
    static const IrType ft[2] = { IR_F32, IR_F64 };
    for (unsigned k = 0; k < 2; k++) {
        ValSet vs = vals_of(ft[k]);
        for (int p = 0; p < IR_FCOND_COUNT; p++)
            for (unsigned bc = 0; bc <= vs.n; bc += (bc < vs.n ? 3 : 1)) {
                bool bconst = bc < vs.n;
                IrBlock *blk = build_fused_f(ft[k], (IrFCond)p, bconst,
                                             bconst ? const_bits(ft[k], &vs.v[bc]) : 0);
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
    static const int64_t bytes[] = { 0, 1, 3, 7, 8, 9, 15, 16, 17, 255 };
    for (unsigned i = 0; i < sizeof bytes / sizeof bytes[0]; i++) {
        check_op(IR_VBSLL, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, bytes[i]);
        check_op(IR_VBSRL, IR_V128, 1, IR_V128, IR_VOID, IR_VOID, bytes[i]);
    }
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
        for (unsigned w = 2; w < 4; w++) {
            check_op(IR_F2I, int_types[w], 1, ft[k], IR_VOID, IR_VOID, 0);
            check_op(IR_F2I_RN, int_types[w], 1, ft[k], IR_VOID, IR_VOID, 0);
            check_op(IR_I2F, ft[k], 1, int_types[w], IR_VOID, IR_VOID, 0);
        }
        check_op(IR_FCVT, ft[k], 1, ft[1 - k], IR_VOID, IR_VOID, 0);
    }
}

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
    uint64_t base = based ? 0 : (uint64_t)(uintptr_t)guest_mem;
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
        mem0[i] = (uint8_t)rnd();
    for (unsigned i = 0; i < 64; i++)
        hload_table[i] = rnd() * 0x9e3779b97f4a7c15ull;
    for (unsigned k = 0; k < N_ALL_TYPES; k++)
        for (int based = 0; based < 2; based++)
            for (unsigned variant = 0; variant < 8; variant++) {
                H->set_debug(variant & 2 ? H->no_regalloc : 0);
                be_set_tso(variant & 4);        /* also with x86's memory order */
                IrBlock *blk = build_mem(all_types[k], based, variant);
                BackendBlockInfo info;
                const uint8_t *code = be_compile_in(blk, based, &info);
                for (unsigned run = 0; run < 4; run++) {
                    for (unsigned i = 0; i < STATE_SIZE; i++)
                        state[i] = (uint8_t)rnd();
                    be_run_compare(blk, code, based, state, mem0);
                }
                ir_block_free(blk);
            }
    H->set_debug(0);
    be_set_tso(false);
}

/* ---------------------------------------------------------------- register pressure */

/* More live values than registers: the allocator must fall back to slots, for GPR and XMM
 * values, and keep every value intact. */
void be_test_pressure(void **st)
{
    (void)st;
    for (unsigned mode = 0; mode < 2; mode++) {
        H->set_debug(mode ? H->no_regalloc : 0);
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
                state[i] = (uint8_t)rnd();
            be_run_compare(blk, code, 0, state, zero_mem);
        }
        ir_block_free(blk);
    }
    H->set_debug(0);
}

/* ---------------------------------------------------------------- calls */

static void *helper_state_seen;
static unsigned helper_misaligned;

/* A helper that reads and writes the state and checks the SysV stack alignment: its frame
 * address (rbp after the push) is 16-byte aligned exactly when rsp was at the call. */
static uint64_t helper_mix(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
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
    IrRef r1 = ir_call(&b, IR_I64, helper_mix, live[0], live[1], live[2]);
    IrRef r2 = ir_call(&b, IR_I64, helper_mix, ir_const(&b, IR_I64, 7), IR_NONE, live[3]);
    ir_call(&b, IR_VOID, helper_mix, IR_NONE, IR_NONE, IR_NONE);
    IrRef small = ir_op2(&b, IR_ADD, IR_I8, ir_get(&b, IR_I8, 0x9), ir_const(&b, IR_I8, 0xf0));
    IrRef r3 = ir_call(&b, IR_I64, helper_mix, small, r1, r2);
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
        H->set_debug(variant & 2 ? H->no_regalloc : 0);
        be_set_tso(variant & 4);
        IrBlock *blk = build_call(variant);
        BackendBlockInfo info;
        const uint8_t *code = be_compile_in(blk, 1, &info);
        for (unsigned run = 0; run < 4; run++) {
            for (unsigned i = 0; i < STATE_SIZE; i++)
                state[i] = (uint8_t)rnd();
            helper_misaligned = 0;
            be_run_compare(blk, code, 1, state, zero_mem);
            assert_int_equal(helper_misaligned, 0);
        }
        ir_block_free(blk);
    }
    H->set_debug(0);
    be_set_tso(false);

    /* The state pointer the helper gets is the one the block runs with. */
    IrBlock *blk = ir_block_new(0x5000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    ir_call(&b, IR_VOID, helper_mix, ir_const(&b, IR_I64, 1), ir_const(&b, IR_I64, 2),
            ir_const(&b, IR_I64, 3));
    ir_exit(&b, IR_NONE, 0x5200, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    BackendBlockInfo info;
    const uint8_t *code = be_compile_in(blk, 0, &info);
    memset(state, 0, sizeof state);
    env.enter[0](state, code);
    assert_ptr_equal(helper_state_seen, state);
    uint64_t a[3];
    memcpy(a, state + 0x40, sizeof a);
    assert_int_equal(a[0], 1);
    assert_int_equal(a[1], 2);
    assert_int_equal(a[2], 3);
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- exits and chaining */

static uint64_t state_pc(const uint8_t *state)
{
    uint64_t pc;
    memcpy(&pc, state + PC_OFF, 8);
    return pc;
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
        const uint8_t *w = env.cb.p - info.code_size;
        assert_true(info.exits[0].patch_offset != 0);
        assert_true(H->is_patch_site(w + info.exits[0].patch_offset));
        assert_int_equal(info.exits[0].target_pc, 0x111);
        assert_int_equal(info.exits[1].patch_offset, 0);       /* syscall: not chainable */
        assert_int_equal(info.exits[2].patch_offset, 0);
        if (indirect) {
            assert_int_equal(info.exits[3].patch_offset, 0);
        } else {
            assert_int_equal(info.exits[3].target_pc, 0x123456789abcull);
            assert_true(H->is_patch_site(w + info.exits[3].patch_offset));
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
            uint64_t word = env.enter[0](state, code);
            assert_int_equal(IR_EXIT_WORD_INDEX(word), cases[i].index);
            if (i < 3) {
                assert_int_equal(word & IR_EXIT_WORD_MASK, cases[i].word);
                assert_int_equal(state_pc(state), cases[i].pc);
            } else {
                assert_int_equal(IR_EXIT_WORD_KIND(word),
                                 indirect ? IR_EXIT_INDIRECT : IR_EXIT_JUMP);
                assert_int_equal(state_pc(state), indirect ? d : 0x123456789abcull);
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
    const uint8_t *w = env.cb.p - info.code_size;
    assert_int_equal(info.n_exits, 3);
    for (unsigned i = 0; i < 3; i++)
        assert_true(H->is_patch_site(w + info.exits[i].patch_offset));
    uint8_t state[STATE_SIZE] = { 0 };
    be_run_compare(blk, code, 0, state, zero_mem);
    assert_int_equal(env.enter[0](state, code), 1ull << 32);
    assert_int_equal(state_pc(state), 0x222);
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
    uint8_t *wa = env.cb.p - ia.code_size;
    be_compile_in(bb, 1, &ib);
    uint8_t *wb = env.cb.p - ib.code_size;
    assert_int_equal(ia.n_exits, 2);
    assert_int_equal(ia.exits[1].target_pc, 0x7100);

    uint8_t state[STATE_SIZE] = { 0 };
    uint64_t word = env.enter[1](state, ia.code);
    assert_int_equal(IR_EXIT_WORD_INDEX(word), 1);
    assert_int_equal(IR_EXIT_WORD_KIND(word), IR_EXIT_JUMP);
    assert_int_equal(state_pc(state), 0x7100);
    assert_int_equal(state[0x10], 1);

    be_patch(&env.cb, wa + ia.exits[1].patch_offset, ib.code);
    memset(state, 0, sizeof state);
    word = env.enter[1](state, ia.code);
    assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0) | (1ull << 32));
    assert_int_equal(state_pc(state), 0x7200);
    assert_int_equal(state[0x10], 101);

    /* a loop: B's exit 0 back to A; A's halt exit ends it after the counter passes 1000 */
    be_patch(&env.cb, wb + ib.exits[0].patch_offset, ia.code);
    memset(state, 0, sizeof state);
    state[0x18] = 1;
    word = env.enter[1](state, ia.code);
    assert_int_equal(word & IR_EXIT_WORD_MASK, IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
    assert_int_equal(IR_EXIT_WORD_INDEX(word), 0);
    assert_int_equal(state_pc(state), 0x7f00);
    uint64_t counter;
    memcpy(&counter, state + 0x10, 8);
    assert_int_equal(counter, 1011);   /* A sees 0, 101, ..., 1010 > 1000, adds 1, halts */

    /* unpatch: A returns alone again */
    be_patch(&env.cb, wa + ia.exits[1].patch_offset, NULL);
    memset(state, 0, sizeof state);
    word = env.enter[1](state, ia.code);
    assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0) | (1ull << 32));
    assert_int_equal(state[0x10], 1);
    ir_block_free(ba);
    ir_block_free(bb);
}

/* An indirect exit probes the jump cache at state + jc_offset (ir/backend.h) and jumps
 * straight to the block it finds; a NULL code pointer or another pc in the entry is a miss,
 * which returns to the runtime with the guest pc stored. */
void be_test_indirect_jump_cache(void **st)
{
    (void)st;
    enum { JC_BITS = 4, JC_OFF = STATE_SIZE };
    IrGuestInfo gi = env.gi[1];
    gi.jc_offset = JC_OFF;
    gi.jc_bits = JC_BITS;
    IrBlock *ba = ir_block_new(0x8000), *bb = ir_block_new(0x8100);
    IrBuilder b;
    ir_builder_init(&b, ba);
    ir_exit(&b, ir_get(&b, IR_I64, 0x20), 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    ir_builder_fini(&b);
    ir_builder_init(&b, bb);
    ir_put(&b, 0x30, ir_const(&b, IR_I64, 0x55));
    ir_exit(&b, IR_NONE, 0x8200, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    ir_builder_fini(&b);
    BackendBlockInfo ia, ib;
    verify_or_die(ba);
    verify_or_die(bb);
    assert_int_equal(H->be->compile(ba, &env.cb, &gi, &ia), BE_OK);
    check_disassembly(env.cb.p - ia.code_size, &ia);
    assert_int_equal(H->be->compile(bb, &env.cb, &gi, &ib), BE_OK);

    static uint64_t mem[(STATE_SIZE + (BACKEND_JC_ENTRY_SIZE << JC_BITS)) / 8];
    uint8_t *state = (uint8_t *)mem;
    uint64_t *jc = mem + JC_OFF / 8;
    const uint64_t target = 0x8103;     /* entry 3: a non-zero index catches a bad scale */
    unsigned idx = (unsigned)((target ^ (target >> JC_BITS)) & ((1u << JC_BITS) - 1));
    uint64_t *entry = jc + idx * (BACKEND_JC_ENTRY_SIZE / 8);
    for (int c = 0; c < 4; c++) {
        memset(mem, 0, sizeof mem);
        memcpy(state + 0x20, &target, 8);
        if (c == 0 || c == 1)
            entry[0] = target;              /* 0: hit; 1: right pc, no code (interpreted) */
        if (c == 0)
            entry[1] = (uint64_t)(uintptr_t)ib.code;
        if (c == 2) {                       /* another pc in the entry */
            entry[0] = target + 0x1000;
            entry[1] = (uint64_t)(uintptr_t)ib.code;
        }
        if (c == 3)                         /* the neighbouring entry holds it */
            entry[BACKEND_JC_ENTRY_SIZE / 8] = target, entry[BACKEND_JC_ENTRY_SIZE / 8 + 1] =
                (uint64_t)(uintptr_t)ib.code;
        uint64_t word = env.enter[1](state, ia.code);
        uint64_t pc = state_pc(state), out;
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
    ir_block_free(bb);
}

/* Interrupt checks (ir/backend.h): with IrGuestInfo.irq_offset set, a backward direct exit
 * (target <= the block's pc) and an indirect exit's jump-cache hit leave to the runtime when
 * the word is non-zero, even when chained; a forward exit stays chained. */
void be_test_interrupt_check(void **st)
{
    (void)st;
    enum { IRQ = 0x1f0, JC_BITS = 4, JC_OFF = STATE_SIZE };
    IrGuestInfo gi = env.gi[1];
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
        verify_or_die(blks[i]);
        assert_int_equal(H->be->compile(blks[i], &env.cb, &gi, &info[i]), BE_OK);
        w[i] = env.cb.p - info[i].code_size;
        check_disassembly(w[i], &info[i]);
    }
    /* A -> A, unless the backend compiled A as a loop (a back edge without a patch site:
     * ir/backend.h), which must behave the same */
    if (info[0].exits[1].patch_offset)
        be_patch(&env.cb, w[0] + info[0].exits[1].patch_offset, info[0].code);
    be_patch(&env.cb, w[1] + info[1].exits[0].patch_offset, info[2].code);   /* B -> C */

    static uint64_t mem[(STATE_SIZE + (BACKEND_JC_ENTRY_SIZE << JC_BITS)) / 8];
    uint8_t *state = (uint8_t *)mem;
    uint32_t irq = 1;
    uint64_t counter, out;
    for (int set = 0; set < 2; set++) {
        memset(mem, 0, sizeof mem);
        memcpy(state + IRQ, set ? &irq : &(uint32_t){ 0 }, 4);
        uint64_t word = env.enter[1](state, info[0].code);
        memcpy(&counter, state + 0x10, 8);
        if (set) {      /* out at the first backward exit, pc stored */
            assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0) | (1ull << 32));
            assert_int_equal(state_pc(state), 0x9000);
            assert_int_equal(counter, 1);
        } else {
            assert_int_equal(word & IR_EXIT_WORD_MASK, IR_EXIT_WORD(IR_EXIT_HALT, 0, 0));
            assert_int_equal(counter, 1001);
        }
        /* forward: chained whatever the word says */
        word = env.enter[1](state, info[1].code);
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
        word = env.enter[1](state, info[3].code);
        memcpy(&out, state + 0x30, 8);
        if (set) {
            assert_int_equal(word, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
            assert_int_equal(state_pc(state), target);
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
    IrBlock *blk = ir_block_new(0x8000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    IrRef v = ir_get(&b, IR_I64, 0);
    for (unsigned i = 0; i < 200; i++)
        v = ir_op2(&b, IR_ADD, IR_I64, v, ir_get(&b, IR_I64, 8 * (i % 30)));
    ir_put(&b, 8, v);
    ir_exit(&b, IR_NONE, 0x8100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    verify_or_die(blk);

    /* A buffer too small for the block: FULL, p unchanged. */
    static uint8_t small[CODEBUF_RED_ZONE + 600] __attribute__((aligned(16)));
    CodeBuf cb = { small, small, small + sizeof small, 0 };
    BackendBlockInfo info;
    assert_int_equal(H->be->compile(blk, &cb, &env.gi[0], &info), BE_ERR_FULL);
    assert_ptr_equal(cb.p, small);
    cb.end = small + CODEBUF_RED_ZONE - 1;
    assert_int_equal(H->be->compile(blk, &cb, &env.gi[0], &info), BE_ERR_FULL);
    assert_ptr_equal(cb.p, small);
    cb.end = small + 100;               /* less than a trampoline */
    assert_null(H->be->emit_trampoline(&cb, &env.gi[0]));
    assert_ptr_equal(cb.p, small);
    ir_block_free(blk);

    /* More exits than BACKEND_MAX_EXITS. */
    blk = ir_block_new(0x8000);
    ir_builder_init(&b, blk);
    for (unsigned i = 0; i < BACKEND_MAX_EXITS + 1; i++)
        ir_exit_if(&b, ir_get(&b, IR_I8, i), 0x9000 + i, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_exit(&b, IR_NONE, 0x8100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    verify_or_die(blk);
    uint8_t *p0 = env.cb.p;
    assert_int_equal(H->be->compile(blk, &env.cb, &env.gi[0], &info), BE_ERR_TOO_BIG);
    assert_ptr_equal(env.cb.p, p0);
    ir_block_free(blk);

    /* More live values than spill slots (and registers). */
    blk = ir_block_new(0x8000);
    ir_builder_init(&b, blk);
    b.fold = false;
    const unsigned N = H->frame_slots + 40;
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
    verify_or_die(blk);
    assert_int_equal(H->be->compile(blk, &env.cb, &env.gi[0], &info), BE_ERR_TOO_BIG);
    assert_ptr_equal(env.cb.p, p0);
    ir_block_free(blk);
}

/* ---------------------------------------------------------------- random blocks */

typedef struct Gen {
    IrBuilder b;
    int based;
    bool fields;            /* PUTs to a few overlapping fields (be_test_keeps), not anywhere */
    IrRef pool[IR_TYPE_COUNT][48];
    unsigned npool[IR_TYPE_COUNT];
    unsigned exits;
} Gen;

static unsigned rn(unsigned n) { return (unsigned)(rnd() % n); }

static void pool_add(Gen *g, IrType t, IrRef v)
{
    if (v == IR_NONE)
        return;
    unsigned *n = &g->npool[t];
    if (*n < 48)
        g->pool[t][(*n)++] = v;
    else
        g->pool[t][rn(48)] = v;
}

/* be_test_keeps' FKEEP fields: four I64 fields that, like the frontend's flag fields, are
 * only ever written whole (PUT or FKEEP), all four PUT before every CALL, and never read by
 * a GET. */
#define FK_OFF 0x1c0
#define FK_N 4

static IrRef pick(Gen *g, IrType t);

static void gen_fk_flush(Gen *g)
{
    for (unsigned i = 0; i < FK_N; i++)
        ir_put(&g->b, FK_OFF + 8 * i, pick(g, IR_I64));
}

static IrRef gen_leaf(Gen *g, IrType t)
{
    IrRef v;
    if (rn(3) != 0 || t == IR_V256 || t == IR_F80) {
        /* fields: never the FKEEP fields (be_test_keeps), which only faults see */
        unsigned top = g->fields ? FK_OFF : STATE_SIZE;
        v = ir_get(&g->b, t, rn(top - ir_type_size(t) + 1));
    } else {
        uint64_t x = rnd();
        switch (rn(4)) {
        case 0: x &= 0xff; break;
        case 1: x = (uint64_t)-(int64_t)(x & 3); break;
        default: break;
        }
        if (ir_type_bits(t) < 64)
            x &= (1ull << ir_type_bits(t)) - 1;
        v = ir_const(&g->b, t, x);
    }
    pool_add(g, t, v);
    return v;
}

static IrRef pick(Gen *g, IrType t)
{
    if (g->npool[t] && rn(4) != 0)
        return g->pool[t][rn(g->npool[t])];
    return gen_leaf(g, t);
}

static IrType rand_int_type(void) { return int_types[rn(4)]; }

/* A guest address inside guest_mem with room for `size` bytes. */
static IrRef gen_addr(Gen *g, unsigned size)
{
    IrBuilder *b = &g->b;
    IrRef x = ir_op2(b, IR_AND, IR_I64, pick(g, IR_I64),
                     ir_const(b, IR_I64, (MEM_SIZE - 64) & ~(uint64_t)15));
    uint64_t base = g->based ? 0 : (uint64_t)(uintptr_t)guest_mem;
    return ir_op2(b, IR_ADD, IR_I64, x, ir_const(b, IR_I64, base + rn(64 - size + 1)));
}

static void gen_insn(Gen *g)
{
    IrBuilder *b = &g->b;
    IrType t = rand_int_type();
    IrRef v = IR_NONE;
    unsigned k = rn(40);
    switch (k) {
    case 0: case 1: case 2: case 3: case 4: case 5: {
        static const IrOp ops[] = { IR_ADD, IR_SUB, IR_MUL, IR_MULHU, IR_MULHS, IR_AND, IR_OR,
                                    IR_XOR, IR_SHL, IR_SHR, IR_SAR, IR_ROL, IR_ROR };
        v = ir_op2(b, ops[rn(13)], t, pick(g, t), pick(g, t));
        break;
    }
    case 6: case 7: {
        static const IrOp ops[] = { IR_NEG, IR_NOT, IR_CTZ, IR_CLZ, IR_POPCNT, IR_BSWAP };
        IrOp op = ops[rn(6)];
        if (op == IR_BSWAP && t == IR_I8)
            t = IR_I32;
        v = ir_op1(b, op, t, pick(g, t));
        break;
    }
    case 8: {
        IrType s = rand_int_type();
        if (s == t)
            break;
        IrOp op = s < t ? (rn(2) ? IR_ZEXT : IR_SEXT) : IR_TRUNC;
        v = ir_op1(b, op, t, pick(g, s));
        break;
    }
    case 11: case 12: {
        static const IrType st[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128,
                                     IR_I128, IR_F80, IR_V256 };
        t = st[rn(10)];
        v = ir_select(b, t, pick(g, IR_I8), pick(g, t), pick(g, t));
        break;
    }
    case 13: {
        static const IrType from[] = { IR_I32, IR_F32, IR_I64, IR_F64, IR_V128, IR_I128 };
        static const IrType to[] = { IR_F32, IR_I32, IR_F64, IR_I64, IR_I128, IR_V128 };
        unsigned i = rn(6);
        t = to[i];
        v = ir_op1(b, IR_BITCAST, t, pick(g, from[i]));
        break;
    }
    case 14: case 15: case 16: {
        static const IrOp ops[] = { IR_VAND, IR_VOR, IR_VXOR, IR_VANDN, IR_VADD, IR_VSUB,
                                    IR_VCMPEQ, IR_VCMPGTS, IR_VUNPACKLO, IR_VUNPACKHI,
                                    IR_VSUBUSAT, IR_VMINU, IR_VMAXU };
        IrOp op = ops[rn(13)];
        int64_t lane = op <= IR_VANDN ? 0 : op >= IR_VSUBUSAT ? 8 << rn(2) : 8 << rn(4);
        t = IR_V128;
        v = ir_emit(b, op, t, pick(g, t), pick(g, t), IR_NONE, lane, 0);
        break;
    }
    case 17: {
        static const IrOp ops[] = { IR_VSHUF32, IR_VSHUFLO16, IR_VSHUFHI16, IR_VBSLL, IR_VBSRL };
        IrOp op = ops[rn(5)];
        t = IR_V128;
        v = ir_emit(b, op, t, pick(g, t), IR_NONE, IR_NONE,
                    op >= IR_VBSLL ? rn(20) : rn(256), 0);
        break;
    }
    case 18: {
        static const IrOp ops[] = { IR_VSHLI, IR_VSHRI, IR_VSARI };
        IrRef cnt = pick(g, IR_I64);
        if (rn(3))
            cnt = ir_op2(b, IR_AND, IR_I64, cnt, ir_const(b, IR_I64, 0x7f));
        t = IR_V128;
        v = ir_emit(b, ops[rn(3)], t, pick(g, t), cnt, IR_NONE, 8 << rn(4), 0);
        break;
    }
    case 19:
        switch (rn(6)) {
        case 0: t = IR_I32; v = ir_emit(b, IR_VMOVMSK, t, pick(g, IR_V128), 0, 0, 8 << rn(4), 0); break;
        case 1: t = IR_V128; v = ir_op1(b, IR_VFROM64, t, pick(g, IR_I64)); break;
        case 2: t = IR_V128; v = ir_emit(b, IR_VINSERT64, t, pick(g, t), pick(g, IR_I64), 0, rn(2), 0); break;
        case 3: t = rn(2) ? IR_F32 : IR_F64; v = ir_op1(b, IR_VLOWF, t, pick(g, IR_V128)); break;
        case 4: t = IR_V128; v = ir_op2(b, IR_VSETLOWF, t, pick(g, t), pick(g, rn(2) ? IR_F32 : IR_F64)); break;
        default: t = IR_I64; v = ir_emit(b, IR_VEXTRACT64, t, pick(g, IR_V128), 0, 0, rn(2), 0); break;
        }
        break;
    case 20: case 21: case 22: {
        static const IrOp ops[] = { IR_FADD, IR_FSUB, IR_FMUL, IR_FDIV, IR_FMIN, IR_FMAX };
        static const IrOp vops[] = { IR_VFADD, IR_VFSUB, IR_VFMUL, IR_VFDIV, IR_VFMIN,
                                     IR_VFMAX, IR_VFSQRT, IR_VFCMP };
        if (rn(3) == 0) {       /* packed */
            IrOp op = vops[rn(8)];
            t = IR_V128;
            v = ir_emit(b, op, t, pick(g, t), op == IR_VFSQRT ? IR_NONE : pick(g, t), IR_NONE,
                        32 << rn(2), op == IR_VFCMP ? rn(IR_FCOND_COUNT) : 0);
            break;
        }
        t = rn(2) ? IR_F32 : IR_F64;
        v = ir_op2(b, ops[rn(6)], t, pick(g, t), pick(g, t));
        break;
    }
    case 23: {
        IrType ft = rn(2) ? IR_F32 : IR_F64;
        switch (rn(6)) {
        case 0: t = ft; v = ir_op1(b, IR_FSQRT, t, pick(g, t)); break;
        case 1: t = IR_I8; v = ir_emit(b, IR_FCMP, t, pick(g, ft), pick(g, ft), 0, rn(8), 0); break;
        case 2: t = rn(2) ? IR_I32 : IR_I64; v = ir_op1(b, rn(2) ? IR_F2I : IR_F2I_RN, t, pick(g, ft)); break;
        case 3: t = ft; v = ir_op1(b, IR_I2F, t, pick(g, rn(2) ? IR_I32 : IR_I64)); break;
        default: t = ft; v = ir_op1(b, IR_FCVT, t, pick(g, ft == IR_F32 ? IR_F64 : IR_F32)); break;
        }
        break;
    }
    case 24: case 25: {
        static const IrType lt[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128,
                                     IR_I128, IR_F80, IR_V256 };
        t = lt[rn(10)];
        v = ir_load(b, t, gen_addr(g, ir_type_size(t)));
        break;
    }
    case 26: case 27: {
        static const IrType lt[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128,
                                     IR_I128, IR_F80, IR_V256 };
        IrType st = lt[rn(10)];
        ir_store(b, gen_addr(g, ir_type_size(st)), pick(g, st));
        return;
    }
    case 28: case 29: {
        static const IrType pt[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128,
                                     IR_I128, IR_F80, IR_V256 };
        IrType st = pt[rn(10)];
        /* fields: eight offsets that PUTs of different types overlap in part or in full, so
         * PUTs are overwritten (KEEPs after opt_run) and partly overwritten or read */
        static const unsigned field[8] = { 0x00, 0x08, 0x10, 0x20, 0x30, 0x38, 0x40, 0x60 };
        ir_put(b, g->fields ? field[rn(8)] : rn(STATE_SIZE - ir_type_size(st) + 1),
               pick(g, st));
        return;
    }
    case 30:
        if (g->exits < 3) {
            g->exits++;
            IrRef c = rn(2) ? pick(g, IR_I8)
                            : ir_cmp(b, (IrCond)rn(IR_COND_COUNT), pick(g, IR_I32),
                                     pick(g, IR_I32));
            int64_t word = rn(4) ? IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0)
                                 : IR_EXIT_WORD(IR_EXIT_TRAP, rn(32), rn(65536));
            ir_exit_if(b, c, rnd() >> rn(64), word);
        }
        return;
    case 31:
        if (rn(4) == 0) {
            if (g->fields)
                gen_fk_flush(g);    /* as the frontend flushes the flags before a helper */
            IrRef a0 = rn(2) ? pick(g, rand_int_type()) : IR_NONE;
            t = IR_I64;
            v = ir_call(b, rn(3) ? IR_I64 : IR_VOID, helper_mix, a0, pick(g, rand_int_type()),
                        pick(g, IR_I64));
            if (ir_value_type(b->blk, v) != IR_I64)
                v = IR_NONE;
        }
        break;
    default: {  /* comparisons feeding selects and exits */
        IrType ct = rand_int_type();
        t = IR_I8;
        v = ir_cmp(b, (IrCond)rn(IR_COND_COUNT), pick(g, ct), pick(g, ct));
        break;
    }
    }
    if (v != IR_NONE && ir_value_type(b->blk, v) == t)
        pool_add(g, t, v);
}

static IrBlock *gen_block(uint64_t seed, int based, bool fold)
{
    rng_state = seed;
    Gen g;
    memset(&g, 0, sizeof g);
    g.based = based;
    IrBlock *blk = ir_block_new(0x10000);
    ir_builder_init(&g.b, blk);
    g.b.fold = fold;
    unsigned n = rn(8) == 0 ? 100 + rn(150) : 4 + rn(60);   /* some long, register-hungry */
    for (unsigned i = 0; i < n; i++) {
        if (rn(4) == 0)             /* guest instruction boundaries: the host pc map */
            ir_insn_start(&g.b, 0x10000 + 3 * i, 3);
        gen_insn(&g);
    }
    /* make results observable */
    static const IrType pt[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F32, IR_F64, IR_V128 };
    for (unsigned i = 0; i < 7; i++)
        if (g.npool[pt[i]])
            ir_put(&g.b, rn(STATE_SIZE - 16), g.pool[pt[i]][rn(g.npool[pt[i]])]);
    if (rn(4) == 0)
        ir_exit(&g.b, pick(&g, IR_I64), 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    else
        ir_exit(&g.b, IR_NONE, rnd() >> rn(64), IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&g.b);
    return blk;
}

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

static uintptr_t uc_pc(const void *ucv)
{
    const ucontext_t *uc = ucv;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
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
        uintptr_t pc = uc_pc(ucv);
        flt.guest_off = -1;
        if (pc >= (uintptr_t)info->code && pc < (uintptr_t)info->code + info->code_size) {
            if (H->be->pinned) {    /* the pinned registers first, as runtime/fault.c does */
                BackendKeep pins[BACKEND_MAX_PINNED];
                unsigned np = H->be->pinned(&env.gi[0], pins);
                ir_keep_apply(pins, np, ucv, flt.state);
            }
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
                ir_keep_apply(info->keeps + m->keep_first, m->n_keep, ucv, flt.state);
                flt.guest_off = (int)m->guest_offset;
                break;
            }
        }
    }
    flt.armed = 0;
    siglongjmp(flt.jb, 1);
}

/* Run blk through the interpreter from state0/mem0 to its exit or to the fault of its access
 * to the bad page: the exit word, or ~0 for the fault. */
static uint64_t interp_faulting(const IrBlock *blk, int based, uint8_t *st, uint8_t *mem,
                                const uint8_t *state0, const uint8_t *mem0)
{
    volatile uint64_t w = 0;
    memcpy(st, state0, STATE_SIZE);
    memcpy(guest_mem, mem0, MEM_SIZE);
    flt.armed = 1;
    if (sigsetjmp(flt.jb, 1) == 0)
        w = ir_interp_run(blk, st, &env.gi[based]);
    else
        w = ~0ull;
    flt.armed = 0;
    memcpy(mem, guest_mem, MEM_SIZE);
    return w;
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
    memcpy(guest_mem, mem0, MEM_SIZE);
    flt.info = info;
    flt.state = s_jit;
    flt.guest_off = -2;
    flt.armed = 2;
    if (sigsetjmp(flt.jb, 1) == 0)
        w_jit = env.enter[based](s_jit, code);
    else
        w_jit = ~0ull;
    flt.armed = 0;
    be_n_compared++;
    bool off_ok = w_jit != ~0ull || flt.guest_off == expect_off;
    if (w_int != w_jit || !off_ok || memcmp(s_int, s_jit, STATE_SIZE) ||
        memcmp(m_int, guest_mem, MEM_SIZE)) {
        fprintf(stderr, "mismatch (guest base %s, debug %#x) in block:\n",
                based ? "on" : "off", H->get_debug());
        ir_print_block(stderr, blk);
        fprintf(stderr, "optimised:\n");
        ir_print_block(stderr, opt);
        fprintf(stderr, "  exit word: interp %#llx, jit %#llx (~0: fault); fault at guest "
                "offset %d, expected %d\n", (unsigned long long)w_int,
                (unsigned long long)w_jit, flt.guest_off, expect_off);
        dump_diff("state", s_int, s_jit, STATE_SIZE);
        dump_diff("mem", m_int, guest_mem, MEM_SIZE);
        fail_msg("the state at a fault or exit differs from the unoptimised block's");
    }
}

/* Random blocks whose PUTs overwrite each other (gen_insn with fields), most with one load or
 * store of the bad page somewhere: opt_run turns the overwritten PUTs into KEEPs, and the
 * compiled code, completed at the fault from its map (ir_keep_apply), must leave the state
 * the unoptimised block leaves in the interpreter; so must its side exits and its end.
 * Every kind of location (register, vector register, slot, constant) must turn up. */
void be_test_keeps(void **st)
{
    (void)st;
    bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(bad_page != MAP_FAILED);
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    memset(keep_kinds, 0, sizeof keep_kinds);
    keep_addends = 0;
    unsigned n = 1500, faults = 0, keeps = 0, fkeeps = 0, skipped = 0;
    const char *env_n = getenv("FERRY_BE_FUZZ_N");
    if (env_n && atoi(env_n) > 0)
        n = (unsigned)atoi(env_n);
    static uint8_t state[STATE_SIZE], mem0[MEM_SIZE];
    for (unsigned i = 0; i < n; i++) {
        uint64_t seed = 0xfa170000ull + i;
        int based = (int)(i & 1);
        IrBlock *blk[3];
        int expect_off = -1;
        for (int copy = 0; copy < 3; copy++) {  /* the same block: as is, optimised, and with
                                                   its FKEEPs made PUTs */
            rng_state = seed;
            Gen g;
            memset(&g, 0, sizeof g);
            g.based = based;
            g.fields = true;
            blk[copy] = ir_block_new(0x10000);
            ir_builder_init(&g.b, blk[copy]);
            unsigned len = 8 + rn(50), bad_at = rn(3) ? rn(len) : len;
            uint64_t insn_pc = 0x10000;
            for (unsigned k = 0; k < len; k++) {
                if (k == 0 || k == bad_at || rn(3) == 0) {
                    insn_pc = 0x10000 + 3 * k;
                    ir_insn_start(&g.b, insn_pc, 3);
                }
                if (k == bad_at) {          /* the access that faults */
                    static const IrType bt[] = { IR_I8, IR_I32, IR_I64, IR_F64, IR_V128,
                                                 IR_F80, IR_V256 };
                    IrType t = bt[rn(7)];
                    uint64_t a = (uint64_t)(uintptr_t)bad_page -
                                 (based ? (uint64_t)(uintptr_t)guest_mem : 0);
                    IrRef addr = ir_const(&g.b, IR_I64, a);
                    if (rn(2))
                        pool_add(&g, t, ir_load(&g.b, t, addr));
                    else
                        ir_store(&g.b, addr, pick(&g, t));
                    expect_off = (int)(insn_pc - 0x10000);
                }
                gen_insn(&g);
                if (rn(4) == 0) {           /* FKEEPs, as the frontend says the flags */
                    for (unsigned j = 0; j < FK_N; j++)
                        if (rn(2)) {
                            IrRef v = pick(&g, IR_I64);
                            if (rn(3) == 0)
                                v = ir_op2(&g.b, IR_ADD, IR_I64, v,
                                           ir_const(&g.b, IR_I64, rnd() >> rn(64)));
                            ir_emit(&g.b, IR_FKEEP, IR_VOID, v, IR_NONE, IR_NONE,
                                    FK_OFF + 8 * j, 0);
                        }
                } else if (rn(8) == 0) {
                    gen_fk_flush(&g);
                }
                if (rn(2) == 0) {           /* a PUT to a field, mostly of its own type */
                    static const struct { unsigned off; IrType t; } f[8] = {
                        { 0x00, IR_I64 }, { 0x08, IR_I32 }, { 0x10, IR_V128 },
                        { 0x20, IR_F64 }, { 0x30, IR_I64 }, { 0x38, IR_I8 },
                        { 0x40, IR_V256 }, { 0x60, IR_F80 },
                    };
                    static const IrType any[] = { IR_I8, IR_I16, IR_I32, IR_I64, IR_F64,
                                                  IR_V128 };
                    unsigned j = rn(8);
                    IrRef v = pick(&g, rn(4) ? f[j].t : any[rn(6)]);
                    if (f[j].t == IR_I64 && rn(2)) {    /* rsp + k, as pops and pushes do */
                        uint64_t k = rn(2) ? (uint64_t)(int64_t)(int8_t)rnd() : rnd();
                        v = ir_op2(&g.b, IR_ADD, IR_I64, pick(&g, IR_I64),
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
        H->set_debug(i % 4 == 3 ? H->no_regalloc : 0);
        static BackendBlockInfo info;
        const uint8_t *code = be_compile_in(blk[1], based, &info);
        rng_state = seed ^ 0x1234567;
        for (unsigned run = 0; run < 3; run++) {
            for (unsigned k = 0; k < STATE_SIZE; k++)
                state[k] = (uint8_t)rnd();
            for (unsigned k = 0; k < MEM_SIZE; k += 8) {
                uint64_t x = rnd();
                memcpy(mem0 + k, &x, 8);
            }
            unsigned long before = be_n_compared;
            run_compare_faulting(blk[0], blk[2], blk[1], code, &info, based, expect_off, state,
                                 mem0);
            faults += flt.guest_off >= 0 && be_n_compared > before;
        }
        for (int copy = 0; copy < 3; copy++)
            ir_block_free(blk[copy]);
    }
    H->set_debug(0);
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    munmap(bad_page, 4096);
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
    rng_state = seed;
    Gen g;
    memset(&g, 0, sizeof g);
    g.based = based;
    g.fields = true;
    IrBlock *blk = ir_block_new(LOOP_PC);
    ir_builder_init(&g.b, blk);
    IrBuilder *b = &g.b;
    ir_insn_start(b, LOOP_PC, 3);
    IrRef cnt = ir_get(b, IR_I64, LOOP_CNT);
    for (unsigned j = 0; j < 6; j++) {
        unsigned off = LOOP_REGS + 8 * rn(16);
        pool_add(&g, IR_I64, ir_get(b, IR_I64, off));
        pool_add(&g, IR_I32, ir_get(b, IR_I32, off));
    }
    unsigned len = 4 + rn(24), bad_at = fault ? rn(len) : len;
    for (unsigned k = 0; k < len; k++) {
        uint64_t pc = LOOP_PC + 3 * (k + 1);
        if (k == bad_at) {          /* a load that faults in the last iteration */
            ir_insn_start(b, pc, 3);
            *fault_off = (int)(pc - LOOP_PC);
            uint64_t bad = (uint64_t)(uintptr_t)bad_page -
                           (based ? (uint64_t)(uintptr_t)guest_mem : 0);
            IrRef last = ir_cmp(b, IR_EQ, cnt, ir_const(b, IR_I64, 1));
            IrRef a = ir_select(b, IR_I64, last, ir_const(b, IR_I64, bad), gen_addr(&g, 8));
            pool_add(&g, IR_I64, ir_load(b, IR_I64, a));
        } else if (rn(3) == 0) {
            ir_insn_start(b, pc, 3);
        }
        gen_insn(&g);
        if (rn(2)) {                /* a register write, 64 bits or 32 zero-extended */
            IrRef v = rn(3) ? pick(&g, IR_I64) : ir_op1(b, IR_ZEXT, IR_I64, pick(&g, IR_I32));
            ir_put(b, LOOP_REGS + 8 * rn(16), v);
        }
        if (rn(4) == 0)             /* re-read a register the block may have written */
            pool_add(&g, IR_I64, ir_get(b, IR_I64, LOOP_REGS + 8 * rn(16)));
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
    return IR_EXIT_WORD_KIND(w) == IR_EXIT_JUMP && state_pc(st) == LOOP_PC;
}

/* The interpreter once per iteration, to an exit elsewhere or to a fault (~0). */
static uint64_t loop_run_interp(const IrBlock *blk, const IrGuestInfo *gi, uint8_t *st,
                                const uint8_t *state0, const uint8_t *mem0)
{
    volatile uint64_t w = 0;
    memcpy(st, state0, STATE_SIZE);
    memcpy(guest_mem, mem0, MEM_SIZE);
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
    memcpy(guest_mem, mem0, MEM_SIZE);
    flt.info = info;
    flt.state = st;
    flt.guest_off = -2;
    flt.armed = 2;
    if (sigsetjmp(flt.jb, 1) == 0) {
        do {
            w = env.enter[based](st, info->code);
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
    bad_page = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(bad_page != MAP_FAILED);
    struct sigaction sa, old_segv, old_bus;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &old_segv);
    sigaction(SIGBUS, &sa, &old_bus);
    unsigned n = 600, as_loops = 0, faults = 0, iterations = 0;
    const char *env_n = getenv("FERRY_BE_FUZZ_N");
    if (env_n && atoi(env_n) > 0)
        n = (unsigned)atoi(env_n);
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
        IrGuestInfo gi = env.gi[based];
        gi.irq_offset = LOOP_IRQ;
        static BackendBlockInfo info;
        be_compile_gi(opt, &gi, &info);
        for (unsigned x = 0; x < info.n_exits; x++)
            as_loops += info.exits[x].target_pc == LOOP_PC && info.exits[x].patch_offset == 0;
        rng_state = seed ^ 0x77;
        for (unsigned run = 0; run < 4; run++) {
            for (unsigned k = 0; k < STATE_SIZE; k++)
                state0[k] = (uint8_t)rnd();
            for (unsigned k = 0; k < MEM_SIZE; k += 8) {
                uint64_t x = rnd();
                memcpy(mem0 + k, &x, 8);
            }
            uint64_t cnt0 = 1 + rn(6), pc0 = LOOP_PC;
            uint32_t irq = run & 1;
            memcpy(state0 + LOOP_CNT, &cnt0, 8);
            memcpy(state0 + PC_OFF, &pc0, 8);
            memcpy(state0 + LOOP_IRQ, &irq, 4);
            uint64_t w_int = loop_run_interp(raw, &gi, s_int, state0, mem0);
            memcpy(m_int, guest_mem, MEM_SIZE);
            uint64_t w_jit = loop_run_code(&info, based, s_jit, state0, mem0, &iterations);
            be_n_compared++;
            faults += w_jit == ~0ull;
            bool off_ok = w_jit != ~0ull || flt.guest_off == fault_off;
            if (w_int != w_jit || !off_ok || memcmp(s_int, s_jit, STATE_SIZE) ||
                memcmp(m_int, guest_mem, MEM_SIZE)) {
                fprintf(stderr, "mismatch (guest base %s, %llu iterations, interrupt word %u) "
                        "in block:\n", based ? "on" : "off", (unsigned long long)cnt0, irq);
                ir_print_block(stderr, raw);
                fprintf(stderr, "optimised:\n");
                ir_print_block(stderr, opt);
                fprintf(stderr, "  exit word: interp %#llx, jit %#llx (~0: fault); fault at "
                        "guest offset %d, expected %d\n", (unsigned long long)w_int,
                        (unsigned long long)w_jit, flt.guest_off, fault_off);
                dump_diff("state", s_int, s_jit, STATE_SIZE);
                dump_diff("mem", m_int, guest_mem, MEM_SIZE);
                fail_msg("a self-loop's code differs from the interpreter's iterations");
            }
        }
        ir_block_free(raw);
        ir_block_free(opt);
    }
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    munmap(bad_page, 4096);
    fprintf(stderr, "# self-loops: %u back edges resolved by the backend, %u faults, %u entries\n",
            as_loops, faults, iterations);
    assert_true(faults > n / 8);
}

void be_test_random_blocks(void **st)
{
    (void)st;
    unsigned n = 2000;
    const char *env_n = getenv("FERRY_BE_FUZZ_N");
    if (env_n && atoi(env_n) > 0)
        n = (unsigned)atoi(env_n);
    static uint8_t state[STATE_SIZE], mem0[MEM_SIZE];
    unsigned compiled = 0;
    for (unsigned i = 0; i < n; i++) {
        uint64_t seed = 0x5eed0000ull + i;
        int based = (int)(i & 1);
        for (int fold = 0; fold < 2; fold++) {
            IrBlock *blk = gen_block(seed, based, fold);
            H->set_debug(i % 4 == 3 ? H->no_regalloc : 0);
            BackendBlockInfo info;
            const uint8_t *code = be_compile_in(blk, based, &info);
            compiled++;
            rng_state = seed ^ 0xabcdef;
            for (unsigned run = 0; run < 3; run++) {
                for (unsigned k = 0; k < STATE_SIZE; k++)
                    state[k] = (uint8_t)rnd();
                for (unsigned k = 0; k < MEM_SIZE; k += 8) {
                    uint64_t x = rnd();
                    memcpy(mem0 + k, &x, 8);
                }
                be_run_compare(blk, code, based, state, mem0);
            }
            ir_block_free(blk);
        }
    }
    H->set_debug(0);
    assert_int_equal(compiled, 2 * n);
}
