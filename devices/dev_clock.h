/* dev_clock.h — the machine's virtual clock and the device timers it runs.
 *
 * Time is virtual nanoseconds since the machine started. The machine (the runtime) advances it:
 * from the guest instructions retired, and by jumping to the next timer deadline when the CPU
 * halts. Nothing here reads the host's clock, so a guest sees the same times, the same timer
 * interrupts at the same instructions, on every run. Devices read `now` (kept current by the
 * machine before it calls any device) and arm timers for the moments their state changes on
 * its own (a PIT period ending, an RTC second).
 *
 * dev_clock_advance runs every timer due up to the new time in deadline order (ties in arming
 * order), each with `now` equal to its own deadline, so a periodic timer that rearms at
 * deadline + period never drifts, and a device sees its events at their exact virtual times.
 */
#ifndef FERRY_DEV_CLOCK_H
#define FERRY_DEV_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define DEV_NS_PER_SEC 1000000000ull
#define DEV_CLOCK_NEVER UINT64_MAX

typedef struct DevClock DevClock;
typedef struct DevTimer DevTimer;

/* Called when the timer's deadline is reached (clock->now == the deadline). The timer is
 * disarmed first; the callback may rearm it. */
typedef void (*DevTimerFn)(void *opaque, DevClock *clock);

struct DevTimer {
    uint64_t deadline;          /* valid while armed */
    bool armed;
    uint64_t seq;               /* arming order, for ties */
    DevTimerFn fn;
    void *opaque;
    DevTimer *next;             /* the clock's list of armed timers, by deadline */
};

struct DevClock {
    uint64_t now;               /* virtual ns */
    DevTimer *armed;            /* armed timers, earliest first */
    uint64_t seq;               /* next arming number */
};

void dev_clock_init(DevClock *c);
void dev_timer_init(DevTimer *t, DevTimerFn fn, void *opaque);
/* Arm (or move) t to fire at `deadline` (a deadline not after now fires at the next
 * dev_clock_advance). */
void dev_timer_arm(DevClock *c, DevTimer *t, uint64_t deadline);
void dev_timer_cancel(DevClock *c, DevTimer *t);
/* The earliest deadline armed, or DEV_CLOCK_NEVER. */
static inline uint64_t dev_clock_next_deadline(const DevClock *c)
{
    return c->armed ? c->armed->deadline : DEV_CLOCK_NEVER;
}
/* Move time forward to `to` (never back), running the timers due on the way. */
void dev_clock_advance(DevClock *c, uint64_t to);

/* Whole ticks of a `hz` clock elapsed in `ns` nanoseconds, and the first nanosecond at which
 * `ticks` ticks have elapsed (exact integer arithmetic: the PIT's 1.193182 MHz does not divide
 * a second). */
uint64_t dev_ns_to_ticks(uint64_t ns, uint64_t hz);
uint64_t dev_ticks_to_ns(uint64_t ticks, uint64_t hz);

#endif /* FERRY_DEV_CLOCK_H */
