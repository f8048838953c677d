/* dev_ioapic.h — the I/O APIC at 0xfec00000 (Intel 82093AA, with the EOI register of the
 * later version 0x20 that QEMU's PC has), routing the board's interrupt lines to the local
 * APIC.
 *
 * Two registers in the MMIO page: IOREGSEL (offset 0x00, the index, 8 bits) and IOWIN (0x10,
 * the 32-bit window onto the indexed register); EOI (0x40): a write of a vector ends the
 * remote IRR of the level-triggered entries with that vector, as a local APIC EOI broadcast
 * does. Indexed registers: 0x00 ID (bits 27:24), 0x01 version (0x00170020: 24 entries),
 * 0x02 arbitration ID (= ID), 0x10 + 2n / 0x11 + 2n the low and high halves of redirection
 * entry n (0..23). Other indices read 0 and ignore writes.
 *
 * Redirection entry: vector (7:0), delivery mode (10:8: fixed and lowest priority are
 * delivered; SMI, NMI, INIT and ExtINT are not modelled and deliver nothing), destination
 * mode (11: logical), delivery status (12, read-only, 0: messages are accepted at once),
 * polarity (13: active low), remote IRR (14, read-only), trigger mode (15: level), mask (16,
 * set at reset), destination (63:56). An edge-triggered input sends a message on each
 * transition to the asserted level while unmasked (edges while masked are lost, as on the
 * chip). A level-triggered one sends a message while asserted, unmasked and remote IRR clear,
 * and sets remote IRR (when the local APIC accepted the message); the EOI for its vector
 * clears remote IRR and, if the line is still
 * asserted, sends again (a device that keeps its line up interrupts again after each EOI: the
 * guest still runs its handler between two of them).
 *
 * Inputs on ferry's board (as on QEMU's PC): pin 2 takes ISA IRQ 0 (the PIT), pins 1 and 3-15
 * ISA IRQs 1 and 3-15; pin 0 is the 8259's INTR, which counts only as ExtINT: with entry 0
 * unmasked in ExtINT mode and aimed at the CPU, the 8259's requests reach it (virtual wire
 * mode through the IOAPIC, dev_ioapic_extint; the vector then comes from the 8259's
 * acknowledge); pins 16-23 have nothing connected.
 */
#ifndef FERRY_DEV_IOAPIC_H
#define FERRY_DEV_IOAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"
#include "devices/dev_lapic.h"

#define DEV_IOAPIC_BASE 0xfec00000u
#define DEV_IOAPIC_PINS 24
#define DEV_IOAPIC_VERSION 0x00170020u

/* Redirection entry bits. */
#define IOAPIC_DEST_LOGICAL (1u << 11)
#define IOAPIC_POLARITY_LOW (1u << 13)
#define IOAPIC_REMOTE_IRR (1u << 14)
#define IOAPIC_LEVEL (1u << 15)
#define IOAPIC_MASKED (1u << 16)

typedef struct DevIoapic {
    DevLapic *lapic;            /* where messages go (the one CPU) */
    uint8_t ioregsel;
    uint8_t id;
    uint64_t redir[DEV_IOAPIC_PINS];
    uint32_t levels;            /* input levels as last driven (bit per pin, active high) */
} DevIoapic;

void dev_ioapic_init(DevIoapic *io, DevLapic *lapic);
void dev_ioapic_reset(DevIoapic *io);
int dev_ioapic_attach(DevIoapic *io, DevBus *bus);
/* The DevIrqHandler of the 24 inputs (opaque = the DevIoapic, input = pin). */
void dev_ioapic_set_irq(void *opaque, unsigned pin, bool level);
/* An EOI for vector (the local APIC's broadcast, or the EOI register). */
void dev_ioapic_eoi(void *opaque, uint8_t vector);
/* Does entry 0 pass the 8259's INTR to the CPU as ExtINT? */
bool dev_ioapic_extint(const DevIoapic *io);
/* The ISA IRQ -> pin map of the board. */
static inline unsigned dev_ioapic_isa_pin(unsigned irq) { return irq == 0 ? 2 : irq; }

#endif /* FERRY_DEV_IOAPIC_H */
