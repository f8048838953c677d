/* dev_clock.c — virtual time and timers (dev_clock.h). The armed list is short (one or two
 * timers per device), so it is a sorted singly linked list. */
#include <stddef.h>

#include "devices/dev_clock.h"

void dev_clock_init(DevClock *c)
{
    c->now = 0;
    c->armed = NULL;
    c->seq = 0;
}

void dev_timer_init(DevTimer *t, DevTimerFn fn, void *opaque)
{
    t->deadline = 0;
    t->armed = false;
    t->seq = 0;
    t->fn = fn;
    t->opaque = opaque;
    t->next = NULL;
}

void dev_timer_cancel(DevClock *c, DevTimer *t)
{
    if (!t->armed)
        return;
    for (DevTimer **pp = &c->armed; *pp; pp = &(*pp)->next) {
        if (*pp == t) {
            *pp = t->next;
            break;
        }
    }
    t->armed = false;
    t->next = NULL;
}

void dev_timer_arm(DevClock *c, DevTimer *t, uint64_t deadline)
{
    dev_timer_cancel(c, t);
    t->deadline = deadline;
    t->armed = true;
    t->seq = c->seq++;
    DevTimer **pp = &c->armed;
    while (*pp && (*pp)->deadline <= deadline)     /* after equal deadlines: arming order */
        pp = &(*pp)->next;
    t->next = *pp;
    *pp = t;
}

void dev_clock_advance(DevClock *c, uint64_t to)
{
    while (c->armed && c->armed->deadline <= to) {
        DevTimer *t = c->armed;
        c->armed = t->next;
        t->armed = false;
        t->next = NULL;
        if (t->deadline > c->now)
            c->now = t->deadline;
        t->fn(t->opaque, c);
    }
    if (to > c->now)
        c->now = to;
}

uint64_t dev_ns_to_ticks(uint64_t ns, uint64_t hz)
{
    return (uint64_t)((unsigned __int128)ns * hz / DEV_NS_PER_SEC);
}

uint64_t dev_ticks_to_ns(uint64_t ticks, uint64_t hz)
{
    /* The smallest ns with ns * hz / 1e9 >= ticks: ceil(ticks * 1e9 / hz). */
    unsigned __int128 p = (unsigned __int128)ticks * DEV_NS_PER_SEC;
    return (uint64_t)((p + hz - 1) / hz);
}
