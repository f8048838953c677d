/* x86_decode.h — the x86-64 instruction decoder: bytes in, one X86Insn record out.
 *
 * x86_decode is a pure function: no IR, no allocation, no global state. It handles legacy
 * prefixes (operand/address size, LOCK, REP/REPNE, segment overrides), REX, the one-byte map,
 * the 0F two-byte map and the 0F38/0F3A three-byte maps, ModRM, SIB, displacements, immediates
 * and RIP-relative addressing, all in 64-bit mode. Which opcodes exist, whether they take a
 * ModRM byte and what immediate follows comes from tables that read like the opcode maps of the
 * Intel SDM Vol. 2 Appendix A (x86_optab.c).
 *
 * The record says how the instruction is encoded, not what it means: translators dispatch on
 * (map, opcode, ModRM.reg for groups, mandatory prefix) themselves. VEX (C4/C5) decodes for the
 * opcodes of x86_vex_optab only (the BMI1/BMI2 general-purpose-register instructions), EVEX (62)
 * not at all, and the x87 escape opcodes as far as the tables say; anything not in the tables is
 * X86_DEC_INVALID (the guest gets SIGILL).
 *
 * VEX instructions set `vex`; `map` is the VEX.mmmmm map (0F, 0F 38 or 0F 3A), and the legacy
 * mandatory-prefix fields `rep` and `opsize_prefix` stay clear (a 66, F2, F3, LOCK or REX prefix
 * before a VEX prefix is #UD, SDM Vol. 2 §2.3, §2.5): the implied prefix is `vex_pp`. So a
 * translator of legacy 0F 38 / 0F 3A opcodes must check !vex. `rex` holds VEX.W, R, X and B in
 * REX layout (0x40 | W<<3 | R<<2 | X<<1 | B, the inverted VEX bits made positive), so ModRM,
 * SIB and operand size (VEX.W: 8, else 4) decode exactly as with a REX prefix.
 */
#ifndef FERRY_X86_DECODE_H
#define FERRY_X86_DECODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum X86Map { X86_MAP_1B = 0, X86_MAP_0F, X86_MAP_0F38, X86_MAP_0F3A } X86Map;

/* The code segment's mode, which decides default operand and address sizes and what some
 * opcodes mean. X86_MODE_32 is 32-bit protected mode and IA-32e compatibility mode with a
 * 32-bit code segment (CS.D = 1): no REX (40-4F are inc/dec), default operand and address size
 * 4 (66 and 67 toggle to 2; 67 selects 16-bit ModRM addressing), near branches, push and pop
 * of size 4, and the opcodes that are i64 in 64-bit mode (x86_decode.c, "32-bit mode"). */
typedef enum X86Mode { X86_MODE_64 = 0, X86_MODE_32 } X86Mode;

typedef enum X86Seg { X86_SEG_NONE = 0, X86_SEG_ES, X86_SEG_CS, X86_SEG_SS, X86_SEG_DS,
                      X86_SEG_FS, X86_SEG_GS } X86Seg;

#define X86_REG_NONE (-1)
#define X86_REG_RIP  16       /* base register for RIP-relative operands */

typedef enum X86DecodeStatus {
    X86_DEC_OK = 0,
    X86_DEC_INVALID,    /* undefined opcode or invalid in 64-bit mode (#UD -> SIGILL) */
    X86_DEC_TRUNCATED,  /* the bytes given end before the instruction does */
    X86_DEC_TOO_LONG,   /* longer than 15 bytes (#GP on hardware -> SIGSEGV in Linux) */
} X86DecodeStatus;

typedef struct X86Insn {
    uint64_t pc;            /* guest address of the first byte */
    uint8_t len;            /* total length in bytes (1..15) */
    uint8_t map;            /* X86Map */
    uint8_t opcode;         /* the opcode byte within its map */
    uint8_t rep;            /* 0, 0xF2 or 0xF3: the last of F2/F3 seen (also mandatory prefix) */
    bool opsize_prefix;     /* 66 seen (also a mandatory prefix for SSE) */
    bool addrsize_prefix;   /* 67 seen */
    bool lock;              /* F0 seen */
    uint8_t seg;            /* X86Seg override */
    uint8_t rex;            /* the REX byte (0x40-0x4F), or 0 if none */
    uint8_t opsize;         /* effective operand size in bytes: 1 for byte-form opcodes (per
                               table), else 8 (REX.W or default-64 opcodes), 2 (66), or 4 */
    uint8_t addrsize;       /* 8, or 4 with the 67 prefix (X86_MODE_32: 4, or 2 with 67) */
    uint8_t mode;           /* X86Mode the bytes were decoded in */

    bool has_modrm;
    uint8_t modrm;          /* the raw byte */
    uint8_t mod;            /* ModRM.mod (0..3) */
    uint8_t reg;            /* ModRM.reg extended by REX.R (0..15); for groups use reg & 7 */
    uint8_t rm;             /* mod == 3: ModRM.rm extended by REX.B (0..15) */

    /* Memory operand (has_modrm && mod != 3): address = base + index * scale + disp, where a
     * base of X86_REG_RIP means the address of the next instruction (pc + len). */
    int8_t base;            /* 0..15, X86_REG_RIP, or X86_REG_NONE */
    int8_t index;           /* 0..15 or X86_REG_NONE (SIB index 100b without REX.X) */
    uint8_t scale;          /* 1, 2, 4, 8 */
    int32_t disp;

    uint8_t imm_size;       /* bytes of the first immediate as encoded (0 if none) */
    uint8_t imm2_size;      /* bytes of the second immediate (ENTER's ib), 0 if none */
    int64_t imm;            /* first immediate, sign-extended from its encoded size (for
                               mov r64, imm64 the full 64 bits); for relative branches (Jb/Jz)
                               the displacement; see `target` */
    int64_t imm2;           /* second immediate, zero-extended */
    uint64_t target;        /* relative branches: pc + len + imm (wrapped to the operand size
                               outside 64-bit mode); else 0. Far pointers (X86_MODE_32 9A/EA):
                               imm is the offset, imm2 the selector */
    bool is_rel_branch;     /* Jb/Jz operand */

    /* VEX prefix (C4 3-byte, C5 2-byte); all zero when vex is false. */
    bool vex;
    bool vex_w;             /* VEX.W (C5: 0); also REX.W in `rex` */
    uint8_t vex_vvvv;       /* the register VEX.vvvv names, 0..15 (the field is stored inverted;
                               this is the register number) */
    uint8_t vex_l;          /* VEX.L: 0 or 1 */
    uint8_t vex_pp;         /* VEX.pp, the implied prefix: 0 none, 1 66, 2 F3, 3 F2 */
    uint8_t vex_mmmmm;      /* VEX.mmmmm as encoded: 1 (0F), 2 (0F 38), 3 (0F 3A); C5 implies 1 */
} X86Insn;

/* Decode at most `avail` bytes at `code` for an instruction at guest address pc (64-bit
 * mode; x86_decode_mode for another). */
X86DecodeStatus x86_decode(const uint8_t *code, size_t avail, uint64_t pc, X86Insn *out);
X86DecodeStatus x86_decode_mode(const uint8_t *code, size_t avail, uint64_t pc, X86Mode mode,
                                X86Insn *out);

/* Per-opcode table entry (exported for the decoder's tests and the differential fuzzer, which
 * generates instructions from the same tables). */
enum {
    X86F_VALID   = 1u << 0,   /* the opcode exists in 64-bit mode */
    X86F_MODRM   = 1u << 1,   /* a ModRM byte follows */
    X86F_BYTE    = 1u << 2,   /* operand size is 1 byte */
    X86F_DEF64   = 1u << 3,   /* default operand size 64 (push, pop, near branches, ...) */
    X86F_FORCE64 = 1u << 4,   /* operand size always 64, 66 ignored (near call/jmp/jcc/ret) */
    X86F_PREFIX  = 1u << 5,   /* this byte is a prefix, not an opcode (map 1B only) */
    X86F_GROUP   = 1u << 6,   /* meaning depends on ModRM.reg (immediate may too: F6/F7 test) */
    X86F_REGONLY = 1u << 7,   /* ModRM.mod must be 3 (else invalid) */
    X86F_MEMONLY = 1u << 8,   /* ModRM.mod must not be 3 (else invalid) */
    X86F_VEX_L0  = 1u << 9,   /* VEX: VEX.L must be 0 (the manual's "LZ"), else invalid */
    X86F_VEX_NOV = 1u << 10,  /* VEX: VEX.vvvv is unused and must be 1111b, else invalid */
};
typedef enum X86ImmKind {
    X86I_NONE = 0, X86I_B,  /* ib */  X86I_W,  /* iw */  X86I_Z,  /* iz: 2 or 4, sext to 8 */
    X86I_V,   /* iv: 2, 4 or 8 (mov r, imm) */ X86I_JB, /* rel8 */ X86I_JZ, /* rel16/32 */
    X86I_WB,  /* iw then ib (ENTER) */ X86I_MOFFS, /* moffs: addrsize bytes (A0-A3) */
    X86I_AP,  /* far pointer ptr16:16/32: offset (operand size) then selector (9A, EA; not
                 in 64-bit mode) */
} X86ImmKind;
typedef struct X86OpDesc { uint16_t flags; uint8_t imm; } X86OpDesc;
extern const X86OpDesc x86_optab[4][256];   /* indexed [X86Map][opcode] */
/* VEX-encoded opcodes, indexed [X86Map of VEX.mmmmm][opcode]; [X86_MAP_1B] is empty. */
extern const X86OpDesc x86_vex_optab[4][256];

#endif /* FERRY_X86_DECODE_H */
