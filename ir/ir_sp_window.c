/* ir_sp_window.c — the stack window pass (ir.h, "The stack window"): which LOAD/STOREs need no
 * guest-limit check, and the checks that keep invariant W at the exits that enter generated
 * code without the runtime.
 *
 * One forward walk. Every I64 value is seen as root + off (lin): a chain of ADD/SUB of
 * constants down to a value that is not one (a constant is root 0, off its value; a GET of
 * the stack pointer while the field holds the block's entry value is the root SP_ENTRY). Two
 * kinds of facts say which roots are safe, both "root + d0 lies in a range":
 *   - SP_ENTRY + 0 lies in the window S (W at entry);
 *   - root + d0 lies in [0, L) for every LOAD/STORE at root + d0 before this point (it
 *     completed: an anchor).
 * An access at root + d needs no check when d is within 2^30 of the entry fact or 2^31 of an
 * anchor; the stack pointer at an exit is inside S when it is SP_ENTRY + 0 or within 2^31 of
 * an anchor. What the stack-pointer field holds is followed through PUT/KEEP (an I64 PUT of
 * all 8 bytes: that value; a partial one: unknown) and CALL (unknown, except for helpers
 * that keep the GPRs, ir_helper_keeps_gprs, when the stack pointer is one); a GET of an unknown field becomes its value. An exit whose stack pointer is not
 * known to be inside S gets its check (ir.h), with a GET of the field first when its value is
 * unknown.
 */
#include <string.h>

#include "ir/ir_internal.h"

#define SP_ENTRY ((IrRef)0xffffffffu)   /* the root of the block's entry stack pointer */
#define ROOT_NEW 0x80000000u            /* roots of values this pass adds */
#define MAX_ANCHORS 64
#define NEAR_ACCESS_ENTRY (1ll << 30)   /* addr_fold's displacement range */
#define NEAR_ANCHOR (1ll << 31)

typedef struct Lin {
    IrRef root;         /* 0: a constant (off is its value); SP_ENTRY; else a value */
    uint64_t off;
} Lin;

typedef struct SpCtx {
    const IrGuestInfo *gi;
    Lin *lin;                   /* per old ref */
    Lin anchor[MAX_ANCHORS];    /* completed accesses (a ring: the oldest go first) */
    unsigned n_anchor, next_anchor;
    /* What the stack-pointer field holds: known (cur, and cur_ref its new ref, IR_NONE for
     * the entry value) or not. */
    bool known;
    Lin cur;
    IrRef cur_ref;
    IrRef checked, bad;         /* the last check's value (new ref) and its outcome */
    IrSpWindowCounts counts;
} SpCtx;

static bool within(uint64_t a, uint64_t b, int64_t dist)
{
    int64_t d = (int64_t)(a - b);
    return d >= -dist && d <= dist;
}

/* Whether a lies within 2^31 of an anchor (an access that completed, so in [0, L)). */
static bool near_anchor(const SpCtx *s, Lin a)
{
    for (unsigned i = 0; i < s->n_anchor; i++)
        if (s->anchor[i].root == a.root && within(a.off, s->anchor[i].off, NEAR_ANCHOR))
            return true;
    return false;
}

static bool access_safe(const SpCtx *s, Lin a)
{
    if (a.root == 0)
        return false;           /* a constant address: the backends know what to do */
    if (a.root == SP_ENTRY && within(a.off, 0, NEAR_ACCESS_ENTRY))
        return true;
    return near_anchor(s, a);
}

static bool sp_safe(const SpCtx *s)
{
    if (!s->known)
        return false;
    if (s->cur.root == 0)
        return ir_sp_in_window(s->cur.off, s->gi->guest_limit);
    if (s->cur.root == SP_ENTRY && s->cur.off == 0)
        return true;
    return near_anchor(s, s->cur);
}

static void add_anchor(SpCtx *s, Lin a)
{
    if (a.root == 0)
        return;
    for (unsigned i = 0; i < s->n_anchor; i++)
        if (s->anchor[i].root == a.root && s->anchor[i].off == a.off)
            return;
    s->anchor[s->next_anchor] = a;
    s->next_anchor = (s->next_anchor + 1) % MAX_ANCHORS;
    if (s->n_anchor < MAX_ANCHORS)
        s->n_anchor++;
}

/* The lin form of I64 instruction r (old ref) of blk; map gives new refs of old ones. */
static Lin lin_of(SpCtx *s, const IrBlock *blk, IrRef r, IrRef new_ref)
{
    const IrInsn *in = &blk->insn[r];
    Lin self = { r, 0 };
    if (in->type != IR_I64)
        return self;
    switch (in->op) {
    case IR_CONST:
        return (Lin){ 0, (uint64_t)in->imm[0] };
    case IR_ADD:
    case IR_SUB: {
        const IrInsn *b = &blk->insn[in->arg[1]];
        const IrInsn *a = &blk->insn[in->arg[0]];
        if (b->op == IR_CONST) {
            Lin l = s->lin[in->arg[0]];
            l.off = in->op == IR_ADD ? l.off + (uint64_t)b->imm[0] : l.off - (uint64_t)b->imm[0];
            return l;
        }
        if (in->op == IR_ADD && a->op == IR_CONST) {
            Lin l = s->lin[in->arg[1]];
            l.off += (uint64_t)a->imm[0];
            return l;
        }
        return self;
    }
    case IR_GET:
        if ((uint64_t)in->imm[0] != s->gi->sp_offset)
            return self;
        if (s->known)
            return s->cur;
        s->known = true;        /* the field holds this value from here on */
        s->cur = self;
        s->cur_ref = new_ref;
        return self;
    default:
        return self;
    }
}

/* Whether a state write of `size` bytes at `off` touches the stack-pointer field. */
static bool hits_sp(const SpCtx *s, uint64_t off, unsigned size)
{
    return off < (uint64_t)s->gi->sp_offset + 8 && off + size > s->gi->sp_offset;
}

/* Append the window check of the stack pointer before an exit to pc (cond: an EXIT_IF's
 * condition, new ref, or IR_NONE). */
static void emit_check(SpCtx *s, IrBlock *out, IrRef cond, uint64_t pc)
{
    IrInsn in;
    IrRef bad;
    if (s->known && s->checked && s->cur_ref == s->checked) {
        bad = s->bad;           /* the same value as at the last check: its outcome */
        goto exit_if;
    }
    if (!s->known) {            /* read the field: a CALL may have written it */
        in = (IrInsn){ .op = IR_GET, .type = IR_I64, .imm = { s->gi->sp_offset, 0 } };
        s->cur_ref = ir_block_push(out, &in);
        s->cur = (Lin){ ROOT_NEW | s->cur_ref, 0 };   /* a root no old ref names */
        s->known = true;
    }
    /* rsp + 2^31 as rsp - (-2^31): a sign-extended 32-bit immediate on x86_64 */
    in = (IrInsn){ .op = IR_CONST, .type = IR_I64, .imm = { -(int64_t)IR_SP_WINDOW_LOW, 0 } };
    IrRef low = ir_block_push(out, &in);
    in = (IrInsn){ .op = IR_SUB, .type = IR_I64, .arg = { s->cur_ref, low } };
    IrRef t = ir_block_push(out, &in);
    in = (IrInsn){ .op = IR_CONST, .type = IR_I64,
                   .imm = { (int64_t)(s->gi->guest_limit + 2 * IR_SP_WINDOW_LOW), 0 } };
    IrRef top = ir_block_push(out, &in);
    in = (IrInsn){ .op = IR_CMP, .type = IR_I8, .arg = { t, top }, .imm = { IR_GEU, 0 } };
    bad = ir_block_push(out, &in);
    s->checked = s->cur_ref;
    s->bad = bad;
exit_if:
    if (cond) {
        in = (IrInsn){ .op = IR_AND, .type = IR_I8, .arg = { bad, cond } };
        bad = ir_block_push(out, &in);
    }
    in = (IrInsn){ .op = IR_EXIT_IF, .type = IR_VOID, .arg = { bad },
                   .imm = { (int64_t)pc, IR_EXIT_WORD(IR_EXIT_STACK, 0, 0) } };
    ir_block_push(out, &in);
    s->counts.exit_checks++;
}

/* One exit (already copied args, in *in): its check, or its kind. */
static void exit_keep_w(SpCtx *s, IrBlock *out, IrInsn *in)
{
    IrExitKind k = IR_EXIT_WORD_KIND(in->imm[1]);
    bool target = in->op == IR_EXIT && in->arg[0] != IR_NONE;
    if (k == IR_EXIT_INDIRECT && target && !sp_safe(s)) {
        in->imm[0] = 0;         /* no return hint: this exit looks nothing up */
        in->imm[1] = IR_EXIT_WORD(IR_EXIT_STACK, 0, 0);
        s->counts.exits_stack++;
        return;
    }
    if (k != IR_EXIT_JUMP || target || sp_safe(s))
        return;
    if (s->known && s->cur.root == 0) {
        /* a constant outside the window: the exit itself goes to the runtime */
        in->imm[1] = IR_EXIT_WORD(IR_EXIT_STACK, 0, 0);
        s->counts.exits_stack++;
        return;
    }
    emit_check(s, out, in->op == IR_EXIT_IF ? in->arg[0] : IR_NONE, (uint64_t)in->imm[0]);
}

void ir_sp_window(IrBlock *blk, const IrGuestInfo *gi, IrSpWindowCounts *counts)
{
    SpCtx s = { .gi = gi, .known = true, .cur = { SP_ENTRY, 0 } };
    if (counts)
        memset(counts, 0, sizeof *counts);
    if (!gi->sp_window || !gi->guest_limit || gi->guest_base != 0 || blk->n < 2)
        return;
    uint32_t n = blk->n;
    s.lin = ir_block_work(blk, IR_WORK_A, n * sizeof *s.lin);
    IrRef *map = ir_block_work(blk, IR_WORK_MAP, n * sizeof *map);
    /* Each exit may add 7 instructions. */
    uint32_t n_exits = 0;
    for (IrRef r = 1; r < n; r++)
        n_exits += blk->insn[r].op == IR_EXIT_IF || blk->insn[r].op == IR_EXIT;
    uint32_t cap = n + 7 * n_exits + 1;
    if (n >= ROOT_NEW || cap >= ROOT_NEW)
        return;
    IrInsn *alt = ir_block_alt(blk, cap);
    cap = blk->alt_cap;
    /* Build into a block header of our own over the spare array, then swap it in. */
    IrBlock out = *blk;
    out.insn = alt;
    out.n = 1;
    out.cap = cap;
    memset(&alt[0], 0, sizeof alt[0]);
    map[0] = IR_NONE;
    for (IrRef r = 1; r < n; r++) {
        IrInsn in = blk->insn[r];
        const IrOpInfo *info = &ir_op_info[in.op];
        for (unsigned i = 0; i < info->nin; i++)
            in.arg[i] = map[in.arg[i]];
        switch (in.op) {
        case IR_LOAD:
        case IR_STORE: {
            Lin a = s.lin[blk->insn[r].arg[0]];
            if (access_safe(&s, a) && !(in.imm[0] & IR_MEM_NOCHECK)) {
                in.imm[0] |= IR_MEM_NOCHECK;
                s.counts.unchecked++;
            }
            add_anchor(&s, a);  /* from here on: it completed */
            break;
        }
        case IR_PUT:
        case IR_KEEP: {
            IrType t = ir_value_type(blk, blk->insn[r].arg[0]);
            unsigned size = ir_type_size(t);
            if (!hits_sp(&s, (uint64_t)in.imm[0], size))
                break;
            s.known = (uint64_t)in.imm[0] == gi->sp_offset && t == IR_I64;
            s.cur = s.lin[blk->insn[r].arg[0]];
            s.cur_ref = in.arg[0];
            break;
        }
        case IR_CALL:
            if (!ir_helper_gprs_kept((IrHelperFn)(uintptr_t)in.imm[0]) ||
                gi->sp_offset < gi->gpr_offset || gi->sp_offset >= gi->gpr_offset + 8 * gi->n_gprs)
                s.known = false;
            break;
        case IR_EXIT_IF:
        case IR_EXIT:
            exit_keep_w(&s, &out, &in);
            break;
        default:
            break;
        }
        IrRef nr = out.n;
        if (info->nout)
            s.lin[r] = lin_of(&s, blk, r, nr);
        map[r] = ir_block_push(&out, &in);
    }
    ir_block_swap_alt(blk, out.insn, out.n, out.cap);
    if (counts)
        *counts = s.counts;
}
