/* dev_lapic.h — the CPU's local APIC (xAPIC at 0xfee00000 and the x2APIC MSRs), as the SDM
 * Vol. 3A chapter 10 describes it, for ferry's one CPU (APIC ID 0, the bootstrap processor).
 *
 * Registers (xAPIC: 32-bit at 16-byte strides from the base; x2APIC: MSR 0x800 + offset/16):
 *   ID (0x20), version (0x30: 0x00050014, six LVT entries), TPR (0x80), APR (0x90, reads 0),
 *   PPR (0xa0), EOI (0xb0), LDR (0xd0), DFR (0xe0), SVR (0xf0: spurious vector, bit 8 the
 *   software enable, bit 9 focus checking is kept but means nothing with one CPU), ISR, TMR,
 *   IRR (0x100-0x270, eight 32-bit words each), ESR (0x280), ICR (0x300/0x310), the LVT
 *   timer, thermal, performance, LINT0, LINT1 and error entries (0x320-0x370), the timer's
 *   initial count, current count and divide configuration (0x380, 0x390, 0x3e0), and in
 *   x2APIC mode SELF IPI (MSR 0x83f). The CMCI entry (0x2f0) is not present.
 *
 * Priorities: PPR = TPR when TPR[7:4] >= ISRV[7:4], else ISRV & 0xf0 (ISRV = the highest
 * vector in service); the highest requested vector is passed to the CPU when its class
 * (bits 7:4) is above PPR's. Acknowledging moves it from IRR to ISR; EOI clears the highest
 * ISR bit and, when that vector was level-triggered (TMR), tells the IOAPIC (the eoi hook).
 *
 * Software disable (SVR bit 8 clear, the state after reset): no interrupt is accepted into
 * IRR, the CPU is not interrupted from IRR, clearing bit 8 sets every LVT mask bit and LVT
 * writes keep their mask set. Global disable (IA32_APIC_BASE bit 11 clear) takes the APIC off
 * the bus (its MMIO page reads all ones) and lets the 8259's INTR straight to the CPU; enabling
 * it again gives the power-up state. IA32_APIC_BASE moves the MMIO page (4 KiB aligned, below
 * 2^36), and its bit 10 switches to x2APIC mode (then MMIO is off and the MSRs are on); the
 * illegal transitions (x2APIC to xAPIC, disabled to x2APIC, EXTD without EN) are #GP.
 *
 * LINT0 and the 8259: as on a PC, the 8259's INTR reaches the CPU through LINT0 programmed as
 * ExtINT. At machine reset LINT0 holds 0x700 (ExtINT, unmasked) on this bootstrap processor,
 * the value PC firmware programs for virtual wire mode, so a kernel that never touches the
 * APIC gets its 8259 interrupts; dev_lapic_accepts_pic says whether INTR may pass (the APIC
 * globally disabled, or LINT0 unmasked with ExtINT delivery). Interrupts from the APIC come
 * before the 8259's. NMI, SMI, INIT and SIPI deliveries (LINT1's NMI, ICR modes) are not
 * modelled: with one CPU and no NMI source they are dropped (and said so in ESR nowhere).
 *
 * The timer counts at 1 GHz (one tick per virtual nanosecond, as QEMU's APIC bus) divided by
 * the divide configuration (1, 2, ..., 128). One-shot: writing the initial count starts it,
 * the current count falls to 0 and one interrupt comes at 0. Periodic: it reloads, an interrupt
 * every initial * divide ns. A periodic expiry whose vector is still pending in IRR would be
 * lost on hardware (the IRR bit is already set), so the timer is not rearmed until that vector
 * is accepted: a guest that programs a 1-tick period costs one timer event per interrupt it
 * takes, never a storm of events with nobody listening; a masked periodic timer (or one whose
 * illegal vector already left its error in ESR) arms nothing and its count is computed when
 * read. TSC-deadline mode (advertised by CPUID): an interrupt
 * when the TSC reaches IA32_TSC_DEADLINE (MSR 0x6e0; 0 disarms); the deadline is turned into
 * virtual time when written, with the TSC-to-clock offset the machine keeps in tsc_minus_now
 * (a later wrmsr to the TSC does not move an armed deadline).
 *
 * ICR: fixed (and lowest priority) interrupts whose destination includes this CPU (the self
 * shorthand, all including self, physical ID 0 or 0xff, a logical match) go to IRR at once
 * (delivery status is always idle); vectors 0-15 are "send illegal vector" errors. ESR: errors
 * accumulate inside and a write to ESR makes them readable (and clears the inside), as the
 * SDM says; an error raises the LVT error interrupt when unmasked. Accesses: aligned 32-bit
 * MMIO reaches a register; narrower reads return the bytes of the register, other writes are
 * ignored; reserved registers read 0 and writing them is an "illegal register address" error.
 */
#ifndef FERRY_DEV_LAPIC_H
#define FERRY_DEV_LAPIC_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"
#include "devices/dev_clock.h"

#define DEV_LAPIC_BASE 0xfee00000u
#define DEV_LAPIC_VERSION 0x00050014u

/* IA32_APIC_BASE bits. */
#define DEV_APIC_BASE_BSP  (1u << 8)
#define DEV_APIC_BASE_EXTD (1u << 10)
#define DEV_APIC_BASE_EN   (1u << 11)

/* MSRs the local APIC answers. */
enum {
    DEV_MSR_APIC_BASE = 0x1b,
    DEV_MSR_TSC_DEADLINE = 0x6e0,
    DEV_MSR_X2APIC_FIRST = 0x800,
    DEV_MSR_X2APIC_LAST = 0x8ff,
};

/* Register offsets (xAPIC MMIO). */
enum {
    APIC_ID = 0x20, APIC_VERSION = 0x30, APIC_TPR = 0x80, APIC_APR = 0x90, APIC_PPR = 0xa0,
    APIC_EOI = 0xb0, APIC_RRD = 0xc0, APIC_LDR = 0xd0, APIC_DFR = 0xe0, APIC_SVR = 0xf0,
    APIC_ISR = 0x100, APIC_TMR = 0x180, APIC_IRR = 0x200, APIC_ESR = 0x280,
    APIC_ICR_LO = 0x300, APIC_ICR_HI = 0x310, APIC_LVT_TIMER = 0x320, APIC_LVT_THERMAL = 0x330,
    APIC_LVT_PERF = 0x340, APIC_LVT_LINT0 = 0x350, APIC_LVT_LINT1 = 0x360,
    APIC_LVT_ERROR = 0x370, APIC_TIMER_INIT = 0x380, APIC_TIMER_CUR = 0x390,
    APIC_TIMER_DIV = 0x3e0, APIC_SELF_IPI = 0x3f0,  /* x2APIC only */
};

/* LVT and ICR fields. */
#define APIC_LVT_MASKED (1u << 16)
#define APIC_LVT_LEVEL (1u << 15)
#define APIC_LVT_REMOTE_IRR (1u << 14)
#define APIC_LVT_PENDING (1u << 12)
#define APIC_MODE_FIXED 0u
#define APIC_MODE_LOWEST 1u
#define APIC_MODE_EXTINT 7u
#define APIC_TIMER_ONESHOT 0u
#define APIC_TIMER_PERIODIC 1u
#define APIC_TIMER_TSCDL 2u
#define APIC_SVR_ENABLE (1u << 8)
/* ESR bits. */
#define APIC_ESR_SEND_ILLEGAL (1u << 5)
#define APIC_ESR_RECV_ILLEGAL (1u << 6)
#define APIC_ESR_ILLEGAL_REG (1u << 7)

enum { APIC_LVT_N = 6 };    /* timer, thermal, perf, LINT0, LINT1, error (offset order) */

typedef struct DevLapic {
    DevClock *clock;
    DevBus *bus;                /* for moving the MMIO page */
    uint64_t apic_base;         /* IA32_APIC_BASE */
    uint8_t id;                 /* APIC ID (xAPIC: bits 31:24 of the ID register) */
    uint8_t tpr;
    uint32_t ldr, dfr, svr;
    uint32_t isr[8], tmr[8], irr[8];
    uint32_t esr;               /* what ESR reads (latched at the last ESR write) */
    uint32_t esr_pending;       /* errors since then */
    uint32_t icr_lo, icr_hi;
    uint32_t lvt[APIC_LVT_N];
    uint32_t timer_init;        /* initial count */
    uint32_t timer_dcr;         /* divide configuration register */
    uint64_t timer_start;       /* virtual ns at which the count was (re)loaded */
    bool timer_waiting;         /* periodic: an expiry is pending in IRR; rearm at its ack */
    uint64_t tsc_deadline;      /* IA32_TSC_DEADLINE (0: disarmed) */
    int64_t tsc_minus_now;      /* TSC - clock.now, kept by the machine */
    DevTimer timer;
    void (*eoi)(void *opaque, uint8_t vector);  /* EOI of a level-triggered vector */
    void *eoi_opaque;
} DevLapic;

void dev_lapic_init(DevLapic *l, DevClock *clock);
/* Machine reset: the power-up state, with LINT0 as the firmware leaves it (ExtINT). */
void dev_lapic_reset(DevLapic *l);
/* Claim the MMIO page at DEV_LAPIC_BASE. 0 or -1. */
int dev_lapic_attach(DevLapic *l, DevBus *bus);

/* An interrupt message for this CPU (from the IOAPIC or an IPI): vector into IRR, and TMR
 * set for level-triggered ones. Refused (false) while disabled; vectors 0-15 are errors. */
bool dev_lapic_deliver(DevLapic *l, uint8_t vector, bool level);
/* Whether a message for destination `dest` (physical: an APIC ID, 0xff broadcast; logical:
 * a flat or cluster model bit mask against LDR/DFR) reaches this CPU. */
bool dev_lapic_match(const DevLapic *l, uint8_t dest, bool logical);

/* The CPU side: a fixed interrupt is ready (IRR above PPR, APIC enabled)... */
bool dev_lapic_intr(const DevLapic *l);
/* ... and its acknowledge: the vector, now in service (the spurious vector if none). */
uint8_t dev_lapic_ack(DevLapic *l);
/* May the 8259's INTR reach the CPU (through LINT0 as ExtINT, or with the APIC off)? */
bool dev_lapic_accepts_pic(const DevLapic *l);

/* TPR as CR8 sees it (bits 7:4) and CR8 writes. */
static inline uint8_t dev_lapic_cr8(const DevLapic *l) { return (uint8_t)(l->tpr >> 4); }
void dev_lapic_set_cr8(DevLapic *l, uint8_t cr8);

/* rdmsr / wrmsr of IA32_APIC_BASE, IA32_TSC_DEADLINE and the x2APIC range: 0, or -1 for a
 * #GP (an MSR not present in this mode, a reserved bit, a read-only register). */
bool dev_lapic_owns_msr(uint32_t msr);
int dev_lapic_msr_read(DevLapic *l, uint32_t msr, uint64_t *value);
int dev_lapic_msr_write(DevLapic *l, uint32_t msr, uint64_t value);


#endif /* FERRY_DEV_LAPIC_H */
