/* tier_hot.c — code that turns hot under ferry's two translation tiers (runtime/translate.c):
 * new code is translated cold (plain blocks, entered through the dispatcher), and a block
 * entered often is translated again with the full pipeline while the program runs. Checks
 * that a function keeps computing the same results across that switch, and that a fault is
 * precise in both tiers: the handler sees the faulting instruction's address, a register
 * set just before it, a store made just before it, and si_addr, at the first call (cold) and
 * at a late one (hot). tests/guest/run.sh compares the output with the native run and
 * checks under -d stats that some blocks were retranslated hot.
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

/* The load that faults: a global label so the handler can compare the fault's rip. The
 * function is never inlined or cloned, so the label is defined once. */
#if defined(__clang__)
#define ONCE __attribute__((noinline))
#else
#define ONCE __attribute__((noinline, noclone))
#endif
extern const char tier_fault_insn[];
volatile int64_t tier_progress;

ONCE static int64_t probe(const int64_t *p, int64_t i)
{
    int64_t v;
    tier_progress = i;              /* stored before the fault: visible in the handler */
    __asm__ volatile("movq %[i], %%rcx\n\t"
                     ".globl tier_fault_insn\n"
                     "tier_fault_insn:\n\t"
                     "movq (%[p]), %[v]\n\t"
                     "addq %%rcx, %[v]"
                     : [v] "=r"(v) : [p] "r"(p), [i] "r"(i) : "rcx", "memory");
    tier_progress = -1;             /* not reached when the load faults */
    return v;
}

/* Forward branches inside a loop: one block per if in the cold tier, a superblock in the
 * hot one. */
ONCE static uint64_t mix(uint64_t x, int n)
{
    uint64_t h = 0x9e3779b97f4a7c15ull;
    for (int k = 0; k < n; k++) {
        if (x & 1)
            h ^= x * 0xff51afd7ed558ccdull;
        else
            h += x >> 3;
        if ((h & 6) == 2)
            h = (h << 7) | (h >> 57);
        x = x * 6364136223846793005ull + 1442695040888963407ull;
    }
    return h;
}

static sigjmp_buf back;
static volatile int rip_ok, rcx_val, progress_val;
static volatile uintptr_t fault_addr;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    const ucontext_t *uc = ctx;
    rip_ok = (uintptr_t)uc->uc_mcontext.gregs[REG_RIP] == (uintptr_t)tier_fault_insn;
    rcx_val = (int)uc->uc_mcontext.gregs[REG_RCX];
    progress_val = (int)tier_progress;
    fault_addr = (uintptr_t)si->si_addr;
    siglongjmp(back, 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);

    static const int64_t good = 1000;
    const int64_t *bad = (const int64_t *)(uintptr_t)0x18;
    int64_t sum = 0;
    for (int i = 0; i < 300; i++) {
        const int64_t *p = (i == 0 || i == 250) ? bad : &good;   /* cold, then hot */
        if (sigsetjmp(back, 1)) {
            printf("call %d: fault at the load %s, rcx %d, progress %d, addr 0x%lx\n", i,
                   rip_ok ? "yes" : "NO", rcx_val, progress_val, (unsigned long)fault_addr);
            continue;
        }
        sum += probe(p, i);
    }
    printf("probe sum %lld\n", (long long)sum);

    uint64_t h = 0;
    for (int i = 0; i < 2000; i++) {
        h ^= mix((uint64_t)i, 50);
        if (i == 0 || i == 1999)
            printf("mix %d: %016llx\n", i, (unsigned long long)h);
    }
    return 0;
}
