/* dev_bus.c — port and MMIO dispatch, and checked guest-RAM copies (dev_bus.h).
 *
 * A board has a few dozen regions at most, so lookups are a linear scan of a sorted array:
 * simpler than a 64 K-entry port table and fast enough next to what an access costs the CPU
 * side (leaving generated code).
 */
#include <string.h>

#include "devices/dev_bus.h"

void dev_bus_init(DevBus *bus, uint8_t *ram, uint64_t ram_size)
{
    memset(bus, 0, sizeof *bus);
    bus->ram = ram;
    bus->ram_size = ram ? ram_size : 0;
}

/* ---------------------------------------------------------------- claiming */

int dev_bus_add_ports(DevBus *bus, uint16_t base, uint32_t len, const DevPortOps *ops,
                      void *opaque, const char *name)
{
    uint32_t end = (uint32_t)base + len;
    if (len == 0 || end > 0x10000 || bus->n_port == DEV_BUS_MAX_PORT_REGIONS || !ops)
        return -1;
    unsigned at = 0;
    while (at < bus->n_port && bus->port[at].base < base)
        at++;
    if (at > 0 && bus->port[at - 1].base + bus->port[at - 1].len > base)
        return -1;
    if (at < bus->n_port && bus->port[at].base < end)
        return -1;
    memmove(&bus->port[at + 1], &bus->port[at], (bus->n_port - at) * sizeof bus->port[0]);
    bus->port[at] = (DevPortRegion){ base, len, ops, opaque, name };
    bus->n_port++;
    return 0;
}

int dev_bus_add_mmio(DevBus *bus, uint64_t base, uint64_t len, const DevMmioOps *ops,
                     void *opaque, const char *name)
{
    if (len == 0 || base + len < base || bus->n_mmio == DEV_BUS_MAX_MMIO_REGIONS || !ops)
        return -1;
    if (base < bus->ram_size)
        return -1;                              /* RAM is RAM */
    uint64_t end = base + len;
    unsigned at = 0;
    while (at < bus->n_mmio && bus->mmio[at].base < base)
        at++;
    if (at > 0 && bus->mmio[at - 1].base + bus->mmio[at - 1].len > base)
        return -1;
    if (at < bus->n_mmio && bus->mmio[at].base < end)
        return -1;
    memmove(&bus->mmio[at + 1], &bus->mmio[at], (bus->n_mmio - at) * sizeof bus->mmio[0]);
    bus->mmio[at] = (DevMmioRegion){ base, len, ops, opaque, name };
    bus->n_mmio++;
    return 0;
}

int dev_bus_move_mmio(DevBus *bus, const DevMmioOps *ops, void *opaque, uint64_t new_base)
{
    for (unsigned i = 0; i < bus->n_mmio; i++) {
        if (bus->mmio[i].ops != ops || bus->mmio[i].opaque != opaque)
            continue;
        DevMmioRegion r = bus->mmio[i];
        if (r.base == new_base)
            return 0;
        memmove(&bus->mmio[i], &bus->mmio[i + 1], (bus->n_mmio - i - 1) * sizeof r);
        bus->n_mmio--;
        if (dev_bus_add_mmio(bus, new_base, r.len, r.ops, r.opaque, r.name) == 0)
            return 0;
        dev_bus_add_mmio(bus, r.base, r.len, r.ops, r.opaque, r.name);  /* put it back */
        return -1;
    }
    return -1;
}

/* ---------------------------------------------------------------- port I/O */

static const DevPortRegion *port_find(const DevBus *bus, uint16_t port)
{
    for (unsigned i = 0; i < bus->n_port; i++) {
        const DevPortRegion *r = &bus->port[i];
        if (port < r->base)
            break;
        if (port - r->base < r->len)
            return r;
    }
    return NULL;
}

/* The region that holds all of [port, port + size) and takes that size whole, or NULL. */
static const DevPortRegion *port_find_whole(const DevBus *bus, uint16_t port, unsigned size)
{
    const DevPortRegion *r = port_find(bus, port);
    unsigned width = r && r->ops->width ? r->ops->width : 1;
    if (r && size <= width && (uint32_t)port + size <= r->base + r->len)
        return r;
    return NULL;
}

static uint32_t size_mask32(unsigned size)
{
    return size >= 4 ? 0xffffffffu : (1u << (8 * size)) - 1;
}

uint32_t dev_bus_in(DevBus *bus, uint16_t port, unsigned size)
{
    const DevPortRegion *r = port_find_whole(bus, port, size);
    if (r)
        return r->ops->read(r->opaque, (uint16_t)(port - r->base), size) & size_mask32(size);
    uint32_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        const DevPortRegion *b = port_find(bus, p);
        uint32_t byte = b ? b->ops->read(b->opaque, (uint16_t)(p - b->base), 1) & 0xff : 0xff;
        v |= byte << (8 * i);
    }
    return v;
}

void dev_bus_out(DevBus *bus, uint16_t port, unsigned size, uint32_t value)
{
    value &= size_mask32(size);
    const DevPortRegion *r = port_find_whole(bus, port, size);
    if (r) {
        r->ops->write(r->opaque, (uint16_t)(port - r->base), size, value);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        uint16_t p = (uint16_t)(port + i);
        const DevPortRegion *b = port_find(bus, p);
        if (b)
            b->ops->write(b->opaque, (uint16_t)(p - b->base), 1, (value >> (8 * i)) & 0xff);
    }
}

/* ---------------------------------------------------------------- MMIO */

const DevMmioRegion *dev_bus_mmio_find(const DevBus *bus, uint64_t addr)
{
    for (unsigned i = 0; i < bus->n_mmio; i++) {
        const DevMmioRegion *r = &bus->mmio[i];
        if (addr < r->base)
            break;
        if (addr - r->base < r->len)
            return r;
    }
    return NULL;
}

static uint64_t size_mask64(unsigned size)
{
    return size >= 8 ? ~0ull : (1ull << (8 * size)) - 1;
}

uint64_t dev_bus_mmio_read(DevBus *bus, uint64_t addr, unsigned size)
{
    const DevMmioRegion *r = dev_bus_mmio_find(bus, addr);
    if (r && size <= r->len && addr - r->base <= r->len - size)
        return r->ops->read(r->opaque, addr - r->base, size) & size_mask64(size);
    uint64_t v = 0;
    for (unsigned i = 0; i < size; i++) {
        const DevMmioRegion *b = dev_bus_mmio_find(bus, addr + i);
        uint64_t byte = b ? b->ops->read(b->opaque, addr + i - b->base, 1) & 0xff : 0xff;
        v |= byte << (8 * i);
    }
    return v;
}

void dev_bus_mmio_write(DevBus *bus, uint64_t addr, unsigned size, uint64_t value)
{
    value &= size_mask64(size);
    const DevMmioRegion *r = dev_bus_mmio_find(bus, addr);
    if (r && size <= r->len && addr - r->base <= r->len - size) {
        r->ops->write(r->opaque, addr - r->base, size, value);
        return;
    }
    for (unsigned i = 0; i < size; i++) {
        const DevMmioRegion *b = dev_bus_mmio_find(bus, addr + i);
        if (b)
            b->ops->write(b->opaque, addr + i - b->base, 1, (value >> (8 * i)) & 0xff);
    }
}

/* ---------------------------------------------------------------- guest RAM */

int dev_bus_ram_read(const DevBus *bus, uint64_t addr, void *dst, size_t n)
{
    if (!dev_bus_ram_ok(bus, addr, n))
        return -1;
    if (n)
        memcpy(dst, bus->ram + addr, n);
    return 0;
}

int dev_bus_ram_write(DevBus *bus, uint64_t addr, const void *src, size_t n)
{
    if (!dev_bus_ram_ok(bus, addr, n))
        return -1;
    if (n)
        memcpy(bus->ram + addr, src, n);
    return 0;
}
