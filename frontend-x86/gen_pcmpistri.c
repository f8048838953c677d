/* gen_pcmpistri.c — pcmpistri (66 0F 3A 63) as inline IR for the modes C libraries use.
 *
 * glibc's SSE4.2 strcmp, strncmp, strcasecmp, strspn and strcspn run pcmpistri in a loop
 * over every 16 bytes of a string (imm8 1Ah, 3Ah, 02h and 12h in glibc 2.36). A C helper call
 * per instruction (x86_sse42_helpers.c) made those routines twice as slow under ferry as the
 * SSE2 ones, so the common modes are built here from vector compares and mask arithmetic,
 * with a flag producer of their own (X86_CCK_PCMPSTR) so `pcmpistri; jbe` reads CF|ZF as
 * one OR and compare. Everything else (pcmpestr*, pcmpistrm, equal ordered, signed ranges)
 * stays with the helper.
 *
 * Contract: fe_pcmpistri_inline(c) translates c->insn (a pcmpistri already checked by
 * gen_sse42.c) and returns true, or returns false before emitting anything when its imm8
 * mode is not one of these:
 *   element format  any of the four for equal any and equal each (equality does not care
 *                   about signedness), unsigned bytes and words for ranges;
 *   aggregation     equal any, ranges, equal each;
 *   polarity, index every value of imm8[6:4].
 * The result must equal the helper's bit for bit (tests/unit/test_sse42.c sweeps every imm8
 * against the host CPU; the fuzzer's sse42 class too).
 *
 * How (n elements of w bits; A = xmm1, the set or needle; B = xmm2/m128, the string):
 *   ZA, ZB   lanes of A and B equal to zero; ma, mb their VMOVMSK masks. The implicit length
 *            ends before the first zero element, so ZF = mb != 0, SF = ma != 0, and the
 *            valid-element masks are va = ~ma & (ma - 1) (the bits below ma's lowest), vb
 *            likewise, cut to n bits.
 *   equal each  IntRes1 = (eq & va & vb) | ~(va | vb): pairs where both are valid compare,
 *            where both are invalid match, where one is (SDM Table 4-7) they do not.
 *   equal any, ranges   A' = A with every element from its first zero on cleared (a prefix
 *            OR of ZA across lanes). A valid element of B is never zero, so a cleared
 *            element of A' can only match invalid elements of B, which vb masks off: for
 *            equal any a zero set element, for unsigned ranges a pair [lo, 0] or [0, 0],
 *            both take only b = 0. That is why signed ranges (where [lo, 0] with lo < 0 is a
 *            real range) are left to the helper.
 *     equal any: B is compared with A' rotated by every element count 0..n-1 (rotations by
 *            1-3 bytes from byte shifts, then multiples of 4 bytes by PSHUFD), ORed.
 *     ranges: each pair's lo and hi are broadcast (lo into both halves of its 2w-bit lane,
 *            hi likewise, then the lane to all of them by PSHUFLW/PSHUFHW and PSHUFD);
 *            b is out of the pair's range iff sat(lo - b) | sat(b - hi) != 0; the unsigned
 *            minimum over all pairs is zero where some pair holds b.
 *   IntRes2 by polarity (x ^ n ones, or x ^ vb for the masked negative); the index is ctz
 *   (with bit n set, so none gives n) or the highest set bit (n when none).
 */
#include "frontend-x86/fe_sse.h"

/* The translation of one instruction: its builder and the element shape. */
typedef struct Pcmp {
    FeCtx *c;
    unsigned w;         /* element width in bits: 8 or 16 */
    unsigned n;         /* elements: 16 or 8 */
    IrRef zero;         /* V128 0 */
} Pcmp;

static IrRef k32(Pcmp *p, uint64_t v) { return ir_const(&p->c->b, IR_I32, v); }
static IrRef op32(Pcmp *p, IrOp op, IrRef x, IrRef y) { return ir_op2(&p->c->b, op, IR_I32, x, y); }
static IrRef vop(Pcmp *p, IrOp op, unsigned bits, IrRef x, IrRef y) { return v_lanes(p->c, op, bits, x, y); }
static IrRef v1(Pcmp *p, IrOp op, IrRef x, unsigned imm)
{
    return ir_emit(&p->c->b, op, IR_V128, x, IR_NONE, IR_NONE, imm, 0);
}
/* Per-lane shift by a constant count (lanes of `bits`). */
static IrRef vshift(Pcmp *p, IrOp op, unsigned bits, IrRef x, unsigned count)
{
    return ir_emit(&p->c->b, op, IR_V128, x, k64(p->c, count), IR_NONE, bits, 0);
}
static IrRef movmsk(Pcmp *p, IrRef v) { return ir_emit(&p->c->b, IR_VMOVMSK, IR_I32, v, IR_NONE, IR_NONE, p->w, 0); }

/* Valid elements of an operand whose zero-lane mask is m: the bits below m's lowest set bit
 * (all n when m is 0). */
static IrRef valid_mask(Pcmp *p, IrRef m)
{
    IrRef below = op32(p, IR_AND, ir_op1(&p->c->b, IR_NOT, IR_I32, m), op32(p, IR_SUB, m, k32(p, 1)));
    return op32(p, IR_AND, below, k32(p, (1u << p->n) - 1));
}

/* a with every lane from its first zero lane on cleared; za = lanes of a equal to zero. */
static IrRef clear_from_zero(Pcmp *p, IrRef a, IrRef za)
{
    IrRef t = za;
    for (unsigned bytes = p->w / 8; bytes < 16; bytes *= 2)
        t = vop(p, IR_VOR, 8, t, v1(p, IR_VBSLL, t, bytes));
    return vop(p, IR_VANDN, 8, t, a);
}

/* x rotated right by `bytes` (0-3): byte j of the result = byte j + bytes (mod 16) of x; one
 * VALIGNR of x with itself (PALIGNR or EXT). */
static IrRef rot_bytes(Pcmp *p, IrRef x, unsigned bytes)
{
    if (!bytes) return x;
    return ir_emit(&p->c->b, IR_VALIGNR, IR_V128, x, x, IR_NONE, bytes, 0);
}

/* PSHUFD selector rotating dwords right by q: dword i = dword (i + q) mod 4. */
static unsigned rot_dwords_sel(unsigned q)
{
    unsigned sel = 0;
    for (unsigned i = 0; i < 4; i++) sel |= ((i + q) & 3) << (2 * i);
    return sel;
}

/* Equal any: lanes of b equal to some lane of a2 (a cleared from its first zero). */
static IrRef equal_any(Pcmp *p, IrRef a2, IrRef b)
{
    IrRef acc = IR_NONE;
    unsigned step = p->w / 8;
    for (unsigned r = 0; r < 4; r += step) {
        IrRef rr = rot_bytes(p, a2, r);
        for (unsigned q = 0; q < 4; q++) {
            IrRef x = q ? v1(p, IR_VSHUF32, rr, rot_dwords_sel(q)) : rr;
            IrRef eq = vop(p, IR_VCMPEQ, p->w, x, b);
            acc = acc ? vop(p, IR_VOR, 8, acc, eq) : eq;
        }
    }
    return acc;
}

/* Lane `pair` (of 2w bits) of x broadcast to all of them. */
static IrRef broadcast_pair(Pcmp *p, IrRef x, unsigned pair)
{
    if (p->w == 16)
        return v1(p, IR_VSHUF32, x, pair * 0x55);
    if (pair < 4)
        return v1(p, IR_VSHUF32, v1(p, IR_VSHUFLO16, x, pair * 0x55), 0x00);
    return v1(p, IR_VSHUF32, v1(p, IR_VSHUFHI16, x, (pair - 4) * 0x55), 0xAA);
}

/* Unsigned ranges: lanes of b inside [lo, hi] of some pair of a2. */
static IrRef ranges_u(Pcmp *p, IrRef a2, IrRef b)
{
    unsigned w = p->w, w2 = 2 * w;
    /* lo (the even element of each pair) in both halves of its pair's lane; hi likewise. */
    IrRef lo_up = vshift(p, IR_VSHLI, w2, a2, w);
    IrRef lo = vop(p, IR_VOR, 8, lo_up, vshift(p, IR_VSHRI, w2, lo_up, w));
    IrRef hi_down = vshift(p, IR_VSHRI, w2, a2, w);
    IrRef hi = vop(p, IR_VOR, 8, hi_down, vshift(p, IR_VSHLI, w2, hi_down, w));
    IrRef acc = IR_NONE;
    for (unsigned k = 0; k < p->n / 2; k++) {
        IrRef l = broadcast_pair(p, lo, k), h = broadcast_pair(p, hi, k);
        IrRef out = vop(p, IR_VOR, 8, vop(p, IR_VSUBUSAT, w, l, b), vop(p, IR_VSUBUSAT, w, b, h));
        acc = acc ? vop(p, IR_VMINU, w, acc, out) : out;
    }
    return vop(p, IR_VCMPEQ, w, acc, p->zero);
}

bool fe_pcmpistri_inline(FeCtx *c)
{
    unsigned imm = imm8(c), agg = (imm >> 2) & 3;
    bool is_signed = imm & 2;
    if (agg == 3 || (agg == 1 && is_signed))
        return false;                   /* equal ordered, signed ranges: the helper */
    Pcmp p = { .c = c, .w = imm & 1 ? 16 : 8, .n = imm & 1 ? 8 : 16 };
    IrRef b = src_v128(c, false);       /* the only access: a fault changes nothing */
    IrRef a = xmm_get(c, c->insn->reg);
    p.zero = ir_const(&c->b, IR_V128, 0);
    IrRef za = vop(&p, IR_VCMPEQ, p.w, a, p.zero), zb = vop(&p, IR_VCMPEQ, p.w, b, p.zero);
    IrRef ma = movmsk(&p, za), mb = movmsk(&p, zb);
    IrRef vb = valid_mask(&p, mb), full = k32(&p, (1u << p.n) - 1);

    IrRef r;
    if (agg == 2) {                     /* equal each */
        IrRef va = valid_mask(&p, ma);
        IrRef eq = movmsk(&p, vop(&p, IR_VCMPEQ, p.w, a, b));
        IrRef both = op32(&p, IR_AND, op32(&p, IR_AND, eq, va), vb);
        IrRef neither = op32(&p, IR_XOR, op32(&p, IR_OR, va, vb), full);
        r = op32(&p, IR_OR, both, neither);
    } else {
        IrRef a2 = clear_from_zero(&p, a, za);
        IrRef hit = agg == 0 ? equal_any(&p, a2, b) : ranges_u(&p, a2, b);
        r = op32(&p, IR_AND, movmsk(&p, hit), vb);
    }
    switch ((imm >> 4) & 3) {
    case 1: r = op32(&p, IR_XOR, r, full); break;      /* negative */
    case 3: r = op32(&p, IR_XOR, r, vb); break;        /* masked negative */
    default: break;
    }

    IrRef index;
    if (imm & 0x40) {                   /* most significant set bit, n when none */
        IrRef msb = op32(&p, IR_SUB, k32(&p, 31), ir_op1(&c->b, IR_CLZ, IR_I32, r));
        index = ir_select(&c->b, IR_I32, ir_cmp(&c->b, IR_NE, r, k32(&p, 0)), msb, k32(&p, p.n));
    } else {                            /* least significant, n when none */
        index = ir_op1(&c->b, IR_CTZ, IR_I32, op32(&p, IR_OR, r, k32(&p, 1u << p.n)));
    }
    fe_put_gpr(c, X86_RCX, 4, index);   /* zero-extends into RCX, with REX.W too */
    fe_set_flags(c, X86_CCK_PCMPSTR, 4, mb, ma, r);
    return true;
}
