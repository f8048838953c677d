/* test_sse.c — SSE/SSE2 translation (frontend-x86/gen_sse.c) against the host CPU.
 *
 * The oracle is tests/common/sse_snippets.c: each snippet of the table below runs natively
 * and through ferry (raw and optimised) from the same state and memory, and the GPRs, flags,
 * MXCSR, XMM registers and memory must match bit for bit; snippets marked `faults` must raise
 * #GP natively and trap at the same instruction under ferry. Start states: the standard
 * profiles of sse_std_state/sse_std_memory (random integers with zero and 'a' bytes for the
 * string kernels, float specials (NaN with and without payload, signalling NaN, +-inf, +-0,
 * denormals, values out of int range, halves for rounding), the same for doubles, small
 * integers; a different MXCSR rounding mode, FTZ+DAZ or preset flags in each).
 *
 * Also: the hot instructions translate without helper calls, and encodings that are not
 * SSE/SSE2 trap with SIGILL.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "tests/common/sse_snippets.h"

/* ================================================================ the snippets */

/* rsi = sse_mem, r12 = sse_mem + 128, r13 = sse_mem + 64, rdi = 16 in every profile. */
static const SseCase cases[] = {
    { "movups load unaligned", false, 4,
      "movups xmm1, [rsi+1]",
      "\x0f\x10\x4e\x01" },
    { "movups store unaligned", false, 16,
      "movups [rsi+3], xmm2; movupd xmm11, [rsi+5]; movupd [rsi+37], xmm11",
      "\x0f\x11\x56\x03\x66\x44\x0f\x10\x5e\x05\x66\x44\x0f\x11\x5e\x25" },
    { "movaps load aligned", false, 8,
      "movaps xmm3, [rsi+16]; movaps xmm12, xmm1",
      "\x0f\x28\x5e\x10\x44\x0f\x28\xe1" },
    { "movaps load misaligned", true, 7,
      "movaps xmm5, xmm6; movaps xmm3, [rsi+8]",
      "\x0f\x28\xee\x0f\x28\x5e\x08" },
    { "movaps store misaligned", true, 4,
      "movaps [rsi+4], xmm0",
      "\x0f\x29\x46\x04" },
    { "movapd reg and mem", false, 16,
      "movapd xmm9, xmm14; movapd [rsi+96], xmm9; movapd xmm2, [rsi+32]",
      "\x66\x45\x0f\x28\xce\x66\x44\x0f\x29\x4e\x60\x66\x0f\x28\x56\x20" },
    { "movapd load misaligned", true, 5,
      "movapd xmm2, [rsi+33]",
      "\x66\x0f\x28\x56\x21" },
    { "movdqa load and store", false, 16,
      "movdqa xmm15, [rsi+32]; movdqa [rsi+48], xmm1; movdqa xmm4, xmm15",
      "\x66\x44\x0f\x6f\x7e\x20\x66\x0f\x7f\x4e\x30\x66\x41\x0f\x6f\xe7" },
    { "movdqa load misaligned", true, 5,
      "movdqa xmm0, [rsi+20]",
      "\x66\x0f\x6f\x46\x14" },
    { "movdqa store misaligned", true, 7,
      "movdqa [r12+2], xmm7",
      "\x66\x41\x0f\x7f\x7c\x24\x02" },
    { "movdqu load and store", false, 17,
      "movdqu xmm8, [rsi+7]; movdqu [rsi+33], xmm8; movdqu xmm1, xmm13",
      "\xf3\x44\x0f\x6f\x46\x07\xf3\x44\x0f\x7f\x46\x21\xf3\x41\x0f\x6f\xcd" },
    { "movss reg merge", false, 9,
      "movss xmm1, xmm2; movss xmm14, xmm3",
      "\xf3\x0f\x10\xca\xf3\x44\x0f\x10\xf3" },
    { "movss load zeroes upper", false, 11,
      "movss xmm3, [rsi+4]; movss xmm9, [rsi+61]",
      "\xf3\x0f\x10\x5e\x04\xf3\x44\x0f\x10\x4e\x3d" },
    { "movss store", false, 11,
      "movss [rsi+9], xmm12; movss [rsi+64], xmm1",
      "\xf3\x44\x0f\x11\x66\x09\xf3\x0f\x11\x4e\x40" },
    { "movsd reg merge", false, 10,
      "movsd xmm1, xmm13; movsd xmm8, xmm0",
      "\xf2\x41\x0f\x10\xcd\xf2\x44\x0f\x10\xc0" },
    { "movsd load zeroes upper", false, 11,
      "movsd xmm10, [rsi+8]; movsd xmm2, [rsi+13]",
      "\xf2\x44\x0f\x10\x56\x08\xf2\x0f\x10\x56\x0d" },
    { "movsd store", false, 11,
      "movsd [rsi+3], xmm5; movsd [rsi+80], xmm15",
      "\xf2\x0f\x11\x6e\x03\xf2\x44\x0f\x11\x7e\x50" },
    { "movd to xmm", false, 14,
      "movd xmm2, eax; movd xmm3, [rsi+12]; movd xmm11, r9d",
      "\x66\x0f\x6e\xd0\x66\x0f\x6e\x5e\x0c\x66\x45\x0f\x6e\xd9" },
    { "movq to xmm from gpr", false, 16,
      "movq xmm4, rbx; movq xmm12, [rsi+40]; movq xmm13, r10",
      "\x66\x48\x0f\x6e\xe3\xf3\x44\x0f\x7e\x66\x28\x66\x4d\x0f\x6e\xea" },
    { "movd/movq from xmm", false, 25,
      "movd edx, xmm6; movd [rsi+5], xmm7; movq rcx, xmm5; movq [rsi+17], xmm9; movq r11, xmm15",
      "\x66\x0f\x7e\xf2\x66\x0f\x7e\x7e\x05\x66\x48\x0f\x7e\xe9\x66\x44\x0f\xd6"
      "\x4e\x11\x66\x4d\x0f\x7e\xfb" },
    { "movq F3 0F 7E", false, 15,
      "movq xmm8, [rsi+16]; movq xmm9, xmm10; movq xmm1, xmm1",
      "\xf3\x44\x0f\x7e\x46\x10\xf3\x45\x0f\x7e\xca\xf3\x0f\x7e\xc9" },
    { "movq 66 0F D6", false, 15,
      "movq [rsi+24], xmm11; .byte 0x66,0x45,0x0f,0xd6,0xec; .byte 0x66,0x0f,0xd6,0xc9",
      "\x66\x44\x0f\xd6\x5e\x18\x66\x45\x0f\xd6\xec\x66\x0f\xd6\xc9" },
    { "movlps/movhps loads", false, 13,
      "movlps xmm1, [rsi+8]; movhps xmm2, [rsi+24]; movlps xmm9, [rsi+3]",
      "\x0f\x12\x4e\x08\x0f\x16\x56\x18\x44\x0f\x12\x4e\x03" },
    { "movlps/movhps stores", false, 13,
      "movlps [rsi+40], xmm3; movhps [rsi+56], xmm4; movhps [rsi+71], xmm12",
      "\x0f\x13\x5e\x28\x0f\x17\x66\x38\x44\x0f\x17\x66\x47" },
    { "movlpd/movhpd", false, 20,
      "movlpd xmm5, [rsi+8]; movhpd xmm6, [rsi+25]; movlpd [rsi+88], xmm6; movhpd [rsi+99], xmm5",
      "\x66\x0f\x12\x6e\x08\x66\x0f\x16\x76\x19\x66\x0f\x13\x76\x58\x66\x0f\x17"
      "\x6e\x63" },
    { "movlhps/movhlps", false, 15,
      "movlhps xmm5, xmm6; movhlps xmm7, xmm8; movlhps xmm10, xmm10; movhlps xmm11, xmm3",
      "\x0f\x16\xee\x41\x0f\x12\xf8\x45\x0f\x16\xd2\x44\x0f\x12\xdb" },
    { "movnt stores", false, 24,
      "movntdq [rsi+64], xmm1; movntps [rsi+80], xmm2; movntpd [rsi+96], xmm13; movnti [rsi+113], eax; movnti [rsi+117], rbx",
      "\x66\x0f\xe7\x4e\x40\x0f\x2b\x56\x50\x66\x44\x0f\x2b\x6e\x60\x0f\xc3\x46"
      "\x71\x48\x0f\xc3\x5e\x75" },
    { "movntdq misaligned", true, 5,
      "movntdq [rsi+72], xmm1",
      "\x66\x0f\xe7\x4e\x48" },
    { "pmovmskb", false, 13,
      "pmovmskb eax, xmm1; pmovmskb r9d, xmm12; pmovmskb rdx, xmm0",
      "\x66\x0f\xd7\xc1\x66\x45\x0f\xd7\xcc\x66\x0f\xd7\xd0" },
    { "movmskps/movmskpd", false, 16,
      "movmskps ecx, xmm3; movmskpd edx, xmm4; movmskps r8d, xmm15; movmskpd r15d, xmm9",
      "\x0f\x50\xcb\x66\x0f\x50\xd4\x45\x0f\x50\xc7\x66\x45\x0f\x50\xf9" },
    { "pxor/por/pand/pandn", false, 23,
      "pxor xmm1, xmm2; por xmm3, [rsi+16]; pand xmm4, xmm5; pandn xmm6, xmm7; pandn xmm10, [rsi+48]",
      "\x66\x0f\xef\xca\x66\x0f\xeb\x5e\x10\x66\x0f\xdb\xe5\x66\x0f\xdf\xf7\x66"
      "\x44\x0f\xdf\x56\x30" },
    { "zeroing idioms", false, 17,
      "pxor xmm8, xmm8; xorps xmm9, xmm9; xorpd xmm3, xmm3; pcmpeqd xmm4, xmm4",
      "\x66\x45\x0f\xef\xc0\x45\x0f\x57\xc9\x66\x0f\x57\xdb\x66\x0f\x76\xe4" },
    { "ps/pd logic reg", false, 33,
      "xorps xmm1, xmm2; andps xmm3, xmm4; andnps xmm5, xmm6; orps xmm7, xmm8; xorpd xmm9, xmm10; andpd xmm11, xmm12; andnpd xmm13, xmm14; orpd xmm15, xmm0",
      "\x0f\x57\xca\x0f\x54\xdc\x0f\x55\xee\x41\x0f\x56\xf8\x66\x45\x0f\x57\xca"
      "\x66\x45\x0f\x54\xdc\x66\x45\x0f\x55\xee\x66\x44\x0f\x56\xf8" },
    { "ps/pd logic mem", false, 19,
      "xorps xmm1, [rsi+16]; andps xmm3, [rsi+32]; andnpd xmm5, [rsi+48]; orpd xmm7, [r12]",
      "\x0f\x57\x4e\x10\x0f\x54\x5e\x20\x66\x0f\x55\x6e\x30\x66\x41\x0f\x56\x3c"
      "\x24" },
    { "andps misaligned", true, 4,
      "andps xmm1, [rsi+4]",
      "\x0f\x54\x4e\x04" },
    { "pxor misaligned", true, 5,
      "pxor xmm1, [rsi+1]",
      "\x66\x0f\xef\x4e\x01" },
    { "pcmpeqb/w/d", false, 23,
      "pcmpeqb xmm1, xmm2; pcmpeqw xmm3, xmm3; pcmpeqd xmm4, [rsi+16]; pcmpeqb xmm5, [rsi+32]; pcmpeqw xmm12, xmm0",
      "\x66\x0f\x74\xca\x66\x0f\x75\xdb\x66\x0f\x76\x66\x10\x66\x0f\x74\x6e\x20"
      "\x66\x44\x0f\x75\xe0" },
    { "pcmpgtb/w/d", false, 24,
      "pcmpgtb xmm1, xmm2; pcmpgtw xmm3, xmm4; pcmpgtd xmm5, xmm6; pcmpgtb xmm9, [rsi+16]; pcmpgtd xmm10, [rsi+32]",
      "\x66\x0f\x64\xca\x66\x0f\x65\xdc\x66\x0f\x66\xee\x66\x44\x0f\x64\x4e\x10"
      "\x66\x44\x0f\x66\x56\x20" },
    { "paddb/w/d/q", false, 23,
      "paddb xmm1, xmm2; paddw xmm3, xmm4; paddd xmm5, xmm6; paddq xmm7, xmm8; paddq xmm9, [rsi+48]",
      "\x66\x0f\xfc\xca\x66\x0f\xfd\xdc\x66\x0f\xfe\xee\x66\x41\x0f\xd4\xf8\x66"
      "\x44\x0f\xd4\x4e\x30" },
    { "psubb/w/d/q", false, 23,
      "psubb xmm1, xmm2; psubw xmm3, xmm4; psubd xmm5, xmm6; psubq xmm7, xmm8; psubb xmm10, [rsi+64]",
      "\x66\x0f\xf8\xca\x66\x0f\xf9\xdc\x66\x0f\xfa\xee\x66\x41\x0f\xfb\xf8\x66"
      "\x44\x0f\xf8\x56\x40" },
    { "psubusb/psubusw", false, 18,
      "psubusb xmm1, xmm2; psubusw xmm3, xmm4; psubusb xmm5, [rsi+16]; psubusw xmm11, xmm11",
      "\x66\x0f\xd8\xca\x66\x0f\xd9\xdc\x66\x0f\xd8\x6e\x10\x66\x45\x0f\xd9\xdb" },
    { "pminub/pmaxub", false, 19,
      "pminub xmm1, xmm2; pmaxub xmm3, xmm4; pminub xmm5, [rsi+32]; pmaxub xmm13, [rsi+16]",
      "\x66\x0f\xda\xca\x66\x0f\xde\xdc\x66\x0f\xda\x6e\x20\x66\x44\x0f\xde\x6e"
      "\x10" },
    { "pminsw/pmaxsw", false, 17,
      "pminsw xmm1, xmm2; pmaxsw xmm3, xmm4; pminsw xmm5, [rsi+32]; pmaxsw xmm6, xmm6",
      "\x66\x0f\xea\xca\x66\x0f\xee\xdc\x66\x0f\xea\x6e\x20\x66\x0f\xee\xf6" },
    { "punpckl*", false, 23,
      "punpcklbw xmm1, xmm2; punpcklwd xmm3, xmm4; punpckldq xmm5, xmm6; punpcklqdq xmm7, xmm8; punpcklbw xmm9, [rsi+16]",
      "\x66\x0f\x60\xca\x66\x0f\x61\xdc\x66\x0f\x62\xee\x66\x41\x0f\x6c\xf8\x66"
      "\x44\x0f\x60\x4e\x10" },
    { "punpckh*", false, 23,
      "punpckhbw xmm1, xmm2; punpckhwd xmm3, xmm4; punpckhdq xmm5, xmm6; punpckhqdq xmm7, xmm8; punpckhqdq xmm9, [rsi+32]",
      "\x66\x0f\x68\xca\x66\x0f\x69\xdc\x66\x0f\x6a\xee\x66\x41\x0f\x6d\xf8\x66"
      "\x44\x0f\x6d\x4e\x20" },
    { "punpcklbw misaligned", true, 6,
      "punpcklbw xmm9, [rsi+8]",
      "\x66\x44\x0f\x60\x4e\x08" },
    { "pshufd", false, 22,
      "pshufd xmm1, xmm2, 0x1b; pshufd xmm3, [rsi+32], 0xe4; pshufd xmm4, xmm4, 0; pshufd xmm14, xmm9, 0xb1",
      "\x66\x0f\x70\xca\x1b\x66\x0f\x70\x5e\x20\xe4\x66\x0f\x70\xe4\x00\x66\x45"
      "\x0f\x70\xf1\xb1" },
    { "pshuflw/pshufhw", false, 21,
      "pshuflw xmm1, xmm2, 0x1b; pshufhw xmm3, xmm4, 0x4e; pshuflw xmm5, [rsi+16], 0; pshufhw xmm6, xmm6, 0xff",
      "\xf2\x0f\x70\xca\x1b\xf3\x0f\x70\xdc\x4e\xf2\x0f\x70\x6e\x10\x00\xf3\x0f"
      "\x70\xf6\xff" },
    { "shift imm words", false, 30,
      "psllw xmm1, 3; psrlw xmm2, 15; psraw xmm3, 7; psllw xmm4, 16; psraw xmm5, 200; psrlw xmm6, 17",
      "\x66\x0f\x71\xf1\x03\x66\x0f\x71\xd2\x0f\x66\x0f\x71\xe3\x07\x66\x0f\x71"
      "\xf4\x10\x66\x0f\x71\xe5\xc8\x66\x0f\x71\xd6\x11" },
    { "shift imm dwords", false, 32,
      "pslld xmm1, 31; psrld xmm2, 1; psrad xmm3, 12; psrad xmm4, 32; pslld xmm13, 33; psrld xmm9, 0",
      "\x66\x0f\x72\xf1\x1f\x66\x0f\x72\xd2\x01\x66\x0f\x72\xe3\x0c\x66\x0f\x72"
      "\xe4\x20\x66\x41\x0f\x72\xf5\x21\x66\x41\x0f\x72\xd1\x00" },
    { "shift imm qwords", false, 21,
      "psllq xmm1, 63; psrlq xmm2, 33; psllq xmm3, 64; psrlq xmm12, 8",
      "\x66\x0f\x73\xf1\x3f\x66\x0f\x73\xd2\x21\x66\x0f\x73\xf3\x40\x66\x41\x0f"
      "\x73\xd4\x08" },
    { "byte shifts", false, 32,
      "pslldq xmm1, 3; psrldq xmm2, 15; pslldq xmm3, 16; psrldq xmm4, 200; pslldq xmm10, 8; psrldq xmm11, 1",
      "\x66\x0f\x73\xf9\x03\x66\x0f\x73\xda\x0f\x66\x0f\x73\xfb\x10\x66\x0f\x73"
      "\xdc\xc8\x66\x41\x0f\x73\xfa\x08\x66\x41\x0f\x73\xdb\x01" },
    { "shift by xmm small", false, 42,
      "mov eax, 5; movd xmm0, eax; psllw xmm1, xmm0; pslld xmm2, xmm0; psllq xmm3, xmm0; psrlw xmm4, xmm0; psrld xmm5, xmm0; psrlq xmm6, xmm0; psraw xmm7, xmm0; psrad xmm8, xmm0",
      "\xb8\x05\x00\x00\x00\x66\x0f\x6e\xc0\x66\x0f\xf1\xc8\x66\x0f\xf2\xd0\x66"
      "\x0f\xf3\xd8\x66\x0f\xd1\xe0\x66\x0f\xd2\xe8\x66\x0f\xd3\xf0\x66\x0f\xe1"
      "\xf8\x66\x44\x0f\xe2\xc0" },
    { "shift by xmm large", false, 35,
      "mov eax, 20; movd xmm0, eax; psllw xmm1, xmm0; pslld xmm2, xmm0; psrlw xmm4, xmm0; psraw xmm7, xmm0; psrad xmm8, xmm0; psrlq xmm9, xmm0",
      "\xb8\x14\x00\x00\x00\x66\x0f\x6e\xc0\x66\x0f\xf1\xc8\x66\x0f\xf2\xd0\x66"
      "\x0f\xd1\xe0\x66\x0f\xe1\xf8\x66\x44\x0f\xe2\xc0\x66\x44\x0f\xd3\xc8" },
    { "shift by xmm huge count", false, 21,
      "movq xmm0, rbx; psllq xmm1, xmm0; psrad xmm2, xmm0; psraw xmm3, xmm0; psrld xmm4, xmm0",
      "\x66\x48\x0f\x6e\xc3\x66\x0f\xf3\xc8\x66\x0f\xe2\xd0\x66\x0f\xe1\xd8\x66"
      "\x0f\xd2\xe0" },
    { "shift by memory count", false, 24,
      "psllq xmm1, [rsi+128]; psrlw xmm2, [rsi+128]; psrad xmm3, [rsi+128]",
      "\x66\x0f\xf3\x8e\x80\x00\x00\x00\x66\x0f\xd1\x96\x80\x00\x00\x00\x66\x0f"
      "\xe2\x9e\x80\x00\x00\x00" },
    { "shufps/shufpd", false, 31,
      "shufps xmm1, xmm2, 0x4e; shufps xmm3, xmm3, 0x1b; shufpd xmm4, xmm5, 1; shufpd xmm6, xmm7, 2; shufps xmm8, [rsi+16], 0xd8; shufpd xmm9, [rsi+32], 3",
      "\x0f\xc6\xca\x4e\x0f\xc6\xdb\x1b\x66\x0f\xc6\xe5\x01\x66\x0f\xc6\xf7\x02"
      "\x44\x0f\xc6\x46\x10\xd8\x66\x44\x0f\xc6\x4e\x20\x03" },
    { "pinsrw/pextrw", false, 33,
      "pinsrw xmm1, eax, 3; pinsrw xmm2, [rsi+6], 7; pextrw ecx, xmm3, 5; pextrw r10d, xmm12, 0; pinsrw xmm13, r11d, 0x0c; pextrw edx, xmm1, 3",
      "\x66\x0f\xc4\xc8\x03\x66\x0f\xc4\x56\x06\x07\x66\x0f\xc5\xcb\x05\x66\x45"
      "\x0f\xc5\xd4\x00\x66\x45\x0f\xc4\xeb\x0c\x66\x0f\xc5\xd1\x03" },
    { "packs", false, 17,
      "packsswb xmm1, xmm2; packuswb xmm3, xmm4; packssdw xmm5, xmm6; packuswb xmm7, [rsi+16]",
      "\x66\x0f\x63\xca\x66\x0f\x67\xdc\x66\x0f\x6b\xee\x66\x0f\x67\x7e\x10" },
    /* packuswb is inline IR (gen_sse.c): the same register twice, and a high register */
    { "packuswb aliased", false, 9,
      "packuswb xmm2, xmm2; packuswb xmm9, xmm1",
      "\x66\x0f\x67\xd2\x66\x44\x0f\x67\xc9" },
    { "multiplies", false, 28,
      "pmullw xmm1, xmm2; pmulhw xmm3, xmm4; pmulhuw xmm5, xmm6; pmuludq xmm7, xmm8; pmaddwd xmm9, xmm10; pmuludq xmm11, [rsi+32]",
      "\x66\x0f\xd5\xca\x66\x0f\xe5\xdc\x66\x0f\xe4\xee\x66\x41\x0f\xf4\xf8\x66"
      "\x45\x0f\xf5\xca\x66\x44\x0f\xf4\x5e\x20" },
    { "psadbw/pavg", false, 17,
      "psadbw xmm1, xmm2; pavgb xmm3, xmm4; pavgw xmm5, xmm6; psadbw xmm7, [rsi+48]",
      "\x66\x0f\xf6\xca\x66\x0f\xe0\xdc\x66\x0f\xe3\xee\x66\x0f\xf6\x7e\x30" },
    { "saturating add/sub", false, 27,
      "paddusb xmm1, xmm2; paddusw xmm3, xmm4; paddsb xmm5, xmm6; paddsw xmm7, xmm8; psubsb xmm9, xmm10; psubsw xmm11, xmm12",
      "\x66\x0f\xdc\xca\x66\x0f\xdd\xdc\x66\x0f\xec\xee\x66\x41\x0f\xed\xf8\x66"
      "\x45\x0f\xe8\xca\x66\x45\x0f\xe9\xdc" },
    { "helper op misaligned", true, 5,
      "pmullw xmm1, [rsi+2]",
      "\x66\x0f\xd5\x4e\x02" },
    { "addss/addsd", false, 22,
      "addss xmm0, xmm1; addsd xmm2, xmm3; addss xmm4, [rsi+20]; addsd xmm5, [rsi+40]; addss xmm6, xmm6",
      "\xf3\x0f\x58\xc1\xf2\x0f\x58\xd3\xf3\x0f\x58\x66\x14\xf2\x0f\x58\x6e\x28"
      "\xf3\x0f\x58\xf6" },
    { "subss/subsd", false, 24,
      "subss xmm0, xmm1; subsd xmm2, xmm3; subss xmm7, [rsi+4]; subsd xmm8, [rsi+24]; subsd xmm12, xmm12",
      "\xf3\x0f\x5c\xc1\xf2\x0f\x5c\xd3\xf3\x0f\x5c\x7e\x04\xf2\x44\x0f\x5c\x46"
      "\x18\xf2\x45\x0f\x5c\xe4" },
    { "mulss/mulsd", false, 25,
      "mulss xmm0, xmm1; mulsd xmm2, xmm3; mulss xmm9, [rsi+8]; mulsd xmm10, [rsi+48]; mulss xmm4, xmm11",
      "\xf3\x0f\x59\xc1\xf2\x0f\x59\xd3\xf3\x44\x0f\x59\x4e\x08\xf2\x44\x0f\x59"
      "\x56\x30\xf3\x41\x0f\x59\xe3" },
    { "divss/divsd", false, 25,
      "divss xmm0, xmm1; divsd xmm2, xmm3; divss xmm11, [rsi+12]; divsd xmm12, [rsi+56]; divsd xmm13, xmm14",
      "\xf3\x0f\x5e\xc1\xf2\x0f\x5e\xd3\xf3\x44\x0f\x5e\x5e\x0c\xf2\x44\x0f\x5e"
      "\x66\x38\xf2\x45\x0f\x5e\xee" },
    { "sqrtss/sqrtsd", false, 26,
      "sqrtss xmm0, xmm1; sqrtsd xmm2, xmm3; sqrtss xmm4, xmm4; sqrtsd xmm5, [rsi+8]; sqrtss xmm6, [rsi+28]; sqrtsd xmm7, xmm6",
      "\xf3\x0f\x51\xc1\xf2\x0f\x51\xd3\xf3\x0f\x51\xe4\xf2\x0f\x51\x6e\x08\xf3"
      "\x0f\x51\x76\x1c\xf2\x0f\x51\xfe" },
    { "minss/maxss/minsd/maxsd", false, 33,
      "minss xmm0, xmm1; maxss xmm2, xmm3; minsd xmm4, xmm5; maxsd xmm6, xmm7; minss xmm8, [rsi+4]; maxsd xmm9, [rsi+16]; minsd xmm10, xmm10",
      "\xf3\x0f\x5d\xc1\xf3\x0f\x5f\xd3\xf2\x0f\x5d\xe5\xf2\x0f\x5f\xf7\xf3\x44"
      "\x0f\x5d\x46\x04\xf2\x44\x0f\x5f\x4e\x10\xf2\x45\x0f\x5d\xd2" },
    { "addps/addpd/subps/subpd", false, 25,
      "addps xmm0, xmm1; addpd xmm2, xmm3; subps xmm4, xmm5; subpd xmm6, xmm7; addps xmm8, [rsi+16]; subpd xmm9, [rsi+32]",
      "\x0f\x58\xc1\x66\x0f\x58\xd3\x0f\x5c\xe5\x66\x0f\x5c\xf7\x44\x0f\x58\x46"
      "\x10\x66\x44\x0f\x5c\x4e\x20" },
    { "mulps/mulpd/divps/divpd", false, 25,
      "mulps xmm0, xmm1; mulpd xmm2, xmm3; divps xmm4, xmm5; divpd xmm6, xmm7; mulps xmm10, [rsi+48]; divpd xmm11, [rsi+64]",
      "\x0f\x59\xc1\x66\x0f\x59\xd3\x0f\x5e\xe5\x66\x0f\x5e\xf7\x44\x0f\x59\x56"
      "\x30\x66\x44\x0f\x5e\x5e\x40" },
    { "sqrtps/sqrtpd", false, 16,
      "sqrtps xmm0, xmm1; sqrtpd xmm2, xmm3; sqrtps xmm4, [rsi+16]; sqrtpd xmm5, [rsi+32]",
      "\x0f\x51\xc1\x66\x0f\x51\xd3\x0f\x51\x66\x10\x66\x0f\x51\x6e\x20" },
    { "minps/maxps/minpd/maxpd", false, 25,
      "minps xmm0, xmm1; maxps xmm2, xmm3; minpd xmm4, xmm5; maxpd xmm6, xmm7; minps xmm8, [rsi+16]; maxpd xmm9, [rsi+32]",
      "\x0f\x5d\xc1\x0f\x5f\xd3\x66\x0f\x5d\xe5\x66\x0f\x5f\xf7\x44\x0f\x5d\x46"
      "\x10\x66\x44\x0f\x5f\x4e\x20" },
    { "addps misaligned", true, 5,
      "addps xmm8, [rsi+12]",
      "\x44\x0f\x58\x46\x0c" },
    { "sqrtpd misaligned", true, 6,
      "sqrtpd xmm8, [rsi+8]",
      "\x66\x44\x0f\x51\x46\x08" },
    { "cmpss predicates", false, 44,
      "cmpeqss xmm0, xmm1; cmpltss xmm2, xmm3; cmpless xmm4, xmm5; cmpunordss xmm6, xmm7; cmpneqss xmm8, xmm9; cmpnltss xmm10, xmm11; cmpnless xmm12, xmm13; cmpordss xmm14, xmm15",
      "\xf3\x0f\xc2\xc1\x00\xf3\x0f\xc2\xd3\x01\xf3\x0f\xc2\xe5\x02\xf3\x0f\xc2"
      "\xf7\x03\xf3\x45\x0f\xc2\xc1\x04\xf3\x45\x0f\xc2\xd3\x05\xf3\x45\x0f\xc2"
      "\xe5\x06\xf3\x45\x0f\xc2\xf7\x07" },
    { "cmpsd predicates", false, 45,
      "cmpeqsd xmm0, xmm1; cmpltsd xmm2, xmm3; cmplesd xmm4, xmm5; cmpunordsd xmm6, xmm7; cmpneqsd xmm8, xmm9; cmpnltsd xmm10, xmm11; cmpnlesd xmm12, xmm13; cmpordsd xmm14, [rsi+8]",
      "\xf2\x0f\xc2\xc1\x00\xf2\x0f\xc2\xd3\x01\xf2\x0f\xc2\xe5\x02\xf2\x0f\xc2"
      "\xf7\x03\xf2\x45\x0f\xc2\xc1\x04\xf2\x45\x0f\xc2\xd3\x05\xf2\x45\x0f\xc2"
      "\xe5\x06\xf2\x44\x0f\xc2\x76\x08\x07" },
    { "cmpps predicates", false, 37,
      "cmpeqps xmm0, xmm1; cmpltps xmm2, xmm3; cmpleps xmm4, xmm5; cmpunordps xmm6, xmm7; cmpneqps xmm8, xmm9; cmpnltps xmm10, xmm11; cmpnleps xmm12, xmm13; cmpordps xmm14, [rsi+16]",
      "\x0f\xc2\xc1\x00\x0f\xc2\xd3\x01\x0f\xc2\xe5\x02\x0f\xc2\xf7\x03\x45\x0f"
      "\xc2\xc1\x04\x45\x0f\xc2\xd3\x05\x45\x0f\xc2\xe5\x06\x44\x0f\xc2\x76\x10"
      "\x07" },
    { "cmppd predicates", false, 45,
      "cmpeqpd xmm0, xmm1; cmpltpd xmm2, xmm3; cmplepd xmm4, xmm5; cmpunordpd xmm6, xmm7; cmpneqpd xmm8, xmm9; cmpnltpd xmm10, xmm11; cmpnlepd xmm12, xmm13; cmpordpd xmm14, [rsi+32]",
      "\x66\x0f\xc2\xc1\x00\x66\x0f\xc2\xd3\x01\x66\x0f\xc2\xe5\x02\x66\x0f\xc2"
      "\xf7\x03\x66\x45\x0f\xc2\xc1\x04\x66\x45\x0f\xc2\xd3\x05\x66\x45\x0f\xc2"
      "\xe5\x06\x66\x44\x0f\xc2\x76\x20\x07" },
    { "cmpps same register and high imm bits", false, 19,
      "cmpps xmm1, xmm1, 0; cmpps xmm2, xmm2, 3; cmpss xmm3, [rsi+4], 0xf9; cmpsd xmm4, xmm4, 7",
      "\x0f\xc2\xc9\x00\x0f\xc2\xd2\x03\xf3\x0f\xc2\x5e\x04\xf9\xf2\x0f\xc2\xe4"
      "\x07" },
    { "comiss a", false, 3,
      "comiss xmm0, xmm1",
      "\x0f\x2f\xc1" },
    { "comiss b", false, 3,
      "comiss xmm2, xmm3",
      "\x0f\x2f\xd3" },
    { "ucomiss a", false, 3,
      "ucomiss xmm4, xmm5",
      "\x0f\x2e\xe5" },
    { "ucomiss self", false, 3,
      "ucomiss xmm6, xmm6",
      "\x0f\x2e\xf6" },
    { "ucomiss mem", false, 4,
      "ucomiss xmm7, [rsi+4]",
      "\x0f\x2e\x7e\x04" },
    { "comisd a", false, 4,
      "comisd xmm0, xmm1",
      "\x66\x0f\x2f\xc1" },
    { "comisd b", false, 5,
      "comisd xmm8, xmm9",
      "\x66\x45\x0f\x2f\xc1" },
    { "ucomisd a", false, 5,
      "ucomisd xmm10, xmm11",
      "\x66\x45\x0f\x2e\xd3" },
    { "ucomisd mem", false, 6,
      "ucomisd xmm12, [rsi+8]",
      "\x66\x44\x0f\x2e\x66\x08" },
    { "ucomisd self", false, 5,
      "ucomisd xmm13, xmm13",
      "\x66\x45\x0f\x2e\xed" },
    { "cvtsi2ss/sd", false, 34,
      "cvtsi2ss xmm1, eax; cvtsi2ss xmm2, rbx; cvtsi2sd xmm3, ecx; cvtsi2sd xmm4, rdx; cvtsi2sd xmm5, qword ptr [rsi+8]; cvtsi2ss xmm6, dword ptr [rsi+12]; cvtsi2ss xmm7, r14",
      "\xf3\x0f\x2a\xc8\xf3\x48\x0f\x2a\xd3\xf2\x0f\x2a\xd9\xf2\x48\x0f\x2a\xe2"
      "\xf2\x48\x0f\x2a\x6e\x08\xf3\x0f\x2a\x76\x0c\xf3\x49\x0f\x2a\xfe" },
    { "cvttss2si/cvttsd2si", false, 30,
      "cvttss2si eax, xmm1; cvttss2si rbx, xmm2; cvttsd2si ecx, xmm3; cvttsd2si rdx, qword ptr [rsi+16]; cvttss2si r8, dword ptr [rsi+4]; cvttsd2si r9d, xmm9",
      "\xf3\x0f\x2c\xc1\xf3\x48\x0f\x2c\xda\xf2\x0f\x2c\xcb\xf2\x48\x0f\x2c\x56"
      "\x10\xf3\x4c\x0f\x2c\x46\x04\xf2\x45\x0f\x2c\xc9" },
    { "cvtss2si/cvtsd2si", false, 30,
      "cvtss2si eax, xmm1; cvtss2si rbx, xmm2; cvtsd2si ecx, xmm3; cvtsd2si rdx, qword ptr [rsi+16]; cvtss2si r8d, dword ptr [rsi+4]; cvtsd2si r13, xmm13",
      "\xf3\x0f\x2d\xc1\xf3\x48\x0f\x2d\xda\xf2\x0f\x2d\xcb\xf2\x48\x0f\x2d\x56"
      "\x10\xf3\x44\x0f\x2d\x46\x04\xf2\x4d\x0f\x2d\xed" },
    { "cvtss2sd/cvtsd2ss", false, 22,
      "cvtss2sd xmm0, xmm1; cvtsd2ss xmm2, xmm3; cvtss2sd xmm4, dword ptr [rsi+4]; cvtsd2ss xmm5, qword ptr [rsi+8]; cvtsd2ss xmm6, xmm6",
      "\xf3\x0f\x5a\xc1\xf2\x0f\x5a\xd3\xf3\x0f\x5a\x66\x04\xf2\x0f\x5a\x6e\x08"
      "\xf2\x0f\x5a\xf6" },
    { "cvtps2pd/cvtpd2ps", false, 19,
      "cvtps2pd xmm0, xmm1; cvtpd2ps xmm2, xmm3; cvtps2pd xmm4, qword ptr [rsi+4]; cvtpd2ps xmm5, [rsi+16]; cvtps2pd xmm6, xmm6",
      "\x0f\x5a\xc1\x66\x0f\x5a\xd3\x0f\x5a\x66\x04\x66\x0f\x5a\x6e\x10\x0f\x5a"
      "\xf6" },
    { "cvtdq2pd/cvttpd2dq/cvtpd2dq", false, 22,
      "cvtdq2pd xmm0, xmm1; cvttpd2dq xmm2, xmm3; cvtpd2dq xmm4, xmm5; cvtdq2pd xmm6, qword ptr [rsi+8]; cvttpd2dq xmm7, [rsi+32]",
      "\xf3\x0f\xe6\xc1\x66\x0f\xe6\xd3\xf2\x0f\xe6\xe5\xf3\x0f\xe6\x76\x08\x66"
      "\x0f\xe6\x7e\x20" },
    { "cvtdq2ps/cvttps2dq/cvtps2dq", false, 20,
      "cvtdq2ps xmm0, xmm1; cvttps2dq xmm2, xmm3; cvtps2dq xmm4, xmm5; cvtdq2ps xmm6, [rsi+16]; cvttps2dq xmm7, [rsi+48]",
      "\x0f\x5b\xc1\xf3\x0f\x5b\xd3\x66\x0f\x5b\xe5\x0f\x5b\x76\x10\xf3\x0f\x5b"
      "\x7e\x30" },
    { "cvtpd2ps misaligned", true, 5,
      "cvtpd2ps xmm5, [rsi+24]",
      "\x66\x0f\x5a\x6e\x18" },
    { "unpck ps/pd", false, 25,
      "unpcklps xmm0, xmm1; unpcklpd xmm2, xmm3; unpckhps xmm4, xmm5; unpckhpd xmm6, xmm7; unpcklps xmm8, [rsi+16]; unpckhpd xmm9, [rsi+32]",
      "\x0f\x14\xc1\x66\x0f\x14\xd3\x0f\x15\xe5\x66\x0f\x15\xf7\x44\x0f\x14\x46"
      "\x10\x66\x44\x0f\x15\x4e\x20" },
    { "stmxcsr", false, 10,
      "stmxcsr [rsi+4]; stmxcsr [r12+1]",
      "\x0f\xae\x5e\x04\x41\x0f\xae\x5c\x24\x01" },
    { "ldmxcsr/stmxcsr", false, 11,
      "ldmxcsr [rsi+480]; stmxcsr [rsi+8]",
      "\x0f\xae\x96\xe0\x01\x00\x00\x0f\xae\x5e\x08" },
    { "ldmxcsr reserved bit", true, 7,
      "ldmxcsr [rsi+488]",
      "\x0f\xae\x96\xe8\x01\x00\x00" },
    { "fxsave", false, 7,
      "fxsave [rsi+512]",
      "\x0f\xae\x86\x00\x02\x00\x00" },
    { "fxsave64 fxrstor", false, 23,
      "fxsave64 [rsi+512]; pxor xmm3, xmm3; movaps xmm9, xmm1; fxrstor [rsi+512]",
      "\x48\x0f\xae\x86\x00\x02\x00\x00\x66\x0f\xef\xdb\x44\x0f\x28\xc9\x0f\xae"
      "\x8e\x00\x02\x00\x00" },
    { "fxrstor loads", false, 3,
      "fxrstor [rsi+0]",
      "\x0f\xae\x0e" },
    { "fxsave misaligned", true, 7,
      "fxsave [rsi+520]",
      "\x0f\xae\x86\x08\x02\x00\x00" },
    { "fences and prefetch", false, 23,
      "prefetcht0 [rsi]; prefetchnta [rsi+4096]; sfence; lfence; mfence; movups xmm1, [rsi+1]",
      "\x0f\x18\x0e\x0f\x18\x86\x00\x10\x00\x00\x0f\xae\xf8\x0f\xae\xe8\x0f\xae"
      "\xf0\x0f\x10\x4e\x01" },
    { "strlen kernel", false, 36,
      "pxor xmm0, xmm0; movdqa xmm1, [rsi+128]; pcmpeqb xmm1, xmm0; pmovmskb eax, xmm1; movdqu xmm2, [rsi+141]; pcmpeqb xmm2, xmm0; pmovmskb ecx, xmm2",
      "\x66\x0f\xef\xc0\x66\x0f\x6f\x8e\x80\x00\x00\x00\x66\x0f\x74\xc8\x66\x0f"
      "\xd7\xc1\xf3\x0f\x6f\x96\x8d\x00\x00\x00\x66\x0f\x74\xd0\x66\x0f\xd7\xca" },
    { "memchr kernel", false, 35,
      "mov ecx, 0x61; movd xmm1, ecx; punpcklbw xmm1, xmm1; punpcklwd xmm1, xmm1; pshufd xmm1, xmm1, 0; movdqu xmm0, [rsi+3]; pcmpeqb xmm0, xmm1; pmovmskb eax, xmm0",
      "\xb9\x61\x00\x00\x00\x66\x0f\x6e\xc9\x66\x0f\x60\xc9\x66\x0f\x61\xc9\x66"
      "\x0f\x70\xc9\x00\xf3\x0f\x6f\x46\x03\x66\x0f\x74\xc1\x66\x0f\xd7\xc0" },
    { "strcmp kernel", false, 38,
      "movdqu xmm1, [rsi+128]; movdqu xmm0, [rsi+144]; pcmpeqb xmm0, xmm1; pminub xmm0, xmm1; pxor xmm15, xmm15; pcmpeqb xmm0, xmm15; pmovmskb edx, xmm0",
      "\xf3\x0f\x6f\x8e\x80\x00\x00\x00\xf3\x0f\x6f\x86\x90\x00\x00\x00\x66\x0f"
      "\x74\xc1\x66\x0f\xda\xc1\x66\x45\x0f\xef\xff\x66\x41\x0f\x74\xc7\x66\x0f"
      "\xd7\xd0" },
    { "memset kernel", false, 39,
      "movd xmm0, esi; punpcklbw xmm0, xmm0; punpcklwd xmm0, xmm0; pshufd xmm0, xmm0, 0; movups [rsi+200], xmm0; movaps [rsi+224], xmm0; movq [rsi+240], xmm0",
      "\x66\x0f\x6e\xc6\x66\x0f\x60\xc0\x66\x0f\x61\xc0\x66\x0f\x70\xc0\x00\x0f"
      "\x11\x86\xc8\x00\x00\x00\x0f\x29\x86\xe0\x00\x00\x00\x66\x0f\xd6\x86\xf0"
      "\x00\x00\x00" },
    { "addressing forms", false, 24,
      "movups xmm9, [rsi+rdi*2+4]; movaps xmm10, [r12+rdi]; movss xmm11, [r13+rdi*4-60]; addps xmm12, [r12+rdi*8-128]",
      "\x44\x0f\x10\x4c\x7e\x04\x45\x0f\x28\x14\x3c\xf3\x45\x0f\x10\x5c\xbd\xc4"
      "\x45\x0f\x58\x64\xfc\x80" },
    { "rip-relative", false, 18,
      "movups xmm1, [rip+3]; movsd xmm2, [rip-9]; nop; nop; nop",
      "\x0f\x10\x0d\x03\x00\x00\x00\xf2\x0f\x10\x15\xf7\xff\xff\xff\x90\x90\x90" },
    { "mandatory prefix 66+F3", false, 10,
      ".byte 0x66,0xf3,0x0f,0x10,0xca; .byte 0x66,0xf2,0x0f,0x58,0xd3",
      "\x66\xf3\x0f\x10\xca\x66\xf2\x0f\x58\xd3" },
};

/* ================================================================ the host's fxsave images */

/* ferry presents MXCSR_MASK = FFFFh (what Intel CPUs with DAZ report). A host may support
 * more (AMD's misaligned-SSE mode adds bit 17); fxsave images from such a host are compared
 * as if it reported FFFFh. */
enum { FXSAVE_AREA = 512 };     /* the fxsave snippets use [rsi+512] */
static void normalise_mxcsr_mask(const SseCase *tc, uint8_t *mem)
{
    if (strncmp(tc->name, "fxsave", 6)) return;
    uint8_t *p = mem + FXSAVE_AREA + 28;
    uint32_t m;
    memcpy(&m, p, 4);
    if ((m & 0xffff) == 0xffff) sse_put32(p, 0xffff);
}

/* ================================================================ other properties */

/* The hot instructions (string kernels, scalar FP, conversions, compares) translate to IR
 * ops only: no helper call. */
static const char *const hot_paths[] = {
    "strlen kernel", "memchr kernel", "strcmp kernel", "memset kernel", "addss/addsd",
    "mulps/mulpd/divps/divpd", "cmpsd predicates", "comisd a", "cvtsi2ss/sd",
    "cvttss2si/cvttsd2si", "cvtss2sd/cvtsd2ss", "pshufd", "shift by xmm small",
    "byte shifts", "movmskps/movmskpd", "pinsrw/pextrw", "shufps/shufpd",
    "cvtdq2pd/cvttpd2dq/cvtpd2dq", "unpck ps/pd", "movaps load aligned", "packuswb aliased",
};

/* Encodings that are not SSE/SSE2/MMX (LOCK, invalid ModRM forms, undefined prefixes) must
 * not be translated: the block traps with SIGILL at the instruction. (MMX itself is
 * translated by gen_mmx.c and tested by tests/guest/mmx.c and the fuzzer's mmx class; SSE3
 * and SSSE3 by gen_ssse3.c and tests/unit/test_ssse3.c.) */
static const SseEncoding rejected[] = {
    { "lock paddb mm0, mm1 (MMX, LOCK)", "\xf0\x0f\xfc\xc1", 4 },
    { "lock addps", "\xf0\x0f\x58\xc1", 4 },
    { "movlpd xmm, xmm (reg form invalid)", "\x66\x0f\x12\xc1", 4 },
    { "movhps xmm, xmm store (reg form invalid)", "\x0f\x17\xc1", 3 },
    { "movntdq xmm, xmm (reg form invalid)", "\x66\x0f\xe7\xc1", 4 },
    { "psraq /4 imm (not SSE2)", "\x66\x0f\x73\xe1\x03", 5 },
    { "pslldq /7 on words (0F 71 /7)", "\x66\x0f\x71\xf9\x03", 5 },
    { "psraq mm /4 imm (not MMX)", "\x0f\x73\xe1\x03", 4 },
    { "xsave (not advertised)", "\x0f\xae\x26", 3 },
    { "cvtps2dq with F2 (undefined)", "\xf2\x0f\x5b\xc1", 4 },
};

int main(void)
{
    static const SseSuite suite = {
        .name = "sse", .cases = cases, .n_cases = COUNT(cases), .n_seeds = 1,
        .init_state = sse_std_state, .init_memory = sse_std_memory,
        .fix_native = normalise_mxcsr_mask,
        .no_calls_test = "hot paths have no helper calls",
        .no_calls = hot_paths, .n_no_calls = COUNT(hot_paths),
        .rejected_test = "rejected encodings trap with SIGILL",
        .rejected = rejected, .n_rejected = COUNT(rejected),
    };
    return sse_main(&suite);
}
