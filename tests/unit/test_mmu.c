/* test_mmu.c — the soft MMU's walkers (runtime/machine_mmu.c, rt_mmu_translate) on page
 * tables built in a small RAM: 4-level paging with 4 KiB, 2 MiB and 1 GiB pages, PAE and
 * 32-bit paging (with 2 MiB / 4 MiB pages), no paging; the rights (U/S, R/W with and without
 * CR0.WP, NX), accessed and dirty bits, the #PF error codes (P, W, U, RSVD, I/D) and
 * non-canonical addresses; rt_machine_linear_to_phys on the same walk. The test kernels in
 * tests/system cover the TLB and the rest. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/machine.h"

#define RAM (4u << 20)
#define P 1ull
#define W 2ull
#define U 4ull
#define A 0x20ull
#define D 0x40ull
#define PS 0x80ull
#define XD (1ull << 63)

static RtMachine m;
static uint8_t *ram;

static void put64(uint64_t pa, uint64_t v) { memcpy(ram + pa, &v, 8); }
static void put32(uint64_t pa, uint32_t v) { memcpy(ram + pa, &v, 4); }
static uint64_t get64(uint64_t pa) { uint64_t v; memcpy(&v, ram + pa, 8); return v; }
static uint32_t get32(uint64_t pa) { uint32_t v; memcpy(&v, ram + pa, 4); return v; }

static X86State *cpu(void) { return &m.cpu->state; }

static void reset(void)
{
    memset(ram, 0, RAM);
    memset(cpu(), 0, sizeof *cpu());
}

/* Translate and expect success at phys. */
static void ok(uint64_t la, unsigned acc, uint64_t phys)
{
    uint64_t pa = 0;
    uint32_t err = 0xdead;
    int r = rt_mmu_translate(&m, la, acc, &pa, &err);
    if (r != RT_MMU_OK || pa != phys)
        fail_msg("0x%llx acc %u: result %d pa 0x%llx err 0x%x, expected pa 0x%llx",
                 (unsigned long long)la, acc, r, (unsigned long long)pa, err,
                 (unsigned long long)phys);
}

/* Translate and expect a #PF with error code want. */
static void pf(uint64_t la, unsigned acc, uint32_t want)
{
    uint64_t pa = 0;
    uint32_t err = 0xdead;
    int r = rt_mmu_translate(&m, la, acc, &pa, &err);
    if (r != RT_MMU_PF || err != want)
        fail_msg("0x%llx acc %u: result %d err 0x%x, expected #PF 0x%x",
                 (unsigned long long)la, acc, r, err, want);
}

enum { RD = RT_ACC_READ, WR = RT_ACC_WRITE, US = RT_ACC_USER, EX = RT_ACC_EXEC };

/* ---------------------------------------------------------------- 4-level */

static void four_level(bool nxe)
{
    reset();
    X86State *s = cpu();
    s->cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP;
    s->cr4 = X86_CR4_PAE;
    s->efer = X86_EFER_LME | X86_EFER_LMA | (nxe ? X86_EFER_NXE : 0);
    s->cr3 = 0x1000;
    put64(0x1000 + 0 * 8, 0x2000 | P | W | U);          /* PML4[0] -> PDPT */
    put64(0x1000 + 511 * 8, 0x2000 | P | W);            /* PML4[511]: kernel half, supervisor */
    put64(0x2000 + 1 * 8, 0x3000 | P | W | U);          /* PDPT[1] -> PD (1 GiB) */
    put64(0x2000 + 3 * 8, 0x0 | P | W | PS);            /* PDPT[3]: a 1 GiB page at 0 */
    put64(0x3000 + 0 * 8, 0x4000 | P | W | U);          /* PD[0] -> PT */
    put64(0x3000 + 1 * 8, 0x200000 | P | W | U | PS);   /* PD[1]: a 2 MiB page */
    put64(0x4000 + 1 * 8, 0x100000 | P | W | U);        /* 0x40001000 user, writable */
    put64(0x4000 + 2 * 8, 0x101000 | P | U);            /* 0x40002000 user, read-only */
    put64(0x4000 + 3 * 8, 0x102000 | P | W | (nxe ? XD : 0));   /* supervisor, no exec */
}

static void test_four_level(void **state)
{
    (void)state;
    four_level(true);
    ok(0x40001234, RD, 0x100234);
    /* accessed on the whole path, dirty only on a write's leaf */
    assert_true((get64(0x1000) & A) && (get64(0x2008) & A) && (get64(0x3000) & A));
    assert_true((get64(0x4008) & A) && !(get64(0x4008) & D));
    ok(0x40001234, WR | US, 0x100234);
    assert_true(get64(0x4008) & D);
    ok(0x40212345, RD | US, 0x212345);                  /* 2 MiB page */
    ok(0xc0345678, WR, 0x345678);                       /* 1 GiB page */
    ok(0xffffff8040001000, RD, 0x100000);               /* via PML4[511]... */
    pf(0xffffff8040001000, RD | US, 5);                 /* ...which is supervisor */
    /* rights */
    pf(0x40002000, WR | US, 7);                         /* user write, read-only */
    pf(0x40002000, WR, 3);                              /* supervisor, CR0.WP */
    cpu()->cr0 &= ~(uint64_t)X86_CR0_WP;
    ok(0x40002000, WR, 0x101000);                       /* without WP it may */
    pf(0x40002000, WR | US, 7);                         /* user mode still not */
    cpu()->cr0 |= X86_CR0_WP;
    pf(0x40003000, RD | US, 5);                         /* supervisor page */
    ok(0x40003000, RD, 0x102000);
    pf(0x40003000, EX, 0x11);                           /* XD: P, I/D */
    ok(0x40001000, EX | US, 0x100000);
    /* not present */
    pf(0x40005000, RD, 0);
    pf(0x40005000, WR | US, 6);
    pf(0x40005000, EX | US, 0x14);
    pf(0x7f0000000000, RD, 0);                          /* PML4 entry absent */
    /* non-canonical */
    uint64_t pa;
    uint32_t err;
    assert_int_equal(rt_mmu_translate(&m, 0x0000800000000000ull, RD, &pa, &err), RT_MMU_GP);
}

static void test_reserved_bits(void **state)
{
    (void)state;
    four_level(false);
    put64(0x4000 + 3 * 8, 0x102000 | P | W | XD);       /* XD without EFER.NXE: reserved */
    pf(0x40003000, RD, 9);                              /* P, RSVD */
    pf(0x40005000, EX, 0);                              /* no I/D bit without NXE */
    put64(0x1000 + 5 * 8, 0x2000 | P | PS);             /* PS in a PML4 entry: reserved */
    pf(0x28000000000ull, RD, 9);
}

/* ---------------------------------------------------------------- PAE and 32-bit */

static void test_pae(void **state)
{
    (void)state;
    reset();
    X86State *s = cpu();
    s->cr0 = X86_CR0_PG | X86_CR0_PE | X86_CR0_WP;
    s->cr4 = X86_CR4_PAE;
    s->efer = X86_EFER_NXE;
    s->cr3 = 0x5020;                                    /* 32-byte aligned PDPT */
    put64(0x5020, 0x6000 | P);                          /* PDPTE 0 */
    put64(0x6000 + 2 * 8, 0x7000 | P | W | U);          /* PD[2] -> PT (0x400000) */
    put64(0x6000 + 3 * 8, 0x200000 | P | U | PS);       /* PD[3]: 2 MiB page at 0x600000 */
    put64(0x7000 + 1 * 8, 0x102000 | P | W | U | XD);
    ok(0x00401010, WR | US, 0x102010);
    assert_true(get64(0x7008) & D);
    pf(0x00401010, EX | US, 0x15);
    ok(0x00654321, RD | US, 0x254321);
    pf(0x00654321, WR | US, 7);
    pf(0x40000000, RD, 0);                              /* PDPTE 1 absent */
    put64(0x5028, 0x6000 | P | W);                      /* R/W in a PDPTE: reserved */
    pf(0x40000000, RD, 9);
    /* the upper half of a linear address is ignored outside long mode */
    ok(0xffffffff00401010ull, RD, 0x102010);
}

static void test_32bit(void **state)
{
    (void)state;
    reset();
    X86State *s = cpu();
    s->cr0 = X86_CR0_PG | X86_CR0_PE;                   /* no WP */
    s->cr4 = X86_CR4_PSE;
    s->cr3 = 0x8000;
    put32(0x8000 + 1 * 4, 0x9000 | P | W | U);          /* PDE 1 -> PT (0x400000) */
    put32(0x8000 + 2 * 4, 0x000000 | P | U | PS);       /* PDE 2: 4 MiB page at 0 */
    put32(0x9000 + 1 * 4, 0x103000 | P | U);            /* read-only user page */
    ok(0x00401abc, RD | US, 0x103abc);
    assert_true((get32(0x8004) & A) && (get32(0x9004) & A));
    ok(0x00401abc, WR, 0x103abc);                       /* supervisor, WP clear */
    assert_true(get32(0x9004) & D);
    pf(0x00401abc, WR | US, 7);
    ok(0x00812345, RD | US, 0x012345);                  /* 4 MiB page */
    ok(0x00401abc, EX | US, 0x103abc);                  /* no NX in 32-bit paging */
    /* The runtime's own translation (machine_mode.c) is the same walk, without a fault. */
    uint64_t pa = 0;
    assert_true(rt_machine_linear_to_phys(&m, 0x00401abc, &pa) && pa == 0x103abc);
    assert_false(rt_machine_linear_to_phys(&m, 0x00c00000, &pa));
    s->cr4 = 0;                                         /* without PSE, PS is ignored */
    put32(0x0000 + 0 * 4, 0);                           /* so PDE 2 points at a PT at 0 */
    pf(0x00800000, RD, 0);
    pf(0x00c00000, RD, 0);                              /* PDE 3 absent */
}

static void test_no_paging(void **state)
{
    (void)state;
    reset();
    cpu()->cr0 = X86_CR0_PE;
    ok(0x12345678, WR | US, 0x12345678);
    ok(0x1ffffffffull, RD, 0xffffffff);                 /* 32 bits */
}

int main(void)
{
    ram = aligned_alloc(4096, RAM);
    m.ram = ram;
    m.ram_size = RAM;
    m.cpu = calloc(1, sizeof *m.cpu);
    if (!ram || !m.cpu)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_four_level),
        cmocka_unit_test(test_reserved_bits),
        cmocka_unit_test(test_pae),
        cmocka_unit_test(test_32bit),
        cmocka_unit_test(test_no_paging),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
