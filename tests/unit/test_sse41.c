/* test_sse41.c — SSE4.1 translation (frontend-x86/gen_sse41.c) against the host CPU.
 *
 * The same oracle as tests/unit/test_sse.c (whose harness this file repeats): each snippet
 * runs natively (XMM registers, GPRs, EFLAGS and MXCSR loaded from a TState by the stub of
 * tests/common/native_harness.c) and through fe_translate_block + ir_interp_run, raw and after
 * opt_run, from the same state and guest memory (guest address == host address). XMM
 * registers, GPRs (all but RSP), the arithmetic flags, MXCSR's control bits and the whole
 * memory buffer must match bit for bit, under six start profiles: random integers, float
 * specials (NaNs with payloads, signalling NaNs, infinities, zeros, denormals, halves for
 * rounding), the same for doubles, and small integers. `faults` snippets must raise #GP
 * (SIGSEGV, SI_KERNEL) natively at the same instruction with the same state.
 *
 * What the rows aim at: every instruction in register and memory form, the unaligned narrow
 * operands (pmovsx/pmovzx m16..m64, roundss/sd, pextr/pinsr/insertps) next to the aligned
 * m128 ones and their #GP, ptest's flags, the rounding modes of round* including MXCSR.RC
 * (ldmxcsr [rsi+480] loads a different RC, FTZ and DAZ in each profile; [rsi+496] DAZ with
 * each RC), dpps/dppd's NaN
 * order, REX.W on pextrb/pextrw/extractps (ignored) and pextrq/pinsrq.
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
#include <ucontext.h>
#include <unistd.h>

#include "ir/ir.h"
#include "frontend-x86/frontend.h"
#include "frontend-x86/x86_state.h"
#include "tests/common/native_harness.h"

/* ================================================================ the snippets */

typedef struct SseCase {
    const char *name;
    bool faults;        /* must raise #GP (misaligned m128 operand) */
    unsigned len;       /* bytes of code */
    const char *asm_text;
    const char *bytes;
} SseCase;

/* rsi = g_mem, r12 = g_mem + 128, r13 = g_mem + 64, rdi = 16 in every profile. Text in Intel
 * syntax as GNU as assembles it. */
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

/* ================================================================ native execution */

/* The stub (native_run), the fault catcher and the float specials are shared with the
 * differential fuzzer: tests/common/native_harness.c. Snippets run on the host stack
 * (gpr[RSP] == 0) and end with native_terminator's jump back into the stub. */

/* ================================================================ start states */

enum { MEM_SIZE = 1024, N_PROFILES = 6, FETCH_TAIL = 5 };

/* Guest memory, at the same address natively and under the interpreter. */
static uint8_t g_mem[MEM_SIZE] __attribute__((aligned(64)));

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static uint64_t rng_next(uint64_t *s)
{
    *s = *s * 6364136223846793005ull + 1442695040888963407ull;
    return *s ^ (*s >> 29);
}

/* 16 bytes of the profile's kind: random (0), floats (1, 2), doubles (3, 4), small ints (5). */
static void fill16(uint8_t *p, int profile, uint64_t *rng)
{
    uint64_t q[2];
    uint32_t d[4];
    switch (profile) {
    case 1: case 2:
        for (int k = 0; k < 4; k++)
            d[k] = native_f32_special[rng_next(rng) % native_n_f32_special];
        memcpy(p, d, 16);
        return;
    case 3: case 4:
        for (int k = 0; k < 2; k++)
            q[k] = native_f64_special[rng_next(rng) % native_n_f64_special];
        memcpy(p, q, 16);
        return;
    case 5:
        for (int k = 0; k < 4; k++) d[k] = (uint32_t)((int32_t)(rng_next(rng) % 41) - 20);
        memcpy(p, d, 16);
        return;
    default:
        q[0] = rng_next(rng);
        q[1] = rng_next(rng);
        /* Some zero and 'a' bytes for the string kernels. */
        for (int k = 0; k < 16; k++) {
            uint64_t r = rng_next(rng) % 16;
            if (r == 0) ((uint8_t *)q)[k] = 0;
            else if (r == 1) ((uint8_t *)q)[k] = 'a';
        }
        memcpy(p, q, 16);
        return;
    }
}

static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static void init_memory(int profile)
{
    uint64_t rng = 0x5eed0000u + (uint64_t)profile * 7919u;
    for (int off = 0; off < MEM_SIZE; off += 16) fill16(g_mem + off, profile, &rng);
    /* Valid MXCSR images for ldmxcsr (480: control bits and status flags vary by profile)
     * and fxrstor [rsi] (24); 488 has a reserved bit set. */
    static const uint32_t mx[N_PROFILES] = { 0x1f80, 0x3f80, 0x9fc0, 0x5fa1, 0xff80, 0x1f3f };
    put32(g_mem + 480, mx[profile]);
    put32(g_mem + 24, mx[(profile + 1) % N_PROFILES]);
    put32(g_mem + 488, 0x10000u | 0x1f80u);
    /* DAZ with each rounding control (496): denormal sources of round* count as zeros. */
    put32(g_mem + 496, 0x1fc0u | (uint32_t)(profile & 3) << 13);
    /* A shift count for the memory-count shifts: small, large or huge by profile. */
    static const uint64_t cnt[N_PROFILES] = { 3, 15, 31, 63, 64, 1ull << 40 };
    memcpy(g_mem + 128, &cnt[profile], 8);
}

static void init_state(TState *s, int profile)
{
    uint64_t rng = 0xabcdef12u + (uint64_t)profile * 104729u;
    memset(s, 0, sizeof *s);
    for (int r = 0; r < 16; r++) s->gpr[r] = rng_next(&rng);
    static const uint64_t rax[N_PROFILES] = { 0x80000001u, 0xfffffffffffffff9ull, 0x7fffffff,
                                              3, 0x1234567887654321ull, 0xffff8000u };
    static const uint64_t rbx[N_PROFILES] = { 0x8000000000000001ull, 0x7fffffffffffffffull,
                                              17, 0xffffffff00000000ull, 1ull << 53 | 1, 40 };
    s->gpr[X86_RAX] = rax[profile];
    s->gpr[X86_RBX] = rbx[profile];
    s->gpr[X86_RCX] = (uint64_t)(int64_t)(profile - 3);
    s->gpr[X86_RDX] = profile & 1 ? ~0ull : 1ull << 63;
    s->gpr[X86_RSP] = 0;
    s->gpr[X86_RSI] = (uint64_t)(uintptr_t)g_mem;
    s->gpr[X86_RDI] = 16;
    s->gpr[X86_R12] = (uint64_t)(uintptr_t)(g_mem + 128);
    s->gpr[X86_R13] = (uint64_t)(uintptr_t)(g_mem + 64);
    /* All arithmetic flags set in even profiles (comis must clear OF, SF and AF). */
    s->rflags = 0x202 | (profile & 1 ? 0 : X86_ARITH_FLAGS);
    /* every exception masked; the rounding modes, FTZ+DAZ and preset flags by profile */
    static const uint32_t mxp[N_PROFILES] = { 0x1f80, 0x3f80, 0x5f80, 0x7f80, 0x9fc0, 0x1fa1 };
    s->mxcsr = mxp[profile];
    for (int r = 0; r < 16; r++) fill16(s->xmm[r].b, profile, &rng);
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

/* Translate at pc (optimised or not), run under the interpreter. Returns false (with a
 * message) if the translation faulted in the host. */
static bool run_translated(const Fetch *f, const TState *t, bool optimise, X86State *st,
                           uint64_t *exit_word, IrBlock **blk_out)
{
    IrBlock *blk = ir_block_new(f->pc);
    FeOptions opt = { 0 };
    FeResult res;
    fe_translate_block(blk, f->pc, fetch_code, (void *)f, &opt, &res);
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
    /* ldmxcsr ends its block with a jump to the next instruction: run on, block by block,
     * to the snippet's end. */
    uint64_t end = f->pc + f->len;
    for (int more = 0; more < 16 && IR_EXIT_WORD_KIND(*exit_word) == IR_EXIT_JUMP &&
                       st->rip > f->pc && st->rip < end; more++) {
        ir_block_free(blk);
        blk = ir_block_new(st->rip);
        fe_translate_block(blk, st->rip, fetch_code, (void *)f, &opt, &res);
        if (optimise) opt_run(blk);
        *blk_out = blk;
        *exit_word = ir_interp_run(blk, st, &gi);
    }
    native_armed = 0;
    return true;
}

/* ================================================================ comparison */

static int g_code_page_size;
static uint8_t *g_code;      /* one page: the snippet then native_terminator, executable */

static const char *const gpr_names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi",
    "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15" };


/* Compare the interpreter's state and memory with the native result; report every
 * difference. Returns the number of differences. */
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
    for (int k = 0; k < MEM_SIZE; k++) {
        if (g_mem[k] == want_mem[k]) continue;
        print_error("  %s: mem[%d] = %02x, native %02x\n", what, k, g_mem[k], want_mem[k]);
        if (++bad > 40) break;
    }
    return bad;
}

/* One snippet under one profile. Returns the number of differences. */
static int run_case(const SseCase *tc, int profile)
{
    static uint8_t want_mem[MEM_SIZE];
    TState start, want;
    init_state(&start, profile);

    /* Native. */
    mprotect(g_code, (size_t)g_code_page_size, PROT_READ | PROT_WRITE);
    memset(g_code, 0, (size_t)g_code_page_size);
    memcpy(g_code, tc->bytes, tc->len);
    native_terminator(g_code + tc->len);
    mprotect(g_code, (size_t)g_code_page_size, PROT_READ | PROT_EXEC);
    uint64_t pc = (uint64_t)(uintptr_t)g_code;
    init_memory(profile);
    want = start;
    bool faulted = false;
    native_armed = 1;
    if (sigsetjmp(native_jb, 1)) {
        faulted = true;
        want = native_fault.state;
    } else {
        native_run(&want, g_code);
        native_armed = 0;
    }
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

    /* Translated, raw and optimised. */
    Fetch f = { .pc = pc, .len = tc->len + FETCH_TAIL };
    memcpy(f.bytes, tc->bytes, tc->len);
    memcpy(f.bytes + tc->len, "\xe9\x00\x00\x00\x00", FETCH_TAIL);
    int bad = 0;
    for (int optimise = 0; optimise < 2; optimise++) {
        const char *what = optimise ? "optimised" : "raw";
        X86State st;
        uint64_t ew = 0;
        IrBlock *blk = NULL;
        init_memory(profile);
        int n = 0;
        if (!run_translated(&f, &start, optimise, &st, &ew, &blk)) {
            n = 1;
        } else if (faulted) {
            if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_TRAP || IR_EXIT_WORD_SIG(ew) != SIGSEGV ||
                IR_EXIT_WORD_CODE(ew) != SI_KERNEL || st.rip != native_fault.rip) {
                print_error("  %s: exit word %#llx rip %#llx, want the #GP trap at %#llx\n", what,
                            (unsigned long long)ew, (unsigned long long)st.rip,
                            (unsigned long long)native_fault.rip);
                n++;
            }
            n += compare(what, &st, &want, want_mem);
        } else {
            if (IR_EXIT_WORD_KIND(ew) != IR_EXIT_JUMP || st.rip != pc + tc->len + FETCH_TAIL) {
                print_error("  %s: exit word %#llx rip %#llx, want a jump to %#llx\n", what,
                            (unsigned long long)ew, (unsigned long long)st.rip,
                            (unsigned long long)(pc + tc->len + FETCH_TAIL));
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
    const SseCase *tc = *state;
    int bad = 0;
    native_catch(true);
    for (int p = 0; p < N_PROFILES; p++) bad += run_case(tc, p);
    native_catch(false);
    assert_int_equal(bad, 0);
}

/* ================================================================ other properties */

static bool block_has_call(const IrBlock *blk)
{
    for (uint32_t r = 1; r < blk->n; r++)
        if (blk->insn[r].op == IR_CALL) return true;
    return false;
}

/* What vectorised loops use most translates to IR ops only: no helper call. */
static void test_ir_only_paths(void **state)
{
    (void)state;
    static const char *const names[] = {
        "pblendvb", "blendvps/blendvpd", "ptest flags", "pmovsx registers",
        "pmovzx memory unaligned", "pmuldq/pmulld", "pcmpeqq", "pmin/pmax signed",
        "pmin/pmax unsigned", "blendps/blendpd/pblendw", "pextr to registers",
        "pinsr from memory", "insertps", "dpps", "dppd",
    };
    for (size_t n = 0; n < COUNT(names); n++) {
        const SseCase *tc = NULL;
        for (size_t k = 0; k < COUNT(cases); k++)
            if (!strcmp(cases[k].name, names[n])) tc = &cases[k];
        assert_non_null(tc);
        Fetch f = { .pc = 0x400000, .len = tc->len + FETCH_TAIL };
        memcpy(f.bytes, tc->bytes, tc->len);
        memcpy(f.bytes + tc->len, "\xe9\x00\x00\x00\x00", FETCH_TAIL);
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        assert_int_equal(res.status, FE_OK);
        if (block_has_call(blk)) {
            ir_print_block(stderr, blk);
            fail_msg("%s: translated with a helper call", tc->name);
        }
        ir_block_free(blk);
    }
}

/* Encodings that are not SSE4.1 (no 66, F2/F3 or LOCK added, the register form of movntdqa,
 * VEX forms, which are AVX) must not be translated: the block traps with SIGILL there. */
static void test_rejected_encodings(void **state)
{
    (void)state;
    static const struct { const char *what, *bytes; unsigned len; } bad[] = {
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
    for (size_t n = 0; n < COUNT(bad); n++) {
        Fetch f = { .pc = 0x400000, .len = bad[n].len };
        memcpy(f.bytes, bad[n].bytes, bad[n].len);
        IrBlock *blk = ir_block_new(f.pc);
        FeOptions opt = { 0 };
        FeResult res;
        fe_translate_block(blk, f.pc, fetch_code, &f, &opt, &res);
        if (res.status == FE_OK) fail_msg("%s: translated", bad[n].what);
        X86State st;
        TState t;
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
}

int main(void)
{
    fe_init();
    g_code_page_size = (int)sysconf(_SC_PAGESIZE);
    g_code = mmap(NULL, (size_t)g_code_page_size, PROT_READ | PROT_WRITE,
                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (g_code == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    size_t n = COUNT(cases) + 2;
    struct CMUnitTest *tests = calloc(n, sizeof *tests);
    if (!tests) return 1;
    for (size_t k = 0; k < COUNT(cases); k++) {
        tests[k].name = cases[k].name;
        tests[k].test_func = test_snippet;
        tests[k].initial_state = (void *)&cases[k];
    }
    tests[COUNT(cases)].name = "vector-loop instructions have no helper calls";
    tests[COUNT(cases)].test_func = test_ir_only_paths;
    tests[COUNT(cases) + 1].name = "rejected encodings trap with SIGILL";
    tests[COUNT(cases) + 1].test_func = test_rejected_encodings;
    int failed = _cmocka_run_group_tests("sse41", tests, n, NULL, NULL);
    free(tests);
    return failed;
}
