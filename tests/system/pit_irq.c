/* pit_irq.c — timer interrupts: the PIC remapped to 0x20, the PIT's counter 0 at 100 Hz
 * (mode 2), then sti; hlt until ten IRQ 0 interrupts have been counted. Also checks that the
 * counter runs down between two latched reads, that a masked IRQ 0 stays latched in IRR, and
 * that the virtual time between ticks (read with rdtsc) is the PIT period. Exit status 33
 * when every check passes. */
#include "lib.h"

#define TICKS 10
#define DIVISOR 11932                       /* 1193182 Hz / 11932 = 100 Hz */

static volatile unsigned ticks;
static volatile uint64_t tsc_at[TICKS + 1];

static void timer(IsrFrame *f)
{
    (void)f;
    if (ticks <= TICKS)
        tsc_at[ticks] = rdtsc();
    ticks++;
    pic_eoi(0);
}

static uint16_t pit_read(void)
{
    outb(0x43, 0x00);                       /* latch counter 0 */
    uint8_t lo = inb(0x40);
    return (uint16_t)(lo | inb(0x40) << 8);
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    (void)info;
    serial_init();
    puts("pit_irq test\n");
    idt_init();
    isr_register(0x20, timer);
    pic_init();
    outb(0x43, 0x34);                       /* counter 0, LSB then MSB, mode 2 */
    outb(0x40, DIVISOR & 0xff);
    outb(0x40, DIVISOR >> 8);
    uint16_t a = pit_read();
    for (volatile int i = 0; i < 2000; i++)
        ;
    uint16_t b = pit_read();
    check("counter runs down", a <= DIVISOR && b < a);
    /* Masked, the timer's edge waits in IRR. */
    unsigned spins = 0;
    outb(0x20, 0x0a);
    while (!(inb(0x20) & 0x01) && ++spins < 10000000)
        ;
    check("masked IRQ 0 latched in IRR", spins < 10000000 && ticks == 0);
    pic_unmask(0);
    while (ticks < TICKS)
        sti_hlt();
    cli();
    puts("ticks: ");
    put_dec(ticks);
    putc('\n');
    check("ten timer interrupts", ticks == TICKS);
    /* One tick is 11932 / 1193182 s = 10.000150 ms of virtual time: the TSC (one tick per
     * nanosecond of virtual time) sees 10 ms between interrupts, give or take the handler's
     * few instructions. */
    bool period_ok = true;
    for (int i = 2; i < TICKS; i++) {
        uint64_t d = tsc_at[i] - tsc_at[i - 1];
        period_ok &= d > 9990000 && d < 10010000;
    }
    check("10 ms between ticks", period_ok);
    finish();
}
