/* test_sse42.c — SSE4.2, AES-NI and PCLMULQDQ translation (frontend-x86/gen_sse42.c and its
 * helpers x86_sse42_helpers.c, x86_aes_helpers.c) against the host CPU and known answers.
 *
 * Oracle 1, the host, through tests/common/sse_snippets.c: each snippet of the table runs
 * natively and through ferry (raw and optimised) from the same state and the same memory;
 * GPRs (all but RSP), the arithmetic flags, MXCSR, XMM registers and memory must match bit
 * for bit. Snippets marked `faults` must raise #GP natively (SIGSEGV, SI_KERNEL: a misaligned
 * m128 of pcmpgtq, AES or pclmulqdq) and leave the translation with the trap exit at that
 * instruction and the same state. Each snippet runs under several start profiles, four
 * states each, chosen so that the string compares find something: bytes or words from a
 * small alphabet with zeros, needles cut out of the string register, range pairs, random
 * bits, and lengths in EAX/EDX around and beyond 8 and 16, negative, with high halves that
 * only REX.W reads.
 *
 * The string compares are also swept: all 256 imm8 values of the four instructions, with
 * and without REX.W, each on many random states, against the host.
 *
 * Oracle 2, known answers: the FIPS-197 Appendix C.1 AES-128 vector (key expansion with
 * aeskeygenassist, nine aesenc and one aesenclast, then back with aesimc, aesdec and
 * aesdeclast), every S-box and inverse S-box entry against FIPS-197's definition (GF(2^8)
 * inverse and the affine map) through aesenclast/aesdeclast, the CRC-32C check value of
 * "123456789" (E3069283h) through crc32 of every source size, and carry-less products whose
 * values are known. The S-boxes run through ferry only; the other programs also run natively
 * and are compared with the host like the snippets, as a check of both ferry and the test.
 *
 * Finally, encodings that are not these instructions (no 66, F2/F3 where 66 belongs, LOCK,
 * VEX) must trap with SIGILL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "ir/ir.h"
#include "tests/common/sse_snippets.h"

/* ================================================================ the snippets */

/* rsi = sse_mem, r12 = sse_mem + 128, r13 = sse_mem + 64, rdi = 16 in every profile. */
static const SseCase cases[] = {
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
    /* glibc's modes (strcmp 1Ah, strcspn 02h, strspn 12h, strcmp's tail 3Ah: gen_pcmpistri.c
     * inlines them) with the branches that follow them; the jumps end blocks, so the next
     * block reads the flags from the state's lazy producer. */
    { "pcmpistri glibc modes", false, 60,
      "pcmpistri xmm0, [rsi+1], 0x1a; setbe al; seta r8b; mov r9, rcx; pcmpistri xmm1, xmm2, 0x02; setb bl; sete dl; mov r10, rcx; pcmpistri xmm3, xmm4, 0x12; jbe 1f; 1: lahf; mov r11, rax; seto r14b; pcmpistri xmm5, xmm5, 0x3a; jno 2f; 2: lahf; mov r15, rax",
      "\x66\x0f\x3a\x63\x46\x01\x1a\x0f\x96\xc0\x41\x0f\x97\xc0\x49\x89\xc9\x66"
      "\x0f\x3a\x63\xca\x02\x0f\x92\xc3\x0f\x94\xc2\x49\x89\xca\x66\x0f\x3a\x63"
      "\xdc\x12\x76\x00\x9f\x49\x89\xc3\x41\x0f\x90\xc6\x66\x0f\x3a\x63\xed\x3a"
      "\x71\x00\x9f\x49\x89\xc7" },
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

/* 16 bytes for a profile: 0 small byte alphabet, 1 small word alphabet, 2 random bits,
 * 3 range pairs and printable bytes, 4 bytes with many zeros, 5 signed extremes. */
static void fill16(uint8_t *p, int profile, uint64_t *rng)
{
    static const uint8_t bytes[] = { 'a', 'b', 'c', 'a', 'b', 0x7f, 0x80, 0xff, 0x01, 0 };
    static const uint16_t words[] = { 'a', 'b', 0x6100, 0x8000, 0x7fff, 0xffff, 0x0061, 0 };
    uint64_t r;
    for (int k = 0; k < 16; k++) {
        r = sse_rng_next(rng);
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
    for (int off = 0; off < SSE_MEM_SIZE; off += 16) fill16(sse_mem + off, profile, &rng);
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
    uint64_t r = sse_rng_next(rng);
    return r % 4 ? v[(r >> 8) % COUNT(v)] : (r >> 8) % 20;
}

static void init_state(TState *s, int profile, uint64_t seed)
{
    uint64_t rng = 0xabcdef12u + (uint64_t)profile * 104729u + seed * 0x9e3779b97f4a7c15ull;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = sse_rng_next(&rng);
    s->gpr[X86_RAX] = pick_len(&rng);
    s->gpr[X86_RDX] = pick_len(&rng);
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)sse_mem;
    s->gpr[X86_RDI] = 16;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(sse_mem + 128);
    s->gpr[X86_R13] = (uint64_t)(uintptr_t)(sse_mem + 64);
    s->rflags = 0x202 | (sse_rng_next(&rng) & 0x8d5);     /* some arithmetic flags set */
    s->mxcsr = 0x1f80;
    for (int r = 0; r < 16; r++) fill16(s->xmm[r].b, profile, &rng);
    /* Needles cut out of the string registers (equal ordered), at a random place, ending
     * early sometimes; and range pairs in order (ranges). */
    for (int r = 1; r < 16; r += 2) {
        uint64_t k = sse_rng_next(&rng);
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

/* ================================================================ the pcmpXstrX sweep */

/* Every imm8 of pcmpestrm/pcmpestri/pcmpistrm/pcmpistri xmm1, xmm2 (66 [REX.W] 0F 3A 6x CA
 * ib) on random states of every profile, from the memory as the previous test left it. */
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
                char name[64];
                snprintf(name, sizeof name, "66 %s0f 3a %02x ca %02x", w ? "48 " : "", op, imm);
                const SseCase tc = { name, false, (unsigned)n, name, (const char *)code };
                for (uint64_t seed = 0; seed < 12 && bad < 20; seed++) {
                    TState start;
                    int profile = (int)(seed % SSE_N_PROFILES);
                    init_state(&start, profile, seed * 256 + imm);
                    char where[48];
                    snprintf(where, sizeof where, "profile %d seed %llu", profile,
                             (unsigned long long)(seed * 256 + imm));
                    bad += sse_check(&tc, &start, where, NULL);
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

/* Run code natively and through ferry, raw and optimised, from a profile-0 state with memory
 * as the caller left it, and compare them as the snippets are compared (name: the test's). */
static void run_all(const char *name, const Code *code, SseResult *res)
{
    TState start;
    init_state(&start, 0, 1);
    const SseCase tc = { name, false, (unsigned)code->n, name, (const char *)code->b };
    native_catch(true);
    int bad = sse_check(&tc, &start, "profile 0 seed 1", res);
    native_catch(false);
    assert_int_equal(bad, 0);
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
    put_hex(sse_mem + 0x200, "000102030405060708090a0b0c0d0e0f");
    put_hex(sse_mem + 0x210, "00112233445566778899aabbccddeeff");
    uint8_t ct[16], pt[16], k10[16];
    put_hex(ct, "69c4e0d86a7b0430d8cdb78070b4c55a");
    put_hex(pt, "00112233445566778899aabbccddeeff");
    put_hex(k10, "13111d7fe3944a17f307a78b4d2b30c5");   /* FIPS-197 C.1 round[10].k_sch */
    SseResult r;
    run_all("aes128 fips197", &c, &r);
    assert_memory_equal(r.native.xmm[0].b, ct, 16);    /* the test itself is right */
    assert_memory_equal(r.native.xmm[4].b, pt, 16);
    for (int o = 0; o < 2; o++) {
        assert_memory_equal(r.ferry[o].xmm[0].b, ct, 16);
        assert_memory_equal(r.ferry[o].xmm[4].b, pt, 16);
        assert_memory_equal(r.ferry[o].xmm[1].b, k10, 16);
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
            native_catch(true);
            uint64_t ew = sse_run_ferry(code, sizeof code, pc, &t, o, &st);
            native_catch(false);
            assert_int_equal(IR_EXIT_WORD_KIND(ew), IR_EXIT_JUMP);
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
    memcpy(sse_mem + 0x220, "123456789", 9);
    SseResult r;
    run_all("crc32c check value", &c, &r);
    for (int g = X86_RAX; g <= X86_RBX; g++) {
        assert_int_equal(r.native.gpr[g], 0xe3069283u);
        assert_int_equal(r.ferry[0].gpr[g], 0xe3069283u);
        assert_int_equal(r.ferry[1].gpr[g], 0xe3069283u);
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
    memcpy(sse_mem + 0x240, m, sizeof m);
    SseResult r;
    run_all("pclmul known", &c, &r);
    static const uint64_t want[4][2] = {
        { 0, 1ull << 62 }, { 5, 0 }, { 0x5555555555555555ull, 0x5555555555555555ull }, { 1, 1 },
    };
    for (int k = 0; k < 4; k++) {
        assert_memory_equal(r.native.xmm[2 + k].q, want[k], 16);
        assert_memory_equal(r.ferry[0].xmm[2 + k].q, want[k], 16);
        assert_memory_equal(r.ferry[1].xmm[2 + k].q, want[k], 16);
    }
}

/* ================================================================ rejected encodings */

/* Not these instructions (no 66, F2/F3 where 66 belongs, LOCK, VEX): SIGILL under ferry. */
static const SseEncoding rejected[] = {
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

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pcmpstr_sweep),
        cmocka_unit_test(test_aes128_fips197),
        cmocka_unit_test(test_aes_sboxes),
        cmocka_unit_test(test_crc32c_check_value),
        cmocka_unit_test(test_pclmul_known),
    };
    static const SseSuite suite = {
        .name = "sse42", .cases = cases, .n_cases = COUNT(cases), .n_seeds = 4,
        .init_state = init_state, .init_memory = init_memory,
        .tests = tests, .n_tests = COUNT(tests),
        .rejected_test = "test_rejected_encodings",
        .rejected = rejected, .n_rejected = COUNT(rejected),
    };
    return sse_main(&suite);
}
