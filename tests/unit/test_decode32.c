/* test_decode32.c — x86_decode_mode in 32-bit mode (X86_MODE_32) against hand-written
 * expectations and against Capstone 4 (CS_MODE_32).
 *
 * 1. corpus: the encodings whose meaning or length differs from 64-bit mode (inc/dec in
 *    40-4F, the i64 opcodes, default operand and address size 4, 66 and 67 toggling to 2,
 *    16-bit ModRM forms, disp32 without RIP, far pointers, LES/LDS versus VEX, wrapped branch
 *    targets), each checked for length, sizes and memory operand, and its length against
 *    Capstone's.
 * 2. fuzz: random one-byte-map instructions (random prefixes 66/67/F2/F3/segments, an opcode
 *    that is not a prefix or an x87 escape, random ModRM/SIB/tail bytes): when both decoders
 *    accept the bytes, the lengths must agree (but for one Capstone quirk, noted where it is
 *    skipped). FERRY_DECODE_FUZZ_N overrides the count.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <capstone/capstone.h>

#include "frontend-x86/x86_decode.h"

enum { AX, CX, DX, BX, SP, BP, SI, DI, NO = X86_REG_NONE, NOM = -9 };

typedef struct Case {
    const char *hex;
    unsigned len, opsize, addrsize;
    int base, index;            /* NOM: no memory operand */
    int32_t disp;
    const char *what;
} Case;

static const Case corpus[] = {
    { "40",                1, 4, 4, NOM, NO, 0, "inc eax" },
    { "4f",                1, 4, 4, NOM, NO, 0, "dec edi" },
    { "66 41",             2, 2, 4, NOM, NO, 0, "inc cx" },
    { "06",                1, 4, 4, NOM, NO, 0, "push es" },
    { "1f",                1, 4, 4, NOM, NO, 0, "pop ds" },
    { "60",                1, 4, 4, NOM, NO, 0, "pusha" },
    { "66 61",             2, 2, 4, NOM, NO, 0, "popaw" },
    { "50",                1, 4, 4, NOM, NO, 0, "push eax (default size 4)" },
    { "66 50",             2, 2, 4, NOM, NO, 0, "push ax" },
    { "8b 05 78 56 34 12", 6, 4, 4, NO, NO, 0x12345678, "mov eax, [disp32] (no RIP)" },
    { "8b 44 24 08",       4, 4, 4, SP, NO, 8, "mov eax, [esp+8]" },
    { "67 8a 00",          3, 1, 2, BX, SI, 0, "mov al, [bx+si]" },
    { "67 8b 46 fe",       4, 4, 2, BP, NO, -2, "mov eax, [bp-2]" },
    { "67 8b 06 34 12",    5, 4, 2, NO, NO, 0x1234, "mov eax, [disp16]" },
    { "67 8b 87 00 80",    5, 4, 2, BX, NO, (int16_t)0x8000, "mov eax, [bx+disp16]" },
    { "a1 78 56 34 12",    5, 4, 4, NOM, NO, 0, "mov eax, moffs32" },
    { "67 a1 34 12",       4, 4, 2, NOM, NO, 0, "mov eax, moffs16" },
    { "ea 78 56 34 12 08 00", 7, 4, 4, NOM, NO, 0, "jmp far ptr16:32" },
    { "66 9a 34 12 08 00", 6, 2, 4, NOM, NO, 0, "call far ptr16:16" },
    { "c4 06",             2, 4, 4, SI, NO, 0, "les eax, [esi]" },
    { "c5 46 04",          3, 4, 4, SI, NO, 4, "lds eax, [esi+4]" },
    { "c4 e2 78 f2 c1",    5, 4, 4, NOM, NO, 0, "andn eax, eax, ecx (VEX, mod = 11b)" },
    { "82 c0 05",          3, 1, 4, NOM, NO, 0, "add al, 5 (82 = 80)" },
    { "ce",                1, 4, 4, NOM, NO, 0, "into" },
    { "d4 0a",             2, 4, 4, NOM, NO, 0, "aam" },
    { "62 06",             2, 4, 4, SI, NO, 0, "bound eax, [esi]" },
    { "63 c8",             2, 4, 4, NOM, NO, 0, "arpl ax, cx" },
    { "e8 00 00 00 00",    5, 4, 4, NOM, NO, 0, "call rel32" },
    { "ff 15 00 10 00 00", 6, 4, 4, NO, NO, 0x1000, "call [disp32] (near, size 4)" },
    { "0f 22 c0",          3, 4, 4, NOM, NO, 0, "mov cr0, eax" },
    { "0f 01 15 00 10 00 00", 7, 4, 4, NO, NO, 0x1000, "lgdt [disp32]" },
    { "cf",                1, 4, 4, NOM, NO, 0, "iretd" },
    { "0f a1",             2, 4, 4, NOM, NO, 0, "pop fs" },
};

static unsigned parse_hex(const char *s, uint8_t *out)
{
    unsigned n = 0, v;
    int used;
    while (sscanf(s, " %2x%n", &v, &used) == 1) {
        out[n++] = (uint8_t)v;
        s += used;
    }
    return n;
}

static csh cs_handle(void)
{
    static csh h;
    static bool open;
    if (!open) {
        assert_int_equal(cs_open(CS_ARCH_X86, CS_MODE_32, &h), CS_ERR_OK);
        open = true;
    }
    return h;
}

static size_t cs_len(const uint8_t *b, size_t n)
{
    cs_insn *insn;
    size_t count = cs_disasm(cs_handle(), b, n, 0x1000, 1, &insn);
    size_t len = count ? insn[0].size : 0;
    if (count)
        cs_free(insn, count);
    return len;
}

static void test_corpus(void **state)
{
    (void)state;
    unsigned failures = 0;
    for (size_t i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        const Case *c = &corpus[i];
        uint8_t b[16];
        unsigned n = parse_hex(c->hex, b);
        X86Insn in;
        X86DecodeStatus st = x86_decode_mode(b, n, 0x1000, X86_MODE_32, &in);
        bool ok = st == X86_DEC_OK && in.len == c->len && in.opsize == c->opsize &&
                  in.addrsize == c->addrsize && in.mode == X86_MODE_32;
        bool mem = in.has_modrm && in.mod != 3;
        if (c->base == NOM)
            ok = ok && !mem;
        else
            ok = ok && mem && in.base == c->base && in.index == c->index && in.disp == c->disp;
        size_t cl = cs_len(b, n);
        if (!ok || cl != c->len) {
            printf("# %s (%s): status %d len %u opsize %u addrsize %u base %d index %d "
                   "disp %d; Capstone len %zu\n", c->what, c->hex, st, in.len, in.opsize,
                   in.addrsize, in.base, in.index, in.disp, cl);
            failures++;
        }
    }
    assert_int_equal(failures, 0);
}

/* Branch targets wrap to the operand size; 40-4F never act as REX. */
static void test_targets_and_rex(void **state)
{
    (void)state;
    X86Insn in;
    uint8_t jmp[] = { 0xe9, 0x00, 0x00, 0x00, 0x80 };             /* jmp rel32 -2 GiB */
    assert_int_equal(x86_decode_mode(jmp, sizeof jmp, 0x80000000u, X86_MODE_32, &in), X86_DEC_OK);
    assert_true(in.is_rel_branch);
    assert_int_equal(in.target, 5);                               /* wrapped at 4 GiB */
    uint8_t jmp16[] = { 0x66, 0xe9, 0x00, 0x00 };                 /* jmp rel16: IP wraps */
    assert_int_equal(x86_decode_mode(jmp16, sizeof jmp16, 0x1fffc, X86_MODE_32, &in), X86_DEC_OK);
    assert_int_equal(in.target, 0);
    uint8_t rexw[] = { 0x48, 0x89, 0xc8 };                        /* dec eax; then mov */
    assert_int_equal(x86_decode_mode(rexw, sizeof rexw, 0, X86_MODE_32, &in), X86_DEC_OK);
    assert_int_equal(in.len, 1);
    assert_int_equal(in.rex, 0);
    uint8_t swapgs[] = { 0x0f, 0x01, 0xf8 };                      /* 64-bit mode only */
    assert_int_equal(x86_decode_mode(swapgs, 3, 0, X86_MODE_32, &in), X86_DEC_INVALID);
    assert_int_equal(x86_decode_mode(swapgs, 3, 0, X86_MODE_64, &in), X86_DEC_OK);
    uint8_t les[] = { 0xc4 };                                     /* needs the next byte */
    assert_int_equal(x86_decode_mode(les, 1, 0, X86_MODE_32, &in), X86_DEC_TRUNCATED);
}

static uint64_t rng = 0x243f6a8885a308d3ull;
static uint32_t next_rand(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 16);
}

static void test_fuzz_lengths(void **state)
{
    (void)state;
    static const uint8_t prefixes[] = { 0x66, 0x67, 0xf2, 0xf3, 0x2e, 0x3e, 0x26, 0x64, 0x65, 0x36 };
    const char *env = getenv("FERRY_DECODE_FUZZ_N");
    unsigned count = env ? (unsigned)strtoul(env, NULL, 0) : 100000, compared = 0, bad = 0;
    for (unsigned k = 0; k < count; k++) {
        uint8_t b[15];
        unsigned n = 0, np = next_rand() % 3;
        for (unsigned i = 0; i < np; i++)
            b[n++] = prefixes[next_rand() % sizeof prefixes];
        uint8_t op;
        do
            op = (uint8_t)next_rand();
        while ((x86_optab[X86_MAP_1B][op].flags & X86F_PREFIX && !(op >= 0x40 && op <= 0x4f)) ||
               (op >= 0xd8 && op <= 0xdf) || op == 0x0f || op == 0xf0 || op == 0x62 ||
               op == 0xc4 || op == 0xc5 || op == 0x8e || op == 0x8c);
        b[n++] = op;
        while (n < sizeof b)
            b[n++] = (uint8_t)next_rand();
        X86Insn in;
        if (x86_decode_mode(b, sizeof b, 0x1000, X86_MODE_32, &in) != X86_DEC_OK)
            continue;
        /* Capstone 4 drops 66 from a branch that also has F2 (MPX's BND prefix): 66 F2 E8
         * iw is a 5-byte call rel16 on the CPU (SDM Vol. 2 2.1.1, BND leaves the size). */
        if (in.rep && in.opsize_prefix && in.is_rel_branch)
            continue;
        size_t cl = cs_len(b, sizeof b);
        if (!cl)
            continue;
        compared++;
        if (cl != in.len) {
            if (bad++ < 10) {
                printf("# length %u, Capstone %zu:", in.len, cl);
                for (unsigned i = 0; i < sizeof b; i++)
                    printf(" %02x", b[i]);
                printf("\n");
            }
        }
    }
    printf("# %u of %u random instructions compared with Capstone\n", compared, count);
    assert_true(compared > count / 4);
    assert_int_equal(bad, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_targets_and_rex),
        cmocka_unit_test(test_fuzz_lengths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
