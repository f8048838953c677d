/* x86_decode.c — x86_decode: bytes in, one X86Insn record out (64-bit mode, and 32-bit code
 * segments through x86_decode_mode).
 *
 * Contract (see x86_decode.h): a pure function. It reads code[0..avail) and never a byte past
 * avail or past the 15th; it returns X86_DEC_TRUNCATED when the bytes end before the
 * instruction does, X86_DEC_TOO_LONG when the instruction needs more than 15 bytes, and
 * X86_DEC_INVALID for encodings that raise #UD in 64-bit mode (or that ferry does not support,
 * such as VEX outside BMI1/BMI2). On X86_DEC_OK every field of *out is set; on failure *out is
 * zeroed except pc (and base/index, which are X86_REG_NONE).
 *
 * Order of work, which is also the order of the checks a truncated buffer can hit:
 *   prefixes -> opcode (escape bytes, or the VEX prefix's 1-2 bytes) -> table entry ->
 *   mandatory prefix (VEX.pp), VEX.L and VEX.vvvv rules -> ModRM and the validity it decides
 *   (groups, LOCK) -> SIB -> displacement -> immediates.
 * An encoding is declared invalid only from bytes already read, so every proper prefix of a
 * valid instruction is TRUNCATED, never INVALID.
 *
 * What the opcode tables (x86_optab.c) cannot say is here: the validity and immediates that
 * depend on ModRM.reg (groups), the mandatory-prefix forms of SSE opcodes, where LOCK is
 * allowed, and the MOV CR/DR rule that ignores ModRM.mod.
 *
 * 32-bit mode (X86_MODE_32, SDM Vol. 2 §2.1, Table A-2's i64/o64 marks): 40-4F are inc/dec,
 * not REX; the i64 opcodes exist (legacy_entry); operand size 4 by default (d64/f64 marks do
 * not apply), 2 with 66; address size 4, or 2 with 67, which selects the 16-bit ModRM forms
 * (decode_memory16); ModRM rm=101b with mod 0 is disp32 with no base (no RIP-relative form);
 * relative branch targets wrap to the operand size; C4/C5 are LES/LDS unless the next byte
 * has mod = 11b (then a VEX prefix, whose R, X, B and vvvv bit 3 are ignored).
 */
#include "frontend-x86/x86_decode.h"

#include <string.h>

enum { X86_MAX_LEN = 15 };

/* ---- reading bytes ---- */

typedef struct DecCursor {
    const uint8_t *code;
    size_t avail;
    unsigned pos;           /* bytes consumed so far */
} DecCursor;

static X86DecodeStatus fetch(DecCursor *c, uint8_t *b)
{
    if (c->pos >= X86_MAX_LEN)
        return X86_DEC_TOO_LONG;
    if (c->pos >= c->avail)
        return X86_DEC_TRUNCATED;
    *b = c->code[c->pos++];
    return X86_DEC_OK;
}

/* Little-endian field of n bytes (1, 2, 4 or 8), zero-extended. */
static X86DecodeStatus fetch_le(DecCursor *c, unsigned n, uint64_t *v)
{
    uint64_t r = 0;
    for (unsigned i = 0; i < n; i++) {
        uint8_t b;
        X86DecodeStatus s = fetch(c, &b);
        if (s != X86_DEC_OK)
            return s;
        r |= (uint64_t)b << (8 * i);
    }
    *v = r;
    return X86_DEC_OK;
}

static int64_t sign_extend(uint64_t v, unsigned bytes)
{
    if (bytes >= 8)
        return (int64_t)v;
    unsigned shift = 64 - 8 * bytes;
    return (int64_t)(v << shift) >> shift;
}

/* ---- mandatory prefixes ----
 * For SSE-family opcodes the prefix (none, 66, F3, F2) selects the instruction; the SDM's
 * opcode maps list one row per prefix and an empty cell is #UD. The effective mandatory prefix
 * is the last F2/F3 if any, else 66 (SDM Vol. 2 §2.1.1 and the per-prefix rows of Tables A-3 to
 * with both, 66 is then only an operand-size prefix, as crc32 with 66 F2 shows). A zero
 * entry means the opcode is not prefix-selected and any prefix is accepted. */
enum { P_NP = 1, P_66 = 2, P_F3 = 4, P_F2 = 8, P_ALL = 15 };

static const uint8_t mandatory_0f[256] = {
    [0x10] = P_ALL,  [0x11] = P_ALL,  [0x12] = P_ALL,  [0x13] = P_NP | P_66,
    [0x14] = P_NP | P_66, [0x15] = P_NP | P_66, [0x16] = P_NP | P_66 | P_F3,
    [0x17] = P_NP | P_66,
    [0x28] = P_NP | P_66, [0x29] = P_NP | P_66, [0x2A] = P_ALL, [0x2B] = P_NP | P_66,
    [0x2C] = P_ALL,  [0x2D] = P_ALL,  [0x2E] = P_NP | P_66, [0x2F] = P_NP | P_66,
    [0x50] = P_NP | P_66, [0x51] = P_ALL, [0x52] = P_NP | P_F3, [0x53] = P_NP | P_F3,
    [0x54] = P_NP | P_66, [0x55] = P_NP | P_66, [0x56] = P_NP | P_66, [0x57] = P_NP | P_66,
    [0x58] = P_ALL,  [0x59] = P_ALL,  [0x5A] = P_ALL,  [0x5B] = P_NP | P_66 | P_F3,
    [0x5C] = P_ALL,  [0x5D] = P_ALL,  [0x5E] = P_ALL,  [0x5F] = P_ALL,
    [0x60] = P_NP | P_66, [0x61] = P_NP | P_66, [0x62] = P_NP | P_66, [0x63] = P_NP | P_66,
    [0x64] = P_NP | P_66, [0x65] = P_NP | P_66, [0x66] = P_NP | P_66, [0x67] = P_NP | P_66,
    [0x68] = P_NP | P_66, [0x69] = P_NP | P_66, [0x6A] = P_NP | P_66, [0x6B] = P_NP | P_66,
    [0x6C] = P_66,   [0x6D] = P_66,   [0x6E] = P_NP | P_66, [0x6F] = P_NP | P_66 | P_F3,
    [0x70] = P_ALL,  [0x71] = P_NP | P_66, [0x72] = P_NP | P_66, [0x73] = P_NP | P_66,
    [0x74] = P_NP | P_66, [0x75] = P_NP | P_66, [0x76] = P_NP | P_66, [0x77] = P_NP,
    [0x78] = P_NP,   [0x79] = P_NP,   /* 66/F2 forms are AMD SSE4a extrq/insertq */
    [0x7C] = P_66 | P_F2, [0x7D] = P_66 | P_F2, [0x7E] = P_NP | P_66 | P_F3,
    [0x7F] = P_NP | P_66 | P_F3,
    [0xB8] = P_F3,   /* popcnt; without F3 it is jmpe (IA-64 only) */
    [0xC2] = P_ALL,  [0xC3] = P_NP,   [0xC4] = P_NP | P_66, [0xC5] = P_NP | P_66,
    [0xC6] = P_NP | P_66,
    [0xD0] = P_66 | P_F2, [0xD1] = P_NP | P_66, [0xD2] = P_NP | P_66, [0xD3] = P_NP | P_66,
    [0xD4] = P_NP | P_66, [0xD5] = P_NP | P_66, [0xD6] = P_66 | P_F3 | P_F2,
    [0xD7] = P_NP | P_66,
    [0xD8] = P_NP | P_66, [0xD9] = P_NP | P_66, [0xDA] = P_NP | P_66, [0xDB] = P_NP | P_66,
    [0xDC] = P_NP | P_66, [0xDD] = P_NP | P_66, [0xDE] = P_NP | P_66, [0xDF] = P_NP | P_66,
    [0xE0] = P_NP | P_66, [0xE1] = P_NP | P_66, [0xE2] = P_NP | P_66, [0xE3] = P_NP | P_66,
    [0xE4] = P_NP | P_66, [0xE5] = P_NP | P_66, [0xE6] = P_66 | P_F3 | P_F2,
    [0xE7] = P_NP | P_66,
    [0xE8] = P_NP | P_66, [0xE9] = P_NP | P_66, [0xEA] = P_NP | P_66, [0xEB] = P_NP | P_66,
    [0xEC] = P_NP | P_66, [0xED] = P_NP | P_66, [0xEE] = P_NP | P_66, [0xEF] = P_NP | P_66,
    [0xF0] = P_F2,   [0xF1] = P_NP | P_66, [0xF2] = P_NP | P_66, [0xF3] = P_NP | P_66,
    [0xF4] = P_NP | P_66, [0xF5] = P_NP | P_66, [0xF6] = P_NP | P_66, [0xF7] = P_NP | P_66,
    [0xF8] = P_NP | P_66, [0xF9] = P_NP | P_66, [0xFA] = P_NP | P_66, [0xFB] = P_NP | P_66,
    [0xFC] = P_NP | P_66, [0xFD] = P_NP | P_66, [0xFE] = P_NP | P_66,
};

static const uint8_t mandatory_0f38[256] = {
    [0x00] = P_NP | P_66, [0x01] = P_NP | P_66, [0x02] = P_NP | P_66, [0x03] = P_NP | P_66,
    [0x04] = P_NP | P_66, [0x05] = P_NP | P_66, [0x06] = P_NP | P_66, [0x07] = P_NP | P_66,
    [0x08] = P_NP | P_66, [0x09] = P_NP | P_66, [0x0A] = P_NP | P_66, [0x0B] = P_NP | P_66,
    [0x10] = P_66, [0x14] = P_66, [0x15] = P_66, [0x17] = P_66,
    [0x1C] = P_NP | P_66, [0x1D] = P_NP | P_66, [0x1E] = P_NP | P_66,
    [0x20] = P_66, [0x21] = P_66, [0x22] = P_66, [0x23] = P_66, [0x24] = P_66, [0x25] = P_66,
    [0x28] = P_66, [0x29] = P_66, [0x2A] = P_66, [0x2B] = P_66,
    [0x30] = P_66, [0x31] = P_66, [0x32] = P_66, [0x33] = P_66, [0x34] = P_66, [0x35] = P_66,
    [0x37] = P_66, [0x38] = P_66, [0x39] = P_66, [0x3A] = P_66, [0x3B] = P_66,
    [0x3C] = P_66, [0x3D] = P_66, [0x3E] = P_66, [0x3F] = P_66, [0x40] = P_66, [0x41] = P_66,
    [0x80] = P_66, [0x81] = P_66, [0x82] = P_66,
    [0xC8] = P_NP, [0xC9] = P_NP, [0xCA] = P_NP, [0xCB] = P_NP, [0xCC] = P_NP, [0xCD] = P_NP,
    [0xDB] = P_66, [0xDC] = P_66, [0xDD] = P_66, [0xDE] = P_66, [0xDF] = P_66,
    [0xF0] = P_NP | P_66 | P_F2, [0xF1] = P_NP | P_66 | P_F2,   /* movbe; F2: crc32 */
    [0xF6] = P_66 | P_F3,                                        /* adcx; adox */
};

static const uint8_t mandatory_0f3a[256] = {
    [0x08] = P_66, [0x09] = P_66, [0x0A] = P_66, [0x0B] = P_66,
    [0x0C] = P_66, [0x0D] = P_66, [0x0E] = P_66, [0x0F] = P_NP | P_66,
    [0x14] = P_66, [0x15] = P_66, [0x16] = P_66, [0x17] = P_66,
    [0x20] = P_66, [0x21] = P_66, [0x22] = P_66,
    [0x40] = P_66, [0x41] = P_66, [0x42] = P_66, [0x44] = P_66,
    [0x60] = P_66, [0x61] = P_66, [0x62] = P_66, [0x63] = P_66,
    [0xCC] = P_NP, [0xDF] = P_66,
};

static const uint8_t *const mandatory_by_map[4] = {
    [X86_MAP_1B] = NULL, [X86_MAP_0F] = mandatory_0f,
    [X86_MAP_0F38] = mandatory_0f38, [X86_MAP_0F3A] = mandatory_0f3a,
};

/* VEX.pp of the VEX-encoded opcodes (x86_vex_optab): the SDM's "VEX.LZ.<pp>.<map>" forms. An
 * opcode whose entry is valid always has a non-zero mask here. */
static const uint8_t mandatory_vex_0f38[256] = {
    [0xF2] = P_NP,                  /* andn */
    [0xF3] = P_NP,                  /* blsr blsmsk blsi */
    [0xF5] = P_NP | P_F3 | P_F2,    /* bzhi, pext, pdep */
    [0xF6] = P_F2,                  /* mulx */
    [0xF7] = P_ALL,                 /* bextr, shlx (66), sarx (F3), shrx (F2) */
};
static const uint8_t mandatory_vex_0f3a[256] = {
    [0xF0] = P_F2,                  /* rorx */
};
static const uint8_t *const mandatory_vex_by_map[4] = {
    [X86_MAP_0F38] = mandatory_vex_0f38, [X86_MAP_0F3A] = mandatory_vex_0f3a,
};

static unsigned mandatory_prefix_bit(const X86Insn *in)
{
    if (in->vex) {
        static const uint8_t by_pp[4] = { P_NP, P_66, P_F3, P_F2 };
        return by_pp[in->vex_pp];
    }
    if (in->rep == 0xF3)
        return P_F3;
    if (in->rep == 0xF2)
        return P_F2;
    return in->opsize_prefix ? P_66 : P_NP;
}

/* ---- validity decided by the ModRM byte ---- */

/* ---- 32-bit mode: the one-byte opcodes whose entry differs from the 64-bit table ---- */

static const X86OpDesc *legacy_entry(uint8_t op)
{
    static const X86OpDesc plain = { X86F_VALID, X86I_NONE };
    static const X86OpDesc ib = { X86F_VALID, X86I_B };
    static const X86OpDesc ap = { X86F_VALID, X86I_AP };
    static const X86OpDesc modrm = { X86F_VALID | X86F_MODRM, X86I_NONE };
    static const X86OpDesc mem = { X86F_VALID | X86F_MODRM | X86F_MEMONLY, X86I_NONE };
    switch (op) {
    case 0x06: case 0x07: case 0x0E: case 0x16: case 0x17: case 0x1E: case 0x1F:
        return &plain;                  /* push/pop es, push cs, push/pop ss, push/pop ds */
    case 0x27: case 0x2F: case 0x37: case 0x3F:
        return &plain;                  /* daa das aaa aas */
    case 0x60: case 0x61: case 0xCE: case 0xD6:
        return &plain;                  /* pusha popa into salc */
    case 0x62: case 0xC4: case 0xC5:
        return &mem;                    /* bound Gv,Ma; les, lds Gz,Mp */
    case 0x63:
        return &modrm;                  /* arpl Ew,Gw */
    case 0x82:
        return &x86_optab[X86_MAP_1B][0x80];    /* grp1 Eb,Ib (decoded as 80) */
    case 0x9A: case 0xEA:
        return &ap;                     /* call far, jmp far ptr16:16/32 */
    case 0xD4: case 0xD5:
        return &ib;                     /* aam, aad */
    default:
        if (op >= 0x40 && op <= 0x4F)
            return &plain;              /* inc/dec r16/r32 */
        return NULL;
    }
}

/* Group 7 (0F 01, SDM Table A-6). Memory forms: sgdt sidt lgdt lidt smsw - lmsw invlpg; /5
 * (CET rstorssp) is #UD since ferry reports no CET. Register forms are whole ModRM bytes,
 * listed here in opcode order; AMD-only ones (SVM D8-DF, monitorx/mwaitx, clzero) are #UD on
 * the Intel model ferry follows. */
static bool grp7_valid(const X86Insn *in)
{
    unsigned r = in->reg & 7;
    if (in->mod != 3)
        return r != 5;
    switch (in->modrm) {
    case 0xC1: case 0xC2: case 0xC3: case 0xC4:     /* vmcall vmlaunch vmresume vmxoff */
    case 0xC8: case 0xC9: case 0xCA: case 0xCB:     /* monitor mwait clac stac */
    case 0xCF:                                      /* encls */
    case 0xD0: case 0xD1:                           /* xgetbv xsetbv */
    case 0xD4: case 0xD5: case 0xD6: case 0xD7:     /* vmfunc xend xtest enclu */
    case 0xEE: case 0xEF:                           /* rdpkru wrpkru */
    case 0xF8:                                      /* swapgs: 64-bit mode only */
        return in->mode == X86_MODE_64;
    case 0xF9:                                      /* rdtscp */
        return true;
    default:
        return r == 4 || r == 6;                    /* smsw r, lmsw r */
    }
}

/* Groups (SDM Table A-6) by ModRM.reg, and the few prefix forms whose register/memory choice
 * differs from the opcode's other forms. `pfx` is mandatory_prefix_bit. */
static bool modrm_form_valid(const X86Insn *in, unsigned pfx)
{
    unsigned r = in->reg & 7;
    bool mem = in->mod != 3;

    if (in->vex)                                    /* group 17: blsr blsmsk blsi */
        return in->map != X86_MAP_0F38 || in->opcode != 0xF3 || (r >= 1 && r <= 3);

    if (in->map == X86_MAP_1B) {
        switch (in->opcode) {
        case 0x8C: return r <= 5;                   /* mov Ev,Sw: ES CS SS DS FS GS */
        case 0x8E: return r <= 5 && r != 1;         /* mov Sw,Ew: loading CS is #UD */
        case 0x8F: return r == 0;                   /* grp1A: pop Ev; XOP space on AMD */
        case 0xC0: case 0xC1: case 0xD0: case 0xD1: case 0xD2: case 0xD3:
            return true;    /* /6: reserved in Table A-6, but CPUs run it as SHL (SAL) */
        case 0xC6: case 0xC7:
            return r == 0;   /* grp11: /7 F8 is xabort/xbegin (RTM), not supported: #UD */
        case 0xFE: return r <= 1;                   /* grp4: inc, dec */
        case 0xFF:                                  /* grp5: /3 /5 far call/jmp take m16:x */
            if (r == 3 || r == 5)
                return mem;
            return r != 7;
        default: return true;
        }
    }
    if (in->map == X86_MAP_0F) {
        switch (in->opcode) {
        case 0x00: return r <= 5;                   /* grp6 */
        case 0x01: return grp7_valid(in);
        case 0x0D: return r == 1;                   /* prefetchw; /0 is AMD's prefetch */
        case 0x18:                                  /* grp16: prefetches take memory, */
            return mem || r >= 4;                   /* /4-/7 are hint NOPs either way */
        case 0x12: case 0x16:                       /* movlpd, movhpd: memory only */
            return pfx != P_66 || mem;
        case 0x71: case 0x72:                       /* grp12/13: shifts /2 /4 /6 */
            return r == 2 || r == 4 || r == 6;
        case 0x73:                                  /* grp14: /3 /7 (psrldq, pslldq) 66 only */
            return r == 2 || r == 6 || ((r == 3 || r == 7) && pfx == P_66);
        case 0xAE:                                  /* grp15 */
            if (mem)
                return true;                        /* fxsave .. clflush(opt), clwb */
            if (r >= 5)
                return true;                        /* lfence mfence sfence (any rm) */
            return r <= 3 && pfx == P_F3;           /* rd/wr fs/gs base */
        case 0xBA: return r >= 4;                   /* grp8: bt bts btr btc */
        case 0xC7:                                  /* grp9 */
            if (mem)
                return r == 1 || r >= 3;            /* cmpxchg8b/16b, xrstors, xsavec, xsaves,
                                                       vmptrld/vmclear/vmxon, vmptrst */
            return r >= 6;                          /* rdrand, rdseed/rdpid */
        case 0xD6:                                  /* movq2dq, movdq2q: registers only */
            return pfx == P_66 || !mem;
        default: return true;
        }
    }
    if (in->map == X86_MAP_0F38 && (in->opcode == 0xF0 || in->opcode == 0xF1))
        return pfx == P_F2 || mem;                  /* movbe is memory only, crc32 is not */
    return true;
}

/* LOCK is #UD except on the read-modify-write instructions listed under LOCK in SDM Vol. 2,
 * and then only with a memory destination. */
static bool lock_valid(const X86Insn *in)
{
    unsigned r = in->reg & 7, op = in->opcode;
    if (!in->has_modrm || in->mod == 3)
        return false;
    if (in->map == X86_MAP_1B) {
        if (op <= 0x31 && (op & 7) <= 1)
            return true;                            /* add or adc sbb and sub xor Ex,Gx */
        switch (op) {
        case 0x80: case 0x81: case 0x83: return r != 7;     /* grp1 except cmp */
        case 0x86: case 0x87: return true;                  /* xchg */
        case 0xF6: case 0xF7: return r == 2 || r == 3;      /* not, neg */
        case 0xFE: case 0xFF: return r <= 1;                /* inc, dec */
        default: return false;
        }
    }
    if (in->map == X86_MAP_0F) {
        switch (op) {
        case 0xAB: case 0xB3: case 0xBB: return true;       /* bts btr btc Ev,Gv */
        case 0xBA: return r >= 5;                           /* bts btr btc Ev,Ib */
        case 0xB0: case 0xB1: case 0xC0: case 0xC1: return true;   /* cmpxchg, xadd */
        case 0xC7: return r == 1;                           /* cmpxchg8b/16b */
        default: return false;
        }
    }
    return false;
}

/* ---- operand size ---- */

/* VEX instructions get here with `rex` made from VEX.W R X B, so VEX.W selects 8 bytes. */
static uint8_t operand_size(const X86Insn *in, unsigned flags)
{
    if (flags & X86F_BYTE)
        return 1;
    if (in->mode != X86_MODE_64)        /* no REX.W, no d64/f64 */
        return in->opsize_prefix && !(in->map == X86_MAP_0F38 && in->opcode == 0xF6) ? 2 : 4;
    if (flags & X86F_FORCE64)
        return 8;
    if (in->rex & 0x08)
        return 8;
    /* adcx/adox (66/F3 0F 38 F6): the 66 is a mandatory prefix, not an operand size, even
     * next to F3 (SDM: "ADCX r32, r/m32" is "66 0F 38 F6"; the host agrees for 66 F3). */
    if (in->opsize_prefix && !(in->map == X86_MAP_0F38 && in->opcode == 0xF6))
        return 2;
    return (flags & X86F_DEF64) ? 8 : 4;
}

/* FF /2 /4 are near indirect call/jmp (f64) and FF /6 push (d64); the other members of grp5
 * use the ordinary operand size, so the table entry cannot carry these. */
static unsigned group_size_flags(const X86Insn *in, unsigned flags)
{
    if (in->map == X86_MAP_1B && in->opcode == 0xFF) {
        unsigned r = in->reg & 7;
        if (r == 2 || r == 4)
            return flags | X86F_FORCE64;
        if (r == 6)
            return flags | X86F_DEF64;
    }
    return flags;
}

/* ---- ModRM, SIB, displacement ---- */

/* `tail` is the number of immediate bytes after the displacement: once the displacement size
 * is known the whole length is, and an over-long instruction is reported as such even when
 * the buffer would also have run out. */
static X86DecodeStatus decode_memory(DecCursor *c, X86Insn *in, unsigned tail)
{
    unsigned rm3 = in->modrm & 7;
    unsigned disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 4 : 0;
    X86DecodeStatus s;

    if (rm3 == 4) {
        uint8_t sib;
        if ((s = fetch(c, &sib)) != X86_DEC_OK)
            return s;
        unsigned idx = ((sib >> 3) & 7) | ((in->rex & 0x02) ? 8 : 0);
        unsigned base3 = sib & 7;
        in->scale = (uint8_t)(1u << (sib >> 6));
        in->index = idx == 4 ? X86_REG_NONE : (int8_t)idx;   /* 100b is "none" only without
                                                                 REX.X; with it, r12 */
        if (base3 == 5 && in->mod == 0) {
            in->base = X86_REG_NONE;                /* disp32, no base, whatever REX.B says */
            disp_size = 4;
        } else {
            in->base = (int8_t)(base3 | ((in->rex & 0x01) ? 8 : 0));
        }
    } else if (rm3 == 5 && in->mod == 0) {
        /* RIP+disp32, REX.B does not matter; outside 64-bit mode a plain disp32 */
        in->base = in->mode == X86_MODE_64 ? X86_REG_RIP : X86_REG_NONE;
        disp_size = 4;
    } else {
        in->base = (int8_t)(rm3 | ((in->rex & 0x01) ? 8 : 0));
    }

    if (c->pos + disp_size + tail > X86_MAX_LEN)
        return X86_DEC_TOO_LONG;
    if (disp_size) {
        uint64_t d;
        if ((s = fetch_le(c, disp_size, &d)) != X86_DEC_OK)
            return s;
        in->disp = (int32_t)sign_extend(d, disp_size);
    }
    return X86_DEC_OK;
}

/* 16-bit addressing (67 in 32-bit mode, SDM Vol. 2 Table 2-1): base and index from rm, no
 * SIB, disp8 (sign-extended) or disp16; mod 0 rm 110b is disp16 alone. The sum wraps to 16
 * bits (addrsize 2). */
static X86DecodeStatus decode_memory16(DecCursor *c, X86Insn *in, unsigned tail)
{
    static const int8_t base16[8] = { 3, 3, 5, 5, 6, 7, 5, 3 };            /* BX BX BP BP SI DI BP BX */
    static const int8_t index16[8] = { 6, 7, 6, 7, -1, -1, -1, -1 };      /* SI DI SI DI */
    unsigned rm3 = in->modrm & 7;
    unsigned disp_size = in->mod == 1 ? 1 : in->mod == 2 ? 2 : 0;
    in->base = base16[rm3];
    in->index = index16[rm3] < 0 ? X86_REG_NONE : index16[rm3];
    in->scale = 1;
    if (in->mod == 0 && rm3 == 6) {
        in->base = X86_REG_NONE;
        disp_size = 2;
    }
    if (c->pos + disp_size + tail > X86_MAX_LEN)
        return X86_DEC_TOO_LONG;
    if (disp_size) {
        uint64_t d;
        X86DecodeStatus s = fetch_le(c, disp_size, &d);
        if (s != X86_DEC_OK)
            return s;
        in->disp = (int32_t)sign_extend(d, disp_size);
    }
    return X86_DEC_OK;
}

/* ---- immediates ---- */

static unsigned imm_bytes(const X86Insn *in, X86ImmKind k)
{
    switch (k) {
    case X86I_B: case X86I_JB: return 1;
    case X86I_W: case X86I_WB: return 2;
    case X86I_Z: case X86I_JZ: return in->opsize == 2 ? 2 : 4;
    case X86I_V: return in->opsize;
    case X86I_MOFFS: return in->addrsize;
    case X86I_AP: return in->opsize;
    case X86I_NONE: default: return 0;
    }
}

/* grp3 F6/F7: only /0 and /1 (test) take an immediate. */
static X86ImmKind group_imm(const X86Insn *in, X86ImmKind k)
{
    if (in->map == X86_MAP_1B && (in->opcode == 0xF6 || in->opcode == 0xF7)
        && (in->reg & 7) <= 1)
        return in->opcode == 0xF6 ? X86I_B : X86I_Z;
    return k;
}

/* ---- VEX ----
 * C4 is the 3-byte form (R X B mmmmm, then W vvvv L pp), C5 the 2-byte one (R vvvv L pp, which
 * implies map 0F, W = 0 and X = B = 0). In 64-bit mode both always start a VEX prefix (LES/LDS
 * do not exist there). R, X, B and vvvv are stored inverted. A 66, F2, F3, LOCK or REX prefix
 * before VEX is #UD (SDM Vol. 2 §2.3.2-2.3.4 and §2.5; a REX cancelled by a later legacy
 * prefix does not count, as for any opcode: the host runs 48 2E C4 ... as the plain VEX
 * instruction); segment overrides and 67 are allowed. mmmmm values other than 1-3 are
 * reserved (#UD). On success the VEX fields, `rex`, `map` and the opcode byte are set. */
static X86DecodeStatus decode_vex(DecCursor *c, X86Insn *in, uint8_t esc, uint8_t *opcode)
{
    X86DecodeStatus s;
    uint8_t b1, b2;
    if (in->opsize_prefix || in->rep || in->lock || in->rex)
        return X86_DEC_INVALID;
    if ((s = fetch(c, &b1)) != X86_DEC_OK)
        return s;
    unsigned r = !(b1 & 0x80), x = 0, b = 0, w = 0, mmmmm = 1;
    if (esc == 0xC4) {
        x = !(b1 & 0x40);
        b = !(b1 & 0x20);
        mmmmm = b1 & 0x1F;
        if (mmmmm < 1 || mmmmm > 3)
            return X86_DEC_INVALID;
        if ((s = fetch(c, &b2)) != X86_DEC_OK)
            return s;
        w = b2 >> 7;
    } else {
        b2 = b1;            /* the low seven bits (vvvv L pp) sit as in C4's third byte */
    }
    in->vex = true;
    in->vex_w = w;
    in->vex_vvvv = (uint8_t)(((b2 >> 3) & 15) ^ 15);
    in->vex_l = (b2 >> 2) & 1;
    in->vex_pp = b2 & 3;
    in->vex_mmmmm = (uint8_t)mmmmm;
    in->rex = (uint8_t)(0x40 | w << 3 | r << 2 | x << 1 | b);
    /* mmmmm 1, 2, 3 are the maps 0F, 0F 38, 0F 3A: the X86Map values themselves */
    _Static_assert(X86_MAP_0F == 1 && X86_MAP_0F38 == 2 && X86_MAP_0F3A == 3, "VEX.mmmmm");
    in->map = (uint8_t)mmmmm;
    return fetch(c, opcode);
}

/* ---- the decoder ---- */

static X86DecodeStatus decode(DecCursor *c, X86Insn *in)
{
    X86DecodeStatus s;
    uint8_t b;

    /* Legacy prefixes and REX, in any order and number. A REX counts only when it is the
     * last byte before the opcode (SDM Vol. 2 §2.2.1): a legacy prefix after it cancels it. */
    for (;;) {
        if ((s = fetch(c, &b)) != X86_DEC_OK)
            return s;
        if (b >= 0x40 && b <= 0x4F && in->mode == X86_MODE_64) {
            in->rex = b;
            continue;
        }
        if (b >= 0x40 && b <= 0x4F)
            break;                                  /* inc/dec outside 64-bit mode */
        if (!(x86_optab[X86_MAP_1B][b].flags & X86F_PREFIX))
            break;
        in->rex = 0;
        switch (b) {
        case 0x66: in->opsize_prefix = true; break;
        case 0x67: in->addrsize_prefix = true; break;
        case 0xF0: in->lock = true; break;
        case 0xF2: case 0xF3: in->rep = b; break;
        case 0x26: in->seg = X86_SEG_ES; break;
        case 0x2E: in->seg = X86_SEG_CS; break;
        case 0x36: in->seg = X86_SEG_SS; break;
        case 0x3E: in->seg = X86_SEG_DS; break;
        case 0x64: in->seg = X86_SEG_FS; break;
        case 0x65: in->seg = X86_SEG_GS; break;
        default: return X86_DEC_INVALID;   /* a table/decoder mismatch; cannot happen */
        }
    }
    bool m64 = in->mode == X86_MODE_64;
    in->addrsize = m64 ? (in->addrsize_prefix ? 4 : 8) : (in->addrsize_prefix ? 2 : 4);

    /* Opcode, through the 0F, 0F 38 and 0F 3A escapes or a VEX prefix. */
    in->map = X86_MAP_1B;
    bool vex = b == 0xC4 || b == 0xC5;
    if (vex && !m64) {                  /* LES/LDS unless the next byte's mod is 11b */
        if (c->pos >= c->avail)
            return c->pos >= X86_MAX_LEN ? X86_DEC_TOO_LONG : X86_DEC_TRUNCATED;
        vex = (c->code[c->pos] & 0xC0) == 0xC0;
    }
    if (vex) {
        if ((s = decode_vex(c, in, b, &b)) != X86_DEC_OK)
            return s;
        if (!m64) {                     /* R X B, W for GPR sizes and vvvv bit 3 ignored */
            in->rex = 0x40;
            in->vex_vvvv &= 7;
        }
    } else if (b == 0x0F) {
        if ((s = fetch(c, &b)) != X86_DEC_OK)
            return s;
        in->map = X86_MAP_0F;
        if (b == 0x38 || b == 0x3A) {
            in->map = b == 0x38 ? X86_MAP_0F38 : X86_MAP_0F3A;
            if ((s = fetch(c, &b)) != X86_DEC_OK)
                return s;
        }
    }
    in->opcode = b;

    const X86OpDesc *d = in->vex ? &x86_vex_optab[in->map][in->opcode]
                                 : &x86_optab[in->map][in->opcode];
    if (!m64 && !in->vex && in->map == X86_MAP_1B) {
        const X86OpDesc *l = legacy_entry(in->opcode);
        if (l)
            d = l;
        if (in->opcode == 0x82)
            in->opcode = 0x80;          /* the same instruction (an alias outside 64-bit mode) */
    }
    unsigned flags = d->flags;
    if (!(flags & X86F_VALID))
        return X86_DEC_INVALID;

    unsigned pfx = mandatory_prefix_bit(in);
    const uint8_t *mand = (in->vex ? mandatory_vex_by_map : mandatory_by_map)[in->map];
    if (mand && mand[in->opcode] && !(mand[in->opcode] & pfx))
        return X86_DEC_INVALID;
    if ((flags & X86F_VEX_L0) && in->vex_l)
        return X86_DEC_INVALID;                     /* "VEX.LZ": L = 1 is #UD */
    if ((flags & X86F_VEX_NOV) && in->vex_vvvv != 0)
        return X86_DEC_INVALID;                     /* vvvv reserved, must be 1111b */

    if (flags & X86F_MODRM) {
        if ((s = fetch(c, &in->modrm)) != X86_DEC_OK)
            return s;
        in->has_modrm = true;
        in->mod = in->modrm >> 6;
        in->reg = (uint8_t)(((in->modrm >> 3) & 7) | ((in->rex & 0x04) ? 8 : 0));
        in->rm = (uint8_t)((in->modrm & 7) | ((in->rex & 0x01) ? 8 : 0));
        /* MOV to/from CR/DR (0F 20-23) ignore ModRM.mod: always register operands, no SIB or
         * displacement (SDM Vol. 2, MOV—Move to/from Control Registers). */
        if (in->map == X86_MAP_0F && in->opcode >= 0x20 && in->opcode <= 0x23)
            in->mod = 3;
        if ((flags & X86F_REGONLY) && in->mod != 3)
            return X86_DEC_INVALID;
        if ((flags & X86F_MEMONLY) && in->mod == 3)
            return X86_DEC_INVALID;
        if (!modrm_form_valid(in, pfx))
            return X86_DEC_INVALID;
        flags = group_size_flags(in, flags);
    }
    if (in->lock && !lock_valid(in))
        return X86_DEC_INVALID;
    in->opsize = operand_size(in, flags);
    X86ImmKind k = group_imm(in, (X86ImmKind)d->imm);
    unsigned n1 = imm_bytes(in, k), n2 = k == X86I_WB ? 1 : k == X86I_AP ? 2 : 0;

    if (in->has_modrm && in->mod != 3) {
        s = in->addrsize == 2 ? decode_memory16(c, in, n1 + n2) : decode_memory(c, in, n1 + n2);
        if (s != X86_DEC_OK)
            return s;
    }

    /* Immediates. The whole length is known now (see decode_memory). */
    if (c->pos + n1 + n2 > X86_MAX_LEN)
        return X86_DEC_TOO_LONG;
    if (n1) {
        uint64_t v;
        if ((s = fetch_le(c, n1, &v)) != X86_DEC_OK)
            return s;
        in->imm_size = (uint8_t)n1;
        in->imm = k == X86I_AP ? (int64_t)v : sign_extend(v, n1);   /* moffs too: under 67 the translator truncates it
                                           to 32 bits like every other address */
    }
    if (n2) {
        uint64_t v;
        if ((s = fetch_le(c, n2, &v)) != X86_DEC_OK)
            return s;
        in->imm2_size = (uint8_t)n2;
        in->imm2 = (int64_t)v;
    }

    in->len = (uint8_t)c->pos;
    if (k == X86I_JB || k == X86I_JZ) {
        in->is_rel_branch = true;
        in->target = in->pc + in->len + (uint64_t)in->imm;
        if (!m64)
            in->target &= in->opsize == 2 ? 0xffffu : 0xffffffffu;
    }
    return X86_DEC_OK;
}

X86DecodeStatus x86_decode(const uint8_t *code, size_t avail, uint64_t pc, X86Insn *out)
{
    return x86_decode_mode(code, avail, pc, X86_MODE_64, out);
}

X86DecodeStatus x86_decode_mode(const uint8_t *code, size_t avail, uint64_t pc, X86Mode mode,
                                X86Insn *out)
{
    DecCursor c = { .code = code, .avail = code ? avail : 0, .pos = 0 };
    memset(out, 0, sizeof *out);
    out->pc = pc;
    out->mode = (uint8_t)mode;
    out->base = X86_REG_NONE;
    out->index = X86_REG_NONE;
    out->scale = 1;

    X86DecodeStatus s = decode(&c, out);
    if (s != X86_DEC_OK) {
        memset(out, 0, sizeof *out);
        out->pc = pc;
        out->mode = (uint8_t)mode;
        out->base = X86_REG_NONE;
        out->index = X86_REG_NONE;
    }
    return s;
}
