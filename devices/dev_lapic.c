/* dev_lapic.c — the local APIC: registers, priorities, the timer, MMIO and MSR access
 * (dev_lapic.h). */
#include <string.h>

#include "devices/dev_lapic.h"

#define LVT_TIMER 0
#define LVT_THERMAL 1
#define LVT_PERF 2
#define LVT_LINT0 3
#define LVT_LINT1 4
#define LVT_ERROR 5

/* The bits software can write in each LVT entry (the rest read 0 or are status). */
static const uint32_t lvt_writable[APIC_LVT_N] = {
    [LVT_TIMER] = 0xff | APIC_LVT_MASKED | (3u << 17),
    [LVT_THERMAL] = 0xff | (7u << 8) | APIC_LVT_MASKED,
    [LVT_PERF] = 0xff | (7u << 8) | APIC_LVT_MASKED,
    [LVT_LINT0] = 0xff | (7u << 8) | (1u << 13) | APIC_LVT_LEVEL | APIC_LVT_MASKED,
    [LVT_LINT1] = 0xff | (7u << 8) | (1u << 13) | APIC_LVT_LEVEL | APIC_LVT_MASKED,
    [LVT_ERROR] = 0xff | APIC_LVT_MASKED,
};

/* ---------------------------------------------------------------- state */

static bool hw_enabled(const DevLapic *l) { return (l->apic_base & DEV_APIC_BASE_EN) != 0; }
static bool x2apic(const DevLapic *l) { return (l->apic_base & DEV_APIC_BASE_EXTD) != 0; }
static bool sw_enabled(const DevLapic *l)
{
    return hw_enabled(l) && (l->svr & APIC_SVR_ENABLE);
}

static void set_bit(uint32_t *v, unsigned n) { v[n >> 5] |= 1u << (n & 31); }
static void clear_bit(uint32_t *v, unsigned n) { v[n >> 5] &= ~(1u << (n & 31)); }
static bool test_bit(const uint32_t *v, unsigned n) { return (v[n >> 5] >> (n & 31)) & 1; }

/* The highest vector set in a 256-bit register, or -1. */
static int highest(const uint32_t *v)
{
    for (int w = 7; w >= 0; w--)
        if (v[w])
            return w * 32 + 31 - __builtin_clz(v[w]);
    return -1;
}

static uint8_t ppr(const DevLapic *l)
{
    int isrv = highest(l->isr);
    uint8_t isr_class = isrv < 0 ? 0 : (uint8_t)(isrv & 0xf0);
    return (l->tpr & 0xf0) >= isr_class ? l->tpr : isr_class;
}

/* Registers to their power-up values (the base MSR is the caller's). */
static void regs_reset(DevLapic *l)
{
    dev_timer_cancel(l->clock, &l->timer);
    l->id = 0;
    l->tpr = 0;
    l->ldr = 0;
    l->dfr = 0xffffffffu;
    l->svr = 0xff;
    memset(l->isr, 0, sizeof l->isr);
    memset(l->tmr, 0, sizeof l->tmr);
    memset(l->irr, 0, sizeof l->irr);
    l->esr = l->esr_pending = 0;
    l->icr_lo = l->icr_hi = 0;
    for (unsigned i = 0; i < APIC_LVT_N; i++)
        l->lvt[i] = APIC_LVT_MASKED;
    l->timer_init = 0;
    l->timer_dcr = 0;
    l->timer_start = l->clock->now;
    l->timer_waiting = false;
    l->tsc_deadline = 0;
}

/* ---------------------------------------------------------------- errors */

static void error(DevLapic *l, uint32_t bits)
{
    bool fresh = (l->esr_pending & bits) != bits;
    l->esr_pending |= bits;
    uint32_t lvt = l->lvt[LVT_ERROR];
    /* One interrupt per new error; an illegal error vector is not reported again (that
     * would loop). */
    if (fresh && !(lvt & APIC_LVT_MASKED) && (lvt & 0xff) >= 16 && sw_enabled(l)) {
        set_bit(l->irr, lvt & 0xff);
        clear_bit(l->tmr, lvt & 0xff);
    }
}

/* ---------------------------------------------------------------- accepting interrupts */

bool dev_lapic_deliver(DevLapic *l, uint8_t vector, bool level)
{
    if (!sw_enabled(l))
        return false;
    if (vector < 16) {
        error(l, APIC_ESR_RECV_ILLEGAL);
        return false;
    }
    set_bit(l->irr, vector);
    if (level)
        set_bit(l->tmr, vector);
    else
        clear_bit(l->tmr, vector);
    return true;
}

bool dev_lapic_match(const DevLapic *l, uint8_t dest, bool logical)
{
    if (!hw_enabled(l))
        return false;
    if (x2apic(l)) {
        /* 8-bit destinations of the IOAPIC reach x2APIC IDs 0-254; logical: cluster 0. */
        if (!logical)
            return dest == 0xff || dest == l->id;
        return (dest >> 4) == 0 && (dest & 1);
    }
    if (!logical)
        return dest == 0xff || dest == l->id;
    uint8_t ldr = (uint8_t)(l->ldr >> 24);
    if (dest == 0xff)
        return true;
    if ((l->dfr >> 28) == 0xf)                  /* flat model */
        return (dest & ldr) != 0;
    /* cluster model: bits 7:4 the cluster, 3:0 a mask within it */
    return (dest >> 4) == (ldr >> 4) && (dest & ldr & 0xf) != 0;
}

bool dev_lapic_intr(const DevLapic *l)
{
    if (!sw_enabled(l))
        return false;
    int v = highest(l->irr);
    return v >= 0 && (unsigned)(v & 0xf0) > (unsigned)(ppr(l) & 0xf0);
}

static void timer_rearm(DevLapic *l);

uint8_t dev_lapic_ack(DevLapic *l)
{
    if (!dev_lapic_intr(l))
        return (uint8_t)(l->svr & 0xff);        /* spurious */
    unsigned v = (unsigned)highest(l->irr);
    clear_bit(l->irr, v);
    set_bit(l->isr, v);
    if (l->timer_waiting && v == (l->lvt[LVT_TIMER] & 0xff)) {
        l->timer_waiting = false;
        timer_rearm(l);
    }
    return (uint8_t)v;
}

bool dev_lapic_accepts_pic(const DevLapic *l)
{
    if (!hw_enabled(l))
        return true;
    uint32_t lint0 = l->lvt[LVT_LINT0];
    return !(lint0 & APIC_LVT_MASKED) && ((lint0 >> 8) & 7) == APIC_MODE_EXTINT;
}

static void eoi(DevLapic *l)
{
    int v = highest(l->isr);
    if (v < 0)
        return;
    clear_bit(l->isr, (unsigned)v);
    if (test_bit(l->tmr, (unsigned)v)) {
        clear_bit(l->tmr, (unsigned)v);
        if (l->eoi)
            l->eoi(l->eoi_opaque, (uint8_t)v);
    }
}

void dev_lapic_set_cr8(DevLapic *l, uint8_t cr8)
{
    l->tpr = (uint8_t)((cr8 & 0xf) << 4);
}

/* ---------------------------------------------------------------- the timer */

static unsigned timer_mode(const DevLapic *l) { return (l->lvt[LVT_TIMER] >> 17) & 3; }

static uint64_t timer_div(const DevLapic *l)
{
    unsigned v = (l->timer_dcr & 3) | ((l->timer_dcr >> 1) & 4);
    return v == 7 ? 1 : 2ull << v;
}

/* Nanoseconds per count of the loaded initial count (the period in periodic mode). */
static uint64_t timer_period(const DevLapic *l)
{
    return (uint64_t)l->timer_init * timer_div(l);
}

/* The current count now. */
static uint32_t timer_current(const DevLapic *l)
{
    unsigned mode = timer_mode(l);
    if (l->timer_init == 0 || mode == APIC_TIMER_TSCDL || mode == 3)
        return 0;
    uint64_t ticks = (l->clock->now - l->timer_start) / timer_div(l);
    if (mode == APIC_TIMER_ONESHOT)
        return ticks >= l->timer_init ? 0 : (uint32_t)(l->timer_init - ticks);
    return (uint32_t)(l->timer_init - ticks % l->timer_init);
}

static void timer_fire_vector(DevLapic *l)
{
    uint32_t lvt = l->lvt[LVT_TIMER];
    if (!(lvt & APIC_LVT_MASKED))
        dev_lapic_deliver(l, (uint8_t)(lvt & 0xff), false);
}

/* Arm the timer for the next event the current programming gives, or disarm it. */
static void timer_rearm(DevLapic *l)
{
    DevClock *c = l->clock;
    dev_timer_cancel(c, &l->timer);
    if (!hw_enabled(l) || l->timer_waiting)
        return;
    unsigned mode = timer_mode(l);
    uint64_t now = c->now;
    if (mode == APIC_TIMER_TSCDL) {
        if (l->tsc_deadline) {
            int64_t at = (int64_t)l->tsc_deadline - l->tsc_minus_now;
            dev_timer_arm(c, &l->timer, at > (int64_t)now ? (uint64_t)at : now);
        }
        return;
    }
    if (l->timer_init == 0 || mode == 3)
        return;
    uint64_t period = timer_period(l);
    if (mode == APIC_TIMER_ONESHOT) {
        if (now - l->timer_start < period)
            dev_timer_arm(c, &l->timer, l->timer_start + period);
        return;
    }
    uint32_t lvt = l->lvt[LVT_TIMER];
    if ((lvt & APIC_LVT_MASKED) ||
        ((lvt & 0xff) < 16 && (l->esr_pending & APIC_ESR_RECV_ILLEGAL)))
        return;         /* nothing to deliver (or an error already recorded): the count is lazy */
    uint64_t k = (now - l->timer_start) / period + 1;
    dev_timer_arm(c, &l->timer, l->timer_start + k * period);
}

static void timer_expired(void *opaque, DevClock *c)
{
    (void)c;
    DevLapic *l = opaque;
    unsigned mode = timer_mode(l);
    if (mode == APIC_TIMER_TSCDL) {
        l->tsc_deadline = 0;                    /* one interrupt per deadline written */
        timer_fire_vector(l);
        return;
    }
    timer_fire_vector(l);
    if (mode == APIC_TIMER_PERIODIC) {
        uint8_t v = (uint8_t)(l->lvt[LVT_TIMER] & 0xff);
        /* Still pending: later expiries would only find the IRR bit set; wait for the ack. */
        if (test_bit(l->irr, v))
            l->timer_waiting = true;
        timer_rearm(l);
    }
}

/* Start counting again from the initial count (a write of it). */
static void timer_load(DevLapic *l, uint32_t count)
{
    l->timer_init = count;
    l->timer_start = l->clock->now;
    l->timer_waiting = false;
    timer_rearm(l);
}

static void timer_set_dcr(DevLapic *l, uint32_t v)
{
    /* The count goes on from where it is at the new rate. */
    uint32_t cur = timer_current(l);
    l->timer_dcr = v & 0xb;
    if (l->timer_init && cur)
        l->timer_start = l->clock->now - (uint64_t)(l->timer_init - cur) * timer_div(l);
    timer_rearm(l);
}

/* ---------------------------------------------------------------- registers */

static void write_lvt(DevLapic *l, unsigned i, uint32_t v)
{
    uint32_t old = l->lvt[i];
    v &= lvt_writable[i];
    if (!sw_enabled(l))
        v |= APIC_LVT_MASKED;
    if (i == LVT_LINT0 || i == LVT_LINT1)
        v |= old & APIC_LVT_REMOTE_IRR;
    l->lvt[i] = v;
    if (i != LVT_TIMER)
        return;
    unsigned was = (old >> 17) & 3, now = (v >> 17) & 3;
    if ((was == APIC_TIMER_TSCDL) != (now == APIC_TIMER_TSCDL)) {
        /* SDM 10.5.4.1: switching to or from TSC-deadline mode disarms the timer. */
        l->timer_init = 0;
        l->tsc_deadline = 0;
    }
    l->timer_waiting = l->timer_waiting && test_bit(l->irr, v & 0xff);
    timer_rearm(l);
}

static void send_ipi(DevLapic *l)
{
    uint32_t lo = l->icr_lo;
    uint8_t vector = (uint8_t)(lo & 0xff);
    unsigned mode = (lo >> 8) & 7, shorthand = (lo >> 18) & 3;
    bool to_self;
    switch (shorthand) {
    case 1: to_self = true; break;                  /* self */
    case 2: to_self = true; break;                  /* all including self */
    case 3: to_self = false; break;                 /* all excluding self: nobody else */
    default:
        if (x2apic(l)) {
            /* 32-bit destinations: physical an x2APIC ID, logical cluster 15:0 bits */
            uint32_t d = l->icr_hi;
            to_self = (lo & (1u << 11)) ? (d >> 16) == 0 && (d & 1) : d == 0xffffffffu || d == l->id;
        } else {
            to_self = dev_lapic_match(l, (uint8_t)(l->icr_hi >> 24), (lo >> 11) & 1);
        }
        break;
    }
    if (mode != APIC_MODE_FIXED && mode != APIC_MODE_LOWEST)
        return;                 /* NMI, INIT, SIPI, SMI: not modelled (one CPU) */
    if (vector < 16) {
        error(l, APIC_ESR_SEND_ILLEGAL);
        return;
    }
    if (to_self)
        dev_lapic_deliver(l, vector, false);
}

/* Register read by offset: 0, or -1 for a register that does not exist. */
static int reg_read(DevLapic *l, uint32_t off, uint32_t *out)
{
    uint32_t v = 0;
    switch (off) {
    case APIC_ID:       v = x2apic(l) ? l->id : (uint32_t)l->id << 24; break;
    case APIC_VERSION:  v = DEV_LAPIC_VERSION; break;
    case APIC_TPR:      v = l->tpr; break;
    case APIC_APR:      v = 0; break;
    case APIC_PPR:      v = ppr(l); break;
    case APIC_EOI:      v = 0; break;
    case APIC_RRD:      v = 0; break;
    case APIC_LDR:      v = x2apic(l) ? (uint32_t)((l->id >> 4) << 16 | 1u << (l->id & 15))
                                      : l->ldr; break;
    case APIC_DFR:      v = l->dfr; break;
    case APIC_SVR:      v = l->svr; break;
    case APIC_ESR:      v = l->esr; break;
    case APIC_ICR_LO:   v = l->icr_lo; break;
    case APIC_ICR_HI:   v = l->icr_hi; break;
    case APIC_TIMER_INIT: v = l->timer_init; break;
    case APIC_TIMER_CUR:  v = timer_current(l); break;
    case APIC_TIMER_DIV:  v = l->timer_dcr; break;
    default:
        if (off >= APIC_ISR && off < APIC_ISR + 0x80)
            v = l->isr[(off - APIC_ISR) >> 4];
        else if (off >= APIC_TMR && off < APIC_TMR + 0x80)
            v = l->tmr[(off - APIC_TMR) >> 4];
        else if (off >= APIC_IRR && off < APIC_IRR + 0x80)
            v = l->irr[(off - APIC_IRR) >> 4];
        else if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR)
            v = l->lvt[(off - APIC_LVT_TIMER) >> 4];
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* Register write by offset (ICR low sends). 0, or -1 when the register cannot be written
 * (read-only or not present). */
static int reg_write(DevLapic *l, uint32_t off, uint32_t v)
{
    switch (off) {
    case APIC_TPR:
        l->tpr = (uint8_t)v;
        return 0;
    case APIC_EOI:
        eoi(l);
        return 0;
    case APIC_LDR:
        l->ldr = v & 0xff000000u;
        return 0;
    case APIC_DFR:
        l->dfr = v | 0x0fffffffu;
        return 0;
    case APIC_SVR: {
        bool was = sw_enabled(l);
        l->svr = v & (0xff | APIC_SVR_ENABLE | (1u << 9));
        if (was && !sw_enabled(l)) {
            for (unsigned i = 0; i < APIC_LVT_N; i++)
                l->lvt[i] |= APIC_LVT_MASKED;
            timer_rearm(l);
        }
        return 0;
    }
    case APIC_ESR:
        l->esr = l->esr_pending;
        l->esr_pending = 0;
        timer_rearm(l);                         /* an illegal timer vector may err again */
        return 0;
    case APIC_ICR_LO:
        l->icr_lo = v & ~APIC_LVT_PENDING & 0x000ccfffu;
        send_ipi(l);
        return 0;
    case APIC_ICR_HI:
        l->icr_hi = v & 0xff000000u;
        return 0;
    case APIC_TIMER_INIT:
        if (timer_mode(l) != APIC_TIMER_TSCDL)
            timer_load(l, v);
        return 0;
    case APIC_TIMER_DIV:
        timer_set_dcr(l, v);
        return 0;
    default:
        if (off >= APIC_LVT_TIMER && off <= APIC_LVT_ERROR) {
            write_lvt(l, (off - APIC_LVT_TIMER) >> 4, v);
            return 0;
        }
        return -1;
    }
}

/* ---------------------------------------------------------------- MMIO (xAPIC) */

static bool mmio_live(const DevLapic *l)
{
    return hw_enabled(l) && !x2apic(l);
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    DevLapic *l = opaque;
    if (!mmio_live(l))
        return ~0ull;
    uint32_t reg = (uint32_t)offset & 0xff0, within = (uint32_t)offset & 0xf;
    uint32_t v = 0;
    if (within >= 4)
        return 0;                               /* the rest of each 16-byte slot */
    if (reg_read(l, reg, &v) < 0)
        return 0;
    uint64_t r = v >> (8 * within);
    return size >= 4 ? r : r & ((1ull << (8 * size)) - 1);
}

static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    DevLapic *l = opaque;
    if (!mmio_live(l) || size < 4 || (offset & 0xf))
        return;
    uint32_t reg = (uint32_t)offset & 0xff0;
    if (reg == APIC_SELF_IPI)
        reg = 0;                                /* x2APIC only */
    switch (reg) {
    case APIC_ID:
        l->id = (uint8_t)(value >> 24);
        return;
    case APIC_VERSION: case APIC_APR: case APIC_PPR: case APIC_RRD: case APIC_TIMER_CUR:
        return;                                 /* read-only */
    default:
        if ((reg >= APIC_ISR && reg < APIC_IRR + 0x80))
            return;                             /* ISR, TMR, IRR: read-only */
        if (reg_write(l, reg, (uint32_t)value) < 0)
            error(l, APIC_ESR_ILLEGAL_REG);
    }
}

static const DevMmioOps lapic_mmio_ops = { mmio_read, mmio_write };

/* ---------------------------------------------------------------- IA32_APIC_BASE and MSRs */

static int set_apic_base(DevLapic *l, uint64_t v)
{
    const uint64_t valid = DEV_APIC_BASE_BSP | DEV_APIC_BASE_EXTD | DEV_APIC_BASE_EN |
                           0x0000000ffffff000ull;      /* base: 36 physical address bits */
    if (v & ~valid)
        return -1;
    v = (v & ~(uint64_t)DEV_APIC_BASE_BSP) | DEV_APIC_BASE_BSP;
    bool en = v & DEV_APIC_BASE_EN, extd = v & DEV_APIC_BASE_EXTD;
    if (extd && !en)
        return -1;                              /* invalid state */
    if (x2apic(l) && en && !extd)
        return -1;                              /* x2APIC -> xAPIC */
    if (!hw_enabled(l) && extd)
        return -1;                              /* disabled -> x2APIC */
    uint64_t old_base = l->apic_base & ~0xfffull, new_base = v & ~0xfffull;
    if (new_base != old_base && l->bus &&
        dev_bus_move_mmio(l->bus, &lapic_mmio_ops, l, new_base) < 0)
        return -1;                              /* onto RAM or another device */
    bool was_en = hw_enabled(l);
    l->apic_base = v;
    if (was_en && !en) {
        regs_reset(l);                          /* enabling again finds the power-up state */
    } else if (!was_en && en) {
        regs_reset(l);
    }
    return 0;
}

bool dev_lapic_owns_msr(uint32_t msr)
{
    return msr == DEV_MSR_APIC_BASE || msr == DEV_MSR_TSC_DEADLINE ||
           (msr >= DEV_MSR_X2APIC_FIRST && msr <= DEV_MSR_X2APIC_LAST);
}

int dev_lapic_msr_read(DevLapic *l, uint32_t msr, uint64_t *value)
{
    if (msr == DEV_MSR_APIC_BASE) {
        *value = l->apic_base;
        return 0;
    }
    if (msr == DEV_MSR_TSC_DEADLINE) {
        *value = timer_mode(l) == APIC_TIMER_TSCDL && hw_enabled(l) ? l->tsc_deadline : 0;
        return 0;
    }
    if (!x2apic(l))
        return -1;
    uint32_t off = (msr - DEV_MSR_X2APIC_FIRST) << 4;
    if (off == APIC_ICR_LO) {
        *value = (uint64_t)l->icr_hi << 32 | l->icr_lo;
        return 0;
    }
    if (off == APIC_EOI || off == APIC_SELF_IPI || off == APIC_DFR || off == APIC_ICR_HI ||
        off == APIC_APR || off == APIC_RRD)
        return -1;                              /* write-only, or not in x2APIC mode */
    uint32_t v;
    if (reg_read(l, off, &v) < 0)
        return -1;
    *value = v;
    return 0;
}

int dev_lapic_msr_write(DevLapic *l, uint32_t msr, uint64_t value)
{
    if (msr == DEV_MSR_APIC_BASE)
        return set_apic_base(l, value);
    if (msr == DEV_MSR_TSC_DEADLINE) {
        if (timer_mode(l) == APIC_TIMER_TSCDL && hw_enabled(l)) {
            l->tsc_deadline = value;
            timer_rearm(l);
        }
        return 0;                               /* ignored in the other modes */
    }
    if (!x2apic(l))
        return -1;
    uint32_t off = (msr - DEV_MSR_X2APIC_FIRST) << 4;
    switch (off) {
    case APIC_ICR_LO:
        if (value & 0xfff33000ull)              /* reserved bits of the low half */
            return -1;
        l->icr_hi = (uint32_t)(value >> 32);
        l->icr_lo = (uint32_t)value & 0x000ccfffu;
        send_ipi(l);
        return 0;
    case APIC_SELF_IPI:
        if (value & ~0xffull)
            return -1;
        if (value < 16)
            error(l, APIC_ESR_SEND_ILLEGAL);
        else
            dev_lapic_deliver(l, (uint8_t)value, false);
        return 0;
    case APIC_EOI: case APIC_ESR:
        if (value)
            return -1;                          /* only 0 may be written */
        break;
    case APIC_TPR: case APIC_SVR: case APIC_TIMER_INIT: case APIC_TIMER_DIV:
    case APIC_LVT_TIMER: case APIC_LVT_THERMAL: case APIC_LVT_PERF: case APIC_LVT_LINT0:
    case APIC_LVT_LINT1: case APIC_LVT_ERROR:
        if (value >> 32)
            return -1;
        break;
    default:
        return -1;                              /* read-only or not present */
    }
    if (off == APIC_TPR && (value & ~0xffull))
        return -1;
    return reg_write(l, off, (uint32_t)value);
}

/* ---------------------------------------------------------------- set-up */

void dev_lapic_init(DevLapic *l, DevClock *clock)
{
    memset(l, 0, sizeof *l);
    l->clock = clock;
    dev_timer_init(&l->timer, timer_expired, l);
    dev_lapic_reset(l);
}

void dev_lapic_reset(DevLapic *l)
{
    uint64_t old_base = l->apic_base & ~0xfffull;
    if (l->bus && old_base && old_base != DEV_LAPIC_BASE)
        dev_bus_move_mmio(l->bus, &lapic_mmio_ops, l, DEV_LAPIC_BASE);
    l->apic_base = DEV_LAPIC_BASE | DEV_APIC_BASE_BSP | DEV_APIC_BASE_EN;
    regs_reset(l);
    l->lvt[LVT_LINT0] = APIC_MODE_EXTINT << 8;      /* the firmware's virtual wire mode */
    l->lvt[LVT_LINT1] = APIC_LVT_MASKED | (4u << 8); /* NMI, masked */
}

int dev_lapic_attach(DevLapic *l, DevBus *bus)
{
    l->bus = bus;
    return dev_bus_add_mmio(bus, DEV_LAPIC_BASE, 0x1000, &lapic_mmio_ops, l, "lapic");
}
