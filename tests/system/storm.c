/* storm.c — interrupt storms a misbehaving guest can make, none of which may hang the machine:
 *   1. an APIC timer with a period of 1 count (1 ns): each interrupt is pending again before
 *      its handler returns, so the handler's instructions are all that runs (as on hardware);
 *      the handler stops the timer after 2000 of them, and virtual time went on meanwhile;
 *   2. a 200 ns period: the interrupted code still makes progress between interrupts;
 *   3. a 1 ns period with interrupts disabled for a long loop: the loop finishes, and at sti
 *      (the timer stopped first) the million expiries that piled up are one interrupt;
 *   4. a device that never lowers its line (COM1's THR-empty interrupt, never acknowledged)
 *      on a level-triggered IOAPIC entry: after each EOI it interrupts again, 2000 times,
 *      until the handler masks the entry;
 *   5. the same line on the 8259, level-triggered by ELCR (port 0x4d0), through LINT0: after
 *      each EOI again, 2000 times, until the handler masks IRQ 4 there; 6. the same with the
 *      8259's own level-triggered mode (ICW1 LTIM) instead.
 * The output depends on no timing. Exit status 33 when every check passes. qemu-system-x86_64
 * (TCG, 7.2) runs it the same way only with -icount (without, it stops making progress with
 * an APIC timer period of 100 ns or less); with skip=qemu phase 6 is left out: QEMU's 8259
 * ignores LTIM (as the PIIX/ICH chipsets do; an 8259A honours it). */
#include "lib.h"

#define LAPIC 0xfee00000ull
#define IOAPIC 0xfec00000ull
#define V_TIMER 0x28
#define V_COM1 0x25
#define STORM 2000

static inline uint32_t apic_rd(uint32_t reg) { return *(volatile uint32_t *)(uintptr_t)(LAPIC + reg); }
static inline void apic_wr(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(uintptr_t)(LAPIC + reg) = v; }

static void io_wr(uint32_t index, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC = index;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10) = v;
}

static volatile unsigned ticks, stop_at, com1_ints, pic_ints;

static void on_timer(IsrFrame *f)
{
    (void)f;
    if (++ticks == stop_at)
        apic_wr(0x380, 0);                  /* initial count 0: the timer stops */
    apic_wr(0xb0, 0);
}

static void on_com1(IsrFrame *f)
{
    (void)f;
    /* Not reading IIR nor writing THR: COM1 keeps its line up. */
    if (++com1_ints == STORM)
        io_wr(0x10 + 2 * 4, 0x10000 | (1u << 15) | V_COM1);     /* mask the entry */
    apic_wr(0xb0, 0);
}

static void on_pic_com1(IsrFrame *f)
{
    (void)f;
    if (++pic_ints == STORM)
        outb(0x21, 0xff);                   /* IRQ 4 masked at the 8259 */
    outb(0x20, 0x20);                       /* non-specific EOI; COM1 still asserts */
}

static void timer_start(uint32_t count)
{
    apic_wr(0x3e0, 0xb);                    /* divide by 1: one count per ns */
    apic_wr(0x320, (1u << 17) | V_TIMER);   /* periodic */
    apic_wr(0x380, count);
}

/* COM1's stuck line on the master 8259 initialised with icw1 (vectors 0x28), ELCR = elcr. */
static void pic_level_storm(uint8_t icw1, uint8_t elcr, const char *what)
{
    pic_ints = 0;
    outb(0x4d0, elcr);
    outb(0x20, icw1); outb(0x21, 0x28);
    outb(0x21, 0x04); outb(0x21, 0x01);
    outb(0x21, 0xef);                       /* IRQ 4 only */
    outb(COM1 + 1, 0x02);
    sti();
    for (volatile unsigned i = 0; i < 1000; i++)
        ;
    cli();
    uint8_t iir = inb(COM1 + 2);
    outb(COM1 + 1, 0);
    puts(what);
    check(": 2000 interrupts, then masked", pic_ints == STORM);
    check("the line was still up", (iir & 0x0f) == 0x02);
    outb(0x4d0, 0);
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    serial_init();
    puts("storm test\n");
    idt_init();
    isr_register(V_TIMER, on_timer);
    isr_register(V_COM1, on_com1);
    isr_register(0x2c, on_pic_com1);        /* 8259 vectors from 0x28: IRQ 4 */
    pic_init();
    outb(0x21, 0xff);
    outb(0xa1, 0xff);
    apic_wr(0xf0, 0x100 | 0x2f);
    apic_wr(0x350, 0x10000);

    /* 1. */
    ticks = 0;
    stop_at = STORM;
    uint64_t t0 = rdtsc();
    timer_start(1);
    while (ticks < STORM)
        sti_hlt();
    cli();
    uint64_t t1 = rdtsc();
    /* The expiry that came while the last handler ran is still in IRR: one more. */
    check("1 ns timer: 2000 interrupts, then stopped by its handler",
          ticks == STORM || ticks == STORM + 1);
    check("virtual time went on during the storm", t1 - t0 >= 10ull * STORM);

    /* 2. */
    ticks = 0;
    stop_at = 0;
    timer_start(200);
    sti();
    volatile unsigned sum = 0;
    for (unsigned i = 0; i < 100000; i++)
        sum += i;
    cli();
    apic_wr(0x380, 0);
    check("200 ns timer: the interrupted loop finished", sum == 100000u * 99999u / 2);
    check("200 ns timer: interrupts came meanwhile", ticks > 100);

    /* 3. */
    ticks = 0;
    stop_at = 0;
    timer_start(1);
    for (volatile unsigned i = 0; i < 1000000; i++)
        ;
    apic_wr(0x380, 0);                      /* stopped: what is pending stays in IRR */
    sti();
    for (volatile unsigned i = 0; i < 1000; i++)
        ;
    cli();
    check("1 ns timer with interrupts off: one interrupt at sti", ticks == 1);

    /* 4. */
    *(volatile uint32_t *)(uintptr_t)IOAPIC = 0x11 + 2 * 4;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10) = 0;
    io_wr(0x10 + 2 * 4, (1u << 15) | V_COM1);   /* level, active high */
    outb(COM1 + 4, 0x0b);                   /* MCR: DTR RTS OUT2 */
    outb(COM1 + 1, 0x02);                   /* IER: THR empty */
    sti();
    for (volatile unsigned i = 0; i < 1000; i++)
        ;
    cli();
    uint8_t iir = inb(COM1 + 2);            /* the pending THR-empty interrupt, now read */
    outb(COM1 + 1, 0);
    check("stuck level line: 2000 interrupts, then masked", com1_ints == STORM);
    check("the line was still up", (iir & 0x0f) == 0x02);

    /* 5. and 6. */
    apic_wr(0x350, 0x700);                  /* LINT0: ExtINT again */
    pic_level_storm(0x11, 0x10, "stuck level line on the 8259 (ELCR)");
    if (!boot_skip_qemu(info))
        pic_level_storm(0x19, 0, "stuck level line on the 8259 (LTIM)");
    (void)apic_rd(0x30);
    finish();
}
