/* fault.c — host SIGSEGV, SIGBUS and SIGFPE: a guest fault, or a bug in ferry.
 *
 * The handler runs on an alternate signal stack (a guest stack overflow or a ferry stack
 * overflow must still be reported). A fault whose host pc lies in the code cache, or that
 * happens while the thread runs guest code (a C helper called from generated code, such as a
 * rep-movs helper touching a bad guest address, or the reference interpreter), is the
 * guest's: under any -d channel ferry prints the guest pc of the block and the fault address,
 * then the process dies by that signal as a native run would (exact si_addr, guest handlers
 * and precise guest state come with the signals issue). A signal sent by another process
 * (si_code <= 0) takes its default action. Anything else is a ferry bug: one line
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

static void handler(int sig, siginfo_t *si, void *ucv)
{
    RtProcess *p = fault_process;
    RtThread *t = fault_thread;
    uintptr_t pc = host_pc(ucv);
    const char *name = rt_signal_name(sig);
    if (si->si_code <= 0 && p)          /* sent by kill/tgkill: the default action */
        rt_die_by_signal(p, sig);
    bool in_cache = p && rt_cache_contains(p, pc);
    if (p && (in_cache || (t && t->in_guest))) {
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
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGBUS, &sa, NULL);
    sigaction(SIGFPE, &sa, NULL);
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
