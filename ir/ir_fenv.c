/* ir_fenv.c — the host's floating-point environment, seen through the x86 MXCSR layout.
 *
 * IR floating-point ops (IRP_FPENV in ir_ops.def) round by, flush by and raise their
 * exception flags into "the FP environment" (ir.h). While generated code or the reference
 * interpreter runs, that environment IS the host's: the backends' trampolines and
 * ir_interp_run load it from the guest's word at IrGuestInfo.fenv_offset on entry and store
 * the host's sticky flags back into it on the way out. The word uses the MXCSR layout, which
 * every part of ferry already speaks:
 *     bits 0-5   sticky flags IE DE ZE OE UE PE
 *     bit 6      DAZ (denormal inputs are zero)
 *     bits 7-12  exception masks (the host always runs with all of them set: an unmasked
 *                guest exception is the frontend's business, never a host trap)
 *     bits 13-14 RC: 0 nearest even, 1 down, 2 up, 3 toward zero
 *     bit 15     FTZ (tiny results flush to zero)
 * These two functions are for C code that runs inside that window (helpers called from
 * generated code, the interpreter) and for the runtime.
 *
 * Hosts: x86_64 is exact (the word is loaded into MXCSR). aarch64 maps RC onto FPCR.RMode,
 * FTZ or DAZ onto FPCR.FZ (aarch64 flushes inputs and outputs together), and the flags onto
 * FPSR (IOC DZC OFC UFC IXC IDC; IDC stands in for DE, which aarch64 raises only under FZ).
 * Other hosts: rounding and the five IEEE flags through <fenv.h>; no DAZ, FTZ or DE.
 */
#include <stdint.h>

#include "ir/ir.h"

#if defined(__x86_64__)

uint32_t ir_fenv_get(void)
{
    uint32_t m;
    __asm__ volatile("stmxcsr %0" : "=m"(m));
    return m & 0xffffu;
}

void ir_fenv_set(uint32_t word)
{
    uint32_t m = (word & 0xffffu) | IR_FENV_MASKS;
    __asm__ volatile("ldmxcsr %0" : : "m"(m));
}

#elif defined(__aarch64__)

/* FPSR cumulative flag bits and the MXCSR flag each stands for. */
static const struct { uint32_t fpsr, mxcsr; } a64_flags[] = {
    { 1u << 0, 1u << 0 },   /* IOC -> IE */
    { 1u << 7, 1u << 1 },   /* IDC -> DE */
    { 1u << 1, 1u << 2 },   /* DZC -> ZE */
    { 1u << 2, 1u << 3 },   /* OFC -> OE */
    { 1u << 3, 1u << 4 },   /* UFC -> UE */
    { 1u << 4, 1u << 5 },   /* IXC -> PE */
};
/* x86 RC -> FPCR.RMode: nearest 0 -> RN 0, down 1 -> RM 2, up 2 -> RP 1, zero 3 -> RZ 3. */
static const uint8_t a64_rmode[4] = { 0, 2, 1, 3 };

uint32_t ir_fenv_get(void)
{
    uint64_t fpcr, fpsr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    __asm__ volatile("mrs %0, fpsr" : "=r"(fpsr));
    uint32_t w = IR_FENV_MASKS;
    for (unsigned i = 0; i < sizeof a64_flags / sizeof a64_flags[0]; i++)
        if (fpsr & a64_flags[i].fpsr) w |= a64_flags[i].mxcsr;
    unsigned rmode = (unsigned)(fpcr >> 22) & 3;
    for (unsigned rc = 0; rc < 4; rc++)
        if (a64_rmode[rc] == rmode) w |= rc << 13;
    if (fpcr & (1u << 24)) w |= IR_FENV_FTZ | IR_FENV_DAZ;
    return w;
}

void ir_fenv_set(uint32_t word)
{
    uint64_t fpcr, fpsr = 0;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    fpcr &= ~((3ull << 22) | (1ull << 24));
    fpcr |= (uint64_t)a64_rmode[(word >> 13) & 3] << 22;
    if (word & (IR_FENV_FTZ | IR_FENV_DAZ)) fpcr |= 1ull << 24;
    for (unsigned i = 0; i < sizeof a64_flags / sizeof a64_flags[0]; i++)
        if (word & a64_flags[i].mxcsr) fpsr |= a64_flags[i].fpsr;
    __asm__ volatile("msr fpcr, %0" : : "r"(fpcr));
    __asm__ volatile("msr fpsr, %0" : : "r"(fpsr));
}

#else

#include <fenv.h>

static const int portable_round[4] = { FE_TONEAREST, FE_DOWNWARD, FE_UPWARD, FE_TOWARDZERO };
static const struct { int fe; uint32_t mxcsr; } portable_flags[] = {
    { FE_INVALID, 1u << 0 }, { FE_DIVBYZERO, 1u << 2 }, { FE_OVERFLOW, 1u << 3 },
    { FE_UNDERFLOW, 1u << 4 }, { FE_INEXACT, 1u << 5 },
};

uint32_t ir_fenv_get(void)
{
    uint32_t w = IR_FENV_MASKS;
    int r = fegetround();
    for (unsigned rc = 0; rc < 4; rc++)
        if (portable_round[rc] == r) w |= rc << 13;
    for (unsigned i = 0; i < sizeof portable_flags / sizeof portable_flags[0]; i++)
        if (fetestexcept(portable_flags[i].fe)) w |= portable_flags[i].mxcsr;
    return w;
}

void ir_fenv_set(uint32_t word)
{
    fesetround(portable_round[(word >> 13) & 3]);
    feclearexcept(FE_ALL_EXCEPT);
    for (unsigned i = 0; i < sizeof portable_flags / sizeof portable_flags[0]; i++)
        if (word & portable_flags[i].mxcsr) feraiseexcept(portable_flags[i].fe);
}

#endif

uint32_t ir_fenv_enter(const void *state, const IrGuestInfo *gi)
{
    uint32_t saved = ir_fenv_get();
    if (gi->fenv) {
        uint32_t w;
        __builtin_memcpy(&w, (const char *)state + gi->fenv_offset, 4);
        ir_fenv_set(w);
    } else {
        ir_fenv_set(IR_FENV_DEFAULT);
    }
    return saved;
}

void ir_fenv_raise(uint32_t flags)
{
    ir_fenv_set(ir_fenv_get() | (flags & IR_FENV_FLAGS));
}

void ir_fenv_store_flags(uint32_t *word)
{
    *word = (*word & ~IR_FENV_FLAGS) | (ir_fenv_get() & IR_FENV_FLAGS);
}

void ir_fenv_leave(void *state, const IrGuestInfo *gi, uint32_t saved)
{
    if (gi->fenv)
        ir_fenv_store_flags((uint32_t *)(void *)((char *)state + gi->fenv_offset));
    ir_fenv_set(saved);
}
