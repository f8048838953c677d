/* test_devices.c — the system-mode devices, each programmed through the bus as a driver would
 * (port reads and writes only, plus the virtual clock the machine advances), with their
 * register behaviour and IRQ lines checked against the datasheets' descriptions: the bus
 * (unclaimed ports and MMIO, split accesses, checked RAM copies), the clock and timers, the
 * 16550A UART, the 8259A pair, the 8254 PIT, the MC146818 RTC, the i8042 reset line and
 * isa-debug-exit.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "devices/dev_board.h"

/* ---------------------------------------------------------------- fixtures */

typedef struct Fixture {
    DevBoard b;
    DevChar serial;
    uint8_t ram[64 * 1024];
    int resets;                 /* reset hook calls */
    int exit_status;            /* the last exit hook status, -1 if none */
    unsigned edges[16];         /* rising edges seen by a test's own IRQ handler */
    bool level[16];
} Fixture;

static void hook_reset(void *opaque) { ((Fixture *)opaque)->resets++; }
static void hook_exit(void *opaque, int status) { ((Fixture *)opaque)->exit_status = status; }

/* 2024-02-28 23:59:58 UTC: a leap day follows. */
#define RTC_START 1709164798

static int setup(void **state)
{
    Fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    dev_char_init_mem(&f->serial);
    f->exit_status = -1;
    DevBoardHooks hooks = { hook_reset, hook_exit, f };
    if (dev_board_init(&f->b, f->ram, sizeof f->ram, &f->serial, RTC_START, &hooks) < 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    free(*state);
    return 0;
}

static uint8_t inb(Fixture *f, uint16_t port) { return (uint8_t)dev_bus_in(&f->b.bus, port, 1); }
static void outb(Fixture *f, uint16_t port, uint8_t v) { dev_bus_out(&f->b.bus, port, 1, v); }

/* Advance virtual time by ns, running device timers. */
static void run_for(Fixture *f, uint64_t ns)
{
    dev_clock_advance(&f->b.clock, f->b.clock.now + ns);
}

/* An IRQ handler that counts rising edges (replacing the PIC on a device's line). */
static void count_edges(void *opaque, unsigned input, bool level)
{
    Fixture *f = opaque;
    if (level && !f->level[input])
        f->edges[input]++;
    f->level[input] = level;
}

/* Program the PICs as a PC kernel does: edge triggered, cascade, ICW4 (8086), vectors 0x20 and
 * 0x28, then the masks. */
static void pic_setup(Fixture *f, uint8_t master_mask, uint8_t slave_mask)
{
    outb(f, 0x20, 0x11); outb(f, 0xa0, 0x11);
    outb(f, 0x21, 0x20); outb(f, 0xa1, 0x28);
    outb(f, 0x21, 0x04); outb(f, 0xa1, 0x02);
    outb(f, 0x21, 0x01); outb(f, 0xa1, 0x01);
    outb(f, 0x21, master_mask); outb(f, 0xa1, slave_mask);
}

static uint8_t pic_isr(Fixture *f, uint16_t cmd)
{
    outb(f, cmd, 0x0b);
    return inb(f, cmd);
}

static uint8_t pic_irr(Fixture *f, uint16_t cmd)
{
    outb(f, cmd, 0x0a);
    return inb(f, cmd);
}

/* ---------------------------------------------------------------- bus */

static uint32_t fake_read(void *opaque, uint16_t off, unsigned size)
{
    (void)size;
    return ((uint8_t *)opaque)[off];
}

static void fake_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)size;
    ((uint8_t *)opaque)[off] = (uint8_t)v;
}

static const DevPortOps fake_ops = { fake_read, fake_write, 1 };

static void test_bus_unclaimed(void **state)
{
    Fixture *f = *state;
    assert_int_equal(dev_bus_in(&f->b.bus, 0x1234, 1), 0xff);
    assert_int_equal(dev_bus_in(&f->b.bus, 0x1234, 2), 0xffff);
    assert_int_equal(dev_bus_in(&f->b.bus, 0x1234, 4), 0xffffffffu);
    dev_bus_out(&f->b.bus, 0x1234, 4, 0);           /* ignored, nothing breaks */
    assert_int_equal(dev_bus_in(&f->b.bus, 0x1234, 1), 0xff);
    assert_true(dev_bus_mmio_read(&f->b.bus, 0xfed00000, 4) == 0xffffffffu);
    assert_true(dev_bus_mmio_read(&f->b.bus, 0xfed00000, 8) == ~0ull);
}

static void test_bus_regions(void **state)
{
    Fixture *f = *state;
    static uint8_t regs[4] = { 0x11, 0x22, 0x33, 0x44 };
    assert_int_equal(dev_bus_add_ports(&f->b.bus, 0x500, 4, &fake_ops, regs, "fake"), 0);
    /* Overlaps are refused, with the new region and with an existing device. */
    assert_int_equal(dev_bus_add_ports(&f->b.bus, 0x502, 4, &fake_ops, regs, "x"), -1);
    assert_int_equal(dev_bus_add_ports(&f->b.bus, 0x3fc, 1, &fake_ops, regs, "x"), -1);
    assert_int_equal(dev_bus_add_ports(&f->b.bus, 0xfffe, 4, &fake_ops, regs, "x"), -1);
    assert_int_equal(dev_bus_in(&f->b.bus, 0x501, 1), 0x22);
    /* A 16-bit access across the region's end: one byte from it, one unclaimed. */
    assert_int_equal(dev_bus_in(&f->b.bus, 0x503, 2), 0xff44);
    dev_bus_out(&f->b.bus, 0x4ff, 2, 0xabcd);       /* 0x4ff unclaimed, 0x500 <- 0xab */
    assert_int_equal(regs[0], 0xab);
    /* An 8-bit device sees a 16-bit access as two byte accesses: outw 0x500 writes 0x500 and
     * 0x501; a 16-bit read of the master PIC gives IRR (OCW3 default) and IMR. */
    dev_bus_out(&f->b.bus, 0x500, 2, 0x1234);
    assert_int_equal(regs[0], 0x34);
    assert_int_equal(regs[1], 0x12);
    pic_setup(f, 0x5a, 0xff);
    outb(f, 0x20, 0x0a);
    assert_int_equal(dev_bus_in(&f->b.bus, 0x20, 2), 0x5a00);
    /* MMIO may not overlap RAM. */
    static const DevMmioOps none = { NULL, NULL };
    assert_int_equal(dev_bus_add_mmio(&f->b.bus, 0x1000, 16, &none, NULL, "x"), -1);
}

static void test_bus_ram_checks(void **state)
{
    Fixture *f = *state;
    uint8_t buf[16] = { 1, 2, 3 };
    uint64_t size = sizeof f->ram;
    assert_int_equal(dev_bus_ram_write(&f->b.bus, size - 3, buf, 3), 0);
    assert_int_equal(dev_bus_ram_write(&f->b.bus, size - 2, buf, 3), -1);
    assert_int_equal(dev_bus_ram_read(&f->b.bus, UINT64_MAX - 1, buf, 4), -1);  /* wraps */
    assert_int_equal(dev_bus_ram_read(&f->b.bus, size, buf, 0), 0);
    assert_int_equal(dev_bus_ram_read(&f->b.bus, size + 1, buf, 0), -1);
    memset(buf, 0, sizeof buf);
    assert_int_equal(dev_bus_ram_read(&f->b.bus, size - 3, buf, 3), 0);
    assert_int_equal(buf[2], 3);
}

/* ---------------------------------------------------------------- clock */

static int order[8], n_order;

static void timer_log(void *opaque, DevClock *c)
{
    (void)c;
    order[n_order++] = (int)(intptr_t)opaque;
}

static void test_clock_timers(void **state)
{
    (void)state;
    DevClock c;
    dev_clock_init(&c);
    DevTimer t[3];
    for (int i = 0; i < 3; i++)
        dev_timer_init(&t[i], timer_log, (void *)(intptr_t)i);
    n_order = 0;
    dev_timer_arm(&c, &t[0], 300);
    dev_timer_arm(&c, &t[1], 100);
    dev_timer_arm(&c, &t[2], 300);                  /* ties run in arming order */
    assert_true(dev_clock_next_deadline(&c) == 100);
    dev_clock_advance(&c, 250);
    assert_int_equal(n_order, 1);
    assert_int_equal(order[0], 1);
    assert_true(c.now == 250);
    dev_timer_cancel(&c, &t[0]);
    dev_clock_advance(&c, 1000);
    assert_int_equal(n_order, 2);
    assert_int_equal(order[1], 2);
    assert_true(dev_clock_next_deadline(&c) == DEV_CLOCK_NEVER);
    /* ns <-> PIT ticks round trip at the first ns of each tick. */
    for (uint64_t k = 0; k < 5000; k += 7)
        assert_true(dev_ns_to_ticks(dev_ticks_to_ns(k, DEV_PIT_HZ), DEV_PIT_HZ) == k);
    assert_true(dev_ns_to_ticks(DEV_NS_PER_SEC, DEV_PIT_HZ) == DEV_PIT_HZ);
}

/* ---------------------------------------------------------------- UART */

#define COM1 0x3f8

static void test_uart_reset_and_divisor(void **state)
{
    Fixture *f = *state;
    assert_int_equal(inb(f, COM1 + UART_IIR), 0x01);
    assert_int_equal(inb(f, COM1 + UART_LSR), 0x60);
    assert_int_equal(inb(f, COM1 + UART_MSR) & 0xf0, 0xb0);  /* CTS DSR DCD of a terminal */
    assert_int_equal(inb(f, COM1 + UART_MCR), 0);
    /* 115200 baud 8N1 as drivers set it: DLAB, divisor 1, then LCR 0x03. */
    outb(f, COM1 + UART_IER, 0x00);
    outb(f, COM1 + UART_LCR, 0x80);
    outb(f, COM1 + UART_DLL, 0x01);
    outb(f, COM1 + UART_DLM, 0x00);
    assert_int_equal(inb(f, COM1 + UART_DLL), 0x01);
    assert_int_equal(inb(f, COM1 + UART_DLM), 0x00);
    outb(f, COM1 + UART_LCR, 0x03);
    assert_int_equal(inb(f, COM1 + UART_LCR), 0x03);
    assert_int_equal(inb(f, COM1 + UART_IER), 0x00);  /* the divisor did not land in IER */
    assert_int_equal(f->b.com1.divisor, 1);
    outb(f, COM1 + UART_SCR, 0x5a);
    assert_int_equal(inb(f, COM1 + UART_SCR), 0x5a);
}

static void test_uart_transmit(void **state)
{
    Fixture *f = *state;
    const char *msg = "hi\n";
    for (const char *p = msg; *p; p++) {
        assert_true(inb(f, COM1 + UART_LSR) & UART_LSR_THRE);
        outb(f, COM1 + UART_THR, (uint8_t)*p);
    }
    assert_int_equal(f->serial.out_len, 3);
    assert_memory_equal(f->serial.out, "hi\n", 3);
    assert_int_equal(inb(f, COM1 + UART_LSR) & 0x61, 0x60);     /* THRE TEMT, no data */
}

static void test_uart_thre_interrupt(void **state)
{
    Fixture *f = *state;
    outb(f, COM1 + UART_MCR, UART_MCR_OUT2 | UART_MCR_DTR | UART_MCR_RTS);
    assert_false(f->b.com1.irq.level);
    outb(f, COM1 + UART_IER, UART_IER_ETBEI);       /* THR is empty: interrupt at once */
    assert_true(f->b.com1.irq.level);
    assert_int_equal(inb(f, COM1 + UART_IIR), UART_IIR_THRE);
    assert_int_equal(inb(f, COM1 + UART_IIR), UART_IIR_NONE);   /* reading IIR cleared it */
    assert_false(f->b.com1.irq.level);
    outb(f, COM1 + UART_THR, 'x');                  /* THR empties again: pending again */
    assert_true(f->b.com1.irq.level);
    /* Without OUT2 the PC's interrupt line stays low. */
    outb(f, COM1 + UART_MCR, 0);
    assert_false(f->b.com1.irq.level);
    assert_int_equal(inb(f, COM1 + UART_IIR), UART_IIR_THRE);
}

static void test_uart_loopback(void **state)
{
    Fixture *f = *state;
    outb(f, COM1 + UART_MCR, UART_MCR_LOOP);
    inb(f, COM1 + UART_MSR);                        /* clear the deltas of entering loopback */
    outb(f, COM1 + UART_MCR, UART_MCR_LOOP | UART_MCR_DTR | UART_MCR_RTS | UART_MCR_OUT1);
    uint8_t msr = inb(f, COM1 + UART_MSR);
    assert_int_equal(msr, UART_MSR_CTS | UART_MSR_DSR | UART_MSR_RI | UART_MSR_DCTS |
                          UART_MSR_DDSR);
    assert_int_equal(inb(f, COM1 + UART_MSR) & 0x0f, 0);        /* deltas cleared by the read */
    outb(f, COM1 + UART_MCR, UART_MCR_LOOP | UART_MCR_OUT2);    /* RI falls: TERI; DCD rises */
    msr = inb(f, COM1 + UART_MSR);
    assert_int_equal(msr, UART_MSR_DCD | UART_MSR_TERI | UART_MSR_DDCD | UART_MSR_DCTS |
                          UART_MSR_DDSR);
    /* Transmitted bytes come back; nothing leaves. */
    outb(f, COM1 + UART_THR, 0xa5);
    assert_int_equal(f->serial.out_len, 0);
    assert_int_equal(inb(f, COM1 + UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(inb(f, COM1 + UART_RBR), 0xa5);
    assert_int_equal(inb(f, COM1 + UART_LSR) & UART_LSR_DR, 0);
    /* Non-FIFO receiver: a second byte before the first is read is an overrun. */
    outb(f, COM1 + UART_THR, 1);
    outb(f, COM1 + UART_THR, 2);
    assert_int_equal(inb(f, COM1 + UART_LSR) & (UART_LSR_OE | UART_LSR_DR), UART_LSR_OE | UART_LSR_DR);
    assert_int_equal(inb(f, COM1 + UART_LSR) & UART_LSR_OE, 0);  /* cleared by the read */
    assert_int_equal(inb(f, COM1 + UART_RBR), 2);
    /* Interrupts work inside the UART but do not reach the PIC in loopback. */
    outb(f, COM1 + UART_IER, UART_IER_ERBFI);
    outb(f, COM1 + UART_THR, 3);
    assert_int_equal(inb(f, COM1 + UART_IIR), UART_IIR_RDA);
    assert_false(f->b.com1.irq.level);
}

static void test_uart_fifo(void **state)
{
    Fixture *f = *state;
    outb(f, COM1 + UART_LCR, 0x03);
    outb(f, COM1 + UART_FCR, 0x47);                 /* enable, clear both, trigger 4 */
    assert_int_equal(inb(f, COM1 + UART_IIR) & 0xc0, 0xc0);
    outb(f, COM1 + UART_MCR, UART_MCR_LOOP);
    outb(f, COM1 + UART_IER, UART_IER_ERBFI | UART_IER_ELSI);
    outb(f, COM1 + UART_THR, 'a');
    outb(f, COM1 + UART_THR, 'b');
    outb(f, COM1 + UART_THR, 'c');
    assert_int_equal(inb(f, COM1 + UART_IIR), 0xc0 | UART_IIR_NONE);   /* below the trigger */
    /* Four character times of silence: the character timeout (divisor 12, 10 bits). */
    run_for(f, 4 * 10 * 16 * 12 * 1000000000ull / 1843200 + 1);
    assert_int_equal(inb(f, COM1 + UART_IIR), 0xc0 | UART_IIR_CTI);
    assert_int_equal(inb(f, COM1 + UART_RBR), 'a');
    assert_int_equal(inb(f, COM1 + UART_IIR), 0xc0 | UART_IIR_NONE);   /* the read ended it */
    outb(f, COM1 + UART_THR, 'd');
    outb(f, COM1 + UART_THR, 'e');
    assert_int_equal(inb(f, COM1 + UART_IIR), 0xc0 | UART_IIR_RDA);    /* 4 bytes: trigger */
    for (int i = 0; i < 12; i++)
        outb(f, COM1 + UART_THR, (uint8_t)i);
    assert_int_equal(f->b.com1.rx_count, 16);
    outb(f, COM1 + UART_THR, 0x99);                 /* the 17th: overrun, the FIFO is kept */
    assert_int_equal(inb(f, COM1 + UART_IIR), 0xc0 | UART_IIR_RLS);    /* highest priority */
    assert_int_equal(inb(f, COM1 + UART_LSR) & UART_LSR_OE, UART_LSR_OE);
    assert_int_equal(inb(f, COM1 + UART_IIR), 0xc0 | UART_IIR_RDA);
    assert_int_equal(inb(f, COM1 + UART_RBR), 'b');
    outb(f, COM1 + UART_FCR, 0x03);                 /* clear the receiver FIFO */
    assert_int_equal(inb(f, COM1 + UART_LSR) & UART_LSR_DR, 0);
    outb(f, COM1 + UART_FCR, 0x00);                 /* FIFO off: 16450 mode */
    assert_int_equal(inb(f, COM1 + UART_IIR) & 0xc0, 0);
}

static void test_uart_receive(void **state)
{
    Fixture *f = *state;
    dev_char_mem_feed(&f->serial, "ok", 2);
    outb(f, COM1 + UART_MCR, UART_MCR_OUT2);
    outb(f, COM1 + UART_IER, UART_IER_ERBFI);
    dev_board_poll_input(&f->b);                    /* one byte: no FIFO */
    assert_true(f->b.com1.irq.level);
    assert_int_equal(inb(f, COM1 + UART_IIR), UART_IIR_RDA);
    assert_int_equal(inb(f, COM1 + UART_RBR), 'o');
    assert_int_equal(inb(f, COM1 + UART_LSR) & UART_LSR_DR, UART_LSR_DR);
    assert_int_equal(inb(f, COM1 + UART_RBR), 'k');
    assert_int_equal(inb(f, COM1 + UART_LSR) & (UART_LSR_DR | UART_LSR_OE), 0);
    assert_false(f->b.com1.irq.level);
}

/* ---------------------------------------------------------------- PIC */

static void test_pic_init_and_ack(void **state)
{
    Fixture *f = *state;
    pic_setup(f, 0xfa, 0xff);                       /* IRQ 0 and the cascade unmasked */
    assert_int_equal(inb(f, 0x21), 0xfa);
    assert_false(dev_board_intr(&f->b));
    dev_pic_set_irq(&f->b.pic, 0, true);
    assert_true(dev_board_intr(&f->b));
    assert_int_equal(pic_irr(f, 0x20), 0x01);
    assert_int_equal(dev_board_inta(&f->b), 0x20);
    assert_int_equal(pic_isr(f, 0x20), 0x01);
    assert_int_equal(pic_irr(f, 0x20), 0x00);       /* edge: the request was used up */
    assert_false(dev_board_intr(&f->b));
    dev_pic_set_irq(&f->b.pic, 0, true);            /* still high: no new edge */
    assert_int_equal(pic_irr(f, 0x20), 0x00);
    outb(f, 0x20, 0x20);                            /* non-specific EOI */
    assert_int_equal(pic_isr(f, 0x20), 0x00);
    /* A masked input is latched in IRR but not passed on. */
    dev_pic_set_irq(&f->b.pic, 1, true);
    assert_int_equal(pic_irr(f, 0x20), 0x02);
    assert_false(dev_board_intr(&f->b));
    outb(f, 0x21, 0xf8);
    assert_true(dev_board_intr(&f->b));
    assert_int_equal(dev_board_inta(&f->b), 0x21);
    /* Nothing pending: the spurious IR7 vector, ISR untouched. */
    assert_int_equal(dev_board_inta(&f->b), 0x27);
    assert_int_equal(pic_isr(f, 0x20), 0x02);
}

static void test_pic_priority_and_eoi(void **state)
{
    Fixture *f = *state;
    pic_setup(f, 0x00, 0xff);
    dev_pic_set_irq(&f->b.pic, 3, true);
    assert_int_equal(dev_board_inta(&f->b), 0x23);
    dev_pic_set_irq(&f->b.pic, 5, true);            /* lower priority than 3 in service */
    assert_false(dev_board_intr(&f->b));
    dev_pic_set_irq(&f->b.pic, 1, true);            /* higher: nests */
    assert_true(dev_board_intr(&f->b));
    assert_int_equal(dev_board_inta(&f->b), 0x21);
    assert_int_equal(pic_isr(f, 0x20), 0x0a);
    outb(f, 0x20, 0x63);                            /* specific EOI for 3, under 1 */
    assert_int_equal(pic_isr(f, 0x20), 0x02);
    assert_false(dev_board_intr(&f->b));            /* 5 still waits behind 1 */
    outb(f, 0x20, 0x20);
    assert_true(dev_board_intr(&f->b));
    assert_int_equal(dev_board_inta(&f->b), 0x25);
    /* Rotate on non-specific EOI: 5 becomes the lowest, so 6 outranks 4. */
    outb(f, 0x20, 0xa0);
    dev_pic_set_irq(&f->b.pic, 4, true);
    dev_pic_set_irq(&f->b.pic, 6, true);
    assert_int_equal(dev_board_inta(&f->b), 0x26);
    outb(f, 0x20, 0x20);
    outb(f, 0x20, 0xc7);                            /* set priority: 7 lowest again */
    assert_int_equal(dev_board_inta(&f->b), 0x24);
}

static void test_pic_cascade(void **state)
{
    Fixture *f = *state;
    pic_setup(f, 0xfb, 0xfe);                       /* cascade and IRQ 8 */
    dev_pic_set_irq(&f->b.pic, 8, true);
    assert_true(dev_board_intr(&f->b));
    assert_int_equal(dev_board_inta(&f->b), 0x28);
    assert_int_equal(pic_isr(f, 0x20), 0x04);
    assert_int_equal(pic_isr(f, 0xa0), 0x01);
    outb(f, 0xa0, 0x20);
    outb(f, 0x20, 0x20);
    assert_int_equal(pic_isr(f, 0x20) | pic_isr(f, 0xa0), 0);
    /* The RTC's line is IRQ 8: its periodic interrupt arrives through the slave. */
    outb(f, 0x70, RTC_B);
    outb(f, 0x71, RTC_B_PIE | RTC_B_24H);
    run_for(f, 2000000);                            /* 1024 Hz: about two periods */
    assert_true(dev_board_intr(&f->b));
    assert_int_equal(dev_board_inta(&f->b), 0x28);
}

static void test_pic_aeoi_and_poll(void **state)
{
    Fixture *f = *state;
    outb(f, 0x20, 0x11);
    outb(f, 0x21, 0x40);
    outb(f, 0x21, 0x04);
    outb(f, 0x21, 0x03);                            /* AEOI, 8086 */
    outb(f, 0x21, 0x00);
    dev_pic_set_irq(&f->b.pic, 6, true);
    assert_int_equal(dev_board_inta(&f->b), 0x46);
    assert_int_equal(pic_isr(f, 0x20), 0x00);       /* no EOI needed */
    dev_pic_set_irq(&f->b.pic, 1, true);
    outb(f, 0x20, 0x0c);                            /* poll */
    assert_int_equal(inb(f, 0x20), 0x81);
    outb(f, 0x20, 0x0c);
    assert_int_equal(inb(f, 0x20), 0x00);
}

/* ELCR (0x4d0/0x4d1): per-input level triggering, the always-edge inputs' bits read 0. */
static void test_pic_elcr(void **state)
{
    Fixture *f = *state;
    pic_setup(f, 0x00, 0x00);
    outb(f, 0x4d0, 0xff);
    outb(f, 0x4d1, 0xff);
    assert_int_equal(inb(f, 0x4d0), 0xf8);          /* IRQ 0, 1, 2: edge only */
    assert_int_equal(inb(f, 0x4d1), 0xde);          /* IRQ 8, 13: edge only */
    outb(f, 0x4d0, 0x10);                           /* IRQ 4 level-triggered */
    outb(f, 0x4d1, 0x00);
    dev_pic_set_irq(&f->b.pic, 4, true);
    assert_int_equal(dev_board_inta(&f->b), 0x24);
    outb(f, 0x20, 0x20);                            /* EOI: still high, requests again */
    assert_int_equal(pic_irr(f, 0x20) & 0x10, 0x10);
    assert_int_equal(dev_board_inta(&f->b), 0x24);
    outb(f, 0x20, 0x20);
    dev_pic_set_irq(&f->b.pic, 4, false);           /* low: the request is gone */
    assert_int_equal(pic_irr(f, 0x20) & 0x10, 0);
    dev_pic_set_irq(&f->b.pic, 5, true);            /* IRQ 5 edge: latched once */
    assert_int_equal(dev_board_inta(&f->b), 0x25);
    outb(f, 0x20, 0x20);
    assert_int_equal(pic_irr(f, 0x20) & 0x20, 0);
    pic_setup(f, 0x00, 0x00);                       /* ICW1 keeps ELCR */
    assert_int_equal(inb(f, 0x4d0), 0x10);
}

/* ---------------------------------------------------------------- PIT */

/* Counter 0 at `divisor` in `mode` (lobyte/hibyte), its OUT counted instead of the PIC. */
static void pit_program(Fixture *f, unsigned mode, uint16_t divisor)
{
    dev_irq_connect(&f->b.pit.irq, count_edges, f, 0);
    outb(f, 0x43, (uint8_t)(0x30 | mode << 1));
    outb(f, 0x40, (uint8_t)divisor);
    outb(f, 0x40, (uint8_t)(divisor >> 8));
}

static uint16_t pit_latch_read(Fixture *f)
{
    outb(f, 0x43, 0x00);
    uint8_t lo = inb(f, 0x40);
    return (uint16_t)(lo | inb(f, 0x40) << 8);
}

static void test_pit_mode2_rate(void **state)
{
    Fixture *f = *state;
    pit_program(f, 2, 11931);                       /* 100 Hz */
    unsigned before = f->edges[0];
    run_for(f, 1000000000ull);                      /* one virtual second */
    assert_int_equal(f->edges[0] - before, 100);
    /* The counter runs down from the divisor: read it through the latch. */
    uint16_t a = pit_latch_read(f);
    run_for(f, 1000000);                            /* 1 ms = 1193 ticks */
    uint16_t b = pit_latch_read(f);
    assert_true(a <= 11931 && b <= 11931);
    assert_int_equal((a - b + 11931) % 11931, 1193);
}

static void test_pit_mode3_and_reload(void **state)
{
    Fixture *f = *state;
    pit_program(f, 3, 1193);
    unsigned before = f->edges[0];
    run_for(f, 10000000);                           /* 10 ms: ten periods of 1193 ticks */
    assert_int_equal(f->edges[0] - before, 10);
    /* In mode 3 the counter goes down by two; OUT high for the first half. */
    uint16_t v = pit_latch_read(f);
    assert_int_equal(v % 2, 0);
    /* A new count takes effect at the end of the current period. */
    outb(f, 0x40, (uint8_t)(2386 & 0xff));
    outb(f, 0x40, (uint8_t)(2386 >> 8));
    before = f->edges[0];
    run_for(f, 21000000);                           /* the old period's end, then 10 new */
    assert_int_equal(f->edges[0] - before, 11);
}

static void test_pit_mode0_and_access(void **state)
{
    Fixture *f = *state;
    dev_irq_connect(&f->b.pit.irq, count_edges, f, 0);
    outb(f, 0x43, 0x10);                            /* counter 0, LSB only, mode 0 */
    assert_false(dev_pit_out(&f->b.pit, 0));        /* mode 0 starts low */
    outb(f, 0x40, 200);
    run_for(f, dev_ticks_to_ns(199, DEV_PIT_HZ));
    assert_false(dev_pit_out(&f->b.pit, 0));
    assert_int_equal(inb(f, 0x40), 1);              /* LSB-only reads */
    run_for(f, dev_ticks_to_ns(1, DEV_PIT_HZ) + 1);
    assert_true(dev_pit_out(&f->b.pit, 0));
    assert_int_equal(f->edges[0], 1);
    run_for(f, 10000000);
    assert_int_equal(f->edges[0], 1);               /* once: terminal count only */
    /* MSB-only access: the count is value << 8. */
    outb(f, 0x43, 0xa4);                            /* counter 2, MSB only, mode 2 */
    outb(f, 0x42, 0x10);
    assert_int_equal(inb(f, 0x42), 0x10);
    /* Read-back: status of counter 2 (OUT high in mode 2, MSB access, mode 2), then its
     * latched count. */
    outb(f, 0x43, 0xc8);                            /* count and status, counter 2 */
    assert_int_equal(inb(f, 0x42), 0x80 | 0x20 | 0x04);
    assert_int_equal(inb(f, 0x42), 0x10);
    assert_int_equal(inb(f, 0x43), 0xff);
}

static void test_pit_latch_holds(void **state)
{
    Fixture *f = *state;
    pit_program(f, 2, 0);                           /* 0 = 65536 */
    run_for(f, dev_ticks_to_ns(1000, DEV_PIT_HZ));
    outb(f, 0x43, 0x00);                            /* latch */
    run_for(f, dev_ticks_to_ns(500, DEV_PIT_HZ));
    uint8_t lo = inb(f, 0x40);                      /* LSB first, then MSB */
    uint16_t v = (uint16_t)(lo | inb(f, 0x40) << 8);
    assert_int_equal(v, 65536 - 1000);
    lo = inb(f, 0x40);
    uint16_t live = (uint16_t)(lo | inb(f, 0x40) << 8);
    assert_int_equal(live, 65536 - 1500);
}

/* ---------------------------------------------------------------- RTC */

static uint8_t cmos(Fixture *f, uint8_t reg)
{
    outb(f, 0x70, reg);
    return inb(f, 0x71);
}

static void cmos_set(Fixture *f, uint8_t reg, uint8_t v)
{
    outb(f, 0x70, reg);
    outb(f, 0x71, v);
}

static void test_rtc_time_bcd_and_binary(void **state)
{
    Fixture *f = *state;
    /* 2024-02-28 23:59:58, a Wednesday: BCD, 24-hour. */
    assert_int_equal(cmos(f, RTC_SEC), 0x58);
    assert_int_equal(cmos(f, RTC_MIN), 0x59);
    assert_int_equal(cmos(f, RTC_HOUR), 0x23);
    assert_int_equal(cmos(f, RTC_MDAY), 0x28);
    assert_int_equal(cmos(f, RTC_MONTH), 0x02);
    assert_int_equal(cmos(f, RTC_YEAR), 0x24);
    assert_int_equal(cmos(f, RTC_CENTURY), 0x20);
    assert_int_equal(cmos(f, RTC_WDAY), 4);
    assert_int_equal(cmos(f, RTC_D), RTC_D_VRT);
    /* Two seconds later it is the leap day. */
    run_for(f, 2 * DEV_NS_PER_SEC);
    assert_int_equal(cmos(f, RTC_SEC), 0x00);
    assert_int_equal(cmos(f, RTC_HOUR), 0x00);
    assert_int_equal(cmos(f, RTC_MDAY), 0x29);
    assert_int_equal(cmos(f, RTC_WDAY), 5);
    /* Binary and 12-hour forms. */
    cmos_set(f, RTC_B, RTC_B_DM);
    assert_int_equal(cmos(f, RTC_MDAY), 29);
    assert_int_equal(cmos(f, RTC_HOUR), 12);        /* 00:00 is 12 AM (bit 7 would be PM) */
    cmos_set(f, RTC_B, RTC_B_DM | RTC_B_SET);
    cmos_set(f, RTC_HOUR, 0x80 | 3);                /* 3 PM */
    cmos_set(f, RTC_B, RTC_B_DM | RTC_B_24H);
    assert_int_equal(cmos(f, RTC_HOUR), 15);
    /* NVRAM keeps what is written; the index port reads 0xff. */
    cmos_set(f, 0x40, 0x77);
    assert_int_equal(cmos(f, 0x40), 0x77);
    assert_int_equal(inb(f, 0x70), 0xff);
    /* 64 KiB of RAM: base memory 64 KiB, nothing above 1 MiB. */
    assert_int_equal(cmos(f, 0x15) | cmos(f, 0x16) << 8, 64);
    assert_int_equal(cmos(f, 0x17) | cmos(f, 0x18) << 8, 0);
}

static void test_rtc_uip_and_set(void **state)
{
    Fixture *f = *state;
    /* The first update is one second after start; UIP shows in its last 244 us. */
    assert_int_equal(cmos(f, RTC_A), 0x26);
    run_for(f, DEV_NS_PER_SEC - 200000);
    assert_int_equal(cmos(f, RTC_A), 0x26 | RTC_A_UIP);
    run_for(f, 300000);
    assert_int_equal(cmos(f, RTC_A), 0x26);
    assert_int_equal(cmos(f, RTC_SEC), 0x59);
    /* SET stops the updates. */
    cmos_set(f, RTC_B, RTC_B_SET | RTC_B_24H);
    run_for(f, 5 * DEV_NS_PER_SEC);
    assert_int_equal(cmos(f, RTC_SEC), 0x59);
    cmos_set(f, RTC_B, RTC_B_24H);
    run_for(f, DEV_NS_PER_SEC);
    assert_int_equal(cmos(f, RTC_SEC), 0x00);
}

static void test_rtc_interrupts(void **state)
{
    Fixture *f = *state;
    dev_irq_connect(&f->b.rtc.irq, count_edges, f, 8);
    /* Update-ended interrupt: once a second. */
    cmos_set(f, RTC_B, RTC_B_UIE | RTC_B_24H);
    run_for(f, DEV_NS_PER_SEC);
    assert_int_equal(f->edges[8], 1);
    assert_int_equal(cmos(f, RTC_C), RTC_C_IRQF | RTC_C_UF | RTC_C_PF);   /* PF: no PIE, still set */
    assert_false(f->level[8]);                      /* reading C dropped the line */
    assert_int_equal(cmos(f, RTC_C), 0);
    run_for(f, DEV_NS_PER_SEC);
    assert_int_equal(f->edges[8], 2);
    cmos(f, RTC_C);
    /* Periodic interrupt at 2 Hz (RS = 15). */
    cmos_set(f, RTC_B, RTC_B_24H);
    cmos_set(f, RTC_A, 0x2f);
    cmos_set(f, RTC_B, RTC_B_PIE | RTC_B_24H);
    unsigned before = f->edges[8];
    for (int i = 0; i < 4; i++) {
        run_for(f, DEV_NS_PER_SEC / 2);
        assert_true(cmos(f, RTC_C) & RTC_C_PF);
    }
    assert_int_equal(f->edges[8] - before, 4);
    /* Alarm at hh:mm:05 any hour/minute. */
    cmos_set(f, RTC_B, RTC_B_AIE | RTC_B_24H);
    cmos_set(f, RTC_SEC_ALARM, 0x05);
    cmos_set(f, RTC_MIN_ALARM, 0xc0);
    cmos_set(f, RTC_HOUR_ALARM, 0xc0);
    cmos(f, RTC_C);
    before = f->edges[8];
    run_for(f, 10 * DEV_NS_PER_SEC);
    assert_int_equal(f->edges[8] - before, 1);
    assert_true(cmos(f, RTC_C) & RTC_C_AF);
}

static void test_rtc_calendar(void **state)
{
    (void)state;
    DevRtcTime t;
    dev_rtc_from_epoch(0, &t);
    assert_int_equal(t.year, 1970);
    assert_int_equal(t.wday, 5);
    dev_rtc_from_epoch(951782400, &t);              /* 2000-02-29 00:00:00 */
    assert_int_equal(t.year, 2000);
    assert_int_equal(t.month, 2);
    assert_int_equal(t.mday, 29);
    assert_true(dev_rtc_to_epoch(&t) == 951782400);
    dev_rtc_from_epoch(4102444799, &t);             /* 2099-12-31 23:59:59 */
    assert_int_equal(t.year, 2099);
    assert_int_equal(t.sec, 59);
    assert_true(dev_rtc_to_epoch(&t) == 4102444799);
}

/* ---------------------------------------------------------------- i8042, debug exit */

static void test_i8042(void **state)
{
    Fixture *f = *state;
    assert_int_equal(inb(f, 0x64) & 0x07, 0x04);    /* system flag, buffers empty */
    outb(f, 0x64, 0xaa);
    assert_int_equal(inb(f, 0x64) & 0x01, 0x01);
    assert_int_equal(inb(f, 0x60), 0x55);
    assert_int_equal(inb(f, 0x64) & 0x01, 0x00);
    outb(f, 0x64, 0x20);
    assert_int_equal(inb(f, 0x60), 0x45);
    assert_int_equal(f->resets, 0);
    outb(f, 0x64, 0xfe);
    assert_int_equal(f->resets, 1);
    outb(f, 0x64, 0xd1);
    outb(f, 0x60, 0x02);                            /* output port bit 0 clear: reset */
    assert_int_equal(f->resets, 2);
    outb(f, 0x64, 0xff);                            /* pulse nothing */
    assert_int_equal(f->resets, 2);
}

static void test_debug_exit(void **state)
{
    Fixture *f = *state;
    assert_int_equal(dev_bus_in(&f->b.bus, 0xf4, 4), 0xffffffffu);
    outb(f, 0xf4, 0x10);
    assert_int_equal(f->exit_status, 0x21);
    dev_bus_out(&f->b.bus, 0xf4, 4, 0);
    assert_int_equal(f->exit_status, 1);
    dev_bus_out(&f->b.bus, 0xf6, 2, 3);
    assert_int_equal(f->exit_status, 7);
}

static void test_board_reset(void **state)
{
    Fixture *f = *state;
    pic_setup(f, 0x00, 0x00);
    outb(f, COM1 + UART_SCR, 0x42);
    outb(f, COM1 + UART_IER, 0x0f);
    dev_board_reset(&f->b);
    assert_int_equal(inb(f, 0x21), 0xfb);           /* the firmware state again */
    assert_int_equal(inb(f, COM1 + UART_IER), 0);
    assert_int_equal(inb(f, COM1 + UART_SCR), 0);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_bus_unclaimed), T(test_bus_regions), T(test_bus_ram_checks),
        cmocka_unit_test(test_clock_timers),
        T(test_uart_reset_and_divisor), T(test_uart_transmit), T(test_uart_thre_interrupt),
        T(test_uart_loopback), T(test_uart_fifo), T(test_uart_receive),
        T(test_pic_init_and_ack), T(test_pic_priority_and_eoi), T(test_pic_cascade),
        T(test_pic_aeoi_and_poll), T(test_pic_elcr),
        T(test_pit_mode2_rate), T(test_pit_mode3_and_reload), T(test_pit_mode0_and_access),
        T(test_pit_latch_holds),
        T(test_rtc_time_bcd_and_binary), T(test_rtc_uip_and_set), T(test_rtc_interrupts),
        cmocka_unit_test(test_rtc_calendar),
        T(test_i8042), T(test_debug_exit), T(test_board_reset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
