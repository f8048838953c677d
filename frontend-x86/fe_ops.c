/* fe_ops.c — operand access and block exits for the x86 translators (fe_internal.h).
 *
 * Registers: each GPR is one 8-byte field of X86State; narrower reads and writes are GET/PUT
 * of that width at the field's offset (little-endian, so the low bytes come first), AH..BH at
 * offset + 1. x86's write rules are applied here, once: a 32-bit write zero-extends into the
 * whole register, 8- and 16-bit writes merge (a partial PUT leaves the other bytes alone).
 *
 * Memory operands: the effective address is computed in I64 and wrapped to 32 bits under the
 * 67 prefix; FS/GS overrides add the segment base from the state (CS/DS/ES/SS have base 0 in
 * 64-bit mode). RIP-relative addresses are constants: the instruction's own next pc is known.
 *
 * Exits: every way out of a block first writes the lazy flag producer to the state
 * (fe_flush_flags), so the next block, a helper or the runtime sees the flags.
 */
#include "frontend-x86/fe_internal.h"

#define FE_PAGE_SIZE 4096ull

/* ---------------------------------------------------------------- registers */

/* AH, CH, DH, BH: byte registers 4-7 when the instruction has no REX prefix. */
static bool is_high_byte(const FeCtx *c, int reg, unsigned size)
{
    return size == 1 && reg >= 4 && reg < 8 && !(c->insn && c->insn->rex);
}

IrRef fe_get_gpr(FeCtx *c, int reg, unsigned size)
{
    if (is_high_byte(c, reg, size))
        return ir_get(&c->b, IR_I8, X86_OFF_GPR(reg - 4) + 1);
    return ir_get(&c->b, fe_type(size), X86_OFF_GPR(reg));
}

void fe_put_gpr(FeCtx *c, int reg, unsigned size, IrRef v)
{
    if (is_high_byte(c, reg, size)) {
        ir_put(&c->b, X86_OFF_GPR(reg - 4) + 1, v);
        return;
    }
    if (size == 4)
        v = ir_op1(&c->b, IR_ZEXT, IR_I64, v);
    ir_put(&c->b, X86_OFF_GPR(reg), v);
}

/* ---------------------------------------------------------------- memory operands */

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }

IrRef fe_addr_size(FeCtx *c, IrRef a)
{
    if (c->insn->addrsize == 8)
        return a;
    uint64_t mask = c->insn->addrsize == 2 ? 0xffffull : 0xffffffffull;
    return ir_op2(&c->b, IR_AND, IR_I64, a, k64(c, mask));
}

/* FS and GS add their bases (from the MSRs, or from the descriptor in 32-bit mode, where the
 * sum wraps at 4 GiB); the other segments have base 0 (in 32-bit mode the machine refuses
 * a segment with another base, machine_seg.c). */
IrRef fe_seg_linear(FeCtx *c, IrRef offset)
{
    uint32_t off;
    switch (c->insn->seg) {
    case X86_SEG_FS: off = X86_OFF_FS_BASE; break;
    case X86_SEG_GS: off = X86_OFF_GS_BASE; break;
    default:         return offset;
    }
    IrRef a = ir_op2(&c->b, IR_ADD, IR_I64, offset, ir_get(&c->b, IR_I64, off));
    return c->mode32 ? ir_op2(&c->b, IR_AND, IR_I64, a, k64(c, 0xffffffffull)) : a;
}

IrRef fe_ea_offset(FeCtx *c, IrRef rsp)
{
    const X86Insn *in = c->insn;
    IrRef addr;
    if (in->base == X86_REG_RIP) {
        addr = k64(c, c->next_pc + (uint64_t)(int64_t)in->disp);
    } else {
        addr = k64(c, (uint64_t)(int64_t)in->disp);
        if (in->base != X86_REG_NONE) {
            IrRef base = in->base == X86_RSP && rsp ? rsp : fe_get_gpr(c, in->base, 8);
            addr = ir_op2(&c->b, IR_ADD, IR_I64, base, addr);
        }
        if (in->index != X86_REG_NONE) {
            IrRef idx = fe_get_gpr(c, in->index, 8);
            unsigned sh = in->scale == 8 ? 3 : in->scale == 4 ? 2 : in->scale == 2 ? 1 : 0;
            idx = ir_op2(&c->b, IR_SHL, IR_I64, idx, k64(c, sh));
            addr = ir_op2(&c->b, IR_ADD, IR_I64, addr, idx);
        }
    }
    return fe_addr_size(c, addr);
}

IrRef fe_ea(FeCtx *c) { return fe_seg_linear(c, fe_ea_offset(c, IR_NONE)); }

/* ---------------------------------------------------------------- system mode: the MMU */

/* Leave at the start of this instruction when cond holds, with exit word `word` (a trap of
 * frontend.h "System mode"), the state as the instruction found it: the flags it started
 * with and the instructions before it charged to icount are KEEPs, which only the taken exit
 * stores (the fall-through overwrites them later), so the probe costs no stores. */
void fe_exit_restart(FeCtx *c, IrRef cond, int64_t word)
{
    fe_flags_keep_start(c);
    IrRef done = ir_op2(&c->b, IR_ADD, IR_I64, c->icount0, k64(c, c->insns - 1));
    ir_emit(&c->b, IR_KEEP, IR_VOID, done, IR_NONE, IR_NONE, X86_OFF_SYS(icount), 0);
    ir_exit_if(&c->b, cond, c->pc, word);
}

/* The inline TLB probe: the entry for va's page in the TLB of the current privilege level
 * must hold va's page for this kind of access, and the access must not leave the page (its
 * last byte's page is what is compared); then physical = va + addend. Anything else leaves
 * with FE_SYS_TLB_MISS, and the runtime runs the instruction through the slow path. */
static IrRef mmu_fast(FeCtx *c, IrRef va, unsigned size, bool write)
{
    IrRef tlb = ir_get(&c->b, IR_I64, X86_OFF_SYS(mmu_tlb));
    /* entry offset = ((va >> 12) & (size - 1)) * 32, as one shift and one mask */
    IrRef shifted = ir_op2(&c->b, IR_SHR, IR_I64, va, k64(c, 12 - 5));
    IrRef off = ir_op2(&c->b, IR_AND, IR_I64, shifted, k64(c, (uint64_t)(X86_TLB_SIZE - 1) << 5));
    IrRef ent = ir_op2(&c->b, IR_ADD, IR_I64, tlb, off);
    IrRef last = ir_op2(&c->b, IR_ADD, IR_I64, va, k64(c, size - 1));
    IrRef want = ir_op2(&c->b, IR_AND, IR_I64, last, k64(c, ~(uint64_t)(FE_PAGE_SIZE - 1)));
    IrRef tag_at = ir_op2(&c->b, IR_ADD, IR_I64, ent,
                          k64(c, write ? X86_TLB_OFF_WRITE : X86_TLB_OFF_READ));
    IrRef tag = ir_emit(&c->b, IR_HLOAD, IR_I64, tag_at, IR_NONE, IR_NONE, 0, 0);
    fe_exit_restart(c, ir_cmp(&c->b, IR_NE, tag, want), FE_SYS_TRAP(FE_SYS_TLB_MISS));
    IrRef add_at = ir_op2(&c->b, IR_ADD, IR_I64, ent, k64(c, X86_TLB_OFF_ADDEND));
    IrRef addend = ir_emit(&c->b, IR_HLOAD, IR_I64, add_at, IR_NONE, IR_NONE, 0, 0);
    return ir_op2(&c->b, IR_ADD, IR_I64, va, addend);
}

/* The slow path (FeOptions.mmu_slow): the runtime walks the page tables, checks, fills the
 * TLB and answers with the physical address (or a bounce buffer's), or raises the fault. The
 * helper reads no flags, so none are stored for it. */
static IrRef mmu_slow(FeCtx *c, IrRef va, unsigned size, bool write)
{
    c->cc_fault.known = false;      /* a CALL ends the ranges of FKEEPs */
    IrRef kind = k64(c, size | (write ? FE_MMU_WRITE : FE_MMU_READ));
    IrRef pa = ir_call(&c->b, IR_I64, c->opt->mmu_xlate, va, kind, IR_NONE);
    fe_exit_restart(c, ir_cmp(&c->b, IR_EQ, pa, k64(c, FE_MMU_FAULT)), FE_SYS_TRAP(FE_SYS_EXC));
    return pa;
}

/* The address a LOAD/STORE uses for the guest access at va: va itself in user mode; in
 * system mode the physical address, through the MMU. */
static IrRef guest_phys(FeCtx *c, IrRef va, unsigned size, bool write)
{
    if (!c->system)
        return va;
    return c->opt->mmu_slow ? mmu_slow(c, va, size, write) : mmu_fast(c, va, size, write);
}

/* Every guest load and store goes through these two, so that a fault finds X86State exact
 * (ir/ir.h, "Precise faults"): the flags of the earlier instructions are written first. */
IrRef fe_load(FeCtx *c, IrType t, IrRef addr)
{
    fe_flags_before_access(c);
    addr = guest_phys(c, addr, ir_type_size(t), false);
    IrRef v = ir_load(&c->b, t, addr);
    fe_lock_load(c, addr, v);
    return v;
}

void fe_store(FeCtx *c, IrRef addr, IrRef v)
{
    fe_flags_before_access(c);
    addr = guest_phys(c, addr, ir_type_size(ir_value_type(c->b.blk, v)), true);
    if (!fe_lock_store(c, addr, v))
        ir_store(&c->b, addr, v);
    if (c->system && c->opt->mmu_slow)
        ir_call(&c->b, IR_VOID, c->opt->mmu_finish, IR_NONE, IR_NONE, IR_NONE);
}

IrRef fe_load_rm(FeCtx *c, unsigned size)
{
    if (c->insn->mod == 3)
        return fe_get_gpr(c, c->insn->rm, size);
    return fe_load(c, fe_type(size), fe_ea(c));
}

void fe_store_rm(FeCtx *c, unsigned size, IrRef v)
{
    if (c->insn->mod == 3)
        fe_put_gpr(c, c->insn->rm, size, v);
    else
        fe_store(c, fe_ea(c), v);
}

IrRef fe_load_reg(FeCtx *c, unsigned size) { return fe_get_gpr(c, c->insn->reg, size); }
void fe_store_reg(FeCtx *c, unsigned size, IrRef v) { fe_put_gpr(c, c->insn->reg, size, v); }

/* ---------------------------------------------------------------- the stack */

IrRef fe_get_sp(FeCtx *c)
{
    if (!c->mode32)
        return fe_get_gpr(c, X86_RSP, 8);
    return ir_op1(&c->b, IR_ZEXT, IR_I64, fe_get_gpr(c, X86_RSP, 4));
}

void fe_put_sp(FeCtx *c, IrRef sp)
{
    if (!c->mode32)
        fe_put_gpr(c, X86_RSP, 8, sp);
    else
        fe_put_gpr(c, X86_RSP, 4, ir_op1(&c->b, IR_TRUNC, IR_I32, sp));
}

IrRef fe_sp_add(FeCtx *c, IrRef sp, int64_t delta)
{
    IrRef v = ir_op2(&c->b, IR_ADD, IR_I64, sp, k64(c, (uint64_t)delta));
    return c->mode32 ? ir_op2(&c->b, IR_AND, IR_I64, v, k64(c, 0xffffffffull)) : v;
}

unsigned fe_near_size(const FeCtx *c)
{
    return c->mode32 ? c->insn->opsize : 8;
}

void fe_push(FeCtx *c, IrRef v)
{
    unsigned size = ir_type_size(ir_value_type(c->b.blk, v));
    IrRef sp = fe_sp_add(c, fe_get_sp(c), -(int64_t)size);
    fe_store(c, sp, v);
    fe_put_sp(c, sp);
}

IrRef fe_pop_load(FeCtx *c, unsigned size, IrRef *new_sp)
{
    IrRef sp = fe_get_sp(c);
    IrRef v = fe_load(c, fe_type(size), sp);
    *new_sp = fe_sp_add(c, sp, size);
    return v;
}

/* ---------------------------------------------------------------- helpers */

IrRef fe_call(FeCtx *c, IrHelperFn fn, IrRef a0, IrRef a1, IrRef a2)
{
    fe_flush_flags(c);
    c->cc_fault.known = false;      /* a CALL ends the ranges of FKEEPs */
    return ir_call(&c->b, IR_I64, fn, a0, a1, a2);
}

IrRef fe_call_mem(FeCtx *c, IrHelperFn fn, IrRef a0, IrRef a1, IrRef a2)
{
    ir_put(&c->b, X86_OFF_HELPER_PC, ir_const(&c->b, IR_I64, c->pc));
    if (c->system)      /* a #PF from the helper leaves here: icount exact too */
        ir_put(&c->b, X86_OFF_SYS(icount), ir_op2(&c->b, IR_ADD, IR_I64, c->icount0,
                                                 k64(c, c->insns - 1)));
    IrRef r = fe_call(c, fn, a0, a1, a2);
    ir_put(&c->b, X86_OFF_HELPER_PC, ir_const(&c->b, IR_I64, 0));
    return r;
}

/* ---------------------------------------------------------------- exits */

void fe_charge(FeCtx *c)
{
    if (c->system)
        ir_put(&c->b, X86_OFF_SYS(icount),
               ir_op2(&c->b, IR_ADD, IR_I64, c->icount0, k64(c, c->insns)));
}

/* A direct exit stores the flags unless its successor overwrites them unread. */
static void flush_for(FeCtx *c, uint64_t target)
{
    if (c->cc.dirty && !fe_flags_dead_at(c, target))
        fe_flush_flags(c);
}

void fe_exit_jump(FeCtx *c, uint64_t target)
{
    flush_for(c, target);
    fe_charge(c);
    ir_exit(&c->b, IR_NONE, target, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    c->block_end = true;
}

void fe_exit_indirect(FeCtx *c, IrRef target)
{
    fe_flush_flags(c);
    fe_charge(c);
    ir_exit(&c->b, target, 0, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    c->block_end = true;
}

void fe_exit_return(FeCtx *c, IrRef target)
{
    fe_flush_flags(c);
    fe_charge(c);
    ir_exit(&c->b, target, IR_EXIT_HINT_RETURN, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    c->block_end = true;
}

void fe_return_site(FeCtx *c, uint64_t pc, IrRef sp)
{
    ir_emit(&c->b, IR_RETPUSH, IR_VOID, sp, IR_NONE, IR_NONE, (int64_t)pc,
            IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
}

void fe_exit_cond(FeCtx *c, IrRef cond, uint64_t target)
{
    flush_for(c, target);       /* if skipped, the flags stay dirty for the fall-through */
    fe_charge(c);
    ir_exit_if(&c->b, cond, target, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
}

void fe_exit_syscall(FeCtx *c)
{
    fe_flush_flags(c);
    fe_charge(c);
    ir_exit(&c->b, IR_NONE, c->next_pc, IR_EXIT_WORD(IR_EXIT_SYSCALL, 0, 0));
    c->block_end = true;
}

void fe_trap(FeCtx *c, int signo, int si_code)
{
    fe_flush_flags(c);
    fe_charge(c);
    ir_exit(&c->b, IR_NONE, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, signo, si_code));
    c->block_end = true;
}
