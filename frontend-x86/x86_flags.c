/* x86_flags.c — EFLAGS from a lazy flag producer, in C (the runtime's and the helpers' view).
 *
 * The translators compute the same flags as IR (fe_flags.c). The two must agree bit for bit,
 * including the flags the manual leaves undefined, or a program would see different flags
 * depending on where a block boundary fell. So both follow one set of formulas, written out
 * once in fe_flags.c's header; this file is their C transcription.
 *
 * Undefined-flag policy (both files): every flag is computed with its producer kind's
 * ordinary formula: after shifts AF = 0 and OF uses the count-1 formula on the final result;
 * after MUL SF/ZF/PF come from the low half and AF = 0; after logic AF = 0. Tests compare only
 * the flags the manual defines.
 */
#include "frontend-x86/x86_state.h"

#include <string.h>

static uint64_t mask_of(unsigned size) { return size == 8 ? ~0ull : (1ull << (8 * size)) - 1; }

static int sign_of(uint64_t v, unsigned size) { return (int)((v >> (8 * size - 1)) & 1); }

static int parity_even(uint64_t v) { return !(__builtin_popcountll(v & 0xff) & 1); }

uint64_t x86_flags_compute(uint64_t cc_op, uint64_t a, uint64_t b, uint64_t res)
{
    X86CcKind kind = X86_CC_KIND(cc_op);
    unsigned size = X86_CC_SIZE(cc_op), w = 8 * size;
    uint64_t m = mask_of(size);
    if (kind == X86_CCK_EFLAGS)
        return res & X86_ARITH_FLAGS;
    a &= m; b &= m; res &= m;
    /* The fields the kind does not store (x86_cc_fields) are stale: derive them. Shift counts
     * are 1..63 (SAR of 8/16 bits: at most w, which shifts in the sign as a larger one does);
     * `& 63` only keeps a bad value from being undefined C. */
    switch (kind) {
    case X86_CCK_ADD: res = (a + b) & m; break;
    case X86_CCK_SUB: res = (a - b) & m; break;
    case X86_CCK_SHL: res = (a << (b & 63)) & m; break;
    case X86_CCK_SHR: res = a >> (b & 63); break;
    case X86_CCK_SAR: res = (uint64_t)(((int64_t)(a << (64 - w)) >> (64 - w)) >> (b & 63)) & m;
        break;
    case X86_CCK_INC: a = (res - 1) & m; break;
    case X86_CCK_DEC: a = (res + 1) & m; break;
    default: break;
    }
    if (kind == X86_CCK_PCMPSTR)
        return (res ? X86_CF : 0) | (a ? X86_ZF : 0) | (b ? X86_SF : 0) | (res & 1 ? X86_OF : 0);
    int cf = 0, of = 0, af = 0;
    switch (kind) {
    case X86_CCK_ADD:
        cf = res < a;
        of = sign_of((a ^ res) & (b ^ res), size);
        af = ((a ^ b ^ res) >> 4) & 1;
        break;
    case X86_CCK_ADC: {
        uint64_t cin = (res - a - b) & m & 1;
        cf = cin ? res <= a : res < a;
        of = sign_of((a ^ res) & (b ^ res), size);
        af = ((a ^ b ^ res) >> 4) & 1;
        break;
    }
    case X86_CCK_SUB:
        cf = a < b;
        of = sign_of((a ^ b) & (a ^ res), size);
        af = ((a ^ b ^ res) >> 4) & 1;
        break;
    case X86_CCK_SBB: {
        uint64_t cin = (a - b - res) & m & 1;
        cf = cin ? a <= b : a < b;
        of = sign_of((a ^ b) & (a ^ res), size);
        af = ((a ^ b ^ res) >> 4) & 1;
        break;
    }
    case X86_CCK_LOGIC:
        break;
    case X86_CCK_INC:
        cf = (int)(b & 1);
        of = res == (1ull << (w - 1));
        af = ((a ^ res) >> 4) & 1;
        break;
    case X86_CCK_DEC:
        cf = (int)(b & 1);
        of = res == ((1ull << (w - 1)) - 1);
        af = ((a ^ res) >> 4) & 1;
        break;
    case X86_CCK_SHL:
        cf = (int)((a >> ((w - b) % w)) & 1);
        of = sign_of(res, size) ^ cf;
        break;
    case X86_CCK_SHR:
        cf = (int)((a >> ((b - 1) % w)) & 1);
        of = sign_of(a, size);
        break;
    case X86_CCK_SAR: {
        /* Arithmetic shift of the w-bit value: sign-extend to 64 bits first. */
        int64_t sa = (int64_t)(a << (64 - w)) >> (64 - w);
        cf = (int)(((uint64_t)(sa >> ((b - 1) % w))) & 1);
        break;
    }
    case X86_CCK_MUL:
        cf = of = (int)(b & 1);
        break;
    default:
        break;
    }
    uint64_t f = 0;
    f |= cf ? X86_CF : 0;
    f |= parity_even(res) ? X86_PF : 0;
    f |= af ? X86_AF : 0;
    f |= res == 0 ? X86_ZF : 0;
    f |= sign_of(res, size) ? X86_SF : 0;
    f |= of ? X86_OF : 0;
    return f;
}

uint64_t x86_get_eflags(const X86State *s)
{
    return x86_flags_compute(s->cc_op, s->cc_a, s->cc_b, s->cc_res) |
           (s->eflags_fixed & ~(uint64_t)X86_ARITH_FLAGS);
}

void x86_set_eflags(X86State *s, uint64_t eflags)
{
    s->cc_op = X86_CC_OP(X86_CCK_EFLAGS, 8);
    s->cc_a = s->cc_b = 0;
    s->cc_res = eflags & X86_ARITH_FLAGS;
    s->eflags_fixed = (eflags & ~(uint64_t)X86_ARITH_FLAGS) | 0x2;
}

void x86_state_init(X86State *s)
{
    memset(s, 0, sizeof *s);
    x86_set_eflags(s, 0x202);
    s->mxcsr = 0x1f80;
    s->fpu_cw = 0x037f;     /* x87 as after FNINIT: all exceptions masked, 64-bit, nearest */
}
