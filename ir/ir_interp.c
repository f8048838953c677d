/* ir_interp.c — the reference interpreter: runs one block exactly.
 *
 * Contract: ir_interp_run executes a verified block in array order. Pure ops are computed by
 * ir_eval (the evaluator the folder uses); GET/PUT copy the value's bytes from/to the state at
 * imm0; LOAD/STORE copy bytes at host address gi->guest_base + guest address, at any alignment
 * (a fault there is the caller's to catch, as in generated code), with acquire/release
 * fences around them under gi->tso; CALL goes through IrHelperFn
 * with missing args as 0; KEEP is the PUT it stands for (ir.h, "Precise faults": the state it
 * gives at a fault or an exit is the one a backend's deferred store must rebuild), FKEEP
 * nothing (it does not write the state; ir_interp_fault writes it at a fault); EXIT_IF
 * (when taken) and EXIT store the new pc (I64) at
 * gi->pc_offset and return the exit word with the exit's index (the number of EXIT_IF/EXIT
 * before it in the block) in bits 32-47. The state is a little-endian byte image, as on every
 * host ferry supports. A GET/PUT outside gi->state_size, or a block the verifier would reject,
 * is a bug in ferry, not guest behaviour: the interpreter reports it and aborts.
 *
 * Values live in an array indexed by IrRef, of 32-byte slots so V256 fits; small blocks use
 * the stack, larger ones one heap allocation per run (no hidden state between runs).
 *
 * Faults (ir.h, IrInterpFrame): before each LOAD, STORE and CALL the interpreter writes the
 * instruction's ref into the caller's frame, with a compiler barrier so the store comes first;
 * a handler that catches a host fault there calls ir_interp_fault, which finds the guest
 * instruction and the FKEEPs pending at that ref by walking the block up to it (faults are
 * rare: nothing on the hot path tracks them). A guest address at or above the guest limit
 * is accessed at the guard's sentinel, as generated code does after a failed check, so the
 * fault lands in the guard and the handler reports the IR's address.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/ir_internal.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "ir_interp.c assumes a little-endian host (values are copied as byte images)"
#endif

typedef union Slot {
    IrValue v[2];           /* v[0] is the IrValue ir_eval works on; v[1] the top of a V256 */
    uint8_t bytes[32];
} Slot;

#define INTERP_STACK_SLOTS 256

static _Noreturn void interp_bug(const IrBlock *blk, IrRef r, const char *what)
{
    fprintf(stderr, "ferry: ir_interp_run: block 0x%llx, insn %u: %s\n",
            (unsigned long long)blk->guest_pc, r, what);
    abort();
}

static void state_bounds(const IrBlock *blk, IrRef r, const IrGuestInfo *gi, int64_t off,
                         unsigned size)
{
    if (off < 0 || (uint64_t)off + size > gi->state_size)
        interp_bug(blk, r, "guest state access out of bounds");
}

static uint64_t leave(void *state, const IrGuestInfo *gi, uint64_t pc, int64_t word,
                      unsigned index)
{
    memcpy((uint8_t *)state + gi->pc_offset, &pc, sizeof pc);
    return ((uint64_t)word & IR_EXIT_WORD_MASK) | ((uint64_t)(index & 0xffff) << 32);
}

/* Host address of a guest address: guest_base + g, or, from the guest limit up (ir.h), the
 * guard's sentinel, whose access faults (ir_interp_fault reports g). */
static uint64_t guest_addr(const IrGuestInfo *gi, uint64_t g)
{
    if (gi->guest_limit && g >= gi->guest_limit)
        return IR_GUARD_SENTINEL(gi->guest_limit);
    return gi->guest_base + g;
}

/* Say which access runs, before it runs (a signal handler may read it: ir_interp_fault). */
static inline void at_access(IrInterpFrame *f, IrRef r)
{
    f->ref = r;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
}

/* A pure instruction, through the shared evaluator. */

static void run_pure(const IrBlock *blk, IrRef r, Slot *val)
{
    const IrInsn *in = &blk->insn[r];
    const IrOpInfo *info = &ir_op_info[in->op];
    IrValue a[3] = { { 0, 0 }, { 0, 0 }, { 0, 0 } };
    IrType at[3] = { IR_VOID, IR_VOID, IR_VOID };
    for (unsigned i = 0; i < info->nin && i < 3; i++) {
        a[i] = val[in->arg[i]].v[0];
        at[i] = (IrType)blk->insn[in->arg[i]].type;
    }
    if (!ir_eval((IrOp)in->op, (IrType)in->type, a, at, in->imm, &val[r].v[0]))
        interp_bug(blk, r, "instruction cannot be evaluated (unverified block?)");
}

static uint64_t run(const IrBlock *blk, void *state, const IrGuestInfo *gi, Slot *val,
                    IrInterpFrame *f)
{
    uint8_t *st = state;
    unsigned exit_index = 0;

    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        IrType t = (IrType)in->type;
        unsigned size = ir_type_size(t);
        Slot *out = &val[r];
        memset(out, 0, sizeof *out);

        switch (in->op) {
        case IR_NOP:
        case IR_INSN_START:
        case IR_FKEEP:      /* only a fault sees it (ir_interp_fault) */
        case IR_RETPUSH:    /* a prediction for compiled code; its exit is never taken here */
            break;
        case IR_GET:
            state_bounds(blk, r, gi, in->imm[0], size);
            memcpy(out->bytes, st + in->imm[0], size);
            break;
        case IR_PUT:
        case IR_KEEP: {     /* a deferred PUT: the same state at every point that observes it */
            const IrInsn *src = &blk->insn[in->arg[0]];
            unsigned n = ir_type_size((IrType)src->type);
            state_bounds(blk, r, gi, in->imm[0], n);
            memcpy(st + in->imm[0], val[in->arg[0]].bytes, n);
            break;
        }
        case IR_LOAD: {
            uint64_t addr = guest_addr(gi, val[in->arg[0]].v[0].lo);
            at_access(f, r);
            memcpy(out->bytes, (const void *)(uintptr_t)addr, size);
            if (gi->tso)    /* ordered before later accesses (a compiler barrier on x86) */
                __atomic_thread_fence(__ATOMIC_ACQUIRE);
            break;
        }
        case IR_HLOAD:
            memcpy(out->bytes, (const void *)(uintptr_t)val[in->arg[0]].v[0].lo, size);
            break;
        case IR_STORE: {
            uint64_t addr = guest_addr(gi, val[in->arg[0]].v[0].lo);
            unsigned n = ir_type_size((IrType)blk->insn[in->arg[1]].type);
            at_access(f, r);
            if (gi->tso)    /* ordered after earlier accesses */
                __atomic_thread_fence(__ATOMIC_RELEASE);
            memcpy((void *)(uintptr_t)addr, val[in->arg[1]].bytes, n);
            break;
        }
        case IR_CALL: {
            IrHelperFn fn = (IrHelperFn)(uintptr_t)in->imm[0];
            uint64_t a[3];
            for (int i = 0; i < 3; i++)
                a[i] = in->arg[i] ? val[in->arg[i]].v[0].lo : 0;
            at_access(f, r);
            if (gi->tso)    /* the helper's accesses: one STORE and LOAD at the CALL */
                __atomic_thread_fence(__ATOMIC_RELEASE);
            uint64_t res = fn(state, a[0], a[1], a[2]);
            if (gi->tso)
                __atomic_thread_fence(__ATOMIC_ACQUIRE);
            if (t != IR_VOID)
                out->v[0].lo = res & ir_mask(ir_type_bits(t));
            break;
        }
        case IR_EXIT_IF:
            if (val[in->arg[0]].v[0].lo & 0xff)
                return leave(state, gi, (uint64_t)in->imm[0], in->imm[1], exit_index);
            exit_index++;
            break;
        case IR_EXIT: {
            uint64_t pc = in->arg[0] ? val[in->arg[0]].v[0].lo : (uint64_t)in->imm[0];
            return leave(state, gi, pc, in->imm[1], exit_index);
        }
        case IR_SELECT:
        case IR_BITCAST:
            if (size > sizeof(IrValue)) {   /* V256: wider than ir_eval's IrValue; a move */
                IrRef src = in->op == IR_BITCAST ? in->arg[0]
                          : (val[in->arg[0]].v[0].lo & 0xff) ? in->arg[1] : in->arg[2];
                *out = val[src];
                break;
            }
            run_pure(blk, r, val);
            break;
        default:
            run_pure(blk, r, val);
            break;
        }
    }
    interp_bug(blk, blk->n - 1, "block does not end with exit");
}

uint64_t ir_interp_run_frame(const IrBlock *blk, void *state, const IrGuestInfo *gi,
                             IrInterpFrame *f)
{
    Slot stack_slots[INTERP_STACK_SLOTS];
    Slot *val = stack_slots;
    if ((uint64_t)gi->pc_offset + sizeof(uint64_t) > gi->state_size)
        interp_bug(blk, 0, "guest pc outside the state");
    if (blk->n > INTERP_STACK_SLOTS) {
        val = malloc((size_t)blk->n * sizeof *val);
        if (!val) {
            fputs("ferry: out of memory in ir/\n", stderr);
            abort();
        }
    }
    memset(&val[0], 0, sizeof val[0]);
    f->ref = 0;
    f->val = val;
    f->val_heap = val != stack_slots;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    f->blk = blk;
    /* FP ops run in the guest's environment, as in generated code (ir.h). */
    uint32_t host_env = ir_fenv_enter(state, gi);
    uint64_t word = run(blk, state, gi, val, f);
    ir_fenv_leave(state, gi, host_env);
    ir_interp_frame_drop(f);
    return word;
}

uint64_t ir_interp_run(const IrBlock *blk, void *state, const IrGuestInfo *gi)
{
    IrInterpFrame f;
    return ir_interp_run_frame(blk, state, gi, &f);
}

void ir_interp_frame_drop(IrInterpFrame *f)
{
    f->blk = NULL;
    __atomic_signal_fence(__ATOMIC_SEQ_CST);
    if (f->val_heap)
        free(f->val);
    f->val = NULL;
    f->val_heap = false;
    f->ref = 0;
}

static bool overlaps(int64_t a, unsigned an, int64_t b, unsigned bn)
{
    return a < b + (int64_t)bn && b < a + (int64_t)an;
}

/* The bytes an instruction writes to the state (PUT, KEEP, FKEEP): offset and size. */
static unsigned state_write(const IrBlock *blk, const IrInsn *in, int64_t *off)
{
    *off = in->imm[0];
    return ir_type_size((IrType)blk->insn[in->arg[0]].type);
}

bool ir_interp_fault(const IrInterpFrame *f, void *state, const IrGuestInfo *gi,
                     uintptr_t fault_host, IrInterpFault *out)
{
    const IrBlock *blk = f->blk;
    IrRef ref = f->ref;
    if (!blk || ref == 0 || ref >= blk->n)
        return false;
    const IrInsn *in = &blk->insn[ref];
    if (in->op != IR_LOAD && in->op != IR_STORE)
        return false;
    const Slot *val = f->val;
    uint64_t g = val[in->arg[0]].v[0].lo;
    unsigned size = ir_type_size((IrType)(in->op == IR_LOAD ? in->type
                                                            : blk->insn[in->arg[1]].type));
    uint64_t host = guest_addr(gi, g);
    if (fault_host < host || fault_host - host >= size)
        return false;
    IrRef start = 0;
    for (IrRef r = ref; r > 0 && !start; r--)
        if (blk->insn[r].op == IR_INSN_START)
            start = r;
    if (!start)
        return false;
    /* The FKEEPs pending at ref: since the last CALL or EXIT before it (EXIT_IF, not taken,
     * ends nothing), not followed before ref by a PUT, KEEP or FKEEP of any of their bytes. */
    IrRef from = 1;
    for (IrRef r = ref; r > 0; r--)
        if (blk->insn[r].op == IR_CALL || blk->insn[r].op == IR_EXIT) {
            from = r + 1;
            break;
        }
    for (IrRef r = from; r < ref; r++) {
        const IrInsn *k = &blk->insn[r];
        if (k->op != IR_FKEEP)
            continue;
        int64_t off;
        unsigned n = state_write(blk, k, &off);
        bool ended = false;
        for (IrRef q = r + 1; q < ref && !ended; q++) {
            const IrInsn *w = &blk->insn[q];
            if (w->op == IR_PUT || w->op == IR_KEEP || w->op == IR_FKEEP) {
                int64_t woff;
                unsigned wn = state_write(blk, w, &woff);
                ended = overlaps(off, n, woff, wn);
            }
        }
        if (!ended && off >= 0 && (uint64_t)off + n <= gi->state_size)
            memcpy((uint8_t *)state + off, val[k->arg[0]].bytes, n);
    }
    out->pc = (uint64_t)blk->insn[start].imm[0];
    out->addr = g;
    out->size = size;
    out->store = in->op == IR_STORE;
    return true;
}
