/* lib.c — the test kernels' shared code (lib.h). */
#include "lib.h"

unsigned check_failures;

void serial_init(void)
{
    outb(COM1 + 1, 0x00);                   /* no interrupts */
    outb(COM1 + 3, 0x80);                   /* DLAB */
    outb(COM1 + 0, 0x01);                   /* divisor 1: 115200 baud */
    outb(COM1 + 1, 0x00);
    outb(COM1 + 3, 0x03);                   /* 8N1 */
    outb(COM1 + 2, 0xc7);                   /* FIFOs on, cleared, trigger 14 */
    outb(COM1 + 4, 0x03);                   /* DTR RTS */
}

void putc(char c)
{
    while (!(inb(COM1 + 5) & 0x20))         /* THRE */
        ;
    outb(COM1, (uint8_t)c);
}

void puts(const char *s)
{
    while (*s)
        putc(*s++);
}

void put_dec(uint64_t v)
{
    char buf[21];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        putc(buf[--n]);
}

void put_hex(uint64_t v)
{
    puts("0x");
    int shift = 60;
    while (shift > 0 && !((v >> shift) & 0xf))
        shift -= 4;
    for (; shift >= 0; shift -= 4)
        putc("0123456789abcdef"[(v >> shift) & 0xf]);
}

void check(const char *name, bool ok)
{
    puts(name);
    puts(ok ? ": ok\n" : ": FAILED\n");
    if (!ok)
        check_failures++;
}

_Noreturn void machine_exit(uint32_t code)
{
    outl(0xf4, code);
    for (;;)
        __asm__ volatile("cli; hlt");
}

_Noreturn void finish(void)
{
    machine_exit(check_failures ? 0x20 : 0x10);
}

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

/* ---------------------------------------------------------------- PIC */

void pic_init(void)
{
    outb(0x20, 0x11); outb(0xa0, 0x11);     /* ICW1: edge, cascade, ICW4 */
    outb(0x21, 0x20); outb(0xa1, 0x28);     /* ICW2: vector bases */
    outb(0x21, 0x04); outb(0xa1, 0x02);     /* ICW3: slave on IR2 */
    outb(0x21, 0x01); outb(0xa1, 0x01);     /* ICW4: 8086 mode */
    outb(0x21, 0xfb); outb(0xa1, 0xff);     /* OCW1: all masked but the cascade */
}

void pic_unmask(unsigned irq)
{
    uint16_t port = irq < 8 ? 0x21 : 0xa1;
    outb(port, (uint8_t)(inb(port) & ~(1u << (irq & 7))));
}

void pic_eoi(unsigned irq)
{
    if (irq >= 8)
        outb(0xa0, 0x20);
    outb(0x20, 0x20);
}

/* ---------------------------------------------------------------- strings */

bool streq(const char *a, const char *b)
{
    while (*a && *a == *b) {
        a++;
        b++;
    }
    return *a == *b;
}

const char *boot_test_arg(const FerryBootInfo *info)
{
    static char word[64];
    const char *s = (const char *)(uintptr_t)info->cmdline;
    for (; *s; s++) {
        if (s[0] == 't' && s[1] == 'e' && s[2] == 's' && s[3] == 't' && s[4] == '=') {
            s += 5;
            unsigned n = 0;
            while (*s && *s != ' ' && n < sizeof word - 1)
                word[n++] = *s++;
            word[n] = '\0';
            return word;
        }
    }
    return "";
}

/* gcc may call these even in freestanding code (struct copies, zeroing). */
void *memset(void *d, int c, size_t n);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memset(void *d, int c, size_t n)
{
    uint8_t *p = d;
    while (n--)
        *p++ = (uint8_t)c;
    return d;
}

void *memcpy(void *d, const void *s, size_t n)
{
    return memmove(d, s, n);
}

void *memmove(void *d, const void *s, size_t n)
{
    uint8_t *p = d;
    const uint8_t *q = s;
    if (p < q)
        while (n--)
            *p++ = *q++;
    else
        while (n--)
            p[n] = q[n];
    return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const uint8_t *p = a, *q = b;
    for (; n; n--, p++, q++)
        if (*p != *q)
            return *p - *q;
    return 0;
}
