/* idt.c — the test kernels' IDT (lib.h): gates to isr.S's stubs, 64-bit gates in a 64-bit
 * kernel, 32-bit ones in a 32-bit kernel, with the code segment idt_init runs in. */
#include "lib.h"

#ifdef __x86_64__
typedef uint64_t Word;
typedef struct __attribute__((packed)) Gate {
    uint16_t off_lo, sel;
    uint8_t ist, type_attr;
    uint16_t off_mid;
    uint32_t off_hi, zero;
} Gate;
#else
typedef uint32_t Word;
typedef struct __attribute__((packed)) Gate {
    uint16_t off_lo, sel;
    uint8_t zero, type_attr;
    uint16_t off_hi;
} Gate;
#endif

typedef struct __attribute__((packed)) Pseudo {
    uint16_t limit;
    Word base;
} Pseudo;

static Gate idt[48];
static IsrHandler handlers[48];
extern const Word isr_table[48];

static void set_gate(unsigned v, uint8_t type)
{
    uint16_t cs;
    __asm__ volatile("mov %%cs, %0" : "=r"(cs));
    Word a = isr_table[v];
#ifdef __x86_64__
    idt[v] = (Gate){ (uint16_t)a, cs, 0, type, (uint16_t)(a >> 16), (uint32_t)(a >> 32), 0 };
#else
    idt[v] = (Gate){ (uint16_t)a, cs, 0, type, (uint16_t)(a >> 16) };
#endif
}

void idt_init(void)
{
    for (unsigned v = 0; v < 48; v++)
        set_gate(v, 0x8e);                  /* present, DPL 0, interrupt gate */
    Pseudo p = { sizeof idt - 1, (Word)(uintptr_t)idt };
    __asm__ volatile("lidt %0" :: "m"(p));
}

void idt_set_trap(unsigned vector)
{
    set_gate(vector, 0x8f);
}

#ifdef __x86_64__
void idt_set_attr(unsigned vector, uint8_t type_attr, uint8_t ist)
{
    set_gate(vector, type_attr);
    idt[vector].ist = ist;
}
#endif

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
#ifdef __x86_64__
    put_hex(f->rip);
#else
    put_hex(f->eip);
#endif
    putc('\n');
    machine_exit(0x30);
}
