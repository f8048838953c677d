/* dev_rtc.c — the MC146818A: calendar, update cycle, alarm and periodic flags, CMOS RAM
 * (dev_rtc.h). The time is kept binary in DevRtc.now and encoded per register B when read. */
#include <string.h>

#include "devices/dev_rtc.h"

#define RTC_BASE_HZ 32768u          /* the time base crystal */
#define UIP_WINDOW_NS 244000u       /* UIP is set this long before each update */

/* ---------------------------------------------------------------- calendar */

static bool leap(int y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static int month_days(int y, int m)
{
    static const int days[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    return m == 2 && leap(y) ? 29 : days[(m - 1) % 12];
}

int64_t dev_rtc_to_epoch(const DevRtcTime *tm)
{
    int64_t days = 0;
    for (int y = 1970; y < tm->year; y++)
        days += leap(y) ? 366 : 365;
    for (int y = tm->year; y < 1970; y++)
        days -= leap(y) ? 366 : 365;
    for (int m = 1; m < tm->month; m++)
        days += month_days(tm->year, m);
    days += tm->mday - 1;
    return days * 86400 + tm->hour * 3600 + tm->min * 60 + tm->sec;
}

void dev_rtc_from_epoch(int64_t t, DevRtcTime *out)
{
    int64_t days = t / 86400, secs = t % 86400;
    if (secs < 0) {
        secs += 86400;
        days--;
    }
    out->wday = (int)(((days + 4) % 7 + 7) % 7) + 1;    /* 1970-01-01 was a Thursday */
    int y = 1970;
    while (days < 0) {
        y--;
        days += leap(y) ? 366 : 365;
    }
    while (days >= (leap(y) ? 366 : 365)) {
        days -= leap(y) ? 366 : 365;
        y++;
    }
    int m = 1;
    while (days >= month_days(y, m)) {
        days -= month_days(y, m);
        m++;
    }
    out->year = y;
    out->month = m;
    out->mday = (int)days + 1;
    out->hour = (int)(secs / 3600);
    out->min = (int)(secs / 60 % 60);
    out->sec = (int)(secs % 60);
}

/* ---------------------------------------------------------------- register encoding */

static bool binary(const DevRtc *r) { return (r->ram[RTC_B] & RTC_B_DM) != 0; }

static uint8_t enc(const DevRtc *r, int v)
{
    return binary(r) ? (uint8_t)v : (uint8_t)((v / 10) << 4 | v % 10);
}

static int dec(const DevRtc *r, uint8_t v)
{
    return binary(r) ? v : (v >> 4) * 10 + (v & 0xf);
}

static uint8_t enc_hour(const DevRtc *r, int h)
{
    if (r->ram[RTC_B] & RTC_B_24H)
        return enc(r, h);
    int h12 = h % 12 == 0 ? 12 : h % 12;
    return (uint8_t)(enc(r, h12) | (h >= 12 ? 0x80 : 0));
}

static int dec_hour(const DevRtc *r, uint8_t v)
{
    if (r->ram[RTC_B] & RTC_B_24H)
        return dec(r, v);
    int h = dec(r, v & 0x7f) % 12;
    return (v & 0x80) ? h + 12 : h;
}

/* ---------------------------------------------------------------- updates */

static bool divider_running(const DevRtc *r) { return (r->ram[RTC_A] & 0x70) == 0x20; }
static bool updating(const DevRtc *r) { return divider_running(r) && !(r->ram[RTC_B] & RTC_B_SET); }

static bool alarm_matches(const DevRtc *r)
{
    const uint8_t cur[3] = { enc(r, r->now.sec), enc(r, r->now.min), enc_hour(r, r->now.hour) };
    for (int i = 0; i < 3; i++)
        if (r->alarm[i] < 0xc0 && r->alarm[i] != cur[i])
            return false;
    return true;
}

/* Add `secs` seconds to the time (one update per second, the alarm checked at each). */
static void advance_seconds(DevRtc *r, uint64_t secs)
{
    if (secs > 2 * 86400) {
        /* A long idle stretch: jump, and check the alarm at the end only. */
        dev_rtc_from_epoch(dev_rtc_to_epoch(&r->now) + (int64_t)secs, &r->now);
        r->flags |= RTC_C_UF | (alarm_matches(r) ? RTC_C_AF : 0);
        return;
    }
    for (uint64_t i = 0; i < secs; i++) {
        dev_rtc_from_epoch(dev_rtc_to_epoch(&r->now) + 1, &r->now);
        r->flags |= RTC_C_UF;
        if (alarm_matches(r))
            r->flags |= RTC_C_AF;
    }
}

/* The period of the periodic flag in 32.768 kHz ticks, 0 for none. */
static uint64_t periodic_ticks(const DevRtc *r)
{
    unsigned rs = r->ram[RTC_A] & 0x0f;
    if (rs == 0)
        return 0;
    if (rs <= 2)
        return rs == 1 ? 128 : 256;
    return 1ull << (rs - 1);
}

/* Bring the time and the flags up to the clock's now. */
static void catch_up(DevRtc *r)
{
    uint64_t now = r->clock->now;
    if (divider_running(r) && now >= r->next_update) {
        uint64_t n = (now - r->next_update) / DEV_NS_PER_SEC + 1;
        r->next_update += n * DEV_NS_PER_SEC;
        if (!(r->ram[RTC_B] & RTC_B_SET))
            advance_seconds(r, n);
    }
    uint64_t p = periodic_ticks(r);
    if (p && divider_running(r)) {
        uint64_t a = dev_ns_to_ticks(r->periodic_mark, RTC_BASE_HZ) / p;
        uint64_t b = dev_ns_to_ticks(now, RTC_BASE_HZ) / p;
        if (b > a)
            r->flags |= RTC_C_PF;
    }
    r->periodic_mark = now;
}

static uint8_t irqf(const DevRtc *r)
{
    uint8_t b = r->ram[RTC_B];
    bool on = ((r->flags & RTC_C_PF) && (b & RTC_B_PIE)) ||
              ((r->flags & RTC_C_AF) && (b & RTC_B_AIE)) ||
              ((r->flags & RTC_C_UF) && (b & RTC_B_UIE));
    return on ? RTC_C_IRQF : 0;
}

/* The line follows IRQF; the timers are armed for the next flag an enabled interrupt needs. */
static void update_irq(DevRtc *r)
{
    dev_irq_set(&r->irq, irqf(r) != 0);
    uint8_t b = r->ram[RTC_B];
    if ((b & (RTC_B_UIE | RTC_B_AIE)) && divider_running(r))
        dev_timer_arm(r->clock, &r->update_timer, r->next_update);
    else
        dev_timer_cancel(r->clock, &r->update_timer);
    uint64_t p = periodic_ticks(r);
    if ((b & RTC_B_PIE) && p && divider_running(r)) {
        uint64_t next = (dev_ns_to_ticks(r->clock->now, RTC_BASE_HZ) / p + 1) * p;
        dev_timer_arm(r->clock, &r->periodic_timer, dev_ticks_to_ns(next, RTC_BASE_HZ));
    } else {
        dev_timer_cancel(r->clock, &r->periodic_timer);
    }
}

static void timer_fired(void *opaque, DevClock *clock)
{
    (void)clock;
    DevRtc *r = opaque;
    catch_up(r);
    update_irq(r);
}

/* ---------------------------------------------------------------- registers */

static uint8_t reg_read(DevRtc *r, unsigned i)
{
    switch (i) {
    case RTC_SEC:   catch_up(r); return enc(r, r->now.sec);
    case RTC_MIN:   catch_up(r); return enc(r, r->now.min);
    case RTC_HOUR:  catch_up(r); return enc_hour(r, r->now.hour);
    case RTC_WDAY:  catch_up(r); return enc(r, r->now.wday);
    case RTC_MDAY:  catch_up(r); return enc(r, r->now.mday);
    case RTC_MONTH: catch_up(r); return enc(r, r->now.month);
    case RTC_YEAR:  catch_up(r); return enc(r, r->now.year % 100);
    case RTC_CENTURY: catch_up(r); return enc(r, r->now.year / 100);
    case RTC_SEC_ALARM:  return r->alarm[0];
    case RTC_MIN_ALARM:  return r->alarm[1];
    case RTC_HOUR_ALARM: return r->alarm[2];
    case RTC_A: {
        catch_up(r);
        bool uip = updating(r) && r->next_update - r->clock->now <= UIP_WINDOW_NS;
        return (uint8_t)((r->ram[RTC_A] & 0x7f) | (uip ? RTC_A_UIP : 0));
    }
    case RTC_C: {
        catch_up(r);
        uint8_t v = (uint8_t)(r->flags | irqf(r));
        r->flags = 0;
        update_irq(r);
        return v;
    }
    case RTC_D: return RTC_D_VRT;
    default:    return r->ram[i];
    }
}

static void set_field(DevRtc *r, unsigned i, uint8_t v)
{
    DevRtcTime *t = &r->now;
    switch (i) {
    case RTC_SEC:     t->sec = dec(r, v & 0x7f) % 60; break;
    case RTC_MIN:     t->min = dec(r, v) % 60; break;
    case RTC_HOUR:    t->hour = dec_hour(r, v) % 24; break;
    case RTC_WDAY:    t->wday = dec(r, v); break;
    case RTC_MDAY:    t->mday = dec(r, v); break;
    case RTC_MONTH:   t->month = dec(r, v); break;
    case RTC_YEAR:    t->year = t->year / 100 * 100 + dec(r, v) % 100; break;
    default:          t->year = dec(r, v) * 100 + t->year % 100; break;   /* century */
    }
    /* Keep the fields usable by the calendar code whatever the guest wrote. */
    if (t->month < 1 || t->month > 12) t->month = 1;
    if (t->mday < 1 || t->mday > month_days(t->year, t->month)) t->mday = 1;
}

static void reg_write(DevRtc *r, unsigned i, uint8_t v)
{
    switch (i) {
    case RTC_SEC: case RTC_MIN: case RTC_HOUR: case RTC_WDAY: case RTC_MDAY: case RTC_MONTH:
    case RTC_YEAR: case RTC_CENTURY:
        catch_up(r);
        set_field(r, i, v);
        if (i == RTC_CENTURY)
            r->ram[i] = v;
        return;
    case RTC_SEC_ALARM:  r->alarm[0] = v; return;
    case RTC_MIN_ALARM:  r->alarm[1] = v; return;
    case RTC_HOUR_ALARM: r->alarm[2] = v; return;
    case RTC_A: {
        catch_up(r);
        bool was_running = divider_running(r);
        r->ram[RTC_A] = v & 0x7f;
        if (divider_running(r) && !was_running)
            r->next_update = r->clock->now + DEV_NS_PER_SEC / 2;
        r->periodic_mark = r->clock->now;
        update_irq(r);
        return;
    }
    case RTC_B:
        catch_up(r);
        if (v & RTC_B_SET)
            v &= (uint8_t)~RTC_B_UIE;
        r->ram[RTC_B] = v;
        update_irq(r);
        return;
    case RTC_C: case RTC_D:
        return;                             /* read-only */
    default:
        r->ram[i] = v;
        return;
    }
}

static uint32_t rtc_port_read(void *opaque, uint16_t off, unsigned size)
{
    (void)size;
    DevRtc *r = opaque;
    if ((off & 1) == 0)
        return 0xff;                        /* the index port is write-only */
    return reg_read(r, r->index & 0x7f);
}

static void rtc_port_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)size;
    DevRtc *r = opaque;
    if ((off & 1) == 0)
        r->index = (uint8_t)v;
    else
        reg_write(r, r->index & 0x7f, (uint8_t)v);
}

static const DevPortOps rtc_ops = { rtc_port_read, rtc_port_write, 1 };

/* ---------------------------------------------------------------- set-up */

void dev_rtc_init(DevRtc *r, DevClock *clock, int64_t start, uint64_t ram_size)
{
    memset(r, 0, sizeof *r);
    r->clock = clock;
    dev_timer_init(&r->update_timer, timer_fired, r);
    dev_timer_init(&r->periodic_timer, timer_fired, r);
    dev_rtc_from_epoch(start, &r->now);
    r->ram[RTC_A] = 0x26;                   /* 32.768 kHz time base, 1024 Hz periodic rate */
    r->ram[RTC_B] = RTC_B_24H;              /* BCD, 24-hour: what PC firmware sets */
    r->next_update = clock->now + DEV_NS_PER_SEC;
    r->periodic_mark = clock->now;
    /* Memory sizes in the places PC firmware records them. */
    uint64_t kib = ram_size >> 10;
    uint64_t ext = kib > 1024 ? kib - 1024 : 0;         /* KiB above 1 MiB ... */
    if (ext > 0xfc00)
        ext = 0xfc00;                                   /* ... up to 64 MiB */
    uint64_t base = kib < 640 ? kib : 640;
    uint64_t above16 = ram_size > (16u << 20) ? (ram_size - (16u << 20)) >> 16 : 0;
    if (above16 > 0xffff)
        above16 = 0xffff;
    r->ram[0x15] = (uint8_t)base;
    r->ram[0x16] = (uint8_t)(base >> 8);
    r->ram[0x17] = r->ram[0x30] = (uint8_t)ext;
    r->ram[0x18] = r->ram[0x31] = (uint8_t)(ext >> 8);
    r->ram[0x34] = (uint8_t)above16;
    r->ram[0x35] = (uint8_t)(above16 >> 8);
    r->ram[RTC_CENTURY] = enc(r, r->now.year / 100);
}

int dev_rtc_attach(DevRtc *r, DevBus *bus)
{
    return dev_bus_add_ports(bus, 0x70, 2, &rtc_ops, r, "cmos-rtc");
}
