/* dev_irq.h — interrupt request lines between devices and interrupt controllers.
 *
 * A DevIrq is the wire from one device output to one controller input. The device drives its
 * level with dev_irq_set (true = asserted); the receiving end, connected by the board, is told
 * every time the level is set, changed or not, and does its own edge or level detection (an
 * edge-triggered i8259 input latches a request on a low-to-high transition, a level-triggered
 * one follows the level). A line nobody connected only remembers its level, so devices can be
 * built and tested without a controller.
 */
#ifndef FERRY_DEV_IRQ_H
#define FERRY_DEV_IRQ_H

#include <stdbool.h>

/* Called with the input number the board gave and the new level. */
typedef void (*DevIrqHandler)(void *opaque, unsigned input, bool level);

typedef struct DevIrq {
    DevIrqHandler handler;      /* NULL: not connected */
    void *opaque;
    unsigned input;             /* the receiver's input number */
    bool level;                 /* the level last driven */
} DevIrq;

static inline void dev_irq_connect(DevIrq *line, DevIrqHandler handler, void *opaque,
                                   unsigned input)
{
    line->handler = handler;
    line->opaque = opaque;
    line->input = input;
    line->level = false;
}

static inline void dev_irq_set(DevIrq *line, bool level)
{
    line->level = level;
    if (line->handler)
        line->handler(line->opaque, line->input, level);
}

/* A low-then-high transition: one edge for an edge-triggered input (the line stays high). */
static inline void dev_irq_pulse(DevIrq *line)
{
    dev_irq_set(line, false);
    dev_irq_set(line, true);
}

#endif /* FERRY_DEV_IRQ_H */
