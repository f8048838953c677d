/* x86_sse42_helpers.h — the C helpers of gen_sse42.c: SSE4.2 string compares and crc32
 * (x86_sse42_helpers.c), AES-NI and PCLMULQDQ (x86_aes_helpers.c). Private to frontend-x86/.
 * Each file's header says what its helpers compute; this one fixes how they are called. */
#ifndef FERRY_X86_SSE42_HELPERS_H
#define FERRY_X86_SSE42_HELPERS_H

#include <stdint.h>

/* pcmpXstrX selector bits above imm8 (bits 0-7) and the xmm1 register number (bits 8-11). */
#define PCMP_EXPLICIT (1u << 12)    /* pcmpestr*: lengths from rAX and rDX */
#define PCMP_REXW     (1u << 13)    /* ... as RAX and RDX (REX.W), else EAX and EDX */

/* Index forms: returns the flags (EFLAGS bit positions) | index << 16; writes nothing. */
uint64_t x86_pcmpstri(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);
/* Mask forms: writes XMM0, returns the flags. */
uint64_t x86_pcmpstrm(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);
/* crc32: the new CRC-32C value of `bytes` (1, 2, 4, 8) bytes of data from crc[31:0]. */
uint64_t x86_crc32(void *state, uint64_t crc, uint64_t data, uint64_t bytes);

/* AES-NI and PCLMULQDQ: xmm[dst] = op(xmm[dst], src) where sel = AESOP_* << 8 | imm8 << 16 |
 * dst (0-15); the source is given as two 64-bit halves. aesimc and aeskeygenassist use only
 * the source. */
enum {
    AESOP_ENC, AESOP_ENCLAST, AESOP_DEC, AESOP_DECLAST, AESOP_IMC, AESOP_KEYGEN, AESOP_CLMUL,
};
uint64_t x86_aes_op(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi);

#endif /* FERRY_X86_SSE42_HELPERS_H */
