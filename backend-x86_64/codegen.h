/* codegen.h — what the files of backend-x86_64/ share: the frame layout, the code generation
 * context, value locations, and the entry points of codegen.c and abi.c.
 *
 * Contract: nothing outside backend-x86_64/ includes this header except the backend's own unit
 * test (for the debug options below). The runtime sees only `backend_x86_64` (ir/backend.h).
 *
 * Frame (set up by the trampoline, abi.c), as block code sees it, rsp 16-byte aligned:
 *     [rsp + 0]                 the trampoline's epilogue address (the exit routine returns
 *                               there: abi.c, "Exit")
 *     [rsp + 8]                 8 bytes of scratch
 *     [rsp + 16 + 16*k]         spill slot k, k < X64_FRAME_SLOTS (16 bytes, so V128 fits)
 *     [rsp + 16 + 16*SLOTS]     the host MXCSR saved by the trampoline
 * Values: every IR value has a home, chosen at its definition and kept until its last use: an
 * allocatable register of its class (regs.h), or a spill slot when registers run out (or when
 * the allocator is off). Constants have no home: each use rematerialises them. Homes are freed
 * at the value's last use. Integers are held zero-extended to 64 bits in registers and slots
 * (the interpreter's convention); F32/F64 occupy the low 4/8 bytes of an XMM register or slot
 * (the bytes above are undefined and never read); V128/I128 the whole 16 bytes; F80 (10 bytes)
 * and V256 (32 bytes, two slots) live only in slots.
 */
#ifndef FERRY_X64_CODEGEN_H
#define FERRY_X64_CODEGEN_H

#include <stdbool.h>
#include <stdint.h>
#include "ir/backend.h"
#include "insn.h"

#define X64_FRAME_SLOTS 512
#define X64_SLOT_DISP(k) (16 + 16 * (int32_t)(k))
#define X64_SCRATCH8_DISP 8
/* Bytes the trampoline reserves below its pushes (a multiple of 16; see abi.c for the
 * alignment argument). */
#define X64_FRAME_BYTES (16 * X64_FRAME_SLOTS + 16)
/* Where the host MXCSR is saved, relative to the trampoline's rsp after `sub rsp, FRAME`. */
#define X64_MXCSR_SAVE_DISP (X64_FRAME_BYTES - 8)
/* MXCSR inside generated code: all exceptions masked, round to nearest, no FTZ/DAZ: the IR's
 * IEEE semantics. */
#define X64_MXCSR_DEFAULT 0x1F80u

/* Register class of a value. */
typedef enum CgClass { CG_GPR, CG_XMM, CG_MEM } CgClass;

typedef struct CgVal {
    int16_t slot;       /* first spill slot, -1 if none */
    int8_t reg;         /* home register (GPR or XMM number, per class), -1 if none */
    uint8_t cls;        /* CgClass */
    bool is_const;      /* a CONST of class GPR/XMM: no home, rematerialised at each use */
    bool released;      /* home already freed (last use passed) */
    bool in_flags;      /* a CMP (or fusable FCMP) read only by the next emitted instruction
                           (an EXIT_IF or SELECT condition): it lives in the host flags, never
                           in a home */
    bool addr_ok;       /* the guest limit (ir.h): a value already checked as a base, so
                           below IrGuestInfo.guest_limit + IR_GUARD_BOUND */
    bool mem_check;     /* a LOAD/STORE that checks its address (limit_check) */
    bool alias;         /* a GET of a whole pinned field (codegen_pin.c): reg is the pinned
                           register itself, owned by nobody, until cg_pin_evict moves it */
    bool put_now;       /* a KEEP of pinned bytes that no keep list can store (a partial
                           field, a vector): stored where it stands, as a PUT */
    bool sext_held;     /* a LOAD whose only reader is a SEXT to 32 or 64 bits: its home
                           holds the value already sign-extended to the SEXT's type (one
                           MOVSX from memory), which only that SEXT reads */
    bool test_fold;     /* a CMP of AND(x, y) with 0 that no other later instruction
                           reads the AND of: it reads x and y instead and emits TEST x, y
                           (cg_test_fold), and the AND is left to any other reader */
    bool rmw;           /* a GET and the op of it that the next PUT writes back, done as
                           one op on the state field (cg_plan_rmw, codegen_plan.c): no home */
    bool put_zext;      /* a PUT (to a field not pinned) of a ZEXT to I64 that nothing
                           after reads: it stores the ZEXT's operand's 8 bytes instead */
    uint32_t last_use;  /* index of the last instruction reading the value; 0 = never read */
    uint32_t n_uses;    /* number of reads by needed instructions */
} CgVal;

/* CgCtx.keep_at flags: a KEEP whose range ends at r is stored before r; a KEEP's range ends
 * at r or its value is last needed at r (its last observation). */
enum { CG_KEEP_STORE = 1, CG_KEEP_EVENT = 2 };

/* A LOAD/STORE's failed guest-limit check: the out-of-line code that stores the address and
 * touches the sentinel, at a copy of the access's fault-map entry (codegen.c limit_check). */
typedef struct CgMemStub {
    uint8_t *field;             /* the jae rel32 field */
    uint8_t *resume;            /* the access after it (a base check's false alarm) */
    bool base_only;             /* the check compared the base register alone */
    X64Rm mem;                  /* the access's operand (its registers are live at the jae) */
    bool store;
    BackendInsnMap entry;       /* the access's map entry */
} CgMemStub;
#define X64_MAX_MEM_STUBS 256

/* Debug options (x64_backend_set_debug): force code paths that the host would not choose, so
 * tests cover them. */
enum {
    X64_DBG_NO_POPCNT = 1u << 0,    /* emit the SWAR sequence even if POPCNT exists */
    X64_DBG_NO_REGALLOC = 1u << 1,  /* every value in a spill slot (and no loops) */
    X64_DBG_NO_LOOPS = 1u << 2,     /* self-loops compiled as plain blocks (loop.c) */
    X64_DBG_NO_SSSE3 = 1u << 3,     /* the SSE2 sequences for PSHUFB and PALIGNR */
    X64_DBG_NO_LAHF = 1u << 4,      /* FCMPFLAGS through PUSHF instead of LAHF */
};

/* An EXIT_IF's way out, emitted after the block's EXIT so the path that stays in the block
 * is a branch not taken (abi.c): the branch to bind, and the KEEPs to store on the way out
 * (where their values were at the EXIT_IF). */
typedef struct CgStub {
    const IrInsn *exit;         /* the EXIT_IF */
    uint8_t *field;             /* its jcc/jmp rel32 field, NULL if never taken */
    unsigned idx;               /* its exit index */
    unsigned keep_first, n_keep;/* CgCtx.stub_keeps[keep_first .. + n_keep) */
} CgStub;

/* A self-loop's guest state fields kept in registers across iterations (loop.c). */
#define X64_MAX_GPR_PINS 10
#define X64_HEAD_PINS 4         /* of which at most this many need a register at the head */
#define X64_MAX_VEC_PINS 8      /* XMM fields (guest xmm registers), in xmm4-xmm15 */
#define X64_HEAD_VEC_PINS 6     /* of which at most this many need a register at the head */
#define X64_MAX_PINS (X64_MAX_GPR_PINS + X64_MAX_VEC_PINS)
typedef struct X64Pin {
    uint32_t off;               /* the field (8 bytes at this state offset; 16 if vec) */
    IrRef entry;                /* its GET at the block's entry (the value at the loop head) */
    int8_t reg;                 /* the entry value's register, -1 if the head never reads it */
    bool vec;                   /* a 16-byte field in an XMM register, else 8 in a GPR */
} X64Pin;

typedef struct X64Loop {
    unsigned n_pins;
    X64Pin pin[X64_MAX_PINS];
    IrRef head;                 /* first instruction after the entry GETs and KEEPs */
} X64Loop;

typedef struct CgCtx {
    X64Emit e;                  /* write cursor and host instruction count */
    const IrBlock *blk;         /* the block being compiled */
    const IrGuestInfo *gi;      /* pc offset, guest base */
    BackendBlockInfo *info;     /* exits are recorded here */
    uint8_t *code_start;        /* writable address of the block's first byte */
    uint8_t *exit_routine;      /* writable address of the shared exit routine every exit
                                   calls (CodeBuf.exit_routine; abi.c, "Exit") */
    CgVal *val;                 /* per instruction, indexed by IrRef */
    IrRef cur;                  /* instruction being compiled */
    unsigned exit_index;        /* next exit's index (EXIT_IF and EXIT in order from 0) */
    bool regalloc;              /* give values register homes */
    bool has_popcnt;            /* host has POPCNT */
    bool has_ssse3;             /* host has SSSE3 (PSHUFB, PALIGNR) */
    bool has_lahf;              /* host has LAHF in 64-bit mode */
    int err;                    /* first BackendError met, BE_OK if none */
    X64Cond flags_cc;           /* condition of the in_flags CMP/FCMP just emitted */
    uint16_t gpr_avail;         /* mask of the GPRs the allocator may hand out */
    IrRef gpr_owner[16];
    IrRef aliases[64];          /* values with CgVal.alias (some may be dead by now) */
    unsigned n_aliases;        /* value whose home is this GPR, 0 if free or unallocatable */
    IrRef xmm_owner[16];        /* same for XMM registers */
    uint64_t slot_used[X64_FRAME_SLOTS / 64]; /* bitmap of spill slots in use */
    /* KEEPs (ir.h, "Precise faults") */
    IrKeepRange *keep;          /* per instruction: each KEEP's range (ir_keep_ranges) */
    IrRef *keep_base;           /* per KEEP of x + k that nothing else needed: x (its value
                                   is then x's location plus k, and the ADD may go), or 0 */
    IrRef *pending;             /* KEEPs whose range is open and whose value is still needed */
    uint8_t *keep_at;           /* per instruction r, CG_KEEP_*: what KEEP ranges do at r
                                   (keep_before and keep_after have work only there) */
    BackendKeep *keep_list;     /* room for a list of every pending KEEP (cg_store_keeps) */
    unsigned n_pending;
    uint32_t guest_off;         /* guest offset of the current guest instruction */
    CgStub stubs[BACKEND_MAX_EXITS];
    unsigned n_stubs;
    /* RETPUSHes (return sites, abi.c), their exits emitted after the stubs. */
    struct {
        const IrInsn *in;       /* the RETPUSH */
        uint8_t *field;         /* its lea's disp32, bound to the exit; NULL: no push */
    } rets[BACKEND_MAX_EXITS];
    unsigned n_rets;
    BackendKeep *stub_keeps;    /* the stubs' keep lists (malloc'd) */
    CgMemStub mem_stubs[X64_MAX_MEM_STUBS];     /* failed limit checks, after the stubs */
    unsigned n_mem_stubs;
    unsigned n_stub_keeps, stub_keeps_cap;
    /* The last (U)COMIS (cg_FCMP): its operands, and where the code ended when nothing
     * after it touched the host flags (NULL otherwise). An FCMP of the same operands
     * starting right there reuses its flags: one COMIS for several readers of a compare. */
    IrRef comis_x, comis_y;
    bool comis_sig, comis_f32;
    uint8_t *comis_end;
    /* Self-loops (loop.c): NULL for other blocks. */
    X64Loop *loop;
    uint8_t *loop_head;         /* writable address of the loop head's code */
} CgCtx;

/* Compile every instruction of c->blk (codegen.c). Returns BE_OK or a BackendError. */
int x64_codegen_block(CgCtx *c, const CodeBuf *cb);

/* Host features and debug options (backend.c). */
bool x64_host_has_popcnt(void);
bool x64_host_has_ssse3(void);
bool x64_host_has_lahf(void);
unsigned x64_backend_debug(void);
void x64_backend_set_debug(unsigned flags);     /* X64_DBG_*; for tests */

/* ---- abi.c */
/* EXIT: the patchable jump (direct exits), store the pc, return. EXIT_IF: the branch to its
 * stub, recorded in c->stubs with the pending KEEPs; x64_emit_stubs emits them all after the
 * EXIT. */
void x64_emit_exit(CgCtx *c, const IrInsn *in);
/* RETPUSH: push a return-stack entry naming its exit, emitted by x64_emit_stubs. */
void x64_emit_retpush(CgCtx *c, const IrInsn *in);
void x64_emit_stubs(CgCtx *c, const uint8_t *limit);
/* The guest-limit checks' stubs, after those (codegen.c). */
void x64_emit_mem_stubs(CgCtx *c, const uint8_t *limit);
/* CALL: save live caller-saved homes, pass the arguments, call, restore; result in rax. */
void x64_emit_call(CgCtx *c, const IrInsn *in);
void *x64_emit_trampoline(CodeBuf *cb, const IrGuestInfo *gi);
/* Bit 63 of an exit's data word: the pc after it is to be stored (abi.c, "Exit"). */
#define X64_EXIT_STORE_PC (1ull << 63)
/* The reach of call/jmp rel32: a code buffer spans at most this many bytes, so every exit
 * reaches its exit routine (emit_trampoline refuses a bigger one, compile one without a
 * routine). */
#define X64_MAX_CODE_BUF 0x7fffffffu
void x64_patch_exit(CodeBuf *cb, uint8_t *site, const uint8_t *target);

/* ---- codegen_pin.c: the pinned guest GPRs (the file's header) */
/* Whether gi's GPRs are pinned at all; how many of x64_pins apply (guest number < n_gprs). */
bool x64_pin_enabled(const IrGuestInfo *gi);
unsigned x64_n_pins(const IrGuestInfo *gi);
/* Whether host GPR r holds a pinned guest register. */
bool x64_pin_is_reg(const IrGuestInfo *gi, unsigned r);
/* Backend.pinned: (field, host register) of each pinned GPR. */
unsigned x64_pinned(const IrGuestInfo *gi, BackendKeep *out);
/* Store (load false) or load the pinned registers of x64_pins index mask `mask` into/from
 * their state fields. Moves only. */
void x64_pin_sync(X64Emit *e, const IrGuestInfo *gi, unsigned mask, bool load);
/* The state bytes [off, off + size): the host register of the pinned field they lie in from
 * its first byte on (size <= 8), -1 if they overlap no pinned field, -2 otherwise (a
 * partial or spanning access: x64_pin_overlap's registers go through the state). */
int x64_pin_field(const IrGuestInfo *gi, int64_t off, unsigned size);
/* x64_pins index mask of the pinned fields overlapping [off, off + size). */
unsigned x64_pin_overlap(const IrGuestInfo *gi, int64_t off, unsigned size);
/* The host register of the pinned field starting at off, or -1. */
int x64_pin_of_field(const IrGuestInfo *gi, int64_t off);

/* Move every alias of pinned host register reg (of every pinned register: reg < 0) that is
 * still needed at or after instruction `from` to a home of its own (before reg is written). */
void cg_pin_evict(CgCtx *c, int reg, uint32_t from);
/* The pinned register the current instruction may compute its result in: the next
 * instruction PUTs that I64 result to a whole pinned field (or an I32 result read only by
 * the next instruction, a ZEXT that the one after PUTs so) and nothing needs the register's
 * value after this instruction (no alias of it lives on); else -1. The result is then an
 * alias of the register, and the PUT emits nothing. */
int cg_pin_put_target(CgCtx *c);
/* Store a list of keeps (each with cg_store_keep) in an order-independent way: a pinned
 * register that one keep writes and another reads is first copied into its (dead) state
 * field, which the reader then reads. Checks the code buffer against limit (if not NULL). */
void cg_store_keeps(CgCtx *c, const BackendKeep *keeps, unsigned n, const uint8_t *limit);

/* Whether the allocator may hand out GPR r: r15 holds a non-zero guest base (the trampoline
 * saves and restores it either way), and a pinned register is no home. */
static inline bool x64_gpr_allocatable(unsigned r, const IrGuestInfo *gi)
{
    return (r != X64_REG_GUEST_BASE || gi->guest_base == 0) && !x64_pin_is_reg(gi, r);
}

/* ---- loop.c */
/* The rewritten form of a self-loop (the file's header), or NULL when blk is not one (or
 * nothing in it can be pinned); free it with x64_loop_free. */
IrBlock *x64_loop_build(const IrBlock *blk, const IrGuestInfo *gi, X64Loop *lp);
void x64_loop_free(IrBlock *nb);
/* Whether `in` is a direct exit to the block's own start in a block compiled as a loop. */
bool x64_loop_is_back_edge(const CgCtx *c, const IrInsn *in);
/* The pin of the field at state offset off, or -1. */
int x64_loop_pin_of(const CgCtx *c, uint32_t off);
/* At a back edge: the pending KEEPs of pinned fields into the pins' registers, planned
 * (returns how many moves, at most X64_MAX_PINS) and then emitted. */
typedef struct X64Move {
    unsigned dst;               /* GPR, or XMM register if vec */
    bool vec;
    BackendKeep src;            /* the value's location (GPR, slot, state, constant) */
} X64Move;
unsigned x64_loop_plan(CgCtx *c, X64Move *mv);
/* Load GPR dst with a keep location's 64-bit value (GPR/stack/state + addend, constant);
 * rcx for a large addend. Moves and LEAs only: keeps the host flags. */
void x64_load_loc(CgCtx *c, unsigned dst, const BackendKeep *k);
void x64_loop_moves(CgCtx *c, X64Move *mv, unsigned n);

/* ---- value access (codegen.c), used by abi.c */
/* Copy value v into GPR dst (any GPR-class value, constants included). */
void cg_load_gpr(CgCtx *c, unsigned dst, IrRef v);
/* A register holding v: its home register, or `scratch` loaded with it. Read only. */
unsigned cg_gpr(CgCtx *c, IrRef v, unsigned scratch);
/* The home of a value that is not a constant, as an operand (register or slot). */
X64Rm cg_home(CgCtx *c, IrRef v);
/* Allocate or free a spill slot (abi.c spills caller-saved homes around calls). */
int cg_slot_alloc(CgCtx *c, unsigned n);
void cg_slot_free(CgCtx *c, int slot, unsigned n);
/* Give the result of the current instruction its home and store GPR `src` there. */
void cg_def_gpr(CgCtx *c, unsigned src);
/* Free the homes of the current instruction's operands that die here. */
void cg_release_args(CgCtx *c);
/* Where the value of pending KEEP k is now (register, slot or constant). */
BackendKeep cg_keep_loc(const CgCtx *c, IrRef k);
/* Store a KEEP's value from where it was into the state (a stub or before an observer). Uses
 * rax, rcx and xmm0; keeps the host flags. */
void cg_store_keep(CgCtx *c, const BackendKeep *k);
/* Make the host flags hold the I8 condition v (not a constant); returns the condition code
 * that is true when v != 0 (NE after a TEST, or the fused CMP's own condition). Emits only
 * flag-setting code, so the caller's jcc/cmovcc must follow with nothing that writes flags
 * in between (MOV and SSE moves are fine). */
X64Cond cg_test_cond(CgCtx *c, IrRef v);

/* A constant's bits (the verifier guarantees it fits its type). */
static inline uint64_t cg_const_val(const CgCtx *c, IrRef v)
{
    return (uint64_t)c->blk->insn[v].imm[0];
}

#endif /* FERRY_X64_CODEGEN_H */
