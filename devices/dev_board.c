/* dev_board.c — the wiring of ferry's PC board (dev_board.h). */
#include <string.h>

#include "devices/dev_board.h"

static void board_reset_hook(void *opaque)
{
    DevBoard *b = opaque;
    if (b->hooks.reset)
        b->hooks.reset(b->hooks.opaque);
}

static void board_exit_hook(void *opaque, int status)
{
    DevBoard *b = opaque;
    if (b->hooks.exit)
        b->hooks.exit(b->hooks.opaque, status);
}

int dev_board_init(DevBoard *b, uint8_t *ram, uint64_t ram_size, DevChar *serial,
                   int64_t rtc_start, const DevBoardHooks *hooks)
{
    memset(b, 0, sizeof *b);
    b->hooks = *hooks;
    b->ram_size = ram_size;
    b->rtc_start = rtc_start;
    dev_bus_init(&b->bus, ram, ram_size);
    dev_clock_init(&b->clock);
    dev_pic_init(&b->pic);
    dev_pit_init(&b->pit, &b->clock);
    dev_uart_init(&b->com1, serial, &b->clock);
    dev_rtc_init(&b->rtc, &b->clock, rtc_start, ram_size);
    dev_i8042_init(&b->kbc, board_reset_hook, b);
    dev_debug_exit_init(&b->debug_exit, board_exit_hook, b);

    dev_lapic_init(&b->lapic, &b->clock);
    dev_ioapic_init(&b->ioapic, &b->lapic);
    b->lapic.eoi = dev_ioapic_eoi;
    b->lapic.eoi_opaque = &b->ioapic;

    dev_irq_connect(&b->pit.irq, dev_board_isa_irq, b, 0);
    dev_irq_connect(&b->com1.irq, dev_board_isa_irq, b, DEV_UART_COM1_IRQ);
    dev_irq_connect(&b->rtc.irq, dev_board_isa_irq, b, 8);

    if (dev_pic_attach(&b->pic, &b->bus) < 0 || dev_pit_attach(&b->pit, &b->bus) < 0 ||
        dev_i8042_attach(&b->kbc, &b->bus) < 0 || dev_rtc_attach(&b->rtc, &b->bus) < 0 ||
        dev_debug_exit_attach(&b->debug_exit, &b->bus) < 0 ||
        dev_uart_attach(&b->com1, &b->bus, DEV_UART_COM1_BASE) < 0)
        return -1;
    /* RAM is one range from 0 (no PCI hole yet): when it reaches the APICs' pages, RAM wins
     * and they have no MMIO (the x2APIC MSRs still reach the local APIC). */
    if (ram_size <= DEV_IOAPIC_BASE &&
        (dev_ioapic_attach(&b->ioapic, &b->bus) < 0 || dev_lapic_attach(&b->lapic, &b->bus) < 0))
        return -1;
    return 0;
}

void dev_board_reset(DevBoard *b)
{
    dev_pit_reset(&b->pit);
    dev_uart_reset(&b->com1);
    dev_pic_reset(&b->pic);
    dev_ioapic_reset(&b->ioapic);
    dev_lapic_reset(&b->lapic);
    /* The RTC is battery-backed: its time and RAM survive; its interrupts do not. */
    b->rtc.ram[RTC_B] &= (uint8_t)~(RTC_B_PIE | RTC_B_AIE | RTC_B_UIE);
    b->rtc.flags = 0;
    dev_timer_cancel(&b->clock, &b->rtc.update_timer);
    dev_timer_cancel(&b->clock, &b->rtc.periodic_timer);
    dev_irq_set(&b->rtc.irq, false);
    dev_i8042_init(&b->kbc, board_reset_hook, b);
}

void dev_board_isa_irq(void *opaque, unsigned irq, bool level)
{
    DevBoard *b = opaque;
    dev_pic_set_irq(&b->pic, irq, level);
    dev_ioapic_set_irq(&b->ioapic, dev_ioapic_isa_pin(irq), level);
}

bool dev_board_intr(const DevBoard *b)
{
    return dev_lapic_intr(&b->lapic) ||
           ((dev_lapic_accepts_pic(&b->lapic) || dev_ioapic_extint(&b->ioapic)) &&
            dev_pic_intr(&b->pic));
}

uint8_t dev_board_inta(DevBoard *b)
{
    if (dev_lapic_intr(&b->lapic))
        return dev_lapic_ack(&b->lapic);
    return dev_pic_ack(&b->pic);
}

bool dev_board_poll_input(DevBoard *b)
{
    dev_uart_poll(&b->com1);
    return dev_uart_wants_input(&b->com1);
}
