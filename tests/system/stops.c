/* stops.c — how a machine ends or stops, picked by the command line (test=NAME):
 *   hlt      cli; hlt: nothing can wake the CPU (ferry ends the machine, status 0)
 *   wild     stores and loads where no device is: 1 MiB past the end of RAM, and at 3 GiB
 *            (mapped by ferry's identity map, past RAM; also rep stos/movs): the stores are
 *            ignored, the loads read all ones, as on a PC (status 33)
 *   ssemmio  an SSE load from the local APIC's page: 16 bytes through the MMU's slow path,
 *            the version register and the zeros after it (status 33)
 *   apicmove IA32_APIC_BASE moves the xAPIC page to 0xfed00000: the registers answer there
 *            (a TPR written there is CR8), the old page reads all ones; moved back, the
 *            APIC answers at 0xfee00000 again (status 33)
 *   physbits a store through a page-table entry whose frame lies beyond the 48-bit
 *            physical address space (stopped, status 2)
 *   far      a store beyond ferry's identity map (1 TiB): #PF with no IDT, a triple fault
 *   noncanon a load from a non-canonical address: #GP with no IDT, a triple fault
 *   cr3      CR3 loaded with page tables of zeros: the next fetch is a #PF with no IDT, a
 *            triple fault
 *   compat3  iretq to a 32-bit code segment at privilege level 3: compatibility-mode user
 *            code is not supported yet (stopped, status 2)
 *   triple   an interrupt with no IDT: a triple fault (with -no-reboot: status 0)
 *   reset    the i8042 reset command (with -no-reboot: status 0)
 *   reboot   the i8042 reset without -no-reboot: the machine boots again; the second boot
 *            finds a mark in CMOS RAM and exits through isa-debug-exit (status 33)
 */
#include "lib.h"

#define APIC_VERSION_REG 0xfee00030ull
#define APIC_MOVED 0xfed00000ull
#define FRAME 0x000ffffffffff000ull

static uint64_t rdmsr(uint32_t msr)
{
    uint32_t lo, hi;
    __asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
    return (uint64_t)hi << 32 | lo;
}

static void wrmsr(uint32_t msr, uint64_t v)
{
    __asm__ volatile("wrmsr" :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32)) : "memory");
}

static uint32_t rd32(uint64_t a) { return *(volatile uint32_t *)(uintptr_t)a; }
static void wr32(uint64_t a, uint32_t v) { *(volatile uint32_t *)(uintptr_t)a = v; }

/* The xAPIC page moved and back (test=apicmove): how many checks failed. */
static unsigned apic_move(void)
{
    unsigned bad = 0;
    uint64_t base = rdmsr(0x1b);                    /* IA32_APIC_BASE */
    uint32_t version = rd32(APIC_VERSION_REG);
    wrmsr(0x1b, (base & 0xfff) | APIC_MOVED);
    bad += rd32(APIC_MOVED + 0x30) != version;
    bad += rd32(APIC_VERSION_REG) != 0xffffffffu;   /* nothing there now */
    wr32(APIC_MOVED + 0x80, 0x20);                  /* TPR */
    uint64_t cr8;
    __asm__ volatile("mov %%cr8, %0" : "=r"(cr8));
    bad += rd32(APIC_MOVED + 0x80) != 0x20 || cr8 != 2;
    wr32(APIC_MOVED + 0x80, 0);
    wrmsr(0x1b, base);
    bad += rd32(APIC_VERSION_REG) != version || rd32(APIC_MOVED + 0x30) != 0xffffffffu;
    bad += (version & 0xff) == 0;
    return bad;
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    serial_init();
    const char *t = boot_test_arg(info);
    puts("stops test: ");
    puts(t);
    putc('\n');
    if (streq(t, "hlt")) {
        __asm__ volatile("cli; hlt");
    } else if (streq(t, "wild")) {
        volatile uint64_t *p = (volatile uint64_t *)(uintptr_t)(info->mem_size + 0x100000);
        *p = 1;
        volatile uint32_t *q = (volatile uint32_t *)(uintptr_t)(info->mem_size + 0x100010);
        volatile uint8_t *r = (volatile uint8_t *)(uintptr_t)(info->mem_size + 0x100021);
        volatile uint64_t *g = (volatile uint64_t *)(uintptr_t)0xc0000000ull;
        *g = 0;
        /* rep stos into it, rep movs out of it (one element per pass through the MMU) */
        uint8_t buf[24];
        uint64_t dst = 0xc0000100ull, n = sizeof buf;
        __asm__ volatile("rep stosb" : "+D"(dst), "+c"(n) : "a"(0) : "memory");
        uint64_t src = 0xc0000100ull, to = (uint64_t)(uintptr_t)buf;
        n = sizeof buf;
        __asm__ volatile("rep movsb" : "+S"(src), "+D"(to), "+c"(n) :: "memory");
        unsigned ones = 0;
        for (unsigned i = 0; i < sizeof buf; i++)
            ones += buf[i] == 0xff;
        if (*p == ~0ull && *q == 0xffffffffu && *r == 0xff && *g == ~0ull && ones == sizeof buf) {
            puts("unassigned memory reads all ones\n");
            machine_exit(0x10);
        }
        puts("unassigned memory read something else\n");
    } else if (streq(t, "ssemmio")) {
        uint64_t lo, hi;            /* xmm0: no clobber (-mgeneral-regs-only), nothing uses it */
        __asm__ volatile("movdqu (%2), %%xmm0; movq %%xmm0, %0; psrldq $8, %%xmm0; "
                         "movq %%xmm0, %1" : "=r"(lo), "=r"(hi) : "r"(APIC_VERSION_REG));
        uint64_t version = *(volatile uint32_t *)(uintptr_t)APIC_VERSION_REG;
        if (lo == version && hi == 0 && (version & 0xff) != 0) {
            puts("the APIC version register through movdqu\n");
            machine_exit(0x10);
        }
        puts("movdqu from the APIC read something else\n");
    } else if (streq(t, "apicmove")) {
        if (apic_move() == 0) {
            puts("the APIC answers where IA32_APIC_BASE puts it\n");
            machine_exit(0x10);
        }
        puts("the moved APIC did not answer as expected\n");
    } else if (streq(t, "physbits")) {
        /* ferry's identity map: one PD per GiB; the 2 MiB page at 3 GiB now points at 2^50. */
        uint64_t cr3;
        __asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
        uint64_t *pml4 = (uint64_t *)(uintptr_t)(cr3 & FRAME);
        uint64_t *pdpt = (uint64_t *)(uintptr_t)(pml4[0] & FRAME);
        uint64_t *pd = (uint64_t *)(uintptr_t)(pdpt[3] & FRAME);
        pd[0] = (1ull << 50) | 0x83;                    /* P, W, PS */
        __asm__ volatile("invlpg (%0)" :: "r"(0xc0000000ull) : "memory");
        *(volatile uint64_t *)(uintptr_t)0xc0000000ull = 1;
    } else if (streq(t, "far")) {
        *(volatile uint64_t *)(uintptr_t)0x10000000000ull = 1;      /* 1 TiB */
    } else if (streq(t, "noncanon")) {
        (void)*(volatile uint64_t *)(uintptr_t)0xdead000000000000ull;
    } else if (streq(t, "cr3")) {
        __asm__ volatile("mov %0, %%cr3" :: "r"(0x200000ull));
    } else if (streq(t, "compat3")) {
        static const uint64_t gdt[] = {
            0, 0x00af9a000000ffffull /* 0x08 code64 */, 0x00cf92000000ffffull /* 0x10 data */,
            0x00cffa000000ffffull /* 0x18 code32, DPL 3 */,
            0x00cff2000000ffffull /* 0x20 data, DPL 3 */ };
        struct __attribute__((packed)) { uint16_t limit; uint64_t base; } p = {
            sizeof gdt - 1, (uint64_t)(uintptr_t)gdt };
        __asm__ volatile("lgdt %0\n\t"
                         "pushq $0x23\n\t"            /* SS */
                         "pushq $0x80000\n\t"         /* RSP */
                         "pushq $2\n\t"               /* RFLAGS */
                         "pushq $0x1b\n\t"            /* CS */
                         "pushq $0x100000\n\t"        /* RIP */
                         "iretq" :: "m"(p) : "memory");
    } else if (streq(t, "triple")) {
        __asm__ volatile("int $0x40");
    } else if (streq(t, "reset")) {
        outb(0x64, 0xfe);
    } else if (streq(t, "reboot")) {
        outb(0x70, 0x60);
        if (inb(0x71) == 0xb0) {
            puts("second boot\n");
            machine_exit(0x10);
        }
        outb(0x70, 0x60);
        outb(0x71, 0xb0);                   /* CMOS RAM survives the reset */
        puts("first boot: reset\n");
        outb(0x64, 0xfe);
    }
    puts("still running\n");
    machine_exit(0x20);
}
