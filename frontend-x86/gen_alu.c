/* gen_alu.c — translation of the x86-64 integer arithmetic family into IR.
 *
 * Contract: fe_gen_alu(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own, so the caller can ask another
 * family or deliver SIGILL. Every operand size is handled: 1 (AL..BL, AH..BH without REX,
 * SPL..R15B with it), 2 (merging), 4 (zero-extending into the full register) and 8, in register
 * and memory forms. A memory destination's address is computed once per instruction; stores to
 * memory come before register writes, so a faulting store leaves the registers untouched.
 *
 * Coverage:
 *   00-3D            add or adc sbb and sub xor cmp (Eb,Gb Ev,Gv Gb,Eb Gv,Ev AL,Ib rAX,Iz)
 *   80 81 83         group 1 (82 is invalid in 64-bit mode; the decoder rejects it)
 *   84 85 A8 A9      test; F6/F7 /0 /1 test Ib/Iz
 *   FE/FF /0 /1      inc dec (FF /2-/6 are call/jmp/push: other families)
 *   F6/F7 /2-/7      not neg mul imul div idiv
 *   0F AF, 69, 6B    imul Gv,Ev and imul Gv,Ev,imm
 *   C0 C1 D0-D3      rol ror rcl rcr shl shr sal(/6, = shl) sar
 *   0F A4 A5 AC AD   shld shrd
 *   0F A3 AB B3 BB, 0F BA /4-/7   bt bts btr btc
 *   0F BC 0F BD      bsf bsr (also with F2, which the host ignores)
 *   F3 0F BC BD B8   tzcnt lzcnt popcnt (CPUID advertises BMI1, ABM/LZCNT and POPCNT; gcc's
 *                    `rep bsf` for __builtin_ctz is tzcnt then, which agrees for non-zero
 *                    inputs, the only ones gcc relies on)
 *   0F C8-CF bswap
 *   0F C0 C1         xadd; 0F B0 B1 cmpxchg; 0F C7 /1 cmpxchg8b, cmpxchg16b (REX.W)
 * With both F2 and F3 the last one is the mandatory prefix (as the decoder says), so
 * F2 F3 0F BC is tzcnt and F3 F2 0F BC is bsf. The 66 prefix gives the 16-bit forms.
 * The IR has no divide: div/idiv and the rare rcl/rcr by a count other than 1 go through the C
 * helpers at the end of this file.
 *
 * LOCK: the decoder accepts it only on the read-modify-write forms with a memory destination
 * (#UD otherwise). A locked instruction is translated as the plain one; fe_load/fe_store turn
 * its memory operand's load and store into one compare-and-swap that retries the instruction
 * (fe_lock.c), so every form here is atomic without code of its own, except cmpxchg16b (two
 * loads and stores: one helper).
 *
 * Flags. Producers use the lazy kinds of x86_state.h, so cmp+jcc stays one compare; formulas
 * live in fe_flags.c. An instruction that changes only some flags (rotates: CF OF; bt*: CF;
 * cmpxchg8b/16b: ZF) builds an EFLAGS-kind producer from the old flags. A shift count that is
 * 0 at run time leaves every flag unchanged: the old and new flags are both computed and one is
 * selected (DCE removes the work when no one reads them); for shl/shr/sar with the old producer
 * still in the state, the producer's fields are selected instead, which needs no helper call.
 * sar r8/r16 by w or more has a defined CF (the sign), so its producer gets min(count, w).
 * Undefined flags, and what the host CPU (the oracle) was measured to do:
 *   - mul/imul: SF ZF PF from the low half, AF = 0 (X86_CCK_MUL). Host: SF PF likewise, ZF 0.
 *   - shl/shr/sar by more than 1: OF by fe_flags.c's formula. Host: OF of any non-zero count
 *     is the OF of a 1-bit shift of the ORIGINAL operand (shl: bit w-1 ^ bit w-2; shr: bit
 *     w-1; sar: 0), and CF of shl/shr by more than w (8/16-bit) is 0.
 *   - rol/ror/rcl/rcr by more than 1: OF as for a 1-bit rotate of the original operand, the
 *     host's behaviour (rol, rcl: bit w-1 ^ bit w-2; ror: bit w-1 ^ bit 0; rcr: bit w-1 ^ CF),
 *     except rol/ror of a register by an immediate, which leave OF alone (host).
 *     rcl/rcr r8/r16 whose count is a multiple of 9/17 change no flag (host).
 *   - shld/shrd: OF as a 1-bit shift of the original (shld: bit w-1 ^ bit w-2 of the
 *     destination; shrd: bit w-1 of the destination ^ bit 0 of the source), AF = 0; 16-bit
 *     counts 17..31 (result undefined) follow the host, which shifts dst:src:dst.
 *   - bt/bts/btr/btc: only CF changes (ZF is documented unchanged; SF OF AF PF are kept too).
 *   - bsf/bsr: flags as X86_CCK_LOGIC of the source: ZF exact, SF PF from the source,
 *     CF = OF = AF = 0 (host: PF from the result, SF = 0).
 *   - tzcnt/lzcnt: CF = (source == 0) and ZF = (result == 0) are defined; OF SF PF AF are
 *     undefined and ferry gives 0 (an EFLAGS producer of just CF and ZF).
 *   - popcnt defines every flag: ZF = (source == 0), the other five 0.
 *   - div/idiv: all six flags unchanged (host).
 * Other host behaviours matched: a 32-bit shift or rotate by 0 still zero-extends its register
 * destination; bsf/bsr with a zero source leave the whole 64-bit destination unchanged;
 * cmpxchg r32 that fails zero-extends RAX and leaves the destination register alone, one that
 * succeeds leaves RAX alone; bswap r16 gives 0 in the low word.
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"

__extension__ typedef unsigned __int128 u128;

static uint64_t x86_alu_div(void *state, uint64_t size, uint64_t divisor, uint64_t unused);
static uint64_t x86_alu_idiv(void *state, uint64_t size, uint64_t divisor, uint64_t unused);
static uint64_t x86_alu_rcl(void *state, uint64_t value, uint64_t count, uint64_t size);
static uint64_t x86_alu_rcr(void *state, uint64_t value, uint64_t count, uint64_t size);

/* ================================================================ IR shorthands */

static IrType type_of(FeCtx *c, IrRef v) { return ir_value_type(c->b.blk, v); }
static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }
static IrRef kt(FeCtx *c, IrType t, uint64_t v) { return ir_const(&c->b, t, v); }

/* a op b in the type of a. */
static IrRef bin(FeCtx *c, IrOp op, IrRef a, IrRef b)
{
    return ir_op2(&c->b, op, type_of(c, a), a, b);
}

/* a op constant, in the type of a. */
static IrRef bink(FeCtx *c, IrOp op, IrRef a, uint64_t k)
{
    IrType t = type_of(c, a);
    return ir_op2(&c->b, op, t, a, ir_const(&c->b, t, k));
}

static IrRef cmpk(FeCtx *c, IrCond cc, IrRef a, uint64_t k)
{
    return ir_cmp(&c->b, cc, a, kt(c, type_of(c, a), k));
}

/* v zero-extended (or truncated) to t. */
static IrRef zx(FeCtx *c, IrType t, IrRef v)
{
    IrType vt = type_of(c, v);
    if (vt == t)
        return v;
    return ir_op1(&c->b, vt < t ? IR_ZEXT : IR_TRUNC, t, v);
}

/* v sign-extended to the wider type t. */
static IrRef sx(FeCtx *c, IrType t, IrRef v)
{
    return type_of(c, v) == t ? v : ir_op1(&c->b, IR_SEXT, t, v);
}

/* Bit n of v as I64 0/1. */
static IrRef bit64(FeCtx *c, IrRef v, unsigned n)
{
    return zx(c, IR_I64, bink(c, IR_AND, bink(c, IR_SHR, v, n), 1));
}

static bool is_const(FeCtx *c, IrRef v, uint64_t *k) { return ir_is_const(c->b.blk, v, k); }

/* ================================================================ operands */

/* A destination operand: a GPR or memory at an address computed once. */
typedef struct Loc {
    bool mem;
    int reg;            /* GPR number (AH..BH rules applied by fe_get_gpr/fe_put_gpr) */
    IrRef addr;         /* I64 guest address when mem */
    unsigned size;
} Loc;

static Loc loc_gpr(int reg, unsigned size) { return (Loc){ .reg = reg, .size = size }; }

/* The ModRM r/m operand. */
static Loc loc_rm(FeCtx *c, unsigned size)
{
    const X86Insn *i = c->insn;
    if (i->mod == 3)
        return loc_gpr(i->rm, size);
    return (Loc){ .mem = true, .addr = fe_ea(c), .size = size };
}

static IrRef loc_get(FeCtx *c, const Loc *l)
{
    if (l->mem)
        return fe_load(c, fe_type(l->size), l->addr);
    return fe_get_gpr(c, l->reg, l->size);
}

static void loc_put(FeCtx *c, const Loc *l, IrRef v)
{
    if (l->mem)
        fe_store(c, l->addr, v);
    else
        fe_put_gpr(c, l->reg, l->size, v);
}

static IrRef imm_of(FeCtx *c, unsigned size) { return fe_imm(c, size, (uint64_t)c->insn->imm); }

/* ================================================================ partial flag updates */

/* The flags in `mask` become `bits` (I64, at their EFLAGS positions), the others stay; if
 * `keep` (I8, or IR_NONE) is true at run time nothing changes. */
static void flags_replace(FeCtx *c, uint64_t mask, IrRef bits, IrRef keep)
{
    IrRef old = fe_get_eflags(c);
    IrRef v = bin(c, IR_OR, bink(c, IR_AND, old, ~mask & X86_ARITH_FLAGS), bits);
    if (keep)
        v = ir_select(&c->b, IR_I64, keep, old, v);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, v);
}

/* I8 "count == 0", or IR_NONE when the count is a non-zero constant. Sets *never to true if
 * the count is the constant 0 (then the instruction changes no flag). */
static IrRef count_zero(FeCtx *c, IrRef cnt, bool *never)
{
    uint64_t k;
    *never = false;
    if (is_const(c, cnt, &k)) {
        *never = k == 0;
        return IR_NONE;
    }
    return cmpk(c, IR_EQ, cnt, 0);
}

/* A shift producer, unless the count is 0 at run time. */
static void flags_shift(FeCtx *c, X86CcKind kind, unsigned size, IrRef a, IrRef cnt, IrRef res)
{
    bool never;
    IrRef zero = count_zero(c, cnt, &never);
    if (never)
        return;
    if (!zero) {
        fe_set_flags(c, kind, size, a, cnt, res);
        return;
    }
    if (!c->cc.known) {
        /* The old producer is in the state: keep its fields or replace them, field by field.
         * Materialising the old flags would be a helper call that DCE cannot remove. */
        const uint32_t off[4] = { X86_OFF_CC_OP, X86_OFF_CC_A, X86_OFF_CC_B, X86_OFF_CC_RES };
        IrRef v[4] = { k64(c, X86_CC_OP(kind, size)), zx(c, IR_I64, a), zx(c, IR_I64, cnt),
                       zx(c, IR_I64, res) };
        for (int k = 0; k < 4; k++)
            ir_put(&c->b, off[k], ir_select(&c->b, IR_I64, zero, ir_get(&c->b, IR_I64, off[k]),
                                            v[k]));
        fe_flags_invalidate(c);
        return;
    }
    IrRef old = fe_get_eflags(c);
    fe_set_flags(c, kind, size, a, cnt, res);
    IrRef v = ir_select(&c->b, IR_I64, zero, old, fe_get_eflags(c));
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, v);
}

/* ================================================================ add .. cmp, test */

enum { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

/* dst = a op b with flags (a is dst's value). `same` says both operands are one register,
 * so xor/sub give 0 whatever its value (the zeroing idiom). */
static void alu_op(FeCtx *c, unsigned op, const Loc *dst, IrRef a, IrRef b, bool same)
{
    unsigned size = dst->size;
    IrType t = fe_type(size);
    IrRef res;
    switch (op) {
    case ALU_ADD:
        res = bin(c, IR_ADD, a, b);
        fe_set_flags(c, X86_CCK_ADD, size, a, b, res);
        break;
    case ALU_ADC:
    case ALU_SBB: {
        IrRef cf = zx(c, t, fe_get_cf(c));
        if (op == ALU_ADC) {
            res = bin(c, IR_ADD, bin(c, IR_ADD, a, b), cf);
            fe_set_flags(c, X86_CCK_ADC, size, a, b, res);
        } else {
            res = bin(c, IR_SUB, bin(c, IR_SUB, a, b), cf);
            fe_set_flags(c, X86_CCK_SBB, size, a, b, res);
        }
        break;
    }
    case ALU_SUB:
    case ALU_CMP:
        res = same ? kt(c, t, 0) : bin(c, IR_SUB, a, b);
        fe_set_flags(c, X86_CCK_SUB, size, a, b, res);
        break;
    default:    /* or and xor */
        res = op == ALU_OR ? bin(c, IR_OR, a, b) : op == ALU_AND ? bin(c, IR_AND, a, b)
            : same ? kt(c, t, 0) : bin(c, IR_XOR, a, b);
        fe_set_flags(c, X86_CCK_LOGIC, size, IR_NONE, IR_NONE, res);
        break;
    }
    if (op != ALU_CMP)
        loc_put(c, dst, res);
}

/* Opcodes 00-3D: op = opcode >> 3, form = opcode & 7 (0..5). */
static bool gen_ALU(FeCtx *c, unsigned op, unsigned form)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    bool same = i->mod == 3 && i->rm == i->reg;
    Loc dst;
    IrRef b;
    switch (form) {
    case 0: case 1:     /* Eb,Gb / Ev,Gv */
        dst = loc_rm(c, size);
        b = fe_get_gpr(c, i->reg, size);
        break;
    case 2: case 3:     /* Gb,Eb / Gv,Ev */
        dst = loc_gpr(i->reg, size);
        b = fe_load_rm(c, size);
        break;
    default:            /* AL,Ib / rAX,Iz */
        dst = loc_gpr(X86_RAX, size);
        b = imm_of(c, size);
        same = false;
        break;
    }
    alu_op(c, op, &dst, loc_get(c, &dst), b, same);
    return true;
}

/* 80 81 83: group 1 Eb,Ib / Ev,Iz / Ev,Ib (the immediate is already sign-extended). */
static bool gen_GRP1(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    Loc dst = loc_rm(c, size);
    alu_op(c, c->insn->reg & 7, &dst, loc_get(c, &dst), imm_of(c, size), false);
    return true;
}

static void test_op(FeCtx *c, unsigned size, IrRef a, IrRef b)
{
    fe_set_flags(c, X86_CCK_LOGIC, size, IR_NONE, IR_NONE, bin(c, IR_AND, a, b));
}

/* 84 85: test Eb,Gb / Ev,Gv; A8 A9: test AL,Ib / rAX,Iz. */
static bool gen_TEST(FeCtx *c, bool acc)
{
    unsigned size = c->insn->opsize;
    if (acc)
        test_op(c, size, fe_get_gpr(c, X86_RAX, size), imm_of(c, size));
    else
        test_op(c, size, fe_load_rm(c, size), fe_load_reg(c, size));
    return true;
}

/* FE/FF /0 /1: CF is kept, so the producer carries the previous CF. */
static bool gen_INCDEC(FeCtx *c, bool dec)
{
    unsigned size = c->insn->opsize;
    IrType t = fe_type(size);
    Loc l = loc_rm(c, size);
    IrRef a = loc_get(c, &l);
    IrRef cf = zx(c, t, fe_get_cf(c));
    IrRef res = bink(c, dec ? IR_SUB : IR_ADD, a, 1);
    loc_put(c, &l, res);
    fe_set_flags(c, dec ? X86_CCK_DEC : X86_CCK_INC, size, a, cf, res);
    return true;
}

/* ================================================================ not neg mul imul div idiv */

static bool gen_NOT(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    Loc l = loc_rm(c, size);
    loc_put(c, &l, ir_op1(&c->b, IR_NOT, fe_type(size), loc_get(c, &l)));
    return true;
}

/* neg: 0 - a, so CF = (a != 0) comes out of the SUB producer. */
static bool gen_NEG(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrType t = fe_type(size);
    Loc l = loc_rm(c, size);
    IrRef a = loc_get(c, &l);
    IrRef res = ir_op1(&c->b, IR_NEG, t, a);
    loc_put(c, &l, res);
    fe_set_flags(c, X86_CCK_SUB, size, kt(c, t, 0), a, res);
    return true;
}

/* I8 "the high half is significant": for mul, not zero; for imul, not the sign extension of
 * the low half. */
static IrRef mul_significant(FeCtx *c, bool sgn, unsigned size, IrRef lo, IrRef hi)
{
    if (!sgn)
        return cmpk(c, IR_NE, hi, 0);
    return ir_cmp(&c->b, IR_NE, hi, bink(c, IR_SAR, lo, 8 * size - 1));
}

static void mul_flags(FeCtx *c, unsigned size, IrRef lo, IrRef sig)
{
    fe_set_flags(c, X86_CCK_MUL, size, IR_NONE, zx(c, fe_type(size), sig), lo);
}

/* F6/F7 /4 /5: one-operand mul/imul: AX = AL * r/m8, else rDX:rAX = rAX * r/m. */
static bool gen_MUL1(FeCtx *c, bool sgn)
{
    unsigned size = c->insn->opsize;
    IrType t = fe_type(size);
    IrRef src = fe_load_rm(c, size);
    if (size == 1) {
        IrRef al = fe_get_gpr(c, X86_RAX, 1);
        IrRef p = sgn ? bin(c, IR_MUL, sx(c, IR_I16, al), sx(c, IR_I16, src))
                      : bin(c, IR_MUL, zx(c, IR_I16, al), zx(c, IR_I16, src));
        IrRef lo = zx(c, IR_I8, p);
        IrRef sig = sgn ? ir_cmp(&c->b, IR_NE, p, sx(c, IR_I16, lo)) : cmpk(c, IR_GTU, p, 0xff);
        fe_put_gpr(c, X86_RAX, 2, p);
        mul_flags(c, 1, lo, sig);
        return true;
    }
    IrRef a = fe_get_gpr(c, X86_RAX, size);
    IrRef lo = ir_op2(&c->b, IR_MUL, t, a, src);
    IrRef hi = ir_op2(&c->b, sgn ? IR_MULHS : IR_MULHU, t, a, src);
    fe_put_gpr(c, X86_RAX, size, lo);
    fe_put_gpr(c, X86_RDX, size, hi);
    mul_flags(c, size, lo, mul_significant(c, sgn, size, lo, hi));
    return true;
}

/* 0F AF imul Gv,Ev; 69/6B imul Gv,Ev,Iz/Ib: the low half to Gv, CF = OF = overflow. */
static bool gen_IMUL(FeCtx *c, bool has_imm)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    IrType t = fe_type(size);
    IrRef a = fe_load_rm(c, size);
    IrRef b = has_imm ? imm_of(c, size) : fe_get_gpr(c, i->reg, size);
    IrRef lo = ir_op2(&c->b, IR_MUL, t, a, b);
    IrRef hi = ir_op2(&c->b, IR_MULHS, t, a, b);
    fe_put_gpr(c, i->reg, size, lo);
    mul_flags(c, size, lo, mul_significant(c, true, size, lo, hi));
    return true;
}

/* F6/F7 /6 /7: the helper checks for #DE and changes nothing then; the translation leaves
 * with SIGFPE/FPE_INTDIV at this instruction. Flags are left as they were (host behaviour). */
static bool gen_DIV(FeCtx *c, bool sgn)
{
    unsigned size = c->insn->opsize;
    IrRef d = zx(c, IR_I64, fe_load_rm(c, size));
    IrRef st = fe_call(c, sgn ? x86_alu_idiv : x86_alu_div, k64(c, size), d, IR_NONE);
    fe_flush_flags(c);
    ir_exit_if(&c->b, cmpk(c, IR_NE, st, 0), c->pc,
               IR_EXIT_WORD(IR_EXIT_TRAP, SIGFPE, FPE_INTDIV));
    return true;
}

/* F6/F7: group 3. */
static bool gen_GRP3(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    switch (c->insn->reg & 7) {
    case 0: case 1:     /* test r/m, imm (/1 is an alias) */
        test_op(c, size, fe_load_rm(c, size), imm_of(c, size));
        return true;
    case 2: return gen_NOT(c);
    case 3: return gen_NEG(c);
    case 4: return gen_MUL1(c, false);
    case 5: return gen_MUL1(c, true);
    case 6: return gen_DIV(c, false);
    default: return gen_DIV(c, true);
    }
}

/* ================================================================ shifts and rotates */

enum { CNT_ONE, CNT_IMM, CNT_CL };

/* The masked count (5 bits, 6 with a 64-bit operand) in the operand's type. */
static IrRef shift_count(FeCtx *c, unsigned size, int how)
{
    IrType t = fe_type(size);
    unsigned mask = size == 8 ? 63 : 31;
    if (how == CNT_ONE)
        return kt(c, t, 1);
    if (how == CNT_IMM)
        return kt(c, t, (uint64_t)c->insn->imm & mask);
    return zx(c, t, bink(c, IR_AND, fe_get_gpr(c, X86_RCX, 1), mask));
}

/* shl/shr/sar. The IR shifts take the count mod w, but an 8- or 16-bit operand may be shifted
 * by up to 31, so those are done in 32 bits. */
static void gen_SHIFT(FeCtx *c, IrOp op, const Loc *l, IrRef a, IrRef cnt)
{
    unsigned size = l->size;
    IrType t = fe_type(size);
    IrRef res, fcnt = cnt;
    if (size <= 2) {
        IrRef wide = op == IR_SAR ? sx(c, IR_I32, a) : zx(c, IR_I32, a);
        res = zx(c, t, ir_op2(&c->b, op, IR_I32, wide, zx(c, IR_I32, cnt)));
        /* sar by w or more: CF is the sign (defined); the SAR producer's CF formula sees the
         * count mod w, so give it at most w, which yields the sign too. */
        if (op == IR_SAR) {
            uint64_t k;
            IrRef w = kt(c, t, 8 * size);
            if (is_const(c, cnt, &k))
                fcnt = k > 8 * size ? w : cnt;
            else
                fcnt = ir_select(&c->b, t, ir_cmp(&c->b, IR_GTU, cnt, w), w, cnt);
        }
    } else {
        res = ir_op2(&c->b, op, t, a, cnt);
    }
    loc_put(c, l, res);
    X86CcKind kind = op == IR_SHL ? X86_CCK_SHL : op == IR_SHR ? X86_CCK_SHR : X86_CCK_SAR;
    flags_shift(c, kind, size, a, fcnt, res);
}

/* rol/ror: CF and OF only, and only if the masked count is not 0 (even when it is a multiple
 * of w: then the value is unchanged but CF/OF are still written). OF is undefined for counts
 * above 1; the host leaves it alone for a register rotated by an immediate and computes the
 * 1-bit rotate's OF otherwise (count in CL, or a memory operand), and so does ferry. */
static void gen_ROT(FeCtx *c, bool right, const Loc *l, IrRef a, IrRef cnt, int how)
{
    unsigned w = 8 * l->size;
    IrRef res = ir_op2(&c->b, right ? IR_ROR : IR_ROL, fe_type(l->size), a, cnt);
    loc_put(c, l, res);
    bool never;
    IrRef zero = count_zero(c, cnt, &never);
    if (never)
        return;
    IrRef cf = bit64(c, res, right ? w - 1 : 0);
    uint64_t k;
    if (how == CNT_IMM && !l->mem && is_const(c, cnt, &k) && k > 1) {
        flags_replace(c, X86_CF, cf, zero);
        return;
    }
    IrRef of = bin(c, IR_XOR, bit64(c, a, w - 1), bit64(c, a, right ? 0 : w - 2));
    flags_replace(c, X86_CF | X86_OF, bin(c, IR_OR, cf, bink(c, IR_SHL, of, 11)), zero);
}

/* rcl/rcr: a rotate through CF. Count 1 (the common encoding) is IR; other counts call a
 * helper that reads and writes the flags in the state. */
static void gen_RCX(FeCtx *c, bool right, const Loc *l, IrRef a, IrRef cnt)
{
    unsigned size = l->size, w = 8 * size;
    IrType t = fe_type(size);
    uint64_t k;
    if (is_const(c, cnt, &k) && k <= 1) {
        if (k == 0) {
            loc_put(c, l, a);       /* still a register write (zero-extends r32) */
            return;
        }
        IrRef cin = zx(c, t, fe_get_cf(c));
        IrRef res, cf, of;
        if (right) {
            res = bin(c, IR_OR, bink(c, IR_SHR, a, 1), bink(c, IR_SHL, cin, w - 1));
            cf = bit64(c, a, 0);
            of = bin(c, IR_XOR, bit64(c, a, w - 1), zx(c, IR_I64, cin));
        } else {
            res = bin(c, IR_OR, bink(c, IR_SHL, a, 1), cin);
            cf = bit64(c, a, w - 1);
            of = bin(c, IR_XOR, bit64(c, a, w - 1), bit64(c, a, w - 2));
        }
        loc_put(c, l, res);
        flags_replace(c, X86_CF | X86_OF, bin(c, IR_OR, cf, bink(c, IR_SHL, of, 11)), IR_NONE);
        return;
    }
    IrRef r = fe_call(c, right ? x86_alu_rcr : x86_alu_rcl, zx(c, IR_I64, a),
                      zx(c, IR_I64, cnt), k64(c, size));
    fe_flags_invalidate(c);         /* the helper left an EFLAGS producer in the state */
    loc_put(c, l, zx(c, t, r));
}

/* C0 C1 D0 D1 D2 D3: group 2. */
static bool gen_GRP2(FeCtx *c, int how)
{
    unsigned size = c->insn->opsize;
    Loc l = loc_rm(c, size);
    IrRef cnt = shift_count(c, size, how);
    IrRef a = loc_get(c, &l);
    switch (c->insn->reg & 7) {
    case 0: gen_ROT(c, false, &l, a, cnt, how); break;
    case 1: gen_ROT(c, true, &l, a, cnt, how); break;
    case 2: gen_RCX(c, false, &l, a, cnt); break;
    case 3: gen_RCX(c, true, &l, a, cnt); break;
    case 5: gen_SHIFT(c, IR_SHR, &l, a, cnt); break;
    case 7: gen_SHIFT(c, IR_SAR, &l, a, cnt); break;
    default: gen_SHIFT(c, IR_SHL, &l, a, cnt); break;     /* /4 shl, /6 sal */
    }
    return true;
}

/* 0F A4 A5 (shld) AC AD (shrd) Ev,Gv,Ib/CL. 16- and 32-bit forms shift a 64-bit
 * concatenation (dst:src:dst for 16 bits, as the host does for counts above 16); CF is the
 * last bit shifted out of it. The flags are SF ZF PF of the result (a LOGIC producer, so
 * AF = 0) plus CF and OF. */
static bool gen_SHxD(FeCtx *c, bool right, int how)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize, w = 8 * size;
    IrType t = fe_type(size);
    Loc l = loc_rm(c, size);
    IrRef s = fe_get_gpr(c, i->reg, size);
    IrRef cnt = shift_count(c, size, how);
    IrRef d = loc_get(c, &l);
    IrRef res, cf;
    bool never;
    IrRef zero = count_zero(c, cnt, &never);
    if (size == 8) {
        IrRef inv = ir_op2(&c->b, IR_SUB, t, kt(c, t, 64), cnt);   /* 64 - cnt, mod 64 */
        if (right) {
            res = bin(c, IR_OR, bin(c, IR_SHR, d, cnt), bin(c, IR_SHL, s, inv));
            cf = zx(c, IR_I64, bink(c, IR_AND, bin(c, IR_SHR, d, bink(c, IR_SUB, cnt, 1)), 1));
        } else {
            res = bin(c, IR_OR, bin(c, IR_SHL, d, cnt), bin(c, IR_SHR, s, inv));
            cf = bink(c, IR_AND, bin(c, IR_SHR, d, inv), 1);
        }
        if (zero || never)      /* a shift by 64 - 0 would be taken mod 64 */
            res = never ? d : ir_select(&c->b, t, zero, d, res);
    } else {
        IrRef d64 = zx(c, IR_I64, d), s64 = zx(c, IR_I64, s), c64 = zx(c, IR_I64, cnt);
        IrRef cat;
        unsigned top;
        if (size == 2) {
            cat = bin(c, IR_OR, bin(c, IR_OR, bink(c, IR_SHL, d64, 32), bink(c, IR_SHL, s64, 16)),
                      d64);
            top = 48;
        } else {
            cat = right ? bin(c, IR_OR, bink(c, IR_SHL, s64, 32), d64)
                        : bin(c, IR_OR, bink(c, IR_SHL, d64, 32), s64);
            top = 64;
        }
        if (right) {
            res = zx(c, t, bin(c, IR_SHR, cat, c64));
            cf = bink(c, IR_AND, bin(c, IR_SHR, cat, bink(c, IR_SUB, c64, 1)), 1);
        } else {
            res = zx(c, t, bink(c, IR_SHR, bin(c, IR_SHL, cat, c64), 32));
            cf = bink(c, IR_AND, bin(c, IR_SHR, cat, ir_op2(&c->b, IR_SUB, IR_I64,
                                                              k64(c, top), c64)), 1);
        }
    }
    loc_put(c, &l, res);
    if (never)
        return true;
    IrRef of = bin(c, IR_XOR, bit64(c, d, w - 1), right ? bit64(c, s, 0) : bit64(c, d, w - 2));
    IrRef old = zero ? fe_get_eflags(c) : IR_NONE;
    fe_set_flags(c, X86_CCK_LOGIC, size, IR_NONE, IR_NONE, res);
    IrRef v = bin(c, IR_OR, fe_get_eflags(c), bin(c, IR_OR, cf, bink(c, IR_SHL, of, 11)));
    if (zero)
        v = ir_select(&c->b, IR_I64, zero, old, v);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, v);
    return true;
}

/* ================================================================ bit tests and scans */

enum { BT_BT = 4, BT_BTS, BT_BTR, BT_BTC };   /* group 8 ModRM.reg numbering */

/* bt/bts/btr/btc. With a register offset and a memory operand the offset is signed and
 * selects the operand-sized word at ea + (offset >> log2 w) * (w / 8); otherwise it is taken
 * mod w. CF = the bit; no other flag changes. */
static bool gen_BT(FeCtx *c, unsigned op, bool imm)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize, w = 8 * size;
    IrType t = fe_type(size);
    Loc l;
    IrRef bit;
    if (imm) {
        l = loc_rm(c, size);
        bit = kt(c, t, (uint64_t)i->imm & (w - 1));
    } else {
        IrRef off = fe_get_gpr(c, i->reg, size);
        bit = bink(c, IR_AND, off, w - 1);
        if (i->mod == 3) {
            l = loc_gpr(i->rm, size);
        } else {
            unsigned lw = size == 2 ? 4 : size == 4 ? 5 : 6, ls = lw - 3;
            IrRef disp = bink(c, IR_SHL, bink(c, IR_SAR, sx(c, IR_I64, off), lw), ls);
            IrRef addr = bin(c, IR_ADD, fe_ea(c), disp);
            if (i->addrsize == 4)
                addr = bink(c, IR_AND, addr, 0xffffffffull);
            l = (Loc){ .mem = true, .addr = addr, .size = size };
        }
    }
    IrRef v = loc_get(c, &l);
    IrRef cf = zx(c, IR_I64, bink(c, IR_AND, bin(c, IR_SHR, v, bit), 1));
    if (op != BT_BT) {
        IrRef one = bin(c, IR_SHL, kt(c, t, 1), bit);
        IrRef nv = op == BT_BTS ? bin(c, IR_OR, v, one)
                 : op == BT_BTR ? bin(c, IR_AND, v, ir_op1(&c->b, IR_NOT, t, one))
                 : bin(c, IR_XOR, v, one);
        loc_put(c, &l, nv);
    }
    flags_replace(c, X86_CF, cf, IR_NONE);
    return true;
}

/* 0F BC/BD bsf/bsr. A zero source leaves the destination as it was, all 64 bits of it, and
 * sets ZF. */
static bool gen_BSx(FeCtx *c, bool rev)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize, w = 8 * size;
    IrType t = fe_type(size);
    IrRef src = fe_load_rm(c, size);
    IrRef zero = cmpk(c, IR_EQ, src, 0);
    IrRef idx = rev ? bink(c, IR_XOR, ir_op1(&c->b, IR_CLZ, t, src), w - 1)   /* w-1-clz */
                    : ir_op1(&c->b, IR_CTZ, t, src);
    unsigned psize = size == 4 ? 8 : size;
    IrRef old = fe_get_gpr(c, i->reg, psize);
    fe_put_gpr(c, i->reg, psize, ir_select(&c->b, fe_type(psize), zero, old,
                                          zx(c, fe_type(psize), idx)));
    fe_set_flags(c, X86_CCK_LOGIC, size, IR_NONE, IR_NONE, src);
    return true;
}

/* F3 0F BC/BD tzcnt/lzcnt: the count of trailing/leading zero bits, the operand width for
 * a zero source (the IR ops' own convention). CF = source is 0, ZF = result is 0. */
static bool gen_xZCNT(FeCtx *c, bool lead)
{
    unsigned size = c->insn->opsize;
    IrType t = fe_type(size);
    IrRef src = fe_load_rm(c, size);
    IrRef res = ir_op1(&c->b, lead ? IR_CLZ : IR_CTZ, t, src);
    fe_put_gpr(c, c->insn->reg, size, res);
    IrRef cf = zx(c, IR_I64, cmpk(c, IR_EQ, src, 0));
    IrRef zf = bink(c, IR_SHL, zx(c, IR_I64, cmpk(c, IR_EQ, res, 0)), 6);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, bin(c, IR_OR, cf, zf));
    return true;
}

/* F3 0F B8 popcnt: ZF = source is 0; CF OF SF AF PF are cleared. */
static bool gen_POPCNT(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrType t = fe_type(size);
    IrRef src = fe_load_rm(c, size);
    fe_put_gpr(c, c->insn->reg, size, ir_op1(&c->b, IR_POPCNT, t, src));
    IrRef zf = bink(c, IR_SHL, zx(c, IR_I64, cmpk(c, IR_EQ, src, 0)), 6);
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, zf);
    return true;
}

/* 0F C8+r bswap r32/r64; with 66 the result is undefined and the host gives 0 (low word). */
static bool gen_BSWAP(FeCtx *c)
{
    const X86Insn *i = c->insn;
    int reg = (i->opcode & 7) | ((i->rex & 1) ? 8 : 0);
    unsigned size = i->opsize;
    if (size == 2) {
        fe_put_gpr(c, reg, 2, kt(c, IR_I16, 0));
        return true;
    }
    fe_put_gpr(c, reg, size, ir_op1(&c->b, IR_BSWAP, fe_type(size), fe_get_gpr(c, reg, size)));
    return true;
}

/* ================================================================ xadd cmpxchg */

/* 0F C0/C1 xadd Eb,Gb / Ev,Gv: Gv = old dst, dst = old dst + Gv (dst written last, so
 * xadd r, r leaves the sum). */
static bool gen_XADD(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    Loc l = loc_rm(c, size);
    IrRef s = fe_get_gpr(c, i->reg, size);
    IrRef a = loc_get(c, &l);
    IrRef res = bin(c, IR_ADD, a, s);
    if (l.mem)
        loc_put(c, &l, res);
    fe_put_gpr(c, i->reg, size, a);
    if (!l.mem)
        loc_put(c, &l, res);
    fe_set_flags(c, X86_CCK_ADD, size, a, s, res);
    return true;
}

/* 0F B0/B1 cmpxchg Eb,Gb / Ev,Gv: flags of cmp acc, dst. Equal: dst = src. Otherwise
 * acc = dst. Memory is always written (with its own value on failure); a register
 * destination and the accumulator are written only in their own case, which matters for the
 * zero-extension of 32-bit registers. */
static bool gen_CMPXCHG(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    IrType t = fe_type(size);
    Loc l = loc_rm(c, size);
    IrRef s = fe_get_gpr(c, i->reg, size);
    IrRef acc = fe_get_gpr(c, X86_RAX, size);
    IrRef old = loc_get(c, &l);
    IrRef eq = ir_cmp(&c->b, IR_EQ, acc, old);
    fe_set_flags(c, X86_CCK_SUB, size, acc, old, bin(c, IR_SUB, acc, old));
    if (l.mem)
        fe_store(c, l.addr, ir_select(&c->b, t, eq, s, old));
    /* Writes of the full register when size is 4, so "not written" keeps the upper half. */
    unsigned psize = size == 4 ? 8 : size;
    IrType pt = fe_type(psize);
    IrRef rax = fe_get_gpr(c, X86_RAX, psize);
    IrRef dreg = l.mem ? IR_NONE : fe_get_gpr(c, l.reg, psize);
    fe_put_gpr(c, X86_RAX, psize, ir_select(&c->b, pt, eq, rax, zx(c, pt, old)));
    if (!l.mem)     /* after the accumulator: cmpxchg eax, r32 has dst = rax */
        fe_put_gpr(c, l.reg, psize, ir_select(&c->b, pt, eq, zx(c, pt, s), dreg));
    return true;
}

/* 0F C7 /1: cmpxchg8b m64 (EDX:EAX vs m64, store ECX:EBX) and, with REX.W, cmpxchg16b m128
 * (RDX:RAX, RCX:RBX), which needs a 16-byte aligned operand (#GP -> SIGSEGV otherwise).
 * ZF only. On failure the accumulator pair gets the memory value (EAX/EDX zero-extended). */
static bool gen_CMPXCHG8B(FeCtx *c)
{
    IrRef addr = fe_ea(c);
    IrRef eq;
    if (c->insn->opsize == 8) {
        IrRef bad = cmpk(c, IR_NE, bink(c, IR_AND, addr, 15), 0);
        fe_flush_flags(c);
        ir_exit_if(&c->b, bad, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
        /* One 16-byte compare-and-swap in a helper, LOCK or not (an atomic cmpxchg16b is a
         * valid plain one): fe_lock.c. A fault there is not precise. */
        eq = cmpk(c, IR_NE, fe_lock_cmpxchg16b(c, addr), 0);
    } else {
        IrRef old = fe_load(c, IR_I64, addr);
        IrRef rax = fe_get_gpr(c, X86_RAX, 8), rdx = fe_get_gpr(c, X86_RDX, 8);
        IrRef pair = bin(c, IR_OR, bink(c, IR_SHL, rdx, 32), bink(c, IR_AND, rax, 0xffffffffull));
        IrRef nv = bin(c, IR_OR, bink(c, IR_SHL, fe_get_gpr(c, X86_RCX, 8), 32),
                       bink(c, IR_AND, fe_get_gpr(c, X86_RBX, 8), 0xffffffffull));
        eq = ir_cmp(&c->b, IR_EQ, old, pair);
        fe_store(c, addr, ir_select(&c->b, IR_I64, eq, nv, old));
        fe_put_gpr(c, X86_RAX, 8, ir_select(&c->b, IR_I64, eq, rax,
                                            bink(c, IR_AND, old, 0xffffffffull)));
        fe_put_gpr(c, X86_RDX, 8, ir_select(&c->b, IR_I64, eq, rdx, bink(c, IR_SHR, old, 32)));
    }
    flags_replace(c, X86_ZF, bink(c, IR_SHL, zx(c, IR_I64, eq), 6), IR_NONE);
    return true;
}

/* ================================================================ dispatch */

static bool gen_1b(FeCtx *c)
{
    const X86Insn *i = c->insn;
    uint8_t op = i->opcode;
    if (op < 0x40 && (op & 7) <= 5)
        return gen_ALU(c, op >> 3, op & 7);
    switch (op) {
    case 0x80: case 0x81: case 0x83: return gen_GRP1(c);
    case 0x84: case 0x85: return gen_TEST(c, false);
    case 0xa8: case 0xa9: return gen_TEST(c, true);
    case 0x69: case 0x6b: return gen_IMUL(c, true);
    case 0xc0: case 0xc1: return gen_GRP2(c, CNT_IMM);
    case 0xd0: case 0xd1: return gen_GRP2(c, CNT_ONE);
    case 0xd2: case 0xd3: return gen_GRP2(c, CNT_CL);
    case 0xf6: case 0xf7: return gen_GRP3(c);
    case 0xfe: case 0xff:
        if ((i->reg & 7) > 1)
            return false;               /* FF /2-/6: call, jmp, push */
        return gen_INCDEC(c, (i->reg & 7) == 1);
    default:
        return false;
    }
}

static bool gen_0f(FeCtx *c)
{
    const X86Insn *i = c->insn;
    switch (i->opcode) {
    case 0xa3: return gen_BT(c, BT_BT, false);
    case 0xab: return gen_BT(c, BT_BTS, false);
    case 0xb3: return gen_BT(c, BT_BTR, false);
    case 0xbb: return gen_BT(c, BT_BTC, false);
    case 0xba: return (i->reg & 7) >= 4 ? gen_BT(c, i->reg & 7, true) : false;
    case 0xa4: return gen_SHxD(c, false, CNT_IMM);
    case 0xa5: return gen_SHxD(c, false, CNT_CL);
    case 0xac: return gen_SHxD(c, true, CNT_IMM);
    case 0xad: return gen_SHxD(c, true, CNT_CL);
    case 0xaf: return gen_IMUL(c, false);
    case 0xb0: case 0xb1: return gen_CMPXCHG(c);
    case 0xc0: case 0xc1: return gen_XADD(c);
    case 0xc7: return (i->reg & 7) == 1 && i->mod != 3 ? gen_CMPXCHG8B(c) : false;
    case 0xbc: return i->rep == 0xf3 ? gen_xZCNT(c, false) : gen_BSx(c, false);
    case 0xbd: return i->rep == 0xf3 ? gen_xZCNT(c, true) : gen_BSx(c, true);
    case 0xb8: return gen_POPCNT(c);        /* F3 only: the decoder rejects plain 0F B8 */
    default:
        if (i->opcode >= 0xc8 && i->opcode <= 0xcf)
            return gen_BSWAP(c);
        return false;
    }
}

bool fe_gen_alu(FeCtx *c)
{
    if (c->insn->vex)                   /* VEX forms are gen_bmi.c's (or #UD) */
        return false;
    switch (c->insn->map) {
    case X86_MAP_1B: return gen_1b(c);
    case X86_MAP_0F: return gen_0f(c);
    default: return false;
    }
}

/* ================================================================ C helpers */

static uint64_t mask_of(unsigned bits) { return bits >= 64 ? ~0ull : (1ull << bits) - 1; }

/* x86 DIV/IDIV of the 2w-bit dividend n by the w-bit divisor d (both zero-extended; w is 8,
 * 16, 32 or 64). Returns false for #DE: a zero divisor or a quotient that does not fit in w
 * bits (signed: -2^(w-1)..2^(w-1)-1). Signed division works on magnitudes, so no C overflow
 * can happen (INT128_MIN / -1 included). */
static bool divide(unsigned w, bool sgn, u128 n, uint64_t d, uint64_t *q, uint64_t *r)
{
    uint64_t m = mask_of(w);
    u128 nmask = w == 64 ? ~(u128)0 : ((u128)1 << (2 * w)) - 1;
    bool nneg = false, dneg = false;
    if (sgn) {
        nneg = (n >> (2 * w - 1)) & 1;
        dneg = (d >> (w - 1)) & 1;
        if (nneg)
            n = (0 - n) & nmask;
        if (dneg)
            d = (0 - d) & m;
    }
    if (d == 0)
        return false;
    u128 qq, rr;
    if ((n >> 64) == 0) {           /* the common case needs no 128-bit division */
        qq = (uint64_t)n / d;
        rr = (uint64_t)n % d;
    } else {
        qq = n / d;
        rr = n % d;
    }
    bool qneg = nneg != dneg;
    u128 limit = sgn ? ((u128)1 << (w - 1)) - (qneg ? 0 : 1) : (u128)m;
    if (qq > limit)
        return false;
    *q = (uint64_t)(qneg ? 0 - qq : qq) & m;
    *r = (uint64_t)(nneg ? 0 - rr : rr) & m;
    return true;
}

/* Divide rDX:rAX (AX for bytes) by the divisor and write the quotient and remainder with the
 * x86 register rules. Returns 0, or 1 for #DE with the state untouched. */
static uint64_t alu_divide(X86State *s, unsigned size, uint64_t divisor, bool sgn)
{
    unsigned w = 8 * size;
    uint64_t m = mask_of(w);
    uint64_t *rax = &s->gpr[X86_RAX], *rdx = &s->gpr[X86_RDX];
    u128 n = size == 1 ? (u128)(*rax & 0xffff) : ((u128)(*rdx & m) << w) | (*rax & m);
    uint64_t q, r;
    if (!divide(w, sgn, n, divisor & m, &q, &r))
        return 1;
    switch (size) {
    case 1:     /* AL = quotient, AH = remainder */
        *rax = (*rax & ~0xffffull) | (r << 8) | q;
        break;
    case 2:
        *rax = (*rax & ~0xffffull) | q;
        *rdx = (*rdx & ~0xffffull) | r;
        break;
    default:    /* 32-bit results zero-extend: q and r are already masked */
        *rax = q;
        *rdx = r;
        break;
    }
    return 0;
}

static uint64_t x86_alu_div(void *state, uint64_t size, uint64_t divisor, uint64_t unused)
{
    (void)unused;
    return alu_divide(state, (unsigned)size, divisor, false);
}

static uint64_t x86_alu_idiv(void *state, uint64_t size, uint64_t divisor, uint64_t unused)
{
    (void)unused;
    return alu_divide(state, (unsigned)size, divisor, true);
}

/* rcl/rcr by a masked count: a (w+1)-bit rotation of CF:value. 8- and 16-bit operands rotate
 * by count mod 9 / mod 17, and a rotation by 0 changes no flag. OF is the 1-bit rotate's (the
 * host's behaviour for every count). Always leaves an EFLAGS producer in the state. */
static uint64_t alu_rotate_carry(X86State *s, uint64_t value, uint64_t count, unsigned size,
                                 bool right)
{
    unsigned w = 8 * size;
    uint64_t m = mask_of(w), x = value & m;
    uint64_t e = x86_get_eflags(s);
    unsigned k = (unsigned)(w < 32 ? count % (w + 1) : count);
    if (k) {
        unsigned cf = (unsigned)(e & 1), msb = (unsigned)((x >> (w - 1)) & 1);
        u128 v = ((u128)cf << w) | x;
        v = right ? (v >> k) | (v << (w + 1 - k)) : (v << k) | (v >> (w + 1 - k));
        unsigned of = right ? msb ^ cf : msb ^ (unsigned)((x >> (w - 2)) & 1);
        x = (uint64_t)v & m;
        e = (e & ~(uint64_t)(X86_CF | X86_OF)) | (uint64_t)((v >> w) & 1) |
            ((uint64_t)of << 11);
    }
    x86_set_eflags(s, e);
    return x;
}

static uint64_t x86_alu_rcl(void *state, uint64_t value, uint64_t count, uint64_t size)
{
    return alu_rotate_carry(state, value, count, (unsigned)size, false);
}

static uint64_t x86_alu_rcr(void *state, uint64_t value, uint64_t count, uint64_t size)
{
    return alu_rotate_carry(state, value, count, (unsigned)size, true);
}

void fe_register_helpers_alu(void)
{
    ir_helper_register(x86_alu_div, "alu_div");
    ir_helper_register(x86_alu_idiv, "alu_idiv");
    ir_helper_register(x86_alu_rcl, "alu_rcl");
    ir_helper_register(x86_alu_rcr, "alu_rcr");
}
