/* system_boot.h — the hand-off from ferry-system to an ELF64 kernel it boots in long mode:
 * the boot-info record and the physical layout ferry sets up. Freestanding (stdint.h only) so
 * kernels may include it; README.md ("System mode") describes the same.
 *
 * At the kernel's entry (e_entry):
 *   - the CPU is in 64-bit long mode at privilege level 0: CR0 = PE MP ET NE WP PG, CR4 = PAE
 *     OSFXSR OSXMMEXCPT (SSE usable), EFER = LME LMA, RFLAGS = 0x2 (interrupts off), x87 and
 *     MXCSR as after reset, the other general registers 0;
 *   - CR3 points at ferry's page tables, an identity map (virtual = physical) of the first
 *     FerryBootInfo.mapped bytes (at least 4 GiB) with 2 MiB pages, present, writable,
 *     executable, supervisor-only;
 *   - GDTR points at ferry's GDT: 0x08 a 64-bit code segment, 0x10 a data segment; CS = 0x08,
 *     DS = ES = SS = 0x10, FS = GS = 0 (bases 0); IDTR is empty (base 0, limit 0): an
 *     interrupt or exception before the kernel loads an IDT is a triple fault;
 *   - RSP = FERRY_BOOT_STACK_TOP (16-byte aligned; 64 KiB below it are ferry's stack);
 *   - RDI = FERRY_BOOT_INFO, the physical (= virtual) address of a FerryBootInfo.
 * Physical memory below FERRY_BOOT_KERNEL_MIN (1 MiB) is ferry's: kernel segments must load
 * at or above it, at p_paddr == p_vaddr. The boot data lie in [boot_start, boot_end); the
 * kernel may reuse that RAM once it no longer needs the tables, the GDT and the stack.
 */
#ifndef FERRY_SYSTEM_BOOT_H
#define FERRY_SYSTEM_BOOT_H

#include <stdint.h>

#define FERRY_BOOT_MAGIC      0x46455252u   /* "FERR" */
#define FERRY_BOOT_VERSION    1u

/* The layout ferry builds (physical addresses). */
#define FERRY_BOOT_INFO       0x1000ull     /* FerryBootInfo */
#define FERRY_BOOT_CMDLINE    0x2000ull     /* the command line, NUL-terminated */
#define FERRY_BOOT_CMDLINE_MAX 4095u        /* bytes of -append, without the NUL */
#define FERRY_BOOT_GDT        0x3000ull     /* null, 0x08 code64, 0x10 data */
#define FERRY_BOOT_PML4       0x4000ull     /* then the PDPT, then one PD per GiB mapped */
#define FERRY_BOOT_STACK_TOP  0x80000ull
#define FERRY_BOOT_KERNEL_MIN 0x100000ull

#define FERRY_BOOT_CS 0x08
#define FERRY_BOOT_DS 0x10

typedef struct FerryBootInfo {
    uint32_t magic;             /* FERRY_BOOT_MAGIC */
    uint32_t version;           /* FERRY_BOOT_VERSION */
    uint64_t mem_size;          /* bytes of RAM, from physical address 0 (-m) */
    uint64_t cmdline;           /* physical address of the -append string ("" without one) */
    uint64_t cmdline_size;      /* its length, without the NUL */
    uint64_t initrd_start;      /* physical address of the -initrd file (page-aligned, at the
                                   top of RAM), 0 without one */
    uint64_t initrd_size;       /* its size in bytes, 0 without one */
    uint64_t mapped;            /* bytes identity-mapped from 0 by ferry's page tables */
    uint64_t boot_start;        /* [boot_start, boot_end): ferry's boot data in RAM */
    uint64_t boot_end;
    uint64_t kernel_start;      /* [kernel_start, kernel_end): the kernel's loaded segments */
    uint64_t kernel_end;
} FerryBootInfo;

/* Multiboot (v1) kernels (machine_multiboot.c) are entered as the Multiboot specification
 * 0.6.96 says: 32-bit protected mode, paging off, EAX = FERRY_MB_BOOT_MAGIC, EBX = the
 * physical address of the boot information, CS a flat 32-bit code segment (FERRY_MB_CS),
 * DS ES FS GS SS flat data segments (FERRY_MB_DS), EFLAGS = 0x2, CR4 = EFER = 0, IDTR empty,
 * ESP = FERRY_BOOT_STACK_TOP (the specification leaves it undefined). The information
 * (flags: memory, boot device, command line, modules, memory map, boot loader name) lies
 * below 1 MiB, like the command line ("KERNEL APPEND", as QEMU builds it), the module strings,
 * the memory map and the GDT; modules are loaded page-aligned after the kernel. */
#define FERRY_MB_HEADER_MAGIC 0x1BADB002u
#define FERRY_MB_BOOT_MAGIC   0x2BADB002u
#define FERRY_MB_INFO         0x1000ull     /* the multiboot_info structure */
#define FERRY_MB_MMAP         0x1100ull     /* the memory map (20 + 4 bytes an entry) */
#define FERRY_MB_GDT          0x1200ull     /* null, 0x08 code32, 0x10 data32 */
#define FERRY_MB_LOADER_NAME  0x1300ull
#define FERRY_MB_MODS         0x1400ull     /* 16 bytes a module */
#define FERRY_MB_CMDLINE      0x2000ull     /* 4 KiB */
#define FERRY_MB_STRINGS      0x3000ull     /* module strings, up to FERRY_MB_STRINGS_END */
#define FERRY_MB_STRINGS_END  0x8000ull
#define FERRY_MB_CS 0x08
#define FERRY_MB_DS 0x10

#endif /* FERRY_SYSTEM_BOOT_H */
