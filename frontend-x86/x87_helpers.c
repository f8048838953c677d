/* x87_helpers.c — the x87 instructions as C helpers on X86State (called from gen_x87.c).
 *
 * Contract (IrHelperFn): fn(state, a0, a1, a2). The translator decodes each instruction into
 * a mode word (X87M_* below: operation, source kind, register index, pop count) at translate
 * time, loads memory operands in IR and passes their raw bits, and stores what a store helper
 * returns, so guest faults on ordinary operands are raised by IR loads and stores. A fault on
 * the store of fst/fist/fstp m80 comes after the helper ran: the stack has then already been
 * popped (a guest that catches SIGSEGV there sees TOP one higher than hardware would show).
 * The environment and save instructions (fnstenv fldenv fnsave frstor, and the x87 part of
 * fxsave/fxrstor) touch guest memory directly (x86_host_ptr: guest address + mem_base), as the
 * rep-string helpers do; a bad address is a precise fault at the instruction (fe_call_mem):
 * the loads read guest memory before they change the state.
 *
 * The register stack (SDM Vol. 1 8.1.2): ST(i) = fpr[(TOP + i) & 7]; a push decrements TOP,
 * a pop marks ST(0) empty and increments TOP. Reading an empty register is a stack underflow
 * and pushing onto a non-empty ST(7) an overflow: IE and SF are set, C1 = 0 for underflow and
 * 1 for overflow, and (masked response) the destination receives the real indefinite (stores
 * to memory write the destination format's indefinite). Instructions that compute clear C1
 * first; the float code sets it when a result was rounded up. C0, C2, C3 stay as they were
 * where the manual calls them undefined (which is what Intel CPUs do too; where they differ
 * from the manual, e.g. fcomi keeping C1, the code follows the CPU and says so).
 *
 * Exception priority (SDM Vol. 1 4.9.2) across the operand fetch: a float32/float64 memory
 * operand that is denormal raises DE only if the operation finds no stack fault, invalid
 * operation, divide-by-zero or NaN operand (operand, late_denormal), and an SNaN memory
 * operand stays signaling for the choice between two NaNs; a stack underflow outranks an
 * overflow (fld st(i)).
 *
 * Exceptions are handled as masked whatever the control word says (x87_float.h explains why);
 * the status word read by fnstsw/fnstenv/fnsave shows ES and B when an exception flag is set
 * whose mask bit is clear, as hardware would before its trap.
 */
#include <string.h>

#include "frontend-x86/fe_internal.h"
#include "frontend-x86/x87_float.h"
#include "frontend-x86/x87_helpers.h"

/* ================================================================ the register stack */

static unsigned phys(const X86State *s, unsigned i) { return (s->fpu_top + i) & 7; }
static bool is_empty(const X86State *s, unsigned i) { return !((s->fpu_tag >> phys(s, i)) & 1); }

static X87F80 st_raw(const X86State *s, unsigned i)
{
    const X86Fpr *r = &s->fpr[phys(s, i)];
    return x87_make(r->se, r->sig);
}

static void st_set(X86State *s, unsigned i, X87F80 v)
{
    X86Fpr *r = &s->fpr[phys(s, i)];
    r->sig = v.sig;
    r->se = v.se;
    memset(r->_pad, 0, sizeof r->_pad);
    s->fpu_tag |= (uint8_t)(1u << phys(s, i));
}

static void pop(X86State *s)
{
    s->fpu_tag &= (uint8_t)~(1u << phys(s, 0));
    s->fpu_top = (s->fpu_top + 1) & 7;
}

static X87Env env_begin(X86State *s)
{
    s->fpu_sw &= (uint16_t)~X87_C1;
    return (X87Env){ s->fpu_cw, 0 };
}

static void env_end(X86State *s, const X87Env *e)
{
    s->fpu_sw |= e->sw & (X87_EXC_MASK | X87_SF | X87_C1);
}

/* ST(i) for reading: an empty register is a stack underflow and reads as the indefinite. */
static X87F80 st_get(X86State *s, X87Env *e, unsigned i)
{
    if (!is_empty(s, i)) return st_raw(s, i);
    e->sw = (uint16_t)((e->sw | X87_IE | X87_SF) & ~X87_C1);
    return X87_INDEFINITE;
}

/* Push v; on overflow (ST(7) in use) the indefinite is pushed instead. */
static void push(X86State *s, X87Env *e, X87F80 v)
{
    if (!is_empty(s, 7)) {
        e->sw |= X87_IE | X87_SF | X87_C1;
        v = X87_INDEFINITE;
    }
    s->fpu_top = (s->fpu_top - 1) & 7;
    st_set(s, 0, v);
}

static bool underflowed(const X87Env *e) { return (e->sw & (X87_SF | X87_C1)) == X87_SF; }

/* The control word as fldcw, fldenv, frstor and fxrstor load it: bit 6 reads as 1, bits 7
 * and 13-15 as 0 on Intel CPUs (checked with fnstcw and fxsave after each of them). */
static uint16_t cw_loaded(uint16_t v) { return (uint16_t)((v & 0x1f7f) | 0x0040); }

/* ================================================================ operands */

/* A source operand of the given kind: memory bits, or ST(i). */
static X87F80 source(X86State *s, X87Env *e, unsigned kind, unsigned i, uint64_t lo, uint64_t hi)
{
    switch (kind) {
    case X87S_STI: return st_get(s, e, i);
    case X87S_F32: return x87_from_f32(e, (uint32_t)lo);
    case X87S_F64: return x87_from_f64(e, lo);
    case X87S_F80: return x87_make((uint16_t)hi, lo);
    case X87S_I16: return x87_from_int((int16_t)lo);
    case X87S_I32: return x87_from_int((int32_t)lo);
    case X87S_I64: return x87_from_int((int64_t)lo);
    case X87S_BCD: {
        uint8_t b[10];
        memcpy(b, &lo, 8);
        b[8] = (uint8_t)hi;
        b[9] = (uint8_t)(hi >> 8);
        return x87_from_bcd(b);
    }
    default: return x87_make(0, 0);     /* X87S_ZERO: ftst */
    }
}

/* The second operand of an arithmetic or compare instruction. A float32/float64 operand is
 * taken as the operation sees it, not as fld would load it: an SNaN stays signaling (the
 * operation quiets it and raises IE, and the choice between two NaNs goes by their kinds,
 * SDM Vol. 1 table 4-7), and a denormal sets *den instead of DE, because DE ranks below the
 * invalid operation, divide-by-zero and QNaN-operand cases the operation may find (4.9.2):
 * the caller adds it with late_denormal. */
static X87F80 operand(X86State *s, X87Env *e, unsigned kind, unsigned i, uint64_t lo,
                      uint64_t hi, bool *den)
{
    *den = false;
    if (kind != X87S_F32 && kind != X87S_F64) return source(s, e, kind, i, lo, hi);
    X87Env t = { e->cw, 0 };
    X87F80 v = source(s, &t, kind, i, lo, hi);
    if (t.sw & X87_IE) v.sig &= ~(1ull << 62);          /* back to the SNaN */
    *den = t.sw & X87_DE;
    return v;
}

static bool is_nan(X87F80 v) { return x87_is_nan_kind(x87_unpack(v).k); }

/* DE of a denormal memory operand, unless the operation (operands a and b) found a stack
 * fault, an invalid operation, a division by zero or a NaN operand first. */
static void late_denormal(X87Env *e, bool den, X87F80 a, X87F80 b)
{
    if (den && !(e->sw & (X87_IE | X87_ZE)) && !is_nan(a) && !is_nan(b)) e->sw |= X87_DE;
}

/* ================================================================ arithmetic */

static X87F80 arith(X87Env *e, unsigned op, X87F80 a, X87F80 b)
{
    switch (op) {
    case X87A_ADD: return x87_add(e, a, b);
    case X87A_MUL: return x87_mul(e, a, b);
    case X87A_SUB: return x87_sub(e, a, b);
    case X87A_SUBR: return x87_sub(e, b, a);
    case X87A_DIV: return x87_div(e, a, b);
    default: return x87_div(e, b, a);   /* X87A_DIVR */
    }
}

/* a = ST(0), b = the source (memory or ST(i)); the result goes to ST(0) or, with
 * X87M_DEST_STI, to ST(i); then X87M_POPS pops. The operands are read before anything. */
uint64_t x87_h_arith(void *state, uint64_t mode, uint64_t lo, uint64_t hi)
{
    X86State *s = state;
    X87Env e = env_begin(s);
    unsigned i = X87M_I(mode);
    bool den;
    X87F80 a = st_get(s, &e, 0);
    X87F80 b = operand(s, &e, X87M_KIND(mode), i, lo, hi, &den);
    X87F80 r = underflowed(&e) ? X87_INDEFINITE : arith(&e, X87M_OP(mode), a, b);
    late_denormal(&e, den, a, b);
    st_set(s, (mode & X87M_DEST_STI) ? i : 0, r);
    for (unsigned p = 0; p < X87M_POPS(mode); p++) pop(s);
    env_end(s, &e);
    return 0;
}

/* ================================================================ compares */

/* fcom fcomp fcompp fucom* ficom* ftst set C3 C2 C0 (C1 = 0); fcomi fucomi (X87M_EFLAGS)
 * return ZF PF CF instead and leave the condition bits alone: the SDM says C1 is cleared,
 * but Intel CPUs keep it but for a stack underflow (C1 = 0), and ferry does the same. */
uint64_t x87_h_compare(void *state, uint64_t mode, uint64_t lo, uint64_t hi)
{
    X86State *s = state;
    uint16_t c1 = s->fpu_sw & X87_C1;
    X87Env e = env_begin(s);
    bool den;
    X87F80 a = st_get(s, &e, 0);
    X87F80 b = operand(s, &e, X87M_KIND(mode), X87M_I(mode), lo, hi, &den);
    X87Cmp r = underflowed(&e) ? X87_CMP_UN : x87_compare(&e, a, b, mode & X87M_QUIET);
    late_denormal(&e, den, a, b);
    if ((mode & X87M_EFLAGS) && !underflowed(&e)) s->fpu_sw |= c1;
    for (unsigned p = 0; p < X87M_POPS(mode); p++) pop(s);
    env_end(s, &e);
    static const uint16_t cc[4] = {
        [X87_CMP_GT] = 0, [X87_CMP_LT] = X87_C0, [X87_CMP_EQ] = X87_C3,
        [X87_CMP_UN] = X87_C3 | X87_C2 | X87_C0,
    };
    static const uint64_t fl[4] = {
        [X87_CMP_GT] = 0, [X87_CMP_LT] = X86_CF, [X87_CMP_EQ] = X86_ZF,
        [X87_CMP_UN] = X86_ZF | X86_PF | X86_CF,
    };
    if (mode & X87M_EFLAGS) return fl[r];
    s->fpu_sw = (uint16_t)((s->fpu_sw & ~(X87_C0 | X87_C2 | X87_C3)) | cc[r]);
    return 0;
}

/* ================================================================ loads and stores */

/* fld/fild/fbld (memory kinds), fld st(i), and the constants (X87S_CONST, i = X87Const). */
uint64_t x87_h_load(void *state, uint64_t mode, uint64_t lo, uint64_t hi)
{
    X86State *s = state;
    X87Env e = env_begin(s);
    unsigned kind = X87M_KIND(mode);
    X87F80 v = kind == X87S_CONST ? x87_const(&e, (X87Const)X87M_I(mode))
                                  : source(s, &e, kind, X87M_I(mode), lo, hi);
    if (underflowed(&e)) {
        /* fld st(i) of an empty register: the underflow is what is reported (C1 = 0), even
         * when ST(7) is in use too; the indefinite is pushed. */
        s->fpu_top = (s->fpu_top - 1) & 7;
        st_set(s, 0, v);
    } else {
        if (!is_empty(s, 7)) e.sw &= (uint16_t)~X87_DE;     /* the overflow outranks DE */
        push(s, &e, v);
    }
    env_end(s, &e);
    return 0;
}

/* fst/fstp/fist/fistp/fisttp/fbstp to memory (the value returned, the high 16 bits of an m80
 * or BCD image in state->fpu_scratch) and fst/fstp st(i). */
uint64_t x87_h_store(void *state, uint64_t mode, uint64_t a1, uint64_t a2)
{
    (void)a1; (void)a2;
    X86State *s = state;
    X87Env e = env_begin(s);
    bool empty = is_empty(s, 0);
    if (empty && (mode & X87M_FSTP1)) {
        /* D9 D8+i with an empty ST(0): Intel CPUs just pop, with no stack fault, and leave
         * ST(i) as it was (measured; the manual lists the encoding as reserved). */
        pop(s);
        return 0;
    }
    X87F80 v = st_get(s, &e, 0);
    X87Round rc = (X87Round)X87_CW_RC(s->fpu_cw);
    uint64_t out = 0;
    switch (X87M_KIND(mode)) {
    case X87S_STI:
        st_set(s, X87M_I(mode), v);
        break;
    case X87S_F32:
        out = empty ? 0xffc00000u : x87_to_f32(&e, v);
        break;
    case X87S_F64:
        out = empty ? 0xfff8000000000000ull : x87_to_f64(&e, v);
        break;
    case X87S_F80:
        out = v.sig;
        s->fpu_scratch = v.se;
        break;
    case X87S_I16: case X87S_I32: case X87S_I64: {
        unsigned bits = X87M_KIND(mode) == X87S_I16 ? 16 : X87M_KIND(mode) == X87S_I32 ? 32 : 64;
        if (mode & X87M_TRUNC) rc = X87_RZ;
        int64_t r = empty ? (int64_t)(~0ull << (bits - 1)) : x87_to_int(&e, v, bits, rc);
        out = bits == 64 ? (uint64_t)r : (uint64_t)r & ((1ull << bits) - 1);
        break;
    }
    case X87S_BCD: {
        uint8_t b[10];
        x87_to_bcd(&e, v, b);
        memcpy(&out, b, 8);
        s->fpu_scratch = (uint64_t)b[8] | (uint64_t)b[9] << 8;
        break;
    }
    default:
        break;
    }
    for (unsigned p = 0; p < X87M_POPS(mode); p++) pop(s);
    env_end(s, &e);
    return out;
}

/* ================================================================ the rest */

static void stack_overflow(X87Env *e) { e->sw |= X87_IE | X87_SF | X87_C1; }

/* One-operand and stack instructions, by X87U_* code (gen_x87.c), with ST(i) index i and,
 * for fcmov, a1 = the condition (0/1). */
uint64_t x87_h_misc(void *state, uint64_t op, uint64_t a1, uint64_t a2)
{
    (void)a2;
    X86State *s = state;
    unsigned i = X87M_I(op);
    X87Env e;
    X87F80 a, b, r, r2;
    switch (X87M_OP(op)) {
    case X87U_FNOP:
        return 0;
    case X87U_FCHS: case X87U_FABS:
        e = env_begin(s);
        a = st_get(s, &e, 0);
        if (!underflowed(&e)) a = X87M_OP(op) == X87U_FCHS ? x87_chs(a) : x87_abs(a);
        st_set(s, 0, a);
        break;
    case X87U_FXAM:
        s->fpu_sw &= (uint16_t)~X87_CC_MASK;
        if (is_empty(s, 0)) s->fpu_sw |= X87_C3 | X87_C0 | (x87_sign(st_raw(s, 0)) ? X87_C1 : 0);
        else s->fpu_sw |= x87_fxam(st_raw(s, 0));
        return 0;
    case X87U_FXCH:
        e = env_begin(s);
        a = st_get(s, &e, 0);
        b = st_get(s, &e, i);
        st_set(s, 0, b);
        st_set(s, i, a);
        break;
    case X87U_FFREE:
        /* The manual leaves C0-C3 undefined; Intel CPUs clear C1 and keep the others. */
        s->fpu_sw &= (uint16_t)~X87_C1;
        s->fpu_tag &= (uint8_t)~(1u << phys(s, i));
        if (op & X87M_POPS_MASK) pop(s);
        return 0;
    case X87U_FINCSTP:
        s->fpu_sw &= (uint16_t)~X87_C1;
        s->fpu_top = (s->fpu_top + 1) & 7;
        return 0;
    case X87U_FDECSTP:
        s->fpu_sw &= (uint16_t)~X87_C1;
        s->fpu_top = (s->fpu_top - 1) & 7;
        return 0;
    case X87U_FNCLEX:
        s->fpu_sw &= (uint16_t)~(X87_EXC_MASK | X87_SF | X87_ES | X87_B);
        return 0;
    case X87U_FNINIT:
        s->fpu_cw = 0x037f;
        s->fpu_sw = 0;
        s->fpu_top = 0;
        s->fpu_tag = 0;
        s->fpu_fop = 0;
        s->fpu_fip = s->fpu_fdp = 0;
        return 0;
    case X87U_FCMOV:
        /* An empty ST(0) or ST(i) is a stack underflow whatever the condition: ST(0) gets
         * the indefinite. Otherwise C1 is left alone (measured), not cleared. */
        e = (X87Env){ s->fpu_cw, 0 };
        if (is_empty(s, 0) || is_empty(s, i)) {
            s->fpu_sw &= (uint16_t)~X87_C1;
            e.sw |= X87_IE | X87_SF;
            st_set(s, 0, X87_INDEFINITE);
        } else if (a1) {
            st_set(s, 0, st_raw(s, i));
        }
        break;
    case X87U_FRNDINT: case X87U_FSQRT: case X87U_F2XM1:
        e = env_begin(s);
        a = st_get(s, &e, 0);
        if (!underflowed(&e)) {
            unsigned u = X87M_OP(op);
            a = u == X87U_FRNDINT ? x87_frndint(&e, a) : u == X87U_FSQRT ? x87_sqrt(&e, a)
                                                                         : x87_f2xm1(&e, a);
        }
        st_set(s, 0, a);
        break;
    case X87U_FSCALE:
        e = env_begin(s);
        a = st_get(s, &e, 0);
        b = st_get(s, &e, 1);
        st_set(s, 0, underflowed(&e) ? X87_INDEFINITE : x87_fscale(&e, a, b));
        break;
    case X87U_FPREM: case X87U_FPREM1: {
        e = env_begin(s);
        a = st_get(s, &e, 0);
        b = st_get(s, &e, 1);
        uint16_t cc = 0;
        r = underflowed(&e) ? X87_INDEFINITE
                            : x87_fprem(&e, a, b, X87M_OP(op) == X87U_FPREM1, &cc);
        st_set(s, 0, r);
        /* A NaN result (stack underflow, invalid operation, NaN operand) clears C1 and C2
         * but leaves C0 and C3 as they were (measured). */
        uint16_t keep = is_nan(r) ? X87_C0 | X87_C3 : 0;
        s->fpu_sw = (uint16_t)((s->fpu_sw & (~(X87_C0 | X87_C2 | X87_C3) | keep)) |
                               (cc & (X87_C0 | X87_C2 | X87_C3) & ~keep));
        e.sw |= cc & X87_C1;
        break;
    }
    case X87U_FYL2X: case X87U_FYL2XP1: case X87U_FPATAN: {
        /* ST(1) = f(ST(0), ST(1)), then pop. */
        e = env_begin(s);
        a = st_get(s, &e, 0);
        b = st_get(s, &e, 1);
        unsigned u = X87M_OP(op);
        if (underflowed(&e)) r = X87_INDEFINITE;
        else if (u == X87U_FYL2X) r = x87_fyl2x(&e, a, b);
        else if (u == X87U_FYL2XP1) r = x87_fyl2xp1(&e, a, b);
        else r = x87_fpatan(&e, a, b);
        st_set(s, 1, r);
        pop(s);
        break;
    }
    case X87U_FXTRACT: case X87U_FPTAN: case X87U_FSINCOS: {
        /* ST(0) = first result, then push the second. */
        e = env_begin(s);
        a = st_get(s, &e, 0);
        unsigned u = X87M_OP(op);
        if (underflowed(&e) || !is_empty(s, 7)) {
            if (!underflowed(&e)) stack_overflow(&e);
            st_set(s, 0, X87_INDEFINITE);
            s->fpu_top = (s->fpu_top - 1) & 7;
            st_set(s, 0, X87_INDEFINITE);
            break;
        }
        bool ok = true;
        if (u == X87U_FXTRACT) x87_fxtract(&e, a, &r2, &r);        /* r2 sig, r exponent */
        else if (u == X87U_FPTAN) { ok = x87_fptan(&e, a, &r); r2 = x87_const(&e, X87_K_ONE); }
        else ok = x87_fsincos(&e, a, &r, &r2);
        if (u != X87U_FXTRACT) s->fpu_sw = (uint16_t)((s->fpu_sw & ~X87_C2) | (ok ? 0 : X87_C2));
        if (!ok) break;                                 /* out of range: nothing changes */
        st_set(s, 0, r);
        s->fpu_top = (s->fpu_top - 1) & 7;
        st_set(s, 0, r2);
        break;
    }
    case X87U_FSIN: case X87U_FCOS: {
        e = env_begin(s);
        a = st_get(s, &e, 0);
        if (underflowed(&e)) { st_set(s, 0, a); break; }
        bool ok = X87M_OP(op) == X87U_FSIN ? x87_fsin(&e, a, &r) : x87_fcos(&e, a, &r);
        s->fpu_sw = (uint16_t)((s->fpu_sw & ~X87_C2) | (ok ? 0 : X87_C2));
        if (ok) st_set(s, 0, r);
        break;
    }
    default:
        return 0;
    }
    env_end(s, &e);
    return 0;
}

/* ================================================================ status and environment */

/* The status word as fnstsw shows it: flags, TOP, and ES/B for unmasked pending exceptions. */
static uint16_t status_word(const X86State *s)
{
    uint16_t sw = s->fpu_sw & (uint16_t)~(X87_ES | X87_B | (7u << 11));
    sw |= (uint16_t)(s->fpu_top << 11);
    if (sw & ~s->fpu_cw & X87_EXC_MASK) sw |= X87_ES | X87_B;
    return sw;
}

uint64_t x87_h_fnstsw(void *state, uint64_t a0, uint64_t a1, uint64_t a2)
{
    (void)a0; (void)a1; (void)a2;
    return status_word(state);
}

/* The full tag of physical register p (SDM Vol. 1 8.1.7): 0 valid, 1 zero, 2 special
 * (NaN, infinity, denormal, unsupported), 3 empty. */
static unsigned full_tag(const X86State *s, unsigned p)
{
    if (!((s->fpu_tag >> p) & 1)) return 3;
    uint16_t ex = s->fpr[p].se & 0x7fff;
    uint64_t m = s->fpr[p].sig;
    if (ex == 0x7fff || (ex == 0 && m) || (ex != 0 && !(m >> 63))) return 2;
    return ex == 0 && !m ? 1 : 0;
}

static uint16_t tag_word(const X86State *s)
{
    uint16_t t = 0;
    for (unsigned p = 0; p < 8; p++) t |= (uint16_t)(full_tag(s, p) << (2 * p));
    return t;
}

static uint8_t abridged_from_full(uint16_t t)
{
    uint8_t a = 0;
    for (unsigned p = 0; p < 8; p++)
        if (((t >> (2 * p)) & 3) != 3) a |= (uint8_t)(1u << p);
    return a;
}

static void put16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static void put32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static uint16_t get16(const uint8_t *p) { uint16_t v; memcpy(&v, p, 2); return v; }
static uint32_t get32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }

/* The environment image (SDM Vol. 1 8.1.10, figures 8-9 and 8-10, protected mode): 28 bytes
 * in 32-bit form, 14 with the 66 prefix. Returns its size. */
static unsigned store_env(const X86State *s, uint8_t *m, bool small)
{
    if (small) {
        put16(m + 0, s->fpu_cw);
        put16(m + 2, status_word(s));
        put16(m + 4, tag_word(s));
        put16(m + 6, (uint16_t)s->fpu_fip);
        put16(m + 8, 0);                                /* FCS */
        put16(m + 10, (uint16_t)s->fpu_fdp);
        put16(m + 12, 0);                               /* FDS */
        return 14;
    }
    put32(m + 0, 0xffff0000u | s->fpu_cw);
    put32(m + 4, 0xffff0000u | status_word(s));
    put32(m + 8, 0xffff0000u | tag_word(s));
    put32(m + 12, (uint32_t)s->fpu_fip);
    put32(m + 16, (uint32_t)(s->fpu_fop & 0x7ff) << 16);   /* FCS 0, FOP */
    put32(m + 20, (uint32_t)s->fpu_fdp);
    put32(m + 24, 0xffff0000u);                         /* FDS 0 */
    return 28;
}

static unsigned load_env(X86State *s, const uint8_t *m, bool small)
{
    s->fpu_cw = cw_loaded(get16(m + 0));
    uint16_t sw = get16(m + (small ? 2 : 4));
    s->fpu_top = (sw >> 11) & 7;
    s->fpu_sw = sw & (uint16_t)~(7u << 11 | X87_ES | X87_B);
    s->fpu_tag = abridged_from_full(get16(m + (small ? 4 : 8)));
    if (small) {
        s->fpu_fip = get16(m + 6);
        s->fpu_fdp = get16(m + 10);
        s->fpu_fop = 0;
        return 14;
    }
    s->fpu_fip = get32(m + 12);
    s->fpu_fop = (uint16_t)((get32(m + 16) >> 16) & 0x7ff);
    s->fpu_fdp = get32(m + 20);
    return 28;
}

/* fnstenv (X87E_STENV), fldenv, fnsave, frstor at guest address addr; small: the 66 prefix. */
uint64_t x87_h_env(void *state, uint64_t op, uint64_t addr, uint64_t small)
{
    X86State *s = state;
    /* The image's size: a fault (system mode: a #PF) must come from its own bytes only. */
    size_t n = (small ? 14 : 28) + (op == X87E_SAVE || op == X87E_RSTOR ? 80 : 0);
    uint8_t *m = x86_host_ptr_rw(s, addr, n, op == X87E_STENV || op == X87E_SAVE);
    /* The loads read the whole image before changing anything, so a fault (on the image's
     * second page) leaves the state as the instruction found it (fe_call_mem). */
    uint8_t image[108];
    if (op == X87E_LDENV || op == X87E_RSTOR) {
        memcpy(image, m, n);
        m = image;
    }
    switch (op) {
    case X87E_STENV:
        store_env(s, m, small);
        s->fpu_cw |= X87_EXC_MASK;                      /* fnstenv masks every exception */
        break;
    case X87E_LDENV:
        load_env(s, m, small);
        break;
    case X87E_SAVE: {
        uint8_t *r = m + store_env(s, m, small);
        for (unsigned i = 0; i < 8; i++) {              /* ST(0)..ST(7), 10 bytes each */
            const X86Fpr *f = &s->fpr[phys(s, i)];
            memcpy(r + 10 * i, &f->sig, 8);
            memcpy(r + 10 * i + 8, &f->se, 2);
        }
        x87_h_misc(s, X87U_FNINIT, 0, 0);
        break;
    }
    case X87E_RSTOR: {
        const uint8_t *r = m + load_env(s, m, small);
        for (unsigned i = 0; i < 8; i++) {
            X86Fpr *f = &s->fpr[phys(s, i)];
            memcpy(&f->sig, r + 10 * i, 8);
            memcpy(&f->se, r + 10 * i + 8, 2);
            memset(f->_pad, 0, sizeof f->_pad);
        }
        break;
    }
    default:
        break;
    }
    return 0;
}

/* The x87 part of an FXSAVE image (SDM Vol. 1 10.5.1, table 10-2): FCW, FSW, abridged FTW,
 * FOP, FIP, FDP (64-bit form with REX.W, else 32-bit offsets with zero selectors) and ST0-7
 * at bytes 32..159 (16-byte slots, the upper 6 bytes zero). MXCSR and the XMM registers are
 * gen_sse.c's. */
uint64_t x87_h_fxsave(void *state, uint64_t addr, uint64_t rexw, uint64_t a2)
{
    (void)a2;
    X86State *s = state;
    uint8_t *m = x86_host_ptr_rw(s, addr, 512, true);
    put16(m + 0, s->fpu_cw);
    put16(m + 2, status_word(s));
    m[4] = s->fpu_tag;
    m[5] = 0;
    put16(m + 6, s->fpu_fop);
    if (rexw) {
        memcpy(m + 8, &s->fpu_fip, 8);
        memcpy(m + 16, &s->fpu_fdp, 8);
    } else {
        put32(m + 8, (uint32_t)s->fpu_fip);
        put32(m + 12, 0);
        put32(m + 16, (uint32_t)s->fpu_fdp);
        put32(m + 20, 0);
    }
    for (unsigned i = 0; i < 8; i++) {
        X86Fpr f = s->fpr[phys(s, i)];
        memset(f._pad, 0, sizeof f._pad);
        memcpy(m + 32 + 16 * i, &f, 16);
    }
    return 0;
}

uint64_t x87_h_fxrstor(void *state, uint64_t addr, uint64_t rexw, uint64_t a2)
{
    (void)a2;
    X86State *s = state;
    uint8_t m[160];                 /* read before anything changes, as in x87_h_env */
    memcpy(m, x86_host_ptr(s, addr, 512), sizeof m);
    s->fpu_cw = cw_loaded(get16(m + 0));
    uint16_t sw = get16(m + 2);
    s->fpu_top = (sw >> 11) & 7;
    s->fpu_sw = sw & (uint16_t)~(7u << 11 | X87_ES | X87_B);
    s->fpu_tag = m[4];
    s->fpu_fop = get16(m + 6) & 0x7ff;
    if (rexw) {
        memcpy(&s->fpu_fip, m + 8, 8);
        memcpy(&s->fpu_fdp, m + 16, 8);
    } else {
        s->fpu_fip = get32(m + 8);
        s->fpu_fdp = get32(m + 16);
    }
    for (unsigned i = 0; i < 8; i++) {
        X86Fpr *f = &s->fpr[phys(s, i)];
        memcpy(&f->sig, m + 32 + 16 * i, 8);
        memcpy(&f->se, m + 32 + 16 * i + 8, 2);
        memset(f->_pad, 0, sizeof f->_pad);
    }
    return 0;
}

void fe_register_helpers_x87(void)
{
    ir_helper_register(x87_h_arith, "x87_arith");
    ir_helper_register(x87_h_compare, "x87_compare");
    ir_helper_register(x87_h_load, "x87_load");
    ir_helper_register(x87_h_store, "x87_store");
    ir_helper_register(x87_h_misc, "x87_misc");
    ir_helper_register(x87_h_fnstsw, "x87_fnstsw");
    ir_helper_register(x87_h_env, "x87_env");
    ir_helper_register(x87_h_fxsave, "x87_fxsave");
    ir_helper_register(x87_h_fxrstor, "x87_fxrstor");
}
