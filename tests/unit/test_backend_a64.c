/* test_backend_a64.c — the aarch64 backend: its encoders, and the shared backend suite
 * (tests/common/backend_suite*.c: every op against the reference interpreter, memory, exits,
 * chaining, the jump-cache probe, helper calls, errors, random blocks), on an aarch64 host
 * (built only by `make HOST=aarch64`; `make test-aarch64` runs it under qemu-aarch64-static).
 *
 *   immediates:  a64_logical_imm against the architecture's DecodeBitMasks over every
 *                13-bit field, at 32 and 64 bits; a64_addsub_imm and a64_uoff at their bounds;
 *   mov_imm:     the sequence for edge-case and random 64-bit values, executed;
 *   encoders:    one instruction of every kind the backend emits, disassembled by Capstone's
 *                ARM64 mode and compared with the expected text;
 *   golden:      the exact code of a few small blocks (so code-quality changes show up);
 *   suite:       as listed in main().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "ir/backend.h"
#include "ir/ir.h"
#include "backend-aarch64/codegen.h"
#include "backend-aarch64/insn.h"
#include "tests/common/backend_suite.h"

/* Unchained: a BL of the buffer's exit routine (abi.c), the exit's data after it. */
static bool a64_is_patch_site(const CodeBuf *cb, const uint8_t *site)
{
    const uint8_t *routine = cb->exit_routine;
    return routine && a64_word_at(site) == a64_bl_word((routine - site) / 4);
}

static const BeHost a64_host = {
    .be = &backend_aarch64,
    .cs_arch = CS_ARCH_ARM64,
    .cs_mode = CS_MODE_ARM,
    .set_debug = a64_backend_set_debug,
    .get_debug = a64_backend_debug,
    .no_regalloc = A64_DBG_NO_REGALLOC,
    .frame_slots = A64_FRAME_SLOTS,
    .is_patch_site = a64_is_patch_site,
};

/* A small dual-mapped region of our own for code the encoder tests run. */
static struct {
    uint8_t *w, *x;
    csh cs;
} enc;
#define ENC_SIZE 65536

static int setup(void **st)
{
    (void)st;
    if (be_setup(&a64_host) != 0)
        return -1;
    int fd = memfd_create("ferry-test-enc", 0);
    if (fd < 0 || ftruncate(fd, ENC_SIZE) != 0)
        return -1;
    enc.w = mmap(NULL, ENC_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    enc.x = mmap(NULL, ENC_SIZE, PROT_READ | PROT_EXEC, MAP_SHARED, fd, 0);
    close(fd);
    if (enc.w == MAP_FAILED || enc.x == MAP_FAILED)
        return -1;
    if (cs_open(CS_ARCH_ARM64, CS_MODE_ARM, &enc.cs) != CS_ERR_OK)
        return -1;
    return 0;
}

static int teardown(void **st)
{
    (void)st;
    munmap(enc.w, ENC_SIZE);
    munmap(enc.x, ENC_SIZE);
    cs_close(&enc.cs);
    return be_teardown();
}

static uint64_t rng = 0x243F6A8885A308D3ull;

static uint64_t rnd64(void) { return be_xorshift(&rng); }

/* ---------------------------------------------------------------- immediates */

/* The Arm ARM's DecodeBitMasks (wmask only) for an immediate of `width` bits: the value of
 * the N:immr:imms field f, or false when f is reserved. */
static bool decode_bitmask(unsigned f, unsigned width, uint64_t *out)
{
    unsigned n = f >> 12 & 1, immr = f >> 6 & 63, imms = f & 63;
    unsigned v = n << 6 | (~imms & 63);
    if (v == 0)
        return false;
    unsigned len = 31 - (unsigned)__builtin_clz(v);     /* highest set bit */
    if (len < 1 || (width == 32 && n))
        return false;
    unsigned esize = 1u << len, levels = esize - 1;
    unsigned s = imms & levels, r = immr & levels;
    if (s == levels)
        return false;                   /* all ones: reserved */
    uint64_t welem = (1ull << (s + 1)) - 1;
    uint64_t emask = esize == 64 ? ~0ull : (1ull << esize) - 1;
    if (r)
        welem = ((welem >> r) | (welem << (esize - r))) & emask;
    uint64_t x = 0;
    for (unsigned i = 0; i < 64; i += esize)
        x |= welem << i;
    *out = width == 32 ? x & 0xffffffffu : x;
    return true;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static void test_logical_imm(void **st)
{
    (void)st;
    static uint64_t seen[1u << 13];
    for (unsigned width = 32; width <= 64; width += 32) {
        unsigned nseen = 0;
        for (unsigned f = 0; f < (1u << 13); f++) {
            uint64_t v;
            if (!decode_bitmask(f, width, &v))
                continue;
            seen[nseen++] = v;
            int e = a64_logical_imm(v, width);
            uint64_t back;
            if (e < 0 || !decode_bitmask((unsigned)e, width, &back) || back != v)
                fail_msg("width %u: 0x%llx (field 0x%x) encoded as %d", width,
                         (unsigned long long)v, f, e);
        }
        /* 5334 distinct 64-bit bitmask immediates, 1302 of 32 bits (fields are not unique:
         * immr bits above the element size are ignored) */
        qsort(seen, nseen, sizeof seen[0], cmp_u64);
        unsigned distinct = 0;
        for (unsigned i = 0; i < nseen; i++)
            distinct += i == 0 || seen[i] != seen[i - 1];
        assert_int_equal(distinct, width == 64 ? 5334 : 1302);
        /* values that are not bitmask immediates are refused */
        static const uint64_t bad[] = { 0, 5, 0x1234, 0x12345678, 0xa5a5a5a5a5a5a5a5ull };
        for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++)
            assert_int_equal(a64_logical_imm(bad[i], width), -1);
        assert_int_equal(a64_logical_imm(~0ull, width), -1);
        for (unsigned k = 0; k < 20000; k++) {
            uint64_t v = rnd64();
            if (width == 32)
                v &= 0xffffffffu;
            int e = a64_logical_imm(v, width);
            uint64_t back;
            if (e >= 0 && (!decode_bitmask((unsigned)e, width, &back) || back != v))
                fail_msg("random 0x%llx encoded wrongly", (unsigned long long)v);
        }
    }
    /* 32-bit operations see only the low half */
    assert_int_equal(a64_logical_imm(0xff, 32), a64_logical_imm(0x00000000000000ffull, 32));
}

static void test_addsub_uoff(void **st)
{
    (void)st;
    assert_int_equal(a64_addsub_imm(0), 0);
    assert_int_equal(a64_addsub_imm(4095), 4095);
    assert_int_equal(a64_addsub_imm(4096), 1 << 12 | 1);
    assert_int_equal(a64_addsub_imm(0xfff000), 1 << 12 | 0xfff);
    assert_int_equal(a64_addsub_imm(4097), -1);
    assert_int_equal(a64_addsub_imm(0x1000000), -1);
    assert_int_equal(a64_uoff(0, 3), 0);
    assert_int_equal(a64_uoff(8 * 4095, 3), 4095);
    assert_int_equal(a64_uoff(8 * 4096, 3), -1);
    assert_int_equal(a64_uoff(4, 3), -1);
    assert_int_equal(a64_uoff(-8, 3), -1);
    assert_int_equal(a64_uoff(16 * 100, 4), 100);
    assert_int_equal(a64_mem_scale(A64_LDRQ), 4);
    assert_int_equal(a64_mem_scale(A64_STRQ), 4);
    assert_int_equal(a64_mem_scale(A64_LDRD), 3);
    assert_int_equal(a64_mem_scale(A64_STRS), 2);
    assert_int_equal(a64_mem_scale(A64_LDRHV), 1);
    assert_int_equal(a64_mem_scale(A64_LDRB), 0);
    assert_true(a64_simm9_fits(-256) && a64_simm9_fits(255) && !a64_simm9_fits(256));
}

/* `mov x0, #v; ret`, executed: x0 must be v, in at most 4 instructions. */
static void test_mov_imm(void **st)
{
    (void)st;
    static const uint64_t edge[] = {
        0, 1, 0xffff, 0x10000, 0xffffffff, 0x100000000ull, ~0ull, ~1ull, 0xffff0000ffff0000ull,
        0x5555555555555555ull, 0x00ff00ff00ff00ffull, 0x8000000000000000ull, 0x7fffffffffffffffull,
        0xffffffff00000000ull, 0x0000ffff00000000ull, 0x123456789abcdef0ull, 0xfffffffffffe1234ull,
        0x80000000ull, 0xffff1234ffffffffull, 0x1234ffffffff5678ull,
    };
    for (unsigned i = 0; i < 3000; i++) {
        uint64_t v = i < sizeof edge / sizeof edge[0] ? edge[i] : rnd64();
        if (i % 7 == 1)
            v &= 0xffffull << (16 * (i % 4));
        if (i % 7 == 2)
            v |= 0xffffffff00000000ull;
        A64Emit e = { enc.w, 0, NULL };
        a64_mov_imm(&e, A64_X0, v);
        unsigned n = e.n_insns;
        a64_ret(&e);
        be_sync_code(enc.x, (size_t)(e.p - enc.w));
        uint64_t (*fn)(void) = (uint64_t (*)(void))(void *)enc.x;
        uint64_t got = fn();
        if (got != v || n > 4)
            fail_msg("mov_imm 0x%llx: got 0x%llx in %u instructions", (unsigned long long)v,
                     (unsigned long long)got, n);
    }
}

/* ---------------------------------------------------------------- encoders vs Capstone */

/* Disassemble the one instruction in e's buffer and compare "mnemonic op_str" with want. */
static void expect_text(const A64Emit *e, const uint8_t *buf, const char *want)
{
    cs_insn *insn = NULL;
    size_t len = (size_t)(e->p - buf);
    size_t n = cs_disasm(enc.cs, buf, len, 0x1000, 0, &insn);
    char got[256] = "?";
    if (n == 1)
        snprintf(got, sizeof got, "%s%s%s", insn->mnemonic, insn->op_str[0] ? " " : "",
                 insn->op_str);
    uint32_t w = a64_word_at(buf);
    if (n)
        cs_free(insn, n);
    if (n != 1 || len != 4 || e->n_insns != 1 || strcmp(got, want) != 0) {
        fail_msg("0x%08x: expected '%s', decoded %zu: '%s'", w, want, n, got);
    }
}

#define ENC(want, ...)                                                                       \
    do {                                                                                     \
        uint8_t buf_[4];                                                                     \
        A64Emit e_ = { buf_, 0, NULL }, *e = &e_;                                            \
        __VA_ARGS__;                                                                         \
        expect_text(e, buf_, want);                                                          \
    } while (0)

static void test_encoders(void **st)
{
    (void)st;
    /* integer data processing */
    ENC("add x1, x2, x3", a64_alu_rrr(e, A64_ADD_R, true, 1, 2, 3, A64_LSL, 0));
    ENC("sub w4, w5, w6, lsl #3", a64_alu_rrr(e, A64_SUB_R, false, 4, 5, 6, A64_LSL, 3));
    ENC("and x7, x8, x9, lsr #5", a64_alu_rrr(e, A64_AND_R, true, 7, 8, 9, A64_LSR, 5));
    ENC("orr w10, w11, w12, lsl #8", a64_alu_rrr(e, A64_ORR_R, false, 10, 11, 12, A64_LSL, 8));
    ENC("eor x16, x19, x19, lsr #12",
        a64_alu_rrr(e, A64_EOR_R, true, 16, 19, 19, A64_LSR, 12));
    ENC("mvn x1, x2", a64_alu_rrr(e, A64_ORN_R, true, 1, A64_ZR, 2, A64_LSL, 0));
    ENC("neg w3, w4", a64_alu_rrr(e, A64_SUB_R, false, 3, A64_ZR, 4, A64_LSL, 0));
    ENC("cmp w15, w14, lsl #24", a64_cmp_rr(e, false, 15, 14, A64_LSL, 24));
    ENC("mov x20, x21", a64_mov_rr(e, true, 20, 21));
    ENC("mov x29, sp", a64_mov_sp(e, A64_REG_FP, A64_SP));
    ENC("add x16, x28, x16, lsl #5", a64_alu_rrr(e, A64_ADD_R, true, 16, 28, 16, A64_LSL, 5));
    ENC("add x1, x2, #0xfff", a64_addsub_ri(e, A64_ADD_I, true, 1, 2, a64_addsub_imm(0xfff)));
    ENC("sub sp, sp, #2, lsl #12", a64_addsub_ri(e, A64_SUB_I, true, A64_SP, A64_SP,
                                                 a64_addsub_imm(0x2000)));
    ENC("cmp x3, #0x10", a64_addsub_ri(e, A64_SUBS_I, true, A64_ZR, 3, 16));
    ENC("cmn w3, #1", a64_addsub_ri(e, A64_ADDS_I, false, A64_ZR, 3, 1));
    ENC("and x16, x16, #0xfff", a64_logic_ri(e, A64_AND_I, true, 16, 16,
                                             a64_logical_imm(0xfff, 64)));
    ENC("eor w1, w2, #0xff", a64_logic_ri(e, A64_EOR_I, false, 1, 2, a64_logical_imm(0xff, 32)));
    ENC("orr w1, w2, #0x100", a64_logic_ri(e, A64_ORR_I, false, 1, 2,
                                           a64_logical_imm(0x100, 32)));
    ENC("movz x5, #0x1234, lsl #32", a64_movw(e, A64_MOVZ, true, 5, 0x1234, 2));
    ENC("movk w5, #0xbeef, lsl #16", a64_movw(e, A64_MOVK, false, 5, 0xbeef, 1));
    ENC("movn x6, #0", a64_movw(e, A64_MOVN, true, 6, 0, 0));
    ENC("lsl w1, w2, #3", a64_lsl_ri(e, false, 1, 2, 3));
    ENC("lsr x1, x2, #0x20", a64_lsr_ri(e, true, 1, 2, 32));
    ENC("asr x1, x2, #0x3f", a64_asr_ri(e, true, 1, 2, 63));
    ENC("uxtb w1, w2", a64_uxt(e, 1, 2, 8));
    ENC("uxth w1, w2", a64_uxt(e, 1, 2, 16));
    ENC("sxtb x1, w2", a64_sxt(e, true, 1, 2, 8));
    ENC("sxth w1, w2", a64_sxt(e, false, 1, 2, 16));
    ENC("sxtw x1, w2", a64_sxt(e, true, 1, 2, 32));
    ENC("ubfx w1, w2, #8, #8", a64_ubfx(e, false, 1, 2, 8, 8));
    ENC("ubfiz w1, w2, #3, #5", a64_bfm(e, A64_UBFM, false, 1, 2, 29, 4));
    ENC("sbfx w1, w2, #3, #5", a64_bfm(e, A64_SBFM, false, 1, 2, 3, 7));
    ENC("ror x1, x2, #7", a64_extr(e, true, 1, 2, 2, 7));
    ENC("lsl x1, x2, x3", a64_shiftv(e, A64_LSLV, true, 1, 2, 3));
    ENC("lsr w1, w2, w3", a64_shiftv(e, A64_LSRV, false, 1, 2, 3));
    ENC("asr w1, w2, w3", a64_shiftv(e, A64_ASRV, false, 1, 2, 3));
    ENC("ror x1, x2, x3", a64_shiftv(e, A64_RORV, true, 1, 2, 3));
    ENC("rbit x1, x2", a64_dp1(e, A64_RBIT, true, 1, 2));
    ENC("clz w1, w2", a64_dp1(e, A64_CLZ, false, 1, 2));
    ENC("rev16 w1, w2", a64_dp1(e, A64_REV16, false, 1, 2));
    ENC("rev w1, w2", a64_dp1(e, A64_REV_W, false, 1, 2));
    ENC("rev x1, x2", a64_dp1(e, A64_REV_X, false, 1, 2));
    ENC("mul w1, w2, w3", a64_mul(e, false, 1, 2, 3));
    ENC("umull x1, w2, w3", a64_madd(e, A64_UMADDL, true, 1, 2, 3, A64_ZR));
    ENC("smull x1, w2, w3", a64_madd(e, A64_SMADDL, true, 1, 2, 3, A64_ZR));
    ENC("umulh x1, x2, x3", a64_madd(e, A64_UMULH, true, 1, 2, 3, A64_ZR));
    ENC("smulh x1, x2, x3", a64_madd(e, A64_SMULH, true, 1, 2, 3, A64_ZR));
    ENC("csel x1, x2, x3, lo", a64_csel(e, A64_CSEL, true, 1, 2, 3, A64_CC_LO));
    ENC("cset w1, gt", a64_cset(e, 1, A64_CC_GT));
    ENC("csetm x16, ne", a64_csetm(e, 16, A64_CC_NE));
    /* branches and system */
    ENC("ret", a64_ret(e));
    ENC("br x16", a64_br(e, 16));
    ENC("blr x16", a64_blr(e, 16));
    ENC("nop", a64_nop(e));
    ENC("dmb ishld", a64_dmb(e, A64_ISHLD));
    ENC("dmb ishst", a64_dmb(e, A64_ISHST));
    ENC("dmb ish", a64_dmb(e, A64_ISH));
    ENC("b #0x1004", a64_w(e, a64_b_word(1)));
    ENC("b #0xffc", a64_w(e, a64_b_word(-1)));
    ENC("adr x30, #0x100c", a64_adr(e, A64_REG_LR, 12));
    ENC("ldr x17, #0x1010", a64_ldr_lit(e, false, 17, 4));
    ENC("ldr x17, #0xff8", a64_ldr_lit(e, false, 17, -2));
    ENC("ldr d3, #0x1008", a64_ldr_lit(e, true, 3, 2));
    ENC("mrs x16, fpcr", a64_mrs_fpcr(e, 16));
    ENC("msr fpcr, x16", a64_msr_fpcr(e, 16));
    /* loads and stores */
    ENC("ldr x1, [x28, #0x100]", a64_ldst_uoff(e, A64_LDRX, 1, 28, 0x100 / 8));
    ENC("strb w1, [x28, #0x11]", a64_ldst_uoff(e, A64_STRB, 1, 28, 0x11));
    ENC("ldrh w1, [sp, #0x12]", a64_ldst_uoff(e, A64_LDRH, 1, A64_SP, 0x12 / 2));
    ENC("str w1, [x2, #4]", a64_ldst_uoff(e, A64_STRW, 1, 2, 1));
    ENC("ldr q1, [sp, #0x20]", a64_ldst_uoff(e, A64_LDRQ, 1, A64_SP, 2));
    ENC("str d1, [x28, #8]", a64_ldst_uoff(e, A64_STRD, 1, 28, 1));
    ENC("ldr s1, [x28, #4]", a64_ldst_uoff(e, A64_LDRS, 1, 28, 1));
    ENC("ldr h1, [x28, #2]", a64_ldst_uoff(e, A64_LDRHV, 1, 28, 1));
    ENC("ldur x1, [x28, #0x11]", a64_ldst_unsc(e, A64_LDRX, 1, 28, 0x11));
    ENC("stur q1, [x28, #-0x10]", a64_ldst_unsc(e, A64_STRQ, 1, 28, -16));
    ENC("ldr x1, [x27, x14]", a64_ldst_reg(e, A64_LDRX, 1, 27, 14));
    ENC("strh w1, [x27, x14]", a64_ldst_reg(e, A64_STRH, 1, 27, 14));
    ENC("str q1, [x27, x14]", a64_ldst_reg(e, A64_STRQ, 1, 27, 14));
    ENC("ldrb w1, [x27, xzr]", a64_ldst_reg(e, A64_LDRB, 1, 27, A64_ZR));
    ENC("str xzr, [x28, #0x100]", a64_ldst_uoff(e, A64_STRX, A64_ZR, 28, 0x20));
    ENC("stp x29, x30, [sp, #-0xa0]!", a64_ldstp(e, A64_STP_X_PRE, 29, 30, A64_SP, -160));
    ENC("ldp x29, x30, [sp], #0xa0", a64_ldstp(e, A64_LDP_X_POST, 29, 30, A64_SP, 160));
    ENC("stp x19, x20, [sp, #0x10]", a64_ldstp(e, A64_STP_X, 19, 20, A64_SP, 16));
    ENC("ldp d8, d9, [sp, #0x60]", a64_ldstp(e, A64_LDP_D, 8, 9, A64_SP, 96));
    ENC("ldp x17, x16, [x16, #8]", a64_ldstp(e, A64_LDP_X, 17, 16, 16, 8));
    /* Advanced SIMD */
    ENC("add v1.16b, v2.16b, v3.16b", a64_v3(e, A64_V_ADD, 0, 1, 2, 3));
    ENC("sub v1.2d, v2.2d, v3.2d", a64_v3(e, A64_V_SUB, 3, 1, 2, 3));
    ENC("uqsub v1.8h, v2.8h, v3.8h", a64_v3(e, A64_V_UQSUB, 1, 1, 2, 3));
    ENC("cmeq v1.4s, v2.4s, v3.4s", a64_v3(e, A64_V_CMEQ, 2, 1, 2, 3));
    ENC("cmgt v1.2d, v2.2d, v3.2d", a64_v3(e, A64_V_CMGT, 3, 1, 2, 3));
    ENC("umin v1.16b, v2.16b, v3.16b", a64_v3(e, A64_V_UMIN, 0, 1, 2, 3));
    ENC("umax v1.8h, v2.8h, v3.8h", a64_v3(e, A64_V_UMAX, 1, 1, 2, 3));
    ENC("ushl v1.4s, v2.4s, v3.4s", a64_v3(e, A64_V_USHL, 2, 1, 2, 3));
    ENC("sshl v1.2d, v2.2d, v3.2d", a64_v3(e, A64_V_SSHL, 3, 1, 2, 3));
    ENC("zip1 v1.8h, v2.8h, v3.8h", a64_v3(e, A64_V_ZIP1, 1, 1, 2, 3));
    ENC("zip2 v1.2d, v2.2d, v3.2d", a64_v3(e, A64_V_ZIP2, 3, 1, 2, 3));
    ENC("and v1.16b, v2.16b, v3.16b", a64_vlogic(e, A64_V_AND, 1, 2, 3));
    ENC("bic v1.16b, v2.16b, v3.16b", a64_vlogic(e, A64_V_BIC, 1, 2, 3));
    ENC("eor v1.16b, v2.16b, v3.16b", a64_vlogic(e, A64_V_EOR, 1, 2, 3));
    ENC("bsl v3.16b, v1.16b, v2.16b", a64_vlogic(e, A64_V_BSL, 3, 1, 2));
    ENC("bif v3.16b, v1.16b, v2.16b", a64_vlogic(e, A64_V_BIF, 3, 1, 2));
    ENC("mov v1.16b, v31.16b", a64_vmov(e, 1, 31));
    ENC("movi v7.2d, #0000000000000000", a64_vzero(e, 7));
    ENC("ext v1.16b, v2.16b, v3.16b, #3", a64_vext(e, 1, 2, 3, 3));
    ENC("uzp1 v1.4s, v2.4s, v3.4s", a64_v3(e, A64_V_UZP1, 2, 1, 2, 3));
    ENC("uzp2 v1.4s, v2.4s, v2.4s", a64_v3(e, A64_V_UZP2, 2, 1, 2, 2));
    ENC("trn1 v4.4s, v5.4s, v5.4s", a64_v3(e, A64_V_TRN1, 2, 4, 5, 5));
    ENC("trn2 v4.4s, v5.4s, v6.4s", a64_v3(e, A64_V_TRN2, 2, 4, 5, 6));
    ENC("rev64 v7.4s, v8.4s", a64_v3(e, A64_V_REV64, 2, 7, 8, 0));
    ENC("cmeq v1.16b, v2.16b, #0", a64_v3(e, A64_V_CMEQ0, 0, 1, 2, 0));
    ENC("cmeq v1.4s, v2.4s, #0", a64_v3(e, A64_V_CMEQ0, 2, 1, 2, 0));
    ENC("dup v1.4s, v3.s[2]", a64_dup_e(e, 2, 1, 3, 2));
    ENC("dup v1.2d, v3.d[1]", a64_dup_e(e, 3, 1, 3, 1));
    ENC("shl v1.8h, v2.8h, #3", a64_vshift_i(e, A64_V_SHL, 16, 1, 2, 3));
    ENC("ushr v1.2d, v2.2d, #0x40", a64_vshift_i(e, A64_V_USHR, 64, 1, 2, 64));
    ENC("sshr v1.16b, v2.16b, #8", a64_vshift_i(e, A64_V_SSHR, 8, 1, 2, 8));
    ENC("usra v0.8h, v0.8h, #7", a64_vshift_i(e, A64_V_USRA, 16, 0, 0, 7));
    ENC("dup v2.2d, x16", a64_dup_g(e, 3, 2, 16));
    ENC("dup v2.16b, w16", a64_dup_g(e, 0, 2, 16));
    ENC("ins v1.d[1], x2", a64_ins_g(e, 3, 1, 1, 2));
    ENC("ins v1.s[2], v3.s[1]", a64_ins_e(e, 2, 1, 2, 3, 1));
    ENC("ins v1.h[5], v3.h[7]", a64_ins_e(e, 1, 1, 5, 3, 7));
    ENC("umov w1, v2.b[8]", a64_umov(e, 0, 1, 2, 8));
    ENC("mov x1, v2.d[1]", a64_umov(e, 3, 1, 2, 1));
    ENC("cnt v0.8b, v0.8b", a64_v2(e, A64_V_CNT_8B, 0, 0));
    ENC("addv b0, v0.8b", a64_v2(e, A64_V_ADDV_8B, 0, 0));
    ENC("mvn v1.16b, v2.16b", a64_v2(e, A64_V_NOT, 1, 2));
    ENC("fadd v1.4s, v2.4s, v3.4s", a64_vf(e, A64_V_FADD, false, 1, 2, 3));
    ENC("fsub v1.2d, v2.2d, v3.2d", a64_vf(e, A64_V_FSUB, true, 1, 2, 3));
    ENC("fmul v1.4s, v2.4s, v3.4s", a64_vf(e, A64_V_FMUL, false, 1, 2, 3));
    ENC("fdiv v1.2d, v2.2d, v3.2d", a64_vf(e, A64_V_FDIV, true, 1, 2, 3));
    ENC("fsqrt v1.4s, v2.4s", a64_vf(e, A64_V_FSQRT, false, 1, 2, 0));
    ENC("fneg v1.2d, v2.2d", a64_vf(e, A64_V_FNEG, true, 1, 2, 0));
    ENC("fcmeq v1.4s, v2.4s, v3.4s", a64_vf(e, A64_V_FCMEQ, false, 1, 2, 3));
    ENC("fcmge v1.2d, v2.2d, v3.2d", a64_vf(e, A64_V_FCMGE, true, 1, 2, 3));
    ENC("fcmgt v1.4s, v2.4s, v3.4s", a64_vf(e, A64_V_FCMGT, false, 1, 2, 3));
    /* scalar floating point */
    ENC("fadd s1, s2, s3", a64_fp3(e, A64_FADD, false, 1, 2, 3));
    ENC("fsub d1, d2, d3", a64_fp3(e, A64_FSUB, true, 1, 2, 3));
    ENC("fmul d1, d2, d3", a64_fp3(e, A64_FMUL, true, 1, 2, 3));
    ENC("fdiv s1, s2, s3", a64_fp3(e, A64_FDIV, false, 1, 2, 3));
    ENC("fsqrt d1, d2", a64_fp2(e, A64_FSQRT, true, 1, 2));
    ENC("fneg s3, s0", a64_fp2(e, A64_FNEG, false, 3, 0));
    ENC("frintn d2, d1", a64_fp2(e, A64_FRINTN, true, 2, 1));
    ENC("fcvt d1, s2", a64_fp2(e, A64_FCVT_SD, false, 1, 2));
    ENC("fcvt s1, d2", a64_fp2(e, A64_FCVT_DS, false, 1, 2));
    ENC("fcmp d1, d2", a64_fcmp(e, true, 1, 2));
    ENC("fcsel s1, s2, s3, vs", a64_fcsel(e, false, 1, 2, 3, A64_CC_VS));
    ENC("fcvtzs x1, d2", a64_fcvt_int(e, A64_FCVTZS, true, true, 1, 2));
    ENC("fcvtzs w1, s2", a64_fcvt_int(e, A64_FCVTZS, false, false, 1, 2));
    ENC("fcvtns x1, s2", a64_fcvt_int(e, A64_FCVTNS, true, false, 1, 2));
    ENC("scvtf d1, w2", a64_fcvt_int(e, A64_SCVTF, false, true, 1, 2));
    ENC("scvtf s1, x2", a64_fcvt_int(e, A64_SCVTF, true, false, 1, 2));
    ENC("fmov w1, s2", a64_fmov_gv(e, A64_FMOV_WS, 1, 2));
    ENC("fmov s1, w2", a64_fmov_gv(e, A64_FMOV_SW, 1, 2));
    ENC("fmov x1, d2", a64_fmov_gv(e, A64_FMOV_XD, 1, 2));
    ENC("fmov d1, x2", a64_fmov_gv(e, A64_FMOV_DX, 1, 2));
}

/* Forward branches bound later reach the right place. */
static void test_branch_fixups(void **st)
{
    (void)st;
    uint8_t buf[64];
    A64Emit e = { buf, 0, NULL };
    uint8_t *b1 = a64_bcond_fwd(&e, A64_CC_NE);
    uint8_t *b2 = a64_cbz_fwd(&e, true, true, 16);
    uint8_t *b3 = a64_b_fwd(&e);
    a64_nop(&e);
    a64_bind(&e, b1);
    a64_bind(&e, b2);
    a64_bind(&e, b3);
    cs_insn *insn;
    size_t n = cs_disasm(enc.cs, buf, (size_t)(e.p - buf), 0x1000, 0, &insn);
    assert_int_equal(n, 4);
    assert_string_equal(insn[0].op_str, "#0x1010");
    assert_string_equal(insn[1].op_str, "x16, #0x1010");
    assert_string_equal(insn[2].op_str, "#0x1010");
    assert_string_equal(insn[0].mnemonic, "b.ne");
    assert_string_equal(insn[1].mnemonic, "cbnz");
    cs_free(insn, n);
}

/* a64_ldst_x_pair: neighbouring 8-byte accesses of one base join (the word count says one
 * instruction each), except across a branch target, into one register twice, or after a load
 * into the base register; a pair is not joined again. */
static void test_pair_peephole(void **st)
{
    (void)st;
    uint8_t buf[64];
    A64Emit e = { buf, 0, NULL };
    a64_ldst_x_pair(&e, false, 1, 28, 0x90);
    a64_ldst_x_pair(&e, false, 2, 28, 0x88);        /* stp x2, x1, [x28, #0x88] */
    a64_ldst_x_pair(&e, false, 3, 28, 0x98);
    uint8_t *skip = a64_cbz_fwd(&e, false, true, 5);
    a64_ldst_x_pair(&e, false, 4, 28, 0xa0);
    a64_bind(&e, skip);
    a64_ldst_x_pair(&e, false, 6, 28, 0xa8);        /* the cbz lands here: alone */
    a64_ldst_x_pair(&e, true, 7, 28, 0x10);
    a64_ldst_x_pair(&e, true, 7, 28, 0x18);         /* the same register: apart */
    a64_nop(&e);
    a64_ldst_x_pair(&e, true, 28, 28, 0x20);        /* into the base, then from it: apart */
    a64_ldst_x_pair(&e, true, 8, 28, 0x28);
    a64_ldst_x_pair(&e, true, 9, 27, 0x30);         /* another base: apart */
    a64_ldst_x_pair(&e, true, 10, 27, 0x38);
    static const char *want[] = {
        "stp x2, x1, [x28, #0x88]", "str x3, [x28, #0x98]", "cbz x5, #0x1010",
        "str x4, [x28, #0xa0]", "str x6, [x28, #0xa8]", "ldr x7, [x28, #0x10]",
        "ldr x7, [x28, #0x18]", "nop ", "ldr x28, [x28, #0x20]", "ldr x8, [x28, #0x28]",
        "ldp x9, x10, [x27, #0x30]",
    };
    size_t n_want = sizeof want / sizeof want[0];
    cs_insn *insn;
    size_t n = cs_disasm(enc.cs, buf, (size_t)(e.p - buf), 0x1000, 0, &insn);
    assert_int_equal(n, n_want);
    assert_int_equal(e.n_insns, n_want);
    for (size_t i = 0; i < n; i++) {
        char got[256];
        snprintf(got, sizeof got, "%s %s", insn[i].mnemonic, insn[i].op_str);
        assert_string_equal(got, want[i]);
    }
    cs_free(insn, n);
}

/* ---------------------------------------------------------------- golden code */

static void expect_block(IrBlock *blk, const char *want)
{
    BackendBlockInfo info;
    const uint8_t *code = be_expect_code(blk, NULL, want, &info);
    uint8_t state[STATE_SIZE];
    for (unsigned i = 0; i < STATE_SIZE; i++)
        state[i] = (uint8_t)(i * 13 + 5);
    be_run_compare(blk, code, 0, state, zero_mem);
    ir_block_free(blk);
}

static void test_golden(void **st)
{
    (void)st;
    /* The suite's fields 0x00-0x3f are pinned GPRs (BE_GPR_OFF): field 8k lives in x19 + k.
     * Integer add of two of them into a third: one ADD (GETs are the registers, the result is
     * computed in the PUT's); a direct exit: its patch site, a BL of the shared exit routine
     * followed by its data (the exit word | index << 32, bit 63: store the pc; the pc), which
     * the epilogue reads through x30 */
    expect_block(be_parse("block pc=0x1000\n"
                          "v1 = get.i64 0x0\n"
                          "v2 = get.i64 0x8\n"
                          "v3 = add.i64 v1, v2\n"
                          "put v3, 0x10\n"
                          "exit -, 0x2000, 0x0\n"),
                 "add x21, x19, x20\n"
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x2000\n");
    /* a compare fused into the branch of an exit, an immediate operand */
    expect_block(be_parse("block pc=0x1000\n"
                          "v1 = get.i32 0x0\n"
                          "v2 = const.i32 0x10\n"
                          "v3 = cmp.i8 v1, v2, 0x6\n"       /* lts */
                          "exit_if v3, 0x3000, 0x0\n"
                          "exit -, 0x2000, 0x0\n"),
                 "cmp w19, #0x10\n"       /* a GET of the low half of a pinned field read
                                              only by W forms: the register (lowpart) */
                 "b.lt #0x1c\n"
                 "bl <exit>\n"
                 ".quad 0x8000000100000000\n"  /* exit 1 */
                 ".quad 0x2000\n"
                 "bl <exit>\n"             /* the side exit's stub, after the block's EXIT */
                 ".quad 0x8000000000000000\n"
                 ".quad 0x3000\n");
    /* 8-bit arithmetic keeps the value zero-extended; a 16-bit signed compare shifts */
    expect_block(be_parse("block pc=0x1000\n"
                          "v1 = get.i8 0x0\n"
                          "v2 = get.i8 0x1\n"
                          "v3 = add.i8 v1, v2\n"
                          "put v3, 0x10\n"
                          "v4 = get.i16 0x2\n"
                          "v5 = get.i16 0x4\n"
                          "v6 = cmp.i8 v4, v5, 0x9\n"       /* gts */
                          "put v6, 0x11\n"
                          "exit -, 0x2000, 0x1\n"),        /* indirect kind, no target: a stub */
                 "uxtb w29, w19\n"         /* bytes 0 and 1 of x19 */
                 "ubfx w27, w19, #8, #8\n"
                 "add w29, w29, w27\n"
                 "uxtb w29, w29\n"
                 "bfxil x21, x29, #0, #8\n"   /* a PUT of part of one: a bitfield insert */
                 "lsr w29, w19, #0x10\n"
                 "ubfx x27, x19, #0x20, #0x10\n"
                 "lsl w15, w29, #0x10\n"
                 "cmp w15, w27, lsl #16\n"
                 "cset w29, gt\n"
                 "bfi x21, x29, #8, #8\n"
                 "bl <exit>\n"             /* no patch site, the same way out */
                 ".quad 0x8000000000000001\n"
                 ".quad 0x2000\n");
    /* pop ; je ; pop (rsp at 0x20): the first rsp update is a KEEP, stored by the side exit's
     * stub only and recorded for the second pop's load (see the map below) */
    IrBlock *blk = be_keep_block(0x3000);
    BackendBlockInfo info;
    const uint8_t *code = be_expect_code(blk, NULL,
                 "ldr x22, [x23]\n"        /* rsp is x23; the loaded value goes to 0x18's x22 */
                 "cmp x22, #8\n"
                 "b.eq #0x28\n"
                 "ldr x24, [x23, #8]\n"    /* rsp + 8 is only an address and a KEEP's value */
                 "add x23, x23, #0x10\n"
                 "bl <exit>\n"
                 ".quad 0x8000000100000000\n"
                 ".quad 0x2000\n"
                 "add x23, x23, #8\n"      /* the stub: the KEEP (x23 + 8), then the patch site */
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x3000\n", &info);
    be_run_keep_block(blk, code);
    be_check_keep_map(&info, A64_X23);     /* rsp + 8 as x23 (rsp's pinned register) plus 8 */
    ir_block_free(blk);
    /* The same under a guest limit (2^38): one check of rsp for both pops (rsp + 8 is near
     * it), a load through the limit probe in x18 (ir.h), no out-of-line code; the probe's
     * map entry, at the load, is the first pop's with the address (x23 + 0) kept last as
     * X86State.fault_addr (here 0x1c8) */
    IrGuestInfo gi = be_guest_info(0);
    gi.guest_limit = 1ull << 38;
    gi.guest_bound_offset = 0x1c0;
    gi.fault_addr_offset = 0x1c8;
    gi.limit_probe = 0x7f0000000fffull;        /* compiled only, never run */
    blk = be_keep_block(0x3000);
    be_expect_code(blk, &gi,
                 "lsr x16, x23, #0x26\n"
                 "ldrb wzr, [x18, x16]\n"
                 "ldr x22, [x23]\n"
                 "cmp x22, #8\n"
                 "b.eq #0x30\n"
                 "ldr x24, [x23, #8]\n"
                 "add x23, x23, #0x10\n"
                 "bl <exit>\n"
                 ".quad 0x8000000100000000\n"
                 ".quad 0x2000\n"
                 "add x23, x23, #8\n"
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x3000\n", &info);
    unsigned probes = 0;
    for (unsigned i = 0; i < info.n_insns; i++) {
        const BackendInsnMap *m = &info.insns[i];
        if (m->n_keep == 0)
            continue;
        const BackendKeep *k = &info.keeps[m->keep_first + m->n_keep - 1];
        if (k->off != 0x1c8)
            continue;
        probes++;
        assert_int_equal(m->host_offset, 4);
        assert_int_equal(m->n_keep, 1);
        assert_int_equal(k->kind, BACKEND_LOC_GPR);
        assert_int_equal(k->reg, A64_X23);
        assert_int_equal(k->size, 8);
        assert_int_equal(k->value, 0);
    }
    assert_int_equal(probes, 1);
    ir_block_free(blk);

}

/* The inline jump-cache probe of an indirect exit with the runtime's table (4096 entries
 * right below the state: jc_offset -128 KiB): entries counted downwards from the state (EON
 * for mask - i), one LDP, no test of the code pointer (entries without code hold the miss
 * routine, CodeBuf.jc_miss); with an interrupt word, its check first. Compiled only (the
 * backend suite runs both layouts). */
static void test_jc_probe(void **st)
{
    (void)st;
    IrGuestInfo gi = be_guest_info(0);
    gi.jc_offset = -(BACKEND_JC_ENTRY_SIZE << 12);
    gi.jc_bits = 12;
    const char *text = "block pc=0x1000\n"
                       "v1 = get.i64 0x20\n"
                       "exit v1, 0x0, 0x1\n";             /* indirect */
    char pc_store[64];
    snprintf(pc_store, sizeof pc_store, "str x23, [x28, #0x%x]\n", (unsigned)gi.pc_offset);
    char want[1024];
    for (int irq = 0; irq < 2; irq++) {
        gi.irq_offset = irq ? 0x1f0 : 0;
        snprintf(want, sizeof want, "%s%s"
                 "eon x16, x23, x23, lsr #12\n"   /* the pc in x23 (field 0x20) */
                 "and x16, x16, #0xfff\n"
                 "sub x16, x28, x16, lsl #5\n"
                 "ldp x17, x16, [x16, #-0x20]\n"
                 "cmp x17, x23\n"
                 "b.ne #0x%x\n"
                 "br x16\n"
                 "bl <exit>\n"
                 ".quad 0x1\n"
                 ".quad 0\n", pc_store,
                 irq ? "ldr w16, [x28, #0x1f0]\ncbnz w16, #0x28\n" : "",
                 irq ? 0x28 : 0x20);
        IrBlock *blk = be_parse(text);
        BackendBlockInfo info;
        be_expect_code(blk, &gi, want, &info);
        ir_block_free(blk);
    }
}

/* Vector forms: PCMPEQB against a zero vector is CMEQ #0 (no zero built); PMOVMSKB's 16
 * bits end with INS + one UMOV of a halfword; a PSHUFD rotation is one EXT, a broadcast one
 * DUP, a control one lane away from a form that form plus one INS. */
static void test_vec_forms(void **st)
{
    (void)st;
    expect_block(be_parse("block pc=0x1000\n"
                          "v1 = get.v128 0x80\n"
                          "v2 = const.v128 0x0\n"
                          "v3 = vcmpeq.v128 v1, v2, 0x8\n"
                          "v4 = vmovmsk.i32 v3, 0x8\n"
                          "put v4, 0xc0\n"
                          "v5 = vshuf32.v128 v1, 0x39\n"    /* lanes 1, 2, 3, 0 */
                          "put v5, 0xa0\n"
                          "v6 = vshuf32.v128 v1, 0xaa\n"    /* lane 2 four times */
                          "put v6, 0xd0\n"
                          "v7 = vshuf32.v128 v1, 0x79\n"    /* 1, 2, 3, 1 */
                          "put v7, 0xe0\n"
                          "exit -, 0x2000, 0x0\n"),
                 "ldr q6, [x28, #0x80]\n"
                 "cmeq v7.16b, v6.16b, #0\n"
                 "ushr v0.16b, v7.16b, #7\n"
                 "usra v0.8h, v0.8h, #7\n"
                 "usra v0.4s, v0.4s, #0xe\n"
                 "usra v0.2d, v0.2d, #0x1c\n"
                 "ins v0.b[1], v0.b[8]\n"
                 "umov w29, v0.h[0]\n"
                 "str w29, [x28, #0xc0]\n"
                 "ext v7.16b, v6.16b, v6.16b, #4\n"
                 "str q7, [x28, #0xa0]\n"
                 "dup v7.4s, v6.s[2]\n"
                 "str q7, [x28, #0xd0]\n"
                 "ext v0.16b, v6.16b, v6.16b, #4\n"   /* not into v6, which it reads */
                 "ins v0.s[3], v6.s[1]\n"
                 "mov v6.16b, v0.16b\n"
                 "str q6, [x28, #0xe0]\n"
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x2000\n");
}

/* x86's memory order (IrGuestInfo.tso): a load is followed by DMB ISHLD; a store is preceded
 * by DMB ISHST unless no store came since the last barrier that ordered stores (the block's
 * first store is: the predecessor's stores are unknown); without tso the same block has no
 * barrier at all. */
static void tso_check(const char *text, const char *want)
{
    IrBlock *blk = be_parse(text);
    BackendBlockInfo info;
    const uint8_t *code = be_expect_code(blk, NULL, want, &info);
    uint8_t state[STATE_SIZE] = { 0 };
    uint64_t addr = (uint64_t)(uintptr_t)be_guest_mem() + 64;
    memcpy(state, &addr, 8);
    uint8_t mem[MEM_SIZE];
    for (unsigned i = 0; i < MEM_SIZE; i++)
        mem[i] = (uint8_t)(i * 7 + 1);
    be_run_compare(blk, code, 0, state, mem);
    ir_block_free(blk);
}

static void test_tso(void **st)
{
    (void)st;
    static const char text[] =
        "block pc=0x1000\n"
        "v1 = get.i64 0x0\n"
        "v2 = load.i32 v1\n"
        "v3 = const.i64 0x8\n"
        "v4 = add.i64 v1, v3\n"
        "store v4, v2\n"
        "v5 = load.i32 v1\n"
        "store v1, v5\n"
        "exit -, 0x2000, 0x0\n";
    be_set_tso(true);
    tso_check(text,
              "ldr w29, [x19]\n"
              "dmb ishld\n"
              "dmb ishst\n"
              "str w29, [x19, #8]\n"
              "ldr w29, [x19]\n"
              "dmb ishld\n"
              "dmb ishst\n"
              "str w29, [x19]\n"
              "bl <exit>\n"
              ".quad 0x8000000000000000\n"
              ".quad 0x2000\n");
    be_set_tso(false);
    tso_check(text,
              "ldr w29, [x19]\n"
              "str w29, [x19, #8]\n"
              "ldr w29, [x19]\n"
              "str w29, [x19]\n"
              "bl <exit>\n"
              ".quad 0x8000000000000000\n"
              ".quad 0x2000\n");
}

/* 8-byte accesses of neighbouring state fields (above the pinned 0x00-0x3f) emitted one after
 * the other become one LDP/STP, in either order; not three into one, not across a guest
 * instruction boundary (its map entry points between them); guest memory accesses never
 * (each faults alone). */
static void test_state_pairs(void **st)
{
    (void)st;
    expect_block(be_parse("block pc=0x1000\n"
                          "insn_start 0x1000, 0x4\n"
                          "v1 = get.i64 0x48\n"
                          "v2 = get.i64 0x40\n"
                          "v3 = add.i64 v1, v2\n"
                          "put v3, 0x50\n"
                          "put v1, 0x58\n"
                          "put v2, 0x68\n"
                          "put v3, 0x60\n"
                          "put v2, 0x70\n"
                          "insn_start 0x1004, 0x4\n"
                          "put v1, 0x78\n"
                          "exit -, 0x2000, 0x0\n"),
                 "ldp x27, x29, [x28, #0x40]\n"  /* GET 0x48 then 0x40: one LDP */
                 "add x9, x29, x27\n"
                 "stp x9, x29, [x28, #0x50]\n"
                 "stp x9, x27, [x28, #0x60]\n"   /* PUT 0x68 then 0x60 */
                 "str x27, [x28, #0x70]\n"       /* a pair is not joined again */
                 "str x29, [x28, #0x78]\n"       /* the next instruction's */
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x2000\n");
    /* guest memory: two neighbouring 8-byte loads and stores stay apart */
    static const char mem[] =
        "block pc=0x1000\n"
        "v1 = get.i64 0x0\n"
        "v2 = load.i64 v1\n"
        "v3 = const.i64 0x8\n"
        "v4 = add.i64 v1, v3\n"
        "v5 = load.i64 v4\n"
        "store v1, v5\n"
        "store v4, v2\n"
        "exit -, 0x2000, 0x0\n";
    tso_check(mem,
              "ldr x29, [x19]\n"
              "ldr x27, [x19, #8]\n"
              "str x27, [x19]\n"
              "str x29, [x19, #8]\n"
              "bl <exit>\n"
              ".quad 0x8000000000000000\n"
              ".quad 0x2000\n");
}

/* Code-quality patterns of the pinned registers (codegen_plan.c, codegen_pin.c): each block
 * also runs against the interpreter. */
static void test_pin_patterns(void **st)
{
    (void)st;
    /* mov ebx, edi: the low half of x26 zero-extended straight into x22 (a partial GET is a
     * pin target), not through a temporary */
    expect_block(be_parse("block pc=0x1000\n"
                          "v1 = get.i32 0x38\n"
                          "v2 = zext.i64 v1\n"
                          "put v2, 0x18\n"
                          "exit -, 0x2000, 0x0\n"),
                 "mov w22, w26\n"
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x2000\n");
    /* sub rax, rcx as rax = rcx - rax: the second operand is the register being written,
     * which SUB reads before it writes (a pin target whatever the operand order) */
    expect_block(be_parse("block pc=0x1000\n"
                          "v1 = get.i64 0x0\n"
                          "v2 = get.i64 0x8\n"
                          "v3 = sub.i64 v2, v1\n"
                          "put v3, 0x0\n"
                          "exit -, 0x2000, 0x0\n"),
                 "sub x19, x20, x19\n"
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x2000\n");
    /* test al, 1 (an AND with a constant) and mov [x], bl (a byte store) read the pinned
     * registers' low bytes in place: no UXTB (lowpart) */
    tso_check("block pc=0x1000\n"
              "v1 = get.i8 0x8\n"
              "v2 = const.i8 0x1\n"
              "v3 = and.i8 v1, v2\n"
              "put v3, 0x48\n"
              "v4 = get.i64 0x0\n"
              "v5 = get.i8 0x18\n"
              "store v4, v5\n"
              "exit -, 0x2000, 0x0\n",
              "and w29, w20, #1\n"
              "strb w29, [x28, #0x48]\n"
              "strb w22, [x19]\n"
              "bl <exit>\n"
              ".quad 0x8000000000000000\n"
              ".quad 0x2000\n");
    /* mov eax, [rip + a]; add eax, [rip + a + 8]: the second global is addressed from the
     * first one's constant, loaded once into a home (CgVal.const_base); compiled only */
    BackendBlockInfo info;
    IrBlock *blk = be_parse("block pc=0x1000\n"
                            "v1 = const.i64 0x4ad220\n"
                            "v2 = load.i32 v1\n"
                            "v3 = const.i64 0x4ad228\n"
                            "v4 = load.i32 v3\n"
                            "v5 = add.i32 v2, v4\n"
                            "v6 = zext.i64 v5\n"
                            "put v6, 0x0\n"
                            "exit -, 0x2000, 0x0\n");
    be_expect_code(blk, NULL,
                   "ldr x29, #0x24\n"      /* 0x4ad220 from the pool, into a home */
                   "ldr w27, [x29]\n"
                   "ldr w9, [x29, #8]\n"   /* was ldr x14, #lit; ldr w9, [x14] */
                   "add w19, w27, w9\n"
                   "bl <exit>\n"
                   ".quad 0x8000000000000000\n"
                   ".quad 0x2000\n", &info);
    ir_block_free(blk);
    /* push rbx (rsp in field 0 here, so it points at memory): the store goes to [x19, #-8]
     * and the new rsp is computed into x19 at its PUT (CgVal.sunk), no temporary and move */
    tso_check("block pc=0x1000\n"
              "v1 = get.i64 0x0\n"
              "v2 = const.i64 0xfffffffffffffff8\n"
              "v3 = add.i64 v1, v2\n"
              "v4 = get.i64 0x18\n"
              "store v3, v4\n"
              "put v3, 0x0\n"
              "exit -, 0x2000, 0x0\n",
              "stur x22, [x19, #-8]\n"
              "sub x19, x19, #8\n"
              "bl <exit>\n"
              ".quad 0x8000000000000000\n"
              ".quad 0x2000\n");
}

/* The stack window (ir.h, ir_sp_window) under a guest limit: rsp-based accesses without
 * probes, and the check of an exit whose rsp the block does not prove. Last in the list: its
 * code shifts the code buffer (the golden tests above depend on where they start). */
static void test_golden_sp_window(void **st)
{
    (void)st;
    BackendBlockInfo info;
    IrBlock *blk;
    IrGuestInfo gi = be_guest_info(0);
    gi.guest_limit = 1ull << 38;
    gi.guest_bound_offset = 0x1c0;
    gi.fault_addr_offset = 0x1c8;
    gi.limit_probe = 0x7f0000000fffull;        /* compiled only, never run */
    /* With the stack window (ir.h): both loads are through the entry rsp, which ir_sp_window
     * marks nocheck, and the exits' rsp (+ 8, + 16) is within 2^31 of the first completed
     * load: no probe and no exit check, the code of the block without a limit */
    gi.sp_window = true;
    gi.sp_offset = 0x20;
    blk = be_sp_window_pops(&gi);
    be_expect_code(blk, &gi,
                 "ldr x22, [x23]\n"
                 "cmp x22, #8\n"
                 "b.eq #0x28\n"
                 "ldr x24, [x23, #8]\n"
                 "add x23, x23, #0x10\n"
                 "bl <exit>\n"
                 ".quad 0x8000000100000000\n"
                 ".quad 0x2000\n"
                 "add x23, x23, #8\n"
                 "bl <exit>\n"
                 ".quad 0x8000000000000000\n"
                 ".quad 0x3000\n", &info);
    ir_block_free(blk);

    /* mov rsp, rdi ; jmp 0x2000: rsp not proven, so the exit checks it against the window
     * (rsp + 2^31 below L + 2^32) and leaves through the runtime (kind stack, 6) when not */
    blk = be_sp_window_unproven(&gi);
    be_expect_code(blk, &gi,
                 "mov x23, x26\n"                  /* rsp = rdi (pinned x23, x26) */
                 "orr x14, xzr, #0xffffffff80000000\n"
                 "sub x29, x26, x14\n"             /* rsp + 2^31 */
                 "movz x14, #0x41, lsl #32\n"      /* L + 2^32 */
                 "cmp x29, x14\n"
                 "b.hs #0x2c\n"
                 "bl <exit>\n"
                 ".quad 0x8000000100000000\n"
                 ".quad 0x2000\n"
                 "bl <exit>\n"                     /* the check's: kind stack, no patch site */
                 ".quad 0x8000000000000006\n"
                 ".quad 0x2000\n", &info);
    ir_block_free(blk);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_logical_imm),
        cmocka_unit_test(test_addsub_uoff),
        cmocka_unit_test(test_mov_imm),
        cmocka_unit_test(test_encoders),
        cmocka_unit_test(test_branch_fixups),
        cmocka_unit_test(test_pair_peephole),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_jc_probe),
        cmocka_unit_test(test_vec_forms),
        cmocka_unit_test(test_tso),
        cmocka_unit_test(test_state_pairs),
        cmocka_unit_test(test_pin_patterns),
        BE_SUITE_TESTS,
        cmocka_unit_test(test_golden_sp_window),
    };
    const char *only = getenv("FERRY_TEST_FILTER");     /* e.g. test_golden, while editing */
    if (only)
        cmocka_set_test_filter(only);
    int failed = cmocka_run_group_tests(tests, setup, teardown);
    fprintf(stderr, "# %lu block runs compared with the interpreter\n", be_n_compared);
    return failed;
}
