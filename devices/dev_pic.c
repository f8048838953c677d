/* dev_pic.c — the 8259A pair: initialisation and operation command words, priority
 * resolution, the cascade and the acknowledge cycle (dev_pic.h). */
#include <string.h>

#include "devices/dev_pic.h"

/* ---------------------------------------------------------------- priority */

/* Rank of level i: 0 is the highest priority, the one just after `lowest`. */
static unsigned rank(const DevPicChip *c, unsigned i)
{
    return (i - c->lowest - 1) & 7;
}

/* The highest-priority level among the bits of mask, or -1. */
static int highest(const DevPicChip *c, uint8_t mask)
{
    for (unsigned r = 0; r < 8; r++) {
        unsigned i = (c->lowest + 1 + r) & 7;
        if (mask & (1u << i))
            return (int)i;
    }
    return -1;
}

/* The level this chip would pass on now (its INT output), or -1. */
static int chip_pending(const DevPicChip *c)
{
    int irq = highest(c, c->irr & (uint8_t)~c->imr);
    if (irq < 0)
        return -1;
    uint8_t in_service = c->isr;
    if (c->special_mask)
        in_service &= (uint8_t)~c->imr;
    if (c->is_master && c->sfnm && (c->icw3 & (1u << irq)))
        in_service &= (uint8_t)~(1u << irq);    /* a slave may interrupt its own service */
    int cur = highest(c, in_service);
    if (cur >= 0 && rank(c, (unsigned)cur) <= rank(c, (unsigned)irq))
        return -1;
    return irq;
}

/* ---------------------------------------------------------------- inputs */

/* The chip's level-triggered inputs. */
static uint8_t level_inputs(const DevPicChip *c)
{
    return c->ltim ? 0xff : c->elcr;
}

static void chip_input(DevPicChip *c, unsigned i, bool level)
{
    uint8_t bit = (uint8_t)(1u << i);
    if (level_inputs(c) & bit) {
        if (level)
            c->irr |= bit;
        else
            c->irr &= (uint8_t)~bit;
    } else if (level && !(c->levels & bit)) {
        c->irr |= bit;
    }
    if (level)
        c->levels |= bit;
    else
        c->levels &= (uint8_t)~bit;
}

/* The slave's INT drives the master's cascade input; call after any change to the slave. */
static void cascade_update(DevPic *pic)
{
    DevPicChip *m = &pic->chip[0], *s = &pic->chip[1];
    bool out = chip_pending(s) >= 0;
    if (out != pic->slave_out || (m->ltim && out)) {
        pic->slave_out = out;
        unsigned in = 2;
        for (unsigned i = 0; i < 8; i++)
            if (m->icw3 & (1u << i)) {
                in = i;
                break;
            }
        chip_input(m, in, out);
    }
}

void dev_pic_set_irq(void *opaque, unsigned irq, bool level)
{
    DevPic *pic = opaque;
    if (irq >= 16 || irq == 2)
        return;
    chip_input(&pic->chip[irq >> 3], irq & 7, level);
    cascade_update(pic);
}

/* ---------------------------------------------------------------- acknowledge */

/* The chip's part of INTA (or of a poll) for level irq. */
static void chip_ack(DevPicChip *c, int irq)
{
    uint8_t bit = (uint8_t)(1u << irq);
    if (!(level_inputs(c) & bit))
        c->irr &= (uint8_t)~bit;        /* edge: the latch is used up; level: it follows */
    if (c->aeoi) {
        if (c->rotate_aeoi)
            c->lowest = (uint8_t)irq;
    } else {
        c->isr |= bit;
    }
}

bool dev_pic_intr(const DevPic *pic)
{
    return chip_pending(&pic->chip[0]) >= 0;
}

uint8_t dev_pic_ack(DevPic *pic)
{
    DevPicChip *m = &pic->chip[0], *s = &pic->chip[1];
    int irq = chip_pending(m);
    if (irq < 0)
        return (uint8_t)(m->base | 7);  /* the request went away: spurious IR7 */
    chip_ack(m, irq);
    uint8_t vector;
    if (!m->single && (m->icw3 & (1u << irq))) {
        int sirq = chip_pending(s);
        if (sirq < 0) {
            vector = (uint8_t)(s->base | 7);
        } else {
            chip_ack(s, sirq);
            vector = (uint8_t)(s->base | sirq);
        }
        cascade_update(pic);
    } else {
        vector = (uint8_t)(m->base | irq);
    }
    return vector;
}

/* ---------------------------------------------------------------- command words */

static void chip_init_reset(DevPicChip *c, uint8_t icw1)
{
    c->irr = c->isr = c->imr = 0;
    c->lowest = 7;
    c->special_mask = false;
    c->read_isr = false;
    c->poll = false;
    c->rotate_aeoi = false;
    c->icw4_needed = (icw1 & 0x01) != 0;
    c->single = (icw1 & 0x02) != 0;
    c->ltim = (icw1 & 0x08) != 0;
    if (!c->icw4_needed)
        c->aeoi = c->sfnm = false;
    c->irr = c->levels & level_inputs(c);   /* level inputs request while high */
    c->init_step = 2;
}

/* OCW2. */
static void chip_ocw2(DevPicChip *c, uint8_t v)
{
    unsigned level = v & 7;
    switch (v >> 5) {
    case 0: c->rotate_aeoi = false; break;                      /* clear rotate in AEOI */
    case 4: c->rotate_aeoi = true; break;                       /* set rotate in AEOI */
    case 1:                                                     /* non-specific EOI */
    case 5: {                                                   /* rotate on non-specific EOI */
        int irq = highest(c, c->isr);
        if (irq >= 0) {
            c->isr &= (uint8_t)~(1u << irq);
            if (v >> 5 == 5)
                c->lowest = (uint8_t)irq;
        }
        break;
    }
    case 3: c->isr &= (uint8_t)~(1u << level); break;           /* specific EOI */
    case 7:                                                     /* rotate on specific EOI */
        c->isr &= (uint8_t)~(1u << level);
        c->lowest = (uint8_t)level;
        break;
    case 6: c->lowest = (uint8_t)level; break;                  /* set priority */
    default: break;                                             /* 2: no operation */
    }
}

/* OCW3. */
static void chip_ocw3(DevPicChip *c, uint8_t v)
{
    if (v & 0x04)
        c->poll = true;
    if ((v & 0x02))
        c->read_isr = (v & 0x01) != 0;
    if (v & 0x40)
        c->special_mask = (v & 0x20) != 0;
}

static void chip_write(DevPicChip *c, unsigned port, uint8_t v)
{
    if (port == 0) {
        if (v & 0x10)
            chip_init_reset(c, v);
        else if (v & 0x08)
            chip_ocw3(c, v);
        else
            chip_ocw2(c, v);
        return;
    }
    switch (c->init_step) {
    case 2:
        c->base = v & 0xf8;
        c->init_step = c->single ? (c->icw4_needed ? 4 : 0) : 3;
        break;
    case 3:
        c->icw3 = v;
        c->init_step = c->icw4_needed ? 4 : 0;
        break;
    case 4:
        c->aeoi = (v & 0x02) != 0;
        c->sfnm = (v & 0x10) != 0;
        c->init_step = 0;
        break;
    default:
        c->imr = v;                                             /* OCW1 */
        break;
    }
}

static uint8_t chip_read(DevPicChip *c, unsigned port)
{
    if (port == 1)
        return c->imr;
    if (c->poll) {
        c->poll = false;
        int irq = chip_pending(c);
        if (irq < 0)
            return 0;
        chip_ack(c, irq);
        return (uint8_t)(0x80 | irq);
    }
    return c->read_isr ? c->isr : c->irr;
}

/* Port handlers: the opaque is the chip; the pair is found from it for the cascade. */
static DevPic *pic_of(DevPicChip *c)
{
    return (DevPic *)(void *)(c - (c->is_master ? 0 : 1));
}

static uint32_t pic_port_read(void *opaque, uint16_t off, unsigned size)
{
    (void)size;
    DevPicChip *c = opaque;
    uint8_t v = chip_read(c, off & 1);
    cascade_update(pic_of(c));
    return v;
}

static void pic_port_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)size;
    DevPicChip *c = opaque;
    chip_write(c, off & 1, (uint8_t)v);
    cascade_update(pic_of(c));
}

static const DevPortOps pic_ops = { pic_port_read, pic_port_write, 1 };

/* ELCR: opaque = the DevPic, offset 0 the master's, 1 the slave's. */
static const uint8_t elcr_writable[2] = { 0xf8, 0xde };

static uint32_t elcr_read(void *opaque, uint16_t off, unsigned size)
{
    (void)size;
    DevPic *pic = opaque;
    return pic->chip[off & 1].elcr;
}

static void elcr_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)size;
    DevPic *pic = opaque;
    DevPicChip *c = &pic->chip[off & 1];
    c->elcr = (uint8_t)v & elcr_writable[off & 1];
    /* Inputs now level-triggered request while high; those now edge-triggered keep what
     * they latched. */
    uint8_t lv = level_inputs(c);
    c->irr = (uint8_t)((c->irr & ~lv) | (c->levels & lv));
    cascade_update(pic);
}

static const DevPortOps elcr_ops = { elcr_read, elcr_write, 1 };

/* ---------------------------------------------------------------- set-up */

void dev_pic_reset(DevPic *pic)
{
    static const uint8_t bases[2] = { 0x08, 0x70 };
    static const uint8_t icw3[2] = { 0x04, 0x02 };
    for (unsigned n = 0; n < 2; n++) {
        DevPicChip *c = &pic->chip[n];
        uint8_t levels = c->levels;
        memset(c, 0, sizeof *c);
        c->is_master = n == 0;
        c->levels = levels;             /* the wires keep their levels across a reset */
        c->base = bases[n];
        c->icw3 = icw3[n];
        c->lowest = 7;
        c->imr = n == 0 ? 0xfb : 0xff;
        c->icw4_needed = true;
    }
    pic->slave_out = false;
}

void dev_pic_init(DevPic *pic)
{
    memset(pic, 0, sizeof *pic);
    dev_pic_reset(pic);
}

int dev_pic_attach(DevPic *pic, DevBus *bus)
{
    if (dev_bus_add_ports(bus, 0x20, 2, &pic_ops, &pic->chip[0], "pic-master") < 0 ||
        dev_bus_add_ports(bus, 0xa0, 2, &pic_ops, &pic->chip[1], "pic-slave") < 0)
        return -1;
    return dev_bus_add_ports(bus, 0x4d0, 2, &elcr_ops, pic, "pic-elcr");
}
