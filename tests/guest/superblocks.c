/* superblocks.c — code that ferry translates as superblocks (frontend-x86/gen_branch.c: a
 * forward jcc is a side exit and the block goes on at the fall-through; a forward jmp on the
 * page is followed): loops with if/else bodies whose flags cross the side exits and the
 * join, a fault in the middle of such a block (the handler must see the registers and flags
 * of the instructions before it, whichever path led there), and writes to the bytes a block
 * jumped over and to the path it ran. Output is compared with a native run.
 */
#define _GNU_SOURCE     /* REG_* of ucontext.h */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

__asm__(
    ".text\n"
    /* uint64_t sb_loop(uint64_t n, uint64_t k): n iterations of an if/else body; both arms
     * leave a comparison in the flags that the join reads (adc) and branches on again. */
    ".globl sb_loop\n"
    "sb_loop:\n"
    "    xorl %eax, %eax\n"
    "    xorl %edx, %edx\n"
    "1:  testb $1, %dil\n"
    "    jz 2f\n"
    "    addq %rdi, %rax\n"
    "    cmpq %rsi, %rdi\n"
    "    jmp 3f\n"
    "2:  leaq (%rax,%rdi,2), %rax\n"
    "    cmpq %rdi, %rsi\n"
    "3:  adcq $0, %rdx\n"
    "    jc 4f\n"
    "    incq %rdx\n"
    "    rolq $7, %rax\n"
    "4:  decq %rdi\n"
    "    jnz 1b\n"
    "    shlq $40, %rdx\n"
    "    xorq %rdx, %rax\n"
    "    ret\n"
    /* uint64_t sb_fault(uint64_t *p, int64_t x): loads *p after a side exit that is not
     * taken (x >= 0) or taken (x < 0) and a comparison; a bad p faults at sb_fault_load. */
    ".globl sb_fault\n"
    ".globl sb_fault_load\n"
    "sb_fault:\n"
    "    leaq 1(%rsi), %rax\n"
    "    testq %rsi, %rsi\n"
    "    js 1f\n"
    "    addq $5, %rax\n"
    "    jmp 2f\n"
    "1:  subq $5, %rax\n"
    "2:  movq %rax, %rcx\n"
    "    cmpq %rsi, %rcx\n"
    "sb_fault_load:\n"
    "    movq (%rdi), %rdx\n"
    "    addq %rdx, %rax\n"
    "    ret\n"
    /* double sb_fp(const double *p, long n): a loop carrying xmm0 and xmm2 from one
     * iteration to the next (ferry keeps them in host registers: backend-x86_64/loop.c),
     * whose load faults when p runs into an unmapped page: the handler must see xmm0 as
     * the mulsd before the load left it and xmm2 as the previous iteration did. */
    ".globl sb_fp\n"
    "sb_fp:\n"
    "    pxor %xmm0, %xmm0\n"
    "    movabsq $0x3fe0000000000000, %rax\n"
    "    movq %rax, %xmm1\n"
    "    movapd %xmm0, %xmm2\n"
    "1:  mulsd %xmm1, %xmm0\n"
    "    addsd (%rdi), %xmm0\n"
    "    movapd %xmm0, %xmm3\n"
    "    mulsd %xmm3, %xmm3\n"
    "    addsd %xmm3, %xmm2\n"
    "    addq $8, %rdi\n"
    "    decq %rsi\n"
    "    jnz 1b\n"
    "    addsd %xmm2, %xmm0\n"
    "    ret\n"
    /* uint32_t f(uint32_t sel): 0 runs the then-arm and jumps over the else-arm; the
     * movs' immediates are rewritten between calls (copied to an RWX page first). */
    ".globl sb_smc_start\n"
    ".globl sb_smc_then\n"
    ".globl sb_smc_else\n"
    ".globl sb_smc_end\n"
    "sb_smc_start:\n"
    "    testl %edi, %edi\n"
    "    jnz 1f\n"
    "sb_smc_then:\n"
    "    movl $1, %eax\n"
    "    jmp 2f\n"
    "1:\n"
    "sb_smc_else:\n"
    "    movl $2, %eax\n"
    "2:  addl %edi, %eax\n"
    "    ret\n"
    "sb_smc_end:\n");

uint64_t sb_loop(uint64_t n, uint64_t k);
uint64_t sb_fault(uint64_t *p, int64_t x);
double sb_fp(const double *p, long n);
extern const char sb_fault_load[];
extern const char sb_smc_start[], sb_smc_then[], sb_smc_else[], sb_smc_end[];

static sigjmp_buf back;
static volatile uint64_t seen_rax, seen_rcx, seen_flags, seen_addr;
static volatile int seen_rip_ok;
static volatile uint64_t seen_xmm0, seen_xmm2, seen_rsi;

static void on_segv(int sig, siginfo_t *si, void *ucv)
{
    (void)sig;
    ucontext_t *uc = ucv;
    seen_rax = (uint64_t)uc->uc_mcontext.gregs[REG_RAX];
    seen_rcx = (uint64_t)uc->uc_mcontext.gregs[REG_RCX];
    seen_flags = (uint64_t)uc->uc_mcontext.gregs[REG_EFL] & 0x8d5;    /* CF PF AF ZF SF OF */
    seen_rip_ok = (uint64_t)uc->uc_mcontext.gregs[REG_RIP] == (uint64_t)(uintptr_t)sb_fault_load;
    seen_addr = (uint64_t)(uintptr_t)si->si_addr;
    seen_rsi = (uint64_t)uc->uc_mcontext.gregs[REG_RSI];
    memcpy((void *)&seen_xmm0, &uc->uc_mcontext.fpregs->_xmm[0], 8);
    memcpy((void *)&seen_xmm2, &uc->uc_mcontext.fpregs->_xmm[2], 8);
    siglongjmp(back, 1);
}

typedef uint32_t (*SmcFn)(uint32_t);

static void set_imm(uint8_t *code, const char *label, uint32_t v)
{
    memcpy(code + (label - sb_smc_start) + 1, &v, 4);      /* b8 imm32 */
}

int main(void)
{
    uint64_t sum = 0;
    for (uint64_t n = 1; n <= 40; n++)
        for (uint64_t k = 0; k <= 50; k += 7)
            sum = sum * 31 + sb_loop(n * 37, k * n);
    printf("loops with if/else bodies: %016llx\n", (unsigned long long)sum);

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    uint64_t cell = 1000;
    for (int64_t x = -3; x <= 3; x += 2) {
        uint64_t good = sb_fault(&cell, x);
        uint64_t *bad = (uint64_t *)(uintptr_t)(0x10000 + 8 * (x + 3));
        if (sigsetjmp(back, 1) == 0) {
            sb_fault(bad, x);
            printf("x %lld: no fault\n", (long long)x);
        } else {
            printf("x %lld: %llu; fault at the load %s, address %#llx, rax %lld rcx %lld "
                   "flags %#llx\n", (long long)x, (unsigned long long)good,
                   seen_rip_ok ? "yes" : "no", (unsigned long long)seen_addr,
                   (long long)seen_rax, (long long)seen_rcx, (unsigned long long)seen_flags);
        }
    }

    /* 100 doubles at the end of a page, an unmapped page after them */
    uint8_t *two = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (two == MAP_FAILED || munmap(two + 4096, 4096) != 0) {
        perror("mmap");
        return 1;
    }
    double *vals = (double *)(void *)(two + 4096 - 100 * sizeof(double));
    for (int i = 0; i < 100; i++)
        vals[i] = 1.0 + i * 0.25;
    for (long n = 99; n <= 101; n++) {
        if (sigsetjmp(back, 1) == 0) {
            double r = sb_fp(vals, n);
            printf("fp loop of %ld: %.17g\n", n, r);
        } else {
            double x0, x2;
            memcpy(&x0, (const void *)&seen_xmm0, 8);
            memcpy(&x2, (const void *)&seen_xmm2, 8);
            printf("fp loop of %ld: fault at %s, rsi %llu, xmm0 %.17g, xmm2 %.17g\n", n,
                   seen_addr == (uint64_t)(uintptr_t)(two + 4096) ? "the page end" : "?",
                   (unsigned long long)seen_rsi, x0, x2);
        }
    }

    size_t len = (size_t)(sb_smc_end - sb_smc_start);
    uint8_t *rwx = mmap(NULL, 4096, PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (rwx == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memcpy(rwx, sb_smc_start, len);
    SmcFn f = (SmcFn)(void *)rwx;
    for (uint32_t round = 0; round < 20; round++) {
        uint32_t a = f(0), b = f(5);
        printf("round %u: then %u else %u\n", round, a, b);
        set_imm(rwx, round & 1 ? sb_smc_then : sb_smc_else, 100 + round);
    }
    return 0;
}
