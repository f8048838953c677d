/* codegen.h — what the files of backend-aarch64/ share: the frame layout, the code generation
 * context, value locations, and the entry points of codegen.c and abi.c.
 *
 * Contract: nothing outside backend-aarch64/ includes this header except the backend's own
 * unit test (for the debug options below). The runtime sees only `backend_aarch64`
 * (ir/backend.h).
 *
 * Frame (set up by the trampoline, abi.c), as block code sees it, sp 16-byte aligned:
 *     [sp + 0]                  the trampoline's epilogue address (the shared exit routine
 *                               jumps there: abi.c, "Exit")
 *     [sp + 8]                  the host FPCR saved by the trampoline
 *     [sp + 16 + 16*k]          spill slot k, k < A64_FRAME_SLOTS (16 bytes, so V128 fits)
 * Values: every IR value has a home, chosen at its definition and kept until its last use: an
 * allocatable register of its class (regs.h), or a spill slot when registers run out (or when
 * the allocator is off). Constants have no home: each use rematerialises them. Homes are freed
 * at the value's last use. Integers are held zero-extended to 64 bits in registers and slots
 * (the interpreter's convention, as in the x86_64 backend); F32/F64 occupy the low 4/8 bytes
 * of a vector register or slot (the bytes above are undefined and never read); V128/I128 the
 * whole 16 bytes; F80 (10 bytes) and V256 (32 bytes, two slots) live only in slots.
 */
#ifndef FERRY_A64_CODEGEN_H
#define FERRY_A64_CODEGEN_H

#include <stdbool.h>
#include <stdint.h>
#include "ir/backend.h"
#include "insn.h"

#define A64_FRAME_SLOTS 512
#define A64_SLOT_DISP(k) (16 + 16 * (int32_t)(k))
#define A64_EPILOGUE_DISP 0
#define A64_FPCR_SAVE_DISP 8
/* Bytes the trampoline reserves below its register saves (a multiple of 16). */
#define A64_FRAME_BYTES (16 * A64_FRAME_SLOTS + 16)
/* FPCR inside generated code: round to nearest, no flush-to-zero, no default-NaN mode, no
 * trapped exceptions: the IR's IEEE semantics, with x86's NaN rules fixed up in code. */
#define A64_FPCR_DEFAULT 0u

/* Register class of a value. */
typedef enum CgClass { CG_GPR, CG_VEC, CG_MEM } CgClass;

typedef struct CgVal {
    int16_t slot;       /* first spill slot, -1 if none */
    int8_t reg;         /* home register (GPR or vector number, per class), -1 if none */
    uint8_t cls;        /* CgClass */
    bool is_const;      /* a CONST of class GPR/VEC: no home, rematerialised at each use */
    bool released;      /* home already freed (last use passed) */
    bool alias;         /* a GET of a whole pinned GPR: reg is that pinned register, which
                           the value does not own; valid until something writes it (a PUT
                           or KEEP store of the field, a CALL), which first moves the value
                           to a home of its own if it is still needed (cg_pin_evict) */
    bool in_flags;      /* a CMP read only by the next emitted instruction (an EXIT_IF or
                           SELECT condition): it lives in NZCV, never in a home */
    bool in_cbz;        /* a CMP eq/ne of a value with 0 read only by the next EXIT_IF (as
                           for in_flags): no code; the EXIT_IF's CBZ/CBNZ tests the value,
                           which lives to it (cg_branch_cond) */
    int8_t pin_target;  /* the pinned register the value's only use (a PUT of the whole
                           field) writes it to, when it may be computed there directly
                           (liveness, pin_targets); -1 otherwise */
    uint32_t last_use;  /* index of the last instruction reading the value; 0 = never read */
    uint32_t n_uses;    /* number of reads by needed instructions */
    /* A LOAD/STORE whose address is x + k (an I64 ADD of a constant that no later
     * instruction reads, without a guest base): addr_base x, addressed as [x, #k] (liveness);
     * the ADD is then left out unless an earlier instruction needs it. IR_NONE otherwise. */
    uint32_t addr_base;
    int32_t addr_disp;
    bool mem_check;     /* a LOAD/STORE that checks its address (limit_check) */
    bool lowpart;       /* an I8/I16/I32 GET of the low bits of a pinned field whose readers
                           all read only those bits of its register (cg_plan_lowparts): it is
                           then an alias of the register itself, whose bits above the type
                           are not zero (no copy) */
    /* A STORE, or a PUT of a field that is not pinned, whose value is a ZEXT or TRUNC of x
     * that nothing else reads: x's register is stored (it holds the same bytes: integers
     * are zero-extended), the ZEXT/TRUNC emits nothing (liveness). IR_NONE otherwise. */
    uint32_t store_src;
    /* A LOAD/STORE of a constant address B near the constant address A of an earlier one
     * (B - A in [-256, 4096)): A's CONST, which then has a home (const_home) and is read
     * as [A, #B - A] (addr_base; codegen_plan.c). IR_NONE otherwise. */
    uint32_t const_base;
    bool const_home;    /* a CONST given a home register (loaded where it stands), as the
                           base of nearby constant addresses (const_base) */
    bool sunk;          /* an I64 x + k read only as addresses, by KEEPs and by one PUT of
                           a whole pinned field: no code at its definition; the accesses use
                           [x, #k], the PUT computes it (codegen_plan.c) */
} CgVal;

/* The block's constants in its literal pool, and the loads of them (cg_mov_imm; beyond
 * these, constants are built with MOVZ/MOVK). */
#define A64_MAX_CONSTS 128
#define A64_MAX_CONST_USES 512

/* Debug options (a64_backend_set_debug): force code paths the backend would not choose, so
 * tests cover them. */
enum {
    A64_DBG_NO_REGALLOC = 1u << 1,  /* every value in a spill slot (same bit as on x86_64) */
};

/* An EXIT_IF's way out, emitted after the block's EXIT so the path that stays in the block
 * is a b.cond not taken (abi.c): the branch to bind, and the KEEPs to store on the way out
 * (where their values were at the EXIT_IF). */
typedef struct CgStub {
    const IrInsn *exit;         /* the EXIT_IF */
    uint8_t *branch;            /* its b.cond/b, NULL if never taken */
    unsigned idx;               /* its exit index */
    unsigned keep_first, n_keep;/* CgCtx.stub_keeps[keep_first .. + n_keep) */
} CgStub;

typedef struct CgCtx {
    A64Emit e;                  /* write cursor and host instruction count */
    const IrBlock *blk;         /* the block being compiled */
    const IrGuestInfo *gi;      /* pc offset, guest base, jump cache */
    BackendBlockInfo *info;     /* exits are recorded here */
    uint8_t *code_start;        /* writable address of the block's first byte */
    CgVal *val;                 /* per instruction, indexed by IrRef */
    IrRef cur;                  /* instruction being compiled */
    unsigned exit_index;        /* next exit's index (EXIT_IF and EXIT in order from 0) */
    bool regalloc;              /* give values register homes */
    int err;                    /* first BackendError met, BE_OK if none */
    A64Cond flags_cc;           /* condition of the in_flags CMP just emitted */
    IrRef gpr_owner[32];        /* value whose home is this GPR, 0 if free or unallocatable */
    IrRef vreg_owner[32];       /* same for vector registers */
    uint64_t slot_used[A64_FRAME_SLOTS / 64]; /* bitmap of spill slots in use */
    /* KEEPs (ir.h, "Precise faults") */
    IrKeepRange *keep;          /* per instruction: each KEEP's range (ir_keep_ranges) */
    IrRef *keep_base;           /* per KEEP of x + k that nothing else needed: x (its value
                                   is then x's location plus k, and the ADD may go), or 0 */
    IrRef *pending;             /* KEEPs whose range is open and whose value is still needed */
    unsigned n_pending;
    uint32_t guest_off;         /* guest offset of the current guest instruction */
    bool st_unfenced;           /* TSO (gi->tso): a store may have come since the last
                                   barrier that orders stores (cg_LOAD) */
    bool pin;                   /* guest GPRs pinned (a64_pin_enabled) */
    uint32_t pin_lo, pin_hi;    /* state bytes [pin_lo, pin_hi) they cover */
    uint32_t pin_synced;        /* guest GPRs (bit i: GPR i) whose state field holds what
                                   their register does: all after a CALL (its sync), until
                                   something writes the register (cg_pin_written); the next
                                   CALL stores only the others */
    BackendKeep *klist;         /* scratch list of keeps to store (blk->n entries) */
    uint8_t *exit_routine;      /* writable address of the shared exit routine every exit
                                   calls (CodeBuf.exit_routine; abi.c, "Exit") */
    CgStub stubs[BACKEND_MAX_EXITS];
    unsigned n_stubs;
    BackendKeep *stub_keeps;    /* the stubs' keep lists (malloc'd) */
    unsigned n_stub_keeps, stub_keeps_cap;
    uint32_t probe_entry;       /* the last limit probe's map entry (its index + 1), whose
                                   last keep is its address (codegen.c limit_check); 0: none */
    uint64_t consts[A64_MAX_CONSTS];    /* the pool's constants (cg_mov_imm), after the exits' */
    unsigned n_consts;
    struct {                    /* each LDR (literal) of one: its word to bind, which one */
        uint8_t *ldr;
        unsigned idx;
    } const_uses[A64_MAX_CONST_USES];
    unsigned n_const_uses;
} CgCtx;

/* Compile every instruction of c->blk (codegen.c). Returns BE_OK or a BackendError. */
int a64_codegen_block(CgCtx *c, const CodeBuf *cb);

/* Debug options (backend.c). */
unsigned a64_backend_debug(void);
void a64_backend_set_debug(unsigned flags);     /* A64_DBG_*; for tests */

/* ---- abi.c */
/* EXIT: the patchable branch (direct exits), store the pc, return. EXIT_IF: the branch to its
 * stub, recorded in c->stubs with the pending KEEPs; a64_emit_stubs emits them all after the
 * EXIT. */
void a64_emit_exit(CgCtx *c, const IrInsn *in);
void a64_emit_stubs(CgCtx *c, const uint8_t *limit);
/* The literal pool after the stubs (8-byte aligned): the block's constants (cg_mov_imm);
 * returns its offset from the block's start, or 0 (none, or c->err set when the buffer has
 * no room before `end`). */
uint32_t a64_emit_pool(CgCtx *c, const uint8_t *end);
/* Bit 63 of an exit's data word: the data's pc is to be stored (direct exits). */
#define A64_LIT_STORE_PC (1ull << 63)
/* Bytes of data after each exit's BL: the word (exit word | index << 32 | A64_LIT_STORE_PC)
 * and the guest pc. */
#define A64_EXIT_DATA 16
/* The reach of B and BL, which every block's exits need to its code buffer's exit routine:
 * a buffer spans at most this many bytes (emit_trampoline refuses a bigger one, compile one
 * without a routine, so also a bigger one). */
#define A64_MAX_CODE_BUF (1u << 27)
/* CALL: save live caller-saved homes, pass the arguments, call, restore. Returns the register
 * holding the result (x0, or x16 when a restored value lives in x0). */
unsigned a64_emit_call(CgCtx *c, const IrInsn *in);
void *a64_emit_trampoline(CodeBuf *cb, const IrGuestInfo *gi);
void a64_patch_exit(CodeBuf *cb, uint8_t *site, const uint8_t *target);

/* ---- pinned guest registers (codegen_pin.c) */
/* Whether gi's GPRs can be pinned (n_gprs <= 16, fields the trampoline reaches). */
bool a64_pin_enabled(const IrGuestInfo *gi);
/* Backend.pinned */
unsigned a64_pinned(const IrGuestInfo *gi, BackendKeep *out);
/* Load (load true) or store the pinned registers whose guest GPR is in `mask` from / to the
 * state, with LDP/STP where both of a pair are in the mask. */
void a64_pin_sync(A64Emit *e, const IrGuestInfo *gi, uint32_t mask, bool load);
/* The pinned register holding state bytes [off, off + size) and the bit position of off in
 * it; -1 when no pinned field overlaps them, -2 when one does but they are not inside one
 * field (the caller then fails with BE_ERR_UNSUPPORTED). */
int cg_pin_reg(const CgCtx *c, int64_t off, unsigned size, unsigned *lsb);
/* Before the current instruction writes pinned register `reg`: every alias of it that is
 * still needed (last use at or after the current instruction) other than `except` moves to
 * a home of its own. Moves only: NZCV is kept. */
void cg_pin_evict(CgCtx *c, unsigned reg, IrRef except);
/* Before the current instruction computes its result in pinned register `reg`: every alias
 * of it needed after the instruction moves out (those it reads and that die there stay). */
void cg_pin_evict_after(CgCtx *c, unsigned reg);
/* Before a CALL whose helper may write the state: every alias needed after it moves out. */
void cg_pin_evict_call(CgCtx *c);
/* Store a list of keeps (KEEP stores before an observer, or on an exit's way out). Those
 * of pinned fields write their register; a keep reading a pinned register that another
 * one writes reads it from where it was first saved. Uses x13-x17 and v0; keeps NZCV. */
void cg_store_keeps(CgCtx *c, const BackendKeep *k, unsigned n);
/* The pinned host registers (bit per register) that cg_store_keeps of this list writes. */
uint32_t cg_keeps_write(const CgCtx *c, const BackendKeep *k, unsigned n);
/* Pinned host registers (bit per register) the code just emitted or about to be emitted
 * writes: their state fields no longer hold them (CgCtx.pin_synced). */
void cg_pin_written(CgCtx *c, uint32_t regs);
/* Whether host register r holds a pinned GPR in this block. */
bool cg_pin_is_reg(const CgCtx *c, unsigned r);
/* Guest GPRs (bit i: GPR i) whose pinned fields overlap state bytes [off, off + size). */
uint32_t cg_pin_overlap(const CgCtx *c, int64_t off, unsigned size);
/* Store those pinned registers into their state fields (reading them there is then right),
 * or (reload) move their aliases still needed out and load them back from there. */
void cg_pin_spill(CgCtx *c, uint32_t gprs);
void cg_pin_reload(CgCtx *c, uint32_t gprs);
/* GET/PUT of state bytes in a pinned field (r from cg_pin_reg, >= 0). */
void cg_pin_get(CgCtx *c, const IrInsn *in, unsigned r, unsigned lsb);
void cg_pin_put(CgCtx *c, const IrInsn *in, unsigned r, unsigned lsb);

/* ---- value access (codegen.c), used by abi.c and codegen_pin.c */
/* rd = v: one MOVZ/MOVN/ORR when that does it, else an LDR (literal) of v from the block's
 * pool (one instruction for what MOVZ/MOVK take two to four for; a64_mov_imm when the pool
 * is full). vec: rd is a vector register, loaded with the 64 bits (upper half zeroed), and
 * always from the pool. */
void cg_mov_imm(CgCtx *c, unsigned rd, uint64_t v, bool vec);
/* The GPR the current instruction computes its result in (its home, or x16 when it has
 * none or operand avoid0/avoid1 lives there); the op ends with cg_def_gpr. */
unsigned cg_dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1);
/* A free allocatable GPR (not pinned, not a home), or -1. */
int cg_free_gpr(const CgCtx *c);
/* Copy value v into GPR dst (any GPR-class value, constants included). */
void cg_load_gpr(CgCtx *c, unsigned dst, IrRef v);
/* A register holding v: its home register, or `scratch` loaded with it. Read only. */
unsigned cg_gpr(CgCtx *c, IrRef v, unsigned scratch);
/* Allocate a spill slot run (abi.c spills caller-saved homes around calls). */
int cg_slot_alloc(CgCtx *c, unsigned n);
/* Give the result of the current instruction its home and store GPR `src` there. */
void cg_def_gpr(CgCtx *c, unsigned src);
/* Free the homes of the current instruction's operands that die here. */
void cg_release_args(CgCtx *c);
/* Where the value of pending KEEP k is now (register, slot or constant). */
BackendKeep cg_keep_loc(const CgCtx *c, IrRef k);
/* Store a KEEP's value from where it was into the state (a stub or before an observer). Uses
 * x16, x17 and v0; keeps NZCV. */
void cg_store_keep(CgCtx *c, const BackendKeep *k);
/* Make NZCV hold the I8 condition v (not a constant); returns the condition code that is
 * true when v != 0 (NE after a compare with 0, or the fused CMP's own condition). Emits only
 * flag-setting code, so the caller's b.cond/csel must follow with nothing that writes flags
 * in between (loads, stores and moves are fine). */
A64Cond cg_test_cond(CgCtx *c, IrRef v);
/* A forward branch, to be bound (a64_bind), taken when the I8 condition v (not a constant)
 * is != 0 (taken_if true) or == 0: a b.cond on a fused CMP's NZCV, a CBZ/CBNZ of an in_cbz
 * CMP's operand, or of v's register. Writes no flags (besides what a fused CMP did). */
uint8_t *cg_branch_cond(CgCtx *c, IrRef v, bool taken_if);
/* rt = [base + disp] or [base + disp] = rt with access kind k, any disp (x17 forms the
 * address when no A64 offset form reaches it; base must not be x17). */
void cg_ldst(CgCtx *c, A64Mem k, unsigned rt, unsigned base, int64_t disp);
/* The spill slot store/load of a whole register (8 bytes for GPRs, 16 for vectors). */
void cg_spill(CgCtx *c, bool vec, unsigned reg, int slot, bool load);

/* Whether x18 holds the limit probe's address (regs.h): the guest limit is checked. (A
 * limit without a probe is not compiled: backend.c.) */
static inline bool a64_probe_live(const IrGuestInfo *gi)
{
    return gi->guest_limit != 0 && gi->guest_base == 0 && gi->limit_probe != 0;
}

/* A constant's bits (the verifier guarantees it fits its type). */
static inline uint64_t cg_const_val(const CgCtx *c, IrRef v)
{
    return (uint64_t)c->blk->insn[v].imm[0];
}

#endif /* FERRY_A64_CODEGEN_H */
