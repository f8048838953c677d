/* idt64.c — the 64-bit kernels' IDT (lib.h): 64-bit gates to the stubs of start.S. */
#include "lib.h"

/* ---------------------------------------------------------------- IDT */

typedef struct __attribute__((packed)) Gate {
    uint16_t off_lo, sel;
    uint8_t ist, type_attr;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} Gate;

typedef struct __attribute__((packed)) Pseudo {
    uint16_t limit;
    uint64_t base;
} Pseudo;

static Gate idt[48];
static IsrHandler handlers[48];
extern const uint64_t isr_table[48];

static void set_gate(unsigned v, uint8_t type)
{
    uint64_t a = isr_table[v];
    idt[v] = (Gate){ (uint16_t)a, FERRY_BOOT_CS, 0, type, (uint16_t)(a >> 16),
                     (uint32_t)(a >> 32), 0 };
}

void idt_init(void)
{
    for (unsigned v = 0; v < 48; v++)
        set_gate(v, 0x8e);                  /* present, DPL 0, 64-bit interrupt gate */
    Pseudo p = { sizeof idt - 1, (uint64_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" :: "m"(p));
}

void idt_set_trap(unsigned vector)
{
    set_gate(vector, 0x8f);
}

void idt_set_attr(unsigned vector, uint8_t type_attr, uint8_t ist)
{
    set_gate(vector, type_attr);
    idt[vector].ist = ist;
}

void isr_register(unsigned vector, IsrHandler h)
{
    handlers[vector] = h;
}

void isr_dispatch(IsrFrame *f);
void isr_dispatch(IsrFrame *f)
{
    if (f->vector < 48 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    puts("unexpected interrupt ");
    put_dec(f->vector);
    puts(" at ");
    put_hex(f->rip);
    putc('\n');
    machine_exit(0x30);
}

