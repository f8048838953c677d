/* rtc.c — the CMOS clock read as a PC kernel reads it: wait for UIP to clear, read the time
 * registers, and check them rather than print them (the time is the host's at start-up, so
 * only its form is the same on every run): valid BCD in range, 24-hour mode, status B and D
 * as firmware leaves them, a second later the seconds have moved on by one, binary mode
 * agrees with BCD, the update-ended interrupt arrives on IRQ 8, and NVRAM keeps a byte.
 * Exit status 33 when every check passes. */
#include "lib.h"

static uint8_t cmos(uint8_t reg)
{
    outb(0x70, reg);
    return inb(0x71);
}

static void cmos_set(uint8_t reg, uint8_t v)
{
    outb(0x70, reg);
    outb(0x71, v);
}

static bool bcd_ok(uint8_t v, unsigned lo, unsigned hi)
{
    if ((v & 0xf) > 9 || (v >> 4) > 9)
        return false;
    unsigned n = (v >> 4) * 10 + (v & 0xf);
    return n >= lo && n <= hi;
}

static unsigned bcd(uint8_t v) { return (v >> 4) * 10 + (v & 0xf); }

static void wait_uip(void)
{
    while (cmos(0x0a) & 0x80)
        ;
}

static volatile unsigned updates;

static void rtc_irq(IsrFrame *f)
{
    (void)f;
    if (cmos(0x0c) & 0x10)                  /* UF; reading C also drops the line */
        updates++;
    pic_eoi(8);
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    (void)info;
    serial_init();
    puts("rtc test\n");
    check("status B: BCD, 24-hour", (cmos(0x0b) & 0x06) == 0x02);
    check("status D: battery good", cmos(0x0d) == 0x80);
    check("status A: 32.768 kHz base", (cmos(0x0a) & 0x70) == 0x20);
    wait_uip();
    uint8_t sec = cmos(0x00), min = cmos(0x02), hour = cmos(0x04), wday = cmos(0x06);
    uint8_t mday = cmos(0x07), mon = cmos(0x08), year = cmos(0x09), cent = cmos(0x32);
    check("seconds valid BCD", bcd_ok(sec, 0, 59));
    check("minutes valid BCD", bcd_ok(min, 0, 59));
    check("hours valid BCD (24-hour)", bcd_ok(hour, 0, 23));
    check("day of week 1-7", wday >= 1 && wday <= 7);
    check("day of month valid BCD", bcd_ok(mday, 1, 31));
    check("month valid BCD", bcd_ok(mon, 1, 12));
    check("year valid BCD", bcd_ok(year, 0, 99));
    check("century 20 or 21", cent == 0x20 || cent == 0x21);

    /* Binary mode gives the same time. */
    cmos_set(0x0b, 0x06);
    wait_uip();
    uint8_t bmin = cmos(0x02), bhour = cmos(0x04);
    check("binary mode agrees", bmin == bcd(min) && bhour == bcd(hour));
    cmos_set(0x0b, 0x02);

    /* The update-ended interrupt, once a second, through the slave PIC. */
    idt_init();
    isr_register(0x28, rtc_irq);
    pic_init();
    pic_unmask(8);
    cmos(0x0c);
    wait_uip();
    uint8_t s0 = cmos(0x00);
    cmos_set(0x0b, 0x12);                   /* UIE, 24-hour, BCD */
    while (updates < 1)
        sti_hlt();
    cli();
    uint8_t s1 = cmos(0x00);
    check("update interrupt on IRQ 8", updates == 1);
    check("a second later", (bcd(s0) + 1) % 60 == bcd(s1));
    cmos_set(0x0b, 0x02);

    cmos_set(0x50, 0x5a);
    check("NVRAM keeps a byte", cmos(0x50) == 0x5a);
    check("base memory 640 KiB", (cmos(0x15) | cmos(0x16) << 8) == 640);
    finish();
}
