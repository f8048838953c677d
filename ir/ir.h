/* ir.h — ferry's intermediate representation: types, instructions, blocks and the public API
 * of the ir/ module (builder with emit-time folding, printer, parser, verifier, passes and the
 * reference interpreter).
 *
 * A translation unit is an IrBlock: a linear array of instructions in SSA form. A value is
 * named by its IrRef, the index of the instruction that defines it (index 0 is never used, so
 * IR_NONE = 0 means "no value"). Instructions only refer to earlier instructions. Side effects
 * (guest state writes, memory, calls, exits) happen in array order; pure instructions may be
 * folded, shared (CSE) and deleted (DCE) freely. The op set is defined once in ir_ops.def.
 *
 * Text form (printer output, parser input), one instruction per line:
 *     block pc=0x401000
 *     v1 = const.i64 0x10
 *     v2 = get.i64 0x20
 *     v3 = add.i64 v1, v2
 *     put v3, 0x20
 *     exit -, 0x401004, 0x0
 * Values are written vN; results print as "vN = name.type args, imms". Lines starting with
 * '#' are comments. "-" stands for IR_NONE in an argument position.
 */
#ifndef FERRY_IR_H
#define FERRY_IR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---------------------------------------------------------------- types */

/* ORDER: integer types first and in increasing width (ir_type_is_int relies on it). */
typedef enum IrType {
    IR_VOID = 0,
    IR_I8, IR_I16, IR_I32, IR_I64, IR_I128,
    IR_F32, IR_F64, IR_F80,
    IR_V128, IR_V256,
    IR_TYPE_COUNT
} IrType;

/* Size in bytes of a value of type t (0 for VOID and out-of-range values). Inline: every pass
 * and backend asks per instruction (a call was 1.5% of translation). */
extern const uint8_t ir_type_sizes[IR_TYPE_COUNT];
static inline unsigned ir_type_size(IrType t)
{
    return (unsigned)t < IR_TYPE_COUNT ? ir_type_sizes[t] : 0;
}
/* Width in bits. */
static inline unsigned ir_type_bits(IrType t) { return ir_type_size(t) * 8; }
static inline bool ir_type_is_int(IrType t) { return t >= IR_I8 && t <= IR_I64; }
static inline bool ir_type_is_float(IrType t) { return t == IR_F32 || t == IR_F64; }
/* "i8", "i16", ... "v256", "void". */
const char *ir_type_name(IrType t);
/* Integer type of the given size in bytes (1, 2, 4, 8), else IR_VOID. */
IrType ir_int_type(unsigned bytes);

/* ---------------------------------------------------------------- opcodes */

/* Properties of an op (PROPS column of ir_ops.def). */
enum {
    IRP_PURE    = 1u << 0,  /* no side effect; result depends only on inputs and immediates */
    IRP_SIDE    = 1u << 1,  /* has a side effect: never deleted, never reordered with others */
    IRP_STATE_R = 1u << 2,  /* reads guest state */
    IRP_STATE_W = 1u << 3,  /* writes guest state */
    IRP_MEM_R   = 1u << 4,  /* reads guest memory (may fault) */
    IRP_MEM_W   = 1u << 5,  /* writes guest memory (may fault) */
    IRP_COMM    = 1u << 6,  /* commutative in arg0/arg1 */
    IRP_EXIT    = 1u << 7,  /* may leave the block */
    IRP_TERM    = 1u << 8,  /* always leaves the block: must be the last instruction */
    IRP_FPENV   = 1u << 9,  /* floating point: rounds and flushes by the FP environment and
                               raises its sticky flags (see "The FP environment" below), so
                               it is never folded, never deleted, never moved; CSE is fine */
};

typedef enum IrOp {
#define IR_OP(name, nout, nin, nimm, props, sem) IR_##name,
#include "ir/ir_ops.def"
#undef IR_OP
    IR_OP_COUNT
} IrOp;

typedef struct IrOpInfo {
    const char *name;       /* lower-case text-form name */
    uint8_t nout, nin, nimm;
    uint32_t props;         /* IRP_* */
    const char *semantics;  /* the one-line definition from ir_ops.def */
} IrOpInfo;

extern const IrOpInfo ir_op_info[IR_OP_COUNT];

_Static_assert(IR_NOP == 0, "IR_NOP must be 0 so zeroed instructions are no-ops");
_Static_assert(IR_EXIT == IR_OP_COUNT - 1, "EXIT is the last op (terminators last)");

/* Integer comparison conditions for IR_CMP. ORDER: inverse pairs, so (c ^ 1) negates c. */
typedef enum IrCond {
    IR_EQ = 0, IR_NE,
    IR_LTU, IR_GEU,
    IR_LEU, IR_GTU,
    IR_LTS, IR_GES,
    IR_LES, IR_GTS,
    IR_COND_COUNT
} IrCond;
_Static_assert((IR_EQ ^ 1) == IR_NE && (IR_LTU ^ 1) == IR_GEU && (IR_LEU ^ 1) == IR_GTU &&
               (IR_LTS ^ 1) == IR_GES && (IR_LES ^ 1) == IR_GTS, "IrCond inverse pairs");
const char *ir_cond_name(IrCond c); /* "eq", "ne", "ltu", ... */

/* Float predicates for IR_FCMP, in x86 CMPSD imm order. ORDER: (c ^ 4) negates c. */
typedef enum IrFCond {
    IR_FEQ = 0,   /* ordered and equal */
    IR_FLT,       /* ordered and less */
    IR_FLE,       /* ordered and less or equal */
    IR_FUNORD,    /* either is NaN */
    IR_FNEQ,      /* unordered or not equal */
    IR_FNLT,      /* unordered or not less */
    IR_FNLE,      /* unordered or not less-or-equal */
    IR_FORD,      /* neither is NaN */
    IR_FCOND_COUNT
} IrFCond;
_Static_assert((IR_FEQ ^ 4) == IR_FNEQ && (IR_FUNORD ^ 4) == IR_FORD, "IrFCond inverse pairs");

/* ---------------------------------------------------------------- exits */

/* Why a block was left. The exit word (EXIT/EXIT_IF imm1, and the value generated code returns
 * to the runtime) packs: bits 0-7 kind, bits 8-15 signal number (TRAP), bits 16-31 si_code
 * (TRAP). Generated code returns the exit word with bits 32-47 holding the exit's index within
 * its block (for chaining); the runtime masks it. */
typedef enum IrExitKind {
    IR_EXIT_JUMP = 0,    /* continue at a direct target (chainable) */
    IR_EXIT_INDIRECT,    /* continue at a computed target (EXIT with arg0) */
    IR_EXIT_SYSCALL,     /* perform the guest system call, then continue at guest pc */
    IR_EXIT_TRAP,        /* deliver signal (bits 8-15) with si_code (bits 16-31) at guest pc */
    IR_EXIT_HALT,        /* the guest asked to stop (system mode hlt, debug) */
    IR_EXIT_EVENT,       /* system mode: the runtime looks at timers and interrupts before
                            the guest continues at guest pc (never chained) */
    IR_EXIT_STACK,       /* continue at guest pc (EXIT: arg0, or imm0) through the runtime,
                            never chained or looked up inline: the guest stack pointer may lie
                            outside its window ("The stack window" below) */
    IR_EXIT_KIND_COUNT
} IrExitKind;

#define IR_EXIT_WORD(kind, sig, code) \
    ((int64_t)(kind) | ((int64_t)(sig) << 8) | ((int64_t)(uint16_t)(code) << 16))
#define IR_EXIT_WORD_KIND(w)  ((IrExitKind)((w) & 0xff))
#define IR_EXIT_WORD_SIG(w)   ((int)(((w) >> 8) & 0xff))
#define IR_EXIT_WORD_CODE(w)  ((int)(((w) >> 16) & 0xffff))
#define IR_EXIT_WORD_INDEX(w) ((unsigned)(((uint64_t)(w) >> 32) & 0xffff))
#define IR_EXIT_WORD_MASK     0xffffffffull

/* EXIT's imm0 when it has a target (arg0): what the target is likely to be. */
#define IR_EXIT_HINT_RETURN   1     /* a RET's popped address: a RETPUSH's pc, most likely */

/* ---------------------------------------------------------------- helpers */

/* The signature of every C helper reached through IR_CALL. `state` is the guest state pointer
 * the block runs with; missing arguments are 0. Returns the result (ignored for VOID calls). */
typedef uint64_t (*IrHelperFn)(void *state, uint64_t a0, uint64_t a1, uint64_t a2);

/* Helpers are named in logs and in the text form: the frontend registers each helper once. */
void ir_helper_register(IrHelperFn fn, const char *name);
/* A helper that only reads guest state and memory, and always returns: a CALL of it whose
 * result nobody uses has no effect, so opt_dce deletes it (a materialisation of the flags
 * that a later flag producer made useless, say). */
void ir_helper_register_reader(IrHelperFn fn, const char *name);
bool ir_helper_is_reader(IrHelperFn fn);
/* A registered helper that never writes the guest's integer registers in the state
 * (IrGuestInfo's gpr fields; its results come back as its return value), though it may write
 * other state and memory: a CALL of it leaves the stack pointer as it was (ir_sp_window).
 * Readers are such helpers too. */
void ir_helper_keeps_gprs(IrHelperFn fn);
bool ir_helper_gprs_kept(IrHelperFn fn);
const char *ir_helper_name(IrHelperFn fn);          /* NULL if unknown */
IrHelperFn ir_helper_lookup(const char *name);      /* NULL if unknown */

/* ---------------------------------------------------------------- instructions and blocks */

typedef uint32_t IrRef;
#define IR_NONE ((IrRef)0)

typedef struct IrInsn {
    uint16_t op;        /* IrOp */
    uint8_t type;       /* IrType of the result; IR_VOID when the op has none */
    uint8_t mark;       /* scratch for passes (cleared by each pass that uses it) */
    IrRef arg[3];       /* value inputs, IR_NONE if unused */
    int64_t imm[2];     /* immediates */
} IrInsn;

/* Precise faults (DESIGN.md section 6). The IR rule: within one guest instruction (from its
 * INSN_START to the next), no PUT or KEEP comes before a LOAD or STORE (the accesses that can
 * fault), so at a fault the state holds every PUT and KEEP of the earlier instructions and none
 * of this one's. The frontend keeps it (fe_flags.c: the flags of the earlier instructions are
 * written before the first access; pop m, push, call, string ops... store before they write
 * registers); the passes keep it (they never move a PUT, KEEP, LOAD or STORE; opt_dce keeps
 * LOADs). CALL is not bound by it: a fault inside a helper is not precise (runtime/fault.c).
 *
 * KEEP is how the state stays exact at faults and side exits without a store on the hot path
 * (LuaJIT's snapshots, in IR form). `keep v, off` means exactly `put v, off` (the interpreter
 * runs it as one); what differs is the backend's freedom: it defers the store. From the KEEP
 * on, until the first later PUT or KEEP that covers all of its bytes, the field is "pending":
 *   - each LOAD/STORE in between records (field, where v is: register, spill slot,
 *     constant, or another state field that holds it anyway) in the block's fault map
 *     (ir/backend.h), and the fault handler writes it into the state before the guest sees
 *     its signal;
 *   - each EXIT_IF in between stores it on its taken path only;
 *   - anything else that observes the state (CALL, EXIT, a GET or a partial PUT/KEEP of its
 *     bytes) finds it stored just before it; the range ends there;
 *   - the covering PUT or KEEP ends the range without any store.
 * So v stays live up to the range's last LOAD/STORE/EXIT_IF (or its store), unless the state
 * holds it anyway. opt_put_forward
 * turns a PUT that a later PUT of the same field overwrites, across LOAD/STORE/EXIT_IF but no
 * CALL, into a KEEP.
 *
 * FKEEP is the same for faults only: `fkeep v, off` does not write the state at all (the
 * interpreter skips it, exits and CALLs see the field as it was), but a fault at a LOAD/STORE
 * in its range (up to the next PUT, KEEP or FKEEP of any of its bytes, CALL or EXIT) finds
 * the field holding v. Where a KEEP and an FKEEP of a field are both pending, a fault sees the
 * FKEEP. The frontend says with it what a fault in an instruction must see of the flags of
 * the earlier ones (fe_flags.c) when no exit may need them stored: a block whose flags are
 * dead at its exit's target then stores none of them. The backends find the ranges of both
 * with ir_keep_ranges (ir/backend.h). */

typedef struct IrBlock {
    uint64_t guest_pc;      /* guest address of the first instruction */
    uint32_t guest_len;     /* bytes of guest code covered */
    uint32_t guest_insns;   /* guest instructions covered */
    IrInsn *insn;           /* insn[1..n-1] are valid; insn[0] is an unused NOP */
    uint32_t n, cap;
    /* Buffers the builder and the passes reuse from one translation to the next (the
     * runtime's scratch block lives for the whole run): a second instruction array that
     * rebuilding passes write into and swap with insn, the builder's CSE table, and
     * per-pass work arrays. Private to ir/ (ir_internal.h); freed with the block. */
    IrInsn *alt;
    uint32_t alt_cap;
    uint32_t cse_cap;
    uint32_t *cse_table;
    void *work[4];
    size_t work_size[4];
} IrBlock;

IrBlock *ir_block_new(uint64_t guest_pc);
void ir_block_free(IrBlock *blk);
void ir_block_reset(IrBlock *blk, uint64_t guest_pc);   /* empty it for reuse */

/* ---------------------------------------------------------------- builder */

/* The builder appends to a block and folds at emit time (the rules are in ir_fold.c's header:
 * constant folding through the shared evaluator ir_eval, algebraic identities, and CSE of pure
 * ops within the block). Emitting never fails: allocation failure aborts (ferry's own bug, not
 * guest input). */
/* A guest-state field whose value the builder knows (emit-time forwarding, ir_fold.c). */
typedef struct IrFwdField {
    uint32_t off;
    uint8_t size, type;
    IrRef value;
} IrFwdField;
#define IR_FWD_FIELDS 24

typedef struct IrBuilder {
    IrBlock *blk;
    bool fold;              /* emit-time folding on (default true) */
    bool forward;           /* emit-time state forwarding (default false; needs fold): a GET
                               of a field whose value is known is that value, by the rules of
                               opt_put_forward (ir_fold.c rule 6) */
    uint32_t *cse_table;    /* open-addressing hash of pure instructions, for CSE */
    uint32_t cse_cap;
    unsigned n_fwd;         /* known fields (forward), in fwd[0..n_fwd) */
    IrFwdField fwd[IR_FWD_FIELDS];
} IrBuilder;

void ir_builder_init(IrBuilder *b, IrBlock *blk);
void ir_builder_fini(IrBuilder *b);

/* The general entry point: every op goes through here (and so through folding). */
IrRef ir_emit(IrBuilder *b, IrOp op, IrType type, IrRef a0, IrRef a1, IrRef a2,
              int64_t imm0, int64_t imm1);

/* Shorthands. */
IrRef ir_const(IrBuilder *b, IrType t, uint64_t v);
IrRef ir_get(IrBuilder *b, IrType t, uint32_t offset);
void  ir_put(IrBuilder *b, uint32_t offset, IrRef v);
IrRef ir_load(IrBuilder *b, IrType t, IrRef addr);
void  ir_store(IrBuilder *b, IrRef addr, IrRef v);
IrRef ir_op1(IrBuilder *b, IrOp op, IrType t, IrRef a);
IrRef ir_op2(IrBuilder *b, IrOp op, IrType t, IrRef a, IrRef c);
IrRef ir_cmp(IrBuilder *b, IrCond c, IrRef a, IrRef bb);
IrRef ir_select(IrBuilder *b, IrType t, IrRef cond, IrRef a, IrRef c);
IrRef ir_call(IrBuilder *b, IrType t, IrHelperFn fn, IrRef a0, IrRef a1, IrRef a2);
void  ir_insn_start(IrBuilder *b, uint64_t pc, unsigned len);
void  ir_exit_if(IrBuilder *b, IrRef cond, uint64_t pc, int64_t exit_word);
void  ir_exit(IrBuilder *b, IrRef target, uint64_t pc, int64_t exit_word);

/* Integer type of value v, and whether v is a constant (and its value). */
IrType ir_value_type(const IrBlock *blk, IrRef v);
bool ir_is_const(const IrBlock *blk, IrRef v, uint64_t *value);

/* ---------------------------------------------------------------- evaluation */

/* A value as the interpreter and the folder hold it: integers zero-extended into lo, V128 in
 * lo (bits 0-63) and hi (bits 64-127), F32/F64 as their bit patterns in lo. */
typedef struct IrValue { uint64_t lo, hi; } IrValue;

/* The one constant evaluator, shared by the folder and the interpreter: computes pure op `op`
 * of result type `t` on inputs `a` (each of the type the op's definition says) and immediates.
 * Returns false if the op is not pure. */
bool ir_eval(IrOp op, IrType t, const IrValue *a, const IrType *atype, const int64_t *imm,
             IrValue *out);

/* ---------------------------------------------------------------- text form, checks */

void ir_print_insn(FILE *f, const IrBlock *blk, IrRef r);
void ir_print_block(FILE *f, const IrBlock *blk);
/* Parse one block in text form. Returns NULL and writes a one-line message to err (of size
 * errlen) on a syntax or arity error. The parser does not fold. */
IrBlock *ir_parse_block(const char *text, char *err, size_t errlen);
/* Check arity, types, SSA order and that EXIT is last. Returns true if valid; otherwise writes a
 * one-line message to err naming the instruction. */
bool ir_verify(const IrBlock *blk, char *err, size_t errlen);

/* ---------------------------------------------------------------- passes */

/* Each pass keeps the block valid and returns the number of instructions it changed. */
unsigned opt_fold(IrBlock *blk);        /* constant folding and propagation over the block */
unsigned opt_dce(IrBlock *blk);         /* delete pure instructions whose result is unused */
unsigned opt_put_forward(IrBlock *blk); /* forward PUT->GET of the same field (never across a
                                           CALL), drop PUTs of what the field holds, and drop
                                           overwritten PUTs (never across a CALL; across
                                           EXIT_IF, LOAD or STORE they become KEEPs) */
unsigned opt_sink(IrBlock *blk);        /* move pure instructions used only after a later
                                           EXIT_IF down to their first use; renumbers */
unsigned opt_compact(IrBlock *blk);     /* remove NOPs and renumber values */
/* A LOAD of the same type and address value as the LOAD before it, with no LOAD, STORE or
 * CALL between, becomes that one's value (a NOP, uses rewritten; ir_load_cse.c says why TSO
 * allows it). User mode only: not for device memory. Returns the LOADs merged. */
unsigned opt_load_cse(IrBlock *blk);
/* The default pipeline: fold, forwarding, DCE, sink, compact. */
void opt_run(IrBlock *blk);
/* The same for a block built with emit-time folding on (the frontend's): it skips the first
 * fold, which would find nothing (half of the pipeline's time). */
void opt_run_folded(IrBlock *blk);
/* The cold tier's (runtime/translate.c), for a block built with emit-time folding and no
 * superblocks: forwarding and the folding it enables only. The block may keep NOPs and
 * unused pure values, which backends skip. */
void opt_run_cold(IrBlock *blk);

/* ---------------------------------------------------------------- reference interpreter */

/* Describes the guest to host-independent code: where the pc lives in the state. */
typedef struct IrGuestInfo {
    uint32_t pc_offset;     /* byte offset of the guest pc (I64) in the state */
    uint32_t state_size;    /* size of the state in bytes (GET/PUT bounds) */
    uint64_t guest_base;    /* host address of guest address 0 (user mode) */
    /* The guest limit (user mode, guest base 0; 0 = none): guest addresses from guest_limit
     * up are not the guest's, and every LOAD/STORE of one faults as an unmapped address
     * would. The runtime keeps [guest_limit, guest_limit + IR_GUARD_SIZE) unmapped (the
     * guard) with IR_GUARD_SENTINEL in it. Generated code may check only a base register
     * against guest_limit + IR_GUARD_BOUND (the 64-bit word at guest_bound_offset in the
     * state): with a displacement within +-2^30 the access then either lies below the limit
     * or faults in the guard at its own address. An address that fails a check is stored in
     * the 64-bit word at fault_addr_offset, then the code touches the sentinel (a load for a
     * LOAD, a store for a STORE) at the access's fault point; the runtime reports the stored
     * address. The interpreter touches the guard instead (its faults are not precise).
     *
     * The probe (limit_probe, 0: none): the host address of a readable byte that
     * IR_PROBE_SPAN(guest_limit) unmapped bytes follow (the runtime's, space.c). Instead of
     * a compare and an out-of-line touch of the sentinel, generated code may check a base x
     * with one byte load from limit_probe + (x >> log2 guest_limit), which reads the byte
     * for any x below the limit and faults in the span for any other. Such a load has a map
     * entry of its own at its offset (ir/backend.h): the access's entry, its keeps followed
     * by one more, the access's guest address (x plus its displacement) as the 8 bytes at
     * fault_addr_offset. The runtime then reports that address as for the sentinel or, when
     * it is below the limit (a base above the limit and a negative displacement, or a sum
     * past 2^64), resumes after the load: the access goes ahead. Whether the access was a
     * store (the page-fault error code's write bit) is said by the load's kind, which the
     * runtime decodes: aarch64 LDRB for a LOAD, LDRSB (32-bit) for a STORE. */
    uint64_t guest_limit;
    int32_t guest_bound_offset;
    int32_t fault_addr_offset;
    uint64_t limit_probe;
    /* Inline indirect-branch lookup for backends (ir/backend.h, "jump cache"): byte offset
     * from the state pointer of the thread's jump cache, or 0 if there is none; log2 of its
     * number of entries. The interpreter ignores both. */
    int32_t jc_offset;
    uint32_t jc_bits;
    /* Prompt interruption (ir/backend.h, "Interrupt checks"): byte offset from the state
     * pointer of a 32-bit word that is non-zero when the runtime wants generated code back;
     * 0 if there is none. The interpreter ignores it (it returns after every block). */
    int32_t irq_offset;
    /* Return prediction for backends (ir/backend.h, "Return stack"): byte offset from the
     * state pointer of the thread's return stack, or 0 if there is none (RETPUSH then emits
     * nothing and a RET's exit is a plain indirect one); the state offset of the I64 field
     * (the guest stack pointer) whose value after a RET's exit is its entry's key. The
     * interpreter ignores both. */
    int32_t ras_offset;
    uint32_t ras_key_offset;
    /* The guest's FP environment word (fenv true): see "The FP environment". */
    bool fenv;
    uint32_t fenv_offset;   /* byte offset of the 32-bit word in the state */
    /* Memory order of LOADs and STOREs as other threads see them. false: only the block's
     * own thread's view counts (any order the host gives, as long as the thread sees its own
     * accesses in program order). true: x86's TSO, which hosts with a weaker model (aarch64)
     * keep with barriers: every LOAD is ordered before later LOADs and STOREs, every STORE
     * after earlier STOREs, and a CALL's memory accesses as one LOAD and STORE at the CALL.
     * The runtime turns it on while the guest may share memory with another thread. */
    bool tso;
    /* The guest's integer registers: n_gprs 8-byte fields from state offset gpr_offset (in the
     * guest's numbering). A backend may keep them in host registers while generated code runs
     * (aarch64 pins them: ir/backend.h, "Pinned registers"); the state then holds them only
     * outside generated code and inside CALLs. n_gprs 0: nothing is pinned. */
    uint32_t gpr_offset;
    uint32_t n_gprs;
    /* The stack window ("The stack window" below): sp_window on (user mode with a guest
     * limit and guest base 0, blocks compiled by a backend) keeps the guest stack pointer,
     * the I64 field at sp_offset, inside the window at every entry to generated code. */
    bool sp_window;
    uint32_t sp_offset;
} IrGuestInfo;

#define IR_GUARD_SIZE  (1ull << 32)
#define IR_GUARD_BOUND (1ull << 31)
#define IR_GUARD_SENTINEL(limit) ((limit) + IR_GUARD_SIZE - 4096)
/* Unmapped bytes after the probe byte (IrGuestInfo.limit_probe): more than the largest
 * x >> log2(limit) of a 64-bit x, for a limit that is a power of two. */
#define IR_PROBE_SPAN(limit) (1ull << (64 - __builtin_ctzll(limit)))

/* ---------------------------------------------------------------- the stack window
 *
 * Every LOAD/STORE checks its base against the guest limit L (above), once per base value and
 * block; the stack pointer's would be checked in nearly every block. Instead (sp_window):
 *
 * Invariant W: whenever generated code is entered at a block's start, the stack pointer
 * (sp_offset) lies in the window S = [-2^31, L + 2^31) (mod 2^64; IR_SP_IN_WINDOW).
 *
 * Then an access [sp_entry + d] with |d| <= 2^30 needs no check: its address lies in
 * [-2^31 - 2^30, L + 2^31 + 2^30 + 32), which is the guest's [0, L), the guard [L, L + 2^32)
 * (unmapped: faults at its own address, guard_fault in runtime/fault.c), or the top 3 GiB of
 * the 64-bit space. That is the host kernel's on both hosts (x86_64: the kernel half; aarch64:
 * the TTBR1 half, above any 48- or 52-bit user VA; qemu-user with guest base 0 maps it to its
 * host's kernel half), so it faults at its own address as it does natively (x86_64's legacy
 * vsyscall page lies there, 10 MiB below 2^64: readable only under vsyscall=emulate, as
 * natively; a read of it that completes makes the argument below off by those 10 MiB, which
 * still keeps every access in the kernel's half); ferry's memory
 * lies above L + 2^32 and below the top (runtime/space.c), out of reach. The guest base
 * must be 0 (the runtime enables the window only then).
 *
 * A LOAD/STORE that completes proves its address x + d0 lies in [0, L): anything else faults
 * (the guard, the top, an unmapped page) and a fault never comes back into the block, except
 * to let the access go ahead (a probe or stub whose whole address is below L after all, a
 * write to a protected code page). So, in the rest of the block, x + d needs no check either
 * when |d - d0| <= 2^31 (its address is within 2^31 of [0, L)), and a value x + c is inside
 * the window when |c - d0| <= 2^31: the rsp of push, pop, call, ret, leave, add/sub rsp, imm
 * next to a stack access.
 *
 * Keeping W at the exits that enter generated code without the runtime (chained JUMP exits,
 * INDIRECT exits through the jump cache and the return stack): ir_sp_window gives each one
 * whose rsp is not the block's entry value or proven as above (mov rsp, reg; and rsp, -16; a
 * CALL that may write the state; no stack access) a check that never faults: a JUMP exit is
 * preceded by an EXIT_IF to the same pc, kind IR_EXIT_STACK, taken when rsp lies outside the
 * window (for an EXIT_IF, when it is taken and rsp lies outside); an INDIRECT one becomes an
 * IR_EXIT_STACK exit (its target is a value, which an EXIT_IF cannot name: longjmp's block
 * leaves through the runtime). rsp outside the window is legal until it is used: the
 * runtime checks W in C before every entry to generated code (the dispatcher, which every
 * return from a system call, signal delivery, sigreturn, fault, new thread and exec goes
 * through) and runs the guest one instruction at a time in the interpreter while it fails.
 * Other exits (SYSCALL, TRAP, ...) return to the runtime anyway. System mode and the
 * interpreter have no window (sp_window false). */
#define IR_MEM_NOCHECK 1    /* LOAD/STORE imm0: the access needs no guest-limit check */
#define IR_SP_WINDOW_LOW (1ull << 31)
static inline bool ir_sp_in_window(uint64_t sp, uint64_t limit)
{
    return sp + IR_SP_WINDOW_LOW < limit + 2 * IR_SP_WINDOW_LOW;
}
/* What ir_sp_window did to a block (for -d stats and tests). */
typedef struct IrSpWindowCounts {
    unsigned unchecked;     /* LOAD/STOREs marked IR_MEM_NOCHECK */
    unsigned exit_checks;   /* EXIT_IFs of kind IR_EXIT_STACK added */
    unsigned exits_stack;   /* INDIRECT exits made IR_EXIT_STACK */
} IrSpWindowCounts;
/* The pass for gi->sp_window (a no-op without it, or without a guest limit): marks the
 * LOAD/STOREs that need no check and gives the exits their checks (above). Run it last,
 * just before a backend compiles the block; the interpreter needs none of it. Keeps the block
 * valid (rebuilds it when it adds instructions). counts may be NULL. */
void ir_sp_window(IrBlock *blk, const IrGuestInfo *gi, IrSpWindowCounts *counts);

/* ---------------------------------------------------------------- the FP environment
 *
 * IRP_FPENV ops round by the environment's rounding control, treat denormal inputs as zero
 * under DAZ, flush tiny results under FTZ, and OR the exceptions they raise into its sticky
 * flags (exceptions are always masked: results are the masked responses). The environment is
 * a 32-bit word in the x86 MXCSR layout (ir_fenv.c); a guest with IrGuestInfo.fenv keeps it
 * in its state at fenv_offset. Generated code and the interpreter run with the host's FP unit
 * loaded from that word (the backends' trampolines, ir_interp_run) and store the host's flags
 * back into it when they return; in between, the host's unit is the truth, so a C helper that
 * reads or changes the environment uses ir_fenv_get/ir_fenv_set. Without fenv, blocks run
 * with IR_FENV_DEFAULT and nothing is stored. */
#define IR_FENV_FLAGS   0x003fu     /* IE DE ZE OE UE PE */
#define IR_FENV_DAZ     0x0040u
#define IR_FENV_MASKS   0x1f80u     /* every exception masked */
#define IR_FENV_RC      0x6000u
#define IR_FENV_FTZ     0x8000u
#define IR_FENV_DEFAULT 0x1f80u     /* round to nearest, no flush, no flags */
/* The host's current environment as a word (masks always reported set). */
uint32_t ir_fenv_get(void);
/* Load the host's environment from a word (its masks are ignored: the host keeps all set). */
void ir_fenv_set(uint32_t word);
/* OR sticky flags (word layout) into the host's environment: a C helper's exceptions. */
void ir_fenv_raise(uint32_t flags);
/* Around running guest code: load the guest's word (or the default) and return the caller's
 * environment; then store the host's flags back into the guest's word and restore. */
uint32_t ir_fenv_enter(const void *state, const IrGuestInfo *gi);
void ir_fenv_leave(void *state, const IrGuestInfo *gi, uint32_t saved);
/* Replace the sticky flags of *word with the host's (a trampoline's way out). */
void ir_fenv_store_flags(uint32_t *word);

/* Run a block exactly. Returns the exit word (bits 32-47 hold the exit index, counting EXIT_IF
 * and EXIT in order from 0). Guest memory is reached at host address guest_base + guest address;
 * a memory fault in guest code is the caller's to catch (as in generated code). */
uint64_t ir_interp_run(const IrBlock *blk, void *state, const IrGuestInfo *gi);

/* Precise faults in the interpreter. ir_interp_run_frame runs the block as ir_interp_run
 * does, and keeps in *f where it is, for a signal handler that catches a fault in it: the
 * LOAD, STORE or CALL it is performing (ref, written before the access) and its values.
 * ir_interp_fault then makes the state what the IR rule ("Precise faults" above) says a
 * fault at that access sees, exactly as a backend's fault map does: every PUT and KEEP of the
 * earlier instructions is there already (the interpreter performs them in order), and the
 * FKEEPs whose range holds the access are written. It returns false, changing nothing, when
 * the frame is not at a LOAD or STORE whose host bytes hold fault_host (the fault is then
 * elsewhere: a helper, ferry). The caller that leaves the interpreter by longjmp from the
 * handler calls ir_interp_frame_drop (the values may be a heap allocation).
 * The frame is the caller's (one per thread); async-signal-safe to read. */
typedef struct IrInterpFrame {
    const IrBlock *blk;         /* the block running; NULL: none */
    void *val;                  /* its value slots */
    bool val_heap;              /* val was malloc'd (large blocks) */
    volatile IrRef ref;         /* the LOAD, STORE or CALL being performed (0: none yet) */
} IrInterpFrame;
typedef struct IrInterpFault {
    uint64_t pc;                /* guest pc of the faulting instruction (its INSN_START) */
    uint64_t addr;              /* guest address of the access */
    unsigned size;              /* its bytes */
    bool store;                 /* a STORE (else a LOAD) */
} IrInterpFault;
uint64_t ir_interp_run_frame(const IrBlock *blk, void *state, const IrGuestInfo *gi,
                             IrInterpFrame *f);
bool ir_interp_fault(const IrInterpFrame *f, void *state, const IrGuestInfo *gi,
                     uintptr_t fault_host, IrInterpFault *out);
void ir_interp_frame_drop(IrInterpFrame *f);

#endif /* FERRY_IR_H */
