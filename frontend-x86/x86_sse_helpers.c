/* x86_sse_helpers.c — C helpers for the SSE2 instructions that ferry's IR has no op for.
 *
 * Contract (IrHelperFn): fn(state, a0, a1, a2) with `state` the X86State of the running
 * thread. The frontend (gen_sse.c) loads memory operands in IR before the call, so a guest
 * fault is raised precisely by the IR load and these helpers never touch guest memory.
 *
 *   x86_sse_int_op(state, opcode << 8 | dst, src_lo, src_hi)
 *       xmm[dst] = op(xmm[dst], src) for the 66 0F `opcode` listed in int_op below: packs,
 *       saturating adds/subtracts, multiplies, averages, psadbw. These are rare in libc and
 *       compiled C (vectorised loops), so a call is cheaper overall than IR ops for each.
 *   x86_mmx_int_op(state, opcode, a, b)
 *       the same operations on the 64-bit MMX values a and b (gen_mmx.c): int_op on vectors
 *       whose high halves are zero, except that the packs get b as the high half of a, so
 *       the low 64 bits of the result are the MMX pack; returns those 64 bits.
 *   x86_sse_ldmxcsr(state, image) / x86_sse_stmxcsr(state)
 *       MXCSR while generated code runs: its control bits are X86State.mxcsr and the host's
 *       FP unit (loaded by the trampoline, ir.h "The FP environment"); its sticky flags are the
 *       host's until the block returns. ldmxcsr (and fxrstor) writes both; stmxcsr (and
 *       fxsave) reads the control bits from the state and the flags from the host.
 *   x86_sse_fence(state)
 *       lfence/sfence/mfence: a sequentially consistent host fence. The IR CALL is ordered
 *       with every guest load and store, so the fence sits where the guest put it.
 *
 * Lanes are read through X86Xmm, so this file assumes a little-endian host (both hosts are).
 */
#include <stdatomic.h>
#include <string.h>

#include "frontend-x86/fe_internal.h"

uint64_t x86_sse_int_op(void *state, uint64_t op_dst, uint64_t src_lo, uint64_t src_hi);
uint64_t x86_sse_fence(void *state, uint64_t a0, uint64_t a1, uint64_t a2);
uint64_t x86_sse_ldmxcsr(void *state, uint64_t image, uint64_t a1, uint64_t a2);
uint64_t x86_sse_stmxcsr(void *state, uint64_t a0, uint64_t a1, uint64_t a2);
uint64_t x86_mmx_int_op(void *state, uint64_t op, uint64_t a, uint64_t b);

static int8_t sat_s8(int v) { return (int8_t)(v > 127 ? 127 : v < -128 ? -128 : v); }
static uint8_t sat_u8(int v) { return (uint8_t)(v > 255 ? 255 : v < 0 ? 0 : v); }
static int16_t sat_s16(int v) { return (int16_t)(v > 32767 ? 32767 : v < -32768 ? -32768 : v); }
static uint16_t sat_u16(int v) { return (uint16_t)(v > 65535 ? 65535 : v < 0 ? 0 : v); }

/* r = op(a, b); returns false for an opcode this helper does not know (the frontend only
 * emits the ones it knows, so that would be ferry's bug; the register is left unchanged). */
static bool int_op(unsigned op, X86Xmm *r, const X86Xmm *a, const X86Xmm *b)
{
    switch (op) {
    case 0x63:  /* packsswb: words of a then b, signed-saturated to bytes */
        for (int k = 0; k < 8; k++) {
            r->b[k] = (uint8_t)sat_s8((int16_t)a->w[k]);
            r->b[k + 8] = (uint8_t)sat_s8((int16_t)b->w[k]);
        }
        return true;
    case 0x67:  /* packuswb: signed words to unsigned-saturated bytes */
        for (int k = 0; k < 8; k++) {
            r->b[k] = sat_u8((int16_t)a->w[k]);
            r->b[k + 8] = sat_u8((int16_t)b->w[k]);
        }
        return true;
    case 0x6b:  /* packssdw: signed dwords to signed-saturated words */
        for (int k = 0; k < 4; k++) {
            int32_t x = (int32_t)a->d[k], y = (int32_t)b->d[k];
            r->w[k] = (uint16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x);
            r->w[k + 4] = (uint16_t)(y > 32767 ? 32767 : y < -32768 ? -32768 : y);
        }
        return true;
    case 0xd5:  /* pmullw */
        for (int k = 0; k < 8; k++)
            r->w[k] = (uint16_t)((int32_t)(int16_t)a->w[k] * (int16_t)b->w[k]);
        return true;
    case 0xe5:  /* pmulhw */
        for (int k = 0; k < 8; k++)
            r->w[k] = (uint16_t)((uint32_t)((int32_t)(int16_t)a->w[k] * (int16_t)b->w[k]) >> 16);
        return true;
    case 0xe4:  /* pmulhuw */
        for (int k = 0; k < 8; k++) r->w[k] = (uint16_t)(((uint32_t)a->w[k] * b->w[k]) >> 16);
        return true;
    case 0xf4:  /* pmuludq: even dwords, full 64-bit products */
        for (int k = 0; k < 2; k++) r->q[k] = (uint64_t)a->d[2 * k] * b->d[2 * k];
        return true;
    case 0xf5:  /* pmaddwd: pairs of signed word products summed (wraps only for 4 x -32768) */
        for (int k = 0; k < 4; k++) {
            int64_t s = (int64_t)(int16_t)a->w[2 * k] * (int16_t)b->w[2 * k] +
                        (int64_t)(int16_t)a->w[2 * k + 1] * (int16_t)b->w[2 * k + 1];
            r->d[k] = (uint32_t)s;
        }
        return true;
    case 0xf6:  /* psadbw: sums of absolute byte differences per 64-bit half */
        for (int h = 0; h < 2; h++) {
            unsigned s = 0;
            for (int k = 8 * h; k < 8 * h + 8; k++)
                s += a->b[k] > b->b[k] ? a->b[k] - b->b[k] : b->b[k] - a->b[k];
            r->q[h] = s;
        }
        return true;
    case 0xe0:  /* pavgb: (a + b + 1) >> 1 */
        for (int k = 0; k < 16; k++) r->b[k] = (uint8_t)((a->b[k] + b->b[k] + 1) >> 1);
        return true;
    case 0xe3:  /* pavgw */
        for (int k = 0; k < 8; k++) r->w[k] = (uint16_t)((a->w[k] + b->w[k] + 1u) >> 1);
        return true;
    case 0xdc:  /* paddusb */
        for (int k = 0; k < 16; k++) r->b[k] = sat_u8(a->b[k] + b->b[k]);
        return true;
    case 0xdd:  /* paddusw */
        for (int k = 0; k < 8; k++) r->w[k] = sat_u16(a->w[k] + b->w[k]);
        return true;
    case 0xec:  /* paddsb */
        for (int k = 0; k < 16; k++) r->b[k] = (uint8_t)sat_s8((int8_t)a->b[k] + (int8_t)b->b[k]);
        return true;
    case 0xed:  /* paddsw */
        for (int k = 0; k < 8; k++)
            r->w[k] = (uint16_t)sat_s16((int16_t)a->w[k] + (int16_t)b->w[k]);
        return true;
    case 0xe8:  /* psubsb */
        for (int k = 0; k < 16; k++) r->b[k] = (uint8_t)sat_s8((int8_t)a->b[k] - (int8_t)b->b[k]);
        return true;
    case 0xe9:  /* psubsw */
        for (int k = 0; k < 8; k++)
            r->w[k] = (uint16_t)sat_s16((int16_t)a->w[k] - (int16_t)b->w[k]);
        return true;
    default:
        return false;
    }
}

uint64_t x86_sse_int_op(void *state, uint64_t op_dst, uint64_t src_lo, uint64_t src_hi)
{
    X86State *s = state;
    X86Xmm a = s->xmm[op_dst & 15], b, r;
    b.q[0] = src_lo;
    b.q[1] = src_hi;
    memset(&r, 0, sizeof r);
    if (int_op((unsigned)(op_dst >> 8) & 0xff, &r, &a, &b)) s->xmm[op_dst & 15] = r;
    return 0;
}

uint64_t x86_mmx_int_op(void *state, uint64_t op, uint64_t a, uint64_t b)
{
    (void)state;
    X86Xmm x = { .q = { a, 0 } }, y = { .q = { b, 0 } }, r;
    if (op == 0x63 || op == 0x67 || op == 0x6b) x.q[1] = b;
    memset(&r, 0, sizeof r);
    int_op((unsigned)op & 0xff, &r, &x, &y);
    return r.q[0];
}

uint64_t x86_sse_fence(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)state; (void)a0; (void)a1; (void)a2;
    atomic_thread_fence(memory_order_seq_cst);
    return 0;
}

uint64_t x86_sse_ldmxcsr(void *state, uint64_t image, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    X86State *st = state;
    st->mxcsr = (uint32_t)image;
    ir_fenv_set((uint32_t)image);
    return 0;
}

uint64_t x86_sse_stmxcsr(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)a0; (void)a1; (void)a2;
    const X86State *st = state;
    return (st->mxcsr & ~IR_FENV_FLAGS) | (ir_fenv_get() & IR_FENV_FLAGS);
}

void fe_register_helpers_sse(void)
{
    ir_helper_register(x86_sse_ldmxcsr, "sse_ldmxcsr");
    ir_helper_register_reader(x86_sse_stmxcsr, "sse_stmxcsr");
    ir_helper_register(x86_sse_int_op, "sse_int_op");
    ir_helper_register(x86_sse_fence, "sse_fence");
    ir_helper_register(x86_mmx_int_op, "mmx_int_op");
}
