/* loop.c — self-loops: guest state fields kept in host registers across iterations.
 *
 * A block with a direct exit back to its own first instruction (a loop's back edge: the
 * compiler's rotated loop "body; jcc body") would otherwise load every guest register it
 * reads from the state and store every one it writes on each iteration, and each value
 * carried from one iteration to the next would go through a store and a load (store
 * forwarding: ~5 cycles on the loop's critical path). Here the backend compiles such a block
 * as a loop instead: the back edge jumps inside the block, and up to X64_MAX_PINS fields
 * ("pins") live in registers from entry to exit.
 *
 * It is done by rewriting the block (x64_loop_build) before codegen, in IR terms the rest of
 * the backend already handles:
 *     e_i = get.i64 F_i ; keep e_i, F_i        for each pin i, at the block's entry
 *   (the loop head: the back edge jumps here, with e_i in its register P_i)
 *     get.T F_i     ->  the field's current value (trunc.T of it below 64 bits)
 *     put/keep v, F_i -> keep v, F_i           (v is the field's current value from here)
 * So every write of a pinned field is a KEEP (ir.h "Precise faults"): its store is deferred
 * to the exits that leave the block (an EXIT stores it, an EXIT_IF's stub stores it), each
 * LOAD/STORE records where the value is in the fault map, exactly as for the frontend's own
 * KEEPs. The one thing a KEEP cannot say is the back edge: there (abi.c, x64_emit_exit) the
 * current value of each pin is moved into P_i (a parallel move, x64_loop_moves) and the code
 * jumps to the head, after the interrupt check; when the runtime wants the thread back, the
 * pins are stored and the block leaves as any backward exit would (out through its stub, to
 * the dispatcher; the back edge has no patch site, so the runtime never chains it, which
 * would skip the check: ir/backend.h).
 *
 * The entry KEEP's value is a GET of its own field, which ir_keep_ranges would call "in the
 * state anyway"; from the second iteration on it is not (the state holds what the block
 * entered with), so codegen clears in_state of every KEEP whose source is a pinned field.
 *
 * Which fields: 8-byte-aligned fields that the block touches only with integer GETs at the
 * field's own offset (the low bytes: a 32-bit read of a 64-bit register) and I64 PUT/KEEPs of
 * the whole field: the guest's general registers, pinned in GPRs; and 16-byte-aligned fields
 * touched only as whole V128 GETs and PUT/KEEPs: the guest's xmm registers as the frontend
 * reads and writes them for scalar and packed SSE, pinned in XMM registers (a back edge
 * moves them with movaps; xmm0, scratch, breaks cycles). Fields with FKEEPs, partial writes
 * or any other overlapping access are left alone, and so are blocks with a CALL (a helper may read
 * or write any field) and guests without an interrupt word (the loop could never be left
 * for a signal). Which of them, and how many (as many as the block's own values leave
 * registers for): choose_pins.
 */
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

/* ---------------------------------------------------------------- choosing the pins */
/* Superblocks (frontend-x86/gen_branch.c) make most loop bodies one block: the ifs inside a
 * loop are side exits (EXIT_IF forward), which store the pins' current values as any exit
 * does, so a loop's whole body from its head to its back edge is compiled here. */

typedef struct FieldUse {
    uint32_t off;       /* 8-byte-aligned state offset */
    unsigned uses;      /* GET/PUT/KEEP count */
    bool bad;           /* touched in a way a pin cannot hold */
    uint8_t kinds;      /* K_* of its good accesses */
    bool read_first;    /* a GET comes before any write: the loop head needs its value */
    bool written;       /* a PUT or KEEP writes it */
    bool seen_first;    /* a fault point or side exit comes before its first access: it
                           needs the value too (of the previous iteration, from the second) */
} FieldUse;

enum { ACC_READ, ACC_WRITE, ACC_OTHER };
/* How a good access uses an 8-byte granule: an integer access at its offset, a V128 access
 * at its (16-aligned) offset, or the upper half of one. A granule whose accesses are all
 * K_INT can be a GPR pin; one whose accesses are all K_VEC, with the next granule all
 * K_VEC_HI, a vector pin of 16 bytes. */
enum { K_INT = 1, K_VEC = 2, K_VEC_HI = 4 };

#define MAX_FIELDS 128

static FieldUse *field(FieldUse *f, unsigned *n, uint32_t off)
{
    for (unsigned i = 0; i < *n; i++)
        if (f[i].off == off)
            return &f[i];
    if (*n == MAX_FIELDS)
        return NULL;
    f[*n] = (FieldUse){ off, 0, false, 0, false, false, false };
    return &f[(*n)++];
}

/* Record one access of `size` bytes at off: good when the pin can hold it (vec: as a V128
 * at a 16-aligned off). Returns false when the table is full (then nothing is pinned). */
static bool note_access(FieldUse *f, unsigned *n, uint64_t off, unsigned size, bool good,
                        bool vec, int acc, bool observed)
{
    uint64_t first = off & ~7ull, last = (off + (size ? size : 1) - 1) & ~7ull;
    if (last > UINT32_MAX)
        return true;        /* beyond any state: codegen reports it */
    for (uint64_t g = first; g <= last; g += 8) {
        FieldUse *u = field(f, n, (uint32_t)g);
        if (!u)
            return false;
        if (u->uses++ == 0) {
            u->read_first = acc == ACC_READ;
            u->seen_first = observed;
        }
        u->written |= acc == ACC_WRITE;
        if (!good || (off != g && !(vec && g == off + 8)))
            u->bad = true;
        else
            u->kinds |= !vec ? K_INT : g == off ? K_VEC : K_VEC_HI;
    }
    return true;
}

/* Whether granule u can be a pin: a GPR one (vec false) or the first of a vector one. */
static bool pinnable(FieldUse *f, unsigned n, const FieldUse *u, bool vec)
{
    if (u->bad || !u->uses || u->kinds != (vec ? K_VEC : K_INT))
        return false;
    if (!vec)
        return true;
    for (unsigned i = 0; i < n; i++)
        if (f[i].off == u->off + 8)
            return !f[i].bad && f[i].kinds == K_VEC_HI;
    return false;
}

static bool is_back_edge(const IrBlock *blk, const IrInsn *in)
{
    return (in->op == IR_EXIT_IF || (in->op == IR_EXIT && in->arg[0] == IR_NONE)) &&
           IR_EXIT_WORD_KIND(in->imm[1]) == IR_EXIT_JUMP && (uint64_t)in->imm[0] == blk->guest_pc;
}

bool x64_loop_is_back_edge(const CgCtx *c, const IrInsn *in)
{
    return c->loop && is_back_edge(c->blk, in);
}

int x64_loop_pin_of(const CgCtx *c, uint32_t off)
{
    if (!c->loop)
        return -1;
    for (unsigned i = 0; i < c->loop->n_pins; i++)
        if (c->loop->pin[i].off == off)
            return (int)i;
    return -1;
}

/* The most integer (vec false) or XMM-class (vec true: floats and vectors) values live at
 * once in blk, constants aside (they have no home): what the registers hold before any pin
 * takes one. */
static bool in_xmm(IrType t)
{
    return t == IR_F32 || t == IR_F64 || t == IR_V128 || t == IR_I128;
}

static unsigned max_live(const IrBlock *blk, bool vec)
{
    IrRef *last = calloc(blk->n, sizeof *last);
    int *delta = calloc(blk->n + 1, sizeof *delta);
    unsigned best = 0;
    if (last && delta) {
        for (IrRef r = 1; r < blk->n; r++)
            for (unsigned k = 0; k < 3; k++)
                if (blk->insn[r].arg[k])
                    last[blk->insn[r].arg[k]] = r;
        /* A KEEP's value lives on to the faults and exits of its range (up to the next write
         * of its field): codegen keeps it in its register that long. */
        for (IrRef r = 1; r < blk->n; r++) {
            const IrInsn *k = &blk->insn[r];
            if (k->op != IR_KEEP && k->op != IR_FKEEP)
                continue;
            IrRef end = blk->n - 1;
            for (IrRef j = r + 1; j < blk->n; j++) {
                const IrInsn *w = &blk->insn[j];
                if ((w->op == IR_PUT || w->op == IR_KEEP || w->op == IR_FKEEP) &&
                    w->imm[0] == k->imm[0]) {
                    end = j;
                    break;
                }
            }
            if (last[k->arg[0]] < end)
                last[k->arg[0]] = end;
        }
        for (IrRef r = 1; r < blk->n; r++)
            if (last[r] && blk->insn[r].op != IR_CONST &&
                (vec ? in_xmm((IrType)blk->insn[r].type)
                     : ir_type_is_int((IrType)blk->insn[r].type))) {
                delta[r]++;
                delta[last[r]]--;
            }
        int live = 0;
        for (IrRef r = 1; r < blk->n; r++) {
            live += delta[r];
            if (live > (int)best)
                best = (unsigned)live;
        }
    } else {
        best = UINT32_MAX;
    }
    free(last);
    free(delta);
    return best;
}

/* The pins of blk (their number); 0 if it is not a loop this file can handle. */
static unsigned choose_pins(const IrBlock *blk, const IrGuestInfo *gi, X64Loop *lp)
{
    if (gi->irq_offset == 0)
        return 0;
    bool loop = false;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if (in->op == IR_CALL)
            return 0;
        loop |= is_back_edge(blk, in);
    }
    if (!loop)
        return 0;
    static _Thread_local FieldUse f[MAX_FIELDS];
    unsigned n = 0;
    /* what the runtime and the trampoline read and write behind the block's back */
    if (!note_access(f, &n, gi->pc_offset, 8, false, false, ACC_OTHER, false) ||
        !note_access(f, &n, (uint64_t)gi->irq_offset, 4, false, false, ACC_OTHER, false) ||
        (gi->fenv && !note_access(f, &n, gi->fenv_offset, 4, false, false, ACC_OTHER, false)))
        return 0;
    /* the pinned GPRs (codegen_pin.c) live in their registers across blocks already */
    for (unsigned i = 0; i < X64_N_PINS; i++)
        if (x64_pin_enabled(gi) && x64_pins[i].guest < gi->n_gprs &&
            !note_access(f, &n, gi->gpr_offset + 8 * x64_pins[i].guest, 8, false, false,
                         ACC_OTHER, false))
            return 0;
    bool observed = false;      /* a LOAD, STORE or EXIT_IF so far */
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        bool ok;
        switch (in->op) {
        case IR_LOAD:
        case IR_STORE:
        case IR_EXIT_IF:
            observed = true;
            ok = true;
            break;
        case IR_GET: {
            IrType t = (IrType)in->type;
            bool vec = t == IR_V128 && in->imm[0] % 16 == 0;
            ok = note_access(f, &n, (uint64_t)in->imm[0], ir_type_size(t),
                             ir_type_is_int(t) || vec, vec, ACC_READ, observed);
            break;
        }
        case IR_PUT:
        case IR_KEEP:
        case IR_FKEEP: {
            IrType t = (IrType)blk->insn[in->arg[0]].type;
            bool vec = t == IR_V128 && in->imm[0] % 16 == 0;
            ok = note_access(f, &n, (uint64_t)in->imm[0], ir_type_size(t),
                             in->op != IR_FKEEP && (t == IR_I64 || vec), vec, ACC_WRITE,
                             observed);
            break;
        }
        default:
            ok = true;
        }
        if (!ok)
            return 0;
    }
    /* Each pin holds a register (at the head, or a value kept to the exits) for the
     * whole loop: only as many as the block's own values leave free. Loop-carried fields
     * first (read, then written: a store, a load and the store forwarding on the critical
     * path per iteration), then fields only written before anything observes the state (a
     * store saved; the head needs no register for them), then fields only read (a load);
     * within each, the most used. At most X64_HEAD_PINS of them need a register at the
     * head. A field written after a fault point or side exit that must see its old value
     * is left alone: the register at the head and the move to it at the back edge would
     * cost what its store costs. */
    lp->n_pins = 0;
    for (int vec = 0; vec < 2; vec++) {
        unsigned live = max_live(blk, vec);
        unsigned regs = X64_N_XMM - X64_FIRST_ALLOC_XMM;
        if (!vec) {
            regs = 0;
            for (unsigned i = 0; i < X64_N_ALLOC_GPRS; i++)
                regs += x64_gpr_allocatable(x64_alloc_gprs[i], gi);
        }
        unsigned budget = vec ? X64_MAX_VEC_PINS : X64_MAX_GPR_PINS;
        unsigned head_max = vec ? X64_HEAD_VEC_PINS : X64_HEAD_PINS;
        if (live >= regs)
            continue;
        if (budget > regs - live)
            budget = regs - live;
        unsigned head_regs = 0, taken = 0;
        for (int rank = 0; rank < 3; rank++)
            while (taken < budget) {
                FieldUse *best = NULL;
                for (unsigned i = 0; i < n; i++) {
                    FieldUse *u = &f[i];
                    int r = u->read_first ? (u->written ? 0 : 2)
                                          : (u->written && !u->seen_first ? 1 : 3);
                    if (r == rank && pinnable(f, n, u, vec) && (!best || u->uses > best->uses))
                        best = u;
                }
                if (!best || (best->read_first && head_regs == head_max))
                    break;
                head_regs += best->read_first;
                lp->pin[lp->n_pins++] = (X64Pin){ best->off, IR_NONE, -1, vec };
                taken++;
                best->uses = 0;
            }
    }
    return lp->n_pins;
}

/* ---------------------------------------------------------------- the rewrite */

static int pin_index(const X64Loop *lp, int64_t off)
{
    for (unsigned i = 0; i < lp->n_pins; i++)
        if (lp->pin[i].off == off)
            return (int)i;
    return -1;
}

static IrRef push(IrBlock *nb, IrInsn in)
{
    nb->insn[nb->n] = in;
    return nb->n++;
}

IrBlock *x64_loop_build(const IrBlock *blk, const IrGuestInfo *gi, X64Loop *lp)
{
    memset(lp, 0, sizeof *lp);
    if (!choose_pins(blk, gi, lp))
        return NULL;
    IrBlock *nb = malloc(sizeof *nb);
    IrRef *map = malloc(blk->n * sizeof *map);
    uint32_t cap = blk->n + 2 * lp->n_pins + 1;
    IrInsn *insn = calloc(cap, sizeof *insn);
    if (!nb || !map || !insn) {
        free(nb);
        free(map);
        free(insn);
        return NULL;
    }
    /* the public fields only: the block's reusable work buffers stay its own */
    *nb = (IrBlock){ .guest_pc = blk->guest_pc, .guest_len = blk->guest_len,
                     .guest_insns = blk->guest_insns };
    nb->insn = insn;
    nb->n = 1;
    nb->cap = cap;
    IrRef cur[X64_MAX_PINS];
    for (unsigned i = 0; i < lp->n_pins; i++) {
        int64_t off = lp->pin[i].off;
        IrType t = lp->pin[i].vec ? IR_V128 : IR_I64;
        IrRef e = push(nb, (IrInsn){ .op = IR_GET, .type = t, .imm = { off, 0 } });
        push(nb, (IrInsn){ .op = IR_KEEP, .type = IR_VOID, .arg = { e }, .imm = { off, 0 } });
        lp->pin[i].entry = e;
        cur[i] = e;
    }
    lp->head = nb->n;
    map[0] = IR_NONE;
    for (IrRef r = 1; r < blk->n; r++) {
        IrInsn in = blk->insn[r];
        for (unsigned k = 0; k < 3; k++)
            in.arg[k] = map[in.arg[k]];
        int p = in.op == IR_GET || in.op == IR_PUT || in.op == IR_KEEP
                    ? pin_index(lp, in.imm[0]) : -1;
        if (p >= 0 && in.op == IR_GET) {
            /* the field's current value; a narrower read is its low bytes (a vector pin
             * is only ever read whole) */
            if (in.type == IR_I64 || in.type == IR_V128)
                map[r] = cur[p];
            else
                map[r] = push(nb, (IrInsn){ .op = IR_TRUNC, .type = in.type,
                                            .arg = { cur[p] } });
            continue;
        }
        if (p >= 0) {
            in.op = IR_KEEP;
            cur[p] = in.arg[0];
        }
        map[r] = push(nb, in);
    }
    free(map);
    return nb;
}

void x64_loop_free(IrBlock *nb)
{
    if (nb) {
        free(nb->insn);
        free(nb);
    }
}

/* ---------------------------------------------------------------- the back edge */

/* Load GPR dst with a keep location's 64-bit value (GPR/stack/state + addend, constant). */
void x64_load_loc(CgCtx *c, unsigned dst, const BackendKeep *k)
{
    X64Emit *e = &c->e;
    switch (k->kind) {
    case BACKEND_LOC_CONST:
        x64_mov_ri(e, dst, (uint64_t)k->value);
        return;
    case BACKEND_LOC_GPR:
        if (k->value == 0) {
            if (k->reg != dst)
                x64_mov_rr(e, 8, dst, k->reg);
            return;
        }
        if (x64_fits_i32(k->value)) {
            x64_lea_rm(e, 8, dst, x64_m(k->reg, (int32_t)k->value));
            return;
        }
        if (k->reg != dst)
            x64_mov_rr(e, 8, dst, k->reg);
        break;
    default:        /* stack slot or state field */
        x64_mov_rx(e, 8, dst, x64_m(k->kind == BACKEND_LOC_STATE ? X64_REG_STATE : X64_RSP,
                                    k->reg));
        if (k->value == 0)
            return;
        if (x64_fits_i32(k->value)) {
            x64_lea_rm(e, 8, dst, x64_m(dst, (int32_t)k->value));
            return;
        }
        break;
    }
    x64_mov_ri(e, X64_RCX, (uint64_t)k->value);     /* a large addend: rcx is scratch */
    x64_lea_rm(e, 8, dst, x64_mx(dst, X64_RCX, 0, 0));
}

/* The moves of a back edge: the value of each pending KEEP of a pinned field into the
 * register the head expects it in (none for a value that is there already). */
unsigned x64_loop_plan(CgCtx *c, X64Move *mv)
{
    unsigned n = 0;
    for (unsigned i = 0; i < c->n_pending; i++) {
        const IrInsn *in = &c->blk->insn[c->pending[i]];
        int p = in->op == IR_KEEP ? x64_loop_pin_of(c, (uint32_t)in->imm[0]) : -1;
        if (p < 0 || c->loop->pin[p].reg < 0)
            continue;       /* not a pin, or one whose entry value the head never reads */
        BackendKeep k = cg_keep_loc(c, c->pending[i]);
        unsigned dst = (unsigned)c->loop->pin[p].reg;
        bool vec = c->loop->pin[p].vec;
        if (k.kind == (vec ? BACKEND_LOC_VEC : BACKEND_LOC_GPR) && k.reg == dst && k.value == 0)
            continue;       /* already there */
        mv[n].dst = dst;
        mv[n].vec = vec;
        mv[n].src = k;
        n++;
    }
    return n;
}

/* Load XMM register dst with a vector keep location's 16 bytes (XMM, slot, state field, or
 * a constant: its low 8 bytes, zeros above). Uses rax for a constant. */
static void load_vec_loc(CgCtx *c, unsigned dst, const BackendKeep *k)
{
    X64Emit *e = &c->e;
    switch (k->kind) {
    case BACKEND_LOC_CONST:
        x64_mov_ri(e, X64_RAX, (uint64_t)k->value);
        x64_sse_rxw(e, X64_MOVD_TOX, true, dst, x64_r(X64_RAX));
        return;
    case BACKEND_LOC_VEC:
        if (k->reg != dst)
            x64_sse_rr(e, X64_MOVAPS_LD, dst, k->reg);
        return;
    default:        /* stack slot or state field */
        x64_sse_rx(e, X64_MOVDQU_LD, dst,
                   x64_m(k->kind == BACKEND_LOC_STATE ? X64_REG_STATE : X64_RSP, k->reg));
        return;
    }
}

/* Emit the n moves of one register class (vec: XMM, else GPR), all of mv[0..n) of that
 * class: a parallel move (a source may be another move's destination), cycles broken
 * through rax (xmm0 for vectors: scratch, never a pin's register). */
static void class_moves(CgCtx *c, X64Move *mv, unsigned n, bool vec)
{
    int src_kind = vec ? BACKEND_LOC_VEC : BACKEND_LOC_GPR;
    unsigned park = vec ? X64_XMM0 : X64_RAX;
    while (n) {
        unsigned i;
        for (i = 0; i < n; i++) {       /* a move whose destination no other move reads */
            bool read = false;
            for (unsigned j = 0; j < n; j++)
                read |= j != i && mv[j].src.kind == src_kind && mv[j].src.reg == mv[i].dst;
            if (!read)
                break;
        }
        if (i == n) {
            /* every destination is read: a cycle. Park the first one's old value. */
            unsigned d = mv[0].dst;
            if (vec)
                x64_sse_rr(&c->e, X64_MOVAPS_LD, park, d);
            else
                x64_mov_rr(&c->e, 8, park, d);
            for (unsigned j = 0; j < n; j++)
                if (mv[j].src.kind == src_kind && mv[j].src.reg == d)
                    mv[j].src.reg = (uint16_t)park;
            continue;
        }
        if (vec)
            load_vec_loc(c, mv[i].dst, &mv[i].src);
        else
            x64_load_loc(c, mv[i].dst, &mv[i].src);
        mv[i] = mv[--n];
    }
}

/* Emit the n moves: the GPR ones first (their rax and rcx are free again after them), then
 * the vector ones (whose constants use rax). The two register files are disjoint. */
void x64_loop_moves(CgCtx *c, X64Move *mv, unsigned n)
{
    unsigned g = 0;
    for (unsigned i = 0; i < n; i++)        /* partition: GPR moves first */
        if (!mv[i].vec) {
            X64Move t = mv[g];
            mv[g++] = mv[i];
            mv[i] = t;
        }
    class_moves(c, mv, g, false);
    class_moves(c, mv + g, n - g, true);
}
