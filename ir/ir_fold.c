/* ir_fold.c — the IR builder: ir_emit, its shorthands, and folding at emit time.
 *
 * Folding contract (applies when b->fold is true; with b->fold false every instruction is
 * appended exactly as given, which is what a caller reproducing a block needs):
 *   1. A pure op whose inputs are all CONST becomes a CONST computed by ir_eval (the evaluator
 *      the interpreter uses, so folding cannot disagree with execution). Results that a CONST
 *      cannot express (a V128 with non-zero high half, F80, V256) are not folded.
 *   2. Algebraic identities that hold for every input value:
 *        x+0, x-0, x|0, x^0, x<<0 (shift and rotate counts are taken mod w, so any count that
 *        is 0 mod w) -> x;   x*1, x&-1, x&x, x|x -> x;   x*0, x&0, mulhu/mulhs x,0 -> 0;
 *        x|-1 -> -1;   x^x, x-x -> 0;   x-c -> x+(-c);   (x+c1)+c2 -> x+(c1+c2);
 *        not(not x), neg(neg x) -> x;   zext(zext x), sext(sext x) -> one extension;
 *        sext(zext x) -> zext x;   trunc(zext/sext x) -> x, trunc x or the extension of x,
 *        by x's width;   trunc(trunc x) -> trunc x;   bitcast(bitcast x) back to x's type -> x;
 *        select with a constant condition or equal arms -> that arm;   cmp x, x -> constant;
 *        vxor/vandn x, x -> 0;   vand/vor x, x -> x;   vlowf(vsetlowf(x, f)) -> f (same type);
 *        vsetlowf(x, vlowf x) -> x (same type);   vsetlowf(vsetlowf(x, f), g) -> vsetlowf(x, g)
 *        when g is at least as wide as f.
 *        xor(cmp, 1) -> cmp with the inverse condition;   and(x, 1) -> the I8 boolean that
 *        is bit 0 of x, zero-extended, when x is built from booleans by zext, constant shifts,
 *        and/or/xor (how the frontend assembles flags words; see bit_of);   and/or/xor of
 *        FCMPs of the same two operands (and xor with 1) -> one FCMP when some predicate has
 *        exactly the combined outcomes (or a constant when none or all do);   and/or/xor of
 *        CMPs of the same two operands -> one CMP (or a constant), when they do not mix a
 *        signed and an unsigned order (or(x <s 0, x == 0) -> x <=s 0).
 *      Floating-point ops get no identities (x+0 is not x for -0, x*1 quiets a NaN).
 *   3. Commutative ops put a constant operand second (and otherwise the older value first), so
 *      identities need only look at arg1 and CSE sees one spelling.
 *   4. CSE: a pure instruction identical (op, type, args, immediates) to one already in the
 *      block is not emitted again; the earlier value is returned. GET and LOAD are not pure and
 *      are never shared: forwarding guest state is opt_put_forward's job.
 *   5. EXIT_IF whose condition is the constant 0 is dropped (ir_emit returns IR_NONE).
 *   6. Only with b->forward (the frontend's builder): opt_put_forward's GET rules at emit
 *      time, so the block need not be folded again after that pass. The builder knows the
 *      fields the block's PUTs, KEEPs and GETs left (a CALL forgets them all, a write or read
 *      of part of one forgets it); a GET of exactly a known field's offset and type is its
 *      value, a narrower integer GET at its offset the TRUNC of it. When the table is full
 *      a field is forgotten: opt_put_forward still finds what the builder missed.
 * Only pure instructions are ever removed or replaced; side-effecting instructions are appended
 * in the order they are emitted. Emitting never fails. In debug builds (no NDEBUG) every
 * instruction is checked with the verifier's rules before it is appended, and a violation
 * aborts with the verifier's message: it is a bug in the caller, not a guest input.
 *
 * CSE table layout (private to this file): cse_table holds cse_cap slots of refs (0 = empty,
 * linear probing) followed by two words: the number of used slots and the block size when the
 * table was last in step with it. When the block shrinks behind the builder's back (reset,
 * compaction) or the table fills, it is rebuilt from the block's instructions.
 */
#include <stdlib.h>
#include <string.h>

#include "ir/ir_internal.h"

/* ---------------------------------------------------------------- CSE table */

#define CSE_USED(b)  ((b)->cse_table[(b)->cse_cap])
#define CSE_HIGH(b)  ((b)->cse_table[(b)->cse_cap + 1])

static uint32_t insn_hash(const IrInsn *in)
{
    uint64_t h = (uint64_t)in->op * 0x9E3779B97F4A7C15ull ^ in->type;
    for (int i = 0; i < 3; i++)
        h = (h ^ in->arg[i]) * 0xff51afd7ed558ccdull;
    for (int i = 0; i < 2; i++)
        h = (h ^ (uint64_t)in->imm[i]) * 0xc4ceb9fe1a85ec53ull;
    return (uint32_t)(h ^ (h >> 32));
}

static bool insn_same(const IrInsn *x, const IrInsn *y)
{
    return x->op == y->op && x->type == y->type && x->arg[0] == y->arg[0] &&
           x->arg[1] == y->arg[1] && x->arg[2] == y->arg[2] && x->imm[0] == y->imm[0] &&
           x->imm[1] == y->imm[1];
}

static bool cse_candidate(const IrInsn *in)
{
    return in->op != IR_NOP && (ir_op_info[in->op].props & IRP_PURE) && in->type != IR_VOID;
}

static void cse_insert_slot(IrBuilder *b, IrRef r)
{
    uint32_t mask = b->cse_cap - 1;
    for (uint32_t i = insn_hash(&b->blk->insn[r]) & mask;; i = (i + 1) & mask) {
        if (b->cse_table[i] == 0) {
            b->cse_table[i] = r;
            CSE_USED(b)++;
            return;
        }
    }
}

/* Rebuild the table from the block, with room for twice its instructions. The table the
 * builder holds is reused when its size fits (it is zeroed, so a much larger one left by a
 * big block is replaced rather than cleared at every small block). */
static void cse_rebuild(IrBuilder *b)
{
    uint32_t cap = 64;
    while (cap < 4u * b->blk->n)
        cap *= 2;
    if (!b->cse_table || b->cse_cap < cap || b->cse_cap > 4 * cap) {
        free(b->cse_table);
        b->cse_table = malloc(((size_t)cap + 2) * sizeof *b->cse_table);
        if (!b->cse_table) {
            fputs("ferry: out of memory in ir/\n", stderr);
            abort();
        }
        b->cse_cap = cap;
    }
    memset(b->cse_table, 0, ((size_t)b->cse_cap + 2) * sizeof *b->cse_table);
    for (IrRef r = 1; r < b->blk->n; r++)
        if (cse_candidate(&b->blk->insn[r]))
            cse_insert_slot(b, r);
    CSE_HIGH(b) = b->blk->n;
}

/* Bring the table in step with the block before a lookup. */
static void cse_sync(IrBuilder *b)
{
    if (!b->cse_table || b->blk->n < CSE_HIGH(b) || 2 * (CSE_USED(b) + 1) > b->cse_cap)
        cse_rebuild(b);
}

/* The CSE candidate *in: the equal instruction already in the block, or *in appended and
 * entered in the table (in the empty slot the search ended at: one hash, one probe). */
static IrRef cse_find_or_append(IrBuilder *b, const IrInsn *in)
{
    cse_sync(b);                    /* before the push, so a rebuild does not see it twice */
    uint32_t mask = b->cse_cap - 1, i;
    for (i = insn_hash(in) & mask; b->cse_table[i]; i = (i + 1) & mask) {
        IrRef r = b->cse_table[i];
        if (r < b->blk->n && insn_same(&b->blk->insn[r], in))
            return r;
    }
    IrRef r = ir_block_push(b->blk, in);
    b->cse_table[i] = r;
    CSE_USED(b)++;
    CSE_HIGH(b) = b->blk->n;
    return r;
}

/* ---------------------------------------------------------------- builder basics */

/* The builder borrows the block's CSE table for its lifetime (one allocation for the whole
 * run when the block is reused, as the runtime's scratch block is) and hands it back. */
void ir_builder_init(IrBuilder *b, IrBlock *blk)
{
    b->blk = blk;
    b->fold = true;
    b->forward = false;
    b->n_fwd = 0;
    b->cse_table = blk->cse_table;
    b->cse_cap = blk->cse_cap;
    blk->cse_table = NULL;
    blk->cse_cap = 0;
    if (b->cse_table)
        CSE_HIGH(b) = UINT32_MAX;       /* out of step: rebuilt at the first lookup */
}

void ir_builder_fini(IrBuilder *b)
{
    if (b->blk && !b->blk->cse_table) {
        b->blk->cse_table = b->cse_table;
        b->blk->cse_cap = b->cse_cap;
    } else {
        free(b->cse_table);
    }
    b->cse_table = NULL;
    b->cse_cap = 0;
    b->blk = NULL;
}


static IrRef fold_insn(IrBuilder *b, IrInsn in);

static IrRef emit_const(IrBuilder *b, IrType t, uint64_t v)
{
    IrInsn in = { .op = IR_CONST, .type = (uint8_t)t };
    in.imm[0] = (int64_t)(ir_type_bits(t) < 64 ? v & ir_mask(ir_type_bits(t)) : v);
    return fold_insn(b, in);
}

static IrRef emit1(IrBuilder *b, IrOp op, IrType t, IrRef a)
{
    IrInsn in = { .op = (uint16_t)op, .type = (uint8_t)t, .arg = { a } };
    return fold_insn(b, in);
}

/* ---------------------------------------------------------------- folding */

static bool is_const(IrBuilder *b, IrRef r, uint64_t *v)
{
    return ir_is_const(b->blk, r, v);
}

static const IrInsn *def_of(IrBuilder *b, IrRef r)
{
    return &b->blk->insn[r];
}

/* Rule 1: every input constant -> evaluate. Returns IR_NONE if not applicable. */
static IrRef fold_constants(IrBuilder *b, const IrInsn *in)
{
    const IrOpInfo *info = &ir_op_info[in->op];
    IrValue a[3] = { { 0, 0 }, { 0, 0 }, { 0, 0 } }, out;
    IrType at[3] = { IR_VOID, IR_VOID, IR_VOID };
    if (in->op == IR_CONST)
        return IR_NONE;
    if (info->props & IRP_FPENV)
        return IR_NONE;         /* its result and flags depend on the guest's FP environment */
    for (unsigned i = 0; i < info->nin; i++) {
        if (!is_const(b, in->arg[i], &a[i].lo))
            return IR_NONE;
        at[i] = ir_value_type(b->blk, in->arg[i]);
        if (ir_type_size(at[i]) > 16)
            return IR_NONE;     /* a V256 constant is wider than IrValue */
    }
    IrType t = (IrType)in->type;
    if (t == IR_F80 || ir_type_size(t) > 16)
        return IR_NONE;
    if (!ir_eval((IrOp)in->op, t, a, at, in->imm, &out))
        return IR_NONE;
    if (out.hi != 0)
        return IR_NONE;         /* not expressible as a CONST */
    return emit_const(b, t, out.lo);
}

/* ---------------------------------------------------------------- booleans and flag bits */

/* Readers of x86 flags ask for one bit of a flags word that the frontend assembled from I8
 * booleans (ucomisd/comisd: three FCMPs, shifted and ORed), as and(shr(word, n), 1). These
 * rules follow the bit back to the boolean, and fold boolean combinations of FCMPs of the
 * same two operands into one FCMP, so such a branch becomes one compare. */

#define BOOL_DEPTH 6        /* how deep the searches below look through AND/OR/XOR/shifts */

/* Whether v is an I8 known to be 0 or 1. */
static bool is_bool(IrBuilder *b, IrRef v, unsigned depth)
{
    const IrInsn *d = def_of(b, v);
    if (d->type != IR_I8 || depth > BOOL_DEPTH)
        return false;
    switch (d->op) {
    case IR_CMP: case IR_FCMP:
        return true;
    case IR_CONST:
        return (uint64_t)d->imm[0] <= 1;
    case IR_AND:            /* 0/1 & anything is 0/1 */
        return is_bool(b, d->arg[0], depth + 1) || is_bool(b, d->arg[1], depth + 1);
    case IR_OR: case IR_XOR:
        return is_bool(b, d->arg[0], depth + 1) && is_bool(b, d->arg[1], depth + 1);
    default:
        return false;
    }
}

/* What bit n of an integer value is known to be: 0, 1, the I8 boolean v, or unknown. */
typedef enum BitKind { BIT_UNKNOWN, BIT_ZERO, BIT_ONE, BIT_BOOL } BitKind;
typedef struct Bit { BitKind kind; IrRef v; } Bit;

static IrRef fold_fcmp(IrBuilder *b, IrRef x, IrRef y, IrFCond p, int64_t sig)
{
    IrInsn in = { .op = IR_FCMP, .type = IR_I8, .arg = { x, y } };
    in.imm[0] = p;
    in.imm[1] = sig;
    return fold_insn(b, in);
}

/* Bit n of FCMPFLAGS(x, y): CF = y NLE x (unordered, or x < y), PF = unordered, ZF = equal or
 * unordered; each FCMP raises what the FCMPFLAGS does, so opt_dce drops whichever the
 * readers leave unused (ir_passes.c, fcmp_covered). */
static Bit fcmpflags_bit(IrBuilder *b, IrRef x, IrRef y, int64_t sig, unsigned n)
{
    switch (n) {
    case 0:
        return (Bit){ BIT_BOOL, fold_fcmp(b, y, x, IR_FNLE, sig) };
    case 2:
        return (Bit){ BIT_BOOL, fold_fcmp(b, x, y, IR_FUNORD, sig) };
    case 6: {
        IrRef eq = fold_fcmp(b, x, y, IR_FEQ, sig), un = fold_fcmp(b, x, y, IR_FUNORD, sig);
        IrInsn o = { .op = IR_OR, .type = IR_I8, .arg = { eq, un } };
        return (Bit){ BIT_BOOL, fold_insn(b, o) };
    }
    default:
        return (Bit){ BIT_ZERO, IR_NONE };
    }
}

static Bit bit_of(IrBuilder *b, IrRef x, unsigned n, unsigned depth)
{
    const Bit unknown = { BIT_UNKNOWN, IR_NONE }, zero = { BIT_ZERO, IR_NONE };
    const IrInsn *d = def_of(b, x);
    IrType t = (IrType)d->type;
    if (!ir_type_is_int(t) || depth > BOOL_DEPTH)
        return unknown;
    unsigned w = ir_type_bits(t);
    uint64_t k;
    if (n >= w)
        return zero;
    if (d->op == IR_CONST)
        return (Bit){ ((uint64_t)d->imm[0] >> n) & 1 ? BIT_ONE : BIT_ZERO, IR_NONE };
    if (is_bool(b, x, depth))
        return n == 0 ? (Bit){ BIT_BOOL, x } : zero;
    switch (d->op) {
    case IR_ZEXT:
        return bit_of(b, d->arg[0], n, depth + 1);      /* zero above the inner width */
    case IR_SHL:
        if (!is_const(b, d->arg[1], &k))
            break;
        k &= w - 1;
        return n < k ? zero : bit_of(b, d->arg[0], n - (unsigned)k, depth + 1);
    case IR_SHR:
        if (!is_const(b, d->arg[1], &k))
            break;
        k &= w - 1;
        return bit_of(b, d->arg[0], n + (unsigned)k, depth + 1);   /* n + k >= w: zero */
    case IR_FCMPFLAGS:          /* its three flags as FCMPs (gen_sse.c's comisd did that) */
        return fcmpflags_bit(b, d->arg[0], d->arg[1], d->imm[1], n);
    case IR_OR: case IR_XOR: case IR_AND: {
        Bit p = bit_of(b, d->arg[0], n, depth + 1), q = bit_of(b, d->arg[1], n, depth + 1);
        if (d->op == IR_AND) {
            if (p.kind == BIT_ZERO || q.kind == BIT_ZERO)
                return zero;
            if (p.kind == BIT_ONE)
                return q;
            if (q.kind == BIT_ONE)
                return p;
            break;
        }
        if (p.kind == BIT_ZERO)
            return q;
        if (q.kind == BIT_ZERO)
            return p;
        if (d->op == IR_OR && (p.kind == BIT_ONE || q.kind == BIT_ONE))
            return (Bit){ BIT_ONE, IR_NONE };
        break;
    }
    default:
        break;
    }
    return unknown;
}

/* FCMP predicates as sets of the outcomes (of comparing arg0 with arg1) that make them true. */
enum { FO_LT = 1, FO_EQ = 2, FO_GT = 4, FO_UN = 8, FO_ALL = 15 };
static const uint8_t fcond_set[IR_FCOND_COUNT] = {
    [IR_FEQ] = FO_EQ, [IR_FLT] = FO_LT, [IR_FLE] = FO_LT | FO_EQ, [IR_FUNORD] = FO_UN,
    [IR_FNEQ] = FO_LT | FO_GT | FO_UN, [IR_FNLT] = FO_EQ | FO_GT | FO_UN,
    [IR_FNLE] = FO_GT | FO_UN, [IR_FORD] = FO_LT | FO_EQ | FO_GT,
};

/* The same outcomes seen with the operands swapped. */
static unsigned fo_swap(unsigned set)
{
    return (set & (FO_EQ | FO_UN)) | ((set & FO_LT) << 2) | ((set & FO_GT) >> 2);
}

/* A boolean that is true exactly for the outcomes `set` of comparing x with y (x < y); sig:
 * whether one of the FCMPs it was built from signals on a quiet NaN (FCMP imm1). The FCMP
 * that replaces them signals if any did: every one compares the same two values, so their
 * exceptions together are exactly that FCMP's, and opt_dce may then drop them. */
typedef struct FSet { IrRef x, y; unsigned set; bool sig; } FSet;

static bool fset_of(IrBuilder *b, IrRef v, FSet *out, unsigned depth);

/* The outcome set of op (AND, OR, XOR) applied to two booleans, when both are outcome sets of
 * the same comparison. */
static bool fset_combine(IrBuilder *b, IrOp op, IrRef p0, IrRef p1, FSet *out, unsigned depth)
{
    FSet p, q;
    uint64_t c;
    if (op == IR_XOR && is_const(b, p1, &c) && c == 1) {
        if (!fset_of(b, p0, out, depth + 1))
            return false;
        out->set ^= FO_ALL;
        return true;
    }
    if (!fset_of(b, p0, &p, depth + 1) || !fset_of(b, p1, &q, depth + 1) || p.x != q.x ||
        p.y != q.y)
        return false;
    *out = p;
    out->set = op == IR_AND ? p.set & q.set : op == IR_OR ? p.set | q.set : p.set ^ q.set;
    out->sig = p.sig || q.sig;
    return true;
}

static bool fset_of(IrBuilder *b, IrRef v, FSet *out, unsigned depth)
{
    const IrInsn *d = def_of(b, v);
    if (d->type != IR_I8 || depth > BOOL_DEPTH)
        return false;
    switch (d->op) {
    case IR_FCMP: {
        FSet f = { d->arg[0], d->arg[1], fcond_set[d->imm[0]], d->imm[1] != 0 };
        if (f.x > f.y)
            f = (FSet){ d->arg[1], d->arg[0], fo_swap(f.set), f.sig };
        *out = f;
        return true;
    }
    case IR_AND: case IR_OR: case IR_XOR:
        return fset_combine(b, (IrOp)d->op, d->arg[0], d->arg[1], out, depth);
    default:
        return false;
    }
}

/* One FCMP (or constant) for an outcome set, or IR_NONE when no predicate has that set. */
static IrRef emit_fset(IrBuilder *b, FSet f)
{
    if (f.set == 0 || f.set == FO_ALL)
        return emit_const(b, IR_I8, f.set != 0);
    for (unsigned swap = 0; swap < 2; swap++)
        for (unsigned p = 0; p < IR_FCOND_COUNT; p++)
            if ((swap ? fo_swap(fcond_set[p]) : fcond_set[p]) == f.set) {
                IrInsn in = { .op = IR_FCMP, .type = IR_I8, .arg = { swap ? f.y : f.x,
                                                                     swap ? f.x : f.y } };
                in.imm[0] = p;
                in.imm[1] = f.sig;
                return fold_insn(b, in);
            }
    return IR_NONE;
}

/* Integer CMPs the same way, as sets of the outcomes LT, EQ, GT (FO_LT, FO_EQ, FO_GT) of
 * comparing x with y, signed or unsigned: the frontend builds x86's LE after a logic op as
 * or(x <s 0, x == 0) (ZF | SF, OF being 0), which is one cmp.les. Every subset has a
 * condition, but a signed and an unsigned order do not mix (EQ and NE belong to both). */
enum { IK_ANY, IK_UNSIGNED, IK_SIGNED };
static const struct { uint8_t set, kind; } icond_set[IR_COND_COUNT] = {
    [IR_EQ] = { FO_EQ, IK_ANY },                    [IR_NE] = { FO_LT | FO_GT, IK_ANY },
    [IR_LTU] = { FO_LT, IK_UNSIGNED },              [IR_GEU] = { FO_GT | FO_EQ, IK_UNSIGNED },
    [IR_LEU] = { FO_LT | FO_EQ, IK_UNSIGNED },      [IR_GTU] = { FO_GT, IK_UNSIGNED },
    [IR_LTS] = { FO_LT, IK_SIGNED },                [IR_GES] = { FO_GT | FO_EQ, IK_SIGNED },
    [IR_LES] = { FO_LT | FO_EQ, IK_SIGNED },        [IR_GTS] = { FO_GT, IK_SIGNED },
};
typedef struct ISet { IrRef x, y; unsigned set, kind; } ISet;

static bool iset_of(IrBuilder *b, IrRef v, ISet *out, unsigned depth)
{
    const IrInsn *d = def_of(b, v);
    if (d->type != IR_I8 || depth > BOOL_DEPTH)
        return false;
    uint64_t c;
    ISet p, q;
    switch (d->op) {
    case IR_CMP:
        *out = (ISet){ d->arg[0], d->arg[1], icond_set[d->imm[0]].set, icond_set[d->imm[0]].kind };
        if (out->x > out->y)
            *out = (ISet){ d->arg[1], d->arg[0], fo_swap(out->set), out->kind };
        return true;
    case IR_XOR:
        if (is_const(b, d->arg[1], &c) && c == 1) {
            if (!iset_of(b, d->arg[0], out, depth + 1))
                return false;
            out->set ^= FO_LT | FO_EQ | FO_GT;
            return true;
        }
        /* fall through */
    case IR_AND: case IR_OR:
        if (!iset_of(b, d->arg[0], &p, depth + 1) || !iset_of(b, d->arg[1], &q, depth + 1) ||
            p.x != q.x || p.y != q.y ||
            (p.kind != IK_ANY && q.kind != IK_ANY && p.kind != q.kind))
            return false;
        *out = p;
        out->kind = p.kind != IK_ANY ? p.kind : q.kind;
        out->set = d->op == IR_AND ? p.set & q.set : d->op == IR_OR ? p.set | q.set
                                                                   : p.set ^ q.set;
        return true;
    default:
        return false;
    }
}

/* The one CMP (or constant) for an outcome set of comparing s.x with s.y. */
static IrRef emit_iset(IrBuilder *b, ISet s)
{
    unsigned all = FO_LT | FO_EQ | FO_GT;
    if (s.set == 0 || s.set == all)
        return emit_const(b, IR_I8, s.set != 0);
    for (unsigned cc = 0; cc < IR_COND_COUNT; cc++)
        if (icond_set[cc].set == s.set &&
            (icond_set[cc].kind == IK_ANY || icond_set[cc].kind == s.kind ||
             s.kind == IK_ANY)) {
            IrInsn in = { .op = IR_CMP, .type = IR_I8, .arg = { s.x, s.y } };
            in.imm[0] = cc;
            return fold_insn(b, in);
        }
    return IR_NONE;
}

/* Integer identities with a constant second operand c. */
static IrRef fold_int_const(IrBuilder *b, const IrInsn *in, uint64_t c)
{
    IrType t = (IrType)in->type;
    unsigned w = ir_type_bits(t);
    uint64_t m = ir_mask(w), c1;
    IrRef x = in->arg[0];
    const IrInsn *d = def_of(b, x);
    switch (in->op) {
    case IR_SUB:
        if (c == 0)
            return x;
        c = (0 - c) & m;                /* x - c -> x + (-c), so additions reassociate */
        /* fall through */
    case IR_ADD:
        if (c == 0)
            return x;
        if (d->op == IR_ADD && is_const(b, d->arg[1], &c1)) {
            x = d->arg[0];
            c = (c1 + c) & m;
            if (c == 0)
                return x;
        }
        if (in->op == IR_ADD && x == in->arg[0])
            return IR_NONE;             /* nothing to rewrite: emit as is */
        {
            IrInsn add = { .op = IR_ADD, .type = in->type, .arg = { x, emit_const(b, t, c) } };
            return fold_insn(b, add);
        }
    case IR_OR:
        if (c == 0)
            return x;
        if (c == m)
            return emit_const(b, t, m);
        break;
    case IR_XOR:
        if (c == 0)
            return x;
        if (c == 1 && t == IR_I8 && d->op == IR_CMP) {     /* not(cmp): the inverse condition */
            IrInsn cmp = { .op = IR_CMP, .type = IR_I8, .arg = { d->arg[0], d->arg[1] } };
            cmp.imm[0] = d->imm[0] ^ 1;
            return fold_insn(b, cmp);
        }
        break;
    case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROL: case IR_ROR:
        if ((c & (w - 1)) == 0)
            return x;
        break;
    case IR_MUL:
        if (c == 1)
            return x;
        if (c == 0)
            return emit_const(b, t, 0);
        break;
    case IR_MULHU: case IR_MULHS:
        if (c == 0)
            return emit_const(b, t, 0);
        break;
    case IR_AND:
        if (c == 0)
            return emit_const(b, t, 0);
        if (c == m)
            return x;
        if (c == 1) {                   /* a single bit that is a known boolean */
            Bit bit = bit_of(b, x, 0, 0);
            if (bit.kind == BIT_ZERO || bit.kind == BIT_ONE)
                return emit_const(b, t, bit.kind == BIT_ONE);
            if (bit.kind == BIT_BOOL)
                return t == IR_I8 ? bit.v : emit1(b, IR_ZEXT, t, bit.v);
        }
        break;
    default:
        break;
    }
    return IR_NONE;
}

/* Rule 2: identities. Returns the replacement value or IR_NONE. */
static IrRef fold_identities(IrBuilder *b, const IrInsn *in)
{
    IrType t = (IrType)in->type;
    IrRef x = in->arg[0], y = in->arg[1];
    uint64_t c;
    const IrInsn *dx = x ? def_of(b, x) : NULL;

    if (ir_type_is_int(t) && ir_op_info[in->op].nin == 2 && in->op != IR_CMP &&
        in->op != IR_SELECT && is_const(b, y, &c)) {
        IrRef r = fold_int_const(b, in, c);
        if (r)
            return r;
    }
    if (t == IR_I8 && (in->op == IR_AND || in->op == IR_OR || in->op == IR_XOR)) {
        FSet f;
        if (fset_combine(b, (IrOp)in->op, x, y, &f, 0)) {
            IrRef r = emit_fset(b, f);
            if (r)
                return r;
        }
        /* the same for integer CMPs: the instruction is not in the block yet, so its
         * operands are combined here as iset_of would combine them */
        ISet p, q;
        if (iset_of(b, x, &p, 0) && iset_of(b, y, &q, 0) && p.x == q.x &&
            p.y == q.y && (p.kind == IK_ANY || q.kind == IK_ANY || p.kind == q.kind)) {
            p.kind = p.kind != IK_ANY ? p.kind : q.kind;
            p.set = in->op == IR_AND ? p.set & q.set : in->op == IR_OR ? p.set | q.set
                                                                     : p.set ^ q.set;
            IrRef r = emit_iset(b, p);
            if (r)
                return r;
        }
    }
    switch (in->op) {
    case IR_XOR: case IR_SUB:
        if (x == y)
            return emit_const(b, t, 0);
        break;
    case IR_AND: case IR_OR:
        if (x == y)
            return x;
        break;
    case IR_VXOR: case IR_VANDN:
        if (x == y)
            return emit_const(b, t, 0);
        break;
    case IR_VAND: case IR_VOR:
        if (x == y)
            return x;
        break;
    case IR_VLOWF:              /* the scalar just merged in */
        if (dx->op == IR_VSETLOWF && ir_value_type(b->blk, dx->arg[1]) == t)
            return dx->arg[1];
        break;
    case IR_VSETLOWF: {
        IrType ft = ir_value_type(b->blk, y);
        const IrInsn *dy = def_of(b, y);
        if (dy->op == IR_VLOWF && dy->arg[0] == x && dy->type == ft)
            return x;           /* its own low lane back */
        if (dx->op == IR_VSETLOWF &&
            ir_type_size(ir_value_type(b->blk, dx->arg[1])) <= ir_type_size(ft)) {
            IrInsn set = { .op = IR_VSETLOWF, .type = IR_V128, .arg = { dx->arg[0], y } };
            return fold_insn(b, set);   /* the earlier merge is overwritten entirely */
        }
        break;
    }
    case IR_NOT: case IR_NEG:
        if (dx->op == in->op)
            return dx->arg[0];
        break;
    case IR_ZEXT: case IR_SEXT:
        if (dx->op == in->op || (in->op == IR_SEXT && dx->op == IR_ZEXT))
            return emit1(b, (IrOp)dx->op, t, dx->arg[0]);
        break;
    case IR_TRUNC:
        if (dx->op == IR_ZEXT || dx->op == IR_SEXT) {
            IrRef inner = dx->arg[0];
            IrType it = ir_value_type(b->blk, inner);
            if (it == t)
                return inner;
            return emit1(b, it > t ? IR_TRUNC : (IrOp)dx->op, t, inner);
        }
        if (dx->op == IR_TRUNC)
            return emit1(b, IR_TRUNC, t, dx->arg[0]);
        break;
    case IR_BITCAST:
        if (ir_value_type(b->blk, x) == t)
            return x;
        if (dx->op == IR_BITCAST && ir_value_type(b->blk, dx->arg[0]) == t)
            return dx->arg[0];
        break;
    case IR_SELECT:
        if (is_const(b, x, &c))
            return c ? in->arg[1] : in->arg[2];
        if (in->arg[1] == in->arg[2])
            return in->arg[1];
        break;
    case IR_CMP:
        if (x == y) {
            IrCond cc = (IrCond)in->imm[0];
            bool holds = cc == IR_EQ || cc == IR_GEU || cc == IR_LEU || cc == IR_GES ||
                         cc == IR_LES;
            return emit_const(b, IR_I8, holds);
        }
        break;
    default:
        break;
    }
    return IR_NONE;
}

/* The folding pipeline for one instruction; `in` is already normalised and checked. */
static IrRef fold_insn(IrBuilder *b, IrInsn in)
{
    const IrOpInfo *info = &ir_op_info[in.op];
    uint64_t c;

    if (in.op == IR_CONST && in.type != IR_VOID)
        return cse_find_or_append(b, &in);  /* rules 1-3 have nothing for one: a fifth of
                                               the builder's calls */
    if (in.op == IR_EXIT_IF && is_const(b, in.arg[0], &c) && c == 0)
        return IR_NONE;                                     /* rule 5 */
    if (!cse_candidate(&in))
        return ir_block_push(b->blk, &in);

    if (info->props & IRP_COMM) {                           /* rule 3 */
        bool c0 = is_const(b, in.arg[0], NULL), c1 = is_const(b, in.arg[1], NULL);
        if ((c0 && !c1) || (c0 == c1 && in.arg[0] > in.arg[1])) {
            IrRef tmp = in.arg[0];
            in.arg[0] = in.arg[1];
            in.arg[1] = tmp;
        }
    }
    IrRef r = fold_constants(b, &in);                       /* rule 1 */
    if (!r)
        r = fold_identities(b, &in);                        /* rule 2 */
    if (r)
        return r;
    return cse_find_or_append(b, &in);                     /* rule 4 */
}

/* ---------------------------------------------------------------- forwarding (rule 6) */

/* Known fields never overlap (each is forgotten before an overlapping one is learnt), so
 * their order does not matter to lookups: removal moves the last one into the gap. */
static void fwd_forget(IrBuilder *b, uint64_t off, uint64_t size)
{
    for (unsigned i = 0; i < b->n_fwd;) {
        const IrFwdField *f = &b->fwd[i];
        if (off < (uint64_t)f->off + f->size && f->off < off + size)
            b->fwd[i] = b->fwd[--b->n_fwd];
        else
            i++;
    }
}

static void fwd_learn(IrBuilder *b, uint64_t off, unsigned size, IrType t, IrRef v)
{
    if (v == IR_NONE || size == 0 || off > UINT32_MAX)
        return;
    if (b->n_fwd == IR_FWD_FIELDS)              /* full: forget one */
        b->fwd[0] = b->fwd[--b->n_fwd];
    b->fwd[b->n_fwd++] = (IrFwdField){ (uint32_t)off, (uint8_t)size, (uint8_t)t, v };
}

/* A GET of (off, t): the known value, or IR_NONE (the caller emits the GET). */
static IrRef fwd_get(IrBuilder *b, uint64_t off, IrType t)
{
    unsigned size = ir_type_size(t);
    for (unsigned i = 0; i < b->n_fwd; i++) {
        const IrFwdField *f = &b->fwd[i];
        if (f->off == off && f->size == size && f->type == t)
            return f->value;
    }
    for (unsigned i = 0; i < b->n_fwd; i++) {
        const IrFwdField *f = &b->fwd[i];
        if (f->off == off && size < f->size && ir_type_is_int((IrType)f->type) &&
            ir_type_is_int(t))
            return emit1(b, IR_TRUNC, t, f->value);
    }
    return IR_NONE;
}

/* ---------------------------------------------------------------- entry point */

IrRef ir_emit(IrBuilder *b, IrOp op, IrType type, IrRef a0, IrRef a1, IrRef a2,
              int64_t imm0, int64_t imm1)
{
    IrInsn in = { .op = (uint16_t)op, .type = (uint8_t)type, .arg = { a0, a1, a2 },
                  .imm = { imm0, imm1 } };
    if ((unsigned)op >= IR_OP_COUNT || (unsigned)type >= IR_TYPE_COUNT) {
        fprintf(stderr, "ferry: ir_emit: op %u or type %u out of range\n", (unsigned)op,
                (unsigned)type);
        abort();
    }
    /* Normalise what the text form cannot show, so equal instructions compare equal. */
    for (unsigned i = ir_op_info[op].nimm; i < 2; i++)
        in.imm[i] = 0;
    if (op == IR_CONST && ir_type_bits(type) < 64)
        in.imm[0] = (int64_t)((uint64_t)imm0 & ir_mask(ir_type_bits(type)));
#ifndef NDEBUG
    char err[160];
    if (!ir_check_insn(b->blk, b->blk->n, &in, err, sizeof err)) {
        fprintf(stderr, "ferry: ir_emit: invalid instruction: %s\n", err);
        abort();
    }
#endif
    if (!b->fold)
        return ir_block_push(b->blk, &in);
    if (b->forward) {
        switch (op) {
        case IR_GET: {
            IrRef v = fwd_get(b, (uint64_t)in.imm[0], type);
            if (v)
                return v;
            fwd_forget(b, (uint64_t)in.imm[0], ir_type_size(type));
            v = fold_insn(b, in);
            fwd_learn(b, (uint64_t)in.imm[0], ir_type_size(type), type, v);
            return v;
        }
        case IR_PUT: case IR_KEEP: {
            IrType t = ir_value_type(b->blk, a0);
            fwd_forget(b, (uint64_t)in.imm[0], ir_type_size(t));
            fwd_learn(b, (uint64_t)in.imm[0], ir_type_size(t), t, a0);
            break;
        }
        case IR_CALL:
            b->n_fwd = 0;
            break;
        default:
            break;
        }
    }
    return fold_insn(b, in);
}

/* ---------------------------------------------------------------- shorthands */

IrRef ir_const(IrBuilder *b, IrType t, uint64_t v)
{
    return ir_emit(b, IR_CONST, t, IR_NONE, IR_NONE, IR_NONE, (int64_t)v, 0);
}

IrRef ir_get(IrBuilder *b, IrType t, uint32_t offset)
{
    return ir_emit(b, IR_GET, t, IR_NONE, IR_NONE, IR_NONE, offset, 0);
}

void ir_put(IrBuilder *b, uint32_t offset, IrRef v)
{
    ir_emit(b, IR_PUT, IR_VOID, v, IR_NONE, IR_NONE, offset, 0);
}

IrRef ir_load(IrBuilder *b, IrType t, IrRef addr)
{
    return ir_emit(b, IR_LOAD, t, addr, IR_NONE, IR_NONE, 0, 0);
}

void ir_store(IrBuilder *b, IrRef addr, IrRef v)
{
    ir_emit(b, IR_STORE, IR_VOID, addr, v, IR_NONE, 0, 0);
}

IrRef ir_op1(IrBuilder *b, IrOp op, IrType t, IrRef a)
{
    return ir_emit(b, op, t, a, IR_NONE, IR_NONE, 0, 0);
}

IrRef ir_op2(IrBuilder *b, IrOp op, IrType t, IrRef a, IrRef c)
{
    return ir_emit(b, op, t, a, c, IR_NONE, 0, 0);
}

IrRef ir_cmp(IrBuilder *b, IrCond c, IrRef a, IrRef bb)
{
    return ir_emit(b, IR_CMP, IR_I8, a, bb, IR_NONE, c, 0);
}

IrRef ir_select(IrBuilder *b, IrType t, IrRef cond, IrRef a, IrRef c)
{
    return ir_emit(b, IR_SELECT, t, cond, a, c, 0, 0);
}

IrRef ir_call(IrBuilder *b, IrType t, IrHelperFn fn, IrRef a0, IrRef a1, IrRef a2)
{
    return ir_emit(b, IR_CALL, t, a0, a1, a2, (int64_t)(uintptr_t)fn, 0);
}

void ir_insn_start(IrBuilder *b, uint64_t pc, unsigned len)
{
    ir_emit(b, IR_INSN_START, IR_VOID, IR_NONE, IR_NONE, IR_NONE, (int64_t)pc, len);
}

void ir_exit_if(IrBuilder *b, IrRef cond, uint64_t pc, int64_t exit_word)
{
    ir_emit(b, IR_EXIT_IF, IR_VOID, cond, IR_NONE, IR_NONE, (int64_t)pc, exit_word);
}

void ir_exit(IrBuilder *b, IrRef target, uint64_t pc, int64_t exit_word)
{
    ir_emit(b, IR_EXIT, IR_VOID, target, IR_NONE, IR_NONE, (int64_t)pc, exit_word);
}
