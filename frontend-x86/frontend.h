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
    bool superblocks;       /* a forward jcc is a side exit and the block goes on at the
                               fall-through (gen_branch.c), so a loop body with ifs inside is
                               one block; user mode sets it, unset means a block per jcc */
    /* System mode (see "System mode" below); all zero in user mode. */
    bool system;            /* a whole machine at privilege levels 0 and 3 */
    uint8_t mode;           /* X86Mode of the code (system mode: the CPU's current one; the
                               runtime keeps every translation of one mode, see machine.h) */
    uint64_t mem_limit;     /* guest physical addresses from here up are outside RAM */
    IrHelperFn port_in;     /* in:  (state, port, size) -> the value, zero-extended */
    IrHelperFn port_out;    /* out: (state, port, size, value) */
    /* The soft MMU's slow path (runtime/machine_mmu.c): */
    bool mmu_slow;          /* translate for the slow path: every access calls mmu_xlate */
    IrHelperFn mmu_xlate;   /* (state, linear, FE_MMU_* | size) -> the physical address to
                               LOAD/STORE (RAM, or a bounce buffer past it), filling the TLB;
                               FE_MMU_FAULT with exc_vector/exc_err set when the access faults */
    IrHelperFn mmu_finish;  /* (state): after the instruction's stores, writes what went to
                               bounce buffers (pages not contiguous, device memory) */
    IrHelperFn sys_ctl;     /* (state, FE_CTL_*, value) -> 0, or 1 with exc_vector/exc_err
                               set: what privileged instructions do to the machine (CR writes
                               and TLB flushes, descriptor loads, privilege changes) */
    /* rdmsr/wrmsr: when set, called instead of the CPU's own MSR helper as (state, write):
     * the machine answers the MSRs its devices hold and passes the rest to fe_msr_access. */
    IrHelperFn msr;
} FeOptions;

/* mmu_xlate's access word: the size in bytes (1-16) | the kind. */
enum { FE_MMU_READ = 0, FE_MMU_WRITE = 0x100, FE_MMU_SIZE_MASK = 0xff };
#define FE_MMU_FAULT (~0ull)
/* sys_ctl's operations (value: what the instruction supplies). */
typedef enum FeCtl {
    FE_CTL_CR0 = 0,         /* CR0 was written (value: the old CR0): flush the TLB */
    FE_CTL_CR3,             /* mov to CR3 (value: the new CR3) */
    FE_CTL_CR4,             /* CR4 was written (value: the old CR4) */
    FE_CTL_EFER,            /* wrmsr happened: EFER.NXE may have changed */
    FE_CTL_INVLPG,          /* invlpg (value: the linear address) */
    FE_CTL_LTR,             /* ltr (value: the selector) */
    FE_CTL_IRET,            /* iretq of the frame in X86State.iret_frame */
    FE_CTL_SYSCALL,         /* syscall (value: the next instruction's address) */
    FE_CTL_SYSRET,          /* sysret with REX.W */
    FE_CTL_SYSENTER,        /* sysenter */
    FE_CTL_SYSEXIT,         /* sysexit (value: 1 with REX.W, to 64-bit code) */
} FeCtl;

/* System mode (FeOptions.system).
 *
 * The guest runs at privilege level 0 or 3 of a machine the runtime provides; the frontend
 * differs from user mode only where the instruction set says privilege matters (gen_system.c):
 *   - every guest load and store goes through the soft MMU: an inline probe of the TLB that
 *     X86State.mmu_tlb points at (x86_state.h X86TlbEntry) turns the linear address into a
 *     physical one, which LOAD/STORE use (guest_base = the host address of RAM; the TLB
 *     holds RAM pages only, so device memory always takes the slow path); a miss
 *     leaves the block at the instruction with the trap FE_SYS_TLB_MISS, the state as the
 *     instruction found it (KEEPs of the flags and icount, stored on that exit only). The
 *     runtime then runs the instruction alone, translated with FeOptions.mmu_slow: every
 *     access calls mmu_xlate (which fills the TLB, or raises the fault: FE_SYS_EXC) and
 *     stores end with mmu_finish. C helpers reach guest memory through x86_host_ptr, which
 *     calls X86State.host_ptr. rep string instructions run one element per pass.
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
 *     swapgs, segment loads and stores in 64-bit code, rdtsc (icount, deterministic) are
 *     translated.
 *   - privileged instructions check CPL (and IOPL) at run time (#GP(0)); what needs the
 *     machine (CR writes and TLB flushes, invlpg, ltr, iretq, syscall, sysret) calls
 *     FeOptions.sys_ctl; instructions that change mappings end the block with FE_SYS_FLUSH.
 *   - FeOptions.mode says whether the code segment is 64-bit or 32-bit (protected mode or
 *     compatibility mode); instructions that load segments or may change the mode (far
 *     transfers, 32-bit iret, CR0.PE/PG, CR4 paging-mode bits, EFER.LME) leave with an
 *     FE_SYS_EMULATE trap and the runtime performs them (machine_seg.c, machine_mode.c).
 *   - what the machine cannot do yet (far transfers to another level, sysret to
 *     compatibility mode, LDT, task switches) leaves with an FE_SYS_STOP trap naming it.
 * Trap exits keep their user-mode meaning otherwise (a Linux signal and si_code, which the
 * runtime turns into the exception: SIGILL #UD, SIGFPE #DE, SIGSEGV/SI_KERNEL #GP(0)); a trap
 * exit with signal number 0 is the machine's own, its code one of: */
enum {
    FE_SYS_INT = 0x000,     /* + vector: int n (CD ib): deliver the vector as a software
                               interrupt; rip is the next instruction, 2 bytes on */
    FE_SYS_STOP = 0x100,    /* + FeSysStop: stop the machine; rip is the instruction */
    FE_SYS_TLB_MISS = 0x200,/* a TLB probe missed: run the instruction at rip through the
                               slow path (FeOptions.mmu_slow), which fills the TLB or faults */
    FE_SYS_EXC = 0x201,     /* deliver the exception in exc_vector/exc_err; rip is the
                               instruction (a fault) */
    FE_SYS_INT_SHORT = 0x300, /* + vector: the same for int3 (CC) and int1 (F1), 1 byte */
    FE_SYS_FLUSH = 0x202,   /* the instruction before rip changed mappings: drop the
                               translations (the runtime's), then go on at rip */
    FE_SYS_EMULATE = 0x203, /* the runtime carries out the instruction at rip itself, in C
                               (segment loads, far transfers, iret in 32-bit code, mode
                               switches through CR0/CR4/EFER): state is exact before it */
};
/* The CPU's rdmsr (write 0) / wrmsr (write 1) of MSR ECX with EDX:EAX, on the X86State
 * `state`; a FeOptions.msr hook calls it for the MSRs it does not own. */
/* FE_MSR_STOP_EFER: a write changing EFER.LME, which nothing wrote yet: a mode switch the
 * runtime carries out (FE_SYS_EMULATE). */
enum { FE_MSR_OK = 0, FE_MSR_GP = 1, FE_MSR_STOP_EFER = 2 };
uint64_t fe_msr_access(void *state, uint64_t write);
typedef enum FeSysStop {
    FE_STOP_RING3 = 0,      /* a far return or jump to another privilege level */
    FE_STOP_SYSCALL,        /* sysret to compatibility mode (no REX.W) */
    FE_STOP_TASK,           /* lldt, a task return (NT) */
    FE_STOP_COUNT
} FeSysStop;
/* One line saying what the guest did and that ferry does not support it yet. */
const char *fe_sys_stop_message(unsigned reason);
/* The system-mode CPUID: the user-mode model plus the system features the machine has (MSR,
 * PSE, PAE, PGE, PAT, the local APIC with x2APIC and the TSC-deadline timer). */
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
