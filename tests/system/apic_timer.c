/* apic_timer.c — the local APIC and the IOAPIC as a kernel drives them: the 8259 pair masked,
 * the APIC found through CPUID and IA32_APIC_BASE and software-enabled, LINT0 masked; the
 * APIC timer periodic, one-shot (exactly one) and, when CPUID offers it, TSC-deadline; its
 * period measured against the PIT's; IOAPIC routes for the PIT (ISA IRQ 0 on pin 2) and COM1
 * (IRQ 4, its THR-empty interrupt); self IPIs held back by TPR and by CR8 and let through when
 * they drop; x2APIC mode through its MSRs when CPUID offers it. Every interrupt ends with an
 * APIC EOI. The output depends on no timing (it is the same under qemu-system-x86_64 booted
 * through a Multiboot shim). Exit status 33 when every check passes. */
#include "lib.h"

#define LAPIC 0xfee00000ull
#define IOAPIC 0xfec00000ull

#define V_TIMER 0x28
#define V_PIT 0x24
#define V_COM1 0x25
#define V_IPI 0x26
#define V_SPURIOUS 0x2f

static inline uint32_t apic_rd(uint32_t reg) { return *(volatile uint32_t *)(uintptr_t)(LAPIC + reg); }
static inline void apic_wr(uint32_t reg, uint32_t v) { *(volatile uint32_t *)(uintptr_t)(LAPIC + reg) = v; }
static void apic_eoi(void) { apic_wr(0xb0, 0); }

static uint32_t io_rd(uint32_t index)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC = index;
    return *(volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10);
}
static void io_wr(uint32_t index, uint32_t v)
{
    *(volatile uint32_t *)(uintptr_t)IOAPIC = index;
    *(volatile uint32_t *)(uintptr_t)(IOAPIC + 0x10) = v;
}
static void io_route(unsigned pin, uint32_t low)
{
    io_wr(0x11 + 2 * pin, 0);               /* physical destination APIC ID 0 */
    io_wr(0x10 + 2 * pin, low);
}

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}
static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}
static void cpuid1(uint32_t *ecx, uint32_t *edx)
{
    uint32_t a = 1, b, c = 0, d;
    __asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
    *ecx = c;
    *edx = d;
}

static volatile unsigned timer_ticks, pit_ticks, com1_ints, ipis;
static volatile unsigned timer_at_pit[8];   /* timer_ticks when PIT tick i came */
static volatile uint64_t tsc_at[2];
static volatile bool x2apic_eoi;

static void on_timer(IsrFrame *f)
{
    (void)f;
    if (timer_ticks < 2)
        tsc_at[timer_ticks] = rdtsc();
    timer_ticks++;
    if (x2apic_eoi)
        wrmsr(0x80b, 0);
    else
        apic_eoi();
}

static void on_pit(IsrFrame *f)
{
    (void)f;
    if (pit_ticks < 8)
        timer_at_pit[pit_ticks] = timer_ticks;
    pit_ticks++;
    apic_eoi();
}

static void on_com1(IsrFrame *f)
{
    (void)f;
    (void)inb(COM1 + 2);                    /* IIR: reading it ends THR empty */
    com1_ints++;
    outb(COM1 + 1, 0);                      /* IER: no more */
    apic_eoi();
}

static void on_ipi(IsrFrame *f)
{
    (void)f;
    ipis++;
    if (x2apic_eoi)
        wrmsr(0x80b, 0);
    else
        apic_eoi();
}

static void spin(unsigned n)
{
    for (volatile unsigned i = 0; i < n; i++)
        ;
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    (void)info;
    serial_init();
    puts("apic_timer test\n");
    idt_init();
    isr_register(V_TIMER, on_timer);
    isr_register(V_PIT, on_pit);
    isr_register(V_COM1, on_com1);
    isr_register(V_IPI, on_ipi);
    pic_init();
    outb(0x21, 0xff);                       /* the 8259 pair masked entirely */
    outb(0xa1, 0xff);

    uint32_t ecx, edx;
    cpuid1(&ecx, &edx);
    check("CPUID: APIC", (edx >> 9) & 1);
    uint64_t base = rdmsr(0x1b);
    check("IA32_APIC_BASE: 0xfee00000, enabled, BSP",
          (base & ~0xfffull) == LAPIC && (base & (1u << 11)) && (base & (1u << 8)));
    uint32_t ver = apic_rd(0x30);
    check("APIC version: integrated, at least 5 LVT entries",
          (ver & 0xf0) == 0x10 && ((ver >> 16) & 0xff) >= 4);
    apic_wr(0xf0, 0x100 | V_SPURIOUS);      /* software enable */
    apic_wr(0x350, 0x10000);                /* LINT0 masked: no 8259 */
    apic_wr(0x370, 0x10000);                /* error: masked */
    apic_wr(0x80, 0);                       /* TPR */
    check("software enabled", (apic_rd(0xf0) & 0x1ff) == (0x100 | V_SPURIOUS));

    /* Periodic: divide by 16, 62500 counts = 1 ms at the 1 GHz APIC clock. */
    apic_wr(0x3e0, 0x3);
    apic_wr(0x320, (1u << 17) | V_TIMER);
    apic_wr(0x380, 62500);
    uint32_t c1 = apic_rd(0x390);
    spin(1000);
    uint32_t c2 = apic_rd(0x390);
    check("current count runs down", c1 <= 62500 && c2 < c1);
    while (timer_ticks < 11)
        sti_hlt();
    cli();
    apic_wr(0x380, 0);                      /* stop */
    check("eleven periodic ticks", timer_ticks == 11);
    unsigned before = timer_ticks;
    sti();
    spin(200000);
    cli();
    check("stopped timer is quiet", timer_ticks == before);

    /* One-shot: one interrupt, then nothing. */
    timer_ticks = 0;
    apic_wr(0x320, V_TIMER);
    apic_wr(0x380, 1000);
    while (timer_ticks == 0)
        sti_hlt();
    spin(200000);
    cli();
    check("one-shot: one interrupt", timer_ticks == 1 && apic_rd(0x390) == 0);

    /* TSC deadline, when offered. */
    bool tscdl = (ecx >> 24) & 1, tscdl_ok = true;
    if (tscdl) {
        timer_ticks = 0;
        apic_wr(0x320, (2u << 17) | V_TIMER);
        uint64_t t0 = rdtsc();
        wrmsr(0x6e0, t0 + 500000);
        while (timer_ticks == 0)
            sti_hlt();
        cli();
        tscdl_ok = timer_ticks == 1 && tsc_at[0] - t0 >= 500000 && rdmsr(0x6e0) == 0;
        apic_wr(0x320, 0x10000 | V_TIMER);
    }
    check("TSC-deadline timer (when CPUID has it)", tscdl_ok);

    /* IOAPIC: 24 entries, the PIT on pin 2 at 1 kHz. */
    uint32_t iover = io_rd(1);
    check("IOAPIC: 24 redirection entries", ((iover >> 16) & 0xff) == 23);
    check("IOAPIC: entries masked at reset", (io_rd(0x10 + 2 * 2) >> 16) & 1);
    io_route(2, V_PIT);                     /* edge, active high, fixed */
    outb(0x43, 0x34);                       /* PIT counter 0, mode 2, 1193 = ~1 ms */
    outb(0x40, 1193 & 0xff);
    outb(0x40, 1193 >> 8);
    while (pit_ticks < 5)
        sti_hlt();
    cli();
    io_route(2, 0x10000 | V_PIT);           /* masked again */
    outb(0x43, 0x30);                       /* mode 0, no count: OUT stays low */
    check("PIT through IOAPIC pin 2: five interrupts", pit_ticks == 5);
    before = pit_ticks;
    sti();
    spin(100000);
    cli();
    check("masked pin is quiet", pit_ticks == before);

    /* The APIC timer measured against the PIT, as kernels calibrate it: 1 ms periods over
     * five 10 ms PIT periods (both count virtual time; the bounds leave room for the
     * latency of an emulator that follows the host's clock). */
    pit_ticks = 0;
    timer_ticks = 0;
    apic_wr(0x3e0, 0x3);
    apic_wr(0x320, (1u << 17) | V_TIMER);
    apic_wr(0x380, 62500);
    io_route(2, V_PIT);
    outb(0x43, 0x34);                       /* 11932 counts: 10 ms */
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);
    while (pit_ticks < 7)
        sti_hlt();
    cli();
    io_route(2, 0x10000 | V_PIT);
    apic_wr(0x380, 0);
    unsigned per_50ms = timer_at_pit[6] - timer_at_pit[1];
    check("APIC timer: 50 periods of 1 ms in 5 PIT periods of 10 ms",
          per_50ms >= 48 && per_50ms <= 52);

    /* COM1's THR-empty interrupt on pin 4. */
    io_route(4, V_COM1);
    outb(COM1 + 4, 0x08);                   /* MCR: OUT2 (the IRQ line's gate on a PC) */
    outb(COM1 + 1, 0x02);                   /* IER: THR empty */
    sti();
    spin(10000);
    cli();
    check("COM1 through IOAPIC pin 4: one interrupt", com1_ints == 1);
    io_route(4, 0x10000 | V_COM1);

    /* Self IPIs, TPR and CR8. */
    apic_wr(0x310, 0);
    apic_wr(0x300, (1u << 18) | V_IPI);     /* shorthand: self */
    sti();
    spin(100);
    cli();
    check("self IPI", ipis == 1);
    apic_wr(0x80, 0x30);                    /* TPR class 3 holds back class 2 */
    apic_wr(0x300, (1u << 18) | V_IPI);
    sti();
    spin(1000);
    cli();
    bool held = ipis == 1;
    apic_wr(0x80, 0);
    sti();
    spin(100);
    cli();
    check("TPR holds an IPI back, then lets it through", held && ipis == 2);
    __asm__ volatile("mov %0, %%cr8" :: "r"(3ull));
    uint32_t tpr = apic_rd(0x80);
    apic_wr(0x300, (1u << 18) | V_IPI);
    sti();
    spin(1000);
    held = ipis == 2;
    __asm__ volatile("mov %0, %%cr8" :: "r"(0ull));
    spin(100);
    cli();
    check("CR8 is TPR[7:4]", (tpr & 0xf0) == 0x30 && held && ipis == 3);

    /* x2APIC, when offered: the same APIC through MSRs. */
    bool x2 = (ecx >> 21) & 1, x2_ok = true;
    if (x2) {
        wrmsr(0x1b, rdmsr(0x1b) | (1u << 10));
        x2apic_eoi = true;
        x2_ok = rdmsr(0x803) == ver && rdmsr(0x802) == 0 &&
                *(volatile uint32_t *)(uintptr_t)(LAPIC + 0x30) != ver;
        wrmsr(0x83f, V_IPI);                /* SELF IPI */
        sti();
        spin(100);
        cli();
        x2_ok &= ipis == 4;
        timer_ticks = 0;
        wrmsr(0x83e, 0xb);                  /* divide by 1 */
        wrmsr(0x832, V_TIMER);
        wrmsr(0x838, 20000);
        while (timer_ticks == 0)
            sti_hlt();
        cli();
        x2_ok &= timer_ticks == 1;
    }
    check("x2APIC mode (when CPUID has it)", x2_ok);
    finish();
}
