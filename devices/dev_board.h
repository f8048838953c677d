/* dev_board.h — ferry's PC board: which devices exist, at which ports, on which IRQ lines.
 *
 *   ports 0x20-0x21, 0xa0-0xa1   i8259 PIC pair (the slave on the master's IR2)
 *   ports 0x40-0x43              i8254 PIT, counter 0 -> IRQ 0
 *   ports 0x60, 0x64             i8042 (status, commands, the CPU reset line)
 *   ports 0x70-0x71              CMOS RTC -> IRQ 8
 *   ports 0xf4-0xf7              isa-debug-exit
 *   ports 0x3f8-0x3ff            16550A UART, COM1 -> IRQ 4
 *   MMIO 0xfec00000-0xfec00fff   IOAPIC (ISA IRQ 0 on pin 2, the others on their own pin)
 *   MMIO 0xfee00000-0xfee00fff   the CPU's local APIC (movable through IA32_APIC_BASE)
 *   (the two MMIO pages exist only while RAM ends at or below 0xfec00000: RAM is one range
 *   from 0, without a PCI hole, and RAM wins)
 * Every other port and device address reads all ones and ignores writes (dev_bus.h).
 * Each ISA IRQ line goes to both the 8259 pair and the IOAPIC, as on a PC; the 8259's INTR
 * reaches the CPU through the local APIC's LINT0 (ExtINT) or the IOAPIC's pin 0 (ExtINT), the
 * IOAPIC's other messages through the local APIC's IRR.
 *
 * The machine (the runtime) owns one DevBoard, keeps board.clock.now current before it touches
 * any device, advances the clock (dev_clock_advance) to run device timers, looks at INTR
 * (dev_board_intr) between guest instructions and runs the acknowledge cycle
 * (dev_board_inta) when the CPU takes the interrupt: the local APIC's fixed interrupts come
 * first, then the 8259's when LINT0 lets them through (dev_lapic.h). The two things devices ask of the machine
 * go through the hooks: a CPU reset (i8042) and the end of the machine (isa-debug-exit).
 */
#ifndef FERRY_DEV_BOARD_H
#define FERRY_DEV_BOARD_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"
#include "devices/dev_chardev.h"
#include "devices/dev_clock.h"
#include "devices/dev_debug_exit.h"
#include "devices/dev_i8042.h"
#include "devices/dev_ioapic.h"
#include "devices/dev_lapic.h"
#include "devices/dev_pic.h"
#include "devices/dev_pit.h"
#include "devices/dev_rtc.h"
#include "devices/dev_uart.h"

typedef struct DevBoardHooks {
    void (*reset)(void *opaque);            /* the guest pulsed the CPU's reset line */
    void (*exit)(void *opaque, int status); /* isa-debug-exit: end with this host status */
    void *opaque;
} DevBoardHooks;

typedef struct DevBoard {
    DevBus bus;
    DevClock clock;
    DevPic pic;
    DevPit pit;
    DevUart com1;
    DevRtc rtc;
    DevI8042 kbc;
    DevDebugExit debug_exit;
    DevLapic lapic;
    DevIoapic ioapic;
    DevBoardHooks hooks;
    uint64_t ram_size;
    int64_t rtc_start;
} DevBoard;

/* Build the board over guest RAM with COM1 on `serial`, the RTC starting at rtc_start
 * (seconds since 1970, UTC). 0, or -1 if the wiring fails (ferry's bug). */
int dev_board_init(DevBoard *b, uint8_t *ram, uint64_t ram_size, DevChar *serial,
                   int64_t rtc_start, const DevBoardHooks *hooks);
/* Every device back to its power-on state (a machine reset); the clock keeps running. */
void dev_board_reset(DevBoard *b);

/* INTR as the CPU sees it, and the acknowledge cycle (the vector to deliver). */
bool dev_board_intr(const DevBoard *b);
uint8_t dev_board_inta(DevBoard *b);
/* The DevIrqHandler of the ISA IRQ lines 0-15: to the 8259 pair and the IOAPIC. */
void dev_board_isa_irq(void *opaque, unsigned irq, bool level);
/* Host input into the serial port while it has room; true if the port would take more
 * (the machine may then wait for input). */
bool dev_board_poll_input(DevBoard *b);

#endif /* FERRY_DEV_BOARD_H */
