/* dev_rtc.h — the CMOS real-time clock and its RAM (Motorola MC146818A), index port 0x70,
 * data port 0x71, IRQ 8.
 *
 * Port 0x70 selects one of 128 bytes (bit 7 is the NMI mask on a PC: kept, no effect; the port
 * reads 0xff as it is write-only); port 0x71 reads or writes it.
 *   0-9    seconds, alarm seconds, minutes, alarm minutes, hours, alarm hours, day of week
 *          (1 = Sunday), day of month, month, year (00-99), in BCD or binary per register B's DM
 *          bit, hours in 24- or 12-hour form per its 24/12 bit (12-hour: bit 7 = PM). An alarm
 *          byte of 0xc0-0xff matches any value.
 *   A (10) UIP (read-only) | DV2:0 (010: the 32.768 kHz time base; 11x holds the divider in
 *          reset, stopping the clock; the first update comes 500 ms after the release) | RS3:0,
 *          the periodic interrupt rate (32768 >> (RS - 1) Hz; RS 1 and 2 are 256 and 128 Hz).
 *   B (11) SET (stops updates, clears UIE) | PIE | AIE | UIE | SQWE | DM | 24/12 | DSE (no effect).
 *   C (12) IRQF | PF | AF | UF, read-only; reading clears it and drops IRQ 8. The flags are set
 *          whether or not their interrupt is enabled; IRQF and the line when one enabled is.
 *   D (13) VRT = 1: the battery is good.
 *   14-127 RAM. 0x32 holds the century (BCD); 0x15-0x18, 0x30-0x31 and 0x34-0x35 the memory
 *          sizes, as PC firmware records them (base KiB, KiB above 1 MiB up to 64 MiB, 64 KiB
 *          blocks above 16 MiB).
 *
 * Time: the clock starts at a given calendar time (the machine passes the host's UTC time at
 * start-up) and advances with virtual time, one update per second, so the same guest reads
 * the same sequence of times relative to its start. UIP reads 1 during the 244 us before each
 * update (the datasheet's guarantee to software: when UIP is 0 the registers stay valid for at
 * least 244 us); updates are instantaneous, so reads never see a half-updated time.
 */
#ifndef FERRY_DEV_RTC_H
#define FERRY_DEV_RTC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"
#include "devices/dev_clock.h"
#include "devices/dev_irq.h"

enum {
    RTC_SEC = 0, RTC_SEC_ALARM, RTC_MIN, RTC_MIN_ALARM, RTC_HOUR, RTC_HOUR_ALARM, RTC_WDAY,
    RTC_MDAY, RTC_MONTH, RTC_YEAR, RTC_A, RTC_B, RTC_C, RTC_D, RTC_CENTURY = 0x32,
};
enum {
    RTC_A_UIP = 0x80,
    RTC_B_SET = 0x80, RTC_B_PIE = 0x40, RTC_B_AIE = 0x20, RTC_B_UIE = 0x10, RTC_B_SQWE = 0x08,
    RTC_B_DM = 0x04, RTC_B_24H = 0x02, RTC_B_DSE = 0x01,
    RTC_C_IRQF = 0x80, RTC_C_PF = 0x40, RTC_C_AF = 0x20, RTC_C_UF = 0x10,
    RTC_D_VRT = 0x80,
};

/* A calendar time, binary. */
typedef struct DevRtcTime {
    int year;                   /* e.g. 2026 */
    int month, mday;            /* 1-12, 1-31 */
    int hour, min, sec;
    int wday;                   /* 1-7, 1 = Sunday */
} DevRtcTime;

typedef struct DevRtc {
    DevClock *clock;
    DevIrq irq;                 /* to IRQ 8 */
    uint8_t index;              /* port 0x70, bit 7 the NMI mask */
    uint8_t ram[128];           /* registers A, B, D and the RAM; the time is in `now` */
    uint8_t alarm[3];           /* alarm seconds, minutes, hours as written */
    DevRtcTime now;             /* the time registers' value, binary */
    uint64_t next_update;       /* virtual ns of the next once-a-second update */
    uint64_t periodic_mark;     /* virtual ns the periodic flag was last looked at */
    uint8_t flags;              /* register C's PF AF UF */
    DevTimer update_timer;      /* the next update, when UIE or AIE wants an interrupt */
    DevTimer periodic_timer;    /* the next periodic flag, when PIE wants an interrupt */
} DevRtc;

/* The clock starting at `start` (seconds since 1970-01-01 UTC), with `ram_size` bytes of RAM
 * recorded in the memory-size bytes. */
void dev_rtc_init(DevRtc *rtc, DevClock *clock, int64_t start, uint64_t ram_size);
int dev_rtc_attach(DevRtc *rtc, DevBus *bus);

/* Calendar arithmetic, exported for tests: seconds since 1970 <-> time (the proleptic
 * Gregorian calendar, UTC). */
void dev_rtc_from_epoch(int64_t t, DevRtcTime *out);
int64_t dev_rtc_to_epoch(const DevRtcTime *tm);

#endif /* FERRY_DEV_RTC_H */
