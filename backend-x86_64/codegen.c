/* codegen.c — the value bookkeeping under every op, GET/PUT, LOAD/STORE with their guest-limit
 * checks, KEEPs, exits, liveness and the driver (the ops themselves: codegen_int.c and
 * codegen_vec.c, whole-block plans: codegen_plan.c; codegen_ops.h is what they share).
 *
 * Contract: x64_codegen_block compiles a verified block instruction by instruction into the
 * CodeBuf, checking the red zone once per IR instruction; it returns BE_ERR_FULL, TOO_BIG
 * (more live values than spill slots, more exits than BACKEND_MAX_EXITS) or UNSUPPORTED
 * (GET/PUT offsets beyond what a disp32 reaches) without touching anything outside the
 * buffer. Each op has a cg_<NAME> function; the dispatch table is built from ir_ops.def, so a
 * new op that has no function fails to compile.
 *
 * How an op is emitted (see codegen.h for where values live): operands are used from their
 * homes directly as r/m operands where the instruction allows, or copied into the scratch
 * registers rax/rcx/rdx and xmm0-xmm3 (which are never homes, so no op clobbers a live
 * value); constants become immediates or are rematerialised. The result is computed in its
 * home register when it has one and no operand the op still reads after writing it lives
 * there (dst_gpr/dst_xmm), else in rax/xmm0, and is then stored home by cg_def_gpr/def_xmm.
 * Homes of operands that die at an instruction are freed before its result is placed, so the
 * result may take one over.
 *
 * KEEPs and FKEEPs (ir.h, "Precise faults") emit nothing where they stand. ir_keep_ranges says
 * where each one's range ends; liveness makes its value live to the range's last LOAD/STORE/EXIT_IF (or
 * to its store), and the driver keeps the list of pending ones: before an instruction that
 * observes the state it stores them (keep_before: CALL, EXIT, a GET or partial PUT of their
 * bytes), at a LOAD/STORE it records where they are in the fault map, an EXIT_IF's stub
 * (abi.c) stores them on the way out, and values kept alive only for an instruction's fault
 * point are freed after it (keep_after), so its result never takes their register. Those
 * stores are moves only: they keep the host flags.
 *
 * Liveness (a backward pass) gives each value its last use; pure instructions that nothing
 * needed reads emit no code. A CMP read only by the next EXIT_IF or SELECT (with at most
 * GET/PUT/LOAD/STORE/VLOWF/VSETLOWF, which are plain moves, in between) is not materialised:
 * the branch or CMOV uses the host flags; so is an FCMP whose predicate one UCOMIS and one
 * condition decide (fcmp_fusable).
 *
 * Two-address ops ("mov d, a; op d, b") compute in place: the result's home is the register
 * of the operand loaded first when that operand dies at the op, or of the other operand of a
 * commutative op, which is then swapped in (pick_reg, two_address).
 *
 * Ops whose natural instruction is newer than SSE2 are SSE2 sequences (16-bit unsigned
 * min/max, 64-bit lane compares and arithmetic shifts, 8-bit lane shifts); POPCNT falls back
 * to a bit-twiddling sequence on hosts without it.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_ops.h"

/* ---------------------------------------------------------------- slots and homes */

int cg_slot_alloc(CgCtx *c, unsigned n)
{
    for (unsigned k = 0; k + n <= X64_FRAME_SLOTS; k++) {
        unsigned j = 0;
        while (j < n && !(c->slot_used[(k + j) / 64] >> ((k + j) % 64) & 1))
            j++;
        if (j == n) {
            for (j = 0; j < n; j++)
                c->slot_used[(k + j) / 64] |= 1ull << ((k + j) % 64);
            return (int)k;
        }
        k += j;     /* slot k + j is taken: resume after it */
    }
    fail(c, BE_ERR_TOO_BIG);
    return 0;       /* keep emitting harmlessly; the block is discarded */
}

void cg_slot_free(CgCtx *c, int slot, unsigned n)
{
    for (unsigned j = 0; j < n; j++)
        c->slot_used[(slot + j) / 64] &= ~(1ull << ((slot + j) % 64));
}

static unsigned slots_of(IrType t) { return t == IR_V256 ? 2 : 1; }

/* The register operand a lived in, if a died at the current instruction (its home was
 * released by home_result) and the register is still free; else -1. */
static int freed_reg(const CgCtx *c, IrRef a, CgClass cls)
{
    if (a == IR_NONE)
        return -1;
    const CgVal *av = &c->val[a];
    if (av->is_const || av->alias || av->cls != cls || av->reg < 0 || !av->released ||
        av->last_use != c->cur)
        return -1;
    IrRef owner = cls == CG_GPR ? c->gpr_owner[av->reg] : c->xmm_owner[av->reg];
    return owner ? -1 : av->reg;
}

/* The operand a two-address op reads first into its result register (x86 "op dst, src"):
 * SELECT loads its else-arm, everything else its arg0. None for CALL, whose result comes in
 * rax and is better homed in a callee-saved register (the allocation order) than in the
 * caller-saved one an argument may have left. */
static IrRef first_operand(const IrInsn *in)
{
    if (in->op == IR_CALL)
        return IR_NONE;
    return in->op == IR_SELECT ? in->arg[2] : in->arg[0];
}

/* Choose the home register of the current instruction's result, of class cls: the register of
 * the operand it computes in place (first_operand, or for a commutative op the other one) when
 * that operand dies here, so "mov d, a; op d, b" needs no MOV; else the first free register
 * that no other dying operand has just left (reading it after d is written would force the
 * result into a scratch register). -1 if every register is taken. */
static int pick_reg(CgCtx *c, CgClass cls)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    IrRef first = first_operand(in);
    int r = freed_reg(c, first, cls);
    if (r < 0 && (ir_op_info[in->op].props & IRP_COMM))
        r = freed_reg(c, in->arg[1], cls);
    if (r >= 0)
        return r;
    int fallback = -1;
    unsigned n = cls == CG_GPR ? X64_N_ALLOC_GPRS : X64_N_XMM - X64_FIRST_ALLOC_XMM;
    for (unsigned i = 0; i < n; i++) {
        unsigned g = cls == CG_GPR ? (unsigned)x64_alloc_gprs[i] : X64_FIRST_ALLOC_XMM + i;
        if (cls == CG_GPR && !(c->gpr_avail >> g & 1))
            continue;
        if (cls == CG_GPR ? c->gpr_owner[g] != 0 : c->xmm_owner[g] != 0)
            continue;
        bool left_by_operand = false;
        for (unsigned k = 0; k < 3; k++)
            if (in->arg[k] != first && freed_reg(c, in->arg[k], cls) == (int)g)
                left_by_operand = true;
        if (!left_by_operand)
            return (int)g;
        if (fallback < 0)
            fallback = (int)g;
    }
    return fallback;
}

/* Choose the home of the current instruction's result. */
static void alloc_home(CgCtx *c)
{
    IrRef r = c->cur;
    CgVal *v = &c->val[r];
    int p = v->cls == CG_GPR ? cg_pin_put_target(c) : -1;
    if (p >= 0) {       /* computed in the pinned register the next PUT writes */
        v->alias = true;
        v->reg = (int8_t)p;
        c->aliases[c->n_aliases++] = r;
        return;
    }
    if (c->regalloc && (v->cls == CG_GPR || v->cls == CG_XMM)) {
        int g = pick_reg(c, (CgClass)v->cls);
        if (g >= 0) {
            if (v->cls == CG_GPR)
                c->gpr_owner[g] = r;
            else
                c->xmm_owner[g] = r;
            v->reg = (int8_t)g;
            return;
        }
    }
    v->slot = (int16_t)cg_slot_alloc(c, slots_of(ty(c, r)));
}

static void release(CgCtx *c, IrRef r)
{
    CgVal *v = &c->val[r];
    if (v->released)
        return;
    v->released = true;
    if (v->reg >= 0) {
        if (v->cls == CG_GPR)
            c->gpr_owner[v->reg] = 0;
        else
            c->xmm_owner[v->reg] = 0;
    }
    if (v->slot >= 0)
        cg_slot_free(c, v->slot, slots_of(ty(c, r)));
}

/* How a LOAD/STORE reaches its guest address: [base + index << scale + disp], where the
 * address is ADD(x, k) with a constant k small enough for a displacement (with room for the
 * offsets of a multi-part access), or, without a guest base (r15 would take the index),
 * ADD(x, SHL(y, s)) with s <= 3 or ADD(x, y): the ADD and the SHL are not needed for the
 * access. The host computes the sum modulo 2^64 (plus the guest base), exactly the IR's
 * wrapping ADD and SHL. */
typedef struct AddrFold {
    IrRef base, index;      /* index IR_NONE: [base + disp] */
    unsigned scale;         /* log2 of the index's factor */
    int32_t disp;
} AddrFold;

static bool addr_fold(const CgCtx *c, const IrInsn *in, AddrFold *a)
{
    if (in->op != IR_LOAD && in->op != IR_STORE && in->op != IR_HLOAD)
        return false;
    const IrInsn *d = &c->blk->insn[in->arg[0]];
    if (d->op != IR_ADD || d->type != IR_I64)
        return false;
    const IrInsn *x = &c->blk->insn[d->arg[0]], *k = &c->blk->insn[d->arg[1]];
    if (x->op == IR_CONST)
        return false;
    if (k->op == IR_CONST) {
        if (k->imm[0] < -(1 << 30) || k->imm[0] > (1 << 30))
            return false;
        *a = (AddrFold){ d->arg[0], IR_NONE, 0, (int32_t)k->imm[0] };
        return true;
    }
    if (c->gi->guest_base != 0)
        return false;
    for (unsigned i = 0; i < 2; i++) {      /* the scaled operand may be either */
        const IrInsn *sh = &c->blk->insn[d->arg[i]];
        if (sh->op == IR_SHL && sh->type == IR_I64 && c->blk->insn[sh->arg[1]].op == IR_CONST &&
            c->blk->insn[sh->arg[0]].op != IR_CONST &&
            (uint64_t)c->blk->insn[sh->arg[1]].imm[0] <= 3) {
            *a = (AddrFold){ d->arg[1 - i], sh->arg[0],
                             (unsigned)c->blk->insn[sh->arg[1]].imm[0], 0 };
            return true;
        }
    }
    *a = (AddrFold){ d->arg[0], d->arg[1], 0, 0 };
    return true;
}

/* Whether value o is an operand the current instruction reads (its code may hold o's
 * register in hand while the result's home is chosen). */
bool cg_test_fold(const CgCtx *c, const IrInsn *in, IrRef *x, IrRef *y)
{
    const IrBlock *blk = c->blk;
    if (in->op != IR_CMP || blk->insn[in->arg[1]].op != IR_CONST || blk->insn[in->arg[1]].imm[0])
        return false;
    const IrInsn *a = &blk->insn[in->arg[0]];
    if (a->op != IR_AND || class_of((IrType)a->type) != CG_GPR)
        return false;
    IrRef p = a->arg[0], q = a->arg[1];
    if (blk->insn[p].op == IR_CONST) {
        IrRef t = p;
        p = q;
        q = t;
    }
    if (blk->insn[p].op == IR_CONST)
        return false;
    unsigned sz = tsize((IrType)a->type);
    if (blk->insn[q].op == IR_CONST && sz == 8 && !x64_fits_i32(blk->insn[q].imm[0]))
        return false;
    /* the low bytes of a TRUNC's operand are the TRUNC */
    const IrInsn *t = &blk->insn[p];
    if (t->op == IR_TRUNC && class_of(ty(c, t->arg[0])) == CG_GPR &&
        blk->insn[t->arg[0]].op != IR_CONST)
        p = t->arg[0];
    *x = p;
    *y = q;
    return true;
}

static bool read_here(const CgCtx *c, IrRef o)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    if (in->arg[0] == o || in->arg[1] == o || in->arg[2] == o)
        return true;
    AddrFold a;
    return addr_fold(c, in, &a) && (a.base == o || a.index == o);
}

/* Every register of the current result's class is taken: free the register of the value that
 * lives longest, when that is longer than the result will (linear scan's rule: spilling the
 * interval that ends last keeps the most values in registers). That value moves to a slot
 * (one store; none if a CALL left it one) and reads it there from now on; earlier fault map
 * entries and stub keep lists recorded the register, where it was at their points. Not an
 * operand of this instruction (its code may hold the register), nor an alias, nor a loop's
 * entry value (the loop head wants it in its register); -1 if none fits. */
static int evict_reg(CgCtx *c, CgClass cls)
{
    uint32_t until = c->val[c->cur].last_use;
    int best = -1;
    uint32_t best_end = until;
    unsigned n = cls == CG_GPR ? X64_N_ALLOC_GPRS : X64_N_XMM - X64_FIRST_ALLOC_XMM;
    for (unsigned i = 0; i < n; i++) {
        unsigned g = cls == CG_GPR ? (unsigned)x64_alloc_gprs[i] : X64_FIRST_ALLOC_XMM + i;
        if (cls == CG_GPR && !(c->gpr_avail >> g & 1))
            continue;
        IrRef o = cls == CG_GPR ? c->gpr_owner[g] : c->xmm_owner[g];
        if (!o)
            continue;
        const CgVal *ov = &c->val[o];
        if (ov->alias || ov->last_use <= best_end || read_here(c, o) ||
            (c->loop && o < c->loop->head))
            continue;
        best = (int)g;
        best_end = ov->last_use;
    }
    if (best < 0)
        return -1;
    IrRef o = cls == CG_GPR ? c->gpr_owner[best] : c->xmm_owner[best];
    CgVal *ov = &c->val[o];
    if (ov->slot < 0) {
        ov->slot = (int16_t)cg_slot_alloc(c, 1);
        if (cls == CG_GPR)
            x64_mov_xr(&c->e, 8, slot_mem(ov->slot), (unsigned)best);
        else
            x64_sse_rx(&c->e, X64_MOVDQA_ST, (unsigned)best, slot_mem(ov->slot));
    }
    ov->reg = -1;
    if (cls == CG_GPR)
        c->gpr_owner[best] = 0;
    else
        c->xmm_owner[best] = 0;
    return best;
}

/* Before the current instruction emits anything: when its result will want a register of its
 * class and none will be free (counting the operands that die here), evict_reg frees one.
 * Here and not where the op asks for its home, since an op may emit branches first (a
 * store of the evicted value on one path only would leave the other path without it). */
static void make_room(CgCtx *c)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    const CgVal *v = &c->val[c->cur];
    if (!c->regalloc || v->last_use == 0 || v->is_const || v->in_flags ||
        (v->cls != CG_GPR && v->cls != CG_XMM))
        return;
    if (in->op == IR_GET && v->cls == CG_GPR &&
        x64_pin_field(c->gi, in->imm[0], tsize((IrType)in->type)) >= 0)
        return;                         /* read from its pinned register */
    if (v->rmw)
        return;                         /* no home: done in the state (codegen_plan.c) */
    if (v->cls == CG_GPR && cg_pin_put_target(c) >= 0)
        return;
    unsigned n = v->cls == CG_GPR ? X64_N_ALLOC_GPRS : X64_N_XMM - X64_FIRST_ALLOC_XMM;
    for (unsigned i = 0; i < n; i++) {
        unsigned g = v->cls == CG_GPR ? (unsigned)x64_alloc_gprs[i] : X64_FIRST_ALLOC_XMM + i;
        if (v->cls == CG_GPR && !(c->gpr_avail >> g & 1))
            continue;
        IrRef o = v->cls == CG_GPR ? c->gpr_owner[g] : c->xmm_owner[g];
        if (!o || c->val[o].last_use <= c->cur)
            return;                     /* free, or freed by an operand dying here */
    }
    evict_reg(c, (CgClass)v->cls);
}

void cg_release_args(CgCtx *c)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    for (unsigned i = 0; i < 3; i++) {
        IrRef a = in->arg[i];
        if (a != IR_NONE && c->val[a].last_use == c->cur)
            release(c, a);
    }
    if (c->val[c->cur].put_zext) {
        IrRef z = c->blk->insn[in->arg[0]].arg[0];
        if (c->val[z].last_use == c->cur)
            release(c, z);
    }
    IrRef tx, ty_;
    if (c->val[c->cur].test_fold && cg_test_fold(c, in, &tx, &ty_)) {
        if (c->val[tx].last_use == c->cur)
            release(c, tx);
        if (c->val[ty_].last_use == c->cur)
            release(c, ty_);
    }
    AddrFold a;
    if (addr_fold(c, in, &a)) {
        if (c->val[a.base].last_use == c->cur)
            release(c, a.base);
        if (a.index && c->val[a.index].last_use == c->cur)
            release(c, a.index);
    }
}

X64Rm cg_home(CgCtx *c, IrRef v)
{
    const CgVal *cv = &c->val[v];
    assert(!cv->is_const);
    return cv->reg >= 0 ? x64_r((unsigned)cv->reg) : slot_mem(cv->slot);
}

/* ---------------------------------------------------------------- GPR operands and results */

void cg_load_gpr(CgCtx *c, unsigned dst, IrRef v)
{
    const CgVal *cv = &c->val[v];
    if (cv->is_const)
        x64_mov_ri(&c->e, dst, const_val(c, v));
    else if (cv->reg < 0)
        x64_mov_rx(&c->e, 8, dst, slot_mem(cv->slot));
    else if ((unsigned)cv->reg != dst)
        x64_mov_rr(&c->e, 8, dst, (unsigned)cv->reg);
}

unsigned cg_gpr(CgCtx *c, IrRef v, unsigned scratch)
{
    const CgVal *cv = &c->val[v];
    if (!cv->is_const && cv->reg >= 0)
        return (unsigned)cv->reg;
    cg_load_gpr(c, scratch, v);
    return scratch;
}

/* v as an r/m operand: its home register or slot, or `scratch` holding the constant. */
X64Rm cg_gpr_rm(CgCtx *c, IrRef v, unsigned scratch)
{
    if (is_const(c, v)) {
        cg_load_gpr(c, scratch, v);
        return x64_r(scratch);
    }
    return cg_home(c, v);
}

/* Whether value a (if any, and not a constant) lives in register `reg` of class `cls`. */
static bool lives_in(const CgCtx *c, IrRef a, CgClass cls, int reg)
{
    return a != IR_NONE && !c->val[a].is_const && c->val[a].cls == cls && c->val[a].reg == reg;
}

/* Free the homes of operands dying here and give the current result its home (once). */
static void home_result(CgCtx *c)
{
    cg_release_args(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use != 0 && v->reg < 0 && v->slot < 0)
        alloc_home(c);
}

/* The GPR the current instruction computes its result in: the result's home register, unless
 * it has none or operand avoid0/avoid1 lives there (operands the op reads after it first
 * writes the result register); else rax. The op ends with cg_def_gpr(c, <that register>). */
unsigned cg_dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid0, CG_GPR, r) || lives_in(c, avoid1, CG_GPR, r))
        return X64_RAX;
    return (unsigned)r;
}

/* The operands of a two-address op "d = x op y", computed as "mov d, x; op d, y": for a
 * commutative op whose result took over arg1's register (arg1 dies here, arg0 does not), x is
 * arg1, so the MOV goes away and the op reads arg0 in place. Gives the result its home. */
void cg_two_address(CgCtx *c, const IrInsn *in, CgClass cls, IrRef *x, IrRef *y)
{
    *x = in->arg[0];
    *y = in->arg[1];
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r >= 0 && (ir_op_info[in->op].props & IRP_COMM) && !lives_in(c, *x, cls, r) &&
        lives_in(c, *y, cls, r)) {
        *x = in->arg[1];
        *y = in->arg[0];
    }
}

void cg_def_gpr(CgCtx *c, unsigned src)
{
    home_result(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use == 0)
        return;
    if (v->reg >= 0) {
        if ((unsigned)v->reg != src)
            x64_mov_rr(&c->e, 8, (unsigned)v->reg, src);
    } else {
        x64_mov_xr(&c->e, 8, slot_mem(v->slot), src);
    }
}

/* ---------------------------------------------------------------- XMM operands and results */

/* Load value v (class XMM) into xmm `dst`. Constants go through rax, so callers load XMM
 * operands before they put anything in rax. */
void cg_load_xmm(CgCtx *c, unsigned dst, IrRef v)
{
    const CgVal *cv = &c->val[v];
    if (cv->is_const) {
        uint64_t x = const_val(c, v);
        if (x == 0) {
            x64_sse_rr(&c->e, X64_PXOR, dst, dst);
        } else {
            x64_mov_ri(&c->e, X64_RAX, x);
            x64_sse_rxw(&c->e, X64_MOVD_TOX, true, dst, x64_r(X64_RAX));   /* movq, upper 0 */
        }
    } else if (cv->reg >= 0) {
        if ((unsigned)cv->reg != dst)
            x64_sse_rr(&c->e, X64_MOVAPS_LD, dst, (unsigned)cv->reg);
    } else {
        X64Rm m = slot_mem(cv->slot);
        switch (ty(c, v)) {
        case IR_F32: x64_sse_rx(&c->e, X64_MOVD_TOX, dst, m); break;
        case IR_F64: x64_sse_rx(&c->e, X64_MOVQ_LD, dst, m); break;
        default:     x64_sse_rx(&c->e, X64_MOVDQA_LD, dst, m); break;
        }
    }
}

/* v as an XMM r/m operand: home register or (16-byte aligned) slot, or `scratch` holding the
 * constant. Scalar ops read only the low 4/8 bytes of a slot. */
X64Rm cg_xmm_rm(CgCtx *c, IrRef v, unsigned scratch)
{
    if (is_const(c, v)) {
        cg_load_xmm(c, scratch, v);
        return x64_r(scratch);
    }
    return cg_home(c, v);
}

/* An XMM register holding v: its home, or `scratch` loaded with it. Read only. */
unsigned cg_xmm_reg(CgCtx *c, IrRef v, unsigned scratch)
{
    const CgVal *cv = &c->val[v];
    if (!cv->is_const && cv->reg >= 0)
        return (unsigned)cv->reg;
    cg_load_xmm(c, scratch, v);
    return scratch;
}

/* Store xmm `src` holding a value of type t to memory operand m, with t's size. */
static void store_xmm_typed(CgCtx *c, IrType t, X64Rm m, unsigned src, bool aligned)
{
    switch (t) {
    case IR_F32: x64_sse_rx(&c->e, X64_MOVD_FROMX, src, m); break;
    case IR_F64: x64_sse_rx(&c->e, X64_MOVQ_ST, src, m); break;
    default:     x64_sse_rx(&c->e, aligned ? X64_MOVDQA_ST : X64_MOVDQU_ST, src, m); break;
    }
}

static void load_xmm_typed(CgCtx *c, IrType t, unsigned dst, X64Rm m)
{
    switch (t) {
    case IR_F32: x64_sse_rx(&c->e, X64_MOVD_TOX, dst, m); break;
    case IR_F64: x64_sse_rx(&c->e, X64_MOVQ_LD, dst, m); break;
    default:     x64_sse_rx(&c->e, X64_MOVDQU_LD, dst, m); break;
    }
}

/* The XMM counterpart of dst_gpr: the result's home XMM register or xmm0. */
unsigned cg_dst_xmm(CgCtx *c, IrRef avoid)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid, CG_XMM, r))
        return X64_XMM0;
    return (unsigned)r;
}

void cg_def_xmm(CgCtx *c, unsigned src)
{
    home_result(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use == 0)
        return;
    if (v->reg >= 0) {
        if ((unsigned)v->reg != src)
            x64_sse_rr(&c->e, X64_MOVAPS_LD, (unsigned)v->reg, src);
    } else {
        store_xmm_typed(c, ty(c, c->cur), slot_mem(v->slot), src, true);
    }
}

/* ---------------------------------------------------------------- memory-class values */

/* Copy `size` bytes from src to dst (memory operands), through rax and xmm0. Without a
 * destination (dst NULL) only read them: a LOAD nobody reads may still fault. */
static void copy_bytes(CgCtx *c, const X64Rm *dst, X64Rm src, unsigned size)
{
    unsigned off = 0;
    while (off < size) {
        unsigned left = size - off;
        X64Rm s = x64_rm_off(src, (int32_t)off);
        if (left >= 16) {
            x64_sse_rx(&c->e, X64_MOVDQU_LD, X64_XMM0, s);
            if (dst)
                x64_sse_rx(&c->e, X64_MOVDQU_ST, X64_XMM0, x64_rm_off(*dst, (int32_t)off));
            off += 16;
        } else {
            unsigned n = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            x64_movzx_rx(&c->e, n, X64_RAX, s);
            if (dst)
                x64_mov_xr(&c->e, n, x64_rm_off(*dst, (int32_t)off), X64_RAX);
            off += n;
        }
    }
}

/* Copy memory-class value v into the memory operand dst. */
void cg_copy_value(CgCtx *c, X64Rm dst, IrRef v)
{
    copy_bytes(c, &dst, cg_home(c, v), tsize(ty(c, v)));
}

/* Home (slot) of the current instruction's memory-class result. Operands are not released
 * first, so the result never shares a slot with an operand being copied. */
X64Rm cg_def_mem(CgCtx *c)
{
    CgVal *v = &c->val[c->cur];
    if (v->slot < 0)
        alloc_home(c);
    return slot_mem(v->slot);
}

/* ---------------------------------------------------------------- typed memory access */

/* Result of the current instruction (type t) = the t-sized value at memory operand m (which
 * may use the home register of a dying operand: the load reads it before writing). */
static void load_typed(CgCtx *c, IrType t, X64Rm m)
{
    switch (class_of(t)) {
    case CG_GPR: {
        CgVal *v = &c->val[c->cur];
        const IrInsn *user = v->n_uses == 1 ? &c->blk->insn[v->last_use] : NULL;
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        if (user && user->op == IR_SEXT && user->arg[0] == c->cur && tsize(t) < 8 &&
            tsize((IrType)user->type) >= 4) {
            x64_movsx_rx(&c->e, tsize((IrType)user->type), tsize(t), d, m);
            v->sext_held = true;
        } else {
            x64_movzx_rx(&c->e, tsize(t), d, m);
        }
        cg_def_gpr(c, d);
        break;
    }
    case CG_XMM: {
        unsigned d = cg_dst_xmm(c, IR_NONE);
        load_xmm_typed(c, t, d, m);
        cg_def_xmm(c, d);
        break;
    }
    case CG_MEM:
        if (c->val[c->cur].last_use != 0) {
            X64Rm d = cg_def_mem(c);
            copy_bytes(c, &d, m, tsize(t));
        } else {
            copy_bytes(c, NULL, m, tsize(t));
        }
        break;
    }
}

/* Memory operand m = value v with its type's size. m must not use rax. */
static void store_typed(CgCtx *c, IrRef v, X64Rm m)
{
    IrType t = ty(c, v);
    unsigned size = tsize(t);
    int32_t imm;
    switch (class_of(t)) {
    case CG_GPR:
        if (const_imm32(c, v, size, &imm))
            x64_mov_xi(&c->e, size, m, imm);
        else
            x64_mov_xr(&c->e, size, m, cg_gpr(c, v, X64_RAX));
        break;
    case CG_XMM:
        store_xmm_typed(c, t, m, cg_xmm_reg(c, v, X64_XMM0), false);
        break;
    case CG_MEM:
        cg_copy_value(c, m, v);
        break;
    }
}

/* ---------------------------------------------------------------- KEEP */

/* The value a KEEP holds alive: its operand, the x of its x + k (keep_base), or none when
 * the state holds it (in_state). */
static IrRef keep_value(const CgCtx *c, IrRef k)
{
    if (c->keep[k].in_state)
        return IR_NONE;
    return c->keep_base[k] ? c->keep_base[k] : c->blk->insn[k].arg[0];
}

BackendKeep cg_keep_loc(const CgCtx *c, IrRef k)
{
    const IrInsn *in = &c->blk->insn[k];
    IrRef v = keep_value(c, k);
    BackendKeep b = { (uint32_t)in->imm[0], (uint8_t)tsize(ty(c, in->arg[0])), BACKEND_LOC_CONST,
                      0, 0 };
    if (v == IR_NONE) {
        int p = x64_pin_of_field(c->gi, c->keep[k].src);
        if (p >= 0) {       /* the field lives in its pinned register (codegen_pin.c) */
            b.kind = BACKEND_LOC_GPR;
            b.reg = (uint16_t)p;
            b.value = c->keep[k].addend;
            return b;
        }
        b.kind = BACKEND_LOC_STATE;
        b.reg = (uint16_t)c->keep[k].src;
        b.value = c->keep[k].addend;
        return b;
    }
    const CgVal *cv = &c->val[v];
    if (cv->is_const) {
        b.value = (int64_t)const_val(c, v);
        return b;
    }
    assert(!cv->released && (cv->reg >= 0 || cv->slot >= 0));  /* live to its last_obs */
    if (cv->reg >= 0) {
        b.kind = cv->cls == CG_GPR ? BACKEND_LOC_GPR : BACKEND_LOC_VEC;
        b.reg = (uint16_t)cv->reg;
    } else {
        _Static_assert(X64_SLOT_DISP(X64_FRAME_SLOTS) <= UINT16_MAX, "slot offsets fit BackendKeep.reg");
        b.kind = BACKEND_LOC_STACK;
        b.reg = (uint16_t)X64_SLOT_DISP(cv->slot);
    }
    if (c->keep_base[k] && c->blk->insn[in->arg[0]].op == IR_ADD)  /* x + k: the ADD's k */
        b.value = c->blk->insn[c->blk->insn[in->arg[0]].arg[1]].imm[0];
    return b;
}

/* The keep's value into its state field (no pinned bytes there). */
static void store_keep_state(CgCtx *c, const BackendKeep *k)
{
    X64Rm m = x64_m(X64_REG_STATE, (int32_t)k->off);
    switch (k->kind) {
    case BACKEND_LOC_CONST:
        /* value in the low 8 bytes, zeros above (V128 constants), in pieces of 8/4/2/1 */
        for (unsigned off = 0; off < k->size;) {
            unsigned left = k->size - off, n = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            uint64_t v = off == 0 ? (uint64_t)k->value : 0;
            X64Rm d = x64_rm_off(m, (int32_t)off);
            if (n == 8 && !x64_fits_i32((int64_t)v)) {
                x64_mov_ri(&c->e, X64_RAX, v);
                x64_mov_xr(&c->e, 8, d, X64_RAX);
            } else {
                x64_mov_xi(&c->e, n, d, (int32_t)(uint32_t)v);
            }
            off += n;
        }
        break;
    case BACKEND_LOC_GPR:
        if (k->value == 0) {
            x64_mov_xr(&c->e, k->size, m, k->reg);
            break;
        }
        /* reg + addend, with LEA: the flags may be a fused compare's */
        if (x64_fits_i32(k->value)) {
            x64_lea_rm(&c->e, 8, X64_RAX, x64_m(k->reg, (int32_t)k->value));
        } else {
            x64_mov_ri(&c->e, X64_RCX, (uint64_t)k->value);
            x64_lea_rm(&c->e, 8, X64_RAX, x64_mx(k->reg, X64_RCX, 0, 0));
        }
        x64_mov_xr(&c->e, k->size, m, X64_RAX);
        break;
    case BACKEND_LOC_VEC:
        x64_sse_rx(&c->e, k->size == 4 ? X64_MOVD_FROMX : k->size == 8 ? X64_MOVQ_ST
                                       : X64_MOVDQU_ST, k->reg, m);
        break;
    default: {      /* a slot or a state field (8 bytes there) */
        X64Rm src = x64_m(k->kind == BACKEND_LOC_STATE ? X64_REG_STATE : X64_RSP, k->reg);
        if (k->value == 0) {
            copy_bytes(c, &m, src, k->size);
            break;
        }
        x64_mov_rx(&c->e, 8, X64_RAX, src);
        if (x64_fits_i32(k->value)) {
            x64_lea_rm(&c->e, 8, X64_RAX, x64_m(X64_RAX, (int32_t)k->value));
        } else {
            x64_mov_ri(&c->e, X64_RCX, (uint64_t)k->value);
            x64_lea_rm(&c->e, 8, X64_RAX, x64_mx(X64_RAX, X64_RCX, 0, 0));
        }
        x64_mov_xr(&c->e, k->size, m, X64_RAX);
        break;
    }
    }
}

/* A keep into a pinned field (codegen_pin.c): a whole field from an integer location is a
 * move into its register; anything else goes through the state, the registers it overlaps
 * stored first and loaded back after. */
void cg_store_keep(CgCtx *c, const BackendKeep *k)
{
    unsigned mask = x64_pin_overlap(c->gi, k->off, k->size);
    if (!mask) {
        store_keep_state(c, k);
        return;
    }
    int p = x64_pin_field(c->gi, k->off, k->size);
    if (p >= 0 && k->size == 8 && k->kind != BACKEND_LOC_VEC) {
        x64_load_loc(c, (unsigned)p, k);
        return;
    }
    x64_pin_sync(&c->e, c->gi, mask, false);
    store_keep_state(c, k);
    x64_pin_sync(&c->e, c->gi, mask, true);
}

/* Before instruction r: the KEEPs it observes are stored (CALL, EXIT, GET or partial PUT of
 * their bytes: ir_keep_ranges), and a LOAD/STORE records the pending ones in the fault map.
 * A KEEP's value that nothing else needs is freed after its store, so a CALL need not save
 * it. */
static void keep_before(CgCtx *c, IrRef r, const uint8_t *limit)
{
    const IrInsn *in = &c->blk->insn[r];
    /* a loop's back edge moves the pinned fields' KEEPs into registers instead (abi.c) */
    bool back = x64_loop_is_back_edge(c, in);
    unsigned n_store = 0;
    for (int pass = 0; pass < 2 && (c->keep_at[r] & CG_KEEP_STORE); pass++) {
        for (unsigned i = 0; i < c->n_pending; i++) {
            IrRef k = c->pending[i];
            if (c->keep[k].end != r || !c->keep[k].store)
                continue;
            if (back && x64_loop_pin_of(c, (uint32_t)c->blk->insn[k].imm[0]) >= 0)
                continue;
            const IrInsn *ki = &c->blk->insn[k];
            int p = x64_pin_field(c->gi, ki->imm[0], 8);
            if (pass == 0 && p >= 0)    /* it writes a pinned register: its aliases move out */
                cg_pin_evict(c, p, r);
            else if (pass == 1)
                c->keep_list[n_store++] = cg_keep_loc(c, k);
        }
    }
    if (c->e.p > limit) {
        fail(c, BE_ERR_FULL);
        return;
    }
    if (n_store)
        cg_store_keeps(c, c->keep_list, n_store, limit);
    for (unsigned i = 0; i < c->n_pending && n_store; i++) {   /* after all stores: values shared */
        IrRef k = c->pending[i], v = keep_value(c, k);
        if (back && x64_loop_pin_of(c, (uint32_t)c->blk->insn[k].imm[0]) >= 0)
            continue;
        if (c->keep[k].end == r && c->keep[k].store && v && c->val[v].last_use == r &&
            in->arg[0] != v && in->arg[1] != v && in->arg[2] != v)
            release(c, v);
    }
    if (in->op != IR_LOAD && in->op != IR_STORE)
        return;
    BackendBlockInfo *info = c->info;
    BackendInsnMap *last = info->n_insns ? &info->insns[info->n_insns - 1] : NULL;
    if (c->n_pending == 0 && (!last || last->n_keep == 0))
        return;         /* the entry of the instruction (or of the access before) says it all */
    if (info->n_keeps + c->n_pending > BACKEND_MAX_KEEPS || c->n_pending > UINT16_MAX) {
        fail(c, BE_ERR_TOO_BIG);
        return;
    }
    /* KEEPs first: an FKEEP of the same field is what the fault must see */
    BackendKeep *list = &info->keeps[info->n_keeps];
    unsigned n = 0;
    for (int fkeep = 0; fkeep < 2; fkeep++)
        for (unsigned i = 0; i < c->n_pending; i++)
            if ((c->blk->insn[c->pending[i]].op == IR_FKEEP) == fkeep)
                list[n++] = cg_keep_loc(c, c->pending[i]);
    uint32_t first = info->n_keeps;
    if (last && last->n_keep == c->n_pending &&
        memcmp(&info->keeps[last->keep_first], list, c->n_pending * sizeof *list) == 0)
        first = last->keep_first;           /* the same list as the entry before: share it */
    else
        info->n_keeps += c->n_pending;
    uint32_t host = (uint32_t)(c->e.p - c->code_start);
    if (!last || last->host_offset != host) {
        if (info->n_insns >= BACKEND_MAX_INSN_MAP) {
            fail(c, BE_ERR_TOO_BIG);
            return;
        }
        last = &info->insns[info->n_insns++];
    }
    *last = (BackendInsnMap){ host, c->guest_off, (uint16_t)first, (uint16_t)c->n_pending };
}

/* After instruction r: the KEEPs whose range ends at r close, values kept alive only for
 * r's fault point or exit are freed (only now, so r's result cannot take their register
 * while r may still fault), and a KEEP with a range opens. */
static void keep_after(CgCtx *c, IrRef r)
{
    /* a pending KEEP's value is freed here only at its last observation, and a range closes
     * only at its end: keep_at marks both */
    for (unsigned i = 0; i < c->n_pending && (c->keep_at[r] & CG_KEEP_EVENT);) {
        IrRef k = c->pending[i];
        IrRef v = keep_value(c, k);
        if (v && c->val[v].last_use == r)
            release(c, v);
        if (c->keep[k].end == r)
            c->pending[i] = c->pending[--c->n_pending];
        else
            i++;
    }
    IrOp op = (IrOp)c->blk->insn[r].op;
    if ((op == IR_KEEP || op == IR_FKEEP) && c->keep[r].last_obs != 0)
        c->pending[c->n_pending++] = r;
}

/* ---------------------------------------------------------------- markers, constants, state */

void cg_NOP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }

/* The host pc -> guest instruction map (ir/backend.h): this guest instruction's code starts
 * here. Nothing of it was emitted earlier: ops are emitted in IR order, and the only code
 * placed away from its op (a fused CMP, rematerialised constants, spills) is pure. */
void cg_INSN_START(CgCtx *c, const IrInsn *in)
{
    BackendBlockInfo *info = c->info;
    c->guest_off = (uint32_t)((uint64_t)in->imm[0] - c->blk->guest_pc);
    if (info->n_insns >= BACKEND_MAX_INSN_MAP) {
        fail(c, BE_ERR_TOO_BIG);
        return;
    }
    info->insns[info->n_insns++] = (BackendInsnMap){
        (uint32_t)(c->e.p - c->code_start), c->guest_off, 0, 0 };
}

/* KEEP and FKEEP emit nothing where they stand: the driver (keep_before, keep_after) stores
 * a KEEP where its range says and records both at the fault points in between. */
void cg_KEEP(CgCtx *c, const IrInsn *in)
{
    if (c->val[c->cur].put_now)
        cg_PUT(c, in);
}
void cg_FKEEP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }

/* GPR and XMM constants are rematerialised at each use (is_const, set by the liveness pass);
 * memory-class ones (F80, V256) are written to their slot: low 8 bytes = imm0, rest 0. */
void cg_CONST(CgCtx *c, const IrInsn *in)
{
    if (class_of((IrType)in->type) != CG_MEM)
        return;
    X64Rm d = cg_def_mem(c);
    x64_mov_ri(&c->e, X64_RAX, (uint64_t)in->imm[0]);
    x64_mov_xr(&c->e, 8, d, X64_RAX);
    for (unsigned off = 8; off < tsize((IrType)in->type); off += 8)
        x64_mov_xi(&c->e, 8, x64_rm_off(d, (int32_t)off), 0);
}

/* [r14 + offset], or UNSUPPORTED when the offset does not fit a disp32 with room for the
 * value's bytes (the verifier allows any 32-bit offset; real states are small). */
static X64Rm state_mem(CgCtx *c, int64_t offset)
{
    if (offset < 0 || offset > INT32_MAX - 64) {
        fail(c, BE_ERR_UNSUPPORTED);
        offset = 0;
    }
    return x64_m(X64_REG_STATE, (int32_t)offset);
}

/* Whether every reader of I32 value r looks at the low 32 bits of its register only, so the
 * register may hold anything above them: 32-bit arithmetic (its result is zero-extended by
 * the host), compares, shifts, sign extension, truncation, and a STORE of it. A ZEXT (a
 * 64-bit copy), a KEEP or a PUT would see the upper bits. */
static bool low32_readers_only(const CgCtx *c, IrRef r)
{
    for (IrRef j = r + 1; j <= c->val[r].last_use; j++) {
        const IrInsn *in = &c->blk->insn[j];
        for (unsigned k = 0; k < 3; k++) {
            if (in->arg[k] != r)
                continue;
            switch (in->op) {
            case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR: case IR_MUL:
            case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROL: case IR_ROR:
                if (in->type != IR_I32)
                    return false;
                break;
            case IR_CMP: case IR_SEXT: case IR_TRUNC:
                break;
            case IR_STORE:
                if (k != 1)
                    return false;
                break;
            default:
                return false;
            }
        }
    }
    return true;
}

/* A pinned field (codegen_pin.c) is read from its register: the low 1, 2, 4 or 8 bytes by a
 * movzx or mov; other reads of pinned bytes see them stored into the state first. */
void cg_GET(CgCtx *c, const IrInsn *in)
{
    if (c->val[c->cur].rmw)
        return;                         /* its op reads the state (codegen_plan.c) */
    IrType t = (IrType)in->type;
    int p = x64_pin_field(c->gi, in->imm[0], tsize(t));
    if (p >= 0 && class_of(t) == CG_GPR) {
        CgVal *v = &c->val[c->cur];
        if ((tsize(t) == 8 || (tsize(t) == 4 && low32_readers_only(c, c->cur))) &&
            c->regalloc && c->n_aliases < 64) {
            /* the register itself, until something writes it (cg_pin_evict); for the low
             * 32 bits, readers that never look above them (no movzx copy) */
            v->alias = true;
            v->reg = (int8_t)p;
            c->aliases[c->n_aliases++] = c->cur;
            return;
        }
        if (tsize(t) == 8) {
            cg_def_gpr(c, (unsigned)p);
            return;
        }
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        x64_movzx_rx(&c->e, tsize(t), d, x64_r((unsigned)p));
        cg_def_gpr(c, d);
        return;
    }
    if (p != -1)
        x64_pin_sync(&c->e, c->gi, x64_pin_overlap(c->gi, in->imm[0], tsize(t)), false);
    load_typed(c, t, state_mem(c, in->imm[0]));
}

/* A whole pinned field is written in its register, and so are its low byte or word; other
 * partial writes go through the state (the register stored, the bytes written there, the
 * register loaded back: a store-forwarding stall, so only for the rare ones). */
void cg_PUT(CgCtx *c, const IrInsn *in)
{
    if (c->val[in->arg[0]].rmw)
        return;                         /* written by its op (codegen_plan.c) */
    if (c->val[c->cur].put_zext) {      /* the ZEXT's operand, all 8 bytes (liveness) */
        IrRef z = c->blk->insn[in->arg[0]].arg[0];
        x64_mov_xr(&c->e, 8, state_mem(c, in->imm[0]), cg_gpr(c, z, X64_RAX));
        return;
    }
    IrType t = ty(c, in->arg[0]);
    int p = x64_pin_field(c->gi, in->imm[0], tsize(t));
    if (p >= 0 && tsize(t) == 8 && class_of(t) == CG_GPR) {
        const CgVal *av = &c->val[in->arg[0]];
        if (av->alias && av->reg == p)
            return;                     /* what the register holds */
        cg_pin_evict(c, p, c->cur + 1);
        cg_load_gpr(c, (unsigned)p, in->arg[0]);
        return;
    }
    if (p >= 0 && (tsize(t) == 1 || tsize(t) == 2) && class_of(t) == CG_GPR) {
        /* the low byte or word: a mov into the register's low part (al, ax) */
        cg_pin_evict(c, p, c->cur + 1);
        x64_mov_rr(&c->e, tsize(t), (unsigned)p, cg_gpr(c, in->arg[0], X64_RAX));
        return;
    }
    unsigned mask = p != -1 ? x64_pin_overlap(c->gi, in->imm[0], tsize(t)) : 0;
    for (unsigned i = 0; i < X64_N_PINS; i++)
        if (mask >> i & 1)
            cg_pin_evict(c, x64_pins[i].host, c->cur + 1);
    x64_pin_sync(&c->e, c->gi, mask, false);
    store_typed(c, in->arg[0], state_mem(c, in->imm[0]));
    x64_pin_sync(&c->e, c->gi, mask, true);
}

/* The guest limit (ir.h): [base + disp] compares the base register with the bound word in
 * the state (disp is within +-2^30, addr_fold), once per base value in the block (addr_ok:
 * SSA values never change, and the block's code runs in order); [base + index] the whole
 * address, in rax. A failed check jumps to a stub emitted after the block's exit stubs,
 * which for a base check first checks the whole address and resumes the access when that is
 * below the bound (a base "above" it may be a negative index with the array's address as the
 * displacement; the base of a later access then still cannot reach ferry's memory: with a
 * displacement within +-2^30 it wraps below 2^31 or stays in the top 2^31 of the 64-bit
 * space, which is nobody's in user mode and faults as natively). */
static void limit_check(CgCtx *c, const IrInsn *in, X64Rm m, int base_reg)
{
    if (c->n_mem_stubs >= X64_MAX_MEM_STUBS || c->info->n_insns == 0) {
        fail(c, BE_ERR_TOO_BIG);
        return;
    }
    X64Rm bound = x64_m(X64_REG_STATE, c->gi->guest_bound_offset);
    if (base_reg >= 0) {
        x64_alu_rx(&c->e, X64_CMP, 8, (unsigned)base_reg, bound);
    } else {
        x64_lea_rm(&c->e, 8, X64_RAX, m);
        x64_alu_rx(&c->e, X64_CMP, 8, X64_RAX, bound);
    }
    CgMemStub *st = &c->mem_stubs[c->n_mem_stubs++];
    st->field = x64_jcc32_fwd(&c->e, X64_CC_AE);
    st->resume = c->e.p;
    st->base_only = base_reg >= 0;
    st->mem = m;
    st->store = in->op == IR_STORE;
    st->entry = c->info->insns[c->info->n_insns - 1];
}

/* Host address of the current LOAD/STORE's guest address: [r15 + v] with a guest base, [v]
 * without, with v's constant addend as the displacement (addr_fold). */
static X64Rm guest_mem(CgCtx *c, const IrInsn *in)
{
    AddrFold a = { in->arg[0], IR_NONE, 0, 0 };
    addr_fold(c, in, &a);
    if (!a.index && c->gi->guest_base == 0 && is_const(c, a.base) && !c->val[c->cur].mem_check) {
        /* a constant address (a static program's globals): [disp32] when it fits */
        uint64_t addr = const_val(c, a.base) + (uint64_t)(int64_t)a.disp;
        if (addr < (1u << 31) - 64)
            return x64_mabs((int32_t)addr);
    }
    unsigned r = cg_gpr(c, a.base, X64_RDX);
    if (a.index) {      /* no guest base then */
        X64Rm m = x64_mx(r, cg_gpr(c, a.index, X64_RCX), a.scale, a.disp);
        if (c->val[c->cur].mem_check)
            limit_check(c, in, m, -1);
        return m;
    }
    if (c->gi->guest_base != 0)
        return x64_mx(X64_REG_GUEST_BASE, r, 0, a.disp);
    X64Rm m = x64_m(r, a.disp);
    if (c->val[c->cur].mem_check)
        limit_check(c, in, m, (int)r);
    return m;
}

/* The failed checks' way out (limit_check): the guest address to X86State.fault_addr, then
 * the sentinel access, which faults at the access's own map entry (a copy, appended: these
 * stubs come last, so the map stays sorted). rax is scratch; nothing here returns. */
void x64_emit_mem_stubs(CgCtx *c, const uint8_t *limit)
{
    BackendBlockInfo *info = c->info;
    for (unsigned i = 0; i < c->n_mem_stubs && c->err == BE_OK; i++) {
        const CgMemStub *st = &c->mem_stubs[i];
        if (c->e.p > limit || info->n_insns >= BACKEND_MAX_INSN_MAP) {
            c->err = c->e.p > limit ? BE_ERR_FULL : BE_ERR_TOO_BIG;
            return;
        }
        x64_bind32(&c->e, st->field);
        BackendInsnMap *e = &info->insns[info->n_insns++];
        *e = st->entry;
        e->host_offset = (uint32_t)(c->e.p - c->code_start);
        x64_lea_rm(&c->e, 8, X64_RAX, st->mem);
        if (st->base_only) {
            /* A base at or above the bound whose displacement wraps the address below it
             * (a negative index with an array address as displacement): the access is fine
             * (an address in [limit, bound) faults in the guard by itself). */
            x64_alu_rx(&c->e, X64_CMP, 8, X64_RAX,
                       x64_m(X64_REG_STATE, c->gi->guest_bound_offset));
            uint8_t *back = x64_jcc32_fwd(&c->e, X64_CC_B);
            int32_t rel = (int32_t)(st->resume - (back + 4));
            memcpy(back, &rel, 4);
        }
        x64_mov_xr(&c->e, 8, x64_m(X64_REG_STATE, c->gi->fault_addr_offset), X64_RAX);
        x64_mov_al_moffs(&c->e, IR_GUARD_SENTINEL(c->gi->guest_limit), st->store);
    }
}

static bool removable(const IrInsn *in);

/* Which LOAD/STOREs check the guest limit (mem_check), in code order: an indexed one whose
 * address value no earlier emitted access checked, and a [base + disp] one whose base value
 * no earlier emitted access checked; a constant address below the limit needs none. */
static void plan_limit_checks(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    if (!c->gi->guest_limit || c->gi->guest_base != 0)
        return;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if ((in->op != IR_LOAD && in->op != IR_STORE) ||
            (removable(in) && c->val[r].last_use == 0) || (in->imm[0] & IR_MEM_NOCHECK))
            continue;       /* NOCHECK: the stack window's (ir.h) */
        AddrFold a = { in->arg[0], IR_NONE, 0, 0 };
        addr_fold(c, in, &a);
        if (a.index) {
            /* the same address value (an ADD) checked by an earlier access needs no second
             * check: it is below the bound, as a checked base is */
            if (c->val[in->arg[0]].addr_ok)
                continue;
            c->val[r].mem_check = true;
            c->val[in->arg[0]].addr_ok = true;
            continue;
        }
        const IrInsn *b = &blk->insn[a.base];
        if (c->val[a.base].addr_ok ||
            (b->op == IR_CONST && (uint64_t)b->imm[0] < c->gi->guest_limit - (1u << 30)))
            continue;
        c->val[r].mem_check = true;
        c->val[a.base].addr_ok = true;
    }
}

void cg_LOAD(CgCtx *c, const IrInsn *in)
{
    load_typed(c, (IrType)in->type, guest_mem(c, in));
}

void cg_STORE(CgCtx *c, const IrInsn *in)
{
    store_typed(c, in->arg[1], guest_mem(c, in));
}

/* A host address, never the guest base: [v + k] (the TLB entry's fields fold into k). */
void cg_HLOAD(CgCtx *c, const IrInsn *in)
{
    AddrFold a = { in->arg[0], IR_NONE, 0, 0 };
    addr_fold(c, in, &a);
    unsigned r = cg_gpr(c, a.base, X64_RDX);
    load_typed(c, (IrType)in->type,
               a.index ? x64_mx(r, cg_gpr(c, a.index, X64_RCX), a.scale, a.disp)
                       : x64_m(r, a.disp));
}

/* ---------------------------------------------------------------- calls and exits (abi.c) */

void cg_CALL(CgCtx *c, const IrInsn *in)
{
    x64_emit_call(c, in);
    cg_def_gpr(c, X64_RAX);
}

void cg_RETPUSH(CgCtx *c, const IrInsn *in) { x64_emit_retpush(c, in); }
void cg_EXIT_IF(CgCtx *c, const IrInsn *in) { x64_emit_exit(c, in); }
void cg_EXIT(CgCtx *c, const IrInsn *in)    { x64_emit_exit(c, in); }

/* ---------------------------------------------------------------- dispatch and driver */

typedef void CgFn(CgCtx *c, const IrInsn *in);

static CgFn *const cg_table[IR_OP_COUNT] = {
#define IR_OP(name, nout, nin, nimm, props, sem) [IR_##name] = cg_##name,
#include "ir/ir_ops.def"
#undef IR_OP
};

/* An instruction that may be skipped when its result is unused: no effect besides the value
 * (an FP op also raises the FP environment's flags, ir.h, so it is never skipped). */
static bool removable(const IrInsn *in)
{
    uint32_t props = ir_op_info[in->op].props;
    return (props & (IRP_PURE | IRP_FPENV)) == IRP_PURE || in->op == IR_GET;
}

/* Whether needed instruction r emits any code (only meaningful after the backward pass). */
static bool emits_code(const CgCtx *c, IrRef r)
{
    const IrInsn *in = &c->blk->insn[r];
    if (in->op == IR_NOP || in->op == IR_INSN_START ||
        (in->op == IR_KEEP && !c->val[r].put_now) || in->op == IR_FKEEP || c->val[r].is_const)
        return false;
    return !removable(in) || c->val[r].last_use != 0;
}

/* Ops whose code is only moves (MOV, MOVZX, MOVSX, SSE moves): they keep the host flags (a
 * LOAD or STORE with a limit check does not). The extensions matter for x86's test/and + jcc,
 * whose flags word keeps the zero-extended result between the compare and its branch. */
static bool flag_neutral(const CgCtx *c, IrRef r)
{
    const IrInsn *in = &c->blk->insn[r];
    if (c->val[r].mem_check)
        return false;
    return in->op == IR_GET || in->op == IR_PUT || in->op == IR_LOAD || in->op == IR_STORE ||
           in->op == IR_HLOAD || in->op == IR_KEEP ||
           in->op == IR_VLOWF || in->op == IR_VSETLOWF ||
           in->op == IR_ZEXT || in->op == IR_SEXT || in->op == IR_TRUNC;  /* mov, movzx, movsx */
}

/* Whether ZEXT v to I64, read by nothing after the instruction being looked at (backward
 * liveness), may be replaced there by its operand: integers are held zero-extended in their
 * registers and slots (a 32-bit GET alias of a pinned register is not, but never has a ZEXT
 * reader: low32_readers_only). */
static bool zext_copy(const CgCtx *c, IrRef v)
{
    const IrInsn *d = &c->blk->insn[v];
    return d->op == IR_ZEXT && d->type == IR_I64 && c->val[v].last_use == 0 &&
           c->blk->insn[d->arg[0]].op != IR_CONST;
}

/* Backward liveness: an instruction is needed if it has an effect or a needed instruction
 * reads it; last_use of each value is its last needed reader. Instructions not needed get
 * last_use 0 and are skipped. */
static void liveness(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    for (IrRef r = blk->n; r-- > 1;) {
        const IrInsn *in = &blk->insn[r];
        CgVal *v = &c->val[r];
        v->slot = -1;
        v->reg = -1;
        v->cls = (uint8_t)class_of((IrType)in->type);
        v->is_const = in->op == IR_CONST && v->cls != CG_MEM;
        v->released = false;
        v->sext_held = false;
        v->test_fold = false;
        v->rmw = false;
        v->put_zext = false;
        bool needed = !removable(in) || v->last_use != 0;
        if (!needed || in->op == IR_NOP)
            continue;
        if ((in->op == IR_KEEP && !v->put_now) || in->op == IR_FKEEP) {
            /* read at its range's last fault point, exit or store, if any. A KEEP of x + k
             * that nothing after it reads keeps x instead, and its location says "+ k":
             * the ADD need not be computed (x86: a pop loads [rsp + k] directly). */
            uint32_t obs = c->keep[r].last_obs;
            if (obs == 0)
                continue;       /* nothing to keep alive */
            IrRef v = in->arg[0], base = IR_NONE;
            const IrInsn *d = &blk->insn[v];
            if (d->op == IR_ADD && d->type == IR_I64 && c->val[v].last_use == 0 &&
                blk->insn[d->arg[1]].op == IR_CONST && blk->insn[d->arg[0]].op != IR_CONST)
                base = v = d->arg[0];
            else if (zext_copy(c, v))
                base = v = d->arg[0];       /* a ZEXT's operand is its bits already */
            /* Where the state holds the value anyway (in_state), read it there unless the
             * value lives on in its register regardless (that is cheaper to store). */
            if (c->keep[r].in_state && c->val[v].last_use < obs)
                continue;
            c->keep[r].in_state = false;
            c->keep_base[r] = base;
            CgVal *a = &c->val[v];
            if (a->last_use < obs)
                a->last_use = obs;
            a->n_uses++;
            continue;
        }
        AddrFold af;
        bool folded = addr_fold(c, in, &af);
        IrRef reads[4] = { folded ? af.base : in->arg[0], in->arg[1], in->arg[2],
                           folded ? af.index : IR_NONE };      /* the ADD is not read */
        if (in->op == IR_PUT && zext_copy(c, in->arg[0]) &&
            x64_pin_field(c->gi, in->imm[0], 8) == -1) {
            /* the 8 bytes of the ZEXT's operand's home are the ZEXT (cg_PUT) */
            v->put_zext = true;
            reads[0] = blk->insn[in->arg[0]].arg[0];
        }
        IrRef tx, ty_;
        if (cg_test_fold(c, in, &tx, &ty_) && c->val[in->arg[0]].last_use == 0) {
            /* nothing after reads the AND: the CMP tests its operands (cg_CMP) */
            v->test_fold = true;
            reads[0] = tx;
            reads[1] = ty_;
        }
        for (unsigned i = 0; i < 4; i++) {
            IrRef a = reads[i];
            if (a == IR_NONE)
                continue;
            if (c->val[a].last_use == 0)
                c->val[a].last_use = r;     /* the first reader seen going back is the last */
            c->val[a].n_uses++;
        }
    }
    plan_limit_checks(c);
    /* A CMP read once, as the condition of the next instruction that emits code other than
     * flag-neutral moves, stays in the host flags (cmp + jcc/cmovcc, no SETcc/MOVZX/TEST). */
    for (IrRef r = 1; r < blk->n; r++) {
        CgVal *v = &c->val[r];
        X64Cond cc;
        bool swap;
        bool fusable = blk->insn[r].op == IR_CMP ||
                       (blk->insn[r].op == IR_FCMP && cg_fcmp_fusable(blk->insn[r].imm[0], &cc, &swap));
        if (!fusable || v->n_uses != 1)
            continue;
        IrRef j = r + 1;
        while (j < v->last_use && (!emits_code(c, j) || flag_neutral(c, j)))
            j++;
        const IrInsn *u = &blk->insn[j];
        v->in_flags = j == v->last_use && (u->op == IR_EXIT_IF || u->op == IR_SELECT) &&
                      u->arg[0] == r;
    }
}

int x64_codegen_block(CgCtx *c, const CodeBuf *cb)
{
    const IrBlock *blk = c->blk;
    /* The four per-instruction arrays in one zeroed allocation (four callocs and frees were
     * a twentieth of the backend's time on short blocks); each part 16-byte aligned. */
    size_t n = blk->n, round = 15;
    size_t sz_val = (n * sizeof *c->val + round) & ~round;
    size_t sz_keep = (n * sizeof *c->keep + round) & ~round;
    size_t sz_ref = (n * sizeof(IrRef) + round) & ~round;
    size_t sz_list = (n * sizeof(BackendKeep) + round) & ~round;
    char *arena = calloc(1, sz_val + sz_keep + 2 * sz_ref + sz_list + n);
    if (!arena)
        return BE_ERR_TOO_BIG;
    c->val = (CgVal *)(void *)arena;
    c->keep = (IrKeepRange *)(void *)(arena + sz_val);
    c->keep_base = (IrRef *)(void *)(arena + sz_val + sz_keep);
    c->pending = (IrRef *)(void *)(arena + sz_val + sz_keep + sz_ref);
    c->keep_list = (BackendKeep *)(void *)(arena + sz_val + sz_keep + 2 * sz_ref);
    c->keep_at = (uint8_t *)(arena + sz_val + sz_keep + 2 * sz_ref + sz_list);
    ir_keep_ranges(blk, c->keep);
    for (unsigned r = 0; r < 16; r++)
        if (x64_gpr_allocatable(r, c->gi))
            c->gpr_avail |= (uint16_t)(1u << r);
    /* A KEEP of pinned bytes other than a whole field from a GPR value is stored where it
     * stands (a KEEP may always be: faults after it see its value either way), so keep
     * lists only ever move whole values into pinned registers (cg_store_keeps). */
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if (in->op != IR_KEEP)
            continue;
        IrType t = (IrType)blk->insn[in->arg[0]].type;
        int p = x64_pin_field(c->gi, in->imm[0], ir_type_size(t));
        if (p == -2 || (p >= 0 && (ir_type_size(t) != 8 || !ir_type_is_int(t)))) {
            c->val[r].put_now = true;
            c->keep[r].last_obs = 0;
            c->keep[r].store = false;
        }
    }
    for (IrRef r = 1; r < blk->n; r++) {
        if (blk->insn[r].op != IR_KEEP && blk->insn[r].op != IR_FKEEP)
            continue;
        const IrKeepRange *k = &c->keep[r];
        if (k->end < blk->n)
            c->keep_at[k->end] |= (uint8_t)(CG_KEEP_EVENT | (k->store ? CG_KEEP_STORE : 0));
        if (k->last_obs < blk->n)
            c->keep_at[k->last_obs] |= CG_KEEP_EVENT;
    }
    /* in_state at pinned bytes that are not a whole field's: read where the value is */
    for (IrRef r = 1; r < blk->n; r++)
        if ((blk->insn[r].op == IR_KEEP || blk->insn[r].op == IR_FKEEP) && c->keep[r].in_state &&
            x64_pin_field(c->gi, c->keep[r].src, 8) == -2)
            c->keep[r].in_state = false;
    if (c->loop)            /* a pinned field's state is stale from the second iteration */
        for (IrRef r = 1; r < blk->n; r++)
            if (blk->insn[r].op == IR_KEEP && c->keep[r].in_state)
                for (unsigned i = 0; i < c->loop->n_pins; i++)
                    if (c->keep[r].src < c->loop->pin[i].off + (c->loop->pin[i].vec ? 16 : 8) &&
                        c->loop->pin[i].off < c->keep[r].src + 16)
                        c->keep[r].in_state = false;
    liveness(c);
    cg_plan_rmw(c);
    const uint8_t *limit = cb->end - CODEBUF_RED_ZONE;
    for (IrRef r = 1; r < blk->n && c->err == BE_OK; r++) {
        const IrInsn *in = &blk->insn[r];
        if (c->e.p > limit) {
            c->err = BE_ERR_FULL;
            break;
        }
        c->cur = r;
        if (c->loop && r == c->loop->head)
            c->loop_head = c->e.p;
        /* even around an instruction that emits nothing (an unused GET still ends the
         * ranges of the KEEPs it overlaps: they must be in the state from here on) */
        keep_before(c, r, limit);
        if (c->e.p > limit) {
            fail(c, BE_ERR_FULL);
            break;
        }
        if (!removable(in) || c->val[r].last_use != 0) {
            const uint8_t *before = c->e.p;
            make_room(c);
            cg_table[in->op](c, in);
            cg_release_args(c);
            if (c->loop && r < c->loop->head && in->op == IR_GET)
                for (unsigned i = 0; i < c->loop->n_pins; i++)
                    if (c->loop->pin[i].entry == r) {
                        if (c->val[r].reg < 0)      /* the head needs it in a register */
                            fail(c, BE_ERR_TOO_BIG);
                        c->loop->pin[i].reg = c->val[r].reg;
                    }
            assert(c->e.p - before <= CODEBUF_RED_ZONE);
            (void)before;
        }
        keep_after(c, r);
    }
    if (c->err == BE_OK)
        x64_emit_stubs(c, limit);
    if (c->err == BE_OK)
        x64_emit_mem_stubs(c, limit);
    free(arena);
    free(c->stub_keeps);
    c->val = NULL;
    c->keep = NULL;
    c->keep_base = NULL;
    c->pending = NULL;
    c->keep_list = NULL;
    c->keep_at = NULL;
    c->stub_keeps = NULL;
    return c->err;
}
