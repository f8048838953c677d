/* alu_flags.c — differential test of the integer ALU instructions: each snippet below runs on
 * many operand values with two flag presets (all arithmetic flags clear, all set); the
 * registers, memory and the flags the manual defines for that case are hashed, one line per
 * snippet. tests/guest/run.sh compares a native run with a ferry run.
 *
 *   alu_flags        one hash line per snippet (deterministic, moderate size)
 *   alu_flags -v     every case: inputs, outputs, defined-flag mask
 *   alu_flags -a     also compare undefined flags and undefined results (only meaningful on
 *                    the CPU ferry's policy was measured against; not used by run.sh)
 *
 * Register convention of every snippet: RAX RBX RCX RDX RSI R8 are data, RDI points at a
 * 16-byte aligned buffer of four quadwords, EFLAGS is loaded before and saved after. Flags and
 * results the manual leaves undefined are masked out (see defined_mask) unless -a is given.
 * tzcnt/lzcnt/popcnt (F3 0F BC/BD/B8) are covered by bmi_adx.c, with the BMI instructions.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct Regs {
    uint64_t a, b, c, d, s, e;      /* RAX RBX RCX RDX RSI R8 */
    uint64_t fl;
    uint64_t m[4] __attribute__((aligned(16)));
} Regs;

typedef void (*Fn)(Regs *r);

/* V_AB: RAX from vals[i], RBX etc. from vals[j]; V_A: the same, but the snippet reads only RAX
 * (or its immediate), so few j; V_SH: RCX = counts[j]; V_DIV: RDX:RAX / RBX without #DE;
 * V_BT: RBX = bitoffs[j]; V_C8: cmpxchg8b/16b, equal every other time. */
enum VKind { V_AB, V_A, V_SH, V_DIV, V_BT, V_C8 };
/* Which flags are defined: all six, logic (AF undefined), mul (CF OF), none, bt (CF, ZF
 * unchanged), bsf (ZF), shifts/rotates/shld by count. */
enum MKind { M_ALL, M_LOGIC, M_MUL, M_NONE, M_BT, M_BSF, M_SH, M_SAR, M_ROT, M_SHD, M_UNDEF };

typedef struct Test {
    const char *name;
    Fn fn;
    enum VKind vk;
    enum MKind mk;
    unsigned size;
    int cnt;        /* immediate shift count, or -1 for CL */
} Test;

/* The red zone is skipped before pushing: a leaf function at -O0 keeps its locals there. */
#define DEF(name, code, vk, mk, size, cnt)                                                  \
    static void name(Regs *r)                                                              \
    {                                                                                      \
        register uint64_t e __asm__("r8") = r->e;                                          \
        uint64_t fl = r->fl;                                                               \
        __asm__ volatile("sub $128, %%rsp\n\tpush %[fl]\n\tpopfq\n\t" code                 \
                         "\n\tpushfq\n\tpop %[fl]\n\tadd $128, %%rsp"                      \
                         : "+a"(r->a), "+b"(r->b), "+c"(r->c), "+d"(r->d), "+S"(r->s),     \
                           "+r"(e), [fl] "+r"(fl)                                          \
                         : "D"(r->m)                                                       \
                         : "cc", "memory");                                                \
        r->e = e;                                                                          \
        r->fl = fl;                                                                        \
    }
#define ENT(name, code, vk, mk, size, cnt) { #name, name, vk, mk, size, cnt },

/* add or adc sbb and sub xor cmp: every encoding form */
#define ALU(X, mn, M)                                                                      \
    X(mn##_b,    #mn "b %%bl, %%al", V_AB, M, 1, 0)                                          \
    X(mn##_bh,   #mn "b %%bh, %%ah", V_AB, M, 1, 0)                                          \
    X(mn##_bx,   #mn "b %%r8b, %%sil", V_AB, M, 1, 0)                                        \
    X(mn##_w,    #mn "w %%bx, %%ax", V_AB, M, 2, 0)                                          \
    X(mn##_l,    #mn "l %%ebx, %%eax", V_AB, M, 4, 0)                                        \
    X(mn##_q,    #mn "q %%rbx, %%rax", V_AB, M, 8, 0)                                        \
    X(mn##_same, #mn "l %%ecx, %%ecx", V_AB, M, 4, 0)                                        \
    X(mn##_mr,   #mn "l %%ebx, (%%rdi)", V_AB, M, 4, 0)                                      \
    X(mn##_rm,   #mn "q (%%rdi), %%rax", V_AB, M, 8, 0)                                      \
    X(mn##_mrb,  #mn "b %%bh, 1(%%rdi)", V_AB, M, 1, 0)                                      \
    X(mn##_rmw,  #mn "w 2(%%rdi), %%dx", V_AB, M, 2, 0)                                      \
    X(mn##_ai,   #mn "l $0x12345678, %%eax", V_A, M, 4, 0)                                 \
    X(mn##_aib,  #mn "b $0x81, %%al", V_A, M, 1, 0)                                        \
    X(mn##_aiw,  #mn "w $0x8001, %%ax", V_A, M, 2, 0)                                      \
    X(mn##_i8,   #mn "q $-3, %%rbx", V_AB, M, 8, 0)                                         \
    X(mn##_i32,  #mn "q $-0x789abcd, %%rbx", V_AB, M, 8, 0)                                 \
    X(mn##_ib,   #mn "b $0x7f, %%dh", V_AB, M, 1, 0)                                        \
    X(mn##_mi,   #mn "l $0x55, 4(%%rdi)", V_AB, M, 4, 0)

/* shifts and rotates: by CL, by 1, by immediates */
#define SH(X, mn, M)                                                                       \
    X(mn##_clb,  #mn "b %%cl, %%al", V_SH, M, 1, -1)                                         \
    X(mn##_clbh, #mn "b %%cl, %%bh", V_SH, M, 1, -1)                                         \
    X(mn##_clw,  #mn "w %%cl, %%ax", V_SH, M, 2, -1)                                         \
    X(mn##_cll,  #mn "l %%cl, %%eax", V_SH, M, 4, -1)                                        \
    X(mn##_clq,  #mn "q %%cl, %%rax", V_SH, M, 8, -1)                                        \
    X(mn##_clm,  #mn "l %%cl, (%%rdi)", V_SH, M, 4, -1)                                      \
    X(mn##_1b,   #mn "b $1, %%al", V_A, M, 1, 1)                                           \
    X(mn##_1q,   #mn "q $1, %%rax", V_A, M, 8, 1)                                          \
    X(mn##_1mw,  #mn "w $1, (%%rdi)", V_AB, M, 2, 1)                                        \
    X(mn##_ib,   #mn "b $9, %%al", V_A, M, 1, 9)                                           \
    X(mn##_iw,   #mn "w $13, %%ax", V_A, M, 2, 13)                                         \
    X(mn##_il,   #mn "l $3, %%eax", V_A, M, 4, 3)                                          \
    X(mn##_iq,   #mn "q $33, %%rax", V_A, M, 8, 33)                                        \
    X(mn##_i0,   #mn "l $32, %%eax", V_A, M, 4, 32)

#define SHD(X, mn)                                                                         \
    X(mn##_clw,  #mn "w %%cl, %%bx, %%ax", V_SH, M_SHD, 2, -1)                                \
    X(mn##_cll,  #mn "l %%cl, %%ebx, %%eax", V_SH, M_SHD, 4, -1)                              \
    X(mn##_clq,  #mn "q %%cl, %%rbx, %%rax", V_SH, M_SHD, 8, -1)                              \
    X(mn##_clm,  #mn "l %%cl, %%ebx, (%%rdi)", V_SH, M_SHD, 4, -1)                            \
    X(mn##_iw,   #mn "w $3, %%bx, %%ax", V_AB, M_SHD, 2, 3)                                  \
    X(mn##_il,   #mn "l $1, %%ebx, %%eax", V_AB, M_SHD, 4, 1)                                \
    X(mn##_iq,   #mn "q $37, %%rbx, %%rax", V_AB, M_SHD, 8, 37)                              \
    X(mn##_imq,  #mn "q $7, %%rbx, 8(%%rdi)", V_AB, M_SHD, 8, 7)

#define BT(X, mn)                                                                          \
    X(mn##_w,    #mn "w %%bx, %%ax", V_AB, M_BT, 2, 0)                                       \
    X(mn##_l,    #mn "l %%ebx, %%eax", V_AB, M_BT, 4, 0)                                     \
    X(mn##_q,    #mn "q %%rbx, %%rax", V_AB, M_BT, 8, 0)                                     \
    X(mn##_mw,   #mn "w %%bx, 16(%%rdi)", V_BT, M_BT, 2, 0)                                  \
    X(mn##_ml,   #mn "l %%ebx, 16(%%rdi)", V_BT, M_BT, 4, 0)                                 \
    X(mn##_mq,   #mn "q %%rbx, 16(%%rdi)", V_BT, M_BT, 8, 0)                                 \
    X(mn##_il,   #mn "l $37, %%eax", V_A, M_BT, 4, 0)                                      \
    X(mn##_iq,   #mn "q $63, %%rax", V_A, M_BT, 8, 0)                                      \
    X(mn##_imw,  #mn "w $21, 2(%%rdi)", V_AB, M_BT, 2, 0)

#define TESTS(X)                                                                           \
    ALU(X, add, M_ALL) ALU(X, or, M_LOGIC) ALU(X, adc, M_ALL) ALU(X, sbb, M_ALL)           \
    ALU(X, and, M_LOGIC) ALU(X, sub, M_ALL) ALU(X, xor, M_LOGIC) ALU(X, cmp, M_ALL)        \
    X(test_b,   "testb %%bl, %%al", V_AB, M_LOGIC, 1, 0)                                     \
    X(test_bh,  "testb %%ah, %%bh", V_AB, M_LOGIC, 1, 0)                                     \
    X(test_w,   "testw %%bx, %%ax", V_AB, M_LOGIC, 2, 0)                                     \
    X(test_l,   "testl %%ebx, %%eax", V_AB, M_LOGIC, 4, 0)                                   \
    X(test_q,   "testq %%rbx, %%rax", V_AB, M_LOGIC, 8, 0)                                   \
    X(test_m,   "testq %%rbx, (%%rdi)", V_AB, M_LOGIC, 8, 0)                                 \
    X(test_aib, "testb $0x81, %%al", V_A, M_LOGIC, 1, 0)                                   \
    X(test_ai,  "testl $0x80000001, %%eax", V_A, M_LOGIC, 4, 0)                            \
    X(test_iq,  "testq $-2, %%rbx", V_AB, M_LOGIC, 8, 0)                                    \
    X(test_ibh, "testb $1, %%bh", V_AB, M_LOGIC, 1, 0)                                      \
    X(test_imw, "testw $0x8000, 2(%%rdi)", V_AB, M_LOGIC, 2, 0)                             \
    X(inc_b,    "incb %%al", V_A, M_ALL, 1, 0)                                             \
    X(inc_bh,   "incb %%ah", V_A, M_ALL, 1, 0)                                             \
    X(inc_w,    "incw %%ax", V_A, M_ALL, 2, 0)                                             \
    X(inc_l,    "incl %%eax", V_A, M_ALL, 4, 0)                                            \
    X(inc_q,    "incq %%rax", V_A, M_ALL, 8, 0)                                            \
    X(inc_m,    "incl (%%rdi)", V_AB, M_ALL, 4, 0)                                          \
    X(dec_bx,   "decb %%sil", V_AB, M_ALL, 1, 0)                                            \
    X(dec_bh,   "decb %%bh", V_AB, M_ALL, 1, 0)                                             \
    X(dec_w,    "decw %%bx", V_AB, M_ALL, 2, 0)                                             \
    X(dec_l,    "decl %%ebx", V_AB, M_ALL, 4, 0)                                            \
    X(dec_q,    "decq %%rax", V_A, M_ALL, 8, 0)                                            \
    X(dec_m,    "decq 8(%%rdi)", V_AB, M_ALL, 8, 0)                                         \
    X(not_b,    "notb %%al", V_A, M_ALL, 1, 0)                                             \
    X(not_bh,   "notb %%ch", V_AB, M_ALL, 1, 0)                                             \
    X(not_w,    "notw %%ax", V_A, M_ALL, 2, 0)                                             \
    X(not_l,    "notl %%eax", V_A, M_ALL, 4, 0)                                            \
    X(not_q,    "notq %%rax", V_A, M_ALL, 8, 0)                                            \
    X(not_m,    "notw 6(%%rdi)", V_AB, M_ALL, 2, 0)                                         \
    X(neg_b,    "negb %%al", V_A, M_ALL, 1, 0)                                             \
    X(neg_bh,   "negb %%dh", V_AB, M_ALL, 1, 0)                                             \
    X(neg_w,    "negw %%ax", V_A, M_ALL, 2, 0)                                             \
    X(neg_l,    "negl %%eax", V_A, M_ALL, 4, 0)                                            \
    X(neg_q,    "negq %%rax", V_A, M_ALL, 8, 0)                                            \
    X(neg_m,    "negq (%%rdi)", V_AB, M_ALL, 8, 0)                                          \
    X(mul_b,    "mulb %%bl", V_AB, M_MUL, 1, 0)                                             \
    X(mul_bh,   "mulb %%bh", V_AB, M_MUL, 1, 0)                                             \
    X(mul_ah,   "mulb %%ah", V_AB, M_MUL, 1, 0)                                             \
    X(mul_w,    "mulw %%bx", V_AB, M_MUL, 2, 0)                                             \
    X(mul_l,    "mull %%ebx", V_AB, M_MUL, 4, 0)                                            \
    X(mul_q,    "mulq %%rbx", V_AB, M_MUL, 8, 0)                                            \
    X(mul_dx,   "mulq %%rdx", V_AB, M_MUL, 8, 0)                                            \
    X(mul_m,    "mulq (%%rdi)", V_AB, M_MUL, 8, 0)                                          \
    X(imul1_b,  "imulb %%bl", V_AB, M_MUL, 1, 0)                                            \
    X(imul1_w,  "imulw %%bx", V_AB, M_MUL, 2, 0)                                            \
    X(imul1_l,  "imull %%ebx", V_AB, M_MUL, 4, 0)                                           \
    X(imul1_q,  "imulq %%rbx", V_AB, M_MUL, 8, 0)                                           \
    X(imul1_m,  "imull (%%rdi)", V_AB, M_MUL, 4, 0)                                         \
    X(imul2_w,  "imulw %%bx, %%ax", V_AB, M_MUL, 2, 0)                                       \
    X(imul2_l,  "imull %%ebx, %%eax", V_AB, M_MUL, 4, 0)                                     \
    X(imul2_q,  "imulq %%rbx, %%rax", V_AB, M_MUL, 8, 0)                                     \
    X(imul2_m,  "imulq (%%rdi), %%rbx", V_AB, M_MUL, 8, 0)                                   \
    X(imul3_lb, "imull $-7, %%ebx, %%eax", V_AB, M_MUL, 4, 0)                                \
    X(imul3_q,  "imulq $0x12345, %%rbx, %%rax", V_AB, M_MUL, 8, 0)                           \
    X(imul3_w,  "imulw $0x1234, %%bx, %%ax", V_AB, M_MUL, 2, 0)                              \
    X(imul3_mw, "imulw $-3, (%%rdi), %%cx", V_AB, M_MUL, 2, 0)                               \
    X(div_b,    "divb %%bl", V_DIV, M_NONE, 1, 0)                                           \
    X(div_bh,   "divb %%bh", V_DIV, M_NONE, 1, 0)                                           \
    X(div_w,    "divw %%bx", V_DIV, M_NONE, 2, 0)                                           \
    X(div_l,    "divl %%ebx", V_DIV, M_NONE, 4, 0)                                          \
    X(div_q,    "divq %%rbx", V_DIV, M_NONE, 8, 0)                                          \
    X(div_m,    "divl (%%rdi)", V_DIV, M_NONE, 4, 0)                                        \
    X(idiv_b,   "idivb %%bl", V_DIV, M_NONE, 1, 0)                                          \
    X(idiv_w,   "idivw %%bx", V_DIV, M_NONE, 2, 0)                                          \
    X(idiv_l,   "idivl %%ebx", V_DIV, M_NONE, 4, 0)                                         \
    X(idiv_q,   "idivq %%rbx", V_DIV, M_NONE, 8, 0)                                         \
    X(idiv_m,   "idivq (%%rdi)", V_DIV, M_NONE, 8, 0)                                       \
    SH(X, rol, M_ROT) SH(X, ror, M_ROT) SH(X, rcl, M_ROT) SH(X, rcr, M_ROT)                \
    SH(X, shl, M_SH) SH(X, shr, M_SH) SH(X, sar, M_SAR)                                    \
    SHD(X, shld) SHD(X, shrd)                                                              \
    BT(X, bt) BT(X, bts) BT(X, btr) BT(X, btc)                                             \
    X(bsf_w,    "bsfw %%bx, %%ax", V_AB, M_BSF, 2, 0)                                        \
    X(bsf_l,    "bsfl %%ebx, %%eax", V_AB, M_BSF, 4, 0)                                      \
    X(bsf_q,    "bsfq %%rbx, %%rax", V_AB, M_BSF, 8, 0)                                      \
    X(bsf_m,    "bsfl (%%rdi), %%eax", V_AB, M_BSF, 4, 0)                                    \
    X(bsr_w,    "bsrw %%bx, %%ax", V_AB, M_BSF, 2, 0)                                        \
    X(bsr_l,    "bsrl %%ebx, %%eax", V_AB, M_BSF, 4, 0)                                      \
    X(bsr_q,    "bsrq %%rbx, %%rax", V_AB, M_BSF, 8, 0)                                      \
    X(bsr_m,    "bsrq (%%rdi), %%rax", V_AB, M_BSF, 8, 0)                                    \
    X(bswap_l,  "bswapl %%eax", V_A, M_ALL, 4, 0)                                          \
    X(bswap_q,  "bswapq %%rax", V_A, M_ALL, 8, 0)                                          \
    X(bswap_r8, "bswapq %%r8", V_AB, M_ALL, 8, 0)                                           \
    X(bswap_w,  ".byte 0x66, 0x0f, 0xc8", V_AB, M_UNDEF, 2, 0)                             \
    X(xadd_b,   "xaddb %%bl, %%al", V_AB, M_ALL, 1, 0)                                       \
    X(xadd_bh,  "xaddb %%bh, %%ah", V_AB, M_ALL, 1, 0)                                       \
    X(xadd_w,   "xaddw %%bx, %%ax", V_AB, M_ALL, 2, 0)                                       \
    X(xadd_l,   "xaddl %%ebx, %%eax", V_AB, M_ALL, 4, 0)                                     \
    X(xadd_q,   "xaddq %%rbx, %%rax", V_AB, M_ALL, 8, 0)                                     \
    X(xadd_same,"xaddq %%rax, %%rax", V_AB, M_ALL, 8, 0)                                     \
    X(xadd_m,   "xaddl %%ebx, (%%rdi)", V_AB, M_ALL, 4, 0)                                   \
    X(cmpxchg_b,  "cmpxchgb %%bl, %%cl", V_AB, M_ALL, 1, 0)                                  \
    X(cmpxchg_bh, "cmpxchgb %%bh, %%ch", V_AB, M_ALL, 1, 0)                                  \
    X(cmpxchg_w,  "cmpxchgw %%bx, %%cx", V_AB, M_ALL, 2, 0)                                  \
    X(cmpxchg_l,  "cmpxchgl %%ebx, %%ecx", V_AB, M_ALL, 4, 0)                                \
    X(cmpxchg_q,  "cmpxchgq %%rbx, %%rcx", V_AB, M_ALL, 8, 0)                                \
    X(cmpxchg_a,  "cmpxchgl %%ebx, %%eax", V_AB, M_ALL, 4, 0)                                \
    X(cmpxchg_ml, "cmpxchgl %%ebx, (%%rdi)", V_AB, M_ALL, 4, 0)                              \
    X(cmpxchg_mq, "cmpxchgq %%rbx, (%%rdi)", V_AB, M_ALL, 8, 0)                              \
    X(cmpxchg_mb, "cmpxchgb %%bh, (%%rdi)", V_AB, M_ALL, 1, 0)                               \
    X(cmpxchg8b,  "cmpxchg8b (%%rdi)", V_C8, M_ALL, 8, 0)                                   \
    X(cmpxchg16b, "cmpxchg16b (%%rdi)", V_C8, M_ALL, 8, 0)                                  \
    X(lock_add,   "lock addl %%ebx, (%%rdi)", V_AB, M_ALL, 4, 0)                             \
    X(lock_sbb,   "lock sbbq $-1, 8(%%rdi)", V_AB, M_ALL, 8, 0)                             \
    X(lock_inc,   "lock incw (%%rdi)", V_AB, M_ALL, 2, 0)                                   \
    X(lock_neg,   "lock negq (%%rdi)", V_AB, M_ALL, 8, 0)                                   \
    X(lock_xadd,  "lock xaddq %%rbx, (%%rdi)", V_AB, M_ALL, 8, 0)                            \
    X(lock_cx,    "lock cmpxchgl %%ebx, (%%rdi)", V_AB, M_ALL, 4, 0)                         \
    X(lock_bts,   "lock btsq %%rbx, 16(%%rdi)", V_BT, M_BT, 8, 0)                            \
    X(lock_btc,   "lock btcl $9, (%%rdi)", V_AB, M_BT, 4, 0)                                \
    X(lock_cx16,  "lock cmpxchg16b (%%rdi)", V_C8, M_ALL, 8, 0)

TESTS(DEF)

static const Test tests[] = { TESTS(ENT) };

/* ---- operand values ---- */

static const uint64_t vals[] = {
    0, 1, 2, 3, 0x7f, 0x80, 0x81, 0xff, 0x100, 0x7fff, 0x8000, 0xffff, 0x10000,
    0x7fffffff, 0x80000000, 0xffffffff, 0x100000000, 0x7fffffffffffffff,
    0x8000000000000000, 0xffffffffffffffff, 0x0123456789abcdef, 0xfedcba9876543210,
    0x5555555555555555, 0xaaaaaaaaaaaaaaaa, 0x8000000000000001, 0xfffffffffffffffe,
    0x00000000deadbeef, 0x0f0f0f0f0f0f0f0f,
};
#define NVALS (sizeof vals / sizeof vals[0])

/* Shift counts (CL); bit offsets for bt with a memory operand at 16(%rdi) (the buffer holds
 * bits -128..127 around it). */
static const uint64_t counts[] = { 0, 1, 2, 3, 4, 7, 8, 9, 15, 16, 17, 24, 31, 32, 33, 63,
                                   64, 65, 0xff };
static const int64_t bitoffs[] = { 0, 1, 5, 15, 16, 17, 31, 32, 33, 63, 64, 100, 127,
                                   -1, -2, -15, -16, -17, -31, -32, -33, -63, -64, -65,
                                   -100, -128 };
#define NCOUNTS (sizeof counts / sizeof counts[0])
#define NBITOFFS (sizeof bitoffs / sizeof bitoffs[0])

/* ---- which flags and results the manual defines ---- */

static unsigned masked_count(const Test *t, const Regs *in)
{
    unsigned m = t->size == 8 ? 63 : 31;
    return (t->cnt < 0 ? (unsigned)in->c : (unsigned)t->cnt) & m;
}

static uint64_t defined_mask(const Test *t, const Regs *in, int *undef_result)
{
    unsigned w = 8 * t->size, n;
    *undef_result = 0;
    switch (t->mk) {
    case M_ALL:   return 0x8d5;
    case M_LOGIC: return 0x8c5;
    case M_MUL:   return 0x801;
    case M_NONE:  return 0;
    case M_BT:    return 0x041;
    case M_BSF:
        if (((t->name[4] == 'm' ? in->m[0] : in->b) & (w == 64 ? ~0ull : (1ull << w) - 1)) == 0)
            *undef_result = 1;
        return 0x040;
    case M_UNDEF:
        *undef_result = 1;
        return 0x8d5;
    case M_SH: case M_SAR:
        n = masked_count(t, in);
        if (n == 0) return 0x8d5;
        if (n >= w && t->mk == M_SH) return 0x0c4;      /* CF undefined */
        return n == 1 ? 0x8c5 : 0x0c5;
    case M_ROT:
        n = masked_count(t, in);
        return n <= 1 ? 0x8d5 : 0x0d5;
    case M_SHD:
        n = masked_count(t, in);
        if (n == 0) return 0x8d5;
        if (n > w) {
            *undef_result = 1;
            return 0;
        }
        return n == 1 ? 0x8c5 : 0x0c5;
    }
    return 0x8d5;
}

/* Would this divide raise #DE? (Those cases are skipped.) */
static int div_faults(const Test *t, const Regs *r)
{
    __extension__ typedef unsigned __int128 u128;
    __extension__ typedef __int128 s128;
    unsigned w = 8 * t->size;
    uint64_t m = w == 64 ? ~0ull : (1ull << w) - 1;
    uint64_t d = (t->name[strlen(t->name) - 1] == 'm' ? r->m[0]
                  : t->name[strlen(t->name) - 1] == 'h' ? r->b >> 8 : r->b) & m;
    u128 n = w == 8 ? (r->a & 0xffff) : ((u128)(r->d & m) << w) | (r->a & m);
    if (d == 0) return 1;
    if (t->name[0] == 'd') return (n / d) > m;
    s128 sn = w == 64 ? (s128)n : (s128)(n << (128 - 2 * w)) >> (128 - 2 * w);
    int64_t sd = (int64_t)(d << (64 - w)) >> (64 - w);
    s128 qmax = (s128)(m >> 1), qmin = -qmax - 1;
    if (sd == -1)               /* q = -sn, computed without overflowing */
        return sn < -qmax || sn > -qmin;
    s128 q = sn / sd;
    return q > qmax || q < qmin;
}

/* ---- running ---- */

static int verbose, all_flags;

static uint64_t hash_word(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xff;
        h *= 0x100000001b3ull;
    }
    return h;
}

static void set_inputs(const Test *t, Regs *r, unsigned i, unsigned j)
{
    uint64_t a = vals[i], b = vals[j % NVALS];
    memset(r, 0, sizeof *r);
    r->a = a;
    r->b = b;
    r->c = j % 3 == 0 ? a : b;              /* cmpxchg: equal one time in three */
    r->d = ~a ^ (b << 7);
    r->s = a;
    r->e = b;
    r->m[0] = j % 3 == 0 ? a : b;
    r->m[1] = a ^ b;
    r->m[2] = ~a;
    r->m[3] = b * 0x9e3779b97f4a7c15ull;
    switch (t->vk) {
    case V_SH:
        r->c = counts[j];
        break;
    case V_DIV:
        r->d = j % 4 == 0 ? 0 : j % 4 == 1 ? ~0ull : j % 4 == 2 ? b >> 3 : a >> 40;
        r->m[0] = b;
        break;
    case V_BT:
        r->b = (uint64_t)bitoffs[j];
        break;
    case V_C8:
        if (j % 2 == 0) {       /* make the comparison succeed */
            r->m[0] = strstr(t->name, "16") ? a : ((r->d << 32) | (a & 0xffffffff));
            r->m[1] = r->d;
        }
        r->c = b ^ 0x1111;
        break;
    default:
        break;
    }
}

static unsigned ninputs(const Test *t)
{
    return t->vk == V_SH ? NCOUNTS : t->vk == V_BT ? NBITOFFS : t->vk == V_A ? 4 : NVALS;
}

int main(int argc, char **argv)
{
    for (int k = 1; k < argc; k++) {
        if (!strcmp(argv[k], "-v")) verbose = 1;
        if (!strcmp(argv[k], "-a")) all_flags = 1;
    }
    static const uint64_t presets[2] = { 0x202, 0x202 | 0x8d5 };
    unsigned ntests = sizeof tests / sizeof tests[0];
    for (unsigned ti = 0; ti < ntests; ti++) {
        const Test *t = &tests[ti];
        uint64_t h = 0xcbf29ce484222325ull;
        unsigned cases = 0;
        for (unsigned i = 0; i < NVALS; i++) {
            for (unsigned j = 0; j < ninputs(t); j++) {
                for (unsigned p = 0; p < 2; p++) {
                    Regs in, out;
                    set_inputs(t, &in, i, j);
                    in.fl = presets[p];
                    if (t->vk == V_DIV && div_faults(t, &in))
                        continue;
                    int undef;
                    uint64_t mask = defined_mask(t, &in, &undef);
                    if (all_flags) {
                        mask = 0x8d5;
                        undef = 0;
                    }
                    out = in;
                    t->fn(&out);
                    uint64_t fl = out.fl & mask;
                    if (undef) {        /* destination undefined: RAX or the first word */
                        out.a = 0;
                        out.m[0] = 0;
                    }
                    const uint64_t *o = &out.a;
                    for (int k = 0; k < 6; k++) h = hash_word(h, o[k]);
                    for (int k = 0; k < 4; k++) h = hash_word(h, out.m[k]);
                    h = hash_word(h, fl);
                    cases++;
                    if (verbose)
                        printf("%s a=%lx b=%lx c=%lx d=%lx f=%lx -> a=%lx b=%lx c=%lx d=%lx "
                               "s=%lx e=%lx m=%lx,%lx,%lx,%lx f=%03lx/%03lx\n", t->name,
                               (unsigned long)in.a, (unsigned long)in.b, (unsigned long)in.c,
                               (unsigned long)in.d, (unsigned long)(in.fl & 0x8d5),
                               (unsigned long)out.a, (unsigned long)out.b, (unsigned long)out.c,
                               (unsigned long)out.d, (unsigned long)out.s, (unsigned long)out.e,
                               (unsigned long)out.m[0], (unsigned long)out.m[1],
                               (unsigned long)out.m[2], (unsigned long)out.m[3],
                               (unsigned long)fl, (unsigned long)mask);
                }
            }
        }
        printf("%-12s %5u %016llx\n", t->name, cases, (unsigned long long)h);
    }
    return 0;
}
