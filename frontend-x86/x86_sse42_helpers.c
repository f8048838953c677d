/* x86_sse42_helpers.c — C helpers for the SSE4.2 string compares (pcmpestri, pcmpestrm,
 * pcmpistri, pcmpistrm) and crc32, which ferry's IR has no ops for.
 *
 * Contract (IrHelperFn): fn(state, a0, a1, a2) with `state` the X86State of the running
 * thread. gen_sse42.c loads the memory operand in IR before the call (so a fault is precise)
 * and passes it as two 64-bit halves; these helpers never touch guest memory.
 *
 *   x86_pcmpstri(state, sel, src_lo, src_hi)   reader: writes nothing
 *   x86_pcmpstrm(state, sel, src_lo, src_hi)   writes XMM0 (the mask)
 *       sel = imm8 | xmm1 << 8 | PCMP_EXPLICIT (lengths in rAX/rDX) | PCMP_REXW (RAX/RDX
 *       rather than EAX/EDX). Both return the arithmetic flags in EFLAGS bit positions (CF ZF
 *       SF OF as the SDM says, AF PF clear); pcmpstri adds the index (0..16) in bits 16-20.
 *   x86_crc32(state, crc, data, bytes)         reader, pure
 *       the CRC32 instruction: the CRC-32C polynomial (11EDC6F41h), bit-reflected, over the
 *       low `bytes` (1, 2, 4, 8) bytes of data, least significant byte first, from the
 *       running value crc[31:0]; no inversion in or out. Returns the new 32-bit value.
 *
 * The string compares, from the SDM Vol. 2B section 4.1 (imm8 control byte):
 *   imm8[1:0]  element format: unsigned bytes, unsigned words, signed bytes, signed words;
 *   imm8[3:2]  aggregation: equal any, ranges, equal each, equal ordered;
 *   imm8[5:4]  polarity: IntRes2 = IntRes1, ~IntRes1, IntRes1, or IntRes1 with only the bits
 *              of valid xmm2/m128 elements negated;
 *   imm8[6]    the index forms: least (0) or most (1) significant set bit of IntRes2, the
 *              element count (16 or 8) when none is set; the mask forms: IntRes2 as a bit mask
 *              zero-extended into XMM0 (0), or expanded to one all-ones or zero element per
 *              bit (1); imm8[7] is ignored.
 * xmm1 (ModRM.reg) holds the "set" or needle, xmm2/m128 the string searched; IntRes1 bit j
 * speaks of element j of xmm2/m128 (for equal each, of the pair at j). Element validity: the
 * explicit forms take |EAX| and |EDX| (|RAX| and |RDX| with REX.W), saturated to the element
 * count; the implicit forms end each operand before its first zero element. Invalid elements
 * force the compare results as SDM Table 4-7 says: false for equal any and ranges, true for
 * equal each when both are invalid (false when one is), true for equal ordered when the
 * needle's element is invalid and false when only the string's is.
 *
 * Lanes are read through X86Xmm, so this file assumes a little-endian host (both hosts are).
 */
#include <stdbool.h>
#include <string.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/x86_sse42_helpers.h"

/* ================================================================ pcmpXstrX */

/* Element k of v in the format of imm8[1:0], sign-extended for the signed formats. */
static int element(const X86Xmm *v, unsigned k, unsigned imm)
{
    switch (imm & 3) {
    case 0:  return v->b[k];
    case 1:  return v->w[k];
    case 2:  return (int8_t)v->b[k];
    default: return (int16_t)v->w[k];
    }
}

/* |v| of EAX/RAX or EDX/RDX, saturated to n. */
static unsigned explicit_len(uint64_t v, bool rexw, unsigned n)
{
    int64_t x = rexw ? (int64_t)v : (int64_t)(int32_t)(uint32_t)v;
    uint64_t m = x < 0 ? 0 - (uint64_t)x : (uint64_t)x;
    return m < n ? (unsigned)m : n;
}

/* The index of the first zero element, n if there is none. */
static unsigned implicit_len(const int *e, unsigned n)
{
    unsigned k = 0;
    while (k < n && e[k] != 0) k++;
    return k;
}

/* IntRes2 of the compare; *flags receives the arithmetic flags. */
static unsigned pcmpstr(const X86State *s, uint64_t sel, const X86Xmm *b, uint64_t *flags)
{
    unsigned imm = (unsigned)sel & 0xff;
    const X86Xmm *a = &s->xmm[(sel >> 8) & 15];
    unsigned n = imm & 1 ? 8 : 16, full = (1u << n) - 1;
    int ea[16], eb[16];
    for (unsigned k = 0; k < n; k++) {
        ea[k] = element(a, k, imm);
        eb[k] = element(b, k, imm);
    }
    unsigned la, lb;
    if (sel & PCMP_EXPLICIT) {
        la = explicit_len(s->gpr[X86_RAX], sel & PCMP_REXW, n);
        lb = explicit_len(s->gpr[X86_RDX], sel & PCMP_REXW, n);
    } else {
        la = implicit_len(ea, n);
        lb = implicit_len(eb, n);
    }

    unsigned r = 0;
    switch ((imm >> 2) & 3) {
    case 0:     /* equal any: string element j equals some valid set element */
        for (unsigned j = 0; j < lb; j++)
            for (unsigned i = 0; i < la; i++)
                if (eb[j] == ea[i]) {
                    r |= 1u << j;
                    break;
                }
        break;
    case 1:     /* ranges: a[i] <= b[j] <= a[i + 1] for some pair of valid set elements */
        for (unsigned j = 0; j < lb; j++)
            for (unsigned i = 0; i + 1 < la; i += 2)
                if (eb[j] >= ea[i] && eb[j] <= ea[i + 1]) {
                    r |= 1u << j;
                    break;
                }
        break;
    case 2:     /* equal each: pairs at the same position; two invalid elements match */
        for (unsigned j = 0; j < n; j++) {
            bool va = j < la, vb = j < lb;
            if (va && vb ? ea[j] == eb[j] : !va && !vb) r |= 1u << j;
        }
        break;
    default:    /* equal ordered: the needle (xmm1) starts at string element j; a needle that
                   runs past the 16 (8) elements matches as far as they go */
        for (unsigned j = 0; j < n; j++) {
            bool m = true;
            for (unsigned i = 0; m && i < n - j && i < la; i++)
                m = j + i < lb && ea[i] == eb[j + i];
            if (m) r |= 1u << j;
        }
        break;
    }
    switch ((imm >> 4) & 3) {
    case 1: r ^= full; break;                   /* negative */
    case 3: r ^= (1u << lb) - 1; break;         /* masked negative: valid elements only */
    default: break;
    }
    *flags = (r ? X86_CF : 0) | (lb < n ? X86_ZF : 0) | (la < n ? X86_SF : 0) |
             (r & 1 ? X86_OF : 0);
    return r;
}

uint64_t x86_pcmpstri(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi)
{
    X86Xmm b = { .q = { src_lo, src_hi } };
    uint64_t flags;
    unsigned r = pcmpstr(state, sel, &b, &flags);
    unsigned n = sel & 1 ? 8 : 16, index = n;
    if (r) index = sel & 0x40 ? 31u - (unsigned)__builtin_clz(r) : (unsigned)__builtin_ctz(r);
    return flags | (uint64_t)index << 16;
}

uint64_t x86_pcmpstrm(void *state, uint64_t sel, uint64_t src_lo, uint64_t src_hi)
{
    X86State *s = state;
    X86Xmm b = { .q = { src_lo, src_hi } }, m;
    uint64_t flags;
    unsigned r = pcmpstr(s, sel, &b, &flags);
    memset(&m, 0, sizeof m);
    if (!(sel & 0x40)) {
        m.q[0] = r;                             /* bit mask */
    } else if (sel & 1) {
        for (unsigned k = 0; k < 8; k++) m.w[k] = r >> k & 1 ? 0xffff : 0;
    } else {
        for (unsigned k = 0; k < 16; k++) m.b[k] = r >> k & 1 ? 0xff : 0;
    }
    s->xmm[0] = m;
    return flags;
}

/* ================================================================ crc32 */

/* crc32c_table[n]: the reflected CRC-32C (polynomial 82F63B78h, reflected 1EDC6F41h) of the byte n,
 * eight shift-and-conditional-xor steps each. */
static const uint32_t crc32c_table[256] = {
    0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8, 0xd4ca64eb,
    0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3, 0xac78bf27, 0x5e133c24,
    0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070, 0x25afd373, 0x36ff2087, 0xc494a384,
    0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54, 0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b,
    0x20bd8ede, 0xd2d60ddd, 0xc186fe29, 0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35,
    0xaa64d611, 0x580f5512, 0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa,
    0x30e349b1, 0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
    0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696, 0x6ef07595,
    0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0, 0x67dafa54, 0x95b17957,
    0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c, 0xfe53516f, 0xed03a29b, 0x1f682198,
    0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927, 0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38,
    0xdbfc821c, 0x2997011f, 0x3ac7f2eb, 0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7,
    0x61c69362, 0x93ad1061, 0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789,
    0xeb1fcbad, 0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
    0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5, 0xa55230e6,
    0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de, 0xdde0eb2a, 0x2f8b6829,
    0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67, 0xb7072f64, 0xa457dc90, 0x563c5f93,
    0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043, 0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c,
    0x92a8fc17, 0x60c37f14, 0x73938ce0, 0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc,
    0x1871a4d8, 0xea1a27db, 0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033,
    0xa24bb5a6, 0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
    0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81, 0xfc588982,
    0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5, 0x94b49521, 0x66df1622,
    0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19, 0x0d3d3e1a, 0x1e6dcdee, 0xec064eed,
    0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530, 0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f,
    0x49547e0b, 0xbb3ffd08, 0xa86f0efc, 0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0,
    0xd3d3e1ab, 0x21b862a8, 0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540,
    0x590ab964, 0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
    0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2, 0x37faccf1,
    0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9, 0x4f48173d, 0xbd23943e,
    0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a, 0xc69f7b69, 0xd5cf889d, 0x27a40b9e,
    0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e, 0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint64_t x86_crc32(void *state, uint64_t crc, uint64_t data, uint64_t bytes)
{
    (void)state;
    uint32_t c = (uint32_t)crc;
    for (unsigned k = 0; k < bytes; k++, data >>= 8)
        c = (c >> 8) ^ crc32c_table[(c ^ data) & 0xff];
    return c;
}

void fe_register_helpers_sse42(void)
{
    ir_helper_register_reader(x86_pcmpstri, "pcmpstri");
    ir_helper_register(x86_pcmpstrm, "pcmpstrm");
    ir_helper_register_reader(x86_crc32, "crc32");
}
