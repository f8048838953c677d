/* test_decode.c — x86_decode against hand-written expectations and against Capstone 4.
 *
 * 1. corpus: hand-written encodings covering every prefix, ModRM, SIB, displacement and
 *    immediate case; each is checked for length, memory operand and immediate, against the
 *    expectation written next to it and against Capstone (CS_MODE_64, detail on).
 * 2. fuzz: random 15-byte strings biased towards valid encodings (random prefixes, opcodes
 *    taken from x86_optab, random ModRM/SIB/tail), decoded by both. When both accept, lengths
 *    and memory operands must agree; when they differ, the case must fall in one of the
 *    allow-listed categories of tests/common/decode_cmp.c (each with the SDM reference that
 *    makes ferry right; shared with the fuzzer's decoder mode), or the test fails and prints the bytes and both decodings. FERRY_DECODE_FUZZ_N and
 *    FERRY_DECODE_SEED override the count (200000) and the seed; FERRY_DECODE_SHOW how many
 *    disagreements are printed (25). The count of allow-listed cases per category is printed
 *    after the run.
 * 3. truncation: every proper prefix of a valid encoding is X86_DEC_TRUNCATED; the bytes are
 *    placed right before a PROT_NONE page so a read past `avail` faults even without ASan.
 * VEX: the BMI1/BMI2 encodings ferry decodes are in the corpus (Capstone 4 decodes them too),
 * the #UD ones (VEX.L = 1, reserved fields, prefixes before VEX, AVX) in the invalid corpus,
 * and gen_bytes makes random VEX prefixes for the fuzz part.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include "tests/common/decode_cmp.h"

/* Register numbers as the decoder reports them; NOM = "no memory operand expected". */
enum { AX, CX, DX, BX, SP, BP, SI, DI, R8, R9, R10, R11, R12, R13, R14, R15,
       RIP = X86_REG_RIP, NO = X86_REG_NONE, NOM = -9 };

#define PC DCMP_PC

/* ---- helpers ---- */

static unsigned parse_hex(const char *s, uint8_t *out, unsigned max)
{
    unsigned n = 0;
    while (*s && n < max) {
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        unsigned v;
        int used;
        if (sscanf(s, "%2x%n", &v, &used) != 1)
            break;
        out[n++] = (uint8_t)v;
        s += used;
    }
    return n;
}



static int cs_setup(void **state)
{
    CsCtx *cs = calloc(1, sizeof *cs);
    if (!cs || !cs_ctx_open(cs))
        return -1;
    *state = cs;
    return 0;
}

static int cs_teardown(void **state)
{
    CsCtx *cs = *state;
    cs_ctx_close(cs);
    free(cs);
    return 0;
}


/* ---- 1. corpus ---- */

typedef struct Case {
    const char *hex;
    uint8_t len;
    int8_t base, index;     /* NOM: no memory operand */
    uint8_t scale;          /* checked only with an index */
    int32_t disp;
    uint8_t imm_kind;       /* 0 none checked, 1 immediate value, 2 branch target */
    int64_t imm;
} Case;

#define R_(hex, len)                  { hex, len, NOM, NOM, 0, 0, 0, 0 }
#define I_(hex, len, v)               { hex, len, NOM, NOM, 0, 0, 1, v }
#define J_(hex, len, t)               { hex, len, NOM, NOM, 0, 0, 2, (int64_t)(t) }
#define M_(hex, len, b, i, s, d)      { hex, len, b, i, s, d, 0, 0 }
#define MI(hex, len, b, i, s, d, v)   { hex, len, b, i, s, d, 1, v }

static const Case corpus[] = {
    /* one-byte opcodes without operands bytes */
    R_("90", 1), R_("c3", 1), R_("cc", 1), R_("f4", 1), R_("c9", 1), R_("9c", 1), R_("9d", 1),
    R_("50", 1), R_("41 57", 2), R_("66 50", 2), R_("58", 1), R_("41 5f", 2),
    R_("98", 1), R_("48 98", 2), R_("99", 1), R_("48 99", 2), R_("9e", 1), R_("9f", 1),
    R_("a4", 1), R_("f3 a4", 2), R_("f3 48 a5", 3), R_("f2 ae", 2), R_("48 ab", 2),
    R_("ac", 1), R_("a6", 1), R_("d7", 1), R_("f5", 1), R_("fc", 1), R_("6c", 1), R_("6f", 1),
    R_("ec", 1), R_("ef", 1), R_("f1", 1), R_("cf", 1), R_("48 cf", 2), R_("cb", 1),
    R_("66 90", 2), R_("f3 90", 2), R_("41 90", 2), R_("48 91", 2), R_("9b", 1),
    /* 0F without ModRM */
    R_("0f 05", 2), R_("0f 0b", 2), R_("0f a2", 2), R_("0f 31", 2), R_("48 0f c8", 3),
    R_("41 0f c9", 3), R_("0f 77", 2), R_("0f a0", 2), R_("0f a9", 2),
    /* register ModRM forms */
    R_("89 d8", 2), R_("48 89 e5", 3), R_("4d 89 c8", 3), R_("88 e0", 2), R_("40 88 e0", 3),
    R_("0f 44 c1", 3), R_("0f 94 c0", 3), R_("0f af c1", 3), R_("87 d8", 2), R_("48 63 c1", 3),
    R_("48 0f bf c1", 4), R_("ff e0", 2), R_("ff d0", 2), R_("41 ff d3", 3), R_("ff c0", 2),
    R_("fe c8", 2), R_("d1 e0", 2), R_("d3 e0", 2), R_("f6 d0", 2), R_("f7 d8", 2),
    R_("48 f7 f9", 3), R_("8c d8", 2), R_("8e d8", 2), R_("d9 c0", 2), R_("df e0", 2),
    R_("0f 01 d0", 3), R_("0f 01 f9", 3), R_("0f 00 c0", 3), R_("0f 20 c0", 3),
    R_("0f 22 d8", 3), R_("44 0f 20 c0", 4), R_("0f 20 00", 3), R_("0f c7 f0", 3),
    R_("0f ae f8", 3), R_("0f ae e8", 3), R_("0f ae f0", 3), R_("f3 0f ae c0", 4),
    R_("f3 0f 1e fa", 4), R_("f3 0f b8 c1", 4), R_("66 f3 0f b8 c1", 5), R_("f3 0f bc c1", 4),
    R_("f3 0f bd c1", 4), R_("0f bc c1", 3), R_("0f 10 c1", 3), R_("66 0f 10 c1", 4),
    R_("f3 0f 10 c1", 4), R_("f2 0f 10 c1", 4), R_("0f 28 c1", 3), R_("66 0f 6f c1", 4),
    R_("66 0f ef c0", 4), R_("0f 57 c0", 3), R_("f2 0f 2a c0", 4), R_("f2 48 0f 2c c0", 5),
    R_("66 48 0f 6e c0", 5), R_("f3 0f 7e c1", 4), R_("0f 50 c1", 3), R_("66 0f d7 c1", 4),
    R_("f3 0f d6 c1", 4), R_("66 0f 38 00 c1", 5), R_("0f 38 00 c1", 4),
    R_("66 0f 38 17 c1", 5), R_("66 0f 38 10 c1", 5), R_("66 0f 38 20 c1", 5),
    R_("66 0f 38 37 c1", 5), R_("66 0f 38 40 c1", 5), R_("66 0f 38 dc c1", 5),
    R_("f2 0f 38 f0 c1", 5), R_("f2 48 0f 38 f1 c1", 6), R_("66 f2 0f 38 f1 c1", 6),
    R_("66 0f 38 f6 c1", 5), R_("f3 48 0f 38 f6 c1", 6), R_("0f 38 c8 c1", 4),
    /* VEX BMI1/BMI2 (C4 R.X.B.mmmmm W.vvvv.L.pp): andn, group 17, bzhi/pext/pdep, mulx,
     * bextr/shlx/sarx/shrx, rorx; REX-like bits, W1, a cancelled REX, 2E and 67 before VEX */
    R_("c4 e2 78 f2 c1", 5), R_("c4 e2 f8 f2 c1", 5), R_("c4 42 30 f2 d8", 5),
    R_("c4 e2 70 f3 c9", 5), R_("c4 e2 70 f3 d1", 5), R_("c4 c2 f0 f3 d9", 5),
    R_("c4 e2 78 f5 c1", 5), R_("c4 e2 7a f5 c1", 5), R_("c4 e2 fb f5 c1", 5),
    R_("c4 e2 7b f6 c1", 5), R_("c4 e2 78 f7 c1", 5), R_("c4 e2 79 f7 c1", 5),
    R_("c4 e2 fa f7 c1", 5), R_("c4 62 83 f7 c1", 5), R_("48 2e c4 e2 78 f2 c1", 7),
    /* BMI-adjacent legacy forms: tzcnt/lzcnt/popcnt with 66, rdrand/rdseed, rdtscp */
    R_("66 f3 0f bc c1", 5), R_("f3 48 0f bd c1", 5), R_("f3 4d 0f b8 c1", 5),
    R_("0f c7 f0", 3), R_("66 0f c7 f8", 4), R_("49 0f c7 f1", 4),
    I_("c4 e3 7b f0 c1 05", 6, 5), I_("c4 c3 fb f0 c1 3f", 6, 0x3f),
    /* immediates */
    I_("04 7f", 2, 0x7f), I_("05 78 56 34 12", 5, 0x12345678), I_("66 05 34 12", 4, 0x1234),
    I_("48 05 ff ff ff ff", 6, -1), I_("6a 80", 2, -128), I_("68 00 00 00 80", 5, INT32_MIN),
    I_("66 68 34 12", 4, 0x1234), I_("b0 ff", 2, -1), I_("41 b7 12", 3, 0x12),
    I_("b8 78 56 34 12", 5, 0x12345678), I_("66 b8 34 12", 4, 0x1234),
    I_("48 b8 88 77 66 55 44 33 22 11", 10, 0x1122334455667788),
    I_("49 bf ff ff ff ff ff ff ff ff", 10, -1), I_("48 c7 c0 ff ff ff ff", 7, -1),
    I_("c6 c0 12", 3, 0x12), I_("66 c7 c0 34 12", 5, 0x1234), I_("a8 01", 2, 1),
    I_("a9 00 01 00 00", 5, 0x100), I_("48 a9 ff ff ff 7f", 6, 0x7fffffff),
    I_("cd 80", 2, -128), I_("c2 08 00", 3, 8), I_("66 c2 08 00", 4, 8), I_("ca 08 00", 3, 8),
    I_("c8 20 00 01", 4, 0x20), I_("e4 60", 2, 0x60), I_("e6 80", 2, -128),
    I_("6b c0 10", 3, 16), I_("69 c0 00 01 00 00", 6, 0x100), I_("66 69 c0 34 12", 5, 0x1234),
    I_("48 69 c0 ff ff ff ff", 7, -1), I_("80 c0 01", 3, 1), I_("83 e8 01", 3, 1),
    I_("81 f9 00 10 00 00", 6, 0x1000), I_("48 83 e4 f0", 4, -16), I_("66 83 c0 ff", 4, -1),
    I_("66 81 c0 34 12", 5, 0x1234), I_("c0 e0 04", 3, 4), I_("c1 e8 1f", 3, 31),
    I_("48 c1 f8 3f", 4, 63), I_("f6 c1 01", 3, 1), I_("f7 c1 00 00 01 00", 6, 0x10000),
    I_("66 f7 c1 34 12", 5, 0x1234), I_("f6 c8 05", 3, 5), I_("48 f7 c0 ff ff ff ff", 7, -1),
    /* SSE and 0F immediates (Ib whatever the mandatory prefix) */
    I_("66 0f 70 c1 1b", 5, 0x1b), I_("0f 70 c1 e4", 4, -28), I_("f3 0f 70 c1 1b", 5, 0x1b),
    I_("f2 0f 70 c1 1b", 5, 0x1b), I_("0f c2 c1 01", 4, 1), I_("66 0f c2 c1 02", 5, 2),
    I_("f3 0f c2 c1 03", 5, 3), I_("f2 0f c2 c1 04", 5, 4), I_("66 0f c4 c0 03", 5, 3),
    I_("66 0f c5 c1 07", 5, 7), I_("0f c6 c1 44", 4, 0x44), I_("66 0f 71 d0 04", 5, 4),
    I_("66 0f 72 e0 1f", 5, 31), I_("66 0f 73 d8 08", 5, 8), I_("66 0f 73 f8 08", 5, 8),
    I_("0f 73 d0 08", 4, 8), I_("0f ba e0 05", 4, 5), I_("48 0f ba f8 3f", 5, 63),
    I_("0f a4 c2 08", 4, 8), I_("48 0f ac d0 10", 5, 16), R_("0f a5 c2", 3),
    I_("66 0f 3a 0f c1 08", 6, 8), I_("0f 3a 0f c1 08", 5, 8), I_("66 0f 3a 63 c1 0c", 6, 12),
    I_("66 0f 3a 16 c0 01", 6, 1), I_("66 48 0f 3a 16 c0 01", 7, 1),
    I_("66 0f 3a 22 c0 01", 6, 1), I_("66 0f 3a 44 c1 00", 6, 0), I_("66 0f 3a df c1 01", 6, 1),
    I_("66 0f 3a 0b c1 04", 6, 4), I_("0f 3a cc c1 01", 5, 1),
    /* memory operands: ModRM, SIB, displacements and their special cases */
    M_("8b 00", 2, AX, NO, 1, 0), M_("8b 04 24", 3, SP, NO, 1, 0),
    M_("8b 45 00", 3, BP, NO, 1, 0), M_("8b 05 78 56 34 12", 6, RIP, NO, 1, 0x12345678),
    M_("41 8b 05 10 00 00 00", 7, RIP, NO, 1, 0x10),        /* REX.B keeps RIP-relative */
    M_("8b 04 25 78 56 34 12", 7, NO, NO, 1, 0x12345678),   /* SIB base 101, mod 00 */
    M_("41 8b 04 25 10 00 00 00", 8, NO, NO, 1, 0x10),      /* ... and REX.B changes nothing */
    M_("8b 04 05 10 00 00 00", 7, NO, AX, 1, 0x10), M_("8b 04 c5 f8 ff ff ff", 7, NO, AX, 8, -8),
    M_("42 8b 04 25 10 00 00 00", 8, NO, R12, 1, 0x10),     /* index 100 + REX.X = r12 */
    M_("8b 44 24 08", 4, SP, NO, 1, 8), M_("8b 84 24 00 01 00 00", 7, SP, NO, 1, 0x100),
    M_("8b 44 8d f0", 4, BP, CX, 4, -16), M_("8b 45 f8", 3, BP, NO, 1, -8),
    M_("8b 85 00 ff ff ff", 6, BP, NO, 1, -0x100), M_("41 8b 45 08", 4, R13, NO, 1, 8),
    M_("41 8b 04 24", 4, R12, NO, 1, 0), M_("43 8b 04 24", 4, R12, R12, 1, 0),
    M_("42 8b 04 24", 4, SP, R12, 1, 0), M_("4b 8b 44 f5 00", 5, R13, R14, 8, 0),
    M_("48 8b 4c 24 f8", 5, SP, NO, 1, -8), M_("8b 44 60 01", 4, AX, NO, 1, 1),
    M_("8b 44 9e 7f", 4, SI, BX, 4, 127), M_("8b 4c 18 80", 4, AX, BX, 1, -128),
    M_("67 8b 00", 3, AX, NO, 1, 0), M_("67 8b 05 10 00 00 00", 7, RIP, NO, 1, 0x10),
    M_("67 41 8b 44 8d 00", 6, R13, CX, 4, 0), M_("67 48 8b 04 8d 00 00 00 00", 9, NO, CX, 4, 0),
    M_("89 18", 2, AX, NO, 1, 0), M_("48 8d 05 f9 ff ff ff", 7, RIP, NO, 1, -7),
    M_("48 8d 04 40", 4, AX, AX, 2, 0), M_("4c 8d 3c 3f", 4, DI, DI, 1, 0),
    M_("f0 48 0f b1 0f", 5, DI, NO, 1, 0), M_("f0 ff 00", 3, AX, NO, 1, 0),
    M_("f0 48 0f c7 0f", 5, DI, NO, 1, 0), M_("f0 0f ba 28 01", 5, AX, NO, 1, 0),
    M_("64 48 8b 04 25 28 00 00 00", 9, NO, NO, 1, 0x28),
    M_("65 48 8b 04 25 00 00 00 00", 9, NO, NO, 1, 0),
    M_("ff 15 00 10 00 00", 6, RIP, NO, 1, 0x1000),
    M_("ff 25 00 10 00 00", 6, RIP, NO, 1, 0x1000), M_("ff 34 24", 3, SP, NO, 1, 0),
    M_("66 ff 30", 3, AX, NO, 1, 0), M_("ff 18", 2, AX, NO, 1, 0), M_("48 ff 28", 3, AX, NO, 1, 0),
    M_("8f 00", 2, AX, NO, 1, 0), M_("8f 44 24 08", 4, SP, NO, 1, 8),
    M_("0f b6 04 24", 4, SP, NO, 1, 0), M_("48 63 04 24", 4, SP, NO, 1, 0),
    M_("86 00", 2, AX, NO, 1, 0), M_("dd 04 24", 3, SP, NO, 1, 0),
    M_("d9 7c 24 fe", 4, SP, NO, 1, -2), M_("db 2c 24", 3, SP, NO, 1, 0),
    M_("0f 01 10", 3, AX, NO, 1, 0), M_("48 0f c7 0f", 4, DI, NO, 1, 0),
    M_("f3 0f 10 05 00 01 00 00", 8, RIP, NO, 1, 0x100), M_("f3 0f 6f 04 24", 5, SP, NO, 1, 0),
    M_("66 0f 7f 40 10", 5, AX, NO, 1, 0x10), M_("66 0f d6 04 24", 5, SP, NO, 1, 0),
    M_("0f ae 5c 24 fc", 5, SP, NO, 1, -4), M_("0f 18 08", 3, AX, NO, 1, 0),
    M_("0f 0d 08", 3, AX, NO, 1, 0), M_("0f 1f 00", 3, AX, NO, 1, 0),
    M_("0f 1f 40 00", 4, AX, NO, 1, 0), M_("0f 1f 44 00 00", 5, AX, AX, 1, 0),
    M_("66 0f 1f 44 00 00", 6, AX, AX, 1, 0), M_("0f 1f 80 00 00 00 00", 7, AX, NO, 1, 0),
    M_("0f 1f 84 00 00 00 00 00", 8, AX, AX, 1, 0),
    M_("66 2e 0f 1f 84 00 00 00 00 00", 10, AX, AX, 1, 0),
    M_("66 66 2e 0f 1f 84 00 00 00 00 00", 11, AX, AX, 1, 0),
    M_("0f 38 f0 07", 4, DI, NO, 1, 0), M_("48 0f 38 f1 07", 5, DI, NO, 1, 0),
    M_("66 0f 38 f0 07", 5, DI, NO, 1, 0), M_("66 0f 38 f6 04 24", 6, SP, NO, 1, 0),
    M_("c4 e2 78 f2 00", 5, AX, NO, 1, 0), M_("c4 a2 78 f2 04 c8", 6, AX, R9, 8, 0),
    M_("c4 c2 70 f3 4d 08", 6, R13, NO, 1, 8),
    M_("c4 e2 fb f6 05 10 00 00 00", 9, RIP, NO, 1, 0x10),
    M_("c4 62 f2 f7 44 24 f8", 7, SP, NO, 1, -8), M_("67 c4 e2 78 f2 00", 6, AX, NO, 1, 0),
    M_("64 c4 e2 78 f5 04 25 00 10 00 00", 11, NO, NO, 1, 0x1000),
    MI("c4 e3 7b f0 40 10 07", 7, AX, NO, 1, 0x10, 7),
    M_("66 0f 38 2a 00", 5, AX, NO, 1, 0), M_("66 0f 12 00", 4, AX, NO, 1, 0),
    M_("41 66 8b 00", 4, AX, NO, 1, 0),         /* REX before a legacy prefix is ignored */
    M_("66 41 8b 00", 4, R8, NO, 1, 0), M_("48 41 8b 00", 4, R8, NO, 1, 0),
    M_("2e 3e 64 8b 00", 5, AX, NO, 1, 0),
    /* memory operand and immediate together */
    MI("c7 44 24 08 01 00 00 00", 8, SP, NO, 1, 8, 1),
    MI("48 c7 05 f0 ff ff ff 78 56 34 12", 11, RIP, NO, 1, -16, 0x12345678),
    MI("c6 05 00 00 00 00 ff", 7, RIP, NO, 1, 0, -1),
    MI("66 c7 05 00 00 00 00 34 12", 9, RIP, NO, 1, 0, 0x1234),
    MI("80 7c 24 08 00", 5, SP, NO, 1, 8, 0),
    MI("81 3c 25 00 10 00 00 ef be ad de", 11, NO, NO, 1, 0x1000, (int32_t)0xdeadbeef),
    MI("f7 00 01 00 00 00", 6, AX, NO, 1, 0, 1), MI("66 0f 3a 20 00 05", 6, AX, NO, 1, 0, 5),
    MI("66 0f 3a 17 04 24 03", 7, SP, NO, 1, 0, 3), MI("6b 44 24 10 f0", 5, SP, NO, 1, 16, -16),
    MI("48 69 84 c8 00 01 00 00 10 00 00 00", 12, AX, CX, 8, 0x100, 16),
    MI("66 0f 3a 0f 05 00 00 00 00 08", 10, RIP, NO, 1, 0, 8),
    /* moffs: 8 bytes, or 4 with 67 */
    I_("a0 88 77 66 55 44 33 22 11", 9, 0x1122334455667788),
    I_("48 a3 88 77 66 55 44 33 22 11", 10, 0x1122334455667788),
    I_("67 a1 44 33 22 11", 6, 0x11223344),
    /* relative branches (pc = 0x401000) */
    J_("eb fe", 2, PC), J_("eb 10", 2, PC + 0x12), J_("74 80", 2, PC + 2 - 128),
    J_("e8 00 00 00 00", 5, PC + 5), J_("e9 fb ff ff ff", 5, PC),
    J_("0f 84 00 01 00 00", 6, PC + 0x106), J_("0f 8f fa ff ff ff", 6, PC), J_("e2 fe", 2, PC),
    J_("e3 fe", 2, PC), J_("67 e3 fe", 3, PC + 1), J_("48 e9 00 00 00 00", 6, PC + 6),
    J_("f2 e9 00 00 00 00", 6, PC + 6), J_("3e 74 00", 3, PC + 3),
    J_("66 e8 00 00 00 00", 6, PC + 6),          /* Intel: 66 ignored (f64) */
    J_("66 0f 84 00 00 00 00", 7, PC + 7),
    /* the longest legal instruction */
    R_("66 66 66 66 66 66 66 66 66 66 66 66 66 66 90", 15),
    MI("66 66 66 66 2e 48 c7 84 c8 00 01 00 00 10 00 00 00", 0, NOM, NOM, 0, 0, 0),
};

/* Encodings that must be invalid in 64-bit mode (SDM Table A-2 i64 entries, empty cells of
 * the maps and groups, unsupported VEX/EVEX, register/memory-only forms, LOCK misuse).
 * Group 2 /6 is absent: the manual marks it reserved, but CPUs execute it as SHL, and so
 * does ferry. */
static const char *const invalid_corpus[] = {
    "06", "07", "0e", "16", "17", "1e", "1f", "27", "2f", "37", "3f", "60", "61",
    "62 f1 7c 48 58 c0", "82 c0 01", "9a 00 00 00 00 00 00", "c4 e2 79 18 00", "c5 f8 58 c0",
    "ce", "d4 0a", "d5 0a", "d6", "ea 00 00 00 00 00 00", "fe d0", "ff f8", "ff d8", "ff e8",
    "8f c8", "c6 c8 00", "c7 c8 00 00 00 00", "c6 f8 01", "c7 f8 00 00 00 00", "8d c0",
    "8e c8", "8c f0", "0f 04", "0f 0a", "0f 0e", "0f 0f c0 b4", "0f 24 c0", "0f 36",
    "0f b8 c0", "0f 38 20 c0", "0f 38 0c c0", "66 0f 3a 00 c0 01", "0f ba c0 01",
    "0f c7 c8", "0f 71 c0 01", "0f 71 10 01", "0f 00 38", "0f 13 c0", "0f 38 f0 c0",
    "f3 0f 60 c0", "66 0f 12 c0", "0f d6 c0", "0f 01 28", "0f 01 d8", "0f ae e0", "0f 18 c0",
    "0f 0d 00", "f0 90", "f0 01 c0", "f0 39 00", "f0 8b 00", "0f 50 00",
    "0f 73 d8 08", "66 0f 78 c0 01 02", "0f 7a c0", "0f a6 c0",
    "66 0f 38 c8 c1", "0f 38 f6 c0", "f2 0f 38 f6 c0", "0f e6 c0", "f0 0f a3 00",
    "f0 f7 00 01 00 00 00", "f0 80 38 00", "f0 0f ba 20 01", "0f c5 00 01", "8c f8",
    "0f 01 fa", "0f ae e7",
    /* VEX: reserved mmmmm (0, 4), nothing supported in map 0F (C5 or C4 mmmmm 1), VEX.L = 1,
     * a VEX.pp without a form, group 17 /0 /4-/7, rorx with vvvv != 1111b, 66/F2/F3/LOCK/REX
     * before VEX (SDM Vol. 2 §2.3, §2.5), AVX in the BMI maps */
    "c4 e0 78 f2 c1", "c4 e4 78 f2 c1", "c5 f8 77", "c4 e1 78 f2 c1", "c4 e2 7c f2 c1",
    "c4 e2 7f f5 c1", "c4 e2 79 f2 c1", "c4 e2 79 f6 c1", "c4 e2 78 f6 c1", "c4 e2 79 f5 c1",
    "c4 e2 70 f3 c1", "c4 e2 70 f3 e1", "c4 e2 70 f3 f9", "c4 e3 73 f0 c1 05",
    "c4 e3 7f f0 c1 05", "c4 e3 78 f0 c1 05", "66 c4 e2 78 f2 c1", "f3 c4 e2 78 f2 c1",
    "f2 c4 e2 78 f2 c1", "f0 c4 e2 78 f2 c1", "48 c4 e2 78 f2 c1", "40 c4 e2 78 f2 c1",
    "66 c5 f8 58 c0", "c4 e2 78 f4 c1", "c4 e2 78 f0 00", "c4 e2 79 00 c1",
};

static void check_case(CsCtx *cs, const Case *c, const uint8_t *b, unsigned n)
{
    char hex[64];
    format_hex(b, n, hex);
    X86Insn in;
    X86DecodeStatus st = x86_decode(b, n, PC, &in);
    if (c->len == 0) {      /* marks the deliberately over-long case */
        if (st != X86_DEC_TOO_LONG)
            fail_msg("%s: status %d, expected TOO_LONG", hex, st);
        return;
    }
    if (st != X86_DEC_OK || in.len != c->len)
        fail_msg("%s: status %d len %u, expected len %u", hex, st, in.len, c->len);
    if (c->base == NOM) {
        if (has_mem(&in))
            fail_msg("%s: unexpected memory operand", hex);
    } else {
        if (!has_mem(&in) || in.base != c->base || in.index != c->index || in.disp != c->disp
            || (c->index != NO && in.scale != c->scale))
            fail_msg("%s: mem base %d index %d scale %u disp %d, expected %d %d %u %d", hex,
                     in.base, in.index, in.scale, in.disp, c->base, c->index, c->scale,
                     c->disp);
    }
    if (c->imm_kind == 1 && (in.imm_size == 0 || in.imm != c->imm))
        fail_msg("%s: imm %lld (size %u), expected %lld", hex, (long long)in.imm, in.imm_size,
                 (long long)c->imm);
    if (c->imm_kind == 2 && (!in.is_rel_branch || in.target != (uint64_t)c->imm))
        fail_msg("%s: target %#llx, expected %#llx", hex, (unsigned long long)in.target,
                 (unsigned long long)c->imm);

    /* The same bytes through Capstone: agree, or be an allow-listed difference. */
    CsView v;
    cs_view(cs, b, n, PC, &v);
    Diff d = { cs, b, n, peek(b, n), st, true, v.ok, in.len, v.len, &in, &v };
    bool agree = v.ok && v.len == in.len;
    agree = agree && mem_agrees(&in, &v);
    if (agree && c->imm_kind == 1 && in.imm_size) {
        bool moffs = x86_optab[in.map][in.opcode].imm == X86I_MOFFS;
        uint64_t mask = in.imm_size == 8 ? ~0ull : (1ull << (8 * in.imm_size)) - 1;
        /* Capstone folds some immediates into the mnemonic (cmpltps): nothing to compare */
        if (moffs || v.nimm) {
            uint64_t theirs = moffs ? (uint64_t)v.disp : (uint64_t)v.imm[0];
            agree = ((theirs ^ (uint64_t)in.imm) & mask) == 0;
        }
    }
    if (agree && c->imm_kind == 2)
        agree = v.nimm && (uint64_t)v.imm[0] == in.target;
    if (!agree && !classify(&d))
        fail_msg("%s: Capstone disagrees: %s (len %u, mem %d b%d i%d s%d d%lld, imm %lld)",
                 hex, v.text, v.len, v.mem, v.base, v.index, v.scale, (long long)v.disp,
                 (long long)(v.nimm ? v.imm[0] : 0));
}

static void test_corpus(void **state)
{
    CsCtx *cs = *state;
    unsigned count = sizeof corpus / sizeof corpus[0];
    assert_true(count >= 150);
    for (unsigned i = 0; i < count; i++) {
        uint8_t b[32];
        unsigned n = parse_hex(corpus[i].hex, b, sizeof b);
        check_case(cs, &corpus[i], b, n);
    }
}

static void test_invalid_corpus(void **state)
{
    CsCtx *cs = *state;
    for (unsigned i = 0; i < sizeof invalid_corpus / sizeof invalid_corpus[0]; i++) {
        uint8_t b[32];
        unsigned n = parse_hex(invalid_corpus[i], b, sizeof b);
        X86Insn in;
        X86DecodeStatus st = x86_decode(b, n, PC, &in);
        if (st != X86_DEC_INVALID)
            fail_msg("%s: status %d len %u, expected INVALID", invalid_corpus[i], st, in.len);
        assert_int_equal(in.len, 0);
        CsView v;
        cs_view(cs, b, n, PC, &v);
        Diff d = { cs, b, n, peek(b, n), st, false, v.ok, 0, v.len, &in, &v };
        if (v.ok && !classify(&d))
            fail_msg("%s: Capstone accepts it as %s", invalid_corpus[i], v.text);
    }
}

/* Fields other than length and operands, written out for a few instructions. */
static void test_fields(void **state)
{
    (void)state;
    static const struct { const char *hex; uint8_t opsize, map, opcode, rep, seg, rex; } t[] = {
        { "50", 8, X86_MAP_1B, 0x50, 0, 0, 0 },     { "66 50", 2, X86_MAP_1B, 0x50, 0, 0, 0 },
        { "e8 00 00 00 00", 8, 0, 0xE8, 0, 0, 0 },  { "66 e8 00 00 00 00", 8, 0, 0xE8, 0, 0, 0 },
        { "ff d0", 8, 0, 0xFF, 0, 0, 0 },           { "66 ff d0", 8, 0, 0xFF, 0, 0, 0 },
        { "ff f0", 8, 0, 0xFF, 0, 0, 0 },           { "66 ff f0", 2, 0, 0xFF, 0, 0, 0 },
        { "ff c0", 4, 0, 0xFF, 0, 0, 0 },           { "ff 18", 4, 0, 0xFF, 0, 0, 0 },
        { "48 ff 18", 8, 0, 0xFF, 0, 0, 0x48 },     { "88 c0", 1, 0, 0x88, 0, 0, 0 },
        { "66 48 8b 00", 8, 0, 0x8B, 0, 0, 0x48 },  { "48 66 8b 00", 2, 0, 0x8B, 0, 0, 0 },
        { "c3", 8, 0, 0xC3, 0, 0, 0 },              { "0f 20 c0", 8, X86_MAP_0F, 0x20, 0, 0, 0 },
        { "f2 f3 a4", 1, 0, 0xA4, 0xF3, 0, 0 },     { "f3 f2 0f 10 c1", 4, 1, 0x10, 0xF2, 0, 0 },
        { "2e 3e 64 8b 00", 4, 0, 0x8B, 0, X86_SEG_FS, 0 },
        { "65 40 8a 00", 1, 0, 0x8A, 0, X86_SEG_GS, 0x40 },
        { "66 0f 38 00 c1", 2, X86_MAP_0F38, 0x00, 0, 0, 0 },
        { "66 0f 3a 0f c1 08", 2, X86_MAP_0F3A, 0x0F, 0, 0, 0 },
        { "6a 01", 8, 0, 0x6A, 0, 0, 0 },           { "9c", 8, 0, 0x9C, 0, 0, 0 },
        { "0f 8f 00 00 00 00", 8, 1, 0x8F, 0, 0, 0 }, { "e3 00", 8, 0, 0xE3, 0, 0, 0 },
    };
    for (unsigned i = 0; i < sizeof t / sizeof t[0]; i++) {
        uint8_t b[16];
        unsigned n = parse_hex(t[i].hex, b, sizeof b);
        X86Insn in;
        assert_int_equal(x86_decode(b, n, PC, &in), X86_DEC_OK);
        if (in.opsize != t[i].opsize || in.map != t[i].map || in.opcode != t[i].opcode
            || in.rep != t[i].rep || in.seg != t[i].seg || in.rex != t[i].rex)
            fail_msg("%s: opsize %u map %u opcode %02x rep %02x seg %u rex %02x", t[i].hex,
                     in.opsize, in.map, in.opcode, in.rep, in.seg, in.rex);
    }

    /* ModRM fields with REX, ENTER's second immediate, prefix flags, pc and target. */
    uint8_t b[16];
    X86Insn in;
    unsigned n = parse_hex("f0 4d 0f b1 4c 24 08", b, sizeof b);  /* lock cmpxchg [r12+8],r9 */
    assert_int_equal(x86_decode(b, n, 0x1000, &in), X86_DEC_OK);
    assert_true(in.lock && in.has_modrm);
    assert_int_equal(in.reg, 9);
    assert_int_equal(in.mod, 1);
    assert_int_equal(in.base, R12);
    assert_int_equal(in.pc, 0x1000);
    n = parse_hex("c8 34 12 ff", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_int_equal(in.imm_size, 2);
    assert_int_equal(in.imm2_size, 1);
    assert_int_equal(in.imm, 0x1234);
    assert_int_equal(in.imm2, 0xFF);
    n = parse_hex("66 67 4c 89 c0", b, sizeof b);                  /* mov rax, r8 */
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_true(in.opsize_prefix && in.addrsize_prefix);
    assert_int_equal(in.addrsize, 4);
    assert_int_equal(in.reg, 8);
    assert_int_equal(in.rm, 0);
    assert_int_equal(in.opsize, 8);
    n = parse_hex("eb 80", b, sizeof b);                          /* target wraps below pc */
    assert_int_equal(x86_decode(b, n, 0x10, &in), X86_DEC_OK);
    assert_int_equal(in.target, (uint64_t)0x12 - 128);
    assert_int_equal(in.imm, -128);
    assert_true(in.is_rel_branch);
    assert_int_equal(x86_decode(NULL, 0, 0, &in), X86_DEC_TRUNCATED);

    /* VEX fields: andn r10, r9, [r11+rcx*4] = C4 42 B0 F2 14 8B (R=1 X=0 B=1, W1, vvvv=r9) */
    n = parse_hex("c4 42 b0 f2 14 8b", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_true(in.vex && in.vex_w && !in.rep && !in.opsize_prefix);
    assert_int_equal(in.map, X86_MAP_0F38);
    assert_int_equal(in.opcode, 0xF2);
    assert_int_equal(in.vex_mmmmm, 2);
    assert_int_equal(in.vex_vvvv, 9);
    assert_int_equal(in.vex_l, 0);
    assert_int_equal(in.vex_pp, 0);
    assert_int_equal(in.rex, 0x4D);
    assert_int_equal(in.opsize, 8);
    assert_int_equal(in.reg, 10);
    assert_int_equal(in.base, R11);
    assert_int_equal(in.index, CX);
    assert_int_equal(in.scale, 4);
    /* shrx eax, ecx, edx: W0 (32-bit), pp = F2, vvvv = rdx */
    n = parse_hex("c4 e2 6b f7 c1", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_true(in.vex && !in.vex_w);
    assert_int_equal(in.vex_pp, 3);
    assert_int_equal(in.vex_vvvv, DX);
    assert_int_equal(in.opsize, 4);
    assert_int_equal(in.rm, CX);
    /* a C5 2-byte VEX (nothing valid in its map) and a legacy instruction leave them clear */
    n = parse_hex("48 0f 38 f1 07", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_true(!in.vex && !in.vex_w && in.vex_vvvv == 0 && in.vex_mmmmm == 0);
    /* adcx: the mandatory 66 is not an operand size, with or without F3 after it */
    n = parse_hex("66 0f 38 f6 c1", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_int_equal(in.opsize, 4);
    n = parse_hex("66 f3 0f 38 f6 c1", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_int_equal(in.opsize, 4);
    assert_int_equal(in.rep, 0xF3);
    /* movbe keeps 66 as the operand size */
    n = parse_hex("66 0f 38 f0 07", b, sizeof b);
    assert_int_equal(x86_decode(b, n, 0, &in), X86_DEC_OK);
    assert_int_equal(in.opsize, 2);
}

/* A missing entry in an x86_optab row shifts every later opcode of its map; anchors near the
 * end of each map catch that. */
static void test_optab_anchors(void **state)
{
    (void)state;
    const X86OpDesc *t1 = x86_optab[X86_MAP_1B], *t2 = x86_optab[X86_MAP_0F];
    assert_int_equal(t1[0x0F].flags, 0);
    assert_true(t1[0x66].flags & X86F_PREFIX);
    assert_true(t1[0x4F].flags & X86F_PREFIX);
    assert_int_equal(t1[0xB8].imm, X86I_V);
    assert_int_equal(t1[0xC8].imm, X86I_WB);
    assert_true(t1[0xE8].flags & X86F_FORCE64);
    assert_true(t1[0xF0].flags & X86F_PREFIX);
    assert_int_equal(t1[0xFE].flags, X86F_VALID | X86F_MODRM | X86F_GROUP | X86F_BYTE);
    assert_int_equal(t1[0xFF].flags, X86F_VALID | X86F_MODRM | X86F_GROUP);
    assert_int_equal(t2[0x0F].flags, 0);
    assert_int_equal(t2[0x8F].imm, X86I_JZ);
    assert_int_equal(t2[0xC8].flags, X86F_VALID);
    assert_int_equal(t2[0xFF].flags, X86F_VALID | X86F_MODRM);
    assert_true(x86_optab[X86_MAP_0F38][0xF1].flags & X86F_MODRM);
    assert_int_equal(x86_optab[X86_MAP_0F38][0xF2].flags, 0);
    assert_int_equal(x86_optab[X86_MAP_0F3A][0xDF].imm, X86I_B);
    assert_int_equal(x86_optab[X86_MAP_0F3A][0xFF].flags, 0);
    for (unsigned op = 0; op < 256; op++)           /* every 0F 3A opcode takes Ib */
        if (x86_optab[X86_MAP_0F3A][op].flags & X86F_VALID)
            assert_int_equal(x86_optab[X86_MAP_0F3A][op].imm, X86I_B);
    /* the VEX table: the BMI opcodes only, all VEX.LZ, rorx with Ib and no vvvv */
    unsigned nvex = 0;
    for (unsigned m = 0; m < 4; m++)
        for (unsigned op = 0; op < 256; op++)
            if (x86_vex_optab[m][op].flags & X86F_VALID) {
                nvex++;
                assert_true(x86_vex_optab[m][op].flags & X86F_VEX_L0);
                assert_true(x86_vex_optab[m][op].flags & X86F_MODRM);
            }
    assert_int_equal(nvex, 6);
    assert_int_equal(x86_vex_optab[X86_MAP_0F3A][0xF0].imm, X86I_B);
    assert_true(x86_vex_optab[X86_MAP_0F3A][0xF0].flags & X86F_VEX_NOV);
    assert_true(x86_vex_optab[X86_MAP_0F38][0xF3].flags & X86F_GROUP);
    assert_int_equal(x86_vex_optab[X86_MAP_0F38][0xF4].flags, 0);
    assert_int_equal(t1[0xC4].flags, 0);             /* the VEX prefixes: decoder's own */
    assert_int_equal(t1[0xC5].flags, 0);
}

/* ---- 3. truncation, with a guard page after the bytes ---- */

typedef struct Guard { uint8_t *page; size_t size; } Guard;

static Guard guard_map(void)
{
    Guard g;
    g.size = (size_t)sysconf(_SC_PAGESIZE);
    g.page = mmap(NULL, 2 * g.size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(g.page != MAP_FAILED);
    assert_int_equal(mprotect(g.page + g.size, g.size, PROT_NONE), 0);
    return g;
}

/* Decode every proper prefix of b[0..len) placed flush against the guard page. */
static void check_truncations(const Guard *g, const uint8_t *b, unsigned len)
{
    for (unsigned k = 0; k < len; k++) {
        uint8_t *at = g->page + g->size - k;
        memcpy(at, b, k);
        X86Insn in;
        X86DecodeStatus st = x86_decode(at, k, PC, &in);
        if (st != X86_DEC_TRUNCATED) {
            char hex[64];
            format_hex(b, len, hex);
            fail_msg("%s cut to %u bytes: status %d, expected TRUNCATED", hex, k, st);
        }
    }
    /* and the whole instruction, still flush against the guard, decodes */
    uint8_t *at = g->page + g->size - len;
    memcpy(at, b, len);
    X86Insn in;
    assert_int_equal(x86_decode(at, len, PC, &in), X86_DEC_OK);
    assert_int_equal(in.len, len);
}

static void test_truncation(void **state)
{
    (void)state;
    Guard g = guard_map();
    for (unsigned i = 0; i < sizeof corpus / sizeof corpus[0]; i++) {
        if (corpus[i].len == 0)
            continue;
        uint8_t b[32];
        unsigned n = parse_hex(corpus[i].hex, b, sizeof b);
        check_truncations(&g, b, n);
    }
    /* Over-long prefix runs are TOO_LONG once 15 bytes are there, whatever follows. */
    uint8_t b[32];
    memset(b, 0x66, sizeof b);
    X86Insn in;
    assert_int_equal(x86_decode(b, 15, PC, &in), X86_DEC_TOO_LONG);
    assert_int_equal(x86_decode(b, 14, PC, &in), X86_DEC_TRUNCATED);
    assert_int_equal(x86_decode(b, sizeof b, PC, &in), X86_DEC_TOO_LONG);
    /* 11 prefixes + mov r64, imm64 = 21 bytes: TOO_LONG as soon as the length is known. */
    unsigned n = parse_hex("66 66 66 66 66 66 66 66 66 66 66 48 b8", b, sizeof b);
    assert_int_equal(x86_decode(b, n, PC, &in), X86_DEC_TOO_LONG);
    /* 8 prefixes + mov [rax+rcx*8+disp32], imm32 = 19 bytes, known after the SIB byte */
    n = parse_hex("66 66 66 66 66 66 66 48 c7 84 c8", b, sizeof b);
    assert_int_equal(x86_decode(b, n, PC, &in), X86_DEC_TOO_LONG);
    assert_int_equal(x86_decode(b, n - 1, PC, &in), X86_DEC_TRUNCATED);
    munmap(g.page, 2 * g.size);
}

/* ---- 2. random bytes against Capstone ---- */


static unsigned env_unsigned(const char *name, unsigned dflt)
{
    const char *s = getenv(name);
    return s && *s ? (unsigned)strtoul(s, NULL, 0) : dflt;
}


static void test_fuzz(void **state)
{
    CsCtx *cs = *state;
    unsigned n = env_unsigned("FERRY_DECODE_FUZZ_N", 200000);
    Rng rng = { env_unsigned("FERRY_DECODE_SEED", 0x5eed) };
    OpPool pool;
    op_pool_init(&pool);
    unsigned show = env_unsigned("FERRY_DECODE_SHOW", 25);
    Tally tally = { .n = 0 };
    Guard g = guard_map();

    unsigned failures = 0, both_ok = 0, allowed = 0, truncs = 0;
    for (unsigned t = 0; t < n; t++) {
        uint8_t b[15];
        gen_bytes(&rng, &pool, b);
        DcmpResult r;
        dcmp_one(cs, b, &r);
        bool ok = r.st == X86_DEC_OK;
        if (ok && r.v.ok)
            both_ok++;
        if (r.why) {
            if (r.category) {
                allowed++;
                tally_add(&tally, r.category);
            } else if (failures++ < show) {
                dcmp_describe(stderr, b, &r);
            }
        }
        /* every 16th accepted instruction also goes through the truncation check */
        if (ok && (t & 15) == 0) {
            check_truncations(&g, b, r.in.len);
            truncs++;
        }
    }
    munmap(g.page, 2 * g.size);
    print_message("fuzz: %u cases, %u accepted by both, %u allow-listed differences, "
                  "%u truncation checks\n", n, both_ok, allowed, truncs);
    for (unsigned i = 0; i < tally.n; i++)
        print_message("  %6u  %s\n", tally.count[i], tally.name[i]);
    if (failures)
        fail_msg("%u disagreements outside the allow-list (first %u printed)", failures, show);
    assert_true(n == 0 || both_ok > n / 4);     /* the bias really produces valid code */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_optab_anchors),
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_corpus),
        cmocka_unit_test(test_invalid_corpus),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_fuzz),
    };
    return cmocka_run_group_tests_name("decode", tests, cs_setup, cs_teardown);
}
