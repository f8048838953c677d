/* dev_ioapic.c — the I/O APIC: indexed registers, redirection and remote IRR (dev_ioapic.h). */
#include <string.h>

#include "devices/dev_ioapic.h"

#define IOAPIC_REG_ID 0x00
#define IOAPIC_REG_VERSION 0x01
#define IOAPIC_REG_ARB 0x02
#define IOAPIC_REG_REDIR 0x10

/* The bits of an entry software writes (delivery status and remote IRR are the chip's). */
#define REDIR_WRITABLE \
    (0xff00000000000000ull | (0x1ffffull & ~(uint64_t)(IOAPIC_REMOTE_IRR | (1u << 12))))

static bool asserted(const DevIoapic *io, unsigned pin)
{
    bool high = (io->levels >> pin) & 1;
    return (io->redir[pin] & IOAPIC_POLARITY_LOW) ? !high : high;
}

/* Send entry pin's message to the local APIC. A level-triggered message the APIC accepted
 * sets remote IRR until its EOI; one nobody accepted (no such destination, the APIC
 * disabled) leaves it clear, so the line is not stuck waiting for an EOI that cannot come. */
static void send(DevIoapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    unsigned mode = (e >> 8) & 7;
    if (mode != APIC_MODE_FIXED && mode != APIC_MODE_LOWEST)
        return;                 /* SMI, NMI, INIT, ExtINT: not modelled */
    if (!dev_lapic_match(io->lapic, (uint8_t)(e >> 56), e & IOAPIC_DEST_LOGICAL))
        return;
    bool level = e & IOAPIC_LEVEL;
    if (dev_lapic_deliver(io->lapic, (uint8_t)e, level) && level)
        io->redir[pin] |= IOAPIC_REMOTE_IRR;
}

/* A level-triggered entry that should send now does. */
static void level_check(DevIoapic *io, unsigned pin)
{
    uint64_t e = io->redir[pin];
    if ((e & IOAPIC_LEVEL) && !(e & (IOAPIC_MASKED | IOAPIC_REMOTE_IRR)) && asserted(io, pin))
        send(io, pin);
}

void dev_ioapic_set_irq(void *opaque, unsigned pin, bool level)
{
    DevIoapic *io = opaque;
    if (pin >= DEV_IOAPIC_PINS)
        return;
    bool was = asserted(io, pin);
    if (level)
        io->levels |= 1u << pin;
    else
        io->levels &= ~(1u << pin);
    uint64_t e = io->redir[pin];
    if (e & IOAPIC_LEVEL)
        level_check(io, pin);
    else if (!was && asserted(io, pin) && !(e & IOAPIC_MASKED))
        send(io, pin);
}

void dev_ioapic_eoi(void *opaque, uint8_t vector)
{
    DevIoapic *io = opaque;
    for (unsigned pin = 0; pin < DEV_IOAPIC_PINS; pin++) {
        uint64_t e = io->redir[pin];
        if ((e & 0xff) == vector && (e & IOAPIC_LEVEL) && (e & IOAPIC_REMOTE_IRR)) {
            io->redir[pin] &= ~(uint64_t)IOAPIC_REMOTE_IRR;
            level_check(io, pin);
        }
    }
}

bool dev_ioapic_extint(const DevIoapic *io)
{
    uint64_t e = io->redir[0];
    return !(e & IOAPIC_MASKED) && ((e >> 8) & 7) == APIC_MODE_EXTINT &&
           dev_lapic_match(io->lapic, (uint8_t)(e >> 56), e & IOAPIC_DEST_LOGICAL);
}

/* ---------------------------------------------------------------- registers */

static uint32_t reg_read(const DevIoapic *io, uint8_t index)
{
    switch (index) {
    case IOAPIC_REG_ID:
    case IOAPIC_REG_ARB:
        return (uint32_t)(io->id & 0xf) << 24;
    case IOAPIC_REG_VERSION:
        return DEV_IOAPIC_VERSION;
    default:
        if (index >= IOAPIC_REG_REDIR && index < IOAPIC_REG_REDIR + 2 * DEV_IOAPIC_PINS) {
            uint64_t e = io->redir[(index - IOAPIC_REG_REDIR) >> 1];
            return (index & 1) ? (uint32_t)(e >> 32) : (uint32_t)e;
        }
        return 0;
    }
}

static void reg_write(DevIoapic *io, uint8_t index, uint32_t v)
{
    if (index == IOAPIC_REG_ID) {
        io->id = (uint8_t)((v >> 24) & 0xf);
        return;
    }
    if (index < IOAPIC_REG_REDIR || index >= IOAPIC_REG_REDIR + 2 * DEV_IOAPIC_PINS)
        return;                                 /* version, arbitration: read-only */
    unsigned pin = (index - IOAPIC_REG_REDIR) >> 1;
    uint64_t e = io->redir[pin];
    uint64_t nv = (index & 1) ? (e & 0xffffffffull) | (uint64_t)v << 32
                              : (e & 0xffffffff00000000ull) | v;
    nv = (nv & REDIR_WRITABLE) | (e & IOAPIC_REMOTE_IRR);
    if (!(nv & IOAPIC_LEVEL))
        nv &= ~(uint64_t)IOAPIC_REMOTE_IRR;     /* edge entries have no remote IRR */
    io->redir[pin] = nv;
    /* Unmasking (or making level) a line that is up sends for a level entry. */
    level_check(io, pin);
}

static uint64_t mmio_read(void *opaque, uint64_t offset, unsigned size)
{
    DevIoapic *io = opaque;
    uint64_t v;
    if (offset < 0x10)
        v = offset == 0 ? io->ioregsel : 0;
    else if (offset < 0x20)
        v = reg_read(io, io->ioregsel) >> (8 * (offset & 3));
    else
        v = 0;
    return size >= 8 ? v : v & ((1ull << (8 * size)) - 1);
}

static void mmio_write(void *opaque, uint64_t offset, unsigned size, uint64_t value)
{
    DevIoapic *io = opaque;
    if (offset == 0)
        io->ioregsel = (uint8_t)value;
    else if (offset == 0x10 && size >= 4)
        reg_write(io, io->ioregsel, (uint32_t)value);
    else if (offset == 0x40)
        dev_ioapic_eoi(io, (uint8_t)value);
}

static const DevMmioOps ioapic_mmio_ops = { mmio_read, mmio_write };

/* ---------------------------------------------------------------- set-up */

void dev_ioapic_init(DevIoapic *io, DevLapic *lapic)
{
    memset(io, 0, sizeof *io);
    io->lapic = lapic;
    dev_ioapic_reset(io);
}

void dev_ioapic_reset(DevIoapic *io)
{
    io->ioregsel = 0;
    io->id = 0;
    for (unsigned i = 0; i < DEV_IOAPIC_PINS; i++)
        io->redir[i] = IOAPIC_MASKED;
    /* the input levels are the devices': they stay */
}

int dev_ioapic_attach(DevIoapic *io, DevBus *bus)
{
    return dev_bus_add_mmio(bus, DEV_IOAPIC_BASE, 0x1000, &ioapic_mmio_ops, io, "ioapic");
}
