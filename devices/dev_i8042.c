/* dev_i8042.c — the 8042's status, command byte, output port and reset line
 * (dev_i8042.h). */
#include <string.h>

#include "devices/dev_i8042.h"

enum {
    ST_OBF = 0x01, ST_SYS = 0x04, ST_CMD = 0x08, ST_UNLOCKED = 0x10,
    CB_KBD_DISABLED = 0x10, CB_AUX_DISABLED = 0x20,
};

static void put_out(DevI8042 *k, uint8_t v)
{
    k->out = v;
    k->status |= ST_OBF;
}

static void command(DevI8042 *k, uint8_t c)
{
    k->status |= ST_CMD;
    switch (c) {
    case 0x20: put_out(k, k->command_byte); break;
    case 0x60: case 0xd1: k->pending = c; break;
    case 0xaa: put_out(k, 0x55); break;
    case 0xab: put_out(k, 0x00); break;
    case 0xa7: k->command_byte |= CB_AUX_DISABLED; break;
    case 0xa8: k->command_byte &= (uint8_t)~CB_AUX_DISABLED; break;
    case 0xad: k->command_byte |= CB_KBD_DISABLED; break;
    case 0xae: k->command_byte &= (uint8_t)~CB_KBD_DISABLED; break;
    case 0xd0: put_out(k, k->output_port); break;
    default:
        if (c >= 0xf0 && !(c & 1) && k->reset)
            k->reset(k->reset_opaque);      /* pulse of output port bit 0: CPU reset */
        break;
    }
}

static void data(DevI8042 *k, uint8_t v)
{
    k->status &= (uint8_t)~ST_CMD;
    uint8_t c = k->pending;
    k->pending = 0;
    if (c == 0x60) {
        k->command_byte = v;
        k->status = (uint8_t)((k->status & ~ST_SYS) | (v & ST_SYS));   /* bit 2 mirrors */
    } else if (c == 0xd1) {
        k->output_port = v;
        if (!(v & 1) && k->reset)
            k->reset(k->reset_opaque);
    }
}

/* Port 0x60 and port 0x64 are one-port regions each (offset 0), with their own handlers. */
static uint32_t data_read(void *opaque, uint16_t off, unsigned size)
{
    (void)off; (void)size;
    DevI8042 *k = opaque;
    k->status &= (uint8_t)~ST_OBF;
    return k->out;
}

static void data_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)off; (void)size;
    data(opaque, (uint8_t)v);
}

static uint32_t status_read(void *opaque, uint16_t off, unsigned size)
{
    (void)off; (void)size;
    return ((DevI8042 *)opaque)->status;
}

static void command_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)off; (void)size;
    command(opaque, (uint8_t)v);
}

static const DevPortOps data_ops = { data_read, data_write, 1 };
static const DevPortOps status_ops = { status_read, command_write, 1 };

void dev_i8042_init(DevI8042 *k, void (*reset)(void *opaque), void *opaque)
{
    memset(k, 0, sizeof *k);
    k->status = ST_SYS | ST_UNLOCKED;
    k->command_byte = 0x45;                 /* keyboard interrupt, system flag, translation */
    k->output_port = 0x03;                  /* not in reset, A20 on */
    k->reset = reset;
    k->reset_opaque = opaque;
}

int dev_i8042_attach(DevI8042 *k, DevBus *bus)
{
    /* Two one-port regions: 0x61-0x63 between them belong to other chips. */
    if (dev_bus_add_ports(bus, 0x60, 1, &data_ops, k, "i8042-data") < 0)
        return -1;
    return dev_bus_add_ports(bus, 0x64, 1, &status_ops, k, "i8042-status");
}
