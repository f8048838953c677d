/* gen_legacy.c — the one-byte opcodes that exist only outside 64-bit mode (the manual's i64
 * marks), for 32-bit code segments (FeCtx.mode32; x86_decode.c "32-bit mode").
 *
 * Contract: fe_gen_legacy(c) is asked after fe_gen_system and before the other families when
 * the code is 32-bit; it translates c->insn and returns true, or returns false without
 * emitting anything. The opcodes the 64-bit families know keep their meaning, at the 32-bit
 * sizes the decoder gives them (operand and address size 4, ESP stack: fe_ops.c).
 *
 * Coverage: 40-47 inc r, 48-4F dec r (16 or 32 bits), 60 pusha, 61 popa (ESP's slot is
 * skipped), 06/0E/16/1E push es/cs/ss/ds, CE into (#OF when OF is set, as int 4), D6 salc.
 * Segment loads (07/17/1F pop es/ss/ds, 9A/EA far pointers) are gen_system.c's; the BCD
 * instructions (27 2F 37 3F D4 D5), bound and arpl are not implemented (#UD with a message
 * from the machine); les and lds are gen_system.c's too.
 */
#include "frontend-x86/fe_internal.h"

/* 40-4F: inc/dec r16/r32; CF is kept (the INC/DEC producer carries it). */
static bool gen_INCDEC_r(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize, reg = i->opcode & 7;
    bool dec = i->opcode >= 0x48;
    IrType t = fe_type(size);
    IrRef a = fe_get_gpr(c, (int)reg, size);
    IrRef cf = ir_op1(&c->b, IR_ZEXT, t, fe_get_cf(c));
    IrRef res = ir_op2(&c->b, dec ? IR_SUB : IR_ADD, t, a, ir_const(&c->b, t, 1));
    fe_put_gpr(c, (int)reg, size, res);
    fe_set_flags(c, dec ? X86_CCK_DEC : X86_CCK_INC, size, a, cf, res);
    return true;
}

/* 60: pusha — EAX ECX EDX EBX, the original ESP, EBP ESI EDI (16-bit registers with 66).
 * Stores first, ESP last, so a fault leaves ESP as it was. */
static bool gen_PUSHA(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef sp0 = fe_get_sp(c), sp = sp0;
    for (int r = X86_RAX; r <= X86_RDI; r++) {
        IrRef v = r == X86_RSP ? ir_op1(&c->b, IR_TRUNC, fe_type(size), sp0)
                               : fe_get_gpr(c, r, size);
        sp = fe_sp_add(c, sp, -(int64_t)size);
        fe_store(c, sp, v);
    }
    fe_put_sp(c, sp);
    return true;
}

/* 61: popa — the reverse; the slot of ESP is read past, not loaded. */
static bool gen_POPA(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef sp = fe_get_sp(c);
    IrRef v[8];
    for (int r = X86_RDI; r >= X86_RAX; r--) {
        if (r != X86_RSP)
            v[r] = fe_load(c, fe_type(size), sp);
        sp = fe_sp_add(c, sp, size);
    }
    for (int r = X86_RAX; r <= X86_RDI; r++)
        if (r != X86_RSP)
            fe_put_gpr(c, r, size, v[r]);
    fe_put_sp(c, sp);
    return true;
}

/* 06 0E 16 1E: push es/cs/ss/ds — the selector, zero-extended to the operand size. */
static bool gen_PUSH_sreg(FeCtx *c)
{
    static const unsigned sreg[4] = { 0, 1, 2, 3 };     /* ES CS SS DS, by opcode >> 3 */
    unsigned n = sreg[(c->insn->opcode >> 3) & 3];
    IrRef sel = ir_get(&c->b, IR_I64, X86_OFF_SEG(n));
    fe_push(c, ir_op1(&c->b, IR_TRUNC, fe_type(c->insn->opsize), sel));
    return true;
}

/* CE: into — int 4 (a trap: rip is the next instruction) when OF is set. */
static bool gen_INTO(FeCtx *c)
{
    IrRef of = fe_cond(c, 0);
    fe_flush_flags(c);
    fe_charge(c);
    ir_exit_if(&c->b, ir_cmp(&c->b, IR_NE, of, ir_const(&c->b, IR_I8, 0)), c->next_pc,
               IR_EXIT_WORD(IR_EXIT_TRAP, 0, FE_SYS_INT + 4));
    return true;
}

/* D6: salc — AL = CF ? 0xFF : 0, flags unchanged. */
static bool gen_SALC(FeCtx *c)
{
    IrRef cf = ir_cmp(&c->b, IR_NE, fe_get_cf(c), ir_const(&c->b, IR_I8, 0));
    fe_put_gpr(c, X86_RAX, 1, ir_select(&c->b, IR_I8, cf, ir_const(&c->b, IR_I8, 0xff),
                                         ir_const(&c->b, IR_I8, 0)));
    return true;
}

bool fe_gen_legacy(FeCtx *c)
{
    const X86Insn *i = c->insn;
    if (i->map != X86_MAP_1B || i->vex || i->lock)
        return false;
    uint8_t op = i->opcode;
    if (op >= 0x40 && op <= 0x4f)
        return gen_INCDEC_r(c);
    switch (op) {
    case 0x60: return gen_PUSHA(c);
    case 0x61: return gen_POPA(c);
    case 0x06: case 0x0e: case 0x16: case 0x1e: return gen_PUSH_sreg(c);
    case 0xce: return c->system && gen_INTO(c);
    case 0xd6: return gen_SALC(c);
    default:   return false;
    }
}
