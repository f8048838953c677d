/* x86_approx.h — rcpps/rcpss/rsqrtps/rsqrtss: the measured tables (x86_approx_tables.c,
 * generated), the model built on them and the IR helper (x86_approx_helpers.c) that
 * gen_sse_approx.c calls. Private to frontend-x86/ (and its tests). */
#ifndef FERRY_X86_APPROX_H
#define FERRY_X86_APPROX_H

#include <stdint.h>

/* Measured from hardware (see x86_approx_tables.c's header for how and on which CPU):
 * rcpss of 1 + i/2048, and rsqrtss of the input whose bits 23..13 are i (exponent 128 for
 * i < 1024, 127 above; the top 10 mantissa bits i & 1023). */
extern const uint32_t x86_rcp_table[2048];
extern const uint32_t x86_rsqrt_table[2048];

/* rcpss / rsqrtss of one float (bits in, bits out), exactly as the modelled CPU computes
 * them, whatever MXCSR holds: they read no control bit and raise no exception. */
uint32_t x86_rcp32(uint32_t x);
uint32_t x86_rsqrt32(uint32_t x);

/* The IR helper: xmm[sel & 15] = op(src) where src is given as two 64-bit halves and sel
 * holds, above the register, APPROX_RSQRT (else rcp) and APPROX_PACKED (all four lanes of
 * src; else only lane 0, from src_lo's low 32 bits, with lanes 1-3 of the register kept). */
#define APPROX_RSQRT  (1u << 4)
#define APPROX_PACKED (1u << 5)
uint64_t x86_sse_approx(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);

#endif /* FERRY_X86_APPROX_H */
