/* abi.c — how generated x86_64 code meets the outside: the entry trampoline and its shared
 * epilogue, the shared exit routine, helper calls (IR CALL), block exits and the chaining
 * patch.
 *
 * Trampoline, enter(state = rdi, code = rsi), SysV:
 *     push rbp, rbx, r12, r13, r14, r15       callee-saved registers the blocks may use
 *     sub rsp, X64_FRAME_BYTES                 the spill frame (codegen.h)
 *     save the host MXCSR, load the guest's FP environment word (IrGuestInfo.fenv, every
 *     exception masked; ir.h) or X64_MXCSR_DEFAULT
 *     mov r14, rdi; [mov r15, guest_base]; [load the pinned GPRs from the state]
 *     lea rax, [rip + epilogue]; push rax; jmp rsi     run the block; [rsp] = the way out
 *   epilogue (the exit routine returns here with rcx = the exit's data):
 *     mov rax, [rcx]; [bit 63 set: store [rcx + 8] as the guest pc, clear the bit]
 *     [store the pinned GPRs into the state]  (codegen_pin.c)
 *     [store MXCSR's sticky flags into the guest's word], restore MXCSR, add rsp, pop, ret rax
 *   exit routine (after the epilogue; CodeBuf.exit_routine; the last trampoline's serves
 *   every block of the buffer, which X64_MAX_CODE_BUF keeps within rel32 reach; compile
 *   refuses a buffer without one):
 *     pop rcx; ret                             the data; to the epilogue of whichever
 *                                              trampoline entered (it knows nothing of gi)
 *   jump-cache miss routine (CodeBuf.jc_miss: the code of every jump-cache entry without
 *   any, ir/backend.h): an indirect exit's way out, the pc stored already:
 *     call <exit routine>; .quad IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0)
 * Alignment: enter is called with rsp = 8 mod 16; six pushes keep that; the frame is a multiple
 * of 16; the push of the epilogue address makes 8 more, so blocks run with rsp = 0 mod 16
 * (slots 16-byte aligned) and a helper called from a block sees the SysV entry alignment
 * without any adjustment. Blocks are position independent (their calls are relative to the
 * routine in the same buffer). The block is entered with a jmp, not a call, so the return
 * stack predictor holds only the exit's call: the routine's ret is mispredicted once per exit
 * to the runtime, the epilogue's is predicted (chained and jump-cache jumps never touch it).
 *
 * Exit (EXIT, or the stub of an EXIT_IF; an EXIT_IF's stub first stores the KEEPs pending
 * there, ir.h "Precise faults"). A forward EXIT_IF's stub is placed after the block's EXIT, so
 * staying in the block is a jcc not taken; a backward one's (a loop's back edge, taken most of
 * the time) is inline, jumped over by the inverted jcc when not taken:
 *     [cmp dword [r14 + irq], 0 ; jne 1f]      backward direct exits: the interrupt check
 *     call <exit routine>                      direct exits: the patch site, its 5 bytes in
 *                                              one aligned 8-byte word (NOP padding before),
 *                                              which patch_exit rewrites to `jmp <block>` and
 *                                              back with one atomic store while other
 *                                              threads may be running the code
 *     .quad word, pc                           its data (BackendData, never executed): exit
 *                                              word | index << 32 | X64_EXIT_STORE_PC; the pc
 *  1: [call <exit routine>; .quad word, pc]    the interrupt check's way out: the same data
 *                                              after a call that is never patched
 * Other exits (computed targets, system calls, traps):
 *     [mov [r14 + pc_offset], target]          a computed target: store the guest pc
 *     [the return-stack and jump-cache probes: indirect exits; their misses go to the call]
 *     call <exit routine>; .quad word [, pc]   the pc only with X64_EXIT_STORE_PC (a
 *                                              constant target)
 * Exits depend on nothing but the guest state, so a chained successor can start directly;
 * the guest pc is stored only on the way out to the runtime (generated code never reads it:
 * each block knows its own pc). Non-direct exits (indirect, syscall, trap, halt) have no
 * patch site: their BackendExit has patch_offset 0 (a real site never sits at offset 0: a nop
 * precedes it if need be).
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

/* ---------------------------------------------------------------- exits */

/* The interrupt check before an indirect jump (ir/backend.h): cmp dword [r14 + irq], 0 ;
 * jne (returned, to be patched to the way out). */
static uint8_t *emit_irq_check(CgCtx *c)
{
    x64_alu_xi(&c->e, X64_CMP, 4, x64_m(X64_REG_STATE, c->gi->irq_offset), 0);
    return x64_jcc8_fwd(&c->e, X64_CC_NE);
}

/* The end both lookups share, for a table of {guest pc, host code} entries at
 * [r14 + idx << scale + off]: jump to the entry's code when its pc is `key` and the code is
 * set; miss[0] (another pc) and miss[1] (no code) are left to patch. Clobbers rcx. */
static void emit_entry_jump(X64Emit *e, unsigned key, unsigned idx, unsigned scale, int32_t off,
                            uint8_t *miss[2])
{
    x64_alu_rx(e, X64_CMP, 8, key, x64_mx(X64_REG_STATE, idx, scale, off));
    miss[0] = x64_jcc8_fwd(e, X64_CC_NE);
    x64_mov_rx(e, 8, X64_RCX, x64_mx(X64_REG_STATE, idx, scale, off + 8));
    x64_test_xr(e, 8, x64_r(X64_RCX), X64_RCX);
    miss[1] = x64_jcc8_fwd(e, X64_CC_E);
    x64_jmp_x(e, x64_r(X64_RCX));
}

/* The inline jump-cache probe of an indirect exit (ir/backend.h), target pc in `reg`:
 *     [cmp dword [r14 + irq], 0 ; jne miss]    the interrupt check (ir/backend.h)
 *     [mov rax, reg: when reg is rcx, then reg = rax]
 *     mov rcx, reg ; shr rcx, bits ; xor rcx, reg ; and ecx, mask ; shl ecx, 5
 *     cmp reg, [r14 + rcx + jc] ; jne miss ; jmp [r14 + rcx + jc + 8]
 * (an entry without code holds the miss routine, CodeBuf.jc_miss, never NULL: ir/backend.h).
 * rax, rcx and rdx are never homes, so nothing live is clobbered; the guest pc is already
 * stored, so the successor (or the runtime, on a miss) finds it in the state. */
static void emit_jc_lookup(CgCtx *c, unsigned reg, uint8_t *miss[3])
{
    X64Emit *e = &c->e;
    int32_t jc = c->gi->jc_offset;
    if (c->gi->irq_offset && !miss[2])      /* not made already by emit_ras_lookup */
        miss[2] = emit_irq_check(c);
    if (reg == X64_RCX) {           /* the key must survive the index computed in rcx */
        x64_mov_rr(e, 8, X64_RAX, reg);
        reg = X64_RAX;
    }
    x64_mov_rr(e, 8, X64_RCX, reg);
    x64_shift_ri(e, X64_SHR, 8, X64_RCX, (uint8_t)c->gi->jc_bits);
    x64_alu_rr(e, X64_XOR, 8, X64_RCX, reg);
    x64_alu_ri(e, X64_AND, 4, X64_RCX, (int32_t)((1u << c->gi->jc_bits) - 1));
    x64_shift_ri(e, X64_SHL, 4, X64_RCX, 5);
    _Static_assert(BACKEND_JC_ENTRY_SIZE == 32, "the probe scales the index by 32");
    x64_alu_rx(e, X64_CMP, 8, reg, x64_mx(X64_REG_STATE, X64_RCX, 0, jc));
    miss[0] = x64_jcc8_fwd(e, X64_CC_NE);
    x64_jmp_x(e, x64_mx(X64_REG_STATE, X64_RCX, 0, jc + 8));
}

/* A RET's prediction (ir/backend.h, "Return stack"), target pc in `reg`, before the jump
 * cache probe it falls back on; the key (the guest stack pointer) is in the state by now:
 *     [cmp dword [r14 + irq], 0 ; jne out]     the interrupt check, shared with the probe
 *     [mov rdx, reg]                           when reg is rax or rcx
 *     mov eax, [r14 + key] ; and eax, key mask         entry number * 8
 *     cmp reg, [r14 + rax*2 + ras] ; jne probe
 *     mov rcx, [r14 + rax*2 + ras + 8] ; test rcx, rcx ; jz probe ; jmp rcx
 * Returns the register holding the target for the probe. */
static unsigned emit_ras_lookup(CgCtx *c, unsigned reg, uint8_t *miss[3], uint8_t *probe[2])
{
    X64Emit *e = &c->e;
    int32_t ras = c->gi->ras_offset;
    if (c->gi->irq_offset)
        miss[2] = emit_irq_check(c);
    if (reg == X64_RAX || reg == X64_RCX) {
        x64_mov_rr(e, 8, X64_RDX, reg);
        reg = X64_RDX;
    }
    int pin = x64_pin_of_field(c->gi, c->gi->ras_key_offset);     /* the guest rsp, pinned */
    if (pin >= 0)
        x64_mov_rr(e, 4, X64_RAX, (unsigned)pin);
    else
        x64_mov_rx(e, 4, X64_RAX, x64_m(X64_REG_STATE, (int32_t)c->gi->ras_key_offset));
    x64_alu_ri(e, X64_AND, 4, X64_RAX, (int32_t)BACKEND_RAS_KEY_MASK);
    _Static_assert(sizeof(((BackendRas *)0)->entry[0]) == 16, "entries are scaled by 2 * 8");
    emit_entry_jump(e, reg, X64_RAX, 1, ras, probe);
    return reg;
}

/* RETPUSH (ir/backend.h, "Return stack"): the entry names the RETPUSH's exit, whose code
 * x64_emit_stubs places after the EXIT_IFs' stubs; rax and rcx are free here as at exits (never
 * homes), and the host flags carry nothing across an instruction that is not their reader.
 *     mov eax, key ; and eax, key mask
 *     lea rcx, [rip + exit] ; mov [r14 + rax*2 + ras + 8], rcx
 *     mov qword [r14 + rax*2 + ras], pc        (through rcx when pc needs 64 bits) */
void x64_emit_retpush(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    if (c->n_rets >= BACKEND_MAX_EXITS) {
        if (c->err == BE_OK)
            c->err = BE_ERR_TOO_BIG;
        return;
    }
    uint8_t *field = NULL;
    if (c->gi->ras_offset) {
        int32_t ras = c->gi->ras_offset;
        int64_t pc = in->imm[0];
        unsigned key = cg_gpr(c, in->arg[0], X64_RAX);
        x64_mov_rr(e, 4, X64_RAX, key);
        x64_alu_ri(e, X64_AND, 4, X64_RAX, (int32_t)BACKEND_RAS_KEY_MASK);
        field = x64_lea_rip_fwd(e, X64_RCX);
        x64_mov_xr(e, 8, x64_mx(X64_REG_STATE, X64_RAX, 1, ras + 8), X64_RCX);
        if (x64_fits_i32(pc)) {
            x64_mov_xi(e, 8, x64_mx(X64_REG_STATE, X64_RAX, 1, ras), (int32_t)pc);
        } else {
            x64_mov_ri(e, X64_RCX, (uint64_t)pc);
            x64_mov_xr(e, 8, x64_mx(X64_REG_STATE, X64_RAX, 1, ras), X64_RCX);
        }
    }
    c->rets[c->n_rets].in = in;
    c->rets[c->n_rets].field = field;
    c->n_rets++;
}

/* `call <exit routine>` and the exit's data after it: the word, and with X64_EXIT_STORE_PC
 * in it the guest pc. */
static void emit_exit_call(CgCtx *c, uint64_t word, uint64_t pc)
{
    X64Emit *e = &c->e;
    BackendBlockInfo *info = c->info;
    x64_call_rel32(e, (int32_t)(c->exit_routine - (e->p + 5)));
    unsigned size = word & X64_EXIT_STORE_PC ? 16 : 8;
    info->data[info->n_data++] = (BackendData){ (uint32_t)(e->p - c->code_start), size };
    emit_u64(e, word);
    if (size == 16)
        emit_u64(e, pc);
}

/* From the patch site on: what EXIT and each EXIT_IF's stub share. site false: a loop's
 * back edge on its way out to the runtime, which gets no patch site (loop.c). */
static void exit_tail(CgCtx *c, const IrInsn *in, unsigned idx, bool site)
{
    X64Emit *e = &c->e;
    IrRef target = in->op == IR_EXIT ? in->arg[0] : IR_NONE;    /* RETPUSH: arg0 is a key */
    uint64_t pc = (uint64_t)in->imm[0];
    BackendExit *x = &c->info->exits[idx];
    x->patch_offset = 0;
    x->target_pc = target ? 0 : pc;
    uint64_t word = (uint64_t)(uint32_t)in->imm[1] | (uint64_t)idx << 32;
    if (!target)
        word |= X64_EXIT_STORE_PC;              /* the epilogue stores the data's pc */
    if (IR_EXIT_WORD_KIND(in->imm[1]) == IR_EXIT_JUMP && !target && site) {
        /* The patch site is the way out: a chained successor knows its own pc, so only the
         * way out to the runtime stores it. Offset 0 means "no site", so a block that is
         * nothing but this exit starts with a nop. Pad so the call's 5 bytes lie in one
         * aligned 8-byte word, which patch_exit rewrites with one atomic store. */
        uint8_t *to_copy8 = NULL, *to_copy32 = NULL;
        if (c->gi->irq_offset && pc <= c->blk->guest_pc) {
            /* A backward exit: the interrupt check (ir/backend.h) skips the patch site.
             * Its jne is the rel32 form where the rel8 one would leave the call needing
             * padding (4 bytes more put it in place), so a chained loop's back edge runs
             * no nop. */
            x64_alu_xi(e, X64_CMP, 4, x64_m(X64_REG_STATE, c->gi->irq_offset), 0);
            if (((uintptr_t)(e->p + 2) & 7) > 3)
                to_copy32 = x64_jcc32_fwd(e, X64_CC_NE);
            else
                to_copy8 = x64_jcc8_fwd(e, X64_CC_NE);
        }
        if (e->p == c->code_start)
            x64_nop(e, 1);
        if (((uintptr_t)e->p & 7) > 3)
            x64_nop(e, 8 - ((unsigned)(uintptr_t)e->p & 7));
        x->patch_offset = (uint32_t)(e->p - c->code_start);
        emit_exit_call(c, word, pc);
        if (to_copy8 || to_copy32) {    /* the site may be chained: a way out of its own */
            if (to_copy8)
                x64_bind8(e, to_copy8);
            else
                x64_bind32(e, to_copy32);
            emit_exit_call(c, word, pc);
        }
        return;
    }
    uint8_t *miss[3] = { NULL, NULL, NULL };
    if (target) {
        unsigned reg = cg_gpr(c, target, X64_RAX);
        x64_mov_xr(e, 8, x64_m(X64_REG_STATE, (int32_t)c->gi->pc_offset), reg);
        if (IR_EXIT_WORD_KIND(in->imm[1]) == IR_EXIT_INDIRECT) {
            if (in->imm[0] == IR_EXIT_HINT_RETURN && c->gi->ras_offset) {
                uint8_t *probe[2];
                reg = emit_ras_lookup(c, reg, miss, probe);
                x64_bind8(e, probe[0]);
                x64_bind8(e, probe[1]);
            }
            if (c->gi->jc_offset)
                emit_jc_lookup(c, reg, miss);
        }
    }
    for (int i = 0; i < 3; i++)
        if (miss[i])
            x64_bind8(e, miss[i]);
    emit_exit_call(c, word, pc);
}

/* A jump (cc < 0) or jcc back to the loop head, rel8 when it reaches. */
static void jump_head(CgCtx *c, int cc)
{
    X64Emit *e = &c->e;
    int64_t rel8 = c->loop_head - (e->p + 2);
    int32_t rel32 = (int32_t)(c->loop_head - (e->p + (cc < 0 ? 5 : 6)));
    uint8_t *f;
    if (x64_fits_i8(rel8)) {
        f = cc < 0 ? x64_jmp8_fwd(e) : x64_jcc8_fwd(e, (X64Cond)cc);
        *f = (uint8_t)(int8_t)rel8;
    } else {
        f = cc < 0 ? x64_jmp32_fwd(e) : x64_jcc32_fwd(e, (X64Cond)cc);
        memcpy(f, &rel32, 4);
    }
}

/* A self-loop's back edge (loop.c), its other pending KEEPs stored:
 *     cmp dword [r14 + irq], 0                 the interrupt check (ir/backend.h)
 *     je head                                  when the head finds every pin in place, else
 *     jne out ; <the pins' values into the head's registers> ; jmp head ; out:
 *     <the pinned fields' KEEPs stored> ; the exit's stub, without a patch site */
static void back_edge(CgCtx *c, const IrInsn *in, unsigned idx)
{
    X64Emit *e = &c->e;
    X64Move mv[X64_MAX_PINS];
    unsigned n = x64_loop_plan(c, mv);
    x64_alu_xi(e, X64_CMP, 4, x64_m(X64_REG_STATE, c->gi->irq_offset), 0);
    if (n == 0) {
        jump_head(c, X64_CC_E);
    } else {
        uint8_t *out = x64_jcc32_fwd(e, X64_CC_NE);
        x64_loop_moves(c, mv, n);
        jump_head(c, -1);
        x64_bind32(e, out);
    }
    unsigned nk = 0;
    for (unsigned i = 0; i < c->n_pending; i++) {
        const IrInsn *k = &c->blk->insn[c->pending[i]];
        if (k->op == IR_KEEP && x64_loop_pin_of(c, (uint32_t)k->imm[0]) >= 0)
            c->keep_list[nk++] = cg_keep_loc(c, c->pending[i]);
    }
    cg_store_keeps(c, c->keep_list, nk, NULL);
    exit_tail(c, in, idx, false);
}

void x64_emit_exit(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    unsigned idx = c->exit_index++;
    if (idx >= BACKEND_MAX_EXITS) {
        if (c->err == BE_OK)
            c->err = BE_ERR_TOO_BIG;
        return;
    }
    bool back = x64_loop_is_back_edge(c, in);
    if (in->op == IR_EXIT) {
        if (back)
            back_edge(c, in, idx);      /* the other KEEPs were stored before it */
        else
            exit_tail(c, in, idx, true);    /* its KEEPs were stored before it (codegen.c) */
        return;
    }
    IrRef cond = in->arg[0];
    uint64_t here = c->blk->guest_pc + c->guest_off;
    if (back && !c->val[cond].is_const) {
        /* inline, as below; the way back into the loop is the fall-through */
        X64Cond cc = cg_test_cond(c, cond);
        uint8_t *skip = x64_jcc32_fwd(e, cc ^ 1);
        unsigned nk = 0;
        for (unsigned i = 0; i < c->n_pending; i++) {
            const IrInsn *k = &c->blk->insn[c->pending[i]];
            if (k->op == IR_KEEP && x64_loop_pin_of(c, (uint32_t)k->imm[0]) < 0)
                c->keep_list[nk++] = cg_keep_loc(c, c->pending[i]);
        }
        cg_store_keeps(c, c->keep_list, nk, NULL);
        back_edge(c, in, idx);
        x64_bind32(e, skip);
        return;
    }
    if ((uint64_t)in->imm[0] <= here && !c->val[cond].is_const) {
        /* A backward target, a loop's back edge most likely: taken is the hot path, so the
         * stub is inline and jumped over when not taken (one taken branch per iteration,
         * not two). It stores the pending KEEPs, as an out-of-line stub does. */
        X64Cond cc = cg_test_cond(c, cond);
        uint8_t *skip8 = NULL, *skip32 = NULL;
        unsigned n_keep = 0;
        for (unsigned i = 0; i < c->n_pending; i++)
            n_keep += c->blk->insn[c->pending[i]].op == IR_KEEP;
        if (n_keep == 0)        /* the stub alone is well under 128 bytes */
            skip8 = x64_jcc8_fwd(e, cc ^ 1);
        else
            skip32 = x64_jcc32_fwd(e, cc ^ 1);
        unsigned nk = 0;
        for (unsigned i = 0; i < c->n_pending; i++)
            if (c->blk->insn[c->pending[i]].op == IR_KEEP)
                c->keep_list[nk++] = cg_keep_loc(c, c->pending[i]);
        cg_store_keeps(c, c->keep_list, nk, NULL);
        exit_tail(c, in, idx, true);
        if (skip8)
            x64_bind8(e, skip8);
        else
            x64_bind32(e, skip32);
        return;
    }
    /* EXIT_IF: a branch to the stub, which stores the KEEPs pending here from where their
     * values are now. */
    CgStub *s = &c->stubs[c->n_stubs++];
    *s = (CgStub){ in, NULL, idx, c->n_stub_keeps, 0 };
    if (c->n_stub_keeps + c->n_pending > c->stub_keeps_cap) {
        unsigned cap = 2 * (c->n_stub_keeps + c->n_pending) + 16;
        BackendKeep *k = realloc(c->stub_keeps, cap * sizeof *k);
        if (!k) {
            c->err = BE_ERR_TOO_BIG;
            return;
        }
        c->stub_keeps = k;
        c->stub_keeps_cap = cap;
    }
    for (unsigned i = 0; i < c->n_pending; i++)       /* FKEEPs are for faults only */
        if (c->blk->insn[c->pending[i]].op == IR_KEEP)
            c->stub_keeps[c->n_stub_keeps + s->n_keep++] = cg_keep_loc(c, c->pending[i]);
    c->n_stub_keeps += s->n_keep;
    if (c->val[cond].is_const) {
        /* Only in unfolded blocks. A stub that is never taken is still emitted, so every
         * direct exit has a patch site, as the runtime expects from the IR alone. */
        if (cg_const_val(c, cond) & 0xff)
            s->field = x64_jmp32_fwd(e);
    } else {
        X64Cond cc = cg_test_cond(c, cond);
        s->field = x64_jcc32_fwd(e, cc);
    }
}

void x64_emit_stubs(CgCtx *c, const uint8_t *limit)
{
    for (unsigned i = 0; i < c->n_stubs && c->err == BE_OK; i++) {
        const CgStub *s = &c->stubs[i];
        if (s->field)
            x64_bind32(&c->e, s->field);
        cg_store_keeps(c, &c->stub_keeps[s->keep_first], s->n_keep, limit);
        if (c->err != BE_OK)
            return;
        if (c->e.p > limit) {
            c->err = BE_ERR_FULL;
            return;
        }
        exit_tail(c, s->exit, s->idx, true);
    }
    /* The return sites' exits, numbered after every other exit (ir_ops.def). */
    for (unsigned i = 0; i < c->n_rets && c->err == BE_OK; i++) {
        unsigned idx = c->exit_index++;
        if (idx >= BACKEND_MAX_EXITS) {
            c->err = BE_ERR_TOO_BIG;
            return;
        }
        if (!c->rets[i].field) {        /* no return stack: an exit never taken */
            c->info->exits[idx] = (BackendExit){ 0, (uint64_t)c->rets[i].in->imm[0] };
            continue;
        }
        if (c->e.p > limit) {
            c->err = BE_ERR_FULL;
            return;
        }
        x64_bind32(&c->e, c->rets[i].field);
        exit_tail(c, c->rets[i].in, idx, true);
    }
}

void x64_patch_exit(CodeBuf *cb, uint8_t *site, const uint8_t *target)
{
    /* a call (unchained) or jmp (chained), whichever the site holds now, within one aligned
     * 8-byte word (exit_tail) */
    unsigned off = (unsigned)((uintptr_t)site & 7);
    assert((site[0] == 0xE8 || site[0] == 0xE9) && off <= 3 && cb->exit_routine);
    /* unchained: the call of the buffer's exit routine (every one is the same code, and
     * every one is in reach: X64_MAX_CODE_BUF) */
    uint8_t insn[5] = { 0xE8 };
    int64_t rel = cb->exit_routine - (site + 5);
    if (target) {
        int64_t to = target - (codebuf_exec_addr(cb, site) + 5);
        if (emit_rel32_fits(to)) {      /* always, in one cache of < 2 GiB */
            insn[0] = 0xE9;
            rel = to;
        }
    }
    uint32_t v = (uint32_t)(int32_t)rel;
    memcpy(insn + 1, &v, 4);
    uint64_t *word = (uint64_t *)(void *)(site - off), w = __atomic_load_n(word, __ATOMIC_RELAXED);
    memcpy((uint8_t *)&w + off, insn, 5);
    __atomic_store_n(word, w, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- helper calls */

/* A value living in a caller-saved register across a call, moved to a slot for the call. */
typedef struct CallSave {
    IrRef v;
    uint8_t reg;
    bool xmm;
} CallSave;

/* The helper may clobber rsi, rdi, r8-r11 and every XMM register. Each value whose home is
 * one of them is stored to a slot (kept with the value: SSA values never change, so a later
 * call needs no second store) and marked as living there while the arguments are loaded, so
 * argument moves never overwrite a source. After the call the values still live are
 * reloaded. */
void x64_emit_call(CgCtx *c, const IrInsn *in)
{
    X64Emit *e = &c->e;
    CallSave saved[32];
    unsigned n = 0;
    /* a helper that may write the state leaves the pinned registers reloaded: aliases
     * needed after the call move out first (and are saved below like any home) */
    if (!ir_helper_is_reader((IrHelperFn)(uintptr_t)in->imm[0]))
        cg_pin_evict(c, -1, c->cur + 1);
    for (unsigned r = 0; r < 16; r++) {
        IrRef v = c->gpr_owner[r];
        if (!v || !x64_gpr_caller_saved(r))
            continue;
        CgVal *cv = &c->val[v];
        if (cv->slot < 0) {
            cv->slot = (int16_t)cg_slot_alloc(c, 1);
            x64_mov_xr(e, 8, x64_m(X64_RSP, X64_SLOT_DISP(cv->slot)), r);
        }
        cv->reg = -1;
        saved[n++] = (CallSave){ v, (uint8_t)r, false };
    }
    for (unsigned r = 0; r < 16; r++) {
        IrRef v = c->xmm_owner[r];
        if (!v)
            continue;
        CgVal *cv = &c->val[v];
        if (cv->slot < 0) {
            cv->slot = (int16_t)cg_slot_alloc(c, 1);
            x64_sse_rx(e, X64_MOVDQA_ST, r, x64_m(X64_RSP, X64_SLOT_DISP(cv->slot)));
        }
        cv->reg = -1;
        saved[n++] = (CallSave){ v, (uint8_t)r, true };
    }

    static const X64Reg argreg[3] = { X64_RSI, X64_RDX, X64_RCX };
    for (unsigned i = 0; i < 3; i++) {
        if (in->arg[i])
            cg_load_gpr(c, argreg[i], in->arg[i]);     /* integers are zero-extended */
        else
            x64_mov_ri(e, argreg[i], 0);
    }
    /* The pinned GPRs (codegen_pin.c): the helper finds them in the state; they are
     * callee-saved, so only a helper that may write the state leaves them to reload. */
    x64_pin_sync(e, c->gi, ~0u, false);
    bool reader = ir_helper_is_reader((IrHelperFn)(uintptr_t)in->imm[0]);
    x64_mov_rr(e, 8, X64_RDI, X64_REG_STATE);
    x64_mov_ri(e, X64_RAX, (uint64_t)in->imm[0]);
    x64_call_x(e, x64_r(X64_RAX));      /* rsp is 16-byte aligned here (see the header) */
    if (!reader)
        x64_pin_sync(e, c->gi, ~0u, true);

    for (unsigned i = 0; i < n; i++) {
        CgVal *cv = &c->val[saved[i].v];
        cv->reg = (int8_t)saved[i].reg;
        if (cv->last_use <= c->cur)     /* dies at this call: nothing to restore */
            continue;
        X64Rm m = x64_m(X64_RSP, X64_SLOT_DISP(cv->slot));
        if (saved[i].xmm)
            x64_sse_rx(e, X64_MOVDQA_LD, saved[i].reg, m);
        else
            x64_mov_rx(e, 8, saved[i].reg, m);
    }
}

/* ---------------------------------------------------------------- trampoline */

/* Upper bound of the trampoline's size in bytes. */
#define X64_TRAMPOLINE_MAX 256

void *x64_emit_trampoline(CodeBuf *cb, const IrGuestInfo *gi)
{
    static const X64Reg saved[6] = { X64_RBP, X64_RBX, X64_R12, X64_R13, X64_R14, X64_R15 };
    if (cb->end - cb->p < X64_TRAMPOLINE_MAX || cb->end - cb->start > X64_MAX_CODE_BUF)
        return NULL;
    X64Emit em = { cb->p, 0 }, *e = &em;
    uint8_t *entry = e->p;
    for (unsigned i = 0; i < 6; i++)
        x64_push_r(e, saved[i]);
    x64_alu_ri(e, X64_SUB, 8, X64_RSP, X64_FRAME_BYTES);
    x64_stmxcsr_m(e, x64_m(X64_RSP, X64_MXCSR_SAVE_DISP));
    if (gi->fenv) {         /* the guest's FP environment word, every exception masked */
        x64_mov_rx(e, 4, X64_RAX, x64_m(X64_RDI, (int32_t)gi->fenv_offset));
        x64_alu_ri(e, X64_OR, 4, X64_RAX, (int32_t)IR_FENV_MASKS);
        x64_mov_xr(e, 4, x64_m(X64_RSP, 0), X64_RAX);
    } else {
        x64_mov_xi(e, 4, x64_m(X64_RSP, 0), (int32_t)X64_MXCSR_DEFAULT);
    }
    x64_ldmxcsr_m(e, x64_m(X64_RSP, 0));
    x64_mov_rr(e, 8, X64_REG_STATE, X64_RDI);
    if (gi->guest_base != 0)
        x64_mov_ri(e, X64_REG_GUEST_BASE, gi->guest_base);
    x64_pin_sync(e, gi, ~0u, true);     /* the pinned GPRs (codegen_pin.c) */
    uint8_t *to_epilogue = x64_lea_rip_fwd(e, X64_RAX);
    x64_push_r(e, X64_RAX);
    x64_jmp_x(e, x64_r(X64_RSI));
    /* the shared epilogue: the exit routine returns here with rcx = the exit's data */
    x64_bind32(e, to_epilogue);
    x64_mov_rx(e, 8, X64_RAX, x64_m(X64_RCX, 0));
    x64_test_xr(e, 8, x64_r(X64_RAX), X64_RAX);
    uint8_t *no_pc = x64_jcc8_fwd(e, X64_CC_NS);
    x64_mov_rx(e, 8, X64_RDX, x64_m(X64_RCX, 8));
    x64_mov_xr(e, 8, x64_m(X64_REG_STATE, (int32_t)gi->pc_offset), X64_RDX);
    x64_shift_ri(e, X64_SHL, 8, X64_RAX, 1);        /* clear X64_EXIT_STORE_PC */
    x64_shift_ri(e, X64_SHR, 8, X64_RAX, 1);
    x64_bind8(e, no_pc);
    x64_pin_sync(e, gi, ~0u, false);
    if (gi->fenv) {         /* the sticky flags back into the guest's word */
        int32_t off = (int32_t)gi->fenv_offset;
        x64_stmxcsr_m(e, x64_m(X64_RSP, 0));
        x64_mov_rx(e, 4, X64_RCX, x64_m(X64_RSP, 0));
        x64_alu_ri(e, X64_AND, 4, X64_RCX, (int32_t)IR_FENV_FLAGS);
        x64_mov_rx(e, 4, X64_RDX, x64_m(X64_REG_STATE, off));
        x64_alu_ri(e, X64_AND, 4, X64_RDX, (int32_t)~IR_FENV_FLAGS);
        x64_alu_rr(e, X64_OR, 4, X64_RDX, X64_RCX);
        x64_mov_xr(e, 4, x64_m(X64_REG_STATE, off), X64_RDX);
    }
    x64_ldmxcsr_m(e, x64_m(X64_RSP, X64_MXCSR_SAVE_DISP));
    x64_alu_ri(e, X64_ADD, 8, X64_RSP, X64_FRAME_BYTES);
    for (unsigned i = 6; i-- > 0;)
        x64_pop_r(e, saved[i]);
    x64_ret(e);
    cb->exit_routine = e->p;    /* blocks written after this trampoline call this one */
    x64_pop_r(e, X64_RCX);      /* the exit's data: the call's return address */
    x64_ret(e);                 /* to the epilogue of whichever trampoline entered */
    /* The jump cache's miss routine (CodeBuf.jc_miss, the code of entries without any):
     * an indirect exit's way out, so the probe needs no test of the code pointer. The
     * guest pc is stored before every probe. */
    uint8_t *miss = e->p;
    x64_call_rel32(e, (int32_t)(cb->exit_routine - (e->p + 5)));
    emit_u64(e, IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0));
    cb->jc_miss = codebuf_exec_addr(cb, miss);
    assert(e->p - entry <= X64_TRAMPOLINE_MAX);
    cb->p = e->p;
    return codebuf_exec_addr(cb, entry);
}
