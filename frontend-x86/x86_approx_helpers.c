/* x86_approx_helpers.c — rcpps, rcpss, rsqrtps and rsqrtss as the modelled Intel CPU computes
 * them, in portable C (it also runs on the aarch64 host).
 *
 * The SDM fixes only an error bound for these approximations (relative error at most
 * 1.5 * 2^-12), so a program that runs them natively and under ferry sees the same bits only
 * if ferry reproduces the hardware's own answers. Those were measured (tests/tools/
 * gen_approx_tables.c, on the CPU its output names): on it, the result for a normal input
 * depends only on the top 11 mantissa bits (rcp) or on the exponent's parity and the top 10
 * mantissa bits (rsqrt), scaled by the exponent. So one table entry per such index
 * (x86_approx_tables.c) and the exponent rules below give every result.
 *
 * The rules, each measured on that host (tests/unit/test_sse_approx.c checks every one of them
 * against the host, and once all 2^32 inputs of both instructions):
 *   - normal x = 2^(e-127) * 1.m: rcp = table entry of 1.m (an exponent of 126 or 127) with
 *     the exponent moved by 127 - e; a result below the smallest normal becomes zero of x's
 *     sign (x >= 2^126 or so), whatever FTZ says. rsqrt = the entry of x's index with the
 *     exponent moved by -(e - e0)/2, where e0 = 127 or 128 is the entry's own input exponent
 *     of the same parity; its results are always normal;
 *   - zeros and denormals count as zero whatever DAZ says: rcp and rsqrt give infinity of the
 *     input's sign (rsqrt(-0) = -inf, and so for negative denormals);
 *   - rcp(+-inf) = +-0; rsqrt(+inf) = +0; rsqrt of any other negative input (-inf included)
 *     is the default NaN FFC00000h;
 *   - a NaN comes back quieted (bit 22 set), sign and payload kept;
 *   - no MXCSR flag is ever raised (not PE, not DE for denormals, not IE for sNaNs or negative
 *     rsqrt inputs, not ZE for zeros) and rounding control does not matter; the SDM says so
 *     too ("SIMD Floating-Point Exceptions: None").
 * So the helper never touches the FP environment: integer code only.
 */
#include "frontend-x86/fe_internal.h"
#include "frontend-x86/x86_approx.h"

#define SIGN     0x80000000u
#define INF      0x7f800000u
#define QUIET    0x00400000u
#define DEF_NAN  0xffc00000u
#define MANT     0x007fffffu

static inline uint32_t exp_of(uint32_t x) { return (x >> 23) & 0xff; }

uint32_t x86_rcp32(uint32_t x)
{
    uint32_t sign = x & SIGN, e = exp_of(x);
    if (e == 0) return sign | INF;                      /* +-0 and denormals, as zero */
    if (e == 0xff) return x & MANT ? x | QUIET : sign;  /* NaN quieted; 1/inf = 0 */
    uint32_t t = x86_rcp_table[(x >> 12) & 0x7ff];
    int re = (int)exp_of(t) + 127 - (int)e;             /* at most 127 + 127 - 1 */
    if (re <= 0) return sign;                           /* below the normals: flushed */
    return sign | (uint32_t)re << 23 | (t & MANT);
}

uint32_t x86_rsqrt32(uint32_t x)
{
    uint32_t e = exp_of(x);
    if (e == 0) return (x & SIGN) | INF;                /* +-0 and denormals, as zero */
    if (e == 0xff && (x & MANT)) return x | QUIET;      /* NaN quieted */
    if (x & SIGN) return DEF_NAN;                       /* negative, -inf included */
    if (e == 0xff) return 0;                            /* 1/sqrt(inf) = +0 */
    uint32_t t = x86_rsqrt_table[(x >> 13) & 0x7ff];
    int e0 = 128 - (int)(e & 1);                        /* the entry's input exponent */
    int re = (int)exp_of(t) - ((int)e - e0) / 2;        /* e - e0 is even: exact */
    return (uint32_t)re << 23 | (t & MANT);
}

uint64_t x86_sse_approx(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi)
{
    X86State *s = state;
    X86Xmm *dst = &s->xmm[sel & 15];
    uint32_t (*op)(uint32_t) = sel & APPROX_RSQRT ? x86_rsqrt32 : x86_rcp32;
    if (!(sel & APPROX_PACKED)) {
        dst->d[0] = op((uint32_t)src_lo);
        return 0;
    }
    uint32_t in[4] = { (uint32_t)src_lo, (uint32_t)(src_lo >> 32), (uint32_t)src_hi,
                       (uint32_t)(src_hi >> 32) };
    for (int k = 0; k < 4; k++) dst->d[k] = op(in[k]);
    return 0;
}

void fe_register_helpers_approx(void)
{
    ir_helper_register(x86_sse_approx, "sse_approx");
}
