/* test_apic.c — the local APIC and the IOAPIC (devices/dev_lapic.h, dev_ioapic.h) programmed
 * through the board's bus and MSRs as a kernel's driver does, with the virtual clock the
 * machine advances: registers and reset values, priorities (TPR, PPR, ISR, EOI), the timer in
 * its three modes and its divider, LINT0 as the 8259's path, the error register, self IPIs,
 * x2APIC mode and the legal IA32_APIC_BASE transitions, relocation of the MMIO page; the
 * IOAPIC's redirection table, edge and level inputs, remote IRR and EOI, masks and the ISA
 * routing (IRQ 0 on pin 2).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/dev_board.h"

typedef struct Fixture {
    DevBoard b;
    DevChar serial;
    uint8_t ram[64 * 1024];
} Fixture;

static void hook_reset(void *opaque) { (void)opaque; }
static void hook_exit(void *opaque, int status) { (void)opaque; (void)status; }

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    dev_char_init_mem(&f->serial);
    DevBoardHooks hooks = { hook_reset, hook_exit, f };
    if (dev_board_init(&f->b, f->ram, sizeof f->ram, &f->serial, 0, &hooks) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint32_t rd(Fixture *f, uint32_t reg)
{
    return (uint32_t)dev_bus_mmio_read(&f->b.bus, DEV_LAPIC_BASE + reg, 4);
}
static void wr(Fixture *f, uint32_t reg, uint32_t v)
{
    dev_bus_mmio_write(&f->b.bus, DEV_LAPIC_BASE + reg, 4, v);
}
static uint32_t io_rd(Fixture *f, uint8_t index)
{
    dev_bus_mmio_write(&f->b.bus, DEV_IOAPIC_BASE, 4, index);
    return (uint32_t)dev_bus_mmio_read(&f->b.bus, DEV_IOAPIC_BASE + 0x10, 4);
}
static void io_wr(Fixture *f, uint8_t index, uint32_t v)
{
    dev_bus_mmio_write(&f->b.bus, DEV_IOAPIC_BASE, 4, index);
    dev_bus_mmio_write(&f->b.bus, DEV_IOAPIC_BASE + 0x10, 4, v);
}
static void run_for(Fixture *f, uint64_t ns)
{
    dev_clock_advance(&f->b.clock, f->b.clock.now + ns);
}
static void outb(Fixture *f, uint16_t port, uint8_t v) { dev_bus_out(&f->b.bus, port, 1, v); }

/* Software-enable the APIC with spurious vector 0xff, as Linux's setup does. */
static void apic_enable(Fixture *f)
{
    wr(f, APIC_SVR, APIC_SVR_ENABLE | 0xff);
}

/* Take the interrupt the CPU would take now: its vector, or -1 if INTR is low. */
static int take(Fixture *f)
{
    if (!dev_board_intr(&f->b))
        return -1;
    return dev_board_inta(&f->b);
}

/* ---------------------------------------------------------------- local APIC */

static void test_lapic_reset_state(void **state)
{
    Fixture *f = *state;
    assert_int_equal(rd(f, APIC_ID), 0);
    assert_int_equal(rd(f, APIC_VERSION), 0x00050014);
    assert_int_equal(rd(f, APIC_SVR), 0xff);                 /* software disabled */
    assert_int_equal(rd(f, APIC_DFR), 0xffffffffu);
    assert_int_equal(rd(f, APIC_LVT_TIMER), APIC_LVT_MASKED);
    assert_int_equal(rd(f, APIC_LVT_LINT0), 0x700);          /* ExtINT: virtual wire */
    assert_int_equal(rd(f, APIC_LVT_ERROR), APIC_LVT_MASKED);
    assert_int_equal(rd(f, APIC_TPR), 0);
    assert_int_equal(rd(f, APIC_PPR), 0);
    uint64_t base = 0;
    assert_int_equal(dev_lapic_msr_read(&f->b.lapic, DEV_MSR_APIC_BASE, &base), 0);
    assert_true(base == (0xfee00000u | DEV_APIC_BASE_BSP | DEV_APIC_BASE_EN));
    /* The rest of each 16-byte slot and reserved registers read 0; byte reads see bytes. */
    assert_int_equal(dev_bus_mmio_read(&f->b.bus, DEV_LAPIC_BASE + APIC_VERSION + 4, 4), 0);
    assert_int_equal(dev_bus_mmio_read(&f->b.bus, DEV_LAPIC_BASE + APIC_VERSION + 2, 1), 0x05);
    assert_int_equal(rd(f, 0x400), 0);
    /* Read-only registers ignore writes. */
    wr(f, APIC_VERSION, 0);
    assert_int_equal(rd(f, APIC_VERSION), 0x00050014);
    /* While disabled, LVT writes keep the mask and nothing is accepted. */
    wr(f, APIC_LVT_TIMER, 0x40);
    assert_int_equal(rd(f, APIC_LVT_TIMER), APIC_LVT_MASKED | 0x40);
    dev_lapic_deliver(&f->b.lapic, 0x40, false);
    assert_int_equal(rd(f, APIC_IRR + 0x20), 0);
}

static void test_lapic_priority_and_eoi(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_ICR_LO, (1u << 18) | 0x51);                  /* self IPI, vector 0x51 */
    wr(f, APIC_ICR_LO, (1u << 18) | 0x62);
    wr(f, APIC_ICR_LO, (1u << 18) | 0x55);
    assert_int_equal(rd(f, APIC_IRR + 0x20), (1u << 0x11) | (1u << 0x15));
    assert_int_equal(rd(f, APIC_IRR + 0x30), 1u << 0x2);
    assert_int_equal(rd(f, APIC_ICR_LO) & APIC_LVT_PENDING, 0);   /* delivered: idle */
    /* TPR 0x60 holds back class 6 and below. */
    wr(f, APIC_TPR, 0x60);
    assert_int_equal(rd(f, APIC_PPR), 0x60);
    assert_int_equal(take(f), -1);
    wr(f, APIC_TPR, 0x50);
    assert_int_equal(take(f), 0x62);
    assert_int_equal(rd(f, APIC_ISR + 0x30), 1u << 0x2);
    assert_int_equal(rd(f, APIC_PPR), 0x60);                 /* the class in service */
    /* 0x55 and 0x51 are class 5: below PPR until the EOI. */
    assert_int_equal(take(f), -1);
    wr(f, APIC_EOI, 0);
    assert_int_equal(rd(f, APIC_ISR + 0x30), 0);
    assert_int_equal(rd(f, APIC_PPR), 0x50);
    assert_int_equal(take(f), -1);                           /* class 5 is not above TPR 5 */
    wr(f, APIC_TPR, 0x00);
    assert_int_equal(take(f), 0x55);
    assert_int_equal(take(f), -1);                           /* 0x51: same class in service */
    wr(f, APIC_EOI, 0);
    assert_int_equal(take(f), 0x51);
    wr(f, APIC_EOI, 0);
    assert_int_equal(take(f), -1);
    /* CR8 is TPR[7:4]. */
    dev_lapic_set_cr8(&f->b.lapic, 0x9);
    assert_int_equal(rd(f, APIC_TPR), 0x90);
    assert_int_equal(dev_lapic_cr8(&f->b.lapic), 9);
    /* The spurious vector when nothing is ready at the acknowledge. */
    assert_int_equal(dev_lapic_ack(&f->b.lapic), 0xff);
}

static void test_lapic_errors(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_LVT_ERROR, 0xfe);
    wr(f, APIC_ICR_LO, (1u << 18) | 0x05);                  /* illegal vector */
    assert_int_equal(rd(f, APIC_ESR), 0);                    /* not visible before a write */
    wr(f, APIC_ESR, 0);
    assert_int_equal(rd(f, APIC_ESR), APIC_ESR_SEND_ILLEGAL);
    assert_int_equal(take(f), 0xfe);                         /* the error interrupt */
    wr(f, APIC_EOI, 0);
    wr(f, 0x400, 1);                                         /* a reserved register */
    wr(f, APIC_ESR, 0);
    assert_int_equal(rd(f, APIC_ESR), APIC_ESR_ILLEGAL_REG);
    wr(f, APIC_ESR, 0);
    assert_int_equal(rd(f, APIC_ESR), 0);
    /* Software disable masks every LVT entry. */
    wr(f, APIC_SVR, 0xff);
    assert_int_equal(rd(f, APIC_LVT_ERROR), APIC_LVT_MASKED | 0xfe);
    assert_int_equal(rd(f, APIC_LVT_LINT0) & APIC_LVT_MASKED, APIC_LVT_MASKED);
}

static void test_lapic_timer_oneshot(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_TIMER_DIV, 0x3);                              /* divide by 16 */
    wr(f, APIC_LVT_TIMER, 0x40);                             /* one-shot, vector 0x40 */
    wr(f, APIC_TIMER_INIT, 1000);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 1000);
    run_for(f, 16 * 250);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 750);
    assert_int_equal(take(f), -1);
    run_for(f, 16 * 750 - 1);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 1);
    assert_int_equal(take(f), -1);
    run_for(f, 1);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 0);
    assert_int_equal(take(f), 0x40);
    wr(f, APIC_EOI, 0);
    run_for(f, 1000000);
    assert_int_equal(take(f), -1);                           /* one shot only */
    /* The divider changes the rate of a running count. */
    wr(f, APIC_TIMER_DIV, 0xb);                              /* divide by 1 */
    wr(f, APIC_TIMER_INIT, 100);
    run_for(f, 50);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 50);
    wr(f, APIC_TIMER_DIV, 0x0);                              /* divide by 2 */
    run_for(f, 40);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 30);
    run_for(f, 60);
    assert_int_equal(take(f), 0x40);
    wr(f, APIC_EOI, 0);
    /* Writing 0 stops it. */
    wr(f, APIC_TIMER_INIT, 100);
    wr(f, APIC_TIMER_INIT, 0);
    run_for(f, 1000);
    assert_int_equal(take(f), -1);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 0);
}

static void test_lapic_timer_periodic(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_TIMER_DIV, 0xb);                              /* 1 GHz */
    wr(f, APIC_LVT_TIMER, (APIC_TIMER_PERIODIC << 17) | 0x31);
    wr(f, APIC_TIMER_INIT, 1000);
    unsigned n = 0;
    for (unsigned i = 0; i < 10; i++) {
        run_for(f, 1000);
        if (take(f) == 0x31) {
            n++;
            wr(f, APIC_EOI, 0);
        }
    }
    assert_int_equal(n, 10);
    run_for(f, 300);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 700);            /* reloaded */
    /* Expiries while the vector is pending coalesce: one interrupt, then the period goes on
     * in phase. */
    run_for(f, 700 + 5 * 1000);
    assert_int_equal(take(f), 0x31);
    assert_int_equal(take(f), -1);
    wr(f, APIC_EOI, 0);
    run_for(f, 999);
    assert_int_equal(take(f), -1);
    run_for(f, 1);
    assert_int_equal(take(f), 0x31);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 1000);
    wr(f, APIC_EOI, 0);
    /* A 1-tick period: the clock does not run one event per tick while nobody takes them. */
    wr(f, APIC_TIMER_INIT, 1);
    run_for(f, 1000000);
    assert_true(f->b.lapic.timer.armed == false);            /* waiting for the ack */
    assert_int_equal(take(f), 0x31);
    wr(f, APIC_EOI, 0);
    assert_true(f->b.lapic.timer.armed);
    run_for(f, 1);
    assert_int_equal(take(f), 0x31);
    wr(f, APIC_EOI, 0);
    /* Masked: no interrupt, no timer event, the count still runs. */
    wr(f, APIC_LVT_TIMER, (APIC_TIMER_PERIODIC << 17) | APIC_LVT_MASKED | 0x31);
    wr(f, APIC_TIMER_INIT, 100);
    assert_false(f->b.lapic.timer.armed);
    run_for(f, 250);
    assert_int_equal(rd(f, APIC_TIMER_CUR), 50);
    assert_int_equal(take(f), -1);
}

static void test_lapic_timer_tsc_deadline(void **state)
{
    Fixture *f = *state;
    DevLapic *l = &f->b.lapic;
    apic_enable(f);
    l->tsc_minus_now = 5000;                                 /* TSC = now + 5000 */
    /* Outside TSC-deadline mode the MSR reads 0 and writes are ignored. */
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_TSC_DEADLINE, 9000), 0);
    uint64_t v = 1;
    assert_int_equal(dev_lapic_msr_read(l, DEV_MSR_TSC_DEADLINE, &v), 0);
    assert_true(v == 0);
    wr(f, APIC_LVT_TIMER, (APIC_TIMER_TSCDL << 17) | 0x42);
    wr(f, APIC_TIMER_INIT, 10);                              /* ignored in this mode */
    assert_int_equal(rd(f, APIC_TIMER_INIT), 0);
    uint64_t now = f->b.clock.now;
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_TSC_DEADLINE, now + 5000 + 300), 0);
    run_for(f, 299);
    assert_int_equal(take(f), -1);
    run_for(f, 1);
    assert_int_equal(take(f), 0x42);
    wr(f, APIC_EOI, 0);
    assert_int_equal(dev_lapic_msr_read(l, DEV_MSR_TSC_DEADLINE, &v), 0);
    assert_true(v == 0);                                     /* disarmed when it fired */
    /* A deadline already passed fires at once; 0 disarms. */
    dev_lapic_msr_write(l, DEV_MSR_TSC_DEADLINE, 1);
    run_for(f, 0);
    assert_int_equal(take(f), 0x42);
    wr(f, APIC_EOI, 0);
    dev_lapic_msr_write(l, DEV_MSR_TSC_DEADLINE, f->b.clock.now + 5000 + 10);
    dev_lapic_msr_write(l, DEV_MSR_TSC_DEADLINE, 0);
    run_for(f, 100);
    assert_int_equal(take(f), -1);
}

static void test_lapic_lint0_and_pic(void **state)
{
    Fixture *f = *state;
    /* The 8259 set up by a kernel, IRQ 0 unmasked: its INTR passes through LINT0 (ExtINT). */
    outb(f, 0x20, 0x11); outb(f, 0x21, 0x20); outb(f, 0x21, 0x04); outb(f, 0x21, 0x01);
    outb(f, 0x21, 0xfe);
    dev_board_isa_irq(&f->b, 0, true);
    assert_true(dev_board_intr(&f->b));
    apic_enable(f);
    assert_true(dev_board_intr(&f->b));                      /* LINT0 still ExtINT */
    wr(f, APIC_LVT_LINT0, APIC_LVT_MASKED | 0x700);          /* the kernel masks LINT0 */
    assert_false(dev_board_intr(&f->b));
    /* An APIC interrupt comes first when both are ready. */
    wr(f, APIC_LVT_LINT0, 0x700);
    wr(f, APIC_ICR_LO, (1u << 18) | 0x80);
    assert_int_equal(take(f), 0x80);
    assert_int_equal(take(f), 0x20);
    /* The APIC globally disabled: INTR goes straight to the CPU, the page reads all ones. */
    wr(f, APIC_LVT_LINT0, APIC_LVT_MASKED);
    assert_int_equal(dev_lapic_msr_write(&f->b.lapic, DEV_MSR_APIC_BASE, 0xfee00000u), 0);
    assert_int_equal(rd(f, APIC_VERSION), 0xffffffffu);
    outb(f, 0x20, 0x20);
    dev_board_isa_irq(&f->b, 0, false);
    dev_board_isa_irq(&f->b, 0, true);
    assert_int_equal(take(f), 0x20);
    /* Enabled again: the power-up state (software disabled, LINT0 masked). */
    assert_int_equal(dev_lapic_msr_write(&f->b.lapic, DEV_MSR_APIC_BASE,
                                         0xfee00000u | DEV_APIC_BASE_EN), 0);
    assert_int_equal(rd(f, APIC_SVR), 0xff);
    assert_int_equal(rd(f, APIC_LVT_LINT0), APIC_LVT_MASKED);
}

static void test_lapic_x2apic_and_base(void **state)
{
    Fixture *f = *state;
    DevLapic *l = &f->b.lapic;
    uint64_t v;
    /* x2APIC MSRs are #GP in xAPIC mode. */
    assert_int_equal(dev_lapic_msr_read(l, 0x803, &v), -1);
    /* Reserved bits and a base above 2^36 are #GP; EXTD without EN too. */
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfee00000u | 1), -1);
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0x1000000000ull | DEV_APIC_BASE_EN), -1);
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfee00000u | DEV_APIC_BASE_EXTD), -1);
    /* Moving the page. */
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfed00000u | DEV_APIC_BASE_EN), 0);
    assert_int_equal(dev_bus_mmio_read(&f->b.bus, 0xfed00030, 4), 0x00050014);
    assert_int_equal(rd(f, APIC_VERSION), 0xffffffffu);
    /* Onto the IOAPIC: refused. */
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfec00000u | DEV_APIC_BASE_EN), -1);
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfee00000u | DEV_APIC_BASE_EN), 0);
    /* x2APIC mode: MMIO off, the MSRs on. */
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE,
                                         0xfee00000u | DEV_APIC_BASE_EN | DEV_APIC_BASE_EXTD), 0);
    assert_int_equal(rd(f, APIC_VERSION), 0xffffffffu);
    assert_int_equal(dev_lapic_msr_read(l, 0x803, &v), 0);
    assert_true(v == 0x00050014);
    assert_int_equal(dev_lapic_msr_read(l, 0x80d, &v), 0);   /* LDR: cluster 0, bit 0 */
    assert_true(v == 1);
    assert_int_equal(dev_lapic_msr_read(l, 0x80e, &v), -1);  /* no DFR */
    assert_int_equal(dev_lapic_msr_read(l, 0x80b, &v), -1);  /* EOI is write-only */
    assert_int_equal(dev_lapic_msr_write(l, 0x80b, 1), -1);  /* only 0 */
    assert_int_equal(dev_lapic_msr_write(l, 0x802, 5), -1);  /* ID is read-only */
    assert_int_equal(dev_lapic_msr_write(l, 0x80f, APIC_SVR_ENABLE | 0xff), 0);
    assert_int_equal(dev_lapic_msr_write(l, 0x83f, 0x77), 0); /* SELF IPI */
    assert_int_equal(dev_lapic_msr_write(l, 0x830, (1u << 18) | 0x78), 0);
    assert_int_equal(dev_lapic_msr_write(l, 0x830, 0x79), 0); /* physical destination 0 */
    assert_int_equal(take(f), 0x79);
    assert_int_equal(dev_lapic_msr_write(l, 0x80b, 0), 0);
    assert_int_equal(take(f), 0x78);
    assert_int_equal(dev_lapic_msr_write(l, 0x80b, 0), 0);
    assert_int_equal(take(f), 0x77);
    assert_int_equal(dev_lapic_msr_write(l, 0x80b, 0), 0);
    /* The timer through MSRs. */
    assert_int_equal(dev_lapic_msr_write(l, 0x83e, 0xb), 0);
    assert_int_equal(dev_lapic_msr_write(l, 0x832, 0x44), 0);
    assert_int_equal(dev_lapic_msr_write(l, 0x838, 50), 0);
    run_for(f, 20);
    assert_int_equal(dev_lapic_msr_read(l, 0x839, &v), 0);
    assert_true(v == 30);
    run_for(f, 30);
    assert_int_equal(take(f), 0x44);
    /* x2APIC -> xAPIC is #GP; -> disabled is allowed, and then xAPIC again. */
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfee00000u | DEV_APIC_BASE_EN), -1);
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfee00000u), 0);
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE,
                                         0xfee00000u | DEV_APIC_BASE_EN | DEV_APIC_BASE_EXTD), -1);
    assert_int_equal(dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfee00000u | DEV_APIC_BASE_EN), 0);
    assert_int_equal(rd(f, APIC_VERSION), 0x00050014);
    /* A machine reset puts the page back and LINT0 as the firmware leaves it. */
    dev_lapic_msr_write(l, DEV_MSR_APIC_BASE, 0xfed00000u | DEV_APIC_BASE_EN);
    dev_board_reset(&f->b);
    assert_int_equal(rd(f, APIC_LVT_LINT0), 0x700);
}

/* ---------------------------------------------------------------- IOAPIC */

static void test_ioapic_registers(void **state)
{
    Fixture *f = *state;
    assert_int_equal(io_rd(f, 0x01), 0x00170020);           /* 24 entries, version 0x20 */
    assert_int_equal(io_rd(f, 0x00), 0);
    io_wr(f, 0x00, 0x0a000000);
    assert_int_equal(io_rd(f, 0x00), 0x0a000000);
    io_wr(f, 0x01, 0);                                       /* read-only */
    assert_int_equal(io_rd(f, 0x01), 0x00170020);
    for (unsigned pin = 0; pin < 24; pin++) {
        assert_int_equal(io_rd(f, (uint8_t)(0x10 + 2 * pin)), IOAPIC_MASKED);
        assert_int_equal(io_rd(f, (uint8_t)(0x11 + 2 * pin)), 0);
    }
    assert_int_equal(io_rd(f, 0x40), 0);                     /* beyond the table */
    /* Delivery status and remote IRR are read-only. */
    io_wr(f, 0x10, 0xffffffffu);
    assert_int_equal(io_rd(f, 0x10), 0x1afff);
    io_wr(f, 0x11, 0xff000000u);
    assert_int_equal(io_rd(f, 0x11), 0xff000000u);
    /* IOREGSEL reads back. */
    dev_bus_mmio_write(&f->b.bus, DEV_IOAPIC_BASE, 4, 0x13);
    assert_int_equal(dev_bus_mmio_read(&f->b.bus, DEV_IOAPIC_BASE, 4), 0x13);
    dev_board_reset(&f->b);
    assert_int_equal(io_rd(f, 0x10), IOAPIC_MASKED);
}

static void test_ioapic_edge_routing(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_LVT_LINT0, APIC_LVT_MASKED);                  /* the 8259 out of the way */
    /* The PIT's IRQ 0 arrives on pin 2, COM1's IRQ 4 on pin 4. */
    io_wr(f, 0x10 + 2 * 2, 0x30);
    io_wr(f, 0x11 + 2 * 2, 0);                               /* physical destination 0 */
    io_wr(f, 0x10 + 2 * 4, 0x34);
    dev_board_isa_irq(&f->b, 0, true);
    assert_int_equal(take(f), 0x30);
    wr(f, APIC_EOI, 0);
    dev_board_isa_irq(&f->b, 0, true);                       /* no new edge */
    assert_int_equal(take(f), -1);
    dev_board_isa_irq(&f->b, 0, false);
    dev_board_isa_irq(&f->b, 0, true);
    assert_int_equal(take(f), 0x30);
    wr(f, APIC_EOI, 0);
    dev_board_isa_irq(&f->b, 4, true);
    assert_int_equal(take(f), 0x34);
    wr(f, APIC_EOI, 0);
    /* Masked: the edge is lost. */
    io_wr(f, 0x10 + 2 * 2, IOAPIC_MASKED | 0x30);
    dev_board_isa_irq(&f->b, 0, false);
    dev_board_isa_irq(&f->b, 0, true);
    io_wr(f, 0x10 + 2 * 2, 0x30);
    assert_int_equal(take(f), -1);
    /* A destination that is not this CPU, then a logical one that is (flat model). */
    io_wr(f, 0x11 + 2 * 4, 0x05000000);
    dev_board_isa_irq(&f->b, 4, false);
    dev_board_isa_irq(&f->b, 4, true);
    assert_int_equal(take(f), -1);
    wr(f, APIC_LDR, 0x01000000);
    io_wr(f, 0x10 + 2 * 4, IOAPIC_DEST_LOGICAL | 0x34);
    io_wr(f, 0x11 + 2 * 4, 0x01000000);
    dev_board_isa_irq(&f->b, 4, false);
    dev_board_isa_irq(&f->b, 4, true);
    assert_int_equal(take(f), 0x34);
    wr(f, APIC_EOI, 0);
    /* Active low: the falling edge asserts. */
    io_wr(f, 0x10 + 2 * 5, IOAPIC_POLARITY_LOW | 0x35);
    dev_board_isa_irq(&f->b, 5, true);
    assert_int_equal(take(f), -1);
    dev_board_isa_irq(&f->b, 5, false);
    assert_int_equal(take(f), 0x35);
}

static void test_ioapic_level_and_eoi(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_LVT_LINT0, APIC_LVT_MASKED);
    io_wr(f, 0x10 + 2 * 4, IOAPIC_LEVEL | 0x44);
    dev_board_isa_irq(&f->b, 4, true);
    assert_int_equal(io_rd(f, 0x10 + 2 * 4) & IOAPIC_REMOTE_IRR, IOAPIC_REMOTE_IRR);
    assert_int_equal(rd(f, APIC_TMR + 0x20), 1u << 4);       /* level: TMR set */
    assert_int_equal(take(f), 0x44);
    /* Still asserted: the EOI sends it again. */
    wr(f, APIC_EOI, 0);
    assert_int_equal(take(f), 0x44);
    /* Deasserted before the EOI: remote IRR clears, nothing more. */
    dev_board_isa_irq(&f->b, 4, false);
    wr(f, APIC_EOI, 0);
    assert_int_equal(io_rd(f, 0x10 + 2 * 4) & IOAPIC_REMOTE_IRR, 0);
    assert_int_equal(take(f), -1);
    /* Masked while asserted, then unmasked: it sends. */
    io_wr(f, 0x10 + 2 * 4, IOAPIC_MASKED | IOAPIC_LEVEL | 0x44);
    dev_board_isa_irq(&f->b, 4, true);
    assert_int_equal(take(f), -1);
    io_wr(f, 0x10 + 2 * 4, IOAPIC_LEVEL | 0x44);
    assert_int_equal(take(f), 0x44);
    /* The IOAPIC's own EOI register (a directed EOI) also ends remote IRR. */
    dev_board_isa_irq(&f->b, 4, false);
    dev_bus_mmio_write(&f->b.bus, DEV_IOAPIC_BASE + 0x40, 4, 0x44);
    assert_int_equal(io_rd(f, 0x10 + 2 * 4) & IOAPIC_REMOTE_IRR, 0);
    /* A line that stays up through many EOIs keeps interrupting, once per EOI. */
    dev_board_isa_irq(&f->b, 4, true);
    wr(f, APIC_EOI, 0);                                      /* the one in service */
    unsigned n = 0;
    for (unsigned i = 0; i < 100; i++)
        if (take(f) == 0x44) {
            n++;
            wr(f, APIC_EOI, 0);
        }
    assert_int_equal(n, 100);
}

/* Virtual wire through the IOAPIC: LINT0 masked, entry 0 ExtINT: the 8259's vector. */
static void test_ioapic_extint(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_LVT_LINT0, APIC_LVT_MASKED | 0x700);
    outb(f, 0x20, 0x11); outb(f, 0x21, 0x30); outb(f, 0x21, 0x04); outb(f, 0x21, 0x01);
    outb(f, 0x21, 0xfe);
    dev_board_isa_irq(&f->b, 0, true);
    assert_int_equal(take(f), -1);
    io_wr(f, 0x10, APIC_MODE_EXTINT << 8);
    io_wr(f, 0x11, 0);
    assert_int_equal(take(f), 0x30);
    outb(f, 0x20, 0x20);
    dev_board_isa_irq(&f->b, 0, false);
    dev_board_isa_irq(&f->b, 0, true);
    io_wr(f, 0x10, IOAPIC_MASKED | (APIC_MODE_EXTINT << 8));
    assert_int_equal(take(f), -1);
}

static void test_ioapic_pit_through_apic(void **state)
{
    Fixture *f = *state;
    apic_enable(f);
    wr(f, APIC_LVT_LINT0, APIC_LVT_MASKED);
    io_wr(f, 0x10 + 2 * 2, 0x20);
    /* PIT counter 0, mode 2, 1193 ticks (~1 ms). */
    outb(f, 0x43, 0x34);
    outb(f, 0x40, 1193 & 0xff);
    outb(f, 0x40, 1193 >> 8);
    unsigned n = 0;
    for (unsigned i = 0; i < 10; i++) {
        run_for(f, 1000000);
        if (take(f) == 0x20) {
            n++;
            wr(f, APIC_EOI, 0);
        }
    }
    assert_int_equal(n, 10);
}

/* Random IOAPIC programming and line changes: the read-only parts stay so, remote IRR only
 * ever appears on level-triggered entries, and nothing breaks. */
static void test_ioapic_random_programming(void **state)
{
    Fixture *f = *state;
    uint64_t x = 0x2545f4914f6cdd1dull;
    apic_enable(f);
    for (unsigned i = 0; i < 20000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint8_t index = (uint8_t)(x >> 8);
        switch (x & 7) {
        case 0: case 1: case 2:
            io_wr(f, index, (uint32_t)(x >> 32));
            break;
        case 3:
            dev_bus_mmio_write(&f->b.bus, DEV_IOAPIC_BASE + ((x >> 16) & 0xff), 1 << ((x >> 24) & 3),
                               x >> 32);
            break;
        case 4: case 5:
            dev_board_isa_irq(&f->b, (unsigned)(x >> 40) & 15, (x >> 45) & 1);
            break;
        default: {
            int v = take(f);
            if (v >= 0 && (x & 0x10))
                wr(f, APIC_EOI, 0);
            break;
        }
        }
        assert_int_equal(io_rd(f, 0x01), DEV_IOAPIC_VERSION);
        for (unsigned pin = 0; pin < DEV_IOAPIC_PINS; pin++) {
            uint32_t lo = io_rd(f, (uint8_t)(0x10 + 2 * pin));
            assert_false((lo & IOAPIC_REMOTE_IRR) && !(lo & IOAPIC_LEVEL));
            assert_int_equal(lo & (1u << 12), 0);
        }
    }
}

/* RAM over the APICs' pages (no PCI hole): the board still builds, RAM wins, the local APIC
 * is reachable through the x2APIC MSRs. The RAM is never touched here. */
static void test_board_big_ram(void **state)
{
    (void)state;
    static uint8_t dummy;
    DevBoard *b = calloc(1, sizeof *b);
    assert_non_null(b);
    DevChar serial;
    dev_char_init_mem(&serial);
    DevBoardHooks hooks = { hook_reset, hook_exit, NULL };
    assert_int_equal(dev_board_init(b, &dummy, 5ull << 30, &serial, 0, &hooks), 0);
    assert_null(dev_bus_mmio_find(&b->bus, DEV_LAPIC_BASE));
    assert_null(dev_bus_mmio_find(&b->bus, DEV_IOAPIC_BASE));
    assert_int_equal(dev_lapic_msr_write(&b->lapic, DEV_MSR_APIC_BASE,
                                         0xfee00000u | DEV_APIC_BASE_EN | DEV_APIC_BASE_EXTD), 0);
    uint64_t v = 0;
    assert_int_equal(dev_lapic_msr_read(&b->lapic, 0x803, &v), 0);
    assert_true(v == DEV_LAPIC_VERSION);
    free(b);
}

/* Random programming, as a buggy or hostile guest might do it: nothing crashes, and the
 * clock never runs more than a few timer events between two interrupts the CPU takes. */
static void test_lapic_random_programming(void **state)
{
    Fixture *f = *state;
    static const uint32_t regs[] = {
        APIC_TPR, APIC_EOI, APIC_LDR, APIC_DFR, APIC_SVR, APIC_ESR, APIC_ICR_LO, APIC_ICR_HI,
        APIC_LVT_TIMER, APIC_LVT_LINT0, APIC_LVT_ERROR, APIC_TIMER_INIT, APIC_TIMER_DIV,
        APIC_TIMER_INIT, APIC_LVT_TIMER, APIC_ID, 0x3f0, 0x400,
    };
    uint64_t x = 0x9e3779b97f4a7c15ull;
    apic_enable(f);
    for (unsigned i = 0; i < 20000; i++) {
        x ^= x << 13; x ^= x >> 7; x ^= x << 17;
        uint32_t reg = regs[x % (sizeof regs / sizeof regs[0])];
        uint32_t v = (uint32_t)(x >> 32);
        if (reg == APIC_TIMER_INIT || reg == APIC_TIMER_DIV)
            v &= (x & 0x100) ? 0xf : 0xffff;                /* short periods often */
        if (reg == APIC_LVT_TIMER)
            v &= ~(x & 0x200 ? APIC_LVT_MASKED : 0u);
        if (reg == APIC_SVR && (x & 0x400))
            v |= APIC_SVR_ENABLE;
        wr(f, reg, v);
        if ((x & 0xff) == 0x17)
            dev_lapic_msr_write(&f->b.lapic, DEV_MSR_TSC_DEADLINE, f->b.clock.now + (x & 0xfff));
        uint64_t seq = f->b.clock.seq;
        run_for(f, (x >> 20) & 0x3ffff);
        assert_true(f->b.clock.seq - seq <= 3);
        if (take(f) >= 0 && (x & 0x800))
            wr(f, APIC_EOI, 0);
    }
    /* Still a working APIC afterwards. */
    dev_board_reset(&f->b);
    apic_enable(f);
    wr(f, APIC_ICR_LO, (1u << 18) | 0x66);
    assert_int_equal(take(f), 0x66);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_lapic_reset_state), T(test_lapic_priority_and_eoi), T(test_lapic_errors),
        T(test_lapic_timer_oneshot), T(test_lapic_timer_periodic),
        T(test_lapic_timer_tsc_deadline), T(test_lapic_lint0_and_pic),
        T(test_lapic_x2apic_and_base), T(test_lapic_random_programming),
        T(test_ioapic_registers), T(test_ioapic_edge_routing), T(test_ioapic_level_and_eoi),
        T(test_ioapic_extint), T(test_ioapic_pit_through_apic),
        T(test_ioapic_random_programming),
        cmocka_unit_test(test_board_big_ram),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
