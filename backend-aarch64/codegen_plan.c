/* codegen_plan.c — decisions the aarch64 code generator takes about a whole block before it
 * emits it, next to liveness (codegen.c), where a value's readers decide how it is held:
 *   - lowparts: a GET of the low 8/16/32 bits of a pinned GPR read only by instructions that
 *     look at those bits is the pinned register itself (CgVal.lowpart), not a copy;
 *   - sinks: an I64 x + k read only as a LOAD/STORE address, by KEEPs and by one PUT of a
 *     whole pinned field is never computed where it stands (CgVal.sunk): the accesses use
 *     [x, #k], the KEEPs record x plus k, and the PUT writes x + k into the register at its
 *     place, so `push rbx; call f` stores at [x23, #-8] and then does sub x23, x23, #0x10
 *     where it did sub x29, x23, #8 ... mov x23, x29;
 *   - constant bases: a LOAD/STORE of a constant address near an earlier one's (globals next
 *     to each other: `mov [rip + a], eax; mov [rip + a + 8], edx`) is [A, #B - A] from the
 *     first constant, which is loaded once into a home register (CgVal.const_base).
 * Contract: cg_plan_sinks and cg_plan_const_bases run before the backward liveness pass
 * (which then folds the addresses and reads x at the PUT), cg_plan_lowparts after it and
 * pin_targets.
 */
#include <stdlib.h>

#include "codegen_ops.h"

/* Whether instruction u, reading an I8/I16/I32 value (of `size` bytes) as an operand, reads
 * only its low 8 * size bits of the register: for I32 the W forms of codegen_int.c; for every
 * size SEXT, ZEXT (which then zero-extends with a W move or UXT) and TRUNC of it, and stores
 * and PUTs of it (STR W/H/B, or a BFI of that width into a pinned register). SELECT, CALL,
 * BITCAST, POPCNT and KEEP (its value may be recorded as a whole register) are not; nor are
 * 8/16-bit logic ops and compares, which rely on zero-extended operands, except an AND with
 * a constant (truncated to the type, so the result is zero-extended again). */
static bool reads_low(const CgCtx *c, const IrInsn *u, unsigned i, unsigned size)
{
    if (u->op == IR_AND && i == 0 && c->blk->insn[u->arg[1]].op == IR_CONST)
        return true;    /* the mask (of the type's width) clears what lies above: test al, 1 */
    switch (u->op) {
    case IR_ADD: case IR_SUB: case IR_MUL: case IR_MULHU: case IR_MULHS: case IR_AND:
    case IR_OR: case IR_XOR: case IR_SHL: case IR_SHR: case IR_SAR: case IR_ROL: case IR_ROR:
    case IR_NEG: case IR_NOT: case IR_CTZ: case IR_CLZ: case IR_BSWAP: case IR_CMP:
        return size == 4 && (u->op == IR_CMP || ir_type_size((IrType)u->type) == 4);
    case IR_TRUNC: case IR_SEXT: case IR_ZEXT: case IR_STORE: case IR_PUT:
        return true;
    default:
        return false;
    }
}

/* CgVal.lowpart for GETs of the low 8, 16 or 32 bits of a pinned field (not computed into a
 * pinned register themselves) whose needed readers all read only those bits: cg_pin_get
 * makes them aliases of the register, so `mov eax, esi; add eax, edi` reads w25 directly
 * and `mov [rip + x], bl` stores w22 with STRB. */
void cg_plan_lowparts(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        unsigned lsb, sz = tsize((IrType)in->type);
        c->val[r].lowpart = in->op == IR_GET && sz < 8 && ir_type_is_int((IrType)in->type) &&
                            c->val[r].last_use != 0 && c->val[r].pin_target < 0 &&
                            cg_pin_reg(c, in->imm[0], sz, &lsb) >= 0 && lsb == 0;
    }
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *u = &blk->insn[r];
        bool keep = u->op == IR_KEEP || u->op == IR_FKEEP;
        if (!keep && cg_removable(u) && c->val[r].last_use == 0)
            continue;           /* not emitted */
        IrRef src = (u->op == IR_STORE || u->op == IR_PUT) ? c->val[r].store_src : IR_NONE;
        if (src && c->val[src].lowpart)
            c->val[src].lowpart = false;    /* stored at the ZEXT's width (store_src) */
        for (unsigned i = 0; i < 3; i++) {
            IrRef a = u->arg[i];
            if (a != IR_NONE && c->val[a].lowpart &&
                (keep || !reads_low(c, u, i, tsize(ty(c, a))) || (u->op == IR_STORE && i == 0)))
                c->val[a].lowpart = false;
        }
    }
}

/* CgVal.const_base of each LOAD/STORE of a constant address B within [-256, 4096) of an
 * earlier one's A (the first four such constants of the block are the bases), and
 * const_home of the bases used so: liveness then addresses B as [A, #B - A]. */
void cg_plan_const_bases(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    if (!c->regalloc || c->gi->guest_base != 0)
        return;
    IrRef base[4] = { 0 };
    unsigned n_base = 0;
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        c->val[r].const_base = IR_NONE;
        if (in->op != IR_LOAD && in->op != IR_STORE)
            continue;
        IrRef a = in->arg[0];
        if (blk->insn[a].op != IR_CONST || (in->op == IR_STORE && in->arg[1] == a))
            continue;
        uint64_t b = (uint64_t)blk->insn[a].imm[0];
        unsigned i = 0;
        while (i < n_base && base[i] != a &&
               !(b - (uint64_t)blk->insn[base[i]].imm[0] + 256 < 4096 + 256))
            i++;
        if (i == n_base) {          /* a new base (the first four of the block) */
            if (n_base < 4)
                base[n_base++] = a;
            continue;
        }
        if (base[i] == a)
            continue;               /* the same constant: its home, when it has one */
        c->val[r].const_base = base[i];
        c->val[base[i]].const_home = true;
    }
}

/* Whether PUT u writes a whole pinned field (8 bytes). */
static bool put_whole_pin(const CgCtx *c, const IrInsn *u)
{
    unsigned lsb;
    return u->op == IR_PUT && tsize(ty(c, u->arg[0])) == 8 &&
           cg_pin_reg(c, u->imm[0], 8, &lsb) >= 0;
}

void cg_plan_sinks(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    if (!c->pin || !c->regalloc || c->gi->guest_base != 0)
        return;
    uint8_t *puts = calloc(blk->n, 1);
    if (!puts)
        return;                 /* nothing sunk: every x + k computed where it stands */
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *in = &blk->insn[r];
        c->val[r].sunk = false;
        if (in->op != IR_ADD || in->type != IR_I64 || blk->insn[in->arg[1]].op != IR_CONST ||
            blk->insn[in->arg[0]].op == IR_CONST)
            continue;
        int64_t k = blk->insn[in->arg[1]].imm[0];
        c->val[r].sunk = k >= -256 && k < 4096;     /* what [x, #k] reaches (liveness) */
    }
    for (IrRef r = 1; r < blk->n; r++) {
        const IrInsn *u = &blk->insn[r];
        for (unsigned i = 0; i < 3; i++) {
            IrRef a = u->arg[i];
            if (a == IR_NONE || !c->val[a].sunk)
                continue;
            bool ok = i == 0 && (u->op == IR_LOAD || u->op == IR_STORE || u->op == IR_KEEP ||
                                 u->op == IR_FKEEP ||
                                 (put_whole_pin(c, u) && puts[a]++ == 0));
            if (u->op == IR_STORE && u->arg[1] == a)
                ok = false;     /* stored as a value: it must exist */
            if (!ok)
                c->val[a].sunk = false;
        }
    }
    free(puts);
}
