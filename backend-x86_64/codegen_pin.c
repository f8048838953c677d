/* codegen_pin.c — the guest GPRs pinned to host registers (ir/backend.h, "Pinned registers";
 * regs.h has the set).
 *
 * Contract: while generated code runs, each guest GPR of x64_pins (those below IrGuestInfo's
 * n_gprs) is in its host register, never in the state: the trampoline loads them after it
 * sets r14, its epilogue (every exit to the runtime `ret`s there) stores them before anything
 * else, chained exits and jump-cache jumps keep them, and a CALL stores them before its
 * helper runs and reloads them after unless the helper only reads the state (the registers
 * are callee-saved, so the helper keeps them). Inside generated code the state's copies are
 * stale, so storing a register into its field is always allowed. At a fault the handler
 * copies them from the signal context into the state before the fault point's keeps
 * (runtime/fault.c, Backend.pinned).
 *
 * Unlike aarch64 (where a GET of a pinned field is an alias of its register), a pinned
 * register here is simply where the field lives: every access that would address the field
 * in the state addresses the register instead, in the same order, so the state semantics the
 * IR and the KEEP machinery rely on are unchanged. Values never have a pinned register as
 * their home; a GET copies (mov, move-eliminated by the host), a PUT writes the register.
 *   - an integer GET of the low 1/2/4/8 bytes of a field: movzx/mov from the register;
 *   - a PUT or KEEP of a whole field from a GPR-class value: a mov (or lea for x + k);
 *   - anything else that overlaps pinned fields (a partial write, bytes 1.. of a field, a
 *     vector or float access, a span): the registers it overlaps are stored into the state
 *     first, the access is the usual one, and after a write they are loaded back.
 * All of it is moves: the host flags survive (a fused compare may cross a GET or PUT).
 * A KEEP location "in the state" (BACKEND_LOC_STATE) at a pinned field becomes the register
 * (cg_keep_loc), for the stubs, the loop back edge and the fault map alike.
 */
#include "codegen_ops.h"

bool x64_pin_enabled(const IrGuestInfo *gi)
{
    return gi->n_gprs != 0 && gi->gpr_offset + 8ull * gi->n_gprs <= (uint64_t)INT32_MAX - 64;
}

unsigned x64_n_pins(const IrGuestInfo *gi)
{
    unsigned n = 0;
    if (x64_pin_enabled(gi))
        for (unsigned i = 0; i < X64_N_PINS; i++)
            n += x64_pins[i].guest < gi->n_gprs;
    return n;
}

bool x64_pin_is_reg(const IrGuestInfo *gi, unsigned r)
{
    if (!x64_pin_enabled(gi))
        return false;
    for (unsigned i = 0; i < X64_N_PINS; i++)
        if (x64_pins[i].guest < gi->n_gprs && x64_pins[i].host == r)
            return true;
    return false;
}

unsigned x64_pinned(const IrGuestInfo *gi, BackendKeep *out)
{
    unsigned n = 0;
    if (!x64_pin_enabled(gi))
        return 0;
    for (unsigned i = 0; i < X64_N_PINS; i++)
        if (x64_pins[i].guest < gi->n_gprs)
            out[n++] = (BackendKeep){ gi->gpr_offset + 8 * x64_pins[i].guest, 8,
                                      BACKEND_LOC_GPR, x64_pins[i].host, 0 };
    return n;
}

void x64_pin_sync(X64Emit *e, const IrGuestInfo *gi, unsigned mask, bool load)
{
    if (!x64_pin_enabled(gi))
        return;
    for (unsigned i = 0; i < X64_N_PINS; i++) {
        if (x64_pins[i].guest >= gi->n_gprs || !(mask >> i & 1))
            continue;
        X64Rm m = x64_m(X64_REG_STATE, (int32_t)(gi->gpr_offset + 8 * x64_pins[i].guest));
        if (load)
            x64_mov_rx(e, 8, x64_pins[i].host, m);
        else
            x64_mov_xr(e, 8, m, x64_pins[i].host);
    }
}

int x64_pin_field(const IrGuestInfo *gi, int64_t off, unsigned size)
{
    if (!x64_pin_enabled(gi) || off + size <= gi->gpr_offset ||
        off >= gi->gpr_offset + 8ll * gi->n_gprs)
        return -1;
    int64_t rel = off - gi->gpr_offset;
    bool inside = rel >= 0 && rel % 8 == 0 && size <= 8;
    if (inside && size) {  /* within field rel / 8 alone: its pin, if any (the common case) */
        for (unsigned i = 0; i < X64_N_PINS; i++)
            if (x64_pins[i].guest == rel / 8)
                return x64_pins[i].host;
        return -1;
    }
    int r = -1;
    for (unsigned i = 0; i < X64_N_PINS; i++) {
        int64_t f = gi->gpr_offset + 8ll * x64_pins[i].guest;
        if (x64_pins[i].guest >= gi->n_gprs || off >= f + 8 || off + size <= f)
            continue;
        r = inside ? x64_pins[i].host : -2;
    }
    return r;
}

unsigned x64_pin_overlap(const IrGuestInfo *gi, int64_t off, unsigned size)
{
    unsigned m = 0;
    if (!x64_pin_enabled(gi))
        return 0;
    for (unsigned i = 0; i < X64_N_PINS; i++) {
        int64_t f = gi->gpr_offset + 8ll * x64_pins[i].guest;
        if (x64_pins[i].guest < gi->n_gprs && off < f + 8 && off + size > f)
            m |= 1u << i;
    }
    return m;
}

int x64_pin_of_field(const IrGuestInfo *gi, int64_t off)
{
    int r = x64_pin_field(gi, off, 8);
    return r >= 0 ? r : -1;
}

/* ---------------------------------------------------------------- aliases */

/* State offset of the field pinned to host register r. */
static uint32_t pin_field_of(const IrGuestInfo *gi, unsigned r)
{
    for (unsigned i = 0; i < X64_N_PINS; i++)
        if (x64_pins[i].host == r)
            return gi->gpr_offset + 8 * x64_pins[i].guest;
    return 0;
}

void cg_pin_evict(CgCtx *c, int reg, uint32_t from)
{
    for (unsigned i = 0; i < c->n_aliases;) {
        IrRef r = c->aliases[i];
        CgVal *v = &c->val[r];
        if (!v->alias || v->released || v->last_use < c->cur) {
            c->aliases[i] = c->aliases[--c->n_aliases];     /* dead or moved: forget it */
            continue;
        }
        if ((reg >= 0 && v->reg != reg) || v->last_use < from) {
            i++;
            continue;
        }
        unsigned src = (unsigned)v->reg;
        v->alias = false;
        v->reg = -1;
        for (unsigned k = 0; k < X64_N_ALLOC_GPRS; k++) {
            unsigned g = x64_alloc_gprs[k];
            if ((c->gpr_avail >> g & 1) && !c->gpr_owner[g]) {
                v->reg = (int8_t)g;
                c->gpr_owner[g] = r;
                x64_mov_rr(&c->e, 8, g, src);
                break;
            }
        }
        if (v->reg < 0) {
            v->slot = (int16_t)cg_slot_alloc(c, 1);
            x64_mov_xr(&c->e, 8, slot_mem(v->slot), src);
        }
        c->aliases[i] = c->aliases[--c->n_aliases];
    }
}

int cg_pin_put_target(CgCtx *c)
{
    IrRef r = c->cur;
    if (!c->regalloc || c->n_aliases >= 64 || r + 1 >= c->blk->n)
        return -1;
    const IrInsn *put = &c->blk->insn[r + 1];
    IrRef v = r;
    if (c->blk->insn[r].type == IR_I32 && put->op == IR_ZEXT && put->type == IR_I64 &&
        put->arg[0] == r && c->val[r].last_use == r + 1 && r + 2 < c->blk->n) {
        /* a 32-bit result (zero-extended by the host), its ZEXT and the PUT of that: computed
         * in the register, the ZEXT's copy is none (its own target is the register too) */
        v = r + 1;
        put = &c->blk->insn[r + 2];
    } else if (c->blk->insn[r].type != IR_I64) {
        return -1;
    }
    if (put->op != IR_PUT || put->arg[0] != v)
        return -1;
    int p = x64_pin_field(c->gi, put->imm[0], 8);
    if (p < 0)
        return -1;
    /* Between this instruction and the PUT nothing runs, so the only readers of the
     * register's old value are aliases of it: those that die here have been read by now
     * (or are read by this instruction, which handles a result register that is also an
     * operand's, as for any dying operand). */
    for (unsigned i = 0; i < c->n_aliases; i++) {
        const CgVal *v = &c->val[c->aliases[i]];
        if (v->alias && !v->released && v->reg == p && v->last_use > r)
            return -1;
    }
    return p;
}

/* ---------------------------------------------------------------- keep lists */

/* The pinned register keep k writes as a whole (a move into it), or -1. Keep lists hold no
 * other kind of write to pinned bytes (CgVal.put_now). */
static int direct_dst(const CgCtx *c, const BackendKeep *k)
{
    int p = x64_pin_field(c->gi, k->off, k->size);
    return p >= 0 && k->size == 8 && k->kind != BACKEND_LOC_VEC ? p : -1;
}

void cg_store_keeps(CgCtx *c, const BackendKeep *keeps, unsigned n, const uint8_t *limit)
{
    uint32_t written = 0, saved = 0;
    for (unsigned i = 0; i < n; i++) {
        int p = direct_dst(c, &keeps[i]);
        if (p >= 0)
            written |= 1u << p;
    }
    for (unsigned i = 0; i < n && written; i++)
        if (keeps[i].kind == BACKEND_LOC_GPR && (written >> keeps[i].reg & 1) &&
            direct_dst(c, &keeps[i]) != (int)keeps[i].reg)
            saved |= 1u << keeps[i].reg;
    for (unsigned r = 0; saved >> r; r++)
        if (saved >> r & 1)
            x64_mov_xr(&c->e, 8, x64_m(X64_REG_STATE, (int32_t)pin_field_of(c->gi, r)), r);
    for (unsigned i = 0; i < n; i++) {
        if (limit && c->e.p > limit) {
            fail(c, BE_ERR_FULL);
            return;
        }
        BackendKeep k = keeps[i];
        if (k.kind == BACKEND_LOC_GPR && (saved >> k.reg & 1)) {
            k.kind = BACKEND_LOC_STATE;     /* the copy made above */
            k.reg = (uint16_t)pin_field_of(c->gi, k.reg);
        }
        cg_store_keep(c, &k);
    }
}
