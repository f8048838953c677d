/* x86_optab.c — the x86-64 opcode maps as data: x86_optab[map][opcode].
 *
 * Each row below is one row of the opcode maps in Intel SDM Vol. 2, Appendix A, for 64-bit
 * mode: Table A-2 (one-byte map), A-3 (0F two-byte map), A-4 (0F 38) and A-5 (0F 3A). An entry
 * says only what the decoder needs to find the instruction's length and operand size: whether
 * the opcode exists, whether a ModRM byte follows, the byte-operand form, default/forced 64-bit
 * operand size (the manual's d64/f64 superscripts), whether it is a group (meaning depends on
 * ModRM.reg), register-only/memory-only ModRM forms, and the immediate kind. Meaning (which
 * mnemonic) is left to the translators, which dispatch on map/opcode/reg/mandatory prefix.
 *
 * Things kept elsewhere, in x86_decode.c, because they depend on more than the opcode byte:
 * per-ModRM.reg validity and immediates of groups (F6/F7 test, FF /2 /4 /6, ...), and which
 * mandatory prefixes (none/66/F3/F2) select an existing SSE form.
 *
 * Deliberately invalid here: everything the manual marks i64 (invalid in 64-bit mode), EVEX
 * (62) which ferry does not support, 3DNow! (0F 0F) and other AMD-only encodings; the x87
 * escapes D8-DF are valid (ModRM, no immediate) so the translator can reject them with a
 * precise message. C4/C5 are the VEX prefixes, which the decoder handles before the one-byte
 * table (like the 0F escape); x86_vex_optab at the end lists the VEX-encoded opcodes ferry
 * decodes: only the BMI1/BMI2 general-purpose-register instructions (AVX is not in the CPU
 * model, so every other VEX encoding is #UD).
 */
#include "frontend-x86/x86_decode.h"

/* ---- entry notation ----
 * __    invalid (reserved, i64, or unsupported)       PFX  a prefix byte (map 1B only)
 * ESC   the 0F escape (the decoder handles it before the table)
 * Flag letters, combined in one macro name:
 *   N    valid, no ModRM            M    ModRM follows        B    byte operand size
 *   D64  default 64-bit operand     F64  forced 64-bit       G    group (ModRM.reg selects)
 *   R    ModRM.mod must be 3        MEM  ModRM.mod must not be 3
 * and an immediate suffix: _IB ib, _IW iw, _IZ iz, _IV iv, _JB rel8, _JZ rel32, _WB iw+ib,
 * _MO moffs. */
#define V_  X86F_VALID
#define E_(f, i) { (uint16_t)(f), (uint8_t)(i) }

#define __      E_(0, X86I_NONE)
#define ESC     E_(0, X86I_NONE)
#define PFX     E_(X86F_PREFIX, X86I_NONE)

#define N       E_(V_, X86I_NONE)
#define NB      E_(V_ | X86F_BYTE, X86I_NONE)
#define M       E_(V_ | X86F_MODRM, X86I_NONE)
#define MB      E_(V_ | X86F_MODRM | X86F_BYTE, X86I_NONE)
#define MR      E_(V_ | X86F_MODRM | X86F_REGONLY, X86I_NONE)
#define MMEM    E_(V_ | X86F_MODRM | X86F_MEMONLY, X86I_NONE)
#define MF64    E_(V_ | X86F_MODRM | X86F_FORCE64, X86I_NONE)
#define MF64MEM E_(V_ | X86F_MODRM | X86F_FORCE64 | X86F_MEMONLY, X86I_NONE)
#define M_IB    E_(V_ | X86F_MODRM, X86I_B)
#define MR_IB   E_(V_ | X86F_MODRM | X86F_REGONLY, X86I_B)
#define M_IZ    E_(V_ | X86F_MODRM, X86I_Z)
#define N_IB    E_(V_, X86I_B)
#define NB_IB   E_(V_ | X86F_BYTE, X86I_B)
#define N_IW    E_(V_, X86I_W)
#define N_IZ    E_(V_, X86I_Z)
#define N_IV    E_(V_, X86I_V)
#define NB_MO   E_(V_ | X86F_BYTE, X86I_MOFFS)
#define N_MO    E_(V_, X86I_MOFFS)
#define D64     E_(V_ | X86F_DEF64, X86I_NONE)
#define D64_IB  E_(V_ | X86F_DEF64, X86I_B)
#define D64_IZ  E_(V_ | X86F_DEF64, X86I_Z)
#define D64_WB  E_(V_ | X86F_DEF64, X86I_WB)
#define F64     E_(V_ | X86F_FORCE64, X86I_NONE)
#define F64_IW  E_(V_ | X86F_FORCE64, X86I_W)
#define F64_JB  E_(V_ | X86F_FORCE64, X86I_JB)
#define F64_JZ  E_(V_ | X86F_FORCE64, X86I_JZ)
#define GM      E_(V_ | X86F_MODRM | X86F_GROUP, X86I_NONE)
#define GMB     E_(V_ | X86F_MODRM | X86F_GROUP | X86F_BYTE, X86I_NONE)
#define GM_IB   E_(V_ | X86F_MODRM | X86F_GROUP, X86I_B)
#define GMB_IB  E_(V_ | X86F_MODRM | X86F_GROUP | X86F_BYTE, X86I_B)
#define GM_IZ   E_(V_ | X86F_MODRM | X86F_GROUP, X86I_Z)
#define GMD64   E_(V_ | X86F_MODRM | X86F_GROUP | X86F_DEF64, X86I_NONE)
#define GMR_IB  E_(V_ | X86F_MODRM | X86F_GROUP | X86F_REGONLY, X86I_B)

const X86OpDesc x86_optab[4][256] = {

/* ==== Table A-2: one-byte opcode map (64-bit mode) ==== */
[X86_MAP_1B] = {
/*        x0      x1      x2      x3      x4      x5      x6      x7
 *        x8      x9      xA      xB      xC      xD      xE      xF */
/* 0x: add Eb,Gb .. add rAX,Iz; push/pop es i64 | or ..; push cs i64; 0F escape */
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   __,     __,
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   __,     ESC,
/* 1x: adc ..; push/pop ss i64 | sbb ..; push/pop ds i64 */
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   __,     __,
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   __,     __,
/* 2x: and ..; ES: prefix; daa i64 | sub ..; CS: prefix; das i64 */
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   PFX,    __,
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   PFX,    __,
/* 3x: xor ..; SS: prefix; aaa i64 | cmp ..; DS: prefix; aas i64 */
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   PFX,    __,
          MB,     M,      MB,     M,      NB_IB,  N_IZ,   PFX,    __,
/* 4x: REX prefixes 40-4F */
          PFX,    PFX,    PFX,    PFX,    PFX,    PFX,    PFX,    PFX,
          PFX,    PFX,    PFX,    PFX,    PFX,    PFX,    PFX,    PFX,
/* 5x: push r64 (d64) | pop r64 (d64) */
          D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,
          D64,    D64,    D64,    D64,    D64,    D64,    D64,    D64,
/* 6x: pusha popa bound i64, EVEX (62) unsupported, movsxd Gv,Ed, FS: GS: 66 67 prefixes |
 *     push Iz (d64), imul Gv,Ev,Iz, push Ib (d64), imul Gv,Ev,Ib, insb insw/d outsb outsw/d */
          __,     __,     __,     M,      PFX,    PFX,    PFX,    PFX,
          D64_IZ, M_IZ,   D64_IB, M_IB,   NB,     N,      NB,     N,
/* 7x: jcc Jb (f64) */
          F64_JB, F64_JB, F64_JB, F64_JB, F64_JB, F64_JB, F64_JB, F64_JB,
          F64_JB, F64_JB, F64_JB, F64_JB, F64_JB, F64_JB, F64_JB, F64_JB,
/* 8x: grp1 Eb,Ib; grp1 Ev,Iz; 82 i64; grp1 Ev,Ib; test Eb/Ev; xchg Eb/Ev |
 *     mov Eb,Gb Ev,Gv Gb,Eb Gv,Ev; mov Ev,Sw; lea Gv,M; mov Sw,Ew; grp1A pop Ev (d64) */
          GMB_IB, GM_IZ,  __,     GM_IB,  MB,     M,      MB,     M,
          MB,     M,      MB,     M,      M,      MMEM,   M,      GMD64,
/* 9x: nop/xchg r,rAX | cbw/cwde/cdqe, cwd/cdq/cqo, callf i64, fwait, pushf (d64), popf (d64),
 *     sahf, lahf */
          N,      N,      N,      N,      N,      N,      N,      N,
          N,      N,      __,     N,      D64,    D64,    N,      N,
/* Ax: mov AL,Ob; mov rAX,Ov; mov Ob,AL; mov Ov,rAX; movsb movs cmpsb cmps |
 *     test AL,Ib; test rAX,Iz; stosb stos lodsb lods scasb scas */
          NB_MO,  N_MO,   NB_MO,  N_MO,   NB,     N,      NB,     N,
          NB_IB,  N_IZ,   NB,     N,      NB,     N,      NB,     N,
/* Bx: mov r8,Ib | mov r,Iv (imm64 with REX.W) */
          NB_IB,  NB_IB,  NB_IB,  NB_IB,  NB_IB,  NB_IB,  NB_IB,  NB_IB,
          N_IV,   N_IV,   N_IV,   N_IV,   N_IV,   N_IV,   N_IV,   N_IV,
/* Cx: grp2 Eb,Ib; grp2 Ev,Ib; ret Iw (f64); ret (f64); VEX3 VEX2 (the decoder's); grp11 mov Eb,Ib;
 *     grp11 mov Ev,Iz | enter Iw,Ib (d64); leave (d64); retf Iw; retf; int3; int Ib; into i64;
 *     iret */
          GMB_IB, GM_IB,  F64_IW, F64,    ESC,    ESC,    GMB_IB, GM_IZ,
          D64_WB, D64,    N_IW,   N,      N,      N_IB,   __,     N,
/* Dx: grp2 Eb,1; Ev,1; Eb,CL; Ev,CL; aam aad i64; salc i64; xlatb | x87 escapes */
          GMB,    GM,     GMB,    GM,     __,     __,     __,     NB,
          M,      M,      M,      M,      M,      M,      M,      M,
/* Ex: loopne loope loop jrcxz Jb (f64); in AL,Ib; in eAX,Ib; out Ib,AL; out Ib,eAX |
 *     call Jz (f64); jmp Jz (f64); jmpf i64; jmp Jb (f64); in AL,DX; in eAX,DX; out; out */
          F64_JB, F64_JB, F64_JB, F64_JB, NB_IB,  N_IB,   NB_IB,  N_IB,
          F64_JZ, F64_JZ, __,     F64_JB, NB,     N,      NB,     N,
/* Fx: LOCK prefix; int1; REPNE REP prefixes; hlt; cmc; grp3 Eb; grp3 Ev |
 *     clc stc cli sti cld std; grp4 (inc/dec Eb); grp5 (inc dec call callf jmp jmpf push Ev) */
          PFX,    N,      PFX,    PFX,    N,      N,      GMB,    GM,
          N,      N,      N,      N,      N,      N,      GMB,    GM,
},

/* ==== Table A-3: two-byte map, 0F xx ==== */
[X86_MAP_0F] = {
/* 0x: grp6, grp7, lar, lsl, -, syscall, clts, sysret |
 *     invd, wbinvd, -, ud2, -, prefetch(w) Mb, femms/3DNow! (AMD only) */
          GM,     GM,     M,      M,      __,     N,      N,      N,
          N,      N,      __,     N,      __,     MMEM,   __,     __,
/* 1x: movups/movss/.. Vx,Wx; Wx,Vx; movlps/movhlps/movsldup/movddup; movlps Mq,Vq; unpcklps;
 *     unpckhps; movhps/movlhps/movshdup; movhps Mq,Vq |
 *     grp16 prefetch (/4-/7 and 0F 19-1F are reserved-NOP / hint NOP Ev; endbr64 is
 *     F3 0F 1E FA) */
          M,      M,      M,      MMEM,   M,      M,      M,      MMEM,
          GM,     M,      M,      M,      M,      M,      M,      M,
/* 2x: mov Rd,Cd; Rd,Dd; Cd,Rd; Dd,Rd (f64; ModRM.mod is ignored, see x86_decode.c) |
 *     movaps; movaps; cvtpi2ps/cvtsi2ss; movntps Mps,Vps; cvttps2pi; cvtps2pi; ucomiss; comiss */
          MF64,   MF64,   MF64,   MF64,   __,     __,     __,     __,
          M,      M,      M,      MMEM,   M,      M,      M,      M,
/* 3x: wrmsr rdtsc rdmsr rdpmc sysenter sysexit - getsec | 0F38 escape, -, 0F3A escape */
          N,      N,      N,      N,      N,      N,      __,     N,
          ESC,    __,     ESC,    __,     __,     __,     __,     __,
/* 4x: cmovcc Gv,Ev */
          M,      M,      M,      M,      M,      M,      M,      M,
          M,      M,      M,      M,      M,      M,      M,      M,
/* 5x: movmskps Gd,Ups; sqrt; rsqrt; rcp; and; andn; or; xor | add mul cvt cvt sub min div max */
          MR,     M,      M,      M,      M,      M,      M,      M,
          M,      M,      M,      M,      M,      M,      M,      M,
/* 6x: punpcklbw .. packuswb | punpckhbw .. packssdw, punpcklqdq, punpckhqdq, movd/q, movq/dqa */
          M,      M,      M,      M,      M,      M,      M,      M,
          M,      M,      M,      M,      M,      M,      M,      M,
/* 7x: pshufw/pshufd Ib; grp12 Ib; grp13 Ib; grp14 Ib; pcmpeqb/w/d; emms |
 *     vmread Ey,Gy (f64); vmwrite Gy,Ey (f64); -; -; haddpd/ps; hsubpd/ps; movd/q Ey; movq/dqa */
          M_IB,   GMR_IB, GMR_IB, GMR_IB, M,      M,      M,      N,
          MF64,   MF64,   __,     __,     M,      M,      M,      M,
/* 8x: jcc Jz (f64) */
          F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ,
          F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ, F64_JZ,
/* 9x: setcc Eb */
          MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,
          MB,     MB,     MB,     MB,     MB,     MB,     MB,     MB,
/* Ax: push fs (d64); pop fs (d64); cpuid; bt Ev,Gv; shld Ev,Gv,Ib; shld Ev,Gv,CL; -; - |
 *     push gs (d64); pop gs (d64); rsm; bts; shrd Ib; shrd CL; grp15; imul Gv,Ev */
          D64,    D64,    N,      M,      M_IB,   M,      __,     __,
          D64,    D64,    N,      M,      M_IB,   M,      GM,     M,
/* Bx: cmpxchg Eb,Gb; Ev,Gv; lss Mp; btr; lfs Mp; lgs Mp; movzx Gv,Eb; movzx Gv,Ew |
 *     popcnt (F3; plain 0F B8 is jmpe, IA-64 only); grp10 ud1; grp8 Ev,Ib; btc; bsf/tzcnt;
 *     bsr/lzcnt; movsx Gv,Eb; movsx Gv,Ew */
          MB,     M,      MMEM,   M,      MMEM,   MMEM,   M,      M,
          M,      M,      GM_IB,  M,      M,      M,      M,      M,
/* Cx: xadd Eb,Gb; xadd Ev,Gv; cmpps Ib; movnti My,Gy; pinsrw Ib; pextrw Gd,Nq,Ib; shufps Ib;
 *     grp9 | bswap r */
          MB,     M,      M_IB,   MMEM,   M_IB,   MR_IB,  M_IB,   GM,
          N,      N,      N,      N,      N,      N,      N,      N,
/* Dx: addsubpd/ps; psrlw; psrld; psrlq; paddq; pmullw; movq/movq2dq/movdq2q; pmovmskb Gd,Nq |
 *     psubusb psubusw pminub pand paddusb paddusw pmaxub pandn */
          M,      M,      M,      M,      M,      M,      M,      MR,
          M,      M,      M,      M,      M,      M,      M,      M,
/* Ex: pavgb psraw psrad pavgw pmulhuw pmulhw cvt(t)pd2dq/cvtdq2pd; movntq/movntdq M |
 *     psubsb psubsw pminsw por paddsb paddsw pmaxsw pxor */
          M,      M,      M,      M,      M,      M,      M,      MMEM,
          M,      M,      M,      M,      M,      M,      M,      M,
/* Fx: lddqu Mx (F2); psllw pslld psllq pmuludq pmaddwd psadbw; maskmovq/maskmovdqu (regs) |
 *     psubb psubw psubd psubq paddb paddw paddd; ud0 Gd,Ed */
          MMEM,   M,      M,      M,      M,      M,      M,      MR,
          M,      M,      M,      M,      M,      M,      M,      M,
},

/* ==== Table A-4: three-byte map, 0F 38 xx (non-VEX forms only) ==== */
[X86_MAP_0F38] = {
/* 0x: pshufb phaddw phaddd phaddsw pmaddubsw phsubw phsubd phsubsw |
 *     psignb psignw psignd pmulhrsw; 0C-0F VEX only */
          M,      M,      M,      M,      M,      M,      M,      M,
          M,      M,      M,      M,      __,     __,     __,     __,
/* 1x: pblendvb; -; -; (vcvtph2ps VEX); blendvps; blendvpd; (VEX); ptest |
 *     (18-1A VEX); -; pabsb pabsw pabsd; - */
          M,      __,     __,     __,     M,      M,      __,     M,
          __,     __,     __,     __,     M,      M,      M,      __,
/* 2x: pmovsxbw bd bq wd wq dq; -; - | pmuldq pcmpeqq movntdqa(M) packusdw; 2C-2F VEX only */
          M,      M,      M,      M,      M,      M,      __,     __,
          M,      M,      MMEM,   M,      __,     __,     __,     __,
/* 3x: pmovzxbw bd bq wd wq dq; (VEX); pcmpgtq | pminsb pminsd pminuw pminud pmaxsb pmaxsd
 *     pmaxuw pmaxud */
          M,      M,      M,      M,      M,      M,      __,     M,
          M,      M,      M,      M,      M,      M,      M,      M,
/* 4x: pmulld phminposuw; the rest VEX/EVEX only */
          M,      M,      __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 5x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 6x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 7x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 8x: invept Gy,Mdq; invvpid Gy,Mdq; invpcid Gy,Mdq (66, f64) */
          MF64MEM, MF64MEM, MF64MEM, __,  __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 9x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Ax */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Bx */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Cx: - | sha1nexte sha1msg1 sha1msg2 sha256rnds2 sha256msg1 sha256msg2 */
          __,     __,     __,     __,     __,     __,     __,     __,
          M,      M,      M,      M,      M,      M,      __,     __,
/* Dx: - | aesimc aesenc aesenclast aesdec aesdeclast (66) */
          __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     M,      M,      M,      M,      M,
/* Ex */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Fx: movbe Gy,My / crc32 Gd,Eb (F2); movbe My,Gy / crc32 Gd,Ey (F2); -; -; -; -;
 *     adcx Gy,Ey (66) / adox Gy,Ey (F3) */
          M,      M,      __,     __,     __,     __,     M,      __,
          __,     __,     __,     __,     __,     __,     __,     __,
},

/* ==== Table A-5: three-byte map, 0F 3A xx (non-VEX forms; every entry takes Ib) ==== */
[X86_MAP_0F3A] = {
/* 0x: 00-07 VEX only | roundps roundpd roundss roundsd blendps blendpd pblendw palignr */
          __,     __,     __,     __,     __,     __,     __,     __,
          M_IB,   M_IB,   M_IB,   M_IB,   M_IB,   M_IB,   M_IB,   M_IB,
/* 1x: -; -; -; -; pextrb Rd/Mb; pextrw Rd/Mw; pextrd/q Ey; extractps Ed | 18-1F VEX only */
          __,     __,     __,     __,     M_IB,   M_IB,   M_IB,   M_IB,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 2x: pinsrb Vdq,Ry/Mb; insertps; pinsrd/q Vdq,Ey */
          M_IB,   M_IB,   M_IB,   __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 3x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 4x: dpps dppd mpsadbw -; pclmulqdq */
          M_IB,   M_IB,   M_IB,   __,     M_IB,   __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 5x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 6x: pcmpestrm pcmpestri pcmpistrm pcmpistri */
          M_IB,   M_IB,   M_IB,   M_IB,   __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 7x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 8x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* 9x */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Ax */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Bx */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Cx: - | sha1rnds4 */
          __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     M_IB,   __,     __,     __,
/* Dx: - | aeskeygenassist (66) */
          __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     M_IB,
/* Ex */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
/* Fx */  __,     __,     __,     __,     __,     __,     __,     __,
          __,     __,     __,     __,     __,     __,     __,     __,
},
};

/* A missing entry in a row above would shift every later opcode of its map (C pads the rest
 * with zeros silently); tests/unit/test_decode.c checks anchor entries at the end of each map. */

/* ==== VEX-encoded opcodes (Tables, the entries marked "v" that are
 * general-purpose-register instructions: BMI1 and BMI2) ====
 * Every one is "VEX.LZ" (VEX.L = 1 is #UD) and takes 32 or 64-bit operands by VEX.W. Which
 * VEX.pp each opcode allows (the implied mandatory prefix) is in x86_decode.c, as for the
 * legacy maps; group 17's members (F3 /1 /2 /3) too. Few and sparse, so written by opcode. */
#define VM      E_(V_ | X86F_MODRM | X86F_VEX_L0, X86I_NONE)
#define VGM     E_(V_ | X86F_MODRM | X86F_GROUP | X86F_VEX_L0, X86I_NONE)
#define VMN_IB  E_(V_ | X86F_MODRM | X86F_VEX_L0 | X86F_VEX_NOV, X86I_B)

const X86OpDesc x86_vex_optab[4][256] = {
    [X86_MAP_0F38] = {
        [0xF2] = VM,        /* andn Gy,By,Ey (NP) */
        [0xF3] = VGM,       /* group 17 (NP): /1 blsr By,Ey; /2 blsmsk; /3 blsi */
        [0xF5] = VM,        /* bzhi Gy,Ey,By (NP); pext Gy,By,Ey (F3); pdep Gy,By,Ey (F2) */
        [0xF6] = VM,        /* mulx By,Gy,rDX,Ey (F2) */
        [0xF7] = VM,        /* bextr Gy,Ey,By (NP); shlx (66); sarx (F3); shrx (F2) Gy,Ey,By */
    },
    [X86_MAP_0F3A] = {
        [0xF0] = VMN_IB,    /* rorx Gy,Ey,Ib (F2); VEX.vvvv unused */
    },
};
