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
    /* System mode (see "System mode" below); all zero in user mode. */
    bool system;            /* a whole machine at privilege level 0 */
    uint8_t mode;           /* X86Mode of the code (system mode: the CPU's current one; the
                               runtime keeps every translation of one mode, see machine.h) */
    uint64_t mem_limit;     /* guest addresses from here up are outside RAM */
    IrHelperFn port_in;     /* in:  (state, port, size) -> the value, zero-extended */
    IrHelperFn port_out;    /* out: (state, port, size, value) */
} FeOptions;

/* System mode (FeOptions.system).
 *
 * The guest runs at privilege level 0 of a machine the runtime provides; the frontend differs
 * from user mode only where the instruction set says privilege matters (gen_system.c):
 *   - every guest load and store address is clamped: an address at or above mem_limit becomes
 *     mem_limit itself, where the runtime keeps an inaccessible guard, so no address a guest
 *     computes reaches host memory outside its RAM (C helpers do the same through
 *     x86_host_ptr). Guest virtual addresses are physical ones: the runtime's identity map is
 *     the only paging supported yet.
 *   - each block starts by comparing X86State.icount with icount_limit and leaves with an
 *     IR_EXIT_EVENT exit (state exact, rip = the block's pc) when the limit is reached; every
 *     block exit charges the block's instructions to icount. The runtime lowers icount_limit to
 *     get control back between instructions (timers, interrupts); sti, and popf and iretq when
 *     they set IF, set it to 0 themselves. sti (and mov ss) keeps the next instruction in
 *     the same block: interrupts are taken after it, as the interrupt shadow says.
 *   - in/out and ins/outs (with rep) call port_in/port_out with icount up to date, and end the
 *     block, so an interrupt a device raises is taken right after the access.
 *   - hlt leaves with IR_EXIT_HALT at the next instruction; cli, sti, pushf, popf and iretq
 *     see the real IF (and IOPL, NT); int n, int3 and int1 leave with FE_SYS_INT traps;
 *     lgdt/lidt/sgdt/sidt, mov to/from CR0/2/3/4/8, clts, smsw/lmsw, invlpg, wbinvd/invd,
 *     rdmsr/wrmsr (EFER, STAR, LSTAR, CSTAR, SFMASK, FS/GS/KERNEL_GS base, TSC, TSC_AUX, PAT),
 *     swapgs, segment loads and stores, far returns and jumps, rdtsc (icount, deterministic)
 *     are translated.
 *   - FeOptions.mode says whether the code segment is 64-bit or 32-bit (protected mode or
 *     compatibility mode); instructions that load segments or may change the mode leave with
 *     an FE_SYS_EMULATE trap and the runtime performs them (machine_seg.c, machine_mode.c).
 *   - what the machine cannot do yet (ring 3, syscall, task registers) leaves with an
 *     FE_SYS_STOP trap naming it.
 * Trap exits keep their user-mode meaning otherwise (a Linux signal and si_code, which the
 * runtime turns into the exception: SIGILL #UD, SIGFPE #DE, SIGSEGV/SI_KERNEL #GP(0)); a trap
 * exit with signal number 0 is the machine's own, its code one of: */
enum {
    FE_SYS_INT = 0x000,     /* + vector: int n, int3 (3), int1 (1): deliver the vector as a
                               software interrupt; rip is the next instruction */
    FE_SYS_STOP = 0x100,    /* + FeSysStop: stop the machine; rip is the instruction */
    FE_SYS_EMULATE = 0x200, /* the runtime carries out the instruction at rip itself, in C
                               (segment loads, far transfers, iret outside 64-bit mode, mode
                               switches through CR0/CR3/CR4/EFER): state is exact before it */
};
typedef enum FeSysStop {
    FE_STOP_CR3 = 0,        /* CR3 loaded with page tables other than ferry's */
    FE_STOP_CR0,            /* CR0.PE or PG changed: a mode switch */
    FE_STOP_CR4,            /* CR4 paging bits (PSE, PAE, LA57, PCIDE) changed */
    FE_STOP_EFER,           /* EFER.LME changed */
    FE_STOP_RING3,          /* a return to a privilege level other than 0 */
    FE_STOP_SYSCALL,        /* syscall, sysret */
    FE_STOP_TASK,           /* ltr, lldt, a task return (NT) */
    FE_STOP_COUNT
} FeSysStop;
/* One line saying what the guest did and that ferry does not support it yet. */
const char *fe_sys_stop_message(unsigned reason);
/* The system-mode CPUID: the user-mode model plus the system features the machine has (MSR,
 * PSE, PAE, PGE, PAT). */
void fe_cpuid_system(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

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
