/* stops.c — how a machine ends or stops, picked by the command line (test=NAME):
 *   hlt      cli; hlt: nothing can wake the CPU (ferry ends the machine, status 0)
 *   wild     a store far past the end of RAM (stopped: outside RAM, status 2)
 *   wildread a load from an address ferry's identity map maps past RAM (the same)
 *   noncanon a load from a non-canonical address: #GP with no IDT, a triple fault
 *   cr3      CR3 loaded with page tables of zeros: the next fetch is a #PF with no IDT, a
 *            triple fault
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
        *(volatile uint64_t *)(uintptr_t)(info->mem_size + 0x100000) = 1;
    } else if (streq(t, "wildread")) {
        (void)*(volatile uint64_t *)(uintptr_t)0xc0000000ull;
    } else if (streq(t, "noncanon")) {
        (void)*(volatile uint64_t *)(uintptr_t)0xdead000000000000ull;
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
