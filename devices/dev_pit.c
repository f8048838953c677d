/* dev_pit.c — the 8254's counters, computed from virtual time when they are read rather than
 * stepped tick by tick, with one timer for the next rising edge of counter 0's OUT
 * (dev_pit.h). */
#include <string.h>

#include "devices/dev_pit.h"

static uint64_t now_tick(const DevPit *pit)
{
    return dev_ns_to_ticks(pit->clock->now, DEV_PIT_HZ);
}

static unsigned from_bcd(unsigned v)
{
    return (v & 0xf) + ((v >> 4) & 0xf) * 10 + ((v >> 8) & 0xf) * 100 + ((v >> 12) & 0xf) * 1000;
}

static unsigned to_bcd(unsigned v)
{
    v %= 10000;
    return (v % 10) | (v / 10 % 10) << 4 | (v / 100 % 10) << 8 | (v / 1000) << 12;
}

/* ---------------------------------------------------------------- counting */

/* Load a count written for modes 2/3 once the period it waited for has ended. */
static void settle(DevPitCounter *c, uint64_t t)
{
    if (c->has_next && t >= c->next_at) {
        c->n = c->next_n;
        c->start = c->next_at;
        c->has_next = false;
        c->null_count = false;
    }
}

/* The counting element at tick t (binary, 0..65535). */
static uint32_t value_at(DevPitCounter *c, uint64_t t)
{
    settle(c, t);
    if (!c->counting)
        return c->n & 0xffff;
    uint64_t e = t - c->start;
    switch (c->mode) {
    case 0: case 4:
        return (uint32_t)((c->n - e) & 0xffff);
    case 2:
        return (uint32_t)((c->n - e % c->n) & 0xffff);
    case 3: {
        uint64_t p = e % c->n, hi = (c->n + 1) / 2;
        uint64_t k = p < hi ? p : p - hi;
        uint64_t v = (c->n & ~1u) - 2 * k;
        return (uint32_t)(v & 0xffff);
    }
    default:
        return c->n & 0xffff;
    }
}

static bool out_at(DevPitCounter *c, uint64_t t)
{
    settle(c, t);
    if (!c->counting)
        return c->mode != 0;
    uint64_t e = t - c->start;
    switch (c->mode) {
    case 0: return e >= c->n;
    case 4: return e != c->n;
    case 2: return c->n - e % c->n != 1;
    case 3: return e % c->n < (c->n + 1) / 2;
    default: return true;
    }
}

bool dev_pit_out(DevPit *pit, unsigned counter)
{
    return out_at(&pit->c[counter], now_tick(pit));
}

/* ---------------------------------------------------------------- counter 0's interrupt */

/* The first tick after t at which OUT rises, or UINT64_MAX. */
static uint64_t next_edge(DevPitCounter *c, uint64_t t)
{
    settle(c, t);
    if (!c->counting)
        return UINT64_MAX;
    uint64_t e = t - c->start;
    switch (c->mode) {
    case 0:
        return c->out_fired || e >= c->n ? UINT64_MAX : c->start + c->n;
    case 4:
        return c->out_fired || e > c->n ? UINT64_MAX : c->start + c->n + 1;
    case 2: case 3: {
        uint64_t k = e / c->n + 1;      /* the next period end after t */
        uint64_t edge = c->start + k * c->n;
        if (c->has_next && edge > c->next_at)
            edge = c->next_at;          /* the new count starts there (OUT rises) */
        return edge;
    }
    default:
        return UINT64_MAX;
    }
}

static void arm_irq(DevPitCounter *c)
{
    if (c->index != 0)
        return;
    DevPit *pit = c->pit;
    uint64_t edge = next_edge(c, now_tick(pit));
    if (edge == UINT64_MAX)
        dev_timer_cancel(pit->clock, &c->timer);
    else
        dev_timer_arm(pit->clock, &c->timer, dev_ticks_to_ns(edge, DEV_PIT_HZ));
}

static void edge_fired(void *opaque, DevClock *clock)
{
    (void)clock;
    DevPitCounter *c = opaque;
    if (c->mode == 0 || c->mode == 4) {
        c->out_fired = true;
        if (c->mode == 0)
            dev_irq_set(&c->pit->irq, true);
        else
            dev_irq_pulse(&c->pit->irq);
    } else {
        dev_irq_pulse(&c->pit->irq);
    }
    arm_irq(c);
}

/* Drive IRQ 0 to counter 0's OUT level (after a control word or a count changed it). */
static void drive_out(DevPitCounter *c)
{
    if (c->index == 0)
        dev_irq_set(&c->pit->irq, out_at(c, now_tick(c->pit)));
}

/* ---------------------------------------------------------------- writes */

static void control_word(DevPit *pit, uint8_t v)
{
    unsigned sel = v >> 6;
    if (sel == 3) {                     /* read-back */
        uint64_t t = now_tick(pit);
        for (unsigned i = 0; i < 3; i++) {
            if (!(v & (2u << i)))
                continue;
            DevPitCounter *c = &pit->c[i];
            if (!(v & 0x20) && !c->latch_bytes) {
                c->latch = (uint16_t)value_at(c, t);
                c->latch_bytes = c->access == 3 ? 2 : 1;
                c->latch_msb = c->access == 2;
            }
            if (!(v & 0x10) && !c->status_latched) {
                c->status = (uint8_t)((out_at(c, t) ? 0x80 : 0) |
                                      (c->null_count || (c->has_next && t < c->next_at) ? 0x40 : 0) |
                                      c->access << 4 | c->mode << 1 | (c->bcd ? 1 : 0));
                c->status_latched = true;
            }
        }
        return;
    }
    DevPitCounter *c = &pit->c[sel];
    unsigned access = (v >> 4) & 3;
    if (access == 0) {                  /* counter latch */
        if (!c->latch_bytes) {
            c->latch = (uint16_t)value_at(c, now_tick(pit));
            c->latch_bytes = c->access == 3 ? 2 : 1;
            c->latch_msb = c->access == 2;
        }
        return;
    }
    unsigned mode = (v >> 1) & 7;
    if (mode >= 6)
        mode -= 4;                      /* 110, 111 are modes 2 and 3 */
    c->mode = (uint8_t)mode;
    c->access = (uint8_t)access;
    c->bcd = (v & 1) != 0;
    c->counting = false;
    c->has_next = false;
    c->null_count = true;
    c->write_msb = false;
    c->read_msb = false;
    c->latch_bytes = 0;
    c->status_latched = false;
    c->out_fired = false;
    drive_out(c);
    arm_irq(c);
}

/* A complete count arrived. */
static void load_count(DevPitCounter *c, unsigned raw)
{
    uint64_t t = now_tick(c->pit);
    unsigned n = c->bcd ? from_bcd(raw) : raw;
    if (n == 0)
        n = c->bcd ? 10000 : 0x10000;
    settle(c, t);
    if ((c->mode == 2 || c->mode == 3) && c->counting) {
        uint64_t e = t - c->start;
        c->next_n = n;
        c->next_at = c->start + (e / c->n + 1) * c->n;
        c->has_next = true;
        c->null_count = true;
    } else {
        c->n = n;
        c->start = t;
        c->counting = c->mode == 0 || c->mode == 2 || c->mode == 3 || c->mode == 4;
        c->null_count = !c->counting;
        c->out_fired = false;
    }
    drive_out(c);
    arm_irq(c);
}

static void counter_write(DevPitCounter *c, uint8_t v)
{
    switch (c->access) {
    case 1:
        load_count(c, v);
        break;
    case 2:
        load_count(c, (unsigned)v << 8);
        break;
    default:
        if (!c->write_msb) {
            c->write_lsb = v;
            c->write_msb = true;
            if (c->mode == 0) {         /* the first byte stops a mode 0 count */
                settle(c, now_tick(c->pit));
                c->n = value_at(c, now_tick(c->pit));
                c->counting = false;
                c->out_fired = false;
                drive_out(c);
                arm_irq(c);
            }
        } else {
            c->write_msb = false;
            load_count(c, c->write_lsb | (unsigned)v << 8);
        }
        break;
    }
}

/* ---------------------------------------------------------------- reads */

static uint8_t counter_read(DevPitCounter *c)
{
    if (c->status_latched) {
        c->status_latched = false;
        return c->status;
    }
    unsigned v;
    bool msb;
    if (c->latch_bytes) {
        v = c->latch;
        msb = c->latch_msb;
        c->latch_msb = !c->latch_msb;
        c->latch_bytes--;
    } else {
        v = value_at(c, now_tick(c->pit));
        msb = c->access == 2 || (c->access == 3 && c->read_msb);
        if (c->access == 3)
            c->read_msb = !c->read_msb;
    }
    if (c->bcd)
        v = to_bcd(v);
    return (uint8_t)(msb ? v >> 8 : v);
}

static uint32_t pit_port_read(void *opaque, uint16_t off, unsigned size)
{
    (void)size;
    DevPit *pit = opaque;
    off &= 3;
    return off == 3 ? 0xff : counter_read(&pit->c[off]);
}

static void pit_port_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)size;
    DevPit *pit = opaque;
    off &= 3;
    if (off == 3)
        control_word(pit, (uint8_t)v);
    else
        counter_write(&pit->c[off], (uint8_t)v);
}

static const DevPortOps pit_ops = { pit_port_read, pit_port_write, 1 };

/* ---------------------------------------------------------------- set-up */

void dev_pit_reset(DevPit *pit)
{
    for (unsigned i = 0; i < 3; i++) {
        DevPitCounter *c = &pit->c[i];
        dev_timer_cancel(pit->clock, &c->timer);
        DevTimer timer = c->timer;
        memset(c, 0, sizeof *c);
        c->timer = timer;
        c->pit = pit;
        c->index = i;
        c->access = 3;
        c->n = 0x10000;
    }
    dev_irq_set(&pit->irq, false);
}

void dev_pit_init(DevPit *pit, DevClock *clock)
{
    memset(pit, 0, sizeof *pit);
    pit->clock = clock;
    for (unsigned i = 0; i < 3; i++)
        dev_timer_init(&pit->c[i].timer, edge_fired, &pit->c[i]);
    dev_pit_reset(pit);
}

int dev_pit_attach(DevPit *pit, DevBus *bus)
{
    return dev_bus_add_ports(bus, 0x40, 4, &pit_ops, pit, "pit8254");
}
