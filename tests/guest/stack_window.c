/* stack_window.c — the guest stack pointer outside ferry's stack window (ir/ir.h, "The stack
 * window") and accesses through it: rsp moved far away (-8, 2^62, non-canonical values, just
 * past the windows of both hosts' guest limits) and back without touching memory, across
 * direct and indirect jumps and a loop; faults of rsp-relative accesses near 0, at the top of
 * the address space and at both hosts' guest limits (2^46, 2^38), reported by a SIGSEGV
 * handler on an alternate stack with si_addr and si_code; a stack that grows down into a
 * PROT_NONE guard page; deep recursion. Natively and under ferry the output is the same.
 */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

/* rsp = rdi (+ 8), a direct jump, an indirect jump and a 100-iteration loop with it there,
 * then rsp back; returns the loop's count plus the low bits of the far rsp. Touches no
 * memory through the far rsp. */
uint64_t sw_far(uint64_t sp);
__asm__(".text\n.globl sw_far\nsw_far:\n"
        "  mov %rsp, %rax\n"
        "  mov %rdi, %rsp\n"
        "  add $8, %rsp\n"
        "  jmp 1f\n"
        "1:lea 2f(%rip), %rcx\n"
        "  jmp *%rcx\n"
        "2:xor %edx, %edx\n"
        "  mov $100, %ecx\n"
        "3:inc %edx\n"
        "  dec %ecx\n"
        "  jnz 3b\n"
        "  mov %rsp, %rsi\n"
        "  and $-16, %rsp\n"
        "  sub $0x1000, %rsp\n"
        "  jmp 4f\n"
        "4:mov %rax, %rsp\n"
        "  movzwl %si, %esi\n"
        "  lea (%rdx,%rsi), %rax\n"
        "  ret\n");

/* rsp = rdi, then one access through it: each never returns (the handler longjmps). */
void sw_load0(uint64_t sp), sw_load_m20(uint64_t sp), sw_push(uint64_t sp),
    sw_next_block(uint64_t sp), sw_store_far(uint64_t sp);
__asm__(".globl sw_load0\nsw_load0:\n  mov %rdi, %rsp\n  mov (%rsp), %rax\n  ud2\n"
        ".globl sw_load_m20\nsw_load_m20:\n  mov %rdi, %rsp\n  mov -0x20(%rsp), %rax\n  ud2\n"
        ".globl sw_push\nsw_push:\n  mov %rdi, %rsp\n  push %rax\n  ud2\n"
        ".globl sw_next_block\nsw_next_block:\n  mov %rdi, %rsp\n  jmp 1f\n"
        "1:mov 0x100(%rsp), %rax\n  ud2\n"
        ".globl sw_store_far\nsw_store_far:\n  mov %rdi, %rsp\n  jmp 1f\n"
        "1:movq $7, 0x3ff00000(%rsp)\n  ud2\n");

static sigjmp_buf back;
static volatile uintptr_t fault_addr;
static volatile int fault_code, faults;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
    (void)sig;
    (void)uc;
    fault_addr = (uintptr_t)si->si_addr;
    fault_code = si->si_code;
    faults++;
    siglongjmp(back, 1);
}

static void try_access(const char *what, void (*fn)(uint64_t), uint64_t sp)
{
    fault_addr = 0;
    fault_code = 0;
    if (sigsetjmp(back, 1) == 0) {
        fn(sp);
        printf("%-30s rsp 0x%016llx: no fault?\n", what, (unsigned long long)sp);
        return;
    }
    printf("%-30s rsp 0x%016llx: SIGSEGV si_addr 0x%llx si_code %d\n", what,
           (unsigned long long)sp, (unsigned long long)fault_addr, fault_code);
}

/* ---- a stack that overflows into a guard page */

static char *guard_page;
static volatile unsigned max_depth;

static unsigned deep(unsigned n)
{
    volatile char frame[200];
    frame[0] = (char)n;
    if (n > max_depth)
        max_depth = n;
    return deep(n + 1) + frame[0];
}

static void deep_entry(void)
{
    deep(0);
}

/* Run fn on the stack ending at top (never returns: fn overflows and the handler jumps). */
static void run_on(void *top, void (*fn)(void))
{
    __asm__ volatile("mov %0, %%rsp\n\tcall *%1\n\tud2"
                     :: "r"(top), "r"(fn) : "memory");
}

static void overflow_test(void)
{
    size_t size = 64 * 1024;
    char *m = mmap(NULL, size + 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                   0);
    if (m == MAP_FAILED) {
        printf("mmap failed\n");
        return;
    }
    mprotect(m, 4096, PROT_NONE);
    guard_page = m;
    max_depth = 0;
    faults = 0;
    if (sigsetjmp(back, 1) == 0)
        run_on(m + 4096 + size, deep_entry);
    uintptr_t a = fault_addr;
    printf("overflow: %d fault, si_code %d, in the guard page: %s, offset 0x%llx, depth %u\n",
           faults, fault_code, a >= (uintptr_t)m && a < (uintptr_t)m + 4096 ? "yes" : "no",
           (unsigned long long)(a - (uintptr_t)m), max_depth);
    munmap(m, size + 4096);
}

/* ---- deep recursion on the normal stack */

static unsigned long sum_to(unsigned n)
{
    volatile unsigned keep = n;
    return n == 0 ? 0 : keep + sum_to(n - 1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    static char alt[64 * 1024] __attribute__((aligned(16)));
    stack_t ss = { .ss_sp = alt, .ss_size = sizeof alt, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);

    static const uint64_t far[] = {
        0xfffffffffffffff8ull, 0x4000000000000000ull, 0x123456789abcdef0ull,
        0x8000000000000000ull, 0xffff800000000000ull, 0x0ull,
        (1ull << 46) + (1ull << 31), (1ull << 46) + (1ull << 31) - 8,
        (1ull << 38) + (1ull << 31), (1ull << 38) + (1ull << 31) - 8,
        0xffffffff80000000ull - 8, 0xffffffff80000000ull,
    };
    for (unsigned i = 0; i < sizeof far / sizeof far[0]; i++)
        printf("far rsp 0x%016llx: %llu\n", (unsigned long long)far[i],
               (unsigned long long)sw_far(far[i]));

    try_access("load [rsp] near 0", sw_load0, 0x10);
    try_access("load [rsp-0x20] wraps", sw_load_m20, 0x10);
    try_access("push at 0", sw_push, 0x8);
    try_access("load [rsp] top", sw_load0, 0xfffffffffffffff0ull);
    try_access("load [rsp+0x100] next block", sw_next_block, 0xffffffffffffff00ull);
    try_access("load [rsp+0x100] 0", sw_next_block, 0);
    try_access("load [rsp] 2^46", sw_load0, 1ull << 46);
    try_access("push at 2^46", sw_push, (1ull << 46) + 8);
    try_access("next block 2^46", sw_next_block, 1ull << 46);
    try_access("load [rsp] 2^38", sw_load0, 1ull << 38);
    try_access("next block 2^38", sw_next_block, 1ull << 38);
    try_access("store +0x3ff00000 2^46", sw_store_far, 1ull << 46);
    try_access("next block 2^46 + 2^32", sw_next_block, (1ull << 46) + (1ull << 32));
    try_access("load [rsp] 2^46 + 2^33", sw_load0, (1ull << 46) + (1ull << 33));
    try_access("next block 0x7f0000000000", sw_next_block, 0x7f0000000000ull);
    try_access("push at -2^31", sw_push, 0xffffffff80000000ull);
    try_access("next block -2^31 - 8", sw_next_block, 0xffffffff80000000ull - 8);
    /* Not here: an access through a non-canonical rsp is #SS, which Linux reports as SIGBUS;
     * ferry reports SIGSEGV (SI_KERNEL) as for other non-canonical addresses. */

    overflow_test();
    printf("sum_to(100000) = %lu\n", sum_to(100000));
    return 0;
}
