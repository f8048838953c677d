/* approx_host.h — the host CPU's RCPSS and RSQRTSS on raw bits and its MXCSR (x86-64 hosts
 * only), for the generator of ferry's approximation tables (tests/tools/gen_approx_tables.c)
 * and the test that checks the model against the host (tests/unit/test_sse_approx.c). Inline
 * assembly, so that no compiler folds or replaces the instructions.
 */
#ifndef FERRY_TESTS_APPROX_HOST_H
#define FERRY_TESTS_APPROX_HOST_H

#include <stdint.h>

static inline uint32_t host_rcpss(uint32_t x)
{
    uint32_t r;
    __asm__ volatile("movd %1, %%xmm0\n\trcpss %%xmm0, %%xmm0\n\tmovd %%xmm0, %0"
                     : "=r"(r) : "r"(x) : "xmm0");
    return r;
}

static inline uint32_t host_rsqrtss(uint32_t x)
{
    uint32_t r;
    __asm__ volatile("movd %1, %%xmm0\n\trsqrtss %%xmm0, %%xmm0\n\tmovd %%xmm0, %0"
                     : "=r"(r) : "r"(x) : "xmm0");
    return r;
}

static inline uint32_t get_mxcsr(void)
{
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}

static inline void set_mxcsr(uint32_t v) { __asm__ volatile("ldmxcsr %0" : : "m"(v)); }

#endif /* FERRY_TESTS_APPROX_HOST_H */
