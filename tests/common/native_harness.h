/* native_harness.h — run x86-64 code natively from a known state and catch its faults.
 *
 * Shared by the SSE unit tests (through their snippet harness, tests/common/sse_snippets.c)
 * and the differential fuzzer (tests/fuzz/): both run guest code on the host CPU (the oracle)
 * and compare the result with ferry's.
 *
 *   native_run(s, code): loads every GPR (RSP too, when s->gpr[RSP] != 0), RFLAGS, MXCSR and
 *     the XMM registers from *s, puts x87 in its FNINIT state with zeroed registers (or, with
 *     s->load_fx, loads the x87 state from the FXSAVE image s->fx first), jumps to
 *     `code`, and stores everything back into *s (with an FXSAVE image of the final x87/SSE
 *     state in s->fx) when the code comes back. The code must end with the bytes that
 *     native_terminator() writes (an absolute indirect jump back into the stub), so it may
 *     leave RSP wherever it likes. With s->gpr[RSP] == 0 the code runs on the host stack.
 *     The host's MXCSR, callee-saved registers and DF = 0 are restored afterwards.
 *   native_catch(true) installs handlers for SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP and
 *     SIGALRM that run on an alternate signal stack (the guest RSP may point anywhere). While
 *     `native_armed` is set, a signal records the interrupted state in `native_fault` and
 *     unwinds with siglongjmp(native_jb, 1); otherwise the previous handler is restored and
 *     the signal redelivered (SIGALRM is ignored when disarmed). Arm it around native runs
 *     and around anything else that may fault (a translation run under the interpreter).
 */
#ifndef FERRY_TESTS_NATIVE_HARNESS_H
#define FERRY_TESTS_NATIVE_HARNESS_H

#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "frontend-x86/x86_state.h"

/* What the stub loads and stores; offsets are fixed by the assembly in native_harness.c. */
typedef struct TState {
    uint64_t gpr[16];       /* 0: RAX..R15 in encoding order */
    uint64_t rflags;        /* 128 */
    uint32_t mxcsr;         /* 136 */
    uint32_t load_fx;       /* 140: start from the x87/SSE state in fx (FXRSTOR) instead of
                               FNINIT with zeroed registers */
    X86Xmm xmm[16];         /* 144 */
    uint8_t fx[512] __attribute__((aligned(16)));  /* 400: FXSAVE image after the run */
} TState;
_Static_assert(offsetof(TState, rflags) == 128 && offsetof(TState, mxcsr) == 136 &&
               offsetof(TState, xmm) == 144 && offsetof(TState, fx) == 400,
               "offsets used by native_run");

void native_run(TState *s, const void *code);

/* Bytes that end natively run code: jmp *[rip+0] followed by the stub's return address.
 * Writes NATIVE_TERMINATOR_LEN bytes at p. */
#define NATIVE_TERMINATOR_LEN 14
void native_terminator(uint8_t *p);

/* A caught signal: the state at the signal (GPRs, RFLAGS, MXCSR, XMM and the FXSAVE image from
 * the signal frame), the interrupted pc, and what the kernel reported. */
typedef struct NativeFault {
    TState state;
    uint64_t rip;
    int sig, code;
    uint64_t addr;          /* si_addr */
} NativeFault;

extern sigjmp_buf native_jb;
extern volatile sig_atomic_t native_armed;
extern NativeFault native_fault;

void native_catch(bool on);

/* Float and double values worth starting from: signed zeros, infinities, quiet and signalling
 * NaNs with and without payload, denormals, extremes, halves for rounding, values at and beyond
 * the int32/int64 limits. */
extern const uint32_t native_f32_special[];
extern const unsigned native_n_f32_special;
extern const uint64_t native_f64_special[];
extern const unsigned native_n_f64_special;

#endif /* FERRY_TESTS_NATIVE_HARNESS_H */
