/* x87_helpers.h — the x87 helpers' mode words, shared by gen_x87.c (which builds them at
 * translate time) and x87_helpers.c (which runs them). Private to frontend-x86/.
 *
 * A mode word packs: the operation (X87A_* for x87_h_arith, X87U_* for x87_h_misc), the
 * ST(i) index, the source/destination kind (X87S_*), the number of pops and option bits.
 */
#ifndef FERRY_X87_HELPERS_H
#define FERRY_X87_HELPERS_H

#include <stdint.h>

#define X87M_OP(m)    ((unsigned)(m) & 0xffu)
#define X87M_I(m)     (((unsigned)(m) >> 8) & 7u)
#define X87M_KIND(m)  (((unsigned)(m) >> 12) & 15u)
#define X87M_POPS(m)  (((unsigned)(m) >> 16) & 3u)
#define X87M_POPS_MASK (3u << 16)
#define X87M_DEST_STI (1u << 18)    /* arith: the result goes to ST(i), not ST(0) */
#define X87M_QUIET    (1u << 19)    /* compare: fucom (IE only for SNaN) */
#define X87M_EFLAGS   (1u << 20)    /* compare: fcomi/fucomi, return ZF PF CF */
#define X87M_TRUNC    (1u << 21)    /* integer store: fisttp (truncate, not RC) */
#define X87M_FSTP1    (1u << 22)    /* fstp st(i) as D9 D8+i: an empty ST(0) only pops */
#define X87M(op, i, kind, pops) \
    ((uint64_t)(op) | (uint64_t)(i) << 8 | (uint64_t)(kind) << 12 | (uint64_t)(pops) << 16)

/* Operand kinds: ST(i), memory formats, and the pseudo-sources. */
enum {
    X87S_STI = 0, X87S_F32, X87S_F64, X87S_F80, X87S_I16, X87S_I32, X87S_I64, X87S_BCD,
    X87S_ZERO,      /* ftst compares with +0.0 */
    X87S_CONST,     /* load: the constant X87Const number i */
};

/* Arithmetic operations in ModRM.reg order of D8/DC/DE (a = ST(0), b = the other operand;
 * 2 and 3 are the compares). */
enum { X87A_ADD = 0, X87A_MUL = 1, X87A_SUB = 4, X87A_SUBR = 5, X87A_DIV = 6, X87A_DIVR = 7 };

/* x87_h_misc operations. */
enum {
    X87U_FNOP = 1, X87U_FCHS, X87U_FABS, X87U_FXAM, X87U_FXCH, X87U_FFREE, X87U_FINCSTP,
    X87U_FDECSTP, X87U_FNCLEX, X87U_FNINIT, X87U_FCMOV, X87U_FRNDINT, X87U_FSQRT, X87U_F2XM1,
    X87U_FSCALE, X87U_FPREM, X87U_FPREM1, X87U_FYL2X, X87U_FYL2XP1, X87U_FPATAN, X87U_FXTRACT,
    X87U_FPTAN, X87U_FSINCOS, X87U_FSIN, X87U_FCOS,
};

/* x87_h_env operations. */
enum { X87E_STENV = 0, X87E_LDENV, X87E_SAVE, X87E_RSTOR };

uint64_t x87_h_arith(void *state, uint64_t mode, uint64_t lo, uint64_t hi);
uint64_t x87_h_compare(void *state, uint64_t mode, uint64_t lo, uint64_t hi);
uint64_t x87_h_load(void *state, uint64_t mode, uint64_t lo, uint64_t hi);
uint64_t x87_h_store(void *state, uint64_t mode, uint64_t a1, uint64_t a2);
uint64_t x87_h_misc(void *state, uint64_t op, uint64_t cond, uint64_t a2);
uint64_t x87_h_fnstsw(void *state, uint64_t a0, uint64_t a1, uint64_t a2);
uint64_t x87_h_env(void *state, uint64_t op, uint64_t addr, uint64_t small);
uint64_t x87_h_fxsave(void *state, uint64_t addr, uint64_t rexw, uint64_t a2);
uint64_t x87_h_fxrstor(void *state, uint64_t addr, uint64_t rexw, uint64_t a2);

#endif /* FERRY_X87_HELPERS_H */
