/* codegen.c — aarch64 code for every IR op, and the value bookkeeping under it.
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
 * GET/PUT/LOAD/STORE, which are loads, stores and flag-free address arithmetic, in between) is
 * not materialised: the branch or CSEL uses NZCV.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

/* Scratch registers by role (regs.h has the list). */
#define RES_GPR  A64_TMP0       /* x16: results without a usable home, constants */
#define OPA_GPR  A64_X15        /* first operand */
#define OPB_GPR  A64_X14        /* second operand */
#define OPC_GPR  A64_X13        /* third operand, extra temporaries */
#define ADDR_GPR A64_TMP1       /* x17: addresses (cg_ldst), condition loads */
#define RES_VEC  A64_V0
#define OPA_VEC  A64_V1
#define OPB_VEC  A64_V2
#define TMP_VEC  A64_V3
#define TMP2_VEC A64_V4
#define TMP3_VEC A64_V5

/* ---------------------------------------------------------------- small queries */

static IrType ty(const CgCtx *c, IrRef v) { return (IrType)c->blk->insn[v].type; }
static unsigned tsize(IrType t) { return ir_type_size(t); }

static CgClass class_of(IrType t)
{
    if (ir_type_is_int(t))
        return CG_GPR;
    if (t == IR_F32 || t == IR_F64 || t == IR_V128 || t == IR_I128)
        return CG_VEC;
    return CG_MEM;          /* F80, V256: moved around only, so they stay in slots */
}

static bool is_const(const CgCtx *c, IrRef v) { return c->val[v].is_const; }

/* A constant's value, truncated to its type's width. */
static uint64_t const_val(const CgCtx *c, IrRef v)
{
    uint64_t x = cg_const_val(c, v);
    unsigned bits = ir_type_bits(ty(c, v));
    return bits >= 64 ? x : x & ((1ull << bits) - 1);
}

static void fail(CgCtx *c, int err)
{
    if (c->err == BE_OK)
        c->err = err;
}

/* log2 of lane bytes (0..3) for a lane width of 8, 16, 32 or 64 bits. */
static unsigned lane_log(int64_t lane)
{
    return lane == 8 ? 0 : lane == 16 ? 1 : lane == 32 ? 2 : 3;
}

/* ---------------------------------------------------------------- addressing */

void cg_ldst(CgCtx *c, A64Mem k, unsigned rt, unsigned base, int64_t disp)
{
    A64Emit *e = &c->e;
    int f = a64_uoff(disp, a64_mem_scale(k));
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

/* A memory operand: [base + index + disp] (index -1: none). */
typedef struct A64Addr {
    uint8_t base;       /* GPR number, or A64_SP */
    int8_t index;       /* GPR added to the base, or -1 */
    int32_t disp;
} A64Addr;

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

static A64Mem vec_kind(IrType t, bool load)
{
    switch (t) {
    case IR_F32: return load ? A64_LDRS : A64_STRS;
    case IR_F64: return load ? A64_LDRD : A64_STRD;
    default:     return load ? A64_LDRQ : A64_STRQ;
    }
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
        a64_mov_imm(&c->e, dst, const_val(c, v));
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
static unsigned dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid0, CG_GPR, r) || lives_in(c, avoid1, CG_GPR, r))
        return RES_GPR;
    return (unsigned)r;
}

unsigned cg_dst_gpr(CgCtx *c, IrRef avoid0, IrRef avoid1) { return dst_gpr(c, avoid0, avoid1); }

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
static void load_vec(CgCtx *c, unsigned dst, IrRef v)
{
    const CgVal *cv = &c->val[v];
    if (cv->is_const) {
        uint64_t x = const_val(c, v);
        if (x == 0) {
            a64_vzero(&c->e, dst);
        } else {
            a64_mov_imm(&c->e, RES_GPR, x);
            a64_fmov_gv(&c->e, A64_FMOV_DX, dst, RES_GPR);     /* upper 64 bits zeroed */
        }
    } else if (cv->reg >= 0) {
        if ((unsigned)cv->reg != dst)
            a64_vmov(&c->e, dst, (unsigned)cv->reg);
    } else {
        cg_ldst(c, vec_kind(ty(c, v), true), dst, A64_SP, A64_SLOT_DISP(cv->slot));
    }
}

/* A vector register holding v: its home, or `scratch` loaded with it. Read only. */
static unsigned vec_reg(CgCtx *c, IrRef v, unsigned scratch)
{
    const CgVal *cv = &c->val[v];
    if (!cv->is_const && cv->reg >= 0)
        return (unsigned)cv->reg;
    load_vec(c, scratch, v);
    return scratch;
}

/* The vector counterpart of dst_gpr: the result's home register or v0. */
static unsigned dst_vec(CgCtx *c, IrRef avoid0, IrRef avoid1)
{
    home_result(c);
    int r = c->val[c->cur].reg;
    if (r < 0 || lives_in(c, avoid0, CG_VEC, r) || lives_in(c, avoid1, CG_VEC, r))
        return RES_VEC;
    return (unsigned)r;
}

static void def_vec(CgCtx *c, unsigned src)
{
    home_result(c);
    CgVal *v = &c->val[c->cur];
    if (v->last_use == 0)
        return;
    if (v->reg >= 0) {
        if ((unsigned)v->reg != src)
            a64_vmov(&c->e, (unsigned)v->reg, src);
    } else {
        cg_ldst(c, vec_kind(ty(c, c->cur), false), src, A64_SP, A64_SLOT_DISP(v->slot));
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
static void copy_value(CgCtx *c, A64Addr dst, IrRef v)
{
    copy_bytes(c, &dst, home_addr(c, v), tsize(ty(c, v)));
}

/* Home (slot) of the current instruction's memory-class result. Operands are not released
 * first, so the result never shares a slot with an operand being copied. */
static A64Addr def_mem(CgCtx *c)
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
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        mem_at(c, gpr_kind(tsize(t), true), d, m, 0);
        cg_def_gpr(c, d);
        break;
    }
    case CG_VEC: {
        unsigned d = dst_vec(c, IR_NONE, IR_NONE);
        mem_at(c, vec_kind(t, true), d, m, 0);
        def_vec(c, d);
        break;
    }
    case CG_MEM:
        if (c->val[c->cur].last_use != 0) {
            A64Addr d = def_mem(c);
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
    switch (class_of(t)) {
    case CG_GPR:
        mem_at(c, gpr_kind(tsize(t), false), cg_gpr(c, v, OPA_GPR), m, 0);
        break;
    case CG_VEC:
        mem_at(c, vec_kind(t, false), vec_reg(c, v, OPA_VEC), m, 0);
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
                a64_mov_imm(&c->e, RES_GPR, v);
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

/* GPR and vector constants are rematerialised at each use (is_const, set by the liveness
 * pass); memory-class ones (F80, V256) are written to their slot: low 8 bytes = imm0, rest 0. */
static void cg_CONST(CgCtx *c, const IrInsn *in)
{
    if (class_of((IrType)in->type) != CG_MEM)
        return;
    A64Addr d = def_mem(c);
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

static void cg_GET(CgCtx *c, const IrInsn *in)
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

static void cg_PUT(CgCtx *c, const IrInsn *in)
{
    unsigned lsb;
    int p = cg_pin_reg(c, in->imm[0], tsize(ty(c, in->arg[0])), &lsb);
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

/* The host address of a LOAD/STORE: [x, #k] for a folded x + k (CgVal.addr_base), else
 * guest_addr of its address operand. */
static A64Addr mem_addr(CgCtx *c, const IrInsn *in)
{
    const CgVal *v = &c->val[c->cur];
    if (v->addr_base == IR_NONE)
        return guest_addr(c, in->arg[0]);
    return addr_bd(cg_gpr(c, v->addr_base, OPB_GPR), v->addr_disp);
}

/* A folded base dies after the access (as values kept for a fault point do, keep_after), so
 * the result never takes its register while the access may still fault. */
static void mem_done(CgCtx *c)
{
    IrRef b = c->val[c->cur].addr_base;
    if (b != IR_NONE && c->val[b].last_use == c->cur)
        release(c, b);
}

static void cg_LOAD(CgCtx *c, const IrInsn *in)
{
    load_typed(c, (IrType)in->type, mem_addr(c, in));
    mem_done(c);
    if (c->gi->tso)
        a64_dmb(&c->e, A64_ISHLD);
}

static void cg_STORE(CgCtx *c, const IrInsn *in)
{
    A64Addr m = mem_addr(c, in);
    tso_before_store(c);
    store_typed(c, in->arg[1], m);
    mem_done(c);
}

/* A host address, never the guest base. */
static void cg_HLOAD(CgCtx *c, const IrInsn *in)
{
    unsigned r = cg_gpr(c, in->arg[0], OPB_GPR);
    if (r == A64_ZR) {
        a64_mov_imm(&c->e, OPB_GPR, 0);
        r = OPB_GPR;
    }
    load_typed(c, (IrType)in->type, addr_bd(r, 0));
}

/* ---------------------------------------------------------------- integer arithmetic */

static uint64_t mask_bits(unsigned w) { return w >= 64 ? ~0ull : (1ull << w) - 1; }

/* Zero-extend an 8/16-bit result computed in a W register. */
static void zext_small(CgCtx *c, unsigned d, unsigned size)
{
    if (size < 4)
        a64_uxt(&c->e, d, d, size * 8);
}

/* ADD/SUB: an immediate operand (or its negation with the other op) when encodable. */
static void addsub(CgCtx *c, const IrInsn *in, bool sub)
{
    unsigned sz = tsize((IrType)in->type);
    bool sf = sz == 8;
    IrRef b = in->arg[1];
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    if (is_const(c, b)) {
        uint64_t k = const_val(c, b);
        A64Ins op = sub ? A64_SUB_I : A64_ADD_I;
        int f = a64_addsub_imm(k);
        if (f < 0) {
            f = a64_addsub_imm(-k & mask_bits(sf ? 64 : 32));
            op = sub ? A64_ADD_I : A64_SUB_I;
        }
        if (f >= 0 && a != A64_ZR) {
            unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
            a64_addsub_ri(&c->e, op, sf, d, a, f);
            zext_small(c, d, sz);
            cg_def_gpr(c, d);
            return;
        }
    }
    unsigned bm = cg_gpr(c, b, OPB_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(&c->e, sub ? A64_SUB_R : A64_ADD_R, sf, d, a, bm, A64_LSL, 0);
    zext_small(c, d, sz);
    cg_def_gpr(c, d);
}

static void cg_ADD(CgCtx *c, const IrInsn *in) { addsub(c, in, false); }
static void cg_SUB(CgCtx *c, const IrInsn *in) { addsub(c, in, true); }

/* AND/OR/XOR: zero-extended inputs give a zero-extended result; a bitmask immediate operand
 * is used directly. */
static void logic(CgCtx *c, const IrInsn *in, A64Ins rr, A64Ins ri)
{
    bool sf = tsize((IrType)in->type) == 8;
    IrRef b = in->arg[1];
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    if (is_const(c, b)) {
        int f = a64_logical_imm(const_val(c, b), sf ? 64 : 32);
        if (f >= 0) {
            unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
            a64_logic_ri(&c->e, ri, sf, d, a, f);
            cg_def_gpr(c, d);
            return;
        }
    }
    unsigned bm = cg_gpr(c, b, OPB_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(&c->e, rr, sf, d, a, bm, A64_LSL, 0);
    cg_def_gpr(c, d);
}

static void cg_AND(CgCtx *c, const IrInsn *in) { logic(c, in, A64_AND_R, A64_AND_I); }
static void cg_OR(CgCtx *c, const IrInsn *in)  { logic(c, in, A64_ORR_R, A64_ORR_I); }
static void cg_XOR(CgCtx *c, const IrInsn *in) { logic(c, in, A64_EOR_R, A64_EOR_I); }

static void cg_MUL(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR), b = cg_gpr(c, in->arg[1], OPB_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_mul(&c->e, sz == 8, d, a, b);
    zext_small(c, d, sz);
    cg_def_gpr(c, d);
}

/* High half of the product. I64: UMULH/SMULH. I32: the 64-bit product of W registers
 * (UMADDL/SMADDL), bits 63:32. I8/I16: the 2w-bit product fits a W register (operands zero-
 * or sign-extended to 32 bits), bits 2w-1:w. */
static void mulh(CgCtx *c, const IrInsn *in, bool sign)
{
    A64Emit *e = &c->e;
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR), b = cg_gpr(c, in->arg[1], OPB_GPR);
    if (sz < 4 && sign) {
        a64_sxt(e, false, OPA_GPR, a, w);
        a64_sxt(e, false, OPB_GPR, b, w);
        a = OPA_GPR;
        b = OPB_GPR;
    }
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    if (sz == 8) {
        a64_madd(e, sign ? A64_SMULH : A64_UMULH, true, d, a, b, A64_ZR);
    } else if (sz == 4) {
        a64_madd(e, sign ? A64_SMADDL : A64_UMADDL, true, d, a, b, A64_ZR);
        a64_lsr_ri(e, true, d, d, 32);
    } else {
        a64_mul(e, false, d, a, b);
        a64_ubfx(e, false, d, d, w, w);
    }
    cg_def_gpr(c, d);
}

static void cg_MULHU(CgCtx *c, const IrInsn *in) { mulh(c, in, false); }
static void cg_MULHS(CgCtx *c, const IrInsn *in) { mulh(c, in, true); }

typedef enum ShiftKind { SK_SHL, SK_SHR, SK_SAR, SK_ROL, SK_ROR } ShiftKind;

/* rd = the 8/16-bit value in rn replicated across 32 bits, so a 32-bit rotate rotates it
 * within its own width (8 and 16 divide 32). */
static void replicate_small(CgCtx *c, unsigned rd, unsigned rn, unsigned w)
{
    a64_alu_rrr(&c->e, A64_ORR_R, false, rd, rn, rn, A64_LSL, w);
    if (w == 8)
        a64_alu_rrr(&c->e, A64_ORR_R, false, rd, rd, rd, A64_LSL, 16);
}

/* Shift or rotate by a constant count n (already mod w). */
static void shift_const(CgCtx *c, ShiftKind k, unsigned sz, unsigned d, unsigned a, unsigned n)
{
    A64Emit *e = &c->e;
    unsigned w = sz * 8;
    bool sf = sz == 8, small = sz < 4;
    if (k == SK_ROL) {                  /* rol n = ror (w - n) */
        k = SK_ROR;
        n = (w - n) % w;
    }
    switch (k) {
    case SK_SHL:
        if (small)                      /* ubfiz: shift and keep w bits in one */
            a64_bfm(e, A64_UBFM, false, d, a, (32 - n) % 32, w - 1 - n);
        else
            a64_lsl_ri(e, sf, d, a, n);
        break;
    case SK_SHR:
        a64_lsr_ri(e, sf, d, a, n);
        break;
    case SK_SAR:
        if (small) {                    /* sbfx from bit n, w - n bits, then back to w bits */
            a64_bfm(e, A64_SBFM, false, d, a, n, w - 1);
            a64_uxt(e, d, d, w);
        } else {
            a64_asr_ri(e, sf, d, a, n);
        }
        break;
    default:                            /* SK_ROR */
        if (small) {
            a64_lsr_ri(e, false, OPC_GPR, a, n);
            a64_alu_rrr(e, A64_ORR_R, false, d, OPC_GPR, a, A64_LSL, w - n);
            a64_uxt(e, d, d, w);
        } else {                        /* extr d, a, a, #n */
            a64_extr(e, sf, d, a, a, n);
        }
        break;
    }
}

/* Shifts and rotates count mod w. A64's variable shifts use the count mod the register width:
 * exact for I32/I64; I8/I16 counts are masked (shifts) or need no mask (rotates of the
 * replicated value). */
static void shift(CgCtx *c, const IrInsn *in, ShiftKind k)
{
    A64Emit *e = &c->e;
    unsigned sz = tsize((IrType)in->type), w = sz * 8;
    bool sf = sz == 8, small = sz < 4;
    if (is_const(c, in->arg[1])) {
        unsigned n = (unsigned)(const_val(c, in->arg[1]) & (w - 1));
        unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
        unsigned d = dst_gpr(c, k == SK_ROR || k == SK_ROL ? in->arg[0] : IR_NONE, IR_NONE);
        shift_const(c, k, sz, d, a, n);
        cg_def_gpr(c, d);
        return;
    }
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned n = cg_gpr(c, in->arg[1], OPB_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    switch (k) {
    case SK_SHL: case SK_SHR: case SK_SAR: {
        static const A64Ins ops[3] = { A64_LSLV, A64_LSRV, A64_ASRV };
        if (small) {
            a64_logic_ri(e, A64_AND_I, false, OPC_GPR, n, a64_logical_imm(w - 1, 32));
            n = OPC_GPR;
            if (k == SK_SAR) {
                a64_sxt(e, false, OPA_GPR, a, w);
                a = OPA_GPR;
            }
        }
        a64_shiftv(e, ops[k], sf, d, a, n);
        if (small && k != SK_SHR)
            a64_uxt(e, d, d, w);
        break;
    }
    default:
        if (k == SK_ROL) {              /* rol n = ror -n (mod the register width) */
            a64_alu_rrr(e, A64_SUB_R, false, OPC_GPR, A64_ZR, n, A64_LSL, 0);
            n = OPC_GPR;
        }
        if (small) {
            replicate_small(c, OPA_GPR, a, w);
            a = OPA_GPR;
        }
        a64_shiftv(e, A64_RORV, sf, d, a, n);
        if (small)
            a64_uxt(e, d, d, w);
        break;
    }
    cg_def_gpr(c, d);
}

static void cg_SHL(CgCtx *c, const IrInsn *in) { shift(c, in, SK_SHL); }
static void cg_SHR(CgCtx *c, const IrInsn *in) { shift(c, in, SK_SHR); }
static void cg_SAR(CgCtx *c, const IrInsn *in) { shift(c, in, SK_SAR); }
static void cg_ROL(CgCtx *c, const IrInsn *in) { shift(c, in, SK_ROL); }
static void cg_ROR(CgCtx *c, const IrInsn *in) { shift(c, in, SK_ROR); }

static void cg_NEG(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(&c->e, A64_SUB_R, sz == 8, d, A64_ZR, a, A64_LSL, 0);
    zext_small(c, d, sz);
    cg_def_gpr(c, d);
}

/* ~a: MVN at 32/64 bits; at 8/16 bits an EOR with the type's mask keeps it zero-extended. */
static void cg_NOT(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    if (sz < 4)
        a64_logic_ri(&c->e, A64_EOR_I, false, d, a, a64_logical_imm(mask_bits(sz * 8), 32));
    else
        a64_alu_rrr(&c->e, A64_ORN_R, sz == 8, d, A64_ZR, a, A64_LSL, 0);
    cg_def_gpr(c, d);
}

/* ctz = clz(rbit a). An 8/16-bit input gets bit w set first, so zero gives w. */
static void cg_CTZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    bool sf = sz == 8;
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    if (sz < 4) {
        a64_logic_ri(&c->e, A64_ORR_I, false, OPA_GPR, a, a64_logical_imm(1u << (sz * 8), 32));
        a = OPA_GPR;
    }
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_dp1(&c->e, A64_RBIT, sf, d, a);
    a64_dp1(&c->e, A64_CLZ, sf, d, d);
    cg_def_gpr(c, d);
}

/* clz of the zero-extended 32-bit value, less the 32 - w bits above an 8/16-bit type. */
static void cg_CLZ(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_dp1(&c->e, A64_CLZ, sz == 8, d, a);
    if (sz < 4)
        a64_addsub_ri(&c->e, A64_SUB_I, false, d, d, (int)(32 - sz * 8));
    cg_def_gpr(c, d);
}

/* CNT counts the bits of each byte of the zero-extended 64-bit value; ADDV sums them. */
static void cg_POPCNT(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    a64_fmov_gv(e, A64_FMOV_DX, RES_VEC, a);
    a64_v2(e, A64_V_CNT_8B, RES_VEC, RES_VEC);
    a64_v2(e, A64_V_ADDV_8B, RES_VEC, RES_VEC);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_fmov_gv(e, A64_FMOV_WS, d, RES_VEC);
    cg_def_gpr(c, d);
}

static void cg_BSWAP(CgCtx *c, const IrInsn *in)
{
    unsigned sz = tsize((IrType)in->type);
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    if (sz == 8)
        a64_dp1(&c->e, A64_REV_X, false, d, a);
    else        /* REV16 swaps within each halfword: exact for a zero-extended I16 */
        a64_dp1(&c->e, sz == 4 ? A64_REV_W : A64_REV16, false, d, a);
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
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_uxt(&c->e, d, a, tsize((IrType)in->type) * 8);
    cg_def_gpr(c, d);
}

static void cg_SEXT(CgCtx *c, const IrInsn *in)
{
    unsigned dsz = tsize((IrType)in->type), ssz = tsize(ty(c, in->arg[0]));
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_sxt(&c->e, dsz == 8, d, a, ssz * 8);
    if (dsz == 2)       /* sign-extended to 32 bits: cut back to 16, zero-extended */
        a64_uxt(&c->e, d, d, 16);
    cg_def_gpr(c, d);
}

/* Same bits, possibly another register class. */
static void cg_BITCAST(CgCtx *c, const IrInsn *in)
{
    IrType t = (IrType)in->type, at = ty(c, in->arg[0]);
    CgClass dc = class_of(t), sc = class_of(at);
    bool w64 = tsize(t) == 8;
    if (dc == CG_GPR && sc == CG_GPR) {
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        cg_load_gpr(c, d, in->arg[0]);
        cg_def_gpr(c, d);
    } else if (dc == CG_VEC && sc == CG_VEC) {
        unsigned d = dst_vec(c, IR_NONE, IR_NONE);
        load_vec(c, d, in->arg[0]);
        def_vec(c, d);
    } else if (dc == CG_VEC && sc == CG_GPR) {      /* fmov s, w / d, x */
        unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
        unsigned d = dst_vec(c, IR_NONE, IR_NONE);
        a64_fmov_gv(&c->e, w64 ? A64_FMOV_DX : A64_FMOV_SW, d, a);
        def_vec(c, d);
    } else if (dc == CG_GPR && sc == CG_VEC) {      /* fmov w, s / x, d: zero-extends */
        unsigned x = vec_reg(c, in->arg[0], OPA_VEC);
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        a64_fmov_gv(&c->e, w64 ? A64_FMOV_XD : A64_FMOV_WS, d, x);
        cg_def_gpr(c, d);
    } else {                                        /* F80, V256: same class, copy */
        copy_value(c, def_mem(c), in->arg[0]);
    }
}

static const A64Cond cond_cc[IR_COND_COUNT] = {
    [IR_EQ] = A64_CC_EQ,  [IR_NE] = A64_CC_NE,
    [IR_LTU] = A64_CC_LO, [IR_GEU] = A64_CC_HS,
    [IR_LEU] = A64_CC_LS, [IR_GTU] = A64_CC_HI,
    [IR_LTS] = A64_CC_LT, [IR_GES] = A64_CC_GE,
    [IR_LES] = A64_CC_LE, [IR_GTS] = A64_CC_GT,
};

/* NZCV = compare of a and b at their own width. I32/I64 compare W/X registers; zero-extended
 * I8/I16 values compare exactly as W registers for equality and unsigned conditions; for
 * signed ones both are shifted to the top of a W register (cmp (a << s), (b << s)), which
 * orders them as w-bit signed values. */
static void emit_compare(CgCtx *c, IrRef ra, IrRef rb, IrCond cond)
{
    A64Emit *e = &c->e;
    unsigned sz = tsize(ty(c, ra));
    bool sf = sz == 8;
    unsigned a = cg_gpr(c, ra, OPA_GPR);
    if (sz < 4 && cond >= IR_LTS) {
        unsigned s = 32 - sz * 8;
        a64_lsl_ri(e, false, OPA_GPR, a, s);
        if (is_const(c, rb)) {
            a64_mov_imm(e, OPB_GPR, (const_val(c, rb) << s) & 0xffffffffu);
            a64_cmp_rr(e, false, OPA_GPR, OPB_GPR, A64_LSL, 0);
        } else {
            a64_cmp_rr(e, false, OPA_GPR, cg_gpr(c, rb, OPB_GPR), A64_LSL, s);
        }
        return;
    }
    if (is_const(c, rb) && a != A64_ZR) {
        uint64_t k = const_val(c, rb);
        int f = a64_addsub_imm(k);
        if (f >= 0) {
            a64_addsub_ri(e, A64_SUBS_I, sf, A64_ZR, a, f);
            return;
        }
        /* cmn a, #-k sets the same flags as cmp a, #k for k != 0 and k != INT_MIN (both are
         * excluded here: 0 is encodable, -INT_MIN is not) */
        f = a64_addsub_imm(-k & mask_bits(sf ? 64 : 32));
        if (f >= 0) {
            a64_addsub_ri(e, A64_ADDS_I, sf, A64_ZR, a, f);
            return;
        }
    }
    a64_cmp_rr(e, sf, a, cg_gpr(c, rb, OPB_GPR), A64_LSL, 0);
}

static void cg_CMP(CgCtx *c, const IrInsn *in)
{
    IrCond cond = (IrCond)in->imm[0];
    emit_compare(c, in->arg[0], in->arg[1], cond);
    if (c->val[c->cur].in_flags) {  /* the next instruction branches or selects on it */
        c->flags_cc = cond_cc[cond];
        return;
    }
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_cset(&c->e, d, cond_cc[cond]);
    cg_def_gpr(c, d);
}

/* The I8 condition is held zero-extended, so a 32-bit compare with 0 is exact. */
A64Cond cg_test_cond(CgCtx *c, IrRef v)
{
    const CgVal *cv = &c->val[v];
    assert(!cv->is_const);
    if (cv->in_flags)
        return c->flags_cc;
    unsigned r;
    if (cv->reg >= 0) {
        r = (unsigned)cv->reg;
    } else {
        cg_ldst(c, A64_LDRB, ADDR_GPR, A64_SP, A64_SLOT_DISP(cv->slot));
        r = ADDR_GPR;
    }
    a64_addsub_ri(&c->e, A64_SUBS_I, false, A64_ZR, r, 0);
    return A64_CC_NE;
}

static void cg_SELECT(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    IrRef cond = in->arg[0], a = in->arg[1], b = in->arg[2];
    IrType t = (IrType)in->type;
    if (is_const(c, cond)) {            /* only without folding: pick at compile time */
        IrRef pick = (const_val(c, cond) & 0xff) ? a : b;
        switch (class_of(t)) {
        case CG_GPR: cg_load_gpr(c, RES_GPR, pick); cg_def_gpr(c, RES_GPR); break;
        case CG_VEC: load_vec(c, RES_VEC, pick); def_vec(c, RES_VEC); break;
        case CG_MEM: copy_value(c, def_mem(c), pick); break;
        }
        return;
    }
    switch (class_of(t)) {
    case CG_GPR: {
        unsigned ra = cg_gpr(c, a, OPA_GPR), rb = cg_gpr(c, b, OPB_GPR);
        unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
        A64Cond cc = cg_test_cond(c, cond);
        a64_csel(e, A64_CSEL, true, d, ra, rb, cc);
        cg_def_gpr(c, d);
        break;
    }
    case CG_VEC: {
        unsigned va = vec_reg(c, a, OPA_VEC), vb = vec_reg(c, b, OPB_VEC);
        A64Cond cc = cg_test_cond(c, cond);
        if (t == IR_F32 || t == IR_F64) {
            unsigned d = dst_vec(c, IR_NONE, IR_NONE);
            a64_fcsel(e, t == IR_F64, d, va, vb, cc);
            def_vec(c, d);
        } else {                        /* mask = cond ? ~0 : 0; bsl picks a's bits under it */
            a64_csetm(e, RES_GPR, cc);
            a64_dup_g(e, 3, TMP_VEC, RES_GPR);
            a64_vlogic(e, A64_V_BSL, TMP_VEC, va, vb);
            def_vec(c, TMP_VEC);
        }
        break;
    }
    case CG_MEM: {
        A64Addr d = def_mem(c);
        A64Cond cc = cg_test_cond(c, cond);
        uint8_t *else_ = a64_bcond_fwd(e, cc ^ 1);
        copy_value(c, d, a);
        uint8_t *end = a64_b_fwd(e);
        a64_bind(e, else_);
        copy_value(c, d, b);
        a64_bind(e, end);
        break;
    }
    }
}

/* ---------------------------------------------------------------- V128 */

/* d = a op b, the common shape of the three-register vector ops (lane: log2 lane bytes). */
static void vbin(CgCtx *c, const IrInsn *in, A64Ins op, unsigned lane, bool swap)
{
    unsigned va = vec_reg(c, in->arg[0], OPA_VEC), vb = vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    if (swap)
        a64_v3(&c->e, op, lane, d, vb, va);
    else
        a64_v3(&c->e, op, lane, d, va, vb);
    def_vec(c, d);
}

static void cg_VAND(CgCtx *c, const IrInsn *in)  { vbin(c, in, A64_V_AND, 0, false); }
static void cg_VOR(CgCtx *c, const IrInsn *in)   { vbin(c, in, A64_V_ORR, 0, false); }
static void cg_VXOR(CgCtx *c, const IrInsn *in)  { vbin(c, in, A64_V_EOR, 0, false); }
static void cg_VANDN(CgCtx *c, const IrInsn *in) { vbin(c, in, A64_V_BIC, 0, true); } /* b & ~a */

static void cg_VADD(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_ADD, lane_log(in->imm[0]), false);
}

static void cg_VSUB(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_SUB, lane_log(in->imm[0]), false);
}

static void cg_VSUBUSAT(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_UQSUB, lane_log(in->imm[0]), false);
}

static void cg_VCMPEQ(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_CMEQ, lane_log(in->imm[0]), false);
}

static void cg_VCMPGTS(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_CMGT, lane_log(in->imm[0]), false);
}

static void cg_VMINU(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_UMIN, lane_log(in->imm[0]), false);
}

static void cg_VMAXU(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_UMAX, lane_log(in->imm[0]), false);
}

static void cg_VUNPACKLO(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_ZIP1, lane_log(in->imm[0]), false);
}

static void cg_VUNPACKHI(CgCtx *c, const IrInsn *in)
{
    vbin(c, in, A64_V_ZIP2, lane_log(in->imm[0]), false);
}

/* Gather the lanes' sign bits: USHR leaves each lane 0 or 1; each USRA step adds a copy of the
 * lanes twice as wide shifted right by half their width minus the bits gathered so far, which
 * packs neighbouring bits together without carries. Afterwards byte 0 of each 64-bit half
 * holds that half's bits: the result is byte 0 | byte 8 << (lanes / 2). */
static void cg_VMOVMSK(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    unsigned lane = lane_log(in->imm[0]), esize = 8u << lane, lanes = 16u >> lane;
    unsigned x = vec_reg(c, in->arg[0], OPA_VEC);
    a64_vshift_i(e, A64_V_USHR, esize, RES_VEC, x, esize - 1);
    unsigned bits = 1;                  /* mask bits gathered per lane so far */
    for (unsigned l = lane + 1; l <= 3; l++) {
        unsigned w = 8u << l;
        a64_w(e, A64_V_USRA | A64F_IMMHB(2 * w - (w / 2 - bits)) | A64F_RN(RES_VEC) |
                 A64F_RD(RES_VEC));
        bits *= 2;
    }
    a64_umov(e, 0, OPA_GPR, RES_VEC, 0);
    a64_umov(e, 0, OPB_GPR, RES_VEC, 8);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_alu_rrr(e, A64_ORR_R, false, d, OPA_GPR, OPB_GPR, A64_LSL, lanes / 2);
    cg_def_gpr(c, d);
}

/* PSHUFD: each 32-bit lane of the result picked from a (INS element by element). */
static void cg_VSHUF32(CgCtx *c, const IrInsn *in)
{
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = dst_vec(c, in->arg[0], IR_NONE);
    for (unsigned i = 0; i < 4; i++)
        a64_ins_e(&c->e, 2, d, i, a, (unsigned)(in->imm[0] >> (2 * i)) & 3);
    def_vec(c, d);
}

/* PSHUFLW/PSHUFHW: a copy of a with four 16-bit lanes of one half picked from that half. */
static void shuf16(CgCtx *c, const IrInsn *in, unsigned base)
{
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = dst_vec(c, in->arg[0], IR_NONE);
    a64_vmov(&c->e, d, a);
    for (unsigned i = 0; i < 4; i++) {
        unsigned sel = (unsigned)(in->imm[0] >> (2 * i)) & 3;
        if (sel != i)
            a64_ins_e(&c->e, 1, d, base + i, a, base + sel);
    }
    def_vec(c, d);
}

static void cg_VSHUFLO16(CgCtx *c, const IrInsn *in) { shuf16(c, in, 0); }
static void cg_VSHUFHI16(CgCtx *c, const IrInsn *in) { shuf16(c, in, 4); }

/* PSLLDQ/PSRLDQ: EXT with a zero vector. Counts above 15 give 0 (as on x86). */
static void byte_shift(CgCtx *c, const IrInsn *in, bool left)
{
    uint64_t n = (uint64_t)in->imm[0];
    if (n == 0 || n > 15) {
        unsigned d = dst_vec(c, IR_NONE, IR_NONE);
        if (n)
            a64_vzero(&c->e, d);
        else
            load_vec(c, d, in->arg[0]);
        def_vec(c, d);
        return;
    }
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    a64_vzero(&c->e, OPB_VEC);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    if (left)       /* result byte i = a[i - n]: bytes 16-n.. of zero, then a */
        a64_vext(&c->e, d, OPB_VEC, a, (unsigned)(16 - n));
    else            /* result byte i = a[i + n] */
        a64_vext(&c->e, d, a, OPB_VEC, (unsigned)n);
    def_vec(c, d);
}

static void cg_VBSLL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, true); }
static void cg_VBSRL(CgCtx *c, const IrInsn *in) { byte_shift(c, in, false); }

/* Per-lane shifts by an I64 count, which x86 applies with all 64 bits: counts >= the lane
 * width give 0 (logical) or the sign (arithmetic). A constant count is an immediate shift;
 * a variable one is clamped to the lane width (unsigned) and applied by USHL/SSHL, whose
 * per-lane count is a signed byte (negative: right) that saturates the same way. */
static void vshift(CgCtx *c, const IrInsn *in, ShiftKind k)
{
    A64Emit *e = &c->e;
    unsigned L = (unsigned)in->imm[0], lane = lane_log(in->imm[0]);
    IrRef cnt = in->arg[1];
    if (is_const(c, cnt)) {
        uint64_t n = const_val(c, cnt);
        if (k == SK_SAR && n >= L)
            n = L;                      /* SSHR #L: every bit a copy of the sign */
        unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
        unsigned d = dst_vec(c, IR_NONE, IR_NONE);
        if (n >= L && k != SK_SAR)
            a64_vzero(e, d);
        else if (n == 0)
            a64_vmov(e, d, a);
        else
            a64_vshift_i(e, k == SK_SHL ? A64_V_SHL : k == SK_SHR ? A64_V_USHR : A64_V_SSHR,
                         L, d, a, (unsigned)n);
        def_vec(c, d);
        return;
    }
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    unsigned n = cg_gpr(c, cnt, OPB_GPR);
    a64_mov_imm(e, RES_GPR, L);
    a64_cmp_rr(e, true, n, RES_GPR, A64_LSL, 0);
    a64_csel(e, A64_CSEL, true, RES_GPR, n, RES_GPR, A64_CC_LO);    /* min(n, L) */
    if (k != SK_SHL)
        a64_alu_rrr(e, A64_SUB_R, false, RES_GPR, A64_ZR, RES_GPR, A64_LSL, 0);
    a64_dup_g(e, lane, OPB_VEC, RES_GPR);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    a64_v3(e, k == SK_SAR ? A64_V_SSHL : A64_V_USHL, lane, d, a, OPB_VEC);
    def_vec(c, d);
}

static void cg_VSHLI(CgCtx *c, const IrInsn *in) { vshift(c, in, SK_SHL); }
static void cg_VSHRI(CgCtx *c, const IrInsn *in) { vshift(c, in, SK_SHR); }
static void cg_VSARI(CgCtx *c, const IrInsn *in) { vshift(c, in, SK_SAR); }

static void cg_VFROM64(CgCtx *c, const IrInsn *in)
{
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    a64_fmov_gv(&c->e, A64_FMOV_DX, d, a);      /* zeroes the upper lane */
    def_vec(c, d);
}

static void cg_VINSERT64(CgCtx *c, const IrInsn *in)
{
    unsigned b = cg_gpr(c, in->arg[1], OPA_GPR);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    load_vec(c, d, in->arg[0]);
    a64_ins_g(&c->e, 3, d, (unsigned)in->imm[0], b);
    def_vec(c, d);
}

static void cg_VEXTRACT64(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    unsigned lane = (unsigned)in->imm[0];
    const CgVal *av = &c->val[a];
    int slot = av->slot;                /* before the result may take it over */
    unsigned x = av->is_const || av->reg < 0 ? 0 : (unsigned)av->reg;
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    if (av->is_const)                   /* a V128 constant's high lane is 0 */
        a64_mov_imm(&c->e, d, lane ? 0 : const_val(c, a));
    else if (av->reg < 0)
        cg_ldst(c, A64_LDRX, d, A64_SP, A64_SLOT_DISP(slot) + 8 * (int32_t)lane);
    else
        a64_umov(&c->e, 3, d, x, lane);
    cg_def_gpr(c, d);
}

/* The scalar an XMM register holds: the low 32/64 bits (the bytes above are not read). */
static void cg_VLOWF(CgCtx *c, const IrInsn *in)
{
    IrRef a = in->arg[0];
    const CgVal *av = &c->val[a];
    int slot = av->is_const || av->reg >= 0 ? -1 : av->slot;
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    if (slot >= 0)
        cg_ldst(c, vec_kind((IrType)in->type, true), d, A64_SP, A64_SLOT_DISP(slot));
    else
        load_vec(c, d, a);
    def_vec(c, d);
}

/* movss/movsd xmm, xmm: a copy of a with lane 0 (32/64 bits) from b. */
static void cg_VSETLOWF(CgCtx *c, const IrInsn *in)
{
    unsigned lane = ty(c, in->arg[1]) == IR_F32 ? 2 : 3;
    unsigned b = vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = dst_vec(c, in->arg[1], IR_NONE);
    load_vec(c, d, in->arg[0]);
    a64_ins_e(&c->e, lane, d, 0, b, 0);
    def_vec(c, d);
}

/* ---------------------------------------------------------------- packed floating point */

/* The NaN repair of nan_fixup, lane by lane and without branches, for d = op(a, b) (b -1 for
 * VFSQRT): d = ordered(d) ? d : !ordered(a) ? quiet(a) : !ordered(b) ? d : -d. */
static void vnan_fixup(CgCtx *c, bool dbl, unsigned d, unsigned a, int b)
{
    A64Emit *e = &c->e;
    a64_vf(e, A64_V_FNEG, dbl, TMP_VEC, d, 0);                  /* -d: the x86 default NaN */
    if (b >= 0) {
        a64_vf(e, A64_V_FCMEQ, dbl, TMP2_VEC, (unsigned)b, (unsigned)b);
        a64_vlogic(e, A64_V_BIF, TMP_VEC, d, TMP2_VEC);         /* b NaN: d (A64 kept b) */
        a64_vf(e, A64_V_FADD, dbl, TMP2_VEC, a, a);             /* quiet(a) */
        a64_vf(e, A64_V_FCMEQ, dbl, TMP3_VEC, a, a);
        a64_vlogic(e, A64_V_BIF, TMP_VEC, TMP2_VEC, TMP3_VEC);  /* a NaN: quiet(a) */
    } else {
        a64_vf(e, A64_V_FCMEQ, dbl, TMP2_VEC, a, a);
        a64_vlogic(e, A64_V_BIF, TMP_VEC, d, TMP2_VEC);         /* a NaN: A64's quiet(a) */
    }
    a64_vf(e, A64_V_FCMEQ, dbl, TMP2_VEC, d, d);
    a64_vlogic(e, A64_V_BIF, d, TMP_VEC, TMP2_VEC);             /* repair the NaN lanes only */
}

static void vfbin(CgCtx *c, const IrInsn *in, A64Ins op)
{
    bool dbl = in->imm[0] == 64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC), b = vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = dst_vec(c, in->arg[0], in->arg[1]);
    a64_vf(&c->e, op, dbl, d, a, b);
    vnan_fixup(c, dbl, d, a, (int)b);
    def_vec(c, d);
}

static void cg_VFADD(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FADD); }
static void cg_VFSUB(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FSUB); }
static void cg_VFMUL(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FMUL); }
static void cg_VFDIV(CgCtx *c, const IrInsn *in) { vfbin(c, in, A64_V_FDIV); }

static void cg_VFSQRT(CgCtx *c, const IrInsn *in)
{
    bool dbl = in->imm[0] == 64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = dst_vec(c, in->arg[0], IR_NONE);
    a64_vf(&c->e, A64_V_FSQRT, dbl, d, a, 0);
    vnan_fixup(c, dbl, d, a, -1);
    def_vec(c, d);
}

/* MINPS/MAXPS per lane: a < b ? a : b (a > b for max); FCMGT is false for unordered lanes. */
static void vfminmax(CgCtx *c, const IrInsn *in, bool max)
{
    bool dbl = in->imm[0] == 64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC), b = vec_reg(c, in->arg[1], OPB_VEC);
    if (max)
        a64_vf(&c->e, A64_V_FCMGT, dbl, TMP_VEC, a, b);
    else
        a64_vf(&c->e, A64_V_FCMGT, dbl, TMP_VEC, b, a);
    a64_vlogic(&c->e, A64_V_BSL, TMP_VEC, a, b);
    def_vec(c, TMP_VEC);
}

static void cg_VFMIN(CgCtx *c, const IrInsn *in) { vfminmax(c, in, false); }
static void cg_VFMAX(CgCtx *c, const IrInsn *in) { vfminmax(c, in, true); }

/* CMPPS/CMPPD: the ordered predicates are one compare (lt/le with the operands swapped);
 * their negations add a NOT; ordered = a >= b or a < b. */
static void cg_VFCMP(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    bool dbl = in->imm[0] == 64;
    unsigned pred = (unsigned)in->imm[1];
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC), b = vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = dst_vec(c, in->arg[0], in->arg[1]);
    switch (pred & 3) {
    case IR_FEQ: a64_vf(e, A64_V_FCMEQ, dbl, d, a, b); break;
    case IR_FLT: a64_vf(e, A64_V_FCMGT, dbl, d, b, a); break;
    case IR_FLE: a64_vf(e, A64_V_FCMGE, dbl, d, b, a); break;
    default:     /* IR_FUNORD: not ordered */
        a64_vf(e, A64_V_FCMGE, dbl, TMP_VEC, a, b);
        a64_vf(e, A64_V_FCMGT, dbl, d, b, a);
        a64_vlogic(e, A64_V_ORR, d, d, TMP_VEC);
        pred ^= 4;
        break;
    }
    _Static_assert(IR_FNEQ == (IR_FEQ ^ 4) && IR_FORD == (IR_FUNORD ^ 4), "IrFCond order");
    if (pred & 4)
        a64_v2(e, A64_V_NOT, d, d);
    def_vec(c, d);
}

/* ---------------------------------------------------------------- scalar floating point */

/* d holds the A64 result of an op on a (and b, for binary ops). When it is NaN, make it x86's:
 * the first NaN operand quieted, else the negative default NaN (A64's is positive; A64 also
 * prefers a signalling second operand over a quiet first one). Common path: fcmp + b.vc. */
static void nan_fixup(CgCtx *c, bool dbl, unsigned d, unsigned a, int b)
{
    A64Emit *e = &c->e;
    a64_fcmp(e, dbl, d, d);
    uint8_t *done = a64_bcond_fwd(e, A64_CC_VC);
    a64_fp2(e, A64_FNEG, dbl, TMP_VEC, d);              /* the default NaN, made negative */
    if (b >= 0) {
        a64_fcmp(e, dbl, (unsigned)b, (unsigned)b);
        a64_fcsel(e, dbl, d, d, TMP_VEC, A64_CC_VS);    /* b NaN: A64 propagated (quiet) b */
        a64_fp3(e, A64_FADD, dbl, TMP_VEC, a, a);       /* quiet(a), if a is a NaN */
        a64_fcmp(e, dbl, a, a);
        a64_fcsel(e, dbl, d, TMP_VEC, d, A64_CC_VS);
    } else {
        a64_fcmp(e, dbl, a, a);
        a64_fcsel(e, dbl, d, d, TMP_VEC, A64_CC_VS);    /* a NaN: A64 propagated quiet(a) */
    }
    a64_bind(e, done);
}

static void fbin(CgCtx *c, const IrInsn *in, A64Ins op)
{
    bool dbl = in->type == IR_F64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC), b = vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = dst_vec(c, in->arg[0], in->arg[1]);
    a64_fp3(&c->e, op, dbl, d, a, b);
    nan_fixup(c, dbl, d, a, (int)b);
    def_vec(c, d);
}

static void cg_FADD(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FADD); }
static void cg_FSUB(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FSUB); }
static void cg_FMUL(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FMUL); }
static void cg_FDIV(CgCtx *c, const IrInsn *in) { fbin(c, in, A64_FDIV); }

/* x86 MINSD/MAXSD: a < b ? a : b and a > b ? a : b; NaN or equal operands give b. MI and GT
 * are false for unordered operands. */
static void fminmax(CgCtx *c, const IrInsn *in, bool max)
{
    bool dbl = in->type == IR_F64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC), b = vec_reg(c, in->arg[1], OPB_VEC);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    a64_fcmp(&c->e, dbl, a, b);
    a64_fcsel(&c->e, dbl, d, a, b, max ? A64_CC_GT : A64_CC_MI);
    def_vec(c, d);
}

static void cg_FMIN(CgCtx *c, const IrInsn *in) { fminmax(c, in, false); }
static void cg_FMAX(CgCtx *c, const IrInsn *in) { fminmax(c, in, true); }

static void cg_FSQRT(CgCtx *c, const IrInsn *in)
{
    bool dbl = in->type == IR_F64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = dst_vec(c, in->arg[0], IR_NONE);
    a64_fp2(&c->e, A64_FSQRT, dbl, d, a);
    nan_fixup(c, dbl, d, a, -1);
    def_vec(c, d);
}

/* IrFCond (CMPSD order) as A64 conditions after FCMP a, b (unordered sets C and V). */
static const A64Cond fcond_cc[IR_FCOND_COUNT] = {
    [IR_FEQ] = A64_CC_EQ, [IR_FLT] = A64_CC_MI, [IR_FLE] = A64_CC_LS, [IR_FUNORD] = A64_CC_VS,
    [IR_FNEQ] = A64_CC_NE, [IR_FNLT] = A64_CC_PL, [IR_FNLE] = A64_CC_HI, [IR_FORD] = A64_CC_VC,
};

static void cg_FCMP(CgCtx *c, const IrInsn *in)
{
    bool dbl = ty(c, in->arg[0]) == IR_F64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC), b = vec_reg(c, in->arg[1], OPB_VEC);
    if (in->imm[1]) a64_fcmpe(&c->e, dbl, a, b);      /* signalling (x86 COMISD) */
    else a64_fcmp(&c->e, dbl, a, b);
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_cset(&c->e, d, fcond_cc[in->imm[0]]);
    cg_def_gpr(c, d);
}

/* FCVTZS truncates (F2I_RN rounds first with FRINTI, by FPCR's mode: the FP environment). A64 saturates; x86 gives
 * the minimum value whenever the rounded input is not below 2^(w-1) (positive overflow) or is
 * NaN, and negative overflow saturates to the minimum on both. */
static void f2i(CgCtx *c, const IrInsn *in, bool nearest)
{
    A64Emit *e = &c->e;
    bool dbl = ty(c, in->arg[0]) == IR_F64, sf = in->type == IR_I64;
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    if (nearest) {
        a64_fp2(e, A64_FRINTI, dbl, OPB_VEC, a);
        a = OPB_VEC;
    }
    unsigned d = dst_gpr(c, IR_NONE, IR_NONE);
    a64_fcvt_int(e, A64_FCVTZS, sf, dbl, d, a);
    uint64_t bound = dbl ? (sf ? 0x43e0000000000000ull : 0x41e0000000000000ull)
                         : (sf ? 0x5f000000u : 0x4f000000u);          /* 2^63, 2^31 */
    a64_mov_imm(e, OPB_GPR, bound);
    a64_fmov_gv(e, dbl ? A64_FMOV_DX : A64_FMOV_SW, TMP_VEC, OPB_GPR);
    a64_fcmp(e, dbl, a, TMP_VEC);
    a64_movw(e, A64_MOVZ, sf, OPB_GPR, 0x8000, sf ? 3 : 1);          /* the minimum */
    a64_csel(e, A64_CSEL, sf, d, d, OPB_GPR, A64_CC_MI);
    cg_def_gpr(c, d);
}

static void cg_F2I(CgCtx *c, const IrInsn *in)    { f2i(c, in, false); }
static void cg_F2I_RN(CgCtx *c, const IrInsn *in) { f2i(c, in, true); }

static void cg_I2F(CgCtx *c, const IrInsn *in)
{
    unsigned a = cg_gpr(c, in->arg[0], OPA_GPR);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    a64_fcvt_int(&c->e, A64_SCVTF, ty(c, in->arg[0]) == IR_I64, in->type == IR_F64, d, a);
    def_vec(c, d);
}

/* FCVT quiets a NaN and keeps the top payload bits, as CVTSS2SD/CVTSD2SS do. */
static void cg_FCVT(CgCtx *c, const IrInsn *in)
{
    unsigned a = vec_reg(c, in->arg[0], OPA_VEC);
    unsigned d = dst_vec(c, IR_NONE, IR_NONE);
    a64_fp2(&c->e, in->type == IR_F64 ? A64_FCVT_SD : A64_FCVT_DS, false, d, a);
    def_vec(c, d);
}

/* ---------------------------------------------------------------- calls and exits (abi.c) */

static void cg_CALL(CgCtx *c, const IrInsn *in)
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

static void cg_EXIT_IF(CgCtx *c, const IrInsn *in) { a64_emit_exit(c, in); }
static void cg_EXIT(CgCtx *c, const IrInsn *in)    { a64_emit_exit(c, in); }

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

/* Ops whose code is only loads, stores, moves and ADD/MOVZ address arithmetic: they keep
 * NZCV. */
static bool flag_neutral(const IrInsn *in)
{
    return in->op == IR_GET || in->op == IR_PUT || in->op == IR_LOAD || in->op == IR_STORE;
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
 * and GETs and PUTs of other fields), no alias of p may be needed after v, and v's own
 * instruction may read p only where an op may find its result register shared with a dying
 * operand (its first operand, or the second of a commutative op). A LOAD qualifies: a
 * faulting LDR leaves its destination as it was. */
static bool pin_window_ok(CgCtx *c, IrRef v, IrRef to, int p)
{
    const IrBlock *blk = c->blk;
    const IrInsn *d = &blk->insn[v];
    const CgVal *vv = &c->val[v];
    if (vv->is_const || vv->in_flags || vv->pin_target >= 0 || vv->last_use < to ||
        d->op == IR_GET || d->op == IR_CALL || d->op == IR_CONST || !emits_code(c, v) ||
        class_of((IrType)d->type) != CG_GPR)
        return false;
    for (unsigned i = 0; i < 3; i++)
        if (d->arg[i] && is_pin_get(c, d->arg[i], p) &&
            !(i == 0 || (i == 1 && (ir_op_info[d->op].props & IRP_COMM))))
            return false;
    for (IrRef j = v + 1; j < to; j++) {
        const IrInsn *u = &blk->insn[j];
        if (!emits_code(c, j) && u->op != IR_GET)
            continue;
        if (u->op == IR_GET || u->op == IR_PUT) {
            unsigned sz = u->op == IR_GET ? tsize((IrType)u->type) : tsize(ty(c, u->arg[0]));
            uint32_t m = cg_pin_overlap(c, u->imm[0], sz);
            for (unsigned i = 0; i < c->gi->n_gprs; i++)
                if ((m >> i & 1) && (int)a64_pin_gprs[i] == p)
                    return false;
        } else if (!removable(u)) {
            return false;
        }
    }
    for (IrRef g = 1; g < v; g++)
        if (c->val[g].last_use > v && (is_pin_get(c, g, p) || c->val[g].pin_target == p))
            return false;
    return true;
}

/* Results computed straight into the pinned register that a PUT of the whole field writes
 * them to (no move at the PUT; the value is then an alias of that register, moved out
 * should the register be written while the value is still needed), and through a ZEXT to
 * its operand, which then shares the register (the ZEXT emits nothing). */
static void pin_targets(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *put = &blk->insn[r];
        if (put->op != IR_PUT)
            continue;
        IrRef v = put->arg[0];
        unsigned lsb;
        int p = cg_pin_reg(c, put->imm[0], 8, &lsb);
        if (p < 0 || blk->insn[v].type != IR_I64 || !pin_window_ok(c, v, r, p))
            continue;
        c->val[v].pin_target = (int8_t)p;
        for (;;) {          /* down a chain of ZEXTs whose operands die there */
            const IrInsn *z = &blk->insn[v];
            IrRef u = z->arg[0];
            if (z->op != IR_ZEXT || c->val[u].last_use != v || !pin_window_ok(c, u, v, p))
                break;
            c->val[u].pin_target = (int8_t)p;
            v = u;
        }
    }
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
        v->pin_target = -1;
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
        v->addr_base = IR_NONE;
        unsigned first = 0;
        if ((in->op == IR_LOAD || in->op == IR_STORE) && c->gi->guest_base == 0) {
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
        for (unsigned i = first; i < 3; i++) {
            IrRef a = in->arg[i];
            if (a == IR_NONE)
                continue;
            if (c->val[a].last_use == 0)
                c->val[a].last_use = r;     /* the first reader seen going back is the last */
            c->val[a].n_uses++;
        }
    }
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
    }
    if (c->pin && c->regalloc)
        pin_targets(c);
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
        if (!removable(in) || c->val[r].last_use != 0) {
            const uint8_t *before = c->e.p;
            cg_table[in->op](c, in);
            cg_release_args(c);
            assert(c->e.p - before <= CODEBUF_RED_ZONE);
            (void)before;
        }
        keep_after(c, r);
    }
    if (c->err == BE_OK)
        a64_emit_stubs(c, limit);
    if (c->err == BE_OK)
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
