/* lib.c — the test kernels' shared code (lib.h), built for 64-bit and 32-bit kernels alike
 * (no 64-bit division: 32-bit kernels have no libgcc); the IDT is idt.c's. */
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

/* v / 10 by shift and subtract, remainder in *rem. */
static uint64_t div10(uint64_t v, unsigned *rem)
{
    uint64_t q = 0, r = 0;
    for (int i = 63; i >= 0; i--) {
        r = r << 1 | ((v >> i) & 1);
        if (r >= 10) {
            r -= 10;
            q |= 1ull << i;
        }
    }
    *rem = (unsigned)r;
    return q;
}

void put_dec(uint64_t v)
{
    char buf[21];
    int n = 0;
    do {
        unsigned r;
        v = div10(v, &r);
        buf[n++] = (char)('0' + r);
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

bool boot_skip_qemu(const FerryBootInfo *info)
{
    static const char word[] = "skip=qemu";
    const char *s = (const char *)(uintptr_t)info->cmdline;
    while (*s) {
        unsigned n = 0;
        while (word[n] && s[n] == word[n])
            n++;
        if (!word[n] && (s[n] == ' ' || s[n] == '\0'))
            return true;
        while (*s && *s != ' ')
            s++;
        while (*s == ' ')
            s++;
    }
    return false;
}

/* gcc may call these even in freestanding code (struct copies, zeroing); lib.h declares them. */

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
