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
 *   golden:  helpers for the hosts' golden tests (the exact code of a block), and the KEEP
 *            block both hosts pin.
 * Derived from test_backend_x64.c, whose generic parts this is; test_backend_x64.c and
 * test_backend_a64.c both run it. This file is the fixture every part uses (code cache,
 * trampolines, compile, compare); the tests themselves are in backend_suite_*.c, listed in
 * backend_suite_int.h.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "tests/common/backend_suite_int.h"

const BeHost *be_host;          /* the host under test (be_setup) */

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
    be_host = host;
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
        env.enter[based] = (BackendEnterFn)be_host->be->emit_trampoline(&env.cb, &env.gi[based]);
        if (!env.enter[based])
            return -1;
    }
    env.blocks_start = env.cb.p;
    if (cs_open((cs_arch)be_host->cs_arch, (cs_mode)be_host->cs_mode, &cs) != CS_ERR_OK)
        return -1;
    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
    return 0;
}

int be_teardown(void)
{
    munmap(env.cb.start, CODE_SIZE);
    munmap(codebuf_exec_addr(&env.cb, env.cb.start), CODE_SIZE);
    be_host->set_debug(0);
    cs_close(&cs);
    return 0;
}

const IrType be_int_types[4] = { IR_I8, IR_I16, IR_I32, IR_I64 };

uint64_t be_xorshift(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

uint64_t be_rnd(void) { return be_xorshift(&rng_state); }
void be_seed(uint64_t seed) { rng_state = seed; }

unsigned be_fuzz_n(unsigned dflt)
{
    const char *env_n = getenv("FERRY_BE_FUZZ_N");
    return env_n && atoi(env_n) > 0 ? (unsigned)atoi(env_n) : dflt;
}

void be_random_fill(uint8_t *state, uint8_t *mem)
{
    for (unsigned k = 0; k < STATE_SIZE; k++)
        state[k] = (uint8_t)be_rnd();
    for (unsigned k = 0; k < MEM_SIZE; k += 8) {
        uint64_t x = be_rnd();
        memcpy(mem + k, &x, 8);
    }
}

CodeBuf *be_code_buf(void) { return &env.cb; }

uint64_t be_state_pc(const uint8_t *state)
{
    uint64_t pc;
    memcpy(&pc, state + PC_OFF, 8);
    return pc;
}

/* The code of a block in pieces between its data (BackendData): piece i (i <= n_data) runs
 * from the end of data i - 1 to the start of data i (or to the end of the code). */
static size_t code_piece(const BackendBlockInfo *info, unsigned i, size_t *from)
{
    size_t end = info->data_offset ? info->data_offset : info->code_size;
    size_t lo = i ? info->data[i - 1].offset + info->data[i - 1].size : 0;
    size_t hi = i < info->n_data ? info->data[i].offset : end;
    *from = lo;
    return hi > lo ? hi - lo : 0;
}

/* The emitted block decodes linearly, instruction by instruction, from its entry to its last
 * byte (its data skipped, which lies in order and in the code), in exactly the number of
 * instructions the backend counted. */
void be_check_disassembly(const uint8_t *code, const BackendBlockInfo *info)
{
    cs_insn *insn = cs_malloc(cs);
    unsigned n = 0;
    size_t left = 0;
    for (unsigned i = 0; i < info->n_data; i++)
        if (info->data[i].offset < (i ? info->data[i - 1].offset + info->data[i - 1].size : 1) ||
            info->data[i].offset + info->data[i].size >
                (info->data_offset ? info->data_offset : info->code_size))
            fail_msg("data %u at %u (%u bytes) out of order or outside the code", i,
                     info->data[i].offset, info->data[i].size);
    for (unsigned i = 0; i <= info->n_data && left == 0; i++) {
        size_t from;
        left = code_piece(info, i, &from);
        const uint8_t *p = code + from;
        uint64_t addr = (uint64_t)(uintptr_t)info->code + from;
        while (left && cs_disasm_iter(cs, &p, &left, &addr, insn))
            n++;
    }
    cs_free(insn, 1);
    if (left != 0 || n != info->host_insns)
        fail_msg("block of %u bytes: %zu bytes left undecoded, %u instructions decoded, %u counted",
                 info->code_size, left, n, info->host_insns);
}

void be_verify_or_die(const IrBlock *blk)
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
    /* then fault points of cur, and out-of-line fault points (limit-check stubs): copies of
     * earlier entries */
    for (; k < info->n_insns; k++) {
        const BackendInsnMap *m = &info->insns[k];
        bool copy = false;
        for (unsigned j = 0; j < k && !copy; j++)
            copy = info->insns[j].guest_offset == m->guest_offset &&
                   info->insns[j].keep_first == m->keep_first &&
                   info->insns[j].n_keep == m->n_keep;
        if (m->guest_offset != cur && !copy)
            fail_msg("map entry %u: guest offset %u is no instruction's", k, m->guest_offset);
    }
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

void be_set_no_regalloc(bool on)
{
    be_host->set_debug(on ? be_host->no_regalloc : 0);
}

uint64_t be_enter(int based, void *state, const uint8_t *code)
{
    return env.enter[based](state, code);
}

BackendEnterFn be_trampoline_gi(const IrGuestInfo *gi)
{
    /* placed where blocks go next, which then start after it (recycling never reaches it) */
    env.cb.p = env.blocks_start;
    uint8_t *at = env.cb.p;
    BackendEnterFn fn = (BackendEnterFn)be_host->be->emit_trampoline(&env.cb, gi);
    assert_non_null(fn);
    be_sync_code(codebuf_exec_addr(&env.cb, at), (size_t)(env.cb.p - at));
    env.blocks_start = env.cb.p;
    return fn;
}

const uint8_t *be_compile_gi(const IrBlock *blk, const IrGuestInfo *gi, BackendBlockInfo *info)
{
    be_verify_or_die(blk);
    if (env.cb.end - env.cb.p < (1 << 20)) {
        env.cb.p = env.blocks_start;
        be_sync_code(codebuf_exec_addr(&env.cb, env.blocks_start),
                     (size_t)(env.cb.end - env.blocks_start));
    }
    uint8_t *before = env.cb.p;
    int rc = be_host->be->compile(blk, &env.cb, gi, info);
    if (rc != BE_OK) {
        ir_print_block(stderr, blk);
        fail_msg("compile failed: %d", rc);
    }
    assert_ptr_equal(info->code, codebuf_exec_addr(&env.cb, before));
    assert_int_equal(info->code_size, env.cb.p - before);
    assert_true(info->host_insns > 0 && info->host_insns <= info->code_size);
    be_check_disassembly(before, info);
    check_insn_map(blk, info);
    for (IrRef r = 1; r < blk->n; r++)
        op_seen[blk->insn[r].op] = true;
    return info->code;
}

void be_dump_diff(const char *what, const uint8_t *x, const uint8_t *y, size_t n)
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
                based ? "on" : "off", be_host->get_debug());
        ir_print_block(stderr, blk);
        fprintf(stderr, "  exit word: interp %#llx, jit %#llx\n", (unsigned long long)w_int,
                (unsigned long long)w_jit);
        be_dump_diff("state", s_int, s_jit, STATE_SIZE);
        be_dump_diff("mem", m_int, guest_mem, MEM_SIZE);
        fail_msg("interpreter and backend disagree");
    }
}

const uint8_t zero_mem[MEM_SIZE];

uint8_t *be_guest_mem(void) { return guest_mem; }

/* ---------------------------------------------------------------- golden code */

/* One line per instruction, at addresses from 0 (the block's entry); a call out of the block
 * (the shared exit routine, whose address depends on where the block went) as "bl <exit>" or
 * "call <exit>"; data as ".quad" lines (".long" for a 4-byte rest). */
void be_disasm_text(const BackendBlockInfo *info, char *out, size_t cap)
{
    size_t len = 0;
    out[0] = 0;
    for (unsigned i = 0; i <= info->n_data && len < cap; i++) {
        size_t from, n_bytes = code_piece(info, i, &from);
        cs_insn *insn;
        size_t n = n_bytes ? cs_disasm(cs, info->code + from, n_bytes, from, 0, &insn) : 0;
        for (size_t k = 0; k < n && len < cap; k++) {
            const char *m = insn[k].mnemonic, *o = insn[k].op_str;
            bool call = strcmp(m, "bl") == 0 || strcmp(m, "call") == 0;
            uint64_t to = call ? strtoull(o + (o[0] == '#'), NULL, 0) : 0;
            if (call && to >= info->code_size)      /* negative ones wrap: also outside */
                o = "<exit>";
            len += (size_t)snprintf(out + len, cap - len, "%s%s%s\n", m, o[0] ? " " : "", o);
        }
        if (n)
            cs_free(insn, n);
        if (i == info->n_data)
            break;
        const BackendData *d = &info->data[i];
        for (uint32_t off = 0; off < d->size && len < cap; off += 8) {
            uint64_t v = 0;
            unsigned k = d->size - off < 8 ? d->size - off : 8;
            memcpy(&v, info->code + d->offset + off, k);
            len += (size_t)snprintf(out + len, cap - len, "%s %#llx\n",
                                    k == 8 ? ".quad" : ".long", (unsigned long long)v);
        }
    }
}

const uint8_t *be_expect_code(const IrBlock *blk, const IrGuestInfo *gi, const char *want,
                              BackendBlockInfo *info)
{
    be_compile_gi(blk, gi ? gi : &env.gi[0], info);
    char got[4096];
    be_disasm_text(info, got, sizeof got);
    if (strcmp(got, want) != 0) {
        ir_print_block(stderr, blk);
        fail_msg("code differs; expected:\n%sgot:\n%s", want, got);
    }
    return info->code;
}

IrBlock *be_parse(const char *text)
{
    char err[256];
    IrBlock *blk = ir_parse_block(text, err, sizeof err);
    if (!blk)
        fail_msg("parse: %s", err);
    return blk;
}

IrBlock *be_keep_block(uint64_t side_exit_pc)
{
    char text[640];
    snprintf(text, sizeof text,
             "block pc=0x1000\n"
             "insn_start 0x1000, 0x1\n"
             "v2 = get.i64 0x20\n"
             "v3 = load.i64 v2\n"
             "v4 = const.i64 0x8\n"
             "v5 = add.i64 v2, v4\n"
             "keep v5, 0x20\n"
             "put v3, 0x18\n"
             "insn_start 0x1001, 0x2\n"
             "v9 = cmp.i8 v3, v4, eq\n"
             "exit_if v9, %#llx, jump\n"
             "insn_start 0x1003, 0x1\n"
             "v12 = load.i64 v5\n"
             "v13 = const.i64 0x10\n"
             "v14 = add.i64 v2, v13\n"
             "put v14, 0x20\n"
             "put v12, 0x28\n"
             "exit -, 0x2000, jump\n", (unsigned long long)side_exit_pc);
    return be_parse(text);
}

IrBlock *be_sp_window_pops(const IrGuestInfo *gi)
{
    IrBlock *blk = be_keep_block(0x3000);
    IrSpWindowCounts spc;
    ir_sp_window(blk, gi, &spc);
    assert_int_equal(spc.unchecked, 2);
    assert_int_equal(spc.exit_checks, 0);
    return blk;
}

IrBlock *be_sp_window_unproven(const IrGuestInfo *gi)
{
    IrBlock *blk = be_parse("block pc=0x1000\n"
                            "insn_start 0x1000, 0x3\n"
                            "v2 = get.i64 0x38\n"
                            "put v2, 0x20\n"
                            "exit -, 0x2000, jump\n");
    IrSpWindowCounts spc;
    ir_sp_window(blk, gi, &spc);
    assert_int_equal(spc.exit_checks, 1);
    return blk;
}

void be_run_keep_block(const IrBlock *blk, const uint8_t *code)
{
    uint8_t state[STATE_SIZE] = { 0 };
    uint64_t sp = (uint64_t)(uintptr_t)guest_mem + 64;
    memcpy(state + 0x20, &sp, 8);
    for (uint64_t top = 7; top <= 8; top++) {   /* the side exit not taken, then taken */
        static uint8_t mem[MEM_SIZE];
        memset(mem, 0, sizeof mem);
        memcpy(mem + 64, &top, 8);
        be_run_compare(blk, code, 0, state, mem);
    }
}

void be_check_keep_map(const BackendBlockInfo *info, unsigned reg)
{
    /* one entry per instruction: the second load's code starts its instruction's, so its
     * keeps go into that entry */
    assert_int_equal(info->n_insns, 3);
    const BackendInsnMap *m = &info->insns[2];
    assert_int_equal(m->guest_offset, 3);
    assert_int_equal(m->n_keep, 1);
    const BackendKeep *k = &info->keeps[m->keep_first];
    assert_int_equal(k->off, 0x20);
    assert_int_equal(k->size, 8);
    assert_int_equal(k->kind, BACKEND_LOC_GPR);
    assert_int_equal(k->reg, reg);
    assert_int_equal(k->value, 8);
}
