/* host_ctx.c — the host signal context's fields (host_ctx.h). */
#include <signal.h>
#include <string.h>
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

const uint8_t *rt_host_ctx_record(const void *ucontext, uint32_t magic, uint32_t min_size)
{
#if defined(__aarch64__)
    /* The records follow each other from __reserved: a 32-bit magic and a 32-bit size (of
     * the whole record), ending at a zero magic. A size that is too small or runs past the
     * area ends the walk too (a frame ferry cannot trust). */
    const ucontext_t *uc = ucontext;
    const uint8_t *rec = (const uint8_t *)uc->uc_mcontext.__reserved;
    const uint8_t *end = rec + sizeof uc->uc_mcontext.__reserved;
    while (rec + 8 <= end) {
        uint32_t m, size;
        memcpy(&m, rec, 4);
        memcpy(&size, rec + 4, 4);
        if (m == 0 || size < 8 || size > (size_t)(end - rec))
            return NULL;
        if (m == magic)
            return size >= min_size ? rec : NULL;
        rec += size;
    }
    return NULL;
#else
    (void)ucontext;
    (void)magic;
    (void)min_size;
    return NULL;
#endif
}
