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
 *        vxor/vandn x, x -> 0;   vand/vor x, x -> x.
 *      Floating-point ops get no identities (x+0 is not x for -0, x*1 quiets a NaN).
 *   3. Commutative ops put a constant operand second (and otherwise the older value first), so
 *      identities need only look at arg1 and CSE sees one spelling.
 *   4. CSE: a pure instruction identical (op, type, args, immediates) to one already in the
 *      block is not emitted again; the earlier value is returned. GET and LOAD are not pure and
 *      are never shared: forwarding guest state is opt_put_forward's job.
 *   5. EXIT_IF whose condition is the constant 0 is dropped (ir_emit returns IR_NONE).
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

/* Rebuild the table from the block, with room for twice its instructions. */
static void cse_rebuild(IrBuilder *b)
{
    uint32_t cap = 64;
    while (cap < 4u * b->blk->n)
        cap *= 2;
    free(b->cse_table);
    b->cse_table = calloc((size_t)cap + 2, sizeof *b->cse_table);
    if (!b->cse_table) {
        fputs("ferry: out of memory in ir/\n", stderr);
        abort();
    }
    b->cse_cap = cap;
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

static IrRef cse_find(IrBuilder *b, const IrInsn *in)
{
    uint32_t mask = b->cse_cap - 1;
    for (uint32_t i = insn_hash(in) & mask; b->cse_table[i]; i = (i + 1) & mask) {
        IrRef r = b->cse_table[i];
        if (r < b->blk->n && insn_same(&b->blk->insn[r], in))
            return r;
    }
    return IR_NONE;
}

/* ---------------------------------------------------------------- builder basics */

void ir_builder_init(IrBuilder *b, IrBlock *blk)
{
    b->blk = blk;
    b->fold = true;
    b->cse_table = NULL;
    b->cse_cap = 0;
}

void ir_builder_fini(IrBuilder *b)
{
    free(b->cse_table);
    b->cse_table = NULL;
    b->cse_cap = 0;
    b->blk = NULL;
}

/* Append, keeping the CSE table in step. */
static IrRef append(IrBuilder *b, const IrInsn *in)
{
    if (!cse_candidate(in))
        return ir_block_push(b->blk, in);
    cse_sync(b);                    /* before the push, so a rebuild does not see it twice */
    IrRef r = ir_block_push(b->blk, in);
    cse_insert_slot(b, r);
    CSE_HIGH(b) = b->blk->n;
    return r;
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

    if (in.op == IR_EXIT_IF && is_const(b, in.arg[0], &c) && c == 0)
        return IR_NONE;                                     /* rule 5 */
    if (!cse_candidate(&in))
        return append(b, &in);

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
    cse_sync(b);                                            /* rule 4 */
    r = cse_find(b, &in);
    if (r)
        return r;
    return append(b, &in);
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
