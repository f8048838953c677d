/* test_ssse3.c — SSE3, SSSE3 and maskmovdqu (frontend-x86/gen_ssse3.c) against the host CPU.
 *
 * The oracle is tests/common/sse_snippets.c: each snippet below runs natively and through
 * ferry (raw and optimised) from the same state and memory (below 4 GiB, so that the addr32
 * form of maskmovdqu reaches it too). GPRs, the arithmetic flags, MXCSR, the XMM registers,
 * the whole memory buffer and the x87 state the MMX forms change (control and status word
 * with TOP, abridged tag word, the contents of every register in use) must match bit for bit,
 * and each snippet must translate as one block.
 *
 * Profiles: random bytes, float specials, double specials, small integers, and saturation
 * edges (words and bytes at 0, +-1, the signed and unsigned limits), each with its own MXCSR
 * and a different x87 start (TOP, tags and register contents), so the MMX transition to
 * TOP = 0 and all tags valid is exercised. Snippets marked `faults` must raise #GP natively (a
 * misaligned m128: SIGSEGV, SI_KERNEL); the translation must leave with that trap at the same
 * instruction and state.
 *
 * Also: encodings next to these that are undefined (F2/F3 with the 0F 38 / 0F 3A forms, SSE3
 * opcodes with the wrong prefix, lddqu and maskmovdqu with the wrong ModRM form, LOCK) raise
 * SIGILL both natively and under ferry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tests/common/sse_snippets.h"

/* ================================================================ the snippets */

/* rsi = sse_mem, r12 = sse_mem + 128, rdi = sse_mem + 259 (maskmovdqu), rbx = 8 * (profile + 1). */
static const SseCase cases[] = {
    { "movddup", false, 19,
      "movddup xmm1, xmm2; movddup xmm9, [rsi+8]; movddup xmm3, [rsi+3]; movddup xmm4, xmm4",
      "\xf2\x0f\x12\xca\xf2\x44\x0f\x12\x4e\x08\xf2\x0f\x12\x5e\x03\xf2\x0f\x12"
      "\xe4" },
    { "movsldup/movshdup", false, 24,
      "movsldup xmm1, xmm2; movshdup xmm3, xmm4; movsldup xmm10, [rsi+16]; movshdup xmm11, [r12]; movshdup xmm5, xmm5",
      "\xf3\x0f\x12\xca\xf3\x0f\x16\xdc\xf3\x44\x0f\x12\x56\x10\xf3\x45\x0f\x16"
      "\x1c\x24\xf3\x0f\x16\xed" },
    { "movsldup misaligned", true, 9,
      "movsldup xmm1, xmm2; movsldup xmm1, [rsi+8]",
      "\xf3\x0f\x12\xca\xf3\x0f\x12\x4e\x08" },
    { "movshdup misaligned", true, 5,
      "movshdup xmm2, [rsi+4]",
      "\xf3\x0f\x16\x56\x04" },
    { "lddqu unaligned", false, 23,
      "lddqu xmm1, [rsi+1]; lddqu xmm12, [rsi+37]; lddqu xmm3, [r12+15]; lddqu xmm4, [rsi+32]",
      "\xf2\x0f\xf0\x4e\x01\xf2\x44\x0f\xf0\x66\x25\xf2\x41\x0f\xf0\x5c\x24\x0f"
      "\xf2\x0f\xf0\x66\x20" },
    { "addsubps/addsubpd", false, 27,
      "addsubps xmm0, xmm1; addsubpd xmm2, xmm3; addsubps xmm4, [rsi+16]; addsubpd xmm13, [rsi+32]; addsubps xmm5, xmm5; addsubpd xmm6, xmm6",
      "\xf2\x0f\xd0\xc1\x66\x0f\xd0\xd3\xf2\x0f\xd0\x66\x10\x66\x44\x0f\xd0\x6e"
      "\x20\xf2\x0f\xd0\xed\x66\x0f\xd0\xf6" },
    { "addsubpd misaligned", true, 5,
      "addsubpd xmm2, [rsi+8]",
      "\x66\x0f\xd0\x56\x08" },
    { "haddps/haddpd", false, 27,
      "haddps xmm0, xmm1; haddpd xmm2, xmm3; haddps xmm4, [rsi+48]; haddpd xmm5, [rsi+64]; haddps xmm6, xmm6; haddpd xmm14, xmm14",
      "\xf2\x0f\x7c\xc1\x66\x0f\x7c\xd3\xf2\x0f\x7c\x66\x30\x66\x0f\x7c\x6e\x40"
      "\xf2\x0f\x7c\xf6\x66\x45\x0f\x7c\xf6" },
    { "hsubps/hsubpd", false, 27,
      "hsubps xmm0, xmm1; hsubpd xmm2, xmm3; hsubps xmm4, [rsi+48]; hsubpd xmm5, [rsi+64]; hsubps xmm6, xmm6; hsubpd xmm14, xmm15",
      "\xf2\x0f\x7d\xc1\x66\x0f\x7d\xd3\xf2\x0f\x7d\x66\x30\x66\x0f\x7d\x6e\x40"
      "\xf2\x0f\x7d\xf6\x66\x45\x0f\x7d\xf7" },
    { "haddps misaligned", true, 5,
      "haddps xmm4, [rsi+40]",
      "\xf2\x0f\x7c\x66\x28" },
    { "66 F2 0F 7C is haddps", false, 10,
      ".byte 0x66,0xf2,0x0f,0x7c,0xca; .byte 0xf2,0x66,0x0f,0xd0,0xd3",
      "\x66\xf2\x0f\x7c\xca\xf2\x66\x0f\xd0\xd3" },
    { "pshufb", false, 22,
      "pshufb xmm0, xmm1; pshufb xmm2, [rsi+16]; pshufb xmm3, xmm3; pshufb xmm12, xmm9",
      "\x66\x0f\x38\x00\xc1\x66\x0f\x38\x00\x56\x10\x66\x0f\x38\x00\xdb\x66\x45"
      "\x0f\x38\x00\xe1" },
    { "phaddw/phaddd/phaddsw", false, 33,
      "phaddw xmm0, xmm1; phaddd xmm2, xmm3; phaddsw xmm4, xmm5; phaddw xmm6, [rsi+32]; phaddd xmm7, xmm7; phaddsw xmm8, [rsi+48]",
      "\x66\x0f\x38\x01\xc1\x66\x0f\x38\x02\xd3\x66\x0f\x38\x03\xe5\x66\x0f\x38"
      "\x01\x76\x20\x66\x0f\x38\x02\xff\x66\x44\x0f\x38\x03\x46\x30" },
    { "phsubw/phsubd/phsubsw", false, 33,
      "phsubw xmm0, xmm1; phsubd xmm2, xmm3; phsubsw xmm4, xmm5; phsubw xmm6, [rsi+32]; phsubd xmm7, [rsi+80]; phsubsw xmm8, xmm8",
      "\x66\x0f\x38\x05\xc1\x66\x0f\x38\x06\xd3\x66\x0f\x38\x07\xe5\x66\x0f\x38"
      "\x05\x76\x20\x66\x0f\x38\x06\x7e\x50\x66\x45\x0f\x38\x07\xc0" },
    { "pmaddubsw/pmulhrsw", false, 33,
      "pmaddubsw xmm0, xmm1; pmulhrsw xmm2, xmm3; pmaddubsw xmm4, [rsi+64]; pmulhrsw xmm5, [rsi+80]; pmulhrsw xmm6, xmm6; pmaddubsw xmm10, xmm10",
      "\x66\x0f\x38\x04\xc1\x66\x0f\x38\x0b\xd3\x66\x0f\x38\x04\x66\x40\x66\x0f"
      "\x38\x0b\x6e\x50\x66\x0f\x38\x0b\xf6\x66\x45\x0f\x38\x04\xd2" },
    { "psignb/w/d", false, 33,
      "psignb xmm0, xmm1; psignw xmm2, xmm3; psignd xmm4, xmm5; psignb xmm6, [rsi+16]; psignw xmm7, xmm7; psignd xmm11, [rsi+96]",
      "\x66\x0f\x38\x08\xc1\x66\x0f\x38\x09\xd3\x66\x0f\x38\x0a\xe5\x66\x0f\x38"
      "\x08\x76\x10\x66\x0f\x38\x09\xff\x66\x44\x0f\x38\x0a\x5e\x60" },
    { "pabsb/w/d", false, 33,
      "pabsb xmm0, xmm1; pabsw xmm2, xmm3; pabsd xmm4, xmm5; pabsb xmm6, [rsi+32]; pabsw xmm7, [rsi+48]; pabsd xmm15, xmm15",
      "\x66\x0f\x38\x1c\xc1\x66\x0f\x38\x1d\xd3\x66\x0f\x38\x1e\xe5\x66\x0f\x38"
      "\x1c\x76\x20\x66\x0f\x38\x1d\x7e\x30\x66\x45\x0f\x38\x1e\xff" },
    { "palignr small shifts", false, 32,
      "palignr xmm0, xmm1, 0; palignr xmm2, xmm3, 1; palignr xmm4, xmm5, 7; palignr xmm6, xmm7, 15; palignr xmm8, [rsi+16], 8",
      "\x66\x0f\x3a\x0f\xc1\x00\x66\x0f\x3a\x0f\xd3\x01\x66\x0f\x3a\x0f\xe5\x07"
      "\x66\x0f\x3a\x0f\xf7\x0f\x66\x44\x0f\x3a\x0f\x46\x10\x08" },
    { "palignr large shifts", false, 38,
      "palignr xmm0, xmm1, 16; palignr xmm2, xmm3, 17; palignr xmm4, xmm5, 31; palignr xmm6, xmm7, 32; palignr xmm8, xmm9, 255; palignr xmm10, xmm10, 5",
      "\x66\x0f\x3a\x0f\xc1\x10\x66\x0f\x3a\x0f\xd3\x11\x66\x0f\x3a\x0f\xe5\x1f"
      "\x66\x0f\x3a\x0f\xf7\x20\x66\x45\x0f\x3a\x0f\xc1\xff\x66\x45\x0f\x3a\x0f"
      "\xd2\x05" },
    { "pshufb misaligned", true, 6,
      "pshufb xmm2, [rsi+1]",
      "\x66\x0f\x38\x00\x56\x01" },
    { "palignr misaligned", true, 7,
      "palignr xmm2, [rsi+24], 3",
      "\x66\x0f\x3a\x0f\x56\x18\x03" },
    { "pmulhrsw misaligned", true, 6,
      "pmulhrsw xmm2, [rsi+12]",
      "\x66\x0f\x38\x0b\x56\x0c" },
    { "pshufb mm", false, 13,
      "pshufb mm0, mm1; pshufb mm2, [rsi+3]; pshufb mm3, mm3",
      "\x0f\x38\x00\xc1\x0f\x38\x00\x56\x03\x0f\x38\x00\xdb" },
    { "phadd/phsub mm", false, 26,
      "phaddw mm0, mm1; phaddd mm2, mm3; phaddsw mm4, mm5; phsubw mm6, [rsi+8]; phsubd mm7, mm7; phsubsw mm1, [rsi+13]",
      "\x0f\x38\x01\xc1\x0f\x38\x02\xd3\x0f\x38\x03\xe5\x0f\x38\x05\x76\x08\x0f"
      "\x38\x06\xff\x0f\x38\x07\x4e\x0d" },
    { "pmaddubsw/pmulhrsw mm", false, 22,
      "pmaddubsw mm0, mm1; pmulhrsw mm2, mm3; pmaddubsw mm4, [rsi+5]; pmulhrsw mm5, [rsi+24]; pmulhrsw mm6, mm6",
      "\x0f\x38\x04\xc1\x0f\x38\x0b\xd3\x0f\x38\x04\x66\x05\x0f\x38\x0b\x6e\x18"
      "\x0f\x38\x0b\xf6" },
    { "psign/pabs mm", false, 26,
      "psignb mm0, mm1; psignw mm2, mm3; psignd mm4, [rsi+7]; pabsb mm5, mm6; pabsw mm6, [rsi+9]; pabsd mm7, mm0",
      "\x0f\x38\x08\xc1\x0f\x38\x09\xd3\x0f\x38\x0a\x66\x07\x0f\x38\x1c\xee\x0f"
      "\x38\x1d\x76\x09\x0f\x38\x1e\xf8" },
    { "palignr mm", false, 31,
      "palignr mm0, mm1, 0; palignr mm2, mm3, 3; palignr mm4, mm5, 8; palignr mm6, [rsi+1], 11; palignr mm7, mm7, 16; palignr mm1, mm2, 200",
      "\x0f\x3a\x0f\xc1\x00\x0f\x3a\x0f\xd3\x03\x0f\x3a\x0f\xe5\x08\x0f\x3a\x0f"
      "\x76\x01\x0b\x0f\x3a\x0f\xff\x10\x0f\x3a\x0f\xca\xc8" },
    { "REX on mm and xmm forms", false, 31,
      ".byte 0x49,0x0f,0x38,0x00,0xc1; .byte 0x4d,0x0f,0x3a,0x0f,0xd3,0x02; pshufb xmm8, xmm9; palignr xmm10, xmm11, 9; psignd xmm12, [rsi+rbx*2]",
      "\x49\x0f\x38\x00\xc1\x4d\x0f\x3a\x0f\xd3\x02\x66\x45\x0f\x38\x00\xc1\x66"
      "\x45\x0f\x3a\x0f\xd3\x09\x66\x44\x0f\x38\x0a\x24\x5e" },
    { "sse3 after mmx keeps x87 state", false, 13,
      "pabsb mm1, mm2; haddpd xmm1, xmm2; movddup xmm3, [rsi+8]",
      "\x0f\x38\x1c\xca\x66\x0f\x7c\xca\xf2\x0f\x12\x5e\x08" },
    { "maskmovdqu", false, 12,
      "maskmovdqu xmm1, xmm2; maskmovdqu xmm3, xmm4; maskmovdqu xmm5, xmm5",
      "\x66\x0f\xf7\xca\x66\x0f\xf7\xdc\x66\x0f\xf7\xed" },
    { "maskmovdqu zero and full mask", false, 16,
      "pxor xmm7, xmm7; maskmovdqu xmm1, xmm7; pcmpeqb xmm7, xmm7; maskmovdqu xmm2, xmm7",
      "\x66\x0f\xef\xff\x66\x0f\xf7\xcf\x66\x0f\x74\xff\x66\x0f\xf7\xd7" },
    { "maskmovdqu addr32", false, 24,
      "mov rax, 0x1234567800000000; or rdi, rax; addr32 maskmovdqu xmm5, xmm6; addr32 maskmovdqu xmm8, xmm9",
      "\x48\xb8\x00\x00\x00\x00\x78\x56\x34\x12\x48\x09\xc7\x67\x66\x0f\xf7\xee"
      "\x67\x66\x45\x0f\xf7\xc1" },
    { "ssse3 kernel", false, 46,
      "movdqu xmm0, [rsi+5]; pshufb xmm0, [rsi+64]; pabsb xmm1, xmm0; pmaddubsw xmm1, [rsi+16]; phaddw xmm1, xmm1; palignr xmm2, xmm0, 4; psignw xmm2, xmm1; movdqu [rsi+200], xmm2",
      "\xf3\x0f\x6f\x46\x05\x66\x0f\x38\x00\x46\x40\x66\x0f\x38\x1c\xc8\x66\x0f"
      "\x38\x04\x4e\x10\x66\x0f\x38\x01\xc9\x66\x0f\x3a\x0f\xd0\x04\x66\x0f\x38"
      "\x09\xd1\xf3\x0f\x7f\x96\xc8\x00\x00\x00" },
};

/* ================================================================ start states */

enum { RDI_OFF = 259 };

/* What 16 bytes hold by profile: random (0), floats (1), doubles (2, 3), small ints (4),
 * saturation edges (5). */
static const SseFill fill[SSE_N_PROFILES] = {
    SSE_FILL_RANDOM, SSE_FILL_F32, SSE_FILL_F64, SSE_FILL_F64, SSE_FILL_SMALL_INT,
    SSE_FILL_EDGE16,
};

static void init_memory(int profile)
{
    uint64_t rng = 0x55e30000u + (uint64_t)profile * 7919u;
    for (int off = 0; off < SSE_MEM_SIZE; off += 16) sse_fill16(sse_mem + off, fill[profile], &rng);
}

/* The x87 start: FNINIT's control word, TOP and the tag word from the profile, every register
 * filled (as ST(i) in the FXSAVE image; fxrstor takes it whatever the tags say). */
static void init_x87(TState *s, int profile, uint64_t *rng)
{
    uint8_t *fx = s->fx;
    memset(fx, 0, sizeof s->fx);
    uint16_t fcw = 0x037f, fsw = (uint16_t)(((profile * 3) & 7) << 11);
    memcpy(fx + 0, &fcw, 2);
    memcpy(fx + 2, &fsw, 2);
    static const uint8_t tags[SSE_N_PROFILES] = { 0x00, 0xff, 0x81, 0x3c, 0x01, 0xf0 };
    fx[4] = tags[profile];
    uint32_t mx = 0x1f80;
    memcpy(fx + 24, &mx, 4);
    for (int i = 0; i < 8; i++) {
        uint64_t sig = sse_rng_next(rng);
        uint16_t se = (uint16_t)sse_rng_next(rng);
        memcpy(fx + 32 + 16 * i, &sig, 8);
        memcpy(fx + 40 + 16 * i, &se, 2);
    }
    s->load_fx = 1;
}

static void init_state(TState *s, int profile, uint64_t seed)
{
    (void)seed;
    uint64_t rng = 0xabcd5353u + (uint64_t)profile * 104729u;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = sse_rng_next(&rng);
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RBX] = 8 * (uint64_t)(profile + 1);
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)sse_mem;
    s->gpr[X86_RDI] = (uint64_t)(uintptr_t)sse_mem + RDI_OFF;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(sse_mem + 128);
    s->rflags = 0x202 | (profile & 1 ? 0 : X86_ARITH_FLAGS);
    s->mxcsr = sse_mxcsr_profile[profile];
    for (int r = 0; r < 16; r++) sse_fill16(s->xmm[r].b, fill[profile], &rng);
    init_x87(s, profile, &rng);
}

/* ================================================================ undefined encodings */

/* Each raises SIGILL natively (memory forms address [rsi], which is mapped, so a decoded
 * instruction would not fault) and under ferry: the block traps at the instruction. */
static const SseEncoding undefined[] = {
    { "F2 0F 38 00 (pshufb with F2)", "\xf2\x0f\x38\x00\xc1", 5 },
    { "F3 0F 38 00 (pshufb with F3)", "\xf3\x0f\x38\x00\xc1", 5 },
    { "66 F3 0F 38 1C (pabsb with F3)", "\x66\xf3\x0f\x38\x1c\xc1", 6 },
    { "F3 0F 3A 0F (palignr with F3)", "\xf3\x0f\x3a\x0f\xc1\x01", 6 },
    { "F3 0F 7C (haddps with F3)", "\xf3\x0f\x7c\xc1", 4 },
    { "0F 7C (haddps without prefix)", "\x0f\x7c\xc1", 3 },
    { "F3 0F D0 (addsubps with F3)", "\xf3\x0f\xd0\xc1", 4 },
    { "0F D0 (addsubps without prefix)", "\x0f\xd0\xc1", 3 },
    { "66 0F F0 (lddqu with 66)", "\x66\x0f\xf0\x06", 4 },
    { "0F F0 (lddqu without prefix)", "\x0f\xf0\x06", 3 },
    { "F2 0F F0 register form", "\xf2\x0f\xf0\xc1", 4 },
    { "F2 0F 16 (movshdup with F2)", "\xf2\x0f\x16\xc1", 4 },
    { "maskmovdqu memory form", "\x66\x0f\xf7\x06", 4 },
    { "lock pshufb", "\xf0\x66\x0f\x38\x00\xc1", 6 },
    { "lock haddpd", "\xf0\x66\x0f\x7c\xc1", 5 },
    { "lock maskmovdqu", "\xf0\x66\x0f\xf7\xc1", 5 },
    { "0F 38 0C (VEX only)", "\x66\x0f\x38\x0c\xc1", 5 },
};

int main(void)
{
    static const SseSuite suite = {
        .name = "ssse3", .cases = cases, .n_cases = COUNT(cases), .n_seeds = 1,
        .init_state = init_state, .init_memory = init_memory,
        .compare_x87 = true, .one_block = true,
        .rejected_test = "undefined encodings trap with SIGILL",
        .rejected = undefined, .n_rejected = COUNT(undefined), .rejected_native = true,
    };
    return sse_main(&suite);
}
