/* fuzz_decode.c — the decoder mode: random byte strings through x86_decode and Capstone.
 *
 * The strings come from gen_bytes (prefixes, opcodes from x86_optab, random tails) and each
 * goes through dcmp_one, the comparison shared with tests/unit/test_decode.c: when both
 * decoders accept, lengths and memory operands must agree; when they disagree, the difference
 * must be one of the allow-listed categories of tests/common/decode_cmp.c, each justified
 * there from the Intel SDM (Capstone 4 gets prefix order, 66 on near branches, LOCK and
 * mandatory-prefix validity, some hint NOPs and AMD-only encodings differently from the SDM).
 * Here the immediate is compared too, when Capstone reports exactly one and the instruction
 * is not one whose immediate Capstone folds into the mnemonic.
 */
#include <string.h>

#include "tests/fuzz/fuzz.h"

/* ferry's immediate and Capstone's, compared on the encoded width. */
static bool imm_agrees(const X86Insn *in, const CsView *v)
{
    if (!in->imm_size || in->imm2_size || in->is_rel_branch || v->nimm != 1) return true;
    if (x86_optab[in->map][in->opcode].imm == X86I_MOFFS) return true;
    uint64_t mask = in->imm_size >= 8 ? ~0ull : (1ull << (8 * in->imm_size)) - 1;
    return (((uint64_t)v->imm[0] ^ (uint64_t)in->imm) & mask) == 0;
}

/* Run n strings from seed; print up to `show` unexplained disagreements and the tally to f.
 * Returns the number of unexplained disagreements. */
uint64_t fz_decode_campaign(uint64_t seed, uint64_t n, unsigned show, FILE *f, bool quiet);
uint64_t fz_decode_campaign(uint64_t seed, uint64_t n, unsigned show, FILE *f, bool quiet)
{
    CsCtx *cs = fz_cs();
    if (!cs) {
        fprintf(f, "decoder: cannot open Capstone\n");
        return 1;
    }
    Rng rng = { seed };
    OpPool pool;
    op_pool_init(&pool);
    Tally tally = { .n = 0 };
    uint64_t failures = 0, both = 0, allowed = 0, imm_checked = 0;
    for (uint64_t t = 0; t < n; t++) {
        uint8_t b[15];
        gen_bytes(&rng, &pool, b);
        DcmpResult r;
        dcmp_one(cs, b, &r);
        if (r.st == X86_DEC_OK && r.v.ok) {
            both++;
            if (!r.why && r.in.imm_size) {
                imm_checked++;
                if (!imm_agrees(&r.in, &r.v)) r.why = "immediates differ";
            }
        }
        if (!r.why) continue;
        if (r.category) {
            allowed++;
            tally_add(&tally, r.category);
        } else if (failures++ < show) {
            dcmp_describe(f, b, &r);
            if (r.st == X86_DEC_OK)
                fprintf(f, "  immediate: ferry %#llx (%u bytes), capstone %#llx\n",
                        (unsigned long long)r.in.imm, r.in.imm_size,
                        (unsigned long long)(r.v.nimm ? r.v.imm[0] : 0));
        }
    }
    if (!quiet) {
        fprintf(f, "decoder: %llu strings (seed %llu), %llu accepted by both (%llu immediates "
                "compared), %llu allow-listed differences, %llu unexplained\n",
                (unsigned long long)n, (unsigned long long)seed, (unsigned long long)both,
                (unsigned long long)imm_checked, (unsigned long long)allowed,
                (unsigned long long)failures);
        for (unsigned i = 0; i < tally.n; i++)
            fprintf(f, "  %8u  %s\n", tally.count[i], tally.name[i]);
    }
    return failures;
}
