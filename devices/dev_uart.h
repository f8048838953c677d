/* dev_uart.h — a 16550A UART (National Semiconductor PC16550D register set), as COM1 of a PC.
 *
 * Eight registers from the base port (DLAB = LCR bit 7 switches offsets 0 and 1 to the divisor
 * latch):
 *   0  RBR (read) / THR (write)          DLL with DLAB
 *   1  IER: ERBFI, ETBEI, ELSI, EDSSI     DLM with DLAB
 *   2  IIR (read) / FCR (write)
 *   3  LCR   4  MCR: DTR RTS OUT1 OUT2 LOOP   5  LSR   6  MSR   7  SCR
 *
 * Interrupts, by the datasheet's priority: receiver line status (OE/PE/FE/BI with ELSI; cleared
 * by reading LSR), received data available (ERBFI; the byte in RBR, or the FIFO at its trigger
 * level; cleared by reading below it), character timeout (FIFO mode: data below the trigger
 * level and nothing read or received for four character times; cleared by reading RBR),
 * transmitter holding register empty (ETBEI; set when THR empties and when ETBEI is enabled
 * with THR empty; cleared by reading IIR while it is the reported source, or by writing THR),
 * modem status (EDSSI and any of DCTS DDSR TERI DDCD; cleared by reading MSR). IIR reports the
 * highest one (bits 3:1) with bit 0 clear, and bits 7:6 set while the FIFOs are enabled.
 *
 * The interrupt line to the PIC is driven as a PC wires it: the UART's interrupt gated by OUT2,
 * and off in loopback, where OUT2 is connected internally to DCD instead of the pin.
 *
 * Loopback (MCR bit 4): transmitted bytes come back into the receiver instead of leaving, and
 * the modem inputs read the outputs: CTS = RTS, DSR = DTR, RI = OUT1, DCD = OUT2, with the
 * delta bits set on each change (TERI on RI going from 1 to 0). Outside loopback the inputs
 * are those of a connected terminal: CTS, DSR and DCD on, RI off.
 *
 * Timing: transmission takes no virtual time (THR and the shift register are empty again
 * right after a write, so THRE and TEMT always read 1); that keeps polling drivers fast, and
 * deterministic. The character timeout does use virtual time: four character times from LCR
 * (start bit, 5-8 data bits, parity, 1-2 stop bits) at the divisor's baud rate (1.8432 MHz
 * clock / 16 / divisor). Input is taken from the host only while the receiver has room (the
 * FIFO's 16 bytes, or RBR without the FIFO), so the host never causes an overrun; the guest can
 * (loopback into a full receiver).
 */
#ifndef FERRY_DEV_UART_H
#define FERRY_DEV_UART_H

#include <stdbool.h>
#include <stdint.h>

#include "devices/dev_bus.h"
#include "devices/dev_chardev.h"
#include "devices/dev_clock.h"
#include "devices/dev_irq.h"

#define DEV_UART_COM1_BASE 0x3f8
#define DEV_UART_COM1_IRQ  4
#define DEV_UART_FIFO_SIZE 16

/* Register offsets and bits (the datasheet's names). */
enum {
    UART_RBR = 0, UART_THR = 0, UART_DLL = 0, UART_IER = 1, UART_DLM = 1, UART_IIR = 2,
    UART_FCR = 2, UART_LCR = 3, UART_MCR = 4, UART_LSR = 5, UART_MSR = 6, UART_SCR = 7,
};
enum {
    UART_IER_ERBFI = 0x01, UART_IER_ETBEI = 0x02, UART_IER_ELSI = 0x04, UART_IER_EDSSI = 0x08,
    UART_IIR_NONE = 0x01, UART_IIR_RLS = 0x06, UART_IIR_RDA = 0x04, UART_IIR_CTI = 0x0c,
    UART_IIR_THRE = 0x02, UART_IIR_MSI = 0x00, UART_IIR_FIFO = 0xc0,
    UART_FCR_ENABLE = 0x01, UART_FCR_CLEAR_RX = 0x02, UART_FCR_CLEAR_TX = 0x04,
    UART_LCR_DLAB = 0x80,
    UART_MCR_DTR = 0x01, UART_MCR_RTS = 0x02, UART_MCR_OUT1 = 0x04, UART_MCR_OUT2 = 0x08,
    UART_MCR_LOOP = 0x10,
    UART_LSR_DR = 0x01, UART_LSR_OE = 0x02, UART_LSR_PE = 0x04, UART_LSR_FE = 0x08,
    UART_LSR_BI = 0x10, UART_LSR_THRE = 0x20, UART_LSR_TEMT = 0x40, UART_LSR_RXERR = 0x80,
    UART_MSR_DCTS = 0x01, UART_MSR_DDSR = 0x02, UART_MSR_TERI = 0x04, UART_MSR_DDCD = 0x08,
    UART_MSR_CTS = 0x10, UART_MSR_DSR = 0x20, UART_MSR_RI = 0x40, UART_MSR_DCD = 0x80,
};

typedef struct DevUart {
    DevChar *chr;               /* the host side */
    DevClock *clock;
    DevIrq irq;                 /* to the PIC (the board connects it) */
    uint8_t ier, lcr, mcr, scr;
    uint8_t lsr_errors;         /* OE PE FE BI until LSR is read */
    uint8_t msr;                /* inputs (bits 7:4) and deltas (bits 3:0) */
    uint8_t ext_inputs;         /* the modem inputs outside loopback (MSR bits 7:4) */
    uint16_t divisor;
    bool fifo;                  /* FCR bit 0 */
    uint8_t trigger;            /* receiver FIFO trigger level: 1, 4, 8 or 14 */
    uint8_t rx[DEV_UART_FIFO_SIZE];
    unsigned rx_head, rx_count;
    uint8_t rbr_last;           /* what an empty RBR reads */
    bool thre_pending;          /* the THRE interrupt */
    bool timeout_pending;       /* the character timeout interrupt */
    DevTimer timeout;
} DevUart;

void dev_uart_init(DevUart *u, DevChar *chr, DevClock *clock);
/* The state after a hardware reset (MR pin). */
void dev_uart_reset(DevUart *u);
/* Claim ports base..base+7. 0 or -1 (dev_bus_add_ports). */
int dev_uart_attach(DevUart *u, DevBus *bus, uint16_t base);
/* Take host input while the receiver has room (the machine calls it now and then, and before
 * it waits for input). */
void dev_uart_poll(DevUart *u);
/* True if the receiver could take input now (the machine may wait for host input then). */
bool dev_uart_wants_input(const DevUart *u);

#endif /* FERRY_DEV_UART_H */
