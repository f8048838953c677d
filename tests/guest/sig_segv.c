/* sig_segv.c — SIGSEGV handlers for faulting loads and stores (precise faults in translated
 * code): si_addr, si_code, uc_mcontext RIP, trapno, err and cr2 for a load from an unmapped
 * page and a store to a read-only page, then siglongjmp out; the general registers and the
 * arithmetic flags in the ucontext are the values just before the faulting instruction (set
 * in inline asm, with the flags produced by the instruction right before it, in the same
 * block); a handler that makes the page writable and returns, so the store (and a
 * read-modify-write add) runs again and succeeds; a push to a read-only stack leaves RSP
 * unchanged. Addresses are printed relative to the page, so the output is the same natively.
 */
#define _GNU_SOURCE         /* REG_RAX and the other gregs indices */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define ARITH_FLAGS 0x8d5   /* CF PF AF ZF SF OF */

static sigjmp_buf env;
static char *page;          /* the page the faults are about */
static uintptr_t fault_pc;  /* address of the faulting instruction (set by the asm) */
static uintptr_t fault_sp;  /* rsp just before it */
static int fix;             /* the handler makes the page writable and returns */

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    printf("signal %d code %d addr page+%ld; rip %s, rsp %s, trapno %lld err %lld cr2 page+%ld\n",
           sig, si->si_code, (long)((char *)si->si_addr - page),
           (uintptr_t)g[REG_RIP] == fault_pc ? "at the instruction" : "WRONG",
           (uintptr_t)g[REG_RSP] == fault_sp ? "kept" : "WRONG",
           (long long)g[REG_TRAPNO], (long long)g[REG_ERR], (long)((char *)g[REG_CR2] - page));
    printf("  rax %llx rcx %llx rdx %llx rsi %llx rdi %llx rbx %s\n",
           (unsigned long long)g[REG_RAX], (unsigned long long)g[REG_RCX],
           (unsigned long long)g[REG_RDX], (unsigned long long)g[REG_RSI],
           (unsigned long long)g[REG_RDI], (char *)g[REG_RBX] == page ? "page" : "WRONG");
    printf("  r8 %llx r9 %llx r10 %llx r11 %llx r12 %llx r13 %llx r14 %llx r15 %llx\n",
           (unsigned long long)g[REG_R8], (unsigned long long)g[REG_R9],
           (unsigned long long)g[REG_R10], (unsigned long long)g[REG_R11],
           (unsigned long long)g[REG_R12], (unsigned long long)g[REG_R13],
           (unsigned long long)g[REG_R14], (unsigned long long)g[REG_R15]);
    printf("  flags %03llx\n", (unsigned long long)(g[REG_EFL] & ARITH_FLAGS));
    if (fix) {
        mprotect(page, 4096, PROT_READ | PROT_WRITE);
        return;
    }
    siglongjmp(env, 1);
}

/* Distinctive values in every general register the tests do not use otherwise. */
#define SET_REGS                                                                             \
        "mov $0x1111, %%rax\n\t" "mov $0x3333, %%rdx\n\t" "mov $0x4444, %%rsi\n\t"      \
        "mov $0x5555, %%rdi\n\t" "mov $0x8888, %%r8\n\t"  "mov $0x9999, %%r9\n\t"       \
        "mov $0xaaaa, %%r10\n\t" "mov $0xbbbb, %%r11\n\t" "mov $0xcccc, %%r12\n\t"      \
        "mov $0xdddd, %%r13\n\t" "mov $0xeeee, %%r14\n\t" "mov $0xffff, %%r15\n\t"
#define ALL_CLOBBERED "rax", "rbx", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", \
        "r12", "r13", "r14", "r15", "cc", "memory"

static uintptr_t saved_sp;  /* push_readonly's own stack pointer */
/* Values the asm loads, so the flag producers' operands are not constants at translation. */
static volatile uint64_t one = 1, big = 0xabcd, sixty_four = 0x40, five = 5;

/* rbx = page; distinctive values elsewhere; the flags come from `add` (OF SF AF PF: 0x7fff..
 * + 1) right before the faulting load. */
static void load_unmapped(void)
{
    __asm__ volatile(
        "mov %[pg], %%rbx\n\t"
        SET_REGS
        "lea 1f(%%rip), %%rcx\n\t"
        "mov %%rcx, %[pc]\n\t"
        "mov %%rsp, %[sp]\n\t"
        "movabs $0x7fffffffffffffff, %%rcx\n\t"
        "add $1, %%rcx\n\t"
        "1: mov 0x10(%%rbx), %%rax\n\t"
        : [pc] "=m"(fault_pc), [sp] "=m"(fault_sp)
        : [pg] "m"(page)
        : ALL_CLOBBERED);
}

/* A store to a read-only page after `sub` (CF SF: 1 - 2); rax is written by the instruction
 * before the store, so the state must have it. */
static void store_readonly(void)
{
    __asm__ volatile(
        "mov %[pg], %%rbx\n\t"
        SET_REGS
        "mov $0x2222, %%rdx\n\t"
        "mov $0x6666, %%r12\n\t"
        "lea 1f(%%rip), %%rcx\n\t"
        "mov %%rcx, %[pc]\n\t"
        "mov %%rsp, %[sp]\n\t"
        "mov %[one], %%rcx\n\t"
        "mov $0x7777, %%rax\n\t"
        "sub $2, %%rcx\n\t"
        "1: mov %%rdx, 0x20(%%rbx)\n\t"
        : [pc] "=m"(fault_pc), [sp] "=m"(fault_sp)
        : [pg] "m"(page), [one] "m"(one)
        : ALL_CLOBBERED);
}

/* The handler makes the page writable: the store, then a read-modify-write add (which faults
 * only if the page is read-only again), run again; the flags after them are the add's. */
static void store_fixed(void)
{
    uint64_t flags;
    __asm__ volatile(
        "mov %[pg], %%rbx\n\t"
        SET_REGS
        "lea 1f(%%rip), %%rcx\n\t"
        "mov %%rcx, %[pc]\n\t"
        "mov %%rsp, %[sp]\n\t"
        "mov %[sf], %%rdx\n\t"
        "mov %[five], %%rcx\n\t"
        "cmp %%rdx, %%rcx\n\t"
        "1: mov %%rdx, 0x30(%%rbx)\n\t"
        "add %%rdx, 0x30(%%rbx)\n\t"
        "pushfq\n\t"
        "pop %%rax\n\t"
        "mov %%rax, %[fl]\n\t"
        : [pc] "=m"(fault_pc), [sp] "=m"(fault_sp), [fl] "=m"(flags)
        : [pg] "m"(page), [sf] "m"(sixty_four), [five] "m"(five)
        : ALL_CLOBBERED);
    printf("after the fix: page+0x30 = %llx, flags %03llx\n",
           (unsigned long long)*(uint64_t *)(page + 0x30), (unsigned long long)(flags & ARITH_FLAGS));
}

/* A push whose stack is read-only: RSP is the value before the push. */
static void push_readonly(void)
{
    __asm__ volatile(
        "mov %[pg], %%rbx\n\t"
        SET_REGS
        "mov %%rsp, %[ssp]\n\t"
        "lea 0x100(%%rbx), %%rsp\n\t"
        "lea 1f(%%rip), %%rcx\n\t"
        "mov %%rcx, %[pc]\n\t"
        "mov %%rsp, %[sp]\n\t"
        "mov $0x2468, %%ecx\n\t"
        "cmp %%rcx, %%rsi\n\t"
        "mov %[big], %%rdx\n\t"
        "inc %%rdx\n\t"
        "1: push %%rdx\n\t"
        "mov %[ssp], %%rsp\n\t"
        : [pc] "=m"(fault_pc), [sp] "=m"(fault_sp), [ssp] "=m"(saved_sp)
        : [pg] "m"(page), [big] "m"(big)
        : ALL_CLOBBERED);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static char altstack[65536];
    stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);

    page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    munmap(page, 4096);
    if (sigsetjmp(env, 1) == 0)
        load_unmapped();
    printf("back from the load\n");

    page = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (sigsetjmp(env, 1) == 0)
        store_readonly();
    printf("back from the store\n");

    if (sigsetjmp(env, 1) == 0)
        push_readonly();
    printf("back from the push\n");

    fix = 1;
    store_fixed();
    fix = 0;

    /* Again, now translated and chained: the same answers. */
    munmap(page, 4096);
    if (sigsetjmp(env, 1) == 0)
        load_unmapped();
    printf("back from the load again\n");
    return 0;
}
