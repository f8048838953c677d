/* sig_traps.c — synchronous signals of guest instructions caught by handlers, with si_code,
 * si_addr and the registers as Linux reports them: ud2 (SIGILL/ILL_ILLOPN at the
 * instruction; the handler steps over it by adding 2 to RIP in the ucontext and returns),
 * int3 (SIGTRAP/SI_KERNEL, si_addr 0, RIP after it), hlt (privileged: SIGSEGV/SI_KERNEL,
 * si_addr 0), and a division by zero (SIGFPE/FPE_INTDIV at the div) left with siglongjmp,
 * twice, so the mask that siglongjmp restores must unblock SIGFPE again.
 */
#define _GNU_SOURCE         /* REG_RIP and the other gregs indices */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

extern char ud2_insn[], int3_after[], hlt_insn[], div_insn[];
static sigjmp_buf env;
static int skip;

static const char *where(void *addr, const char *label, void *expect)
{
    static char buf[64];
    if (addr == NULL)
        snprintf(buf, sizeof buf, "0");
    else if (addr == expect)
        snprintf(buf, sizeof buf, "at %s", label);
    else
        snprintf(buf, sizeof buf, "elsewhere");
    return buf;
}

static void on_trap(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];
    void *pc = (void *)*rip;
    const char *pcs = pc == ud2_insn ? "ud2" : pc == int3_after ? "after int3" :
                      pc == hlt_insn ? "hlt" : pc == div_insn ? "div" : "elsewhere";
    void *expect = sig == SIGILL ? (void *)ud2_insn : sig == SIGFPE ? (void *)div_insn : NULL;
    printf("signal %d: si_code %d, si_addr %s, rip %s, trapno %lld\n", sig, si->si_code,
           where(si->si_addr, sig == SIGILL ? "ud2" : "div", expect), pcs,
           (long long)uc->uc_mcontext.gregs[REG_TRAPNO]);
    if (sig == SIGFPE)
        siglongjmp(env, 1);
    *rip += skip;
}

static void install(int sig)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(sig, &sa, NULL);
}

int main(int argc, char **argv)
{
    (void)argv;
    setvbuf(stdout, NULL, _IONBF, 0);
    install(SIGILL);
    install(SIGTRAP);
    install(SIGSEGV);
    install(SIGFPE);

    skip = 2;
    __asm__ volatile(".globl ud2_insn\nud2_insn: ud2");
    printf("after ud2\n");

    skip = 0;
    __asm__ volatile("int3\n.globl int3_after\nint3_after:");
    printf("after int3\n");

    skip = 1;
    __asm__ volatile(".globl hlt_insn\nhlt_insn: hlt");
    printf("after hlt\n");

    for (int i = 0; i < 2; i++) {
        if (sigsetjmp(env, 1) == 0) {
            uint64_t lo = 7, hi = 0, d = (uint64_t)(argc - argc);
            __asm__ volatile(".globl div_insn\ndiv_insn: divq %2" : "+a"(lo), "+d"(hi) : "r"(d));
            printf("not reached %llu\n", (unsigned long long)lo);
        } else {
            printf("back from the SIGFPE handler (%d)\n", i);
        }
    }
    return 0;
}
