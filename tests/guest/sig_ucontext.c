/* sig_ucontext.c — a handler that reads and changes the interrupted registers through its
 * ucontext: general registers, EFLAGS (CF and DF; DF is clear while the handler runs and
 * back after sigreturn), RIP (stepped over ud2), MXCSR and XMM registers and the x87 stack
 * in the FXSAVE image (the handler itself starts with MXCSR 0x1f80 and an empty x87 stack),
 * and the signal mask in uc_sigmask (changed by the handler: in force after sigreturn).
 */
#define _GNU_SOURCE         /* REG_RAX and the other gregs indices */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

#ifndef __GLIBC__
#define _libc_fpstate _fpstate     /* musl's name for the FXSAVE image */
#endif

static void on_ill(int sig, siginfo_t *si, void *ucv)
{
    (void)si;
    ucontext_t *uc = ucv;
    greg_t *g = uc->uc_mcontext.gregs;
    uint64_t my_flags;
    uint32_t my_mxcsr;
    uint16_t my_fsw;
    __asm__ volatile("pushfq; pop %0" : "=r"(my_flags));
    __asm__ volatile("stmxcsr %0" : "=m"(my_mxcsr));
    __asm__ volatile("fnstsw %0" : "=m"(my_fsw));
    printf("signal %d: rax %llx rbx %llx rcx %llx r12 %llx r15 %llx\n", sig,
           (unsigned long long)g[REG_RAX], (unsigned long long)g[REG_RBX],
           (unsigned long long)g[REG_RCX], (unsigned long long)g[REG_R12],
           (unsigned long long)g[REG_R15]);
    printf("  interrupted CF %d DF %d; handler DF %d, MXCSR %x, x87 TOP %d\n",
           (int)(g[REG_EFL] & 1), (int)((g[REG_EFL] >> 10) & 1), (int)((my_flags >> 10) & 1),
           my_mxcsr, (my_fsw >> 11) & 7);
    struct _libc_fpstate *fp = (struct _libc_fpstate *)uc->uc_mcontext.fpregs;
    printf("  saved MXCSR %x, xmm2 %08x %08x, st0 exponent %x, x87 TOP %d, %.2f\n",
           fp->mxcsr, fp->_xmm[2].element[0], fp->_xmm[2].element[1], fp->_st[0].exponent,
           (fp->swd >> 11) & 7, 2.5);
    g[REG_RAX] = 42;
    g[REG_R12] += 1;
    g[REG_EFL] &= ~1ll;                 /* clear CF */
    g[REG_RIP] += 2;                    /* over ud2 */
    fp->_xmm[3].element[0] = 0xdeadbeef;
    fp->_xmm[3].element[1] = 0x01234567;
    sigaddset(&uc->uc_sigmask, SIGUSR1);
}

int main(void)
{
    setvbuf(stdout, NULL, _IONBF, 0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);

    uint64_t rax, r12, flags, x3lo;
    uint32_t mxcsr, mx_new = 0x3f80;    /* round toward zero, all masked */
    long double pi;
    static const uint64_t pattern[2] = { 0x5555666677778888ull, 0 };
    __asm__ volatile(
        "ldmxcsr %[mxn]\n\t"
        "movdqu %[pat], %%xmm2\n\t"
        "pxor %%xmm3, %%xmm3\n\t"
        "fldpi\n\t"
        "mov $0x1111, %%rax\n\t"
        "mov $0x2222, %%rbx\n\t"
        "mov $0x3333, %%rcx\n\t"
        "mov $0x4444, %%r12\n\t"
        "mov $0x5555, %%r15\n\t"
        "stc\n\t"
        "std\n\t"
        "ud2\n\t"
        "pushfq\n\t"
        "pop %[fl]\n\t"
        "cld\n\t"
        "mov %%rax, %[rax]\n\t"
        "mov %%r12, %[r12]\n\t"
        "movq %%xmm3, %[x3]\n\t"
        "stmxcsr %[mx]\n\t"
        "fstpt %[pi]\n\t"
        "ldmxcsr %[mxd]\n\t"
        : [rax] "=m"(rax), [r12] "=m"(r12), [fl] "=r"(flags), [x3] "=m"(x3lo),
          [mx] "=m"(mxcsr), [pi] "=m"(pi)
        : [mxn] "m"(mx_new), [pat] "m"(pattern), [mxd] "m"((uint32_t){ 0x1f80 })
        : "rax", "rbx", "rcx", "r12", "r15", "xmm2", "xmm3", "cc", "memory");
    printf("after: rax %llu, r12 %llx, CF %d, DF %d, xmm3 %llx, MXCSR %x, pi %s\n",
           (unsigned long long)rax, (unsigned long long)r12, (int)(flags & 1),
           (int)((flags >> 10) & 1), (unsigned long long)x3lo, mxcsr,
           pi == 3.14159265358979323846264338327950288L ? "kept" : "lost");
    sigset_t cur;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    printf("SIGUSR1 %s blocked (set in uc_sigmask)\n", sigismember(&cur, SIGUSR1) ? "is" : "not");
    return 0;
}
