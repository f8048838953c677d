/* codegen.c — aarch64 code generation: the value bookkeeping, the state and memory ops,
 * KEEPs, calls and exits, liveness and the driver. The integer ops are in codegen_int.c,
 * V128 and floating point in codegen_vec.c, the pinned guest GPRs in codegen_pin.c; this
 * header's conventions hold for all of them.
 *
 * Contract: a64_codegen_block compiles a verified block instruction by instruction into the
 * CodeBuf, checking the red zone once per IR instruction; it returns BE_ERR_FULL, TOO_BIG
 * (more live values than spill slots, more exits than BACKEND_MAX_EXITS) or UNSUPPORTED
 * without touching anything outside the buffer. Each op has a cg_<NAME> function; the dispatch
 * table is built from ir_ops.def, so a new op that has no function fails to compile.
 *
 * How an op is emitted (see codegen.h for where values live): operands are read from their
 * home registers, or loaded into the scratch registers (regs.h: x15/x14/x13 and v1/v2 for
 * operands, x17 for addresses no offset form reaches, v3-v5 temporaries), which are never
 * homes, so no op clobbers a live value; constants become immediates where an encoding takes
 * them, else they are rematerialised. The result is computed in its home register when it has one and no
 * operand the op still reads after writing it lives there (dst_gpr/dst_vec), else in x16/v0,
 * and is then stored home by cg_def_gpr/def_vec. Homes of operands that die at an instruction
 * are freed before its result is placed, so the result may take one over.
 *
 * Integer semantics: values are zero-extended in their 64-bit registers. I32 ops use the W
 * forms (which zero bits 63:32); I8/I16 ops compute in W registers and zero-extend the result
 * where the op can set bits above the type (add, sub, mul, neg, not, shl, sar, rotates).
 * Shifts take the count mod w: the variable shifts of A64 do that for 32/64 bits; 8/16-bit
 * counts are masked, and 8/16-bit rotates rotate a copy replicated across the 32 bits.
 *
 * Floating point: the trampoline sets FPCR to round-to-nearest without flush-to-zero or the
 * default-NaN mode. A64 then differs from x86 SSE only when a result is NaN: its default NaN
 * is positive, and with a quiet NaN first and a signalling NaN second it returns the second.
 * Each arithmetic op checks its result for NaN (one compare and a branch not taken on the
 * common path) and repairs it as ir_ops.def says: the first NaN operand quieted, else the
 * negative default NaN. FMIN/FMAX are a compare and a select (x86's a < b ? a : b), and float
 * to integer conversions, which saturate on A64, give the minimum signed value whenever the
 * (rounded) input is not below 2^(w-1) or is NaN (x86's "integer indefinite").
 *
 * KEEPs and FKEEPs (ir.h, "Precise faults") emit nothing where they stand. ir_keep_ranges says
 * where each one's range ends; liveness makes its value live to the range's last LOAD/STORE/EXIT_IF (or
 * to its store), and the driver keeps the list of pending ones: before an instruction that
 * observes the state it stores them (keep_before: CALL, EXIT, a GET or partial PUT of their
 * bytes), at a LOAD/STORE it records where they are in the fault map, an EXIT_IF's stub
 * (abi.c) stores them on the way out, and values kept alive only for an instruction's fault
 * point are freed after it (keep_after), so its result never takes their register. Those
 * stores are moves only: they keep the NZCV.
 *
 * Liveness (a backward pass) gives each value its last use; pure instructions that nothing
 * needed reads emit no code. A CMP read only by the next EXIT_IF or SELECT (with at most
 * GET/PUT/LOAD/STORE and integer ops that set no flags in between: flag_neutral) is not
 * materialised: the branch or CSEL uses NZCV.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen_ops.h"

/* ---------------------------------------------------------------- addressing */

void cg_ldst(CgCtx *c, A64Mem k, unsigned rt, unsigned base, int64_t disp)
{
    A64Emit *e = &c->e;
    int f = a64_uoff(disp, a64_mem_scale(k));
    if (f >= 0 && base == A64_REG_STATE && (k == A64_LDRX || k == A64_STRX)) {
        /* state fields, never guest memory: neighbours emitted one after the other (the flag
         * fields, KEEP stores, pinned registers) become one LDP/STP */
        a64_ldst_x_pair(e, k == A64_LDRX, rt, base, (uint32_t)disp);
        return;
    }
    if (f >= 0) {
        a64_ldst_uoff(e, k, rt, base, f);
        return;
    }
    if (a64_simm9_fits(disp)) {
        a64_ldst_unsc(e, k, rt, base, (int32_t)disp);
        return;
    }
    /* x17 = base + disp, by one or two immediate adds when |disp| < 2^24 (these accept SP as
     * the base), else through a constant (base is then a GPR other than x17). */
    uint64_t mag = disp < 0 ? -(uint64_t)disp : (uint64_t)disp;
    A64Ins op = disp < 0 ? A64_SUB_I : A64_ADD_I;
    if (mag < (1u << 24)) {
        unsigned src = base;
        if (mag >> 12) {
            a64_addsub_ri(e, op, true, ADDR_GPR, src, (int)(1u << 12 | mag >> 12));
            src = ADDR_GPR;
        }
        if (mag & 0xfff)
            a64_addsub_ri(e, op, true, ADDR_GPR, src, (int)(mag & 0xfff));
    } else {
        assert(base != ADDR_GPR && base != A64_SP);
        a64_mov_imm(e, ADDR_GPR, (uint64_t)disp);
        a64_alu_rrr(e, A64_ADD_R, true, ADDR_GPR, base, ADDR_GPR, A64_LSL, 0);
    }
    a64_ldst_uoff(e, k, rt, ADDR_GPR, 0);
}

static A64Addr addr_bd(unsigned base, int32_t disp) { return (A64Addr){ (uint8_t)base, -1, disp }; }

/* rt = / := the `k`-sized bytes at a + extra. */
static void mem_at(CgCtx *c, A64Mem k, unsigned rt, A64Addr a, int32_t extra)
{
    if (a.index >= 0) {
        if (a.disp + extra == 0) {
            a64_ldst_reg(&c->e, k, rt, a.base, (unsigned)a.index);
            return;
        }
        a64_alu_rrr(&c->e, A64_ADD_R, true, ADDR_GPR, a.base, (unsigned)a.index, A64_LSL, 0);
        a.base = ADDR_GPR;
    }
    cg_ldst(c, k, rt, a.base, (int64_t)a.disp + extra);
}

static A64Addr slot_addr(int slot) { return addr_bd(A64_SP, A64_SLOT_DISP(slot)); }

void cg_spill(CgCtx *c, bool vec, unsigned reg, int slot, bool load)
{
    A64Mem k = vec ? (load ? A64_LDRQ : A64_STRQ) : (load ? A64_LDRX : A64_STRX);
    cg_ldst(c, k, reg, A64_SP, A64_SLOT_DISP(slot));
}

/* Access kinds of a GPR value of `size` bytes and of a vector-class value of type t. */
static A64Mem gpr_kind(unsigned size, bool load)
{
    static const A64Mem ld[4] = { A64_LDRB, A64_LDRH, A64_LDRW, A64_LDRX };
    static const A64Mem st[4] = { A64_STRB, A64_STRH, A64_STRW, A64_STRX };
    unsigned i = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : 3;
    return load ? ld[i] : st[i];
}

A64Mem cg_vec_kind(IrType t, bool load)
{
    switch (t) {
    case IR_F32: return load ? A64_LDRS : A64_STRS;
    case IR_F64: return load ? A64_LDRD : A64_STRD;
    default:     return load ? A64_LDRQ : A64_STRQ;
    }
}

/* ---------------------------------------------------------------- constants */

void cg_mov_imm(CgCtx *c, unsigned rd, uint64_t v, bool vec)
{
    if (!vec) {
        uint8_t buf[16];
        A64Emit t = { buf, 0, NULL };
        a64_mov_imm(&t, rd, v);
        if (t.n_insns == 1) {
            a64_w(&c->e, a64_word_at(buf));
            return;
        }
    }
    unsigned i = 0;
    while (i < c->n_consts && c->consts[i] != v)
        i++;
    if (c->n_const_uses == A64_MAX_CONST_USES || (i == c->n_consts && i == A64_MAX_CONSTS)) {
        if (vec) {
            a64_mov_imm(&c->e, RES_GPR, v);
            a64_fmov_gv(&c->e, A64_FMOV_DX, rd, RES_GPR);     /* upper 64 bits zeroed */
        } else {
            a64_mov_imm(&c->e, rd, v);
        }
        return;
    }
    if (i == c->n_consts)
        c->consts[c->n_consts++] = v;
    c->const_uses[c->n_const_uses].ldr = c->e.p;
    c->const_uses[c->n_const_uses++].idx = i;
    a64_ldr_lit(&c->e, vec, rd, 0);         /* bound by a64_emit_pool */
}

/* ---------------------------------------------------------------- slots and homes */

int cg_slot_alloc(CgCtx *c, unsigned n)
{
    for (unsigned k = 0; k + n <= A64_FRAME_SLOTS; k++) {
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

static IrRef *owner_of(CgCtx *c, CgClass cls, unsigned reg)
{
    return cls == CG_GPR ? &c->gpr_owner[reg] : &c->vreg_owner[reg];
}

/* The register operand a lived in, if a died at the current instruction (its home was
 * released by home_result) and the register is still free; else -1. */
static int freed_reg(CgCtx *c, IrRef a, CgClass cls)
{
    if (a == IR_NONE)
        return -1;
    const CgVal *av = &c->val[a];
    if (av->is_const || av->alias || av->cls != cls || av->reg < 0 || !av->released ||
        av->last_use != c->cur)
        return -1;
    return *owner_of(c, cls, (unsigned)av->reg) ? -1 : av->reg;
}

/* Whether allocatable GPR g may be a home in this block: the pinned registers and x27 /
 * x29 trade places (regs.h). */
static bool reg_usable(const CgCtx *c, unsigned g)
{
    if (g == A64_X29 || g == A64_X27)
        return c->pin && (g == A64_X29 || c->gi->guest_base == 0);
    return !cg_pin_is_reg(c, g);
}

/* Choose the home register of the current instruction's result, of class cls: the register of
 * its first operand (or, for a commutative op, its second) when that operand dies here, which
 * keeps the set of registers in use small; else the first free register that no other dying
 * operand has just left (an op that reads that operand after writing its result would have to
 * compute in a scratch register). -1 if every register is taken. */
static int pick_reg(CgCtx *c, CgClass cls)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    IrRef first = in->op == IR_SELECT ? in->arg[2] : in->arg[0];
    int r = freed_reg(c, first, cls);
    if (r < 0 && (ir_op_info[in->op].props & IRP_COMM))
        r = freed_reg(c, in->arg[1], cls);
    if (r >= 0)
        return r;
    int fallback = -1;
    unsigned n = cls == CG_GPR ? A64_N_ALLOC_GPRS : A64_N_VREGS - A64_FIRST_ALLOC_VREG;
    for (unsigned i = 0; i < n; i++) {
        unsigned g = cls == CG_GPR ? (unsigned)a64_alloc_gprs[i] : A64_FIRST_ALLOC_VREG + i;
        if (*owner_of(c, cls, g) || (cls == CG_GPR && !reg_usable(c, g)))
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
    if (c->regalloc && v->pin_target >= 0) {
        /* computed in the pinned register its PUT writes (pin_targets): from here on it is
         * what that register holds */
        v->reg = v->pin_target;
        v->alias = true;
        cg_pin_written(c, 1u << v->pin_target);
        return;
    }
    if (c->regalloc && (v->cls == CG_GPR || v->cls == CG_VEC)) {
        int g = pick_reg(c, (CgClass)v->cls);
        if (g >= 0) {
            *owner_of(c, (CgClass)v->cls, (unsigned)g) = r;
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
    if (v->reg >= 0 && !v->alias)
        *owner_of(c, (CgClass)v->cls, (unsigned)v->reg) = 0;
    if (v->slot >= 0)
        slot_free(c, v->slot, slots_of(ty(c, r)));
}

void cg_release_args(CgCtx *c)
{
    const IrInsn *in = &c->blk->insn[c->cur];
    for (unsigned i = 0; i < 3; i++) {
        IrRef a = in->arg[i];
        if (a != IR_NONE && c->val[a].last_use == c->cur)
            release(c, a);
    }
}

/* Free the homes of operands dying here and give the current result its home (once). */
static void home_result(CgCtx *c)
{
    cg_release_args(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use != 0 && v->reg < 0 && v->slot < 0)
        alloc_home(c);
}

/* Whether value a (if any, and not a constant) lives in register `reg` of class `cls`. */
static bool lives_in(const CgCtx *c, IrRef a, CgClass cls, int reg)
{
    return a != IR_NONE && !c->val[a].is_const && c->val[a].cls == cls && c->val[a].reg == reg;
}

/* ---------------------------------------------------------------- GPR operands and results */

void cg_load_gpr(CgCtx *c, unsigned dst, IrRef v)
{
    const CgVal *cv = &c->val[v];
    if (cv->is_const)
        cg_mov_imm(c, dst, const_val(c, v), false);
    else if (cv->reg < 0)
        cg_ldst(c, A64_LDRX, dst, A64_SP, A64_SLOT_DISP(cv->slot));
    else if ((unsigned)cv->reg != dst)
        a64_mov_rr(&c->e, true, dst, (unsigned)cv->reg);
}

unsigned cg_gpr(CgCtx *c, IrRef v, unsigned scratch)
{
    const CgVal *cv = &c->val[v];
    if (!cv->is_const && cv->reg >= 0)
        return (unsigned)cv->reg;
    if (cv->is_const && const_val(c, v) == 0)
        return A64_ZR;          /* read-only use: XZR is a zero source for most operands */
    cg_load_gpr(c, scratch, v);
    return scratch;
}

/* The GPR the current instruction computes its result in: its home register, unless it has
 * none or operand avoid0/avoid1 lives there (operands the op reads after it first writes the
 * result register); else x16. The op ends with cg_def_gpr(c, <that register>). */
unsigned cg_dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid0, CG_GPR, r) || lives_in(c, avoid1, CG_GPR, r))
        return RES_GPR;
    return (unsigned)r;
}

int cg_free_gpr(const CgCtx *c)
{
    for (unsigned i = 0; i < A64_N_ALLOC_GPRS; i++) {
        unsigned g = (unsigned)a64_alloc_gprs[i];
        if (!c->gpr_owner[g] && reg_usable(c, g))
            return (int)g;
    }
    return -1;
}

void cg_def_gpr(CgCtx *c, unsigned src)
{
    home_result(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use == 0)
        return;
    if (v->reg >= 0) {
        if ((unsigned)v->reg != src)
            a64_mov_rr(&c->e, true, (unsigned)v->reg, src);
    } else {
        cg_ldst(c, A64_STRX, src, A64_SP, A64_SLOT_DISP(v->slot));
    }
}

/* ---------------------------------------------------------------- vector operands and results */

/* Load value v (class VEC) into vector register dst. Constants go through x16, so callers
 * load vector operands before they put anything in x16. */
void cg_load_vec(CgCtx *c, unsigned dst, IrRef v)
{
    const CgVal *cv = &c->val[v];
    if (cv->is_const) {
        uint64_t x = const_val(c, v);
        if (x == 0) {
            a64_vzero(&c->e, dst);
        } else {
            cg_mov_imm(c, dst, x, true);
        }
    } else if (cv->reg >= 0) {
        if ((unsigned)cv->reg != dst)
            a64_vmov(&c->e, dst, (unsigned)cv->reg);
    } else {
        cg_ldst(c, cg_vec_kind(ty(c, v), true), dst, A64_SP, A64_SLOT_DISP(cv->slot));
    }
}

/* A vector register holding v: its home, or `scratch` loaded with it. Read only. */
unsigned cg_vec_reg(CgCtx *c, IrRef v, unsigned scratch)
{
    const CgVal *cv = &c->val[v];
    if (!cv->is_const && cv->reg >= 0)
        return (unsigned)cv->reg;
    cg_load_vec(c, scratch, v);
    return scratch;
}

/* The vector counterpart of dst_gpr: the result's home register or v0. */
unsigned cg_dst_vec(CgCtx *c, IrRef avoid0, IrRef avoid1)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid0, CG_VEC, r) || lives_in(c, avoid1, CG_VEC, r))
        return RES_VEC;
    return (unsigned)r;
}

void cg_def_vec(CgCtx *c, unsigned src)
{
    home_result(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use == 0)
        return;
    if (v->reg >= 0) {
        if ((unsigned)v->reg != src)
            a64_vmov(&c->e, (unsigned)v->reg, src);
    } else {
        cg_ldst(c, cg_vec_kind(ty(c, c->cur), false), src, A64_SP, A64_SLOT_DISP(v->slot));
    }
}

/* ---------------------------------------------------------------- memory-class values */

/* Copy `size` bytes from src to dst through x16 and v0. Without a destination (dst NULL) only
 * read them: a LOAD nobody reads may still fault. */
static void copy_bytes(CgCtx *c, const A64Addr *dst, A64Addr src, unsigned size)
{
    unsigned off = 0;
    while (off < size) {
        unsigned left = size - off;
        if (left >= 16) {
            mem_at(c, A64_LDRQ, RES_VEC, src, (int32_t)off);
            if (dst)
                mem_at(c, A64_STRQ, RES_VEC, *dst, (int32_t)off);
            off += 16;
        } else {
            unsigned n = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            mem_at(c, gpr_kind(n, true), RES_GPR, src, (int32_t)off);
            if (dst)
                mem_at(c, gpr_kind(n, false), RES_GPR, *dst, (int32_t)off);
            off += n;
        }
    }
}

static A64Addr home_addr(const CgCtx *c, IrRef v)
{
    assert(c->val[v].slot >= 0);
    return slot_addr(c->val[v].slot);
}

/* Copy memory-class value v into dst. */
void cg_copy_value(CgCtx *c, A64Addr dst, IrRef v)
{
    copy_bytes(c, &dst, home_addr(c, v), tsize(ty(c, v)));
}

/* Home (slot) of the current instruction's memory-class result. Operands are not released
 * first, so the result never shares a slot with an operand being copied. */
A64Addr cg_def_mem(CgCtx *c)
{
    CgVal *v = &c->val[c->cur];
    if (v->slot < 0)
        alloc_home(c);
    return slot_addr(v->slot);
}

/* ---------------------------------------------------------------- typed memory access */

/* Result of the current instruction (type t) = the t-sized value at m (whose registers may be
 * the home of a dying operand: single loads read the address before writing). */
static void load_typed(CgCtx *c, IrType t, A64Addr m)
{
    switch (class_of(t)) {
    case CG_GPR: {
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        mem_at(c, gpr_kind(tsize(t), true), d, m, 0);
        cg_def_gpr(c, d);
        break;
    }
    case CG_VEC: {
        unsigned d = cg_dst_vec(c, IR_NONE, IR_NONE);
        mem_at(c, cg_vec_kind(t, true), d, m, 0);
        cg_def_vec(c, d);
        break;
    }
    case CG_MEM:
        if (c->val[c->cur].last_use != 0) {
            A64Addr d = cg_def_mem(c);
            copy_bytes(c, &d, m, tsize(t));
        } else {
            copy_bytes(c, NULL, m, tsize(t));
        }
        break;
    }
}

/* m = value v with its type's size. m must not use x15 or x16. */
static void store_typed(CgCtx *c, IrRef v, A64Addr m)
{
    IrType t = ty(c, v);
    IrRef src = c->val[c->cur].store_src;       /* v's bytes in the register of its operand */
    switch (class_of(t)) {
    case CG_GPR:
        mem_at(c, gpr_kind(tsize(t), false), cg_gpr(c, src ? src : v, OPA_GPR), m, 0);
        break;
    case CG_VEC:
        mem_at(c, cg_vec_kind(t, false), cg_vec_reg(c, v, OPA_VEC), m, 0);
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
        b.kind = BACKEND_LOC_STATE;
        b.reg = (uint16_t)c->keep[k].src;
        b.value = c->keep[k].addend;
        unsigned lsb;
        int p = cg_pin_reg(c, c->keep[k].src, 8, &lsb);
        if (p >= 0) {               /* a pinned field: its register holds it */
            b.kind = BACKEND_LOC_GPR;
            b.reg = (uint16_t)p;
        }
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
        _Static_assert(A64_SLOT_DISP(A64_FRAME_SLOTS) <= UINT16_MAX, "slot offsets fit BackendKeep.reg");
        b.kind = BACKEND_LOC_STACK;
        b.reg = (uint16_t)A64_SLOT_DISP(cv->slot);
    }
    if (c->keep_base[k])    /* x + k: the constant of the ADD */
        b.value = c->blk->insn[c->blk->insn[in->arg[0]].arg[1]].imm[0];
    return b;
}

/* dst = src + k (64-bit; flags untouched): one immediate ADD/SUB when k fits one, else
 * through x17. */
static void add_const64(CgCtx *c, unsigned dst, unsigned src, int64_t k)
{
    int f = a64_addsub_imm((uint64_t)k);
    if (f >= 0) {
        a64_addsub_ri(&c->e, A64_ADD_I, true, dst, src, f);
        return;
    }
    f = a64_addsub_imm(-(uint64_t)k);
    if (f >= 0) {
        a64_addsub_ri(&c->e, A64_SUB_I, true, dst, src, f);
        return;
    }
    a64_mov_imm(&c->e, ADDR_GPR, (uint64_t)k);
    a64_alu_rrr(&c->e, A64_ADD_R, true, dst, src, ADDR_GPR, A64_LSL, 0);
}

void cg_store_keep(CgCtx *c, const BackendKeep *k)
{
    A64Addr m = addr_bd(A64_REG_STATE, (int32_t)k->off);
    switch (k->kind) {
    case BACKEND_LOC_CONST:
        /* value in the low 8 bytes, zeros above (V128 constants), in pieces of 8/4/2/1 */
        for (unsigned off = 0; off < k->size;) {
            unsigned left = k->size - off, n = left >= 8 ? 8 : left >= 4 ? 4 : left >= 2 ? 2 : 1;
            uint64_t v = off == 0 ? (uint64_t)k->value : 0;
            if (n < 8)
                v &= (1ull << (8 * n)) - 1;
            unsigned r = A64_ZR;
            if (v != 0) {
                cg_mov_imm(c, RES_GPR, v, false);
                r = RES_GPR;
            }
            mem_at(c, gpr_kind(n, false), r, m, (int32_t)off);
            off += n;
        }
        break;
    case BACKEND_LOC_GPR:
        if (k->value == 0) {
            mem_at(c, gpr_kind(k->size, false), k->reg, m, 0);
            break;
        }
        add_const64(c, RES_GPR, k->reg, k->value);           /* reg + addend */
        mem_at(c, gpr_kind(k->size, false), RES_GPR, m, 0);
        break;
    case BACKEND_LOC_VEC:
        mem_at(c, k->size == 4 ? A64_STRS : k->size == 8 ? A64_STRD : A64_STRQ, k->reg, m, 0);
        break;
    default: {      /* a slot or a state field (8 bytes there) */
        unsigned base = k->kind == BACKEND_LOC_STATE ? A64_REG_STATE : A64_SP;
        if (k->value == 0) {
            copy_bytes(c, &m, addr_bd(base, k->reg), k->size);
            break;
        }
        cg_ldst(c, A64_LDRX, RES_GPR, base, k->reg);
        add_const64(c, RES_GPR, RES_GPR, k->value);
        mem_at(c, gpr_kind(k->size, false), RES_GPR, m, 0);
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
    unsigned n_st = 0;
    for (unsigned i = 0; i < c->n_pending; i++) {
        IrRef k = c->pending[i];
        if (c->keep[k].end == r && c->keep[k].store)
            c->klist[n_st++] = cg_keep_loc(c, k);
    }
    if (n_st && c->pin) {
        /* Pinned registers these stores write: their aliases still needed move out first,
         * and the locations are taken again (the stores may read the moved values). */
        uint32_t w = cg_keeps_write(c, c->klist, n_st);
        for (unsigned g = 0; g < 32; g++)
            if (w >> g & 1)
                cg_pin_evict(c, g, IR_NONE);
        n_st = 0;
        for (unsigned i = 0; i < c->n_pending; i++) {
            IrRef k = c->pending[i];
            if (c->keep[k].end == r && c->keep[k].store)
                c->klist[n_st++] = cg_keep_loc(c, k);
        }
    }
    if (n_st) {
        if (c->e.p + 64 * n_st > limit) {
            fail(c, BE_ERR_FULL);
            return;
        }
        cg_store_keeps(c, c->klist, n_st);
    }
    for (unsigned i = 0; i < c->n_pending; i++) {      /* after all stores: values shared */
        IrRef k = c->pending[i], v = keep_value(c, k);
        if (c->keep[k].end == r && c->keep[k].store && v && c->val[v].last_use == r &&
            in->arg[0] != v && in->arg[1] != v && in->arg[2] != v &&
            c->val[r].store_src != v && c->val[r].addr_base != v)
            release(c, v);
    }
    if (in->op != IR_LOAD && in->op != IR_STORE)
        return;
    BackendBlockInfo *info = c->info;
    BackendInsnMap *last = info->n_insns ? &info->insns[info->n_insns - 1] : NULL;
    /* A limit probe's entry ends with its address keep (limit_check), which matters only at
     * the probe: an access after it may share the rest. */
    unsigned last_n = last ? last->n_keep - (c->probe_entry == info->n_insns ? 1u : 0u) : 0;
    if (c->n_pending == 0 && last_n == 0)
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
    if (last && last_n == c->n_pending &&
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
    a64_pair_end(&c->e);
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
    a64_pair_end(&c->e);        /* each instruction's code starts where its map entry says */
}

/* KEEP and FKEEP emit nothing where they stand: the driver (keep_before, keep_after) stores
 * a KEEP where its range says and records both at the fault points in between. */
void cg_KEEP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }
void cg_FKEEP(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }

/* GPR and vector constants are rematerialised at each use (is_const, set by the liveness
 * pass); memory-class ones (F80, V256) are written to their slot: low 8 bytes = imm0, rest 0. */
void cg_CONST(CgCtx *c, const IrInsn *in)
{
    if (c->val[c->cur].const_home) {    /* a base of constant addresses: in its home */
        unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
        cg_mov_imm(c, d, (uint64_t)in->imm[0], false);
        cg_def_gpr(c, d);
        return;
    }
    if (class_of((IrType)in->type) != CG_MEM)
        return;
    A64Addr d = cg_def_mem(c);
    a64_mov_imm(&c->e, RES_GPR, (uint64_t)in->imm[0]);
    mem_at(c, A64_STRX, RES_GPR, d, 0);
    for (unsigned off = 8; off < tsize((IrType)in->type); off += 8)
        mem_at(c, A64_STRX, A64_ZR, d, (int32_t)off);
}

/* [x28 + offset]; offsets the verifier allows (32-bit) are all reachable (cg_ldst). */
static A64Addr state_addr(CgCtx *c, int64_t offset)
{
    if (offset < 0 || offset > INT32_MAX - 64) {
        fail(c, BE_ERR_UNSUPPORTED);
        offset = 0;
    }
    return addr_bd(A64_REG_STATE, (int32_t)offset);
}

void cg_GET(CgCtx *c, const IrInsn *in)
{
    unsigned lsb;
    int p = cg_pin_reg(c, in->imm[0], tsize((IrType)in->type), &lsb);
    if (p >= 0 && class_of((IrType)in->type) == CG_GPR) {
        cg_pin_get(c, in, (unsigned)p, lsb);
        return;
    }
    if (p == -2 || p >= 0)      /* through the state (codegen_pin.c) */
        cg_pin_spill(c, cg_pin_overlap(c, in->imm[0], tsize((IrType)in->type)));
    load_typed(c, (IrType)in->type, state_addr(c, in->imm[0]));
}

void cg_PUT(CgCtx *c, const IrInsn *in)
{
    unsigned lsb;
    int p = cg_pin_reg(c, in->imm[0], tsize(ty(c, in->arg[0])), &lsb);
    if (c->val[in->arg[0]].sunk) {
        /* x + k computed here, into the pinned register (codegen_plan.c); x itself may be
         * an alias of it (rsp after a push): it is read before the register is written */
        const IrInsn *d = &c->blk->insn[in->arg[0]];
        IrRef x = d->arg[0];
        cg_pin_evict_after(c, (unsigned)p);
        cg_pin_written(c, 1u << p);
        add_const64(c, (unsigned)p, cg_gpr(c, x, OPA_GPR), c->blk->insn[d->arg[1]].imm[0]);
        if (c->val[x].last_use == c->cur)
            release(c, x);
        return;
    }
    if (p >= 0 && class_of(ty(c, in->arg[0])) == CG_GPR) {
        cg_pin_put(c, in, (unsigned)p, lsb);
        return;
    }
    uint32_t m = p == -1 ? 0 : cg_pin_overlap(c, in->imm[0], tsize(ty(c, in->arg[0])));
    cg_pin_spill(c, m);         /* through the state (codegen_pin.c) */
    store_typed(c, in->arg[0], state_addr(c, in->imm[0]));
    cg_pin_reload(c, m);
}

/* Host address of guest address v: [x27 + v] with a guest base, [v] without. */
static A64Addr guest_addr(CgCtx *c, IrRef addr)
{
    unsigned r = cg_gpr(c, addr, OPB_GPR);
    if (c->gi->guest_base != 0)
        return (A64Addr){ A64_REG_GUEST_BASE, (int8_t)r, 0 };
    if (r == A64_ZR) {                  /* guest address 0: a register base is needed */
        a64_mov_imm(&c->e, OPB_GPR, 0);
        r = OPB_GPR;
    }
    return addr_bd(r, 0);
}

/* x86's memory order (IrGuestInfo.tso) from A64's weaker one with barriers: a DMB ISHLD
 * after each LOAD orders it before every later access; a DMB ISHST before a STORE orders the
 * stores before it (the loads before it already have their ISHLD), and is left out when no
 * store came since the last barrier that ordered stores. The one reordering TSO allows, a
 * later load passing an earlier store, needs nothing. LDAPR/LDAR/STLR would do this with
 * fewer barriers but fault on misaligned addresses (without FEAT_LSE2, or across 16 bytes
 * with it), which x86 code may use anywhere. A CALL's helper may access guest memory
 * (string instructions, LOCK's compare-and-swap): it is one LOAD and STORE at the CALL
 * (cg_CALL). Off, LOAD and STORE are plain LDR/STR: the block's own thread sees them in
 * order, which is all a single-threaded guest can tell. */
static void tso_before_store(CgCtx *c)
{
    if (c->gi->tso && c->st_unfenced)
        a64_dmb(&c->e, A64_ISHST);
    c->st_unfenced = true;
}

/* The guest limit (ir.h; a power of two 2^k, space.c): an access [x, #k] checks its base
 * with the limit probe (ir.h IrGuestInfo.limit_probe, in x18: regs.h), `lsr x16, x, #k;
 * ldrb wzr, [x18, x16]` (ldrsb for a STORE, so the fault says which), which reads the probe
 * byte for x below the limit and faults in the probe's span for any other x, at a map entry
 * of its own: the access's, plus the keep of the guest address x + k as X86State.fault_addr
 * (the runtime reports it, or resumes after the probe when it lies below the limit). LSR and
 * the load leave NZCV alone, so a flag-fused CMP stays fused across the access. Once per base
 * value in the block (plan_limit_checks: also not for x + j of a checked x). Any k in [-256,
 * 4096) is then safe: the address lies below the limit, in the guard (which faults at its
 * own address), or, for a base below |k|, wraps into the top of the 64-bit space, which is
 * the kernel's and faults at its own address as natively. */
static void limit_check(CgCtx *c, const IrInsn *in, A64Addr m)
{
    BackendBlockInfo *info = c->info;
    if (info->n_insns == 0 || info->n_insns >= BACKEND_MAX_INSN_MAP || m.index >= 0 ||
        m.base == A64_ZR) {
        fail(c, BE_ERR_TOO_BIG);
        return;
    }
    /* The access's entry (the last), without the address keep of a probe entry before. */
    BackendInsnMap acc = info->insns[info->n_insns - 1];
    unsigned n = acc.n_keep - (c->probe_entry == info->n_insns ? 1u : 0u);
    uint32_t first = acc.keep_first;
    if (first + n != info->n_keeps) {       /* not the list's end: copy it there */
        if (info->n_keeps + n + 1 > BACKEND_MAX_KEEPS) {
            fail(c, BE_ERR_TOO_BIG);
            return;
        }
        memmove(&info->keeps[info->n_keeps], &info->keeps[first], n * sizeof info->keeps[0]);
        first = info->n_keeps;
        info->n_keeps += n;
    }
    if (info->n_keeps + 1 > BACKEND_MAX_KEEPS || n + 1 > UINT16_MAX) {
        fail(c, BE_ERR_TOO_BIG);
        return;
    }
    info->keeps[info->n_keeps++] = (BackendKeep){
        (uint32_t)c->gi->fault_addr_offset, 8, BACKEND_LOC_GPR, m.base, m.disp };
    A64Emit *e = &c->e;
    a64_lsr_ri(e, true, A64_TMP0, m.base, (unsigned)__builtin_ctzll(c->gi->guest_limit));
    acc.host_offset = (uint32_t)(e->p - c->code_start);
    acc.keep_first = (uint16_t)first;
    acc.n_keep = (uint16_t)(n + 1);
    info->insns[info->n_insns++] = acc;
    c->probe_entry = info->n_insns;
    a64_ldst_reg(e, in->op == IR_STORE ? A64_LDRSBW : A64_LDRB, A64_ZR, A64_REG_PROBE, A64_TMP0);
}

/* The host address of a LOAD/STORE: [x, #k] for a folded x + k (CgVal.addr_base), else
 * guest_addr of its address operand; checked against the guest limit where planned. */
static A64Addr mem_addr(CgCtx *c, const IrInsn *in)
{
    const CgVal *v = &c->val[c->cur];
    A64Addr m = v->addr_base == IR_NONE ? guest_addr(c, in->arg[0])
                                        : addr_bd(cg_gpr(c, v->addr_base, OPB_GPR), v->addr_disp);
    if (v->mem_check)
        limit_check(c, in, m);
    return m;
}


/* How far apart two bases may be for a check of one to cover the other: x + j (|j| below
 * it) of a checked x lies below the limit + 2^24, in the guard, or in the kernel's top of the
 * 64-bit space, and so does any [x + j, #k]. */
#define A64_NEAR (1 << 24)

/* v as root + off: down a chain of I64 ADD/SUB of constants (root is the first value that is
 * not one). */
static IrRef base_root(const CgCtx *c, IrRef v, int64_t *off)
{
    *off = 0;
    for (unsigned depth = 0; depth < 64; depth++) {
        const IrInsn *d = &c->blk->insn[v];
        if (d->type != IR_I64 || (d->op != IR_ADD && d->op != IR_SUB) ||
            c->blk->insn[d->arg[1]].op != IR_CONST)
            break;
        int64_t j = c->blk->insn[d->arg[1]].imm[0];
        if (j <= -A64_NEAR || j >= A64_NEAR)
            break;
        *off += d->op == IR_ADD ? j : -j;
        v = d->arg[0];
    }
    return v;
}

/* Which LOAD/STOREs check the guest limit (mem_check), in code order: a [x, #k] one unless an
 * earlier emitted access checked x, or a value x is within A64_NEAR of by constants added or
 * subtracted (both are then root + offset, base_root: rsp after a push or pop, a pointer
 * and its fields); a constant address below the limit needs none. */
static void plan_limit_checks(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    if (!a64_probe_live(c->gi))
        return;
    struct { IrRef root; int64_t off; } done[64];
    unsigned n_done = 0;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        if ((in->op != IR_LOAD && in->op != IR_STORE) ||
            (cg_removable(in) && c->val[r].last_use == 0) || (in->imm[0] & IR_MEM_NOCHECK))
            continue;       /* NOCHECK: the stack window's (ir.h) */
        IrRef base = c->val[r].addr_base != IR_NONE ? c->val[r].addr_base : in->arg[0];
        const IrInsn *b = &blk->insn[base];
        if (b->op == IR_CONST && (uint64_t)b->imm[0] < c->gi->guest_limit - 4096)
            continue;
        int64_t off;
        IrRef root = base_root(c, base, &off);
        bool near = false;
        for (unsigned i = 0; i < n_done && !near; i++)
            near = done[i].root == root && done[i].off - off > -A64_NEAR &&
                   done[i].off - off < A64_NEAR;
        if (near)
            continue;
        c->val[r].mem_check = true;
        if (n_done < 64) {
            done[n_done].root = root;
            done[n_done++].off = off;
        }
    }
}

/* A folded base dies after the access (as values kept for a fault point do, keep_after), so
 * the result never takes its register while the access may still fault. */
static void mem_done(CgCtx *c)
{
    IrRef b = c->val[c->cur].addr_base;
    if (b != IR_NONE && c->val[b].last_use == c->cur)
        release(c, b);
}

void cg_LOAD(CgCtx *c, const IrInsn *in)
{
    load_typed(c, (IrType)in->type, mem_addr(c, in));
    mem_done(c);
    if (c->gi->tso)
        a64_dmb(&c->e, A64_ISHLD);
}

void cg_STORE(CgCtx *c, const IrInsn *in)
{
    A64Addr m = mem_addr(c, in);
    tso_before_store(c);
    store_typed(c, in->arg[1], m);
    mem_done(c);
}

/* A host address, never the guest base. */
void cg_HLOAD(CgCtx *c, const IrInsn *in)
{
    unsigned r = cg_gpr(c, in->arg[0], OPB_GPR);
    if (r == A64_ZR) {
        a64_mov_imm(&c->e, OPB_GPR, 0);
        r = OPB_GPR;
    }
    load_typed(c, (IrType)in->type, addr_bd(r, 0));
}

/* ---------------------------------------------------------------- calls and exits (abi.c) */

void cg_CALL(CgCtx *c, const IrInsn *in)
{
    /* TSO (cg_LOAD): the helper's stores come after the block's earlier ones, and all its
     * accesses before the block's later ones. */
    tso_before_store(c);
    unsigned r = a64_emit_call(c, in);
    if (c->gi->tso) {
        a64_dmb(&c->e, A64_ISH);
        c->st_unfenced = false;
    }
    cg_def_gpr(c, r);
}

/* A return site: nothing to emit without a return stack (a64_emit_stubs records its exit). */
void cg_RETPUSH(CgCtx *c, const IrInsn *in) { (void)c; (void)in; }
void cg_EXIT_IF(CgCtx *c, const IrInsn *in) { a64_emit_exit(c, in); }
void cg_EXIT(CgCtx *c, const IrInsn *in)    { a64_emit_exit(c, in); }

/* ---------------------------------------------------------------- dispatch and driver */

typedef void CgFn(CgCtx *c, const IrInsn *in);

static CgFn *const cg_table[IR_OP_COUNT] = {
#define IR_OP(name, nout, nin, nimm, props, sem) [IR_##name] = cg_##name,
#include "ir/ir_ops.def"
#undef IR_OP
};

/* An instruction that may be skipped when its result is unused: no effect besides the value
 * (an FP op also raises the FP environment's flags, ir.h, so it is never skipped). */
bool cg_removable(const IrInsn *in)
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
    return !cg_removable(in) || c->val[r].last_use != 0;
}

/* Ops whose code keeps NZCV: loads, stores, moves, address arithmetic, and the integer ops
 * emitted with non-flag-setting forms only (a new flag-setting form in one of them must take
 * it out of this list). */
static bool flag_neutral(const IrInsn *in)
{
    switch (in->op) {
    case IR_GET: case IR_PUT: case IR_LOAD: case IR_STORE: case IR_CONST:
    /* integer ops whose code (codegen_int.c) uses no flag-setting form */
    case IR_ADD: case IR_SUB: case IR_AND: case IR_OR: case IR_XOR: case IR_NOT: case IR_NEG:
    case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROL: case IR_ROR:
    case IR_ZEXT: case IR_SEXT: case IR_TRUNC:
        return true;
    default:
        return false;
    }
}

/* Whether value g is, by the IR alone, a GET of the whole pinned field of register p. */
static bool is_pin_get(const CgCtx *c, IrRef g, int p)
{
    const IrInsn *in = &c->blk->insn[g];
    unsigned lsb;
    return in->op == IR_GET && in->type == IR_I64 && cg_pin_reg(c, in->imm[0], 8, &lsb) == p;
}

/* Whether value v (not a constant; its instruction emits code) may be computed in pinned
 * register p directly, to be in p's field from instruction `to` on (a PUT of it there, or
 * the ZEXT whose result is): writing p early must change nothing anyone sees. So between v
 * and `to` nothing may fault, exit, call or observe p (only code-free instructions, pure ops,
 * and GETs and PUTs of other fields), and v's own instruction may read p only where an op
 * may find its result register shared with a dying operand (its first operand, or the second
 * of a commutative op). A LOAD qualifies: a faulting LDR leaves its destination as it was.
 * Aliases of p needed after v move out just before v (the driver, cg_pin_evict_after), as
 * they would at the PUT. */
static bool pin_window_ok(CgCtx *c, IrRef v, IrRef to, int p, const bool *stores_at)
{
    const IrBlock *blk = c->blk;
    const IrInsn *d = &blk->insn[v];
    const CgVal *vv = &c->val[v];
    unsigned lsb;
    if (vv->is_const || vv->in_flags || vv->pin_target >= 0 || vv->last_use < to ||
        d->op == IR_CALL || d->op == IR_CONST || !emits_code(c, v) ||
        class_of((IrType)d->type) != CG_GPR)
        return false;
    /* a GET of a whole pinned field is an alias of its register (no code to redirect); one
     * of part of a field (mov ebx, edi: the low half of rdi), or of another field, is a
     * copy or a load, which may as well write p */
    if (d->op == IR_GET && cg_pin_reg(c, d->imm[0], tsize((IrType)d->type), &lsb) >= 0 &&
        d->type == IR_I64)
        return false;
    /* these read every operand before they write their result (one instruction, then at
     * most a re-zero-extension of the result: codegen_int.c), so any operand may be p */
    bool reads_first = d->op == IR_ADD || d->op == IR_SUB || d->op == IR_AND ||
                       d->op == IR_OR || d->op == IR_XOR || d->op == IR_MUL ||
                       d->op == IR_SELECT;
    for (unsigned i = 0; i < 3; i++)
        if (d->arg[i] && is_pin_get(c, d->arg[i], p) && !reads_first &&
            !(i == 0 || (i == 1 && (ir_op_info[d->op].props & IRP_COMM))))
            return false;
    for (IrRef j = v + 1; j < to; j++) {
        const IrInsn *u = &blk->insn[j];
        if (stores_at[j])
            return false;       /* KEEP stores there may read p (an in_state keep of it) */
        if (!emits_code(c, j) && u->op != IR_GET)
            continue;
        if (u->op == IR_GET || u->op == IR_PUT) {
            unsigned sz = u->op == IR_GET ? tsize((IrType)u->type) : tsize(ty(c, u->arg[0]));
            uint32_t m = cg_pin_overlap(c, u->imm[0], sz);
            for (unsigned i = 0; i < c->gi->n_gprs; i++)
                if ((m >> i & 1) && (int)a64_pin_gprs[i] == p)
                    return false;
        } else if (!cg_removable(u)) {
            return false;
        }
    }
    return true;
}

/* Results computed straight into the pinned register that a PUT of the whole field writes
 * them to (no move at the PUT; the value is then an alias of that register, moved out
 * should the register be written while the value is still needed), and through a ZEXT to
 * its operand, which then shares the register (the ZEXT emits nothing). */
static void pin_targets(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    bool *stores_at = calloc(blk->n, sizeof *stores_at);
    if (!stores_at)
        return;                 /* no targets: moves at the PUTs */
    for (IrRef k = 1; k < blk->n; k++)
        if ((blk->insn[k].op == IR_KEEP || blk->insn[k].op == IR_FKEEP) && c->keep[k].store &&
            c->keep[k].end < blk->n)
            stores_at[c->keep[k].end] = true;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *put = &blk->insn[r];
        if (put->op != IR_PUT)
            continue;
        IrRef v = put->arg[0];
        unsigned lsb;
        int p = cg_pin_reg(c, put->imm[0], 8, &lsb);
        if (p < 0 || blk->insn[v].type != IR_I64 || !pin_window_ok(c, v, r, p, stores_at))
            continue;
        c->val[v].pin_target = (int8_t)p;
        for (;;) {          /* down a chain of ZEXTs (an operand read after its ZEXT too
                               is then an alias of the register, as the ZEXT is) */
            const IrInsn *z = &blk->insn[v];
            IrRef u = z->arg[0];
            if (z->op != IR_ZEXT || !pin_window_ok(c, u, v, p, stores_at))
                break;
            c->val[u].pin_target = (int8_t)p;
            v = u;
        }
    }
    free(stores_at);
}

/* Backward liveness: an instruction is needed if it has an effect or a needed instruction
 * reads it; last_use of each value is its last needed reader. Instructions not needed get
 * last_use 0 and are skipped. */
static void liveness(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    cg_plan_sinks(c);
    cg_plan_const_bases(c);
    for (IrRef r = blk->n; r-- > 1;) {
        const IrInsn *in = &blk->insn[r];
        CgVal *v = &c->val[r];
        v->slot = -1;
        v->reg = -1;
        v->cls = (uint8_t)class_of((IrType)in->type);
        v->is_const = in->op == IR_CONST && v->cls != CG_MEM && !v->const_home;
        v->released = false;
        v->pin_target = -1;
        bool needed = !cg_removable(in) || v->last_use != 0;
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
        v->addr_base = IR_NONE;
        unsigned first = 0;
        if ((in->op == IR_LOAD || in->op == IR_STORE) && v->const_base != IR_NONE) {
            IrRef x = v->const_base;            /* [A, #B - A] (cg_plan_const_bases) */
            v->addr_base = x;
            v->addr_disp = (int32_t)(blk->insn[in->arg[0]].imm[0] - blk->insn[x].imm[0]);
            if (c->val[x].last_use == 0)
                c->val[x].last_use = r;
            c->val[x].n_uses++;
            first = 1;
        } else if ((in->op == IR_LOAD || in->op == IR_STORE) && c->gi->guest_base == 0) {
            /* [x + k] addressing for an address x + k nothing later reads (the ADD is then
             * not needed unless an earlier instruction reads it). */
            const IrInsn *d = &blk->insn[in->arg[0]];
            if (d->op == IR_ADD && d->type == IR_I64 && c->val[in->arg[0]].last_use == 0 &&
                blk->insn[d->arg[1]].op == IR_CONST && blk->insn[d->arg[0]].op != IR_CONST &&
                blk->insn[d->arg[1]].imm[0] >= -256 && blk->insn[d->arg[1]].imm[0] < 4096) {
                IrRef x = d->arg[0];
                v->addr_base = x;
                v->addr_disp = (int32_t)blk->insn[d->arg[1]].imm[0];
                if (c->val[x].last_use == 0)
                    c->val[x].last_use = r;
                c->val[x].n_uses++;
                first = 1;
            }
        }
        if (in->op == IR_PUT && c->val[in->arg[0]].sunk) {
            IrRef x = blk->insn[in->arg[0]].arg[0];   /* cg_PUT computes x + k */
            if (c->val[x].last_use == 0)
                c->val[x].last_use = r;
            c->val[x].n_uses++;
            continue;
        }
        if (in->op == IR_RETPUSH)
            continue;
        v->store_src = IR_NONE;
        IrRef sv = in->op == IR_STORE ? in->arg[1] : in->op == IR_PUT ? in->arg[0] : IR_NONE;
        unsigned lsb;
        if (sv && c->val[sv].last_use == 0 && (blk->insn[sv].op == IR_ZEXT ||
                                              blk->insn[sv].op == IR_TRUNC) &&
            blk->insn[blk->insn[sv].arg[0]].op != IR_CONST &&
            (in->op == IR_STORE || cg_pin_reg(c, in->imm[0], tsize(ty(c, sv)), &lsb) == -1)) {
            /* the operand's register is stored (store_src); a PUT of a pinned field keeps
             * its ZEXT, which pin_targets may compute in the register */
            IrRef x = blk->insn[sv].arg[0];
            v->store_src = x;
            if (c->val[x].last_use == 0)
                c->val[x].last_use = r;
            c->val[x].n_uses++;
            for (unsigned i = 0; i < 3; i++) {
                IrRef a = in->arg[i];
                if (a == IR_NONE || a == sv || (i == 0 && first))
                    continue;
                if (c->val[a].last_use == 0)
                    c->val[a].last_use = r;
                c->val[a].n_uses++;
            }
            continue;
        }   /* no return stack here: emits nothing and reads nothing (keeping
                           its operand, the old rsp, alive cost a move at every call) */
        for (unsigned i = first; i < 3; i++) {
            IrRef a = in->arg[i];
            if (a == IR_NONE)
                continue;
            if (c->val[a].last_use == 0)
                c->val[a].last_use = r;     /* the first reader seen going back is the last */
            c->val[a].n_uses++;
        }
    }
    plan_limit_checks(c);
    /* A CMP read once, as the condition of the next instruction that emits code other than
     * flag-neutral moves, stays in NZCV (cmp + b.cond/csel, no CSET and compare with 0). */
    for (IrRef r = 1; r < blk->n; r++) {
        CgVal *v = &c->val[r];
        if (blk->insn[r].op != IR_CMP || v->n_uses != 1)
            continue;
        IrRef j = r + 1;
        while (j < v->last_use && (!emits_code(c, j) || flag_neutral(&blk->insn[j])))
            j++;
        const IrInsn *u = &blk->insn[j];
        v->in_flags = j == v->last_use && (u->op == IR_EXIT_IF || u->op == IR_SELECT) &&
                      u->arg[0] == r;
        const IrInsn *cmp = &blk->insn[r];
        IrRef x = cmp->arg[0];
        if (v->in_flags && u->op == IR_EXIT_IF && (cmp->imm[0] == IR_EQ || cmp->imm[0] == IR_NE) &&
            blk->insn[cmp->arg[1]].op == IR_CONST && blk->insn[cmp->arg[1]].imm[0] == 0 &&
            !c->val[x].is_const && c->val[x].cls == CG_GPR) {
            /* x == 0 / x != 0 for an exit: CBZ/CBNZ x at the EXIT_IF (x lives to it) */
            v->in_flags = false;
            v->in_cbz = true;
            if (c->val[x].last_use < j)
                c->val[x].last_use = j;
        }
    }
    if (c->pin && c->regalloc) {
        pin_targets(c);
        cg_plan_lowparts(c);
    }
}

int a64_codegen_block(CgCtx *c, const CodeBuf *cb)
{
    const IrBlock *blk = c->blk;
    c->val = calloc(blk->n, sizeof *c->val);
    c->keep = calloc(blk->n, sizeof *c->keep);
    c->keep_base = calloc(blk->n, sizeof *c->keep_base);
    c->pending = calloc(blk->n, sizeof *c->pending);
    c->klist = calloc(blk->n, sizeof *c->klist);
    c->pin = a64_pin_enabled(c->gi);
    c->pin_lo = c->gi->gpr_offset;
    c->pin_hi = c->gi->gpr_offset + 8 * (c->pin ? c->gi->n_gprs : 0);
    if (!c->val || !c->keep || !c->keep_base || !c->pending || !c->klist) {
        free(c->klist);
        free(c->val);
        free(c->keep);
        free(c->keep_base);
        free(c->pending);
        return BE_ERR_TOO_BIG;
    }
    ir_keep_ranges(blk, c->keep);
    c->st_unfenced = true;          /* the predecessor's stores may be unordered */
    liveness(c);
    const uint8_t *limit = cb->end - CODEBUF_RED_ZONE;
    for (IrRef r = 1; r < blk->n && c->err == BE_OK; r++) {
        const IrInsn *in = &blk->insn[r];
        if (c->e.p > limit) {
            c->err = BE_ERR_FULL;
            break;
        }
        c->cur = r;
        /* even around an instruction that emits nothing (an unused GET still ends the
         * ranges of the KEEPs it overlaps: they must be in the state from here on) */
        keep_before(c, r, limit);
        if (c->e.p > limit) {
            fail(c, BE_ERR_FULL);
            break;
        }
        if (!cg_removable(in) || c->val[r].last_use != 0) {
            const uint8_t *before = c->e.p;
            int p = c->val[r].pin_target;
            if (p >= 0 && !(in->op == IR_ZEXT && c->val[in->arg[0]].alias &&
                            c->val[in->arg[0]].reg == p))
                cg_pin_evict_after(c, (unsigned)p);     /* r is computed in p (pin_targets) */
            cg_table[in->op](c, in);
            cg_release_args(c);
            IrRef src = c->val[r].store_src;        /* read in place of the operand */
            if (src && c->val[src].last_use == r)
                release(c, src);
            if (in->op == IR_EXIT_IF && c->val[in->arg[0]].in_cbz) {
                IrRef x = blk->insn[in->arg[0]].arg[0];     /* what its CBZ/CBNZ read */
                if (c->val[x].last_use == r)
                    release(c, x);
            }
            assert(c->e.p - before <= CODEBUF_RED_ZONE);
            (void)before;
        }
        keep_after(c, r);
    }
    if (c->err == BE_OK)
        a64_emit_stubs(c, limit);
    if (c->err == BE_OK)            /* last: the pool ends the block (data_offset) */
        c->info->data_offset = a64_emit_pool(c, cb->end);
    free(c->val);
    free(c->keep);
    free(c->keep_base);
    free(c->pending);
    free(c->klist);
    c->klist = NULL;
    free(c->stub_keeps);
    c->val = NULL;
    c->keep = NULL;
    c->keep_base = NULL;
    c->pending = NULL;
    c->stub_keeps = NULL;
    return c->err;
}
