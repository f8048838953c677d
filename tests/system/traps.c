/* traps.c — exceptions and software interrupts through the IDT: int3 (#BP, the handler sees
 * the next instruction), int 0x2f with a trap gate (IF stays as it was), ud2 (#UD at the
 * instruction, the handler skips it), a division by zero (#DE), a #GP from a non-canonical
 * MSR value, rflags and the pushed CS/SS, and iretq back. Exit status 33 when every check
 * passes. */
#include "lib.h"

static volatile unsigned seen[48];
static volatile uint64_t last_rip, last_cs, last_ss, last_flags, last_err;

static void record(IsrFrame *f)
{
    seen[f->vector]++;
    last_rip = f->rip;
    last_cs = f->cs;
    last_ss = f->ss;
    last_flags = f->rflags;
    last_err = f->error;
}

static void skip2(IsrFrame *f)             /* ud2, divl %ecx (2 bytes each): go past */
{
    record(f);
    f->rip += 2;
}

static void gp(IsrFrame *f)                /* wrmsr is 2 bytes */
{
    record(f);
    f->rip += 2;
}

extern char after_int3[], at_ud2[], at_div[];

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    serial_init();
    puts("traps test\n");
    idt_init();
    isr_register(3, record);
    isr_register(6, skip2);
    isr_register(0, skip2);
    isr_register(13, gp);
    isr_register(0x2f, record);
    idt_set_trap(0x2f);

    __asm__ volatile("int3\n.globl after_int3\nafter_int3:");
    check("int3: #BP with the next rip", seen[3] == 1 && last_rip == (uint64_t)after_int3);
    check("pushed CS and SS", last_cs == FERRY_BOOT_CS && last_ss == FERRY_BOOT_DS);

    __asm__ volatile(".globl at_ud2\nat_ud2: ud2");
    check("ud2: #UD at the instruction", seen[6] == 1 && last_rip == (uint64_t)at_ud2);

    uint32_t lo_q = 1, hi_r = 0;
    __asm__ volatile(".globl at_div\nat_div: divl %%ecx" : "+a"(lo_q), "+d"(hi_r) : "c"(0u));
    check("div by zero: #DE at the instruction", seen[0] == 1 && last_rip == (uint64_t)at_div);

    sti();
    __asm__ volatile("int $0x2f");
    cli();
    check("int 0x2f through a trap gate keeps IF", seen[0x2f] == 1 && (last_flags & 0x200));
    __asm__ volatile("int $0x2f");
    check("and sees it clear after cli", seen[0x2f] == 2 && !(last_flags & 0x200));

    /* wrmsr of a non-canonical FS base is #GP(0) (QEMU 7.2 takes any value). */
    if (!boot_skip_qemu(info)) {
        __asm__ volatile("wrmsr" :: "c"(0xc0000100u), "a"(0u), "d"(0x80000000u));
        check("wrmsr non-canonical: #GP(0)", seen[13] == 1 && last_err == 0);
    }
    uint32_t lo, hi;
    __asm__ volatile("wrmsr" :: "c"(0xc0000100u), "a"(0x1000u), "d"(0u));
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000100u));
    check("rdmsr FS base", lo == 0x1000 && hi == 0);
    finish();
}
