/* host_ctx.h — reading and changing the host's signal context (the ucontext_t a SA_SIGINFO
 * handler gets): the few fields ferry's handlers need, one definition per host, so that the
 * fault handler, guarded copies and the tests' handlers agree on where they are.
 */
#ifndef FERRY_RUNTIME_HOST_CTX_H
#define FERRY_RUNTIME_HOST_CTX_H

#include <stdint.h>

/* The host pc the signal interrupted (0 on a host ferry has no backend for). */
uintptr_t rt_host_pc(const void *ucontext);
/* Resume the interrupted thread at host pc `pc` instead. */
void rt_set_host_pc(void *ucontext, uintptr_t pc);
/* aarch64: the record with this magic among the frame's __reserved records (the kernel's
 * esr_context, fpsimd_context, ...), if it is there and holds at least min_size bytes
 * (header included); else NULL (always NULL on other hosts). */
const uint8_t *rt_host_ctx_record(const void *ucontext, uint32_t magic, uint32_t min_size);

#endif /* FERRY_RUNTIME_HOST_CTX_H */
