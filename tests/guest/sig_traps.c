/* sig_traps.c — synchronous signals of guest instructions caught by handlers, with si_code,
 * si_addr and the registers as Linux reports them: ud2 (SIGILL/ILL_ILLOPN at the
 * instruction; the handler steps over it by adding 2 to RIP in the ucontext and returns),
 * int3 (SIGTRAP/SI_KERNEL, si_addr 0, RIP after it), hlt (privileged: SIGSEGV/SI_KERNEL,
 * si_addr 0), a division by zero (SIGFPE/FPE_INTDIV at the div) left with siglongjmp,
 * twice, so the mask that siglongjmp restores must unblock SIGFPE again, and calls to code
 * that cannot be fetched (a PROT_NONE page, a page without PROT_EXEC, nothing mapped:
 * SIGSEGV with SEGV_ACCERR or SEGV_MAPERR, si_addr and RIP the target, the page fault's
 * error code).
 */
#define _GNU_SOURCE         /* REG_RIP and the other gregs indices */
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>

extern char ud2_insn[], int3_after[], hlt_insn[], div_insn[];
static sigjmp_buf env;
static int skip;
static void *fetch_target;

static void on_fetch_fault(int sig, siginfo_t *si, void *ucv)
{
    ucontext_t *uc = ucv;
    printf("signal %d: si_code %d, si_addr %s, rip %s, trapno %lld, err %llx\n", sig,
           si->si_code, si->si_addr == fetch_target ? "the target" : "elsewhere",
           (void *)uc->uc_mcontext.gregs[REG_RIP] == fetch_target ? "the target" : "elsewhere",
           (long long)uc->uc_mcontext.gregs[REG_TRAPNO],
           (unsigned long long)uc->uc_mcontext.gregs[REG_ERR]);
    siglongjmp(env, 1);
}

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

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fetch_fault;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    char *none = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *data = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    char *gone = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (none == MAP_FAILED || data == MAP_FAILED || gone == MAP_FAILED)
        return 1;
    memset(data, 0xc3, 4096);           /* ret: runs natively only where PROT_EXEC is ignored */
    munmap(gone, 4096);
    void *targets[3] = { none, data, gone };
    for (int i = 0; i < 3; i++) {
        fetch_target = targets[i];
        if (sigsetjmp(env, 1) == 0) {
            ((void (*)(void))fetch_target)();
            printf("returned from %d\n", i);
        }
    }
    return 0;
}
