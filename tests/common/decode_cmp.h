/* decode_cmp.h — x86_decode against Capstone 4: the comparison and its allow-list.
 *
 * Shared by tests/unit/test_decode.c (corpus and random-bytes tests) and the decoder mode of
 * the differential fuzzer (tests/fuzz/fuzz_decode.c), so that both judge a disagreement the
 * same way:
 *   cs_view     Capstone's decoding of some bytes, reduced to what x86_decode reports (length,
 *               the memory operand in the decoder's register numbering, immediates);
 *   classify    whether a disagreement is one of the known, understood differences, each
 *               justified from the Intel SDM next to its rule in decode_cmp.c; returns the
 *               category's name, or NULL for a real disagreement;
 *   dcmp_one    one random 15-byte string through both decoders: verdict and category;
 *   gen_bytes   random 15-byte strings biased towards valid encodings, from x86_optab and
 *               x86_vex_optab (VEX prefixes with random fields, mostly the BMI opcodes).
 *
 * Include this before anything that needs Capstone's X86_REG_RIP: x86_decode.h defines
 * X86_REG_RIP as a macro (16) and hides Capstone's enumerator of the same name.
 */
#ifndef FERRY_TESTS_DECODE_CMP_H
#define FERRY_TESTS_DECODE_CMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <capstone/capstone.h>

#include "frontend-x86/x86_decode.h"

/* Every comparison decodes at this guest address (branch targets depend on it). */
#define DCMP_PC 0x401000ull

void format_hex(const uint8_t *b, unsigned n, char *out);    /* "0f 1f 00", 3 chars a byte */
bool has_mem(const X86Insn *in);

/* ---- Capstone's view of the same bytes ---- */

typedef struct CsView {
    bool ok;
    unsigned len;
    bool mem;               /* a memory operand was reported */
    int base, index, scale; /* in the decoder's numbering (-2: a register we cannot map) */
    int64_t disp;
    unsigned nimm;
    int64_t imm[2];
    bool mem_first;         /* the first operand is the memory operand (a destination) */
    char mnem[32];          /* mnemonic without Capstone's lock/rep/bnd words */
    char text[200];
} CsView;

typedef struct CsCtx { csh h; cs_insn *insn; } CsCtx;

bool cs_ctx_open(CsCtx *cs);            /* CS_MODE_64 with detail on */
void cs_ctx_close(CsCtx *cs);
int cs_gpr(x86_reg r);                  /* 64/32-bit GPR -> 0..15, RIP -> X86_REG_RIP */
void cs_view(CsCtx *cs, const uint8_t *b, size_t n, uint64_t pc, CsView *v);

/* ---- classifying a disagreement ---- */

typedef struct Peek {
    bool p66, p67, lock;
    uint8_t rep;            /* last F2/F3 */
    uint8_t rex;            /* the REX right before the opcode (or VEX), 0 if none */
    bool vex;               /* a C4/C5 prefix: map, opcode and modrm are those after it (map -1
                               for a reserved VEX.mmmmm) */
    int map, opcode, modrm; /* -1 when the bytes end first */
} Peek;

Peek peek(const uint8_t *b, unsigned n);

typedef struct Diff {
    CsCtx *cs;
    const uint8_t *b;
    unsigned n;
    Peek p;
    X86DecodeStatus st;     /* ferry's answer */
    bool ours_ok, cs_ok;
    unsigned ours_len, cs_len;
    const X86Insn *in;
    const CsView *cv;
} Diff;

bool mem_agrees(const X86Insn *in, const CsView *v);
const char *classify(const Diff *d);

/* ---- one random string through both decoders ---- */

typedef struct DcmpResult {
    X86DecodeStatus st;     /* ferry's status and decoding */
    X86Insn in;
    CsView v;               /* Capstone's */
    const char *why;        /* NULL: they agree; else what differs */
    const char *category;   /* the allow-list category explaining `why`, or NULL */
} DcmpResult;

/* Decode the 15 bytes b with both; *r says whether and why they disagree. */
void dcmp_one(CsCtx *cs, const uint8_t b[15], DcmpResult *r);
/* Print a disagreement (bytes, both decodings) to f. */
void dcmp_describe(FILE *f, const uint8_t b[15], const DcmpResult *r);

/* ---- random strings ---- */

typedef struct Rng { uint64_t s; } Rng;
uint64_t rng_next(Rng *r);              /* splitmix64 */
unsigned rng_below(Rng *r, unsigned n);

typedef struct OpPool {
    uint8_t op[4][256]; unsigned n[4];      /* from x86_optab */
    uint8_t vop[4][256]; unsigned vn[4];    /* from x86_vex_optab */
} OpPool;
void op_pool_init(OpPool *p);           /* the valid opcodes of each map */
void gen_bytes(Rng *r, const OpPool *pool, uint8_t b[15]);

/* Allow-listed differences per category. */
typedef struct Tally { unsigned n; const char *name[32]; unsigned count[32]; } Tally;
void tally_add(Tally *t, const char *name);

#endif /* FERRY_TESTS_DECODE_CMP_H */
