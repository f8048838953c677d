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
 *   machine_devmem.c   device memory (MMIO: local APIC, IOAPIC, unassigned addresses) and
 *                      the MSRs devices hold (the local APIC's)
 *   machine_main.c     start-up order (rt_machine_main)
 *
 * Isolation: guest RAM is one host mapping [ram, ram + ram_size) followed by an inaccessible
 * guard. Generated code and the frontend's helpers clamp every guest address into
 * [0, ram_size] (frontend.h "System mode"), so anything past RAM lands in the guard; a host
 * fault there stops the machine with a message (machine_fault). Integer loads and stores past
 * RAM in generated code leave their block first (FE_SYS_MMIO) and reach the devices' bus
 * through machine_devmem.c instead, where unclaimed addresses read all ones. Devices reach RAM only through
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
    IrBlock *mmio_ir;           /* the one-instruction block of a device access */
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

/* machine_devmem.c: the FeOptions.mmio_read/mmio_write and FeOptions.msr helpers, and the
 * FE_SYS_MMIO trap: run the instruction at rip with its accesses through the helpers;
 * returns its exit word (acted on as any block's). */
uint64_t rt_machine_mmio_read(void *state, uint64_t addr, uint64_t size, uint64_t unused);
uint64_t rt_machine_mmio_write(void *state, uint64_t addr, uint64_t size, uint64_t value);
uint64_t rt_machine_msr(void *state, uint64_t write, uint64_t unused1, uint64_t unused2);
uint64_t rt_machine_mmio_insn(RtMachine *m);

/* machine_intr.c: deliver vector (with an error code when has_err) through the IDT, as an
 * external interrupt, an exception at rip, or a software interrupt (rip already past the
 * instruction). A failure becomes #GP/#NP, then a double fault, then a triple fault (a reset
 * request). */
typedef enum RtIntKind { RT_INT_EXTERNAL, RT_INT_EXCEPTION, RT_INT_SOFTWARE } RtIntKind;
void rt_machine_interrupt(RtMachine *m, unsigned vector, RtIntKind kind, bool has_err,
                          uint32_t err);

#endif /* FERRY_MACHINE_H */
