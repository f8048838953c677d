/* sse_snippets.h — the snippet harness of the SSE unit tests: x86 snippets run on the host CPU
 * and through ferry from the same state, compared bit for bit.
 *
 * Shared by tests/unit/test_sse.c, test_ssse3.c, test_sse41.c and test_sse42.c. A suite is an
 * SseSuite: its snippet table, its start states, what it compares beyond the common state and
 * its own cmocka tests; sse_main runs it (one cmocka test per snippet, then the suite's own).
 *
 * The oracle, sse_check: the snippet runs natively (native_run of native_harness.c, copied to
 * an executable page and ended by native_terminator) and through fe_translate_block +
 * ir_interp_run, raw and after opt_run, from the same TState and the same memory image.
 * sse_mem is a host buffer below 4 GiB (so addr32 forms reach it): guest address == host
 * address, guest_base 0, so GPRs holding pointers compare equal and RIP-relative operands read
 * the same bytes. The translation fetches the snippet followed by `jmp +0`, so its block ends
 * there; an instruction that ends its block inside the snippet (ldmxcsr, fxrstor) leaves with
 * a jump to the next one, and the run goes on block by block to the snippet's end, unless the
 * suite says one_block (then the snippet must translate as a single block). Every block must
 * translate with FE_OK. Compared: the GPRs (all but RSP), the arithmetic flags, the whole
 * MXCSR, the XMM registers, all of sse_mem and, with compare_x87, the x87/MMX state (control
 * and status word with TOP, abridged tag word, the contents of every register in use).
 * A snippet marked `faults` must raise #GP natively (SIGSEGV, SI_KERNEL, at an instruction of
 * the snippet, caught with the state of that instruction from the signal frame), and the
 * translation must leave with that trap at the same instruction with the same state; every
 * other snippet must leave through the final jump.
 *
 * Each start state comes from the suite's init_state (profile, seed) and init_memory
 * (profile): SSE_N_PROFILES profiles, each with n_seeds states. sse_std_state and
 * sse_std_memory are the standard ones (test_sse, test_sse41); sse_fill16 and
 * sse_mxcsr_profile are the parts other suites build theirs from.
 */
#ifndef FERRY_TESTS_SSE_SNIPPETS_H
#define FERRY_TESTS_SSE_SNIPPETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "frontend-x86/x86_state.h"
#include "tests/common/native_harness.h"

struct CMUnitTest;

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

enum {
    SSE_MEM_SIZE = 4096,    /* bytes of sse_mem, all compared */
    SSE_N_PROFILES = 6,     /* start profiles every snippet runs under */
};

/* One row of a snippet table: the bytes as GNU as assembles the Intel-syntax text, kept side
 * by side so that a failure names the instructions. */
typedef struct SseCase {
    const char *name;       /* the cmocka test's name */
    bool faults;            /* must raise #GP (a misaligned m128, a reserved MXCSR bit) */
    unsigned len;           /* bytes of code */
    const char *asm_text;
    const char *bytes;
} SseCase;

/* An encoding that must not translate. */
typedef struct SseEncoding {
    const char *what;
    const char *bytes;
    unsigned len;
} SseEncoding;

typedef struct SseSuite {
    const char *name;                       /* the cmocka group */
    const SseCase *cases;
    size_t n_cases;
    unsigned n_seeds;                       /* start states per profile: seeds 0..n_seeds-1 */
    void (*init_state)(TState *s, int profile, uint64_t seed);
    void (*init_memory)(int profile);       /* writes the profile's image into sse_mem */
    /* Optional: adjusts the native run's memory image before the comparison, for what the
     * host may do differently and legitimately (test_sse: fxsave's MXCSR_MASK). */
    void (*fix_native)(const SseCase *tc, uint8_t *mem);
    bool compare_x87;                       /* compare the x87/MMX state too */
    bool one_block;                         /* each snippet must translate as one block */
    /* Optional: a test (of this name) that the snippets named no_calls translate with FE_OK
     * to IR ops only, without a helper call. */
    const char *no_calls_test;
    const char *const *no_calls;
    size_t n_no_calls;
    const struct CMUnitTest *tests;         /* the suite's own tests */
    size_t n_tests;
    /* Optional: a test (of this name) that each of the encodings `rejected` is refused:
     * fe_translate_block's status is not FE_OK and the block traps with SIGILL at its first
     * byte. With rejected_native, each must also raise SIGILL on the host (memory forms
     * should address [rsi], which is mapped, so that a decoded instruction would not fault). */
    const char *rejected_test;
    const SseEncoding *rejected;
    size_t n_rejected;
    bool rejected_native;
} SseSuite;

/* Sets up the code page and sse_mem, then runs the suite: one cmocka test per snippet (each
 * under every start state), the no-calls test, the suite's own tests, the rejected-encodings
 * test. Returns cmocka's failure count. */
int sse_main(const SseSuite *suite);

/* The guest memory: SSE_MEM_SIZE bytes below 4 GiB, 4096-aligned, mapped by sse_main. */
extern uint8_t *sse_mem;

/* ================================================================ start states */

uint64_t sse_rng_next(uint64_t *s);

/* What 16 bytes of a register or of memory hold. */
typedef enum SseFill {
    SSE_FILL_RANDOM,        /* random bits */
    SSE_FILL_TEXT,          /* random bits with some zero and 'a' bytes (string kernels) */
    SSE_FILL_F32,           /* four of native_f32_special */
    SSE_FILL_F64,           /* two of native_f64_special */
    SSE_FILL_SMALL_INT,     /* four int32 in -20..20 */
    SSE_FILL_EDGE16,        /* eight words at saturation edges (0, +-1, signed/unsigned limits) */
} SseFill;
void sse_fill16(uint8_t *p, SseFill kind, uint64_t *rng);

/* MXCSR by profile, every exception masked: the four rounding modes, FTZ+DAZ and preset
 * sticky flags, so each snippet's rounding and flags are compared in each mode. */
extern const uint32_t sse_mxcsr_profile[SSE_N_PROFILES];

/* The standard start state (seed ignored): random GPRs with edge values in RAX, RBX, RCX and
 * RDX, rsi = sse_mem, r12 = sse_mem + 128, r13 = sse_mem + 64, rdi = 16; all arithmetic flags
 * set in even profiles; MXCSR from sse_mxcsr_profile; XMM registers filled as the memory. */
void sse_std_state(TState *s, int profile, uint64_t seed);
/* The standard memory image: random with zero and 'a' bytes (0), floats (1, 2), doubles
 * (3, 4), small ints (5);
 * MXCSR images for ldmxcsr at 480 (by profile) and for fxrstor [rsi] at 24, one with a
 * reserved bit at 488; a shift count at 128, small, large or huge by profile. */
void sse_std_memory(int profile);

static inline void sse_put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/* ================================================================ running */

/* What sse_check saw: the native result and ferry's, raw [0] and optimised [1]. */
typedef struct SseResult {
    TState native;
    X86State ferry[2];
} SseResult;

/* Run one snippet natively and through ferry from *start and the memory as it stands, and
 * compare (see the top of this file); `where` names the start state in failure reports.
 * Returns the number of differences, each reported. Call between native_catch(true) and
 * native_catch(false). out (may be NULL) receives both results. */
int sse_check(const SseCase *tc, const TState *start, const char *where, SseResult *out);

/* Run len bytes of code at guest pc through ferry only (raw or optimised), from *t (x87 state
 * from t->fx with t->load_fx, else FNINIT's as natively), block by block as sse_check does. Returns the last exit word, or 0 (reported) if a block did not verify or
 * the host faulted while interpreting. Call between native_catch(true) and (false). */
uint64_t sse_run_ferry(const uint8_t *code, size_t len, uint64_t pc, const TState *t,
                       bool optimise, X86State *st);

#endif /* FERRY_TESTS_SSE_SNIPPETS_H */
