/* dev_bus.h — the machine's bus: the port I/O space, MMIO regions and guest RAM as devices see
 * them.
 *
 * Devices claim ranges of the 64 KiB I/O port space and of the physical address space with an
 * ops table and an opaque pointer; the CPU side (the runtime) sends every in/out and every
 * device-memory access here. As on a PC, a read that no device claims returns all ones (0xff
 * per byte) and a write that no device claims is ignored; no access ever fails. An access that
 * fits inside one region (and, for ports, within the device's width) reaches it whole, at its
 * size (1, 2 or 4 bytes for ports; 1, 2, 4 or 8 for MMIO) with the offset from the region's
 * base; any other is split into byte accesses, which is what the ISA bus does with a 16-bit
 * cycle to 8-bit devices (outw to 0x40 writes 0x40 and 0x41). Port numbers wrap at 0xffff.
 *
 * Guest RAM is one range at physical address 0. Devices never hold pointers into it: every
 * transfer a device makes on the guest's behalf (DMA, descriptor rings) goes through
 * dev_bus_ram_read/write, which check the whole range against the RAM size, so a guest that
 * hands a device a wild address gets an error, never a host access outside its RAM.
 */
#ifndef FERRY_DEV_BUS_H
#define FERRY_DEV_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Port I/O handlers: offset from the region's base, size 1, 2 or 4 bytes, at most `width`. */
typedef struct DevPortOps {
    uint32_t (*read)(void *opaque, uint16_t offset, unsigned size);
    void (*write)(void *opaque, uint16_t offset, unsigned size, uint32_t value);
    /* The widest access the device decodes whole: 0 or 1 for an 8-bit device (a wider
     * access reaches it as byte accesses to consecutive ports, as on the ISA bus), 2 or 4. */
    unsigned width;
} DevPortOps;

/* MMIO handlers: offset from the region's base, size 1, 2, 4 or 8 bytes. */
typedef struct DevMmioOps {
    uint64_t (*read)(void *opaque, uint64_t offset, unsigned size);
    void (*write)(void *opaque, uint64_t offset, unsigned size, uint64_t value);
} DevMmioOps;

typedef struct DevPortRegion {
    uint32_t base, len;         /* [base, base + len) within 0..0xffff */
    const DevPortOps *ops;
    void *opaque;
    const char *name;           /* for messages and -d logs */
} DevPortRegion;

typedef struct DevMmioRegion {
    uint64_t base, len;
    const DevMmioOps *ops;
    void *opaque;
    const char *name;
} DevMmioRegion;

#define DEV_BUS_MAX_PORT_REGIONS 32
#define DEV_BUS_MAX_MMIO_REGIONS 16

typedef struct DevBus {
    DevPortRegion port[DEV_BUS_MAX_PORT_REGIONS];   /* sorted by base, disjoint */
    unsigned n_port;
    DevMmioRegion mmio[DEV_BUS_MAX_MMIO_REGIONS];   /* sorted by base, disjoint, above RAM */
    unsigned n_mmio;
    uint8_t *ram;               /* host view of guest RAM [0, ram_size) */
    uint64_t ram_size;
} DevBus;

/* An empty bus over guest RAM (ram may be NULL with ram_size 0: no RAM). */
void dev_bus_init(DevBus *bus, uint8_t *ram, uint64_t ram_size);

/* Claim ports [base, base + len) or physical range [base, base + len). 0, or -1 when the range
 * is empty, overlaps another region (or RAM, for MMIO), leaves the space, or the table is
 * full: a board wiring error, reported by the caller. */
int dev_bus_add_ports(DevBus *bus, uint16_t base, uint32_t len, const DevPortOps *ops,
                      void *opaque, const char *name);
int dev_bus_add_mmio(DevBus *bus, uint64_t base, uint64_t len, const DevMmioOps *ops,
                     void *opaque, const char *name);

/* Move the MMIO region of (ops, opaque) to new_base, as a relocatable device (the local
 * APIC's IA32_APIC_BASE) does: 0, or -1 with nothing changed when there is no such region or
 * the new range overlaps RAM or another region. */
int dev_bus_move_mmio(DevBus *bus, const DevMmioOps *ops, void *opaque, uint64_t new_base);

/* The CPU's in and out (size 1, 2 or 4). */
uint32_t dev_bus_in(DevBus *bus, uint16_t port, unsigned size);
void dev_bus_out(DevBus *bus, uint16_t port, unsigned size, uint32_t value);

/* Device memory (size 1, 2, 4 or 8). Unclaimed: reads all ones, writes ignored. */
uint64_t dev_bus_mmio_read(DevBus *bus, uint64_t addr, unsigned size);
void dev_bus_mmio_write(DevBus *bus, uint64_t addr, unsigned size, uint64_t value);
/* The region holding addr, or NULL. */
const DevMmioRegion *dev_bus_mmio_find(const DevBus *bus, uint64_t addr);

/* True if [addr, addr + n) lies inside guest RAM (n 0: addr <= ram_size). */
static inline bool dev_bus_ram_ok(const DevBus *bus, uint64_t addr, uint64_t n)
{
    return n <= bus->ram_size && addr <= bus->ram_size - n;
}
/* Copy between guest RAM and a device's buffer: 0, or -1 (nothing copied) when any byte of
 * the range is outside RAM. */
int dev_bus_ram_read(const DevBus *bus, uint64_t addr, void *dst, size_t n);
int dev_bus_ram_write(DevBus *bus, uint64_t addr, const void *src, size_t n);

#endif /* FERRY_DEV_BUS_H */
