/* backend.h — the contract between the runtime and a host backend, and the code buffer that
 * backends write host instructions into.
 *
 * The runtime owns the code cache: one region mapped twice (a writable view and an executable
 * view of the same memory, so no page is ever writable and executable in one mapping). A
 * backend writes through CodeBuf.p (writable view); the runtime runs code at the executable
 * address, which is the writable address + CodeBuf.exec_delta.
 *
 * Running code: the runtime calls the trampoline `enter(state, code)`; it saves the host's
 * callee-saved registers, pins the state pointer (and guest base), reserves the spill frame and
 * jumps to `code`. A block leaves through an exit stub that stores the guest pc into the state
 * and returns the exit word (ir.h: kind, signal, code, exit index) from `enter`.
 *
 * Precise faults (DESIGN.md section 6): a backend records, for every INSN_START it compiles,
 * where that guest instruction's host code begins, in BackendBlockInfo.insns (in IR order,
 * host offsets nondecreasing), and one more entry at each LOAD/STORE that has KEEPs pending
 * (or follows one that had). The guest instruction of a host fault at offset o is that of the
 * last entry with host_offset <= o; the entry's keeps (BackendKeep: state field, size, where
 * its value is at that point) are what the state lacks there, and the fault handler writes
 * them from the signal context (runtime/fault.c). A guest-limit check through the limit
 * probe (ir.h IrGuestInfo.limit_probe) gets an entry of its own at the probe load: its
 * access's, with the keep of the access's address added last. n_insns
 * 0 means "no map": faults in the
 * block are not precise (the runtime then treats them as before: the guest dies by the
 * signal); a backend that keeps no map leaves it 0, and a block whose map does not fit fails
 * with BE_ERR_TOO_BIG (the runtime translates a smaller one). A backend that fills the map
 * must keep the IR rule of ir.h ("Precise faults"): PUTs are stored to the state in IR order
 * before any later LOAD/STORE runs, KEEPs as ir_keep_ranges says, and none of a guest
 * instruction's code with an effect is placed before its INSN_START's offset.
 *
 * Chaining: each direct exit (IR_EXIT_JUMP kind, constant target) is recorded in
 * BackendBlockInfo.exits with the offset of a patchable jump. The runtime may later call
 * patch_exit to make it jump straight to another block's code, and unpatch it to undo. A
 * patch is one aligned store of the jump (or its displacement), so other threads may run the
 * code while it changes: they take either the old or the new jump. A direct exit whose
 * patch_offset is 0 has no site: the backend resolved it itself (a self-loop's back edge that
 * jumps inside the block, keeping guest registers in host registers), and the runtime never
 * patches it; it still checks the interrupt word and leaves through its stub as below.
 *
 * Interrupt checks: chained exits and the inline jump-cache probe let generated code run
 * without ever returning to the runtime. Where IrGuestInfo.irq_offset is not 0, a backend
 * tests the 32-bit word at state + irq_offset before each backward direct exit (target pc <=
 * the block's guest pc: every cycle of blocks has one) takes its patch site, and before an
 * indirect exit jumps to a block found in the jump cache; when the word is non-zero the exit
 * goes out to the runtime through its stub instead. Forward exits need no test: a run of
 * blocks without a backward exit is finite.
 *
 * Pinned registers: a backend may keep guest fields (IrGuestInfo's GPRs) in fixed host
 * registers for the whole time generated code runs: the trampoline loads them from the state,
 * its epilogue (every exit to the runtime) stores them back, chained and jump-cache jumps keep
 * them, and a CALL's helper finds them stored in the state (and its changes reloaded). Inside
 * generated code the state's copy of a pinned field is stale; a PUT or KEEP of it writes the
 * host register. Backend.pinned lists them (state field, host register), so the fault handler
 * copies them from the signal context into the state before it applies a fault point's keeps
 * (which may overwrite some of them).
 */
#ifndef FERRY_BACKEND_H
#define FERRY_BACKEND_H

#include <stdint.h>
#include "ir/ir.h"

typedef struct CodeBuf {
    uint8_t *start;         /* first byte of the writable view of the region */
    uint8_t *p;             /* next byte to write */
    uint8_t *end;           /* end of the writable view */
    intptr_t exec_delta;    /* executable address = writable address + exec_delta */
    /* The backend's, NULL until emit_trampoline sets it: the writable address of the
     * shared exit routine that blocks written here call to leave (aarch64). The creator
     * only zeroes it. */
    uint8_t *exit_routine;
    /* The backend's, NULL until emit_trampoline sets it: the executable address of the
     * jump cache's miss routine, which the runtime stores as the code of every entry
     * without any (see "jump cache" below). */
    const void *jc_miss;
} CodeBuf;

/* Bytes a backend may write for one IR instruction without checking; it checks p against
 * end - CODEBUF_RED_ZONE once per IR instruction and fails with BE_ERR_FULL beyond it. */
#define CODEBUF_RED_ZONE 512

static inline uint8_t *codebuf_exec_addr(const CodeBuf *cb, const uint8_t *w)
{
    return (uint8_t *)((intptr_t)w + cb->exec_delta);
}

/* Why compile may fail. Every failure has a recovery: FULL -> the runtime flushes the cache and
 * retries; TOO_BIG -> retranslate a smaller block; UNSUPPORTED -> run through the interpreter. */
typedef enum BackendError {
    BE_OK = 0,
    BE_ERR_FULL = -1,        /* code buffer full */
    BE_ERR_TOO_BIG = -2,     /* block needs more spill slots / exits than the backend supports */
    BE_ERR_UNSUPPORTED = -3, /* an op/type combination this backend cannot emit */
} BackendError;

#define BACKEND_MAX_EXITS 64

/* The jump cache an indirect exit may look up inline (DESIGN.md section 7). Where
 * IrGuestInfo.jc_offset is not 0, the runtime keeps, at state + jc_offset, a direct-mapped
 * table of (1 << jc_bits) entries of BACKEND_JC_ENTRY_SIZE bytes, each starting with
 *     uint64_t guest_pc;  const void *code;
 * where code is the executable address of the translated block for guest_pc, or the miss
 * routine of the current code-cache fill (CodeBuf.jc_miss: no entry, or a block that only
 * the interpreter runs, or one the runtime wants to see entered), never NULL: the runtime
 * fills the whole table with it whenever it empties it (a new thread, each flush). The entry
 * of pc is number (pc ^ (pc >> jc_bits)) & ((1 << jc_bits) - 1). An indirect exit that finds
 * its target there jumps to `code` directly, after storing the guest pc as every exit does;
 * the miss routine then leaves to the runtime with the exit word IR_EXIT_WORD(
 * IR_EXIT_INDIRECT, 0, 0) (index 0, the pc already stored), which the runtime treats as it
 * treats any indirect exit. (The runtime places the table right below the state: jc_offset
 * = -(BACKEND_JC_ENTRY_SIZE << jc_bits); backends must accept any offset.) */
#define BACKEND_JC_ENTRY_SIZE 32

/* Return stack (DESIGN.md section 7). Where IrGuestInfo.ras_offset is not 0, the runtime keeps,
 * at state + ras_offset, a BackendRas: BACKEND_RAS_ENTRIES (guest return pc, host code) pairs
 * indexed by a key, the guest stack pointer a RET leaves, which is where its CALL pushed the
 * return address plus 8: entry number (key >> 3) & (BACKEND_RAS_ENTRIES - 1), so nested calls
 * use neighbouring entries and a deep stack wraps round. A backend that compiles a RETPUSH
 * may store (imm0, the executable address of the RETPUSH's exit) in the entry of its arg0; an
 * EXIT hinted IR_EXIT_HINT_RETURN may look up the entry of the 64-bit state field at
 * IrGuestInfo.ras_key_offset (stored by then, as every exit stores the state) and jump to its
 * code when guest_pc equals the target and code is not NULL, after the guest pc store and the
 * interrupt check that every indirect exit makes (above); otherwise it goes on as an indirect
 * exit. An entry of the target pc is always right to take, whichever call stored it: the
 * exit continues at exactly that pc. A RETPUSH's exit behaves as a direct exit to imm0 with
 * nothing pending (the state is complete at the RET's exit that jumps there): a patch site,
 * chained by the runtime, then the pc store and the way out. The runtime zeroes the table
 * whenever code may go (each flush, a new or vforked thread), so a code pointer in it is
 * always live: a stale or aliased entry (longjmp, a signal frame, a stack switch, a frame
 * deeper than the table) only costs the fallback. */
#define BACKEND_RAS_ENTRIES 1024
typedef struct BackendRas {
    struct {
        uint64_t guest_pc;
        const void *code;
    } entry[BACKEND_RAS_ENTRIES];
} BackendRas;
/* The key bits that select an entry, as a byte offset / 2 (x86_64 scales it by 2). */
#define BACKEND_RAS_KEY_MASK ((uint32_t)((BACKEND_RAS_ENTRIES - 1) << 3))

typedef struct BackendExit {
    uint32_t patch_offset;  /* offset from the block's code start of the patchable jump */
    uint64_t target_pc;     /* guest pc the exit continues at */
} BackendExit;

/* Where a KEEP's value is at a fault point (ir.h, "Precise faults"): the fault handler copies
 * `size` bytes of it into the state at `off`. Registers are numbered as the host's encodings
 * number them (x86_64: rax=0 .. r15=15 and xmm0-15; aarch64: x0-x30 and v0-v31); a value is
 * in the low bytes of its register. A stack location is `reg` bytes above the stack pointer
 * of the generated code (rsp / sp in the signal context). A constant is `value` in the low 8
 * bytes, zeros above. A state location is the 8-byte field at state offset `reg`, which no
 * other keep of the entry writes (the value of a flag operand that is a guest register). For
 * a GPR, stack or state location a non-zero `value` is an addend: the field gets the low
 * `size` (<= 8) bytes of the 64-bit integer there plus `value` (a KEEP of x + k whose sum
 * the code never needed: a pop's rsp while the load reads [rsp + k]). */
enum { BACKEND_LOC_CONST, BACKEND_LOC_GPR, BACKEND_LOC_VEC, BACKEND_LOC_STACK,
       BACKEND_LOC_STATE };

typedef struct BackendKeep {
    uint32_t off;           /* guest state offset of the field */
    uint8_t size;           /* bytes (the KEEP's value type's size: 1 .. 32) */
    uint8_t kind;           /* BACKEND_LOC_* */
    uint16_t reg;           /* GPR or vector register number, stack or state offset */
    int64_t value;          /* the constant, or the addend */
} BackendKeep;

/* Where one guest instruction's host code begins, or a fault point inside it. */
typedef struct BackendInsnMap {
    uint32_t host_offset;   /* from the block's entry */
    uint32_t guest_offset;  /* INSN_START imm0 minus IrBlock.guest_pc */
    uint16_t keep_first;    /* its keeps: BackendBlockInfo.keeps[keep_first .. + n_keep) */
    uint16_t n_keep;
} BackendInsnMap;

#define BACKEND_MAX_INSN_MAP 512
#define BACKEND_MAX_KEEPS 1024

/* Bytes inside a block's code that are data, never executed: an exit that calls a shared
 * exit routine is followed by the exit's word and guest pc, which the routine reads through
 * the return address. Disassemblers skip them (-d out_asm shows them as data). */
typedef struct BackendData {
    uint32_t offset;        /* from the block's entry */
    uint32_t size;          /* bytes */
} BackendData;
#define BACKEND_MAX_DATA (2 * BACKEND_MAX_EXITS)

typedef struct BackendBlockInfo {
    uint8_t *code;          /* executable address of the block's entry */
    uint32_t code_size;     /* bytes of host code emitted */
    /* Where the block's constant data starts (from the entry; a literal pool that its exit
     * stubs read, never executed, so disassembly stops there); 0: no data, all is code. */
    uint32_t data_offset;
    uint32_t host_insns;    /* host instructions emitted (for -d stats) */
    uint32_t n_data;        /* data inside the code (BackendData), in offset order */
    BackendData data[BACKEND_MAX_DATA];
    uint32_t n_exits;
    BackendExit exits[BACKEND_MAX_EXITS]; /* indexed by exit index (IR_EXIT_WORD_INDEX) */
    /* Host pc -> guest instruction map (see the header); n_insns 0: no map. */
    uint32_t n_insns;
    BackendInsnMap insns[BACKEND_MAX_INSN_MAP];
    uint32_t n_keeps;
    BackendKeep keeps[BACKEND_MAX_KEEPS];   /* the map entries' keep lists */
} BackendBlockInfo;

/* The KEEP and FKEEP ranges of a block (ir.h, "Precise faults"), for backends: ir_keep_ranges
 * fills out[r] for each KEEP or FKEEP r (other entries are left alone). A KEEP's range runs
 * from it to `end`, the first later instruction that covers its bytes with a PUT or KEEP
 * (store false: the KEEP needs no store at all), or that observes them otherwise, before which
 * it must be stored (store true): a CALL, the EXIT, a GET or a PUT/KEEP overlapping only part
 * of them. Each LOAD, STORE and EXIT_IF strictly inside the range sees it pending. An
 * FKEEP's range ends at the first PUT, KEEP or FKEEP writing any of its bytes, CALL or EXIT
 * (store always false), and only LOADs and STOREs see it. last_obs is the last instruction
 * that needs the value: the last of those, or `end` with store; 0 if none (the KEEP emits
 * nothing and its value need not live on). in_state says the state holds the value anyway
 * (an I64 read from a field or PUT to one, or that plus or minus a constant) in a field that
 * nothing writes up to last_obs. At a fault point, a backend lists the pending KEEPs before
 * the pending FKEEPs (an FKEEP and a KEEP may share a field: the fault sees the FKEEP). */
typedef struct IrKeepRange {
    uint32_t end;
    uint32_t last_obs;
    bool store;
    /* The value is in the state anyway, all through the range, at state offset src (< 2^16)
     * plus addend: a backend may record that (BACKEND_LOC_STATE) and not keep the value. */
    bool in_state;
    uint32_t src;
    int64_t addend;
} IrKeepRange;

void ir_keep_ranges(const IrBlock *blk, IrKeepRange *out);

/* Copy a fault point's keeps into the state (size bytes each at state + off) from the signal
 * context `ucontext` (a ucontext_t *) of a fault in generated code of this host. Signal-safe.
 * (runtime/fault.c calls it; the backend tests use it to check the state at a fault.) */
void ir_keep_apply(const BackendKeep *keeps, uint32_t n, const void *ucontext, void *state);
/* aarch64 hosts: the record with this magic among the signal context's __reserved records
 * (the kernel's fpsimd_context, esr_context, ...) if it is there and holds at least min_size
 * bytes, header included; else NULL (always NULL on other hosts). Signal-safe. (ir_keep_apply
 * reads the vector registers from one; runtime/fault.c the ESR.) */
const uint8_t *ir_host_ctx_record(const void *ucontext, uint32_t magic, uint32_t min_size);

typedef struct Backend {
    const char *name;           /* "x86_64", "aarch64" */
    /* Emit the entry trampoline at cb->p; returns its executable address, or NULL if full.
     * Called once per code-cache (re)fill, before any block. */
    void *(*emit_trampoline)(CodeBuf *cb, const IrGuestInfo *gi);
    /* Compile one verified block at cb->p. On success fills *info and returns BE_OK. On
     * failure leaves cb->p where it was and returns a BackendError. */
    int (*compile)(const IrBlock *blk, CodeBuf *cb, const IrGuestInfo *gi,
                   BackendBlockInfo *info);
    /* Make the exit at (writable) address `site` jump to the executable address `target`, or
     * back to its unchained form (the way out to the runtime) when target is NULL. The
     * caller flushes the instruction cache. */
    void (*patch_exit)(CodeBuf *cb, uint8_t *site, const uint8_t *target);
    /* The state fields it pins to host registers for gi (see "Pinned registers"), as keeps
     * of kind BACKEND_LOC_GPR written to out (room for BACKEND_MAX_PINNED); returns their
     * number. NULL: the backend pins nothing. */
    unsigned (*pinned)(const IrGuestInfo *gi, BackendKeep *out);
} Backend;

#define BACKEND_MAX_PINNED 32

/* The signature of the trampoline returned by emit_trampoline. */
typedef uint64_t (*BackendEnterFn)(void *state, const void *code);

extern const Backend backend_x86_64;
extern const Backend backend_aarch64;

#endif /* FERRY_BACKEND_H */
