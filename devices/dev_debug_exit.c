/* dev_debug_exit.c — the isa-debug-exit ports (dev_debug_exit.h). */
#include "devices/dev_debug_exit.h"

static uint32_t debug_exit_read(void *opaque, uint16_t off, unsigned size)
{
    (void)opaque; (void)off; (void)size;
    return 0xffffffffu;
}

static void debug_exit_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)off; (void)size;
    DevDebugExit *d = opaque;
    d->exit(d->opaque, (int)((v << 1) | 1));
}

/* 32 bits wide: a 16- or 32-bit write ends the machine with the whole value, as QEMU's
 * device does. */
static const DevPortOps debug_exit_ops = { debug_exit_read, debug_exit_write, 4 };

void dev_debug_exit_init(DevDebugExit *d, void (*exit_fn)(void *opaque, int status),
                         void *opaque)
{
    d->exit = exit_fn;
    d->opaque = opaque;
}

int dev_debug_exit_attach(DevDebugExit *d, DevBus *bus)
{
    return dev_bus_add_ports(bus, DEV_DEBUG_EXIT_BASE, DEV_DEBUG_EXIT_SIZE, &debug_exit_ops, d,
                             "isa-debug-exit");
}
