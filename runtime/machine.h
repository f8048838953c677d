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
 *   machine_mode.c     the CPU's mode (64-bit, 32-bit), mode switches, the check that
 *                      page tables identity-map, and linear -> physical addresses
 *   machine_main.c     start-up order (rt_machine_main)
 *
 * Modes: each translation is made for one mode (FeOptions.mode, from CS and EFER.LMA: 64-bit
 * code or 32-bit code) and keyed on it in the block table (blocks.c). When the mode changes (a
 * far jump to another kind of code segment, an interrupt or iret across modes),
 * rt_machine_mode_update switches FeOptions.mode and empties the jump cache, so no block of
 * one mode is ever found or chained in another, and going back finds the old mode's blocks.
 *
 * Paging: there is no soft MMU yet. Linear addresses are physical ones; with CR0.PG set the
 * machine accepts only page tables under which that is true (machine_mode.c checks them when
 * paging is turned on, at CR3 and CR4 writes, and stops the machine with a message otherwise).
 * rt_machine_linear_to_phys is the one place that turns a linear address into a physical one,
 * for the runtime's own accesses (descriptor tables, interrupt frames, the emulated
 * instructions).
 *
 * Isolation: guest RAM is one host mapping [ram, ram + ram_size) followed by an inaccessible
 * guard. Generated code and the frontend's helpers clamp every guest address into
 * [0, ram_size] (frontend.h "System mode"), so anything past RAM lands in the guard; a host
 * fault there stops the machine with a message (machine_fault). Devices reach RAM only through
 * dev_bus_ram_read/write (range-checked), the machine only through machine_ram_read/write.
 *
 * Virtual time: nanoseconds = guest instructions retired (X86State.icount, one per ns: a
 * 1 GHz CPU retiring one instruction a cycle) + the time the CPU spent halted. Nothing reads
 * the host's clock, so serial output and exit status repeat exactly from run to run.
 */
#ifndef FERRY_MACHINE_H
#define FERRY_MACHINE_H

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
    RtMultiboot mb;
    RtSegCache seg[6];          /* the hidden parts of ES CS SS DS FS GS */
    X86Mode mode;               /* the CPU's mode, as FeOptions.mode has it */
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
/* Guest RAM for the machine itself: 0, or -1 when any byte is outside RAM. */
int rt_machine_ram_read(const RtMachine *m, uint64_t addr, void *dst, size_t n);
int rt_machine_ram_write(RtMachine *m, uint64_t addr, const void *src, size_t n);
/* FeFetchFn's job in system mode (rt_fetch_code calls it): guest code from RAM. */
size_t rt_machine_fetch_code(const RtMachine *m, uint64_t pc, uint8_t *buf, size_t n);

/* machine_run.c */
_Noreturn void rt_machine_run(RtMachine *m);
/* The IrHelperFn for port I/O that generated code calls (FeOptions.port_in/port_out). */
uint64_t rt_machine_port_in(void *state, uint64_t port, uint64_t size, uint64_t unused);
uint64_t rt_machine_port_out(void *state, uint64_t port, uint64_t size, uint64_t value);
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
/* machine_intr32.c: one attempt through a 32-bit IDT (8-byte gates), at privilege level 0. */
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
 * checks of a load at privilege level 0; false with *vector and *err set to the exception, or the
 * machine stops (what it does not support). CS also requires a code segment. */
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
/* Linear -> physical (identity: no soft MMU yet, see the top). False when the address lies
 * beyond what the current paging mode can address. */
bool rt_machine_linear_to_phys(const RtMachine *m, uint64_t linear, uint64_t *phys);
/* Guest memory at a linear address for the runtime: 0, or -1 when outside RAM. */
int rt_machine_lin_read(const RtMachine *m, uint64_t linear, void *dst, size_t n);
int rt_machine_lin_write(RtMachine *m, uint64_t linear, const void *src, size_t n);
/* Writes of CR0, CR3, CR4 and EFER with the checks a mode switch needs: 0, or the vector of
 * the exception (#GP(0)); stops the machine on paging it cannot run. */
int rt_machine_write_cr(RtMachine *m, unsigned cr, uint64_t v);
int rt_machine_write_efer(RtMachine *m, uint64_t v);

#endif /* FERRY_MACHINE_H */
