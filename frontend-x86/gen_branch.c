/* gen_branch.c — translation of near jumps, conditional jumps, calls, returns and the loop
 * family into IR. Every instruction here ends the block.
 *
 * Contract: fe_gen_branch(c) translates c->insn and returns true, or returns false without
 * emitting anything when the opcode is not one of its own.
 *
 * Coverage (64-bit mode):
 *   EB, E9          jmp rel8/rel32                  -> fe_exit_jump(target) (superblocks: a
 *                                                      forward one on the page goes on there)
 *   70-7F, 0F 80-8F jcc rel8/rel32                  -> side exit to target, then next_pc
 *                                                      (a forward one goes on there instead
 *                                                      of exiting, with superblocks)
 *   E8              call rel32                      push next_pc, return site, jump
 *   FF /2, FF /4    call/jmp r/m64                  -> fe_exit_indirect (call: return site)
 *   C3, C2 iw       ret, ret imm16                  pop rip, then rsp += imm16 -> fe_exit_return
 *   E0, E1, E2      loopne, loope, loop             rcx-- (ecx under 67) without flags, branch
 *   E3              jrcxz (jecxz under 67)
 *   FF /3, FF /5    far call/jmp through memory     trap (see gen_FAR)
 * A call's return site (IR RETPUSH) lets the backend push a return-stack entry so the RET
 * that returns there jumps straight to it (ir/backend.h, "Return stack").
 *
 * Guest-visible rules kept here:
 *  - near branches have a 64-bit operand size whatever the 66 prefix says: Intel ignores 66 on
 *    them in 64-bit mode (checked on hardware for jcc, jmp, call and ret/ret imm16; the
 *    decoder marks them X86F_FORCE64 and computes the rel32 target), so 66 changes nothing
 *    here. AMD would truncate rip to 16 bits instead; ferry presents an Intel CPU;
 *  - the prefixes that mean nothing on branches are ignored: F2 (MPX "bnd"), F3 ("rep ret"),
 *    2E/3E (branch hints, CET "notrack");
 *  - call r/m64 reads its target before pushing, since the operand may be addressed through
 *    rsp (call [rsp + 8]) or be rsp itself;
 *  - memory is written before rsp: a push that faults leaves rsp as it was, and a ret that
 *    faults on the load leaves it too, so the fault is precise;
 *  - loop/loope/loopne/jrcxz address-size 67 means the 32-bit counter ECX, and loop's write is
 *    a 32-bit register write (upper half of rcx zeroed, as hardware does); rcx = 0 before loop
 *    wraps to all ones and loops on, as on hardware.
 * No flags are read except by jcc/loope/loopne and none are written.
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"

/* ================================================================ small pieces */


/* The taken/not-taken pair that ends a block on condition `cond` (I8). */
static void branch_cond(FeCtx *c, IrRef cond)
{
    fe_exit_cond(c, cond, c->insn->target);
    fe_exit_jump(c, c->next_pc);
}

/* ================================================================ jumps and calls */

/* With FeOptions.superblocks, translation follows a forward jmp to a target on the block's
 * page instead of leaving: the join after an if's then-part ("then...; jmp join; else...;
 * join: ...") so that a loop body with an if/else is still one block from its head to its
 * back edge. The block's guest bytes then include the ones jumped over (frontend.c: its
 * length runs to the end of its last instruction), which only makes a write there
 * invalidate it too. Forward only, so translation always ends. */
static bool gen_JMP(FeCtx *c)
{
    uint64_t target = c->insn->target, page = c->b.blk->guest_pc & ~0xfffull;
    if (c->opt->superblocks && !c->system && !c->shadow && target > c->pc &&
        (target & ~0xfffull) == page) {
        c->next_pc = target;
        return true;
    }
    fe_exit_jump(c, target);
    return true;
}

/* jcc: 70-7F and 0F 80-8F, the condition in the low nibble.
 * With FeOptions.superblocks a forward jcc does not end the block: it is a side exit and
 * translation goes on at the fall-through. Compilers lay a loop body out as one run of code
 * from its head to the backward jcc that closes it, the ifs inside as forward jccs over their
 * bodies, with the likely path falling through; ending the block at each of them cut the body
 * into blocks that store and reload the guest registers and the flags at every boundary, and
 * kept the self-loop of backend-x86_64/loop.c from seeing the loop. A backward jcc still ends
 * the block (it closes a loop: what follows it runs once, and the loop's own block starts at
 * its head). The side exit keeps the state exact as any EXIT_IF does; the block's guest
 * bytes stay one contiguous run on one page (frontend.c). */
static bool gen_JCC(FeCtx *c)
{
    IrRef cond = fe_cond(c, c->insn->opcode & 15);
    if (c->opt->superblocks && !c->system && c->insn->target > c->pc && !c->shadow) {
        fe_exit_cond(c, cond, c->insn->target);
        return true;
    }
    branch_cond(c, cond);
    return true;
}

/* The return address call pushes (4 or 2 bytes in 32-bit mode). */
static IrRef return_address(FeCtx *c)
{
    return fe_imm(c, fe_near_size(c), c->next_pc);
}

/* A near target read from r/m, zero-extended (EIP, or IP with 66, in 32-bit mode). */
static IrRef near_target(FeCtx *c)
{
    unsigned size = fe_near_size(c);
    IrRef t = fe_load_rm(c, size);
    return size == 8 ? t : ir_op1(&c->b, IR_ZEXT, IR_I64, t);
}

static bool gen_CALL(FeCtx *c)
{
    IrRef sp = fe_get_sp(c);
    fe_push(c, return_address(c));
    fe_return_site(c, c->next_pc, sp);
    fe_exit_jump(c, c->insn->target);
    return true;
}

/* FF /2: the target is read (register or memory, with the old rsp) before the push. */
static bool gen_CALL_ind(FeCtx *c)
{
    IrRef target = near_target(c);
    IrRef sp = fe_get_sp(c);
    fe_push(c, return_address(c));
    fe_return_site(c, c->next_pc, sp);
    fe_exit_indirect(c, target);
    return true;
}

/* FF /4. */
static bool gen_JMP_ind(FeCtx *c)
{
    fe_exit_indirect(c, near_target(c));
    return true;
}

/* C3 and C2 iw: pop rip, then release imm16 more bytes (the immediate is unsigned; the
 * decoder hands it sign-extended). */
static bool gen_RET(FeCtx *c, uint64_t release)
{
    unsigned size = fe_near_size(c);
    IrRef sp = fe_get_sp(c);
    IrRef target = fe_load(c, fe_type(size), sp);
    if (size != 8)
        target = ir_op1(&c->b, IR_ZEXT, IR_I64, target);
    fe_put_sp(c, fe_sp_add(c, sp, (int64_t)(size + release)));
    fe_exit_return(c, target);
    return true;
}

/* FF /3 (call far m16:64) and FF /5 (jmp far m16:64). Not supported: a far transfer to the
 * 64-bit user code selector would work on hardware, but Linux programs never use one (the
 * only selectors user code could name switch to 32-bit mode or are invalid). ferry delivers
 * what an invalid selector gives, #GP -> SIGSEGV with SI_KERNEL, so such a program stops
 * visibly instead of going on wrongly. */
static bool gen_FAR(FeCtx *c)
{
    fe_trap(c, SIGSEGV, SI_KERNEL);
    return true;
}

/* ================================================================ loop family */

/* E0 loopne, E1 loope, E2 loop: count = rcx - 1 (ecx under 67), written back without
 * touching the flags; branch if count != 0 (and ZF = 0 / ZF = 1 for loopne / loope). */
static bool gen_LOOP(FeCtx *c)
{
    unsigned as = c->insn->addrsize;
    IrType t = fe_type(as);
    IrRef n = ir_op2(&c->b, IR_SUB, t, fe_get_gpr(c, X86_RCX, as), ir_const(&c->b, t, 1));
    fe_put_gpr(c, X86_RCX, as, n);
    IrRef cond = ir_cmp(&c->b, IR_NE, n, ir_const(&c->b, t, 0));
    if (c->insn->opcode != 0xe2) {
        IrRef zf = fe_cond(c, c->insn->opcode == 0xe1 ? 4 /* E */ : 5 /* NE */);
        cond = ir_op2(&c->b, IR_AND, IR_I8, cond, zf);
    }
    branch_cond(c, cond);
    return true;
}

/* E3: jrcxz, or jecxz under 67. */
static bool gen_JRCXZ(FeCtx *c)
{
    unsigned as = c->insn->addrsize;
    IrType t = fe_type(as);
    branch_cond(c, ir_cmp(&c->b, IR_EQ, fe_get_gpr(c, X86_RCX, as), ir_const(&c->b, t, 0)));
    return true;
}

/* ================================================================ dispatch */

bool fe_gen_branch(FeCtx *c)
{
    const X86Insn *i = c->insn;
    uint8_t op = i->opcode;

    if (i->map == X86_MAP_0F)
        return op >= 0x80 && op <= 0x8f ? gen_JCC(c) : false;
    if (i->map != X86_MAP_1B)
        return false;
    if (op >= 0x70 && op <= 0x7f)
        return gen_JCC(c);
    switch (op) {
    case 0xe0: case 0xe1: case 0xe2:
        return gen_LOOP(c);
    case 0xe3: return gen_JRCXZ(c);
    case 0xe8: return gen_CALL(c);
    case 0xe9: case 0xeb:
        return gen_JMP(c);
    case 0xc2: return gen_RET(c, (uint64_t)i->imm & 0xffff);
    case 0xc3: return gen_RET(c, 0);
    case 0xff:
        switch (i->reg & 7) {
        case 2: return gen_CALL_ind(c);
        case 3: case 5:
            return gen_FAR(c);
        case 4: return gen_JMP_ind(c);
        default: return false;      /* inc, dec, push: not branches */
        }
    default:
        return false;
    }
}
