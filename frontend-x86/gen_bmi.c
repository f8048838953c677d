/* gen_bmi.c — translation of the bit-manipulation extensions into IR: BMI1 and BMI2 (the
 * VEX-encoded general-purpose-register instructions) and ADX.
 *
 * Contract: fe_gen_bmi(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own, so the caller can ask another
 * family or deliver SIGILL. fe_register_helpers_bmi() names this file's C helpers for logs.
 *
 * Coverage (64-bit mode; 32-bit operands with VEX.W0 / no REX.W, 64-bit with W1; register and
 * memory forms of the r/m operand):
 *   BMI1  VEX.NP.0F38 F2 andn, F3 /1 blsr, /2 blsmsk, /3 blsi, F7 bextr
 *   BMI2  VEX.NP.0F38 F5 bzhi, VEX.F3.0F38 F5 pext, VEX.F2.0F38 F5 pdep, VEX.F2.0F38 F6 mulx,
 *         VEX.F2.0F3A F0 rorx, VEX.66/F3/F2.0F38 F7 shlx/sarx/shrx
 *   ADX   66 0F 38 F6 adcx, F3 0F 38 F6 adox
 * The other BMI1 member, tzcnt (F3 0F BC), is gen_alu.c's with lzcnt and popcnt. The decoder
 * admits exactly these VEX forms (x86_vex_optab): VEX.L = 1, a reserved VEX.vvvv (rorx), other
 * VEX.pp or group 17 members, and 66/F2/F3/LOCK/REX before VEX are #UD there already. LOCK is
 * #UD on all of these (the decoder rejects it).
 *
 * Operands, as the SDM's operand-encoding tables name them: ModRM.reg is the destination
 * (blsi/blsmsk/blsr: VEX.vvvv is), ModRM.r/m a source, VEX.vvvv the other source: andn, pdep,
 * pext take it first (RVM: dest = f(vvvv, r/m)); bextr, bzhi and the shifts second (RMV: the
 * control, index or count). All sources are read before anything is written, so a faulting
 * memory operand changes nothing. 32-bit results zero-extend into the 64-bit register.
 *
 * Flags (SDM Vol. 2, "Flags Affected"):
 *   andn      SF ZF from the result, CF = OF = 0; AF PF undefined
 *   bextr     ZF from the result, CF = OF = 0; AF SF PF undefined
 *   blsi      SF ZF from the result, CF = (source != 0), OF = 0; AF PF undefined
 *   blsmsk    SF from the result, ZF = 0 (the result is never 0), CF = (source == 0), OF = 0;
 *             AF PF undefined
 *   blsr      SF ZF from the result, CF = (source == 0), OF = 0; AF PF undefined
 *   bzhi      SF ZF from the result, CF = (index > operand size - 1), OF = 0; AF PF undefined
 *   mulx pdep pext rorx sarx shlx shrx: no flag changes
 *   adcx      CF = carry out of dst + src + CF; nothing else changes
 *   adox      OF = carry out of dst + src + OF; nothing else changes
 * Undefined flags follow the producer kind's ordinary formula: all of the above use the LOGIC
 * kind on the result (SF ZF PF from it, CF OF AF 0), with CF replaced where it is defined
 * otherwise. So AF = 0 and PF comes from the result's low byte; bextr's SF is the result's
 * sign.
 *
 * pdep and pext go through small C helpers (no IR op scatters or gathers bits); everything
 * else is inline IR.
 */
#include "frontend-x86/fe_internal.h"

static uint64_t x86_bmi_pdep(void *state, uint64_t src, uint64_t mask, uint64_t unused);
static uint64_t x86_bmi_pext(void *state, uint64_t src, uint64_t mask, uint64_t unused);

/* ================================================================ IR shorthands */

static IrType type_of(FeCtx *c, IrRef v) { return ir_value_type(c->b.blk, v); }
static IrRef kt(FeCtx *c, IrType t, uint64_t v) { return ir_const(&c->b, t, v); }

/* a op b in the type of a. */
static IrRef bin(FeCtx *c, IrOp op, IrRef a, IrRef b)
{
    return ir_op2(&c->b, op, type_of(c, a), a, b);
}

/* a op constant, in the type of a. */
static IrRef bink(FeCtx *c, IrOp op, IrRef a, uint64_t k)
{
    return bin(c, op, a, kt(c, type_of(c, a), k));
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

/* ================================================================ flags */

/* The LOGIC producer of res (the undefined-flags policy above), then CF := cf (I8) when cf is
 * not IR_NONE. */
static void flags_logic_cf(FeCtx *c, unsigned size, IrRef res, IrRef cf)
{
    fe_set_flags(c, X86_CCK_LOGIC, size, IR_NONE, IR_NONE, res);
    if (!cf)
        return;
    IrRef v = bin(c, IR_OR, fe_get_eflags(c), zx(c, IR_I64, cf));   /* LOGIC has CF = 0 */
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, v);
}

/* ================================================================ operands */

static unsigned opsize(FeCtx *c) { return c->insn->opsize; }     /* 4 or 8, by VEX.W */
static IrRef get_vvvv(FeCtx *c) { return fe_get_gpr(c, c->insn->vex_vvvv, opsize(c)); }
static IrRef get_rm(FeCtx *c) { return fe_load_rm(c, opsize(c)); }
static void put_reg(FeCtx *c, IrRef v) { fe_put_gpr(c, c->insn->reg, opsize(c), v); }

/* ================================================================ BMI1 */

/* VEX.0F38 F2: andn Gy, By, Ey — dest = ~vvvv & r/m. */
static bool gen_ANDN(FeCtx *c)
{
    IrRef a = get_vvvv(c), b = get_rm(c);
    IrRef res = bin(c, IR_AND, ir_op1(&c->b, IR_NOT, type_of(c, a), a), b);
    put_reg(c, res);
    flags_logic_cf(c, opsize(c), res, IR_NONE);
    return true;
}

/* VEX.0F38 F3 (group 17): /1 blsr (src & (src - 1)), /2 blsmsk (src ^ (src - 1)), /3 blsi
 * (src & -src), into VEX.vvvv. */
static bool gen_BLSx(FeCtx *c)
{
    unsigned size = opsize(c), r = c->insn->reg & 7;
    IrRef src = get_rm(c);
    IrRef res, cf;
    if (r == 3) {
        res = bin(c, IR_AND, src, ir_op1(&c->b, IR_NEG, type_of(c, src), src));
        cf = cmpk(c, IR_NE, src, 0);
    } else {
        IrRef dec = bink(c, IR_SUB, src, 1);
        res = bin(c, r == 1 ? IR_AND : IR_XOR, src, dec);
        cf = cmpk(c, IR_EQ, src, 0);
    }
    fe_put_gpr(c, c->insn->vex_vvvv, size, res);
    flags_logic_cf(c, size, res, cf);
    return true;
}

/* VEX.0F38 F7 (NP): bextr Gy, Ey, By — start = By[7:0], length = By[15:8]; dest = the
 * length bits of r/m from start, zero-extended (bits past the operand read as 0). */
static bool gen_BEXTR(FeCtx *c)
{
    unsigned size = opsize(c), w = 8 * size;
    IrType t = fe_type(size);
    IrRef src = get_rm(c), ctl = get_vvvv(c);
    IrRef start = bink(c, IR_AND, ctl, 0xff);
    IrRef len = bink(c, IR_AND, bink(c, IR_SHR, ctl, 8), 0xff);
    /* the IR shifts count mod w: select the out-of-range cases */
    IrRef shifted = ir_select(&c->b, t, cmpk(c, IR_GEU, start, w), kt(c, t, 0),
                              bin(c, IR_SHR, src, start));
    IrRef mask = ir_select(&c->b, t, cmpk(c, IR_GEU, len, w), kt(c, t, ~0ull),
                           bink(c, IR_SUB, bin(c, IR_SHL, kt(c, t, 1), len), 1));
    IrRef res = bin(c, IR_AND, shifted, mask);
    put_reg(c, res);
    flags_logic_cf(c, size, res, IR_NONE);
    return true;
}

/* ================================================================ BMI2 */

/* VEX.0F38 F5 (NP): bzhi Gy, Ey, By — n = By[7:0]; bits n and up of r/m cleared when
 * n < w; CF = n > w - 1. */
static bool gen_BZHI(FeCtx *c)
{
    unsigned size = opsize(c), w = 8 * size;
    IrType t = fe_type(size);
    IrRef src = get_rm(c);
    IrRef n = bink(c, IR_AND, get_vvvv(c), 0xff);
    IrRef big = cmpk(c, IR_GEU, n, w);
    IrRef mask = bink(c, IR_SUB, bin(c, IR_SHL, kt(c, t, 1), n), 1);
    IrRef res = ir_select(&c->b, t, big, src, bin(c, IR_AND, src, mask));
    put_reg(c, res);
    flags_logic_cf(c, size, res, big);
    return true;
}

/* VEX.F2.0F38 F6: mulx By, Gy, Ey — rDX * r/m unsigned: low half to VEX.vvvv, high half to
 * ModRM.reg, written last so that when both name one register it holds the high half (SDM).
 * No flags. */
static bool gen_MULX(FeCtx *c)
{
    unsigned size = opsize(c);
    IrType t = fe_type(size);
    IrRef b = get_rm(c), a = fe_get_gpr(c, X86_RDX, size);
    IrRef lo = ir_op2(&c->b, IR_MUL, t, a, b);
    IrRef hi = ir_op2(&c->b, IR_MULHU, t, a, b);
    fe_put_gpr(c, c->insn->vex_vvvv, size, lo);
    put_reg(c, hi);
    return true;
}

/* VEX.F2/F3.0F38 F5: pdep / pext Gy, By, Ey — the source is VEX.vvvv, the mask r/m. */
static bool gen_PDEP_PEXT(FeCtx *c, bool dep)
{
    unsigned size = opsize(c);
    IrRef src = zx(c, IR_I64, get_vvvv(c)), mask = zx(c, IR_I64, get_rm(c));
    IrRef r = fe_call(c, dep ? x86_bmi_pdep : x86_bmi_pext, src, mask, IR_NONE);
    put_reg(c, zx(c, fe_type(size), r));
    return true;
}

/* VEX.F2.0F3A F0: rorx Gy, Ey, Ib — rotate right by imm8 mod w. No flags. */
static bool gen_RORX(FeCtx *c)
{
    unsigned size = opsize(c);
    IrType t = fe_type(size);
    uint64_t n = (uint64_t)c->insn->imm & (8 * size - 1);
    put_reg(c, ir_op2(&c->b, IR_ROR, t, get_rm(c), kt(c, t, n)));
    return true;
}

/* VEX.66/F3/F2.0F38 F7: shlx / sarx / shrx Gy, Ey, By — the count is By mod w (which the IR
 * shifts do themselves). No flags, even for a count of 0 or 1. */
static bool gen_SHIFTX(FeCtx *c, IrOp op)
{
    IrRef src = get_rm(c), cnt = get_vvvv(c);
    put_reg(c, bin(c, op, src, cnt));
    return true;
}

/* ================================================================ ADX */

/* 66 0F 38 F6 adcx / F3 0F 38 F6 adox Gy, Ey: dest + src + carry-in, where the carry is CF
 * (adcx) or OF (adox); only that flag changes, to the carry out. */
static bool gen_ADX(FeCtx *c, bool of)
{
    unsigned size = opsize(c);
    IrType t = fe_type(size);
    IrRef src = get_rm(c), dst = fe_get_gpr(c, c->insn->reg, size);
    IrRef cin = of ? fe_cond(c, 0) : fe_get_cf(c);          /* condition 0: O */
    IrRef res = bin(c, IR_ADD, bin(c, IR_ADD, dst, src), zx(c, t, cin));
    /* carry out: with a carry in, res <=u dst; without, res <u dst */
    IrRef cout = ir_select(&c->b, IR_I8, cin, ir_cmp(&c->b, IR_LEU, res, dst),
                           ir_cmp(&c->b, IR_LTU, res, dst));
    put_reg(c, res);
    uint64_t bit = of ? X86_OF : X86_CF;
    IrRef old = bink(c, IR_AND, fe_get_eflags(c), X86_ARITH_FLAGS & ~bit);
    IrRef nv = bin(c, IR_OR, old, bink(c, IR_SHL, zx(c, IR_I64, cout), of ? 11 : 0));
    fe_set_flags(c, X86_CCK_EFLAGS, 8, IR_NONE, IR_NONE, nv);
    return true;
}

/* ================================================================ dispatch */

enum { PP_NONE, PP_66, PP_F3, PP_F2 };      /* VEX.pp */

static bool gen_vex(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map == X86_MAP_0F3A)
        return i->opcode == 0xf0 && i->vex_pp == PP_F2 ? gen_RORX(c) : false;
    if (i->map != X86_MAP_0F38)
        return false;
    switch (i->opcode) {
    case 0xf2: return i->vex_pp == PP_NONE ? gen_ANDN(c) : false;
    case 0xf3: return i->vex_pp == PP_NONE ? gen_BLSx(c) : false;
    case 0xf5:
        switch (i->vex_pp) {
        case PP_NONE: return gen_BZHI(c);
        case PP_F3: return gen_PDEP_PEXT(c, false);
        case PP_F2: return gen_PDEP_PEXT(c, true);
        default: return false;
        }
    case 0xf6: return i->vex_pp == PP_F2 ? gen_MULX(c) : false;
    case 0xf7:
        switch (i->vex_pp) {
        case PP_NONE: return gen_BEXTR(c);
        case PP_66: return gen_SHIFTX(c, IR_SHL);
        case PP_F3: return gen_SHIFTX(c, IR_SAR);
        default: return gen_SHIFTX(c, IR_SHR);
        }
    default:
        return false;
    }
}

bool fe_gen_bmi(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->vex)
        return gen_vex(c);
    if (i->map == X86_MAP_0F38 && i->opcode == 0xf6)   /* the decoder admits only 66 and F3 */
        return gen_ADX(c, i->rep == 0xf3);
    return false;
}

/* ================================================================ C helpers */

/* pdep: the low bits of src, in order, go to the set bits of mask. */
static uint64_t x86_bmi_pdep(void *state, uint64_t src, uint64_t mask, uint64_t unused)
{
    (void)state; (void)unused;
    uint64_t r = 0;
    for (uint64_t k = 1; mask; mask &= mask - 1, k <<= 1)
        if (src & k)
            r |= mask & (0 - mask);
    return r;
}

/* pext: the bits of src under the set bits of mask, packed from bit 0 up. */
static uint64_t x86_bmi_pext(void *state, uint64_t src, uint64_t mask, uint64_t unused)
{
    (void)state; (void)unused;
    uint64_t r = 0;
    for (uint64_t k = 1; mask; mask &= mask - 1, k <<= 1)
        if (src & mask & (0 - mask))
            r |= k;
    return r;
}

void fe_register_helpers_bmi(void)
{
    ir_helper_register(x86_bmi_pdep, "bmi_pdep");
    ir_helper_register(x86_bmi_pext, "bmi_pext");
}
