/* codegen_pin.c — the guest GPRs pinned to host registers (DESIGN.md section 3, regs.h).
 *
 * Contract (ir/backend.h, "Pinned registers"): while generated code runs, guest GPR i
 * (IrGuestInfo's n_gprs 8-byte fields from gpr_offset) is in a64_pin_gprs[i], never in the
 * state: the trampoline loads them all after it sets x28, its epilogue stores them all before
 * anything else (every exit to the runtime `ret`s there), chained exits and jump-cache jumps
 * keep them, and a CALL stores them before its helper runs and reloads them after (only the
 * caller-saved ones after a helper that only reads the state; it stores only those written
 * since the block's previous CALL, CgCtx.pin_synced). So inside generated code the state's
 * GPR bytes are dead outside CALLs: this file uses them as scratch where a list of keep
 * stores must read a register that the same list writes (after clearing pin_synced for the
 * registers the list writes). At a fault the handler copies the pinned
 * registers from the signal context into the state before the fault point's keeps
 * (runtime/fault.c, a64_pinned).
 *
 * In the IR a pinned field is still read and written with GET/PUT/KEEP:
 *   - a GET of a whole field is an alias of its register (CgVal.alias: no code, no home);
 *     a GET of part of one is a UBFX into the result's home;
 *   - a PUT writes the register (a move, or a BFI for part of it); KEEP stores the same way;
 *   - before anything writes a pinned register, each alias of it that is still needed moves
 *     to a home of its own (cg_pin_evict), so aliases always hold what the GET read;
 *   - a GET/PUT/KEEP that overlaps pinned fields without being an integer access inside one
 *     (the frontend emits none: vectors, floats, spans; the backend tests do) goes through
 *     the state: the registers it overlaps are stored there first (the bytes are dead, so
 *     that is always allowed), the access is the usual one, and after a write those
 *     registers are loaded back (their aliases still needed moved out first).
 * Precise faults need nothing more: PUTs reach the registers in IR order, and a fault point's
 * keeps name the register an alias lives in, or the pinned register of an in_state field.
 */
#include <assert.h>

#include "codegen.h"

#define RES_GPR A64_TMP0        /* x16, as in codegen.c */
#define OPA_GPR A64_X15

/* ---------------------------------------------------------------- the set and the contract */

bool a64_pin_enabled(const IrGuestInfo *gi)
{
    /* LDP/STP reach 504 bytes, LDR/STR 32760: the trampoline and CALLs sync with those */
    return gi->n_gprs != 0 && gi->n_gprs <= A64_MAX_PINS && gi->gpr_offset % 8 == 0 &&
           gi->gpr_offset + 8 * gi->n_gprs <= 32760 &&
           gi->gpr_offset + 8 * gi->n_gprs <= gi->state_size;
}

unsigned a64_pinned(const IrGuestInfo *gi, BackendKeep *out)
{
    if (!a64_pin_enabled(gi))
        return 0;
    for (unsigned i = 0; i < gi->n_gprs; i++)
        out[i] = (BackendKeep){ gi->gpr_offset + 8 * i, 8, BACKEND_LOC_GPR,
                                (uint16_t)a64_pin_gprs[i], 0 };
    return gi->n_gprs;
}

void a64_pin_sync(A64Emit *e, const IrGuestInfo *gi, uint32_t mask, bool load)
{
    if (!a64_pin_enabled(gi))
        return;
    for (unsigned i = 0; i < gi->n_gprs; i++) {
        if (!(mask >> i & 1))
            continue;
        uint32_t off = gi->gpr_offset + 8 * i;
        if (i % 2 == 0 && i + 1 < gi->n_gprs && (mask >> (i + 1) & 1) && off <= 504 &&
            a64_pin_gprs[i + 1] == a64_pin_gprs[i] + 1) {
            a64_ldstp(e, load ? A64_LDP_X : A64_STP_X, a64_pin_gprs[i], a64_pin_gprs[i + 1],
                      A64_REG_STATE, (int32_t)off);
            i++;
            continue;
        }
        a64_ldst_uoff(e, load ? A64_LDRX : A64_STRX, a64_pin_gprs[i], A64_REG_STATE,
                      (int)(off / 8));
    }
}

int cg_pin_reg(const CgCtx *c, int64_t off, unsigned size, unsigned *lsb)
{
    if (!c->pin || off + size <= c->pin_lo || off >= c->pin_hi)
        return -1;
    int64_t rel = off - c->pin_lo;
    if (rel < 0 || rel / 8 != (rel + size - 1) / 8)
        return -2;
    *lsb = (unsigned)(rel % 8) * 8;
    return a64_pin_gprs[rel / 8];
}

void cg_pin_written(CgCtx *c, uint32_t regs)
{
    for (unsigned i = 0; c->pin && i < c->gi->n_gprs; i++)
        if (regs >> a64_pin_gprs[i] & 1)
            c->pin_synced &= ~(1u << i);
}

bool cg_pin_is_reg(const CgCtx *c, unsigned r)
{
    for (unsigned i = 0; c->pin && i < c->gi->n_gprs; i++)
        if ((unsigned)a64_pin_gprs[i] == r)
            return true;
    return false;
}

uint32_t cg_pin_overlap(const CgCtx *c, int64_t off, unsigned size)
{
    uint32_t m = 0;
    for (unsigned i = 0; c->pin && i < c->gi->n_gprs; i++) {
        int64_t f = c->pin_lo + 8 * (int64_t)i;
        if (off < f + 8 && off + size > f)
            m |= 1u << i;
    }
    return m;
}

void cg_pin_spill(CgCtx *c, uint32_t mask)
{
    a64_pin_sync(&c->e, c->gi, mask, false);
}

void cg_pin_reload(CgCtx *c, uint32_t mask)
{
    for (unsigned i = 0; i < c->gi->n_gprs; i++)
        if (mask >> i & 1)
            cg_pin_evict(c, a64_pin_gprs[i], IR_NONE);
    a64_pin_sync(&c->e, c->gi, mask, true);
}

/* State offset of the field pinned to register r. */
static uint32_t pin_field(const CgCtx *c, unsigned r)
{
    for (unsigned i = 0; i < c->gi->n_gprs; i++)
        if ((unsigned)a64_pin_gprs[i] == r)
            return c->pin_lo + 8 * i;
    assert(0 && "not a pinned register");
    return 0;
}

/* ---------------------------------------------------------------- aliases */

/* Move every alias of `reg` (every pinned register: reg < 0) other than `except` whose last
 * use is at or after `from` to a home of its own. */
static void evict(CgCtx *c, int reg, IrRef except, uint32_t from)
{
    for (IrRef r = 1; r < c->cur; r++) {
        CgVal *v = &c->val[r];
        if (!v->alias || v->released || (reg >= 0 && v->reg != reg) || r == except ||
            v->last_use < from)
            continue;
        unsigned src = (unsigned)v->reg;
        v->alias = false;
        int g = cg_free_gpr(c);
        if (g >= 0) {
            a64_mov_rr(&c->e, true, (unsigned)g, src);
            v->reg = (int8_t)g;
            c->gpr_owner[g] = r;
        } else {
            v->reg = -1;
            v->slot = (int16_t)cg_slot_alloc(c, 1);
            cg_spill(c, false, src, v->slot, false);
        }
    }
}

void cg_pin_evict(CgCtx *c, unsigned reg, IrRef except) { evict(c, (int)reg, except, c->cur); }

void cg_pin_evict_call(CgCtx *c) { evict(c, -1, IR_NONE, c->cur + 1); }

void cg_pin_evict_after(CgCtx *c, unsigned reg) { evict(c, (int)reg, IR_NONE, c->cur + 1); }

/* ---------------------------------------------------------------- GET and PUT */

void cg_pin_get(CgCtx *c, const IrInsn *in, unsigned r, unsigned lsb)
{
    unsigned bits = 8 * ir_type_size((IrType)in->type);
    CgVal *v = &c->val[c->cur];
    if (bits == 64 || (lsb == 0 && v->lowpart)) {
        /* the register itself; for a low part its readers use only those bits (lowpart) */
        cg_release_args(c);
        assert(v->reg < 0 && v->slot < 0);
        v->alias = true;
        v->reg = (int8_t)r;
        return;
    }
    unsigned d = cg_dst_gpr(c, IR_NONE, IR_NONE);
    if (lsb == 0 && bits == 32)
        a64_mov_rr(&c->e, false, d, r);             /* mov wd, wr: zero-extends */
    else
        a64_ubfx(&c->e, lsb + bits > 32, d, r, lsb, bits);
    cg_def_gpr(c, d);
}

/* Write the low `bits` of GPR src into pinned register r at bit lsb. */
static void pin_insert(CgCtx *c, unsigned r, unsigned src, unsigned lsb, unsigned bits)
{
    if (bits == 64)
        a64_mov_rr(&c->e, true, r, src);
    else    /* bfi xr, xsrc, #lsb, #bits */
        a64_bfm(&c->e, A64_BFM, true, r, src, (64 - lsb) % 64, bits - 1);
}

void cg_pin_put(CgCtx *c, const IrInsn *in, unsigned r, unsigned lsb)
{
    IrRef a = in->arg[0];
    unsigned bits = 8 * ir_type_size((IrType)c->blk->insn[a].type);
    const CgVal *av = &c->val[a];
    if (bits == 64 && av->alias && (unsigned)av->reg == r)
        return;                                     /* what the register holds */
    cg_pin_evict(c, r, a);
    cg_pin_written(c, 1u << r);
    if (bits == 64) {
        cg_load_gpr(c, r, a);
        return;
    }
    pin_insert(c, r, cg_gpr(c, a, OPA_GPR), lsb, bits);
}

/* ---------------------------------------------------------------- keep lists */

/* Keep k's value into GPR dst (64 bits; x17 may be used for the addend). */
static void keep_to_gpr(CgCtx *c, const BackendKeep *k, unsigned dst)
{
    switch (k->kind) {
    case BACKEND_LOC_CONST:
        cg_mov_imm(c, dst, (uint64_t)k->value, false);
        return;
    case BACKEND_LOC_GPR:
        if (k->value == 0) {
            if (k->reg != dst)
                a64_mov_rr(&c->e, true, dst, k->reg);
            return;
        }
        break;
    case BACKEND_LOC_VEC:
        a64_fmov_gv(&c->e, A64_FMOV_XD, dst, k->reg);    /* fmov xd, dn */
        return;
    default:        /* a slot or a state field: 8 bytes there */
        cg_ldst(c, A64_LDRX, dst, k->kind == BACKEND_LOC_STATE ? A64_REG_STATE : A64_SP,
                k->reg);
        if (k->value == 0)
            return;
        break;
    }
    /* dst = (register) + addend */
    unsigned src = k->kind == BACKEND_LOC_GPR ? k->reg : dst;
    int f = a64_addsub_imm((uint64_t)k->value);
    if (f >= 0) {
        a64_addsub_ri(&c->e, A64_ADD_I, true, dst, src, f);
        return;
    }
    f = a64_addsub_imm(-(uint64_t)k->value);
    if (f >= 0) {
        a64_addsub_ri(&c->e, A64_SUB_I, true, dst, src, f);
        return;
    }
    a64_mov_imm(&c->e, A64_TMP1, (uint64_t)k->value);
    a64_alu_rrr(&c->e, A64_ADD_R, true, dst, src, A64_TMP1, A64_LSL, 0);
}

/* Whether keep k goes through the state (overlaps pinned fields without being an integer
 * inside one field). */
static bool keep_odd(const CgCtx *c, const BackendKeep *k)
{
    unsigned lsb;
    int p = cg_pin_reg(c, k->off, k->size, &lsb);
    return p == -2 || (p >= 0 && k->kind == BACKEND_LOC_VEC && k->size < 8);
}

/* Guest GPR mask -> pinned host register mask. */
static uint32_t host_mask(const CgCtx *c, uint32_t gprs)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < c->gi->n_gprs; i++)
        if (gprs >> i & 1)
            m |= 1u << a64_pin_gprs[i];
    return m;
}

uint32_t cg_keeps_write(const CgCtx *c, const BackendKeep *keeps, unsigned n)
{
    uint32_t m = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned lsb;
        if (keep_odd(c, &keeps[i]))
            m |= host_mask(c, cg_pin_overlap(c, keeps[i].off, keeps[i].size));
        else if (cg_pin_reg(c, keeps[i].off, keeps[i].size, &lsb) >= 0)
            m |= 1u << cg_pin_reg(c, keeps[i].off, keeps[i].size, &lsb);
    }
    return m;
}

/* Pending keeps never overlap one another (a KEEP overlapping a pending one ends its range),
 * so a pinned register is written by one keep of the list at most: directly (an integer
 * inside its field), or through the state (odd keeps). In order:
 *   1. the registers odd keeps overlap, and those keeps reading the state overlap, into the
 *      state (so the state holds them there), and each directly written register that a
 *      keep reads (LOC_GPR) too: that keep reads the saved copy instead;
 *   2. the other keeps: a move or BFI into a pinned register, or the usual store;
 *   3. the odd keeps' stores, then their registers back from the state. */
void cg_store_keeps(CgCtx *c, const BackendKeep *keeps, unsigned n)
{
    uint32_t direct = 0, odd = 0, via_state = 0;    /* host register masks */
    cg_pin_written(c, cg_keeps_write(c, keeps, n));
    for (unsigned i = 0; i < n; i++) {
        unsigned lsb;
        int p = cg_pin_reg(c, keeps[i].off, keeps[i].size, &lsb);
        if (keep_odd(c, &keeps[i]))
            odd |= host_mask(c, cg_pin_overlap(c, keeps[i].off, keeps[i].size));
        else if (p >= 0)
            direct |= 1u << p;
        if (keeps[i].kind == BACKEND_LOC_STATE)
            via_state |= host_mask(c, cg_pin_overlap(c, keeps[i].reg, 8));
    }
    /* a keep that reads only the register it writes needs no copy (x = x + k) */
    uint32_t saved = odd | via_state, self = 0;
    for (unsigned i = 0; i < n; i++) {
        unsigned lsb;
        if (keeps[i].kind != BACKEND_LOC_GPR || !(direct >> keeps[i].reg & 1))
            continue;
        if (!keep_odd(c, &keeps[i]) &&
            cg_pin_reg(c, keeps[i].off, keeps[i].size, &lsb) == (int)keeps[i].reg)
            self |= 1u << keeps[i].reg;
        else
            saved |= 1u << keeps[i].reg;
    }
    for (unsigned r = 0; r < 32; r++)
        if (saved >> r & 1)
            cg_ldst(c, A64_STRX, r, A64_REG_STATE, pin_field(c, r));
    for (int pass = 0; pass < 2; pass++) {
        for (unsigned i = 0; i < n; i++) {
            BackendKeep k = keeps[i];
            if (keep_odd(c, &k) != (pass == 1))
                continue;
            if (k.kind == BACKEND_LOC_GPR && (saved >> k.reg & 1) && (direct >> k.reg & 1)) {
                k.kind = BACKEND_LOC_STATE;             /* the copy saved above */
                k.reg = (uint16_t)pin_field(c, k.reg);
            }
            unsigned lsb;
            int p = cg_pin_reg(c, k.off, k.size, &lsb);
            if (pass == 1 || p < 0) {
                cg_store_keep(c, &k);
                continue;
            }
            if (k.size == 8) {
                keep_to_gpr(c, &k, (unsigned)p);
                continue;
            }
            unsigned src = RES_GPR;
            if (k.kind == BACKEND_LOC_GPR && k.value == 0)
                src = k.reg;
            else if (k.kind == BACKEND_LOC_CONST &&
                     ((uint64_t)k.value & ((1ull << 8 * k.size) - 1)) == 0)
                src = A64_ZR;
            else
                keep_to_gpr(c, &k, RES_GPR);
            pin_insert(c, (unsigned)p, src, lsb, 8 * k.size);
        }
    }
    for (unsigned r = 0; r < 32; r++)
        if (odd >> r & 1)
            cg_ldst(c, A64_LDRX, r, A64_REG_STATE, pin_field(c, r));
}
