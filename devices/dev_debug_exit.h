/* dev_debug_exit.h — QEMU's isa-debug-exit device: a write of v to its ports ends the machine
 * with exit status (v << 1) | 1, so test kernels report a result through the host's exit
 * status (always odd, never 0, as with QEMU; the host keeps the low 8 bits). ferry's board
 * always has it, at iobase 0xf4 with iosize 4 (the configuration test kernels are written
 * for: `-device isa-debug-exit,iobase=0xf4,iosize=0x04`); any write of any size to any of the
 * four ports ends the machine, as in QEMU. Reads return all ones.
 */
#ifndef FERRY_DEV_DEBUG_EXIT_H
#define FERRY_DEV_DEBUG_EXIT_H

#include <stdint.h>

#include "devices/dev_bus.h"

#define DEV_DEBUG_EXIT_BASE 0xf4
#define DEV_DEBUG_EXIT_SIZE 4

typedef struct DevDebugExit {
    /* Ends the machine with the host exit status (the board's; it does not return to the
     * device in a running machine, but may in tests). */
    void (*exit)(void *opaque, int status);
    void *opaque;
} DevDebugExit;

void dev_debug_exit_init(DevDebugExit *d, void (*exit_fn)(void *opaque, int status),
                         void *opaque);
int dev_debug_exit_attach(DevDebugExit *d, DevBus *bus);

#endif /* FERRY_DEV_DEBUG_EXIT_H */
