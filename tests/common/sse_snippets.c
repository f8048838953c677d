/* sse_snippets.c — the snippet harness of the SSE unit tests (see sse_snippets.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ir/ir.h"
#include "frontend-x86/frontend.h"
#include "tests/common/sse_snippets.h"

enum {
    FETCH_TAIL = 5,         /* the jmp +0 after each snippet */
    MAX_BLOCKS = 64,        /* blocks one translated run may take */
    REJECT_PC = 0x400000,   /* where the ferry-only checks translate */
};

/* Process state, set by sse_main before any test runs. */
static const SseSuite *g_suite;
static uint8_t *g_code;     /* one page: the snippet then native_terminator, executable */
static size_t g_page;
uint8_t *sse_mem;

/* ================================================================ start states */

uint64_t sse_rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s ^ (*s >> 29);
}

void sse_fill16(uint8_t *p, SseFill kind, uint64_t *rng)
{
    static const uint16_t edge16[] = { 0, 1, 0xffff, 0x7fff, 0x8000, 0x8001, 0x7ffe, 0x00ff,
                                       0xff00, 0x8080, 0x7f7f, 0x0080, 0x807f, 0x4000 };
    uint64_t q[2];
    uint32_t d[4];
    uint16_t w[8];
    switch (kind) {
    case SSE_FILL_F32:
        for (int k = 0; k < 4; k++)
            d[k] = native_f32_special[sse_rng_next(rng) % native_n_f32_special];
        memcpy(p, d, 16);
        return;
    case SSE_FILL_F64:
        for (int k = 0; k < 2; k++)
            q[k] = native_f64_special[sse_rng_next(rng) % native_n_f64_special];
        memcpy(p, q, 16);
        return;
    case SSE_FILL_SMALL_INT:
        for (int k = 0; k < 4; k++) d[k] = (uint32_t)((int32_t)(sse_rng_next(rng) % 41) - 20);
        memcpy(p, d, 16);
        return;
    case SSE_FILL_EDGE16:
        for (int k = 0; k < 8; k++) w[k] = edge16[sse_rng_next(rng) % COUNT(edge16)];
        memcpy(p, w, 16);
        return;
    case SSE_FILL_RANDOM:
    case SSE_FILL_TEXT:
        q[0] = sse_rng_next(rng);
        q[1] = sse_rng_next(rng);
        for (int k = 0; kind == SSE_FILL_TEXT && k < 16; k++) {
            uint64_t r = sse_rng_next(rng) % 16;
            if (r == 0) ((uint8_t *)q)[k] = 0;
            else if (r == 1) ((uint8_t *)q)[k] = 'a';
        }
        memcpy(p, q, 16);
        return;
    }
}

const uint32_t sse_mxcsr_profile[SSE_N_PROFILES] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0,
                                                     0x1fa1 };

static const SseFill std_fill[SSE_N_PROFILES] = {
    SSE_FILL_TEXT, SSE_FILL_F32, SSE_FILL_F32, SSE_FILL_F64, SSE_FILL_F64, SSE_FILL_SMALL_INT,
};

void sse_std_memory(int profile)
{
    uint64_t rng = 0x5eed0000u + (uint64_t)profile * 7919u;
    for (int off = 0; off < SSE_MEM_SIZE; off += 16)
        sse_fill16(sse_mem + off, std_fill[profile], &rng);
    /* Valid MXCSR images for ldmxcsr (480: control bits and status flags vary by profile)
     * and fxrstor [rsi] (24); 488 has a reserved bit set. */
    static const uint32_t mx[SSE_N_PROFILES] = { 0x1f80, 0x3f80, 0x9fc0, 0x5fa1, 0xff80, 0x1f3f };
    sse_put32(sse_mem + 480, mx[profile]);
    sse_put32(sse_mem + 24, mx[(profile + 1) % SSE_N_PROFILES]);
    sse_put32(sse_mem + 488, 0x10000u | 0x1f80u);
    /* A shift count for the memory-count shifts: small, large or huge by profile. */
    static const uint64_t cnt[SSE_N_PROFILES] = { 3, 15, 31, 63, 64, 1ull << 40 };
    memcpy(sse_mem + 128, &cnt[profile], 8);
}

void sse_std_state(TState *s, int profile, uint64_t seed)
{
    (void)seed;
    uint64_t rng = 0xabcdef12u + (uint64_t)profile * 104729u;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = sse_rng_next(&rng);
    static const uint64_t rax[SSE_N_PROFILES] = { 0x80000001u, 0xfffffffffffffff9ull,
                                                  0x7fffffff, 3, 0x1234567887654321ull,
                                                  0xffff8000u };
    static const uint64_t rbx[SSE_N_PROFILES] = { 0x8000000000000001ull, 0x7fffffffffffffffull,
                                                  17, 0xffffffff00000000ull, 1ull << 53 | 1,
                                                  40 };
    s->gpr[X86_RAX] = rax[profile];
    s->gpr[X86_RBX] = rbx[profile];
    s->gpr[X86_RCX] = (uint64_t)(int64_t)(profile - 3);
    s->gpr[X86_RDX] = profile & 1 ? ~0ull : 1ull << 63;
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)sse_mem;
    s->gpr[X86_RDI] = 16;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(sse_mem + 128);
    s->gpr[X86_R13] = (uint64_t)(uintptr_t)(sse_mem + 64);
    /* All arithmetic flags set in even profiles (comis must clear OF, SF and AF). */
    s->rflags = 0x202 | (profile & 1 ? 0 : X86_ARITH_FLAGS);
    s->mxcsr = sse_mxcsr_profile[profile];
    for (int r = 0; r < 16; r++) sse_fill16(s->xmm[r].b, std_fill[profile], &rng);
}

/* ================================================================ states */

/* The x87 part of an FXSAVE image into st (ST(i) is physical register TOP + i). */
static void x87_from_fx(X86State *st, const uint8_t *fx)
{
    uint16_t fcw, fsw;
    memcpy(&fcw, fx + 0, 2);
    memcpy(&fsw, fx + 2, 2);
    st->fpu_cw = fcw;
    st->fpu_top = (uint8_t)((fsw >> 11) & 7);
    st->fpu_sw = (uint16_t)(fsw & ~0x3800u);
    st->fpu_tag = fx[4];
    for (unsigned i = 0; i < 8; i++) {
        X86Fpr *r = &st->fpr[(st->fpu_top + i) & 7];
        memcpy(&r->sig, fx + 32 + 16 * i, 8);
        memcpy(&r->se, fx + 40 + 16 * i, 2);
    }
}

/* ferry's state from a TState: GPRs, EFLAGS, MXCSR, XMM and, with t->load_fx, the x87 state
 * of the FXSAVE image t->fx (otherwise FNINIT's, which is what native_run starts from). */
static void to_x86(X86State *st, const TState *t, uint64_t pc)
{
    x86_state_init(st);
    memcpy(st->gpr, t->gpr, sizeof st->gpr);
    x86_set_eflags(st, t->rflags);
    st->mxcsr = t->mxcsr;
    memcpy(st->xmm, t->xmm, sizeof st->xmm);
    st->mem_base = 0;
    st->rip = pc;
    if (t->load_fx) x87_from_fx(st, t->fx);
}

/* ================================================================ translated execution */

/* The code ferry fetches: len bytes at pc, then (with tail) jmp +0 to end the block. */
typedef struct Fetch {
    uint64_t pc;
    const uint8_t *code;
    size_t len;
    bool tail;
} Fetch;

static size_t fetch_code(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    static const uint8_t jmp0[FETCH_TAIL] = { 0xe9, 0, 0, 0, 0 };
    const Fetch *f = opaque;
    size_t total = f->len + (f->tail ? FETCH_TAIL : 0);
    if (pc < f->pc || pc >= f->pc + total) return 0;
    size_t off = (size_t)(pc - f->pc), k;
    for (k = 0; k < n && off + k < total; k++)
        buf[k] = off + k < f->len ? f->code[off + k] : jmp0[off + k - f->len];
    return k;
}

/* One translated run. */
typedef struct FerryRun {
    uint64_t exit_word;     /* the last block's */
    FeStatus status;        /* FE_OK, or the first block's status that is not */
    IrBlock *last;          /* the last block translated, for failure reports (caller frees) */
} FerryRun;

/* Run f's code from *t through ferry (optimised or not) under the interpreter: the block at
 * f->pc, then, while a block leaves with a jump to a later instruction of the code, the block
 * there, up to max_blocks. Returns false (reported) if a block did not verify or the host
 * faulted while interpreting. */
static bool ferry_run(const Fetch *f, const TState *t, bool optimise, int max_blocks,
                      X86State *st, FerryRun *run)
{
    *run = (FerryRun){ .status = FE_OK };
    to_x86(st, t, f->pc);
    IrGuestInfo gi = fe_guest_info(0);
    uint64_t end = f->pc + f->len + (f->tail ? FETCH_TAIL : 0);
    for (int blocks = 0; blocks < max_blocks; blocks++) {
        if (blocks && (IR_EXIT_WORD_KIND(run->exit_word) != IR_EXIT_JUMP || st->rip <= f->pc ||
                       st->rip >= end))
            break;
        if (run->last) ir_block_free(run->last);
        run->last = ir_block_new(st->rip);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(run->last, st->rip, fetch_code, (void *)f, &opt, &res);
        if (run->status == FE_OK) run->status = res.status;
        if (optimise) opt_run(run->last);
        char err[256];
        if (!ir_verify(run->last, err, sizeof err)) {
            print_error("  %s: IR does not verify: %s\n", optimise ? "optimised" : "raw", err);
            return false;
        }
        native_armed = 1;
        if (sigsetjmp(native_jb, 1)) {
            print_error("  %s: host signal %d (si_code %d) while interpreting\n",
                        optimise ? "optimised" : "raw", native_fault.sig, native_fault.code);
            return false;
        }
        run->exit_word = ir_interp_run(run->last, st, &gi);
        native_armed = 0;
    }
    return true;
}

uint64_t sse_run_ferry(const uint8_t *code, size_t len, uint64_t pc, const TState *t,
                       bool optimise, X86State *st)
{
    Fetch f = { .pc = pc, .code = code, .len = len, .tail = true };
    FerryRun run;
    bool ok = ferry_run(&f, t, optimise, g_suite->one_block ? 1 : MAX_BLOCKS, st, &run);
    if (!ok && run.last) ir_print_block(stderr, run.last);
    if (run.last) ir_block_free(run.last);
    return ok ? run.exit_word : 0;
}

/* ================================================================ native execution */

/* Copy code to the code page, ended by native_terminator; returns its address. */
static uint64_t load_native(const uint8_t *code, size_t len)
{
    mprotect(g_code, g_page, PROT_READ | PROT_WRITE);
    memset(g_code, 0, g_page);
    memcpy(g_code, code, len);
    native_terminator(g_code + len);
    mprotect(g_code, g_page, PROT_READ | PROT_EXEC);
    return (uint64_t)(uintptr_t)g_code;
}

/* Run the loaded code natively from *s; returns true if it faulted (*s then holds the state
 * at the fault, native_fault the details). */
static bool run_native(TState *s)
{
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        *s = native_fault.state;
        return true;
    }
    native_run(s, g_code);
    native_armed = 0;
    return false;
}

/* ================================================================ comparison */

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
    "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };

/* The x87 state ferry kept against the native FXSAVE image. */
static int compare_x87(const char *what, const X86State *st, const uint8_t *fx)
{
    int bad = 0;
    X86State n;
    x86_state_init(&n);
    x87_from_fx(&n, fx);
    if (n.fpu_cw != st->fpu_cw || n.fpu_top != st->fpu_top || n.fpu_tag != st->fpu_tag ||
        n.fpu_sw != st->fpu_sw) {
        print_error("  %s: fcw %#x top %u tag %#x fsw %#x, native %#x %u %#x %#x\n", what,
                    st->fpu_cw, st->fpu_top, st->fpu_tag, st->fpu_sw, n.fpu_cw, n.fpu_top,
                    n.fpu_tag, n.fpu_sw);
        bad++;
    }
    for (unsigned p = 0; p < 8; p++) {
        if (!(n.fpu_tag & (1u << p))) continue;
        if (n.fpr[p].sig == st->fpr[p].sig && n.fpr[p].se == st->fpr[p].se) continue;
        print_error("  %s: R%u = %04x:%016llx, native %04x:%016llx\n", what, p, st->fpr[p].se,
                    (unsigned long long)st->fpr[p].sig, n.fpr[p].se,
                    (unsigned long long)n.fpr[p].sig);
        bad++;
    }
    return bad;
}

/* Compare the interpreter's state and sse_mem with the native result; report every
 * difference (memory: the first 40). Returns the number of differences. */
static int compare(const char *what, const X86State *st, const TState *want,
                   const uint8_t *want_mem)
{
    int bad = 0;
    for (int r = 0; r < 16; r++) {
        if (r == X86_RSP || st->gpr[r] == want->gpr[r]) continue;
        print_error("  %s: %s = %#018llx, native %#018llx\n", what, gpr_names[r],
                    (unsigned long long)st->gpr[r], (unsigned long long)want->gpr[r]);
        bad++;
    }
    uint64_t fl = x86_get_eflags(st) & X86_ARITH_FLAGS;
    if (fl != (want->rflags & X86_ARITH_FLAGS)) {
        print_error("  %s: flags = %#llx, native %#llx\n", what, (unsigned long long)fl,
                    (unsigned long long)(want->rflags & X86_ARITH_FLAGS));
        bad++;
    }
    if (st->mxcsr != want->mxcsr) {
        print_error("  %s: mxcsr = %#x, native %#x\n", what, st->mxcsr, want->mxcsr);
        bad++;
    }
    for (int r = 0; r < 16; r++) {
        if (!memcmp(&st->xmm[r], &want->xmm[r], 16)) continue;
        print_error("  %s: xmm%d = %016llx:%016llx, native %016llx:%016llx\n", what, r,
                    (unsigned long long)st->xmm[r].q[1], (unsigned long long)st->xmm[r].q[0],
                    (unsigned long long)want->xmm[r].q[1], (unsigned long long)want->xmm[r].q[0]);
        bad++;
    }
    if (g_suite->compare_x87) bad += compare_x87(what, st, want->fx);
    for (int k = 0; k < SSE_MEM_SIZE; k++) {
        if (sse_mem[k] == want_mem[k]) continue;
        print_error("  %s: mem[%d] = %02x, native %02x\n", what, k, sse_mem[k], want_mem[k]);
        if (++bad > 40) break;
    }
    return bad;
}

int sse_check(const SseCase *tc, const TState *start, const char *where, SseResult *out)
{
    static uint8_t start_mem[SSE_MEM_SIZE], want_mem[SSE_MEM_SIZE];
    const uint8_t *code = (const uint8_t *)tc->bytes;

    /* Native. */
    uint64_t pc = load_native(code, tc->len);
    memcpy(start_mem, sse_mem, SSE_MEM_SIZE);
    TState want = *start;
    bool faulted = run_native(&want);
    memcpy(want_mem, sse_mem, SSE_MEM_SIZE);
    if (g_suite->fix_native) g_suite->fix_native(tc, want_mem);
    if (out) out->native = want;
    if (faulted != tc->faults) {
        print_error("%s [%s]: the host %s (signal %d)\n", tc->name, where,
                    faulted ? "faulted" : "did not fault", faulted ? native_fault.sig : 0);
        return 1;
    }
    if (faulted && (native_fault.sig != SIGSEGV || native_fault.code != SI_KERNEL ||
                    native_fault.rip < pc || native_fault.rip >= pc + tc->len)) {
        print_error("%s [%s]: host fault is signal %d code %#x at %#llx\n", tc->name, where,
                    native_fault.sig, native_fault.code, (unsigned long long)native_fault.rip);
        return 1;
    }

    /* Translated, raw and optimised, from the same memory. */
    Fetch f = { .pc = pc, .code = code, .len = tc->len, .tail = true };
    uint64_t want_rip = faulted ? native_fault.rip : pc + tc->len + FETCH_TAIL;
    int bad = 0;
    for (int optimise = 0; optimise < 2; optimise++) {
        const char *what = optimise ? "optimised" : "raw";
        memcpy(sse_mem, start_mem, SSE_MEM_SIZE);
        X86State st;
        FerryRun run;
        int n = 0;
        if (!ferry_run(&f, start, optimise, g_suite->one_block ? 1 : MAX_BLOCKS, &st, &run)) {
            n = 1;
        } else {
            uint64_t ew = run.exit_word;
            IrExitKind kind = IR_EXIT_WORD_KIND(ew);
            bool ok = run.status == FE_OK && st.rip == want_rip &&
                      (faulted ? kind == IR_EXIT_TRAP && IR_EXIT_WORD_SIG(ew) == SIGSEGV &&
                                     IR_EXIT_WORD_CODE(ew) == SI_KERNEL
                               : kind == IR_EXIT_JUMP);
            if (!ok) {
                print_error("  %s: status %d exit word %#llx rip %#llx, want %s at %#llx\n", what,
                            (int)run.status, (unsigned long long)ew, (unsigned long long)st.rip,
                            faulted ? "the #GP trap" : "a jump", (unsigned long long)want_rip);
                n++;
            }
            n += compare(what, &st, &want, want_mem);
        }
        if (n) {
            print_error("%s [%s] %s\n", tc->name, where, tc->asm_text);
            if (run.last) ir_print_block(stderr, run.last);
        }
        if (run.last) ir_block_free(run.last);
        if (out) out->ferry[optimise] = st;
        bad += n;
    }
    return bad;
}

/* ================================================================ suite tests */

static void test_snippet(void **state)
{
    const SseCase *tc = *state;
    int bad = 0;
    native_catch(true);
    for (int p = 0; p < SSE_N_PROFILES; p++)
        for (uint64_t seed = 0; seed < g_suite->n_seeds; seed++) {
            TState start;
            g_suite->init_state(&start, p, seed);
            g_suite->init_memory(p);
            char where[48];
            if (g_suite->n_seeds > 1)
                snprintf(where, sizeof where, "profile %d seed %llu", p, (unsigned long long)seed);
            else
                snprintf(where, sizeof where, "profile %d", p);
            bad += sse_check(tc, &start, where, NULL);
        }
    native_catch(false);
    assert_int_equal(bad, 0);
}

static bool block_has_call(const IrBlock *blk)
{
    for (uint32_t r = 1; r < blk->n; r++)
        if (blk->insn[r].op == IR_CALL) return true;
    return false;
}

static void test_no_calls(void **state)
{
    (void)state;
    const char *const *names = g_suite->no_calls;
    for (size_t k = 0; k < g_suite->n_no_calls; k++) {
        const SseCase *tc = NULL;
        for (size_t c = 0; c < g_suite->n_cases; c++)
            if (!strcmp(g_suite->cases[c].name, names[k])) tc = &g_suite->cases[c];
        if (!tc) fail_msg("no snippet named \"%s\"", names[k]);
        Fetch f = { .pc = REJECT_PC, .code = (const uint8_t *)tc->bytes, .len = tc->len,
                    .tail = true };
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        assert_int_equal(res.status, FE_OK);
        if (block_has_call(blk)) {
            ir_print_block(stderr, blk);
            fail_msg("%s: translated with a helper call", tc->name);
        }
        ir_block_free(blk);
    }
}

static void test_rejected(void **state)
{
    (void)state;
    const SseEncoding *bad = g_suite->rejected;
    for (size_t k = 0; k < g_suite->n_rejected; k++) {
        TState t;
        if (g_suite->rejected_native) {
            g_suite->init_state(&t, 0, 0);
            g_suite->init_memory(0);
            load_native((const uint8_t *)bad[k].bytes, bad[k].len);
            native_catch(true);
            bool faulted = run_native(&t);
            native_catch(false);
            if (!faulted || native_fault.sig != SIGILL)
                fail_msg("%s: the host gives signal %d, not SIGILL", bad[k].what,
                         faulted ? native_fault.sig : 0);
        }
        Fetch f = { .pc = REJECT_PC, .code = (const uint8_t *)bad[k].bytes, .len = bad[k].len };
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        if (res.status == FE_OK) fail_msg("%s: translated", bad[k].what);
        X86State st;
        g_suite->init_state(&t, 0, 0);
        to_x86(&st, &t, f.pc);
        IrGuestInfo gi = fe_guest_info(0);
        uint64_t ew = ir_interp_run(blk, &st, &gi);
        if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_TRAP || IR_EXIT_WORD_SIG(ew) != SIGILL ||
            st.rip != f.pc)
            fail_msg("%s: exit word %#llx at %#llx, want SIGILL", bad[k].what,
                     (unsigned long long)ew, (unsigned long long)st.rip);
        ir_block_free(blk);
    }
}

/* ================================================================ the program */

int sse_main(const SseSuite *suite)
{
    g_suite = suite;
    fe_init();
    g_page = (size_t)sysconf(_SC_PAGESIZE);
    g_code = mmap(NULL, g_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    sse_mem = mmap(NULL, SSE_MEM_SIZE, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
    if (g_code == MAP_FAILED || sse_mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    size_t n = 0;
    struct CMUnitTest *tests = calloc(suite->n_cases + suite->n_tests + 2, sizeof *tests);
    if (!tests) return 1;
    for (size_t k = 0; k < suite->n_cases; k++, n++) {
        tests[n].name = suite->cases[k].name;
        tests[n].test_func = test_snippet;
        tests[n].initial_state = (void *)&suite->cases[k];
    }
    if (suite->no_calls_test)
        tests[n++] = (struct CMUnitTest){ .name = suite->no_calls_test, .test_func = test_no_calls };
    for (size_t k = 0; k < suite->n_tests; k++) tests[n++] = suite->tests[k];
    if (suite->rejected_test)
        tests[n++] = (struct CMUnitTest){ .name = suite->rejected_test, .test_func = test_rejected };
    int failed = _cmocka_run_group_tests(suite->name, tests, n, NULL, NULL);
    free(tests);
    return failed;
}
