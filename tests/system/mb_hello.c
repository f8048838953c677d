/* mb_hello.c — a 32-bit Multiboot kernel (ELF32): reports the boot information (mb_report),
 * checks the entry state the specification promises, then runs 32-bit code that exercises
 * what differs from 64-bit mode: its own GDT loaded with lgdt and a far jump, segment
 * register loads, far call and return, pusha/popa, one-byte inc/dec, 16-bit operands and
 * 16-bit addressing (0x66/0x67), 64-bit arithmetic done in 32-bit registers, string
 * instructions, a jump table, 32-bit and PAE paging with maps that are not the identity
 * (linear 4 MiB to physical 8 MiB, and 10 MiB through PAE's 4 KiB pages); with
 * "test=code16" and "test=ldt" what ferry refuses. Exit status 33 when every check passes. */
#include "mb.h"

extern char _end[];

static const uint64_t gdt[] = {
    0, 0x00cf9a000000ffffull /* 0x08 code32 */, 0x00cf92000000ffffull /* 0x10 data32 */,
    0, 0x00cf9a000000ffffull /* 0x20 code32 */, 0x00cf92000000ffffull /* 0x28 data32 */,
};

static void load_gdt(void)
{
    struct __attribute__((packed)) { uint16_t limit; uint32_t base; } p = {
        sizeof gdt - 1, (uint32_t)(uintptr_t)gdt };
    __asm__ volatile("lgdt %0\n\t"
                     "ljmp $0x20, $1f\n"
                     "1:\n\t"
                     "mov $0x28, %%eax\n\t"
                     "mov %%eax, %%ds\n\t"
                     "mov %%eax, %%es\n\t"
                     "mov %%eax, %%ss\n\t"
                     "mov %%eax, %%fs\n\t"
                     "mov %%eax, %%gs"
                     :: "m"(p) : "eax", "memory");
}

static uint32_t segs(void)
{
    uint16_t cs, ds, ss, es;
    __asm__ volatile("mov %%cs, %0; mov %%ds, %1; mov %%ss, %2; mov %%es, %3"
                     : "=r"(cs), "=r"(ds), "=r"(ss), "=r"(es));
    return (uint32_t)cs << 24 | (uint32_t)ds << 16 | (uint32_t)ss << 8 | es;
}

/* A far call through memory to a routine that returns with lret. */
uint32_t far_add(void);
__asm__(".text\n"
        "far_add:\n\t"
        "lea 1(%eax,%edx), %eax\n\t"
        "lret\n");

static uint32_t far_call(uint32_t a, uint32_t b)
{
    struct __attribute__((packed)) { uint32_t off; uint16_t sel; } ptr = {
        (uint32_t)(uintptr_t)far_add, 0x20 };
    uint32_t r;
    __asm__ volatile("lcall *%3" : "=a"(r) : "a"(a), "d"(b), "m"(ptr) : "memory");
    return r;
}

static bool pusha_popa(void)
{
    uint32_t out[8];
    __asm__ volatile("mov $1, %%eax; mov $2, %%ecx; mov $3, %%edx; mov $4, %%ebx\n\t"
                     "push %%ebp; mov $6, %%ebp; mov $7, %%esi; push %%edi; mov $8, %%edi\n\t"
                     "pusha\n\t"
                     "xor %%eax, %%eax; xor %%ecx, %%ecx; xor %%edx, %%edx; xor %%ebx, %%ebx\n\t"
                     "xor %%esi, %%esi; xor %%ebp, %%ebp\n\t"
                     "popa\n\t"
                     "mov (%%esp), %%edi\n\t"      /* the saved EDI: a pointer to out */
                     "mov %%eax, 0(%%edi); mov %%ecx, 4(%%edi); mov %%edx, 8(%%edi)\n\t"
                     "mov %%ebx, 12(%%edi); mov %%ebp, 16(%%edi); mov %%esi, 20(%%edi)\n\t"
                     "pop %%edi; pop %%ebp"
                     :: "D"(out) : "eax", "ecx", "edx", "ebx", "esi", "memory");
    return out[0] == 1 && out[1] == 2 && out[2] == 3 && out[3] == 4 && out[4] == 6 &&
           out[5] == 7;
}

static uint32_t inc_dec(uint32_t v)
{
    __asm__ volatile(".byte 0x40\n\t"      /* inc %eax */
                     ".byte 0x40\n\t"
                     ".byte 0x48\n\t"      /* dec %eax */
                     ".byte 0x66, 0x40\n\t"/* inc %ax */
                     ".byte 0x43\n\t"      /* inc %ebx */
                     : "+a"(v) :: "ebx", "cc");
    return v;
}

static uint16_t addr16(void)
{
    volatile uint8_t *low = (volatile uint8_t *)0x9000;
    for (unsigned i = 0; i < 16; i++)
        low[i] = (uint8_t)(0xa0 + i);
    uint16_t r;
    __asm__ volatile("mov $0x9000, %%ebx\n\t"
                     "mov $5, %%esi\n\t"
                     "movzbw (%%bx,%%si), %%ax\n\t"   /* 67: 16-bit [bx+si] */
                     "addb 2(%%bx), %%al\n\t"         /* 67: [bx+disp8] */
                     "addw $0x100, %%ax"              /* 66 */
                     : "=a"(r) :: "ebx", "esi", "memory", "cc");
    return r;
}

static uint64_t arith64(uint64_t x)
{
    uint64_t acc = 0x9e3779b97f4a7c15ull;
    for (unsigned i = 0; i < 100; i++) {
        acc ^= x + i;
        acc = (acc << 13 | acc >> 51) * 0xff51afd7ed558ccdull;
        acc += (acc >> 17) - (x << 3);
    }
    return acc;
}

static unsigned jump_table(unsigned k)
{
    switch (k) {
    case 0: return 11;
    case 1: return 23;
    case 2: return 37;
    case 3: return 41;
    case 4: return 59;
    case 5: return 61;
    case 6: return 73;
    default: return 0;
    }
}

/* Paging on (CR4 = cr4, CR3 = cr3), a read of linear 0x400100 and a write of 0xc0ffee to
 * linear 0x400104 through the map, paging off again and CR4 as it was. The map is the
 * identity but for linear 4 MiB, which maps elsewhere; so before paging the kernel puts
 * marks at both physical places. True if CR0.PG read back as set, the read saw the mark at
 * physical `alias` and the write went there, not to physical 4 MiB. */
#define LIN4 ((volatile uint32_t *)0x400100)

static bool paging_alias(uint32_t cr4, const void *cr3, uint32_t alias)
{
    volatile uint32_t *phys = (volatile uint32_t *)(uintptr_t)(alias + 0x100);
    LIN4[0] = 0x0badf00d;
    LIN4[1] = 0;
    phys[0] = 0x5eed1234;
    phys[1] = 0;
    uint32_t old_cr4, cr0, seen;
    __asm__ volatile("mov %%cr4, %0" : "=r"(old_cr4));
    __asm__ volatile("mov %3, %%cr4\n\t"
                     "mov %4, %%cr3\n\t"
                     "mov %%cr0, %%eax\n\t"
                     "or $0x80000000, %%eax\n\t"
                     "mov %%eax, %%cr0\n\t"
                     "mov %%cr0, %0\n\t"
                     "mov 0x400100, %1\n\t"
                     "movl $0xc0ffee, 0x400104\n\t"
                     "mov %%cr0, %%eax\n\t"
                     "and $0x7fffffff, %%eax\n\t"
                     "mov %%eax, %%cr0\n\t"
                     "mov %2, %%cr4"
                     : "=&r"(cr0), "=&r"(seen)
                     : "r"(old_cr4), "r"(cr4), "r"(cr3) : "eax", "memory");
    return (cr0 & 0x80000000u) && seen == 0x5eed1234 && phys[1] == 0xc0ffee &&
           LIN4[0] == 0x0badf00d && LIN4[1] == 0;
}

/* 32-bit paging with 4 MiB pages (CR4.PSE) over the first 64 MiB, the second 4 MiB mapped
 * to the third. */
static uint32_t pd[1024] __attribute__((aligned(4096)));

static bool paging32(void)
{
    for (uint32_t i = 0; i < 16; i++)
        pd[i] = i << 22 | 0x83;             /* 4 MiB page, writable, present */
    pd[1] = 2u << 22 | 0x83;
    uint32_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    return paging_alias(cr4 | 0x10, pd, 8u << 20);
}

/* PAE paging (CR4.PAE, 32-bit code): a PDPT whose first entry points at a directory of
 * 2 MiB pages over the first GiB, but for linear 4-6 MiB, which a table of 4 KiB pages maps
 * to physical 10 MiB on. */
static uint64_t pae_pd[512] __attribute__((aligned(4096)));
static uint64_t pae_pt[512] __attribute__((aligned(4096)));
static uint64_t pae_pdpt[4] __attribute__((aligned(32)));

static bool paging_pae(void)
{
    for (uint64_t i = 0; i < 512; i++) {
        pae_pd[i] = i << 21 | 0x83;         /* 2 MiB page, writable, present */
        pae_pt[i] = ((10ull << 20) + (i << 12)) | 0x3;
    }
    pae_pd[2] = (uint32_t)(uintptr_t)pae_pt | 0x3;
    pae_pdpt[0] = (uint32_t)(uintptr_t)pae_pd | 1;
    uint32_t cr4;
    __asm__ volatile("mov %%cr4, %0" : "=r"(cr4));
    return paging_alias(cr4 | 0x20, pae_pdpt, 10u << 20);
}

/* What ferry refuses, each stopping the machine: a far jump to a 16-bit code segment, and a
 * selector into an LDT (test=code16, test=ldt). */
static const uint64_t gdt16[] = { 0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull,
                                  0x00009a000000ffffull /* 0x18: 16-bit code */ };

static void refused(const char *what)
{
    if (what[0] == 'c') {
        struct __attribute__((packed)) { uint16_t limit; uint32_t base; } p = {
            sizeof gdt16 - 1, (uint32_t)(uintptr_t)gdt16 };
        __asm__ volatile("lgdt %0; ljmp $0x18, $1f; 1:" :: "m"(p) : "memory");
    } else {
        __asm__ volatile("mov $0x0c, %%eax; mov %%eax, %%ds" ::: "eax", "memory");
    }
    puts("not refused\n");
}

static bool arg_is(const MultibootInfo *mbi, const char *word)
{
    for (const char *s = (const char *)(uintptr_t)mbi->cmdline; *s; s++) {
        unsigned n = 0;
        while (word[n] && s[n] == word[n])
            n++;
        if (!word[n])
            return true;
    }
    return false;
}

void kmain32(uint32_t magic, const MultibootInfo *mbi);
void kmain32(uint32_t magic, const MultibootInfo *mbi)
{
    serial_init();
    puts("Hello from a 32-bit Multiboot kernel\n");
    mb_report(magic, mbi, (uint32_t)(uintptr_t)_end);
    uint32_t cr0, flags;
    __asm__ volatile("mov %%cr0, %0; pushf; pop %1" : "=r"(cr0), "=r"(flags));
    check("protected mode, paging off", (cr0 & 0x80000001u) == 1);
    check("interrupts off at entry", !(flags & 0x200));

    load_gdt();
    check("own GDT: CS 0x20, DS SS ES 0x28", segs() == 0x20282828u);
    uint16_t ds;
    __asm__ volatile("push %%ds; mov $0x10, %%eax; mov %%eax, %%ds; mov %%ds, %0; pop %%ds"
                     : "=r"(ds) :: "eax", "memory");
    check("push/pop ds around a load", ds == 0x10 && (segs() & 0xff0000) == 0x280000);
    check("far call and lret", far_call(40, 1) == 42);
    check("pusha/popa", pusha_popa());
    check("one-byte inc/dec", inc_dec(0x1ffff) == 0x20001);
    check("16-bit addressing and operands", addr16() == 0x100 + ((0xa5 + 0xa2) & 0xff));
    uint64_t h = arith64(12345);
    puts("64-bit arithmetic in 32-bit code: ");
    put_hex(h);
    putc('\n');
    char src[40], dst[40];
    for (unsigned i = 0; i < sizeof src; i++)
        src[i] = (char)('a' + i % 26);
    char *d = dst;
    const char *sp = src;
    unsigned n = sizeof src;
    __asm__ volatile("cld; rep movsb" : "+D"(d), "+S"(sp), "+c"(n) :: "memory");
    bool same = true;
    for (unsigned i = 0; i < sizeof src; i++)
        same &= dst[i] == (char)('a' + i % 26);
    check("rep movsb", same);
    unsigned sum = 0;
    for (unsigned k = 0; k < 9; k++)
        sum += jump_table(k);
    check("jump table", sum == 11 + 23 + 37 + 41 + 59 + 61 + 73);
    check("32-bit paging (4 MiB pages): linear 4 MiB -> physical 8 MiB", paging32());
    check("PAE paging (2 MiB and 4 KiB pages): linear 4 MiB -> physical 10 MiB", paging_pae());
    if (arg_is(mbi, "test=code16"))
        refused("code16");
    if (arg_is(mbi, "test=ldt"))
        refused("ldt");
    finish();
}
