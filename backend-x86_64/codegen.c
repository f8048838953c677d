/* codegen.c — x86_64 code for every IR op, and the value bookkeeping under it.
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

#include "codegen.h"

/* ---------------------------------------------------------------- small queries */

static IrType ty(const CgCtx *c, IrRef v) { return (IrType)c->blk->insn[v].type; }
static unsigned tsize(IrType t) { return ir_type_size(t); }

static CgClass class_of(IrType t)
{
    if (ir_type_is_int(t))
        return CG_GPR;
    if (t == IR_F32 || t == IR_F64 || t == IR_V128 || t == IR_I128)
        return CG_XMM;
    return CG_MEM;          /* F80, V256: moved around only, so they stay in slots */
}

static X64Rm slot_mem(int slot) { return x64_m(X64_RSP, X64_SLOT_DISP(slot)); }

static bool is_const(const CgCtx *c, IrRef v) { return c->val[v].is_const; }
static uint64_t const_val(const CgCtx *c, IrRef v) { return cg_const_val(c, v); }

/* A constant usable as the imm32 of an op of `size` bytes (sign-extended for size 8). */
static bool const_imm32(const CgCtx *c, IrRef v, unsigned size, int32_t *imm)
{
    if (!is_const(c, v))
        return false;
    uint64_t x = const_val(c, v);
    if (size == 8 && !x64_fits_i32((int64_t)x))
        return false;
    *imm = (int32_t)(uint32_t)x;
    return true;
}

static void fail(CgCtx *c, int err)
{
    if (c->err == BE_OK)
        c->err = err;
}

/* Index 0..3 of a lane width 8, 16, 32, 64 (the verifier guarantees one of them). */
static unsigned lane_idx(int64_t lane)
{
    return lane == 8 ? 0 : lane == 16 ? 1 : lane == 32 ? 2 : 3;
}

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

static void slot_free(CgCtx *c, int slot, unsigned n)
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
    if (av->is_const || av->cls != cls || av->reg < 0 || !av->released ||
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
        if (cls == CG_GPR && !x64_gpr_allocatable(g, c->gi->guest_base))
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
        slot_free(c, v->slot, slots_of(ty(c, r)));
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

void cg_release_args(CgCtx *c)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    for (unsigned i = 0; i < 3; i++) {
        IrRef a = in->arg[i];
        if (a != IR_NONE && c->val[a].last_use == c->cur)
            release(c, a);
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
static X64Rm gpr_rm(CgCtx *c, IrRef v, unsigned scratch)
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
static unsigned dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1)
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
static void two_address(CgCtx *c, const IrInsn *in, CgClass cls, IrRef *x, IrRef *y)
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
static void load_xmm(CgCtx *c, unsigned dst, IrRef v)
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
static X64Rm xmm_rm(CgCtx *c, IrRef v, unsigned scratch)
{
    if (is_const(c, v)) {
        load_xmm(c, scratch, v);
        return x64_r(scratch);
    }
    return cg_home(c, v);
}

/* An XMM register holding v: its home, or `scratch` loaded with it. Read only. */
static unsigned xmm_reg(CgCtx *c, IrRef v, unsigned scratch)
{
    const CgVal *cv = &c->val[v];
    if (!cv->is_const && cv->reg >= 0)
        return (unsigned)cv->reg;
    load_xmm(c, scratch, v);
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
static unsigned dst_xmm(CgCtx *c, IrRef avoid)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid, CG_XMM, r))
        return X64_XMM0;
    return (unsigned)r;
}

static void def_xmm(CgCtx *c, unsigned src)
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
static void copy_value(CgCtx *c, X64Rm dst, IrRef v)
{
    copy_bytes(c, &dst, cg_home(c, v), tsize(ty(c, v)));
}

/* Home (slot) of the current instruction's memory-class result. Operands are not released
 * first, so the result never shares a slot with an operand being copied. */
static X64Rm def_mem(CgCtx *c)
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
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        x64_movzx_rx(&c->e, tsize(t), d, m);
        cg_def_gpr(c, d);
        break;
    }
    case CG_XMM: {
        unsigned d = dst_xmm(c, IR_NONE);
        load_xmm_typed(c, t, d, m);
        def_xmm(c, d);
        break;
    }
    case CG_MEM:
        if (c->val[c->cur].last_use != 0) {
            X64Rm d = def_mem(c);
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
        store_xmm_typed(c, t, m, xmm_reg(c, v, X64_XMM0), false);
        break;
    case CG_MEM:
        copy_value(c, m, v);
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
    if (c->keep_base[k])    /* x + k: the constant of the ADD */
        b.value = c->blk->insn[c->blk->insn[in->arg[0]].arg[1]].imm[0];
    return b;
}

void cg_store_keep(CgCtx *c, const BackendKeep *k)
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

/* Before instruction r: the KEEPs it observes are stored (CALL, EXIT, GET or partial PUT of
 * their bytes: ir_keep_ranges), and a LOAD/STORE records the pending ones in the fault map.
 * A KEEP's value that nothing else needs is freed after its store, so a CALL need not save
 * it. */
static void keep_before(CgCtx *c, IrRef r, const uint8_t *limit)
{
    const IrInsn *in = &c->blk->insn[r];
    /* a loop's back edge moves the pinned fields' KEEPs into registers instead (abi.c) */
    bool back = x64_loop_is_back_edge(c, in);
    for (unsigned i = 0; i < c->n_pending; i++) {
        IrRef k = c->pending[i];
        if (c->keep[k].end != r || !c->keep[k].store)
            continue;
        if (back && x64_loop_pin_of(c, (uint32_t)c->blk->insn[k].imm[0]) >= 0)
            continue;
        if (c->e.p > limit) {
            fail(c, BE_ERR_FULL);
            return;
        }
        BackendKeep b = cg_keep_loc(c, k);
        cg_store_keep(c, &b);
    }
    for (unsigned i = 0; i < c->n_pending; i++) {      /* after all stores: values shared */
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
    for (unsigned i = 0; i < c->n_pending;) {
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

static void cg_NOP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }

/* The host pc -> guest instruction map (ir/backend.h): this guest instruction's code starts
 * here. Nothing of it was emitted earlier: ops are emitted in IR order, and the only code
 * placed away from its op (a fused CMP, rematerialised constants, spills) is pure. */
static void cg_INSN_START(CgCtx *c, const IrInsn *in)
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
static void cg_KEEP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }
static void cg_FKEEP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }

/* GPR and XMM constants are rematerialised at each use (is_const, set by the liveness pass);
 * memory-class ones (F80, V256) are written to their slot: low 8 bytes = imm0, rest 0. */
static void cg_CONST(CgCtx *c, const IrInsn *in)
{
    if (class_of((IrType)in->type) != CG_MEM)
        return;
    X64Rm d = def_mem(c);
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

static void cg_GET(CgCtx *c, const IrInsn *in)
{
    load_typed(c, (IrType)in->type, state_mem(c, in->imm[0]));
}

static void cg_PUT(CgCtx *c, const IrInsn *in)
{
    store_typed(c, in->arg[0], state_mem(c, in->imm[0]));
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

/* Which LOAD/STOREs check the guest limit (mem_check), in code order: every indexed one,
 * and a [base + disp] one whose base value no earlier emitted access checked; a constant
 * address below the limit needs none. */
static void plan_limit_checks(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    if (!c->gi->guest_limit || c->gi->guest_base != 0)
        return;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if ((in->op != IR_LOAD && in->op != IR_STORE) ||
            (removable(in) && c->val[r].last_use == 0))
            continue;
        AddrFold a = { in->arg[0], IR_NONE, 0, 0 };
        addr_fold(c, in, &a);
        if (a.index) {
            c->val[r].mem_check = true;
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

static void cg_LOAD(CgCtx *c, const IrInsn *in)
{
    load_typed(c, (IrType)in->type, guest_mem(c, in));
}

static void cg_STORE(CgCtx *c, const IrInsn *in)
{
    store_typed(c, in->arg[1], guest_mem(c, in));
}

/* A host address, never the guest base: [v + k] (the TLB entry's fields fold into k). */
static void cg_HLOAD(CgCtx *c, const IrInsn *in)
{
    AddrFold a = { in->arg[0], IR_NONE, 0, 0 };
    addr_fold(c, in, &a);
    unsigned r = cg_gpr(c, a.base, X64_RDX);
    load_typed(c, (IrType)in->type,
               a.index ? x64_mx(r, cg_gpr(c, a.index, X64_RCX), a.scale, a.disp)
                       : x64_m(r, a.disp));
}

/* ---------------------------------------------------------------- integer arithmetic */

/* Ops at the type's own size leave the bits above it untouched (8/16-bit) or zeroed (32-bit),
 * so results stay zero-extended without a MOVZX. */
static void alu(CgCtx *c, const IrInsn *in, X64Alu op)
{
    unsigned sz = tsize((IrType)in->type);
    int32_t imm;
    IrRef x, y;
    two_address(c, in, CG_GPR, &x, &y);
    if (op == X64_ADD && sz >= 4 && const_imm32(c, y, sz, &imm) && !is_const(c, x) &&
        c->val[x].reg >= 0 && c->val[c->cur].reg >= 0 && c->val[c->cur].reg != c->val[x].reg) {
        /* x stays live in another register: LEA is the copy and the add in one (a 32-bit LEA
         * zero-extends like a 32-bit ADD) */
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        x64_lea_rm(&c->e, sz, d, x64_m((unsigned)c->val[x].reg, imm));
        cg_def_gpr(c, d);
        return;
    }
    unsigned d = dst_gpr(c, y == x ? IR_NONE : y, IR_NONE);
    cg_load_gpr(c, d, x);
    if (const_imm32(c, y, sz, &imm))
        x64_alu_xi(&c->e, op, sz, x64_r(d), imm);
    else
        x64_alu_rx(&c->e, op, sz, d, gpr_rm(c, y, X64_RCX));
    cg_def_gpr(c, d);
}

static void cg_ADD(CgCtx *c, const IrInsn *in) { alu(c, in, X64_ADD); }
static void cg_SUB(CgCtx *c, const IrInsn *in) { alu(c, in, X64_SUB); }
static void cg_AND(CgCtx *c, const IrInsn *in) { alu(c, in, X64_AND); }
static void cg_OR(CgCtx *c, const IrInsn *in)  { alu(c, in, X64_OR); }
static void cg_XOR(CgCtx *c, const IrInsn *in) { alu(c, in, X64_XOR); }

static void cg_MUL(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    IrRef x, y;
    two_address(c, in, CG_GPR, &x, &y);
    unsigned d = dst_gpr(c, y == x ? IR_NONE : y, IR_NONE);
    cg_load_gpr(c, d, x);
    /* IMUL has no 8-bit two-operand form: multiply 32-bit, keep the low byte. */
    x64_imul_rx(&c->e, sz == 1 ? 4 : sz, d, gpr_rm(c, y, X64_RCX));
    if (sz == 1)
        x64_movzx_rx(&c->e, 1, d, x64_r(d));
    cg_def_gpr(c, d);
}

/* High half of the product. I32/I64: one-operand MUL/IMUL leave it in edx/rdx (a 32-bit
 * write zero-extends). I8/I16: the 2w-bit product fits a 32-bit register, so multiply there
 * (operands zero- or sign-extended) and shift. */
static void mulh(CgCtx *c, const IrInsn *in, bool sign)
{
    unsigned sz = tsize((IrType)in->type);
    if (sz >= 4) {
        cg_load_gpr(c, X64_RAX, in->arg[0]);
        x64_unary_x(&c->e, sign ? X64_IMUL1 : X64_MUL, sz, gpr_rm(c, in->arg[1], X64_RCX));
        cg_def_gpr(c, X64_RDX);
        return;
    }
    if (sign) {
        x64_movsx_rx(&c->e, 4, sz, X64_RAX, gpr_rm(c, in->arg[0], X64_RAX));
        x64_movsx_rx(&c->e, 4, sz, X64_RCX, gpr_rm(c, in->arg[1], X64_RCX));
    } else {
        cg_load_gpr(c, X64_RAX, in->arg[0]);
        cg_load_gpr(c, X64_RCX, in->arg[1]);
    }
    x64_imul_rx(&c->e, 4, X64_RAX, x64_r(X64_RCX));
    x64_shift_ri(&c->e, X64_SHR, 4, X64_RAX, (uint8_t)(sz * 8));
    if (sign)   /* the logical shift left the sign bits above the w-bit result */
        x64_movzx_rx(&c->e, sz, X64_RAX, x64_r(X64_RAX));
    cg_def_gpr(c, X64_RAX);
}

static void cg_MULHU(CgCtx *c, const IrInsn *in) { mulh(c, in, false); }
static void cg_MULHS(CgCtx *c, const IrInsn *in) { mulh(c, in, true); }

/* Shifts and rotates count mod w. The CPU masks counts to 5 (6 for 64-bit) bits, which is
 * mod w for I32/I64; I8/I16 counts are masked explicitly, and the op runs at the type's size
 * (so SAR sees the right sign bit and ROL rotates within w bits). */
static void shift(CgCtx *c, const IrInsn *in, X64Shift op)
{
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    if (is_const(c, in->arg[1])) {
        unsigned n = (unsigned)(const_val(c, in->arg[1]) & (w - 1));
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        cg_load_gpr(c, d, in->arg[0]);
        if (n)
            x64_shift_ri(&c->e, op, sz, d, (uint8_t)n);
        cg_def_gpr(c, d);
        return;
    }
    cg_load_gpr(c, X64_RCX, in->arg[1]);    /* the count is in cl before d is written */
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);
    if (w < 32)
        x64_alu_ri(&c->e, X64_AND, 4, X64_RCX, (int32_t)(w - 1));
    x64_shift_xcl(&c->e, op, sz, x64_r(d));
    cg_def_gpr(c, d);
}

static void cg_SHL(CgCtx *c, const IrInsn *in) { shift(c, in, X64_SHL); }
static void cg_SHR(CgCtx *c, const IrInsn *in) { shift(c, in, X64_SHR); }
static void cg_SAR(CgCtx *c, const IrInsn *in) { shift(c, in, X64_SAR); }
static void cg_ROL(CgCtx *c, const IrInsn *in) { shift(c, in, X64_ROL); }
static void cg_ROR(CgCtx *c, const IrInsn *in) { shift(c, in, X64_ROR); }

static void unary(CgCtx *c, const IrInsn *in, X64Unary op)
{
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);
    x64_unary_x(&c->e, op, tsize((IrType)in->type), x64_r(d));
    cg_def_gpr(c, d);
}

static void cg_NEG(CgCtx *c, const IrInsn *in) { unary(c, in, X64_NEG); }
static void cg_NOT(CgCtx *c, const IrInsn *in) { unary(c, in, X64_NOT); }

/* BSF leaves ZF set for a zero source; CMOVZ then supplies w. (The source is zero-extended,
 * so a 32-bit scan is exact for I8/I16.) */
static void cg_CTZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned opsz = sz == 8 ? 8 : 4;
    X64Rm src = gpr_rm(c, in->arg[0], X64_RCX);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    x64_bsf_rx(&c->e, opsz, d, src);
    x64_mov_ri(&c->e, X64_RDX, sz * 8);
    x64_cmov_rx(&c->e, X64_CC_E, 4, d, x64_r(X64_RDX));
    cg_def_gpr(c, d);
}

/* clz = (w-1) - bsr = (w-1) ^ bsr for bsr in 0..w-1; a zero source takes 2w-1, which the same
 * XOR turns into w. */
static void cg_CLZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    X64Rm src = gpr_rm(c, in->arg[0], X64_RCX);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    x64_bsr_rx(&c->e, sz == 8 ? 8 : 4, d, src);
    x64_mov_ri(&c->e, X64_RDX, 2 * w - 1);
    x64_cmov_rx(&c->e, X64_CC_E, 4, d, x64_r(X64_RDX));
    x64_alu_ri(&c->e, X64_XOR, 4, d, (int32_t)(w - 1));
    cg_def_gpr(c, d);
}

/* POPCNT when the host has it; otherwise the SWAR bit count on the zero-extended 64 bits. */
static void cg_POPCNT(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    unsigned sz = tsize((IrType)in->type);
    if (c->has_popcnt) {
        X64Rm src = gpr_rm(c, in->arg[0], X64_RCX);
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        x64_popcnt_rx(e, sz == 8 ? 8 : 4, d, src);
        cg_def_gpr(c, d);
        return;
    }
    cg_load_gpr(c, X64_RAX, in->arg[0]);
    /* x -= (x >> 1) & 0x55..; pairs of bits now hold their counts */
    x64_mov_rr(e, 8, X64_RDX, X64_RAX);
    x64_shift_ri(e, X64_SHR, 8, X64_RDX, 1);
    x64_mov_ri(e, X64_RCX, 0x5555555555555555ull);
    x64_and_rr(e, 8, X64_RDX, X64_RCX);
    x64_sub_rr(e, 8, X64_RAX, X64_RDX);
    /* x = (x & 0x33..) + ((x >> 2) & 0x33..): nibble counts */
    x64_mov_ri(e, X64_RCX, 0x3333333333333333ull);
    x64_mov_rr(e, 8, X64_RDX, X64_RAX);
    x64_and_rr(e, 8, X64_RAX, X64_RCX);
    x64_shift_ri(e, X64_SHR, 8, X64_RDX, 2);
    x64_and_rr(e, 8, X64_RDX, X64_RCX);
    x64_add_rr(e, 8, X64_RAX, X64_RDX);
    /* x = (x + (x >> 4)) & 0x0f..: byte counts */
    x64_mov_rr(e, 8, X64_RDX, X64_RAX);
    x64_shift_ri(e, X64_SHR, 8, X64_RDX, 4);
    x64_add_rr(e, 8, X64_RAX, X64_RDX);
    x64_mov_ri(e, X64_RCX, 0x0f0f0f0f0f0f0f0full);
    x64_and_rr(e, 8, X64_RAX, X64_RCX);
    /* the sum of the bytes lands in the top byte */
    x64_mov_ri(e, X64_RCX, 0x0101010101010101ull);
    x64_imul_rx(e, 8, X64_RAX, x64_r(X64_RCX));
    x64_shift_ri(e, X64_SHR, 8, X64_RAX, 56);
    cg_def_gpr(c, X64_RAX);
}

static void cg_BSWAP(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);
    x64_bswap_r(&c->e, sz == 8 ? 8 : 4, d);
    if (sz == 2)        /* the two bytes are now at the top of the 32-bit register */
        x64_shift_ri(&c->e, X64_SHR, 4, d, 16);
    cg_def_gpr(c, d);
}

/* ---------------------------------------------------------------- widths, compare, select */

static void cg_ZEXT(CgCtx *c, const IrInsn *in)
{
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    cg_load_gpr(c, d, in->arg[0]);          /* already zero-extended */
    cg_def_gpr(c, d);
}

static void cg_TRUNC(CgCtx *c, const IrInsn *in)
{
    X64Rm src = gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    x64_movzx_rx(&c->e, tsize((IrType)in->type), d, src);
    cg_def_gpr(c, d);
}

static void cg_SEXT(CgCtx *c, const IrInsn *in)
{
    unsigned dsz = tsize((IrType)in->type), ssz = tsize(ty(c, in->arg[0]));
    X64Rm src = gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    x64_movsx_rx(&c->e, dsz == 8 ? 8 : 4, ssz, d, src);
    if (dsz == 2)       /* sign-extended to 32 bits: cut back to 16, zero-extended */
        x64_movzx_rx(&c->e, 2, d, x64_r(d));
    cg_def_gpr(c, d);
}

/* Same bits, possibly another register class. */
static void cg_BITCAST(CgCtx *c, const IrInsn *in)
{
    IrType t = (IrType)in->type, at = ty(c, in->arg[0]);
    CgClass dc = class_of(t), sc = class_of(at);
    bool w = tsize(t) == 8;
    if (dc == CG_GPR && sc == CG_GPR) {
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        cg_load_gpr(c, d, in->arg[0]);
        cg_def_gpr(c, d);
    } else if (dc == CG_XMM && sc == CG_XMM) {
        unsigned d = dst_xmm(c, IR_NONE);
        load_xmm(c, d, in->arg[0]);
        def_xmm(c, d);
    } else if (dc == CG_XMM && sc == CG_GPR) {      /* movd/movq xmm, r/m */
        X64Rm src = gpr_rm(c, in->arg[0], X64_RAX);
        unsigned d = dst_xmm(c, IR_NONE);
        x64_sse_rxw(&c->e, X64_MOVD_TOX, w, d, src);
        def_xmm(c, d);
    } else if (dc == CG_GPR && sc == CG_XMM) {      /* movd/movq r/m, xmm: zero-extends */
        unsigned x = xmm_reg(c, in->arg[0], X64_XMM0);
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        x64_sse_rxw(&c->e, X64_MOVD_FROMX, w, x, x64_r(d));
        cg_def_gpr(c, d);
    } else {                                        /* F80, V256: same class, copy */
        copy_value(c, def_mem(c), in->arg[0]);
    }
}

static const X64Cond cond_cc[IR_COND_COUNT] = {
    [IR_EQ] = X64_CC_E,   [IR_NE] = X64_CC_NE,
    [IR_LTU] = X64_CC_B,  [IR_GEU] = X64_CC_AE,
    [IR_LEU] = X64_CC_BE, [IR_GTU] = X64_CC_A,
    [IR_LTS] = X64_CC_L,  [IR_GES] = X64_CC_GE,
    [IR_LES] = X64_CC_LE, [IR_GTS] = X64_CC_G,
};

/* CMP at the operands' own size (so signed conditions see the right sign bit), SETcc, MOVZX. */
static void cg_CMP(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize(ty(c, in->arg[0]));
    int32_t imm;
    unsigned a = cg_gpr(c, in->arg[0], X64_RAX);
    if (const_imm32(c, in->arg[1], sz, &imm))
        x64_alu_xi(&c->e, X64_CMP, sz, x64_r(a), imm);
    else
        x64_alu_rx(&c->e, X64_CMP, sz, a, gpr_rm(c, in->arg[1], X64_RCX));
    if (c->val[c->cur].in_flags) {  /* the next instruction branches or selects on it */
        c->flags_cc = cond_cc[in->imm[0]];
        return;
    }
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);     /* written after both are read */
    x64_setcc_x(&c->e, cond_cc[in->imm[0]], x64_r(d));
    x64_movzx_rx(&c->e, 1, d, x64_r(d));
    cg_def_gpr(c, d);
}

/* The I8 condition is held zero-extended, so a 32-bit test of its register or a byte
 * compare of its slot are exact. */
X64Cond cg_test_cond(CgCtx *c, IrRef v)
{
    const CgVal *cv = &c->val[v];
    assert(!cv->is_const);
    if (cv->in_flags)
        return c->flags_cc;
    if (cv->reg >= 0)
        x64_test_xr(&c->e, 4, x64_r((unsigned)cv->reg), (unsigned)cv->reg);
    else
        x64_alu_xi(&c->e, X64_CMP, 1, slot_mem(cv->slot), 0);
    return X64_CC_NE;
}

static void cg_SELECT(CgCtx *c, const IrInsn *in)
{
    IrRef cond = in->arg[0], a = in->arg[1], b = in->arg[2];
    IrType t = (IrType)in->type;
    if (is_const(c, cond)) {            /* only without folding: pick at compile time */
        IrRef pick = (const_val(c, cond) & 0xff) ? a : b;
        switch (class_of(t)) {
        case CG_GPR: cg_load_gpr(c, X64_RAX, pick); cg_def_gpr(c, X64_RAX); break;
        case CG_XMM: load_xmm(c, X64_XMM0, pick); def_xmm(c, X64_XMM0); break;
        case CG_MEM: copy_value(c, def_mem(c), pick); break;
        }
        return;
    }
    switch (class_of(t)) {
    case CG_GPR: {
        X64Rm arm = gpr_rm(c, a, X64_RCX);
        unsigned d = dst_gpr(c, a, cond);
        cg_load_gpr(c, d, b);
        X64Cond cc = cg_test_cond(c, cond);
        x64_cmov_rx(&c->e, cc, 8, d, arm);
        cg_def_gpr(c, d);
        break;
    }
    case CG_XMM: {      /* no SSE2 blend: a short branch */
        unsigned d = dst_xmm(c, a);
        load_xmm(c, d, b);
        X64Cond cc = cg_test_cond(c, cond);
        uint8_t *skip = x64_jcc8_fwd(&c->e, cc ^ 1);
        load_xmm(c, d, a);
        x64_bind8(&c->e, skip);
        def_xmm(c, d);
        break;
    }
    case CG_MEM: {
        X64Rm d = def_mem(c);
        X64Cond cc = cg_test_cond(c, cond);
        uint8_t *else_ = x64_jcc8_fwd(&c->e, cc ^ 1);
        copy_value(c, d, a);
        uint8_t *end = x64_jmp8_fwd(&c->e);
        x64_bind8(&c->e, else_);
        copy_value(c, d, b);
        x64_bind8(&c->e, end);
        break;
    }
    }
}

/* ---------------------------------------------------------------- V128 */

/* d = a op b, the common shape of two-operand packed ops (in place when a dies here). */
static void vbin(CgCtx *c, const IrInsn *in, X64SseOp op)
{
    IrRef x, y;
    two_address(c, in, CG_XMM, &x, &y);
    unsigned d = dst_xmm(c, y == x ? IR_NONE : y);
    load_xmm(c, d, x);
    x64_sse_rx(&c->e, op, d, xmm_rm(c, y, X64_XMM1));
    def_xmm(c, d);
}

static void cg_VAND(CgCtx *c, const IrInsn *in)  { vbin(c, in, X64_PAND); }
static void cg_VOR(CgCtx *c, const IrInsn *in)   { vbin(c, in, X64_POR); }
static void cg_VXOR(CgCtx *c, const IrInsn *in)  { vbin(c, in, X64_PXOR); }
static void cg_VANDN(CgCtx *c, const IrInsn *in) { vbin(c, in, X64_PANDN); }

static void cg_VADD(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PADDB, X64_PADDW, X64_PADDD, X64_PADDQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

static void cg_VSUB(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PSUBB, X64_PSUBW, X64_PSUBD, X64_PSUBQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

static void cg_VSUBUSAT(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, in->imm[0] == 8 ? X64_PSUBUSB : X64_PSUBUSW);
}

static void cg_VCMPEQ(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[3] = { X64_PCMPEQB, X64_PCMPEQW, X64_PCMPEQD };
    unsigned li = lane_idx(in->imm[0]);
    if (li < 3) {
        vbin(c, in, ops[li]);
        return;
    }
    /* 64-bit lanes (PCMPEQQ is SSE4.1): both 32-bit halves equal. */
    load_xmm(c, X64_XMM0, in->arg[0]);
    x64_sse_rx(&c->e, X64_PCMPEQD, X64_XMM0, xmm_rm(c, in->arg[1], X64_XMM1));
    x64_sse_rxi(&c->e, X64_PSHUFD, X64_XMM1, x64_r(X64_XMM0), 0xB1);   /* swap the halves */
    x64_sse_rr(&c->e, X64_PAND, X64_XMM0, X64_XMM1);
    def_xmm(c, X64_XMM0);
}

static void cg_VCMPGTS(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[3] = { X64_PCMPGTB, X64_PCMPGTW, X64_PCMPGTD };
    X64Emit *e = &c->e;
    unsigned li = lane_idx(in->imm[0]);
    if (li < 3) {
        vbin(c, in, ops[li]);
        return;
    }
    /* 64-bit lanes (PCMPGTQ is SSE4.2): a > b iff hi(a) > hi(b) signed, or the high halves are
     * equal and lo(a) > lo(b) unsigned. Flipping the sign bit of the low halves lets one
     * PCMPGTD do the signed high and the unsigned low compare at once. */
    load_xmm(c, X64_XMM0, in->arg[0]);
    load_xmm(c, X64_XMM1, in->arg[1]);
    x64_mov_ri(e, X64_RAX, 0x80000000u);
    x64_sse_rx(e, X64_MOVD_TOX, X64_XMM2, x64_r(X64_RAX));
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM2, x64_r(X64_XMM2), 0x44);   /* {1<<31, 0} per lane */
    x64_sse_rr(e, X64_MOVAPS_LD, X64_XMM3, X64_XMM0);
    x64_sse_rr(e, X64_PCMPEQD, X64_XMM3, X64_XMM1);                 /* eq per half */
    x64_sse_rr(e, X64_PXOR, X64_XMM0, X64_XMM2);
    x64_sse_rr(e, X64_PXOR, X64_XMM1, X64_XMM2);
    x64_sse_rr(e, X64_PCMPGTD, X64_XMM0, X64_XMM1);                 /* gt per half */
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM1, x64_r(X64_XMM0), 0xA0);   /* low gt into both */
    x64_sse_rr(e, X64_PAND, X64_XMM1, X64_XMM3);
    x64_sse_rr(e, X64_POR, X64_XMM1, X64_XMM0);                     /* high half = answer */
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM0, x64_r(X64_XMM1), 0xF5);   /* broadcast it */
    def_xmm(c, X64_XMM0);
}

/* Unsigned min/max. 8-bit lanes: PMINUB/PMAXUB. 16-bit (PMINUW/PMAXUW are SSE4.1), with
 * d = sat(a - b) = max(a - b, 0): min = a - d, max = b + d. */
static void minmax_u(CgCtx *c, const IrInsn *in, bool max)
{
    X64Emit *e = &c->e;
    if (in->imm[0] == 8) {
        vbin(c, in, max ? X64_PMAXUB : X64_PMINUB);
        return;
    }
    load_xmm(c, X64_XMM1, in->arg[0]);
    load_xmm(c, X64_XMM0, max ? in->arg[1] : in->arg[0]);
    x64_sse_rx(e, X64_PSUBUSW, X64_XMM1, xmm_rm(c, in->arg[1], X64_XMM2));
    x64_sse_rr(e, max ? X64_PADDW : X64_PSUBW, X64_XMM0, X64_XMM1);
    def_xmm(c, X64_XMM0);
}

static void cg_VMINU(CgCtx *c, const IrInsn *in) { minmax_u(c, in, false); }
static void cg_VMAXU(CgCtx *c, const IrInsn *in) { minmax_u(c, in, true); }

static void cg_VMOVMSK(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    unsigned x = xmm_reg(c, in->arg[0], X64_XMM0);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    switch (in->imm[0]) {
    case 8:
        x64_sse_rx(e, X64_PMOVMSKB, d, x64_r(x));
        break;
    case 16:    /* signed saturation keeps each word's sign in a byte */
        x64_sse_rr(e, X64_MOVAPS_LD, X64_XMM1, x);
        x64_sse_rr(e, X64_PACKSSWB, X64_XMM1, X64_XMM1);
        x64_sse_rx(e, X64_PMOVMSKB, d, x64_r(X64_XMM1));
        x64_movzx_rx(e, 1, d, x64_r(d));
        break;
    case 32:
        x64_sse_rx(e, X64_MOVMSKPS, d, x64_r(x));
        break;
    default:
        x64_sse_rx(e, X64_MOVMSKPD, d, x64_r(x));
        break;
    }
    cg_def_gpr(c, d);
}

static void cg_VUNPACKLO(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PUNPCKLBW, X64_PUNPCKLWD, X64_PUNPCKLDQ,
                                     X64_PUNPCKLQDQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

static void cg_VUNPACKHI(CgCtx *c, const IrInsn *in)
{
    static const X64SseOp ops[4] = { X64_PUNPCKHBW, X64_PUNPCKHWD, X64_PUNPCKHDQ,
                                     X64_PUNPCKHQDQ };
    vbin(c, in, ops[lane_idx(in->imm[0])]);
}

static void shuf(CgCtx *c, const IrInsn *in, X64SseOp op)
{
    X64Rm src = xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rxi(&c->e, op, d, src, (uint8_t)in->imm[0]);
    def_xmm(c, d);
}

static void cg_VSHUF32(CgCtx *c, const IrInsn *in)   { shuf(c, in, X64_PSHUFD); }
static void cg_VSHUFLO16(CgCtx *c, const IrInsn *in) { shuf(c, in, X64_PSHUFLW); }
static void cg_VSHUFHI16(CgCtx *c, const IrInsn *in) { shuf(c, in, X64_PSHUFHW); }

/* PSLLDQ/PSRLDQ. Counts above 15 give 0 (as on x86); the zero needs no load of a. */
static void byte_shift(CgCtx *c, const IrInsn *in, unsigned ext)
{
    uint64_t n = (uint64_t)in->imm[0];
    unsigned d = dst_xmm(c, IR_NONE);
    if (n > 15) {
        x64_sse_rr(&c->e, X64_PXOR, d, d);
    } else {
        load_xmm(c, d, in->arg[0]);
        if (n)
            x64_sse_shift_i(&c->e, X64_PSHIFTQ_I, ext, d, (uint8_t)n);
    }
    def_xmm(c, d);
}

static void cg_VBSLL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, X64_PSLLDQ_I); }
static void cg_VBSRL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, X64_PSRLDQ_I); }

/* PSHUFB (SSSE3). Without it, the byte table a and the indices b go to two spill slots and
 * each result byte is looked up with GPRs (rare hosts: Core 2 and later all have SSSE3):
 * dl = a[b_i & 15], zeroed by cmovs where bit 7 of b_i is set, written over b_i. */
static void cg_VSHUFB(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    IrRef a = in->arg[0], b = in->arg[1];
    if (c->has_ssse3) {
        unsigned d = dst_xmm(c, b);             /* a is written into d before b is read */
        load_xmm(c, d, a);
        x64_sse38_rx(e, X64_PSHUFB_38, d, xmm_rm(c, b, X64_XMM1));
        def_xmm(c, d);
        return;
    }
    int s = cg_slot_alloc(c, 2);
    X64Rm tab = slot_mem(s), idx = slot_mem(s + 1);
    x64_sse_rx(e, X64_MOVDQA_ST, xmm_reg(c, a, X64_XMM0), tab);
    x64_sse_rx(e, X64_MOVDQA_ST, xmm_reg(c, b, X64_XMM1), idx);
    x64_alu_rr(e, X64_XOR, 4, X64_RCX, X64_RCX);
    for (int32_t i = 0; i < 16; i++) {
        X64Rm bi = x64_rm_off(idx, i);
        x64_movzx_rx(e, 1, X64_RAX, bi);
        x64_mov_rr(e, 4, X64_RDX, X64_RAX);
        x64_alu_ri(e, X64_AND, 4, X64_RDX, 15);
        x64_movzx_rx(e, 1, X64_RDX, x64_mx(X64_RSP, X64_RDX, 0, tab.disp));
        x64_test_xr(e, 1, x64_r(X64_RAX), X64_RAX);
        x64_cmov_rx(e, X64_CC_S, 4, X64_RDX, x64_r(X64_RCX));
        x64_mov_xr(e, 1, bi, X64_RDX);
    }
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rx(e, X64_MOVDQA_LD, d, idx);
    def_xmm(c, d);
    slot_free(c, s, 2);
}

/* PALIGNR (SSSE3), else the two byte shifts and an OR. */
static void cg_VALIGNR(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    IrRef a = in->arg[0], b = in->arg[1];
    uint8_t n = (uint8_t)in->imm[0];
    if (n == 0) {                               /* the low half: b */
        unsigned d = dst_xmm(c, IR_NONE);
        load_xmm(c, d, b);
        def_xmm(c, d);
        return;
    }
    if (c->has_ssse3) {
        unsigned d = dst_xmm(c, b);
        load_xmm(c, d, a);
        x64_sse3a_rxi(e, X64_PALIGNR_3A, d, xmm_rm(c, b, X64_XMM1), n);
        def_xmm(c, d);
        return;
    }
    load_xmm(c, X64_XMM0, a);
    load_xmm(c, X64_XMM1, b);
    x64_sse_shift_i(e, X64_PSHIFTQ_I, X64_PSLLDQ_I, X64_XMM0, (uint8_t)(16 - n));
    x64_sse_shift_i(e, X64_PSHIFTQ_I, X64_PSRLDQ_I, X64_XMM1, n);
    x64_sse_rr(e, X64_POR, X64_XMM0, X64_XMM1);
    def_xmm(c, X64_XMM0);
}

typedef enum VShift { VS_SHL, VS_SHR, VS_SAR } VShift;

/* xmm0 = xmm0 shifted per 8-bit lane by the count in xmm3 (SSE has no byte shifts): widen to
 * 16-bit lanes in xmm0 (low bytes) and xmm2 (high bytes), shift, narrow back. Logical shifts
 * zero-extend (SHL then masks each word to its low byte, so PACKUSWB cannot saturate);
 * SAR sign-extends by unpacking a byte with itself and shifting the word right by 8. */
static void vshift8(CgCtx *c, VShift kind)
{
    X64Emit *e = &c->e;
    x64_sse_rr(e, X64_MOVAPS_LD, X64_XMM2, X64_XMM0);
    if (kind == VS_SAR) {
        x64_sse_rr(e, X64_PUNPCKLBW, X64_XMM0, X64_XMM0);
        x64_sse_rr(e, X64_PUNPCKHBW, X64_XMM2, X64_XMM2);
        x64_sse_shift_i(e, X64_PSHIFTW_I, X64_PSRA_I, X64_XMM0, 8);
        x64_sse_shift_i(e, X64_PSHIFTW_I, X64_PSRA_I, X64_XMM2, 8);
        x64_sse_rr(e, X64_PSRAW, X64_XMM0, X64_XMM3);
        x64_sse_rr(e, X64_PSRAW, X64_XMM2, X64_XMM3);
        x64_sse_rr(e, X64_PACKSSWB, X64_XMM0, X64_XMM2);
        return;
    }
    x64_sse_rr(e, X64_PXOR, X64_XMM1, X64_XMM1);
    x64_sse_rr(e, X64_PUNPCKLBW, X64_XMM0, X64_XMM1);
    x64_sse_rr(e, X64_PUNPCKHBW, X64_XMM2, X64_XMM1);
    X64SseOp op = kind == VS_SHL ? X64_PSLLW : X64_PSRLW;
    x64_sse_rr(e, op, X64_XMM0, X64_XMM3);
    x64_sse_rr(e, op, X64_XMM2, X64_XMM3);
    if (kind == VS_SHL) {
        x64_sse_rr(e, X64_PCMPEQW, X64_XMM1, X64_XMM1);
        x64_sse_shift_i(e, X64_PSHIFTW_I, X64_PSRL_I, X64_XMM1, 8);    /* 0x00ff per word */
        x64_sse_rr(e, X64_PAND, X64_XMM0, X64_XMM1);
        x64_sse_rr(e, X64_PAND, X64_XMM2, X64_XMM1);
    }
    x64_sse_rr(e, X64_PACKUSWB, X64_XMM0, X64_XMM2);
}

/* xmm0 = xmm0 >> xmm3 arithmetic per 64-bit lane (PSRAQ is AVX-512):
 * s = sign mask of each lane; ((a ^ s) >> n logical) ^ s. A count >= 64 gives s. */
static void vsar64(CgCtx *c)
{
    X64Emit *e = &c->e;
    x64_sse_rxi(e, X64_PSHUFD, X64_XMM1, x64_r(X64_XMM0), 0xF5);   /* high halves twice */
    x64_sse_shift_i(e, X64_PSHIFTD_I, X64_PSRA_I, X64_XMM1, 31);
    x64_sse_rr(e, X64_PXOR, X64_XMM0, X64_XMM1);
    x64_sse_rr(e, X64_PSRLQ, X64_XMM0, X64_XMM3);
    x64_sse_rr(e, X64_PXOR, X64_XMM0, X64_XMM1);
}

/* Per-lane shifts by an I64 count. The x86 shifts by an XMM count use all 64 count bits and
 * give 0 (logical) or the sign (arithmetic) for counts >= the lane width: the IR's rule. */
static void vshift(CgCtx *c, const IrInsn *in, VShift kind)
{
    static const X64SseOp by_xmm[3][4] = {
        [VS_SHL] = { 0, X64_PSLLW, X64_PSLLD, X64_PSLLQ },
        [VS_SHR] = { 0, X64_PSRLW, X64_PSRLD, X64_PSRLQ },
        [VS_SAR] = { 0, X64_PSRAW, X64_PSRAD, 0 },
    };
    static const unsigned imm_ext[3] = { X64_PSLL_I, X64_PSRL_I, X64_PSRA_I };
    static const X64SseOp imm_group[4] = { 0, X64_PSHIFTW_I, X64_PSHIFTD_I, X64_PSHIFTQ_I };
    X64Emit *e = &c->e;
    unsigned L = (unsigned)in->imm[0], li = lane_idx(in->imm[0]);
    IrRef cnt = in->arg[1];
    X64SseOp op = by_xmm[kind][li];

    if (is_const(c, cnt)) {
        uint64_t n = const_val(c, cnt);
        if (kind == VS_SAR && n >= L)
            n = L - 1;                  /* same result: every bit a copy of the sign */
        if (n >= L || n == 0 || op) {
            unsigned d = dst_xmm(c, IR_NONE);
            if (n >= L) {
                x64_sse_rr(e, X64_PXOR, d, d);
            } else {
                load_xmm(c, d, in->arg[0]);
                if (n)
                    x64_sse_shift_i(e, imm_group[li], imm_ext[kind], d, (uint8_t)n);
            }
            def_xmm(c, d);
            return;
        }
        load_xmm(c, X64_XMM0, in->arg[0]);
        x64_mov_ri(e, X64_RAX, n);
        x64_sse_rx(e, X64_MOVD_TOX, X64_XMM3, x64_r(X64_RAX));
    } else {
        x64_sse_rxw(e, X64_MOVD_TOX, true, X64_XMM3, cg_home(c, cnt));    /* movq xmm3 */
        if (op) {
            unsigned d = dst_xmm(c, IR_NONE);
            load_xmm(c, d, in->arg[0]);
            x64_sse_rr(e, op, d, X64_XMM3);
            def_xmm(c, d);
            return;
        }
        load_xmm(c, X64_XMM0, in->arg[0]);
    }
    if (L == 8)
        vshift8(c, kind);
    else
        vsar64(c);
    def_xmm(c, X64_XMM0);
}

static void cg_VSHLI(CgCtx *c, const IrInsn *in) { vshift(c, in, VS_SHL); }
static void cg_VSHRI(CgCtx *c, const IrInsn *in) { vshift(c, in, VS_SHR); }
static void cg_VSARI(CgCtx *c, const IrInsn *in) { vshift(c, in, VS_SAR); }

static void cg_VFROM64(CgCtx *c, const IrInsn *in)
{
    /* movq xmm, r/m64 zeroes the upper lane */
    X64Rm src = gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rxw(&c->e, X64_MOVD_TOX, true, d, src);
    def_xmm(c, d);
}

static void cg_VINSERT64(CgCtx *c, const IrInsn *in)
{
    unsigned d = dst_xmm(c, IR_NONE);
    load_xmm(c, d, in->arg[0]);
    x64_sse_rxw(&c->e, X64_MOVD_TOX, true, X64_XMM1, gpr_rm(c, in->arg[1], X64_RAX));
    if (in->imm[0] == 0)
        x64_sse_rr(&c->e, X64_MOVSD_LD, d, X64_XMM1);       /* low lane only */
    else
        x64_sse_rr(&c->e, X64_PUNPCKLQDQ, d, X64_XMM1);     /* {a.lo, b} */
    def_xmm(c, d);
}

static void cg_VEXTRACT64(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    unsigned lane = (unsigned)in->imm[0];
    const CgVal *av = &c->val[a];
    int slot = av->slot;                /* before the result may take it over */
    unsigned x = av->is_const || av->reg < 0 ? 0 : (unsigned)av->reg;
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    if (av->is_const) {                 /* a V128 constant's high lane is 0 */
        x64_mov_ri(&c->e, d, lane ? 0 : const_val(c, a));
    } else if (av->reg < 0) {
        x64_mov_rx(&c->e, 8, d, x64_rm_off(slot_mem(slot), 8 * (int32_t)lane));
    } else {
        if (lane) {
            x64_sse_rxi(&c->e, X64_PSHUFD, X64_XMM0, x64_r(x), 0xEE);
            x = X64_XMM0;
        }
        x64_sse_rxw(&c->e, X64_MOVD_FROMX, true, x, x64_r(d));
    }
    cg_def_gpr(c, d);
}

/* An F32/F64 lives in the low bytes of its XMM register (codegen.h), so the V128 register is
 * already the value: nothing to emit when the result takes over the dying operand's register
 * (pick_reg's first choice), else one register copy. */
static void cg_VLOWF(CgCtx *c, const IrInsn *in)
{
    unsigned d = dst_xmm(c, IR_NONE);
    load_xmm(c, d, in->arg[0]);
    def_xmm(c, d);
}

/* MOVSS/MOVSD xmm, xmm merge the low lane (the memory forms would zero the rest, so the scalar
 * is always in a register). A zero V128 with an F64 is MOVQ, which zeroes the upper half. */
static void cg_VSETLOWF(CgCtx *c, const IrInsn *in)
{
    IrRef x = in->arg[0], f = in->arg[1];
    bool f32 = ty(c, f) == IR_F32;
    if (!f32 && is_const(c, x) && const_val(c, x) == 0) {
        X64Rm src = xmm_rm(c, f, X64_XMM1);
        unsigned d = dst_xmm(c, IR_NONE);
        x64_sse_rx(&c->e, X64_MOVQ_LD, d, src);
        def_xmm(c, d);
        return;
    }
    unsigned s = xmm_reg(c, f, X64_XMM1);
    unsigned d = dst_xmm(c, f);                 /* x is written into d before f is read */
    load_xmm(c, d, x);
    x64_sse_rr(&c->e, f32 ? X64_MOVSS_LD : X64_MOVSD_LD, d, s);
    def_xmm(c, d);
}

/* Packed FP: the SSE packed instructions have the per-lane semantics of the scalar ones. */
static void vfbin(CgCtx *c, const IrInsn *in, X64SseOp ps, X64SseOp pd)
{
    vbin(c, in, in->imm[0] == 32 ? ps : pd);
}

static void cg_VFADD(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_ADDPS, X64_ADDPD); }
static void cg_VFSUB(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_SUBPS, X64_SUBPD); }
static void cg_VFMUL(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_MULPS, X64_MULPD); }
static void cg_VFDIV(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_DIVPS, X64_DIVPD); }
static void cg_VFMIN(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_MINPS, X64_MINPD); }
static void cg_VFMAX(CgCtx *c, const IrInsn *in) { vfbin(c, in, X64_MAXPS, X64_MAXPD); }

static void cg_VFSQRT(CgCtx *c, const IrInsn *in)
{
    X64Rm src = xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rx(&c->e, in->imm[0] == 32 ? X64_SQRTPS : X64_SQRTPD, d, src);
    def_xmm(c, d);
}

/* CMPPS/CMPPD take the IrFCond value as their predicate, like CMPSS/CMPSD. */
static void cg_VFCMP(CgCtx *c, const IrInsn *in)
{
    IrRef y = in->arg[1];
    unsigned d = dst_xmm(c, y == in->arg[0] ? IR_NONE : y);
    load_xmm(c, d, in->arg[0]);
    x64_sse_rxi(&c->e, in->imm[0] == 32 ? X64_CMPPS : X64_CMPPD, d, xmm_rm(c, y, X64_XMM1),
                (uint8_t)in->imm[1]);
    def_xmm(c, d);
}

/* ---------------------------------------------------------------- scalar floating point */

/* SSE scalar ops have exactly the IR's semantics (the IR follows x86 SSE): NaN propagation,
 * default NaN, MINSS/MAXSS operand order, integer indefinite. */
static void fbin(CgCtx *c, const IrInsn *in, X64SseOp ss, X64SseOp sd)
{
    IrRef y = in->arg[1];
    unsigned d = dst_xmm(c, y == in->arg[0] ? IR_NONE : y);
    load_xmm(c, d, in->arg[0]);
    x64_sse_rx(&c->e, in->type == IR_F32 ? ss : sd, d, xmm_rm(c, in->arg[1], X64_XMM1));
    def_xmm(c, d);
}

static void cg_FADD(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_ADDSS, X64_ADDSD); }
static void cg_FSUB(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_SUBSS, X64_SUBSD); }
static void cg_FMUL(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_MULSS, X64_MULSD); }
static void cg_FDIV(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_DIVSS, X64_DIVSD); }
static void cg_FMIN(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_MINSS, X64_MINSD); }
static void cg_FMAX(CgCtx *c, const IrInsn *in) { fbin(c, in, X64_MAXSS, X64_MAXSD); }

static void cg_FSQRT(CgCtx *c, const IrInsn *in)
{
    X64SseOp op = in->type == IR_F32 ? X64_SQRTSS : X64_SQRTSD;
    X64Rm src = xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rx(&c->e, op, d, src);
    def_xmm(c, d);
}

/* FCMP predicates that one UCOMISS/UCOMISD and one host condition decide. UCOMIS x, y sets
 * ZF PF CF to 111 unordered, 000 x > y, 001 x < y, 100 equal; with the operands swapped
 * (x = b, y = a) "above" is a < b and ordered. EQ and NEQ need ZF and PF together, so they
 * are not fused. */
static bool fcmp_fusable(int64_t pred, X64Cond *cc, bool *swap)
{
    switch (pred) {
    case IR_FLT:    *cc = X64_CC_A;  *swap = true;  return true;
    case IR_FLE:    *cc = X64_CC_AE; *swap = true;  return true;
    case IR_FNLT:   *cc = X64_CC_BE; *swap = true;  return true;
    case IR_FNLE:   *cc = X64_CC_B;  *swap = true;  return true;
    case IR_FUNORD: *cc = X64_CC_P;  *swap = false; return true;
    case IR_FORD:   *cc = X64_CC_NP; *swap = false; return true;
    default:        return false;
    }
}

/* Whether CMPSS/CMPSD with predicate `pred` raises IE on a quiet NaN: LT LE NLT NLE do. */
static bool cmpss_signals(int64_t pred)
{
    return pred == IR_FLT || pred == IR_FLE || pred == IR_FNLT || pred == IR_FNLE;
}

/* Whether the host flags hold a (U)COMIS of x, y with this signalling and size, emitted by
 * the FCMP whose code ends where the current one starts (fcmp_comis). Repeating it would
 * raise the same FP flags again, which changes nothing (they are sticky). */
static bool comis_cached(const CgCtx *c, const IrInsn *in, bool f32, IrRef x, IrRef y)
{
    return c->comis_end == c->e.p && c->comis_x == x && c->comis_y == y &&
           c->comis_sig == (in->imm[1] != 0) && c->comis_f32 == f32;
}

/* UCOMIS, or COMIS for a signalling FCMP (imm1): the same flags, IE on any NaN. The caller
 * sets c->comis_end when its code after this keeps the flags. */
static void fcmp_comis(CgCtx *c, const IrInsn *in, bool f32, IrRef x, IrRef y)
{
    if (!comis_cached(c, in, f32, x, y)) {
        X64SseOp op = in->imm[1] ? (f32 ? X64_COMISS : X64_COMISD)
                                 : (f32 ? X64_UCOMISS : X64_UCOMISD);
        unsigned xr = xmm_reg(c, x, X64_XMM0);
        x64_sse_rx(&c->e, op, xr, xmm_rm(c, y, X64_XMM1));
    }
    c->comis_x = x;
    c->comis_y = y;
    c->comis_sig = in->imm[1] != 0;
    c->comis_f32 = f32;
    c->comis_end = NULL;
}

/* An FCMP that only the next EXIT_IF or SELECT reads (in_flags) is a (U)COMIS left in the
 * flags. Otherwise CMPSS/CMPSD, whose predicate is the IrFCond value (bit 0 of the mask is the
 * answer), when its signalling matches imm1 and the flags do not hold the compare already;
 * else (U)COMIS and SETcc (EQ/NEQ: SETcc and CMOVP), which keep the flags for the next FCMP
 * of the same operands (a compare whose flags the guest reads several ways). */
static void cg_FCMP(CgCtx *c, const IrInsn *in)
{
    bool f32 = ty(c, in->arg[0]) == IR_F32;
    int64_t pred = in->imm[0];
    X64Cond cc;
    bool swap;
    if (c->val[c->cur].in_flags && fcmp_fusable(pred, &cc, &swap)) {
        fcmp_comis(c, in, f32, swap ? in->arg[1] : in->arg[0], swap ? in->arg[0] : in->arg[1]);
        c->flags_cc = cc;
        return;
    }
    bool fusable = fcmp_fusable(pred, &cc, &swap);
    bool cached = fusable && comis_cached(c, in, f32, swap ? in->arg[1] : in->arg[0],
                                          swap ? in->arg[0] : in->arg[1]);
    if (cmpss_signals(pred) == (in->imm[1] != 0) && !cached) {
        X64SseOp op = f32 ? X64_CMPSS : X64_CMPSD;
        load_xmm(c, X64_XMM0, in->arg[0]);
        x64_sse_rxi(&c->e, op, X64_XMM0, xmm_rm(c, in->arg[1], X64_XMM1), (uint8_t)pred);
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        x64_sse_rx(&c->e, X64_MOVD_FROMX, X64_XMM0, x64_r(d));
        x64_alu_ri(&c->e, X64_AND, 4, d, 1);
        cg_def_gpr(c, d);
        return;
    }
    if (fusable) {
        fcmp_comis(c, in, f32, swap ? in->arg[1] : in->arg[0], swap ? in->arg[0] : in->arg[1]);
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        x64_setcc_x(&c->e, cc, x64_r(d));
        x64_movzx_rx(&c->e, 1, d, x64_r(d));
        cg_def_gpr(c, d);
        c->comis_end = c->e.p;          /* SETcc, MOVZX, MOV: the flags are intact */
        return;
    }
    /* EQ: ZF and not PF; NEQ: not ZF or PF: the ZF answer, replaced by the unordered one
     * when PF says so (MOV and CMOV keep the flags). RCX is free between instructions. */
    fcmp_comis(c, in, f32, in->arg[0], in->arg[1]);
    bool eq = pred == IR_FEQ;
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    x64_setcc_x(&c->e, eq ? X64_CC_E : X64_CC_NE, x64_r(d));
    x64_movzx_rx(&c->e, 1, d, x64_r(d));
    x64_mov_ri(&c->e, X64_RCX, eq ? 0 : 1);
    x64_cmov_rx(&c->e, X64_CC_P, 4, d, x64_r(X64_RCX));
    cg_def_gpr(c, d);
    c->comis_end = c->e.p;
}

/* (U)COMIS, then its ZF PF CF as a flags word: LAHF puts SF ZF 0 AF 0 PF 1 CF in AH, and
 * (U)COMIS clears SF and AF, so AH - 2 is the word; MOVZX, LEA and MOV keep the host flags for
 * the branch on them that usually follows (comis_cached). Without LAHF: PUSHF, POP, AND. */
static void cg_FCMPFLAGS(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    fcmp_comis(c, in, ty(c, in->arg[0]) == IR_F32, in->arg[0], in->arg[1]);
    if (c->has_lahf) {
        x64_insn(e);
        emit_u8(e, 0x9F);                           /* lahf */
        x64_insn(e);
        emit_u8(e, 0x0F);                           /* movzx eax, ah */
        emit_u8(e, 0xB6);
        emit_u8(e, 0xC4);
        x64_lea_rm(e, 4, X64_RAX, x64_m(X64_RAX, -2));
        cg_def_gpr(c, X64_RAX);
        c->comis_end = c->e.p;
        return;
    }
    x64_insn(e);
    emit_u8(e, 0x9C);                               /* pushfq */
    x64_pop_r(e, X64_RAX);
    x64_alu_ri(e, X64_AND, 4, X64_RAX, 0x45);
    cg_def_gpr(c, X64_RAX);
}

/* CVTT* truncate; CVT* round per MXCSR, which holds the guest's FP environment (ir.h). */
static void f2i(CgCtx *c, const IrInsn *in, bool nearest)
{
    bool f32 = ty(c, in->arg[0]) == IR_F32;
    X64SseOp op = nearest ? (f32 ? X64_CVTSS2SI : X64_CVTSD2SI)
                          : (f32 ? X64_CVTTSS2SI : X64_CVTTSD2SI);
    X64Rm src = xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    x64_sse_rxw(&c->e, op, in->type == IR_I64, d, src);
    cg_def_gpr(c, d);
}

static void cg_F2I(CgCtx *c, const IrInsn *in)    { f2i(c, in, false); }
static void cg_F2I_RN(CgCtx *c, const IrInsn *in) { f2i(c, in, true); }

static void cg_I2F(CgCtx *c, const IrInsn *in)
{
    X64SseOp op = in->type == IR_F32 ? X64_CVTSI2SS : X64_CVTSI2SD;
    bool w = ty(c, in->arg[0]) == IR_I64;
    X64Rm src = gpr_rm(c, in->arg[0], X64_RAX);
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rr(&c->e, X64_PXOR, d, d);     /* no false dependency on the old contents */
    x64_sse_rxw(&c->e, op, w, d, src);
    def_xmm(c, d);
}

static void cg_FCVT(CgCtx *c, const IrInsn *in)
{
    X64SseOp op = in->type == IR_F64 ? X64_CVTSS2SD : X64_CVTSD2SS;
    X64Rm src = xmm_rm(c, in->arg[0], X64_XMM0);
    unsigned d = dst_xmm(c, IR_NONE);
    x64_sse_rx(&c->e, op, d, src);
    def_xmm(c, d);
}

/* ---------------------------------------------------------------- calls and exits (abi.c) */

static void cg_CALL(CgCtx *c, const IrInsn *in)
{
    x64_emit_call(c, in);
    cg_def_gpr(c, X64_RAX);
}

static void cg_RETPUSH(CgCtx *c, const IrInsn *in) { x64_emit_retpush(c, in); }
static void cg_EXIT_IF(CgCtx *c, const IrInsn *in) { x64_emit_exit(c, in); }
static void cg_EXIT(CgCtx *c, const IrInsn *in)    { x64_emit_exit(c, in); }

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
    if (in->op == IR_NOP || in->op == IR_INSN_START || in->op == IR_KEEP ||
        in->op == IR_FKEEP || c->val[r].is_const)
        return false;
    return !removable(in) || c->val[r].last_use != 0;
}

/* Ops whose code is only moves (MOV, MOVZX, SSE moves): they keep the host flags (a LOAD or
 * STORE with a limit check does not). */
static bool flag_neutral(const CgCtx *c, IrRef r)
{
    const IrInsn *in = &c->blk->insn[r];
    if (c->val[r].mem_check)
        return false;
    return in->op == IR_GET || in->op == IR_PUT || in->op == IR_LOAD || in->op == IR_STORE ||
           in->op == IR_HLOAD ||
           in->op == IR_VLOWF || in->op == IR_VSETLOWF;
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
        bool needed = !removable(in) || v->last_use != 0;
        if (!needed || in->op == IR_NOP)
            continue;
        if (in->op == IR_KEEP || in->op == IR_FKEEP) {
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
                       (blk->insn[r].op == IR_FCMP && fcmp_fusable(blk->insn[r].imm[0], &cc, &swap));
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
    char *arena = calloc(1, sz_val + sz_keep + 2 * sz_ref);
    if (!arena)
        return BE_ERR_TOO_BIG;
    c->val = (CgVal *)(void *)arena;
    c->keep = (IrKeepRange *)(void *)(arena + sz_val);
    c->keep_base = (IrRef *)(void *)(arena + sz_val + sz_keep);
    c->pending = (IrRef *)(void *)(arena + sz_val + sz_keep + sz_ref);
    ir_keep_ranges(blk, c->keep);
    if (c->loop)            /* a pinned field's state is stale from the second iteration */
        for (IrRef r = 1; r < blk->n; r++)
            if (blk->insn[r].op == IR_KEEP && c->keep[r].in_state)
                for (unsigned i = 0; i < c->loop->n_pins; i++)
                    if (c->keep[r].src < c->loop->pin[i].off + (c->loop->pin[i].vec ? 16 : 8) &&
                        c->loop->pin[i].off < c->keep[r].src + 16)
                        c->keep[r].in_state = false;
    liveness(c);
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
    c->stub_keeps = NULL;
    return c->err;
}
