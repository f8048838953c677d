/* dev_pic.h — the PC's pair of Intel 8259A programmable interrupt controllers.
 *
 * The master (ports 0x20/0x21) takes IRQ 0-7; the slave (0xa0/0xa1) takes IRQ 8-15 and drives
 * the master's input 2 (cascade, ICW3). Each chip, as the 8259A datasheet describes it:
 *   ICW1 (command port, bit 4 set) starts initialisation: IMR, ISR and IRR are cleared, IR7
 *     gets the lowest priority, special mask mode ends, reads select IRR; bit 0 says whether
 *     ICW4 follows, bit 1 single mode (no ICW3), bit 3 level-triggered inputs. Then on the data
 *     port ICW2 (vector base, bits 7:3), ICW3 (master: inputs with a slave; slave: its id) unless
 *     single, ICW4 if announced (bit 1 automatic EOI, bit 4 special fully nested mode; 8086 mode
 *     is assumed).
 *   OCW1 (data port after initialisation): IMR. Reading the data port gives IMR.
 *   OCW2 (command port, bits 4:3 = 00): non-specific EOI (clears the highest-priority ISR bit),
 *     specific EOI (level in bits 2:0), rotate on non-specific / specific EOI (the level ended
 *     becomes the lowest priority), set priority, and rotate-in-AEOI on/off.
 *   OCW3 (command port, bits 4:3 = 01): read IRR or ISR on the next command-port read, poll (the
 *     next read returns 0x80 | level and acknowledges it, or 0 if none), special mask mode on/off.
 * Priority is fully nested: a request is passed on when no in-service level has higher or equal
 * priority (with special mask mode, masked in-service levels do not count; with special fully
 * nested mode, the master's cascade input in service does not hold back its own slave).
 * Edge-triggered inputs latch a request in IRR on a low-to-high transition, which stays until
 * acknowledged; level-triggered inputs request while high. An input is level-triggered when
 * ICW1 said so for the whole chip (LTIM) or when its bit is set in the chipset's edge/level
 * control register, ELCR (ports 0x4d0 master, 0x4d1 slave, as the PIIX/ICH south bridges of
 * PCs have it; IRQ 0, 1, 2, 8 and 13 are always edge-triggered there, their bits read 0).
 * ELCR is how PC operating systems ask for level inputs (and all QEMU's 8259 honours: it
 * ignores LTIM, as the ICH does).
 *
 * The CPU side: dev_pic_intr says whether INTR is asserted, dev_pic_ack is the INTA cycle and
 * returns the vector (base | level; a request that vanished gives the spurious IR7 vector of
 * the chip without setting ISR, as the datasheet says).
 *
 * Before the guest initialises them the chips are in the state PC firmware leaves: initialised,
 * edge-triggered, vectors 0x08 and 0x70, the slave on IR2, every input masked but the cascade.
 */
#ifndef FERRY_DEV_PIC_H
#define FERRY_DEV_PIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"

typedef struct DevPicChip {
    uint8_t irr, isr, imr;
    uint8_t levels;             /* input levels as last driven (edge detection) */
    uint8_t base;               /* ICW2 & 0xf8 */
    uint8_t icw3;               /* master: inputs with a slave; slave: its cascade id */
    uint8_t lowest;             /* the level with the lowest priority (rotation) */
    uint8_t init_step;          /* 0 ready; 2, 3, 4: the ICW expected next */
    uint8_t elcr;               /* level-triggered inputs by ELCR (kept across ICW1) */
    bool icw4_needed, single, ltim, aeoi, sfnm, rotate_aeoi, special_mask, read_isr, poll;
    bool is_master;
} DevPicChip;

typedef struct DevPic {
    DevPicChip chip[2];         /* master, slave */
    bool slave_out;             /* the slave's INT, as the master's input 2 last saw it */
} DevPic;

void dev_pic_init(DevPic *pic);
void dev_pic_reset(DevPic *pic);
/* Claim 0x20-0x21, 0xa0-0xa1 and ELCR's 0x4d0-0x4d1. 0 or -1. */
int dev_pic_attach(DevPic *pic, DevBus *bus);
/* The DevIrqHandler of the sixteen inputs (opaque = the DevPic, input = IRQ 0..15; IRQ 2 is
 * the cascade and cannot be driven from outside). */
void dev_pic_set_irq(void *opaque, unsigned irq, bool level);
/* INTR to the CPU. */
bool dev_pic_intr(const DevPic *pic);
/* The interrupt acknowledge cycle: the vector of the highest-priority request. */
uint8_t dev_pic_ack(DevPic *pic);

#endif /* FERRY_DEV_PIC_H */
