/* mb_traps.c — exceptions and interrupts in 32-bit protected mode, through an IDT of 32-bit
 * gates: int3 (#BP, a trap: EIP after it), ud2 (#UD, a fault: EIP at it), a divide error
 * (#DE), #GP with the selector as error code (loading a selector beyond the GDT), #NP (a
 * data segment marked not present), #PF under 32-bit paging (a page not present, and a
 * read-only page with CR0.WP: error code, CR2, EIP at the store), into with OF set (#OF),
 * int 0x2e through a trap gate
 * (IF stays as it was) and 0x2f through an interrupt gate (IF cleared); lss and lfs; timer
 * interrupts (PIC at 0x20, PIT at 100 Hz) until five have come. Each fault handler resumes at
 * a recovery address. Exit status 33 when every check passes. */
#include "mb.h"

static const uint64_t gdt[] = {
    0, 0x00cf9a000000ffffull /* 0x08 code32 */, 0x00cf92000000ffffull /* 0x10 data32 */,
    0x00cf12000000ffffull /* 0x18 data32, not present */,
};

static volatile uint32_t recover;           /* where a fault handler resumes */
static volatile uint32_t seen_vector, seen_error, seen_eip, seen_eflags;
static volatile unsigned ticks;

static void on_fault(IsrFrame *f)
{
    seen_vector = f->vector;
    seen_error = f->error;
    seen_eip = f->eip;
    seen_eflags = f->eflags;
    if (recover)
        f->eip = recover;
}

static void timer(IsrFrame *f)
{
    (void)f;
    ticks++;
    pic_eoi(0);
}

static volatile uint32_t handler_if;        /* IF inside on_soft */

static void on_soft(IsrFrame *f)
{
    uint32_t fl;
    __asm__ volatile("pushf; pop %0" : "=r"(fl));
    handler_if = fl & 0x200;
    seen_vector = f->vector;
    seen_eflags = f->eflags;
}

static void expect(const char *name, uint32_t vector, uint32_t error, uint32_t eip)
{
    bool ok = seen_vector == vector && seen_error == error && seen_eip == eip;
    check(name, ok);
    if (!ok) {
        puts("  got vector ");
        put_dec(seen_vector);
        puts(" error ");
        put_hex(seen_error);
        puts(" eip ");
        put_hex(seen_eip);
        puts(", expected eip ");
        put_hex(eip);
        putc('\n');
    }
    seen_vector = seen_error = seen_eip = 0xffffffffu;
}

/* 32-bit paging with 4 MiB pages over the first 64 MiB, the identity, but linear 4-8 MiB not
 * present and 8-12 MiB read-only. */
static uint32_t pf_pd[1024] __attribute__((aligned(4096)));

/* A store of 1 to linear address `to`, which faults; then the check of vector 14 with error
 * code err, EIP at the store, and CR2 = to. */
static void pf_case(const char *name, uint32_t to, uint32_t err)
{
    uint32_t at, cr2;
    __asm__ volatile("movl $2f, %0\n\tmovl $1f, %1\n1:\tmovl $1, (%2)\n2:"
                     : "=m"(recover), "=&r"(at) : "r"(to) : "memory");
    __asm__ volatile("mov %%cr2, %0" : "=r"(cr2));
    expect(name, 14, err, at);
    check("  CR2: the address", cr2 == to);
}

static void page_faults(void)
{
    for (uint32_t i = 0; i < 16; i++)
        pf_pd[i] = i << 22 | 0x83;              /* 4 MiB page, writable, present */
    pf_pd[1] = 0;
    pf_pd[2] = 2u << 22 | 0x81;                 /* read-only */
    uint32_t cr4, cr0;
    __asm__ volatile("mov %%cr4, %0; mov %%cr0, %1" : "=r"(cr4), "=r"(cr0));
    __asm__ volatile("mov %0, %%cr4; mov %1, %%cr3; mov %2, %%cr0"
                     :: "r"(cr4 | 0x10), "r"(pf_pd), "r"(cr0 | 0x80010000u) : "memory");
    pf_case("store to a page not present: #PF(0x2), EIP at it", 0x400010, 2);
    pf_case("store to a read-only page (CR0.WP): #PF(0x3), EIP at it", 0x800020, 3);
    __asm__ volatile("mov %0, %%cr0; mov %1, %%cr4" :: "r"(cr0), "r"(cr4) : "memory");
}

void kmain32(uint32_t magic, const MultibootInfo *mbi);
void kmain32(uint32_t magic, const MultibootInfo *mbi)
{
    (void)mbi;
    serial_init();
    puts("32-bit traps test\n");
    check("multiboot magic", magic == MB_BOOT_MAGIC);
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } p = {
        sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };
    __asm__ volatile("lgdt %0; ljmp $0x08, $1f; 1: mov $0x10, %%eax; mov %%eax, %%ds;"
                     "mov %%eax, %%es; mov %%eax, %%ss" :: "m"(p) : "eax", "memory");
    idt_init();
    pic_init();             /* masks the BIOS's timer (on vector 8) before any sti */
    for (unsigned v = 0; v < 32; v++)
        isr_register(v, on_fault);
    idt_set_trap(0x2e);
    isr_register(0x2e, on_soft);
    isr_register(0x2f, on_soft);

    uint32_t at;
    recover = 0;
    __asm__ volatile("movl $1f, %0\n\tint3\n1:" : "=r"(at) :: "memory");
    expect("int3: #BP, EIP after it", 3, 0, at);

    __asm__ volatile("movl $2f, %0\n\tmovl $1f, %1\n1:\tud2\n2:" : "=m"(recover), "=r"(at) :: "memory");
    expect("ud2: #UD, EIP at it", 6, 0, at);

    __asm__ volatile("movl $2f, %0\n\tmovl $1f, %1\n\txor %%ecx, %%ecx\n\tmov $7, %%eax\n\t"
                     "xor %%edx, %%edx\n1:\tdiv %%ecx\n2:"
                     : "=m"(recover), "=r"(at) :: "eax", "ecx", "edx", "memory");
    expect("div by zero: #DE", 0, 0, at);

    __asm__ volatile("movl $2f, %0\n\tmovl $1f, %1\n\tmov $0x1230, %%eax\n1:\tmov %%eax, %%ds\n2:"
                     : "=m"(recover), "=r"(at) :: "eax", "memory");
    expect("selector beyond the GDT: #GP(0x1230)", 13, 0x1230, at);

    __asm__ volatile("movl $2f, %0\n\tmovl $1f, %1\n\tmov $0x18, %%eax\n1:\tmov %%eax, %%es\n2:"
                     : "=m"(recover), "=r"(at) :: "eax", "memory");
    expect("segment not present: #NP(0x18)", 11, 0x18, at);
    uint16_t es;
    __asm__ volatile("mov %%es, %0" : "=r"(es));
    check("ES unchanged by the fault", es == 0x10);
    page_faults();

    /* lss and lfs: far pointers m16:32 into a segment register and a general one. */
    struct __attribute__((packed)) { uint32_t off; uint16_t sel; } fp = { 0, 0x10 };
    uint32_t esp_now, got_esp, got_fs_reg;
    uint16_t fs;
    __asm__ volatile("mov %%esp, %0\n\t"
                     "mov %0, %3\n\t"
                     "lss %3, %%esp\n\t"
                     "mov %%esp, %1\n\t"
                     "lfs %3, %2\n\t"
                     "mov %%fs, %%ax\n\t"
                     "mov %%ax, %4"
                     : "=&r"(esp_now), "=&r"(got_esp), "=&r"(got_fs_reg), "+m"(fp), "=m"(fs)
                     :: "eax", "memory");
    check("lss and lfs", got_esp == esp_now && got_fs_reg == esp_now && fs == 0x10);

    recover = 0;
    __asm__ volatile("movl $1f, %0\n\tmov $0x7fffffff, %%eax\n\tadd $1, %%eax\n\tinto\n1:"
                     : "=r"(at) :: "eax", "memory", "cc");
    expect("into with OF: #OF, EIP after it", 4, 0, at);

    /* Every PIC input is still masked: sti lets nothing in. */
    __asm__ volatile("sti; int $0x2e; cli" ::: "memory");
    check("int 0x2e, trap gate: IF stays set", seen_vector == 0x2e && handler_if &&
          (seen_eflags & 0x200));
    __asm__ volatile("sti; int $0x2f; cli" ::: "memory");
    check("int 0x2f, interrupt gate: IF cleared", seen_vector == 0x2f && !handler_if &&
          (seen_eflags & 0x200));

    /* Timer interrupts. */
    isr_register(0x20, timer);
    outb(0x43, 0x34);
    outb(0x40, 11932 & 0xff);
    outb(0x40, 11932 >> 8);
    pic_unmask(0);
    while (ticks < 5)
        sti_hlt();
    cli();
    puts("timer interrupts: ");
    put_dec(ticks);
    putc('\n');
    check("five timer interrupts", ticks == 5);
    finish();
}
