/* codegen_plan.c — decisions the x86_64 code generator takes about a whole block before it
 * emits it, after liveness (codegen.c): read-modify-writes of guest registers that live in
 * the state (cg_plan_rmw, CgVal.rmw), whose GET, op and PUT become one memory-form op.
 */
#include "codegen_ops.h"

/* GET F; v = op(GET, y); PUT v, F right after it, with the GET and v read by nothing else and
 * F written by nothing in between (no PUT or KEEP overlapping it, no CALL), F neither pinned
 * across blocks nor in a loop's pin: one `op qword [r14 + F], y` at v's place does it all
 * (guest `add rsi, 1` on a register that lives in the state: 3 instructions -> 1). The state
 * holds F's old value up to v and the new one after, as the PUT would have it. Marks the GET
 * and v (CgVal.rmw); the GET and the PUT then emit nothing, the op the memory form. */
static bool writes_field(const IrBlock *blk, const IrInsn *in, int64_t off)
{
    if (in->op == IR_CALL)
        return true;
    if (in->op != IR_PUT && in->op != IR_KEEP && in->op != IR_FKEEP)
        return false;
    int64_t size = (int64_t)ir_type_size((IrType)blk->insn[in->arg[0]].type);
    return in->imm[0] < off + 8 && off < in->imm[0] + size;
}

void cg_plan_rmw(CgCtx *c)
{
    const IrBlock *blk = c->blk;
    for (IrRef r = 1; r + 2 < blk->n; r++) {
        const IrInsn *g = &blk->insn[r];
        CgVal *gv = &c->val[r];
        if (g->op != IR_GET || g->type != IR_I64 || gv->n_uses != 1 || gv->last_use == 0)
            continue;
        int64_t off = g->imm[0];
        if (off < 0 || off > INT32_MAX - 64 || x64_pin_field(c->gi, off, 8) != -1 ||
            (c->loop && (r < c->loop->head || x64_loop_pin_of(c, (uint32_t)off) >= 0)))
            continue;
        IrRef u = gv->last_use;
        const IrInsn *op = &blk->insn[u];
        bool comm = op->op == IR_ADD || op->op == IR_AND || op->op == IR_OR || op->op == IR_XOR;
        if ((!comm && op->op != IR_SUB) || op->type != IR_I64 || op->arg[0] == op->arg[1] ||
            (op->arg[0] != r && !(comm && op->arg[1] == r)) || c->val[u].rmw)
            continue;
        const IrInsn *put = &blk->insn[u + 1];
        if (u + 1 >= blk->n || c->val[u].n_uses != 1 || put->op != IR_PUT || put->arg[0] != u ||
            put->imm[0] != off)
            continue;
        bool clobbered = false;
        for (IrRef j = r + 1; j < u && !clobbered; j++)
            clobbered = writes_field(blk, &blk->insn[j], off);
        /* a KEEP before it recorded as "in the state at F" (ir_keep_ranges) whose range
         * reaches the op would see the new value one instruction early: left alone */
        for (IrRef j = 1; j < u && !clobbered; j++)
            clobbered = (blk->insn[j].op == IR_KEEP || blk->insn[j].op == IR_FKEEP) &&
                        c->keep[j].last_obs >= u &&
                        c->keep[j].in_state && c->keep[j].src < off + 8 &&
                        off < (int64_t)c->keep[j].src +
                                  (int64_t)ir_type_size(ty(c, blk->insn[j].arg[0]));
        if (clobbered)
            continue;
        gv->rmw = true;
        c->val[u].rmw = true;
    }
}
