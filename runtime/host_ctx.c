/* host_ctx.c — the host signal context's fields (host_ctx.h). */
#include <signal.h>
#include <ucontext.h>
#include "runtime/host_ctx.h"

uintptr_t rt_host_pc(const void *ucontext)
{
    const ucontext_t *uc = ucontext;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RIP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.pc;
#else
    (void)uc;
    return 0;
#endif
}

void rt_set_host_pc(void *ucontext, uintptr_t pc)
{
    ucontext_t *uc = ucontext;
#if defined(__x86_64__)
    uc->uc_mcontext.gregs[REG_RIP] = (greg_t)pc;
#elif defined(__aarch64__)
    uc->uc_mcontext.pc = pc;
#else
    (void)uc;
    (void)pc;
#endif
}
