/* test_sse41.c — SSE4.1 translation (frontend-x86/gen_sse41.c) against the host CPU.
 *
 * The oracle is tests/common/sse_snippets.c: each snippet runs natively and through ferry
 * (raw and optimised) from the same state and memory, and the GPRs, flags, MXCSR, XMM
 * registers and memory must match bit for bit, under the standard start profiles (random
 * integers, float specials (NaNs with payloads, signalling NaNs, infinities, zeros, denormals,
 * halves for rounding), the same for doubles, and small integers, each with its own MXCSR).
 * `faults` snippets must raise #GP (SIGSEGV, SI_KERNEL) natively and trap at the same
 * instruction with the same state under ferry.
 *
 * What the rows aim at: every instruction in register and memory form, the unaligned narrow
 * operands (pmovsx/pmovzx m16..m64, roundss/sd, pextr/pinsr/insertps) next to the aligned
 * m128 ones and their #GP, ptest's flags, the rounding modes of round* including MXCSR.RC
 * (ldmxcsr [rsi+480] loads a different RC, FTZ and DAZ in each profile; [rsi+496], this
 * suite's addition to the standard memory image, DAZ with each RC), dpps/dppd's NaN order,
 * REX.W on pextrb/pextrw/extractps (ignored) and pextrq/pinsrq.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "tests/common/sse_snippets.h"

/* ================================================================ the snippets */

/* rsi = sse_mem, r12 = sse_mem + 128, r13 = sse_mem + 64, rdi = 16 in every profile. Text in
 * Intel syntax as GNU as assembles it. */
static const SseCase cases[] = {
    { "pblendvb", false, 17,
      "pblendvb xmm1, xmm2; pblendvb xmm9, [rsi+32]; pblendvb xmm0, xmm3",
      "\x66\x0f\x38\x10\xca\x66\x44\x0f\x38\x10\x4e\x20\x66\x0f\x38\x10\xc3" },
    { "blendvps/blendvpd", false, 24,
      "blendvps xmm4, xmm5; blendvpd xmm12, xmm13; blendvps xmm6, [rsi+48]; blendvpd xmm7, [r12]",
      "\x66\x0f\x38\x14\xe5\x66\x45\x0f\x38\x15\xe5\x66\x0f\x38\x14\x76\x30\x66"
      "\x41\x0f\x38\x15\x3c\x24" },
    { "blendvps misaligned", true, 11,
      "blendvps xmm1, xmm2; blendvps xmm3, [rsi+8]",
      "\x66\x0f\x38\x14\xca\x66\x0f\x38\x14\x5e\x08" },
    { "ptest flags", false, 28,
      "ptest xmm1, xmm2; setz al; setc bl; ptest xmm3, xmm3; setz cl; setc dl; ptest xmm4, [rsi+16]",
      "\x66\x0f\x38\x17\xca\x0f\x94\xc0\x0f\x92\xc3\x66\x0f\x38\x17\xdb\x0f\x94"
      "\xc1\x0f\x92\xc2\x66\x0f\x38\x17\x66\x10" },
    { "ptest zero and subset", false, 39,
      "pxor xmm5, xmm5; ptest xmm5, xmm1; setz al; setc bl; pcmpeqd xmm6, xmm6; ptest xmm6, xmm2; setc cl; setz dl; pand xmm7, xmm2; ptest xmm2, xmm7",
      "\x66\x0f\xef\xed\x66\x0f\x38\x17\xe9\x0f\x94\xc0\x0f\x92\xc3\x66\x0f\x76"
      "\xf6\x66\x0f\x38\x17\xf2\x0f\x92\xc1\x0f\x94\xc2\x66\x0f\xdb\xfa\x66\x0f"
      "\x38\x17\xd7" },
    { "ptest misaligned", true, 6,
      "ptest xmm1, [rsi+4]",
      "\x66\x0f\x38\x17\x4e\x04" },
    { "pmovsx registers", false, 39,
      "pmovsxbw xmm1, xmm2; pmovsxbd xmm3, xmm4; pmovsxbq xmm5, xmm6; pmovsxwd xmm7, xmm8; pmovsxwq xmm9, xmm10; pmovsxdq xmm11, xmm12; pmovsxbw xmm13, xmm13",
      "\x66\x0f\x38\x20\xca\x66\x0f\x38\x21\xdc\x66\x0f\x38\x22\xee\x66\x41\x0f"
      "\x38\x23\xf8\x66\x45\x0f\x38\x24\xca\x66\x45\x0f\x38\x25\xdc\x66\x45\x0f"
      "\x38\x20\xed" },
    { "pmovsx memory unaligned", false, 36,
      "pmovsxbw xmm1, [rsi+3]; pmovsxbd xmm2, [rsi+7]; pmovsxbq xmm3, [rsi+9]; pmovsxwd xmm4, [rsi+13]; pmovsxwq xmm5, [rsi+17]; pmovsxdq xmm6, [rsi+21]",
      "\x66\x0f\x38\x20\x4e\x03\x66\x0f\x38\x21\x56\x07\x66\x0f\x38\x22\x5e\x09"
      "\x66\x0f\x38\x23\x66\x0d\x66\x0f\x38\x24\x6e\x11\x66\x0f\x38\x25\x76\x15" },
    { "pmovzx registers", false, 39,
      "pmovzxbw xmm1, xmm2; pmovzxbd xmm3, xmm4; pmovzxbq xmm5, xmm6; pmovzxwd xmm7, xmm8; pmovzxwq xmm9, xmm10; pmovzxdq xmm11, xmm12; pmovzxwd xmm14, xmm14",
      "\x66\x0f\x38\x30\xca\x66\x0f\x38\x31\xdc\x66\x0f\x38\x32\xee\x66\x41\x0f"
      "\x38\x33\xf8\x66\x45\x0f\x38\x34\xca\x66\x45\x0f\x38\x35\xdc\x66\x45\x0f"
      "\x38\x33\xf6" },
    { "pmovzx memory unaligned", false, 37,
      "pmovzxbw xmm1, [rsi+5]; pmovzxbd xmm2, [rsi+1]; pmovzxbq xmm3, [rsi+11]; pmovzxwd xmm4, [rsi+15]; pmovzxwq xmm15, [rsi+19]; pmovzxdq xmm6, [rsi+23]",
      "\x66\x0f\x38\x30\x4e\x05\x66\x0f\x38\x31\x56\x01\x66\x0f\x38\x32\x5e\x0b"
      "\x66\x0f\x38\x33\x66\x0f\x66\x44\x0f\x38\x34\x7e\x13\x66\x0f\x38\x35\x76"
      "\x17" },
    { "pmuldq/pmulld", false, 27,
      "pmuldq xmm1, xmm2; pmulld xmm3, xmm4; pmuldq xmm5, [rsi+16]; pmulld xmm6, [rsi+32]; pmulld xmm7, xmm7",
      "\x66\x0f\x38\x28\xca\x66\x0f\x38\x40\xdc\x66\x0f\x38\x28\x6e\x10\x66\x0f"
      "\x38\x40\x76\x20\x66\x0f\x38\x40\xff" },
    { "pcmpeqq", false, 25,
      "pcmpeqq xmm1, xmm2; movdqa xmm3, xmm4; pcmpeqq xmm3, xmm4; pcmpeqq xmm5, [rsi+64]; pcmpeqq xmm6, xmm6",
      "\x66\x0f\x38\x29\xca\x66\x0f\x6f\xdc\x66\x0f\x38\x29\xdc\x66\x0f\x38\x29"
      "\x6e\x40\x66\x0f\x38\x29\xf6" },
    { "movntdqa", false, 14,
      "movntdqa xmm1, [rsi+32]; movntdqa xmm10, [r12+16]",
      "\x66\x0f\x38\x2a\x4e\x20\x66\x45\x0f\x38\x2a\x54\x24\x10" },
    { "movntdqa misaligned", true, 6,
      "movntdqa xmm1, [rsi+40]",
      "\x66\x0f\x38\x2a\x4e\x28" },
    { "packusdw", false, 16,
      "packusdw xmm1, xmm2; packusdw xmm3, [rsi+48]; packusdw xmm4, xmm4",
      "\x66\x0f\x38\x2b\xca\x66\x0f\x38\x2b\x5e\x30\x66\x0f\x38\x2b\xe4" },
    { "pmin/pmax signed", false, 35,
      "pminsb xmm1, xmm2; pmaxsb xmm3, xmm4; pminsd xmm5, xmm6; pmaxsd xmm7, xmm8; pminsb xmm9, [rsi+16]; pmaxsd xmm10, [rsi+32]",
      "\x66\x0f\x38\x38\xca\x66\x0f\x38\x3c\xdc\x66\x0f\x38\x39\xee\x66\x41\x0f"
      "\x38\x3d\xf8\x66\x44\x0f\x38\x38\x4e\x10\x66\x44\x0f\x38\x3d\x56\x20" },
    { "pmin/pmax unsigned", false, 41,
      "pminuw xmm1, xmm2; pmaxuw xmm3, xmm4; pminud xmm5, xmm6; pmaxud xmm7, xmm8; pminud xmm9, [rsi+16]; pmaxuw xmm10, [rsi+32]; pminud xmm11, xmm11",
      "\x66\x0f\x38\x3a\xca\x66\x0f\x38\x3e\xdc\x66\x0f\x38\x3b\xee\x66\x41\x0f"
      "\x38\x3f\xf8\x66\x44\x0f\x38\x3b\x4e\x10\x66\x44\x0f\x38\x3e\x56\x20\x66"
      "\x45\x0f\x38\x3b\xdb" },
    { "pminsd misaligned", true, 6,
      "pminsd xmm1, [rsi+12]",
      "\x66\x0f\x38\x39\x4e\x0c" },
    { "phminposuw", false, 16,
      "phminposuw xmm1, xmm2; phminposuw xmm3, [rsi+80]; phminposuw xmm4, xmm4",
      "\x66\x0f\x38\x41\xca\x66\x0f\x38\x41\x5e\x50\x66\x0f\x38\x41\xe4" },
    { "roundps modes", false, 47,
      "roundps xmm1, xmm2, 0; roundps xmm3, xmm4, 1; roundps xmm5, xmm6, 2; roundps xmm7, xmm8, 3; roundps xmm9, xmm10, 4; roundps xmm11, xmm12, 9; roundps xmm13, [rsi+16], 10",
      "\x66\x0f\x3a\x08\xca\x00\x66\x0f\x3a\x08\xdc\x01\x66\x0f\x3a\x08\xee\x02"
      "\x66\x41\x0f\x3a\x08\xf8\x03\x66\x45\x0f\x3a\x08\xca\x04\x66\x45\x0f\x3a"
      "\x08\xdc\x09\x66\x44\x0f\x3a\x08\x6e\x10\x0a" },
    { "roundpd modes", false, 47,
      "roundpd xmm1, xmm2, 0; roundpd xmm3, xmm4, 1; roundpd xmm5, xmm6, 2; roundpd xmm7, xmm8, 3; roundpd xmm9, xmm10, 4; roundpd xmm11, xmm12, 11; roundpd xmm13, [rsi+32], 8",
      "\x66\x0f\x3a\x09\xca\x00\x66\x0f\x3a\x09\xdc\x01\x66\x0f\x3a\x09\xee\x02"
      "\x66\x41\x0f\x3a\x09\xf8\x03\x66\x45\x0f\x3a\x09\xca\x04\x66\x45\x0f\x3a"
      "\x09\xdc\x0b\x66\x44\x0f\x3a\x09\x6e\x20\x08" },
    { "roundss/roundsd", false, 48,
      "roundss xmm1, xmm2, 0; roundss xmm3, xmm4, 1; roundsd xmm5, xmm6, 2; roundsd xmm7, xmm8, 3; roundss xmm9, [rsi+5], 10; roundsd xmm10, [rsi+13], 9; roundss xmm11, xmm11, 4",
      "\x66\x0f\x3a\x0a\xca\x00\x66\x0f\x3a\x0a\xdc\x01\x66\x0f\x3a\x0b\xee\x02"
      "\x66\x41\x0f\x3a\x0b\xf8\x03\x66\x44\x0f\x3a\x0a\x4e\x05\x0a\x66\x44\x0f"
      "\x3a\x0b\x56\x0d\x09\x66\x45\x0f\x3a\x0a\xdb\x04" },
    { "round with MXCSR.RC", false, 39,
      "ldmxcsr [rsi+480]; roundps xmm1, xmm2, 4; roundpd xmm3, xmm4, 12; roundss xmm5, xmm6, 4; roundsd xmm7, [rsi+24], 4; roundps xmm8, xmm9, 1",
      "\x0f\xae\x96\xe0\x01\x00\x00\x66\x0f\x3a\x08\xca\x04\x66\x0f\x3a\x09\xdc"
      "\x0c\x66\x0f\x3a\x0a\xee\x04\x66\x0f\x3a\x0b\x7e\x18\x04\x66\x45\x0f\x3a"
      "\x08\xc1\x01" },
    { "round with DAZ", false, 53,
      "ldmxcsr [rsi+496]; roundps xmm1, xmm2, 4; roundpd xmm3, xmm4, 4; roundps xmm5, xmm6, 1; roundpd xmm7, xmm8, 2; roundss xmm9, xmm10, 2; roundsd xmm11, xmm12, 1; roundps xmm13, xmm14, 0x0e",
      "\x0f\xae\x96\xf0\x01\x00\x00\x66\x0f\x3a\x08\xca\x04\x66\x0f\x3a\x09\xdc"
      "\x04\x66\x0f\x3a\x08\xee\x01\x66\x41\x0f\x3a\x09\xf8\x02\x66\x45\x0f\x3a"
      "\x0a\xca\x02\x66\x45\x0f\x3a\x0b\xdc\x01\x66\x45\x0f\x3a\x08\xee\x0e" },
    { "roundps misaligned", true, 7,
      "roundps xmm1, [rsi+8], 0",
      "\x66\x0f\x3a\x08\x4e\x08\x00" },
    { "blendps/blendpd/pblendw", false, 48,
      "blendps xmm1, xmm2, 5; blendps xmm3, [rsi+16], 0xfe; blendpd xmm4, xmm5, 2; blendpd xmm6, [rsi+32], 3; pblendw xmm7, xmm8, 0xa5; pblendw xmm9, [rsi+48], 0x0f; blendps xmm10, xmm11, 0",
      "\x66\x0f\x3a\x0c\xca\x05\x66\x0f\x3a\x0c\x5e\x10\xfe\x66\x0f\x3a\x0d\xe5"
      "\x02\x66\x0f\x3a\x0d\x76\x20\x03\x66\x41\x0f\x3a\x0e\xf8\xa5\x66\x44\x0f"
      "\x3a\x0e\x4e\x30\x0f\x66\x45\x0f\x3a\x0c\xd3\x00" },
    { "pblendw misaligned", true, 7,
      "pblendw xmm1, [rsi+2], 1",
      "\x66\x0f\x3a\x0e\x4e\x02\x01" },
    { "pextr to registers", false, 44,
      "pextrb eax, xmm1, 5; pextrb ebx, xmm2, 0x1f; pextrw ecx, xmm3, 7; pextrd edx, xmm4, 3; pextrq r8, xmm5, 1; extractps r9d, xmm6, 2; pextrd r10d, xmm15, 4",
      "\x66\x0f\x3a\x14\xc8\x05\x66\x0f\x3a\x14\xd3\x1f\x66\x0f\xc5\xcb\x07\x66"
      "\x0f\x3a\x16\xe2\x03\x66\x49\x0f\x3a\x16\xe8\x01\x66\x41\x0f\x3a\x17\xf1"
      "\x02\x66\x45\x0f\x3a\x16\xfa\x04" },
    { "pextr to memory", false, 36,
      "pextrb [rsi+3], xmm1, 9; pextrw [rsi+7], xmm2, 3; pextrd [rsi+13], xmm3, 1; pextrq [rsi+21], xmm4, 0; extractps [rsi+33], xmm5, 3",
      "\x66\x0f\x3a\x14\x4e\x03\x09\x66\x0f\x3a\x15\x56\x07\x03\x66\x0f\x3a\x16"
      "\x5e\x0d\x01\x66\x48\x0f\x3a\x16\x66\x15\x00\x66\x0f\x3a\x17\x6e\x21\x03" },
    { "pextr REX.W", false, 21,
      ".byte 0x66,0x48,0x0f,0x3a,0x14,0xc8,0x06; .byte 0x66,0x48,0x0f,0x3a,0x15,0xd3,0x02; .byte 0x66,0x48,0x0f,0x3a,0x17,0xe1,0x01",
      "\x66\x48\x0f\x3a\x14\xc8\x06\x66\x48\x0f\x3a\x15\xd3\x02\x66\x48\x0f\x3a"
      "\x17\xe1\x01" },
    { "pinsr from registers", false, 39,
      "pinsrb xmm1, eax, 3; pinsrb xmm2, ebx, 15; pinsrd xmm3, ecx, 2; pinsrq xmm4, rdx, 1; pinsrd xmm5, r9d, 0; pinsrq xmm6, r8, 0",
      "\x66\x0f\x3a\x20\xc8\x03\x66\x0f\x3a\x20\xd3\x0f\x66\x0f\x3a\x22\xd9\x02"
      "\x66\x48\x0f\x3a\x22\xe2\x01\x66\x41\x0f\x3a\x22\xe9\x00\x66\x49\x0f\x3a"
      "\x22\xf0\x00" },
    { "pinsr from memory", false, 29,
      "pinsrb xmm1, [rsi+3], 7; pinsrd xmm2, [rsi+9], 1; pinsrq xmm3, [rsi+17], 1; pinsrb xmm4, [rsi+31], 0x10",
      "\x66\x0f\x3a\x20\x4e\x03\x07\x66\x0f\x3a\x22\x56\x09\x01\x66\x48\x0f\x3a"
      "\x22\x5e\x11\x01\x66\x0f\x3a\x20\x66\x1f\x10" },
    { "insertps", false, 40,
      "insertps xmm1, xmm2, 0x00; insertps xmm3, xmm4, 0xd9; insertps xmm5, xmm6, 0x6f; insertps xmm7, [rsi+5], 0xe2; insertps xmm8, [rsi+9], 0x30; insertps xmm9, xmm9, 0x94",
      "\x66\x0f\x3a\x21\xca\x00\x66\x0f\x3a\x21\xdc\xd9\x66\x0f\x3a\x21\xee\x6f"
      "\x66\x0f\x3a\x21\x7e\x05\xe2\x66\x44\x0f\x3a\x21\x46\x09\x30\x66\x45\x0f"
      "\x3a\x21\xc9\x94" },
    { "dpps", false, 39,
      "dpps xmm1, xmm2, 0xff; dpps xmm3, xmm4, 0xf1; dpps xmm5, xmm6, 0x3c; dpps xmm7, [rsi+16], 0x7a; dpps xmm8, xmm8, 0x0f; dpps xmm9, xmm10, 0xa5",
      "\x66\x0f\x3a\x40\xca\xff\x66\x0f\x3a\x40\xdc\xf1\x66\x0f\x3a\x40\xee\x3c"
      "\x66\x0f\x3a\x40\x7e\x10\x7a\x66\x45\x0f\x3a\x40\xc0\x0f\x66\x45\x0f\x3a"
      "\x40\xca\xa5" },
    { "dppd", false, 32,
      "dppd xmm1, xmm2, 0x33; dppd xmm3, xmm4, 0x31; dppd xmm5, xmm6, 0x12; dppd xmm7, [rsi+32], 0xff; dppd xmm8, xmm8, 0x23",
      "\x66\x0f\x3a\x41\xca\x33\x66\x0f\x3a\x41\xdc\x31\x66\x0f\x3a\x41\xee\x12"
      "\x66\x0f\x3a\x41\x7e\x20\xff\x66\x45\x0f\x3a\x41\xc0\x23" },
    { "dpps misaligned", true, 7,
      "dpps xmm1, [rsi+4], 0xff",
      "\x66\x0f\x3a\x40\x4e\x04\xff" },
    { "mpsadbw", false, 32,
      "mpsadbw xmm1, xmm2, 0; mpsadbw xmm3, xmm4, 5; mpsadbw xmm5, xmm6, 7; mpsadbw xmm7, [rsi+48], 2; mpsadbw xmm8, xmm8, 0xfb",
      "\x66\x0f\x3a\x42\xca\x00\x66\x0f\x3a\x42\xdc\x05\x66\x0f\x3a\x42\xee\x07"
      "\x66\x0f\x3a\x42\x7e\x30\x02\x66\x45\x0f\x3a\x42\xc0\xfb" },
};

/* ================================================================ start states */

/* The standard image, and DAZ with each rounding control at 496: denormal sources of round*
 * count as zeros. */
static void init_memory(int profile)
{
    sse_std_memory(profile);
    sse_put32(sse_mem + 496, 0x1fc0u | (uint32_t)(profile & 3) << 13);
}

/* ================================================================ other properties */

/* What vectorised loops use most translates to IR ops only: no helper call. */
static const char *const ir_only[] = {
    "pblendvb", "blendvps/blendvpd", "ptest flags", "pmovsx registers",
    "pmovzx memory unaligned", "pmuldq/pmulld", "pcmpeqq", "pmin/pmax signed",
    "pmin/pmax unsigned", "blendps/blendpd/pblendw", "pextr to registers",
    "pinsr from memory", "insertps", "dpps", "dppd",
};

/* Encodings that are not SSE4.1 (no 66, F2/F3 or LOCK added, the register form of movntdqa,
 * VEX forms, which are AVX) must not be translated: the block traps with SIGILL there. */
static const SseEncoding rejected[] = {
    { "pmovzxbw without 66", "\x0f\x38\x30\xc1", 4 },
    { "ptest without 66", "\x0f\x38\x17\xc1", 4 },
    { "roundps without 66", "\x0f\x3a\x08\xc1\x00", 5 },
    { "pmovzxbw with F3 66", "\xf3\x66\x0f\x38\x30\xc1", 6 },
    { "dpps with F2 66", "\xf2\x66\x0f\x3a\x40\xc1\xff", 7 },
    { "lock pminsd [rsi]", "\xf0\x66\x0f\x38\x39\x06", 6 },
    { "lock pinsrd [rsi]", "\xf0\x66\x0f\x3a\x22\x06\x01", 7 },
    { "movntdqa xmm, xmm", "\x66\x0f\x38\x2a\xc1", 5 },
    { "vpmovzxbw (VEX, AVX)", "\xc4\xe2\x79\x30\xc1", 5 },
    { "vroundps (VEX, AVX)", "\xc4\xe3\x79\x08\xc1\x00", 6 },
};

int main(void)
{
    static const SseSuite suite = {
        .name = "sse41", .cases = cases, .n_cases = COUNT(cases), .n_seeds = 1,
        .init_state = sse_std_state, .init_memory = init_memory,
        .no_calls_test = "vector-loop instructions have no helper calls",
        .no_calls = ir_only, .n_no_calls = COUNT(ir_only),
        .rejected_test = "rejected encodings trap with SIGILL",
        .rejected = rejected, .n_rejected = COUNT(rejected),
    };
    return sse_main(&suite);
}
