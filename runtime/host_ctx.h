/* host_ctx.h — reading and changing the host's signal context (the ucontext_t a SA_SIGINFO
 * handler gets): the few fields ferry's handlers need, one definition per host, so that the
 * fault handler, guarded copies and the tests' handlers agree on where they are. (The
 * records of an aarch64 frame, which ir_keep_apply reads too, are ir_host_ctx_record's.)
 */
#ifndef FERRY_RUNTIME_HOST_CTX_H
#define FERRY_RUNTIME_HOST_CTX_H

#include <stdint.h>

/* The host pc the signal interrupted (0 on a host ferry has no backend for). */
uintptr_t rt_host_pc(const void *ucontext);
/* Bytes of every host instruction where they all have one length (aarch64), else 0. */
#if defined(__aarch64__)
#define RT_HOST_INSN_FIXED 4u
#else
#define RT_HOST_INSN_FIXED 0u
#endif
/* Resume the interrupted thread at host pc `pc` instead. */
void rt_set_host_pc(void *ucontext, uintptr_t pc);
#endif /* FERRY_RUNTIME_HOST_CTX_H */
