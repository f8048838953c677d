/* abi.c — how generated aarch64 code meets the outside: the entry trampoline and its shared
 * epilogue, the shared exit routine, helper calls (IR CALL, AAPCS64), block exits and the
 * chaining patch.
 *
 * Trampoline, enter(state = x0, code = x1), AAPCS64:
 *     stp x29, x30, [sp, #-160]!; mov x29, sp  a frame record, so unwinders see the caller
 *     stp x19..x28, d8..d15                    callee-saved registers the blocks may use
 *     sub sp, sp, #A64_FRAME_BYTES             the spill frame (codegen.h)
 *     save the host FPCR at [sp + 8], set A64_FPCR_DEFAULT
 *     [fenv: ir_fenv_set(the guest's FP environment word), ir.h]
 *     mov x28, x0; [mov x27, #guest_base]; [mov x18, #probe: a guest limit, regs.h]
 *     [ldp the pinned GPRs from the state]
 *     adr x30, epilogue; str x30, [sp]; br x1  run the block; [sp] = the way out
 *   epilogue (the exit routine jumps here with x30 = the exit's data: exit word, guest pc):
 *     ldp x0, x17, [x30]; [bit 63 of the word: str x17 as the guest pc, clear the bit]
 *     [stp the pinned GPRs into the state]
 *     [fenv: ir_fenv_store_flags(&word)], restore FPCR, add sp, restore the registers, ret
 *   exit routine (after the epilogue; CodeBuf.exit_routine; the last trampoline's serves
 *   every block of the buffer, which A64_MAX_CODE_BUF keeps within their BL reach; compile
 *   refuses a buffer without one):
 *     ldr x16, [sp]; br x16                    to the epilogue of whichever trampoline
 *                                              entered (it knows nothing of IrGuestInfo)
 *   jump-cache miss routine (CodeBuf.jc_miss: the code of every jump-cache entry without
 *   any, ir/backend.h): an indirect exit's way out, the pc stored already:
 *     bl <exit routine>; .quad IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0), 0
 * Alignment: sp stays 16-byte aligned throughout (160 and the frame are multiples of 16), so
 * a helper called from a block sees the AAPCS64 stack alignment without any adjustment. The
 * exit path needs no knowledge of where the epilogue is: blocks are position independent
 * (their BLs are relative to the routine in the same buffer). x30 holds nothing inside a
 * block: helper calls (blr) and exits (bl) overwrite it freely.
 *
 * Exit (EXIT, or the stub of an EXIT_IF; an EXIT_IF's stub first stores the KEEPs pending
 * there, ir.h "Precise faults"). A forward EXIT_IF's stub is placed after the block's EXIT, so
 * staying in the block is a b.cond not taken; a backward one's (a loop's back edge, taken most
 * of the time) is inline, branched over by the inverted b.cond when not taken:
 *     [ldr w16, [x28, #irq] ; cbnz w16, 1f]    backward direct exits: the interrupt check
 *     bl <exit routine>                        direct exits: the patch site; patch_exit
 *                                              rewrites this one word to `b <block>` and
 *                                              back (an aligned 32-bit store; B and BL are
 *                                              among the instructions the architecture
 *                                              allows to be modified while other threads
 *                                              may execute them)
 *     .quad word, pc                           its data (BackendData, never executed): exit
 *                                              word | index << 32, with bit 63 set when the
 *                                              epilogue is to store pc
 *  1: [bl <exit routine>; .quad word, pc]      the interrupt check's way out: the same data
 *                                              after a BL that is never patched
 * Other exits (computed targets, system calls, traps):
 *     [str target, [x28, #pc_offset]]          a computed target: store the guest pc
 *     [the inline jump-cache probe: indirect exits only; its misses go to the BL]
 *     bl <exit routine>; .quad word, pc
 * Exits depend on nothing but the guest state, so a chained successor can start directly;
 * the guest pc is stored only on the way out to the runtime (generated code never reads it:
 * each block knows its own pc). Non-direct exits (indirect, syscall, trap, halt) have no
 * patch site: their BackendExit has patch_offset 0 (a real site never sits at offset 0: a nop
 * precedes it if need be). The runtime makes patched code visible to instruction fetch
 * (rt_cache_sync: __builtin___clear_cache on aarch64); the data is only ever read as data.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "codegen.h"

/* ---------------------------------------------------------------- exits */

/* rd = rn + v for any 32-bit v (rd may be rn; neither is x17 when v needs a constant). */
static void add_imm(A64Emit *e, unsigned rd, unsigned rn, int64_t v)
{
    uint64_t mag = v < 0 ? -(uint64_t)v : (uint64_t)v;
    A64Ins op = v < 0 ? A64_SUB_I : A64_ADD_I;
    if (mag >= (1u << 24)) {
        a64_mov_imm(e, A64_TMP1, (uint64_t)v);
        a64_alu_rrr(e, A64_ADD_R, true, rd, rn, A64_TMP1, A64_LSL, 0);
        return;
    }
    if (mag >> 12) {
        a64_addsub_ri(e, op, true, rd, rn, (int)(1u << 12 | mag >> 12));
        rn = rd;
    }
    if ((mag & 0xfff) || rn != rd)
        a64_addsub_ri(e, op, true, rd, rn, (int)(mag & 0xfff));
}

/* An offset an X-register LDP reaches. */
static bool ldp_reaches(int64_t off) { return off % 8 == 0 && off >= -512 && off <= 504; }

/* The inline jump-cache probe of an indirect exit (ir/backend.h), target pc in `reg` (a home
 * or x15, never x16/x17), entry i of the table at x28 + jc + 32 * i:
 *     [ldr w16, [x28, #irq] ; cbnz w16, miss]  the interrupt check (ir/backend.h)
 *     eor x16, reg, reg, lsr #bits ; and x16, x16, #mask      i
 *     add x16, x28, x16, lsl #5 ; [add x16, x16, #jc]         its entry, jc beyond LDP's
 *     ldp x17, x16, [x16, #jc]                                reach added first
 *   or, for a table below the state (the runtime's, jc = -32 << bits), counted downwards:
 *     eon x16, reg, reg, lsr #bits ; and x16, x16, #mask      mask - i
 *     sub x16, x28, x16, lsl #5 ; ldp x17, x16, [x16, #jc + 32 * mask]   (#-32)
 *   then
 *     cmp x17, reg ; b.ne miss ; br x16
 * An entry without code holds the runtime's miss routine (CodeBuf.jc_miss), so the code
 * pointer needs no test. The guest pc is already stored, so the successor (or the runtime,
 * on a miss) finds it in the state; x16 and x17 are scratch and nothing else is clobbered. */
static void emit_jc_lookup(CgCtx *c, unsigned reg, uint8_t *miss[3])
{
    A64Emit *e = &c->e;
    int64_t jc = c->gi->jc_offset;
    unsigned bits = c->gi->jc_bits;
    if (c->gi->irq_offset) {
        cg_ldst(c, A64_LDRW, A64_TMP0, A64_REG_STATE, (uint32_t)c->gi->irq_offset);
        miss[2] = a64_cbz_fwd(e, true, false, A64_TMP0);
    }
    _Static_assert(BACKEND_JC_ENTRY_SIZE == 32, "the probe scales the index by 32");
    bool down = false;
    if (bits == 0 || bits >= 32) {
        a64_mov_imm(e, A64_TMP0, 0);
    } else {
        int64_t mask = (1ll << bits) - 1;
        down = !ldp_reaches(jc) && ldp_reaches(jc + 32 * mask);
        a64_alu_rrr(e, down ? A64_EON_R : A64_EOR_R, true, A64_TMP0, reg, reg, A64_LSR, bits);
        a64_logic_ri(e, A64_AND_I, true, A64_TMP0, A64_TMP0,
                     a64_logical_imm((uint64_t)mask, 64));
        if (down)
            jc += 32 * mask;
    }
    a64_alu_rrr(e, down ? A64_SUB_R : A64_ADD_R, true, A64_TMP0, A64_REG_STATE, A64_TMP0,
                A64_LSL, 5);
    if (!ldp_reaches(jc)) {
        add_imm(e, A64_TMP0, A64_TMP0, jc);
        jc = 0;
    }
    a64_ldstp(e, A64_LDP_X, A64_TMP1, A64_TMP0, A64_TMP0, (int32_t)jc);
    a64_cmp_rr(e, true, A64_TMP1, reg, A64_LSL, 0);
    miss[0] = a64_bcond_fwd(e, A64_CC_NE);
    a64_br(e, A64_TMP0);
}

/* The routine every exit calls (see the header): 2 instructions at e->p. */
static void emit_exit_routine(A64Emit *e)
{
    a64_ldst_uoff(e, A64_LDRX, A64_TMP0, A64_SP, A64_EPILOGUE_DISP / 8);
    a64_br(e, A64_TMP0);
}

/* `bl <exit routine>` and the exit's data after it. */
static void emit_exit_call(CgCtx *c, uint64_t word, uint64_t pc)
{
    A64Emit *e = &c->e;
    BackendBlockInfo *info = c->info;
    a64_w(e, a64_bl_word((c->exit_routine - e->p) / 4));
    info->data[info->n_data++] = (BackendData){ (uint32_t)(e->p - c->code_start),
                                                A64_EXIT_DATA };
    memcpy(e->p, &word, 8);
    memcpy(e->p + 8, &pc, 8);
    e->p += A64_EXIT_DATA;
}

/* From the patch site on: what EXIT and each EXIT_IF's stub share. */
static void exit_tail(CgCtx *c, const IrInsn *in, unsigned idx)
{
    A64Emit *e = &c->e;
    IrRef target = in->op == IR_EXIT_IF ? IR_NONE : in->arg[0];
    uint64_t pc = (uint64_t)in->imm[0];
    BackendExit *x = &c->info->exits[idx];
    x->patch_offset = 0;
    x->target_pc = target ? 0 : pc;
    uint64_t word = (uint64_t)(uint32_t)in->imm[1] | (uint64_t)idx << 32;
    if (!target)
        word |= A64_LIT_STORE_PC;               /* the epilogue stores the data's pc */
    if (IR_EXIT_WORD_KIND(in->imm[1]) == IR_EXIT_JUMP && !target) {
        /* The patch site is the way out: a chained successor knows its own pc, so only the
         * way out to the runtime stores it. Offset 0 means "no site", so a block that is
         * nothing but this exit starts with a nop. */
        uint8_t *irq = NULL;
        if (c->gi->irq_offset && pc <= c->blk->guest_pc) {
            /* A backward exit: the interrupt check (ir/backend.h) skips the patch site. */
            cg_ldst(c, A64_LDRW, A64_TMP0, A64_REG_STATE, (uint32_t)c->gi->irq_offset);
            irq = a64_cbz_fwd(e, true, false, A64_TMP0);
        }
        if (e->p == c->code_start)
            a64_nop(e);
        x->patch_offset = (uint32_t)(e->p - c->code_start);
        emit_exit_call(c, word, pc);
        if (irq) {                  /* the site may be chained: a way out of its own */
            a64_bind(e, irq);
            emit_exit_call(c, word, pc);
        }
        return;
    }
    unsigned treg = 0;
    if (target) {
        treg = cg_gpr(c, target, A64_X15);
        cg_ldst(c, A64_STRX, treg, A64_REG_STATE, c->gi->pc_offset);
    }
    uint8_t *miss[3] = { NULL, NULL, NULL };
    if (target && IR_EXIT_WORD_KIND(in->imm[1]) == IR_EXIT_INDIRECT && c->gi->jc_offset) {
        if (treg == A64_ZR) {               /* target 0 (unfolded blocks): a real register */
            a64_mov_imm(e, A64_X15, 0);
            treg = A64_X15;
        }
        emit_jc_lookup(c, treg, miss);
    }
    for (int i = 0; i < 3; i++)
        if (miss[i])
            a64_bind(e, miss[i]);
    emit_exit_call(c, word, target ? 0 : pc);
}

uint32_t a64_emit_pool(CgCtx *c, const uint8_t *end)
{
    uint8_t *p = c->e.p;
    if (c->n_consts == 0)
        return 0;
    if (p + 4 + 8 * c->n_consts > end) {
        c->err = BE_ERR_FULL;
        return 0;
    }
    uint32_t off = (uint32_t)(p - c->code_start);
    if ((uintptr_t)p & 7) {                     /* alignment: a zero word, never executed */
        memset(p, 0, 4);
        p += 4;
    }
    uint8_t *consts = p;
    for (unsigned i = 0; i < c->n_consts; i++, p += 8)
        memcpy(p, &c->consts[i], 8);
    for (unsigned i = 0; i < c->n_const_uses; i++) {   /* LDR (literal): imm19 words */
        uint8_t *ldr = c->const_uses[i].ldr;
        int64_t rel = (consts + 8 * c->const_uses[i].idx - ldr) / 4;
        a64_word_set(ldr, a64_word_at(ldr) | ((uint32_t)rel & 0x7ffffu) << 5);
    }
    c->e.p = p;
    return off;
}

void a64_emit_exit(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    unsigned idx = c->exit_index++;
    if (idx >= BACKEND_MAX_EXITS) {
        if (c->err == BE_OK)
            c->err = BE_ERR_TOO_BIG;
        return;
    }
    if (in->op == IR_EXIT) {
        exit_tail(c, in, idx);      /* its KEEPs were stored before it (codegen.c) */
        return;
    }
    IrRef cond = in->arg[0];
    uint64_t here = c->blk->guest_pc + c->guest_off;
    if ((uint64_t)in->imm[0] <= here && !c->val[cond].is_const) {
        /* A backward target, a loop's back edge most likely: taken is the hot path, so the
         * stub is inline and branched over when not taken (one taken branch per iteration,
         * not two). It stores the pending KEEPs, as an out-of-line stub does. */
        uint8_t *skip = cg_branch_cond(c, cond, false);
        unsigned n = 0;
        for (unsigned i = 0; i < c->n_pending; i++)
            if (c->blk->insn[c->pending[i]].op == IR_KEEP)
                c->klist[n++] = cg_keep_loc(c, c->pending[i]);
        cg_store_keeps(c, c->klist, n);     /* no evictions: this path leaves the block */
        exit_tail(c, in, idx);
        a64_bind(e, skip);
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
            s->branch = a64_b_fwd(e);
    } else {
        s->branch = cg_branch_cond(c, cond, true);  /* +-1 MiB: far more than a block */
    }
}

void a64_emit_stubs(CgCtx *c, const uint8_t *limit)
{
    for (unsigned i = 0; i < c->n_stubs && c->err == BE_OK; i++) {
        const CgStub *s = &c->stubs[i];
        if (s->branch)
            a64_bind(&c->e, s->branch);
        if (c->e.p + 64 * s->n_keep > limit) {
            c->err = BE_ERR_FULL;
            return;
        }
        cg_store_keeps(c, &c->stub_keeps[s->keep_first], s->n_keep);
        if (c->e.p > limit) {
            c->err = BE_ERR_FULL;
            return;
        }
        exit_tail(c, s->exit, s->idx);
    }
    /* Return sites (RETPUSH) have no return stack here yet: each is an exit without a
     * patch site that is never taken, numbered after every other exit (ir_ops.def), so the
     * runtime's exit list matches the IR's. */
    for (IrRef r = 1; r < c->blk->n && c->err == BE_OK; r++) {
        if (c->blk->insn[r].op != IR_RETPUSH)
            continue;
        unsigned idx = c->exit_index++;
        if (idx >= BACKEND_MAX_EXITS) {
            c->err = BE_ERR_TOO_BIG;
            return;
        }
        c->info->exits[idx] = (BackendExit){ 0, (uint64_t)c->blk->insn[r].imm[0] };
    }
}

void a64_patch_exit(CodeBuf *cb, uint8_t *site, const uint8_t *target)
{
    /* a BL (unchained) or B (chained), whichever this site holds now */
    assert((a64_word_at(site) & 0x7C000000u) == A64_B && ((uintptr_t)site & 3) == 0);
    assert(cb->exit_routine);
    /* unchained: the call of the buffer's exit routine (every one is the same code, and
     * every one is in reach: A64_MAX_CODE_BUF) */
    uint32_t insn = a64_bl_word((cb->exit_routine - site) / 4);
    if (target) {
        int64_t rel = (target - codebuf_exec_addr(cb, site)) / 4;
        if (a64_b_fits(rel))                /* +-128 MiB: always, in one cache */
            insn = a64_b_word(rel);
    }
    __atomic_store_n((uint32_t *)(void *)site, insn, __ATOMIC_RELEASE);
}

/* ---------------------------------------------------------------- helper calls */

/* A value living in a caller-saved register across a call, moved to a slot for the call. */
typedef struct CallSave {
    IrRef v;
    uint8_t reg;
    bool vec;
} CallSave;

/* The helper may clobber x0-x17 and every vector register's upper half (all of v0-v7 and
 * v16-v31). Each value whose home is one of them is stored to a slot (kept with the value: SSA
 * values never change, so a later call needs no second store) and marked as living there while
 * the arguments are loaded, so argument moves never overwrite a source. After the call the
 * values still live are reloaded. */
unsigned a64_emit_call(CgCtx *c, const IrInsn *in)
{
    A64Emit *e = &c->e;
    CallSave saved[64];
    unsigned n = 0;
    /* Pinned GPRs: the helper sees them in the state; one that may write them there leaves
     * them to be reloaded, so aliases needed later move out first. One that never writes the
     * guest's GPRs (a reader, or ir_helper_keeps_gprs: lock compare-and-swaps, cpuid, rdtsc)
     * leaves the callee-saved ones as they are and only the caller-saved ones are reloaded,
     * with the values they had. */
    IrHelperFn fn = (IrHelperFn)(uintptr_t)in->imm[0];
    bool reader = ir_helper_is_reader(fn) || ir_helper_gprs_kept(fn);
    uint32_t all = c->pin ? (1u << c->gi->n_gprs) - 1 : 0, clobbered = all;
    if (reader)
        for (unsigned i = 0; i < c->gi->n_gprs && c->pin; i++)
            if (!a64_gpr_caller_saved(a64_pin_gprs[i]))
                clobbered &= ~(1u << i);
    if (c->pin && !reader)
        cg_pin_evict_call(c);
    a64_pin_sync(e, c->gi, all & ~c->pin_synced, false);   /* the others are there */
    for (unsigned r = 0; r < 32; r++) {
        IrRef v = c->gpr_owner[r];
        if (!v || !a64_gpr_caller_saved(r))
            continue;
        CgVal *cv = &c->val[v];
        if (cv->slot < 0) {
            cv->slot = (int16_t)cg_slot_alloc(c, 1);
            cg_spill(c, false, r, cv->slot, false);
        }
        cv->reg = -1;
        saved[n++] = (CallSave){ v, (uint8_t)r, false };
    }
    for (unsigned r = 0; r < 32; r++) {
        IrRef v = c->vreg_owner[r];
        if (!v)
            continue;
        CgVal *cv = &c->val[v];
        if (cv->slot < 0) {
            cv->slot = (int16_t)cg_slot_alloc(c, 1);
            cg_spill(c, true, r, cv->slot, false);
        }
        cv->reg = -1;
        saved[n++] = (CallSave){ v, (uint8_t)r, true };
    }

    for (unsigned i = 0; i < 3; i++) {
        if (in->arg[i])
            cg_load_gpr(c, A64_X1 + i, in->arg[i]);     /* integers are zero-extended */
        else
            a64_mov_imm(e, A64_X1 + i, 0);
    }
    a64_mov_rr(e, true, A64_X0, A64_REG_STATE);
    cg_mov_imm(c, A64_TMP0, (uint64_t)in->imm[0], false);
    a64_blr(e, A64_TMP0);               /* sp is 16-byte aligned here (see the header) */
    if (a64_probe_live(c->gi))          /* x18 is gcc's to clobber (regs.h) */
        cg_mov_imm(c, A64_REG_PROBE, c->gi->limit_probe, false);
    a64_pin_sync(e, c->gi, clobbered, true);
    c->pin_synced = all;        /* reloaded, or (a reader's callee-saved ones) unchanged */

    unsigned result = A64_X0;
    for (unsigned i = 0; i < n; i++) {
        CgVal *cv = &c->val[saved[i].v];
        cv->reg = (int8_t)saved[i].reg;
        if (cv->last_use <= c->cur)     /* dies at this call: nothing to restore */
            continue;
        if (!saved[i].vec && saved[i].reg == A64_X0 && result == A64_X0) {
            a64_mov_rr(e, true, A64_TMP0, A64_X0);
            result = A64_TMP0;
        }
        cg_spill(c, saved[i].vec, saved[i].reg, cv->slot, true);
    }
    return result;
}

/* ---------------------------------------------------------------- trampoline */

/* Upper bound of the trampoline's size in bytes. */
#define A64_TRAMPOLINE_MAX 400
/* Bytes of register saves below the caller's sp: x29/x30, x19-x28, d8-d15. */
#define A64_SAVE_BYTES 160

void *a64_emit_trampoline(CodeBuf *cb, const IrGuestInfo *gi)
{
    if (cb->end - cb->p < A64_TRAMPOLINE_MAX || cb->end - cb->start > A64_MAX_CODE_BUF)
        return NULL;
    A64Emit em = { cb->p, 0, NULL }, *e = &em;
    uint8_t *entry = e->p;
    a64_ldstp(e, A64_STP_X_PRE, A64_REG_FP, A64_REG_LR, A64_SP, -A64_SAVE_BYTES);
    a64_mov_sp(e, A64_REG_FP, A64_SP);
    for (unsigned i = 0; i < 5; i++)
        a64_ldstp(e, A64_STP_X, A64_X19 + 2 * i, A64_X20 + 2 * i, A64_SP, 16 + 16 * (int)i);
    for (unsigned i = 0; i < 4; i++)
        a64_ldstp(e, A64_STP_D, 8 + 2 * i, 9 + 2 * i, A64_SP, 96 + 16 * (int)i);
    add_imm(e, A64_SP, A64_SP, -(int64_t)A64_FRAME_BYTES);
    a64_mrs_fpcr(e, A64_TMP0);
    a64_ldst_uoff(e, A64_STRX, A64_TMP0, A64_SP, A64_FPCR_SAVE_DISP / 8);
    a64_mov_imm(e, A64_TMP0, A64_FPCR_DEFAULT);
    a64_msr_fpcr(e, A64_TMP0);
    a64_mov_rr(e, true, A64_REG_STATE, A64_X0);
    if (gi->fenv) {
        /* The guest's FP environment word (ir.h) through ir_fenv_set, which maps it onto FPCR
         * and FPSR; x19 (saved above, free until the block runs) keeps the code address. */
        a64_mov_rr(e, true, A64_X19, A64_X1);
        a64_ldst_uoff(e, A64_LDRW, A64_X0, A64_REG_STATE, (int)(gi->fenv_offset / 4));
        a64_mov_imm(e, A64_TMP0, (uint64_t)(uintptr_t)ir_fenv_set);
        a64_blr(e, A64_TMP0);
        a64_mov_rr(e, true, A64_X1, A64_X19);
    }
    if (gi->guest_base != 0)
        a64_mov_imm(e, A64_REG_GUEST_BASE, gi->guest_base);
    if (a64_probe_live(gi))
        a64_mov_imm(e, A64_REG_PROBE, gi->limit_probe);
    a64_pin_sync(e, gi, ~0u, true);     /* the pinned GPRs (codegen_pin.c) */
    a64_adr(e, A64_REG_LR, 12);         /* the epilogue: after adr, str, br */
    a64_ldst_uoff(e, A64_STRX, A64_REG_LR, A64_SP, A64_EPILOGUE_DISP / 8);
    a64_br(e, A64_X1);
    /* the shared epilogue: the exit routine comes here with x30 = the exit's data */
    a64_ldstp(e, A64_LDP_X, A64_X0, A64_TMP1, A64_REG_LR, 0);
    uint8_t *no_pc = e->p;
    a64_w(e, 0x36000000u | 1u << 31 | (63u - 32u) << 19 | A64_X0);   /* tbz x0, #63, no_pc */
    if (gi->pc_offset % 8 == 0 && gi->pc_offset < 32768) {
        a64_ldst_uoff(e, A64_STRX, A64_TMP1, A64_REG_STATE, (int)(gi->pc_offset / 8));
    } else {
        add_imm(e, A64_TMP0, A64_REG_STATE, gi->pc_offset);
        a64_ldst_uoff(e, A64_STRX, A64_TMP1, A64_TMP0, 0);
    }
    a64_logic_ri(e, A64_AND_I, true, A64_X0, A64_X0, a64_logical_imm(~A64_LIT_STORE_PC, 64));
    a64_word_set(no_pc, a64_word_at(no_pc) | (uint32_t)((e->p - no_pc) / 4) << 5);
    a64_pin_sync(e, gi, ~0u, false);
    if (gi->fenv) {         /* the sticky flags back into the guest's word; x19 keeps x0 */
        a64_mov_rr(e, true, A64_X19, A64_X0);
        add_imm(e, A64_X0, A64_REG_STATE, gi->fenv_offset);
        a64_mov_imm(e, A64_TMP0, (uint64_t)(uintptr_t)ir_fenv_store_flags);
        a64_blr(e, A64_TMP0);
        a64_mov_rr(e, true, A64_X0, A64_X19);
    }
    a64_ldst_uoff(e, A64_LDRX, A64_TMP0, A64_SP, A64_FPCR_SAVE_DISP / 8);
    a64_msr_fpcr(e, A64_TMP0);
    add_imm(e, A64_SP, A64_SP, A64_FRAME_BYTES);
    for (unsigned i = 0; i < 4; i++)
        a64_ldstp(e, A64_LDP_D, 8 + 2 * i, 9 + 2 * i, A64_SP, 96 + 16 * (int)i);
    for (unsigned i = 0; i < 5; i++)
        a64_ldstp(e, A64_LDP_X, A64_X19 + 2 * i, A64_X20 + 2 * i, A64_SP, 16 + 16 * (int)i);
    a64_ldstp(e, A64_LDP_X_POST, A64_REG_FP, A64_REG_LR, A64_SP, A64_SAVE_BYTES);
    a64_ret(e);
    cb->exit_routine = e->p;    /* blocks written after this trampoline call this one */
    emit_exit_routine(e);
    /* The jump cache's miss routine (CodeBuf.jc_miss, the code of entries without any): an
     * indirect exit's way out, so the probe needs no test of the code pointer. The guest
     * pc is stored before every probe. */
    uint8_t *miss = e->p;
    a64_w(e, a64_bl_word((cb->exit_routine - e->p) / 4));
    uint64_t data[2] = { IR_EXIT_WORD(IR_EXIT_INDIRECT, 0, 0), 0 };
    memcpy(e->p, data, sizeof data);
    e->p += sizeof data;
    cb->jc_miss = codebuf_exec_addr(cb, miss);
    assert(e->p - entry <= A64_TRAMPOLINE_MAX);
    cb->p = e->p;
    return codebuf_exec_addr(cb, entry);
}
