/* ir_passes.c — the block passes: folding, guest-state forwarding, dead code, compaction.
 *
 * Contract: each pass takes a verified block, leaves it verified, and returns how many
 * instructions it changed (0 means the block is untouched, so a pass can be iterated to a fixed
 * point). Deleted instructions become NOPs (only opt_fold and opt_compact renumber values).
 *
 *   opt_fold         re-emits every instruction through the folding builder (ir_fold.c's
 *                    rules: constants, identities, CSE, EXIT_IF 0), into a fresh array; the
 *                    block comes back renumbered and without NOPs. Counts instructions that did
 *                    not come through unchanged.
 *   opt_put_forward  one forward scan that knows which guest-state fields hold which values:
 *                    a GET of exactly the offset and type of a known field (last PUT, KEEP or
 *                    GET) is replaced by that value, and a narrower integer GET at the offset
 *                    of a known integer field becomes a TRUNC of it (the low bytes). A PUT or
 *                    KEEP of the very value the field is known to hold is deleted (the state
 *                    holds it already, or will wherever anything looks). A PUT or KEEP
 *                    overwritten by a PUT or KEEP of the same offset and size, with no read of
 *                    an overlapping byte in between, is deleted if nothing in between can
 *                    observe the state, and becomes a KEEP if only LOAD, STORE or EXIT_IF can
 *                    (ir.h, "Precise faults": each of them sees the field as the PUT left it,
 *                    at no cost on the hot path). Any other GET or PUT that only partly
 *                    overlaps a known field forgets it (no forwarding, and the earlier PUT is
 *                    kept). A CALL forgets everything: a helper may read or write the state.
 *                    LOAD, STORE and EXIT_IF keep what is known: they do not write the state;
 *                    nor does FKEEP, but a PUT of the value a field holds stays after one
 *                    (it ends the FKEEP's range: faults after it must see the PUT's value).
 *   opt_dce          deletes instructions whose value nobody uses and that have no effect:
 *                    pure ops, GET, and CALLs of reader helpers (ir_helper_register_reader). LOAD is kept (its fault is observable), as is every
 *                    side-effecting op, and every FP op but an FCMP that a later one covers
 *                    with no exit, CALL, LOAD or STORE in between (fcmp_covered).
 *   opt_sink         moves each pure instruction whose uses all come after a later EXIT_IF
 *                    down to just before its first use (keeping the original order among
 *                    instructions that land at the same place), so a side exit does not pay
 *                    for what only the fall-through path needs: typically the flags word of an
 *                    x86 compare that is stored at the block's last exit, while the branch
 *                    itself reads one condition. GET, LOAD and everything with an effect stay.
 *                    The block comes back renumbered.
 *   opt_compact      removes NOPs and renumbers values.
 *   opt_run          fold, forward, fold again from the first instruction forwarding gave new
 *                    inputs (none when the builder forwarded at emit time, ir_fold.c rule 6),
 *                    DCE, compact, sink.
 *   opt_run_folded   the same without the first fold, for blocks the builder emitted with
 *                    folding on (the frontend's): folding them again finds nothing new.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/ir_internal.h"

static void make_nop(IrInsn *in)
{
    memset(in, 0, sizeof *in);
}

/* ---------------------------------------------------------------- fold */

/* Re-emit blk->insn[from..] through the folding builder after a verbatim copy of the
 * instructions before `from` (which folding would give back unchanged: callers pass the first
 * instruction whose inputs changed since the block was last folded, or 1). The builder writes
 * into the block's spare array, which is then swapped in. */
static unsigned fold_from(IrBlock *blk, IrRef from)
{
    IrRef *map = ir_block_work(blk, IR_WORK_MAP, (size_t)blk->n * sizeof *map);
    IrBlock nb = { .guest_pc = blk->guest_pc, .guest_len = blk->guest_len,
                   .guest_insns = blk->guest_insns };
    nb.cap = blk->cap > from ? blk->cap : from + 1;
    nb.insn = ir_block_alt(blk, nb.cap);
    nb.cap = blk->alt_cap;
    /* the spare array now belongs to nb until the swap; the CSE table travels with it */
    blk->alt = NULL;
    blk->alt_cap = 0;
    nb.cse_table = blk->cse_table;
    nb.cse_cap = blk->cse_cap;
    blk->cse_table = NULL;
    blk->cse_cap = 0;
    memcpy(nb.insn, blk->insn, (size_t)from * sizeof *nb.insn);
    nb.n = from;
    for (IrRef r = 0; r < from; r++)
        map[r] = r;

    IrBuilder b;
    unsigned changed = 0;
    ir_builder_init(&b, &nb);
    for (IrRef r = from; r < blk->n; r++) {
        IrInsn in = blk->insn[r];
        map[r] = IR_NONE;
        if (in.op == IR_NOP)
            continue;
        for (int i = 0; i < 3; i++)
            in.arg[i] = map[in.arg[i]];
        uint32_t before = nb.n;
        IrRef nr = ir_emit(&b, (IrOp)in.op, (IrType)in.type, in.arg[0], in.arg[1], in.arg[2],
                           in.imm[0], in.imm[1]);
        map[r] = nr;
        const IrInsn *got = &nb.insn[nr];
        bool same = nr == before && nb.n == before + 1 && got->op == in.op &&
                    got->type == in.type && memcmp(got->arg, in.arg, sizeof in.arg) == 0 &&
                    memcmp(got->imm, in.imm, sizeof in.imm) == 0;
        if (!same)
            changed++;
    }
    ir_builder_fini(&b);
    blk->cse_table = nb.cse_table;
    blk->cse_cap = nb.cse_cap;
    ir_block_swap_alt(blk, nb.insn, nb.n, nb.cap);
    return changed;
}

unsigned opt_fold(IrBlock *blk)
{
    /* NOPs before the first change would be copied; from 1 they are dropped as before */
    return fold_from(blk, 1);
}

/* ---------------------------------------------------------------- PUT/GET forwarding */

typedef struct Field {
    uint32_t off, size;     /* guest-state bytes [off, off+size) */
    uint8_t type;           /* the value's type */
    bool pending;           /* written by `put` and not read since: droppable if overwritten */
    uint32_t seen;          /* FwdCtx.observations when `put` wrote it: more since (a LOAD,
                               STORE or EXIT_IF) and, overwritten, it becomes a KEEP rather
                               than going. A count, so an observation is one increment rather
                               than a visit to every field. */
    bool shadowed;          /* an FKEEP of its bytes since: a PUT of the same value still ends
                               the FKEEP's range, so it stays */
    IrRef value;            /* the value the field holds */
    IrRef put;              /* the PUT or KEEP that wrote it (when pending) */
} Field;

typedef struct FwdCtx {
    Field *f;
    unsigned n, cap;
    uint32_t observations;  /* LOADs, STOREs and EXIT_IFs so far */
    bool heap;              /* f was allocated (it starts in a small array on the stack) */
} FwdCtx;

static bool overlaps(const Field *f, uint64_t off, uint64_t size)
{
    return off < (uint64_t)f->off + f->size && f->off < off + size;
}

static void fwd_add(FwdCtx *c, Field f)
{
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 16;
        Field *nf = realloc(c->heap ? c->f : NULL, c->cap * sizeof *nf);
        if (!nf) {
            fputs("ferry: out of memory in ir/\n", stderr);
            abort();
        }
        if (!c->heap)
            memcpy(nf, c->f, c->n * sizeof *nf);
        c->f = nf;
        c->heap = true;
    }
    c->f[c->n++] = f;
}

static void fwd_remove(FwdCtx *c, unsigned i)
{
    c->f[i] = c->f[--c->n];
}

/* opt_put_forward, also telling the first instruction that reads a forwarded value or that
 * became a TRUNC (*first_use; blk->n when none): folding can find something new only from
 * there, since deleting or demoting PUTs changes no instruction's inputs. */
static unsigned put_forward(IrBlock *blk, IrRef *first_use)
{
    IrRef *map = ir_block_work(blk, IR_WORK_MAP, (size_t)blk->n * sizeof *map);
    Field fields[32];
    FwdCtx c = { fields, 0, 32, 0, false };
    unsigned changed = 0;
    IrRef first = blk->n;
    /* map (old ref -> value) is filled only from the first forwarded GET on: the builder
     * forwards at emit time, so usually no GET is left to forward and nothing to rename */
    bool remap = false;

    for (IrRef r = 1; r < blk->n; r++) {
        IrInsn *in = &blk->insn[r];
        if (remap)
            for (int i = 0; i < 3; i++) {
                IrRef a = map[in->arg[i]];
                if (a != in->arg[i] && r < first)
                    first = r;
                in->arg[i] = a;
            }

        switch (in->op) {
        case IR_GET: {
            uint64_t off = (uint64_t)in->imm[0], size = ir_type_size((IrType)in->type);
            bool forwarded = false;
            for (unsigned i = 0; i < c.n; i++) {
                Field *f = &c.f[i];
                if (f->off == off && f->size == size && f->type == in->type) {
                    if (!remap) {
                        for (IrRef j = 0; j < blk->n; j++)
                            map[j] = j;
                        remap = true;
                    }
                    map[r] = f->value;
                    make_nop(in);
                    changed++;
                    forwarded = true;
                    break;
                }
            }
            if (forwarded)
                break;
            /* The low bytes of a known wider integer field (x86: a 32-bit read of a register
             * written as 64 bits): the GET becomes a TRUNC of the field's value in place. */
            for (unsigned i = 0; i < c.n; i++) {
                Field *f = &c.f[i];
                if (f->off == off && size < f->size && ir_type_is_int((IrType)f->type) &&
                    ir_type_is_int((IrType)in->type)) {
                    IrType t = (IrType)in->type;
                    make_nop(in);
                    in->op = IR_TRUNC;
                    in->type = (uint8_t)t;
                    in->arg[0] = f->value;
                    changed++;
                    forwarded = true;
                    if (r < first)
                        first = r;
                    break;
                }
            }
            if (forwarded)
                break;
            for (unsigned i = 0; i < c.n;)      /* partly read: forget (keeps the PUT) */
                if (overlaps(&c.f[i], off, size))
                    fwd_remove(&c, i);
                else
                    i++;
            fwd_add(&c, (Field){ (uint32_t)off, (uint32_t)size, in->type, false, c.observations,
                                 false, r, IR_NONE });
            break;
        }
        case IR_PUT: case IR_KEEP: {
            IrType t = (IrType)blk->insn[in->arg[0]].type;
            uint64_t off = (uint64_t)in->imm[0], size = ir_type_size(t);
            bool same_value = false;
            for (unsigned i = 0; i < c.n; i++) {
                const Field *f = &c.f[i];
                if (f->off == off && f->size == size && f->type == t && f->value == in->arg[0] &&
                    !f->shadowed)
                    same_value = true;
            }
            if (same_value) {
                make_nop(in);       /* the field holds the value already: the field stays as
                                       it is, an earlier PUT or KEEP of it pending or not */
                changed++;
                break;
            }
            for (unsigned i = 0; i < c.n;) {
                Field *f = &c.f[i];
                if (!overlaps(f, off, size)) {
                    i++;
                    continue;
                }
                if (f->pending && f->off == off && f->size == size) {
                    IrInsn *old = &blk->insn[f->put];
                    if (f->seen == c.observations) {
                        make_nop(old);      /* overwritten before anything could see it */
                        changed++;
                    } else if (old->op == IR_PUT) {
                        old->op = IR_KEEP;  /* seen only by faults and side exits */
                        changed++;
                    }
                }
                fwd_remove(&c, i);
            }
            fwd_add(&c, (Field){ (uint32_t)off, (uint32_t)size, (uint8_t)t, true, c.observations,
                                 false, in->arg[0], r });
            break;
        }
        case IR_FKEEP: {    /* writes nothing: the fields keep their values */
            uint64_t off = (uint64_t)in->imm[0];
            uint64_t size = ir_type_size((IrType)blk->insn[in->arg[0]].type);
            for (unsigned i = 0; i < c.n; i++)
                if (overlaps(&c.f[i], off, size))
                    c.f[i].shadowed = true;
            break;
        }
        case IR_CALL:
            c.n = 0;
            break;
        case IR_EXIT_IF: case IR_LOAD: case IR_STORE:
            c.observations++;   /* values still known; a PUT overwritten from now on is
                                   still seen here */
            break;
        default:
            break;
        }
    }
    if (c.heap)
        free(c.f);
    *first_use = first;
    return changed;
}

unsigned opt_put_forward(IrBlock *blk)
{
    IrRef first;
    return put_forward(blk, &first);
}

/* ---------------------------------------------------------------- DCE */

/* Instructions that may go when their value is unused. */
static bool removable(const IrInsn *in)
{
    if (in->op == IR_CALL)      /* only a reader helper's, when its result is unused */
        return ir_helper_is_reader((IrHelperFn)(uintptr_t)in->imm[0]);
    return in->op != IR_NOP && !(ir_op_info[in->op].props & (IRP_SIDE | IRP_MEM_R | IRP_EXIT));
}

/* FP ops (IRP_FPENV) stay even when their value is unused: they raise the FP environment's
 * sticky flags. Except an FCMP whose exceptions a later surviving FCMP of the same two values
 * raises anyway (as signalling or more: imm1) before anything could see the flags without
 * them: ucomisd's three compares once a branch has folded them into one (ir_fold.c, FSet).
 * `kept` lists the surviving FCMPs the backward sweep has passed since the last observer of
 * the flags (fenv_observer; at most DCE_FCMPS, later ones are not looked for, which only
 * keeps more). */
#define DCE_FCMPS 16
typedef struct DceFcmps { unsigned n; IrRef r[DCE_FCMPS]; } DceFcmps;

/* The compares whose only effect besides their value is FCMP's IE: FCMP and FCMPFLAGS (the
 * same imm1). */
static bool is_fcmp(const IrInsn *in) { return in->op == IR_FCMP || in->op == IR_FCMPFLAGS; }

/* What sees the FP environment's sticky flags as they stand when it runs: a taken side exit
 * or the block's exit (the guest's MXCSR), a CALL (a helper may read the environment), and a
 * LOAD or STORE (a fault hands the guest its MXCSR there, runtime/fault.c). An FCMP must have
 * raised its flags, or one covering it must have, before each. */
static bool fenv_observer(const IrInsn *in)
{
    return in->op == IR_EXIT_IF || in->op == IR_EXIT || in->op == IR_CALL ||
           in->op == IR_LOAD || in->op == IR_STORE;
}

static bool fcmp_covered(const IrBlock *blk, const DceFcmps *kept, const IrInsn *in)
{
    for (unsigned k = 0; k < kept->n; k++) {
        const IrInsn *o = &blk->insn[kept->r[k]];
        bool same = (o->arg[0] == in->arg[0] && o->arg[1] == in->arg[1]) ||
                    (o->arg[0] == in->arg[1] && o->arg[1] == in->arg[0]);
        if (same && o->imm[1] >= in->imm[1])
            return true;
    }
    return false;
}

unsigned opt_dce(IrBlock *blk)
{
    unsigned changed = 0;
    DceFcmps kept = { 0, { 0 } };
    for (IrRef r = 1; r < blk->n; r++)
        blk->insn[r].mark = 0;
    /* Uses come after definitions, so one backward sweep sees every use before its def. */
    for (IrRef r = blk->n - 1; r >= 1; r--) {
        IrInsn *in = &blk->insn[r];
        if (in->op == IR_NOP)
            continue;
        bool fp = ir_op_info[in->op].props & IRP_FPENV;
        if (removable(in) && !in->mark &&
            (!fp || (is_fcmp(in) && fcmp_covered(blk, &kept, in)))) {
            make_nop(in);
            changed++;
            continue;
        }
        if (fenv_observer(in))
            kept.n = 0;             /* an FCMP before it owes its flags here */
        else if (is_fcmp(in) && kept.n < DCE_FCMPS)
            kept.r[kept.n++] = r;
        for (int i = 0; i < 3; i++)
            if (in->arg[i])
                blk->insn[in->arg[i]].mark = 1;
    }
    for (IrRef r = 1; r < blk->n; r++)
        blk->insn[r].mark = 0;
    return changed;
}

/* ---------------------------------------------------------------- sinking past side exits */

/* Whether FCMP r may move past the side exits after it: an FCMP of the same two values
 * that signals as much (imm1) and stays in place (pos) comes before the first of them or of
 * any other observer of the flags (fenv_observer: r would move past a LOAD's fault too), so
 * each has seen exactly the flags r would raise (the rule of fcmp_covered). comisd's three
 * compares after a branch folded them into one: the branch's compare covers them, and their
 * combination into the flags word goes to the exit that leaves with it. Looks at most
 * SINK_FCMP_LOOK instructions ahead (later ones only keep r in place). */
#define SINK_FCMP_LOOK 32
static bool sink_fcmp_ok(const IrBlock *blk, const uint32_t *pos, IrRef r)
{
    const IrInsn *in = &blk->insn[r];
    for (IrRef j = r + 1; j < blk->n && j <= r + SINK_FCMP_LOOK; j++) {
        const IrInsn *o = &blk->insn[j];
        if (fenv_observer(o))
            return false;
        if (!is_fcmp(o) || pos[j] != j || o->imm[1] < in->imm[1])
            continue;
        if ((o->arg[0] == in->arg[0] && o->arg[1] == in->arg[1]) ||
            (o->arg[0] == in->arg[1] && o->arg[1] == in->arg[0]))
            return true;
    }
    return false;
}

unsigned opt_sink(IrBlock *blk)
{
    uint32_t n = blk->n;
    /* exits[i] = number of EXIT_IFs at indices below i; pos[r] = where r goes: just before
     * the instruction now at pos[r] (r itself when it stays); first[r] = earliest pos of a
     * user of r. Users are placed before their operands are looked at (backward sweep). */
    uint32_t *exits = ir_block_work(blk, IR_WORK_A, (size_t)(n + 1) * sizeof *exits);
    uint32_t *pos = ir_block_work(blk, IR_WORK_B, (size_t)n * sizeof *pos);
    uint32_t *first = ir_block_work(blk, IR_WORK_C, (size_t)n * sizeof *first);
    unsigned moved = 0;
    exits[0] = 0;
    for (IrRef r = 0; r < n; r++) {
        exits[r + 1] = exits[r] + (blk->insn[r].op == IR_EXIT_IF);
        pos[r] = r;
        first[r] = UINT32_MAX;
    }
    if (exits[n] == 0)
        return 0;                       /* no side exit: nothing to sink past */
    for (IrRef r = n; r-- > 1;) {
        const IrInsn *in = &blk->insn[r];
        if (in->op == IR_NOP)
            continue;
        /* FP ops stay where they are: a side exit before their use still owes their flags.
         * Except an FCMP covered by one that stays before the next exit (sink_fcmp_ok). */
        bool pure = ((ir_op_info[in->op].props & (IRP_PURE | IRP_FPENV)) == IRP_PURE ||
                     (is_fcmp(in) && sink_fcmp_ok(blk, pos, r))) &&
                    ir_op_info[in->op].nout == 1;
        if (pure && first[r] != UINT32_MAX && exits[first[r]] > exits[r + 1]) {
            pos[r] = first[r];
            moved++;
        }
        for (unsigned i = 0; i < 3; i++) {
            IrRef a = in->arg[i];
            if (a != IR_NONE && pos[r] < first[a])
                first[a] = pos[r];
        }
    }
    if (moved) {
        /* The new order: by pos, and by r among equal pos (the original order). A counting
         * sort in place of qsort, which was a tenth of the hot tier's translation time
         * (callgrind): bucket starts by pos in exits, the order in first, both done with. */
        uint32_t *start = exits, *order = first;
        memset(start, 0, (size_t)(n + 1) * sizeof *start);
        for (IrRef r = 1; r < n; r++)
            start[pos[r] + 1]++;
        for (uint32_t q = 1; q <= n; q++)
            start[q] += start[q - 1];
        for (IrRef r = 1; r < n; r++)
            order[start[pos[r]]++] = r;
        IrRef *map = ir_block_work(blk, IR_WORK_MAP, (size_t)n * sizeof *map);
        IrInsn *ni = ir_block_alt(blk, blk->cap);
        uint32_t ni_cap = blk->alt_cap;
        map[0] = IR_NONE;
        ni[0] = blk->insn[0];
        for (IrRef j = 1; j < n; j++)
            map[order[j - 1]] = j;
        for (IrRef j = 1; j < n; j++) {
            IrInsn in = blk->insn[order[j - 1]];
            for (unsigned i = 0; i < 3; i++)
                in.arg[i] = map[in.arg[i]];
            ni[j] = in;
        }
        ir_block_swap_alt(blk, ni, n, ni_cap);
    }
    return moved;
}

/* ---------------------------------------------------------------- compaction */

unsigned opt_compact(IrBlock *blk)
{
    IrRef *map = ir_block_work(blk, IR_WORK_MAP, (size_t)blk->n * sizeof *map);
    IrRef j = 1;
    map[0] = IR_NONE;
    for (IrRef r = 1; r < blk->n; r++) {
        IrInsn in = blk->insn[r];
        if (in.op == IR_NOP) {
            map[r] = IR_NONE;
            continue;
        }
        for (int i = 0; i < 3; i++)
            in.arg[i] = map[in.arg[i]];
        map[r] = j;
        blk->insn[j++] = in;
    }
    unsigned removed = blk->n - j;
    blk->n = j;
    return removed;
}

/* ---------------------------------------------------------------- pipeline */

void opt_run_folded(IrBlock *blk)
{
    IrRef first;
    put_forward(blk, &first);
    if (first < blk->n)
        fold_from(blk, first);
    opt_dce(blk);
    /* compaction before sinking (the same result: sinking keeps the order of what lands at
     * one place, and NOPs never hold an exit) lets sinking run on fewer instructions, and a
     * block it rebuilds comes back without NOPs */
    opt_compact(blk);
    opt_sink(blk);
}

void opt_run_cold(IrBlock *blk)
{
    /* Measured on the cold tier's plain blocks (callgrind inside rt_translate, busybox echo):
     * forwarding alone gives the same host code as the whole pipeline (170,621 -> 171,085
     * bytes), for 8% less translation; without it the code is 4% larger. DCE and sinking
     * change nothing there: the backend emits no code for a pure value nobody uses, and a
     * plain block has at most its final jcc as a side exit. */
    IrRef first;
    put_forward(blk, &first);
    if (first < blk->n)
        fold_from(blk, first);
}

void opt_run(IrBlock *blk)
{
    opt_fold(blk);
    opt_run_folded(blk);
}
