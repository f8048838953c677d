/* hello.c — the smallest test kernel: prints through COM1 what ferry-system handed it (the
 * boot info of runtime/system_boot.h and the command line) and exits through isa-debug-exit
 * with status 33. */
#include "lib.h"

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    serial_init();
    puts("Hello from a ferry-system kernel\n");
    check("boot info magic", info->magic == FERRY_BOOT_MAGIC && info->version == 1);
    puts("RAM: ");
    put_dec(info->mem_size >> 20);
    puts(" MiB, identity-mapped: ");
    put_dec(info->mapped >> 30);
    puts(" GiB\ncommand line: '");
    puts((const char *)(uintptr_t)info->cmdline);
    puts("'\n");
    check("command line length", info->cmdline_size == 24);
    check("kernel range", info->kernel_start == 0x100000 && info->kernel_end > 0x100000);
    check("boot area below the kernel", info->boot_end <= info->kernel_start);
    uint64_t cr0, cr3, cr4;
    __asm__ volatile("mov %%cr0, %0; mov %%cr3, %1; mov %%cr4, %2"
                     : "=r"(cr0), "=r"(cr3), "=r"(cr4));
    check("long mode with paging", (cr0 & 0x80000001u) == 0x80000001u && (cr4 & 0x20));
    check("CR3 is the boot page tables", cr3 == FERRY_BOOT_PML4);
    uint64_t flags;
    __asm__ volatile("pushfq; popq %0" : "=r"(flags));
    check("interrupts off at entry", !(flags & 0x200));
    finish();
}
