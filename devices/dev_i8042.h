/* dev_i8042.h — the PC keyboard controller (Intel 8042), as far as a machine without a
 * keyboard needs it: its status and command port and the CPU reset line.
 *
 * Port 0x64 reads the status (bit 0 output buffer full, bit 2 system flag: set, as after a
 * successful self-test by firmware, bit 3 last write was a command, bit 4 keyboard not
 * inhibited; the input buffer is never busy because commands complete at once) and takes
 * commands: 0x20 read the command byte, 0x60 write it (next byte on 0x60), 0xaa self-test
 * (answers 0x55), 0xab interface test (answers 0x00), 0xad/0xae disable/enable the keyboard
 * (command byte bit 4), 0xa7/0xa8 the same for the auxiliary port (bit 5), 0xd0 read the
 * output port, 0xd1 write it (next byte on 0x60; bit 0 clear resets the CPU), 0xf0-0xff pulse
 * the output port bits that are clear in the low nibble (bit 0: reset; so 0xfe is the
 * classic reset command). Port 0x60 reads the output buffer (clearing bit 0 of the status);
 * bytes written to it that no command expects go to the keyboard, which is not there: they are
 * dropped.
 */
#ifndef FERRY_DEV_I8042_H
#define FERRY_DEV_I8042_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"

typedef struct DevI8042 {
    uint8_t status;
    uint8_t command_byte;
    uint8_t output_port;
    uint8_t out;                /* the output buffer */
    uint8_t pending;            /* the command waiting for its data byte (0x60, 0xd1), or 0 */
    void (*reset)(void *opaque);/* pulses the CPU's reset line (the board's) */
    void *reset_opaque;
} DevI8042;

void dev_i8042_init(DevI8042 *k, void (*reset)(void *opaque), void *opaque);
int dev_i8042_attach(DevI8042 *k, DevBus *bus);

#endif /* FERRY_DEV_I8042_H */
