/* stops.c — how a machine ends or stops, picked by the command line (test=NAME):
 *   hlt      cli; hlt: nothing can wake the CPU (ferry ends the machine, status 0)
 *   wild     a store and a load 1 MiB past the end of RAM, where no device is: the store is
 *            ignored, the load reads all ones, as on a PC (status 33)
 *   far      a store beyond ferry's identity map (stopped: a CPU would page-fault, status 2)
 *   wildread a load from a non-canonical address (stopped: #GP not delivered yet, status 2)
 *   ssemmio  an SSE load from the local APIC's page (stopped: device memory takes integer
 *            accesses only, status 2)
 *   cr3      CR3 loaded with other page tables (stopped: not supported yet, status 2)
 *   triple   an interrupt with no IDT: a triple fault (with -no-reboot: status 0)
 *   reset    the i8042 reset command (with -no-reboot: status 0)
 *   reboot   the i8042 reset without -no-reboot: the machine boots again; the second boot
 *            finds a mark in CMOS RAM and exits through isa-debug-exit (status 33)
 */
#include "lib.h"

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    serial_init();
    const char *t = boot_test_arg(info);
    puts("stops test: ");
    puts(t);
    putc('\n');
    if (streq(t, "hlt")) {
        __asm__ volatile("cli; hlt");
    } else if (streq(t, "wild")) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(info->mem_size + 0x100000);
        *p = 1;
        volatile uint32_t *q = (volatile uint32_t *)(uintptr_t)(info->mem_size + 0x100010);
        volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)(info->mem_size + 0x100021);
        if (*p == ~0ull && *q == 0xffffffffu && *r == 0xff) {
            puts("unassigned memory reads all ones\n");
            machine_exit(0x10);
        }
        puts("unassigned memory read something else\n");
    } else if (streq(t, "far")) {
        *(volatile uint64_t *)(uintptr_t)0x10000000000ull = 1;      /* 1 TiB */
    } else if (streq(t, "wildread")) {
        (void)*(volatile uint64_t *)(uintptr_t)0xdead000000000000ull;
    } else if (streq(t, "ssemmio")) {
        __asm__ volatile("movdqu (%0), %%xmm0" :: "r"(0xfee00000ull));   /* xmm0: unused here */
    } else if (streq(t, "cr3")) {
        __asm__ volatile("mov %0, %%cr3" :: "r"(0x200000ull));
    } else if (streq(t, "triple")) {
        __asm__ volatile("int $0x40");
    } else if (streq(t, "reset")) {
        outb(0x64, 0xfe);
    } else if (streq(t, "reboot")) {
        outb(0x70, 0x60);
        if (inb(0x71) == 0xb0) {
            puts("second boot\n");
            machine_exit(0x10);
        }
        outb(0x70, 0x60);
        outb(0x71, 0xb0);                   /* CMOS RAM survives the reset */
        puts("first boot: reset\n");
        outb(0x64, 0xfe);
    }
    puts("still running\n");
    machine_exit(0x20);
}
