/* sig_helper_fault.c — faults in instructions that ferry runs in C helpers reach the SIGSEGV
 * handler as on hardware: rep movsb/movsq/stosq/cmpsb/lodsb/scasb running into a read-only or
 * inaccessible page (forwards and, with DF set, backwards), LOCKed add/cmpxchg/xchg on a
 * read-only page, fxsave/fnstenv to one and fldenv/fxrstor from an inaccessible one. The
 * handler prints si_code, si_addr and rip (relative to the test's pages and instruction), and
 * rcx/rsi/rdi as the faulting iteration leaves them; some tests siglongjmp out, others make
 * the page accessible and return, so the instruction goes on from where it stopped and the
 * copy must then be complete.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

static sigjmp_buf env;
static uint8_t *area;           /* 4 pages: the tests' memory */
static uintptr_t insn_pc;       /* the instruction expected to fault (set by the asm) */
static int fix_prot;            /* >= 0: the handler mprotects the faulting page so and returns */
static int exact_addr = 1;      /* si_addr compared exactly (else only its page) */

static long rel(uint64_t v) { return (long)(v - (uint64_t)(uintptr_t)area); }

/* A register: relative to the area when it points into it, else its value. */
static const char *reg(char *buf, uint64_t v)
{
    if (v >= (uint64_t)(uintptr_t)area && v <= (uint64_t)(uintptr_t)area + 4 * 4096)
        snprintf(buf, 32, "area+%ld", rel(v));
    else
        snprintf(buf, 32, "%llu", (unsigned long long)v);
    return buf;
}

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    greg_t *g = ((ucontext_t *)ucv)->uc_mcontext.gregs;
    char b1[32], b2[32], addr[32];
    long a = rel((uint64_t)(uintptr_t)si->si_addr);
    if (exact_addr)
        snprintf(addr, sizeof addr, "area+%ld", a);
    else        /* hardware reports an address of the operand: ferry one in the same page */
        snprintf(addr, sizeof addr, "in page %ld", a / 4096);
    printf("  signal %d code %d addr %s rip %s rcx %lld rsi %s rdi %s\n", sig, si->si_code,
           addr, (uintptr_t)g[REG_RIP] == insn_pc ? "at the instruction" : "WRONG",
           (long long)g[REG_RCX], reg(b1, (uint64_t)g[REG_RSI]), reg(b2, (uint64_t)g[REG_RDI]));
    if (fix_prot >= 0) {
        mprotect((void *)((uintptr_t)si->si_addr & ~(uintptr_t)4095), 4096, fix_prot);
        return;
    }
    siglongjmp(env, 1);
}

/* rep movs/stos/cmps/lods/scas with the given registers; DF set when down. */
#define REP(insn, down, d, s, n, a)                                                         \
    __asm__ volatile("lea 1f(%%rip), %%r8\n\t"                                              \
                     "mov %%r8, %[pc]\n\t"                                                  \
                     "test %[dn], %[dn]\n\tjz 2f\n\tstd\n"                                   \
                     "2:\n"                                                                 \
                     "1:\t" insn "\n\t"                                                     \
                     "cld"                                                                  \
                     : "+D"(d), "+S"(s), "+c"(n), "+a"(a), [pc] "=m"(insn_pc)                \
                     : [dn] "r"((long)(down))                                               \
                     : "r8", "memory", "cc")

static void reset(void)
{
    mprotect(area, 4 * 4096, PROT_READ | PROT_WRITE);
    for (int i = 0; i < 4 * 4096; i++)
        area[i] = (uint8_t)(i * 7 + 3);
}

static void rep_test(const char *name, const char *what, int down, long d_off, long s_off,
                     long n, int bad_page, int bad_prot, int fix)
{
    reset();
    static uint8_t want[4 * 4096];
    memcpy(want, area, sizeof want);
    mprotect(area + 4096 * bad_page, 4096, bad_prot);
    fix_prot = fix;
    printf("%s:\n", name);
    uint8_t *d = area + d_off, *s = area + s_off;
    long c = n, a = 0x5a;
    if (sigsetjmp(env, 1) == 0) {
        if (!strcmp(what, "movsb")) REP("rep movsb", down, d, s, c, a);
        else if (!strcmp(what, "movsq")) REP("rep movsq", down, d, s, c, a);
        else if (!strcmp(what, "stosq")) REP("rep stosq", down, d, s, c, a);
        else if (!strcmp(what, "cmpsb")) REP("repe cmpsb", down, d, s, c, a);
        else if (!strcmp(what, "lodsb")) REP("rep lodsb", down, d, s, c, a);
        else if (!strcmp(what, "scasb")) REP("repne scasb", down, d, s, c, a);
        printf("  completed: rcx %ld rsi area+%ld rdi area+%ld al %02lx\n", c, (long)(s - area),
               (long)(d - area), a & 0xff);
        if (!strcmp(what, "movsb") && !down) {
            memmove(want + d_off, want + s_off, (size_t)n);
            printf("  destination %s\n", memcmp(area, want, sizeof want) ? "WRONG" : "complete");
        }
    } else {
        __asm__ volatile("cld");
    }
    fix_prot = -1;
}

static void lock_test(const char *name, int which)
{
    reset();
    uint64_t *p = (uint64_t *)(area + 4096 + 64);
    mprotect(area + 4096, 4096, PROT_READ);
    printf("%s:\n", name);
    uint64_t v = 5, before = *p;
    if (sigsetjmp(env, 1) == 0) {
        long c = 11, s = 22, d = 33;    /* seen by the handler: unchanged */
        switch (which) {
        case 0:
            __asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n1:\tlock addq %[v], %[m]"
                             : [m] "+m"(*p), [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d)
                             : [v] "r"(v) : "r8", "cc");
            break;
        case 1:
            __asm__ volatile("mov %[m], %%rax\n\tlea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n"
                             "1:\tlock cmpxchgq %[v], %[m]"
                             : [m] "+m"(*p), [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d)
                             : [v] "r"(v) : "rax", "r8", "cc");
            break;
        default:
            __asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n1:\txchgq %[v], %[m]"
                             : [m] "+m"(*p), [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d),
                               [v] "+r"(v) : : "r8", "cc");
            break;
        }
        printf("  no fault\n");
    }
    printf("  memory %s, source register %s\n", *p == before ? "unchanged" : "CHANGED",
           v == 5 ? "unchanged" : "CHANGED");
}

static void fp_test(const char *name, int which)
{
    reset();
    uint8_t *m = area + 4096 - 16;      /* the image crosses into the second page */
    mprotect(area + 4096, 4096, which >= 2 ? PROT_NONE : PROT_READ);
    printf("%s:\n", name);
    uint16_t cw_before, cw_after;
    exact_addr = 0;
    __asm__ volatile("fnstcw %0" : "=m"(cw_before));
    if (sigsetjmp(env, 1) == 0) {
        long c = 1, s = 2, d = 3;
        switch (which) {
        case 0:
            __asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n1:\tfxsave64 (%[m])"
                             : [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d)
                             : [m] "r"(m - 16 * 0) : "r8", "memory");
            break;
        case 1:
            __asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n1:\tfnstenv (%[m])"
                             : [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d)
                             : [m] "r"(m + 4) : "r8", "memory");
            break;
        case 2:
            __asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n1:\tfldenv (%[m])"
                             : [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d)
                             : [m] "r"(m + 4) : "r8", "memory");
            break;
        default:
            __asm__ volatile("lea 1f(%%rip), %%r8\n\tmov %%r8, %[pc]\n1:\tfxrstor64 (%[m])"
                             : [pc] "=m"(insn_pc), "+c"(c), "+S"(s), "+D"(d)
                             : [m] "r"(m) : "r8", "memory");
            break;
        }
        printf("  no fault\n");
    }
    __asm__ volatile("fnstcw %0" : "=m"(cw_after));
    printf("  control word %s\n", cw_after == cw_before ? "unchanged" : "CHANGED");
    exact_addr = 1;
}

int main(void)
{
    area = mmap(NULL, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (area == MAP_FAILED)
        return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    fix_prot = -1;

    /* forwards into a read-only third page */
    rep_test("rep movsb into a read-only page", "movsb", 0, 8192 - 1000, 100, 3000, 2,
             PROT_READ, -1);
    rep_test("rep movsq into a read-only page", "movsq", 0, 8192 - 808, 16, 300, 2,
             PROT_READ, -1);
    rep_test("rep stosq into an inaccessible page", "stosq", 0, 4096 + 24, 0, 1000, 2,
             PROT_NONE, -1);
    /* backwards (DF set) into a read-only first page */
    rep_test("std; rep movsb down into a read-only page", "movsb", 1, 4096 + 500, 12000, 2000,
             0, PROT_READ, -1);
    /* reads running into an inaccessible page */
    rep_test("repe cmpsb into an inaccessible page", "cmpsb", 0, 4096 - 300, 4096 - 300, 1000,
             1, PROT_NONE, -1);
    rep_test("rep lodsb into an inaccessible page", "lodsb", 0, 0, 8192 - 5, 100, 2,
             PROT_NONE, -1);
    rep_test("repne scasb into an inaccessible page", "scasb", 0, 12288 - 40, 0, 500, 3,
             PROT_NONE, -1);
    /* the handler makes the page writable and returns: the copy goes on and completes */
    rep_test("rep movsb, resumed by the handler", "movsb", 0, 8192 - 1000, 100, 3000, 2,
             PROT_READ, PROT_READ | PROT_WRITE);

    lock_test("lock add to a read-only page", 0);
    lock_test("lock cmpxchg to a read-only page", 1);
    lock_test("xchg with a read-only page", 2);

    fp_test("fxsave64 into a read-only page", 0);
    fp_test("fnstenv into a read-only page", 1);
    fp_test("fldenv from an inaccessible page", 2);
    fp_test("fxrstor64 from an inaccessible page", 3);
    return 0;
}
