/* test_sse42.c — SSE4.2, AES-NI and PCLMULQDQ translation (frontend-x86/gen_sse42.c and its
 * helpers x86_sse42_helpers.c, x86_aes_helpers.c) against the host CPU and known answers.
 *
 * Oracle 1, the host: each snippet of the table runs natively (tests/common/native_harness.c
 * loads and stores GPRs, EFLAGS, MXCSR and XMM registers from a TState) and through
 * fe_translate_block + ir_interp_run, raw and after opt_run, from the same state and the same
 * memory (a host buffer: guest address == host address). GPRs (all but RSP), the arithmetic
 * flags, XMM registers and memory must match bit for bit. Snippets marked `faults` must raise
 * #GP natively (SIGSEGV, SI_KERNEL: a misaligned m128 of pcmpgtq, AES or pclmulqdq) and leave
 * the translation with the trap exit at that instruction and the same state. Each snippet
 * runs under several start profiles chosen so that the string compares find something:
 * bytes or words from a small alphabet with zeros, needles cut out of the string register,
 * range pairs, random bits, and lengths in EAX/EDX around and beyond 8 and 16, negative, with
 * high halves that only REX.W reads.
 *
 * The string compares are also swept: all 256 imm8 values of the four instructions, with
 * and without REX.W, each on many random states, against the host.
 *
 * Oracle 2, known answers: the FIPS-197 Appendix C.1 AES-128 vector (key expansion with
 * aeskeygenassist, nine aesenc and one aesenclast, then back with aesimc, aesdec and
 * aesdeclast), every S-box and inverse S-box entry against FIPS-197's definition (GF(2^8)
 * inverse and the affine map) through aesenclast/aesdeclast, the CRC-32C check value of
 * "123456789" (E3069283h) through crc32 of every source size, and carry-less products whose
 * values are known. These run through ferry only, but also natively as a check of the test.
 *
 * Finally, encodings that are not these instructions (no 66, F2/F3 where 66 belongs, LOCK,
 * VEX) must trap with SIGILL.
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

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ================================================================ the snippets */

typedef struct Snippet {
    const char *name;
    bool faults;        /* must raise #GP (misaligned aligned-form operand) */
    unsigned len;       /* bytes of code */
    const char *asm_text;
    const char *bytes;
} Snippet;

/* rsi = g_mem, r12 = g_mem + 128, r13 = g_mem + 64, rdi = 16 in every profile. */
static const Snippet cases[] = {
    { "pcmpgtq reg", false, 22,
      "pcmpgtq xmm1, xmm2; pcmpgtq xmm9, xmm14; pcmpgtq xmm3, xmm3; pcmpgtq xmm15, xmm0",
      "\x66\x0f\x38\x37\xca\x66\x45\x0f\x38\x37\xce\x66\x0f\x38\x37\xdb\x66\x44"
      "\x0f\x38\x37\xf8" },
    { "pcmpgtq mem", false, 20,
      "pcmpgtq xmm4, [rsi+16]; pcmpgtq xmm12, [r12+32]; pcmpgtq xmm5, [rsi+rdi*2]",
      "\x66\x0f\x38\x37\x66\x10\x66\x45\x0f\x38\x37\x64\x24\x20\x66\x0f\x38\x37"
      "\x2c\x7e" },
    { "pcmpgtq misaligned", true, 11,
      "pcmpgtq xmm1, xmm2; pcmpgtq xmm4, [rsi+8]",
      "\x66\x0f\x38\x37\xca\x66\x0f\x38\x37\x66\x08" },
    { "pcmpistri reg", false, 34,
      "pcmpistri xmm1, xmm2, 0x00; mov r8, rcx; pcmpistri xmm3, xmm4, 0x0c; mov r9, rcx; pcmpistri xmm5, xmm6, 0x48; mov r10, rcx; pcmpistri xmm12, xmm13, 0x3a",
      "\x66\x0f\x3a\x63\xca\x00\x49\x89\xc8\x66\x0f\x3a\x63\xdc\x0c\x49\x89\xc9"
      "\x66\x0f\x3a\x63\xee\x48\x49\x89\xca\x66\x45\x0f\x3a\x63\xe5\x3a" },
    { "pcmpistri flags", false, 33,
      "pcmpistri xmm1, xmm2, 0x04; setc al; seto bl; sets dl; setz r8b; setp r9b; lahf; mov r10, rax; pcmpistri xmm2, xmm1, 0x18",
      "\x66\x0f\x3a\x63\xca\x04\x0f\x92\xc0\x0f\x90\xc3\x0f\x98\xc2\x41\x0f\x94"
      "\xc0\x41\x0f\x9a\xc1\x9f\x49\x89\xc2\x66\x0f\x3a\x63\xd1\x18" },
    { "pcmpistri mem unaligned", false, 30,
      "pcmpistri xmm1, [rsi+5], 0x1a; mov r8, rcx; pcmpistri xmm11, [r12+3], 0x01; mov r9, rcx; pcmpistri xmm2, [rsi+rdi+1], 0x7f",
      "\x66\x0f\x3a\x63\x4e\x05\x1a\x49\x89\xc8\x66\x45\x0f\x3a\x63\x5c\x24\x03"
      "\x01\x49\x89\xc9\x66\x0f\x3a\x63\x54\x3e\x01\x7f" },
    { "pcmpistri same register", false, 24,
      "pcmpistri xmm7, xmm7, 0x08; mov r8, rcx; pcmpistri xmm7, xmm7, 0x0c; mov r9, rcx; pcmpistri xmm7, xmm7, 0x38",
      "\x66\x0f\x3a\x63\xff\x08\x49\x89\xc8\x66\x0f\x3a\x63\xff\x0c\x49\x89\xc9"
      "\x66\x0f\x3a\x63\xff\x38" },
    { "pcmpistrm", false, 30,
      "pcmpistrm xmm2, xmm5, 0x40; movdqa xmm8, xmm0; pcmpistrm xmm10, [rsi+3], 0x4d; movdqa xmm9, xmm0; pcmpistrm xmm0, xmm1, 0x00",
      "\x66\x0f\x3a\x62\xd5\x40\x66\x44\x0f\x6f\xc0\x66\x44\x0f\x3a\x62\x56\x03"
      "\x4d\x66\x44\x0f\x6f\xc8\x66\x0f\x3a\x62\xc1\x00" },
    { "pcmpistrm word masks", false, 28,
      "pcmpistrm xmm3, xmm4, 0x41; movdqa xmm8, xmm0; pcmpistrm xmm3, xmm4, 0x01; movdqa xmm9, xmm0; pcmpistrm xmm1, xmm0, 0x79",
      "\x66\x0f\x3a\x62\xdc\x41\x66\x44\x0f\x6f\xc0\x66\x0f\x3a\x62\xdc\x01\x66"
      "\x44\x0f\x6f\xc8\x66\x0f\x3a\x62\xc8\x79" },
    { "pcmpestri", false, 45,
      "mov eax, 5; mov edx, 9; pcmpestri xmm1, xmm2, 0x00; mov r8, rcx; mov eax, -3; mov edx, 100; pcmpestri xmm3, xmm4, 0x0c; mov r9, rcx; pcmpestri xmm5, [rsi+7], 0x44",
      "\xb8\x05\x00\x00\x00\xba\x09\x00\x00\x00\x66\x0f\x3a\x61\xca\x00\x49\x89"
      "\xc8\xb8\xfd\xff\xff\xff\xba\x64\x00\x00\x00\x66\x0f\x3a\x61\xdc\x0c\x49"
      "\x89\xc9\x66\x0f\x3a\x61\x6e\x07\x44" },
    { "pcmpestri length edge", false, 42,
      "mov eax, 0x80000000; mov rdx, -1; pcmpestri xmm1, xmm2, 0x08; mov r8, rcx; mov rax, 0x100000003; xor edx, edx; pcmpestri xmm1, xmm2, 0x09; mov r9, rcx",
      "\xb8\x00\x00\x00\x80\x48\xc7\xc2\xff\xff\xff\xff\x66\x0f\x3a\x61\xca\x08"
      "\x49\x89\xc8\x48\xb8\x03\x00\x00\x00\x01\x00\x00\x00\x31\xd2\x66\x0f\x3a"
      "\x61\xca\x09\x49\x89\xc9" },
    { "pcmpestri rex.w", false, 45,
      "mov rax, 0x100000003; mov rdx, -7; .byte 0x66,0x48,0x0f,0x3a,0x61,0xca,0x08; mov r8, rcx; mov rax, 0x8000000000000000; .byte 0x66,0x4c,0x0f,0x3a,0x61,0x4e,0x03,0x0c",
      "\x48\xb8\x03\x00\x00\x00\x01\x00\x00\x00\x48\xc7\xc2\xf9\xff\xff\xff\x66"
      "\x48\x0f\x3a\x61\xca\x08\x49\x89\xc8\x48\xb8\x00\x00\x00\x00\x00\x00\x00"
      "\x80\x66\x4c\x0f\x3a\x61\x4e\x03\x0c" },
    { "pcmpestrm", false, 44,
      "mov eax, 7; mov edx, 16; pcmpestrm xmm1, xmm2, 0x00; movdqa xmm8, xmm0; mov eax, 2; pcmpestrm xmm3, [rsi+9], 0x44; movdqa xmm9, xmm0; pcmpestrm xmm0, xmm6, 0x7d",
      "\xb8\x07\x00\x00\x00\xba\x10\x00\x00\x00\x66\x0f\x3a\x60\xca\x00\x66\x44"
      "\x0f\x6f\xc0\xb8\x02\x00\x00\x00\x66\x0f\x3a\x60\x5e\x09\x44\x66\x44\x0f"
      "\x6f\xc8\x66\x0f\x3a\x60\xc6\x7d" },
    { "pcmpestrm rex.w", false, 29,
      "mov rax, -4; mov rdx, 0x7fffffff00000002; .byte 0x66,0x48,0x0f,0x3a,0x60,0xca,0x4c; movdqa xmm8, xmm0",
      "\x48\xc7\xc0\xfc\xff\xff\xff\x48\xba\x02\x00\x00\x00\xff\xff\xff\x7f\x66"
      "\x48\x0f\x3a\x60\xca\x4c\x66\x44\x0f\x6f\xc0" },
    { "pcmpestri profile lengths", false, 24,
      "pcmpestri xmm1, xmm2, 0x30; mov r8, rcx; pcmpestri xmm3, xmm4, 0x35; mov r9, rcx; pcmpestrm xmm5, xmm6, 0x3c",
      "\x66\x0f\x3a\x61\xca\x30\x49\x89\xc8\x66\x0f\x3a\x61\xdc\x35\x49\x89\xc9"
      "\x66\x0f\x3a\x60\xee\x3c" },
    { "crc32 r32, r/m8", false, 33,
      "crc32 eax, bl; crc32 eax, ah; crc32 r9d, sil; crc32 r10d, r11b; crc32 ecx, byte ptr [rsi+3]; crc32 edx, dh",
      "\xf2\x0f\x38\xf0\xc3\xf2\x0f\x38\xf0\xc4\xf2\x44\x0f\x38\xf0\xce\xf2\x45"
      "\x0f\x38\xf0\xd3\xf2\x0f\x38\xf0\x4e\x03\xf2\x0f\x38\xf0\xd6" },
    { "crc32 r64, r/m8", false, 19,
      "crc32 rax, bl; crc32 r9, byte ptr [rsi+17]; crc32 rcx, r15b",
      "\xf2\x48\x0f\x38\xf0\xc3\xf2\x4c\x0f\x38\xf0\x4e\x11\xf2\x49\x0f\x38\xf0"
      "\xcf" },
    { "crc32 r32, r/m16", false, 20,
      "crc32 eax, bx; crc32 edx, word ptr [rsi+1]; crc32 r8d, r14w",
      "\x66\xf2\x0f\x38\xf1\xc3\x66\xf2\x0f\x38\xf1\x56\x01\x66\xf2\x45\x0f\x38"
      "\xf1\xc6" },
    { "crc32 r32, r/m32", false, 17,
      "crc32 eax, ebx; crc32 r10d, dword ptr [rsi+9]; crc32 ecx, ecx",
      "\xf2\x0f\x38\xf1\xc3\xf2\x44\x0f\x38\xf1\x56\x09\xf2\x0f\x38\xf1\xc9" },
    { "crc32 r64, r/m64", false, 19,
      "crc32 rax, rbx; crc32 r11, qword ptr [rsi+13]; crc32 rdx, rdx",
      "\xf2\x48\x0f\x38\xf1\xc3\xf2\x4c\x0f\x38\xf1\x5e\x0d\xf2\x48\x0f\x38\xf1"
      "\xd2" },
    { "crc32 prefix orders", false, 25,
      ".byte 0xf2,0x66,0x0f,0x38,0xf1,0xc3; .byte 0x66,0xf2,0x0f,0x38,0xf1,0xca; .byte 0x66,0xf2,0x48,0x0f,0x38,0xf1,0xd3; .byte 0x66,0xf2,0x0f,0x38,0xf0,0xc3",
      "\xf2\x66\x0f\x38\xf1\xc3\x66\xf2\x0f\x38\xf1\xca\x66\xf2\x48\x0f\x38\xf1"
      "\xd3\x66\xf2\x0f\x38\xf0\xc3" },
    { "crc32 keeps flags", false, 19,
      "cmp eax, ebx; crc32 eax, ebx; setb cl; seto dl; crc32 r8, qword ptr [rsi]",
      "\x39\xd8\xf2\x0f\x38\xf1\xc3\x0f\x92\xc1\x0f\x90\xc2\xf2\x4c\x0f\x38\xf1"
      "\x06" },
    { "aesenc/aesenclast", false, 29,
      "aesenc xmm1, xmm2; aesenclast xmm3, xmm4; aesenc xmm9, [rsi+32]; aesenclast xmm10, [r12]; aesenc xmm5, xmm5",
      "\x66\x0f\x38\xdc\xca\x66\x0f\x38\xdd\xdc\x66\x44\x0f\x38\xdc\x4e\x20\x66"
      "\x45\x0f\x38\xdd\x14\x24\x66\x0f\x38\xdc\xed" },
    { "aesdec/aesdeclast", false, 29,
      "aesdec xmm1, xmm2; aesdeclast xmm3, xmm4; aesdec xmm11, [rsi+48]; aesdeclast xmm12, [r13]; aesdeclast xmm6, xmm6",
      "\x66\x0f\x38\xde\xca\x66\x0f\x38\xdf\xdc\x66\x44\x0f\x38\xde\x5e\x30\x66"
      "\x45\x0f\x38\xdf\x65\x00\x66\x0f\x38\xdf\xf6" },
    { "aesimc", false, 17,
      "aesimc xmm1, xmm2; aesimc xmm13, [rsi+16]; aesimc xmm7, xmm7",
      "\x66\x0f\x38\xdb\xca\x66\x44\x0f\x38\xdb\x6e\x10\x66\x0f\x38\xdb\xff" },
    { "aeskeygenassist", false, 26,
      "aeskeygenassist xmm2, xmm3, 0x1b; aeskeygenassist xmm12, [rsi+64], 0x80; aeskeygenassist xmm4, xmm4, 0x00; aeskeygenassist xmm5, xmm1, 0xff",
      "\x66\x0f\x3a\xdf\xd3\x1b\x66\x44\x0f\x3a\xdf\x66\x40\x80\x66\x0f\x3a\xdf"
      "\xe4\x00\x66\x0f\x3a\xdf\xe9\xff" },
    { "aesenc misaligned", true, 11,
      "aesenc xmm1, xmm2; aesenc xmm1, [rsi+4]",
      "\x66\x0f\x38\xdc\xca\x66\x0f\x38\xdc\x4e\x04" },
    { "aesdeclast misaligned", true, 6,
      "aesdeclast xmm3, [rsi+33]",
      "\x66\x0f\x38\xdf\x5e\x21" },
    { "aesimc misaligned", true, 6,
      "aesimc xmm1, [rsi+8]",
      "\x66\x0f\x38\xdb\x4e\x08" },
    { "aeskeygenassist misaligned", true, 7,
      "aeskeygenassist xmm1, [rsi+1], 1",
      "\x66\x0f\x3a\xdf\x4e\x01\x01" },
    { "pclmulqdq", false, 32,
      "pclmulqdq xmm1, xmm2, 0x00; pclmulqdq xmm3, xmm4, 0x01; pclmulqdq xmm5, xmm6, 0x10; pclmulqdq xmm7, xmm8, 0x11; pclmulqdq xmm9, xmm9, 0xee",
      "\x66\x0f\x3a\x44\xca\x00\x66\x0f\x3a\x44\xdc\x01\x66\x0f\x3a\x44\xee\x10"
      "\x66\x41\x0f\x3a\x44\xf8\x11\x66\x45\x0f\x3a\x44\xc9\xee" },
    { "pclmulqdq mem", false, 23,
      "pclmulqdq xmm1, [rsi+16], 0x11; pclmulqdq xmm10, [r12+16], 0x01; pclmulqdq xmm2, [rsi+rdi*4], 0x10",
      "\x66\x0f\x3a\x44\x4e\x10\x11\x66\x45\x0f\x3a\x44\x54\x24\x10\x01\x66\x0f"
      "\x3a\x44\x14\xbe\x10" },
    { "pclmulqdq misaligned", true, 7,
      "pclmulqdq xmm1, [rsi+24], 0x00",
      "\x66\x0f\x3a\x44\x4e\x18\x00" },
};

/* ================================================================ start states */

enum { MEM_SIZE = 4096, N_PROFILES = 6 };

/* Guest memory, at the same address natively and under the interpreter. */
static uint8_t g_mem[MEM_SIZE] __attribute__((aligned(64)));

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s ^ (*s >> 29);
}

/* 16 bytes for a profile: 0 small byte alphabet, 1 small word alphabet, 2 random bits,
 * 3 range pairs and printable bytes, 4 bytes with many zeros, 5 signed extremes. */
static void fill16(uint8_t *p, int profile, uint64_t *rng)
{
    static const uint8_t bytes[] = { 'a', 'b', 'c', 'a', 'b', 0x7f, 0x80, 0xff, 0x01, 0 };
    static const uint16_t words[] = { 'a', 'b', 0x6100, 0x8000, 0x7fff, 0xffff, 0x0061, 0 };
    uint64_t r;
    for (int k = 0; k < 16; k++) {
        r = rng_next(rng);
        switch (profile) {
        case 0: p[k] = bytes[r % (COUNT(bytes) - (r >> 20) % 2)]; break;
        case 1:
            if (k & 1) break;
            p[k] = (uint8_t)words[r % COUNT(words)];
            p[k + 1] = (uint8_t)(words[r % COUNT(words)] >> 8);
            break;
        case 2: p[k] = (uint8_t)r; break;
        case 3: p[k] = (uint8_t)(r % 7 == 0 ? 0 : ' ' + r % 95); break;
        case 4: p[k] = r % 3 ? 0 : (uint8_t)('a' + r % 4); break;
        default: p[k] = (uint8_t)(r % 5 == 0 ? 0x80 : r % 5 == 1 ? 0x7f : r % 5 == 2 ? 1 : r); break;
        }
    }
}

static void init_memory(int profile)
{
    uint64_t rng = 0x5eed0000u + (uint64_t)profile * 7919u;
    for (int off = 0; off < MEM_SIZE; off += 16) fill16(g_mem + off, profile, &rng);
}

/* Lengths for EAX/EDX: in range, at and past 8 and 16, negative, huge, and values whose low
 * half is small but whose full 64 bits (REX.W) are not. */
static uint64_t pick_len(uint64_t *rng)
{
    static const uint64_t v[] = {
        0, 1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 100, (uint64_t)-1, (uint64_t)-3, (uint64_t)-8,
        (uint64_t)-16, (uint64_t)-17, 0x80000000u, 0x7fffffff, 0xfffffff9u,
        0x8000000000000000ull, 0x7fffffffffffffffull, 0x100000004ull, 0xffffffff00000006ull,
        0x00000001fffffffdull,
    };
    uint64_t r = rng_next(rng);
    return r % 4 ? v[(r >> 8) % COUNT(v)] : (r >> 8) % 20;
}

static void init_state(TState *s, int profile, uint64_t seed)
{
    uint64_t rng = 0xabcdef12u + (uint64_t)profile * 104729u + seed * 0x9e3779b97f4a7c15ull;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = rng_next(&rng);
    s->gpr[X86_RAX] = pick_len(&rng);
    s->gpr[X86_RDX] = pick_len(&rng);
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)g_mem;
    s->gpr[X86_RDI] = 16;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(g_mem + 128);
    s->gpr[X86_R13] = (uint64_t)(uintptr_t)(g_mem + 64);
    s->rflags = 0x202 | (rng_next(&rng) & 0x8d5);     /* some arithmetic flags set */
    s->mxcsr = 0x1f80;
    for (int r = 0; r < 16; r++) fill16(s->xmm[r].b, profile, &rng);
    /* Needles cut out of the string registers (equal ordered), at a random place, ending
     * early sometimes; and range pairs in order (ranges). */
    for (int r = 1; r < 16; r += 2) {
        uint64_t k = rng_next(&rng);
        if (k % 3 == 0) {
            unsigned at = (unsigned)(k >> 8) % 16, n = (unsigned)(k >> 16) % 17;
            uint8_t needle[16] = { 0 };
            for (unsigned j = 0; j < n && at + j < 16; j++) needle[j] = s->xmm[(r + 1) & 15].b[at + j];
            memcpy(s->xmm[r].b, needle, 16);
        } else if (k % 3 == 1 && profile == 3) {
            static const uint8_t ranges[] = { 'a', 'z', 'A', 'Z', '0', '9', ' ', ' ', 0x80, 0xff };
            memcpy(s->xmm[r].b, ranges, sizeof ranges);
            memset(s->xmm[r].b + sizeof ranges, 0, 16 - sizeof ranges);
        }
    }
}

/* ================================================================ running */

typedef struct Fetch {
    uint64_t pc;
    const uint8_t *bytes;
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

static void to_x86(X86State *st, const TState *t, uint64_t pc)
{
    x86_state_init(st);
    memcpy(st->gpr, t->gpr, sizeof st->gpr);
    x86_set_eflags(st, t->rflags);
    st->mxcsr = t->mxcsr;
    memcpy(st->xmm, t->xmm, sizeof st->xmm);
    st->mem_base = 0;
    st->rip = pc;
}

/* Run code at pc (len bytes) through ferry's interpreter, block after block, until it leaves
 * the code (rip == pc + len) or traps. Returns the last exit word, or 0 with a message if a
 * translation failed to verify or the host faulted. */
static uint64_t run_ferry(const uint8_t *code, size_t len, uint64_t pc, const TState *t,
                          bool optimise, X86State *st)
{
    Fetch f = { .pc = pc, .bytes = code, .len = len };
    to_x86(st, t, pc);
    IrGuestInfo gi = fe_guest_info(0);
    uint64_t ew = 0;
    for (int blocks = 0; blocks < 64 && st->rip != pc + len; blocks++) {
        IrBlock *blk = ir_block_new(st->rip);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, st->rip, fetch_code, &f, &opt, &res);
        if (optimise) opt_run(blk);
        char err[256];
        if (!ir_verify(blk, err, sizeof err)) {
            ir_print_block(stderr, blk);
            print_error("IR does not verify: %s\n", err);
            ir_block_free(blk);
            return 0;
        }
        native_armed = 1;
        if (sigsetjmp(native_jb, 1)) {
            print_error("host signal %d while interpreting\n", native_fault.sig);
            ir_block_free(blk);
            return 0;
        }
        ew = ir_interp_run(blk, st, &gi);
        native_armed = 0;
        ir_block_free(blk);
        if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_JUMP) break;
    }
    return ew;
}

static int g_page;
static uint8_t *g_code;      /* one page: the code then native_terminator, executable */

static void load_native(const uint8_t *code, size_t len)
{
    mprotect(g_code, (size_t)g_page, PROT_READ | PROT_WRITE);
    memcpy(g_code, code, len);
    native_terminator(g_code + len);
    mprotect(g_code, (size_t)g_page, PROT_READ | PROT_EXEC);
}

/* Run the code loaded at g_code natively; returns true if it faulted (*s is then the state
 * at the fault). */
static bool run_native(TState *s)
{
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
    for (int r = 0; r < 16; r++) {
        if (!memcmp(&st->xmm[r], &want->xmm[r], 16)) continue;
        print_error("  %s: xmm%d = %016llx:%016llx, native %016llx:%016llx\n", what, r,
                    (unsigned long long)st->xmm[r].q[1], (unsigned long long)st->xmm[r].q[0],
                    (unsigned long long)want->xmm[r].q[1], (unsigned long long)want->xmm[r].q[0]);
        bad++;
    }
    for (int k = 0; want_mem && k < MEM_SIZE; k++) {
        if (g_mem[k] == want_mem[k]) continue;
        print_error("  %s: mem[%d] = %02x, native %02x\n", what, k, g_mem[k], want_mem[k]);
        if (++bad > 40) break;
    }
    return bad;
}

/* Run code (already in g_code for the native side) from `start` natively and through ferry,
 * raw and optimised, with memory initialised for `profile` (mem_init < 0: left alone). The
 * native run must fault iff `faults`. Returns the number of differences. */
static int check_code(const char *name, const char *text, const uint8_t *code, size_t len,
                      bool faults, const TState *start, int mem_init)
{
    static uint8_t want_mem[MEM_SIZE];
    uint64_t pc = (uint64_t)(uintptr_t)g_code;
    TState want = *start;
    if (mem_init >= 0) init_memory(mem_init);
    memcpy(want_mem, g_mem, MEM_SIZE);
    bool faulted = run_native(&want);
    uint8_t native_mem[MEM_SIZE];
    memcpy(native_mem, g_mem, MEM_SIZE);
    if (faulted != faults) {
        print_error("%s: the host %s (signal %d)\n", name,
                    faulted ? "faulted" : "did not fault", faulted ? native_fault.sig : 0);
        return 1;
    }
    if (faulted && (native_fault.sig != SIGSEGV || native_fault.code != SI_KERNEL)) {
        print_error("%s: host fault is signal %d code %#x\n", name, native_fault.sig,
                    native_fault.code);
        return 1;
    }
    int bad = 0;
    for (int optimise = 0; optimise < 2; optimise++) {
        const char *what = optimise ? "optimised" : "raw";
        memcpy(g_mem, want_mem, MEM_SIZE);
        X86State st;
        uint64_t ew = run_ferry(code, len, pc, start, optimise, &st);
        int n = 0;
        if (faulted) {
            if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_TRAP || IR_EXIT_WORD_SIG(ew) != SIGSEGV ||
                IR_EXIT_WORD_CODE(ew) != SI_KERNEL || st.rip != native_fault.rip) {
                print_error("  %s: exit word %#llx rip %#llx, want the #GP trap at %#llx\n",
                            what, (unsigned long long)ew, (unsigned long long)st.rip,
                            (unsigned long long)native_fault.rip);
                n++;
            }
        } else if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_JUMP || st.rip != pc + len) {
            print_error("  %s: exit word %#llx rip %#llx, want a jump to %#llx\n", what,
                        (unsigned long long)ew, (unsigned long long)st.rip,
                        (unsigned long long)(pc + len));
            n++;
        }
        n += compare(what, &st, &want, native_mem);
        if (n) print_error("%s: %s\n", name, text);
        bad += n;
    }
    return bad;
}

static void test_snippet(void **state)
{
    const Snippet *tc = *state;
    int bad = 0;
    native_catch(true);
    load_native((const uint8_t *)tc->bytes, tc->len);
    for (int p = 0; p < N_PROFILES; p++)
        for (uint64_t seed = 0; seed < 4; seed++) {
            TState start;
            init_state(&start, p, seed);
            bad += check_code(tc->name, tc->asm_text, (const uint8_t *)tc->bytes, tc->len,
                              tc->faults, &start, p);
        }
    native_catch(false);
    assert_int_equal(bad, 0);
}

/* ================================================================ the pcmpXstrX sweep */

/* Every imm8 of pcmpestrm/pcmpestri/pcmpistrm/pcmpistri xmm1, xmm2 (66 [REX.W] 0F 3A 6x CA
 * ib) on random states of every profile. */
static void test_pcmpstr_sweep(void **state)
{
    (void)state;
    int bad = 0;
    unsigned runs = 0;
    native_catch(true);
    for (unsigned op = 0x60; op <= 0x63; op++)
        for (unsigned w = 0; w < 2; w++)
            for (unsigned imm = 0; imm < 256; imm++) {
                uint8_t code[8];
                size_t n = 0;
                code[n++] = 0x66;
                if (w) code[n++] = 0x48;
                code[n++] = 0x0f;
                code[n++] = 0x3a;
                code[n++] = (uint8_t)op;
                code[n++] = 0xca;
                code[n++] = (uint8_t)imm;
                load_native(code, n);
                char name[64];
                snprintf(name, sizeof name, "66 %s0f 3a %02x ca %02x", w ? "48 " : "", op, imm);
                for (uint64_t seed = 0; seed < 12 && bad < 20; seed++) {
                    TState start;
                    init_state(&start, (int)(seed % N_PROFILES), seed * 256 + imm);
                    bad += check_code(name, name, code, n, false, &start, -1);
                    runs++;
                }
            }
    native_catch(false);
    print_message("pcmpXstrX sweep: %u runs\n", runs);
    assert_int_equal(bad, 0);
}

/* ================================================================ known answers */

/* Append bytes to a code buffer. */
typedef struct Code {
    uint8_t b[1024];
    size_t n;
} Code;

static void emit(Code *c, const char *bytes, size_t n)
{
    assert_true(c->n + n <= sizeof c->b);
    memcpy(c->b + c->n, bytes, n);
    c->n += n;
}

static void emit32(Code *c, uint32_t v)
{
    char b[4];
    memcpy(b, &v, 4);
    emit(c, b, 4);
}

/* Run code through ferry (raw and optimised, each result in st[0], st[1]) and natively
 * (nat), from a profile-0 state with memory as the caller left it. */
static void run_all(const Code *code, X86State st[2], TState *nat)
{
    static uint8_t mem[MEM_SIZE];
    memcpy(mem, g_mem, MEM_SIZE);
    TState start;
    init_state(&start, 0, 1);
    native_catch(true);
    uint64_t pc = (uint64_t)(uintptr_t)g_code;
    for (int o = 0; o < 2; o++) {
        memcpy(g_mem, mem, MEM_SIZE);
        uint64_t ew = run_ferry(code->b, code->n, pc, &start, o, &st[o]);
        assert_int_equal(IR_EXIT_WORD_KIND(ew), IR_EXIT_JUMP);
        assert_true(st[o].rip == pc + code->n);
    }
    load_native(code->b, code->n);
    memcpy(g_mem, mem, MEM_SIZE);
    *nat = start;
    assert_false(run_native(nat));
    native_catch(false);
}

static void put_hex(uint8_t *p, const char *hex)
{
    for (size_t k = 0; hex[2 * k]; k++) {
        unsigned v;
        sscanf(hex + 2 * k, "%2x", &v);
        p[k] = (uint8_t)v;
    }
}

/* FIPS-197 Appendix C.1: AES-128 of 00112233...eeff under the key 00010203...0e0f is
 * 69c4e0d86a7b0430d8cdb78070b4c55a. The key schedule comes from aeskeygenassist (each round
 * key stored at [rsi + 0x300 + 16 * round]); xmm0 ends with the ciphertext and xmm4 with the
 * plaintext again, decrypted with the equivalent inverse cipher (aesimc'd round keys). */
static void test_aes128_fips197(void **state)
{
    (void)state;
    static const uint8_t rcon[10] = { 0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1b, 0x36 };
    Code c = { .n = 0 };
    /* movdqu xmm1, [rsi+0x200]; movdqu xmm0, [rsi+0x210]; pxor xmm0, xmm1;
     * movdqu [rsi+0x300], xmm1 */
    emit(&c, "\xf3\x0f\x6f\x8e\x00\x02\x00\x00\xf3\x0f\x6f\x86\x10\x02\x00\x00\x66\x0f"
             "\xef\xc1\xf3\x0f\x7f\x8e\x00\x03\x00\x00", 28);
    for (int r = 0; r < 10; r++) {
        emit(&c, "\x66\x0f\x3a\xdf\xd1", 5);            /* aeskeygenassist xmm2, xmm1, rcon */
        emit(&c, (const char *)&rcon[r], 1);
        /* pshufd xmm2, xmm2, 0xff; movdqa xmm3, xmm1; 3 x (pslldq xmm3, 4; pxor xmm1, xmm3);
         * pxor xmm1, xmm2: the next round key */
        emit(&c, "\x66\x0f\x70\xd2\xff\x66\x0f\x6f\xd9\x66\x0f\x73\xfb\x04\x66\x0f\xef\xcb"
                 "\x66\x0f\x73\xfb\x04\x66\x0f\xef\xcb\x66\x0f\x73\xfb\x04\x66\x0f\xef\xcb"
                 "\x66\x0f\xef\xca", 40);
        emit(&c, "\xf3\x0f\x7f\x8e", 4);                /* movdqu [rsi+0x310+16r], xmm1 */
        emit32(&c, 0x310 + 16 * (uint32_t)r);
        if (r < 9) emit(&c, "\x66\x0f\x38\xdc\xc1", 5); /* aesenc xmm0, xmm1 */
        else emit(&c, "\x66\x0f\x38\xdd\xc1", 5);       /* aesenclast xmm0, xmm1 */
    }
    /* movdqa xmm4, xmm0; movdqu xmm5, [rsi+0x3a0]; pxor xmm4, xmm5 */
    emit(&c, "\x66\x0f\x6f\xe0\xf3\x0f\x6f\xae\xa0\x03\x00\x00\x66\x0f\xef\xe5", 16);
    for (int r = 9; r >= 1; r--) {
        emit(&c, "\x66\x0f\x38\xdb\xae", 5);            /* aesimc xmm5, [rsi+0x300+16r] */
        emit32(&c, 0x300 + 16 * (uint32_t)r);
        emit(&c, "\x66\x0f\x38\xde\xe5", 5);            /* aesdec xmm4, xmm5 */
    }
    /* movdqu xmm5, [rsi+0x300]; aesdeclast xmm4, xmm5 */
    emit(&c, "\xf3\x0f\x6f\xae\x00\x03\x00\x00\x66\x0f\x38\xdf\xe5", 13);

    init_memory(0);
    put_hex(g_mem + 0x200, "000102030405060708090a0b0c0d0e0f");
    put_hex(g_mem + 0x210, "00112233445566778899aabbccddeeff");
    uint8_t ct[16], pt[16], k10[16];
    put_hex(ct, "69c4e0d86a7b0430d8cdb78070b4c55a");
    put_hex(pt, "00112233445566778899aabbccddeeff");
    put_hex(k10, "13111d7fe3944a17f307a78b4d2b30c5");   /* FIPS-197 C.1 round[10].k_sch */
    X86State st[2];
    TState nat;
    run_all(&c, st, &nat);
    assert_memory_equal(nat.xmm[0].b, ct, 16);         /* the test itself is right */
    assert_memory_equal(nat.xmm[4].b, pt, 16);
    for (int o = 0; o < 2; o++) {
        assert_memory_equal(st[o].xmm[0].b, ct, 16);
        assert_memory_equal(st[o].xmm[4].b, pt, 16);
        assert_memory_equal(st[o].xmm[1].b, k10, 16);
    }
}

/* GF(2^8) modulo x^8 + x^4 + x^3 + x + 1, for the S-box definition. */
static uint8_t gf_mul(uint8_t a, uint8_t b)
{
    uint8_t r = 0;
    for (; b; b >>= 1, a = (uint8_t)(a << 1 ^ (a & 0x80 ? 0x1b : 0)))
        if (b & 1) r ^= a;
    return r;
}

/* FIPS-197 5.1.1: b = the inverse of v (0 for 0), then b'_i = b_i ^ b_(i+4) ^ b_(i+5) ^
 * b_(i+6) ^ b_(i+7) ^ c_i with c = 63h (indices mod 8). */
static uint8_t sbox_def(uint8_t v)
{
    uint8_t b = 0;
    for (unsigned x = 1; x < 256 && v; x++)
        if (gf_mul(v, (uint8_t)x) == 1) b = (uint8_t)x;
    uint8_t r = 0;
    for (unsigned i = 0; i < 8; i++) {
        unsigned bit = (b >> i ^ b >> ((i + 4) & 7) ^ b >> ((i + 5) & 7) ^ b >> ((i + 6) & 7) ^
                        b >> ((i + 7) & 7) ^ 0x63 >> i) & 1;
        r |= (uint8_t)(bit << i);
    }
    return r;
}

/* With all 16 bytes equal, ShiftRows changes nothing, so aesenclast with a zero key gives
 * S(v) in every byte and aesdeclast gives S^-1(v). */
static void test_aes_sboxes(void **state)
{
    (void)state;
    uint8_t inv[256];
    for (unsigned v = 0; v < 256; v++) inv[sbox_def((uint8_t)v)] = (uint8_t)v;
    static const uint8_t code[] = { 0x66, 0x0f, 0x38, 0xdd, 0xca,     /* aesenclast xmm1, xmm2 */
                                    0x66, 0x0f, 0x38, 0xdf, 0xda };   /* aesdeclast xmm3, xmm2 */
    uint64_t pc = 0x400000;
    for (unsigned v = 0; v < 256; v++) {
        TState t;
        init_state(&t, 0, v);
        memset(t.xmm[1].b, (int)v, 16);
        memset(t.xmm[3].b, (int)v, 16);
        memset(t.xmm[2].b, 0, 16);
        for (int o = 0; o < 2; o++) {
            X86State st;
            run_ferry(code, sizeof code, pc, &t, o, &st);
            for (int k = 0; k < 16; k++) {
                if (st.xmm[1].b[k] != sbox_def((uint8_t)v))
                    fail_msg("S(%02x) = %02x, want %02x", v, st.xmm[1].b[k], sbox_def((uint8_t)v));
                if (st.xmm[3].b[k] != inv[v])
                    fail_msg("InvS(%02x) = %02x, want %02x", v, st.xmm[3].b[k], inv[v]);
            }
        }
    }
}

/* CRC-32C's check value: "123456789" with the register preset to ~0 and the result inverted
 * is E3069283h, whichever source sizes consume the bytes (eax: 9 bytes; ebx: a qword, from a
 * 64-bit register whose high half crc32 ignores, then a byte; ecx: dwords; edx: words). */
static void test_crc32c_check_value(void **state)
{
    (void)state;
    static const char bytes[] =
        "\xb8\xff\xff\xff\xff\xf2\x0f\x38\xf0\x86\x20\x02\x00\x00\xf2\x0f\x38\xf0"
        "\x86\x21\x02\x00\x00\xf2\x0f\x38\xf0\x86\x22\x02\x00\x00\xf2\x0f\x38\xf0"
        "\x86\x23\x02\x00\x00\xf2\x0f\x38\xf0\x86\x24\x02\x00\x00\xf2\x0f\x38\xf0"
        "\x86\x25\x02\x00\x00\xf2\x0f\x38\xf0\x86\x26\x02\x00\x00\xf2\x0f\x38\xf0"
        "\x86\x27\x02\x00\x00\xf2\x0f\x38\xf0\x86\x28\x02\x00\x00\xf7\xd0\x48\xc7"
        "\xc3\xff\xff\xff\xff\xf2\x48\x0f\x38\xf1\x9e\x20\x02\x00\x00\xf2\x0f\x38"
        "\xf0\x9e\x28\x02\x00\x00\xf7\xd3\xb9\xff\xff\xff\xff\xf2\x0f\x38\xf1\x8e"
        "\x20\x02\x00\x00\xf2\x0f\x38\xf1\x8e\x24\x02\x00\x00\xf2\x0f\x38\xf0\x8e"
        "\x28\x02\x00\x00\xf7\xd1\xba\xff\xff\xff\xff\x66\xf2\x0f\x38\xf1\x96\x20"
        "\x02\x00\x00\x66\xf2\x0f\x38\xf1\x96\x22\x02\x00\x00\x66\xf2\x0f\x38\xf1"
        "\x96\x24\x02\x00\x00\x66\xf2\x0f\x38\xf1\x96\x26\x02\x00\x00\xf2\x0f\x38"
        "\xf0\x96\x28\x02\x00\x00\xf7\xd2";
    Code c = { .n = 0 };
    emit(&c, bytes, sizeof bytes - 1);
    init_memory(0);
    memcpy(g_mem + 0x220, "123456789", 9);
    X86State st[2];
    TState nat;
    run_all(&c, st, &nat);
    for (int r = X86_RAX; r <= X86_RBX; r++) {
        assert_int_equal(nat.gpr[r], 0xe3069283u);
        assert_int_equal(st[0].gpr[r], 0xe3069283u);
        assert_int_equal(st[1].gpr[r], 0xe3069283u);
    }
}

/* Carry-less products with known values: x^63 * x^63 = x^126; (x + 1)^2 = x^2 + 1; the
 * all-ones polynomial squared has every even power (squaring in GF(2)[x] spreads the bits);
 * all-ones * (x + 1) = x^64 + 1. imm8 picks the quadwords: [0x240] = { x^63, x + 1 },
 * [0x250] = { all ones, all ones }. */
static void test_pclmul_known(void **state)
{
    (void)state;
    static const char bytes[] =
        "\x66\x0f\x6f\x8e\x40\x02\x00\x00\x66\x0f\x6f\xd1\x66\x0f\x3a\x44\xd1\x00"
        "\x66\x0f\x6f\xd9\x66\x0f\x3a\x44\xd9\x11\x66\x0f\x6f\xa6\x50\x02\x00\x00"
        "\x66\x0f\x3a\x44\xe4\x01\x66\x0f\x6f\xae\x50\x02\x00\x00\x66\x0f\x3a\x44"
        "\xae\x40\x02\x00\x00\x10";
    Code c = { .n = 0 };
    emit(&c, bytes, sizeof bytes - 1);
    init_memory(0);
    uint64_t m[4] = { 1ull << 63, 3, ~0ull, ~0ull };
    memcpy(g_mem + 0x240, m, sizeof m);
    X86State st[2];
    TState nat;
    run_all(&c, st, &nat);
    static const uint64_t want[4][2] = {
        { 0, 1ull << 62 }, { 5, 0 }, { 0x5555555555555555ull, 0x5555555555555555ull }, { 1, 1 },
    };
    for (int k = 0; k < 4; k++) {
        assert_memory_equal(nat.xmm[2 + k].q, want[k], 16);
        assert_memory_equal(st[0].xmm[2 + k].q, want[k], 16);
        assert_memory_equal(st[1].xmm[2 + k].q, want[k], 16);
    }
}

/* ================================================================ rejected encodings */

static void test_rejected_encodings(void **state)
{
    (void)state;
    static const struct { const char *what, *bytes; unsigned len; } bad[] = {
        { "pcmpistri without 66", "\x0f\x3a\x63\xca\x00", 5 },
        { "pcmpestrm with F2", "\xf2\x0f\x3a\x60\xca\x00", 6 },
        { "lock pcmpistri", "\xf0\x66\x0f\x3a\x63\x0e\x00", 7 },
        { "pcmpgtq without 66", "\x0f\x38\x37\xca", 4 },
        { "pcmpgtq with F3", "\xf3\x0f\x38\x37\xca", 5 },
        { "aesenc without 66", "\x0f\x38\xdc\xca", 4 },
        { "aesimc with F2", "\xf2\x0f\x38\xdb\xca", 5 },
        { "aeskeygenassist without 66", "\x0f\x3a\xdf\xca\x01", 5 },
        { "pclmulqdq without 66", "\x0f\x3a\x44\xca\x00", 5 },
        { "lock crc32", "\xf0\xf2\x0f\x38\xf1\x06", 6 },
        { "crc32 with F3", "\xf3\x0f\x38\xf1\xc3", 5 },
        { "movbe on registers (no F2)", "\x0f\x38\xf0\xc3", 4 },
        { "vpcmpistri (VEX, not advertised)", "\xc4\xe3\x79\x63\xca\x00", 6 },
        { "vaesenc (VEX)", "\xc4\xe2\x71\xdc\xc2", 5 },
    };
    for (size_t n = 0; n < COUNT(bad); n++) {
        Fetch f = { .pc = 0x400000, .bytes = (const uint8_t *)bad[n].bytes, .len = bad[n].len };
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        if (res.status == FE_OK) fail_msg("%s: translated", bad[n].what);
        X86State st;
        TState t;
        init_state(&t, 0, 0);
        to_x86(&st, &t, f.pc);
        IrGuestInfo gi = fe_guest_info(0);
        uint64_t ew = ir_interp_run(blk, &st, &gi);
        if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_TRAP || IR_EXIT_WORD_SIG(ew) != SIGILL ||
            st.rip != f.pc)
            fail_msg("%s: exit word %#llx at %#llx, want SIGILL", bad[n].what,
                     (unsigned long long)ew, (unsigned long long)st.rip);
        ir_block_free(blk);
    }
}

int main(void)
{
    fe_init();
    g_page = (int)sysconf(_SC_PAGESIZE);
    g_code = mmap(NULL, (size_t)g_page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                  -1, 0);
    if (g_code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    static const struct CMUnitTest extra[] = {
        cmocka_unit_test(test_pcmpstr_sweep),
        cmocka_unit_test(test_aes128_fips197),
        cmocka_unit_test(test_aes_sboxes),
        cmocka_unit_test(test_crc32c_check_value),
        cmocka_unit_test(test_pclmul_known),
        cmocka_unit_test(test_rejected_encodings),
    };
    size_t n = COUNT(cases) + COUNT(extra);
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    if (!tests) return 1;
    for (size_t k = 0; k < COUNT(cases); k++) {
        tests[k].name = cases[k].name;
        tests[k].test_func = test_snippet;
        tests[k].initial_state = (void *)&cases[k];
    }
    memcpy(tests + COUNT(cases), extra, sizeof extra);
    int failed = _cmocka_run_group_tests("sse42", tests, n, NULL, NULL);
    free(tests);
    return failed;
}
