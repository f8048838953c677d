/* mb.h — what the Multiboot test kernels share (32-bit and 64-bit code alike): the Multiboot
 * (v1) boot information and a report of it that reads the same under ferry-system and QEMU
 * (the IDT, 64-bit or 32-bit, is lib.h's). */
#ifndef FERRY_TEST_MB_H
#define FERRY_TEST_MB_H

#include "lib.h"

#define MB_BOOT_MAGIC 0x2BADB002u

typedef struct MultibootInfo {
    uint32_t flags, mem_lower, mem_upper, boot_device, cmdline, mods_count, mods_addr;
    uint32_t syms[4];
    uint32_t mmap_length, mmap_addr, drives_length, drives_addr, config_table;
    uint32_t boot_loader_name, apm_table;
} MultibootInfo;

typedef struct MultibootModule {
    uint32_t mod_start, mod_end, string, reserved;
} MultibootModule;

typedef struct __attribute__((packed)) MultibootMmap {
    uint32_t size;
    uint64_t addr, len;
    uint32_t type;
} MultibootMmap;

/* Print and check what the boot loader handed over: the magic, the flags, mem_lower and
 * mem_upper, the command line without its first word (the kernel's path), each module's
 * string without its path and its first line, and that the memory map marks [1 MiB,
 * kernel_end) available. Nothing that differs between boot loaders (addresses, names). */
void mb_report(uint32_t magic, const MultibootInfo *mbi, uint32_t kernel_end);

#endif
