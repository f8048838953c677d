/* test_ssse3.c — SSE3, SSSE3 and maskmovdqu (frontend-x86/gen_ssse3.c) against the host CPU.
 *
 * Oracle: each snippet below runs natively (GPRs, EFLAGS, MXCSR, XMM and the x87/MMX state
 * loaded by the stub of tests/common/native_harness.c, everything stored back, the x87 part as
 * an FXSAVE image) and through fe_translate_block + ir_interp_run, raw and after opt_run,
 * from the same state and guest memory (a host buffer below 4 GiB, so that the addr32 form of
 * maskmovdqu reaches it too: guest address == host address, guest_base 0). GPRs (all but
 * RSP), the arithmetic flags, MXCSR (control bits), the XMM registers, the whole memory buffer
 * and the x87 state the MMX forms change (control and status word with TOP, abridged tag
 * word, the contents of every register in use) must match bit for bit.
 *
 * Profiles: random bytes, float specials, double specials, small integers, and saturation
 * edges (words and bytes at 0, +-1, the signed and unsigned limits), each with a different
 * x87 start (TOP, tags and register contents), so the MMX transition to TOP = 0 and all tags
 * valid is exercised. Snippets marked `faults` must raise #GP natively (a misaligned m128:
 * SIGSEGV, SI_KERNEL); the translation must leave with that trap at the same instruction and
 * state. Each row keeps the Intel-syntax text next to its bytes (assembled with GNU as).
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

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ir/ir.h"
#include "frontend-x86/frontend.h"
#include "frontend-x86/x86_state.h"
#include "tests/common/native_harness.h"

/* ================================================================ the snippets */

typedef struct Case {
    const char *name;
    bool faults;        /* must raise #GP (misaligned operand) */
    unsigned len;       /* bytes of code */
    const char *asm_text;
    const char *bytes;
} Case;

/* rsi = g_mem, r12 = g_mem + 128, rdi = g_mem + 259 (maskmovdqu), rbx = 8 * (profile + 1). */
static const Case cases[] = {
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

enum { MEM_SIZE = 4096, N_PROFILES = 6, FETCH_TAIL = 5, RDI_OFF = 259 };

static uint8_t *g_mem;          /* MEM_SIZE bytes below 4 GiB */

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s ^ (*s >> 29);
}

/* 16 bytes of the profile's kind: random (0), floats (1), doubles (2, 3), small ints (4),
 * saturation edges (5). */
static void fill16(uint8_t *p, int profile, uint64_t *rng)
{
    static const uint16_t edge16[] = { 0, 1, 0xffff, 0x7fff, 0x8000, 0x8001, 0x7ffe, 0x00ff,
                                       0xff00, 0x8080, 0x7f7f, 0x0080, 0x807f, 0x4000 };
    uint64_t q[2];
    uint32_t d[4];
    uint16_t w[8];
    switch (profile) {
    case 1:
        for (int k = 0; k < 4; k++)
            d[k] = native_f32_special[rng_next(rng) % native_n_f32_special];
        memcpy(p, d, 16);
        return;
    case 2: case 3:
        for (int k = 0; k < 2; k++)
            q[k] = native_f64_special[rng_next(rng) % native_n_f64_special];
        memcpy(p, q, 16);
        return;
    case 4:
        for (int k = 0; k < 4; k++) d[k] = (uint32_t)((int32_t)(rng_next(rng) % 41) - 20);
        memcpy(p, d, 16);
        return;
    case 5:
        for (int k = 0; k < 8; k++) w[k] = edge16[rng_next(rng) % COUNT(edge16)];
        memcpy(p, w, 16);
        return;
    default:
        q[0] = rng_next(rng);
        q[1] = rng_next(rng);
        memcpy(p, q, 16);
        return;
    }
}

static void init_memory(int profile)
{
    uint64_t rng = 0x55e30000u + (uint64_t)profile * 7919u;
    for (int off = 0; off < MEM_SIZE; off += 16) fill16(g_mem + off, profile, &rng);
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
    static const uint8_t tags[N_PROFILES] = { 0x00, 0xff, 0x81, 0x3c, 0x01, 0xf0 };
    fx[4] = tags[profile];
    uint32_t mx = 0x1f80;
    memcpy(fx + 24, &mx, 4);
    for (int i = 0; i < 8; i++) {
        uint64_t sig = rng_next(rng);
        uint16_t se = (uint16_t)rng_next(rng);
        memcpy(fx + 32 + 16 * i, &sig, 8);
        memcpy(fx + 40 + 16 * i, &se, 2);
    }
    s->load_fx = 1;
}

static void init_state(TState *s, int profile)
{
    uint64_t rng = 0xabcd5353u + (uint64_t)profile * 104729u;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = rng_next(&rng);
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RBX] = 8 * (uint64_t)(profile + 1);
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)g_mem;
    s->gpr[X86_RDI] = (uint64_t)(uintptr_t)g_mem + RDI_OFF;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(g_mem + 128);
    s->rflags = 0x202 | (profile & 1 ? 0 : X86_ARITH_FLAGS);
    /* every exception masked; the rounding modes, FTZ+DAZ and preset flags by profile */
    static const uint32_t mxp[N_PROFILES] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x1fa1 };
    s->mxcsr = mxp[profile];
    for (int r = 0; r < 16; r++) fill16(s->xmm[r].b, profile, &rng);
    init_x87(s, profile, &rng);
}

/* ferry's state from a TState and its FXSAVE image (ST(i) is physical register TOP + i). */
static void to_x86(X86State *st, const TState *t, uint64_t pc)
{
    x86_state_init(st);
    memcpy(st->gpr, t->gpr, sizeof st->gpr);
    x86_set_eflags(st, t->rflags);
    st->mxcsr = t->mxcsr;
    memcpy(st->xmm, t->xmm, sizeof st->xmm);
    st->mem_base = 0;
    st->rip = pc;
    uint16_t fcw, fsw;
    memcpy(&fcw, t->fx + 0, 2);
    memcpy(&fsw, t->fx + 2, 2);
    st->fpu_cw = fcw;
    st->fpu_top = (uint8_t)((fsw >> 11) & 7);
    st->fpu_sw = (uint16_t)(fsw & ~0x3800u);
    st->fpu_tag = t->fx[4];
    for (unsigned i = 0; i < 8; i++) {
        X86Fpr *r = &st->fpr[(st->fpu_top + i) & 7];
        memcpy(&r->sig, t->fx + 32 + 16 * i, 8);
        memcpy(&r->se, t->fx + 40 + 16 * i, 2);
    }
}

/* ================================================================ translated execution */

typedef struct Fetch {
    uint64_t pc;
    uint8_t bytes[256];     /* the snippet, then jmp +0 to end the block */
    size_t len;
} Fetch;

static size_t fetch_code(void *opaque, uint64_t pc, uint8_t *buf, size_t n)
{
    const Fetch *f = opaque;
    if (pc < f->pc || pc >= f->pc + f->len) return 0;
    size_t off = (size_t)(pc - f->pc), k = f->len - off;
    if (k > n) k = n;
    memcpy(buf, f->bytes + off, k);
    return k;
}

/* Translate at f->pc (optimised or not) and run under the interpreter. Returns false if the
 * run raised a host signal. */
static bool run_translated(const Fetch *f, const TState *t, bool optimise, X86State *st,
                           uint64_t *exit_word, IrBlock **blk_out, FeStatus *status)
{
    IrBlock *blk = ir_block_new(f->pc);
    FeOptions opt = { 0 };
    FeResult res;
    fe_translate_block(blk, f->pc, fetch_code, (void *)f, &opt, &res);
    *status = res.status;
    if (optimise) opt_run(blk);
    char err[256];
    if (!ir_verify(blk, err, sizeof err)) {
        ir_print_block(stderr, blk);
        fail_msg("IR does not verify (%s): %s", optimise ? "optimised" : "raw", err);
    }
    to_x86(st, t, f->pc);
    IrGuestInfo gi = fe_guest_info(0);
    *blk_out = blk;
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        print_error("host signal %d (si_code %d) while interpreting\n", native_fault.sig,
                    native_fault.code);
        return false;
    }
    *exit_word = ir_interp_run(blk, st, &gi);
    native_armed = 0;
    return true;
}

/* ================================================================ native execution */

static int g_page;
static uint8_t *g_code;      /* one page: the snippet then native_terminator, executable */

/* Run `len` bytes at g_code natively from *s; returns true if it faulted (*s then holds the
 * state at the fault, native_fault the details). */
static bool run_native(const uint8_t *bytes, unsigned len, TState *s)
{
    mprotect(g_code, (size_t)g_page, PROT_READ | PROT_WRITE);
    memset(g_code, 0, (size_t)g_page);
    memcpy(g_code, bytes, len);
    native_terminator(g_code + len);
    mprotect(g_code, (size_t)g_page, PROT_READ | PROT_EXEC);
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        *s = native_fault.state;
        return true;
    }
    native_run(s, g_code);
    native_armed = 0;
    return false;
}

/* ================================================================ comparison */

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
    "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };


/* Compare the interpreter's state and memory with the native result (want, its FXSAVE image
 * and memory). Returns the number of differences. */
static int compare(const char *what, const X86State *st, const TState *want,
                   const uint8_t *want_mem)
{
    int bad = 0;
    for (int r = 0; r < 16; r++) {
        if (r == X86_RSP || st->gpr[r] == want->gpr[r]) continue;
        print_error("  %s: %s = %#018llx, native %#018llx\n", what, gpr_names[r],
                    (unsigned long long)st->gpr[r], (unsigned long long)want->gpr[r]);
        bad++;
    }
    uint64_t fl = x86_get_eflags(st) & X86_ARITH_FLAGS;
    if (fl != (want->rflags & X86_ARITH_FLAGS)) {
        print_error("  %s: flags = %#llx, native %#llx\n", what, (unsigned long long)fl,
                    (unsigned long long)(want->rflags & X86_ARITH_FLAGS));
        bad++;
    }
    if (st->mxcsr != want->mxcsr) {
        print_error("  %s: mxcsr = %#x, native %#x\n", what, st->mxcsr, want->mxcsr);
        bad++;
    }
    for (int r = 0; r < 16; r++) {
        if (!memcmp(&st->xmm[r], &want->xmm[r], 16)) continue;
        print_error("  %s: xmm%d = %016llx:%016llx, native %016llx:%016llx\n", what, r,
                    (unsigned long long)st->xmm[r].q[1], (unsigned long long)st->xmm[r].q[0],
                    (unsigned long long)want->xmm[r].q[1], (unsigned long long)want->xmm[r].q[0]);
        bad++;
    }
    X86State n;
    to_x86(&n, want, 0);
    if (n.fpu_cw != st->fpu_cw || n.fpu_top != st->fpu_top || n.fpu_tag != st->fpu_tag ||
        n.fpu_sw != st->fpu_sw) {
        print_error("  %s: fcw %#x top %u tag %#x fsw %#x, native %#x %u %#x %#x\n", what,
                    st->fpu_cw, st->fpu_top, st->fpu_tag, st->fpu_sw, n.fpu_cw, n.fpu_top,
                    n.fpu_tag, n.fpu_sw);
        bad++;
    }
    for (unsigned p = 0; p < 8; p++) {
        if (!(n.fpu_tag & (1u << p))) continue;
        if (n.fpr[p].sig == st->fpr[p].sig && n.fpr[p].se == st->fpr[p].se) continue;
        print_error("  %s: R%u = %04x:%016llx, native %04x:%016llx\n", what, p, st->fpr[p].se,
                    (unsigned long long)st->fpr[p].sig, n.fpr[p].se,
                    (unsigned long long)n.fpr[p].sig);
        bad++;
    }
    for (int k = 0; k < MEM_SIZE; k++) {
        if (g_mem[k] == want_mem[k]) continue;
        print_error("  %s: mem[%d] = %02x, native %02x\n", what, k, g_mem[k], want_mem[k]);
        if (++bad > 40) break;
    }
    return bad;
}

/* One snippet under one profile. Returns the number of differences. */
static int run_case(const Case *tc, int profile)
{
    static uint8_t want_mem[MEM_SIZE];
    TState start, want;
    init_state(&start, profile);
    uint64_t pc = (uint64_t)(uintptr_t)g_code;
    init_memory(profile);
    want = start;
    bool faulted = run_native((const uint8_t *)tc->bytes, tc->len, &want);
    memcpy(want_mem, g_mem, MEM_SIZE);
    if (faulted != tc->faults) {
        print_error("%s: the host %s (signal %d)\n", tc->name,
                    faulted ? "faulted" : "did not fault", faulted ? native_fault.sig : 0);
        return 1;
    }
    if (faulted && (native_fault.sig != SIGSEGV || native_fault.code != SI_KERNEL ||
                    native_fault.rip < pc || native_fault.rip >= pc + tc->len)) {
        print_error("%s: host fault is signal %d code %#x at %#llx\n", tc->name,
                    native_fault.sig, native_fault.code, (unsigned long long)native_fault.rip);
        return 1;
    }

    Fetch f = { .pc = pc, .len = tc->len + FETCH_TAIL };
    memcpy(f.bytes, tc->bytes, tc->len);
    memcpy(f.bytes + tc->len, "\xe9\x00\x00\x00\x00", FETCH_TAIL);
    int bad = 0;
    for (int optimise = 0; optimise < 2; optimise++) {
        const char *what = optimise ? "optimised" : "raw";
        X86State st;
        uint64_t ew = 0;
        IrBlock *blk = NULL;
        FeStatus status;
        init_memory(profile);
        int n = 0;
        if (!run_translated(&f, &start, optimise, &st, &ew, &blk, &status)) {
            n = 1;
        } else {
            bool trap = faulted;
            uint64_t want_rip = faulted ? native_fault.rip : pc + tc->len + FETCH_TAIL;
            IrExitKind kind = IR_EXIT_WORD_KIND(ew);
            bool ok = status == FE_OK && st.rip == want_rip &&
                      (trap ? kind == IR_EXIT_TRAP && IR_EXIT_WORD_SIG(ew) == SIGSEGV &&
                                  IR_EXIT_WORD_CODE(ew) == SI_KERNEL
                            : kind == IR_EXIT_JUMP);
            if (!ok) {
                print_error("  %s: status %d exit word %#llx rip %#llx, want %s at %#llx\n", what,
                            (int)status, (unsigned long long)ew, (unsigned long long)st.rip,
                            trap ? "the #GP trap" : "a jump", (unsigned long long)want_rip);
                n++;
            }
            n += compare(what, &st, &want, want_mem);
        }
        if (n) {
            print_error("%s [profile %d] %s\n", tc->name, profile, tc->asm_text);
            ir_print_block(stderr, blk);
        }
        ir_block_free(blk);
        bad += n;
    }
    return bad;
}

static void test_snippet(void **state)
{
    const Case *tc = *state;
    int bad = 0;
    native_catch(true);
    for (int p = 0; p < N_PROFILES; p++) bad += run_case(tc, p);
    native_catch(false);
    assert_int_equal(bad, 0);
}

/* ================================================================ undefined encodings */

/* Each raises SIGILL natively (memory forms address [rsi], which is mapped, so a decoded
 * instruction would not fault) and under ferry: the block traps at the instruction. */
static void test_undefined_encodings(void **state)
{
    (void)state;
    static const struct { const char *what, *bytes; unsigned len; } bad[] = {
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
    native_catch(true);
    for (size_t n = 0; n < COUNT(bad); n++) {
        TState t;
        init_state(&t, 0);
        init_memory(0);
        bool faulted = run_native((const uint8_t *)bad[n].bytes, bad[n].len, &t);
        if (!faulted || native_fault.sig != SIGILL)
            fail_msg("%s: the host gives signal %d, not SIGILL", bad[n].what,
                     faulted ? native_fault.sig : 0);
        Fetch f = { .pc = 0x400000, .len = bad[n].len };
        memcpy(f.bytes, bad[n].bytes, bad[n].len);
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        if (res.status == FE_OK) fail_msg("%s: translated", bad[n].what);
        X86State st;
        init_state(&t, 0);
        to_x86(&st, &t, f.pc);
        IrGuestInfo gi = fe_guest_info(0);
        uint64_t ew = ir_interp_run(blk, &st, &gi);
        if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_TRAP || IR_EXIT_WORD_SIG(ew) != SIGILL ||
            st.rip != f.pc)
            fail_msg("%s: exit word %#llx at %#llx, want SIGILL", bad[n].what,
                     (unsigned long long)ew, (unsigned long long)st.rip);
        ir_block_free(blk);
    }
    native_catch(false);
}

int main(void)
{
    fe_init();
    g_page = (int)sysconf(_SC_PAGESIZE);
    g_code = mmap(NULL, (size_t)g_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    g_mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT,
                 -1, 0);
    if (g_code == MAP_FAILED || g_mem == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    size_t n = COUNT(cases) + 1;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    if (!tests) return 1;
    for (size_t k = 0; k < COUNT(cases); k++) {
        tests[k].name = cases[k].name;
        tests[k].test_func = test_snippet;
        tests[k].initial_state = (void *)&cases[k];
    }
    tests[COUNT(cases)].name = "undefined encodings trap with SIGILL";
    tests[COUNT(cases)].test_func = test_undefined_encodings;
    int failed = _cmocka_run_group_tests("ssse3", tests, n, NULL, NULL);
    free(tests);
    return failed;
}
