/* paging.c — the MMU at privilege level 0, on page tables of the kernel's own: a
 * non-identity mapping and an alias, accessed and dirty bits, a #PF handler that maps pages
 * on demand and returns (the access restarts), write protection with and without CR0.WP, NX
 * (EFER.NXE) on a fetch, invlpg and CR3 reloads making new mappings visible, a 2 MiB page, an
 * access and a rep movsb that cross into a page that is not physically contiguous, a
 * non-canonical address (#GP), self-modifying code (through the same and another linear
 * address, and a store into the next instruction), x87/FXSAVE images on pages not present
 * (#PF, restart), and a double fault when delivery fails.
 * Exit status 33 when every check passes. */
#include "lib.h"
#include "pt.h"

static uint8_t data_a[4096] __attribute__((aligned(4096)));
static uint8_t data_b[4096] __attribute__((aligned(4096)));
static uint8_t pool[6][4096] __attribute__((aligned(4096)));   /* pages the #PF handler maps */
static uint8_t code_page[4096] __attribute__((aligned(4096)));

#define VA_MAP   0x40000000ull      /* -> data_a */
#define VA_ALIAS 0x40001000ull      /* -> data_a too */
#define VA_RO    0x40002000ull      /* -> data_b, read-only */
#define VA_NX    0x40003000ull      /* -> code_page, execute-disable */
#define VA_SPLIT 0x40004000ull      /* -> data_b, and VA_SPLIT + 4 KiB -> data_a */
#define VA_CODE  0x40006000ull      /* -> code_page: writes to code through another address */
#define VA_LAZY  0x50000000ull      /* not present: the #PF handler maps pool pages there */
#define VA_2M    0x80000000ull      /* a 2 MiB page -> physical 0 */

static uint64_t pa(const void *p) { return (uint64_t)(uintptr_t)p; }

/* ---------------------------------------------------------------- the handlers */

enum { PF_LAZY, PF_MAKE_WRITABLE, PF_CLEAR_XD, PF_SKIP };
static volatile int pf_mode;
static volatile unsigned pf_count, gp_count, df_count;
static volatile uint64_t pf_err, pf_cr2, pf_rip, gp_err, df_err, resume;
static unsigned pool_used;

static void on_pf(IsrFrame *f)
{
    pf_count++;
    pf_err = f->error;
    pf_cr2 = read_cr2();
    pf_rip = f->rip;
    uint64_t page = pf_cr2 & ~(PAGE_SIZE - 1);
    switch (pf_mode) {
    case PF_LAZY:
        pt_map(page, pa(pool[pool_used++]), PT_P | PT_W);
        break;
    case PF_MAKE_WRITABLE:
        *pt_pte(page) |= PT_W;
        break;
    case PF_CLEAR_XD:
        *pt_pte(page) &= ~PT_XD;
        break;
    default:
        f->rip = resume;
        return;
    }
    invlpg(page);
}

static void on_gp(IsrFrame *f)
{
    gp_count++;
    gp_err = f->error;
    f->rip = resume;
}

static void on_df(IsrFrame *f)
{
    df_count++;
    df_err = f->error;
    f->rip = resume;
}

/* ---------------------------------------------------------------- helpers */

/* Accesses through other linear addresses: barriers, so the compiler neither keeps values
 * of the physical pages across them nor moves them (it cannot see the aliasing). */
static uint64_t rd64(uint64_t va)
{
    __asm__ volatile("" ::: "memory");
    uint64_t v = *(volatile uint64_t *)(uintptr_t)va;
    __asm__ volatile("" ::: "memory");
    return v;
}
static void wr64(uint64_t va, uint64_t v)
{
    __asm__ volatile("" ::: "memory");
    *(volatile uint64_t *)(uintptr_t)va = v;
    __asm__ volatile("" ::: "memory");
}
static uint64_t get64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

typedef int (*IntFn)(void);

/* code_page: mov $imm, %eax; ret */
static void put_ret_imm(uint8_t *p, uint32_t imm)
{
    p[0] = 0xb8;
    p[1] = (uint8_t)imm; p[2] = (uint8_t)(imm >> 8); p[3] = (uint8_t)(imm >> 16);
    p[4] = (uint8_t)(imm >> 24);
    p[5] = 0xc3;
}

static int call_at(uint64_t va) { return ((IntFn)(uintptr_t)va)(); }

/* ---------------------------------------------------------------- the tests */

static void test_mappings(void)
{
    wr64(VA_MAP, 0x1122334455667788ull);
    check("a write through 0x40000000 lands in its physical page",
          get64(data_a) == 0x1122334455667788ull);
    wr64(VA_ALIAS + 8, 0xabcdull);
    check("an alias of the page sees it", rd64(VA_MAP + 8) == 0xabcd && get64(data_a + 8) == 0xabcd);
    volatile uint64_t *pte = pt_pte(VA_RO);
    bool clean = !(*pte & (PT_A | PT_D));
    (void)rd64(VA_RO);
    check("a read sets the accessed bit, not the dirty bit",
          clean && (*pte & PT_A) && !(*pte & PT_D));
    check("a write sets the dirty bit", (*pt_pte(VA_MAP) & (PT_A | PT_D)) == (PT_A | PT_D));
    check("2 MiB page", rd64(VA_2M + pa(data_a)) == 0x1122334455667788ull);
}

static void test_demand(void)
{
    pf_mode = PF_LAZY;
    uint64_t v = rd64(VA_LAZY + 0x40);
    check("#PF on a read of a page not present: error code 0, CR2, and the read restarts",
          pf_count == 1 && pf_err == 0 && pf_cr2 == VA_LAZY + 0x40 && v == 0);
    wr64(VA_LAZY + 0x1010, 5);
    check("#PF on a write: error code 2 (W), the handler maps the page, the write restarts",
          pf_count == 2 && pf_err == 2 && pf_cr2 == VA_LAZY + 0x1010 && get64(pool[1] + 0x10) == 5);
    check("no fault once mapped", rd64(VA_LAZY + 0x1010) == 5 && pf_count == 2);
}

/* x87 and FXSAVE images (C helpers in ferry) on pages not present: the #PF is the guest's,
 * with the error code and CR2 in the page (which byte of a multi-byte image a CPU reports
 * first is its own), the handler maps the page and the instruction restarts. */
static void test_fpu_images(void)
{
    pf_count = 0;
    pf_mode = PF_LAZY;
    uint64_t a = VA_LAZY + 0x2000;                      /* -> pool[2] */
    __asm__ volatile("fninit; fxsave (%0)" :: "r"(a) : "memory");
    check("fxsave to a page not present: #PF error code 2, CR2, and it restarts",
          pf_count == 1 && pf_err == 2 && (pf_cr2 & ~0xfffull) == a &&
          *(uint16_t *)pool[2] == 0x37f && *(uint32_t *)(pool[2] + 24) == 0x1f80);
    uint64_t e = VA_LAZY + 0x2ff0;                      /* 28 bytes into pool[3]'s page */
    __asm__ volatile("fnstenv (%0); fninit" :: "r"(e) : "memory");
    check("fnstenv across into a page not present: #PF on the second page, it restarts",
          pf_count == 2 && pf_err == 2 && (pf_cr2 & ~0xfffull) == VA_LAZY + 0x3000 &&
          *(uint16_t *)(pool[2] + 0xff0) == 0x37f && *(uint16_t *)(pool[2] + 0xff8) == 0xffff);
    uint32_t mxcsr = 1;
    __asm__ volatile("fxrstor (%1); stmxcsr %0; fninit" : "=m"(mxcsr) : "r"(VA_LAZY + 0x4000)
                     : "memory");
    __asm__ volatile("ldmxcsr %0" :: "m"((uint32_t){ 0x1f80 }));
    check("fxrstor from a page not present: #PF error code 0, then the image's MXCSR",
          pf_count == 3 && pf_err == 0 && (pf_cr2 & ~0xfffull) == VA_LAZY + 0x4000 && mxcsr == 0);
}

static void test_write_protect(void)
{
    pf_count = 0;
    pf_mode = PF_MAKE_WRITABLE;
    wr64(VA_RO + 16, 77);
    check("write to a read-only page with CR0.WP: #PF error code 3 (P W)",
          pf_count == 1 && pf_err == 3 && pf_cr2 == VA_RO + 16 && get64(data_b + 16) == 77);
    *pt_pte(VA_RO) &= ~PT_W;
    invlpg(VA_RO);
    write_cr0(read_cr0() & ~(1ull << 16));
    wr64(VA_RO + 24, 78);
    check("without CR0.WP the kernel writes it", pf_count == 1 && get64(data_b + 24) == 78);
    write_cr0(read_cr0() | (1ull << 16));
    pf_mode = PF_SKIP;
    __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; movq $79, (%1); 1:"
                     : "=m"(resume) : "r"(VA_RO + 32) : "rax", "memory");
    check("and with CR0.WP again it faults", pf_count == 2 && pf_err == 3 && get64(data_b + 32) == 0);
}

static void test_nx(void)
{
    put_ret_imm(code_page, 42);
    wrmsr(MSR_EFER, rdmsr(MSR_EFER) | EFER_NXE);
    pt_map(VA_NX, pa(code_page), PT_P | PT_W | PT_XD);
    check("an execute-disable page can be read", (rd64(VA_NX) & 0xff) == 0xb8);
    pf_count = 0;
    pf_mode = PF_CLEAR_XD;
    int r = call_at(VA_NX);
    check("a fetch from it: #PF error code 0x11 (P I/D) at the target, then it runs",
          pf_count == 1 && pf_err == 0x11 && pf_cr2 == VA_NX && pf_rip == VA_NX && r == 42);
}

static void test_invalidation(void)
{
    data_b[0x100] = 0x5b;
    data_a[0x100] = 0x5a;
    pt_map(VA_MAP, pa(data_b), PT_P | PT_W);
    invlpg(VA_MAP);
    check("invlpg: the new mapping is seen", *(volatile uint8_t *)(uintptr_t)(VA_MAP + 0x100) == 0x5b);
    pt_map(VA_MAP, pa(data_a), PT_P | PT_W);
    write_cr3(read_cr3());
    check("a CR3 reload: the new mapping is seen", *(volatile uint8_t *)(uintptr_t)(VA_MAP + 0x100) == 0x5a);
}

static void test_split(void)
{
    pt_map(VA_SPLIT, pa(data_b), PT_P | PT_W);
    pt_map(VA_SPLIT + PAGE_SIZE, pa(data_a), PT_P | PT_W);
    wr64(VA_SPLIT + 0xffc, 0x8877665544332211ull);
    check("a store across pages that are not contiguous",
          data_b[0xffc] == 0x11 && data_b[0xfff] == 0x44 && data_a[0] == 0x55 && data_a[3] == 0x88);
    check("and the load", rd64(VA_SPLIT + 0xffc) == 0x8877665544332211ull);
    static const char msg[] = "across two pages!";
    uint64_t dst = VA_SPLIT + 0xff8;
    const char *src = msg;
    uint64_t n = sizeof msg;
    __asm__ volatile("rep movsb" : "+D"(dst), "+S"(src), "+c"(n) :: "memory");

    check("rep movsb across them", data_b[0xff8] == 'a' && data_b[0xfff] == 't' &&
          data_a[0] == 'w' && data_a[9] == '\0' && n == 0 && dst == VA_SPLIT + 0x1000 + 10);
}

static void test_noncanonical(void)
{
    gp_count = 0;
    __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; mov (%1), %%rax; 1:"
                     : "=m"(resume) : "r"(0x8000000000000000ull) : "rax", "memory");
    check("a non-canonical address: #GP(0)", gp_count == 1 && gp_err == 0);
}

static void test_smc(void)
{
    put_ret_imm(code_page, 1);
    int a = call_at(pa(code_page));
    code_page[1] = 2;
    int b = call_at(pa(code_page));
    check("code rewritten through its own address runs anew", a == 1 && b == 2);
    pt_map(VA_CODE, pa(code_page), PT_P | PT_W);
    invlpg(VA_CODE);
    *(volatile uint8_t *)(uintptr_t)(VA_CODE + 1) = 3;
    check("code rewritten through another address (the same physical page)",
          call_at(pa(code_page)) == 3);
    unsigned sum = 0;
    for (unsigned i = 0; i < 50; i++) {
        code_page[1] = (uint8_t)i;
        sum += (unsigned)call_at(pa(code_page));
    }
    check("50 rewrites, each seen", sum == 49 * 50 / 2);
    /* movb $99, 1(%rip) (the immediate of the next instruction); mov $1, %eax; ret */
    static const uint8_t next[] = { 0xc6, 0x05, 0x01, 0, 0, 0, 99, 0xb8, 1, 0, 0, 0, 0xc3 };
    for (unsigned i = 0; i < sizeof next; i++)
        code_page[0x100 + i] = next[i];
    check("a store into the next instruction changes it", call_at(pa(code_page) + 0x100) == 99);
    /* The same through the alias, in one block: movb $77, VA_CODE + 0x209 (absolute, the
     * immediate of the mov after it); mov $1, %eax; ret. */
    uint32_t target = (uint32_t)(VA_CODE + 0x209);
    const uint8_t alias_next[] = { 0xc6, 0x04, 0x25, (uint8_t)target, (uint8_t)(target >> 8),
                                   (uint8_t)(target >> 16), (uint8_t)(target >> 24), 77,
                                   0xb8, 1, 0, 0, 0, 0xc3 };
    for (unsigned i = 0; i < sizeof alias_next; i++)
        code_page[0x200 + i] = alias_next[i];
    check("a store through the alias into the next instruction changes it",
          call_at(pa(code_page) + 0x200) == 77);
    /* Code run through both addresses, rewritten through each in turn. */
    put_ret_imm(code_page, 5);
    int c = call_at(VA_CODE), d = call_at(pa(code_page));
    *(volatile uint8_t *)(uintptr_t)(VA_CODE + 1) = 6;
    int e = call_at(VA_CODE), g = call_at(pa(code_page));
    code_page[1] = 7;
    int h = call_at(VA_CODE);
    check("code run through two addresses sees each rewrite", c == 5 && d == 5 && e == 6 &&
          g == 6 && h == 7);
}

static void test_double_fault(void)
{
    idt_set_attr(0x2b, 0x0e, 0);            /* not present: #NP */
    idt_set_attr(11, 0x0e, 0);              /* and #NP not present either: #DF */
    __asm__ volatile("lea 1f(%%rip), %%rax; mov %%rax, %0; int $0x2b; 1:"
                     : "=m"(resume) :: "rax", "memory");
    check("a fault while delivering a fault: #DF with error code 0", df_count == 1 && df_err == 0);
    idt_set_attr(11, 0x8e, 0);
}

void kmain(const FerryBootInfo *info);
void kmain(const FerryBootInfo *info)
{
    (void)info;
    serial_init();
    puts("paging test\n");
    idt_init();
    isr_register(14, on_pf);
    isr_register(13, on_gp);
    isr_register(8, on_df);

    pt_identity(PAGE_SIZE, 4ull << 20, PT_P | PT_W);     /* the kernel, its data, the tables */
    pt_map(VA_MAP, pa(data_a), PT_P | PT_W);
    pt_map(VA_ALIAS, pa(data_a), PT_P | PT_W);
    pt_map(VA_RO, pa(data_b), PT_P);
    pt_map_2m(VA_2M, 0, PT_P | PT_W);
    pt_load();
    check("running on the kernel's own page tables", read_cr3() == pa(pt_root));

    test_mappings();
    test_demand();
    test_fpu_images();
    test_write_protect();
    test_nx();
    test_invalidation();
    test_split();
    test_noncanonical();
    test_smc();
    test_double_fault();
    finish();
}
