/* idt32.c — the 32-bit kernels' IDT (mb.h): 8-byte gates to the stubs of mb_start32.S. */
#include "mb.h"

typedef struct __attribute__((packed)) Gate32 {
    uint16_t off_lo, sel;
    uint8_t zero, type_attr;
    uint16_t off_hi;
} Gate32;

typedef struct __attribute__((packed)) Pseudo32 {
    uint16_t limit;
    uint32_t base;
} Pseudo32;

static Gate32 idt[48];
static IsrHandler32 handlers[48];
extern const uint32_t isr32_table[48];

static void set_gate(unsigned v, uint8_t type)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    uint32_t a = isr32_table[v];
    idt[v] = (Gate32){ (uint16_t)a, cs, 0, type, (uint16_t)(a >> 16) };
}

void idt32_init(void)
{
    for (unsigned v = 0; v < 48; v++)
        set_gate(v, 0x8e);                  /* present, DPL 0, 32-bit interrupt gate */
    Pseudo32 p = { sizeof idt - 1, (uint32_t)(uintptr_t)idt };
    __asm__ volatile("lidt %0" :: "m"(p));
}

void idt32_set_trap(unsigned vector)
{
    set_gate(vector, 0x8f);
}

void isr32_register(unsigned vector, IsrHandler32 h)
{
    handlers[vector] = h;
}

void isr32_dispatch(IsrFrame32 *f);
void isr32_dispatch(IsrFrame32 *f)
{
    if (f->vector < 48 && handlers[f->vector]) {
        handlers[f->vector](f);
        return;
    }
    puts("unexpected interrupt ");
    put_dec(f->vector);
    puts(" at ");
    put_hex(f->eip);
    putc('\n');
    machine_exit(0x30);
}
