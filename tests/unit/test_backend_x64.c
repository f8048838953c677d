/* test_backend_x64.c — the x86_64 backend: its encoders, and the shared backend suite
 * (tests/common/backend_suite*.c: every op against the reference interpreter, memory, exits,
 * chaining, the jump-cache probe, helper calls, errors, random blocks), on an x86_64 host.
 *
 *   encoders:   one instruction of every kind the backend emits (ModRM/SIB/REX forms, SSE,
 *               misc), decoded by Capstone and checked mnemonic, operands and length;
 *   popcnt:     the SWAR bit count used on hosts without POPCNT, against the interpreter;
 *   addressing: [p + k] folding of LOAD/STORE addresses and the LEA forms of ADD-constant,
 *               against the interpreter;
 *   golden:     the exact code of a block with a KEEP and a side exit, and its fault map;
 *   suite:      as listed in main().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "backend-x86_64/codegen.h"
#include "backend-x86_64/insn.h"
#include "tests/common/backend_suite.h"

/* A direct exit's patch site before any patch: a call rel32 of the buffer's exit routine
 * whose 5 bytes lie in one aligned 8-byte word (so patch_exit can rewrite it atomically). */
static bool x64_is_patch_site(const CodeBuf *cb, const uint8_t *site)
{
    int32_t rel;
    memcpy(&rel, site + 1, 4);
    return site[0] == 0xE8 && (uintptr_t)site % 8 <= 3 && cb->exit_routine &&
           site + 5 + rel == cb->exit_routine;
}

static const BeHost x64_host = {
    .be = &backend_x86_64,
    .cs_arch = CS_ARCH_X86,
    .cs_mode = CS_MODE_64,
    .set_debug = x64_backend_set_debug,
    .get_debug = x64_backend_debug,
    .no_regalloc = X64_DBG_NO_REGALLOC,
    .frame_slots = X64_FRAME_SLOTS,
    .is_patch_site = x64_is_patch_site,
};

static csh cs;                  /* Capstone handle for the encoder tests, detail on */

static int setup(void **st)
{
    (void)st;
    if (be_setup(&x64_host) != 0)
        return -1;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &cs) != CS_ERR_OK)
        return -1;
    cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    cs_close(&cs);
    return be_teardown();
}

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void) { return be_xorshift(&rng_state); }

/* ---------------------------------------------------------------- encoders vs Capstone */

static const x86_reg cs_gpr64[16] = {
    X86_REG_RAX, X86_REG_RCX, X86_REG_RDX, X86_REG_RBX, X86_REG_RSP, X86_REG_RBP, X86_REG_RSI,
    X86_REG_RDI, X86_REG_R8, X86_REG_R9, X86_REG_R10, X86_REG_R11, X86_REG_R12, X86_REG_R13,
    X86_REG_R14, X86_REG_R15,
};
static const x86_reg cs_gpr32[16] = {
    X86_REG_EAX, X86_REG_ECX, X86_REG_EDX, X86_REG_EBX, X86_REG_ESP, X86_REG_EBP, X86_REG_ESI,
    X86_REG_EDI, X86_REG_R8D, X86_REG_R9D, X86_REG_R10D, X86_REG_R11D, X86_REG_R12D,
    X86_REG_R13D, X86_REG_R14D, X86_REG_R15D,
};
static const x86_reg cs_gpr16[16] = {
    X86_REG_AX, X86_REG_CX, X86_REG_DX, X86_REG_BX, X86_REG_SP, X86_REG_BP, X86_REG_SI,
    X86_REG_DI, X86_REG_R8W, X86_REG_R9W, X86_REG_R10W, X86_REG_R11W, X86_REG_R12W,
    X86_REG_R13W, X86_REG_R14W, X86_REG_R15W,
};
static const x86_reg cs_gpr8[16] = {
    X86_REG_AL, X86_REG_CL, X86_REG_DL, X86_REG_BL, X86_REG_SPL, X86_REG_BPL, X86_REG_SIL,
    X86_REG_DIL, X86_REG_R8B, X86_REG_R9B, X86_REG_R10B, X86_REG_R11B, X86_REG_R12B,
    X86_REG_R13B, X86_REG_R14B, X86_REG_R15B,
};

static x86_reg cs_gpr(unsigned size, unsigned r)
{
    return size == 8 ? cs_gpr64[r] : size == 4 ? cs_gpr32[r] : size == 2 ? cs_gpr16[r]
                                                                         : cs_gpr8[r];
}

static x86_reg cs_xmm(unsigned r) { return (x86_reg)(X86_REG_XMM0 + r); }

static uint8_t enc_buf[32];
static cs_insn *enc_insn;

/* Start encoding one instruction into enc_buf. */
static X64Emit enc_begin(void) { return (X64Emit){ enc_buf, 0 }; }

/* Decode what e wrote: exactly one instruction of that length, counted once, with this
 * mnemonic and operand count. Returns its operands. */
static const cs_x86_op *enc_check(const X64Emit *e, const char *mnemonic, unsigned nops)
{
    size_t len = (size_t)(e->p - enc_buf);
    if (enc_insn)
        cs_free(enc_insn, 1);
    enc_insn = NULL;
    size_t n = cs_disasm(cs, enc_buf, len, 0x1000, 0, &enc_insn);
    if (n != 1 || enc_insn->size != len || e->n_insns != 1 ||
        strcmp(enc_insn->mnemonic, mnemonic) != 0 || enc_insn->detail->x86.op_count != nops) {
        fprintf(stderr, "  bytes:");
        for (size_t i = 0; i < len; i++)
            fprintf(stderr, " %02x", enc_buf[i]);
        fprintf(stderr, "\n");
        fail_msg("expected one '%s' with %u operands, decoded %zu: %s %s", mnemonic, nops, n,
                 n ? enc_insn->mnemonic : "?", n ? enc_insn->op_str : "");
    }
    return enc_insn->detail->x86.operands;
}

static void expect_reg(const cs_x86_op *op, x86_reg r)
{
    assert_int_equal(op->type, X86_OP_REG);
    if (op->reg != r)
        fail_msg("register %s, expected %s (%s %s)", cs_reg_name(cs, op->reg),
                 cs_reg_name(cs, r), enc_insn->mnemonic, enc_insn->op_str);
}

static void expect_mem(const cs_x86_op *op, X64Rm m)
{
    assert_int_equal(op->type, X86_OP_MEM);
    if (op->mem.base != (m.base == X64_NOREG ? X86_REG_INVALID : cs_gpr64[m.base]) ||
        op->mem.index != (m.index == X64_NOREG ? X86_REG_INVALID : cs_gpr64[m.index]) ||
        (m.index != X64_NOREG && op->mem.scale != 1 << m.scale) || op->mem.disp != m.disp)
        fail_msg("memory operand %s %s, expected base %u index %u scale %u disp %d",
                 enc_insn->mnemonic, enc_insn->op_str, m.base, m.index, m.scale, m.disp);
}

/* A 64-bit load, a byte store and a movdqu load of `reg` through `m`, each decoded back. */
static void expect_mem_forms(unsigned reg, X64Rm m)
{
    X64Emit e = enc_begin();
    x64_mov_rx(&e, 8, reg, m);
    const cs_x86_op *op = enc_check(&e, "mov", 2);
    expect_reg(&op[0], cs_gpr64[reg]);
    expect_mem(&op[1], m);
    e = enc_begin();
    x64_mov_xr(&e, 1, m, reg);
    op = enc_check(&e, "mov", 2);
    expect_mem(&op[0], m);
    expect_reg(&op[1], cs_gpr8[reg]);
    e = enc_begin();
    x64_sse_rx(&e, X64_MOVDQU_LD, reg, m);
    op = enc_check(&e, "movdqu", 2);
    expect_reg(&op[0], cs_xmm(reg));
    expect_mem(&op[1], m);
}

static void expect_imm(const cs_x86_op *op, int64_t imm)
{
    assert_int_equal(op->type, X86_OP_IMM);
    assert_int_equal(op->imm, imm);
}

/* Every register with every addressing form: REX.R/X/B, SIB for rsp/r12 bases, the forced
 * displacement of rbp/r13, disp8/disp32 boundaries, byte registers needing an empty REX. */
static void test_encoders_modrm(void **st)
{
    (void)st;
    static const int32_t disps[] = { 0, 8, -128, 127, 128, -129, 0x12345678 };
    static const uint8_t idxs[] = { X64_NOREG, 0, 5, 12, 13, 15 };
    for (unsigned reg = 0; reg < 16; reg++)
        for (unsigned base = 0; base < 16; base++)
            for (unsigned ix = 0; ix < sizeof idxs; ix++)
                for (unsigned scale = 0; scale < 4; scale += 3)
                    for (unsigned d = 0; d < sizeof disps / sizeof disps[0]; d++) {
                        if (idxs[ix] == X64_NOREG && scale)
                            continue;
                        X64Rm m = idxs[ix] == X64_NOREG ? x64_m(base, disps[d])
                                                        : x64_mx(base, idxs[ix], scale, disps[d]);
                        expect_mem_forms(reg, m);
                    }
    /* absolute [disp32] (x64_mabs: SIB without base or index), every register */
    static const int32_t abs_disps[] = { 0, 0x4ae220, 0x7fffffc0 };
    for (unsigned reg = 0; reg < 16; reg++)
        for (unsigned d = 0; d < sizeof abs_disps / sizeof abs_disps[0]; d++) {
            X64Rm m = x64_mabs(abs_disps[d]);
            expect_mem_forms(reg, m);
        }
    /* register-register forms at every size */
    static const unsigned sizes[4] = { 1, 2, 4, 8 };
    for (unsigned a = 0; a < 16; a++)
        for (unsigned b = 0; b < 16; b++)
            for (unsigned k = 0; k < 4; k++) {
                unsigned sz = sizes[k];
                X64Emit e = enc_begin();
                x64_mov_rr(&e, sz, a, b);
                const cs_x86_op *op = enc_check(&e, "mov", 2);
                expect_reg(&op[0], cs_gpr(sz, a));
                expect_reg(&op[1], cs_gpr(sz, b));
                e = enc_begin();
                x64_alu_rx(&e, X64_SUB, sz, a, x64_r(b));
                op = enc_check(&e, "sub", 2);
                expect_reg(&op[0], cs_gpr(sz, a));
                expect_reg(&op[1], cs_gpr(sz, b));
                e = enc_begin();
                x64_test_xr(&e, sz, x64_r(a), b);
                op = enc_check(&e, "test", 2);
                expect_reg(&op[0], cs_gpr(sz, a));
                expect_reg(&op[1], cs_gpr(sz, b));
                if (b == 0) {       /* test r, imm: once per register and size */
                    int32_t imm = sz == 1 ? 0x7f : sz == 2 ? 0x1234 : -0x400;
                    e = enc_begin();
                    x64_test_xi(&e, sz, x64_r(a), imm);
                    op = enc_check(&e, "test", 2);
                    expect_reg(&op[0], cs_gpr(sz, a));
                    assert_int_equal(op[1].type, X86_OP_IMM);
                    assert_int_equal((uint64_t)op[1].imm & (sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1),
                                     (uint64_t)(int64_t)imm & (sz == 8 ? ~0ull : (1ull << (8 * sz)) - 1));
                }
                if (sz < 4) {
                    e = enc_begin();
                    x64_movzx_rx(&e, sz, a, x64_r(b));
                    op = enc_check(&e, "movzx", 2);
                    expect_reg(&op[0], cs_gpr32[a]);
                    expect_reg(&op[1], cs_gpr(sz, b));
                }
                if (sz < 8) {
                    e = enc_begin();
                    x64_movsx_rx(&e, 8, sz, a, x64_r(b));
                    op = enc_check(&e, sz == 4 ? "movsxd" : "movsx", 2);
                    expect_reg(&op[0], cs_gpr64[a]);
                    expect_reg(&op[1], cs_gpr(sz, b));
                }
                if (sz > 1) {
                    e = enc_begin();
                    x64_cmov_rx(&e, X64_CC_NE, sz, a, x64_r(b));
                    op = enc_check(&e, "cmovne", 2);
                    expect_reg(&op[0], cs_gpr(sz, a));
                    e = enc_begin();
                    x64_imul_rx(&e, sz, a, x64_r(b));
                    op = enc_check(&e, "imul", 2);
                    expect_reg(&op[1], cs_gpr(sz, b));
                    e = enc_begin();
                    x64_bsr_rx(&e, sz, a, x64_r(b));
                    op = enc_check(&e, "bsr", 2);
                    expect_reg(&op[0], cs_gpr(sz, a));
                }
                if (k == 0) {
                    e = enc_begin();
                    x64_sse_rr(&e, X64_PXOR, a, b);
                    op = enc_check(&e, "pxor", 2);
                    expect_reg(&op[0], cs_xmm(a));
                    expect_reg(&op[1], cs_xmm(b));
                    e = enc_begin();
                    x64_sse_rxw(&e, X64_MOVD_TOX, true, a, x64_r(b));
                    op = enc_check(&e, "movq", 2);
                    expect_reg(&op[0], cs_xmm(a));
                    expect_reg(&op[1], cs_gpr64[b]);
                    e = enc_begin();
                    x64_sse_rx(&e, X64_MOVD_FROMX, a, x64_r(b));
                    op = enc_check(&e, "movd", 2);
                    expect_reg(&op[0], cs_gpr32[b]);
                    expect_reg(&op[1], cs_xmm(a));
                    e = enc_begin();
                    x64_sse_rx(&e, X64_PMOVMSKB, a, x64_r(b));
                    op = enc_check(&e, "pmovmskb", 2);
                    expect_reg(&op[0], cs_gpr32[a]);
                    expect_reg(&op[1], cs_xmm(b));
                    e = enc_begin();
                    x64_sse_rxw(&e, X64_CVTTSD2SI, true, a, x64_r(b));
                    op = enc_check(&e, "cvttsd2si", 2);
                    expect_reg(&op[0], cs_gpr64[a]);
                    expect_reg(&op[1], cs_xmm(b));
                }
            }
}

/* Immediates, single-register forms, the shift groups, control flow, SSE opcodes. */
static void test_encoders_misc(void **st)
{
    (void)st;
    static const uint64_t movs[] = { 0, 1, 0x7fffffff, 0x80000000, 0xffffffff, -1ull,
                                     (uint64_t)INT32_MIN, 0x100000000ull, 0x123456789abcdef0ull };
    static const int32_t imms[] = { 1, -1, 127, 128, -128, -129, 0x1234, 0x7fffffff, INT32_MIN };
    static const unsigned sizes[4] = { 1, 2, 4, 8 };
    for (unsigned r = 0; r < 16; r++) {
        for (unsigned i = 0; i < sizeof movs / sizeof movs[0]; i++) {
            X64Emit e = enc_begin();
            x64_mov_ri(&e, r, movs[i]);
            bool abs = !x64_fits_u32(movs[i]) && !x64_fits_i32((int64_t)movs[i]);
            const cs_x86_op *op = enc_check(&e, abs ? "movabs" : "mov", 2);
            /* the value the register ends up with */
            uint64_t v = op[0].size == 4 ? (uint32_t)op[1].imm : (uint64_t)op[1].imm;
            assert_int_equal(v, movs[i]);
            assert_true(op[0].reg == cs_gpr32[r] || op[0].reg == cs_gpr64[r]);
        }
        for (unsigned k = 0; k < 4; k++)
            for (unsigned i = 0; i < sizeof imms / sizeof imms[0]; i++) {
                unsigned sz = sizes[k];
                X64Emit e = enc_begin();
                x64_alu_xi(&e, X64_XOR, sz, x64_r(r), imms[i]);
                const cs_x86_op *op = enc_check(&e, "xor", 2);
                expect_reg(&op[0], cs_gpr(sz, r));
                int64_t want = sz == 1 ? (int8_t)imms[i] : sz == 2 ? (int16_t)imms[i]
                                                                   : (int64_t)imms[i];
                /* Capstone shows byte/word immediates of non-sign-extended forms unsigned */
                assert_int_equal(op[1].imm & ((sz == 8 ? 0 : 1ull << (8 * sz)) - 1),
                                 (uint64_t)want & ((sz == 8 ? 0 : 1ull << (8 * sz)) - 1));
                e = enc_begin();
                x64_mov_xi(&e, sz, x64_m(r, 16), imms[i]);
                op = enc_check(&e, "mov", 2);
                expect_mem(&op[0], x64_m(r, 16));
            }
        static const struct { X64Shift op; const char *name; } sh[] = {
            { X64_SHL, "shl" }, { X64_SHR, "shr" }, { X64_SAR, "sar" }, { X64_ROL, "rol" },
            { X64_ROR, "ror" },
        };
        for (unsigned k = 0; k < 4; k++)
            for (unsigned i = 0; i < 5; i++) {
                X64Emit e = enc_begin();
                x64_shift_ri(&e, sh[i].op, sizes[k], r, 5);
                const cs_x86_op *op = enc_check(&e, sh[i].name, 2);
                expect_reg(&op[0], cs_gpr(sizes[k], r));
                expect_imm(&op[1], 5);
                e = enc_begin();
                x64_shift_xcl(&e, sh[i].op, sizes[k], x64_r(r));
                op = enc_check(&e, sh[i].name, 2);
                expect_reg(&op[0], cs_gpr(sizes[k], r));
                expect_reg(&op[1], X86_REG_CL);
            }
        static const struct { X64Unary op; const char *name; } un[] = {
            { X64_NOT, "not" }, { X64_NEG, "neg" }, { X64_MUL, "mul" }, { X64_IMUL1, "imul" },
        };
        for (unsigned k = 0; k < 4; k++)
            for (unsigned i = 0; i < 4; i++) {
                X64Emit e = enc_begin();
                x64_unary_x(&e, un[i].op, sizes[k], x64_r(r));
                const cs_x86_op *op = enc_check(&e, un[i].name, 1);
                expect_reg(&op[0], cs_gpr(sizes[k], r));
            }
        X64Emit e = enc_begin();
        x64_setcc_x(&e, X64_CC_LE, x64_r(r));
        expect_reg(&enc_check(&e, "setle", 1)[0], cs_gpr8[r]);
        e = enc_begin();
        x64_bswap_r(&e, 8, r);
        expect_reg(&enc_check(&e, "bswap", 1)[0], cs_gpr64[r]);
        e = enc_begin();
        x64_bswap_r(&e, 4, r);
        expect_reg(&enc_check(&e, "bswap", 1)[0], cs_gpr32[r]);
        e = enc_begin();
        x64_push_r(&e, r);
        expect_reg(&enc_check(&e, "push", 1)[0], cs_gpr64[r]);
        e = enc_begin();
        x64_pop_r(&e, r);
        expect_reg(&enc_check(&e, "pop", 1)[0], cs_gpr64[r]);
        e = enc_begin();
        x64_call_x(&e, x64_r(r));
        expect_reg(&enc_check(&e, "call", 1)[0], cs_gpr64[r]);
        e = enc_begin();
        x64_popcnt_rx(&e, 8, r, x64_r(15 - r));
        expect_reg(&enc_check(&e, "popcnt", 2)[1], cs_gpr64[15 - r]);
        e = enc_begin();
        x64_lea_rm(&e, 8, r, x64_mx(X64_RSP, r == 4 ? 5 : r, 2, -8));
        expect_reg(&enc_check(&e, "lea", 2)[0], cs_gpr64[r]);
    }
    static const char *const jcc[16] = { "jo", "jno", "jb", "jae", "je", "jne", "jbe", "ja",
                                         "js", "jns", "jp", "jnp", "jl", "jge", "jle", "jg" };
    for (unsigned cc = 0; cc < 16; cc++) {
        X64Emit e = enc_begin();
        uint8_t *f = x64_jcc8_fwd(&e, (X64Cond)cc);
        *f = 0x10;
        expect_imm(&enc_check(&e, jcc[cc], 1)[0], 0x1000 + 2 + 0x10);
    }
    X64Emit e = enc_begin();
    x64_jmp_rel32(&e, -5);
    expect_imm(&enc_check(&e, "jmp", 1)[0], 0x1000);
    for (unsigned n = 1; n <= 8; n++) {
        e = enc_begin();
        x64_nop(&e, n);
        enc_check(&e, "nop", n >= 3 ? 1 : 0);
    }
    e = enc_begin();
    x64_ldmxcsr_m(&e, x64_m(X64_RSP, 8));
    expect_mem(&enc_check(&e, "ldmxcsr", 1)[0], x64_m(X64_RSP, 8));
    e = enc_begin();
    x64_stmxcsr_m(&e, x64_m(X64_R13, 0));
    expect_mem(&enc_check(&e, "stmxcsr", 1)[0], x64_m(X64_R13, 0));

    static const struct { X64SseOp op; const char *name; } sse[] = {
        { X64_MOVSD_LD, "movsd" }, { X64_MOVAPS_LD, "movaps" }, { X64_MOVDQA_LD, "movdqa" },
        { X64_MOVQ_LD, "movq" }, { X64_ADDSS, "addss" }, { X64_ADDSD, "addsd" },
        { X64_MULSS, "mulss" }, { X64_MULSD, "mulsd" }, { X64_SUBSS, "subss" },
        { X64_SUBSD, "subsd" }, { X64_MINSS, "minss" }, { X64_MINSD, "minsd" },
        { X64_DIVSS, "divss" }, { X64_DIVSD, "divsd" }, { X64_MAXSS, "maxss" },
        { X64_MAXSD, "maxsd" }, { X64_SQRTSS, "sqrtss" }, { X64_SQRTSD, "sqrtsd" },
        { X64_CVTSS2SD, "cvtss2sd" }, { X64_CVTSD2SS, "cvtsd2ss" }, { X64_PAND, "pand" },
        { X64_POR, "por" }, { X64_PXOR, "pxor" }, { X64_PANDN, "pandn" },
        { X64_PADDB, "paddb" }, { X64_PADDW, "paddw" }, { X64_PADDD, "paddd" },
        { X64_PADDQ, "paddq" }, { X64_PSUBB, "psubb" }, { X64_PSUBW, "psubw" },
        { X64_PSUBD, "psubd" }, { X64_PSUBQ, "psubq" }, { X64_PSUBUSB, "psubusb" },
        { X64_PSUBUSW, "psubusw" }, { X64_PCMPEQB, "pcmpeqb" }, { X64_PCMPEQW, "pcmpeqw" },
        { X64_PCMPEQD, "pcmpeqd" }, { X64_PCMPGTB, "pcmpgtb" }, { X64_PCMPGTW, "pcmpgtw" },
        { X64_PCMPGTD, "pcmpgtd" }, { X64_PMINUB, "pminub" }, { X64_PMAXUB, "pmaxub" },
        { X64_PACKSSWB, "packsswb" }, { X64_PACKUSWB, "packuswb" },
        { X64_PUNPCKLBW, "punpcklbw" }, { X64_PUNPCKLWD, "punpcklwd" },
        { X64_PUNPCKLDQ, "punpckldq" }, { X64_PUNPCKLQDQ, "punpcklqdq" },
        { X64_PUNPCKHBW, "punpckhbw" }, { X64_PUNPCKHWD, "punpckhwd" },
        { X64_PUNPCKHDQ, "punpckhdq" }, { X64_PUNPCKHQDQ, "punpckhqdq" },
        { X64_PSLLW, "psllw" }, { X64_PSLLD, "pslld" }, { X64_PSLLQ, "psllq" },
        { X64_PSRLW, "psrlw" }, { X64_PSRLD, "psrld" }, { X64_PSRLQ, "psrlq" },
        { X64_PSRAW, "psraw" }, { X64_PSRAD, "psrad" },
    };
    for (unsigned i = 0; i < sizeof sse / sizeof sse[0]; i++) {
        e = enc_begin();
        x64_sse_rr(&e, sse[i].op, 9, 3);
        const cs_x86_op *op = enc_check(&e, sse[i].name, 2);
        expect_reg(&op[0], cs_xmm(9));
        expect_reg(&op[1], cs_xmm(3));
    }
    static const struct { X64SseOp op; const char *name; } shuf[] = {
        { X64_PSHUFD, "pshufd" }, { X64_PSHUFLW, "pshuflw" }, { X64_PSHUFHW, "pshufhw" },
    };
    for (unsigned i = 0; i < 3; i++) {
        e = enc_begin();
        x64_sse_rxi(&e, shuf[i].op, 14, x64_m(X64_R12, 0x40), 0x1b);
        const cs_x86_op *op = enc_check(&e, shuf[i].name, 3);
        expect_reg(&op[0], cs_xmm(14));
        expect_mem(&op[1], x64_m(X64_R12, 0x40));
        expect_imm(&op[2], 0x1b);
    }
    static const struct { X64SseOp g; unsigned ext; const char *name; } shi[] = {
        { X64_PSHIFTW_I, X64_PSLL_I, "psllw" }, { X64_PSHIFTW_I, X64_PSRL_I, "psrlw" },
        { X64_PSHIFTW_I, X64_PSRA_I, "psraw" }, { X64_PSHIFTD_I, X64_PSRA_I, "psrad" },
        { X64_PSHIFTD_I, X64_PSLL_I, "pslld" }, { X64_PSHIFTQ_I, X64_PSRL_I, "psrlq" },
        { X64_PSHIFTQ_I, X64_PSLLDQ_I, "pslldq" }, { X64_PSHIFTQ_I, X64_PSRLDQ_I, "psrldq" },
    };
    for (unsigned i = 0; i < sizeof shi / sizeof shi[0]; i++) {
        e = enc_begin();
        x64_sse_shift_i(&e, shi[i].g, shi[i].ext, 11, 7);
        const cs_x86_op *op = enc_check(&e, shi[i].name, 2);
        expect_reg(&op[0], cs_xmm(11));
        expect_imm(&op[1], 7);
    }
    /* the three-byte maps (SSSE3) */
    e = enc_begin();
    x64_sse38_rx(&e, X64_PSHUFB_38, 10, x64_r(13));
    const cs_x86_op *op = enc_check(&e, "pshufb", 2);
    expect_reg(&op[0], cs_xmm(10));
    expect_reg(&op[1], cs_xmm(13));
    e = enc_begin();
    x64_sse3a_rxi(&e, X64_PALIGNR_3A, 2, x64_m(X64_RSP, 0x30), 9);
    op = enc_check(&e, "palignr", 3);
    expect_reg(&op[0], cs_xmm(2));
    expect_mem(&op[1], x64_m(X64_RSP, 0x30));
    expect_imm(&op[2], 9);
    if (enc_insn)
        cs_free(enc_insn, 1);
    enc_insn = NULL;
}

/* ---------------------------------------------------------------- x86_64-specific codegen */

static const IrType int_types[4] = { IR_I8, IR_I16, IR_I32, IR_I64 };

/* The SWAR bit count used on hosts without POPCNT. */
static void test_popcnt_fallback(void **st)
{
    (void)st;
    for (unsigned k = 0; k < 4; k++) {
        const IrType at[3] = { int_types[k], IR_NONE, IR_NONE };
        BackendBlockInfo info;
        x64_backend_set_debug(X64_DBG_NO_POPCNT);
        IrBlock *blk = be_build_op(IR_POPCNT, int_types[k], 1, at);
        const uint8_t *code = be_compile_in(blk, 0, &info);
        x64_backend_set_debug(0);
        be_run_op_edges(blk, code, 0, IR_POPCNT, int_types[k], 1, at);
        /* and random values, where a wrong SWAR step would show */
        for (unsigned n = 0; n < 200; n++) {
            uint8_t state[STATE_SIZE] = { 0 };
            uint64_t x = rnd();
            memcpy(state + OFF_A, &x, 8);
            be_run_compare(blk, code, 0, state, zero_mem);
        }
        ir_block_free(blk);
    }
}

/* The SSE2 sequences used on hosts without SSSE3: PSHUFB's byte lookups through a spill slot
 * and PALIGNR's two byte shifts, at every count, on the edge values and random ones. */
static void test_ssse3_fallback(void **st)
{
    (void)st;
    static const IrType at[3] = { IR_V128, IR_V128, IR_NONE };
    for (int k = -1; k < 16; k++) {
        IrOp op = k < 0 ? IR_VSHUFB : IR_VALIGNR;
        BackendBlockInfo info;
        IrBlock *blk = be_build_op(op, IR_V128, 2, at);
        for (uint32_t i = 1; i < blk->n; i++)
            if (blk->insn[i].op == op)
                blk->insn[i].imm[0] = k < 0 ? 0 : k;
        for (int regalloc = 0; regalloc < 2; regalloc++) {
            x64_backend_set_debug(X64_DBG_NO_SSSE3 | (regalloc ? 0 : X64_DBG_NO_REGALLOC));
            const uint8_t *code = be_compile_in(blk, 0, &info);
            x64_backend_set_debug(0);
            be_run_op_edges(blk, code, 0, op, IR_V128, 2, at);
            for (unsigned n = 0; n < 100; n++) {
                uint8_t state[STATE_SIZE] = { 0 };
                for (unsigned q = 0; q < 4; q++) {
                    uint64_t x = rnd();
                    memcpy(state + (q < 2 ? OFF_A : OFF_B) + 8 * (q & 1), &x, 8);
                }
                be_run_compare(blk, code, 0, state, zero_mem);
            }
        }
        ir_block_free(blk);
    }
}

/* FCMPFLAGS without LAHF (PUSHF, POP, AND), both widths, ucomis and comis. */
static void test_fcmpflags_pushf(void **st)
{
    (void)st;
    static const IrType ft[2] = { IR_F32, IR_F64 };
    for (unsigned k = 0; k < 2; k++)
        for (int sig = 0; sig < 2; sig++) {
            const IrType at[3] = { ft[k], ft[k], IR_NONE };
            BackendBlockInfo info;
            IrBlock *blk = be_build_op(IR_FCMPFLAGS, IR_I64, 2, at);
            for (uint32_t i = 1; i < blk->n; i++)
                if (blk->insn[i].op == IR_FCMPFLAGS)
                    blk->insn[i].imm[1] = sig;
            x64_backend_set_debug(X64_DBG_NO_LAHF);
            const uint8_t *code = be_compile_in(blk, 0, &info);
            x64_backend_set_debug(0);
            be_run_op_edges(blk, code, 0, IR_FCMPFLAGS, IR_I64, 2, at);
            ir_block_free(blk);
        }
}

/* Address arithmetic: a LOAD/STORE address ADD(p, k) becomes [p + k] (negative k too; the
 * ADD is still computed when something else reads it), and an ADD of a constant to a value
 * that stays live is one LEA, 64- and 32-bit (wrapping, the 32-bit one zero-extended). */
static IrBlock *build_addressing(int based)
{
    IrBlock *blk = ir_block_new(0x3000);
    IrBuilder b;
    ir_builder_init(&b, blk);
    uint64_t base = based ? 0 : (uint64_t)(uintptr_t)be_guest_mem();
    IrRef raw = ir_get(&b, IR_I64, 0x1c0);
    IrRef off = ir_op2(&b, IR_AND, IR_I64, raw, ir_const(&b, IR_I64, 0x7f0));
    IrRef p = ir_op2(&b, IR_ADD, IR_I64, off, ir_const(&b, IR_I64, base + 0x100));
#define AT(k) ir_op2(&b, IR_ADD, IR_I64, p, ir_const(&b, IR_I64, (uint64_t)(int64_t)(k)))
    IrRef v = ir_load(&b, IR_I64, AT(0x10));
    IrRef w = ir_load(&b, IR_I32, AT(-0x24));
    ir_store(&b, AT(0x38), v);
    ir_store(&b, AT(-0x80), w);
    IrRef q = AT(0x44);
    ir_store(&b, q, v);
    ir_put(&b, 0x30, q);
#undef AT
    IrRef x = ir_get(&b, IR_I64, 0x40);
    ir_put(&b, 0x48, ir_op2(&b, IR_ADD, IR_I64, x, ir_const(&b, IR_I64, 0x7ffffff0)));
    ir_put(&b, 0x50, ir_op2(&b, IR_ADD, IR_I64, x, ir_const(&b, IR_I64, ~0ull)));
    IrRef x32 = ir_get(&b, IR_I32, 0x58);
    ir_put(&b, 0x60, ir_op2(&b, IR_ADD, IR_I32, x32, ir_const(&b, IR_I32, 0x7fffffff)));
    ir_put(&b, 0x68, ir_op2(&b, IR_ADD, IR_I32, x32, ir_const(&b, IR_I32, 0x80000001)));
    ir_put(&b, 0x70, x);
    ir_put(&b, 0x78, x32);
    ir_put(&b, 0x80, p);
    /* scaled indexes (folded without a guest base): p + i << s, i << s + p, p + i */
    IrRef i = ir_op2(&b, IR_AND, IR_I64, ir_get(&b, IR_I64, 0x1c8), ir_const(&b, IR_I64, 0x3f));
    for (unsigned sh = 0; sh <= 4; sh++) {
        IrRef sc = ir_op2(&b, IR_SHL, IR_I64, i, ir_const(&b, IR_I64, sh));
        IrRef a = sh & 1 ? ir_op2(&b, IR_ADD, IR_I64, sc, p) : ir_op2(&b, IR_ADD, IR_I64, p, sc);
        ir_put(&b, 0x88 + 8 * sh, ir_load(&b, IR_I64, a));
        if (sh == 2)
            ir_store(&b, a, i);
        if (sh == 3)
            ir_put(&b, 0xb0, sc);       /* the SHL needed besides */
    }
    ir_put(&b, 0xb8, ir_load(&b, IR_I16, ir_op2(&b, IR_ADD, IR_I64, p, i)));
    ir_exit(&b, IR_NONE, 0x3100, IR_EXIT_WORD(IR_EXIT_JUMP, 0, 0));
    ir_builder_fini(&b);
    return blk;
}

static void test_addressing(void **st)
{
    (void)st;
    static uint8_t mem0[MEM_SIZE];
    uint8_t state[STATE_SIZE];
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem0[i] = (uint8_t)rnd();
    for (int based = 0; based < 2; based++)
        for (unsigned mode = 0; mode < 2; mode++) {
            x64_backend_set_debug(mode ? X64_DBG_NO_REGALLOC : 0);
            IrBlock *blk = build_addressing(based);
            BackendBlockInfo info;
            const uint8_t *code = be_compile_in(blk, based, &info);
            if (!based && !mode) {      /* the scaled forms became SIB operands */
                char text[8192];
                be_disasm_text(&info, text, sizeof text);
                assert_non_null(strstr(text, "*8]"));
                assert_non_null(strstr(text, "*4]"));
            }
            for (unsigned run = 0; run < 8; run++) {
                for (unsigned i = 0; i < STATE_SIZE; i++)
                    state[i] = (uint8_t)rnd();
                be_run_compare(blk, code, based, state, mem0);
            }
            ir_block_free(blk);
        }
    x64_backend_set_debug(0);
}

/* ---------------------------------------------------------------- golden code */

/* pop ; je ; pop (rsp at 0x20), as opt_run leaves it: the first rsp update is a KEEP. Its
 * store is in the side exit's stub only (after the block's EXIT, before the patch site), and
 * the second pop's load records where it is for the fault map: the hot path writes rsp once.
 * The guest rsp is pinned in r12 (regs.h), so reading it is using r12 and its "store" is a
 * write of r12. */
static void test_golden_keep(void **st)
{
    (void)st;
    IrBlock *blk = be_keep_block(0x3000);
    BackendBlockInfo info;
    const uint8_t *code = be_expect_code(blk, NULL,
        "mov r15, qword ptr [r12]\n"      /* guest rsp (0x20) is pinned in r12: no load */
        "mov qword ptr [r14 + 0x18], r15\n"
        "cmp r15, 8\n"
        "je 0x38\n"
        "mov r15, qword ptr [r12 + 8]\n"  /* the fault map: rsp = r12 + 8 (no LEA) */
        "add r12, 0x10\n"                 /* computed in place: the PUT that follows is it */
        "mov qword ptr [r14 + 0x28], r15\n"
        "nop dword ptr [rax]\n"          /* the call's 5 bytes in one aligned 8-byte word */
        "call <exit>\n"                  /* the patch site; the exit routine reads the data */
        ".quad 0x8000000100000000\n"     /* exit 1, store the pc: */
        ".quad 0x2000\n"
        "lea r12, [r12 + 8]\n"            /* the side exit's stub: the KEEP, then the patch site */
        "call <exit>\n"
        ".quad 0x8000000000000000\n"
        ".quad 0x3000\n", &info);
    be_run_keep_block(blk, code);
    be_check_keep_map(&info, X64_R12);
    ir_block_free(blk);

    /* the same with a backward side exit (a loop's back edge): its stub is inline, jumped
     * over when not taken */
    blk = be_keep_block(0x1000);
    code = be_expect_code(blk, NULL,
        "mov r15, qword ptr [r12]\n"
        "mov qword ptr [r14 + 0x18], r15\n"
        "cmp r15, 8\n"
        "jne 0x2e\n"
        "lea r12, [r12 + 8]\n"
        "nop\n"
        "call <exit>\n"
        ".quad 0x8000000000000000\n"
        ".quad 0x1000\n"
        "mov r15, qword ptr [r12 + 8]\n"
        "add r12, 0x10\n"
        "mov qword ptr [r14 + 0x28], r15\n"
        "call <exit>\n"
        ".quad 0x8000000100000000\n"
        ".quad 0x2000\n", &info);
    be_run_keep_block(blk, code);
    ir_block_free(blk);
}

/* A self-loop (the shape of hash's inner loop: movzx edx, [rcx]; add rcx, 1; xor rax, rdx;
 * cmp rcx, rsi; jne top), with the interrupt word a backward exit needs: compiled as a loop
 * (loop.c), rcx, rax and rsi live in registers across iterations, the back edge jumps to the
 * head after the check, and only the ways out store them. The interpreter, once per
 * iteration, must agree with the code run until it leaves. */
static void test_golden_loop(void **st)
{
    (void)st;
    static const char text[] =
        "block pc=0x1000\n"
        "insn_start 0x1000, 0x3\n"
        "v2 = get.i64 0x8\n"
        "v3 = load.i8 v2\n"
        "v4 = zext.i64 v3\n"
        "put v4, 0x10\n"
        "insn_start 0x1003, 0x4\n"
        "v6 = const.i64 0x1\n"
        "v7 = add.i64 v2, v6\n"
        "put v7, 0x8\n"
        "insn_start 0x1007, 0x3\n"
        "v9 = get.i64 0x0\n"
        "v10 = xor.i64 v9, v4\n"
        "put v10, 0x0\n"
        "insn_start 0x100a, 0x3\n"
        "v12 = get.i64 0x30\n"
        "v13 = cmp.i8 v7, v12, ne\n"
        "exit_if v13, 0x1000, jump\n"
        "exit -, 0x100d, jump\n";
    IrBlock *blk = be_parse(text);
    IrGuestInfo gi = be_guest_info(0);
    gi.irq_offset = 0x1f0;
    static const char want[] =
        /* the entry: rcx and rsi (rax and rdx are pinned across blocks: regs.h) */
        "mov r15, qword ptr [r14 + 8]\n"
        "mov rsi, qword ptr [r14 + 0x30]\n"
        "movzx edi, byte ptr [r15]\n"      /* the head */
        "mov rbp, rdi\n"                   /* guest rdx (0x10) is pinned in rbp */
        "add r15, 1\n"
        "xor rbx, rbp\n"                   /* guest rax (0) is pinned in rbx */
        "cmp r15, rsi\n"
        "je 0x46\n"                         /* out of the loop */
        "cmp dword ptr [r14 + 0x1f0], 0\n"  /* the back edge: the interrupt check */
        "je 8\n"
        "mov qword ptr [r14 + 0x30], rsi\n" /* out to the runtime: the pins stored */
        "mov qword ptr [r14 + 8], r15\n"
        "call <exit>\n"                     /* no patch site */
        ".quad 0x8000000000000000\n"
        ".quad 0x1000\n"
        "mov qword ptr [r14 + 0x30], rsi\n"
        "mov qword ptr [r14 + 8], r15\n"
        "nop dword ptr [rax]\n"
        "call <exit>\n"
        ".quad 0x8000000100000000\n"
        ".quad 0x100d\n";
    BackendBlockInfo info;
    const uint8_t *code = be_expect_code(blk, &gi, want, &info);
    assert_int_equal(info.n_exits, 2);
    assert_int_equal(info.exits[0].patch_offset, 0);       /* never chained */
    assert_int_not_equal(info.exits[1].patch_offset, 0);
    /* the fault map: the load of each iteration sees rcx where it is (rax is in its pinned
     * register, which the fault handler reads itself: Backend.pinned) */
    const BackendInsnMap *m = &info.insns[0];      /* the load starts its instruction */
    assert_int_equal(m->guest_offset, 0);
    unsigned seen = 0;
    for (unsigned k = 0; k < m->n_keep; k++) {
        const BackendKeep *kp = &info.keeps[m->keep_first + k];
        assert_int_equal(kp->kind, BACKEND_LOC_GPR);
        seen |= kp->off == 0x8 && kp->reg == X64_R15;
    }
    assert_int_equal(seen, 1);
    /* 9 bytes from guest address 0x40: the interpreter once per iteration, the code once */
    static uint8_t s_int[STATE_SIZE], s_jit[STATE_SIZE];
    uint8_t *mem = be_guest_mem();
    for (unsigned k = 0; k < 9; k++)
        mem[0x40 + k] = (uint8_t)(0x35 * k + 7);
    uint64_t p = (uint64_t)(uintptr_t)mem + 0x40, end = p + 9, h = 0x1234;
    memset(s_int, 0, sizeof s_int);
    memcpy(s_int + 0x8, &p, 8);
    memcpy(s_int + 0x30, &end, 8);
    memcpy(s_int, &h, 8);
    memcpy(s_jit, s_int, sizeof s_int);
    uint64_t w_int, iters = 0, pc;
    do {
        w_int = ir_interp_run(blk, s_int, &gi);
        memcpy(&pc, s_int + PC_OFF, 8);
        iters++;
    } while (pc == 0x1000);
    assert_int_equal(iters, 9);
    uint64_t w_jit = be_enter(0, s_jit, code);
    assert_int_equal(w_jit, w_int);
    assert_memory_equal(s_jit, s_int, STATE_SIZE);
    ir_block_free(blk);
}

/* The shape of interp's dispatch block (bench/interp.c: a counter in the state, a scaled
 * index, a switch table of 32-bit offsets, the jump through it), with a test of a flag word:
 * the counter is one add to its state field, the index copy and shift one LEA, the table load
 * sign-extends as it loads (movsxd), the sum of two live values one LEA, the compare of an AND
 * with 0 one TEST, and the jump-cache probe hashes the target in its own register. */
static void test_golden_dispatch(void **st)
{
    (void)st;
    static const char text[] =
        "block pc=0x2000\n"
        "insn_start 0x2000, 0x4\n"
        "v2 = const.i64 0x1\n"
        "v3 = get.i64 0x30\n"
        "v4 = add.i64 v3, v2\n"
        "put v4, 0x30\n"
        "insn_start 0x2004, 0x8\n"
        "v6 = get.i64 0x8\n"
        "v7 = const.i64 0x3\n"
        "v8 = shl.i64 v6, v7\n"
        "put v8, 0x68\n"
        "insn_start 0x200c, 0x4\n"
        "v10 = get.i64 0x40\n"
        "v11 = load.i32 v10\n"
        "v12 = sext.i64 v11\n"
        "v13 = add.i64 v10, v12\n"
        "put v13, 0x8\n"
        "insn_start 0x2010, 0x6\n"
        "v15 = get.i64 0x50\n"
        "v16 = const.i64 0x400\n"
        "v17 = and.i64 v15, v16\n"
        "v18 = const.i64 0x0\n"
        "v19 = cmp.i8 v17, v18, ne\n"
        "exit_if v19, 0x3000, jump\n"
        "insn_start 0x2016, 0x2\n"
        "put v6, 0x18\n"
        "put v10, 0x58\n"
        "exit v13, 0x0, indirect\n";
    IrBlock *blk = be_parse(text);
    IrGuestInfo gi = be_guest_info(0);
    gi.irq_offset = 0x1f0;
    gi.jc_offset = 0x400;
    gi.jc_bits = 12;
    static const char want[] =
        "add qword ptr [r14 + 0x30], 1\n"          /* GET, ADD, PUT of rsi: one add */
        "mov r15, qword ptr [r14 + 8]\n"
        "lea rsi, [r15*8]\n"                       /* rcx lives on: no copy before the shift */
        "mov qword ptr [r14 + 0x68], rsi\n"
        "mov rsi, qword ptr [r14 + 0x40]\n"
        "movsxd rdi, dword ptr [rsi]\n"            /* the LOAD and its SEXT */
        "add rdi, rsi\n"
        "mov qword ptr [r14 + 8], rdi\n"
        "mov r8, qword ptr [r14 + 0x50]\n"
        "test r8, 0x400\n"                         /* cmp (r10 & 0x400), 0 */
        "jne 0x7f\n"
        "mov qword ptr [r14 + 0x18], r15\n"
        "mov qword ptr [r14 + 0x58], rsi\n"
        "mov qword ptr [r14 + 0x100], rdi\n"
        "cmp dword ptr [r14 + 0x1f0], 0\n"
        "jne 0x72\n"
        "mov rcx, rdi\n"                           /* the probe hashes the target in rdi */
        "shr rcx, 0xc\n"
        "xor rcx, rdi\n"
        "and ecx, 0xfff\n"
        "shl ecx, 5\n"
        "cmp rdi, qword ptr [r14 + rcx + 0x400]\n"
        "jne 0x72\n"
        "jmp qword ptr [r14 + rcx + 0x408]\n"
        "call <exit>\n"
        ".quad 0x100000001\n"
        "nop dword ptr [rax]\n"                   /* the patch site's 8-byte word */
        "call <exit>\n"
        ".quad 0x8000000000000000\n"
        ".quad 0x3000\n";
    BackendBlockInfo info;
    be_expect_code(blk, &gi, want, &info);
    assert_int_equal(info.n_exits, 2);
    ir_block_free(blk);
}

/* The stack window (ir.h, ir_sp_window) under a guest limit: rsp-based accesses without
 * checks, and the check of an exit whose rsp the block does not prove. Last in the list: its
 * code shifts the code buffer (the golden tests above depend on where they start). */
static void test_golden_sp_window(void **st)
{
    (void)st;
    BackendBlockInfo info;
    IrBlock *blk;
    /* Under a guest limit the first load checks rsp (cmp with the bound word, a stub last);
     * with the stack window (ir.h) ir_sp_window marks both loads nocheck (through the entry
     * rsp) and the exits' rsp is proven by them: the code above again */
    IrGuestInfo gi = be_guest_info(0);
    gi.guest_limit = 1ull << 46;
    gi.guest_bound_offset = 0x1c0;
    gi.fault_addr_offset = 0x1c8;
    gi.sp_window = true;
    gi.sp_offset = 0x20;
    blk = be_sp_window_pops(&gi);
    be_expect_code(blk, &gi,
        "mov r15, qword ptr [r12]\n"
        "mov qword ptr [r14 + 0x18], r15\n"
        "cmp r15, 8\n"
        "je 0x38\n"
        "mov r15, qword ptr [r12 + 8]\n"
        "add r12, 0x10\n"
        "mov qword ptr [r14 + 0x28], r15\n"
        "nop dword ptr [rax]\n"
        "call <exit>\n"
        ".quad 0x8000000100000000\n"
        ".quad 0x2000\n"
        "lea r12, [r12 + 8]\n"
        "call <exit>\n"
        ".quad 0x8000000000000000\n"
        ".quad 0x3000\n", &info);
    ir_block_free(blk);

    /* mov rsp, rdi ; jmp 0x2000: rsp not proven, so the exit checks it against the window
     * (rsp + 2^31 below L + 2^32) and leaves through the runtime (kind stack, 6) when not */
    blk = be_sp_window_unproven(&gi);
    be_expect_code(blk, &gi,
        "mov r12, r13\n"                 /* rsp = rdi (pinned r12, r13) */
        "mov r15, r13\n"
        "sub r15, -0x80000000\n"         /* rsp + 2^31 */
        "movabs rcx, 0x400100000000\n"   /* L + 2^32 */
        "cmp r15, rcx\n"
        "jae 0x36\n"
        "nop\n"
        "call <exit>\n"
        ".quad 0x8000000100000000\n"
        ".quad 0x2000\n"
        "call <exit>\n"                  /* the check's stub: not a patch site */
        ".quad 0x8000000000000006\n"
        ".quad 0x2000\n", &info);
    ir_block_free(blk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_encoders_modrm),
        cmocka_unit_test(test_encoders_misc),
        cmocka_unit_test(test_popcnt_fallback),
        cmocka_unit_test(test_ssse3_fallback),
        cmocka_unit_test(test_fcmpflags_pushf),
        cmocka_unit_test(test_addressing),
        cmocka_unit_test(test_golden_keep),
        cmocka_unit_test(test_golden_loop),
        cmocka_unit_test(test_golden_dispatch),
        BE_SUITE_TESTS,
        cmocka_unit_test(test_golden_sp_window),
    };
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    fprintf(stderr, "# %lu block runs compared with the interpreter\n", be_n_compared);
    return failed;
}
