/* fuzz.h — the differential fuzzer's shared types (tests/fuzz/).
 *
 *   fuzz_ops.c    the instruction table: which encodings are generated, what each writes, and
 *                 its flag effects with the SDM's undefined flags (the masking table);
 *   fuzz_gen.c    start states, random sequences, the encoder, and the static analysis that
 *                 keeps a sequence safe to run natively and says which flags are defined;
 *   fuzz_run.c    running a sequence natively and through ferry (interpreter raw and
 *                 optimised, x86_64 backend) and comparing the results;
 *   fuzz_decode.c the decoder mode (x86_decode vs Capstone on random bytes);
 *   fuzz_insn.c   the program: options, campaign loop, reports, minimisation, the TAP suite.
 *
 * Guest memory is host memory (guest base 0) at fixed addresses, so register values that are
 * pointers, return addresses pushed by call and RIP-relative operands are the same natively
 * and under ferry, and reproducers print the same numbers every run.
 */
#ifndef FERRY_TESTS_FUZZ_H
#define FERRY_TESTS_FUZZ_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "tests/common/decode_cmp.h"
#include "tests/common/native_harness.h"

/* ---------------------------------------------------------------- the address space */

#define FZ_REGION     0x10000000ull
#define FZ_CODE       FZ_REGION              /* 2 pages: the sequence (may cross the page) */
#define FZ_CODE_SIZE  0x2000u
#define FZ_DATA       (FZ_REGION + 0x2000)   /* 8 KiB of scratch memory, compared */
#define FZ_DATA_SIZE  0x2000u
#define FZ_MAP_SIZE   0x5000u                /* code, data and a PROT_NONE guard page */

/* Roles of registers that point into the scratch area (offsets into it). */
#define FZ_OFF_BASE   0x0800u   /* the base register of memory operands */
#define FZ_OFF_STR    0x1000u   /* rsi/rdi of string sequences start near here */
#define FZ_OFF_STACK  0x1c00u   /* rsp */
#define FZ_X_MAX      31u       /* the index register holds 0..FZ_X_MAX */
#define FZ_GS_BASE    0x40u     /* GS base while a sequence runs (gs: operands land +0x40) */
#define FZ_REP_MAX    16u       /* rep counts are at most this */

#define FZ_MAX_LEN    8         /* instructions in a sequence (--max-len) */
#define FZ_MAX_INSNS  12        /* room for a loop construct's mov ecx */
#define FZ_MAX_OPS    512       /* rows of the instruction table, at most */

/* ---------------------------------------------------------------- the instruction table */

typedef enum FzClass {
    FC_ALU, FC_SHIFT, FC_MULDIV, FC_BIT, FC_MOV, FC_STACK, FC_STRING, FC_BRANCH, FC_MISC,
    FC_TRAP, FC_SSE, FC_SSEFP, FC_SSEENV, FC_X87, FC_BMI, FC_MMX, FC_SSE3, FC_SSSE3, FC_SSE41,
    FC_SSE42, FC_AES, FC_APPROX, FC_COUNT
} FzClass;
extern const char *const fz_class_name[FC_COUNT];

/* Mandatory / allowed prefix of a row. */
enum { FP_ANY, FP_NP, FP_66, FP_F3, FP_F2, FP_NOTF3 };
/* ModRM.mod constraint of a row. */
enum { MF_ANY, MF_REG, MF_MEM };

/* Flag behaviour (fuzz_ops.c: fz_flag_effect). */
typedef enum FzFl {
    FL_NONE, FL_ARITH, FL_ADCSBB, FL_LOGIC, FL_INCDEC, FL_MUL, FL_DIV, FL_SHIFT, FL_ROT,
    FL_RCX, FL_SHD, FL_BT, FL_BSF, FL_CC, FL_LOOPCC, FL_CMC, FL_SETCF, FL_SAHF, FL_LAHF,
    FL_PUSHF, FL_CX8, FL_COMIS, FL_STRCMP, FL_FCMOV,
    FL_BMI_SZ, FL_BEXTR, FL_XZCNT, FL_ADCX, FL_ADOX,
} FzFl;

/* x87 condition-code behaviour (fuzz_ops.c: fz_flag_effect). The C0-C3 bits of the FPU status
 * word are tracked like EFLAGS, as FZ_C0..FZ_C3 in the same masks. */
typedef enum FzXf {
    XF_NONE,        /* not an x87 instruction */
    XF_ARITH,       /* C1 defined (rounding / stack fault), C0 C2 C3 undefined */
    XF_CMP,         /* C0 C2 C3 from the comparison, C1 defined */
    XF_ALL,         /* all four defined (fxam, fprem, fprem1, fninit) */
    XF_C1,          /* C1 undefined, C0 C2 C3 unchanged (fcomi family, see fuzz_ops.c) */
    XF_UNDEF,       /* all four undefined (ffree, fnclex, fnstcw, fnop, fwait) */
    XF_STSW,        /* reads all four (fnstsw), then they are undefined */
} FzXf;
#define FZ_C0 (1u << 16)
#define FZ_C1 (1u << 17)
#define FZ_C2 (1u << 18)
#define FZ_C3 (1u << 19)
#define FZ_CALL4 (FZ_C0 | FZ_C1 | FZ_C2 | FZ_C3)

enum {
    F_WREG   = 1u << 0,   /* ModRM.reg names a GPR that is written */
    F_WRM    = 1u << 1,   /* ModRM.rm (mod 3) names a GPR that is written */
    F_WOP    = 1u << 2,   /* the register in the opcode's low bits is written */
    F_OPREG  = 1u << 3,   /* the opcode's low bits (+REX.B) name a register */
    F_STACK  = 1u << 4,   /* moves rsp (push, pop, call, enter, leave) */
    F_LOCKABLE   = 1u << 5,   /* LOCK allowed with a memory destination */
    F_A16    = 1u << 6,   /* a memory operand must be 16-byte aligned (#GP otherwise) */
    F_REP    = 1u << 7,   /* string instruction: rep prefixes, rsi/rdi pointers */
    F_BR     = 1u << 8,   /* relative branch, target fixed up at layout */
    F_UNCOND = 1u << 9,   /* no fall-through (jmp) */
    F_LOOPI  = 1u << 10,  /* loop/loope/loopne: may close a bounded backward loop */
    F_ENTER  = 1u << 11,
    F_LEAVE  = 1u << 12,
    F_POPRM  = 1u << 13,  /* pops into its r/m or opcode register: never rsp */
    F_XMM    = 1u << 14,  /* ModRM.reg and rm are XMM registers (unless F_GREG/F_GRM) */
    F_GREG   = 1u << 15,  /* ... but ModRM.reg is a GPR */
    F_GRM    = 1u << 16,  /* ... but ModRM.rm (mod 3) is a GPR */
    F_BTOFF  = 1u << 17,  /* bt* m, r: the bit offset register must be the small index reg */
    F_XLAT   = 1u << 18,  /* reads [rbx + al]: rbx must be the base register */
    F_RDIPTR = 1u << 19,  /* writes [rdi] (maskmovdqu): rdi must be a string pointer */
    F_SEGREG = 1u << 20,  /* ModRM.reg is a segment register (0..5) */
    F_INTN   = 1u << 21,  /* int imm8 (never 0x80, see fuzz_ops.c) */
    F_MOFFS  = 1u << 22,  /* the immediate is an absolute address */
    F_CNT    = 1u << 23,  /* an imm8 shift/rotate count: biased to edge counts */
    F_NO66   = 1u << 24,  /* no operand-size prefix (undefined or another instruction) */
    F_FXAREA = 1u << 25,  /* a 512-byte 16-aligned memory area (fxsave/fxrstor) */
    F_MXCSR  = 1u << 26,  /* loads MXCSR from memory (ldmxcsr) */
    F_CALL   = 1u << 27,
    F_CSLEN  = 1u << 28,  /* Capstone 4 gets the length wrong (ud0/ud1 take ModRM, SDM UD) */
    F_VEX    = 1u << 29,  /* VEX-encoded (C4): the row's prefix is VEX.pp, its map VEX.mmmmm */
    F_WVVVV  = 1u << 30,  /* VEX.vvvv names a GPR that is written */
};

typedef struct FzOp {
    const char *name;
    uint8_t cls;            /* FzClass */
    uint8_t map, op, op_hi; /* opcodes op..op_hi of map */
    int8_t reg;             /* ModRM.reg (group member), -1: any */
    uint8_t pfx;            /* FP_* */
    uint8_t modf;           /* MF_* */
    int8_t w;               /* REX.W: -1 either, 0 never, 1 always */
    uint8_t fl;             /* FzFl */
    uint16_t iw;            /* GPRs written implicitly (bit r = register r) */
    uint32_t f;             /* F_* */
    uint8_t xf;             /* FzXf */
    uint8_t rm_mask;        /* register forms: allowed ModRM.rm & 7 (bit per value), 0 = any */
} FzOp;

extern const FzOp fz_ops[];
extern const unsigned fz_n_ops;

/* The row that describes a decoded instruction, or NULL (not in the fuzzer's table). */
const FzOp *fz_lookup(const X86Insn *d);

/* What an instruction does to the six arithmetic flags (EFLAGS bit positions). */
typedef struct FzFlagFx {
    uint32_t read;          /* flags it reads (EFLAGS bits, and FZ_C0..FZ_C3) */
    uint32_t def;           /* flags it writes with defined values */
    uint32_t undef;         /* flags it leaves undefined */
    bool may_skip;          /* may leave every flag unchanged (a count of 0 at run time) */
    bool bad;               /* its result is undefined (shld/shrd r16 by more than 16) */
} FzFlagFx;

/* count: the shift/rotate count at run time if known (-1 if not). */
void fz_flag_effect(const FzOp *op, const X86Insn *d, int64_t count, FzFlagFx *fx);
/* Flags read by condition code cc (0..15). */
uint32_t fz_cc_flags(unsigned cc);

/* ---------------------------------------------------------------- sequences */

typedef struct FzInsn {
    uint8_t b[16];
    uint8_t len;
    int8_t target;          /* branch target: an instruction index, n = the end, -1 none */
    uint8_t rel_off, rel_size; /* where the branch displacement lives */
    X86Insn d;              /* decoded at its final address */
    const FzOp *op;
    uint16_t gpr_w;         /* GPRs it may write (table and Capstone) */
    uint32_t undef_in;      /* flags maybe undefined before it (analysis) */
    char text[200];         /* Capstone's disassembly */
} FzInsn;

typedef struct FzSeq {
    unsigned n;
    FzInsn in[FZ_MAX_INSNS];
    uint64_t code;          /* guest address of the first byte */
    uint8_t bytes[FZ_MAX_INSNS * 16];
    unsigned len;
    uint32_t undef_end;     /* flags maybe undefined at the end */
    int base, index;        /* register roles (X86_RAX..) */
    bool str_role;          /* rsi and rdi point into the scratch area */
    uint32_t classes;       /* classes of its instructions (bit per FzClass) */
} FzSeq;

typedef struct FzCase {
    uint64_t seed, index;
    FzSeq seq;
    TState start;           /* the initial state (RSP included) */
    uint8_t mem[FZ_DATA_SIZE]; /* the initial scratch memory */
} FzCase;

typedef struct FzGenOpts {
    uint32_t classes;       /* bit per FzClass */
    unsigned max_len;
    uint8_t excluded[FZ_MAX_OPS]; /* by fz_ops index: rows never generated (--exclude NAME) */
} FzGenOpts;

/* Build case (seed, index) deterministically. Returns false if no valid sequence came out
 * (rare; the case is skipped). */
bool fz_generate(const FzGenOpts *o, uint64_t seed, uint64_t index, FzCase *c);
/* Replace the sequence by raw bytes (--bytes), decoding and analysing them. */
bool fz_set_bytes(FzCase *c, const uint8_t *b, unsigned n, char *err, size_t errlen);
/* Lay out, decode and analyse c->seq again (after the minimiser removed instructions).
 * Returns false (with a reason) if it is no longer safe to run. */
bool fz_relayout(FzCase *c, char *err, size_t errlen);

/* Capstone disassembly and register access, shared by generator and reports. */
CsCtx *fz_cs(void);

/* ---------------------------------------------------------------- running */

typedef enum FzMode { FM_NATIVE, FM_RAW, FM_OPT, FM_JIT, FM_COUNT } FzMode;
extern const char *const fz_mode_name[FM_COUNT];

typedef struct FzResult {
    X86State st;            /* final state (native results converted) */
    uint64_t rflags;        /* EFLAGS as the guest sees it */
    bool fault;             /* ended with a signal */
    int sig, code;
    uint64_t fault_rip;
    const char *error;      /* ferry could not run it: host fault, bad exit, IR invalid... */
    char error_buf[256];
    uint8_t mem[FZ_DATA_SIZE];
    unsigned blocks;
} FzResult;

bool fz_run_init(void);
/* Whether user space may set the GS base (FSGSBASE): gs: operands are generated only then. */
bool fz_have_gsbase(void);
void fz_run(FzMode m, const FzCase *c, FzResult *r);

/* One difference between native and a ferry mode. */
typedef struct FzDiff {
    char field[24];
    uint64_t init, want, got;   /* for memory: the byte offset in `init` */
    bool is_mem, is_xmm;
    uint64_t want_hi, got_hi, init_hi;
} FzDiff;

/* Compare; returns the number of differences (up to max written to d). */
unsigned fz_compare(const FzCase *c, const FzResult *native, const FzResult *f, FzDiff *d,
                    unsigned max);

#endif /* FERRY_TESTS_FUZZ_H */
