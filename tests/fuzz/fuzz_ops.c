/* fuzz_ops.c — what the differential fuzzer generates, and the flags each instruction leaves
 * undefined.
 *
 * Each row names a set of encodings (map, opcode range, ModRM.reg for group members, the
 * mandatory prefix, ModRM.mod and REX.W constraints) by the mnemonic, its class for --only,
 * the GPRs it writes (explicit operands and implicit ones), and its flag behaviour. Lengths,
 * ModRM presence and immediates come from the decoder's own x86_optab/x86_decode when the
 * generator encodes a row (fuzz_gen.c); this table only says what the instruction means, which
 * the decoder's tables do not. fz_lookup finds the row of a decoded instruction, so replayed
 * or minimised bytes are analysed the same way as generated ones.
 *
 * Undefined flags (fz_flag_effect), from the "Flags Affected" section of each instruction in
 * the Intel SDM Vol. 2. The comparison masks exactly these; the generator never lets a later
 * instruction read a flag that may be undefined (jcc, setcc, cmovcc, adc/sbb, rcl/rcr, cmc,
 * lahf, pushf, loope/loopne), so no register depends on one:
 *   and or xor test           AF undefined (CF = OF = 0, SF ZF PF from the result)
 *   mul imul (all forms)      SF ZF AF PF undefined (CF = OF = high half significant)
 *   div idiv                  all six undefined
 *   shl sal shr sar           count & mask = 0: no flag changes. Otherwise AF undefined, OF
 *                             undefined unless the masked count is 1, and for shl/shr CF is
 *                             undefined when the count is >= the operand width (8/16 bits)
 *   rol ror rcl rcr           masked count 0: no change; OF undefined unless the masked
 *                             count is 1; CF defined; SF ZF AF PF not affected
 *   shld shrd                 count 0: no change; AF undefined; OF undefined unless count 1;
 *                             a count greater than the operand size (r16: 17..31) leaves the
 *                             result and every flag undefined -> never generated
 *   bt bts btr btc            CF defined; OF SF AF PF undefined; ZF unaffected
 *   bsf bsr                   ZF defined; CF OF SF AF PF undefined
 *   tzcnt lzcnt               CF ZF defined; OF SF PF AF undefined
 *   popcnt                    all six defined (ZF from the source, the rest cleared)
 *   andn blsi blsmsk blsr bzhi   SF ZF CF OF defined; AF PF undefined
 *   bextr                     ZF CF OF defined; AF SF PF undefined
 *   adcx / adox               read and define CF / OF only; the others are unchanged
 *   mulx pdep pext rorx sarx shlx shrx movbe   no flag changes
 * A count that the analysis cannot know (shifts by CL after rcx was written) is treated as
 * "maybe 0" (flags possibly unchanged) and "maybe any" (each flag the count could make
 * undefined is masked). Everything else here defines every flag it writes.
 * Undefined register results are avoided instead: bswap r16 (66) is not generated, and
 * neither are shld/shrd r16 counts above 16. bsf/bsr with a zero source leave the destination
 * unchanged on Intel (the SDM says undefined); ferry does the same, so it is compared.
 *
 * Deliberately not generated (each would differ for a reason that is not a ferry bug, or
 * cannot run safely inside the harness):
 *   - outside ferry's CPU model (fe_cpuid: SSE2 baseline plus POPCNT LZCNT BMI1 BMI2 ADX
 *     MOVBE, no AVX): SHA, the other SSE forms of the 0F 38 / 0F 3A
 *     maps, AVX and every other VEX encoding, rdpid, xgetbv,
 *     monitor/mwait, clflush (CPUID.1:EDX.CLFSH is not advertised, so ferry raises #UD);
 *     cpuid, rdtsc, rdtscp, rdrand and rdseed (answers differ by design: the counter, the CPU
 *     number in TSC_AUX, random bits);
 *   - leave the sequence or load state from random memory: ret/retf/iret, call/jmp through a
 *     register or memory, far call/jmp, popf (TF/AC from memory), syscall, sysenter and
 *     int 0x80 (the kernel would run a random system call), mov to Sreg / pop fs/gs / lss /
 *     lfs / lgs and FS/GS overrides (the harness's own TLS lives behind FS);
 *   - kernel-dependent: sgdt/sidt/smsw/sldt/str (Linux may emulate them under UMIP with dummy
 *     values; ferry raises #GP), lar/lsl/verr/verw (not implemented by ferry);
 *   - x87: the transcendentals (f2xm1 fyl2x fptan fpatan fyl2xp1 fsincos fsin fcos: ferry is
 *     within 1 ulp, not bit-exact), fldcw/fldenv/frstor (a random image would unmask
 *     exceptions, which ferry treats as masked), and the reserved D9 D1-D7/E2/E3/E6/E7 cells
 *     (fnstenv, fnsave and fxsave are: FIP is tracked; FDP and FOP change only on unmasked
 *     exceptions on this CPU model, FDP_EXCPTN_ONLY);
 * x87 condition codes (C0-C3) are masked the same way as EFLAGS: per the SDM, C1 is defined
 * after arithmetic, loads and stores (rounding up, stack fault) while C0, C2 and C3 are
 * undefined; compares define all four; fcomi and friends leave C0 C2 C3 alone and, says the
 * SDM, clear C1 (the Intel host keeps C1 instead, so it is masked) while defining ZF PF CF;
 * ffree, fnclex, fnstcw, fnop, fwait and fnstsw leave all four undefined.
 * MMX (class mmx) changes no EFLAGS and no condition code: it sets TOP = 0 and every tag
 * valid (emms: TOP = 0 and every tag empty), which the x87 comparison checks, with the
 * contents (and the all-ones exponent) of every register, as all are then valid. Its start
 * state is the x87 class's random stack.
 * SSE3 and SSSE3 (classes sse3 and ssse3, translated although fe_cpuid does not advertise
 * them yet) set no flags; the MMX forms of SSSE3 start from the x87 random stack too.
 */
#include "tests/fuzz/fuzz.h"

const char *const fz_class_name[FC_COUNT] = {
    "alu", "shift", "muldiv", "bit", "mov", "stack", "string", "branch", "misc", "trap",
    "sse", "ssefp", "sseenv", "x87", "bmi", "mmx", "sse3", "ssse3", "sse41", "sse42", "aes",
    "approx",
};

#define RAX (1u << 0)
#define RCX (1u << 1)
#define RDX (1u << 2)
#define RBP (1u << 5)
#define RSI (1u << 6)
#define RDI (1u << 7)

#define M1 X86_MAP_1B
#define M2 X86_MAP_0F
#define M3 X86_MAP_0F38
#define M4 X86_MAP_0F3A

/* name, class, map, first and last opcode, ModRM.reg, prefix, mod, REX.W, flags, implicit
 * writes, attributes */
#define R(n, c, m, o, h, r, p, mo, w, fl, iw, f) \
    { n, c, m, o, h, r, p, mo, w, fl, iw, f, XF_NONE, 0 }
/* x87: opcode, ModRM.reg, mod, allowed rm (register forms), EFLAGS kind, C0-C3 kind */
#define X87(n, o, r, mo, rmm, fl, xf, iw) \
    { n, FC_X87, M1, o, o, r, FP_ANY, mo, -1, fl, iw, 0, xf, rmm }
/* The common shapes. */
#define INT(n, c, m, o, h, r, fl, iw, f)   R(n, c, m, o, h, r, FP_ANY, MF_ANY, -1, fl, iw, f)
#define SSE(n, c, o, p, mo, f)             R(n, c, M2, o, o, -1, p, mo, -1, FL_NONE, 0, F_XMM | (f))
#define SSER(n, c, o, h, p, f)             R(n, c, M2, o, h, -1, p, MF_ANY, -1, FL_NONE, 0, F_XMM | (f))
#define SSEG(n, c, o, r, p, mo, f)         R(n, c, M2, o, o, r, p, mo, -1, FL_NONE, 0, F_XMM | (f))

const FzOp fz_ops[] = {
    /* ---- alu ---- */
    INT("add", FC_ALU, M1, 0x00, 0x01, -1, FL_ARITH, 0, F_WRM | F_LOCKABLE),
    INT("add", FC_ALU, M1, 0x02, 0x03, -1, FL_ARITH, 0, F_WREG),
    INT("add", FC_ALU, M1, 0x04, 0x05, -1, FL_ARITH, RAX, 0),
    INT("or", FC_ALU, M1, 0x08, 0x09, -1, FL_LOGIC, 0, F_WRM | F_LOCKABLE),
    INT("or", FC_ALU, M1, 0x0a, 0x0b, -1, FL_LOGIC, 0, F_WREG),
    INT("or", FC_ALU, M1, 0x0c, 0x0d, -1, FL_LOGIC, RAX, 0),
    INT("adc", FC_ALU, M1, 0x10, 0x11, -1, FL_ADCSBB, 0, F_WRM | F_LOCKABLE),
    INT("adc", FC_ALU, M1, 0x12, 0x13, -1, FL_ADCSBB, 0, F_WREG),
    INT("adc", FC_ALU, M1, 0x14, 0x15, -1, FL_ADCSBB, RAX, 0),
    INT("sbb", FC_ALU, M1, 0x18, 0x19, -1, FL_ADCSBB, 0, F_WRM | F_LOCKABLE),
    INT("sbb", FC_ALU, M1, 0x1a, 0x1b, -1, FL_ADCSBB, 0, F_WREG),
    INT("sbb", FC_ALU, M1, 0x1c, 0x1d, -1, FL_ADCSBB, RAX, 0),
    INT("and", FC_ALU, M1, 0x20, 0x21, -1, FL_LOGIC, 0, F_WRM | F_LOCKABLE),
    INT("and", FC_ALU, M1, 0x22, 0x23, -1, FL_LOGIC, 0, F_WREG),
    INT("and", FC_ALU, M1, 0x24, 0x25, -1, FL_LOGIC, RAX, 0),
    INT("sub", FC_ALU, M1, 0x28, 0x29, -1, FL_ARITH, 0, F_WRM | F_LOCKABLE),
    INT("sub", FC_ALU, M1, 0x2a, 0x2b, -1, FL_ARITH, 0, F_WREG),
    INT("sub", FC_ALU, M1, 0x2c, 0x2d, -1, FL_ARITH, RAX, 0),
    INT("xor", FC_ALU, M1, 0x30, 0x31, -1, FL_LOGIC, 0, F_WRM | F_LOCKABLE),
    INT("xor", FC_ALU, M1, 0x32, 0x33, -1, FL_LOGIC, 0, F_WREG),
    INT("xor", FC_ALU, M1, 0x34, 0x35, -1, FL_LOGIC, RAX, 0),
    INT("cmp", FC_ALU, M1, 0x38, 0x3b, -1, FL_ARITH, 0, 0),
    INT("cmp", FC_ALU, M1, 0x3c, 0x3d, -1, FL_ARITH, 0, 0),
    /* group 1 (82 is invalid in 64-bit mode: the decoder rejects it and the generator retries) */
    INT("add", FC_ALU, M1, 0x80, 0x83, 0, FL_ARITH, 0, F_WRM | F_LOCKABLE),
    INT("or", FC_ALU, M1, 0x80, 0x83, 1, FL_LOGIC, 0, F_WRM | F_LOCKABLE),
    INT("adc", FC_ALU, M1, 0x80, 0x83, 2, FL_ADCSBB, 0, F_WRM | F_LOCKABLE),
    INT("sbb", FC_ALU, M1, 0x80, 0x83, 3, FL_ADCSBB, 0, F_WRM | F_LOCKABLE),
    INT("and", FC_ALU, M1, 0x80, 0x83, 4, FL_LOGIC, 0, F_WRM | F_LOCKABLE),
    INT("sub", FC_ALU, M1, 0x80, 0x83, 5, FL_ARITH, 0, F_WRM | F_LOCKABLE),
    INT("xor", FC_ALU, M1, 0x80, 0x83, 6, FL_LOGIC, 0, F_WRM | F_LOCKABLE),
    INT("cmp", FC_ALU, M1, 0x80, 0x83, 7, FL_ARITH, 0, 0),
    INT("test", FC_ALU, M1, 0x84, 0x85, -1, FL_LOGIC, 0, 0),
    INT("test", FC_ALU, M1, 0xa8, 0xa9, -1, FL_LOGIC, 0, 0),
    INT("test", FC_ALU, M1, 0xf6, 0xf7, 0, FL_LOGIC, 0, 0),
    INT("test", FC_ALU, M1, 0xf6, 0xf7, 1, FL_LOGIC, 0, 0),
    INT("not", FC_ALU, M1, 0xf6, 0xf7, 2, FL_NONE, 0, F_WRM | F_LOCKABLE),
    INT("neg", FC_ALU, M1, 0xf6, 0xf7, 3, FL_ARITH, 0, F_WRM | F_LOCKABLE),
    INT("inc", FC_ALU, M1, 0xfe, 0xff, 0, FL_INCDEC, 0, F_WRM | F_LOCKABLE),
    INT("dec", FC_ALU, M1, 0xfe, 0xff, 1, FL_INCDEC, 0, F_WRM | F_LOCKABLE),
    INT("xadd", FC_ALU, M2, 0xc0, 0xc1, -1, FL_ARITH, 0, F_WRM | F_WREG | F_LOCKABLE),
    INT("cmpxchg", FC_ALU, M2, 0xb0, 0xb1, -1, FL_ARITH, RAX, F_WRM | F_LOCKABLE),
    R("cmpxchg8b", FC_ALU, M2, 0xc7, 0xc7, 1, FP_ANY, MF_MEM, 0, FL_CX8, RAX | RDX, F_LOCKABLE),
    R("cmpxchg16b", FC_ALU, M2, 0xc7, 0xc7, 1, FP_ANY, MF_MEM, 1, FL_CX8, RAX | RDX,
      F_LOCKABLE | F_A16),

    /* ---- shift: group 2 by 1 (D0 D1), by CL (D2 D3) and by imm8 (C0 C1) ---- */
    INT("rol", FC_SHIFT, M1, 0xd0, 0xd3, 0, FL_ROT, 0, F_WRM),
    INT("ror", FC_SHIFT, M1, 0xd0, 0xd3, 1, FL_ROT, 0, F_WRM),
    INT("rcl", FC_SHIFT, M1, 0xd0, 0xd3, 2, FL_RCX, 0, F_WRM),
    INT("rcr", FC_SHIFT, M1, 0xd0, 0xd3, 3, FL_RCX, 0, F_WRM),
    INT("shl", FC_SHIFT, M1, 0xd0, 0xd3, 4, FL_SHIFT, 0, F_WRM),
    INT("shr", FC_SHIFT, M1, 0xd0, 0xd3, 5, FL_SHIFT, 0, F_WRM),
    INT("sal", FC_SHIFT, M1, 0xd0, 0xd3, 6, FL_SHIFT, 0, F_WRM),
    INT("sar", FC_SHIFT, M1, 0xd0, 0xd3, 7, FL_SHIFT, 0, F_WRM),
    INT("rol", FC_SHIFT, M1, 0xc0, 0xc1, 0, FL_ROT, 0, F_WRM | F_CNT),
    INT("ror", FC_SHIFT, M1, 0xc0, 0xc1, 1, FL_ROT, 0, F_WRM | F_CNT),
    INT("rcl", FC_SHIFT, M1, 0xc0, 0xc1, 2, FL_RCX, 0, F_WRM | F_CNT),
    INT("rcr", FC_SHIFT, M1, 0xc0, 0xc1, 3, FL_RCX, 0, F_WRM | F_CNT),
    INT("shl", FC_SHIFT, M1, 0xc0, 0xc1, 4, FL_SHIFT, 0, F_WRM | F_CNT),
    INT("shr", FC_SHIFT, M1, 0xc0, 0xc1, 5, FL_SHIFT, 0, F_WRM | F_CNT),
    INT("sal", FC_SHIFT, M1, 0xc0, 0xc1, 6, FL_SHIFT, 0, F_WRM | F_CNT),
    INT("sar", FC_SHIFT, M1, 0xc0, 0xc1, 7, FL_SHIFT, 0, F_WRM | F_CNT),
    INT("shld", FC_SHIFT, M2, 0xa4, 0xa4, -1, FL_SHD, 0, F_WRM | F_CNT),
    INT("shld", FC_SHIFT, M2, 0xa5, 0xa5, -1, FL_SHD, 0, F_WRM),
    INT("shrd", FC_SHIFT, M2, 0xac, 0xac, -1, FL_SHD, 0, F_WRM | F_CNT),
    INT("shrd", FC_SHIFT, M2, 0xad, 0xad, -1, FL_SHD, 0, F_WRM),

    /* ---- muldiv ---- */
    INT("mul", FC_MULDIV, M1, 0xf6, 0xf6, 4, FL_MUL, RAX, 0),
    INT("mul", FC_MULDIV, M1, 0xf7, 0xf7, 4, FL_MUL, RAX | RDX, 0),
    INT("imul", FC_MULDIV, M1, 0xf6, 0xf6, 5, FL_MUL, RAX, 0),
    INT("imul", FC_MULDIV, M1, 0xf7, 0xf7, 5, FL_MUL, RAX | RDX, 0),
    INT("div", FC_MULDIV, M1, 0xf6, 0xf6, 6, FL_DIV, RAX, 0),
    INT("div", FC_MULDIV, M1, 0xf7, 0xf7, 6, FL_DIV, RAX | RDX, 0),
    INT("idiv", FC_MULDIV, M1, 0xf6, 0xf6, 7, FL_DIV, RAX, 0),
    INT("idiv", FC_MULDIV, M1, 0xf7, 0xf7, 7, FL_DIV, RAX | RDX, 0),
    INT("imul", FC_MULDIV, M2, 0xaf, 0xaf, -1, FL_MUL, 0, F_WREG),
    INT("imul", FC_MULDIV, M1, 0x69, 0x69, -1, FL_MUL, 0, F_WREG),
    INT("imul", FC_MULDIV, M1, 0x6b, 0x6b, -1, FL_MUL, 0, F_WREG),

    /* ---- bit ---- */
    INT("bt", FC_BIT, M2, 0xa3, 0xa3, -1, FL_BT, 0, F_BTOFF),
    INT("bts", FC_BIT, M2, 0xab, 0xab, -1, FL_BT, 0, F_WRM | F_LOCKABLE | F_BTOFF),
    INT("btr", FC_BIT, M2, 0xb3, 0xb3, -1, FL_BT, 0, F_WRM | F_LOCKABLE | F_BTOFF),
    INT("btc", FC_BIT, M2, 0xbb, 0xbb, -1, FL_BT, 0, F_WRM | F_LOCKABLE | F_BTOFF),
    INT("bt", FC_BIT, M2, 0xba, 0xba, 4, FL_BT, 0, 0),
    INT("bts", FC_BIT, M2, 0xba, 0xba, 5, FL_BT, 0, F_WRM | F_LOCKABLE),
    INT("btr", FC_BIT, M2, 0xba, 0xba, 6, FL_BT, 0, F_WRM | F_LOCKABLE),
    INT("btc", FC_BIT, M2, 0xba, 0xba, 7, FL_BT, 0, F_WRM | F_LOCKABLE),
    R("bsf", FC_BIT, M2, 0xbc, 0xbc, -1, FP_NOTF3, MF_ANY, -1, FL_BSF, 0, F_WREG),
    R("bsr", FC_BIT, M2, 0xbd, 0xbd, -1, FP_NOTF3, MF_ANY, -1, FL_BSF, 0, F_WREG),
    INT("bswap", FC_BIT, M2, 0xc8, 0xcf, -1, FL_NONE, 0, F_WOP | F_OPREG | F_NO66),

    /* ---- mov ---- */
    INT("mov", FC_MOV, M1, 0x88, 0x89, -1, FL_NONE, 0, F_WRM),
    INT("mov", FC_MOV, M1, 0x8a, 0x8b, -1, FL_NONE, 0, F_WREG),
    INT("mov", FC_MOV, M1, 0xc6, 0xc7, 0, FL_NONE, 0, F_WRM),
    INT("mov", FC_MOV, M1, 0xb0, 0xb7, -1, FL_NONE, 0, F_WOP | F_OPREG),
    INT("mov", FC_MOV, M1, 0xb8, 0xbf, -1, FL_NONE, 0, F_WOP | F_OPREG),
    INT("mov", FC_MOV, M1, 0xa0, 0xa1, -1, FL_NONE, RAX, F_MOFFS),
    INT("mov", FC_MOV, M1, 0xa2, 0xa3, -1, FL_NONE, 0, F_MOFFS),
    R("lea", FC_MOV, M1, 0x8d, 0x8d, -1, FP_ANY, MF_MEM, -1, FL_NONE, 0, F_WREG),
    INT("movzx", FC_MOV, M2, 0xb6, 0xb7, -1, FL_NONE, 0, F_WREG),
    INT("movsx", FC_MOV, M2, 0xbe, 0xbf, -1, FL_NONE, 0, F_WREG),
    INT("movsxd", FC_MOV, M1, 0x63, 0x63, -1, FL_NONE, 0, F_WREG),
    INT("xchg", FC_MOV, M1, 0x86, 0x87, -1, FL_NONE, 0, F_WREG | F_WRM | F_LOCKABLE),
    R("pause", FC_MISC, M1, 0x90, 0x90, -1, FP_F3, MF_ANY, -1, FL_NONE, 0, 0),
    INT("xchg", FC_MOV, M1, 0x90, 0x97, -1, FL_NONE, RAX, F_WOP | F_OPREG),
    INT("cbw", FC_MOV, M1, 0x98, 0x98, -1, FL_NONE, RAX, 0),
    INT("cwd", FC_MOV, M1, 0x99, 0x99, -1, FL_NONE, RDX, 0),
    INT("cmovcc", FC_MOV, M2, 0x40, 0x4f, -1, FL_CC, 0, F_WREG),
    INT("setcc", FC_MOV, M2, 0x90, 0x9f, -1, FL_CC, 0, F_WRM),
    INT("xlat", FC_MOV, M1, 0xd7, 0xd7, -1, FL_NONE, RAX, F_XLAT),
    INT("mov", FC_MOV, M1, 0x8c, 0x8c, -1, FL_NONE, 0, F_WRM | F_SEGREG),

    /* ---- stack ---- */
    INT("push", FC_STACK, M1, 0x50, 0x57, -1, FL_NONE, 0, F_OPREG | F_STACK),
    INT("pop", FC_STACK, M1, 0x58, 0x5f, -1, FL_NONE, 0, F_WOP | F_OPREG | F_STACK | F_POPRM),
    INT("push", FC_STACK, M1, 0x68, 0x68, -1, FL_NONE, 0, F_STACK),
    INT("push", FC_STACK, M1, 0x6a, 0x6a, -1, FL_NONE, 0, F_STACK),
    INT("push", FC_STACK, M1, 0xff, 0xff, 6, FL_NONE, 0, F_STACK),
    INT("pop", FC_STACK, M1, 0x8f, 0x8f, 0, FL_NONE, 0, F_WRM | F_STACK | F_POPRM),
    INT("pushf", FC_STACK, M1, 0x9c, 0x9c, -1, FL_PUSHF, 0, F_STACK),
    INT("enter", FC_STACK, M1, 0xc8, 0xc8, -1, FL_NONE, RBP, F_STACK | F_ENTER),
    INT("leave", FC_STACK, M1, 0xc9, 0xc9, -1, FL_NONE, RBP, F_STACK | F_LEAVE),
    INT("push fs", FC_STACK, M2, 0xa0, 0xa0, -1, FL_NONE, 0, F_STACK),
    INT("push gs", FC_STACK, M2, 0xa8, 0xa8, -1, FL_NONE, 0, F_STACK),

    /* ---- string ---- */
    INT("movs", FC_STRING, M1, 0xa4, 0xa5, -1, FL_NONE, RSI | RDI, F_REP),
    INT("cmps", FC_STRING, M1, 0xa6, 0xa7, -1, FL_STRCMP, RSI | RDI, F_REP),
    INT("stos", FC_STRING, M1, 0xaa, 0xab, -1, FL_NONE, RDI, F_REP),
    INT("lods", FC_STRING, M1, 0xac, 0xad, -1, FL_NONE, RSI | RAX, F_REP),
    INT("scas", FC_STRING, M1, 0xae, 0xaf, -1, FL_STRCMP, RDI, F_REP),

    /* ---- branch: forward inside the sequence, loops closed by a bounded counter ---- */
    INT("jcc", FC_BRANCH, M1, 0x70, 0x7f, -1, FL_CC, 0, F_BR),
    INT("jcc", FC_BRANCH, M2, 0x80, 0x8f, -1, FL_CC, 0, F_BR),
    INT("jmp", FC_BRANCH, M1, 0xeb, 0xeb, -1, FL_NONE, 0, F_BR | F_UNCOND),
    INT("jmp", FC_BRANCH, M1, 0xe9, 0xe9, -1, FL_NONE, 0, F_BR | F_UNCOND),
    INT("jrcxz", FC_BRANCH, M1, 0xe3, 0xe3, -1, FL_NONE, 0, F_BR),
    INT("loop", FC_BRANCH, M1, 0xe2, 0xe2, -1, FL_NONE, RCX, F_BR | F_LOOPI),
    INT("loope", FC_BRANCH, M1, 0xe1, 0xe1, -1, FL_LOOPCC, RCX, F_BR | F_LOOPI),
    INT("loopne", FC_BRANCH, M1, 0xe0, 0xe0, -1, FL_LOOPCC, RCX, F_BR | F_LOOPI),
    INT("call", FC_BRANCH, M1, 0xe8, 0xe8, -1, FL_NONE, 0, F_BR | F_UNCOND | F_CALL | F_STACK),

    /* ---- misc: nops and hints, flag instructions ---- */
    R("nop", FC_MISC, M2, 0x1f, 0x1f, 0, FP_ANY, MF_ANY, -1, FL_NONE, 0, 0),
    INT("hint nop", FC_MISC, M2, 0x19, 0x1e, -1, FL_NONE, 0, 0),
    R("prefetchw", FC_MISC, M2, 0x0d, 0x0d, 1, FP_ANY, MF_MEM, -1, FL_NONE, 0, 0),
    INT("cmc", FC_MISC, M1, 0xf5, 0xf5, -1, FL_CMC, 0, 0),
    INT("clc", FC_MISC, M1, 0xf8, 0xf9, -1, FL_SETCF, 0, 0),
    INT("cld", FC_MISC, M1, 0xfc, 0xfd, -1, FL_NONE, 0, 0),
    INT("sahf", FC_MISC, M1, 0x9e, 0x9e, -1, FL_SAHF, 0, 0),
    INT("lahf", FC_MISC, M1, 0x9f, 0x9f, -1, FL_LAHF, RAX, 0),

    /* ---- trap: every one of these raises a signal in user mode ---- */
    INT("int3", FC_TRAP, M1, 0xcc, 0xcc, -1, FL_NONE, 0, 0),
    INT("int1", FC_TRAP, M1, 0xf1, 0xf1, -1, FL_NONE, 0, 0),
    INT("int", FC_TRAP, M1, 0xcd, 0xcd, -1, FL_NONE, 0, F_INTN),
    INT("ud2", FC_TRAP, M2, 0x0b, 0x0b, -1, FL_NONE, 0, 0),
    INT("ud1", FC_TRAP, M2, 0xb9, 0xb9, -1, FL_NONE, 0, F_CSLEN),
    INT("ud0", FC_TRAP, M2, 0xff, 0xff, -1, FL_NONE, 0, F_CSLEN),
    INT("hlt", FC_TRAP, M1, 0xf4, 0xf4, -1, FL_NONE, 0, 0),
    INT("cli", FC_TRAP, M1, 0xfa, 0xfb, -1, FL_NONE, 0, 0),
    INT("in/out", FC_TRAP, M1, 0xe4, 0xe7, -1, FL_NONE, 0, 0),
    INT("in/out", FC_TRAP, M1, 0xec, 0xef, -1, FL_NONE, 0, 0),
    INT("ins/outs", FC_TRAP, M1, 0x6c, 0x6f, -1, FL_NONE, 0, 0),
    INT("clts", FC_TRAP, M2, 0x06, 0x06, -1, FL_NONE, 0, 0),
    INT("sysret", FC_TRAP, M2, 0x07, 0x07, -1, FL_NONE, 0, 0),
    INT("invd", FC_TRAP, M2, 0x08, 0x09, -1, FL_NONE, 0, 0),
    INT("mov cr/dr", FC_TRAP, M2, 0x20, 0x23, -1, FL_NONE, 0, 0),
    INT("wrmsr", FC_TRAP, M2, 0x30, 0x30, -1, FL_NONE, 0, 0),
    INT("rdmsr", FC_TRAP, M2, 0x32, 0x33, -1, FL_NONE, 0, 0),
    INT("sysexit", FC_TRAP, M2, 0x35, 0x35, -1, FL_NONE, 0, 0),
    INT("getsec", FC_TRAP, M2, 0x37, 0x37, -1, FL_NONE, 0, 0),
    INT("rsm", FC_TRAP, M2, 0xaa, 0xaa, -1, FL_NONE, 0, 0),
    INT("lldt", FC_TRAP, M2, 0x00, 0x00, 2, FL_NONE, 0, 0),
    INT("ltr", FC_TRAP, M2, 0x00, 0x00, 3, FL_NONE, 0, 0),
    R("lgdt", FC_TRAP, M2, 0x01, 0x01, 2, FP_ANY, MF_MEM, -1, FL_NONE, 0, 0),
    R("lidt", FC_TRAP, M2, 0x01, 0x01, 3, FP_ANY, MF_MEM, -1, FL_NONE, 0, 0),
    INT("lmsw", FC_TRAP, M2, 0x01, 0x01, 6, FL_NONE, 0, 0),
    R("invlpg", FC_TRAP, M2, 0x01, 0x01, 7, FP_ANY, MF_MEM, -1, FL_NONE, 0, 0),

    /* ---- sse: moves, logic, integer SIMD (SSE and SSE2) ---- */
    SSE("movups", FC_SSE, 0x10, FP_NP, MF_ANY, 0),
    SSE("movups", FC_SSE, 0x11, FP_NP, MF_ANY, 0),
    SSE("movlps", FC_SSE, 0x12, FP_NP, MF_MEM, 0),
    SSE("movhlps", FC_SSE, 0x12, FP_NP, MF_REG, 0),
    SSE("movlps", FC_SSE, 0x13, FP_NP, MF_MEM, 0),
    SSER("unpcklps", FC_SSE, 0x14, 0x15, FP_NP, F_A16),
    SSE("movhps", FC_SSE, 0x16, FP_NP, MF_MEM, 0),
    SSE("movlhps", FC_SSE, 0x16, FP_NP, MF_REG, 0),
    SSE("movhps", FC_SSE, 0x17, FP_NP, MF_MEM, 0),
    SSER("movaps", FC_SSE, 0x28, 0x29, FP_NP, F_A16),
    SSE("movntps", FC_SSE, 0x2b, FP_NP, MF_MEM, F_A16),
    SSE("movmskps", FC_SSE, 0x50, FP_NP, MF_REG, F_GREG | F_WREG),
    SSER("andps", FC_SSE, 0x54, 0x57, FP_NP, F_A16),
    SSER("shufps", FC_SSE, 0xc6, 0xc6, FP_NP, F_A16),
    R("movnti", FC_SSE, M2, 0xc3, 0xc3, -1, FP_NP, MF_MEM, -1, FL_NONE, 0, 0),
    R("prefetch", FC_SSE, M2, 0x18, 0x18, -1, FP_ANY, MF_MEM, -1, FL_NONE, 0, 0),
    R("lfence", FC_SSE, M2, 0xae, 0xae, 5, FP_NP, MF_REG, -1, FL_NONE, 0, 0),
    R("mfence", FC_SSE, M2, 0xae, 0xae, 6, FP_NP, MF_REG, -1, FL_NONE, 0, 0),
    R("sfence", FC_SSE, M2, 0xae, 0xae, 7, FP_NP, MF_REG, -1, FL_NONE, 0, 0),
    SSER("movupd", FC_SSE, 0x10, 0x11, FP_66, 0),
    SSE("movlpd", FC_SSE, 0x12, FP_66, MF_MEM, 0),
    SSE("movlpd", FC_SSE, 0x13, FP_66, MF_MEM, 0),
    SSER("unpcklpd", FC_SSE, 0x14, 0x15, FP_66, F_A16),
    SSE("movhpd", FC_SSE, 0x16, FP_66, MF_MEM, 0),
    SSE("movhpd", FC_SSE, 0x17, FP_66, MF_MEM, 0),
    SSER("movapd", FC_SSE, 0x28, 0x29, FP_66, F_A16),
    SSE("movntpd", FC_SSE, 0x2b, FP_66, MF_MEM, F_A16),
    SSE("movmskpd", FC_SSE, 0x50, FP_66, MF_REG, F_GREG | F_WREG),
    SSER("andpd", FC_SSE, 0x54, 0x57, FP_66, F_A16),
    SSER("punpck/pack/pcmpgt", FC_SSE, 0x60, 0x6d, FP_66, F_A16),
    SSE("movd/movq", FC_SSE, 0x6e, FP_66, MF_ANY, F_GRM),
    SSE("movdqa", FC_SSE, 0x6f, FP_66, MF_ANY, F_A16),
    SSE("pshufd", FC_SSE, 0x70, FP_66, MF_ANY, F_A16),
    SSEG("psrlw", FC_SSE, 0x71, 2, FP_66, MF_REG, 0),
    SSEG("psraw", FC_SSE, 0x71, 4, FP_66, MF_REG, 0),
    SSEG("psllw", FC_SSE, 0x71, 6, FP_66, MF_REG, 0),
    SSEG("psrld", FC_SSE, 0x72, 2, FP_66, MF_REG, 0),
    SSEG("psrad", FC_SSE, 0x72, 4, FP_66, MF_REG, 0),
    SSEG("pslld", FC_SSE, 0x72, 6, FP_66, MF_REG, 0),
    SSEG("psrlq", FC_SSE, 0x73, 2, FP_66, MF_REG, 0),
    SSEG("psrldq", FC_SSE, 0x73, 3, FP_66, MF_REG, 0),
    SSEG("psllq", FC_SSE, 0x73, 6, FP_66, MF_REG, 0),
    SSEG("pslldq", FC_SSE, 0x73, 7, FP_66, MF_REG, 0),
    SSER("pcmpeq", FC_SSE, 0x74, 0x76, FP_66, F_A16),
    SSE("movd/movq", FC_SSE, 0x7e, FP_66, MF_ANY, F_GRM | F_WRM),
    SSE("movdqa", FC_SSE, 0x7f, FP_66, MF_ANY, F_A16),
    SSE("pinsrw", FC_SSE, 0xc4, FP_66, MF_ANY, F_GRM),
    SSE("pextrw", FC_SSE, 0xc5, FP_66, MF_REG, F_GREG | F_WREG),
    SSER("shufpd", FC_SSE, 0xc6, 0xc6, FP_66, F_A16),
    SSER("psrl/paddq/pmullw", FC_SSE, 0xd1, 0xd5, FP_66, F_A16),
    SSE("movq", FC_SSE, 0xd6, FP_66, MF_ANY, 0),
    SSE("pmovmskb", FC_SSE, 0xd7, FP_66, MF_REG, F_GREG | F_WREG),
    SSER("psubus/pminub/pand..", FC_SSE, 0xd8, 0xdf, FP_66, F_A16),
    SSER("pavg/psra/pmulh", FC_SSE, 0xe0, 0xe5, FP_66, F_A16),
    SSE("movntdq", FC_SSE, 0xe7, FP_66, MF_MEM, F_A16),
    SSER("psubs/pminsw/por..", FC_SSE, 0xe8, 0xef, FP_66, F_A16),
    SSER("psll/pmuludq/psadbw", FC_SSE, 0xf1, 0xf6, FP_66, F_A16),
    SSE("maskmovdqu", FC_SSE, 0xf7, FP_66, MF_REG, F_RDIPTR),
    SSER("psub/padd", FC_SSE, 0xf8, 0xfe, FP_66, F_A16),
    SSER("movss", FC_SSE, 0x10, 0x11, FP_F3, 0),
    SSE("movdqu", FC_SSE, 0x6f, FP_F3, MF_ANY, 0),
    SSE("pshufhw", FC_SSE, 0x70, FP_F3, MF_ANY, F_A16),
    SSE("movq", FC_SSE, 0x7e, FP_F3, MF_ANY, 0),
    SSE("movdqu", FC_SSE, 0x7f, FP_F3, MF_ANY, 0),
    SSER("movsd", FC_SSE, 0x10, 0x11, FP_F2, 0),
    SSE("pshuflw", FC_SSE, 0x70, FP_F2, MF_ANY, F_A16),

    /* ---- ssefp: SSE/SSE2 floating point: arithmetic, compares, conversions ---- */
    SSE("sqrtps", FC_SSEFP, 0x51, FP_NP, MF_ANY, F_A16),
    SSE("sqrtpd", FC_SSEFP, 0x51, FP_66, MF_ANY, F_A16),
    SSE("sqrtss", FC_SSEFP, 0x51, FP_F3, MF_ANY, 0),
    SSE("sqrtsd", FC_SSEFP, 0x51, FP_F2, MF_ANY, 0),
    SSER("add/mul ps", FC_SSEFP, 0x58, 0x59, FP_NP, F_A16),
    SSER("add/mul pd", FC_SSEFP, 0x58, 0x59, FP_66, F_A16),
    SSER("add/mul ss", FC_SSEFP, 0x58, 0x59, FP_F3, 0),
    SSER("add/mul sd", FC_SSEFP, 0x58, 0x59, FP_F2, 0),
    SSER("sub/min/div/max ps", FC_SSEFP, 0x5c, 0x5f, FP_NP, F_A16),
    SSER("sub/min/div/max pd", FC_SSEFP, 0x5c, 0x5f, FP_66, F_A16),
    SSER("sub/min/div/max ss", FC_SSEFP, 0x5c, 0x5f, FP_F3, 0),
    SSER("sub/min/div/max sd", FC_SSEFP, 0x5c, 0x5f, FP_F2, 0),
    SSE("cvtps2pd", FC_SSEFP, 0x5a, FP_NP, MF_ANY, 0),
    SSE("cvtpd2ps", FC_SSEFP, 0x5a, FP_66, MF_ANY, F_A16),
    SSE("cvtss2sd", FC_SSEFP, 0x5a, FP_F3, MF_ANY, 0),
    SSE("cvtsd2ss", FC_SSEFP, 0x5a, FP_F2, MF_ANY, 0),
    SSE("cvtdq2ps", FC_SSEFP, 0x5b, FP_NP, MF_ANY, F_A16),
    SSE("cvtps2dq", FC_SSEFP, 0x5b, FP_66, MF_ANY, F_A16),
    SSE("cvttps2dq", FC_SSEFP, 0x5b, FP_F3, MF_ANY, F_A16),
    SSE("cmpps", FC_SSEFP, 0xc2, FP_NP, MF_ANY, F_A16),
    SSE("cmppd", FC_SSEFP, 0xc2, FP_66, MF_ANY, F_A16),
    SSE("cmpss", FC_SSEFP, 0xc2, FP_F3, MF_ANY, 0),
    SSE("cmpsd", FC_SSEFP, 0xc2, FP_F2, MF_ANY, 0),
    R("ucomiss/comiss", FC_SSEFP, M2, 0x2e, 0x2f, -1, FP_NP, MF_ANY, -1, FL_COMIS, 0, F_XMM),
    R("ucomisd/comisd", FC_SSEFP, M2, 0x2e, 0x2f, -1, FP_66, MF_ANY, -1, FL_COMIS, 0, F_XMM),
    SSE("cvtsi2ss", FC_SSEFP, 0x2a, FP_F3, MF_ANY, F_GRM),
    SSE("cvtsi2sd", FC_SSEFP, 0x2a, FP_F2, MF_ANY, F_GRM),
    SSER("cvt(t)ss2si", FC_SSEFP, 0x2c, 0x2d, FP_F3, F_GREG | F_WREG),
    SSER("cvt(t)sd2si", FC_SSEFP, 0x2c, 0x2d, FP_F2, F_GREG | F_WREG),
    SSE("cvttpd2dq", FC_SSEFP, 0xe6, FP_66, MF_ANY, F_A16),
    SSE("cvtpd2dq", FC_SSEFP, 0xe6, FP_F2, MF_ANY, F_A16),
    SSE("cvtdq2pd", FC_SSEFP, 0xe6, FP_F3, MF_ANY, 0),

    /* ---- approx: rsqrtps/rcpps (aligned m128) and rsqrtss/rcpss (m32). Their results are
     * the CPU's own (ferry's tables were measured on an Intel host), so a mismatch on another
     * vendor's host is no ferry bug. */
    SSER("rsqrtps/rcpps", FC_APPROX, 0x52, 0x53, FP_NP, F_A16),
    SSER("rsqrtss/rcpss", FC_APPROX, 0x52, 0x53, FP_F3, 0),

    /* ---- sse41: SSE4.1 (66 0F 38, 66 0F 3A ib), integer and FP (the start MXCSR has a random
     * rounding control, DAZ and FTZ, as for every FP class) */
#define S41(n, m, o, h, mo, fl, f) R(n, FC_SSE41, m, o, h, -1, FP_66, mo, -1, fl, 0, F_XMM | (f))
    S41("pblendvb", M3, 0x10, 0x10, MF_ANY, FL_NONE, F_A16),
    S41("blendvps/pd", M3, 0x14, 0x15, MF_ANY, FL_NONE, F_A16),
    S41("ptest", M3, 0x17, 0x17, MF_ANY, FL_COMIS, F_A16),
    S41("pmovsx", M3, 0x20, 0x25, MF_ANY, FL_NONE, 0),
    S41("pmuldq/pcmpeqq", M3, 0x28, 0x29, MF_ANY, FL_NONE, F_A16),
    S41("movntdqa", M3, 0x2a, 0x2a, MF_MEM, FL_NONE, F_A16),
    S41("packusdw", M3, 0x2b, 0x2b, MF_ANY, FL_NONE, F_A16),
    S41("pmovzx", M3, 0x30, 0x35, MF_ANY, FL_NONE, 0),
    S41("pmin/pmax", M3, 0x38, 0x3f, MF_ANY, FL_NONE, F_A16),
    S41("pmulld/phminposuw", M3, 0x40, 0x41, MF_ANY, FL_NONE, F_A16),
    S41("roundps/pd", M4, 0x08, 0x09, MF_ANY, FL_NONE, F_A16),
    S41("roundss/sd", M4, 0x0a, 0x0b, MF_ANY, FL_NONE, 0),
    S41("blendps/pd/pblendw", M4, 0x0c, 0x0e, MF_ANY, FL_NONE, F_A16),
    S41("pextr/extractps", M4, 0x14, 0x17, MF_ANY, FL_NONE, F_GRM | F_WRM),
    S41("pinsrb", M4, 0x20, 0x20, MF_ANY, FL_NONE, F_GRM),
    S41("insertps", M4, 0x21, 0x21, MF_ANY, FL_NONE, 0),
    S41("pinsrd/q", M4, 0x22, 0x22, MF_ANY, FL_NONE, F_GRM),
    S41("dpps/dppd/mpsadbw", M4, 0x40, 0x42, MF_ANY, FL_NONE, F_A16),
#undef S41

    /* ---- sseenv: loading MXCSR from random memory: random images unmask exceptions, which
     * ferry treats as masked (its FP environment delivers no SIMD exception), so this class
     * is not in the make-test suite ---- */
    R("fxrstor", FC_SSEENV, M2, 0xae, 0xae, 1, FP_NP, MF_MEM, -1, FL_NONE, 0, F_A16 | F_FXAREA),
    R("ldmxcsr", FC_SSEENV, M2, 0xae, 0xae, 2, FP_NP, MF_MEM, -1, FL_NONE, 0, F_MXCSR),
    /* the readers of MXCSR and its sticky flags are generated amid FP arithmetic (ssefp) */
    R("stmxcsr", FC_SSEFP, M2, 0xae, 0xae, 3, FP_NP, MF_MEM, -1, FL_NONE, 0, 0),
    R("fxsave", FC_SSEFP, M2, 0xae, 0xae, 0, FP_NP, MF_MEM, -1, FL_NONE, 0, F_A16 | F_FXAREA),

    /* ---- x87 (SDM Vol. 2 A.5; C0-C3 per instruction from its "FPU Flags Affected") ---- */
    /* arithmetic with a memory operand: m32fp, m64fp, m32int, m16int */
    X87("fadd/fmul/fsub/fdiv m", 0xd8, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xd8, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fcom/fcomp m", 0xd8, 2, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("fcom/fcomp m", 0xd8, 3, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xd8, 4, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xd8, 5, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xd8, 6, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xd8, 7, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xdc, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xdc, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fcom/fcomp m", 0xdc, 2, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("fcom/fcomp m", 0xdc, 3, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xdc, 4, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xdc, 5, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xdc, 6, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv m", 0xdc, 7, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xda, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xda, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("ficom/ficomp", 0xda, 2, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("ficom/ficomp", 0xda, 3, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xda, 4, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xda, 5, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xda, 6, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xda, 7, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xde, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xde, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("ficom/ficomp", 0xde, 2, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("ficom/ficomp", 0xde, 3, MF_MEM, 0, FL_NONE, XF_CMP, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xde, 4, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xde, 5, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xde, 6, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fiadd/fimul/fisub/fidiv", 0xde, 7, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    /* loads and stores (fldenv fldcw frstor are not generated: random
     * environments would unmask exceptions, which ferry treats as masked) */
    X87("fld/fst m32", 0xd9, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fst m32", 0xd9, 2, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fst m32", 0xd9, 3, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fnstcw", 0xd9, 7, MF_MEM, 0, FL_NONE, XF_UNDEF, 0),
    X87("fnstenv", 0xd9, 6, MF_MEM, 0, FL_NONE, XF_UNDEF, 0),
    X87("fnsave", 0xdd, 6, MF_MEM, 0, FL_NONE, XF_UNDEF, 0),
    X87("fild/fist m32", 0xdb, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fisttp", 0xdb, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fild/fist m32", 0xdb, 2, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fild/fist m32", 0xdb, 3, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fstp m80", 0xdb, 5, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fstp m80", 0xdb, 7, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fst m64", 0xdd, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fisttp", 0xdd, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fst m64", 0xdd, 2, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fld/fst m64", 0xdd, 3, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fnstsw", 0xdd, 7, MF_MEM, 0, FL_NONE, XF_STSW, 0),
    X87("fild/fist m16", 0xdf, 0, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fisttp", 0xdf, 1, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fild/fist m16", 0xdf, 2, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fild/fist m16", 0xdf, 3, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fbld/fbstp", 0xdf, 4, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fild/fistp m64", 0xdf, 5, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fbld/fbstp", 0xdf, 6, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    X87("fild/fistp m64", 0xdf, 7, MF_MEM, 0, FL_NONE, XF_ARITH, 0),
    /* register forms: st(0) op st(i), st(i) op st(0), and the popping forms */
    X87("fadd/fmul/fsub/fdiv st", 0xd8, 0, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xd8, 1, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fcom/fcomp st", 0xd8, 2, MF_REG, 0, FL_NONE, XF_CMP, 0),
    X87("fcom/fcomp st", 0xd8, 3, MF_REG, 0, FL_NONE, XF_CMP, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xd8, 4, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xd8, 5, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xd8, 6, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xd8, 7, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xdc, 0, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xdc, 1, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fcom/fcomp st", 0xdc, 2, MF_REG, 0, FL_NONE, XF_CMP, 0),     /* aliases */
    X87("fcom/fcomp st", 0xdc, 3, MF_REG, 0, FL_NONE, XF_CMP, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xdc, 4, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xdc, 5, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xdc, 6, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fadd/fmul/fsub/fdiv st", 0xdc, 7, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("faddp/fmulp/fsubp/fdivp", 0xde, 0, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("faddp/fmulp/fsubp/fdivp", 0xde, 1, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fcom/fcomp st", 0xde, 2, MF_REG, 0, FL_NONE, XF_CMP, 0),     /* alias */
    X87("fcompp", 0xde, 3, MF_REG, 1u << 1, FL_NONE, XF_CMP, 0),
    X87("faddp/fmulp/fsubp/fdivp", 0xde, 4, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("faddp/fmulp/fsubp/fdivp", 0xde, 5, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("faddp/fmulp/fsubp/fdivp", 0xde, 6, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("faddp/fmulp/fsubp/fdivp", 0xde, 7, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fld st/fxch", 0xd9, 0, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fld st/fxch", 0xd9, 1, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fnop", 0xd9, 2, MF_REG, 1u << 0, FL_NONE, XF_UNDEF, 0),
    X87("fstp st (alias)", 0xd9, 3, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fchs/fabs", 0xd9, 4, MF_REG, 0x03, FL_NONE, XF_ARITH, 0),
    X87("ftst", 0xd9, 4, MF_REG, 1u << 4, FL_NONE, XF_CMP, 0),
    X87("fxam", 0xd9, 4, MF_REG, 1u << 5, FL_NONE, XF_ALL, 0),
    X87("fld constant", 0xd9, 5, MF_REG, 0x7f, FL_NONE, XF_ARITH, 0),
    X87("fxtract/fdecstp/fincstp", 0xd9, 6, MF_REG, 0xd0, FL_NONE, XF_ARITH, 0),
    X87("fprem/fprem1", 0xd9, 6, MF_REG, 1u << 5, FL_NONE, XF_ALL, 0),
    X87("fprem/fprem1", 0xd9, 7, MF_REG, 1u << 0, FL_NONE, XF_ALL, 0),
    X87("fsqrt/frndint/fscale", 0xd9, 7, MF_REG, 0x34, FL_NONE, XF_ARITH, 0),
    X87("fcmovcc", 0xda, 0, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fcmovcc", 0xda, 1, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fcmovcc", 0xda, 2, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fcmovcc", 0xda, 3, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fucompp", 0xda, 5, MF_REG, 1u << 1, FL_NONE, XF_CMP, 0),
    X87("fcmovcc", 0xdb, 0, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fcmovcc", 0xdb, 1, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fcmovcc", 0xdb, 2, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fcmovcc", 0xdb, 3, MF_REG, 0, FL_FCMOV, XF_ARITH, 0),
    X87("fnclex/fninit", 0xdb, 4, MF_REG, 1u << 2, FL_NONE, XF_UNDEF, 0),
    X87("fnclex/fninit", 0xdb, 4, MF_REG, 1u << 3, FL_NONE, XF_ALL, 0),
    X87("fucomi/fcomi", 0xdb, 5, MF_REG, 0, FL_COMIS, XF_C1, 0),
    X87("fucomi/fcomi", 0xdb, 6, MF_REG, 0, FL_COMIS, XF_C1, 0),
    X87("ffree", 0xdd, 0, MF_REG, 0, FL_NONE, XF_UNDEF, 0),
    X87("fld st/fxch", 0xdd, 1, MF_REG, 0, FL_NONE, XF_ARITH, 0),  /* fxch4 alias */
    X87("fst/fstp st", 0xdd, 2, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fst/fstp st", 0xdd, 3, MF_REG, 0, FL_NONE, XF_ARITH, 0),
    X87("fucom/fucomp", 0xdd, 4, MF_REG, 0, FL_NONE, XF_CMP, 0),
    X87("fucom/fucomp", 0xdd, 5, MF_REG, 0, FL_NONE, XF_CMP, 0),
    X87("ffree", 0xdf, 0, MF_REG, 0, FL_NONE, XF_UNDEF, 0),        /* ffreep alias */
    X87("fld st/fxch", 0xdf, 1, MF_REG, 0, FL_NONE, XF_ARITH, 0),  /* fxch7 alias */
    X87("fst/fstp st", 0xdf, 2, MF_REG, 0, FL_NONE, XF_ARITH, 0),  /* fstp8 alias */
    X87("fst/fstp st", 0xdf, 3, MF_REG, 0, FL_NONE, XF_ARITH, 0),  /* fstp9 alias */
    X87("fnstsw ax", 0xdf, 4, MF_REG, 1u << 0, FL_NONE, XF_STSW, RAX),
    X87("fucomi/fcomi", 0xdf, 5, MF_REG, 0, FL_COMIS, XF_C1, 0),
    X87("fucomi/fcomi", 0xdf, 6, MF_REG, 0, FL_COMIS, XF_C1, 0),
    { "fwait", FC_X87, M1, 0x9b, 0x9b, -1, FP_ANY, MF_ANY, -1, FL_NONE, 0, 0, XF_UNDEF, 0 },

    /* ---- bmi: popcnt, lzcnt, tzcnt, movbe, ADX, and the VEX-encoded BMI1/BMI2 (VEX rows: the
     * prefix is VEX.pp, the map VEX.mmmmm; W either way; L = 0) ---- */
    R("popcnt", FC_BMI, M2, 0xb8, 0xb8, -1, FP_F3, MF_ANY, -1, FL_ARITH, 0, F_WREG),
    R("tzcnt", FC_BMI, M2, 0xbc, 0xbc, -1, FP_F3, MF_ANY, -1, FL_XZCNT, 0, F_WREG),
    R("lzcnt", FC_BMI, M2, 0xbd, 0xbd, -1, FP_F3, MF_ANY, -1, FL_XZCNT, 0, F_WREG),
    R("movbe", FC_BMI, M3, 0xf0, 0xf0, -1, FP_NP, MF_MEM, -1, FL_NONE, 0, F_WREG),
    R("movbe", FC_BMI, M3, 0xf0, 0xf0, -1, FP_66, MF_MEM, -1, FL_NONE, 0, F_WREG),
    R("movbe", FC_BMI, M3, 0xf1, 0xf1, -1, FP_NP, MF_MEM, -1, FL_NONE, 0, 0),
    R("movbe", FC_BMI, M3, 0xf1, 0xf1, -1, FP_66, MF_MEM, -1, FL_NONE, 0, 0),
    R("adcx", FC_BMI, M3, 0xf6, 0xf6, -1, FP_66, MF_ANY, -1, FL_ADCX, 0, F_WREG),
    R("adox", FC_BMI, M3, 0xf6, 0xf6, -1, FP_F3, MF_ANY, -1, FL_ADOX, 0, F_WREG),
    R("andn", FC_BMI, M3, 0xf2, 0xf2, -1, FP_NP, MF_ANY, -1, FL_BMI_SZ, 0, F_VEX | F_WREG),
    R("blsr", FC_BMI, M3, 0xf3, 0xf3, 1, FP_NP, MF_ANY, -1, FL_BMI_SZ, 0, F_VEX | F_WVVVV),
    R("blsmsk", FC_BMI, M3, 0xf3, 0xf3, 2, FP_NP, MF_ANY, -1, FL_BMI_SZ, 0, F_VEX | F_WVVVV),
    R("blsi", FC_BMI, M3, 0xf3, 0xf3, 3, FP_NP, MF_ANY, -1, FL_BMI_SZ, 0, F_VEX | F_WVVVV),
    R("bzhi", FC_BMI, M3, 0xf5, 0xf5, -1, FP_NP, MF_ANY, -1, FL_BMI_SZ, 0, F_VEX | F_WREG),
    R("pext", FC_BMI, M3, 0xf5, 0xf5, -1, FP_F3, MF_ANY, -1, FL_NONE, 0, F_VEX | F_WREG),
    R("pdep", FC_BMI, M3, 0xf5, 0xf5, -1, FP_F2, MF_ANY, -1, FL_NONE, 0, F_VEX | F_WREG),
    R("mulx", FC_BMI, M3, 0xf6, 0xf6, -1, FP_F2, MF_ANY, -1, FL_NONE, 0,
      F_VEX | F_WREG | F_WVVVV),
    R("bextr", FC_BMI, M3, 0xf7, 0xf7, -1, FP_NP, MF_ANY, -1, FL_BEXTR, 0, F_VEX | F_WREG),
    R("shlx", FC_BMI, M3, 0xf7, 0xf7, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_VEX | F_WREG),
    R("sarx", FC_BMI, M3, 0xf7, 0xf7, -1, FP_F3, MF_ANY, -1, FL_NONE, 0, F_VEX | F_WREG),
    R("shrx", FC_BMI, M3, 0xf7, 0xf7, -1, FP_F2, MF_ANY, -1, FL_NONE, 0, F_VEX | F_WREG),
    R("rorx", FC_BMI, M4, 0xf0, 0xf0, -1, FP_F2, MF_ANY, -1, FL_NONE, 0, F_VEX | F_WREG),
    /* ---- mmx: map 0F without a prefix, mm registers (REX.R/B ignored), and the mm<->xmm
     * conversions and moves ---- */
    R("movd/movq mm,r/m", FC_MMX, M2, 0x6e, 0x6e, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, F_GRM),
    R("movd/movq r/m,mm", FC_MMX, M2, 0x7e, 0x7e, -1, FP_NP, MF_ANY, -1, FL_NONE, 0,
      F_GRM | F_WRM),
    R("movq mm", FC_MMX, M2, 0x6f, 0x6f, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("movq mm", FC_MMX, M2, 0x7f, 0x7f, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("movntq", FC_MMX, M2, 0xe7, 0xe7, -1, FP_NP, MF_MEM, -1, FL_NONE, 0, 0),
    R("punpckl/pack/pcmpgt mm", FC_MMX, M2, 0x60, 0x6b, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("pshufw", FC_MMX, M2, 0x70, 0x70, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("psrlw/psraw/psllw mm,i", FC_MMX, M2, 0x71, 0x71, 2, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrlw/psraw/psllw mm,i", FC_MMX, M2, 0x71, 0x71, 4, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrlw/psraw/psllw mm,i", FC_MMX, M2, 0x71, 0x71, 6, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrld/psrad/pslld mm,i", FC_MMX, M2, 0x72, 0x72, 2, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrld/psrad/pslld mm,i", FC_MMX, M2, 0x72, 0x72, 4, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrld/psrad/pslld mm,i", FC_MMX, M2, 0x72, 0x72, 6, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrlq/psllq mm,i", FC_MMX, M2, 0x73, 0x73, 2, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("psrlq/psllq mm,i", FC_MMX, M2, 0x73, 0x73, 6, FP_NP, MF_REG, -1, FL_NONE, 0, F_CNT),
    R("pcmpeq mm", FC_MMX, M2, 0x74, 0x76, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("emms", FC_MMX, M2, 0x77, 0x77, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("pinsrw mm", FC_MMX, M2, 0xc4, 0xc4, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, F_GRM),
    R("pextrw mm", FC_MMX, M2, 0xc5, 0xc5, -1, FP_NP, MF_REG, -1, FL_NONE, 0, F_GREG | F_WREG),
    R("psrl/paddq/pmullw mm", FC_MMX, M2, 0xd1, 0xd5, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("pmovmskb mm", FC_MMX, M2, 0xd7, 0xd7, -1, FP_NP, MF_REG, -1, FL_NONE, 0, F_GREG | F_WREG),
    R("psubus/pminub/pand.. mm", FC_MMX, M2, 0xd8, 0xdf, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("pavg/psra/pmulh mm", FC_MMX, M2, 0xe0, 0xe5, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("psubs/pminsw/por.. mm", FC_MMX, M2, 0xe8, 0xef, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("psll/pmuludq/psadbw mm", FC_MMX, M2, 0xf1, 0xf6, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("maskmovq", FC_MMX, M2, 0xf7, 0xf7, -1, FP_NP, MF_REG, -1, FL_NONE, 0, F_RDIPTR),
    R("psub/padd mm", FC_MMX, M2, 0xf8, 0xfe, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("cvtpi2ps", FC_MMX, M2, 0x2a, 0x2a, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("cvtpi2pd", FC_MMX, M2, 0x2a, 0x2a, -1, FP_66, MF_ANY, -1, FL_NONE, 0, 0),
    R("cvt(t)ps2pi", FC_MMX, M2, 0x2c, 0x2d, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("cvt(t)pd2pi", FC_MMX, M2, 0x2c, 0x2d, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_A16),
    R("movq2dq", FC_MMX, M2, 0xd6, 0xd6, -1, FP_F3, MF_REG, -1, FL_NONE, 0, 0),
    R("movdq2q", FC_MMX, M2, 0xd6, 0xd6, -1, FP_F2, MF_REG, -1, FL_NONE, 0, 0),

    /* ---- sse3: the FP lane moves and horizontal/alternating arithmetic, lddqu ---- */
    SSE("movddup", FC_SSE3, 0x12, FP_F2, MF_ANY, 0),
    SSE("movsldup", FC_SSE3, 0x12, FP_F3, MF_ANY, F_A16),
    SSE("movshdup", FC_SSE3, 0x16, FP_F3, MF_ANY, F_A16),
    SSER("haddpd/hsubpd", FC_SSE3, 0x7c, 0x7d, FP_66, F_A16),
    SSER("haddps/hsubps", FC_SSE3, 0x7c, 0x7d, FP_F2, F_A16),
    SSE("addsubpd", FC_SSE3, 0xd0, FP_66, MF_ANY, F_A16),
    SSE("addsubps", FC_SSE3, 0xd0, FP_F2, MF_ANY, F_A16),
    SSE("lddqu", FC_SSE3, 0xf0, FP_F2, MF_MEM, 0),
    /* ---- ssse3: 0F 38 00-0B, 1C-1E and 0F 3A 0F, on xmm (66) and on mm (no prefix) ---- */
    R("pshufb..pmulhrsw", FC_SSSE3, M3, 0x00, 0x0b, -1, FP_66, MF_ANY, -1, FL_NONE, 0,
      F_XMM | F_A16),
    R("pabsb/w/d", FC_SSSE3, M3, 0x1c, 0x1e, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_XMM | F_A16),
    R("palignr", FC_SSSE3, M4, 0x0f, 0x0f, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_XMM | F_A16),
    R("pshufb..pmulhrsw mm", FC_SSSE3, M3, 0x00, 0x0b, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("pabsb/w/d mm", FC_SSSE3, M3, 0x1c, 0x1e, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    R("palignr mm", FC_SSSE3, M4, 0x0f, 0x0f, -1, FP_NP, MF_ANY, -1, FL_NONE, 0, 0),
    /* ---- sse42: the string compares (CF ZF SF OF defined, AF PF cleared; unaligned memory;
     * the I forms write rcx, the M forms xmm0), pcmpgtq, crc32 (flags unchanged; 66 before
     * the F2 gives the 16-bit source) ---- */
    R("pcmpestrm", FC_SSE42, M4, 0x60, 0x60, -1, FP_66, MF_ANY, -1, FL_ARITH, 0, F_XMM),
    R("pcmpestri", FC_SSE42, M4, 0x61, 0x61, -1, FP_66, MF_ANY, -1, FL_ARITH, RCX, F_XMM),
    R("pcmpistrm", FC_SSE42, M4, 0x62, 0x62, -1, FP_66, MF_ANY, -1, FL_ARITH, 0, F_XMM),
    R("pcmpistri", FC_SSE42, M4, 0x63, 0x63, -1, FP_66, MF_ANY, -1, FL_ARITH, RCX, F_XMM),
    R("pcmpgtq", FC_SSE42, M3, 0x37, 0x37, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_XMM | F_A16),
    R("crc32", FC_SSE42, M3, 0xf0, 0xf1, -1, FP_F2, MF_ANY, -1, FL_NONE, 0, F_WREG),
    /* ---- aes: AES-NI and pclmulqdq (aligned m128, no flags) ---- */
    R("aesimc/aesenc/aesdec..", FC_AES, M3, 0xdb, 0xdf, -1, FP_66, MF_ANY, -1, FL_NONE, 0,
      F_XMM | F_A16),
    R("aeskeygenassist", FC_AES, M4, 0xdf, 0xdf, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_XMM | F_A16),
    R("pclmulqdq", FC_AES, M4, 0x44, 0x44, -1, FP_66, MF_ANY, -1, FL_NONE, 0, F_XMM | F_A16),
};
const unsigned fz_n_ops = sizeof fz_ops / sizeof fz_ops[0];
_Static_assert(sizeof fz_ops / sizeof fz_ops[0] <= FZ_MAX_OPS, "raise FZ_MAX_OPS");

/* ---------------------------------------------------------------- lookup */

static unsigned mandatory(const X86Insn *d)
{
    if (d->vex) {
        static const uint8_t by_pp[4] = { FP_NP, FP_66, FP_F3, FP_F2 };
        return by_pp[d->vex_pp];
    }
    if (d->rep == 0xf3) return FP_F3;
    if (d->rep == 0xf2) return FP_F2;
    return d->opsize_prefix ? FP_66 : FP_NP;
}

const FzOp *fz_lookup(const X86Insn *d)
{
    unsigned mp = mandatory(d);
    bool mem = d->has_modrm && d->mod != 3;
    for (unsigned i = 0; i < fz_n_ops; i++) {
        const FzOp *r = &fz_ops[i];
        if (r->map != d->map || d->opcode < r->op || d->opcode > r->op_hi) continue;
        if (!(r->f & F_VEX) != !d->vex) continue;
        if (r->reg >= 0 && (!d->has_modrm || (d->reg & 7) != r->reg)) continue;
        if (r->pfx == FP_NOTF3 ? mp == FP_F3 : r->pfx != FP_ANY && r->pfx != mp) continue;
        if ((r->modf == MF_REG && mem) || (r->modf == MF_MEM && !mem)) continue;
        if ((r->w == 1 && !(d->rex & 8)) || (r->w == 0 && (d->rex & 8))) continue;
        if (r->rm_mask && (mem || !(r->rm_mask & (1u << (d->rm & 7))))) continue;
        return r;
    }
    return NULL;
}

/* ---------------------------------------------------------------- flags */

#define CF X86_CF
#define PF X86_PF
#define AF X86_AF
#define ZF X86_ZF
#define SF X86_SF
#define OF X86_OF
#define ALL6 X86_ARITH_FLAGS

uint32_t fz_cc_flags(unsigned cc)
{
    static const uint32_t by_pair[8] = { OF, CF, ZF, CF | ZF, SF, PF, SF | OF, ZF | SF | OF };
    return by_pair[(cc & 15) >> 1];
}

void fz_flag_effect(const FzOp *op, const X86Insn *d, int64_t rcx, FzFlagFx *fx)
{
    fx->read = fx->def = fx->undef = 0;
    fx->may_skip = fx->bad = false;
    unsigned w = 8u * d->opsize;
    /* The shift/rotate count: 1 (D0/D1), imm8 (C0/C1, shld/shrd Ib) or CL. */
    int64_t count = -1;
    if (op->fl == FL_SHIFT || op->fl == FL_ROT || op->fl == FL_RCX || op->fl == FL_SHD) {
        bool by_cl = d->map == X86_MAP_1B ? (d->opcode == 0xd2 || d->opcode == 0xd3)
                                          : (d->opcode == 0xa5 || d->opcode == 0xad);
        if (d->map == X86_MAP_1B && (d->opcode == 0xd0 || d->opcode == 0xd1)) count = 1;
        else if (by_cl) count = rcx >= 0 ? (rcx & 0xff) : -1;
        else count = d->imm & 0xff;
        if (count >= 0) count &= d->opsize == 8 ? 63 : 31;
    }
    switch ((FzFl)op->fl) {
    case FL_NONE: break;
    case FL_ARITH: case FL_COMIS: fx->def = ALL6; break;
    case FL_ADCSBB: fx->read = CF; fx->def = ALL6; break;
    case FL_LOGIC: fx->def = ALL6 & ~AF; fx->undef = AF; break;
    case FL_INCDEC: fx->def = ALL6 & ~CF; break;
    case FL_MUL: fx->def = CF | OF; fx->undef = SF | ZF | AF | PF; break;
    case FL_DIV: fx->undef = ALL6; break;
    case FL_SHIFT: {
        bool sar = (d->reg & 7) == 7;
        if (count < 0) {
            fx->may_skip = true;
            fx->def = SF | ZF | PF;
            fx->undef = AF | OF;
            if (!sar && w <= 16) fx->undef |= CF;
            else fx->def |= CF;
        } else if (count > 0) {
            fx->def = SF | ZF | PF | CF;
            fx->undef = AF;
            if (count == 1) fx->def |= OF;
            else fx->undef |= OF;
            if (!sar && count >= w) {
                fx->def &= ~CF;
                fx->undef |= CF;
            }
        }
        break;
    }
    case FL_RCX:
        fx->read = CF;
        /* fall through */
    case FL_ROT:
        if (count < 0) {
            fx->may_skip = true;
            fx->def = CF;
            fx->undef = OF;
        } else if (count > 0) {
            fx->def = CF | (count == 1 ? OF : 0);
            fx->undef = count == 1 ? 0 : OF;
        }
        break;
    case FL_SHD:
        if (count < 0) {
            if (d->opsize == 2) fx->bad = true;
            fx->may_skip = true;
            fx->def = CF | SF | ZF | PF;
            fx->undef = AF | OF;
        } else if (count > 0) {
            if (d->opsize == 2 && count > 16) fx->bad = true;
            fx->def = CF | SF | ZF | PF | (count == 1 ? OF : 0);
            fx->undef = AF | (count == 1 ? 0 : OF);
        }
        break;
    case FL_BT: fx->def = CF; fx->undef = OF | SF | AF | PF; break;
    case FL_BSF: fx->def = ZF; fx->undef = CF | OF | SF | AF | PF; break;
    case FL_CC: fx->read = fz_cc_flags(d->opcode & 15); break;
    case FL_LOOPCC: fx->read = ZF; break;
    case FL_CMC: fx->read = CF; fx->def = CF; break;
    case FL_SETCF: fx->def = CF; break;
    case FL_SAHF: fx->def = SF | ZF | AF | PF | CF; break;
    case FL_LAHF: fx->read = SF | ZF | AF | PF | CF; break;
    case FL_PUSHF: fx->read = ALL6; break;
    case FL_CX8: fx->def = ZF; break;
    case FL_BMI_SZ: fx->def = SF | ZF | CF | OF; fx->undef = AF | PF; break;
    case FL_BEXTR: fx->def = ZF | CF | OF; fx->undef = AF | SF | PF; break;
    case FL_XZCNT: fx->def = CF | ZF; fx->undef = OF | SF | PF | AF; break;
    case FL_ADCX: fx->read = CF; fx->def = CF; break;
    case FL_ADOX: fx->read = OF; fx->def = OF; break;
    case FL_FCMOV: {      /* fcmovb/e/be/u (DA) and their negations (DB) */
        static const uint32_t by_reg[4] = { CF, ZF, CF | ZF, PF };
        fx->read = by_reg[d->reg & 3];
        break;
    }
    case FL_STRCMP:
        fx->def = ALL6;
        /* rep with a zero count compares nothing and leaves the flags alone */
        if (d->rep) {
            uint64_t n = rcx < 0 ? 1 : (uint64_t)rcx;
            if (d->addrsize == 4) n &= 0xffffffffu;
            if (rcx < 0) fx->may_skip = true;
            else if (n == 0) fx->def = 0;
        }
        break;
    }
    switch ((FzXf)op->xf) {
    case XF_NONE: break;
    case XF_ARITH: fx->def |= FZ_C1; fx->undef |= FZ_C0 | FZ_C2 | FZ_C3; break;
    case XF_CMP: case XF_ALL: fx->def |= FZ_CALL4; break;
    case XF_C1: fx->undef |= FZ_C1; break;  /* SDM: C1 = 0; this Intel host keeps it */
    case XF_UNDEF: fx->undef |= FZ_CALL4; break;
    case XF_STSW: fx->read |= FZ_CALL4; fx->undef |= FZ_CALL4; break;
    }
}
