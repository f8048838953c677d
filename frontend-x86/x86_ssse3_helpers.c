/* x86_ssse3_helpers.c — C helpers for the SSSE3 instructions that ferry's IR has no op for
 * (gen_ssse3.c): the 16-bit horizontal adds and subtracts and the two multiplies (pshufb
 * is the IR op VSHUFB).
 *
 * Contract (IrHelperFn): fn(state, a0, a1, a2) with `state` the X86State of the running
 * thread. gen_ssse3.c loads memory operands in IR before the call, so a guest fault is raised
 * precisely by the IR load and these helpers never touch guest memory.
 *
 *   x86_ssse3_op(state, opcode << 8 | dst, src_lo, src_hi)
 *       xmm[dst] = op(xmm[dst], src) for the 66 0F 38 `opcode` listed in ssse3_op below.
 *   x86_ssse3_mmx_op(state, opcode, a, b)
 *       the same operation on the 64-bit MMX values a (destination) and b (source); returns
 *       the 64-bit result and touches no state (registered as a reader, so an unused call is
 *       deleted like a pure op).
 * One implementation serves both widths: `n` is the operand size in bytes (16 or 8), and the
 * horizontal ops put the pairs of the destination in the low half of the result and those of
 * the source in the high half, whatever the width (Intel SDM Vol. 2, PHADDW and friends).
 *
 * Lanes are read through X86Xmm, so this file assumes a little-endian host (both hosts are).
 */
#include <string.h>

#include "frontend-x86/fe_internal.h"

uint64_t x86_ssse3_op(void *state, uint64_t op_dst, uint64_t src_lo, uint64_t src_hi);
uint64_t x86_ssse3_mmx_op(void *state, uint64_t op, uint64_t a, uint64_t b);

static int16_t sat16(int32_t v) { return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v); }

/* Word k of the pairs of a horizontal op: pairs from a fill the low half of the result,
 * pairs from b the high half. */
static void hpairs(const X86Xmm *a, const X86Xmm *b, unsigned nw, unsigned k,
                   int32_t *x, int32_t *y)
{
    const X86Xmm *s = k < nw / 2 ? a : b;
    unsigned j = 2 * (k % (nw / 2));
    *x = (int16_t)s->w[j];
    *y = (int16_t)s->w[j + 1];
}

/* r = op(a, b) on n-byte operands (16: xmm, 8: mm); false for an opcode this helper does not
 * know (the frontend only emits the ones it knows, so that would be ferry's bug). */
static bool ssse3_op(unsigned op, unsigned n, X86Xmm *r, const X86Xmm *a, const X86Xmm *b)
{
    unsigned nw = n / 2;
    int32_t x, y;
    switch (op) {
    case 0x01:  /* phaddw */
        for (unsigned k = 0; k < nw; k++) {
            hpairs(a, b, nw, k, &x, &y);
            r->w[k] = (uint16_t)(x + y);
        }
        return true;
    case 0x03:  /* phaddsw */
        for (unsigned k = 0; k < nw; k++) {
            hpairs(a, b, nw, k, &x, &y);
            r->w[k] = (uint16_t)sat16(x + y);
        }
        return true;
    case 0x05:  /* phsubw: the even word minus the odd one */
        for (unsigned k = 0; k < nw; k++) {
            hpairs(a, b, nw, k, &x, &y);
            r->w[k] = (uint16_t)(x - y);
        }
        return true;
    case 0x07:  /* phsubsw */
        for (unsigned k = 0; k < nw; k++) {
            hpairs(a, b, nw, k, &x, &y);
            r->w[k] = (uint16_t)sat16(x - y);
        }
        return true;
    case 0x04:  /* pmaddubsw: unsigned bytes of a times signed bytes of b, pairs summed and
                   saturated to signed words */
        for (unsigned k = 0; k < nw; k++) {
            int32_t s = (int32_t)a->b[2 * k] * (int8_t)b->b[2 * k] +
                        (int32_t)a->b[2 * k + 1] * (int8_t)b->b[2 * k + 1];
            r->w[k] = (uint16_t)sat16(s);
        }
        return true;
    case 0x0b:  /* pmulhrsw: ((a * b >> 14) + 1) >> 1, bits 16:1 of the rounded product */
        for (unsigned k = 0; k < nw; k++) {
            int32_t p = (int32_t)(int16_t)a->w[k] * (int16_t)b->w[k];
            r->w[k] = (uint16_t)(((p >> 14) + 1) >> 1);
        }
        return true;
    default:
        return false;
    }
}

uint64_t x86_ssse3_op(void *state, uint64_t op_dst, uint64_t src_lo, uint64_t src_hi)
{
    X86State *s = state;
    X86Xmm a = s->xmm[op_dst & 15], b, r;
    b.q[0] = src_lo;
    b.q[1] = src_hi;
    memset(&r, 0, sizeof r);
    if (ssse3_op((unsigned)(op_dst >> 8) & 0xff, 16, &r, &a, &b)) s->xmm[op_dst & 15] = r;
    return 0;
}

uint64_t x86_ssse3_mmx_op(void *state, uint64_t op, uint64_t a, uint64_t b)
{
    (void)state;
    X86Xmm x = { .q = { a, 0 } }, y = { .q = { b, 0 } }, r;
    memset(&r, 0, sizeof r);
    ssse3_op((unsigned)op & 0xff, 8, &r, &x, &y);
    return r.q[0];
}

void fe_register_helpers_ssse3(void)
{
    ir_helper_register(x86_ssse3_op, "ssse3_op");
    ir_helper_register_reader(x86_ssse3_mmx_op, "ssse3_mmx_op");
}
