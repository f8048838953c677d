/* machine.h — system mode: one x86-64 machine (a CPU, guest RAM and ferry's PC board) run by
 * the same translator as user mode.
 *
 * The machine reuses the user-mode runtime's translation machinery through an RtProcess (code
 * cache, block table, logs, statistics) and its one RtThread (the CPU's X86State). What
 * differs lives in the machine_*.c files:
 *   machine_options.c  QEMU's command line (-kernel, -m, -serial, ...) -> RtMachineOptions
 *   machine_boot.c     guest RAM (one host mapping and a guard), the ELF64 kernel, the
 *                      initrd, the identity page tables, GDT and boot info (system_boot.h),
 *                      the CPU's entry state; the same again at a reset
 *   machine_run.c      the dispatcher: virtual time, port I/O for generated code, hlt,
 *                      interrupts between blocks, traps, reset, the end of the machine
 *   machine_intr.c     delivery of interrupts and exceptions through the long-mode IDT
 *   machine_intr32.c   the same through a 32-bit protected-mode IDT
 *   machine_multiboot.c  Multiboot (v1) kernels: the header, a.out kludge or ELF images, the
 *                      modules, the boot information, the 32-bit entry state
 *   machine_seg.c      segment descriptors, and the instructions the frontend leaves to the
 *                      runtime (FE_SYS_EMULATE: far transfers, iret, segment loads, CR and
 *                      EFER writes)
 *   machine_mode.c     the CPU's mode (64-bit, 32-bit) and mode switches through CR0, CR4
 *                      and EFER
 *   machine_main.c     start-up order (rt_machine_main)
 *   machine_mmu.c      the soft MMU: page-table walkers, the TLB, the slow path (which also
 *                      reaches device memory), code fetch and the coherence of translated code
 *   machine_cpu.c      privileged transitions for generated code: CR writes, invlpg, ltr,
 *                      iretq, syscall, sysret, sysenter, sysexit; the MSRs devices hold
 *                      (the local APIC's)
 *
 * Modes: each translation is made for one mode (FeOptions.mode, from CS and EFER.LMA: 64-bit
 * code or 32-bit code) and keyed on it in the block table (blocks.c). When the mode changes (a
 * far jump to another kind of code segment, an interrupt or iret across modes),
 * rt_machine_mode_update switches FeOptions.mode and empties the jump cache, so no block of
 * one mode is ever found or chained in another, and going back finds the old mode's blocks.
 *
 * Paging: the soft MMU (machine_mmu.c) translates every linear address in every mode: no
 * paging, 32-bit paging, PAE paging (in 32-bit code) and 4-level paging (IA-32e mode), any
 * mapping. The runtime's own accesses (descriptor tables, interrupt frames, the emulated
 * instructions) are linear accesses through it too (rt_mmu_read/write), so they fault as the
 * CPU's do (#PF with CR2).
 *
 * Isolation: guest RAM is one host mapping [ram, ram + ram_size), then a page of the MMU's
 * bounce buffers, then an inaccessible guard. Generated code accesses only the physical
 * addresses the MMU gives it, all in RAM (or the bounce page); C helpers go through
 * X86State.host_ptr; devices reach RAM only through dev_bus_ram_read/write (range-checked),
 * the machine only through machine_ram_read/write and rt_mmu_read/write. A physical address
 * outside RAM goes to the devices' bus through the slow path's bounce buffers (device memory:
 * the local APIC, the IOAPIC; unclaimed addresses read all ones and ignore writes); only an
 * address beyond the guest-physical address space (CPUID's MAXPHYADDR) stops the machine.
 *
 * Virtual time: nanoseconds = guest instructions retired (X86State.icount, one per ns: a
 * 1 GHz CPU retiring one instruction a cycle) + the time the CPU spent halted. Nothing reads
 * the host's clock, so serial output and exit status repeat exactly from run to run.
 */
#ifndef FERRY_MACHINE_H
#define FERRY_MACHINE_H

#include <setjmp.h>
#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_board.h"
#include "runtime/rt.h"

/* Exit statuses of ferry-system, besides isa-debug-exit's (v << 1) | 1. */
enum {
    RT_MACHINE_EXIT_OFF = 0,        /* the guest ended the machine: a reset under -no-reboot,
                                       or a halt nothing can end (QEMU would wait forever) */
    RT_MACHINE_EXIT_USAGE = 1,      /* ferry-system could not start (flags, kernel, RAM) */
    RT_MACHINE_EXIT_STOPPED = 2,    /* the guest needed something ferry does not support yet,
                                       or touched memory outside its RAM */
};

typedef enum RtSerial { RT_SERIAL_STDIO = 0, RT_SERIAL_NONE } RtSerial;

typedef struct RtMachineOptions {
    const char *kernel;         /* -kernel FILE */
    const char *initrd;         /* -initrd FILE, or NULL */
    const char *append;         /* -append STR ("" when not given) */
    uint64_t ram_size;          /* -m, bytes (default 128 MiB) */
    RtSerial serial;            /* -serial stdio (default) / none */
    bool no_reboot;             /* -no-reboot: a reset ends the machine */
    unsigned log_mask;          /* -d */
    const char *log_file;       /* -D */
    bool interp;                /* --interp */
    bool single_step;           /* -singlestep */
} RtMachineOptions;

/* The soft MMU's state (machine_mmu.c). */
#define RT_MMU_BOUNCE_SLOTS 4
#define RT_MACHINE_BOUNCE_SIZE 4096     /* after RAM: the bounce buffers, 64 bytes a slot */
#define RT_MMU_SLOW_SLOTS 256
typedef struct RtMmuBounce {
    uint64_t phys[2];           /* where the bytes of the access go: one or two pieces */
    uint32_t len[2];
    bool mmio[2];               /* a piece in device memory (dev_bus_mmio_*), not RAM */
    bool store;                 /* to write back at mmu_finish */
} RtMmuBounce;

typedef struct RtMmu {
    /* [0] supervisor accesses, [1] user ones (CPL 3); X86State.mmu_tlb points at one. */
    X86TlbEntry tlb[2][X86_TLB_SIZE] __attribute__((aligned(64)));
    bool global[2][X86_TLB_SIZE];  /* the entry is a global page: kept by CR3 writes */
    uint8_t *code_pages;        /* bit per physical page of RAM: translated code came from it */
    bool flush_code;            /* translations must be dropped before the next block */
    uint64_t nxe;               /* EFER.NXE the TLB was filled under */
    RtMmuBounce bounce[RT_MMU_BOUNCE_SLOTS];  /* at physical ram_size + 64 * slot */
    unsigned bounce_next;
    struct { uint64_t pc; uint8_t mode; IrBlock *ir; } slow[RT_MMU_SLOW_SLOTS];  /* slow-path
                                   blocks, by pc and X86Mode */
} RtMmu;

/* The hidden part of a segment register (SDM Vol. 3A 3.4.3), from its descriptor. */
typedef struct RtSegCache {
    uint32_t base;
    uint32_t limit;             /* in bytes (G applied) */
    uint32_t attr;              /* descriptor bits 40-55: type, S, DPL, P, AVL, L, D/B, G */
} RtSegCache;
#define RT_SEG_L (1u << 13)     /* attr: 64-bit code segment */
#define RT_SEG_D (1u << 14)     /* attr: 32-bit default size (D/B) */

/* A Multiboot kernel (machine_multiboot.c): what to copy where, from the kernel file. */
typedef struct RtLoadSeg {
    uint64_t offset, paddr, filesz, memsz;
} RtLoadSeg;
#define RT_MB_MAX_SEGS 16
#define RT_MB_MAX_MODS 32
typedef struct RtModule {
    uint8_t *image;
    size_t size;
    char *string;               /* the -initrd entry: "path args" (what QEMU hands on) */
} RtModule;
typedef struct RtMultiboot {
    bool on;                    /* the kernel is a Multiboot kernel */
    uint32_t entry;
    RtLoadSeg seg[RT_MB_MAX_SEGS];
    unsigned n_seg;
    uint64_t kernel_end;        /* the highest byte loaded + 1 (modules follow) */
    RtModule mod[RT_MB_MAX_MODS];
    unsigned n_mod;
} RtMultiboot;

typedef struct RtMachine {
    RtMachineOptions opt;
    RtProcess *p;               /* translation, logs, statistics (p->machine points back) */
    RtThread *cpu;              /* the CPU: cpu->state */
    uint8_t *ram;               /* host view of guest RAM */
    uint64_t ram_size;
    uint64_t map_size;          /* ram_size + the guard */
    uint64_t mapped;            /* bytes the boot page tables identity-map */
    uint8_t *kernel_image;      /* the kernel file, kept for resets */
    size_t kernel_size;
    uint8_t *initrd_image;
    size_t initrd_size;
    DevChar serial;
    DevBoard board;
    uint64_t idle_ns;           /* virtual time spent halted */
    uint64_t next_poll;         /* icount at which host input is looked at again */
    bool reset_pending;         /* the guest asked for a reset (i8042, triple fault) */
    bool in_delivery;           /* delivering an interrupt or exception (a fault then is a
                                   double fault) */
    uint64_t cr8_seen;          /* CR8 as last given to / taken from the local APIC's TPR */
    unsigned int_len;           /* the length of the int n/int3/int1 being delivered: a
                                   fault in its delivery is reported at the instruction */
    RtMmu mmu;
    RtMultiboot mb;
    RtSegCache seg[6];          /* the hidden parts of ES CS SS DS FS GS */
    X86Mode mode;               /* the CPU's mode, as FeOptions.mode has it */
    jmp_buf helper_fault;       /* rt_machine_run's, for rt_machine_helper_fault */
} RtMachine;

/* machine_main.c: ferry-system's main (also `ferry --system ...`). argv[0] is the program
 * name. Does not return. */
_Noreturn void rt_machine_main(int argc, char **argv);

/* machine_options.c: parse the command line; help and version print and exit 0, errors print
 * one line and exit RT_MACHINE_EXIT_USAGE. */
void rt_machine_options_parse(RtMachineOptions *o, int argc, char **argv);

/* machine_boot.c */
/* Map guest RAM and its guard; on failure print why and exit RT_MACHINE_EXIT_USAGE. */
void rt_machine_ram_init(RtMachine *m);
/* Read and check the kernel (and initrd) files; exit RT_MACHINE_EXIT_USAGE with one line on a
 * missing or malformed file. */
void rt_machine_load_files(RtMachine *m);
/* A whole file (exit RT_MACHINE_EXIT_USAGE with one line when it cannot be read). */
uint8_t *rt_machine_read_file(const char *path, size_t *size);
/* Put the kernel, initrd, page tables, GDT and boot info into RAM and the CPU in its entry
 * state (at start-up and at each reset). */
void rt_machine_boot(RtMachine *m);
/* The CPU state both boot protocols start from (a reset, for either): power-on registers,
 * virtual time carried over and the TSC from 0, RAM, rip = entry, rsp = FERRY_BOOT_STACK_TOP,
 * the power-on PAT. The caller sets the mode (CRs, EFER, segments) of its protocol. */
X86State *rt_machine_cpu_reset(RtMachine *m, uint64_t entry);
/* Guest RAM for the machine itself: 0, or -1 when any byte is outside RAM. */
int rt_machine_ram_read(const RtMachine *m, uint64_t addr, void *dst, size_t n);
int rt_machine_ram_write(RtMachine *m, uint64_t addr, const void *src, size_t n);

/* machine_mmu.c: the soft MMU (README "System mode"). Linear -> physical as the CPU's paging
 * mode says (CR0.PG, CR4.PAE/PSE/PGE, EFER.LMA/NXE, CR0.WP): none, 32-bit, PAE, 4-level. */
/* Access kinds, as the bits of the #PF error code they set. */
enum {
    RT_ACC_READ = 0, RT_ACC_WRITE = 1u << 1, RT_ACC_USER = 1u << 2, RT_ACC_EXEC = 1u << 4,
};
enum { RT_PF_P = 1u << 0, RT_PF_RSVD = 1u << 3 };
/* What rt_mmu_translate answers. */
enum { RT_MMU_OK = 0, RT_MMU_PF = 1, RT_MMU_GP = 2 };
/* Translate linear address la for an access of kind acc (RT_ACC_*; RT_ACC_USER for CPL 3
 * except implicit supervisor accesses such as descriptor tables): RT_MMU_OK with *phys,
 * RT_MMU_PF with the #PF error code in *err, or RT_MMU_GP (non-canonical address). Sets the
 * accessed and dirty bits as the CPU does; fills no TLB. The one function mode switches and
 * 32-bit code use as well. */
int rt_mmu_translate(RtMachine *m, uint64_t la, unsigned acc, uint64_t *phys, uint32_t *err);
/* Set up (boot, reset): TLBs empty, the state pointing at them and at the helpers. */
void rt_mmu_init(RtMachine *m);
/* Forget translations: every TLB entry (or all but global pages), one page's. */
void rt_mmu_flush_tlb(RtMachine *m, bool keep_global);
void rt_mmu_flush_page(RtMachine *m, uint64_t la);
/* Drop every translated block (and the slow path's), and what marks pages as code. Only from
 * the runtime, never from a helper running in generated code (flush_code asks for it). */
void rt_mmu_flush_code(RtMachine *m);
/* X86State.mmu_tlb for the CPL in CS (after every change of CS). */
void rt_mmu_set_cpl(RtMachine *m);
/* Guest linear memory for the machine itself (interrupt frames, descriptor tables): an
 * implicit supervisor access. RT_MMU_OK, or RT_MMU_PF/GP with CR2 set and *err the error code
 * (for #PF). Physical addresses outside RAM stop the machine. */
int rt_mmu_read(RtMachine *m, uint64_t la, void *dst, size_t n, uint32_t *err);
int rt_mmu_write(RtMachine *m, uint64_t la, const void *src, size_t n, uint32_t *err);
/* The same as an explicit access of the instruction at the current privilege level (a user
 * access at CPL 3: the emulated instructions' memory operands and stack). */
int rt_mmu_read_cpl(RtMachine *m, uint64_t la, void *dst, size_t n, uint32_t *err);
int rt_mmu_write_cpl(RtMachine *m, uint64_t la, const void *src, size_t n, uint32_t *err);
/* FeFetchFn's job in system mode (rt_fetch_code calls it): guest code through the MMU at the
 * current privilege level; marks the physical pages as holding code. */
size_t rt_machine_fetch_code(RtMachine *m, uint64_t pc, uint8_t *buf, size_t n);
/* Where the fetch at pc fails: the #PF (error code, CR2 = the address) is delivered, or the
 * machine stops when the code lies outside RAM. */
void rt_mmu_fetch_fault(RtMachine *m, uint64_t pc);
/* The slow path (FE_SYS_TLB_MISS): the instruction at rip with every access through
 * mmu_xlate; returns its exit word. */
uint64_t rt_mmu_run_slow(RtMachine *m);
/* The IrHelperFns FeOptions names (frontend.h). */
uint64_t rt_mmu_xlate(void *state, uint64_t la, uint64_t kind, uint64_t unused);
uint64_t rt_mmu_finish(void *state, uint64_t a0, uint64_t a1, uint64_t a2);

/* machine_cpu.c: privileged transitions for generated code (FeOptions.sys_ctl): CR and EFER
 * writes, invlpg, ltr, iretq, syscall, sysret, sysenter, sysexit. */
uint64_t rt_machine_sys_ctl(void *state, uint64_t op, uint64_t value, uint64_t unused);
/* FeOptions.msr: rdmsr/wrmsr of the local APIC's MSRs (IA32_APIC_BASE, IA32_TSC_DEADLINE, the
 * x2APIC range; a refusal is #GP), every other MSR through fe_msr_access. */
uint64_t rt_machine_msr(void *state, uint64_t write, uint64_t unused1, uint64_t unused2);
/* Raise exception vector with an error code (has_err) from a helper: FE_SYS_EXC follows. */
void rt_machine_raise(RtMachine *m, unsigned vector, bool has_err, uint32_t err);
/* From a C helper that generated code (or the interpreter) called through fe_call_mem, after
 * rt_machine_raise: leave the block for the run loop, which delivers the exception at the
 * instruction (X86State.helper_pc). machine_run.c. */
_Noreturn void rt_machine_helper_fault(RtMachine *m);
/* The current privilege level (CS.RPL). */
static inline unsigned rt_machine_cpl(const RtMachine *m) { return m->cpu->state.seg[1] & 3; }

/* machine_run.c */
_Noreturn void rt_machine_run(RtMachine *m);
/* The IrHelperFn for port I/O that generated code calls (FeOptions.port_in/port_out). */
uint64_t rt_machine_port_in(void *state, uint64_t port, uint64_t size, uint64_t unused);
uint64_t rt_machine_port_out(void *state, uint64_t port, uint64_t size, uint64_t value);
/* Around every device access from the CPU: bring the board's clock to the CPU's time (and
 * CR8 into the APIC's TPR) before; after, take the TPR back into CR8 and, when an interrupt
 * became deliverable or a reset is pending, make the next block start return. */
void rt_machine_sync_devices(RtMachine *m);
void rt_machine_after_device(RtMachine *m);
/* The board's hooks into the machine (reset request, end with a status). */
DevBoardHooks rt_machine_hooks(RtMachine *m);
/* End the machine with the host exit status (logs and statistics flushed). */
_Noreturn void rt_machine_exit(RtMachine *m, int status);
/* Stop the machine with one line "ferry-system: <what> at rip 0x...: machine stopped". */
_Noreturn void rt_machine_stop(RtMachine *m, int status, const char *what);
/* From the host fault handler (fault.c): a fault in generated code, a helper or the
 * interpreter while the machine runs. A fault in the RAM guard stops the machine; any other is
 * ferry's bug (returns, and the handler reports it). Async-signal-safe. */
void rt_machine_fault(RtProcess *p, RtThread *t, const siginfo_t *si, uintptr_t host_pc,
                      bool in_cache);

/* machine_intr.c: deliver vector (with an error code when has_err) through the IDT, as an
 * external interrupt, an exception at rip, or a software interrupt (rip already past the
 * instruction). A failure becomes #GP/#NP, then a double fault, then a triple fault (a reset
 * request). */
typedef enum RtIntKind { RT_INT_EXTERNAL, RT_INT_EXCEPTION, RT_INT_SOFTWARE } RtIntKind;
void rt_machine_interrupt(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                          uint32_t err);
/* One delivery attempt; what it ran into, if anything (machine_intr.c). */
typedef struct RtIntFault {
    bool hit;
    unsigned vector;
    uint32_t err;
} RtIntFault;
/* machine_intr32.c: one attempt through a 32-bit IDT (8-byte gates), from CPL 0 or 3 (the
 * 32-bit TSS's SS0:ESP0 for a handler at level 0). */
RtIntFault rt_machine_deliver32(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                                uint32_t err);

/* machine_multiboot.c */
/* Is the kernel file a Multiboot kernel? Checks and records its header and image (one line
 * and exit status 1 when it is malformed). */
bool rt_machine_multiboot_probe(RtMachine *m);
/* Read the modules (-initrd "file args,file args"). */
void rt_machine_multiboot_modules(RtMachine *m);
/* The image, modules, boot information and the 32-bit entry state (at boot and each reset). */
void rt_machine_multiboot_boot(RtMachine *m);

/* machine_seg.c */
/* Load segment register n (0-5, ES CS SS DS FS GS) with selector sel from the GDT, with the
 * checks of a load at the current privilege level (CS: a far jump or call that keeps it);
 * false with *vector and *err set to the exception, or the machine stops (what it does not
 * support). */
bool rt_machine_load_seg(RtMachine *m, unsigned n, uint16_t sel, unsigned *vector,
                         uint32_t *err);
/* The hidden part a descriptor gives. */
RtSegCache rt_machine_seg_from_desc(uint64_t desc);
/* Flat segments as a boot hand-off leaves them: CS a 64-bit (or 32-bit) code segment, the
 * others 4 GiB data segments, bases 0. */
void rt_machine_segs_flat(RtMachine *m, bool code64);
/* Carry out the instruction at rip that the frontend left to the runtime (FE_SYS_EMULATE). */
void rt_machine_emulate(RtMachine *m);

/* machine_mode.c */
/* The mode of the code the CPU runs now, into FeOptions.mode (the jump cache emptied when it
 * changes). Stops the machine on a 16-bit code segment (not supported). */
void rt_machine_mode_update(RtMachine *m);
/* Linear -> physical for the machine's own use, through the MMU's walker (an implicit
 * supervisor read: rt_mmu_translate, which sets accessed bits as the CPU's access would);
 * false when the address does not translate (no fault is raised, CR2 is untouched). */
bool rt_machine_linear_to_phys(RtMachine *m, uint64_t linear, uint64_t *phys);
/* Writes of CR0, CR3, CR4 and EFER with the checks a mode switch needs: 0, or the vector of
 * the exception (#GP(0)); a change of paging mode flushes the TLB and asks for the
 * translations to be dropped (RtMmu.flush_code). Stops the machine on what it cannot run
 * (real mode, LA57, PCIDE). */
int rt_machine_write_cr(RtMachine *m, unsigned cr, uint64_t v);
int rt_machine_write_efer(RtMachine *m, uint64_t v);

#endif /* FERRY_MACHINE_H */
