/* gen_mov.c — translation of the x86-64 data movement instructions into IR.
 *
 * Contract: fe_gen_mov(c) translates c->insn and returns true, or returns false without
 * emitting anything when the instruction is not one of its own, so the caller can ask another
 * family or deliver SIGILL. None of these instructions reads or writes the arithmetic flags
 * except CMOVcc and SETcc, which read them through fe_cond; so there is no undefined-flags
 * policy to state here.
 *
 * Coverage (64-bit mode, every operand size; 8-bit forms reach AH-BH without REX through
 * fe_get_gpr/fe_put_gpr, which also zero-extend 32-bit writes and merge 8/16-bit ones):
 *   88-8B mov, C6 /0 and C7 /0 mov r/m,imm, B0-BF mov r,imm (imm64 with REX.W), A0-A3 mov with
 *   a 64-bit (32 under 67) absolute address and segment override; 8C/8E mov from/to a segment
 *   register, 0F A0/A8 push fs/gs, 0F A1/A9 pop fs/gs; 0F B6/B7/BE/BF movzx/movsx; 63 movsxd;
 *   8D lea; 86/87 and 91-97 (90 with REX.B) xchg; 50-5F push/pop r, 68/6A push imm, FF /6 push,
 *   8F /0 pop; 98 cbw/cwde/cdqe, 99 cwd/cdq/cqo; 0F 40-4F cmovcc; 0F 90-9F setcc; C8 enter,
 *   C9 leave; D7 xlat; 0F 38 F0/F1 movbe (load / store with the bytes reversed; memory operand
 *   only, 66 for 16 bits; F2 0F 38 F0/F1 is crc32, not this family's).
 * Left to other families: plain 90 and F3 90 (nop, pause: gen_misc.c), 0F C3 movnti
 * (gen_sse.c), cmpxchg/xadd (gen_alu.c), the string moves (gen_string.c).
 *
 * Guest-visible rules kept here:
 *  - segment registers as a Linux x86-64 process sees them: cs = 0x33, ss = 0x2b, ds = es =
 *    fs = gs = 0 (FS/GS bases live apart in X86State). Reading one (8C) zero-extends into a
 *    32/64-bit register, merges into a 16-bit one, and always stores 16 bits to memory.
 *    Writing one (8E, pop fs/gs) cannot be kept exact in general, since ferry keeps no
 *    selectors and a load into FS/GS also replaces the base: loading ES/DS with 0 or SS with
 *    0x2b leaves everything as it was and is translated as such; any other load raises #GP,
 *    which Linux reports as SIGSEGV/SI_KERNEL (on hardware it may succeed: a documented
 *    difference);
 *  - push rsp pushes the old value; pop rsp leaves the popped value in rsp; pop m computes
 *    its address with the incremented rsp (SDM Vol. 2, POP), and all register writes happen
 *    after every memory access, so a fault leaves the registers as they were;
 *  - 66 push/pop/enter/leave move 2 bytes; the stack pointer is always the whole RSP;
 *  - cmovcc always reads its source (a memory operand may fault even when the condition is
 *    false) and the 32-bit form zero-extends the destination either way;
 *  - lea computes no segment base; movsxd without REX.W is a plain 32-bit (or 16-bit) move;
 *  - LOCK: allowed only on xchg with a memory operand, where it is implied anyway and
 *    translated as the plain exchange (single-threaded user mode for now; atomicity comes with
 *    threads); on anything else here it is #UD -> SIGILL (the decoder rejects those encodings
 *    already; the check below keeps this file correct on its own).
 */
#include <signal.h>

#include "frontend-x86/fe_internal.h"

/* Segment selectors of a Linux x86-64 user process (__USER_CS, __USER_DS). */
#define SEL_USER_CS 0x33
#define SEL_USER_SS 0x2b

/* ================================================================ small helpers */

static IrRef k64(FeCtx *c, uint64_t v) { return ir_const(&c->b, IR_I64, v); }

static IrRef add64(FeCtx *c, IrRef a, IrRef b) { return ir_op2(&c->b, IR_ADD, IR_I64, a, b); }

/* v converted to integer type t: zero/sign extension or truncation, nothing if already t. */
static IrRef resize(FeCtx *c, IrRef v, IrType t, bool sign)
{
    IrType from = ir_value_type(c->b.blk, v);
    if (from == t) return v;
    if (ir_type_size(from) > ir_type_size(t)) return ir_op1(&c->b, IR_TRUNC, t, v);
    return ir_op1(&c->b, sign ? IR_SEXT : IR_ZEXT, t, v);
}

static inline bool is_reg(const FeCtx *c) { return c->insn->mod == 3; }

/* Register number encoded in the low three opcode bits (B0-BF, 50-5F, 90-97), with REX.B. */
static inline int opcode_reg(const X86Insn *i) { return (i->opcode & 7) | ((i->rex & 1) ? 8 : 0); }

/* ================================================================ stack */

/* 50-57: push r (2 or 8 bytes; push rsp pushes the value before the decrement). */
static bool gen_PUSH_r(FeCtx *c)
{
    fe_push(c, fe_get_gpr(c, opcode_reg(c->insn), c->insn->opsize));
    return true;
}

/* 58-5F: pop r. */
static bool gen_POP_r(FeCtx *c)
{
    IrRef sp, v = fe_pop_load(c, c->insn->opsize, &sp);
    fe_put_sp(c, sp);
    fe_put_gpr(c, opcode_reg(c->insn), c->insn->opsize, v);
    return true;
}

/* 68 push imm16/32 (sign-extended to 64), 6A push imm8 (sign-extended to the operand size). */
static bool gen_PUSH_imm(FeCtx *c)
{
    fe_push(c, fe_imm(c, c->insn->opsize, (uint64_t)c->insn->imm));
    return true;
}

/* FF /6: push r/m (the memory operand is addressed with the RSP before the push). */
static bool gen_PUSH_rm(FeCtx *c)
{
    fe_push(c, fe_load_rm(c, c->insn->opsize));
    return true;
}

/* 8F /0: pop r/m. */
static bool gen_POP_rm(FeCtx *c)
{
    const X86Insn *i = c->insn;
    IrRef sp, v = fe_pop_load(c, i->opsize, &sp);
    if (is_reg(c)) {
        fe_put_sp(c, sp);
        fe_put_gpr(c, i->rm, i->opsize, v);
        return true;
    }
    /* The address uses the incremented RSP; RSP itself changes only after the store. */
    fe_store(c, fe_seg_linear(c, fe_ea_offset(c, sp)), v);
    fe_put_sp(c, sp);
    return true;
}

/* RBP as a stack address: EBP in 32-bit mode. */
static IrRef frame_ptr(FeCtx *c)
{
    if (!c->mode32)
        return fe_get_gpr(c, X86_RBP, 8);
    return ir_op1(&c->b, IR_ZEXT, IR_I64, fe_get_gpr(c, X86_RBP, 4));
}

/* C8 iw ib: enter alloc, level (SDM Vol. 2, ENTER, 64-bit mode; checked on hardware for the
 * 66 form: the frame pointer copies are 2 bytes, BP receives the low 16 bits of the frame
 * pointer and RSP is decremented as a whole). */
static bool gen_ENTER(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    IrType t = fe_type(size);
    uint64_t alloc = (uint64_t)i->imm & 0xffff;
    unsigned level = (unsigned)i->imm2 & 31;

    IrRef rbp = frame_ptr(c);
    IrRef sp = fe_sp_add(c, fe_get_sp(c), -(int64_t)size);
    fe_store(c, sp, resize(c, rbp, t, false));
    IrRef frame = sp;
    if (level > 0) {
        /* Copy level - 1 frame pointers from the enclosing frame, then push the new one. */
        for (unsigned n = 1; n < level; n++) {
            IrRef from = fe_sp_add(c, rbp, -(int64_t)(n * size));
            IrRef v = fe_load(c, t, from);
            sp = fe_sp_add(c, sp, -(int64_t)size);
            fe_store(c, sp, v);
        }
        sp = fe_sp_add(c, sp, -(int64_t)size);
        fe_store(c, sp, resize(c, frame, t, false));
    }
    fe_put_gpr(c, X86_RBP, size, resize(c, frame, t, false));
    fe_put_sp(c, fe_sp_add(c, sp, -(int64_t)alloc));
    return true;
}

/* C9: leave — RSP = RBP, then pop RBP (66: pop BP, merging). */
static bool gen_LEAVE(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef rbp = frame_ptr(c);
    IrRef v = fe_load(c, fe_type(size), rbp);
    fe_put_sp(c, fe_sp_add(c, rbp, size));
    fe_put_gpr(c, X86_RBP, size, v);
    return true;
}

/* ================================================================ moves */

/* 88/89: mov r/m, r.  8A/8B: mov r, r/m. */
static bool gen_MOV_store(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    fe_store_rm(c, size, fe_load_reg(c, size));
    return true;
}

static bool gen_MOV_load(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    fe_store_reg(c, size, fe_load_rm(c, size));
    return true;
}

/* C6 /0, C7 /0: mov r/m, imm (imm32 sign-extended for the 64-bit form). */
static bool gen_MOV_rm_imm(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    fe_store_rm(c, size, fe_imm(c, size, (uint64_t)c->insn->imm));
    return true;
}

/* B0-B7: mov r8, imm8; B8-BF: mov r, imm16/32/64. */
static bool gen_MOV_r_imm(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    fe_put_gpr(c, opcode_reg(c->insn), size, fe_imm(c, size, (uint64_t)c->insn->imm));
    return true;
}

/* A0-A3: mov AL/rAX to and from an absolute address (moffs: 8 bytes, or 4 under 67, which the
 * decoder sign-extended and fe_addr_size truncates back). */
static bool gen_MOV_moffs(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    IrRef addr = fe_seg_linear(c, fe_addr_size(c, k64(c, (uint64_t)i->imm)));
    if (i->opcode <= 0xa1) fe_put_gpr(c, X86_RAX, size, fe_load(c, fe_type(size), addr));
    else fe_store(c, addr, fe_get_gpr(c, X86_RAX, size));
    return true;
}

/* Selector value of segment register n (ModRM.reg: ES CS SS DS FS GS). */
static uint64_t selector(unsigned n)
{
    switch (n) {
    case 1:  return SEL_USER_CS;
    case 2:  return SEL_USER_SS;
    default: return 0;
    }
}

/* 8C: mov r/m, Sreg. */
static bool gen_MOV_from_sreg(FeCtx *c)
{
    const X86Insn *i = c->insn;
    uint64_t sel = selector(i->reg & 7);
    if (is_reg(c)) fe_put_gpr(c, i->rm, i->opsize, fe_imm(c, i->opsize, sel));
    else fe_store(c, fe_ea(c), ir_const(&c->b, IR_I16, sel));
    return true;
}

/* Loading selector v (I16) into segment register n: #GP unless it is the value the register
 * already holds and the load changes nothing else (ES/DS/SS; never FS/GS, whose base it would
 * replace). See the file header. */
static void load_sreg(FeCtx *c, unsigned n, IrRef v)
{
    IrRef bad;
    if (n == 4 || n == 5) bad = ir_const(&c->b, IR_I8, 1);
    else bad = ir_cmp(&c->b, IR_NE, v, ir_const(&c->b, IR_I16, selector(n)));
    uint64_t known;
    if (ir_is_const(c->b.blk, bad, &known)) {
        if (known) fe_trap(c, SIGSEGV, SI_KERNEL);
        return;
    }
    fe_flush_flags(c);
    ir_exit_if(&c->b, bad, c->pc, IR_EXIT_WORD(IR_EXIT_TRAP, SIGSEGV, SI_KERNEL));
}

/* 8E: mov Sreg, r/m16. */
static bool gen_MOV_to_sreg(FeCtx *c)
{
    load_sreg(c, c->insn->reg & 7, fe_load_rm(c, 2));
    return true;
}

/* 0F A0 / 0F A8: push fs / push gs (selector 0; the 64-bit form writes all 8 bytes, as
 * hardware does). */
static bool gen_PUSH_sreg(FeCtx *c)
{
    fe_push(c, fe_imm(c, c->insn->opsize, 0));
    return true;
}

/* 0F A1 / 0F A9: pop fs / pop gs: always #GP here (see load_sreg), before anything changes. */
static bool gen_POP_sreg(FeCtx *c)
{
    fe_trap(c, SIGSEGV, SI_KERNEL);
    return true;
}

/* 0F B6/B7 movzx, 0F BE/BF movsx: r16/32/64 = extended r/m8 or r/m16. */
static bool gen_MOVX(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned from = (i->opcode & 1) ? 2 : 1;
    bool sign = i->opcode >= 0xbe;
    IrRef v = fe_load_rm(c, from);
    fe_store_reg(c, i->opsize, resize(c, v, fe_type(i->opsize), sign));
    return true;
}

/* 63: movsxd r64, r/m32 with REX.W; otherwise a plain move of the operand size (checked on
 * hardware: 66 63 moves 16 bits, 63 moves 32 and zero-extends). */
static bool gen_MOVSXD(FeCtx *c)
{
    if (c->mode32)
        return false;                   /* arpl outside 64-bit mode: not implemented */
    unsigned size = c->insn->opsize;
    if (size == 8) fe_store_reg(c, 8, ir_op1(&c->b, IR_SEXT, IR_I64, fe_load_rm(c, 4)));
    else fe_store_reg(c, size, fe_load_rm(c, size));
    return true;
}

/* 8D: lea r, m — the offset (no segment base), address size then operand size applied. */
static bool gen_LEA(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    fe_store_reg(c, size, resize(c, fe_ea_offset(c, IR_NONE), fe_type(size), false));
    return true;
}

/* 86/87: xchg r/m, r. Both values are read before either is written; the memory form stores
 * before the register changes, so a fault leaves the register intact, and is atomic
 * (fe_lock.c). */
static bool gen_XCHG_rm(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    IrRef r = fe_load_reg(c, size);
    if (is_reg(c)) {
        IrRef m = fe_get_gpr(c, i->rm, size);
        fe_put_gpr(c, i->rm, size, r);
        fe_store_reg(c, size, m);
        return true;
    }
    IrRef addr = fe_ea(c);
    fe_lock_begin(c, true);     /* xchg with memory is atomic, LOCK or not */
    IrRef m = fe_load(c, fe_type(size), addr);
    fe_store(c, addr, r);
    fe_store_reg(c, size, m);
    return true;
}

/* 91-97, and 90 with REX.B: xchg r, rAX (the 32-bit form zero-extends both registers). */
static bool gen_XCHG_rax(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    int reg = opcode_reg(c->insn);
    IrRef a = fe_get_gpr(c, reg, size);
    IrRef b = fe_get_gpr(c, X86_RAX, size);
    fe_put_gpr(c, reg, size, b);
    fe_put_gpr(c, X86_RAX, size, a);
    return true;
}

/* 98: cbw (AX = sext AL), cwde (EAX = sext AX), cdqe (RAX = sext EAX). */
static bool gen_CBW(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef v = fe_get_gpr(c, X86_RAX, size / 2);
    fe_put_gpr(c, X86_RAX, size, ir_op1(&c->b, IR_SEXT, fe_type(size), v));
    return true;
}

/* 99: cwd/cdq/cqo — rDX = the sign of rAX replicated. */
static bool gen_CWD(FeCtx *c)
{
    unsigned size = c->insn->opsize;
    IrRef v = fe_get_gpr(c, X86_RAX, size);
    IrRef sign = ir_op2(&c->b, IR_SAR, fe_type(size), v, fe_imm(c, size, size * 8 - 1));
    fe_put_gpr(c, X86_RDX, size, sign);
    return true;
}

/* 0F 40-4F: cmovcc r, r/m. */
static bool gen_CMOV(FeCtx *c)
{
    const X86Insn *i = c->insn;
    unsigned size = i->opsize;
    IrRef src = fe_load_rm(c, size);              /* read whatever the condition */
    IrRef cond = fe_cond(c, i->opcode & 15);
    IrRef old = fe_load_reg(c, size);
    fe_store_reg(c, size, ir_select(&c->b, fe_type(size), cond, src, old));
    return true;
}

/* 0F 90-9F: setcc r/m8 (ModRM.reg is ignored). */
static bool gen_SETCC(FeCtx *c)
{
    fe_store_rm(c, 1, fe_cond(c, c->insn->opcode & 15));
    return true;
}

/* D7: xlat — AL = [seg: rBX + zero-extended AL]. */
static bool gen_XLAT(FeCtx *c)
{
    IrRef al = ir_op1(&c->b, IR_ZEXT, IR_I64, fe_get_gpr(c, X86_RAX, 1));
    IrRef off = fe_addr_size(c, add64(c, fe_get_gpr(c, X86_RBX, 8), al));
    fe_put_gpr(c, X86_RAX, 1, fe_load(c, IR_I8, fe_seg_linear(c, off)));
    return true;
}

/* 0F 38 F0: movbe Gv, Mv (load, then reverse the bytes); 0F 38 F1: movbe Mv, Gv (reverse,
 * then store). 16-bit loads merge into the register, 32-bit ones zero-extend. */
static bool gen_MOVBE(FeCtx *c)
{
    const X86Insn *i = c->insn;
    IrType t = fe_type(i->opsize);
    IrRef addr = fe_ea(c);
    if (i->opcode == 0xf0)
        fe_put_gpr(c, i->reg, i->opsize, ir_op1(&c->b, IR_BSWAP, t, fe_load(c, t, addr)));
    else
        fe_store(c, addr, ir_op1(&c->b, IR_BSWAP, t, fe_get_gpr(c, i->reg, i->opsize)));
    return true;
}

/* ================================================================ dispatch */

typedef bool (*MovGen)(FeCtx *c);

/* The translator for c->insn, or NULL if it is not in this family. */
static MovGen mov_gen(const X86Insn *i)
{
    uint8_t op = i->opcode;
    if (i->vex) return NULL;            /* VEX forms are gen_bmi.c's (or #UD) */
    if (i->map == X86_MAP_1B) {
        if (op >= 0x50 && op <= 0x57) return gen_PUSH_r;
        if (op >= 0x58 && op <= 0x5f) return gen_POP_r;
        if (op >= 0xb0 && op <= 0xbf) return gen_MOV_r_imm;
        if (op >= 0x91 && op <= 0x97) return gen_XCHG_rax;
        if (op >= 0xa0 && op <= 0xa3) return gen_MOV_moffs;
        switch (op) {
        case 0x63: return gen_MOVSXD;
        case 0x68: case 0x6a: return gen_PUSH_imm;
        case 0x86: case 0x87: return gen_XCHG_rm;
        case 0x88: case 0x89: return gen_MOV_store;
        case 0x8a: case 0x8b: return gen_MOV_load;
        case 0x8c: return gen_MOV_from_sreg;
        case 0x8d: return gen_LEA;
        case 0x8e: return gen_MOV_to_sreg;
        case 0x8f: return (i->reg & 7) == 0 ? gen_POP_rm : NULL;
        /* 90 is nop and F3 90 pause (even with REX.B, checked on hardware): gen_misc.c. */
        case 0x90: return (i->rex & 1) && i->rep != 0xf3 ? gen_XCHG_rax : NULL;
        case 0x98: return gen_CBW;
        case 0x99: return gen_CWD;
        case 0xc6: case 0xc7: return (i->reg & 7) == 0 ? gen_MOV_rm_imm : NULL;
        case 0xc8: return gen_ENTER;
        case 0xc9: return gen_LEAVE;
        case 0xd7: return gen_XLAT;
        case 0xff: return (i->reg & 7) == 6 ? gen_PUSH_rm : NULL;
        default:   return NULL;
        }
    }
    if (i->map == X86_MAP_0F) {
        if (op >= 0x40 && op <= 0x4f) return gen_CMOV;
        if (op >= 0x90 && op <= 0x9f) return gen_SETCC;
        switch (op) {
        case 0xa0: case 0xa8: return gen_PUSH_sreg;
        case 0xa1: case 0xa9: return gen_POP_sreg;
        case 0xb6: case 0xb7: case 0xbe: case 0xbf: return gen_MOVX;
        default:   return NULL;
        }
    }
    /* movbe: the decoder admits it with no prefix or 66, memory operands only */
    if (i->map == X86_MAP_0F38 && (op == 0xf0 || op == 0xf1) && i->rep != 0xf2)
        return gen_MOVBE;
    return NULL;
}

bool fe_gen_mov(FeCtx *c)
{
    const X86Insn *i = c->insn;
    MovGen gen = mov_gen(i);
    if (!gen) return false;
    if (i->lock && !(gen == gen_XCHG_rm && !is_reg(c))) {
        fe_trap(c, SIGILL, ILL_ILLOPN);
        return true;
    }
    return gen(c);
}
