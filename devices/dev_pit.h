/* dev_pit.h — the Intel 8254 programmable interval timer at ports 0x40-0x43.
 *
 * Three 16-bit down counters clocked at 1.193182 MHz (derived from the machine's virtual clock,
 * so counts and interrupts are the same on every run). Counter 0's OUT drives IRQ 0; counters 1
 * and 2 count but drive nothing yet (their gates are taken as high: port 0x61 is not modelled).
 *
 * Control word (port 0x43): bits 7:6 select the counter (11: read-back), bits 5:4 the access
 * (00 counter latch, 01 LSB only, 10 MSB only, 11 LSB then MSB), bits 3:1 the mode, bit 0 BCD.
 * Writing one stops the counter until a count is written and sets OUT to its initial level
 * (low in mode 0, high otherwise). A count of 0 means 65536 (10000 in BCD).
 *   Mode 0, interrupt on terminal count: OUT goes high N ticks after the count is written and
 *     stays high; the counter keeps decrementing, wrapping past 0. Writing the first byte of a
 *     two-byte count stops counting and makes OUT low.
 *   Mode 2, rate generator: the counter runs N .. 1 and reloads; OUT is low while it reads 1,
 *     so it rises (an IRQ 0 edge) every N ticks.
 *   Mode 3, square wave: OUT is high for ceil(N/2) ticks and low for floor(N/2), the counter
 *     decrementing by two in each half; it rises every N ticks.
 *   In modes 2 and 3 a count written while counting takes effect when the current period ends.
 *   Mode 4 (software triggered strobe) runs as mode 0 but OUT pulses low for one tick at the
 *     terminal count; modes 1 and 5 wait for a rising gate edge, which never comes, so they do
 *     not count.
 * Reads follow the access mode (the LSB/MSB flip-flop for 11). The counter latch command and
 * the read-back command (bits 5/4 low: latch count / status of the counters in bits 3:1)
 * freeze values until they are read; a latched status (OUT, null count, access, mode, BCD) is
 * read before a latched count. Reading port 0x43 returns 0xff (the 8254 does not drive it).
 */
#ifndef FERRY_DEV_PIT_H
#define FERRY_DEV_PIT_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"
#include "devices/dev_clock.h"
#include "devices/dev_irq.h"

#define DEV_PIT_HZ 1193182u

typedef struct DevPit DevPit;

typedef struct DevPitCounter {
    DevPit *pit;
    unsigned index;
    uint8_t mode;               /* 0..5 */
    uint8_t access;             /* 1 LSB, 2 MSB, 3 LSB then MSB */
    bool bcd;
    bool counting;              /* a count is loaded and running */
    uint32_t n;                 /* the count running (1..65536) */
    uint64_t start;             /* PIT tick at which it was loaded */
    bool has_next;              /* modes 2/3: a count written while counting ... */
    uint32_t next_n;            /* ... and the tick at which it is loaded */
    uint64_t next_at;
    bool null_count;            /* status bit 6: a count written and not yet loaded */
    bool write_msb;             /* access 3: the next write is the MSB */
    uint8_t write_lsb;
    bool read_msb;              /* access 3, unlatched: the next read is the MSB */
    uint8_t latch_bytes;        /* counter latch: bytes still to read (0: none) */
    uint16_t latch;
    bool latch_msb;             /* the next latched byte is the MSB */
    bool status_latched;
    uint8_t status;
    bool out_fired;             /* mode 0/4: the terminal count has been reached */
    DevTimer timer;             /* counter 0: the next rising edge of OUT */
} DevPitCounter;

struct DevPit {
    DevClock *clock;
    DevIrq irq;                 /* counter 0's OUT, to IRQ 0 */
    DevPitCounter c[3];
};

void dev_pit_init(DevPit *pit, DevClock *clock);
void dev_pit_reset(DevPit *pit);
int dev_pit_attach(DevPit *pit, DevBus *bus);
/* A counter's OUT level now (for tests and the status byte). */
bool dev_pit_out(DevPit *pit, unsigned counter);

#endif /* FERRY_DEV_PIT_H */
