/* insn.h — x86_64 instruction encoders (Intel SDM vol. 2 encodings), all static inline.
 *
 * Every instruction is [legacy prefix] [REX] opcode [ModRM [SIB] [disp]] [imm]. One function,
 * x64_op(), builds that frame from an opcode and an X64Rm operand (a register or a memory
 * reference [base + index*2^scale + disp]); the named encoders below are one-liners over it.
 * Names give the operand shape:
 *   _rr  register, register        _ri  register, immediate
 *   _rx  register, r/m (X64Rm)     _xr  r/m, register          _xi  r/m, immediate
 * `size` is the operand size in bytes (1, 2, 4, 8): 2 adds the 0x66 prefix, 8 sets REX.W,
 * 1 selects the byte opcode and forces a REX prefix when SPL/BPL/SIL/DIL are named (without it
 * those encodings mean AH/CH/DH/BH). Writes on 32-bit registers zero the upper half; the
 * backend relies on it to keep integers zero-extended.
 * Each encoder counts one host instruction (emit.h) and writes at most 15 bytes.
 */
#ifndef FERRY_X64_INSN_H
#define FERRY_X64_INSN_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "emit.h"
#include "regs.h"

/* ---------------------------------------------------------------- operands */

typedef struct X64Rm {
    uint8_t is_mem;     /* 0: register `reg`; 1: memory */
    uint8_t reg;        /* register number (GPR or XMM) when !is_mem */
    uint8_t base;       /* memory: base register */
    uint8_t index;      /* memory: index register or X64_NOREG */
    uint8_t scale;      /* memory: log2 of the index scale (0..3) */
    int32_t disp;       /* memory: displacement */
} X64Rm;

static inline X64Rm x64_r(unsigned reg)
{
    return (X64Rm){ .is_mem = 0, .reg = (uint8_t)reg, .index = X64_NOREG };
}

static inline X64Rm x64_m(unsigned base, int32_t disp)
{
    return (X64Rm){ .is_mem = 1, .base = (uint8_t)base, .index = X64_NOREG, .disp = disp };
}

/* [disp32]: an absolute address below 2^31 (SIB with no base and no index), for guest
 * addresses that are constants when guest addresses are host addresses. */
static inline X64Rm x64_mabs(int32_t disp)
{
    return (X64Rm){ .is_mem = 1, .base = X64_NOREG, .index = X64_NOREG, .disp = disp };
}

static inline X64Rm x64_mx(unsigned base, unsigned index, unsigned scale, int32_t disp)
{
    assert(index != X64_RSP);   /* SIB index 100 means "no index" */
    return (X64Rm){ .is_mem = 1, .base = (uint8_t)base, .index = (uint8_t)index,
                    .scale = (uint8_t)scale, .disp = disp };
}

/* The same operand `off` bytes further on (memory only; used for the halves of a slot). */
static inline X64Rm x64_rm_off(X64Rm m, int32_t off)
{
    assert(m.is_mem);
    m.disp += off;
    return m;
}

/* ---------------------------------------------------------------- immediate predicates */

static inline bool x64_fits_i8(int64_t v) { return v >= -128 && v <= 127; }
static inline bool x64_fits_i32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }
static inline bool x64_fits_u32(uint64_t v) { return v <= UINT32_MAX; }

/* ---------------------------------------------------------------- the general frame */

/* Flags for x64_op: which operands are 8-bit registers (forcing REX for SPL..DIL). */
enum { X64_BYTE_REG = 1, X64_BYTE_RM = 2 };

/* ModRM (+SIB, +disp) for register field `reg` and operand `rm`. */
static inline void x64_modrm(X64Emit *e, unsigned reg, X64Rm rm)
{
    reg &= 7;
    if (!rm.is_mem) {
        emit_u8(e, (uint8_t)(0xC0 | reg << 3 | (rm.reg & 7)));
        return;
    }
    if (rm.base == X64_NOREG) {
        /* mod 00, rm 100, SIB base 101: [index * scale + disp32], index 100 = none */
        unsigned index = rm.index == X64_NOREG ? 4 : (rm.index & 7u);
        emit_u8(e, (uint8_t)(reg << 3 | 4));
        emit_u8(e, (uint8_t)(rm.scale << 6 | index << 3 | 5));
        emit_u32(e, (uint32_t)rm.disp);
        return;
    }
    unsigned base = rm.base & 7;
    unsigned mod;
    /* mod 00 with base 101 means RIP/disp32, so rbp/r13 always carry a displacement. */
    if (rm.disp == 0 && base != 5)
        mod = 0;
    else if (x64_fits_i8(rm.disp))
        mod = 1;
    else
        mod = 2;
    if (rm.index == X64_NOREG && base != 4) {
        emit_u8(e, (uint8_t)(mod << 6 | reg << 3 | base));
    } else {
        /* rsp/r12 as base, or any index, need a SIB byte; index 100 = none. */
        unsigned index = rm.index == X64_NOREG ? 4 : (rm.index & 7u);
        emit_u8(e, (uint8_t)(mod << 6 | reg << 3 | 4));
        emit_u8(e, (uint8_t)(rm.scale << 6 | index << 3 | base));
    }
    if (mod == 1)
        emit_u8(e, (uint8_t)(int8_t)rm.disp);
    else if (mod == 2)
        emit_u32(e, (uint32_t)rm.disp);
}

/* [pfx] [REX] opcode ModRM...: `opc` holds `nopc` opcode bytes, most significant first. */
static inline void x64_op(X64Emit *e, unsigned pfx, bool w, unsigned opc, unsigned nopc,
                          unsigned reg, X64Rm rm, unsigned byteflags)
{
    x64_insn(e);
    if (pfx)
        emit_u8(e, (uint8_t)pfx);
    unsigned rex = (w ? 8u : 0u) | ((reg & 8) ? 4u : 0u);
    if (rm.is_mem) {
        if (rm.index != X64_NOREG && (rm.index & 8))
            rex |= 2;
        if (rm.base != X64_NOREG && (rm.base & 8))
            rex |= 1;
    } else if (rm.reg & 8) {
        rex |= 1;
    }
    bool force = ((byteflags & X64_BYTE_REG) && reg >= 4 && reg <= 7) ||
                 ((byteflags & X64_BYTE_RM) && !rm.is_mem && rm.reg >= 4 && rm.reg <= 7);
    if (rex || force)
        emit_u8(e, (uint8_t)(0x40 | rex));
    for (unsigned i = nopc; i-- > 0;)
        emit_u8(e, (uint8_t)(opc >> (8 * i)));
    x64_modrm(e, reg, rm);
}

/* An integer op of `size` bytes: opc8 is the byte form's opcode, opc the 16/32/64-bit one. */
static inline void x64_op_sz(X64Emit *e, unsigned size, unsigned opc8, unsigned opc,
                             unsigned nopc, unsigned reg, X64Rm rm, unsigned byteflags)
{
    assert(size == 1 || size == 2 || size == 4 || size == 8);
    x64_op(e, size == 2 ? 0x66 : 0, size == 8, size == 1 ? opc8 : opc, nopc, reg, rm,
           size == 1 ? byteflags : 0);
}

/* ---------------------------------------------------------------- moves */

/* reg = r/m (size 1 and 2 keep the register's other bits: prefer x64_movzx_rx). */
static inline void x64_mov_rx(X64Emit *e, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op_sz(e, size, 0x8A, 0x8B, 1, reg, rm, X64_BYTE_REG | X64_BYTE_RM);
}

/* r/m = reg */
static inline void x64_mov_xr(X64Emit *e, unsigned size, X64Rm rm, unsigned reg)
{
    x64_op_sz(e, size, 0x88, 0x89, 1, reg, rm, X64_BYTE_REG | X64_BYTE_RM);
}

static inline void x64_mov_rr(X64Emit *e, unsigned size, unsigned dst, unsigned src)
{
    x64_mov_xr(e, size, x64_r(dst), src);
}

/* reg = [base + disp] */
static inline void x64_mov_rm(X64Emit *e, unsigned size, unsigned reg, unsigned base,
                              int32_t disp)
{
    x64_mov_rx(e, size, reg, x64_m(base, disp));
}

/* [base + disp] = reg */
static inline void x64_mov_mr(X64Emit *e, unsigned size, unsigned base, int32_t disp,
                              unsigned reg)
{
    x64_mov_xr(e, size, x64_m(base, disp), reg);
}

/* reg (64-bit) = imm, in the shortest form; never touches the flags. */
static inline void x64_mov_ri(X64Emit *e, unsigned reg, uint64_t imm)
{
    x64_insn(e);
    if (x64_fits_u32(imm)) {            /* B8+r id: mov r32, imm32 zero-extends */
        if (reg & 8)
            emit_u8(e, 0x41);
        emit_u8(e, (uint8_t)(0xB8 + (reg & 7)));
        emit_u32(e, (uint32_t)imm);
    } else if (x64_fits_i32((int64_t)imm)) { /* REX.W C7 /0 id: sign-extended imm32 */
        emit_u8(e, (uint8_t)(0x48 | ((reg & 8) ? 1 : 0)));
        emit_u8(e, 0xC7);
        emit_u8(e, (uint8_t)(0xC0 | (reg & 7)));
        emit_u32(e, (uint32_t)imm);
    } else {                            /* REX.W B8+r io */
        emit_u8(e, (uint8_t)(0x48 | ((reg & 8) ? 1 : 0)));
        emit_u8(e, (uint8_t)(0xB8 + (reg & 7)));
        emit_u64(e, imm);
    }
}

/* An instruction's immediate of operand size `size` (size 8: an imm32, sign-extended). */
static inline void emit_imm_sz(X64Emit *e, unsigned size, int32_t imm)
{
    if (size == 1)
        emit_u8(e, (uint8_t)imm);
    else if (size == 2)
        emit_u16(e, (uint16_t)imm);
    else
        emit_u32(e, (uint32_t)imm);
}

/* r/m = imm (size 8: the imm32 is sign-extended). */
static inline void x64_mov_xi(X64Emit *e, unsigned size, X64Rm rm, int32_t imm)
{
    x64_op_sz(e, size, 0xC6, 0xC7, 1, 0, rm, 0);
    emit_imm_sz(e, size, imm);
}

/* reg (32-bit, so the whole 64-bit register) = zero-extended r/m of src_size 1, 2 or 4. */
static inline void x64_movzx_rx(X64Emit *e, unsigned src_size, unsigned reg, X64Rm rm)
{
    if (src_size == 1)
        x64_op(e, 0, false, 0x0FB6, 2, reg, rm, X64_BYTE_RM);
    else if (src_size == 2)
        x64_op(e, 0, false, 0x0FB7, 2, reg, rm, 0);
    else
        x64_op(e, 0, src_size == 8, 0x8B, 1, reg, rm, 0);
}

/* reg (dst_size 4 or 8) = sign-extended r/m of src_size 1, 2 or 4. */
static inline void x64_movsx_rx(X64Emit *e, unsigned dst_size, unsigned src_size, unsigned reg,
                                X64Rm rm)
{
    bool w = dst_size == 8;
    if (src_size == 1)
        x64_op(e, 0, w, 0x0FBE, 2, reg, rm, X64_BYTE_RM);
    else if (src_size == 2)
        x64_op(e, 0, w, 0x0FBF, 2, reg, rm, 0);
    else if (w)
        x64_op(e, 0, true, 0x63, 1, reg, rm, 0);       /* MOVSXD */
    else
        x64_op(e, 0, false, 0x8B, 1, reg, rm, 0);
}

static inline void x64_lea_rm(X64Emit *e, unsigned size, unsigned reg, X64Rm mem)
{
    assert(mem.is_mem);
    x64_op(e, 0, size == 8, 0x8D, 1, reg, mem, 0);
}

/* lea reg, [rip + disp32] (REX.W 8D /r, mod 00 rm 101), the displacement bound later by
 * x64_bind32 (it is relative to the end of the instruction, which is the field's end). */
static inline uint8_t *x64_lea_rip_fwd(X64Emit *e, unsigned reg)
{
    x64_insn(e);
    emit_u8(e, (uint8_t)(0x48 | ((reg & 8) ? 4 : 0)));
    emit_u8(e, 0x8D);
    emit_u8(e, (uint8_t)(0x05 | (reg & 7) << 3));
    uint8_t *field = e->p;
    emit_u32(e, 0);
    return field;
}

/* ---------------------------------------------------------------- integer ALU */

/* The eight classic ALU ops; the value is the /digit of the 80/81/83 immediate forms and the
 * base opcode divided by 8. */
typedef enum X64Alu {
    X64_ADD = 0, X64_OR, X64_ADC, X64_SBB, X64_AND, X64_SUB, X64_XOR, X64_CMP,
} X64Alu;

/* reg op= r/m */
static inline void x64_alu_rx(X64Emit *e, X64Alu op, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op_sz(e, size, op * 8u + 2, op * 8u + 3, 1, reg, rm, X64_BYTE_REG | X64_BYTE_RM);
}

/* r/m op= reg */
static inline void x64_alu_xr(X64Emit *e, X64Alu op, unsigned size, X64Rm rm, unsigned reg)
{
    x64_op_sz(e, size, op * 8u, op * 8u + 1, 1, reg, rm, X64_BYTE_REG | X64_BYTE_RM);
}

static inline void x64_alu_rr(X64Emit *e, X64Alu op, unsigned size, unsigned dst, unsigned src)
{
    x64_alu_xr(e, op, size, x64_r(dst), src);
}

#define x64_add_rr(e, size, dst, src) x64_alu_rr(e, X64_ADD, size, dst, src)
#define x64_sub_rr(e, size, dst, src) x64_alu_rr(e, X64_SUB, size, dst, src)
#define x64_and_rr(e, size, dst, src) x64_alu_rr(e, X64_AND, size, dst, src)
#define x64_xor_rr(e, size, dst, src) x64_alu_rr(e, X64_XOR, size, dst, src)
#define x64_cmp_rr(e, size, dst, src) x64_alu_rr(e, X64_CMP, size, dst, src)

/* r/m op= imm (sign-extended imm8 form when it fits; size 8 sign-extends the imm32). */
static inline void x64_alu_xi(X64Emit *e, X64Alu op, unsigned size, X64Rm rm, int32_t imm)
{
    if (size == 1) {
        x64_op_sz(e, 1, 0x80, 0x80, 1, op, rm, X64_BYTE_RM);
        emit_u8(e, (uint8_t)imm);
    } else if (x64_fits_i8(imm)) {
        x64_op_sz(e, size, 0x83, 0x83, 1, op, rm, 0);
        emit_u8(e, (uint8_t)(int8_t)imm);
    } else {
        x64_op_sz(e, size, 0x81, 0x81, 1, op, rm, 0);
        if (size == 2)
            emit_u16(e, (uint16_t)imm);
        else
            emit_u32(e, (uint32_t)imm);
    }
}

static inline void x64_alu_ri(X64Emit *e, X64Alu op, unsigned size, unsigned reg, int32_t imm)
{
    x64_alu_xi(e, op, size, x64_r(reg), imm);
}

/* test r/m, reg */
static inline void x64_test_xr(X64Emit *e, unsigned size, X64Rm rm, unsigned reg)
{
    x64_op_sz(e, size, 0x84, 0x85, 1, reg, rm, X64_BYTE_REG | X64_BYTE_RM);
}

/* test r/m, imm (F6 /0 ib, F7 /0 iw/id; size 8: the imm32 is sign-extended) */
static inline void x64_test_xi(X64Emit *e, unsigned size, X64Rm rm, int32_t imm)
{
    x64_op_sz(e, size, 0xF6, 0xF7, 1, 0, rm, X64_BYTE_RM);
    emit_imm_sz(e, size, imm);
}

/* reg *= r/m (size 2, 4, 8; low half of the product) */
static inline void x64_imul_rx(X64Emit *e, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op_sz(e, size, 0x0FAF, 0x0FAF, 2, reg, rm, 0);
}

/* The F6/F7 group: one r/m operand, the ModRM reg field selects the op. */
typedef enum X64Unary {
    X64_NOT = 2, X64_NEG = 3, X64_MUL = 4 /* rdx:rax = rax * r/m */, X64_IMUL1 = 5,
} X64Unary;

static inline void x64_unary_x(X64Emit *e, X64Unary op, unsigned size, X64Rm rm)
{
    x64_op_sz(e, size, 0xF6, 0xF7, 1, op, rm, X64_BYTE_RM);
}

/* Shift and rotate group (C0/C1/D2/D3), reg field = op. */
typedef enum X64Shift {
    X64_ROL = 0, X64_ROR = 1, X64_SHL = 4, X64_SHR = 5, X64_SAR = 7,
} X64Shift;

/* r/m op= cl (the CPU masks the count to 5 bits, 6 for size 8) */
static inline void x64_shift_xcl(X64Emit *e, X64Shift op, unsigned size, X64Rm rm)
{
    x64_op_sz(e, size, 0xD2, 0xD3, 1, op, rm, X64_BYTE_RM);
}

static inline void x64_shift_xi(X64Emit *e, X64Shift op, unsigned size, X64Rm rm, uint8_t imm)
{
    x64_op_sz(e, size, 0xC0, 0xC1, 1, op, rm, X64_BYTE_RM);
    emit_u8(e, imm);
}

static inline void x64_shift_ri(X64Emit *e, X64Shift op, unsigned size, unsigned reg,
                                uint8_t imm)
{
    x64_shift_xi(e, op, size, x64_r(reg), imm);
}

/* Bit scans (ZF=1 and destination unchanged when the source is 0) and counts. */
static inline void x64_bsf_rx(X64Emit *e, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op_sz(e, size, 0x0FBC, 0x0FBC, 2, reg, rm, 0);
}

static inline void x64_bsr_rx(X64Emit *e, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op_sz(e, size, 0x0FBD, 0x0FBD, 2, reg, rm, 0);
}

/* POPCNT (CPUID.01H:ECX.POPCNT[bit 23]): F3 [REX] 0F B8 /r */
static inline void x64_popcnt_rx(X64Emit *e, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op(e, 0xF3, size == 8, 0x0FB8, 2, reg, rm, 0);
}

/* bswap r32/r64: 0F C8+r */
static inline void x64_bswap_r(X64Emit *e, unsigned size, unsigned reg)
{
    x64_insn(e);
    unsigned rex = (size == 8 ? 8u : 0u) | ((reg & 8) ? 1u : 0u);
    if (rex)
        emit_u8(e, (uint8_t)(0x40 | rex));
    emit_u8(e, 0x0F);
    emit_u8(e, (uint8_t)(0xC8 + (reg & 7)));
}

/* reg = r/m if cc (size 2, 4, 8) */
static inline void x64_cmov_rx(X64Emit *e, X64Cond cc, unsigned size, unsigned reg, X64Rm rm)
{
    x64_op_sz(e, size, 0x0F40u + cc, 0x0F40u + cc, 2, reg, rm, 0);
}

/* r/m8 = cc ? 1 : 0 */
static inline void x64_setcc_x(X64Emit *e, X64Cond cc, X64Rm rm)
{
    x64_op(e, 0, false, 0x0F90u + cc, 2, 0, rm, X64_BYTE_RM);
}

/* ---------------------------------------------------------------- control flow */

static inline void x64_ret(X64Emit *e) { x64_insn(e); emit_u8(e, 0xC3); }

static inline void x64_push_r(X64Emit *e, unsigned reg)
{
    x64_insn(e);
    if (reg & 8)
        emit_u8(e, 0x41);
    emit_u8(e, (uint8_t)(0x50 + (reg & 7)));
}

static inline void x64_pop_r(X64Emit *e, unsigned reg)
{
    x64_insn(e);
    if (reg & 8)
        emit_u8(e, 0x41);
    emit_u8(e, (uint8_t)(0x58 + (reg & 7)));
}

/* call r/m64 (FF /2), jmp r/m64 (FF /4) */
static inline void x64_call_x(X64Emit *e, X64Rm rm) { x64_op(e, 0, false, 0xFF, 1, 2, rm, 0); }
static inline void x64_jmp_x(X64Emit *e, X64Rm rm) { x64_op(e, 0, false, 0xFF, 1, 4, rm, 0); }

/* mov al, [moffs64] (A0) and mov [moffs64], al (A2): an access at an absolute address that
 * names no register but al (the guest limit's sentinel, ir.h). */
static inline void x64_mov_al_moffs(X64Emit *e, uint64_t addr, bool store)
{
    x64_insn(e);
    emit_u8(e, store ? 0xA2 : 0xA0);
    emit_u64(e, addr);
}

/* jmp rel32 (E9 cd); returns the address of the rel32 field. */
static inline uint8_t *x64_jmp_rel32(X64Emit *e, int32_t rel)
{
    x64_insn(e);
    emit_u8(e, 0xE9);
    uint8_t *field = e->p;
    emit_u32(e, (uint32_t)rel);
    return field;
}

/* call rel32 (E8 cd): an exit's way out (abi.c). */
static inline void x64_call_rel32(X64Emit *e, int32_t rel)
{
    x64_insn(e);
    emit_u8(e, 0xE8);
    emit_u32(e, (uint32_t)rel);
}

/* Forward jcc rel8 (70+cc cb) whose target is bound later by x64_bind8; returns the field. */
static inline uint8_t *x64_jcc8_fwd(X64Emit *e, X64Cond cc)
{
    x64_insn(e);
    emit_u8(e, (uint8_t)(0x70 + cc));
    uint8_t *field = e->p;
    emit_u8(e, 0);
    return field;
}

/* Forward jmp rel8 (EB cb). */
static inline uint8_t *x64_jmp8_fwd(X64Emit *e)
{
    x64_insn(e);
    emit_u8(e, 0xEB);
    uint8_t *field = e->p;
    emit_u8(e, 0);
    return field;
}

/* Forward jcc rel32 (0F 80+cc cd) and jmp rel32, bound later by x64_bind32; return the field. */
static inline uint8_t *x64_jcc32_fwd(X64Emit *e, X64Cond cc)
{
    x64_insn(e);
    emit_u8(e, 0x0F);
    emit_u8(e, (uint8_t)(0x80 + cc));
    uint8_t *field = e->p;
    emit_u32(e, 0);
    return field;
}

static inline uint8_t *x64_jmp32_fwd(X64Emit *e) { return x64_jmp_rel32(e, 0); }

/* Bind a rel32 field to the current position (a block is far smaller than 2 GiB). */
static inline void x64_bind32(X64Emit *e, uint8_t *field)
{
    int32_t rel = (int32_t)(e->p - (field + 4));
    memcpy(field, &rel, 4);
}

/* Bind a rel8 field to the current position. The callers' skipped code is short by
 * construction (well under 128 bytes); the assert documents it. */
static inline void x64_bind8(X64Emit *e, uint8_t *field)
{
    ptrdiff_t rel = e->p - (field + 1);
    assert(rel >= 0 && rel <= 127);
    *field = (uint8_t)rel;
}

/* Multi-byte NOPs (SDM "Recommended Multi-Byte Sequence of NOP Instruction"), n <= 8 bytes,
 * counted as one instruction. */
static inline void x64_nop(X64Emit *e, unsigned n)
{
    static const uint8_t nops[9][8] = {
        {0},
        {0x90},
        {0x66, 0x90},
        {0x0F, 0x1F, 0x00},
        {0x0F, 0x1F, 0x40, 0x00},
        {0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x66, 0x0F, 0x1F, 0x44, 0x00, 0x00},
        {0x0F, 0x1F, 0x80, 0x00, 0x00, 0x00, 0x00},
        {0x0F, 0x1F, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00},
    };
    assert(n <= 8);
    if (n == 0)
        return;
    x64_insn(e);
    memcpy(e->p, nops[n], n);
    e->p += n;
}

/* ---------------------------------------------------------------- SSE / SSE2 */

/* ldmxcsr m32 (0F AE /2), stmxcsr m32 (0F AE /3) */
static inline void x64_ldmxcsr_m(X64Emit *e, X64Rm m) { x64_op(e, 0, false, 0x0FAE, 2, 2, m, 0); }
static inline void x64_stmxcsr_m(X64Emit *e, X64Rm m) { x64_op(e, 0, false, 0x0FAE, 2, 3, m, 0); }

/* SSE ops as (mandatory prefix << 8 | second opcode byte after 0x0F). */
#define X64_SSE(pfx, op) (((pfx) << 8) | (op))
typedef enum X64SseOp {
    /* moves: loads are (xmm, r/m), stores are (xmm source in reg field, r/m destination) */
    X64_MOVSS_LD = X64_SSE(0xF3, 0x10), X64_MOVSD_LD = X64_SSE(0xF2, 0x10),
    X64_MOVSS_ST = X64_SSE(0xF3, 0x11), X64_MOVSD_ST = X64_SSE(0xF2, 0x11),
    X64_MOVAPS_LD = X64_SSE(0, 0x28), X64_MOVAPS_ST = X64_SSE(0, 0x29),
    X64_MOVDQA_LD = X64_SSE(0x66, 0x6F), X64_MOVDQA_ST = X64_SSE(0x66, 0x7F),
    X64_MOVDQU_LD = X64_SSE(0xF3, 0x6F), X64_MOVDQU_ST = X64_SSE(0xF3, 0x7F),
    X64_MOVD_TOX = X64_SSE(0x66, 0x6E),    /* xmm = r/m32 (REX.W: r/m64), upper zeroed */
    X64_MOVD_FROMX = X64_SSE(0x66, 0x7E),  /* r/m32 = xmm (REX.W: r/m64) */
    X64_MOVQ_LD = X64_SSE(0xF3, 0x7E),     /* xmm = xmm/m64, upper zeroed */
    X64_MOVQ_ST = X64_SSE(0x66, 0xD6),     /* xmm/m64 = xmm */
    /* scalar float */
    X64_ADDSS = X64_SSE(0xF3, 0x58), X64_ADDSD = X64_SSE(0xF2, 0x58),
    X64_MULSS = X64_SSE(0xF3, 0x59), X64_MULSD = X64_SSE(0xF2, 0x59),
    X64_SUBSS = X64_SSE(0xF3, 0x5C), X64_SUBSD = X64_SSE(0xF2, 0x5C),
    X64_MINSS = X64_SSE(0xF3, 0x5D), X64_MINSD = X64_SSE(0xF2, 0x5D),
    X64_DIVSS = X64_SSE(0xF3, 0x5E), X64_DIVSD = X64_SSE(0xF2, 0x5E),
    X64_MAXSS = X64_SSE(0xF3, 0x5F), X64_MAXSD = X64_SSE(0xF2, 0x5F),
    X64_SQRTSS = X64_SSE(0xF3, 0x51), X64_SQRTSD = X64_SSE(0xF2, 0x51),
    X64_CMPSS = X64_SSE(0xF3, 0xC2), X64_CMPSD = X64_SSE(0xF2, 0xC2),   /* + imm8 */
    X64_UCOMISS = X64_SSE(0, 0x2E), X64_UCOMISD = X64_SSE(0x66, 0x2E),  /* ZF PF CF */
    X64_COMISS = X64_SSE(0, 0x2F), X64_COMISD = X64_SSE(0x66, 0x2F),    /* same, IE on QNaN */
    X64_ADDPS = X64_SSE(0, 0x58), X64_ADDPD = X64_SSE(0x66, 0x58),
    X64_MULPS = X64_SSE(0, 0x59), X64_MULPD = X64_SSE(0x66, 0x59),
    X64_SUBPS = X64_SSE(0, 0x5C), X64_SUBPD = X64_SSE(0x66, 0x5C),
    X64_MINPS = X64_SSE(0, 0x5D), X64_MINPD = X64_SSE(0x66, 0x5D),
    X64_DIVPS = X64_SSE(0, 0x5E), X64_DIVPD = X64_SSE(0x66, 0x5E),
    X64_MAXPS = X64_SSE(0, 0x5F), X64_MAXPD = X64_SSE(0x66, 0x5F),
    X64_SQRTPS = X64_SSE(0, 0x51), X64_SQRTPD = X64_SSE(0x66, 0x51),
    X64_CMPPS = X64_SSE(0, 0xC2), X64_CMPPD = X64_SSE(0x66, 0xC2),     /* + imm8 */
    X64_CVTSI2SS = X64_SSE(0xF3, 0x2A), X64_CVTSI2SD = X64_SSE(0xF2, 0x2A),
    X64_CVTTSS2SI = X64_SSE(0xF3, 0x2C), X64_CVTTSD2SI = X64_SSE(0xF2, 0x2C),
    X64_CVTSS2SI = X64_SSE(0xF3, 0x2D), X64_CVTSD2SI = X64_SSE(0xF2, 0x2D),
    X64_CVTSS2SD = X64_SSE(0xF3, 0x5A), X64_CVTSD2SS = X64_SSE(0xF2, 0x5A),
    /* packed integer */
    X64_PAND = X64_SSE(0x66, 0xDB), X64_POR = X64_SSE(0x66, 0xEB),
    X64_PXOR = X64_SSE(0x66, 0xEF), X64_PANDN = X64_SSE(0x66, 0xDF),
    X64_PADDB = X64_SSE(0x66, 0xFC), X64_PADDW = X64_SSE(0x66, 0xFD),
    X64_PADDD = X64_SSE(0x66, 0xFE), X64_PADDQ = X64_SSE(0x66, 0xD4),
    X64_PSUBB = X64_SSE(0x66, 0xF8), X64_PSUBW = X64_SSE(0x66, 0xF9),
    X64_PSUBD = X64_SSE(0x66, 0xFA), X64_PSUBQ = X64_SSE(0x66, 0xFB),
    X64_PSUBUSB = X64_SSE(0x66, 0xD8), X64_PSUBUSW = X64_SSE(0x66, 0xD9),
    X64_PCMPEQB = X64_SSE(0x66, 0x74), X64_PCMPEQW = X64_SSE(0x66, 0x75),
    X64_PCMPEQD = X64_SSE(0x66, 0x76),
    X64_PCMPGTB = X64_SSE(0x66, 0x64), X64_PCMPGTW = X64_SSE(0x66, 0x65),
    X64_PCMPGTD = X64_SSE(0x66, 0x66),
    X64_PMINUB = X64_SSE(0x66, 0xDA), X64_PMAXUB = X64_SSE(0x66, 0xDE),
    X64_PMOVMSKB = X64_SSE(0x66, 0xD7),    /* r32 = byte sign bits of xmm */
    X64_MOVMSKPS = X64_SSE(0, 0x50), X64_MOVMSKPD = X64_SSE(0x66, 0x50),
    X64_PACKSSWB = X64_SSE(0x66, 0x63), X64_PACKUSWB = X64_SSE(0x66, 0x67),
    X64_PUNPCKLBW = X64_SSE(0x66, 0x60), X64_PUNPCKLWD = X64_SSE(0x66, 0x61),
    X64_PUNPCKLDQ = X64_SSE(0x66, 0x62), X64_PUNPCKLQDQ = X64_SSE(0x66, 0x6C),
    X64_PUNPCKHBW = X64_SSE(0x66, 0x68), X64_PUNPCKHWD = X64_SSE(0x66, 0x69),
    X64_PUNPCKHDQ = X64_SSE(0x66, 0x6A), X64_PUNPCKHQDQ = X64_SSE(0x66, 0x6D),
    X64_PSHUFD = X64_SSE(0x66, 0x70), X64_PSHUFLW = X64_SSE(0xF2, 0x70),
    X64_PSHUFHW = X64_SSE(0xF3, 0x70),                                  /* + imm8 */
    X64_PSLLW = X64_SSE(0x66, 0xF1), X64_PSLLD = X64_SSE(0x66, 0xF2),
    X64_PSLLQ = X64_SSE(0x66, 0xF3),
    X64_PSRLW = X64_SSE(0x66, 0xD1), X64_PSRLD = X64_SSE(0x66, 0xD2),
    X64_PSRLQ = X64_SSE(0x66, 0xD3),
    X64_PSRAW = X64_SSE(0x66, 0xE1), X64_PSRAD = X64_SSE(0x66, 0xE2),
    /* shift-by-immediate groups: reg field selects the op (x64_sse_shift_i) */
    X64_PSHIFTW_I = X64_SSE(0x66, 0x71), X64_PSHIFTD_I = X64_SSE(0x66, 0x72),
    X64_PSHIFTQ_I = X64_SSE(0x66, 0x73),
} X64SseOp;

/* /digit of the shift-by-immediate groups */
enum { X64_PSRL_I = 2, X64_PSRA_I = 4, X64_PSLL_I = 6, X64_PSRLDQ_I = 3, X64_PSLLDQ_I = 7 };

/* op reg, r/m (w: REX.W, for the GPR operand of MOVD/MOVQ and the conversions) */
static inline void x64_sse_rxw(X64Emit *e, X64SseOp op, bool w, unsigned reg, X64Rm rm)
{
    x64_op(e, (unsigned)op >> 8, w, 0x0F00u | (op & 0xff), 2, reg, rm, 0);
}

static inline void x64_sse_rx(X64Emit *e, X64SseOp op, unsigned reg, X64Rm rm)
{
    x64_sse_rxw(e, op, false, reg, rm);
}

static inline void x64_sse_rr(X64Emit *e, X64SseOp op, unsigned dst, unsigned src)
{
    x64_sse_rx(e, op, dst, x64_r(src));
}

/* op reg, r/m, imm8 (PSHUFD/PSHUFLW/PSHUFHW, CMPSS/CMPSD) */
static inline void x64_sse_rxi(X64Emit *e, X64SseOp op, unsigned reg, X64Rm rm, uint8_t imm)
{
    x64_sse_rx(e, op, reg, rm);
    emit_u8(e, imm);
}

/* Packed shift of xmm `reg` by an immediate: group op (X64_PSHIFT*_I), /digit `ext`. */
static inline void x64_sse_shift_i(X64Emit *e, X64SseOp group, unsigned ext, unsigned reg,
                                   uint8_t imm)
{
    x64_sse_rx(e, group, ext, x64_r(reg));
    emit_u8(e, imm);
}

/* SSSE3/SSE4.1 ops in the three-byte maps, all with the 66 prefix: 66 0F 38 op /r and
 * 66 0F 3A op /r ib. Only for hosts that have them (x64_host_has_ssse3). */
enum { X64_PSHUFB_38 = 0x00, X64_PALIGNR_3A = 0x0F };

static inline void x64_sse38_rx(X64Emit *e, unsigned op, unsigned reg, X64Rm rm)
{
    x64_op(e, 0x66, false, 0x0F3800u | op, 3, reg, rm, 0);
}

static inline void x64_sse3a_rxi(X64Emit *e, unsigned op, unsigned reg, X64Rm rm, uint8_t imm)
{
    x64_op(e, 0x66, false, 0x0F3A00u | op, 3, reg, rm, 0);
    emit_u8(e, imm);
}

#endif /* FERRY_X64_INSN_H */
