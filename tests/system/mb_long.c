/* mb_long.c — the C part of mb_long.S's kernel, in 64-bit mode: reports the Multiboot
 * information, checks the mode it switched to (CR0.PG, EFER.LMA, a 64-bit CS), then takes
 * timer interrupts (the PIC at 0x20, the PIT at 100 Hz) through a 64-bit IDT until ten have
 * come, printing to COM1; on the way, a trip to compatibility mode and back (mb_long.S). Exit status 33 when every check passes. */
#include "mb.h"

#define TICKS 10
#define DIVISOR 11932                       /* 1193182 Hz / 11932 = 100 Hz */

extern char _end[];
static volatile unsigned ticks;

static void timer(IsrFrame *f)
{
    (void)f;
    ticks++;
    pic_eoi(0);
}

static volatile uint64_t soft_cs, soft_count;

static void soft(IsrFrame *f)
{
    soft_cs = f->cs;
    soft_count++;
}

uint32_t compat_roundtrip(void);

/* mb_long.S's dual from 64-bit code: rax + 1. */
static uint64_t dual64(uint64_t v)
{
    __asm__ volatile("call dual" : "+a"(v) :: "memory", "cc");
    return v;
}

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

void mb_main64(uint32_t magic, uint32_t info);
void mb_main64(uint32_t magic, uint32_t info)
{
    serial_init();
    puts("Hello from 64-bit mode, entered through Multiboot\n");
    mb_report(magic, (const MultibootInfo *)(uintptr_t)info, (uint32_t)(uintptr_t)_end);
    uint64_t cr0, cr4;
    uint16_t cs;
    __asm__ volatile("mov %%cr0, %0; mov %%cr4, %1; mov %%cs, %2"
                     : "=r"(cr0), "=r"(cr4), "=r"(cs));
    check("paging and PAE on", (cr0 & 0x80000001u) == 0x80000001u && (cr4 & 0x20));
    check("EFER.LME and LMA", (rdmsr(0xc0000080) & 0x500) == 0x500);
    check("CS is the 64-bit code segment", cs == 0x08);
    volatile uint64_t big = 0x123456789abcdef0ull;
    check("64-bit registers", (big >> 36) == 0x1234567 && (uint32_t)big == 0x9abcdef0u);

    idt_init();
    isr_register(0x2e, soft);
    uint64_t d1 = dual64(41);
    uint32_t r = compat_roundtrip();
    uint64_t d2 = dual64(99);
    check("compatibility mode and back: 32-bit code, int through the 64-bit IDT, iretq",
          r == 0x1235 && soft_cs == 0x18 && soft_count == 1);
    check("the same bytes in 64-bit and 32-bit code", d1 == 42 && d2 == 100);
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    check("back in 64-bit code", cs == 0x08);
    isr_register(0x20, timer);
    pic_init();
    outb(0x43, 0x34);                       /* counter 0, LSB then MSB, mode 2 */
    outb(0x40, DIVISOR & 0xff);
    outb(0x40, DIVISOR >> 8);
    pic_unmask(0);
    while (ticks < TICKS)
        sti_hlt();
    cli();
    puts("timer interrupts: ");
    put_dec(ticks);
    putc('\n');
    check("ten timer interrupts", ticks == TICKS);
    finish();
}
