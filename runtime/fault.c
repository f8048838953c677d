/* fault.c — the host signal handler: every host signal ferry catches comes here. Faults
 * (SIGSEGV, SIGBUS, SIGFPE raised by the kernel for an instruction: si_code > 0) are a guest
 * fault or a bug in ferry; everything else (the guest's signals, and fault signals sent with
 * kill or sigqueue: si_code <= 0) goes to signal.c, which records it for the guest.
 *
 * The handler runs on an alternate signal stack (a guest stack overflow or a ferry stack
 * overflow must still be reported). A fault whose host pc lies in the code cache, or that
 * happens while the thread runs guest code (a C helper called from generated code, such as a
 * rep-movs helper touching a bad guest address, or the reference interpreter), is the
 * guest's: under any -d channel ferry prints the guest pc of the block and the fault address,
 * then the process dies by that signal as a native run would. A guest handler for the signal
 * is not run (ferry says so in one line): the guest state is not exact at a fault inside a
 * block, since the backend keeps no host pc -> guest instruction map and the frontend keeps
 * flags and the pc in host registers between exits; delivering it would hand the handler
 * wrong registers. Anything else is a ferry bug: one line
 * "ferry: internal error: SIGSEGV at host pc ..." and abort().
 *
 * Process state (the one mutable global of the runtime, documented here): the handler needs
 * the process and the current thread, and a signal handler has no other way to reach them:
 * `fault_process` is set once at start-up, `fault_thread` once per thread.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>
#include "runtime/rt.h"

#define RT_ALTSTACK_SIZE (64 * 1024)

static RtProcess *fault_process;            /* the process (set by rt_fault_install) */
static _Thread_local RtThread *fault_thread;/* this thread (set by rt_fault_thread_init) */

static uintptr_t host_pc(const void *ucv)
{
    const ucontext_t *uc = ucv;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

void rt_host_signal_handler(int sig, siginfo_t *si, void *ucv)
{
    RtProcess *p = fault_process;
    RtThread *t = fault_thread;
    bool fault = (sig == SIGSEGV || sig == SIGBUS || sig == SIGFPE) && si->si_code > 0;
    if (!fault) {
        if (p)
            rt_signal_host(p, t, sig, si, ucv);
        return;
    }
    uintptr_t pc = host_pc(ucv);
    const char *name = rt_signal_name(sig);
    bool in_cache = p && rt_cache_contains(p, pc);
    if (p && (in_cache || (t && t->in_guest))) {
        if (p->sigact[sig].handler > GUEST_SIG_IGN) {
            /* Written with write(2): stdio's locks may be held by the interrupted code. */
            char msg[200];
            int n = snprintf(msg, sizeof msg, "ferry: guest %s at fault address 0x%llx: the "
                             "guest's handler is not run (faults inside translated code are "
                             "not precise yet)\n", name, (unsigned long long)(uintptr_t)si->si_addr);
            if (n > 0 && write(2, msg, (size_t)n) < 0)
                n = 0;
        }
        if (p->log.mask) {
            const RtBlock *b = in_cache ? rt_block_by_host_pc(p, pc) : NULL;
            if (!b && t)
                b = t->cur_block;
            rt_log_printf(p, "ferry: guest %s in block 0x%llx (%s, host pc 0x%llx), "
                          "fault address 0x%llx\n", name, b ? (unsigned long long)b->pc : 0ull,
                          in_cache ? "generated code" : "helper or interpreter",
                          (unsigned long long)pc, (unsigned long long)(uintptr_t)si->si_addr);
        }
        rt_die_by_signal(p, sig);
    }
    /* ferry's own bug: report without stdio (its locks may be held) and abort. */
    char msg[160];
    int n = snprintf(msg, sizeof msg, "ferry: internal error: %s at host pc 0x%llx "
                     "(fault address 0x%llx)\n", name, (unsigned long long)pc,
                     (unsigned long long)(uintptr_t)si->si_addr);
    if (n > 0 && write(2, msg, (size_t)n) < 0)
        n = 0;
    signal(SIGABRT, SIG_DFL);
    abort();
}

void rt_fault_install(RtProcess *p)
{
    fault_process = p;
    /* The handler blocks the guest's signals while it runs (signal.c's state is per thread),
     * all 64 of them (glibc's sigfillset leaves out 32 and 33); a fault in the handler itself
     * is still reported. */
    uintptr_t h = (uintptr_t)rt_host_signal_handler;
    rt_host_sigaction(SIGSEGV, h, SA_SIGINFO | SA_ONSTACK);
    rt_host_sigaction(SIGBUS, h, SA_SIGINFO | SA_ONSTACK);
    rt_host_sigaction(SIGFPE, h, SA_SIGINFO | SA_ONSTACK);
}

void rt_fault_thread_init(RtThread *t)
{
    fault_thread = t;
    void *mem = mmap(NULL, RT_ALTSTACK_SIZE, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return;                 /* faults are still caught, just not on stack overflow */
    stack_t ss = { .ss_sp = mem, .ss_size = RT_ALTSTACK_SIZE, .ss_flags = 0 };
    sigaltstack(&ss, NULL);
}
