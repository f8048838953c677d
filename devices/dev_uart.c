/* dev_uart.c — the 16550A's registers, FIFOs and interrupts (dev_uart.h). */
#include <string.h>

#include "devices/dev_uart.h"

#define UART_CLOCK_HZ 1843200u      /* the PC's UART crystal */

static unsigned rx_capacity(const DevUart *u) { return u->fifo ? DEV_UART_FIFO_SIZE : 1; }
static bool loopback(const DevUart *u) { return (u->mcr & UART_MCR_LOOP) != 0; }

/* ---------------------------------------------------------------- interrupts */

/* The IIR identification of the highest-priority pending interrupt (UART_IIR_NONE if none). */
static uint8_t pending_id(const DevUart *u)
{
    if ((u->ier & UART_IER_ELSI) && u->lsr_errors)
        return UART_IIR_RLS;
    if (u->ier & UART_IER_ERBFI) {
        unsigned level = u->fifo ? u->trigger : 1;
        if (u->rx_count >= level)
            return UART_IIR_RDA;
        if (u->fifo && u->timeout_pending)
            return UART_IIR_CTI;
    }
    if ((u->ier & UART_IER_ETBEI) && u->thre_pending)
        return UART_IIR_THRE;
    if ((u->ier & UART_IER_EDSSI) && (u->msr & 0x0f))
        return UART_IIR_MSI;
    return UART_IIR_NONE;
}

static void update_irq(DevUart *u)
{
    bool out2 = (u->mcr & UART_MCR_OUT2) && !loopback(u);
    dev_irq_set(&u->irq, out2 && pending_id(u) != UART_IIR_NONE);
}

/* ---------------------------------------------------------------- receiver */

/* Virtual ns of one character as LCR and the divisor frame it. */
static uint64_t char_time_ns(const DevUart *u)
{
    unsigned bits = 1 + 5 + (u->lcr & 3) + ((u->lcr & 0x08) ? 1 : 0) + ((u->lcr & 0x04) ? 2 : 1);
    uint64_t div = u->divisor ? u->divisor : 0x10000;
    return bits * 16 * div * DEV_NS_PER_SEC / UART_CLOCK_HZ;
}

/* Something went into or out of the receiver FIFO: the four-character timeout starts again. */
static void restart_timeout(DevUart *u)
{
    u->timeout_pending = false;
    if (u->fifo && u->rx_count)
        dev_timer_arm(u->clock, &u->timeout, u->clock->now + 4 * char_time_ns(u));
    else
        dev_timer_cancel(u->clock, &u->timeout);
}

static void timeout_fired(void *opaque, DevClock *clock)
{
    (void)clock;
    DevUart *u = opaque;
    if (u->fifo && u->rx_count) {
        u->timeout_pending = true;
        update_irq(u);
    }
}

/* A byte arrives at the receiver (from the host, or looped back). */
static void rx_push(DevUart *u, uint8_t byte)
{
    if (u->rx_count == rx_capacity(u)) {
        u->lsr_errors |= UART_LSR_OE;
        if (!u->fifo)                       /* without the FIFO the new byte replaces RBR */
            u->rx[u->rx_head] = byte;
    } else {
        u->rx[(u->rx_head + u->rx_count) % DEV_UART_FIFO_SIZE] = byte;
        u->rx_count++;
    }
    restart_timeout(u);
    update_irq(u);
}

static uint8_t rx_pop(DevUart *u)
{
    if (u->rx_count) {
        u->rbr_last = u->rx[u->rx_head];
        u->rx_head = (u->rx_head + 1) % DEV_UART_FIFO_SIZE;
        u->rx_count--;
    }
    restart_timeout(u);
    return u->rbr_last;
}

static void rx_clear(DevUart *u)
{
    u->rx_head = u->rx_count = 0;
    restart_timeout(u);
}

bool dev_uart_wants_input(const DevUart *u)
{
    return !loopback(u) && u->rx_count < rx_capacity(u) && !u->chr->eof;
}

void dev_uart_poll(DevUart *u)
{
    while (dev_uart_wants_input(u)) {
        uint8_t b;
        if (dev_char_read(u->chr, &b) != DEV_CHAR_BYTE)
            break;
        rx_push(u, b);
    }
}

/* ---------------------------------------------------------------- modem lines */

/* MSR's input bits (7:4) as they are now. */
static uint8_t modem_inputs(const DevUart *u)
{
    if (!loopback(u))
        return u->ext_inputs;
    uint8_t m = 0;
    if (u->mcr & UART_MCR_RTS)  m |= UART_MSR_CTS;
    if (u->mcr & UART_MCR_DTR)  m |= UART_MSR_DSR;
    if (u->mcr & UART_MCR_OUT1) m |= UART_MSR_RI;
    if (u->mcr & UART_MCR_OUT2) m |= UART_MSR_DCD;
    return m;
}

/* Latch the delta bits for a change of the inputs to `now`. */
static void modem_update(DevUart *u)
{
    uint8_t old = u->msr & 0xf0, now = modem_inputs(u), changed = old ^ now;
    uint8_t delta = u->msr & 0x0f;
    if (changed & UART_MSR_CTS) delta |= UART_MSR_DCTS;
    if (changed & UART_MSR_DSR) delta |= UART_MSR_DDSR;
    if ((old & UART_MSR_RI) && !(now & UART_MSR_RI)) delta |= UART_MSR_TERI;
    if (changed & UART_MSR_DCD) delta |= UART_MSR_DDCD;
    u->msr = now | delta;
}

/* ---------------------------------------------------------------- registers */

static uint8_t read_reg(DevUart *u, unsigned off)
{
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0;
    switch (off) {
    case UART_RBR:
        if (dlab)
            return (uint8_t)u->divisor;
        {
            uint8_t v = rx_pop(u);
            if (!loopback(u))
                dev_uart_poll(u);
            update_irq(u);
            return v;
        }
    case UART_IER:
        return dlab ? (uint8_t)(u->divisor >> 8) : u->ier;
    case UART_IIR: {
        uint8_t id = pending_id(u);
        if (id == UART_IIR_THRE) {          /* reading it as the source clears it */
            u->thre_pending = false;
            update_irq(u);
        }
        return id | (u->fifo ? UART_IIR_FIFO : 0);
    }
    case UART_LCR:
        return u->lcr;
    case UART_MCR:
        return u->mcr;
    case UART_LSR: {
        if (!loopback(u))
            dev_uart_poll(u);
        uint8_t v = UART_LSR_THRE | UART_LSR_TEMT | u->lsr_errors;
        if (u->rx_count)
            v |= UART_LSR_DR;
        u->lsr_errors = 0;
        update_irq(u);
        return v;
    }
    case UART_MSR: {
        uint8_t v = u->msr;
        u->msr &= 0xf0;
        update_irq(u);
        return v;
    }
    default:
        return u->scr;
    }
}

static void write_reg(DevUart *u, unsigned off, uint8_t v)
{
    bool dlab = (u->lcr & UART_LCR_DLAB) != 0;
    switch (off) {
    case UART_THR:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0xff00) | v);
            return;
        }
        u->thre_pending = false;
        if (loopback(u))
            rx_push(u, v);
        else
            dev_char_write(u->chr, v);
        u->thre_pending = true;             /* sent at once: THR is empty again */
        /* With THRE interrupts on, the line drops and rises again: an edge-triggered PIC
         * sees a new request, as it would when the real THRE interrupt came back a character
         * time later. */
        if (u->ier & UART_IER_ETBEI)
            dev_irq_set(&u->irq, false);
        update_irq(u);
        return;
    case UART_IER:
        if (dlab) {
            u->divisor = (uint16_t)((u->divisor & 0x00ff) | v << 8);
            return;
        }
        if ((v & UART_IER_ETBEI) && !(u->ier & UART_IER_ETBEI))
            u->thre_pending = true;         /* THR is always empty */
        u->ier = v & 0x0f;
        update_irq(u);
        return;
    case UART_FCR: {
        bool enable = (v & UART_FCR_ENABLE) != 0;
        if (enable != u->fifo) {            /* changing the mode empties both FIFOs */
            u->fifo = enable;
            rx_clear(u);
        }
        if (enable) {
            if (v & UART_FCR_CLEAR_RX)
                rx_clear(u);
            static const uint8_t levels[4] = { 1, 4, 8, 14 };
            u->trigger = levels[v >> 6];
        }
        update_irq(u);
        return;
    }
    case UART_LCR:
        u->lcr = v;
        return;
    case UART_MCR:
        u->mcr = v & 0x1f;
        modem_update(u);
        update_irq(u);
        return;
    case UART_LSR:
    case UART_MSR:
        return;                             /* factory test registers: not modelled */
    default:
        u->scr = v;
        return;
    }
}

static uint32_t uart_port_read(void *opaque, uint16_t off, unsigned size)
{
    (void)size;                             /* 1: an 8-bit device, the bus splits */
    return read_reg(opaque, off & 7);
}

static void uart_port_write(void *opaque, uint16_t off, unsigned size, uint32_t v)
{
    (void)size;
    write_reg(opaque, off & 7, (uint8_t)v);
}

static const DevPortOps uart_ops = { uart_port_read, uart_port_write, 1 };

/* ---------------------------------------------------------------- set-up */

void dev_uart_reset(DevUart *u)
{
    u->ier = u->lcr = u->mcr = u->scr = 0;
    u->lsr_errors = 0;
    u->divisor = 12;                        /* 9600 baud, what firmware leaves */
    u->fifo = false;
    u->trigger = 1;
    u->rx_head = u->rx_count = 0;
    u->rbr_last = 0;
    u->thre_pending = false;
    u->timeout_pending = false;
    dev_timer_cancel(u->clock, &u->timeout);
    u->msr = u->ext_inputs;
    update_irq(u);
}

void dev_uart_init(DevUart *u, DevChar *chr, DevClock *clock)
{
    memset(u, 0, sizeof *u);
    u->chr = chr;
    u->clock = clock;
    u->ext_inputs = UART_MSR_CTS | UART_MSR_DSR | UART_MSR_DCD;
    dev_timer_init(&u->timeout, timeout_fired, u);
    dev_uart_reset(u);
}

int dev_uart_attach(DevUart *u, DevBus *bus, uint16_t base)
{
    return dev_bus_add_ports(bus, base, 8, &uart_ops, u, "uart16550");
}
