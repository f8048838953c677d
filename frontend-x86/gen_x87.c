/* gen_x87.c — translation of the x87 instructions: the escape opcodes D8-DF (memory and
 * register forms) and fwait (9B).
 *
 * Contract: fe_gen_x87(c) translates c->insn and returns true, or returns false without
 * emitting anything when the opcode is not one of its own or is a reserved x87 encoding (the
 * guest then gets SIGILL). LOCK on any x87 instruction is #UD (SIGILL).
 *
 * Each instruction is one call of a helper of x87_helpers.c with a mode word built here from
 * the opcode (x87_helpers.h): the register stack, the tag word and the status word live in
 * X86State and only C code touches them, so the IR stays small and the arithmetic is the
 * bit-exact software float of x87_float.c on every host. Memory operands are loaded in IR
 * before the call (a fault leaves the x87 state untouched) and what a store helper returns is
 * stored by IR after it. fnstcw and fldcw are plain IR GET/PUT of the control word.
 *
 * Opcode map (SDM Vol. 2 Appendix A.5). Memory forms by ModRM.reg:
 *   D8 m32fp / DC m64fp / DA m32int / DE m16int: add mul com comp sub subr div divr
 *   D9: fld m32, -, fst m32, fstp m32, fldenv, fldcw, fnstenv, fnstcw
 *   DB: fild m32, fisttp m32, fist m32, fistp m32, -, fld m80, -, fstp m80
 *   DD: fld m64, fisttp m64, fst m64, fstp m64, frstor, -, fnsave, fnstsw m16
 *   DF: fild m16, fisttp m16, fist m16, fistp m16, fbld, fild m64, fbstp, fistp m64
 * Register forms (i = ModRM.rm & 7; REX does not extend it):
 *   D8: op st0, st(i) (com/comp st(i))    DC: op st(i), st0    DE: op-and-pop st(i), st0
 *   (for the subtract/divide rows the ModRM.reg value is the same "ST(0) op ST(i)" or
 *   "ST(i) op ST(0)" in D8, DC and DE, so reg picks X87A_* directly)
 *   D9: fld st(i), fxch, fnop, fstp1*, fchs fabs ftst fxam, constants, transcendentals...
 *   DA: fcmovb/e/be/u, fucompp          DB: fcmovnb/ne/nbe/nu, fnclex, fninit, fucomi, fcomi
 *   DD: ffree, fxch4*, fst, fstp, fucom, fucomp
 *   DF: ffreep*, fxch7*, fstp8*, fstp9*, fnstsw ax, fucomip, fcomip
 * (* the aliases Intel CPUs execute although the manual lists them as reserved; DB E0/E1/E4
 * feni/fdisi/fsetpm are no-ops since the 387.)
 *
 * fwait: ferry handles x87 exceptions as masked (x87_float.h), so there is never a pending
 * exception to deliver and fwait is a no-op.
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/x87_float.h"
#include "frontend-x86/x87_helpers.h"

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }

static IrRef call(FeCtx *c, IrHelperFn fn, uint64_t mode, IrRef a1, IrRef a2)
{
    return fe_call(c, fn, k64(c, mode), a1 == IR_NONE ? k64(c, 0) : a1,
                   a2 == IR_NONE ? k64(c, 0) : a2);
}

static IrRef addr_plus(FeCtx *c, IrRef a, uint64_t d)
{
    return ir_op2(&c->b, IR_ADD, IR_I64, a, k64(c, d));
}

/* ================================================================ memory operands */

/* Load the memory operand of `kind` as raw bits: *lo (I64), *hi (I64, the top 16 bits of an
 * m80 or BCD operand, else IR_NONE). */
static void load_operand(FeCtx *c, unsigned kind, IrRef *lo, IrRef *hi)
{
    IrRef a = fe_ea(c);
    *hi = IR_NONE;
    switch (kind) {
    case X87S_F32: case X87S_I32:
        *lo = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_load(c, IR_I32, a));
        break;
    case X87S_I16:
        *lo = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_load(c, IR_I16, a));
        break;
    case X87S_F80: case X87S_BCD:
        *lo = fe_load(c, IR_I64, a);
        *hi = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_load(c, IR_I16, addr_plus(c, a, 8)));
        break;
    default:    /* F64, I64 */
        *lo = fe_load(c, IR_I64, a);
        break;
    }
}

/* Run a store helper and write its result to the memory operand. */
static void store_operand(FeCtx *c, unsigned kind, uint64_t mode)
{
    IrRef a = fe_ea(c);
    IrRef v = call(c, x87_h_store, mode, IR_NONE, IR_NONE);
    switch (kind) {
    case X87S_F32: case X87S_I32:
        fe_store(c, a, ir_op1(&c->b, IR_TRUNC, IR_I32, v));
        break;
    case X87S_I16:
        fe_store(c, a, ir_op1(&c->b, IR_TRUNC, IR_I16, v));
        break;
    case X87S_F80: case X87S_BCD:
        fe_store(c, a, v);
        fe_store(c, addr_plus(c, a, 8), ir_get(&c->b, IR_I16, X86_OFF_FPU_SCRATCH));
        break;
    default:
        fe_store(c, a, v);
        break;
    }
}

static bool gen_FARITH_mem(FeCtx *c, unsigned kind, unsigned reg)
{
    IrRef lo, hi;
    load_operand(c, kind, &lo, &hi);
    if (reg == 2 || reg == 3)       /* fcom/fcomp, ficom/ficomp */
        call(c, x87_h_compare, X87M(0, 0, kind, reg - 2), lo, hi);
    else
        call(c, x87_h_arith, X87M(reg, 0, kind, 0), lo, hi);
    return true;
}

static bool gen_FLD_mem(FeCtx *c, unsigned kind)
{
    IrRef lo, hi;
    load_operand(c, kind, &lo, &hi);
    call(c, x87_h_load, X87M(0, 0, kind, 0), lo, hi);
    return true;
}

static bool gen_FST_mem(FeCtx *c, unsigned kind, unsigned pops, bool trunc)
{
    store_operand(c, kind, X87M(0, 0, kind, pops) | (trunc ? X87M_TRUNC : 0));
    return true;
}

static bool gen_FNSTCW(FeCtx *c)
{
    fe_store(c, fe_ea(c), ir_get(&c->b, IR_I16, X86_OFF_FPU_CW));
    return true;
}

/* fldcw: bit 6 reads as 1 and bits 7 and 13-15 as 0 on Intel CPUs (checked with fnstcw; the
 * environment loaders do the same, x87_helpers.c cw_loaded). */
static bool gen_FLDCW(FeCtx *c)
{
    IrRef v = fe_load(c, IR_I16, fe_ea(c));
    v = ir_op2(&c->b, IR_AND, IR_I16, v, ir_const(&c->b, IR_I16, 0x1f7f));
    v = ir_op2(&c->b, IR_OR, IR_I16, v, ir_const(&c->b, IR_I16, 0x0040));
    ir_put(&c->b, X86_OFF_FPU_CW, v);
    return true;
}

static bool gen_FNSTSW_mem(FeCtx *c)
{
    IrRef a = fe_ea(c);
    IrRef v = fe_call(c, x87_h_fnstsw, k64(c, 0), k64(c, 0), k64(c, 0));
    fe_store(c, a, ir_op1(&c->b, IR_TRUNC, IR_I16, v));
    return true;
}

static bool gen_FENV(FeCtx *c, unsigned op)
{
    IrRef a = fe_ea(c);
    fe_call_mem(c, x87_h_env, k64(c, op), a, k64(c, c->insn->opsize_prefix && !(c->insn->rex & 8)));
    return true;
}

/* The memory forms of D8-DF; `esc` = opcode - D8. */
static bool gen_x87_mem(FeCtx *c, unsigned esc, unsigned reg)
{
    switch (esc) {
    case 0: return gen_FARITH_mem(c, X87S_F32, reg);
    case 2: return gen_FARITH_mem(c, X87S_I32, reg);
    case 4: return gen_FARITH_mem(c, X87S_F64, reg);
    case 6: return gen_FARITH_mem(c, X87S_I16, reg);
    case 1:
        switch (reg) {
        case 0: return gen_FLD_mem(c, X87S_F32);
        case 2: return gen_FST_mem(c, X87S_F32, 0, false);
        case 3: return gen_FST_mem(c, X87S_F32, 1, false);
        case 4: return gen_FENV(c, X87E_LDENV);
        case 5: return gen_FLDCW(c);
        case 6: return gen_FENV(c, X87E_STENV);
        case 7: return gen_FNSTCW(c);
        default: return false;
        }
    case 3:
        switch (reg) {
        case 0: return gen_FLD_mem(c, X87S_I32);
        case 1: return gen_FST_mem(c, X87S_I32, 1, true);
        case 2: return gen_FST_mem(c, X87S_I32, 0, false);
        case 3: return gen_FST_mem(c, X87S_I32, 1, false);
        case 5: return gen_FLD_mem(c, X87S_F80);
        case 7: return gen_FST_mem(c, X87S_F80, 1, false);
        default: return false;
        }
    case 5:
        switch (reg) {
        case 0: return gen_FLD_mem(c, X87S_F64);
        case 1: return gen_FST_mem(c, X87S_I64, 1, true);
        case 2: return gen_FST_mem(c, X87S_F64, 0, false);
        case 3: return gen_FST_mem(c, X87S_F64, 1, false);
        case 4: return gen_FENV(c, X87E_RSTOR);
        case 6: return gen_FENV(c, X87E_SAVE);
        case 7: return gen_FNSTSW_mem(c);
        default: return false;
        }
    default:    /* 7: DF */
        switch (reg) {
        case 0: return gen_FLD_mem(c, X87S_I16);
        case 1: return gen_FST_mem(c, X87S_I16, 1, true);
        case 2: return gen_FST_mem(c, X87S_I16, 0, false);
        case 3: return gen_FST_mem(c, X87S_I16, 1, false);
        case 4: return gen_FLD_mem(c, X87S_BCD);
        case 5: return gen_FLD_mem(c, X87S_I64);
        case 6: return gen_FST_mem(c, X87S_BCD, 1, false);
        default: return gen_FST_mem(c, X87S_I64, 1, false);
        }
    }
}

/* ================================================================ register forms */

static bool misc(FeCtx *c, unsigned op, unsigned i, unsigned pops)
{
    call(c, x87_h_misc, X87M(op, i, 0, pops), IR_NONE, IR_NONE);
    return true;
}

static bool compare_sti(FeCtx *c, unsigned i, unsigned pops, uint64_t flags)
{
    IrRef r = call(c, x87_h_compare, X87M(0, i, X87S_STI, pops) | flags, IR_NONE, IR_NONE);
    if (flags & X87M_EFLAGS)        /* fcomi: ZF PF CF from the compare, OF SF AF cleared */
        fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, r);
    return true;
}

static bool arith_sti(FeCtx *c, unsigned op, unsigned i, bool dest_sti, unsigned pops)
{
    call(c, x87_h_arith, X87M(op, i, X87S_STI, pops) | (dest_sti ? X87M_DEST_STI : 0),
         IR_NONE, IR_NONE);
    return true;
}

static bool gen_FCMOV(FeCtx *c, unsigned x86cc, unsigned i)
{
    IrRef cond = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_cond(c, x86cc));
    call(c, x87_h_misc, X87M(X87U_FCMOV, i, 0, 0), cond, IR_NONE);
    return true;
}

static bool gen_FNSTSW_AX(FeCtx *c)
{
    IrRef v = fe_call(c, x87_h_fnstsw, k64(c, 0), k64(c, 0), k64(c, 0));
    fe_put_gpr(c, X86_RAX, 2, ir_op1(&c->b, IR_TRUNC, IR_I16, v));
    return true;
}

/* D9 E0-FF: one-operand, constant and transcendental instructions (0 = reserved). */
static const uint8_t d9_ops[32] = {
    [0x00] = X87U_FCHS, [0x01] = X87U_FABS, [0x05] = X87U_FXAM,
    [0x10] = X87U_F2XM1, [0x11] = X87U_FYL2X, [0x12] = X87U_FPTAN, [0x13] = X87U_FPATAN,
    [0x14] = X87U_FXTRACT, [0x15] = X87U_FPREM1, [0x16] = X87U_FDECSTP,
    [0x17] = X87U_FINCSTP, [0x18] = X87U_FPREM, [0x19] = X87U_FYL2XP1, [0x1a] = X87U_FSQRT,
    [0x1b] = X87U_FSINCOS, [0x1c] = X87U_FRNDINT, [0x1d] = X87U_FSCALE, [0x1e] = X87U_FSIN,
    [0x1f] = X87U_FCOS,
};

static bool gen_D9_reg(FeCtx *c, unsigned reg, unsigned i)
{
    unsigned m = c->insn->modrm;
    switch (reg) {
    case 0: call(c, x87_h_load, X87M(0, i, X87S_STI, 0), IR_NONE, IR_NONE); return true;
    case 1: return misc(c, X87U_FXCH, i, 0);
    case 2: return i == 0 ? misc(c, X87U_FNOP, 0, 0) : false;
    case 3:     /* fstp1: fstp st(i) but for an empty ST(0) (x87_h_store) */
        call(c, x87_h_store, X87M(0, i, X87S_STI, 1) | X87M_FSTP1, IR_NONE, IR_NONE);
        return true;
    case 5:
        if (i == 7) return false;
        call(c, x87_h_load, X87M(0, i, X87S_CONST, 0), IR_NONE, IR_NONE);  /* fld1..fldz */
        return true;
    default:
        break;
    }
    if (m == 0xe4) {                /* ftst */
        call(c, x87_h_compare, X87M(0, 0, X87S_ZERO, 0), IR_NONE, IR_NONE);
        return true;
    }
    unsigned op = d9_ops[m - 0xe0];
    return op ? misc(c, op, 0, 0) : false;
}

static bool gen_x87_reg(FeCtx *c, unsigned esc, unsigned reg, unsigned i)
{
    unsigned m = c->insn->modrm;
    switch (esc) {
    case 0:     /* D8: st0 = st0 op st(i) */
        if (reg == 2 || reg == 3) return compare_sti(c, i, reg - 2, 0);
        return arith_sti(c, reg, i, false, 0);
    case 1:
        return gen_D9_reg(c, reg, i);
    case 2:     /* DA */
        switch (reg) {
        case 0: return gen_FCMOV(c, 2, i);      /* fcmovb: CF */
        case 1: return gen_FCMOV(c, 4, i);      /* fcmove: ZF */
        case 2: return gen_FCMOV(c, 6, i);      /* fcmovbe: CF or ZF */
        case 3: return gen_FCMOV(c, 10, i);     /* fcmovu: PF */
        case 5: return i == 1 ? compare_sti(c, 1, 2, X87M_QUIET) : false;  /* fucompp */
        default: return false;
        }
    case 3:     /* DB */
        switch (reg) {
        case 0: return gen_FCMOV(c, 3, i);
        case 1: return gen_FCMOV(c, 5, i);
        case 2: return gen_FCMOV(c, 7, i);
        case 3: return gen_FCMOV(c, 11, i);
        case 4:
            if (m == 0xe0 || m == 0xe1 || m == 0xe4) return misc(c, X87U_FNOP, 0, 0);
            if (m == 0xe2) return misc(c, X87U_FNCLEX, 0, 0);
            if (m == 0xe3) return misc(c, X87U_FNINIT, 0, 0);
            return false;
        case 5: return compare_sti(c, i, 0, X87M_QUIET | X87M_EFLAGS);    /* fucomi */
        case 6: return compare_sti(c, i, 0, X87M_EFLAGS);                 /* fcomi */
        default: return false;
        }
    case 4:     /* DC: st(i) = st0 op st(i) in the X87A sense */
        if (reg == 2 || reg == 3) return compare_sti(c, i, reg - 2, 0);  /* fcom2, fcomp3 */
        return arith_sti(c, reg, i, true, 0);
    case 5:     /* DD */
        switch (reg) {
        case 0: return misc(c, X87U_FFREE, i, 0);
        case 1: return misc(c, X87U_FXCH, i, 0);
        case 2: call(c, x87_h_store, X87M(0, i, X87S_STI, 0), IR_NONE, IR_NONE); return true;
        case 3: call(c, x87_h_store, X87M(0, i, X87S_STI, 1), IR_NONE, IR_NONE); return true;
        case 4: return compare_sti(c, i, 0, X87M_QUIET);
        case 5: return compare_sti(c, i, 1, X87M_QUIET);
        default: return false;
        }
    case 6:     /* DE: the popping forms */
        if (reg == 2) return compare_sti(c, i, 1, 0);                      /* fcomp5 */
        if (reg == 3) return i == 1 ? compare_sti(c, 1, 2, 0) : false;     /* fcompp */
        return arith_sti(c, reg, i, true, 1);
    default:    /* DF */
        switch (reg) {
        case 0: return misc(c, X87U_FFREE, i, 1);                          /* ffreep */
        case 1: return misc(c, X87U_FXCH, i, 0);
        case 2: case 3:
            call(c, x87_h_store, X87M(0, i, X87S_STI, 1), IR_NONE, IR_NONE);
            return true;
        case 4: return m == 0xe0 ? gen_FNSTSW_AX(c) : false;
        case 5: return compare_sti(c, i, 1, X87M_QUIET | X87M_EFLAGS);    /* fucomip */
        case 6: return compare_sti(c, i, 1, X87M_EFLAGS);                 /* fcomip */
        default: return false;
        }
    }
}

/* Whether a register form exists (so that fe_gen_x87 can decline before emitting). */
static bool reg_form_valid(unsigned esc, unsigned m)
{
    unsigned reg = (m >> 3) & 7, i = m & 7;
    switch (esc) {
    case 1:
        if (reg == 2) return i == 0;
        if (reg == 5) return i != 7;
        if (reg >= 4) return m == 0xe4 || d9_ops[m - 0xe0] != 0;
        return true;
    case 2: return reg < 4 || m == 0xe9;
    case 3: return reg != 7 && (reg != 4 || m <= 0xe4);
    case 5: return reg != 6 && reg != 7;
    case 6: return reg != 3 || i == 1;
    case 7: return reg == 4 ? m == 0xe0 : reg != 7;
    default: return true;
    }
}

static bool mem_form_valid(unsigned esc, unsigned reg)
{
    switch (esc) {
    case 1: return reg != 1;
    case 3: return reg != 4 && reg != 6;
    case 5: return reg != 5;
    default: return true;
    }
}

/* The x87 control instructions, which leave FIP alone: fldenv fldcw fnstenv fnstcw (D9 /4-7),
 * frstor fnsave fnstsw m16 (DD /4 /6 /7), fnclex fninit (DB E2 E3), fnstsw ax (DF E0). */
static bool is_control(unsigned esc, unsigned reg, bool mem, uint8_t modrm)
{
    if (mem)
        return (esc == 1 && reg >= 4) || (esc == 5 && (reg == 4 || reg == 6 || reg == 7));
    return (esc == 3 && (modrm == 0xe2 || modrm == 0xe3)) || (esc == 7 && modrm == 0xe0);
}

bool fe_gen_x87(FeCtx *c)
{
    const X86Insn *in = c->insn;
    if (in->map != X86_MAP_1B) return false;
    if (in->opcode == 0x9b) {       /* fwait */
        if (in->lock) fe_trap(c, SIGILL, ILL_ILLOPN);
        return true;
    }
    if (in->opcode < 0xd8 || in->opcode > 0xdf || !in->has_modrm) return false;
    unsigned esc = in->opcode - 0xd8, reg = (in->modrm >> 3) & 7;
    bool mem = in->mod != 3;
    if (mem ? !mem_form_valid(esc, reg) : !reg_form_valid(esc, in->modrm)) return false;
    if (in->lock) {
        fe_trap(c, SIGILL, ILL_ILLOPN);
        return true;
    }
    bool done = mem ? gen_x87_mem(c, esc, reg) : gen_x87_reg(c, esc, reg, in->modrm & 7);
    /* FIP: the address of the last non-control instruction (Intel SDM Vol. 1, 8.1.8), stored
     * after the instruction's own accesses so a fault leaves it as it was. FDP and FOP stay:
     * the CPU model has FDP_EXCPTN_ONLY and no FOP compatibility mode, which update them only
     * on unmasked exceptions (never, here); FCS and FDS are deprecated (stored as 0). */
    if (done && !c->block_end && !is_control(esc, reg, mem, in->modrm))
        ir_put(&c->b, X86_OFF_FPU_FIP, ir_const(&c->b, IR_I64, c->pc));
    return done;
}
