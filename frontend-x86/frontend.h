/* frontend.h — public API of the x86-64 frontend: guest code in, one IR block out.
 *
 * fe_translate_block decodes guest instructions from `pc` until a block-ending instruction
 * (branch, call, ret, syscall, trap), the instruction limit, or a page boundary crossing after
 * the first instruction, and emits IR for them into `blk` through the builder (folding at
 * emit time). It never fails on guest input: an undecodable or unimplemented first instruction
 * becomes a block that traps with SIGILL at that pc; a later one ends the block before it, so
 * the trap happens with exact state when execution reaches it. Unreadable code (fetch returns
 * fewer bytes than the instruction needs) traps with SIGSEGV the same way.
 */
#ifndef FERRY_FRONTEND_H
#define FERRY_FRONTEND_H

#include <stddef.h>
#include <stdint.h>
#include "ir/ir.h"
#include "frontend-x86/x86_state.h"
#include "frontend-x86/x86_decode.h"

/* Copies up to n guest code bytes at guest address pc into buf; returns how many were
 * readable (0 if pc is not mapped executable). */
typedef size_t (*FeFetchFn)(void *opaque, uint64_t pc, uint8_t *buf, size_t n);

typedef struct FeOptions {
    unsigned max_insns;     /* guest instructions per block (default 64 if 0) */
    bool single_step;       /* one guest instruction per block (debugging) */
} FeOptions;

/* Why a block ended early or trapped, for -d logs. One table: fe_status_message. */
typedef enum FeStatus {
    FE_OK = 0,
    FE_UNDECODABLE,     /* the decoder rejected the bytes (#UD) */
    FE_UNIMPLEMENTED,   /* decoded, but ferry has no translation yet (SIGILL, logged) */
    FE_FETCH_FAULT,     /* code bytes not readable (SIGSEGV) */
    FE_STATUS_COUNT
} FeStatus;
const char *fe_status_message(FeStatus s);

typedef struct FeResult {
    FeStatus status;    /* FE_OK, or why the block's last instruction traps */
    uint64_t bad_pc;    /* the pc of that instruction */
    X86Insn bad_insn;   /* its decoding (valid for FE_UNIMPLEMENTED) */
} FeResult;

/* Call once at start-up: registers the frontend's C helpers with ir_helper_register. */
void fe_init(void);

/* Translate the block at pc into blk (which is reset first). */
void fe_translate_block(IrBlock *blk, uint64_t pc, FeFetchFn fetch, void *opaque,
                        const FeOptions *opt, FeResult *res);

/* The CPU model ferry presents: CPUID leaf/subleaf -> {eax, ebx, ecx, edx}. The runtime uses
 * leaf 1 EDX for AT_HWCAP so the auxv and the cpuid instruction always agree. */
void fe_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* Where the guest pc lives and how big the state is, for the interpreter and backends. */
IrGuestInfo fe_guest_info(uint64_t guest_base);

#endif /* FERRY_FRONTEND_H */
